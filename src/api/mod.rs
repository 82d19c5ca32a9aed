//! The client for the keyscope JSON API: one typed function per endpoint,
//! returning model types. Pages fetch through it and nothing else, so the
//! transport can later switch to server functions, and an embedded widget can
//! be handed a client for another origin.

mod keys;
mod projects;
mod reference;
pub mod requests;
mod session;
pub mod usage;

pub use gloo_net::http::Method;

use gloo_net::http::{RequestBuilder, Response};
use keyscope_model::{ApiError, ErrorResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    /// Empty for the origin that served the app (and `trunk serve`'s proxy).
    base_url: String,
}

/// Why a call failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiClientError {
    /// The server could not be reached.
    Network(String),
    /// The server answered with the error envelope.
    Api { status: u16, error: ApiError },
    /// The server answered something that is not the contract.
    Unexpected { status: u16, detail: String },
}

impl std::fmt::Display for ApiClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiClientError::Network(detail) => {
                write!(f, "Could not reach the keyscope server ({detail}).")
            }
            ApiClientError::Api { error, .. } => f.write_str(&error.message),
            ApiClientError::Unexpected { status, detail } => {
                write!(
                    f,
                    "The server gave an unexpected answer (HTTP {status}): {detail}"
                )
            }
        }
    }
}

impl ApiClientError {
    /// The field the server named in a validation error (`details.field`),
    /// so a form can show the message next to it.
    pub fn field(&self) -> Option<String> {
        match self {
            ApiClientError::Api { error, .. } => error
                .details
                .as_ref()?
                .get("field")?
                .as_str()
                .map(str::to_owned),
            _ => None,
        }
    }

    /// The HTTP status of an answered call.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiClientError::Network(_) => None,
            ApiClientError::Api { status, .. } | ApiClientError::Unexpected { status, .. } => {
                Some(*status)
            }
        }
    }
}

impl ApiClient {
    pub fn same_origin() -> Self {
        Self {
            base_url: String::new(),
        }
    }

    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T, ApiClientError> {
        let response = self
            .request(Method::GET, path_and_query, None)
            .send()
            .await
            .map_err(|error| ApiClientError::Network(error.to_string()))?;
        decode(response).await
    }

    fn request(&self, method: Method, path: &str, csrf_token: Option<&str>) -> RequestBuilder {
        let builder = RequestBuilder::new(&format!("{}{path}", self.base_url))
            .method(method)
            .header("Accept", "application/json");
        match csrf_token {
            Some(token) => builder.header("X-CSRF-Token", token),
            None => builder,
        }
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        csrf_token: Option<&str>,
    ) -> Result<T, ApiClientError> {
        let request = self
            .request(method, path, csrf_token)
            .json(body)
            .map_err(|error| ApiClientError::Network(error.to_string()))?;
        let response = request
            .send()
            .await
            .map_err(|error| ApiClientError::Network(error.to_string()))?;
        decode(response).await
    }

    async fn send_empty(
        &self,
        method: Method,
        path: &str,
        csrf_token: Option<&str>,
    ) -> Result<(), ApiClientError> {
        let response = self
            .request(method, path, csrf_token)
            .send()
            .await
            .map_err(|error| ApiClientError::Network(error.to_string()))?;
        if response.ok() {
            Ok(())
        } else {
            decode::<serde_json::Value>(response).await.map(|_| ())
        }
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiClientError> {
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|error| ApiClientError::Network(error.to_string()))?;
    if response.ok() {
        serde_json::from_str(&text).map_err(|error| ApiClientError::Unexpected {
            status,
            detail: error.to_string(),
        })
    } else {
        match serde_json::from_str::<ErrorResponse>(&text) {
            Ok(body) => Err(ApiClientError::Api {
                status,
                error: body.error,
            }),
            Err(_) => Err(ApiClientError::Unexpected {
                status,
                detail: text.chars().take(200).collect(),
            }),
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(crate) fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
