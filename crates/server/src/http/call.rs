//! Around every `/v1` and gateway call: the rate-limit headers, and the
//! request record of each call made with a key.

use super::{rate_limit_headers, ApiContext};
use crate::service::access::{self, AuthenticatedKey};
use crate::service::rate_limits::Decision;
use crate::service::request_log::RequestRecord;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use keyscope_model::requests::resource_id_of;
use keyscope_model::Outcome;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the handler learned about the call, for the response and the log.
#[derive(Default)]
struct Learned {
    decision: Option<Decision>,
    key: Option<KeyNote>,
    /// The call a verify request describes (method, endpoint, the status
    /// it would get), logged instead of the verify call itself.
    described: Option<(String, String, u16)>,
}

/// What the log needs of the calling key (its scopes are not logged).
struct KeyNote {
    id: String,
    workspace_id: String,
    project_id: Option<String>,
}

#[derive(Clone, Default)]
pub struct CallSlot(Arc<Mutex<Learned>>);

impl CallSlot {
    fn with<T>(&self, change: impl FnOnce(&mut Learned) -> T) -> T {
        change(
            &mut self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    pub fn key(&self, key: &AuthenticatedKey) {
        let note = KeyNote {
            id: key.id.clone(),
            workspace_id: key.workspace_id.clone(),
            project_id: key.project_id.clone(),
        };
        self.with(|learned| learned.key = Some(note));
    }

    pub fn decision(&self, decision: Decision) {
        self.with(|learned| learned.decision = Some(decision));
    }

    pub fn describes(&self, method: String, endpoint: String, status: u16) {
        self.with(|learned| learned.described = Some((method, endpoint, status)));
    }
}

/// What every key-authenticated call goes through: authenticate, note the key
/// for the log, run the call's own `check` (scope, project), then count the
/// call against the key's limits; a refusal at any step is logged too.
pub async fn admit_key(
    context: &ApiContext,
    extensions: &axum::http::Extensions,
    presented: &str,
    check: impl FnOnce(&AuthenticatedKey) -> crate::error::Result<()>,
) -> crate::error::Result<AuthenticatedKey> {
    let now = chrono::Utc::now();
    let key = access::authenticate_key(&context.services, presented, now).await?;
    let slot = extensions.get::<CallSlot>().cloned().unwrap_or_default();
    slot.key(&key);
    check(&key)?;
    let decision = access::count_request(&context.services, &key, now).await?;
    slot.decision(decision.clone());
    if decision.allowed {
        Ok(key)
    } else {
        Err(crate::error::Error::RateLimited(decision))
    }
}

pub async fn track(
    State(context): State<ApiContext>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let slot = CallSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().as_str().to_owned();
    let endpoint = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| ip_text(address.ip()));
    let request_id = request
        .headers()
        .get(super::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);

    let mut response = next.run(request).await;

    let learned = std::mem::take(
        &mut *slot
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    if let Some(decision) = &learned.decision {
        rate_limit_headers::apply(response.headers_mut(), decision);
    }
    if let Some(key) = learned.key {
        let (method, endpoint, route, status) = match learned.described {
            Some((method, endpoint, status)) => (method, endpoint.clone(), endpoint, status),
            None => (
                method,
                endpoint.clone(),
                route.unwrap_or(endpoint),
                response.status().as_u16(),
            ),
        };
        context.services.recorder.record(RequestRecord {
            id: request_id.unwrap_or_else(|| format!("req_{}", ulid::Ulid::new())),
            workspace_id: key.workspace_id,
            key_id: Some(key.id),
            project_id: key.project_id,
            occurred_at: chrono::Utc::now().timestamp_millis(),
            resource_id: resource_id_of(&endpoint),
            method,
            endpoint,
            route,
            outcome: Outcome::of_status(status).as_str(),
            status_code: status,
            latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
            client_ip,
        });
    }
    response
}

/// An IP address as text, IPv4 without the formatting machinery (`Display`
/// pads and aligns, and costs as much as the rest of the record).
pub fn ip_text(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let mut text = String::with_capacity(15);
            let mut digits = itoa::Buffer::new();
            for (index, octet) in v4.octets().into_iter().enumerate() {
                if index > 0 {
                    text.push('.');
                }
                text.push_str(digits.format(octet));
            }
            text
        }
        std::net::IpAddr::V6(v6) => v6.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::ip_text;

    #[test]
    fn ip_text_matches_display() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.100.255",
            "203.0.113.9",
            "::1",
            "2001:db8::7",
        ] {
            let ip: std::net::IpAddr = ip.parse().expect("an address");
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }
}
