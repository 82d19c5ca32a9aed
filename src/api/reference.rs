//! `/v1/openapi.json`: the API's own description, which the reference page
//! renders.

use super::{ApiClient, ApiClientError};
use crate::openapi::Document;

impl ApiClient {
    /// The OpenAPI document of the server (public: no session needed). It is
    /// the document itself, not wrapped in the `{"success", "data"}` envelope.
    pub async fn openapi_document(&self) -> Result<Document, ApiClientError> {
        self.get::<Document>("/v1/openapi.json").await
    }
}
