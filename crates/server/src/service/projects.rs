//! Projects and their credentials: an API ID and a Project Key, sealed under
//! the master key so they can be shown again, replaced together on
//! regeneration.

use super::access::AccessError;
use super::Services;
use crate::error::{Error, Result};
use crate::secrets;
use crate::store::{self, projects};
use chrono::{DateTime, Utc};
use keyscope_model::{Name, Project, ProjectCredentials, UpdateProjectRequest};

/// The prefix secret scanners can look for.
pub const PROJECT_KEY_PREFIX: &str = "ksp_";

/// A project whose Project Key was presented.
#[derive(Debug, Clone)]
pub struct AuthenticatedProject {
    pub id: String,
    pub workspace_id: String,
}

pub async fn create(
    services: &Services,
    workspace_id: &str,
    name: Name,
    now: DateTime<Utc>,
) -> Result<(Project, ProjectCredentials)> {
    let id = format!("prj_{}", ulid::Ulid::new());
    let mut connection = services.store.pool().acquire().await?;
    projects::insert(
        &mut connection,
        &projects::NewProject {
            id: &id,
            workspace_id,
            name: name.as_str(),
            upstream_url: None,
            created_at: store::millis(now),
        },
    )
    .await?;
    drop(connection);
    let credentials = regenerate(services, workspace_id, &id).await?;
    let project = get(services, workspace_id, &id).await?;
    Ok((project, credentials))
}

pub async fn list(services: &Services, workspace_id: &str) -> Result<Vec<Project>> {
    let rows = projects::list(services.store.pool(), workspace_id).await?;
    Ok(rows.into_iter().map(to_view).collect())
}

pub async fn get(services: &Services, workspace_id: &str, id: &str) -> Result<Project> {
    let row = projects::get(services.store.pool(), workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(to_view(row))
}

/// Renames and sets or clears the upstream the gateway proxies to.
pub async fn update(
    services: &Services,
    workspace_id: &str,
    id: &str,
    request: UpdateProjectRequest,
) -> Result<Project> {
    let name = request.name.as_deref().map(Name::parse).transpose()?;
    let upstream = request
        .upstream_url
        .map(|url| {
            url.as_deref()
                .map(super::gateway::parse_upstream_url)
                .transpose()
        })
        .transpose()?;
    get(services, workspace_id, id).await?;
    if let Some(name) = name {
        projects::rename(services.store.pool(), workspace_id, id, name.as_str()).await?;
    }
    if let Some(upstream) = upstream {
        projects::set_upstream(services.store.pool(), workspace_id, id, upstream.as_deref())
            .await?;
    }
    get(services, workspace_id, id).await
}

fn to_view(row: projects::ProjectRow) -> Project {
    Project {
        id: row.id,
        name: row.name,
        upstream_url: row.upstream_url,
        created_at: keyscope_model::timestamp::from_millis(row.created_at),
    }
}

/// The current credentials; made on first view for projects that predate them.
pub async fn credentials(
    services: &Services,
    workspace_id: &str,
    id: &str,
) -> Result<ProjectCredentials> {
    let stored = projects::credentials(services.store.pool(), workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    match (stored.api_id, stored.project_key_sealed) {
        (Some(api_id), Some(sealed)) => Ok(ProjectCredentials {
            project_id: id.to_owned(),
            api_id,
            project_key: services.master_key.open(&sealed)?,
        }),
        _ => regenerate(services, workspace_id, id).await,
    }
}

/// New API ID and Project Key at once; the old key stops working at once.
pub async fn regenerate(
    services: &Services,
    workspace_id: &str,
    id: &str,
) -> Result<ProjectCredentials> {
    let api_id = format!("api_{}", ulid::Ulid::new());
    let project_key = format!("{PROJECT_KEY_PREFIX}{}", secrets::random_token());
    let replaced = projects::set_credentials(
        services.store.pool(),
        workspace_id,
        id,
        &projects::NewCredentials {
            api_id: &api_id,
            project_key_sealed: &services.master_key.seal(&project_key)?,
            project_key_digest: &secrets::digest_text(&project_key),
        },
    )
    .await?;
    if !replaced {
        return Err(not_found(id));
    }
    services.route_cache.forget(id);
    tracing::info!(project_id = %id, %api_id, "project credentials generated");
    Ok(ProjectCredentials {
        project_id: id.to_owned(),
        api_id,
        project_key,
    })
}

pub async fn authenticate_project_key(
    services: &Services,
    presented: &str,
) -> Result<AuthenticatedProject> {
    let presented = presented.trim();
    if presented.is_empty() {
        return Err(AccessError::MissingProjectKey.into());
    }
    if !presented.starts_with(PROJECT_KEY_PREFIX) {
        return Err(AccessError::UnknownProjectKey.into());
    }
    let (id, workspace_id) =
        projects::find_by_key_digest(services.store.pool(), &secrets::digest_text(presented))
            .await?
            .ok_or(AccessError::UnknownProjectKey)?;
    Ok(AuthenticatedProject { id, workspace_id })
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("no project {id} in this workspace"))
}
