//! Console sessions, stored by the digest of their cookie token.

use sqlx::SqlitePool;

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub csrf_token: String,
}

pub async fn insert(
    pool: &SqlitePool,
    token_digest: &str,
    user_id: &str,
    csrf_token: &str,
    created_at: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_digest, user_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_digest)
    .bind(user_id)
    .bind(csrf_token)
    .bind(created_at)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The live session with this digest, with its user and workspace.
pub async fn find(
    pool: &SqlitePool,
    token_digest: &str,
    now: i64,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(
        "SELECT users.id AS user_id, users.email, users.role, users.workspace_id,
                workspaces.name AS workspace_name, sessions.csrf_token
         FROM sessions
         JOIN users ON users.id = sessions.user_id
         JOIN workspaces ON workspaces.id = users.workspace_id
         WHERE sessions.token_digest = $1 AND sessions.expires_at > $2",
    )
    .bind(token_digest)
    .bind(now)
    .fetch_optional(pool)
    .await
}

pub async fn delete(pool: &SqlitePool, token_digest: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_digest = $1")
        .bind(token_digest)
        .execute(pool)
        .await?;
    Ok(())
}
