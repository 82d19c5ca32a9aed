//! Keys: issue, list, read, change, rotate, revoke, delete. Every call is
//! scoped to the caller's workspace; another workspace's key answers as a
//! missing one.

use super::Services;
use crate::error::{Error, Result};
use crate::secrets;
use crate::store::{self, keys, projects, Store};
use chrono::{DateTime, Utc};
use keyscope_model::timestamp::from_millis;
use keyscope_model::{
    ApiKey, CreatedKey, KeyChanges, KeySecret, KeySpec, KeyStatus, PageRequest, Plan,
    RotateKeyRequest, ScopeSet,
};

/// One page of the workspace's keys, newest first, and the total count.
pub async fn list(
    store: &Store,
    workspace_id: &str,
    page: PageRequest,
    now: DateTime<Utc>,
) -> Result<(Vec<ApiKey>, u64)> {
    let rows = keys::list(store.pool(), workspace_id, page.limit, page.offset).await?;
    let total = keys::count(store.pool(), workspace_id).await?;
    let keys = rows
        .into_iter()
        .map(|row| to_view(row, now))
        .collect::<Result<Vec<_>>>()?;
    Ok((keys, u64::try_from(total).unwrap_or(0)))
}

pub async fn get(
    store: &Store,
    workspace_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<ApiKey> {
    let row = keys::get(store.pool(), workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    to_view(row, now)
}

/// Issues a key. The secret is in the answer and nowhere else: the store
/// keeps its digest.
pub async fn create(
    services: &Services,
    workspace_id: &str,
    spec: KeySpec,
    now: DateTime<Utc>,
) -> Result<CreatedKey> {
    let store = &services.store;
    if let Some(project_id) = &spec.project_id {
        if !projects::exists(store.pool(), workspace_id, project_id).await? {
            return Err(Error::Validation(keyscope_model::FieldError::new(
                "project_id",
                format!("no project {project_id} in this workspace"),
            )));
        }
        let limit = services.limits.max_keys_per_project;
        if keys::count_in_project(store.pool(), project_id).await? >= i64::from(limit) {
            return Err(Error::Conflict(format!(
                "project {project_id} already has {limit} keys, the most allowed; delete unused keys first"
            )));
        }
    }
    let secret = secrets::generate_key_secret(spec.environment)?;
    let id = format!("key_{}", ulid::Ulid::new());
    let scopes = spec.scopes.to_string();
    let mut connection = store.pool().acquire().await?;
    keys::insert(
        &mut connection,
        &keys::NewKey {
            id: &id,
            workspace_id,
            project_id: spec.project_id.as_deref(),
            name: spec.name.as_str(),
            description: spec.description.as_deref(),
            secret_digest: &secrets::digest(&secret),
            prefix: secret.display_prefix(),
            last_four: secret.last_four(),
            scopes: &scopes,
            role: spec.role.as_deref(),
            plan: spec.plan.map(Plan::as_str),
            rate_limit_per_minute: spec.rate_limit_per_minute,
            enabled: true,
            created_at: store::millis(now),
            expires_at: spec.expires_at.map(store::millis),
            last_used_at: None,
            revoked_at: None,
        },
    )
    .await?;
    drop(connection);
    tracing::info!(key_id = %id, %workspace_id, "key created");
    Ok(CreatedKey {
        key: get(store, workspace_id, &id, now).await?,
        secret: secret.expose().to_owned(),
    })
}

pub async fn update(
    services: &Services,
    workspace_id: &str,
    id: &str,
    changes: KeyChanges,
    now: DateTime<Utc>,
) -> Result<ApiKey> {
    let scopes = changes.scopes.as_ref().map(ScopeSet::to_string);
    let update = keys::KeyUpdate {
        name: changes.name.as_ref().map(|name| name.as_str()),
        description: changes
            .description
            .as_ref()
            .map(|description| description.as_deref()),
        scopes: scopes.as_deref(),
        expires_at: changes.expires_at.map(|at| at.map(store::millis)),
        enabled: changes.enabled,
    };
    let store = &services.store;
    if !keys::update(store.pool(), workspace_id, id, &update).await? {
        return Err(not_found(id));
    }
    services.key_cache.forget(id);
    get(store, workspace_id, id, now).await
}

/// A new secret for the key. Without grace the old one stops at once;
/// with it, the old one works until the grace period ends.
pub async fn rotate(
    services: &Services,
    workspace_id: &str,
    id: &str,
    request: RotateKeyRequest,
    now: DateTime<Utc>,
) -> Result<CreatedKey> {
    let grace = request.grace()?;
    let store = &services.store;
    let current = get(store, workspace_id, id, now).await?;
    if current.status == KeyStatus::Revoked {
        return Err(Error::Conflict(format!(
            "key {id} is revoked; create a new key instead"
        )));
    }
    let environment = if current.prefix.starts_with("ks_test_") {
        "test"
    } else {
        "live"
    };
    let secret: KeySecret = secrets::generate_key_secret(environment)?;
    let rotation = keys::Rotation {
        new_digest: &secrets::digest(&secret),
        prefix: secret.display_prefix(),
        last_four: secret.last_four(),
        previous_valid_until: (grace > chrono::Duration::zero())
            .then(|| store::millis(now + grace)),
    };
    if !keys::rotate(store.pool(), workspace_id, id, &rotation).await? {
        return Err(not_found(id));
    }
    services.key_cache.forget(id);
    tracing::info!(key_id = %id, grace_seconds = grace.num_seconds(), "key rotated");
    Ok(CreatedKey {
        key: get(store, workspace_id, id, now).await?,
        secret: secret.expose().to_owned(),
    })
}

pub async fn revoke(
    services: &Services,
    workspace_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<ApiKey> {
    let store = &services.store;
    if !keys::revoke(store.pool(), workspace_id, id, store::millis(now)).await? {
        return Err(not_found(id));
    }
    services.key_cache.forget(id);
    tracing::info!(key_id = %id, "key revoked");
    get(store, workspace_id, id, now).await
}

pub async fn delete(services: &Services, workspace_id: &str, id: &str) -> Result<()> {
    if !keys::delete(services.store.pool(), workspace_id, id).await? {
        return Err(not_found(id));
    }
    services.key_cache.forget(id);
    tracing::info!(key_id = %id, "key deleted");
    Ok(())
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("no key {id} in this workspace"))
}

fn to_view(row: keys::KeyRow, now: DateTime<Utc>) -> Result<ApiKey> {
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
        rate_limit_per_minute: row
            .rate_limit_per_minute
            .and_then(|rate| u32::try_from(rate).ok()),
        created_at: from_millis(row.created_at),
        expires_at,
        last_used_at: row.last_used_at.map(from_millis),
    })
}
