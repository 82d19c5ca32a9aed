//! Keys: issue, list, read, change, rotate, revoke, delete. Every call
//! asks the caller's [`Grant`] first: a key out of its sight (another
//! workspace's, or for a project-confined caller another project's or a
//! workspace-wide one) answers as a missing one, and a key may only be
//! minted or changed by a caller holding every scope it carries.

use super::Services;
use crate::error::{Error, Result};
use crate::secrets;
use crate::store::{self, keys, projects, Store};
use chrono::{DateTime, Utc};
use keyscope_model::permissions::resource;
use keyscope_model::timestamp::from_millis;
use keyscope_model::{
    ApiKey, CreatedKey, Grant, KeyChanges, KeySecret, KeySpec, KeyStatus, PageRequest, Permission,
    Plan, RotateKeyRequest, Scope, ScopeSet,
};

/// One page of the workspace's keys, newest first, and the total count.
pub async fn list(
    store: &Store,
    grant: &Grant,
    page: PageRequest,
    now: DateTime<Utc>,
) -> Result<(Vec<ApiKey>, u64)> {
    grant.require(&Scope::on(Permission::Read, resource::KEYS))?;
    let (workspace_id, project_id) = (grant.workspace_id.as_str(), grant.project_id());
    let rows = keys::list(
        store.pool(),
        workspace_id,
        project_id,
        page.limit,
        page.offset,
    )
    .await?;
    let total = keys::count(store.pool(), workspace_id, project_id).await?;
    let keys = rows
        .into_iter()
        .map(|row| to_view(row, now))
        .collect::<Result<Vec<_>>>()?;
    Ok((keys, u64::try_from(total).unwrap_or(0)))
}

pub async fn get(store: &Store, grant: &Grant, id: &str, now: DateTime<Utc>) -> Result<ApiKey> {
    grant.require(&Scope::on(Permission::Read, resource::KEYS))?;
    to_view(visible_row(store, grant, id).await?, now)
}

/// The key's row if the grant sees it.
async fn visible_row(store: &Store, grant: &Grant, id: &str) -> Result<keys::KeyRow> {
    keys::get(store.pool(), &grant.workspace_id, id)
        .await?
        .filter(|row| grant.sees(row.project_id.as_deref()))
        .ok_or_else(|| not_found(id))
}

/// A key the grant may change: in sight, with write (or for `delete`,
/// delete) on keys, and holding every scope the key carries, so nobody
/// takes over (by rotation) or disarms a key more powerful than they are.
async fn changeable_row(
    store: &Store,
    grant: &Grant,
    id: &str,
    permission: Permission,
) -> Result<keys::KeyRow> {
    grant.require(&Scope::on(permission, resource::KEYS))?;
    let row = visible_row(store, grant, id).await?;
    let scopes = ScopeSet::parse_list(&row.scopes)
        .map_err(|error| anyhow::anyhow!("key {} has unreadable scopes: {error}", row.id))?;
    grant.require_covers(&scopes, row.project_id.as_deref())?;
    Ok(row)
}

/// Issues a key. The secret is in the answer and nowhere else: the store
/// keeps its digest.
pub async fn create(
    services: &Services,
    grant: &Grant,
    spec: KeySpec,
    now: DateTime<Utc>,
) -> Result<CreatedKey> {
    grant.require(&Scope::on(Permission::Write, resource::KEYS))?;
    if let Some(project_id) = &spec.project_id {
        if !grant.sees(Some(project_id)) {
            return Err(no_project(project_id));
        }
    }
    grant.require_covers(&spec.scopes, spec.project_id.as_deref())?;
    let workspace_id = grant.workspace_id.as_str();
    let store = &services.store;
    if let Some(project_id) = &spec.project_id {
        if !projects::exists(store.pool(), workspace_id, project_id).await? {
            return Err(no_project(project_id));
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
        key: to_view(visible_row(store, grant, &id).await?, now)?,
        secret: secret.expose().to_owned(),
    })
}

pub async fn update(
    services: &Services,
    grant: &Grant,
    id: &str,
    changes: KeyChanges,
    now: DateTime<Utc>,
) -> Result<ApiKey> {
    let row = changeable_row(&services.store, grant, id, Permission::Write).await?;
    if let Some(scopes) = &changes.scopes {
        grant.require_covers(scopes, row.project_id.as_deref())?;
    }
    let workspace_id = grant.workspace_id.as_str();
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
    to_view(visible_row(store, grant, id).await?, now)
}

/// A new secret for the key. Without grace the old one stops at once;
/// with it, the old one works until the grace period ends.
pub async fn rotate(
    services: &Services,
    grant: &Grant,
    id: &str,
    request: RotateKeyRequest,
    now: DateTime<Utc>,
) -> Result<CreatedKey> {
    let grace = request.grace()?;
    let store = &services.store;
    let current = to_view(
        changeable_row(store, grant, id, Permission::Write).await?,
        now,
    )?;
    let workspace_id = grant.workspace_id.as_str();
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
        key: to_view(visible_row(store, grant, id).await?, now)?,
        secret: secret.expose().to_owned(),
    })
}

pub async fn revoke(
    services: &Services,
    grant: &Grant,
    id: &str,
    now: DateTime<Utc>,
) -> Result<ApiKey> {
    let store = &services.store;
    changeable_row(store, grant, id, Permission::Write).await?;
    let workspace_id = grant.workspace_id.as_str();
    if !keys::revoke(store.pool(), workspace_id, id, store::millis(now)).await? {
        return Err(not_found(id));
    }
    services.key_cache.forget(id);
    tracing::info!(key_id = %id, "key revoked");
    to_view(visible_row(store, grant, id).await?, now)
}

pub async fn delete(services: &Services, grant: &Grant, id: &str) -> Result<()> {
    changeable_row(&services.store, grant, id, Permission::Delete).await?;
    if !keys::delete(services.store.pool(), &grant.workspace_id, id).await? {
        return Err(not_found(id));
    }
    services.key_cache.forget(id);
    tracing::info!(key_id = %id, "key deleted");
    Ok(())
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("no key {id} in this workspace"))
}

fn no_project(project_id: &str) -> Error {
    Error::Validation(keyscope_model::FieldError::new(
        "project_id",
        format!("no project {project_id} in this workspace"),
    ))
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
