//! API keys as rows. Only the SHA-256 digest of a secret is ever stored.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

#[derive(Debug, sqlx::FromRow)]
pub struct KeyRow {
    pub id: String,
    pub project_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub prefix: String,
    pub last_four: String,
    pub scopes: String,
    pub role: Option<String>,
    pub plan: Option<String>,
    pub rate_limit_per_minute: Option<i64>,
    pub enabled: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub struct NewKey<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub project_id: Option<&'a str>,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub secret_digest: &'a str,
    pub prefix: &'a str,
    pub last_four: &'a str,
    pub scopes: &'a str,
    pub role: Option<&'a str>,
    pub plan: Option<&'a str>,
    pub rate_limit_per_minute: Option<u32>,
    pub enabled: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn insert(connection: &mut SqliteConnection, key: &NewKey<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, workspace_id, project_id, name, description, secret_digest,
             prefix, last_four, scopes, role, plan, rate_limit_per_minute, enabled, created_at, expires_at,
             last_used_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(key.id)
    .bind(key.workspace_id)
    .bind(key.project_id)
    .bind(key.name)
    .bind(key.description)
    .bind(key.secret_digest)
    .bind(key.prefix)
    .bind(key.last_four)
    .bind(key.scopes)
    .bind(key.role)
    .bind(key.plan)
    .bind(key.rate_limit_per_minute.map(i64::from))
    .bind(key.enabled)
    .bind(key.created_at)
    .bind(key.expires_at)
    .bind(key.last_used_at)
    .bind(key.revoked_at)
    .execute(connection)
    .await?;
    Ok(())
}

const KEY_COLUMNS: &str =
    "id, project_id, name, description, prefix, last_four, scopes, role, plan, rate_limit_per_minute,
     enabled, created_at, expires_at, last_used_at, revoked_at";

/// Newest first; the id breaks ties so pages never overlap.
/// A page of the workspace's keys, newest first; with `project_id`, only
/// that project's (a project-confined caller's view).
pub async fn list(
    pool: &SqlitePool,
    workspace_id: &str,
    project_id: Option<&str>,
    limit: u32,
    offset: u64,
) -> sqlx::Result<Vec<KeyRow>> {
    sqlx::query_as(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys
         WHERE workspace_id = $1 AND ($2 IS NULL OR project_id = $2)
         ORDER BY created_at DESC, id DESC
         LIMIT $3 OFFSET $4"
    ))
    .bind(workspace_id)
    .bind(project_id)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
}

pub async fn count(
    pool: &SqlitePool,
    workspace_id: &str,
    project_id: Option<&str>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_keys WHERE workspace_id = $1 AND ($2 IS NULL OR project_id = $2)",
    )
    .bind(workspace_id)
    .bind(project_id)
    .fetch_one(pool)
    .await
}

/// One key of a workspace; `None` for another workspace's key as for a
/// missing one, so ids do not leak across tenants.
pub async fn get(pool: &SqlitePool, workspace_id: &str, id: &str) -> sqlx::Result<Option<KeyRow>> {
    sqlx::query_as(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE workspace_id = $1 AND id = $2"
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn count_in_project(pool: &SqlitePool, project_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE project_id = $1")
        .bind(project_id)
        .fetch_one(pool)
        .await
}

/// What authentication needs of a key found by a secret's digest.
#[derive(Debug, sqlx::FromRow)]
pub struct CredentialRow {
    pub id: String,
    pub workspace_id: String,
    pub project_id: Option<String>,
    pub scopes: String,
    pub enabled: bool,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// False when the digest matched the previous secret of a rotation.
    pub is_current: bool,
    pub previous_valid_until: Option<i64>,
    /// The key's own plan, else its workspace's.
    pub plan: String,
    pub rate_limit_per_minute: Option<i64>,
}

pub async fn find_by_digest(
    pool: &SqlitePool,
    digest: &str,
) -> sqlx::Result<Option<CredentialRow>> {
    sqlx::query_as(
        "SELECT api_keys.id, api_keys.workspace_id, api_keys.project_id, api_keys.scopes,
                api_keys.enabled, api_keys.expires_at, api_keys.revoked_at,
                api_keys.secret_digest = $1 AS is_current, api_keys.previous_valid_until,
                COALESCE(api_keys.plan, workspaces.plan) AS plan, api_keys.rate_limit_per_minute
         FROM api_keys JOIN workspaces ON workspaces.id = api_keys.workspace_id
         WHERE api_keys.secret_digest = $1 OR api_keys.previous_digest = $1
         LIMIT 1",
    )
    .bind(digest)
    .fetch_optional(pool)
    .await
}

/// The columns an update may set; `None` leaves a column alone.
#[derive(Default)]
pub struct KeyUpdate<'a> {
    pub name: Option<&'a str>,
    pub description: Option<Option<&'a str>>,
    pub scopes: Option<&'a str>,
    pub expires_at: Option<Option<i64>>,
    pub enabled: Option<bool>,
}

/// Returns whether the key exists in the workspace.
pub async fn update(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
    update: &KeyUpdate<'_>,
) -> sqlx::Result<bool> {
    let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE api_keys SET id = id");
    if let Some(name) = update.name {
        builder.push(", name = ").push_bind(name);
    }
    if let Some(description) = update.description {
        builder.push(", description = ").push_bind(description);
    }
    if let Some(scopes) = update.scopes {
        builder.push(", scopes = ").push_bind(scopes);
    }
    if let Some(expires_at) = update.expires_at {
        builder.push(", expires_at = ").push_bind(expires_at);
    }
    if let Some(enabled) = update.enabled {
        builder.push(", enabled = ").push_bind(enabled);
    }
    builder
        .push(" WHERE workspace_id = ")
        .push_bind(workspace_id)
        .push(" AND id = ")
        .push_bind(id);
    Ok(builder.build().execute(pool).await?.rows_affected() == 1)
}

pub struct Rotation<'a> {
    pub new_digest: &'a str,
    pub prefix: &'a str,
    pub last_four: &'a str,
    /// Until when the old secret still works; `None` stops it at once.
    pub previous_valid_until: Option<i64>,
}

/// Swaps in a new secret. Returns whether an unrevoked key was rotated.
pub async fn rotate(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
    rotation: &Rotation<'_>,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE api_keys SET
             previous_digest = CASE WHEN $1 IS NULL THEN NULL ELSE secret_digest END,
             previous_valid_until = $1,
             secret_digest = $2, prefix = $3, last_four = $4
         WHERE workspace_id = $5 AND id = $6 AND revoked_at IS NULL",
    )
    .bind(rotation.previous_valid_until)
    .bind(rotation.new_digest)
    .bind(rotation.prefix)
    .bind(rotation.last_four)
    .bind(workspace_id)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes for good; the previous secret of a rotation stops too.
pub async fn revoke(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1), previous_digest = NULL,
             previous_valid_until = NULL
         WHERE workspace_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(workspace_id)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete(pool: &SqlitePool, workspace_id: &str, id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM api_keys WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Writes coalesced last-use times in one transaction; never moves a time back.
pub async fn record_last_used(pool: &SqlitePool, uses: &[(String, i64)]) -> sqlx::Result<()> {
    let mut transaction = pool.begin().await?;
    for (id, at) in uses {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await
}
