//! `/v1/keys`

use super::{ApiClient, ApiClientError, Method};
use keyscope_model::{
    ApiKey, CreateKeyRequest, CreatedKey, ListResponse, PageRequest, Response, RotateKeyRequest,
};

impl ApiClient {
    pub async fn list_keys(
        &self,
        page: PageRequest,
    ) -> Result<ListResponse<ApiKey>, ApiClientError> {
        self.get(&format!("/v1/keys?{}", page.to_query())).await
    }

    pub async fn create_key(
        &self,
        request: &CreateKeyRequest,
        csrf_token: &str,
    ) -> Result<CreatedKey, ApiClientError> {
        self.send_json::<_, Response<CreatedKey>>(
            Method::POST,
            "/v1/keys",
            request,
            Some(csrf_token),
        )
        .await
        .map(|response| response.data)
    }

    /// A new secret for the key; the old one keeps working for the grace period.
    pub async fn rotate_key(
        &self,
        key_id: &str,
        request: &RotateKeyRequest,
        csrf_token: &str,
    ) -> Result<CreatedKey, ApiClientError> {
        let path = format!("/v1/keys/{key_id}/rotate");
        self.send_json::<_, Response<CreatedKey>>(Method::POST, &path, request, Some(csrf_token))
            .await
            .map(|response| response.data)
    }

    pub async fn delete_key(&self, key_id: &str, csrf_token: &str) -> Result<(), ApiClientError> {
        self.send_empty(
            Method::DELETE,
            &format!("/v1/keys/{key_id}"),
            Some(csrf_token),
        )
        .await
    }
}
