//! `/v1/requests/live`: new records of the caller's workspace as
//! server-sent events, optionally for one key or project; the request log's
//! live mode. A stream ends when the server begins to shut down.

use super::{query, ApiContext};
use crate::error::{Error, Result};
use crate::service::access::Caller;
use crate::service::request_log;
use axum::extract::{RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use keyscope_model::FieldError;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

#[utoipa::path(
    get, path = "/v1/requests/live", tag = "requests", params(super::openapi::LiveParams),
    responses((status = 200, description = "server-sent events: `request` with a record as JSON, `lagged` with how many were missed", content_type = "text/event-stream", body = String))
)]
pub async fn live(
    State(context): State<ApiContext>,
    caller: Caller,
    RawQuery(raw_query): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let grant = caller.grant();
    let (mut key_id, mut project_id) = (None, None);
    for (name, value) in query::pairs(raw_query.as_deref()) {
        match name.as_str() {
            "key_id" => key_id = Some(value),
            "project_id" => project_id = Some(value),
            other => {
                return Err(Error::Validation(FieldError::new(
                    other,
                    format!("unknown query parameter `{other}`; allowed: key_id, project_id"),
                )))
            }
        }
    }
    // The same rule as the log's pages: `read:usage`, and a confined
    // caller hears only its project.
    let filter = request_log::authorized(
        &grant,
        &keyscope_model::LogFilter {
            key_id,
            project_id,
            ..keyscope_model::LogFilter::default()
        },
    )?;
    let (key_id, project_id) = (filter.key_id, filter.project_id);
    let workspace_id = grant.workspace_id;
    let receiver = context.services.recorder.subscribe();
    let events = futures_util::stream::unfold(receiver, move |mut receiver| {
        let (workspace_id, key_id, project_id) =
            (workspace_id.clone(), key_id.clone(), project_id.clone());
        async move {
            loop {
                match receiver.recv().await {
                    Ok(record) => {
                        let wanted = record.workspace_id == workspace_id
                            && key_id
                                .as_ref()
                                .is_none_or(|id| record.key_id.as_ref() == Some(id))
                            && project_id
                                .as_ref()
                                .is_none_or(|id| record.project_id.as_ref() == Some(id));
                        if wanted {
                            let entry = request_log::live_entry(&record);
                            let event = Event::default()
                                .event("request")
                                .json_data(&entry)
                                .unwrap_or_default();
                            return Some((Ok(event), receiver));
                        }
                    }
                    // Too slow to keep up: say so, and go on with what is new.
                    Err(RecvError::Lagged(missed)) => {
                        return Some((
                            Ok(Event::default().event("lagged").data(missed.to_string())),
                            receiver,
                        ))
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    // The stream ends when the server begins to shut down, which waits for
    // every answer in flight: a console left open must not hold it up.
    let events = events.take_until(context.stopping());
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
