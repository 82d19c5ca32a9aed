//! The `Caller` extractor: a key or a console session, for the management API.

use super::ApiContext;
use crate::error::Error;
use crate::secrets::constant_time_equal;
use crate::service::access::{self, AccessError, Caller, ConsoleSession};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};

pub const SESSION_COOKIE: &str = "ks_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The key presented in `Authorization: Bearer` or `x-api-key`, if any.
/// `Err` when an Authorization header is there but is not a bearer token.
pub fn presented_key(headers: &HeaderMap) -> Result<Option<&str>, AccessError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value
            .to_str()
            .map_err(|_| AccessError::MalformedKey(keyscope_model::SecretFormatError::Malformed))?;
        let (scheme, token) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AccessError::MalformedKey(
                keyscope_model::SecretFormatError::Malformed,
            ));
        }
        return Ok(Some(token.trim()));
    }
    Ok(headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok()))
}

pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

impl FromRequestParts<ApiContext> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        context: &ApiContext,
    ) -> Result<Self, Self::Rejection> {
        let now = chrono::Utc::now();
        if let Some(key) = presented_key(&parts.headers)? {
            let key = super::call::admit_key(context, &parts.extensions, key, |_| Ok(())).await?;
            return Ok(Caller::Key(key));
        }
        let Some(token) = session_token(&parts.headers) else {
            return Err(AccessError::NoCredentials.into());
        };
        let session = access::authenticate_session(&context.services, token, now)
            .await?
            .ok_or(AccessError::NoCredentials)?;
        require_csrf(&parts.method, &parts.headers, &session)?;
        Ok(Caller::Console(session))
    }
}

/// SameSite=Strict already keeps other sites' forms out; the token also
/// stops same-site attackers (another app on a sibling subdomain).
fn require_csrf(
    method: &Method,
    headers: &HeaderMap,
    session: &ConsoleSession,
) -> Result<(), AccessError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let presented = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if constant_time_equal(presented, &session.csrf_token) {
        Ok(())
    } else {
        Err(AccessError::BadCsrfToken)
    }
}
