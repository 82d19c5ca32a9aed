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

/// The API ID and the upstream path (`/` and the rest) of a gateway URI path
/// (`/gateway/{api_id}/rest`), as the caller wrote them: a proxy passes the
/// path on untouched, since decoding it would turn `%2F` into a separator
/// and make `%20` an invalid URI. The scope check then sees the same first
/// segment the upstream does.
///
/// Dot segments (`.`, `..`, also written `%2e`) are refused: an upstream
/// that resolves `/things/../admin` would otherwise be reached with a
/// scope for `things`.
pub fn split_path(uri_path: &str) -> Result<(&str, &str)> {
    let rest = uri_path.strip_prefix("/gateway/").unwrap_or_default();
    let (api_id, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if path.split('/').any(is_dot_segment) {
        return Err(Error::Validation(FieldError::new(
            "path",
            "a gateway path may not contain `.` or `..` segments",
        )));
    }
    Ok((api_id, if path.is_empty() { "/" } else { path }))
}

/// `.` or `..`, each dot written as itself or as `%2e` (any case).
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while let Some(&first) = rest.first() {
        if first == b'.' {
            rest = &rest[1..];
        } else if rest
            .get(..3)
            .is_some_and(|escape| escape.eq_ignore_ascii_case(b"%2e"))
        {
            rest = &rest[3..];
        } else {
            return false;
        }
        dots += 1;
    }
    dots == 1 || dots == 2
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
    fn gateway_paths_are_split_as_written() {
        for (uri_path, api_id, path) in [
            ("/gateway/api_1", "api_1", "/"),
            ("/gateway/api_1/", "api_1", "/"),
            ("/gateway/api_1/things/7", "api_1", "/things/7"),
            (
                "/gateway/api_1/a%20b/dir%2Fname",
                "api_1",
                "/a%20b/dir%2Fname",
            ),
            ("/gateway/api_1/v1.2/file.txt", "api_1", "/v1.2/file.txt"),
            ("/gateway/api_1/.../%2e%2e%2e", "api_1", "/.../%2e%2e%2e"),
        ] {
            assert_eq!(
                split_path(uri_path).ok(),
                Some((api_id, path)),
                "{uri_path}"
            );
        }
        for dots in [
            "/gateway/api_1/things/../admin",
            "/gateway/api_1/./things",
            "/gateway/api_1/things/%2E%2e/admin",
            "/gateway/api_1/..",
            "/gateway/api_1/%2e",
        ] {
            assert!(split_path(dots).is_err(), "{dots}");
        }
    }

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
