//! What each plan allows, and the windows limits are counted in: a smooth
//! per-minute rate, the UTC day, and the billing period (the calendar month).

use crate::keys::Plan;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub per_minute: u32,
    /// `None`: unlimited.
    pub per_day: Option<u64>,
    /// Requests per billing period; `None`: unlimited.
    pub per_period: Option<u64>,
}

impl Plan {
    /// Free 60/min, 1,000/day, 20,000/month; Pro 300/min, 50,000/day,
    /// 1,000,000/month; Enterprise 1,000/min and no daily or period cap.
    pub fn limits(self) -> PlanLimits {
        match self {
            Plan::Free => PlanLimits {
                per_minute: 60,
                per_day: Some(1_000),
                per_period: Some(20_000),
            },
            Plan::Pro => PlanLimits {
                per_minute: 300,
                per_day: Some(50_000),
                per_period: Some(1_000_000),
            },
            Plan::Enterprise => PlanLimits {
                per_minute: 1_000,
                per_day: None,
                per_period: None,
            },
        }
    }
}

impl PlanLimits {
    /// The plan's limits with a key's own per-minute rate, if it has one.
    pub fn with_rate_override(self, per_minute: Option<u32>) -> Self {
        Self {
            per_minute: per_minute.unwrap_or(self.per_minute),
            ..self
        }
    }
}

/// The window a limit is counted in; named in a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LimitWindow {
    Minute,
    Day,
    Period,
}

impl LimitWindow {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitWindow::Minute => "minute",
            LimitWindow::Day => "day",
            LimitWindow::Period => "period",
        }
    }
}

/// `[start, end)` of the UTC day holding `at`.
pub fn day_window(at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = at
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(at, |start| Utc.from_utc_datetime(&start));
    (start, start + Duration::days(1))
}

/// `[start, end)` of the calendar month holding `at`: the default billing period.
pub fn billing_period(at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = |year: i32, month: u32| {
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .map_or(at, |start| Utc.from_utc_datetime(&start))
    };
    let (year, month) = (at.year(), at.month());
    let next = if month == 12 {
        first(year + 1, 1)
    } else {
        first(year, month + 1)
    };
    (first(year, month), next)
}

/// The Project API tab's quota cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaStatus {
    /// Requests allowed in the period; `None` when unlimited.
    pub total: Option<u64>,
    pub used: u64,
    /// `None` when unlimited.
    pub available: Option<u64>,
    pub unlimited: bool,
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub period_start: DateTime<Utc>,
    /// Exclusive: the first instant of the next period.
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub period_end: DateTime<Utc>,
}

impl QuotaStatus {
    pub fn new(total: Option<u64>, used: u64, at: DateTime<Utc>) -> Self {
        let (period_start, period_end) = billing_period(at);
        Self {
            total,
            used,
            available: total.map(|total| total.saturating_sub(used)),
            unlimited: total.is_none(),
            period_start,
            period_end,
        }
    }
}

/// A key's limits and what it has used of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyQuota {
    pub plan: Plan,
    pub per_minute: u32,
    pub day: DayUsage,
    pub period: QuotaStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayUsage {
    /// `None` when unlimited.
    pub limit: Option<u64>,
    pub used: u64,
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub resets_at: DateTime<Utc>,
}

/// The rate-limit state after a counted call, as verify reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateLimitState {
    pub window: LimitWindow,
    pub limit: u64,
    pub remaining: u64,
    /// Epoch seconds, as `X-RateLimit-Reset`.
    pub reset: i64,
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
    fn billing_periods_are_calendar_months_across_the_year_end() {
        assert_eq!(
            billing_period(at("2026-12-31T23:59:59Z")),
            (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            billing_period(at("2028-02-29T12:00:00Z")),
            (at("2028-02-01T00:00:00Z"), at("2028-03-01T00:00:00Z"))
        );
    }

    #[test]
    fn days_are_utc_days() {
        assert_eq!(
            day_window(at("2026-11-27T23:59:59.999Z")),
            (at("2026-11-27T00:00:00Z"), at("2026-11-28T00:00:00Z"))
        );
    }

    #[test]
    fn quota_is_unlimited_or_counts_down() {
        let now = at("2026-12-10T00:00:00Z");
        let limited = QuotaStatus::new(Some(100), 30, now);
        assert_eq!((limited.available, limited.unlimited), (Some(70), false));
        let over = QuotaStatus::new(Some(100), 130, now);
        assert_eq!(over.available, Some(0));
        assert!(QuotaStatus::new(None, 5, now).unlimited);
    }

    #[test]
    fn plans_match_the_design_note() {
        assert_eq!(Plan::Free.limits().per_minute, 60);
        assert_eq!(Plan::Free.limits().per_day, Some(1_000));
        assert_eq!(Plan::Pro.limits().per_minute, 300);
        assert_eq!(Plan::Pro.limits().per_day, Some(50_000));
        assert_eq!(
            Plan::Enterprise.limits(),
            PlanLimits {
                per_minute: 1_000,
                per_day: None,
                per_period: None
            }
        );
    }
}
