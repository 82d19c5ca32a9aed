//! `/v1/session` and `/v1/me`

use super::{ApiClient, ApiClientError, Method};
use keyscope_model::{LoginRequest, Me, Response};

impl ApiClient {
    /// The signed-in user, or `None` when nobody is.
    pub async fn me(&self) -> Result<Option<Me>, ApiClientError> {
        self.get::<Response<Option<Me>>>("/v1/me")
            .await
            .map(|response| response.data)
    }

    pub async fn sign_in(&self, request: &LoginRequest) -> Result<Me, ApiClientError> {
        self.send_json::<_, Response<Me>>(Method::POST, "/v1/session", request, None)
            .await
            .map(|response| response.data)
    }

    pub async fn sign_out(&self, csrf_token: &str) -> Result<(), ApiClientError> {
        self.send_empty(Method::DELETE, "/v1/session", Some(csrf_token))
            .await
    }
}
