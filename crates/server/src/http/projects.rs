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

async fn list(
    State(context): State<ApiContext>,
    caller: Caller,
) -> Result<Json<Response<Vec<Project>>>> {
    let listed = projects::list(&context.services, &caller.grant()).await?;
    Ok(Json(Response::new(listed)))
}

async fn update(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UpdateProjectRequest>,
) -> Result<Json<Response<Project>>> {
    let project = projects::update(&context.services, &caller.grant(), &id, request).await?;
    Ok(Json(Response::new(project)))
}

#[derive(Serialize)]
struct CreatedProject {
    project: Project,
    credentials: ProjectCredentials,
}

async fn create(
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

async fn credentials(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<ProjectCredentials>>> {
    let credentials = projects::credentials(&context.services, &caller.grant(), &id).await?;
    Ok(Json(Response::new(credentials)))
}

async fn regenerate(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<ProjectCredentials>>> {
    let credentials = projects::regenerate(&context.services, &caller.grant(), &id).await?;
    Ok(Json(Response::new(credentials)))
}

async fn quota(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<QuotaStatus>>> {
    let quota =
        quotas::for_project(&context.services, &caller.grant(), &id, chrono::Utc::now()).await?;
    Ok(Json(Response::new(quota)))
}
