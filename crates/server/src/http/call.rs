//! Around every call: its request id, its count in `/metrics` (and for the
//! gateway its time), and for calls made with a key the rate-limit headers
//! and the request record.

use super::{rate_limit_headers, ApiContext, REQUEST_ID};
use crate::service::access::{self, AuthenticatedKey};
use crate::service::rate_limits::Decision;
use crate::service::request_log::RequestRecord;
use crate::telemetry::RouteLabel;
use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use keyscope_model::requests::resource_id_of;
use keyscope_model::Outcome;
use rustc_hash::FxHashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;
use tracing::Instrument;

/// What the handler learned about the call, for the response and the log.
#[derive(Default)]
struct Learned {
    decision: Option<Decision>,
    key: Option<AuthenticatedKey>,
    /// The call a verify request describes (method, endpoint, the status
    /// it would get), logged instead of the verify call itself.
    described: Option<(String, String, u16)>,
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
        let key = key.clone();
        self.with(|learned| learned.key = Some(key));
    }

    pub fn decision(&self, decision: Decision) {
        self.with(|learned| learned.decision = Some(decision));
    }

    pub fn describes(&self, method: String, endpoint: String, status: u16) {
        self.with(|learned| learned.described = Some((method, endpoint, status)));
    }
}

/// What every key-authenticated call goes through: authenticate, note the key
/// for the log, count the call against the key's limits, then run the
/// call's own `check` (scope, project).
///
/// The one rule for refused calls: every call made with a valid key is
/// counted and answered with its rate-limit headers, whether it is then
/// refused (403, 404) or not, in the gateway and the management API alike;
/// so a key probing for what it may reach is throttled like any other use.
/// A call whose key fails authentication counts against nothing (there is
/// no key to count against). Every call made with a valid key is logged.
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
    let decision = access::count_request(&context.services, &key, now).await?;
    slot.decision(decision.clone());
    if !decision.allowed {
        return Err(crate::error::Error::RateLimited(decision));
    }
    check(&key)?;
    Ok(key)
}

/// The one layer around every route: a new request id on the request and
/// its response and in a log span around the call, the call counted (by
/// route template, method and status; a gateway call timed), a 5xx logged
/// as an error, and for a call made with a key its rate-limit headers and
/// its request record.
///
/// Written by hand rather than as tower-http's request-id and trace layers
/// plus an axum `from_fn`: those are four services and three boxed futures
/// a call, and copied the method, path, route and client address of every
/// request before knowing whether it would be logged. Here what the record
/// needs is kept by reference (cheap clones) and turned into text only for
/// calls made with a key. Applied with `Router::layer`, it runs after
/// routing, so the matched route is known.
#[derive(Clone)]
pub struct CallLayer {
    context: ApiContext,
    routes: Arc<RouteLabels>,
}

impl CallLayer {
    pub fn new(context: ApiContext) -> Self {
        Self {
            context,
            routes: Arc::new(RouteLabels::new(&super::route_table())),
        }
    }
}

impl<S> tower::Layer<S> for CallLayer {
    type Service = Calls<S>;

