//! `/v1/keys`: the workspace's API keys, and `/v1/keys/verify` for services
//! that keep their own server.

use super::json::JsonBody;
use super::routes::Routes;
use super::{query, ApiContext};
use crate::error::{Error, Result};
use crate::service::access::{self, AccessError, Caller};
use crate::service::keys;
use crate::service::{projects, quotas};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::Utc;
use keyscope_model::{
    ApiKey, CallingKey, CreateKeyRequest, CreatedKey, KeyChanges, KeyQuota, KeySpec, ListResponse,
    PageRequest, RateLimitState, Response, RotateKeyRequest, Scope, UpdateKeyRequest,
    VerifyRequest, VerifyResponse,
};

pub fn routes() -> Routes {
    Routes::default()
        .get("/v1/keys", list)
        .post("/v1/keys", create)
        .post("/v1/keys/verify", verify)
        .get("/v1/key", calling_key)
        .get("/v1/keys/{id}", read)
        .patch("/v1/keys/{id}", update)
        .delete("/v1/keys/{id}", delete)
        .post("/v1/keys/{id}/rotate", rotate)
        .post("/v1/keys/{id}/revoke", revoke)
        .get("/v1/keys/{id}/quota", quota)
}

#[utoipa::path(
    get, path = "/v1/keys", tag = "keys",
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20", minimum = 1, maximum = 100), ("offset" = Option<u64>, Query, description = "how many to skip")),
    responses((status = 200, description = "the workspace's keys (for a project-confined key: its project's), newest first", body = ListResponse<ApiKey>))
)]
pub(super) async fn list(
    State(context): State<ApiContext>,
    caller: Caller,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<ListResponse<ApiKey>>> {
    let pairs = query::pairs(raw_query.as_deref());
    let page = PageRequest::parse(query::as_str_pairs(&pairs), &[])?;
    let (keys, total) =
        keys::list(&context.services.store, &caller.grant(), page, Utc::now()).await?;
    Ok(Json(ListResponse::new(
        keys,
        total,
        page.limit,
        page.offset,
    )))
}

#[utoipa::path(
    post, path = "/v1/keys", tag = "keys", request_body = CreateKeyRequest,
    responses((status = 201, description = "the key, and its secret shown this once", body = Response<CreatedKey>))
)]
pub(super) async fn create(
    State(context): State<ApiContext>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateKeyRequest>,
) -> Result<(StatusCode, Json<Response<CreatedKey>>)> {
    let now = Utc::now();
    let spec = KeySpec::parse(request, now)?;
    let created = keys::create(&context.services, &caller.grant(), spec, now).await?;
    Ok((StatusCode::CREATED, Json(Response::new(created))))
}

#[utoipa::path(
    get, path = "/v1/keys/{id}", tag = "keys", params(("id" = String, Path, description = "the key's id, key_…")),
    responses((status = 200, description = "the key", body = Response<ApiKey>))
)]
pub(super) async fn read(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<ApiKey>>> {
    let key = keys::get(&context.services.store, &caller.grant(), &id, Utc::now()).await?;
    Ok(Json(Response::new(key)))
}

#[utoipa::path(
    patch, path = "/v1/keys/{id}", tag = "keys", params(("id" = String, Path, description = "the key's id")), request_body = UpdateKeyRequest,
    responses((status = 200, description = "the changed key", body = Response<ApiKey>))
)]
pub(super) async fn update(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UpdateKeyRequest>,
) -> Result<Json<Response<ApiKey>>> {
    let now = Utc::now();
    let changes = KeyChanges::parse(request, now)?;
    let key = keys::update(&context.services, &caller.grant(), &id, changes, now).await?;
    Ok(Json(Response::new(key)))
}

#[utoipa::path(
    post, path = "/v1/keys/{id}/rotate", tag = "keys", params(("id" = String, Path, description = "the key's id")), request_body = RotateKeyRequest,
    responses((status = 200, description = "the key and its new secret, shown this once", body = Response<CreatedKey>))
)]
pub(super) async fn rotate(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RotateKeyRequest>,
) -> Result<Json<Response<CreatedKey>>> {
    let rotated =
        keys::rotate(&context.services, &caller.grant(), &id, request, Utc::now()).await?;
    Ok(Json(Response::new(rotated)))
}

