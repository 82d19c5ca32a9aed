//! The JSON envelope every `/v1` response is wrapped in, and the error shape.

use serde::{Deserialize, Serialize};

/// `{"success": true, "data": …}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Response<T> {
    pub success: bool,
    pub data: T,
}

impl<T> Response<T> {
    pub fn new(data: T) -> Self {
        Self {
            success: true,
            data,
        }
    }
}

/// An offset-paginated list: `{"success": true, "data": [...], "pagination": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListResponse<T> {
    pub success: bool,
    pub data: Vec<T>,
    pub pagination: Pagination,
}

impl<T> ListResponse<T> {
    pub fn new(data: Vec<T>, total: u64, limit: u32, offset: u64) -> Self {
        let has_more = offset + (data.len() as u64) < total;
        Self {
            success: true,
            data,
            pagination: Pagination {
                total,
                limit,
                offset,
                has_more,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pagination {
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub has_more: bool,
}

/// `{"success": false, "error": {...}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    pub success: bool,
    pub error: ApiError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The machine-readable error codes of the HTTP contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: input that does not parse; `details.field` names it.
    ValidationError,
    /// 401: neither a key nor a console session came with the request.
    Unauthorized,
    /// 401: no key in `Authorization: Bearer` or `x-api-key`.
    MissingApiKey,
    /// 401: not the `ks_<env>_…` shape, or its checksum does not match.
    MalformedApiKey,
    /// 401: well-formed, but no such key (or a rotated key past its grace).
    InvalidApiKey,
    KeyRevoked,
    KeyDisabled,
    KeyExpired,
    /// 401: verify needs the project's Project Key as `Authorization: Bearer`.
    MissingProjectKey,
    /// 401: not a current Project Key (e.g. replaced by a regeneration).
    InvalidProjectKey,
    /// 401: wrong e-mail or password at sign-in.
    InvalidCredentials,
    /// 403: the key lacks the scope; `details.required_scope` names it.
    InsufficientScope,
    /// 403: the console user's role does not allow this.
    Forbidden,
    /// 403: a state-changing console call without the session's CSRF token.
    CsrfTokenInvalid,
    NotFound,
    /// 409: e.g. the key limit of a project is reached.
    Conflict,
    PayloadTooLarge,
    /// 408: the request's body did not arrive within the client timeout.
    RequestTimeout,
    UnsupportedMediaType,
    RateLimited,
    /// 403: the operator requires HTTPS and the call came over plain HTTP.
    HttpsRequired,
    InternalError,
    /// 502: the gateway's upstream could not be reached or broke off.
    BadGateway,
    /// 504: the gateway's upstream did not answer in time.
    GatewayTimeout,
}

/// Input that failed to parse, with the field it came from, so clients can
/// show the message next to the right control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_screaming_snake_case_on_the_wire() {
        let json = serde_json::to_string(&ErrorCode::ValidationError).expect("serialises");
        assert_eq!(json, "\"VALIDATION_ERROR\"");
    }

    #[test]
    fn list_has_more_when_the_page_ends_before_the_total() {
        let list = ListResponse::new(vec![1, 2], 5, 2, 2);
        assert!(list.pagination.has_more);
        let last = ListResponse::new(vec![5], 5, 2, 4);
        assert!(!last.pagination.has_more);
    }
}
