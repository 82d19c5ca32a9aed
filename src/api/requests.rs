//! `/v1/requests`: the request log, one record, its export and its live feed.

use super::{encode, ApiClient, ApiClientError};
use keyscope_model::{LogPage, RequestEntry, Response};

/// The request log's filters as a page holds them: the query parameters of
/// `/v1/requests`, as text, exactly as they travel in the URL. Empty text is
/// "not filtered". Parsing is the server's: a bad value comes back as a 400
/// naming its field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilterForm {
    pub resource_id: String,
    pub key_id: String,
    /// RFC 3339, UTC.
    pub from: String,
    /// RFC 3339, UTC.
    pub to: String,
    /// An outcome: completed, failed, rate_limited, unauthorized, forbidden.
    pub status: String,
    pub method: String,
    /// Text the endpoint contains.
    pub endpoint: String,
    pub response_code: String,
    /// Records a page; the server's default when not given.
    pub limit: String,
}

impl LogFilterForm {
    /// The query parameters, in the order they show in a URL.
    pub const NAMES: [&'static str; 9] = [
        "resource_id",
        "key_id",
        "from",
        "to",
        "status",
        "method",
        "endpoint",
        "response_code",
        "limit",
    ];

    /// The filter a URL's query holds; unknown parameters are left alone.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut form = LogFilterForm::default();
        for name in Self::NAMES {
            if let Some(value) = get(name) {
                *form.field_mut(name) = value;
            }
        }
        form
    }

    pub fn field(&self, name: &str) -> &str {
        match name {
            "resource_id" => &self.resource_id,
            "key_id" => &self.key_id,
            "from" => &self.from,
            "to" => &self.to,
            "status" => &self.status,
            "method" => &self.method,
            "endpoint" => &self.endpoint,
            "response_code" => &self.response_code,
            "limit" => &self.limit,
            _ => "",
        }
    }

    pub fn field_mut(&mut self, name: &str) -> &mut String {
        match name {
            "resource_id" => &mut self.resource_id,
            "key_id" => &mut self.key_id,
            "from" => &mut self.from,
            "to" => &mut self.to,
            "status" => &mut self.status,
            "method" => &mut self.method,
            "endpoint" => &mut self.endpoint,
            "response_code" => &mut self.response_code,
            _ => &mut self.limit,
        }
    }

    /// This filter, with `fallback`'s value wherever a field of this one is
    /// empty: a dashboard's range as its log's dates until the viewer sets some.
    pub fn or(&self, fallback: &LogFilterForm) -> Self {
        Self::from_query(|name| {
            let own = self.field(name);
            let value = if own.trim().is_empty() {
                fallback.field(name)
            } else {
                own
            };
            Some(value.to_owned())
        })
    }

    /// The parameters that are set, trimmed.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        Self::NAMES
            .into_iter()
            .map(|name| (name, self.field(name).trim().to_owned()))
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }

    /// Whether any filter is set (the page size is not a filter).
    pub fn narrows(&self) -> bool {
        self.pairs().iter().any(|(name, _)| *name != "limit")
    }

    /// `a=1&b=2`, percent-encoded.
    pub fn query_string(&self) -> String {
        query_string(&self.pairs())
    }
}

/// `a=1&b=2` with names and values percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

impl ApiClient {
    /// A page of the log; `cursor` continues an earlier page of the same filter.
    pub async fn request_log(
        &self,
        filter: &[(&str, String)],
        cursor: Option<&str>,
    ) -> Result<LogPage, ApiClientError> {
        let mut pairs = filter.to_vec();
        if let Some(cursor) = cursor {
            pairs.push(("cursor", cursor.to_owned()));
        }
        self.get(&format!("/v1/requests?{}", query_string(&pairs)))
            .await
    }

    /// One record, by its request id.
    pub async fn request_entry(&self, id: &str) -> Result<RequestEntry, ApiClientError> {
        let response: Response<RequestEntry> =
            self.get(&format!("/v1/requests/{}", encode(id))).await?;
        Ok(response.data)
    }

    /// Where the filtered log downloads as CSV.
    pub fn request_log_export_url(&self, filter: &[(&str, String)]) -> String {
        let mut pairs = vec![("format", "csv".to_owned())];
        pairs.extend(filter.iter().filter(|(name, _)| *name != "limit").cloned());
        format!(
            "{}/v1/requests/export?{}",
            self.base_url,
            query_string(&pairs)
        )
    }

    /// The live feed's address (server-sent events), for one key or project
    /// when given: the feed filters by those two only.
    pub fn request_log_live_url(&self, key_id: Option<&str>, project_id: Option<&str>) -> String {
        let mut pairs = Vec::new();
        if let Some(key_id) = key_id {
            pairs.push(("key_id", key_id.to_owned()));
        }
        if let Some(project_id) = project_id {
            pairs.push(("project_id", project_id.to_owned()));
        }
        let query = query_string(&pairs);
        let separator = if query.is_empty() { "" } else { "?" };
        format!("{}/v1/requests/live{separator}{query}", self.base_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_round_trips_through_its_query() {
        let form = LogFilterForm {
            endpoint: "/v1/a b&c".to_owned(),
            from: "2026-11-20T09:00:00.000Z".to_owned(),
            status: "failed".to_owned(),
            ..LogFilterForm::default()
        };
        let query = form.query_string();
        assert_eq!(
            query,
            "from=2026-11-20T09%3A00%3A00.000Z&status=failed&endpoint=%2Fv1%2Fa%20b%26c"
        );
        let pairs: Vec<(&str, String)> = form.pairs();
        let again = LogFilterForm::from_query(|name| {
            pairs
                .iter()
                .find(|(pair_name, _)| *pair_name == name)
                .map(|(_, value)| value.clone())
        });
        assert_eq!(again, form);
    }

    #[test]
    fn only_real_filters_narrow_the_log() {
        let mut form = LogFilterForm {
            limit: "1000".to_owned(),
            key_id: "  ".to_owned(),
            ..LogFilterForm::default()
        };
        assert!(!form.narrows());
        form.method = "GET".to_owned();
        assert!(form.narrows());
    }
}
