//! Projects within a workspace.

use sqlx::SqliteConnection;

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
