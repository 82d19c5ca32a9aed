//! The one error type of the service layer and the HTTP API. Its wire shape
//! and status are decided in `http::error`.

use crate::service::access::AccessError;
use keyscope_model::FieldError;

#[derive(Debug)]
pub enum Error {
    /// Input that did not parse; names the field.
    Validation(FieldError),
    /// Authentication or authorisation refused the caller.
    Access(AccessError),
    /// Absent, or belonging to another workspace (the same answer, so ids
    /// do not leak across tenants).
    NotFound(String),
    Conflict(String),
    TooManyRequests {
        message: String,
        retry_after_seconds: u64,
    },
    /// The operator requires HTTPS; the call came over plain HTTP.
    HttpsRequired,
    GatewayTimeout(String),
    BadGateway(String),
    /// A key's rate limit or quota refused the request.
    RateLimited(crate::service::rate_limits::Decision),
    PayloadTooLarge(String),
    /// The body did not arrive in time, or the server began to shut down
    /// while waiting for it.
    RequestTimeout(String),
    UnsupportedMediaType(String),
    /// Anything unexpected: logged in full, answered without detail.
    Internal(anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Validation(error)
    }
}

impl From<AccessError> for Error {
    fn from(error: AccessError) -> Self {
        Error::Access(error)
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

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Validation(error) => write!(f, "{}: {}", error.field, error.message),
            Error::Access(error) => write!(f, "access refused: {error:?}"),
            Error::NotFound(message)
            | Error::Conflict(message)
            | Error::PayloadTooLarge(message)
            | Error::RequestTimeout(message)
            | Error::UnsupportedMediaType(message)
            | Error::GatewayTimeout(message)
            | Error::BadGateway(message) => f.write_str(message),
            Error::TooManyRequests { message, .. } => f.write_str(message),
            Error::HttpsRequired => f.write_str("HTTPS required"),
            Error::RateLimited(decision) => {
                write!(f, "rate limited ({} window)", decision.window.as_str())
            }
            Error::Internal(error) => write!(f, "{error:#}"),
        }
    }
}

impl std::error::Error for Error {}
