//! `/v1/keys`

use super::{ApiClient, ApiClientError};
use keyscope_model::{ApiKey, ListResponse, PageRequest};

impl ApiClient {
    pub async fn list_keys(
        &self,
        page: PageRequest,
    ) -> Result<ListResponse<ApiKey>, ApiClientError> {
        self.get(&format!("/v1/keys?{}", page.to_query())).await
    }
}
