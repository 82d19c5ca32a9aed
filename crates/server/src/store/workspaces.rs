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
