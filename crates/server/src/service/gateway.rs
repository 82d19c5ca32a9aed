//! The gateway's rules: which upstream a gateway path leads to, and whether
//! the presented key may go there with this method. The proxying itself is
//! in `http::gateway`.

use super::access::{self, AccessError, AuthenticatedKey};
use super::cache::CachedRoute;
use super::rate_limits::Decision;
use super::Services;
use crate::error::{Error, Result};
use crate::store::projects;
use chrono::{DateTime, Utc};
use keyscope_model::{FieldError, Scope};
use std::sync::Arc;

/// An admitted gateway call.
pub struct Admitted {
    pub upstream_url: String,
    pub project_id: String,
    pub key: AuthenticatedKey,
    pub decision: Decision,
}

/// Authenticates, checks the key belongs to the project, checks the scope the
/// method needs on the path, and counts the call against the key's limits.
pub async fn admit(
    services: &Services,
    api_id: &str,
    presented_key: Option<&str>,
    method: &str,
    path: &str,
    now: DateTime<Utc>,
) -> Result<Admitted> {
    let route = match services.route_cache.get(api_id) {
        Ok(route) => route,
        Err(generation) => {
            let row = projects::find_by_api_id(services.store.pool(), api_id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no gateway at /gateway/{api_id}")))?;
            let route = Arc::new(CachedRoute {
                project_id: row.id,
                workspace_id: row.workspace_id,
                upstream_url: row.upstream_url,
            });
            services
                .route_cache
                .insert(generation, api_id.to_owned(), route.clone());
            route
        }
    };
    let upstream_url = route.upstream_url.clone().ok_or_else(|| {
        Error::NotFound(format!(
            "the project behind /gateway/{api_id} has no upstream URL yet"
        ))
    })?;
    let presented_key = presented_key.ok_or(AccessError::MissingKey)?;
    let key = access::authenticate_key(services, presented_key, now).await?;
    if !key.belongs_to(&route.project_id, &route.workspace_id) {
        return Err(AccessError::UnknownKey.into());
    }
    let required = Scope::required_for(method, path);
    if !key.scopes.grants(&required) {
        return Err(AccessError::InsufficientScope { required }.into());
    }
    let decision = access::count_request(services, &key, now).await?;
    if !decision.allowed {
        return Err(Error::RateLimited(decision));
    }
    Ok(Admitted {
        upstream_url,
        project_id: route.project_id.clone(),
        key,
        decision,
    })
}

/// An upstream base URL: `http://host[:port][/path]`, without query or
/// fragment, stored without a trailing slash.
pub fn parse_upstream_url(text: &str) -> Result<String, FieldError> {
    let text = text.trim().trim_end_matches('/');
    let invalid = |why: &str| {
        FieldError::new(
            "upstream_url",
            format!("upstream_url {why}, e.g. http://10.0.0.5:8080/api"),
        )
    };
    if text.starts_with("https://") {
        return Err(invalid(
            "must use http:// for now: the gateway does not speak TLS to upstreams yet",
        ));
    }
    let uri: axum::http::Uri = text.parse().map_err(|_| invalid("is not a URL"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none_or(str::is_empty) {
        return Err(invalid("must be an http:// URL with a host"));
    }
    if uri.query().is_some() || text.contains('#') {
        return Err(invalid("must not have a query or fragment"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_are_plain_http_bases() {
        assert_eq!(
            parse_upstream_url(" http://127.0.0.1:9000/api/ "),
            Ok("http://127.0.0.1:9000/api".to_owned())
        );
        for bad in [
            "ftp://example.com",
            "http://",
            "example.com",
            "http://a.example?x=1",
            "https://a.example",
        ] {
            assert!(parse_upstream_url(bad).is_err(), "{bad}");
        }
    }
}
