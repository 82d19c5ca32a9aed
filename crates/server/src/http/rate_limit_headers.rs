//! The rate-limit fields on every key-authenticated response: the
//! `X-RateLimit-*` trio and the IETF draft's `RateLimit` and
//! `RateLimit-Policy`.

use crate::service::rate_limits::Decision;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use std::fmt::Write;

pub fn apply(headers: &mut HeaderMap, decision: &Decision) {
    // Rounded up: a client that waits until then is never early.
    let reset_millis = decision.reset_at.timestamp_millis();
    let reset_epoch = (reset_millis + 999).div_euclid(1000).max(0);
    let reset_in = (reset_millis - chrono::Utc::now().timestamp_millis() + 999)
        .div_euclid(1000)
        .max(0);
    // Written into one buffer, each field then copied out once: these run
    // on every key-authenticated call.
    let mut text = String::with_capacity(128);
    let _ = write!(
        text,
        "\"{}\";r={};t={reset_in}",
        decision.window.as_str(),
        decision.remaining
    );
    let rate_limit_end = text.len();
    for (index, (window, quota, seconds)) in decision.policies.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "\"{}\";q={quota};w={seconds}", window.as_str());
    }
    // Room for all five at once rather than growing the map twice.
    headers.reserve(5);
    headers.insert(LIMIT, HeaderValue::from(decision.limit));
    headers.insert(REMAINING, HeaderValue::from(decision.remaining));
    headers.insert(RESET, HeaderValue::from(reset_epoch));
    for (name, value) in [
        (RATE_LIMIT, &text[..rate_limit_end]),
        (RATE_LIMIT_POLICY, &text[rate_limit_end..]),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
}

// Constants: `from_static` at run time validates the name on every call.
const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
