//! What a key or a project has used of its limits, for the quota cards.

use super::Services;
use crate::error::Result;
use crate::store::{self, counters, workspaces};
use chrono::{DateTime, Utc};
use keyscope_model::limits::{billing_period, day_window};
use keyscope_model::{DayUsage, Grant, KeyQuota, Plan, QuotaStatus};

async fn workspace_plan(services: &Services, workspace_id: &str) -> Result<Plan> {
    let plan = workspaces::plan(services.store.pool(), workspace_id).await?;
    Ok(plan.as_deref().and_then(Plan::parse).unwrap_or(Plan::Free))
}

pub async fn for_key(
    services: &Services,
    grant: &Grant,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<KeyQuota> {
    let key = super::keys::get(&services.store, grant, key_id, now).await?;
    let workspace_id = grant.workspace_id.as_str();
    let plan = match key.plan {
        Some(plan) => plan,
        None => workspace_plan(services, workspace_id).await?,
    };
    let limits = plan.limits().with_rate_override(key.rate_limit_per_minute);
    let (day_used, period_used) = services.rate_limiter.usage(key_id, now).await?;
    Ok(KeyQuota {
        plan,
        per_minute: limits.per_minute,
        day: DayUsage {
            limit: limits.per_day,
            used: day_used,
            resets_at: day_window(now).1,
        },
        period: QuotaStatus::new(limits.per_period, period_used, now),
    })
}

/// The project's requests this period against its workspace plan's quota.
pub async fn for_project(
    services: &Services,
    grant: &Grant,
    project_id: &str,
    now: DateTime<Utc>,
) -> Result<QuotaStatus> {
    super::projects::require_readable(services, grant, project_id).await?;
    let workspace_id = grant.workspace_id.as_str();
    // Counts of the last second are still in memory.
    services.rate_limiter.flush().await?;
    let period_start = store::millis(billing_period(now).0);
    let used =
        counters::project_total(services.store.pool(), project_id, "period", period_start).await?;
    let plan = workspace_plan(services, workspace_id).await?;
    Ok(QuotaStatus::new(plan.limits().per_period, used, now))
}
