//! `/gateway/{api_id}/…`: authenticated, scope-checked, rate-limited calls
//! proxied to the project's upstream. Bodies stream both ways; hop-by-hop
//! headers and the caller's key stay behind.

use super::call::admit_key;
use super::routes::Routes;
use super::ApiContext;
use crate::error::{Error, Result};
use crate::service::access::AccessError;
use crate::service::gateway;
use crate::telemetry::UpstreamError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Uri, Version};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub fn routes() -> Routes {
    Routes::default()
        .any("/gateway/{api_id}", proxy_root)
        .any("/gateway/{api_id}/{*path}", proxy)
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Headers that describe one connection, never forwarded (RFC 9110 7.6.1),
/// plus the caller's credentials.
const NOT_FORWARDED: [HeaderName; 10] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::AUTHORIZATION,
    HeaderName::from_static("x-api-key"),
];

/// `/gateway/{api_id}`: the upstream's root.
#[utoipa::path(
    method(get, post, put, patch, delete, head), path = "/gateway/{api_id}", tag = "gateway",
    params(("api_id" = String, Path, description = "the project's API ID, api_…")),
    responses((status = 200, description = "the upstream's answer, whatever its status and body"))
)]
pub(super) async fn proxy_root(
    State(context): State<ApiContext>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response> {
    forward(context, client, request).await
}

/// `/gateway/{api_id}/{path}`: the API ID and the path are read from the
/// URI as the caller wrote it, the path checked decoded and forwarded as
/// written (see [`gateway::split_path`]).
#[utoipa::path(
    method(get, post, put, patch, delete, head), path = "/gateway/{api_id}/{path}", tag = "gateway",
    description = "Scope by method (GET/HEAD read, POST/PUT/PATCH write, DELETE delete) on the decoded path's first segment; the path is forwarded as checked, and paths an upstream could read differently (`%2F`, `..`, `;`) are refused with 400.",
    params(
        ("api_id" = String, Path, description = "the project's API ID, api_…"),
        ("path" = String, Path, description = "the rest of the path, passed to the upstream (may contain `/`)"),
    ),
    responses((status = 200, description = "the upstream's answer, whatever its status and body"))
)]
pub(super) async fn proxy(
    State(context): State<ApiContext>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response> {
    forward(context, client, request).await
}

async fn forward(context: ApiContext, client: SocketAddr, request: Request) -> Result<Response> {
    let (mut parts, body) = request.into_parts();
    let forwarded_proto = parts
        .headers
        .get(X_FORWARDED_PROTO)
        .and_then(|value| value.to_str().ok())
        .map_or("http", |proto| {
            if proto.eq_ignore_ascii_case("https") {
                "https"
            } else {
                "http"
            }
        });
    if context.gateway.require_https && forwarded_proto != "https" {
        return Err(Error::HttpsRequired);
    }
    // Taken rather than cloned: `parts.uri` becomes the upstream's below.
    let incoming_uri = std::mem::take(&mut parts.uri);
    let (api_id, path) = gateway::split_path(incoming_uri.path())?;
    let route = gateway::route(&context.services, api_id).await?;
    let presented = super::auth::presented_key(&parts.headers)?.ok_or(AccessError::MissingKey)?;
    let method = parts.method.as_str();
    let mut upstream = None;
    let key = admit_key(&context, &parts.extensions, presented, |key| {
        upstream = Some(gateway::authorize(&route, key, method, &path.decoded)?);
        Ok(())
    })
    .await?;
    let upstream = upstream.ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "the gateway admitted a call without its upstream"
        ))
    })?;

    // Forwarded as sent: `split_path` refused every path an upstream could
    // decode to other segments than the scope was checked on.
    let path = path.as_sent;
    let target = match incoming_uri.query() {
        Some(query) => format!("{}{path}?{query}", upstream.base_path),
        None => format!("{}{path}", upstream.base_path),
    };
    let target: Uri = target.parse().map_err(|_| {
        Error::Internal(anyhow::anyhow!(
            "project {} has an unusable upstream URL",
            route.project_id
        ))
    })?;
    let incoming_host = parts.headers.get(header::HOST).cloned();
    strip(&mut parts.headers);
    append_forwarded_for(&mut parts.headers, client);
    parts
        .headers
        .insert(X_FORWARDED_PROTO, HeaderValue::from_static(forwarded_proto));
    if let Some(host) = incoming_host {
        parts.headers.insert(X_FORWARDED_HOST, host);
    }
    // The upstream's own host, in origin form over HTTP/1.1 whatever the
    // caller spoke.
    parts.headers.insert(header::HOST, upstream.host.clone());
    parts.uri = target;
    parts.version = Version::HTTP_11;
    // An upload that stalls must not hold the connection, upstream and
    // all: the client timeout bounds each wait for its next chunk. Bodiless
    // calls, most of them, skip the wrapper and its allocation.
    let body = if http_body::Body::is_end_stream(&body) {
        body
    } else {
        axum::body::Body::new(tower_http::timeout::TimeoutBody::new(
            context.client_timeout,
            body,
        ))
    };
    let upstream_request = axum::http::Request::from_parts(parts, body);

    let answer = tokio::time::timeout(
        context.gateway.timeout,
        context.upstream.send(&upstream.address, upstream_request),
    )
    .await;
    let response = match answer {
        Err(_) => {
            context
                .services
                .telemetry
                .upstream_error(UpstreamError::Timeout);
            tracing::warn!(project_id = %route.project_id, key_id = %key.id, "gateway: upstream timed out");
            Error::GatewayTimeout(format!(
                "the upstream did not answer within {} s",
                context.gateway.timeout.as_secs_f32()
            ))
            .into_response()
        }
        Ok(Err(error)) => {
            context.services.telemetry.upstream_error(error.kind());
            tracing::warn!(project_id = %route.project_id, key_id = %key.id, %error, "gateway: upstream failed");
            Error::BadGateway(
                "the upstream could not be reached or broke off its answer".to_owned(),
            )
            .into_response()
        }
        Ok(Ok(mut answer)) => {
            strip(answer.headers_mut());
            answer
        }
    };
    Ok(response)
}

/// Drops hop-by-hop headers, those named in `Connection`, and credentials.
///
/// Looks through the (few) headers once and removes only those present:
/// a call usually carries one of them (its key) and an answer none, where
/// removing every name on the list would hash each of them, twice a call.
fn strip(headers: &mut HeaderMap) {
    let mut present: Vec<HeaderName> = Vec::new();
    for name in headers.keys() {
        if NOT_FORWARDED.contains(name) {
            present.push(name.clone());
        }
    }
    for value in headers.get_all(header::CONNECTION) {
        let Ok(value) = value.to_str() else { continue };
        present.extend(
            value
                .split(',')
                .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok()),
        );
    }
    for name in present {
        headers.remove(name);
    }
}

fn append_forwarded_for(headers: &mut HeaderMap, client: SocketAddr) {
    let chain = match headers
        .get(X_FORWARDED_FOR)
        .and_then(|value| value.to_str().ok())
    {
        Some(earlier) => format!("{earlier}, {}", super::call::ip_text(client.ip())),
        None => super::call::ip_text(client.ip()),
    };
    if let Ok(value) = HeaderValue::from_str(&chain) {
        headers.insert(X_FORWARDED_FOR, value);
    }
}
