//! The HTTP surface: `/v1` JSON API, `/healthz`, and the web app with
//! history fallback so client-side routes load on a refresh.

mod error;
mod keys;
mod query;

pub use error::Error;

use crate::store::Store;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::routing::get;
use axum::{Json, Router};
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiContext {
    pub store: Store,
    /// Until console sign-in exists (the keys and access control issue),
    /// the API serves the one workspace bootstrapped on first start.
    pub workspace_id: String,
}

/// JSON bodies are small; anything bigger is refused with 413 before it is read.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

pub fn router(context: ApiContext, web_dir: &Path) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let api = Router::new()
        .merge(keys::router())
        .fallback(error::unknown_route);
    let web_app = ServeDir::new(web_dir).fallback(ServeFile::new(web_dir.join("index.html")));
    Router::new()
        .route("/healthz", get(health))
        .nest("/v1", api)
        .fallback_service(web_app)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), RequestIdMaker))
                .layer(TraceLayer::new_for_http())
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES)),
        )
        .with_state(context)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `req_<ULID>`: sortable by time, the id the request log shows.
#[derive(Clone, Copy)]
struct RequestIdMaker;

impl MakeRequestId for RequestIdMaker {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&format!("req_{}", ulid::Ulid::new()))
            .ok()
            .map(RequestId::new)
    }
}
