//! Workspaces (tenants) and their console users.

use sqlx::SqlitePool;

pub async fn first_workspace_id(pool: &SqlitePool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1")
        .fetch_optional(pool)
        .await
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub created_at: i64,
}

/// Creates a workspace and its first user in one transaction, so a crash
/// cannot leave a workspace nobody can sign in to.
pub async fn insert_with_owner(
    pool: &SqlitePool,
    workspace_id: &str,
    workspace_name: &str,
    owner: &NewUser<'_>,
) -> sqlx::Result<()> {
    let mut transaction = pool.begin().await?;
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(workspace_id)
        .bind(workspace_name)
        .bind(owner.created_at)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "INSERT INTO users (id, workspace_id, email, password_hash, role, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(owner.id)
    .bind(owner.workspace_id)
    .bind(owner.email)
    .bind(owner.password_hash)
    .bind(owner.role)
    .bind(owner.created_at)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await
}

#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
}

pub async fn find_user_by_email(pool: &SqlitePool, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(
        "SELECT id, workspace_id, email, password_hash, role FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(pool)
    .await
}

pub async fn list_users(pool: &SqlitePool, workspace_id: &str) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(
        "SELECT id, workspace_id, email, password_hash, role FROM users
         WHERE workspace_id = $1 ORDER BY created_at, id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await
}

/// Returns false when the e-mail is already taken.
pub async fn insert_user(pool: &SqlitePool, user: &NewUser<'_>) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "INSERT INTO users (id, workspace_id, email, password_hash, role, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING",
    )
    .bind(user.id)
    .bind(user.workspace_id)
    .bind(user.email)
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.created_at)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn plan(pool: &SqlitePool, workspace_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT plan FROM workspaces WHERE id = $1")
        .bind(workspace_id)
        .fetch_optional(pool)
        .await
}
