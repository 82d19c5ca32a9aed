//! The gateway's rules: which upstream a gateway path leads to, and whether
//! the presented key may go there with this method. The proxying itself is
//! in `http::gateway`.

use super::access::{AccessError, AuthenticatedKey};
use super::cache::CachedRoute;
use super::Services;
use crate::error::{Error, Result};
use crate::store::{projects, QueryKind};
use axum::http::HeaderValue;
use keyscope_model::{FieldError, Scope};
use percent_encoding::percent_decode_str;
use std::borrow::Cow;
use std::sync::Arc;

/// Where a gateway API ID leads: cached, forgotten when the project changes.
pub async fn route(services: &Services, api_id: &str) -> Result<Arc<CachedRoute>> {
    match services.route_cache.get(api_id) {
        Ok(route) => Ok(route),
        Err(generation) => {
            let row = services
                .store
                .timed(
                    QueryKind::GatewayRoute,
                    projects::find_by_api_id(services.store.pool(), api_id),
                )
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

/// A gateway call's upstream path, checked by [`split_path`].
#[derive(Debug, PartialEq, Eq)]
pub struct GatewayPath<'a> {
    /// As the caller wrote it (`/` and the rest): what is forwarded, so
    /// that harmless escapes (`%20`, `%C3%A9`) reach the upstream as sent
    /// and the URI stays valid.
    pub as_sent: &'a str,
    /// Percent-decoded once: the path the upstream will see, and the one
    /// the scope is checked on (`/%74hings/1` needs `read:things`).
    pub decoded: Cow<'a, str>,
}

/// The API ID and the upstream path of a gateway URI path
/// (`/gateway/{api_id}/rest`).
///
/// The path is forwarded as sent but decided on decoded, so it is refused
/// (400 naming `path`) wherever an upstream could read it with other
/// segments than the decoded ones the scope is checked on:
///
/// - a `%` that does not start a two-hex-digit escape (decoders differ:
///   some keep it, some refuse the request);
/// - `%2F`, `%5C` and `\`: nginx decodes `%2F` to a separator before it
///   resolves `..` (so `things/..%2Fadmin` is `/admin` to it) where URL
///   libraries keep it inside a segment, and Windows and Java servers take
///   `\` for a separator too;
/// - `//` before the last segment: nginx merges it, other upstreams keep
///   an empty segment, and `//host` can read as an authority;
/// - a segment of dots (`.`, `..`, `...`), however written and also with
///   trailing spaces: upstreams resolve `.` and `..` after decoding, and
///   Windows trims trailing dots and spaces from a name;
/// - `;` anywhere, also as `%3B`: Tomcat and other Java servers strip
///   `;params` from each segment, so `..;` is `..` to them. Matrix
///   parameters are rare in APIs; refusing every `;` is simpler to reason
///   about than finding the segments where stripping one matters;
/// - control characters, also encoded (`%00`, `%0A`, `%7F`, and C1);
/// - anything that does not decode to UTF-8: an overlong `%C0%AE` is `.`
///   to a lax decoder;
/// - an escaped `%` that starts another escape (`%252e`): an upstream that
///   decodes twice would see `.`.
///
/// What is left decodes segment by segment to the path an upstream sees,
/// whether it merges slashes, resolves dots, strips `;` or not.
pub fn split_path(uri_path: &str) -> Result<(&str, GatewayPath<'_>)> {
    let rest = uri_path.strip_prefix("/gateway/").unwrap_or_default();
    let (api_id, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let as_sent = if path.is_empty() { "/" } else { path };
    let decoded = decode_path(as_sent)
        .map_err(|refusal| Error::Validation(FieldError::new("path", refusal)))?;
    Ok((api_id, GatewayPath { as_sent, decoded }))
}

/// `path` (starting with `/`) percent-decoded, or why it is refused.
fn decode_path(path: &str) -> Result<Cow<'_, str>, &'static str> {
    check_escapes(path)?;
    let escaped = path.contains('%');
    let mut decoded = String::new();
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        if segment.is_empty() && segments.peek().is_some() {
            return Err("a gateway path may not contain `//`: upstreams differ on merging it");
        }
        let segment = decode_segment(segment)?;
        if escaped {
            decoded.push('/');
            decoded.push_str(&segment);
        }
    }
    Ok(if escaped {
        Cow::Owned(decoded)
    } else {
        Cow::Borrowed(path)
    })
}

/// Every `%` starts an escape of two hex digits. Checked by hand because
/// `percent_decode` keeps a stray `%` as it is, where nginx refuses the
/// request: the two would disagree on the path.
fn check_escapes(path: &str) -> Result<(), &'static str> {
    let bytes = path.as_bytes();
    let well_formed = bytes
        .iter()
        .enumerate()
        .filter(|(_, &byte)| byte == b'%')
        .all(|(at, _)| {
            bytes
                .get(at + 1..at + 3)
                .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit))
        });
    if well_formed {
        Ok(())
    } else {
        Err("a gateway path may use `%` only to start an escape of two hex digits, such as `%20`")
    }
}

