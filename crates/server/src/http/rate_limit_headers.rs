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
    let fields = [
        ("x-ratelimit-limit", HeaderValue::from(decision.limit)),
        (
            "x-ratelimit-remaining",
            HeaderValue::from(decision.remaining),
        ),
        ("x-ratelimit-reset", HeaderValue::from(reset_epoch)),
    ];
    for (name, value) in fields {
        headers.insert(HeaderName::from_static(name), value);
    }
    for (name, value) in [
        ("ratelimit", &text[..rate_limit_end]),
        ("ratelimit-policy", &text[rate_limit_end..]),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}
