//! The client for the keyscope JSON API: one typed function per endpoint,
//! returning model types. Pages fetch through it and nothing else, so the
//! transport can later switch to server functions, and an embedded widget can
//! be handed a client for another origin.

mod keys;

use gloo_net::http::{Request, Response};
use keyscope_model::{ApiError, ErrorResponse};
use serde::de::DeserializeOwned;

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
        let response = Request::get(&format!("{}{path_and_query}", self.base_url))
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|error| ApiClientError::Network(error.to_string()))?;
        decode(response).await
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
