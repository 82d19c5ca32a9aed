//! The rate-limit fields on every key-authenticated response: the
//! `X-RateLimit-*` trio and the IETF draft's `RateLimit` and
//! `RateLimit-Policy`.

use crate::service::rate_limits::Decision;
use axum::http::{HeaderMap, HeaderName, HeaderValue};

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
