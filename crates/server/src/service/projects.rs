//! Projects and their credentials: an API ID and a Project Key, sealed under
//! the master key so they can be shown again, replaced together on
//! regeneration.

use super::access::AccessError;
use super::Services;
use crate::error::{Error, Result};
use crate::secrets;
use crate::store::{self, projects};
use chrono::{DateTime, Utc};
use keyscope_model::permissions::resource;
use keyscope_model::{
    Grant, Name, Permission, Project, ProjectCredentials, Scope, UpdateProjectRequest,
};

/// The prefix secret scanners can look for.
pub const PROJECT_KEY_PREFIX: &str = "ksp_";

/// A project whose Project Key was presented.
#[derive(Debug, Clone)]
pub struct AuthenticatedProject {
    pub id: String,
    pub workspace_id: String,
}

/// A new project and its credentials: workspace-wide, and since the answer
/// carries the Project Key, only for who may see credentials.
pub async fn create(
    services: &Services,
    grant: &Grant,
    name: Name,
    now: DateTime<Utc>,
) -> Result<(Project, ProjectCredentials)> {
    grant.require(&Scope::on(Permission::Write, resource::PROJECTS))?;
    grant.require(&Scope::on(Permission::Admin, resource::CREDENTIALS))?;
    grant.require_workspace_wide()?;
    let workspace_id = grant.workspace_id.as_str();
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
    let credentials = new_credentials(services, workspace_id, &id).await?;
    let project = visible(services, grant, &id).await?;
    Ok((project, credentials))
}

/// The workspace's projects; a project-confined caller sees its own only.
pub async fn list(services: &Services, grant: &Grant) -> Result<Vec<Project>> {
    grant.require(&Scope::on(Permission::Read, resource::PROJECTS))?;
    let rows = projects::list(services.store.pool(), &grant.workspace_id).await?;
    Ok(rows
        .into_iter()
        .filter(|row| grant.sees(Some(&row.id)))
        .map(to_view)
        .collect())
}

/// The project if the grant sees it; another workspace's or, for a
/// confined caller, another project answers as missing.
async fn visible(services: &Services, grant: &Grant, id: &str) -> Result<Project> {
    let row = projects::get(services.store.pool(), &grant.workspace_id, id)
        .await?
        .filter(|_| grant.sees(Some(id)))
        .ok_or_else(|| not_found(id))?;
    Ok(to_view(row))
}

/// Checks that the grant may read the project (`read:projects`, in sight):
/// for what hangs off a project (its quota).
pub async fn require_readable(services: &Services, grant: &Grant, id: &str) -> Result<()> {
    grant.require(&Scope::on(Permission::Read, resource::PROJECTS))?;
    visible(services, grant, id).await.map(drop)
}

/// Renames and sets or clears the upstream the gateway proxies to. The
/// gateway's cached route is forgotten at once, so the next call goes to
/// the new upstream.
pub async fn update(
    services: &Services,
    grant: &Grant,
    id: &str,
    request: UpdateProjectRequest,
) -> Result<Project> {
    grant.require(&Scope::on(Permission::Write, resource::PROJECTS))?;
    let workspace_id = grant.workspace_id.as_str();
    let name = request.name.as_deref().map(Name::parse).transpose()?;
    let upstream = request
        .upstream_url
        .map(|url| {
            url.as_deref()
                .map(super::gateway::parse_upstream_url)
                .transpose()
        })
        .transpose()?;
    visible(services, grant, id).await?;
    if let Some(Some(url)) = &upstream {
        check_upstream(services, url).await?;
    }
    if let Some(name) = name {
        projects::rename(services.store.pool(), workspace_id, id, name.as_str()).await?;
    }
    if let Some(upstream) = upstream {
        projects::set_upstream(services.store.pool(), workspace_id, id, upstream.as_deref())
            .await?;
        services.route_cache.forget(id);
    }
    visible(services, grant, id).await
}

/// The upstream's host must be one the operator's policy allows.
async fn check_upstream(services: &Services, url: &str) -> Result<()> {
    let uri: axum::http::Uri = url.parse().map_err(|_| {
        keyscope_model::FieldError::new("upstream_url", "upstream_url is not a URL")
    })?;
    let host = uri.host().unwrap_or_default();
    let port = uri.port_u16().unwrap_or(80);
    Ok(services.upstreams.check(host, port).await?)
}

fn to_view(row: projects::ProjectRow) -> Project {
    Project {
        id: row.id,
        name: row.name,
        upstream_url: row.upstream_url,
        created_at: keyscope_model::timestamp::from_millis(row.created_at),
    }
}

/// The current credentials; made on first view for projects that predate
/// them. For Owner, Admin and Manager sessions and `admin` keys of the
/// project or the workspace, never `read` keys.
pub async fn credentials(
    services: &Services,
    grant: &Grant,
    id: &str,
) -> Result<ProjectCredentials> {
    require_credentials(services, grant, id).await?;
    let workspace_id = grant.workspace_id.as_str();
    let stored = projects::credentials(services.store.pool(), workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    match (stored.api_id, stored.project_key_sealed) {
        (Some(api_id), Some(sealed)) => Ok(ProjectCredentials {
            project_id: id.to_owned(),
            api_id,
            project_key: services.master_key.open(&sealed)?,
        }),
        _ => new_credentials(services, workspace_id, id).await,
    }
}

async fn require_credentials(services: &Services, grant: &Grant, id: &str) -> Result<()> {
    grant.require(&Scope::on(Permission::Admin, resource::CREDENTIALS))?;
    visible(services, grant, id).await.map(drop)
}

/// New API ID and Project Key at once; the old key stops working at once.
pub async fn regenerate(
    services: &Services,
    grant: &Grant,
    id: &str,
) -> Result<ProjectCredentials> {
    require_credentials(services, grant, id).await?;
    new_credentials(services, &grant.workspace_id, id).await
}

async fn new_credentials(
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
