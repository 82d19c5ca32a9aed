//! API keys as rows. Only the SHA-256 digest of a secret is ever stored.

use sqlx::{SqliteConnection, SqlitePool};

#[derive(Debug, sqlx::FromRow)]
pub struct KeyRow {
    pub id: String,
    pub project_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub prefix: String,
    pub last_four: String,
    pub scopes: String,
    pub plan: Option<String>,
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
    pub plan: Option<&'a str>,
    pub enabled: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn insert(connection: &mut SqliteConnection, key: &NewKey<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, workspace_id, project_id, name, description, secret_digest,
             prefix, last_four, scopes, plan, enabled, created_at, expires_at, last_used_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
    .bind(key.plan)
    .bind(key.enabled)
    .bind(key.created_at)
    .bind(key.expires_at)
    .bind(key.last_used_at)
    .bind(key.revoked_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// Newest first; the id breaks ties so pages never overlap.
pub async fn list(
    pool: &SqlitePool,
    workspace_id: &str,
    limit: u32,
    offset: u64,
) -> sqlx::Result<Vec<KeyRow>> {
    sqlx::query_as(
        "SELECT id, project_id, name, description, prefix, last_four, scopes, plan, enabled,
                created_at, expires_at, last_used_at, revoked_at
         FROM api_keys WHERE workspace_id = $1
         ORDER BY created_at DESC, id DESC
         LIMIT $2 OFFSET $3",
    )
    .bind(workspace_id)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &SqlitePool, workspace_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE workspace_id = $1")
        .bind(workspace_id)
        .fetch_one(pool)
        .await
}
