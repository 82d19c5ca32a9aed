//! The request log's vocabulary: outcomes and how a call's path names its
//! resource and resource id.

use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Failed,
    RateLimited,
    Unauthorized,
    Forbidden,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Completed,
        Outcome::Failed,
        Outcome::RateLimited,
        Outcome::Unauthorized,
        Outcome::Forbidden,
    ];

    /// What an answer's status says about the call.
    pub fn of_status(status: u16) -> Outcome {
        match status {
            200..=399 => Outcome::Completed,
            401 => Outcome::Unauthorized,
            403 => Outcome::Forbidden,
            429 => Outcome::RateLimited,
            _ => Outcome::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::RateLimited => "rate_limited",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Forbidden => "forbidden",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }
}

/// The path's segments after an optional version: `/v1/items/7/parts` ->
/// `["items", "7", "parts"]`.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let mut segments = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .peekable();
    if segments
        .peek()
        .is_some_and(|first| crate::scopes::is_version(first))
    {
        segments.next();
    }
    segments
}

/// The id a call is about: the segment after the resource, if any.
pub fn resource_id_of(path: &str) -> Option<String> {
    segments(path).nth(1).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(Outcome::of_status(201), Outcome::Completed);
        assert_eq!(Outcome::of_status(304), Outcome::Completed);
        assert_eq!(Outcome::of_status(401), Outcome::Unauthorized);
        assert_eq!(Outcome::of_status(403), Outcome::Forbidden);
        assert_eq!(Outcome::of_status(429), Outcome::RateLimited);
        assert_eq!(Outcome::of_status(404), Outcome::Failed);
        assert_eq!(Outcome::of_status(502), Outcome::Failed);
    }

    #[test]
    fn the_resource_id_follows_the_resource() {
        assert_eq!(
            resource_id_of("/v1/payments/pay_7/refunds"),
            Some("pay_7".to_owned())
        );
        assert_eq!(
            resource_id_of("/forecasts/london"),
            Some("london".to_owned())
        );
        assert_eq!(resource_id_of("/v1/payments"), None);
    }
}

/// One request record as the log shows it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestEntry {
    pub id: String,
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub key_id: Option<String>,
    pub project_id: Option<String>,
    pub method: String,
    pub endpoint: String,
    pub route: String,
    pub resource_id: Option<String>,
    pub outcome: Outcome,
    pub response_code: u16,
    pub latency_ms: u32,
    pub client_ip: Option<String>,
}

/// A page of the log, newest first; `next_cursor` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub success: bool,
    pub data: Vec<RequestEntry>,
    pub next_cursor: Option<String>,
    /// How many records match the filter, on the first page only (a page
    /// asked for with a cursor belongs to a list whose total the client
    /// already has, and counting again would only cost time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<LogTotal>,
}

/// How many records match a filter: exact, a lower bound, or an estimate.
///
/// Counting is exact up to [`LogTotal::EXACT_UP_TO`] records; past it the
/// server stops counting (so a filter over ten million records costs no more
/// than one over ten thousand) and either estimates from the hourly rollups,
/// when the filter is one they can answer, or says "at least".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogTotal {
    pub count: u64,
    /// `count` is the number of matching records.
    pub exact: bool,
    /// `count` is a lower bound: at least this many match (only when not exact).
    #[serde(default)]
    pub at_least: bool,
}

impl LogTotal {
    pub const EXACT_UP_TO: u64 = 10_000;

    pub fn exact(count: u64) -> Self {
        Self {
            count,
            exact: true,
            at_least: false,
        }
    }

    pub fn at_least(count: u64) -> Self {
        Self {
            count,
            exact: false,
            at_least: true,
        }
    }

    pub fn estimate(count: u64) -> Self {
        Self {
            count,
            exact: false,
            at_least: false,
        }
    }
}

/// Where a page ends: the last record's time and id. Pages keyed on it
/// neither skip nor repeat records while new ones arrive (they are newer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub occurred_at: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.occurred_at, self.id)
    }

    pub fn parse(text: &str) -> Result<Cursor, FieldError> {
        let invalid = || {
            FieldError::new(
                "cursor",
                "cursor is not one this API gave out; start again without it",
            )
        };
        let (at, id) = text.split_once('.').ok_or_else(invalid)?;
        let occurred_at = at.parse().map_err(|_| invalid())?;
        if !id.starts_with("req_") || !id[4..].chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid());
        }
        Ok(Cursor {
            occurred_at,
            id: id.to_owned(),
        })
    }
}

/// The request log's filters, every one optional and combinable; times are
/// a half-open range [from, to).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub key_id: Option<String>,
    pub project_id: Option<String>,
    pub resource_id: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    pub outcome: Option<Outcome>,
    pub method: Option<String>,
    /// Matches endpoints that contain this text.
    pub endpoint: Option<String>,
    pub response_code: Option<u16>,
    pub limit: u32,
    pub cursor: Option<Cursor>,
}

