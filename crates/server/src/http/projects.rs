//! `/v1/projects`: the workspace's projects.

use super::ApiContext;
use crate::error::Result;
use crate::service::access::Caller;
use crate::store::projects;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use keyscope_model::timestamp::from_millis;
use keyscope_model::{Permission, Project, Response, Scope};

pub fn router() -> Router<ApiContext> {
    Router::new().route("/projects", get(list))
}

async fn list(
    State(context): State<ApiContext>,
    caller: Caller,
) -> Result<Json<Response<Vec<Project>>>> {
    caller.require(&Scope::on(Permission::Read, "projects"))?;
    let rows = projects::list(context.services.store.pool(), caller.workspace_id()).await?;
    Ok(Json(Response::new(
        rows.into_iter()
            .map(|row| Project {
                id: row.id,
                name: row.name,
                created_at: from_millis(row.created_at),
            })
            .collect(),
    )))
}
