//! The rate-limit fields on every key-authenticated response: the
//! `X-RateLimit-*` trio and the IETF draft's `RateLimit` and
//! `RateLimit-Policy`.

use crate::service::rate_limits::Decision;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex};

/// Where the extractor leaves its decision for the response.
#[derive(Clone, Default)]
pub struct DecisionSlot(Arc<Mutex<Option<Decision>>>);

impl DecisionSlot {
    pub fn put(&self, decision: Decision) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(decision);
    }

    fn take(&self) -> Option<Decision> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

pub async fn add_headers(mut request: Request, next: Next) -> Response {
    let slot = DecisionSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    if let Some(decision) = slot.take() {
        apply(response.headers_mut(), &decision);
    }
    response
}

pub fn apply(headers: &mut HeaderMap, decision: &Decision) {
    // Rounded up: a client that waits until then is never early.
    let reset_millis = decision.reset_at.timestamp_millis();
    let reset_epoch = (reset_millis + 999).div_euclid(1000).max(0);
    let reset_in = (reset_millis - chrono::Utc::now().timestamp_millis() + 999)
        .div_euclid(1000)
        .max(0);
    let policy = decision
        .policies
        .iter()
        .map(|(window, quota, seconds)| format!("\"{}\";q={quota};w={seconds}", window.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let fields = [
        ("x-ratelimit-limit", decision.limit.to_string()),
        ("x-ratelimit-remaining", decision.remaining.to_string()),
        ("x-ratelimit-reset", reset_epoch.to_string()),
        (
            "ratelimit",
            format!(
                "\"{}\";r={};t={reset_in}",
                decision.window.as_str(),
                decision.remaining
            ),
        ),
        ("ratelimit-policy", policy),
    ];
    for (name, value) in fields {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}