impl LogFilter {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 1_000;

    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let mut filter = LogFilter {
            limit: Self::DEFAULT_LIMIT,
            ..LogFilter::default()
        };
        let time = |field: &str, value: &str| {
            crate::timestamp::parse(value).ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("{field} must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z"),
                )
            })
        };
        for (name, value) in pairs {
            let text = || Some(value.trim().to_owned()).filter(|text| !text.is_empty());
            match name {
                "key_id" => filter.key_id = text(),
                "project_id" => filter.project_id = text(),
                "resource_id" => filter.resource_id = text(),
                "endpoint" => filter.endpoint = text(),
                "from" => filter.from = Some(time("from", value)?),
                "to" => filter.to = Some(time("to", value)?),
                "status" => {
                    filter.outcome = Some(Outcome::parse(value).ok_or_else(|| {
                        FieldError::new(
                            "status",
                            format!("unknown status `{value}`: use completed, failed, rate_limited, unauthorized or forbidden"),
                        )
                    })?)
                }
                "method" => {
                    let method = value.to_ascii_uppercase();
                    if !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&method.as_str()) {
                        return Err(FieldError::new("method", format!("unknown method `{value}`")));
                    }
                    filter.method = Some(method);
                }
                "response_code" => {
                    let code: u16 = value.parse().ok().filter(|code| (100..=599).contains(code)).ok_or_else(|| {
                        FieldError::new("response_code", "response_code must be an HTTP status between 100 and 599")
                    })?;
                    filter.response_code = Some(code);
                }
                "limit" => {
                    filter.limit = value.parse().ok().filter(|limit| (1..=Self::MAX_LIMIT).contains(limit)).ok_or_else(|| {
                        FieldError::new("limit", format!("limit must be between 1 and {}", Self::MAX_LIMIT))
                    })?;
                }
                "cursor" => filter.cursor = Some(Cursor::parse(value)?),
                other => {
                    return Err(FieldError::new(
                        other,
                        format!("unknown query parameter `{other}`; allowed: key_id, project_id, resource_id, from, to, status, method, endpoint, response_code, limit, cursor"),
                    ))
                }
            }
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if to <= from {
                return Err(FieldError::new("to", "to must be after from"));
            }
        }
        Ok(filter)
    }
}

impl LogFilter {
    /// Whether a record is one this filter lists (its cursor and limit
    /// aside), by the same rules as the store's query: a live view uses it to
    /// keep only the new records that belong on screen.
    pub fn matches(&self, entry: &RequestEntry) -> bool {
        let equal =
            |wanted: &Option<String>, actual: &Option<String>| wanted.is_none() || wanted == actual;
        let millis = entry.timestamp.timestamp_millis();
        equal(&self.key_id, &entry.key_id)
            && equal(&self.project_id, &entry.project_id)
            && equal(&self.resource_id, &entry.resource_id)
            && self
                .from
                .is_none_or(|from| millis >= from.timestamp_millis())
            && self.to.is_none_or(|to| millis < to.timestamp_millis())
            && self.outcome.is_none_or(|outcome| outcome == entry.outcome)
            && self
                .method
                .as_ref()
                .is_none_or(|method| *method == entry.method)
            && self
                .endpoint
                .as_ref()
                .is_none_or(|text| entry.endpoint.contains(text.as_str()))
            && self
                .response_code
                .is_none_or(|code| code == entry.response_code)
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    #[test]
    fn filters_parse_and_combine() {
        let filter = LogFilter::parse([
            ("status", "failed"),
            ("method", "get"),
            ("response_code", "404"),
            ("limit", "10"),
        ])
        .expect("valid");
        assert_eq!(filter.outcome, Some(Outcome::Failed));
        assert_eq!(filter.method.as_deref(), Some("GET"));
        assert_eq!((filter.response_code, filter.limit), (Some(404), 10));
    }

    #[test]
    fn bad_filters_name_their_field() {
        for (name, value) in [
            ("status", "exploded"),
            ("method", "FETCH"),
            ("response_code", "99"),
            ("limit", "0"),
            ("from", "yesterday"),
            ("cursor", "garbage"),
            ("colour", "red"),
        ] {
            assert_eq!(
                LogFilter::parse([(name, value)]).map_err(|error| error.field),
                Err(name.to_owned()),
                "{name}={value}"
            );
        }
        let backwards = LogFilter::parse([
            ("from", "2026-11-02T00:00:00Z"),
            ("to", "2026-11-01T00:00:00Z"),
        ]);
        assert_eq!(backwards.map_err(|error| error.field), Err("to".to_owned()));
    }

    #[test]
    fn a_record_matches_the_filter_that_lists_it() {
        let entry = RequestEntry {
            id: "req_01".to_owned(),
            timestamp: crate::timestamp::from_millis(1_764_201_600_000),
            key_id: Some("key_1".to_owned()),
            project_id: None,
            method: "GET".to_owned(),
            endpoint: "/v1/stations/7".to_owned(),
            route: "/v1/stations/{id}".to_owned(),
            resource_id: Some("7".to_owned()),
            outcome: Outcome::Failed,
            response_code: 404,
            latency_ms: 3,
            client_ip: None,
        };
        let filter =
            |pairs: &[(&str, &str)]| LogFilter::parse(pairs.iter().copied()).expect("valid");
        assert!(filter(&[]).matches(&entry));
        assert!(
            filter(&[("key_id", "key_1"), ("status", "failed"), ("method", "get")]).matches(&entry)
        );
        assert!(filter(&[("endpoint", "stations/"), ("response_code", "404")]).matches(&entry));
        assert!(filter(&[
            ("from", "2025-11-27T00:00:00Z"),
            ("to", "2026-11-28T00:00:00Z")
        ])
        .matches(&entry));
        assert!(!filter(&[("key_id", "key_2")]).matches(&entry));
        assert!(!filter(&[("project_id", "prj_1")]).matches(&entry));
        assert!(!filter(&[("resource_id", "8")]).matches(&entry));
        assert!(!filter(&[("status", "completed")]).matches(&entry));
        assert!(!filter(&[("to", "2025-11-27T00:00:00Z")]).matches(&entry));
        assert!(!filter(&[("response_code", "200")]).matches(&entry));
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            occurred_at: 1_764_201_600_123,
            id: "req_01ABC".to_owned(),
        };
        assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor));
    }
}
