//! `/v1/session` (sign in, sign out) and `/v1/me`.

use super::auth::{session_token, SESSION_COOKIE};
use super::json::JsonBody;
use super::routes::Routes;
use super::ApiContext;
use crate::error::Result;
use crate::service::access::{self, AccessError, Caller};
use crate::service::sessions::{self, SESSION_LIFETIME};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::Json;
use keyscope_model::{LoginRequest, Me, Response};
use std::net::SocketAddr;

pub fn routes() -> Routes {
    Routes::default()
        .post("/v1/session", sign_in)
        .delete("/v1/session", sign_out)
        .get("/v1/me", me)
}

#[utoipa::path(
    post, path = "/v1/session", tag = "session", request_body = LoginRequest, security(()),
    responses((status = 200, description = "signed in; the session cookie `ks_session` is set", body = Response<Me>))
)]
pub(super) async fn sign_in(
    State(context): State<ApiContext>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<impl IntoResponse> {
    let new =
        sessions::sign_in(&context.services, request, client.ip(), chrono::Utc::now()).await?;
    let cookie = session_cookie(
        &new.token,
        SESSION_LIFETIME.num_seconds(),
        context.secure_cookies,
    );
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(Response::new(new.session)),
    ))
}

#[utoipa::path(
    delete, path = "/v1/session", tag = "session",
    responses((status = 204, description = "signed out; the cookie is cleared"))
)]
pub(super) async fn sign_out(
    State(context): State<ApiContext>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    if !matches!(caller, Caller::Console(_)) {
        return Err(AccessError::NoCredentials.into());
    }
    if let Some(token) = session_token(&headers) {
        sessions::sign_out(&context.services, token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(
            header::SET_COOKIE,
            session_cookie("", 0, context.secure_cookies),
        )]),
    ))
}

/// The signed-in console user, or `null`: the app asks this first, so a
/// visitor who is not signed in is sent to sign-in without an error.
#[utoipa::path(
    get, path = "/v1/me", tag = "session", security((), ("session" = [])),
    responses((status = 200, description = "the signed-in console user, or null", body = Response<Option<Me>>))
)]
pub(super) async fn me(
    State(context): State<ApiContext>,
    headers: HeaderMap,
) -> Result<Json<Response<Option<Me>>>> {
    let Some(token) = session_token(&headers) else {
        return Ok(Json(Response::new(None)));
    };
    let session =
        access::authenticate_session(&context.services, token, chrono::Utc::now()).await?;
    Ok(Json(Response::new(session)))
}

fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("ks_session=; Max-Age=0"))
}
