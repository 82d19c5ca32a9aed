//! The HTTP surface: `/v1` JSON API, `/healthz`, and the web app with
//! history fallback so client-side routes load on a refresh.

mod auth;
mod call;
mod error;
mod export;
mod gateway;
pub mod headers;
mod json;
mod keys;
mod live;
mod openapi;
mod projects;
mod query;
mod rate_limit_headers;
mod requests;
pub mod routes;
mod session;
mod upstream;
mod users;

use crate::service::Services;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::{Json, Router};
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// What every handler can reach; one `Arc`, since axum clones the state for
/// every extractor of every request.
#[derive(Clone)]
pub struct ApiContext(std::sync::Arc<Context>);

impl std::ops::Deref for ApiContext {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.0
    }
}

pub struct Context {
    pub services: Services,
    /// Mark the session cookie `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    pub gateway: GatewaySettings,
    /// Keep-alive connections to every upstream.
    pub upstream: std::sync::Arc<upstream::UpstreamPool>,
    /// How long a client has to send a request's body once its head is in
    /// (a JSON body whole; a gateway upload between chunks): the same
    /// client timeout that bounds the head.
    pub client_timeout: std::time::Duration,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Changes when the server begins to shut down. Answers that would
    /// never end on their own (the live request log) end then: a graceful
    /// shutdown waits for every answer in flight.
    pub stopping: tokio::sync::watch::Receiver<()>,
}

#[derive(Debug, Clone, Copy)]
pub struct GatewaySettings {
    /// How long an upstream may take to start its answer.
    pub timeout: std::time::Duration,
    /// Refuse calls whose `X-Forwarded-Proto` is not https.
    pub require_https: bool,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(30),
            require_https: false,
        }
    }
}

impl ApiContext {
    pub fn new(
        services: Services,
        secure_cookies: bool,
        gateway: GatewaySettings,
        client_timeout: std::time::Duration,
        metrics_token: Option<String>,
        stopping: tokio::sync::watch::Receiver<()>,
    ) -> Self {
        let upstream = std::sync::Arc::new(upstream::UpstreamPool::new(services.upstreams));
        Self(std::sync::Arc::new(Context {
            services,
            secure_cookies,
            gateway,
            client_timeout,
            upstream,
            metrics_token,
            stopping,
        }))
    }

    /// Completes when the server begins to shut down.
    pub fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        crate::shutdown::fired(self.stopping.clone())
    }
}

/// Set on every request and response; a constant, so it is not parsed per call.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// JSON bodies are small; bigger ones get 413 with the error envelope.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Every route the server serves, by method and path template.
pub fn route_table() -> Vec<routes::Route> {
    all_routes(MetricsAt::MainPort).into_parts().1
}

/// Where `/metrics` is served: on the main port, or only on its own
/// listener (`--metrics-listen`), the main port then answering 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAt {
    MainPort,
    OwnListener,
}

fn all_routes(metrics_at: MetricsAt) -> routes::Routes {
    // The API's routes carry their `/v1` rather than being nested under it:
    // a nested router strips the prefix from every call's URI and routes
    // it a second time.
    let routes = routes::Routes::default()
        .get("/healthz", health)
        .get("/v1/openapi.json", openapi::document);
    // Kept as a route either way, so the route table (and the permission
    // matrix) is the same; moved, it answers 404 in the API's envelope
    // rather than falling through to the web app's index.html, so a
    // scraper pointed at the wrong port fails plainly.
    let routes = match metrics_at {
        MetricsAt::MainPort => routes.get("/metrics", requests::metrics),
        MetricsAt::OwnListener => routes.get("/metrics", error::unknown_route),
    };
    routes
        .merge(gateway::routes())
        .merge(keys::routes())
        .merge(projects::routes())
        .merge(requests::routes())
        .merge(session::routes())
        .merge(users::routes())
        .any("/v1", error::unknown_route)
        .any("/v1/{*unknown}", error::unknown_route)
}

/// `serves_tls`: the answers go out over HTTPS (they then carry HSTS).
pub fn router(
    context: ApiContext,
    web_dir: &Path,
    metrics_at: MetricsAt,
    serves_tls: bool,
) -> Router {
    let (routes, _) = all_routes(metrics_at).into_parts();
    // The app's wasm, JS, CSS and the vendored ECharts shrink to about a
    // third with gzip. Compressed per response rather than precompressed:
    // trunk writes no .gz files, and a dist/ rebuilt without them would
    // silently serve the big ones. The API answers stay uncompressed.
    let web_app = ServiceBuilder::new()
        .layer(headers::on_console_answers())
        .layer(axum::middleware::from_fn(headers::cache_lifetime))
        .layer(CompressionLayer::new())
        .service(ServeDir::new(web_dir).fallback(ServeFile::new(web_dir.join("index.html"))));
    let mut router = routes
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback_service(web_app)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(headers::no_sniffing());
    if serves_tls {
        router = router.layer(headers::strict_transport_security());
    }
    router
        .layer(call::CallLayer::new(context.clone()))
        .with_state(context)
}

/// What the metrics listener serves: `/metrics` (with the same token rule),
/// and 404 in the API's envelope for anything else.
pub fn metrics_router(context: ApiContext) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(requests::metrics))
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback(error::unknown_route)
        .layer(call::CallLayer::new(context.clone()))
        .with_state(context)
}

#[utoipa::path(
    get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "the server is up", body = Object, example = json!({"status": "ok"})))
)]
pub(super) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
