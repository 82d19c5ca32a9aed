//! `/v1/users`: console users of the workspace (Owners and Admins manage them).

use super::json::JsonBody;
use super::routes::Routes;
use super::ApiContext;
use crate::error::Result;
use crate::service::access::Caller;
use crate::service::users;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use keyscope_model::auth::{AddUserRequest, User};
use keyscope_model::Response;
use serde::Serialize;

pub fn routes() -> Routes {
    Routes::default()
        .get("/v1/users", list)
        .post("/v1/users", add)
}

#[utoipa::path(
    get, path = "/v1/users", tag = "users",
    responses((status = 200, description = "the workspace's console users", body = Response<Vec<User>>))
)]
pub(super) async fn list(
    State(context): State<ApiContext>,
    caller: Caller,
) -> Result<Json<Response<Vec<User>>>> {
    Ok(Json(Response::new(
        users::list(&context.services.store, &caller.grant()).await?,
    )))
}

/// The new user and the generated password, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AddedUser {
    user: User,
    password: String,
}

#[utoipa::path(
    post, path = "/v1/users", tag = "users", request_body = AddUserRequest,
    responses((status = 201, description = "the user and a generated password, shown this once", body = Response<AddedUser>))
)]
pub(super) async fn add(
    State(context): State<ApiContext>,
    caller: Caller,
    JsonBody(request): JsonBody<AddUserRequest>,
) -> Result<(StatusCode, Json<Response<AddedUser>>)> {
    let (user, password) = users::add(
        &context.services.store,
        &caller.grant(),
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
