//! `/v1/keys`: API keys of the workspace.

use super::{query, ApiContext, Error};
use crate::service;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use keyscope_model::{ApiKey, ListResponse, PageRequest};

pub fn router() -> Router<ApiContext> {
    Router::new().route("/keys", get(list))
}

async fn list(
    State(context): State<ApiContext>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<ListResponse<ApiKey>>, Error> {
    let pairs = query::pairs(raw_query.as_deref());
    let page = PageRequest::parse(query::as_str_pairs(&pairs), &[])?;
    let (keys, total) = service::keys::list(
        &context.store,
        &context.workspace_id,
        page,
        chrono::Utc::now(),
    )
    .await?;
    Ok(Json(ListResponse::new(
        keys,
        total,
        page.limit,
        page.offset,
    )))
}
