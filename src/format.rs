//! How times and keys read on screen. Pure functions, tested natively.

use chrono::{DateTime, Utc};

/// "just now", "2m ago", "1h ago", "Yesterday", "5d ago"; in the future
/// "in 3d"; past a month the date.
pub fn relative_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    if seconds < 0 {
        return future_time(-seconds, at);
    }
    match seconds {
        0..=59 => "just now".to_owned(),
        60..=3_599 => format!("{}m ago", seconds / 60),
        3_600..=86_399 => format!("{}h ago", seconds / 3_600),
        86_400..=172_799 => "Yesterday".to_owned(),
        172_800..=2_591_999 => format!("{}d ago", seconds / 86_400),
        _ => at.format("%b %-d, %Y").to_string(),
    }
}

fn future_time(seconds: i64, at: DateTime<Utc>) -> String {
    match seconds {
        0..=3_599 => format!("in {}m", (seconds / 60).max(1)),
        3_600..=86_399 => format!("in {}h", seconds / 3_600),
        86_400..=2_591_999 => format!("in {}d", seconds / 86_400),
        _ => at.format("%b %-d, %Y").to_string(),
    }
}

/// `ks_live_AbCd…wXyZ`: enough to recognise a key, never the secret.
pub fn masked_key(prefix: &str, last_four: &str) -> String {
    format!("{prefix}…{last_four}")
}

/// The current time, from the browser's clock in the browser.
pub fn now() -> DateTime<Utc> {
    #[cfg(target_arch = "wasm32")]
    {
        keyscope_model::timestamp::from_millis(js_sys::Date::now() as i64)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Utc::now()
    }
}

/// The origin the app was served from, for calls a person will paste
/// elsewhere. Reads `window`, so only call it from an event handler or effect.
pub fn page_origin() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "http://127.0.0.1:8080".to_owned()
    }
}

/// A billing period as the quota card shows it: "Dec 1 → Dec 31". The end
/// is exclusive on the wire, so the last day shown is the day before it.
/// Periods are calendar months in UTC, so they read in UTC.
pub fn period_label(start: DateTime<Utc>, end_exclusive: DateTime<Utc>) -> String {
    let last_day = end_exclusive - chrono::Duration::seconds(1);
    format!("{} → {}", start.format("%b %-d"), last_day.format("%b %-d"))
}

/// `1234567` -> "1,234,567".
pub fn grouped(count: u64) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// The exact time in the viewer's own time zone (in the browser), for hovers.
pub fn exact_local_time(at: DateTime<Utc>) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64
        ));
        String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn recent_times_read_as_minutes_and_hours_ago() {
        assert_eq!(
            relative_time(now() - Duration::seconds(20), now()),
            "just now"
        );
        assert_eq!(relative_time(now() - Duration::minutes(2), now()), "2m ago");
        assert_eq!(
            relative_time(now() - Duration::minutes(61), now()),
            "1h ago"
        );
    }

    #[test]
    fn a_day_ago_is_yesterday_then_days() {
        assert_eq!(
            relative_time(now() - Duration::hours(30), now()),
            "Yesterday"
        );
        assert_eq!(relative_time(now() - Duration::days(5), now()), "5d ago");
    }

    #[test]
    fn old_and_far_future_times_show_the_date() {
        assert_eq!(
            relative_time(now() - Duration::days(45), now()),
            "Oct 13, 2026"
        );
        assert_eq!(relative_time(now() + Duration::days(3), now()), "in 3d");
        assert_eq!(
            relative_time(now() + Duration::days(90), now()),
            "Feb 25, 2027"
        );
    }

    #[test]
    fn masked_key_shows_prefix_and_last_four() {
        assert_eq!(masked_key("ks_live_AbCd", "wXyZ"), "ks_live_AbCd…wXyZ");
    }

    #[test]
    fn a_period_shows_its_first_and_last_day() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(period_label(start, end), "Dec 1 → Dec 31");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