#[utoipa::path(
    post, path = "/v1/keys/{id}/revoke", tag = "keys", params(("id" = String, Path, description = "the key's id")),
    responses((status = 200, description = "the revoked key; refused from the next request on", body = Response<ApiKey>))
)]
pub(super) async fn revoke(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<ApiKey>>> {
    let key = keys::revoke(&context.services, &caller.grant(), &id, Utc::now()).await?;
    Ok(Json(Response::new(key)))
}

#[utoipa::path(
    delete, path = "/v1/keys/{id}", tag = "keys", params(("id" = String, Path, description = "the key's id")),
    responses((status = 204, description = "deleted for good"))
)]
pub(super) async fn delete(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    keys::delete(&context.services, &caller.grant(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The key making this call: what a client asks to check its setup.
#[utoipa::path(
    get, path = "/v1/key", tag = "keys",
    responses((status = 200, description = "the key making this call", body = Response<CallingKey>))
)]
pub(super) async fn calling_key(caller: Caller) -> Result<Json<Response<CallingKey>>> {
    match caller {
        Caller::Key(key) => Ok(Json(Response::new(CallingKey {
            id: key.id.clone(),
            project_id: key.project_id.clone(),
            scopes: key.scopes.clone(),
            plan: key.plan,
        }))),
        Caller::Console(_) => Err(AccessError::MissingKey.into()),
    }
}

#[utoipa::path(
    get, path = "/v1/keys/{id}/quota", tag = "keys", params(("id" = String, Path, description = "the key's id")),
    responses((status = 200, description = "the key's plan, rate, and today's and this period's use", body = Response<KeyQuota>))
)]
pub(super) async fn quota(
    State(context): State<ApiContext>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Response<KeyQuota>>> {
    let quota = quotas::for_key(&context.services, &caller.grant(), &id, Utc::now()).await?;
    Ok(Json(Response::new(quota)))
}

/// Answers whether a key is valid for the calling project (and, given a
/// method and endpoint, allowed there). The caller is the project's backend,
/// proven by its Project Key, so verify is no oracle for strangers and only
/// answers about keys of that project or its workspace-wide keys. Always 200
/// for a well-formed call: the verdict is in the body.
#[utoipa::path(
    post, path = "/v1/keys/verify", tag = "keys", request_body = VerifyRequest,
    responses((status = 200, description = "the verdict on the key (`valid`, and the code that refused it); only about the calling project's keys and workspace-wide keys", body = Response<VerifyResponse>))
)]
pub(super) async fn verify(
    State(context): State<ApiContext>,
    axum::Extension(slot): axum::Extension<super::call::CallSlot>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> Result<Json<Response<VerifyResponse>>> {
    let project_key = super::auth::presented_key(&headers)
        .map_err(|_| AccessError::UnknownProjectKey)?
        .ok_or(AccessError::MissingProjectKey)?;
    let project = projects::authenticate_project_key(&context.services, project_key).await?;
    let wanted = match (&request.method, &request.endpoint) {
        (Some(method), endpoint) => Some(Scope::required_for(
            method,
            endpoint.as_deref().unwrap_or("/"),
        )),
        (None, Some(_)) => {
            return Err(Error::Validation(keyscope_model::FieldError::new(
                "method",
                "give the method along with the endpoint",
            )))
        }
        (None, None) => None,
    };
    let now = Utc::now();
    // Whose key it is comes before what state it is in: a Project Key learns
    // nothing (revoked, disabled, expired) about keys outside its project.
    let started = std::time::Instant::now();
    let found = access::find_key(&context.services, &request.key)
        .await
        .and_then(|key| {
            if key.belongs_to(&project.id, &project.workspace_id) {
                access::check_key_state(&context.services, key, now)
            } else {
                // The same answer as for a key that does not exist.
                Err(AccessError::UnknownKey.into())
            }
        });
    context
        .services
        .telemetry
        .key_verification(started.elapsed(), found.is_ok());
    let checked = match found {
        Ok(key) => {
            slot.key(&key);
            // Counted like any call the key makes.
            let decision = access::count_request(&context.services, &key, now).await?;
            Ok((key, decision))
        }
        Err(Error::Access(refusal)) => Err(refusal),
        Err(other) => return Err(other),
    };
    let verdict = match checked {
        Ok((key, decision)) => {
            let scope_ok = wanted.as_ref().is_none_or(|scope| key.scopes.grants(scope));
            let (code, message) = match (&wanted, scope_ok, decision.allowed) {
                (_, _, false) => (
                    "RATE_LIMITED",
                    format!("the key's {} limit is reached", decision.window.as_str()),
                ),
                (Some(scope), false, true) => (
                    "INSUFFICIENT_SCOPE",
                    format!("the key lacks the `{scope}` scope"),
                ),
                _ => ("VALID", "the key is valid".to_owned()),
            };
            // Logged as the call it describes, with the answer it would get.
            let status = match code {
                "VALID" => 200,
                "RATE_LIMITED" => 429,
                _ => 403,
            };
            slot.describes(
                request.method.clone().unwrap_or_else(|| "POST".to_owned()),
                request
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| "/v1/keys/verify".to_owned()),
                status,
            );
            VerifyResponse {
                valid: code == "VALID",
                code: code.to_owned(),
                message,
                key_id: Some(key.id.clone()),
                scopes: Some(key.scopes.clone()),
                rate_limit: Some(RateLimitState {
                    window: decision.window,
                    limit: decision.limit,
                    remaining: decision.remaining,
                    reset: decision.reset_at.timestamp(),
                }),
            }
        }
        Err(refusal) => {
            let (code, message) = super::error::describe_access_error(refusal);
            VerifyResponse {
                valid: false,
                code,
                message,
                key_id: None,
                scopes: None,
                rate_limit: None,
            }
        }
    };
    Ok(Json(Response::new(verdict)))
}
