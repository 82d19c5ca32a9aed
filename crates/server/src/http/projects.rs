//! `/v1/projects`: the workspace's projects and their credentials.

use super::json::JsonBody;
use super::routes::Routes;
use super::ApiContext;
use crate::error::Result;
use crate::service::access::Caller;
use crate::service::{projects, quotas};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use keyscope_model::{
    CreateProjectRequest, Name, Project, ProjectCredentials, QuotaStatus, Response,
    UpdateProjectRequest,
};
use serde::Serialize;

pub fn routes() -> Routes {
    Routes::default()
        .get("/v1/projects", list)
        .post("/v1/projects", create)
        .patch("/v1/projects/{id}", update)
        .get("/v1/projects/{id}/credentials", credentials)
        .post("/v1/projects/{id}/credentials/regenerate", regenerate)
        .get("/v1/projects/{id}/quota", quota)
}

#[utoipa::path(
    get, path = "/v1/projects", tag = "projects",
    responses((status = 200, description = "the workspace's projects (for a project-confined key: its own)", body = Response<Vec<Project>>))
)]
pub(super) async fn list(
    State(context): State<ApiContext>,
    caller: Caller,
) -> Result<Json<Response<Vec<Project>>>> {
    let listed = projects::list(&context.services, &caller.grant()).await?;
    Ok(Json(Response::new(listed)))
}

#[utoipa::path(
    patch, path = "/v1/projects/{id}", tag = "projects", params(("id" = String, Path, description = "the project's id, prj_…")), request_body = UpdateProjectRequest,
    responses((status = 200, description = "the changed project", body = Response<Project>))
)]
pub(super) async fn update(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UpdateProjectRequest>,
) -> Result<Json<Response<Project>>> {
    let project = projects::update(&context.services, &caller.grant(), &id, request).await?;
    Ok(Json(Response::new(project)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CreatedProject {
    project: Project,
    credentials: ProjectCredentials,
}

#[utoipa::path(
    post, path = "/v1/projects", tag = "projects", request_body = CreateProjectRequest,
    responses((status = 201, description = "the project and its credentials", body = Response<CreatedProject>))
)]
pub(super) async fn create(
    State(context): State<ApiContext>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateProjectRequest>,
) -> Result<(StatusCode, Json<Response<CreatedProject>>)> {
    let name = Name::parse(&request.name)?;
    let (project, credentials) =
        projects::create(&context.services, &caller.grant(), name, chrono::Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Response::new(CreatedProject {
            project,
            credentials,
        })),
    ))
}

#[utoipa::path(
    get, path = "/v1/projects/{id}/credentials", tag = "projects", params(("id" = String, Path, description = "the project's id")),
    responses((status = 200, description = "the API ID and Project Key", body = Response<ProjectCredentials>))
)]
pub(super) async fn credentials(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<ProjectCredentials>>> {
    let credentials = projects::credentials(&context.services, &caller.grant(), &id).await?;
    Ok(Json(Response::new(credentials)))
}

#[utoipa::path(
    post, path = "/v1/projects/{id}/credentials/regenerate", tag = "projects", params(("id" = String, Path, description = "the project's id")),
    responses((status = 200, description = "new credentials; the old Project Key stops at once", body = Response<ProjectCredentials>))
)]
pub(super) async fn regenerate(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<ProjectCredentials>>> {
    let credentials = projects::regenerate(&context.services, &caller.grant(), &id).await?;
    Ok(Json(Response::new(credentials)))
}

#[utoipa::path(
    get, path = "/v1/projects/{id}/quota", tag = "projects", params(("id" = String, Path, description = "the project's id")),
    responses((status = 200, description = "the project's use this period against its workspace plan", body = Response<QuotaStatus>))
)]
pub(super) async fn quota(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<QuotaStatus>>> {
    let quota =
        quotas::for_project(&context.services, &caller.grant(), &id, chrono::Utc::now()).await?;
    Ok(Json(Response::new(quota)))
}
