//! The wire shape and status of every error, decided in one place.

use crate::error::Error;
use crate::service::access::AccessError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use keyscope_model::{ApiError, ErrorCode, ErrorResponse, SecretFormatError};
use serde_json::json;

struct Parts {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    details: Option<serde_json::Value>,
}

fn parts(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Parts {
    Parts {
        status,
        code,
        message: message.into(),
        details: None,
    }
}

fn access_parts(error: AccessError) -> Parts {
    use AccessError::*;
    let unauthorized = StatusCode::UNAUTHORIZED;
    match error {
        NoCredentials => parts(
            unauthorized,
            ErrorCode::Unauthorized,
            "sign in to the console, or send an API key as `Authorization: Bearer <key>` or `x-api-key: <key>`",
        ),
        MissingKey => parts(
            unauthorized,
            ErrorCode::MissingApiKey,
            "no API key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`",
        ),
        MalformedKey(SecretFormatError::Malformed) => parts(
            unauthorized,
            ErrorCode::MalformedApiKey,
            "the API key is malformed: keys look like `ks_live_…` with 28 characters after the prefix; copy the whole key again",
        ),
        MalformedKey(SecretFormatError::BadChecksum) => parts(
            unauthorized,
            ErrorCode::MalformedApiKey,
            "the API key's checksum does not match: a character was mistyped or lost; copy the whole key again",
        ),
        UnknownKey => parts(
            unauthorized,
            ErrorCode::InvalidApiKey,
            "the API key is not valid: it may have been deleted or replaced by a rotation; use the current key or create a new one",
        ),
        RevokedKey => parts(
            unauthorized,
            ErrorCode::KeyRevoked,
            "the API key was revoked; create a new key in the console",
        ),
        DisabledKey => parts(
            unauthorized,
            ErrorCode::KeyDisabled,
            "the API key is disabled; enable it in the console or use another key",
        ),
        ExpiredKey { at } => parts(
            unauthorized,
            ErrorCode::KeyExpired,
            format!(
                "the API key expired at {}; create a new key or extend this key's expiry in the console",
                keyscope_model::timestamp::format(&at)
            ),
        ),
        MissingProjectKey => parts(
            unauthorized,
            ErrorCode::MissingProjectKey,
            "no Project Key: send the project's key as `Authorization: Bearer <project key>` (Get Credentials in the console)",
        ),
        UnknownProjectKey => parts(
            unauthorized,
            ErrorCode::InvalidProjectKey,
            "the Project Key is not valid: it may have been regenerated; copy the current one from Get Credentials",
        ),
        NoMetricsToken => parts(
            unauthorized,
            ErrorCode::Unauthorized,
            "/metrics needs the operator's metrics token as `Authorization: Bearer <token>`",
        ),
        BadCredentials => parts(
            unauthorized,
            ErrorCode::InvalidCredentials,
            "wrong e-mail or password",
        ),
        InsufficientScope { required } => Parts {
            status: StatusCode::FORBIDDEN,
            code: ErrorCode::InsufficientScope,
            message: format!("the API key lacks the `{required}` scope this call needs; use a key that has it"),
            details: Some(json!({ "required_scope": required.to_string() })),
        },
        RoleForbidden { needed } => parts(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("you need the {needed} role for this; ask an owner of the workspace"),
        ),
        ProjectConfined { project_id } => Parts {
            status: StatusCode::FORBIDDEN,
            code: ErrorCode::Forbidden,
            message: format!("this key is confined to project {project_id}, and this belongs to the whole workspace; use a workspace-wide key or the console"),
            details: Some(json!({ "project_id": project_id })),
        },
        BeyondGrant { scope } => Parts {
            status: StatusCode::FORBIDDEN,
            code: ErrorCode::Forbidden,
            message: format!("you do not hold the `{scope}` scope, so you cannot give it to a key or act on a key that has it"),
            details: Some(json!({ "field": "scopes", "scope": scope.to_string() })),
        },
        RoleBeyondGrant { role } => Parts {
            status: StatusCode::FORBIDDEN,
            code: ErrorCode::Forbidden,
            message: match role {
                keyscope_model::Role::Owner => "only an Owner can add an Owner".to_owned(),
                other => format!("you cannot add a user with the {} role: it can do more than you can", other.as_str()),
            },
            details: Some(json!({ "field": "role" })),
        },
        BadCsrfToken => parts(
            StatusCode::FORBIDDEN,
            ErrorCode::CsrfTokenInvalid,
            "missing or wrong X-CSRF-Token header; reload the console and try again",
        ),
    }
}

/// The code and message a refusal would have, for answers that report it
/// in the body instead (verify).
pub fn describe_access_error(error: AccessError) -> (String, String) {
    let parts = access_parts(error);
    let code = serde_json::to_value(parts.code)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    (code, parts.message)
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut retry_after = None;
        let mut decision = None;
        let parts = match self {
            Error::RateLimited(refusal) => {
                retry_after = refusal.retry_after_seconds;
                let parts = Parts {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    code: ErrorCode::RateLimited,
                    message: format!(
                        "rate limit reached: {} requests per {}; retry in {} s",
                        refusal.limit,
                        refusal.window.as_str(),
                        refusal.retry_after_seconds.unwrap_or(1)
                    ),
                    details: Some(json!({
                        "window": refusal.window,
                        "limit": refusal.limit,
                        "retry_after_seconds": refusal.retry_after_seconds,
                    })),
                };
                decision = Some(refusal);
                parts
            }
            Error::Validation(error) => Parts {
                status: StatusCode::BAD_REQUEST,
                code: ErrorCode::ValidationError,
                message: error.message,
                details: Some(json!({ "field": error.field })),
            },
            Error::Access(error) => access_parts(error),
            Error::HttpsRequired => parts(
                StatusCode::FORBIDDEN,
                ErrorCode::HttpsRequired,
                "this gateway only accepts HTTPS: call the https:// address",
            ),
            Error::GatewayTimeout(message) => parts(
                StatusCode::GATEWAY_TIMEOUT,
                ErrorCode::GatewayTimeout,
                message,
            ),
            Error::BadGateway(message) => {
                parts(StatusCode::BAD_GATEWAY, ErrorCode::BadGateway, message)
            }
            Error::NotFound(message) => parts(StatusCode::NOT_FOUND, ErrorCode::NotFound, message),
            Error::Conflict(message) => parts(StatusCode::CONFLICT, ErrorCode::Conflict, message),
            Error::TooManyRequests {
                message,
                retry_after_seconds,
            } => {
                retry_after = Some(retry_after_seconds);
                parts(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    message,
                )
            }
            Error::PayloadTooLarge(message) => parts(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                message,
            ),
            Error::RequestTimeout(message) => parts(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::RequestTimeout,
                message,
            ),
            Error::UnsupportedMediaType(message) => parts(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                message,
            ),
            Error::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                parts(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::InternalError,
                    "internal error; quote the X-Request-Id header when reporting it",
                )
            }
        };
        let body = ErrorResponse {
            success: false,
            error: ApiError {
                code: parts.code,
                message: parts.message,
                details: parts.details,
            },
        };
        let mut response = (parts.status, Json(body)).into_response();
        if let Some(decision) = &decision {
            super::rate_limit_headers::apply(response.headers_mut(), decision);
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Any `/v1` path no route claims.
pub async fn unknown_route(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> Error {
    Error::NotFound(format!("no API endpoint at {}", uri.path()))
}

/// A known path with a method it does not take.
pub async fn method_not_allowed(
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Error {
    Error::NotFound(format!("no API endpoint for {method} {}", uri.path()))
}
