//! Timestamps on the wire: UTC, RFC 3339 with exactly millisecond precision.
//!
//! Use with `#[serde(with = "keyscope_model::timestamp")]` (or `::option`).

use chrono::{DateTime, Datelike, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serializer};

pub fn format(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whether [`format`] writes `at` as text [`parse`] reads back: RFC 3339
/// has four-digit years, so 0000 to 9999 in UTC. A time in an offset can
/// leave them (`9999-12-31T20:00:00-04:00` is year 10000 in UTC), and
/// would then be accepted but written as `+10000-01-01T00:00:00.000Z`,
/// which no reader of this API's answers (the web app included) accepts.
pub fn is_writable(at: &DateTime<Utc>) -> bool {
    (0..=9999).contains(&at.year())
}

const OUT_OF_RANGE: &str = "the time is outside the years 0000 to 9999 in UTC";

/// RFC 3339 text as an instant, if it is one [`format`] can write back.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    read::<serde::de::value::Error>(text).ok()
}

fn read<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(E::custom)?
        .with_timezone(&Utc);
    if is_writable(&at) {
        Ok(at)
    } else {
        Err(E::custom(OUT_OF_RANGE))
    }
}

/// Milliseconds since the Unix epoch, as the store keeps them.
pub fn from_millis(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(at))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    read(&String::deserialize(deserializer)?)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|text| read(&text)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        assert_eq!(
            format(&from_millis(1_764_201_600_123)),
            "2025-11-27T00:00:00.123Z"
        );
    }

    /// Found by tests/properties.rs: an offset took a valid RFC 3339 time
    /// into year 10000 (or -1) in UTC, which was accepted and then written
    /// back as text RFC 3339 has no room for.
    #[test]
    fn a_time_past_year_9999_in_utc_is_refused() {
        for text in ["9999-12-31T20:00:00-04:00", "0000-01-01T00:30:00+01:00"] {
            assert_eq!(parse(text), None, "{text}");
            let read: Result<DateTime<Utc>, _> =
                deserialize(serde_json::Value::String(text.to_owned()));
            assert!(read.is_err(), "{text}");
        }
        for text in ["9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00+00:00"] {
            let at = parse(text).expect("writable");
            assert_eq!(parse(&format(&at)), Some(at), "{text}");
        }
    }
}