    fn layer(&self, inner: S) -> Calls<S> {
        Calls {
            inner,
            context: self.context.clone(),
            routes: self.routes.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Calls<S> {
    inner: S,
    context: ApiContext,
    routes: Arc<RouteLabels>,
}

/// Every route template as a metric label, numbered by the one route
/// table, so that every router (the main one, the metrics listener's)
/// names a template alike.
pub struct RouteLabels {
    by_template: FxHashMap<&'static str, Labelled>,
}

#[derive(Clone, Copy)]
struct Labelled {
    label: RouteLabel,
    /// A gateway route: its calls are timed too.
    gateway: bool,
}

impl RouteLabels {
    pub fn new(table: &[super::routes::Route]) -> Self {
        let mut by_template = FxHashMap::default();
        for route in table {
            let index = u16::try_from(by_template.len()).unwrap_or(u16::MAX - 1);
            by_template.entry(route.path).or_insert(Labelled {
                label: RouteLabel {
                    index,
                    template: route.path,
                },
                gateway: route.path.starts_with("/gateway/"),
            });
        }
        Self { by_template }
    }

    fn of(&self, matched: Option<&MatchedPath>) -> Labelled {
        matched
            .and_then(|matched| self.by_template.get(matched.as_str()).copied())
            .unwrap_or(Labelled {
                label: RouteLabel::UNMATCHED,
                gateway: false,
            })
    }
}

impl<S> tower::Service<Request> for Calls<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        // Always ours, never the caller's: the id is the log record's key,
        // and one a caller chose could repeat (failing the batch of records
        // it is written with) or break the `req_` form. The gateway passes
        // this one upstream.
        let request_id = new_request_id();
        request.headers_mut().insert(REQUEST_ID, request_id.clone());
        let slot = CallSlot::default();
        request.extensions_mut().insert(slot.clone());
        let method = request.method().clone();
        let uri = request.uri().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let labelled = self.routes.of(route.as_ref());
        let client = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        // Every line logged while the call is answered carries its request
        // id: the gateway's upstream warnings, an internal error, the 5xx
        // line below. At the error level so that it exists whenever any line
        // of this crate can be written (a span's level only decides whether
        // it is recorded); and with nothing recording it, as under `off`,
        // it is `Span::none()`: no allocation, no formatting. Not entered
        // for `inner.call`, which only builds the handler's future.
        let span = tracing::error_span!(
            "request",
            request_id = request_id.to_str().unwrap_or_default()
        );
        let answer = self.inner.call(request);
        let context = self.context.clone();
        let answered = async move {
            let Ok(mut response) = answer.await;
            let learned = std::mem::take(
                &mut *slot
                    .0
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            );
            let status = response.status().as_u16();
            let telemetry = &context.services.telemetry;
            telemetry.http_request(labelled.label, &method, status);
            if labelled.gateway {
                telemetry.gateway_request(started.elapsed(), status);
            }
            if let Some(decision) = &learned.decision {
                rate_limit_headers::apply(response.headers_mut(), decision);
            }
            if let Some(key) = learned.key {
                let call = Call {
                    method: &method,
                    path: uri.path(),
                    route: route.as_ref().map(MatchedPath::as_str),
                    request_id: &request_id,
                    client,
                    started,
                };
                context.services.recorder.record(call.record(
                    key,
                    learned.described,
                    response.status(),
                ));
            }
            if response.status().is_server_error() {
                tracing::error!(
                    %method,
                    path = uri.path(),
                    status = response.status().as_u16(),
                    "answered with a server error"
                );
            }
            response.headers_mut().insert(REQUEST_ID, request_id);
            Ok(response)
        };
        Box::pin(answered.instrument(span))
    }
}

/// What a call's record is made of, borrowed until a key is known to have
/// made it.
struct Call<'a> {
    method: &'a Method,
    path: &'a str,
    route: Option<&'a str>,
    request_id: &'a HeaderValue,
    client: Option<IpAddr>,
    started: Instant,
}

impl Call<'_> {
    fn record(
        &self,
        key: AuthenticatedKey,
        described: Option<(String, String, u16)>,
        status: StatusCode,
    ) -> RequestRecord {
        let (method, endpoint, route, status) = match described {
            Some((method, endpoint, status)) => (method, endpoint.clone(), endpoint, status),
            None => (
                self.method.as_str().to_owned(),
                self.path.to_owned(),
                self.route.unwrap_or(self.path).to_owned(),
                status.as_u16(),
            ),
        };
        RequestRecord {
            id: self
                .request_id
                .to_str()
                .map_or_else(|_| format!("req_{}", ulid::Ulid::new()), str::to_owned),
            workspace_id: key.workspace_id.clone(),
            key_id: Some(key.id.clone()),
            project_id: key.project_id.clone(),
            occurred_at: chrono::Utc::now().timestamp_millis(),
            resource_id: resource_id_of(&endpoint),
            method,
            endpoint,
            route,
            outcome: Outcome::of_status(status).as_str(),
            status_code: status,
            latency_ms: u32::try_from(self.started.elapsed().as_millis()).unwrap_or(u32::MAX),
            client_ip: self.client.map(ip_text),
        }
    }
}

/// `req_<ULID>`: sortable by time, the id the request log shows. Written on
/// the stack: one allocation, the header value's own.
fn new_request_id() -> HeaderValue {
    let mut text = *b"req_00000000000000000000000000";
    ulid::Ulid::new().array_to_str(
        (&mut text[4..])
            .try_into()
            .unwrap_or_else(|_| unreachable!("26 bytes after the prefix")),
    );
    HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("req_unknown"))
}

/// An IP address as text, IPv4 without the formatting machinery (`Display`
/// pads and aligns, and costs as much as the rest of the record).
pub fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
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
        IpAddr::V6(v6) => v6.to_string(),
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
