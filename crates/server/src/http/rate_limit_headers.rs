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
    // Written into one buffer, each field then copied out once, numbers
    // without the formatting machinery: these run on every key call.
    let mut text = String::with_capacity(128);
    quoted(&mut text, decision.window.as_str());
    text.push_str(";r=");
    push_number(&mut text, decision.remaining);
    text.push_str(";t=");
    push_number(&mut text, u64::try_from(reset_in).unwrap_or(0));
    let rate_limit_end = text.len();
    for (index, (window, quota, seconds)) in decision.policies.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        quoted(&mut text, window.as_str());
        text.push_str(";q=");
        push_number(&mut text, quota);
        text.push_str(";w=");
        push_number(&mut text, seconds);
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

fn quoted(text: &mut String, word: &str) {
    text.push('"');
    text.push_str(word);
    text.push('"');
}

/// Decimal digits of `number`, as `Display` would write them (itoa, the
/// writer serde_json and http use, without `core::fmt`).
fn push_number(text: &mut String, number: u64) {
    text.push_str(itoa::Buffer::new().format(number));
}

#[cfg(test)]
mod tests {
    use super::push_number;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for number in [0, 7, 10, 99, 100, 86_400, 100_000_000, u64::MAX] {
            let mut text = String::new();
            push_number(&mut text, number);
            assert_eq!(text, number.to_string());
        }
    }
}
