//! JSON request bodies: wrong content type, oversized, malformed or
//! mistyped bodies become the error envelope with the field named.

use super::ApiContext;
use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use keyscope_model::FieldError;
use serde::de::DeserializeOwned;

pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<ApiContext> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &ApiContext) -> Result<Self, Self::Rejection> {
        check_media_type(request.headers().get(header::CONTENT_TYPE))?;
        // A body that never finishes must not hold its connection, nor the
        // shutdown that waits for answers in flight.
        let read = Bytes::from_request(request, state);
        let bytes = tokio::select! {
            read = tokio::time::timeout(state.client_timeout, read) => match read {
                Ok(bytes) => bytes.map_err(|_| {
                    Error::PayloadTooLarge(format!(
                        "the body is larger than {} KiB",
                        super::BODY_LIMIT_BYTES / 1024
                    ))
                })?,
                Err(_) => {
                    return Err(Error::RequestTimeout(format!(
                        "the request body did not arrive within {} s",
                        state.client_timeout.as_secs()
                    )))
                }
            },
            () = state.stopping() => {
                return Err(Error::RequestTimeout(
                    "the server is shutting down; send the request again".to_owned(),
                ))
            }
        };
        parse(&bytes).map(JsonBody)
    }
}

/// `application/json`, in UTF-8: JSON's only encoding on the wire (RFC
/// 8259), so any other declared charset is refused rather than misread.
fn check_media_type(content_type: Option<&axum::http::HeaderValue>) -> Result<(), Error> {
    let text = content_type
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mut parts = text.split(';');
    let is_json = parts
        .next()
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Error::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".to_owned(),
        ));
    }
    for parameter in parts {
        let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        let value = value.trim().trim_matches('"');
        let utf8 = value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8");
        if name.trim().eq_ignore_ascii_case("charset") && !utf8 {
            return Err(Error::UnsupportedMediaType(format!(
                "the body's charset `{value}` is not supported: send JSON in UTF-8"
            )));
        }
    }
    Ok(())
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        // An unknown field is reported at its parent; name the field itself.
        let field = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
            .or_else(|| {
                message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| if path == "." { "body".to_owned() } else { path });
        let message = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("the body is not valid JSON: {message}")
            }
            _ => format!("{field}: {message}"),
        };
        Error::Validation(FieldError::new(field, message))
    })
}
