//! The headers that protect the console in the browser and say how long
//! its files may be cached: fixed values set by tower-http's layers, and
//! the cache lifetime, which depends on the file asked for.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

/// The console's Content-Security-Policy. Every source is the server's own
/// origin; nothing inline runs.
///
/// - `script-src 'self' 'wasm-unsafe-eval'`: the app's JS module, its
///   starter (`public/start.js`) and the vendored ECharts are files here;
///   `'wasm-unsafe-eval'` lets them compile the app's WebAssembly (and the
///   screens' lazily loaded chunks) without allowing JS `eval`.
/// - `style-src 'self'`: the stylesheets are files; the app and ECharts set
///   element styles through the CSSOM (`style.setProperty`), which the
///   policy does not govern, never through `style` attributes.
/// - `img-src 'self'`: the favicon; ECharts draws on a canvas, and no
///   stylesheet uses a `data:` image.
/// - `connect-src 'self'`: the API under `/v1`, the wasm files fetched to
///   be compiled, the live request log's stream.
/// - `frame-ancestors 'none'`: the console is never framed (clickjacking);
///   `X-Frame-Options: DENY` says the same to browsers that predate it.
/// - `object-src 'none'`, `base-uri 'none'`, `form-action 'self'`: no
///   plugins, no `<base>` to redirect relative URLs, forms post here only.
pub const CONSOLE_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// Over HTTPS: a year, renewed by every answer. No `includeSubDomains`:
/// the console's host says nothing about its neighbours.
const STRICT_TRANSPORT_SECURITY_VALUE: &str = "max-age=31536000";

/// A file whose name holds its content's hash never changes under that
/// name: cached for a year, not even revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Anything else (`index.html`, the client routes' fallback to it, files
/// copied as they are): cached, but revalidated on every use, so a new
/// build is picked up at once (a 304 when nothing changed).
const REVALIDATE: &str = "no-cache";

/// On every answer: no MIME sniffing, so a JSON body never runs as HTML or
/// script; nor does an upstream's answer through the gateway, which comes
/// from the console's origin too.
pub fn no_sniffing() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))
}

/// On every answer when the server speaks TLS: browsers come back over
/// HTTPS only (overriding what an upstream says: the host is ours).
pub fn strict_transport_security() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(STRICT_TRANSPORT_SECURITY_VALUE),
    )
}

/// On the console's answers (the app's files, and `index.html` for client
/// routes).
///
/// `Referrer-Policy: same-origin`: the console's URLs carry key and
/// resource ids in their filters, which no other site needs to see; and
/// unlike `no-referrer` it keeps a real `Origin` on the app's own POSTs
/// (`no-referrer` turns it into `null`).
pub fn on_console_answers() -> (
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
) {
    (
        SetResponseHeaderLayer::overriding(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CONTENT_SECURITY_POLICY),
        ),
        SetResponseHeaderLayer::overriding(X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    )
}

/// `Cache-Control` for the console's files: a year for a file trunk named
/// by its hash, revalidation for the rest. Judged by the request's path
/// and the answer together: a hashed-looking path that is not there gets
/// `index.html` from the fallback, which must not be cached for a year.
pub async fn cache_lifetime(request: Request, next: Next) -> Response {
    let hashed = is_hashed_file_name(request.uri().path());
    let mut response = next.run(request).await;
    if !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let lifetime = if hashed && !is_html {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(lifetime));
    response
}

/// Whether the path's file name is one trunk gave a content hash:
/// `<stem>-<hash>.<ext>`, or `<stem>-<hash>_bg.wasm` for the app's
/// WebAssembly, the hash being a 64-bit hash in lower-case hex without
/// leading zeros (so 16 digits, fewer one time in sixteen; 12 is the
/// fewest taken, one time in 2^16, so that an ordinary name with a short
/// hex word in it is not taken for one).
pub fn is_hashed_file_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    (12..=16).contains(&hash.len())
        && hash
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_file_name;

    #[test]
    fn trunks_hashed_names_are_told_from_the_rest() {
        for hashed in [
            "/keyscope-web-app-4f3c2a1b0e9d8c7b.js",
            "/keyscope-web-app-4f3c2a1b0e9d8c7b_bg.wasm",
            "/main-0123456789abcdef.css",
            "/favicon-123456789abcdef.svg",
        ] {
            assert!(is_hashed_file_name(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/keys",
            "/public/vendor/echarts/echarts.min.js",
            "/public/favicon.svg",
            "/wasm-split/loader.js",
            "/keyscope-web-app-4F3C2A1B0E9D8C7B.js",
            "/keyscope-web-app-beef.js",
            "/keyscope-web-app-4f3c2a1b0e9d8c7b0.js",
            "/keyscope-web-app-4f3c2a1b0e9d8c7b",
        ] {
            assert!(!is_hashed_file_name(plain), "{plain}");
        }
    }
}
