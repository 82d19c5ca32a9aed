//! Usage summaries for a key, a project or the workspace.

use crate::requests::Outcome;
use crate::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageSummary {
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: DateTime<Utc>,
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: DateTime<Utc>,
    pub totals: Totals,
    pub by_method: Vec<Count>,
    pub by_response_code: Vec<Count>,
    /// The busiest route templates, at most ten.
    pub top_endpoints: Vec<Count>,
    pub granularity: Granularity,
    /// One point per hour or day of the range, zero where nothing happened.
    pub series: Vec<Point>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
    pub rate_limited: u64,
    pub unauthorized: u64,
    pub forbidden: u64,
}

impl Totals {
    pub fn add(&mut self, outcome: Outcome, count: u64) {
        self.total += count;
        match outcome {
            Outcome::Completed => self.completed += count,
            Outcome::Failed => self.failed += count,
            Outcome::RateLimited => self.rate_limited += count,
            Outcome::Unauthorized => self.unauthorized += count,
            Outcome::Forbidden => self.forbidden += count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Hour,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: DateTime<Utc>,
    pub totals: Totals,
}

/// What a usage summary covers. Times are whole UTC hours (the rollups'
/// grain): `from` is rounded down, `to` up; the range is half-open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageQuery {
    pub key_id: Option<String>,
    pub project_id: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

pub const MAX_RANGE_DAYS: i64 = 400;
const HOUR_MILLIS: i64 = 3_600_000;

impl UsageQuery {
    /// Defaults to the last 7 days up to the end of the current hour.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldError> {
        let mut query = UsageQuery {
            key_id: None,
            project_id: None,
            from: now - Duration::days(7),
            to: now,
        };
        let mut from_given = false;
        for (name, value) in pairs {
            let time = |field: &str| {
                crate::timestamp::parse(value).ok_or_else(|| {
                    FieldError::new(
                        field,
                        format!("{field} must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z"),
                    )
                })
            };
            match name {
                "key_id" => query.key_id = Some(value.to_owned()).filter(|id| !id.is_empty()),
                "project_id" => {
                    query.project_id = Some(value.to_owned()).filter(|id| !id.is_empty())
                }
                "from" => {
                    query.from = time("from")?;
                    from_given = true;
                }
                "to" => query.to = time("to")?,
                other => {
                    return Err(FieldError::new(
                        other,
                        format!(
                        "unknown query parameter `{other}`; allowed: key_id, project_id, from, to"
                    ),
                    ))
                }
            }
        }
        if !from_given {
            query.from = query.to - Duration::days(7);
        }
        query.from = floor_hour(query.from);
        query.to = ceil_hour(query.to);
        // Rounding out, or the default week before `to`, can leave the
        // years the summary's times can be written in.
        for (field, at) in [("from", query.from), ("to", query.to)] {
            if !crate::timestamp::is_writable(&at) {
                let field = if from_given { field } else { "to" };
                return Err(FieldError::new(
                    field,
                    "the range must lie within the years 0000 to 9999 in UTC",
                ));
            }
        }
        if query.to <= query.from {
            return Err(FieldError::new("to", "to must be after from"));
        }
        if query.to - query.from > Duration::days(MAX_RANGE_DAYS) {
            return Err(FieldError::new(
                "from",
                format!("the range may span at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(query)
    }

    /// Hours for ranges up to two days, days beyond.
    pub fn granularity(&self) -> Granularity {
        if self.to - self.from <= Duration::hours(48) {
            Granularity::Hour
        } else {
            Granularity::Day
        }
    }
}

fn floor_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    crate::timestamp::from_millis(at.timestamp_millis().div_euclid(HOUR_MILLIS) * HOUR_MILLIS)
}

fn ceil_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    let floored = floor_hour(at);
    if floored == at {
        at
    } else {
        floored + Duration::hours(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_default_is_the_last_seven_days_in_whole_hours() {
        let query = UsageQuery::parse([], at("2026-11-27T10:30:00Z")).expect("valid");
        assert_eq!(
            (query.from, query.to),
            (at("2026-11-20T10:00:00Z"), at("2026-11-27T11:00:00Z"))
        );
        assert_eq!(query.granularity(), Granularity::Day);
    }

    #[test]
    fn short_ranges_are_hourly_and_bad_ones_name_the_field() {
        let day = UsageQuery::parse(
            [
                ("from", "2026-11-26T00:00:00Z"),
                ("to", "2026-11-27T00:00:00Z"),
            ],
            Utc::now(),
        )
        .expect("valid");
        assert_eq!(day.granularity(), Granularity::Hour);
        let backwards = UsageQuery::parse(
            [
                ("from", "2026-11-27T00:00:00Z"),
                ("to", "2026-11-26T00:00:00Z"),
            ],
            Utc::now(),
        );
        assert_eq!(backwards.map_err(|error| error.field), Err("to".to_owned()));
        assert_eq!(
            UsageQuery::parse([("range", "7d")], Utc::now()).map_err(|error| error.field),
            Err("range".to_owned())
        );
    }

    /// Found by tests/properties.rs: `to` early in year 0000 and no `from`
    /// made a default range starting in year -1, accepted and then written
    /// in the summary as `-0001-12-26T00:00:00.000Z`, which RFC 3339 (and
    /// the web app's reader) refuses; rounding `to` up did the same past
    /// year 9999.
    #[test]
    fn a_range_outside_the_years_rfc_3339_can_write_is_refused() {
        let field = |pairs: &[(&str, &str)]| {
            UsageQuery::parse(pairs.iter().copied(), Utc::now())
                .map(|_| ())
                .map_err(|error| error.field)
        };
        assert_eq!(
            field(&[("to", "0000-01-02T00:00:00.000Z")]),
            Err("to".to_owned())
        );
        assert_eq!(
            field(&[
                ("from", "9999-12-31T00:00:00Z"),
                ("to", "9999-12-31T23:30:00Z")
            ]),
            Err("to".to_owned())
        );
        let first_day = UsageQuery::parse(
            [
                ("from", "0000-01-01T00:30:00Z"),
                ("to", "0000-01-02T00:00:00Z"),
            ],
            Utc::now(),
        )
        .expect("within the years");
        assert_eq!(
            crate::timestamp::format(&first_day.from),
            "0000-01-01T00:00:00.000Z"
        );
    }
}
