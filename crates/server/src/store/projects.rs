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
    pub upstream_url: Option<String>,
    pub created_at: i64,
}

pub async fn list(pool: &SqlitePool, workspace_id: &str) -> sqlx::Result<Vec<ProjectRow>> {
    sqlx::query_as(
        "SELECT id, name, upstream_url, created_at FROM projects WHERE workspace_id = $1 ORDER BY created_at, id",
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

/// A project's credentials as stored; `None` until first made.
#[derive(Debug, sqlx::FromRow)]
pub struct CredentialColumns {
    pub api_id: Option<String>,
    pub project_key_sealed: Option<String>,
}

pub async fn credentials(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
) -> sqlx::Result<Option<CredentialColumns>> {
    sqlx::query_as(
        "SELECT api_id, project_key_sealed FROM projects WHERE workspace_id = $1 AND id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub struct NewCredentials<'a> {
    pub api_id: &'a str,
    pub project_key_sealed: &'a str,
    pub project_key_digest: &'a str,
}

/// Replaces both credentials in one statement: the old Project Key's digest
/// is gone the moment this commits.
pub async fn set_credentials(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
    credentials: &NewCredentials<'_>,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE projects SET api_id = $1, project_key_sealed = $2, project_key_digest = $3
         WHERE workspace_id = $4 AND id = $5",
    )
    .bind(credentials.api_id)
    .bind(credentials.project_key_sealed)
    .bind(credentials.project_key_digest)
    .bind(workspace_id)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The project (id, workspace) whose current Project Key has this digest.
pub async fn find_by_key_digest(
    pool: &SqlitePool,
    digest: &str,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT id, workspace_id FROM projects WHERE project_key_digest = $1")
        .bind(digest)
        .fetch_optional(pool)
        .await
}

/// Where a gateway path leads: the project behind an API ID and its upstream.
#[derive(Debug, sqlx::FromRow)]
pub struct GatewayRoute {
    pub id: String,
    pub workspace_id: String,
    pub upstream_url: Option<String>,
}

pub async fn find_by_api_id(pool: &SqlitePool, api_id: &str) -> sqlx::Result<Option<GatewayRoute>> {
    sqlx::query_as("SELECT id, workspace_id, upstream_url FROM projects WHERE api_id = $1")
        .bind(api_id)
        .fetch_optional(pool)
        .await
}

pub async fn set_upstream(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
    upstream_url: Option<&str>,
) -> sqlx::Result<bool> {
    let result =
        sqlx::query("UPDATE projects SET upstream_url = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(upstream_url)
            .bind(workspace_id)
            .bind(id)
            .execute(pool)
            .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
) -> sqlx::Result<Option<ProjectRow>> {
    sqlx::query_as("SELECT id, name, upstream_url, created_at FROM projects WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn rename(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
    name: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query("UPDATE projects SET name = $1 WHERE workspace_id = $2 AND id = $3")
        .bind(name)
        .bind(workspace_id)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}
