//! `/v1/usage`, and the names a usage dashboard shows in its heading.

use super::{encode, ApiClient, ApiClientError};
use chrono::{DateTime, Utc};
use keyscope_model::{ApiKey, Project, Response, UsageSummary};

/// Whose usage: one key, one project, or the whole workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageScope {
    Workspace,
    Key(String),
    Project(String),
}

impl UsageScope {
    /// The `key_id` / `project_id` parameter, if any, ready for a query string.
    pub fn query_pair(&self) -> Option<(&'static str, &str)> {
        match self {
            UsageScope::Workspace => None,
            UsageScope::Key(id) => Some(("key_id", id)),
            UsageScope::Project(id) => Some(("project_id", id)),
        }
    }
}

impl ApiClient {
    /// Totals, breakdowns and the series for `scope` between `from` and `to`
    /// (the server widens both to whole hours).
    pub async fn usage_summary(
        &self,
        scope: &UsageScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<UsageSummary, ApiClientError> {
        self.get::<Response<UsageSummary>>(&usage_path(scope, from, to))
            .await
            .map(|response| response.data)
    }

    /// One key (`GET /v1/keys/{id}`), for its name above its dashboard.
    pub async fn key_details(&self, key_id: &str) -> Result<ApiKey, ApiClientError> {
        self.get::<Response<ApiKey>>(&format!("/v1/keys/{}", encode(key_id)))
            .await
            .map(|response| response.data)
    }

    /// One project, looked up in the workspace's list (there is no
    /// `GET /v1/projects/{id}`); `None` when it does not exist.
    pub async fn project_details(
        &self,
        project_id: &str,
    ) -> Result<Option<Project>, ApiClientError> {
        let projects = self.list_projects().await?;
        Ok(projects
            .into_iter()
            .find(|project| project.id == project_id))
    }
}

fn usage_path(scope: &UsageScope, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut path = format!(
        "/v1/usage?from={}&to={}",
        encode(&keyscope_model::timestamp::format(&from)),
        encode(&keyscope_model::timestamp::format(&to))
    );
    if let Some((name, id)) = scope.query_pair() {
        path.push_str(&format!("&{name}={}", encode(id)));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_usage_path_names_the_key_and_the_exact_range() {
        let from = keyscope_model::timestamp::from_millis(1_795_000_000_000);
        let to = keyscope_model::timestamp::from_millis(1_795_003_600_000);
        assert_eq!(
            usage_path(&UsageScope::Key("key_01 x".into()), from, to),
            "/v1/usage?from=2026-11-18T11%3A06%3A40.000Z&to=2026-11-18T12%3A06%3A40.000Z&key_id=key_01%20x"
        );
        assert_eq!(
            usage_path(&UsageScope::Workspace, from, to),
            "/v1/usage?from=2026-11-18T11%3A06%3A40.000Z&to=2026-11-18T12%3A06%3A40.000Z"
        );
    }
}
