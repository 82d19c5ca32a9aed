//! Keys: listing now; issuing, rotating and revoking build on this.

use crate::store::{keys, Store};
use chrono::{DateTime, Utc};
use keyscope_model::timestamp::from_millis;
use keyscope_model::{ApiKey, KeyStatus, PageRequest, Plan, ScopeSet};

/// One page of a workspace's keys, newest first, and the total count.
pub async fn list(
    store: &Store,
    workspace_id: &str,
    page: PageRequest,
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<ApiKey>, u64)> {
    let rows = keys::list(store.pool(), workspace_id, page.limit, page.offset).await?;
    let total = keys::count(store.pool(), workspace_id).await?;
    let keys = rows
        .into_iter()
        .map(|row| to_view(row, now))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((keys, u64::try_from(total).unwrap_or(0)))
}

fn to_view(row: keys::KeyRow, now: DateTime<Utc>) -> anyhow::Result<ApiKey> {
    let expires_at = row.expires_at.map(from_millis);
    let scopes = ScopeSet::parse_list(&row.scopes)
        .map_err(|error| anyhow::anyhow!("key {} has unreadable scopes: {error}", row.id))?;
    Ok(ApiKey {
        status: KeyStatus::at(now, row.revoked_at.is_some(), row.enabled, expires_at),
        id: row.id,
        name: row.name,
        description: row.description,
        prefix: row.prefix,
        last_four: row.last_four,
        scopes,
        project_id: row.project_id,
        plan: row.plan.as_deref().and_then(Plan::parse),
        created_at: from_millis(row.created_at),
        expires_at,
        last_used_at: row.last_used_at.map(from_millis),
    })
}
