//! `/v1/users`: console users of the workspace (Owners and Admins manage them).

use super::json::JsonBody;
use super::ApiContext;
use crate::error::Result;
use crate::service::access::Caller;
use crate::service::users;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use keyscope_model::auth::{AddUserRequest, User};
use keyscope_model::{Permission, Response, Scope};
use serde::Serialize;

pub fn router() -> Router<ApiContext> {
    Router::new().route("/v1/users", get(list).post(add))
}

async fn list(
    State(context): State<ApiContext>,
    caller: Caller,
) -> Result<Json<Response<Vec<User>>>> {
    caller.require(&Scope::on(Permission::Read, "users"))?;
    Ok(Json(Response::new(
        users::list(&context.services.store, &caller).await?,
    )))
}

/// The new user and the generated password, shown this once.
#[derive(Serialize)]
struct AddedUser {
    user: User,
    password: String,
}

async fn add(
    State(context): State<ApiContext>,
    caller: Caller,
    JsonBody(request): JsonBody<AddUserRequest>,
) -> Result<(StatusCode, Json<Response<AddedUser>>)> {
    caller.require(&Scope::on(Permission::Write, "users"))?;
    let added_by = match &caller {
        Caller::Console(session) => Some(session),
        Caller::Key(_) => None,
    };
    let (user, password) = users::add(
        &context.services.store,
        caller.workspace_id(),
        added_by,
        &request.email,
        request.role,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Response::new(AddedUser {
            user,
            password: password.expose().to_owned(),
        })),
    ))
}