/// One segment, percent-decoded, if every upstream reads it as one
/// segment and the same one (see [`split_path`]).
fn decode_segment(segment: &str) -> Result<Cow<'_, str>, &'static str> {
    let decoded = percent_decode_str(segment)
        .decode_utf8()
        .map_err(|_| "a gateway path must decode to UTF-8 text")?;
    if decoded.contains(['/', '\\']) {
        return Err("a gateway path may not contain `\\`, `%5C` or `%2F`: upstreams differ on whether they separate segments");
    }
    if decoded.contains(';') {
        return Err("a gateway path may not contain `;` or `%3B`: Java servers read `..;` as `..`");
    }
    if decoded.chars().any(char::is_control) {
        return Err("a gateway path may not contain control characters, encoded or not");
    }
    if is_dot_segment(&decoded) {
        return Err("a gateway path may not contain `.` or `..` segments, in any encoding");
    }
    if holds_escape(&decoded) {
        return Err("a gateway path may not escape a `%` that starts another escape, such as `%252e`: an upstream decoding twice would see `.`");
    }
    Ok(decoded)
}

/// Whether `decoded` still holds an escape (`%2e`): the caller escaped the
/// `%` of one.
fn holds_escape(decoded: &str) -> bool {
    decoded.as_bytes().windows(3).any(|window| {
        window[0] == b'%' && window[1].is_ascii_hexdigit() && window[2].is_ascii_hexdigit()
    })
}

/// Dots only (`.`, `..`, `...`), possibly with spaces: a decoded segment
/// that some upstream resolves as `.` or `..`.
fn is_dot_segment(decoded: &str) -> bool {
    decoded.contains('.') && decoded.chars().all(|c| c == '.' || c == ' ')
}

/// The upstream, if the key may call this project with this method on this
/// path (decoded, see [`GatewayPath::decoded`]): a key of the project (or
/// workspace-wide) with the method's scope on the path's resource.
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

    fn decoded(uri_path: &str) -> Option<(&str, &str, String)> {
        split_path(uri_path)
            .ok()
            .map(|(api_id, path)| (api_id, path.as_sent, path.decoded.into_owned()))
    }

    #[test]
    fn gateway_paths_are_split_as_written_and_decoded_once() {
        for (uri_path, path, decoded_path) in [
            ("/gateway/api_1", "/", "/"),
            ("/gateway/api_1/", "/", "/"),
            ("/gateway/api_1/things/7", "/things/7", "/things/7"),
            ("/gateway/api_1/things/7/", "/things/7/", "/things/7/"),
            (
                "/gateway/api_1/a%20b/caf%C3%A9",
                "/a%20b/caf%C3%A9",
                "/a b/café",
            ),
            ("/gateway/api_1/%74hings/1", "/%74hings/1", "/things/1"),
            (
                "/gateway/api_1/v1.2/file.txt",
                "/v1.2/file.txt",
                "/v1.2/file.txt",
            ),
            (
                "/gateway/api_1/.hidden/a..b",
                "/.hidden/a..b",
                "/.hidden/a..b",
            ),
            ("/gateway/api_1/100%25", "/100%25", "/100%"),
            ("/gateway/api_1/q%3Fx%23y", "/q%3Fx%23y", "/q?x#y"),
        ] {
            assert_eq!(
                decoded(uri_path),
                Some(("api_1", path, decoded_path.to_owned())),
                "{uri_path}"
            );
        }
    }

    /// The reported exploits (issue #15, finding 2) and their relatives: each
    /// reached nginx's `/admin`, or would reach a Java or Windows
    /// upstream's, with a key for `things`.
    #[test]
    fn known_traversals_are_refused() {
        for exploit in [
            "/things/../admin",
            "/things/%2E%2e/admin",
            "/things/.%2e/admin",
            "/./things",
            "/..",
            "/%2e",
            "/things/..%2fadmin",
            "/things/%2e%2e%2fadmin",
            "/things/..%2Fadmin",
            "/things/%2E%2E%2Fadmin",
            "/things/..%5cadmin",
            "/things/..%5Cadmin",
            "/things/..\\admin",
            "/things/..;/admin",
            "/things/..;jsessionid=1/admin",
            "/things/..%3b/admin",
            "/things;x/../admin",
            "/things/%252e%252e/admin",
            "/things/%c0%ae%c0%ae/admin",
            "/things/.../admin",
            "/things/..%20/admin",
            "//admin",
            "/things//../admin",
            "/things%2f..%2f..%2fadmin",
            "/things/%00/admin",
            "/things/%0a",
            "/things/%7f",
            "/things/%C2%85",
            "/things/%zz",
            "/things/%2",
        ] {
            let uri_path = format!("/gateway/api_1{exploit}");
            match split_path(&uri_path) {
                Err(Error::Validation(error)) => assert_eq!(error.field, "path", "{exploit}"),
                other => panic!("{exploit} was not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn the_scope_is_decided_on_the_decoded_path() {
        for (path, scope) in [
            ("/%74hings/1", "read:things"),
            ("/v1/%74%68%69%6E%67%73", "read:things"),
            ("/%61dmin", "read:admin"),
            ("/%41dmin", "read"),
        ] {
            let uri_path = format!("/gateway/api_1{path}");
            let (_, path) = split_path(&uri_path).expect("accepted");
            assert_eq!(
                Scope::required_for("GET", &path.decoded).to_string(),
                scope,
                "{}",
                path.as_sent
            );
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
