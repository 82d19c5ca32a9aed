//! `/v1/requests`: the request log, filtered, newest first, by cursor;
//! `/v1/usage`: summaries from the rollups; and `/metrics` for operators.

use super::routes::Routes;
use super::{query, ApiContext};
use crate::error::Result;
use crate::service::access::Caller;
use crate::service::{request_log, usage};
use axum::extract::{RawQuery, State};
use axum::Json;
use keyscope_model::{LogFilter, LogPage, RequestEntry, Response, UsageQuery, UsageSummary};

pub fn routes() -> Routes {
    Routes::default()
        .get("/v1/requests", log)
        .get("/v1/requests/export", super::export::export)
        .get("/v1/requests/live", super::live::live)
        .get("/v1/requests/{id}", one)
        .get("/v1/usage", usage)
}

#[utoipa::path(
    get, path = "/v1/requests", tag = "requests", params(super::openapi::LogFilterParams, super::openapi::LogPageParams),
    responses((status = 200, description = "a page of the request log, newest first; `next_cursor` continues it", body = LogPage))
)]
pub(super) async fn log(
    State(context): State<ApiContext>,
    caller: Caller,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<LogPage>> {
    let pairs = query::pairs(raw_query.as_deref());
    let filter = LogFilter::parse(query::as_str_pairs(&pairs))?;
    let store = &context.services.store;
    let grant = caller.grant();
    let mut page = request_log::page(store, &grant, &filter).await?;
    // The first page carries the total; later pages continue the same list.
    if filter.cursor.is_none() {
        page.total = Some(request_log::total(store, &grant, &filter).await?);
    }
    Ok(Json(page))
}

#[utoipa::path(
    get, path = "/v1/requests/{id}", tag = "requests", params(("id" = String, Path, description = "the request id, req_…")),
    responses((status = 200, description = "one record", body = Response<RequestEntry>))
)]
pub(super) async fn one(
    State(context): State<ApiContext>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Response<RequestEntry>>> {
    let entry = request_log::get(&context.services.store, &caller.grant(), &id).await?;
    Ok(Json(Response::new(entry)))
}

/// Totals, breakdowns and a zero-filled series for a key, a project or the
/// whole workspace.
#[utoipa::path(
    get, path = "/v1/usage", tag = "usage", params(super::openapi::UsageParams),
    responses((status = 200, description = "totals, breakdowns and a zero-filled series", body = Response<UsageSummary>))
)]
pub(super) async fn usage(
    State(context): State<ApiContext>,
    caller: Caller,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<Response<UsageSummary>>> {
    let pairs = query::pairs(raw_query.as_deref());
    let usage_query = UsageQuery::parse(query::as_str_pairs(&pairs), chrono::Utc::now())?;
    let summary = usage::summary(&context.services, &caller.grant(), &usage_query).await?;
    Ok(Json(Response::new(summary)))
}

/// Prometheus text: every family `telemetry` describes, this application's
/// own. Open unless the operator set a metrics token (`--metrics-token`).
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(
    State(context): State<ApiContext>,
    headers: axum::http::HeaderMap,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String)> {
    if let Some(token) = &context.metrics_token {
        let presented = super::auth::presented_key(&headers)
            .ok()
            .flatten()
            .unwrap_or_default();
        if !crate::secrets::constant_time_equal(presented, token) {
            return Err(crate::service::access::AccessError::NoMetricsToken.into());
        }
    }
    context.services.recorder.report_depth();
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            // The Prometheus text exposition format's own media type.
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        context.services.telemetry.render(),
    ))
}
