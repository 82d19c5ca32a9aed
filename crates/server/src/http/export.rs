//! `/v1/requests/export`: the filtered log as CSV or NDJSON, streamed page
//! by page (1,000 records at a time), so a million rows are never held in
//! memory.

use super::{query, ApiContext};
use crate::error::{Error, Result};
use crate::service::access::Caller;
use crate::service::request_log;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use keyscope_model::{Cursor, FieldError, LogFilter, RequestEntry};

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Ndjson,
}

const PAGE: u32 = 1_000;
const CSV_HEADER: &str =
    "id,timestamp,key_id,project_id,method,endpoint,route,resource_id,outcome,response_code,latency_ms,client_ip\n";

#[utoipa::path(
    get, path = "/v1/requests/export", tag = "requests", params(super::openapi::ExportParams, super::openapi::LogFilterParams),
    responses((status = 200, description = "the filtered log, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))))
)]
pub async fn export(
    State(context): State<ApiContext>,
    caller: Caller,
    RawQuery(raw_query): RawQuery,
) -> Result<Response> {
    let grant = caller.grant();
    let pairs = query::pairs(raw_query.as_deref());
    let mut format = Format::Csv;
    let mut filter_pairs = Vec::new();
    for (name, value) in &pairs {
        match (name.as_str(), value.as_str()) {
            ("format", "csv") => format = Format::Csv,
            ("format", "ndjson") => format = Format::Ndjson,
            ("format", other) => {
                return Err(Error::Validation(FieldError::new(
                    "format",
                    format!("unknown format `{other}`: use csv or ndjson"),
                )))
            }
            ("limit" | "cursor", _) => {
                return Err(Error::Validation(FieldError::new(
                    name,
                    format!("{name} does not apply to an export"),
                )))
            }
            _ => filter_pairs.push((name.as_str(), value.as_str())),
        }
    }
    let mut filter = LogFilter::parse(filter_pairs)?;
    filter.limit = PAGE;
    // Refused here, before the answer starts, rather than in the stream.
    let filter = request_log::authorized(&grant, &filter)?;
    let store = context.services.store.clone();

    let header_chunk = match format {
        Format::Csv => Some(Ok(Bytes::from_static(CSV_HEADER.as_bytes()))),
        Format::Ndjson => None,
    };
    let pages = futures_util::stream::unfold(Some(filter), move |next| {
        let (store, grant) = (store.clone(), grant.clone());
        async move {
            let filter = next?;
            match request_log::page(&store, &grant, &filter).await {
                Ok(page) => {
                    let following = page
                        .next_cursor
                        .as_deref()
                        .and_then(|cursor| Cursor::parse(cursor).ok())
                        .map(|cursor| LogFilter {
                            cursor: Some(cursor),
                            ..filter
                        });
                    let mut chunk = String::new();
                    for entry in &page.data {
                        match format {
                            Format::Csv => csv_line(&mut chunk, entry),
                            Format::Ndjson => {
                                chunk.push_str(&serde_json::to_string(entry).unwrap_or_default());
                                chunk.push('\n');
                            }
                        }
                    }
                    Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), following))
                }
                Err(error) => {
                    tracing::error!(?error, "export broke off");
                    Some((Err(std::io::Error::other("the export broke off")), None))
                }
            }
        }
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(
        futures_util::stream::iter(header_chunk),
        pages,
    ));
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"requests.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn csv_line(out: &mut String, entry: &RequestEntry) {
    let fields = [
        entry.id.clone(),
        keyscope_model::timestamp::format(&entry.timestamp),
        entry.key_id.clone().unwrap_or_default(),
        entry.project_id.clone().unwrap_or_default(),
        entry.method.clone(),
        entry.endpoint.clone(),
        entry.route.clone(),
        entry.resource_id.clone().unwrap_or_default(),
        entry.outcome.as_str().to_owned(),
        entry.response_code.to_string(),
        entry.latency_ms.to_string(),
        entry.client_ip.clone().unwrap_or_default(),
    ];
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        // RFC 4180 quoting; a leading = + - @ is defused so spreadsheets
        // do not run a crafted endpoint as a formula.
        let risky = field.starts_with(['=', '+', '-', '@']);
        if risky || field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            if risky {
                out.push('\'');
            }
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}
