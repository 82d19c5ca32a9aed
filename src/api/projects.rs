//! `/v1/projects`

use super::{ApiClient, ApiClientError, Method};
use keyscope_model::{Project, ProjectCredentials, QuotaStatus, Response};

impl ApiClient {
    pub async fn list_projects(&self) -> Result<Vec<Project>, ApiClientError> {
        self.get::<Response<Vec<Project>>>("/v1/projects")
            .await
            .map(|response| response.data)
    }

    pub async fn project_quota(&self, project_id: &str) -> Result<QuotaStatus, ApiClientError> {
        self.get::<Response<QuotaStatus>>(&format!("/v1/projects/{project_id}/quota"))
            .await
            .map(|response| response.data)
    }

    pub async fn project_credentials(
        &self,
        project_id: &str,
    ) -> Result<ProjectCredentials, ApiClientError> {
        self.get::<Response<ProjectCredentials>>(&format!("/v1/projects/{project_id}/credentials"))
            .await
            .map(|response| response.data)
    }

    /// Replaces the API ID and Project Key; the old ones stop working at once.
    pub async fn regenerate_project_credentials(
        &self,
        project_id: &str,
        csrf_token: &str,
    ) -> Result<ProjectCredentials, ApiClientError> {
        let path = format!("/v1/projects/{project_id}/credentials/regenerate");
        self.send_json::<_, Response<ProjectCredentials>>(
            Method::POST,
            &path,
            &serde_json::json!({}),
            Some(csrf_token),
        )
        .await
        .map(|response| response.data)
    }
}
