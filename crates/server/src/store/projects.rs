//! Projects within a workspace.

use sqlx::{SqliteConnection, SqlitePool};

pub struct NewProject<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub name: &'a str,
    pub upstream_url: Option<&'a str>,
    pub created_at: i64,
}

pub async fn insert(
    connection: &mut SqliteConnection,
    project: &NewProject<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO projects (id, workspace_id, name, upstream_url, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(project.id)
    .bind(project.workspace_id)
    .bind(project.name)
    .bind(project.upstream_url)
    .bind(project.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn count(connection: &mut SqliteConnection, workspace_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE workspace_id = $1")
        .bind(workspace_id)
        .fetch_one(connection)
        .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

pub async fn list(pool: &SqlitePool, workspace_id: &str) -> sqlx::Result<Vec<ProjectRow>> {
    sqlx::query_as(
        "SELECT id, name, created_at FROM projects WHERE workspace_id = $1 ORDER BY created_at, id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await
}

pub async fn exists(pool: &SqlitePool, workspace_id: &str, id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM projects WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}
