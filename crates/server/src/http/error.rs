//! One error type for every handler: each failure has one status and one
//! wire shape, decided here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use keyscope_model::{ApiError, ErrorCode, ErrorResponse, FieldError};

#[derive(Debug)]
pub enum Error {
    /// Input that did not parse; names the field.
    Validation(FieldError),
    NotFound(String),
    /// Anything unexpected: logged in full, answered without detail.
    Internal(anyhow::Error),
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Validation(error)
    }
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Error::Internal(error)
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Internal(error.into())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code, message, details) = match self {
            Error::Validation(error) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::ValidationError,
                error.message,
                Some(serde_json::json!({ "field": error.field })),
            ),
            Error::NotFound(message) => (StatusCode::NOT_FOUND, ErrorCode::NotFound, message, None),
            Error::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::InternalError,
                    "internal error; quote the X-Request-Id header when reporting it".to_owned(),
                    None,
                )
            }
        };
        let body = ErrorResponse {
            success: false,
            error: ApiError {
                code,
                message,
                details,
            },
        };
        (status, Json(body)).into_response()
    }
}

/// Any `/v1` path no route claims.
pub async fn unknown_route(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> Error {
    Error::NotFound(format!("no API endpoint at {}", uri.path()))
}
