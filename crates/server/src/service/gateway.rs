//! The gateway's rules: which upstream a gateway path leads to, and whether
//! the presented key may go there with this method. The proxying itself is
//! in `http::gateway`.

use super::access::{AccessError, AuthenticatedKey};
use super::cache::CachedRoute;
use super::Services;
use crate::error::{Error, Result};
use crate::store::projects;
use axum::http::HeaderValue;
use keyscope_model::{FieldError, Scope};
use std::sync::Arc;

/// Where a gateway API ID leads: cached, forgotten when the project changes.
pub async fn route(services: &Services, api_id: &str) -> Result<Arc<CachedRoute>> {
    match services.route_cache.get(api_id) {
        Ok(route) => Ok(route),
        Err(generation) => {
            let row = projects::find_by_api_id(services.store.pool(), api_id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no gateway at /gateway/{api_id}")))?;
            let route = Arc::new(CachedRoute {
                project_id: row.id,
                workspace_id: row.workspace_id,
                upstream: row.upstream_url.as_deref().and_then(UpstreamTarget::parse),
                upstream_url: row.upstream_url,
            });
            services
                .route_cache
                .insert(generation, api_id.to_owned(), route.clone());
            Ok(route)
        }
    }
}

/// The upstream, if the key may call this project with this method on this
/// path: a key of the project (or workspace-wide) with the method's scope on
/// the path's resource.
pub fn authorize<'a>(
    route: &'a CachedRoute,
    key: &AuthenticatedKey,
    method: &str,
    path: &str,
) -> Result<&'a UpstreamTarget> {
    if !key.belongs_to(&route.project_id, &route.workspace_id) {
        return Err(AccessError::UnknownKey.into());
    }
    let required = Scope::required_for(method, path);
    if !key.scopes.grants(&required) {
        return Err(AccessError::InsufficientScope { required }.into());
    }
    if route.upstream_url.is_none() {
        return Err(Error::NotFound(
            "this project has no upstream URL yet".to_owned(),
        ));
    }
    route.upstream.as_ref().ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "project {} has an unusable upstream URL",
            route.project_id
        ))
    })
}

/// Where an upstream base URL (`http://host[:port][/path]`) leads, taken
/// apart when its route is cached rather than on every call.
#[derive(Debug)]
pub struct UpstreamTarget {
    /// `host:port` to connect to.
    pub address: String,
    /// The `Host` header: the URL's host, and its port unless 80.
    pub host: HeaderValue,
    /// The URL's path without a trailing slash, `""` for none.
    pub base_path: String,
}

impl UpstreamTarget {
    pub fn parse(url: &str) -> Option<Self> {
        let uri: axum::http::Uri = url.parse().ok()?;
        if uri.scheme_str() != Some("http") {
            return None;
        }
        let authority = uri.authority()?;
        let port = authority.port_u16();
        let host = match port {
            Some(port) if port != 80 => HeaderValue::from_str(authority.as_str()).ok()?,
            _ => HeaderValue::from_str(authority.host()).ok()?,
        };
        Some(Self {
            address: format!("{}:{}", authority.host(), port.unwrap_or(80)),
            host,
            base_path: uri.path().trim_end_matches('/').to_owned(),
        })
    }
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
