//! Projects and their credentials: an API ID and a Project Key, sealed under
//! the master key so they can be shown again, replaced together on
//! regeneration.

use super::access::AccessError;
use super::Services;
use crate::error::{Error, Result};
use crate::secrets;
use crate::store::{self, projects};
use chrono::{DateTime, Utc};
use keyscope_model::{Name, Project, ProjectCredentials};

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
    let project = Project {
        id,
        name: name.as_str().to_owned(),
        created_at: keyscope_model::timestamp::from_millis(store::millis(now)),
    };
    Ok((project, credentials))
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
