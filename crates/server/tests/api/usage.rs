//! Usage summaries come from rollups; they must equal counts over the raw log.

use crate::helpers::{error_of, eventually, spawn_app, spawn_demo_app, As};
use keyscope_model::{ErrorCode, Granularity, Response, UsageSummary};
use reqwest::Method;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// (outcome, method, status code, count) over the raw log.
type RawCount = (String, String, i64, i64);

#[tokio::test]
async fn rollup_totals_equal_counts_over_the_raw_log() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let pool = app.services.store.pool();
    let key_ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT key_id FROM requests ORDER BY key_id")
            .fetch_all(pool)
            .await
            .expect("keys");
    let now = chrono::Utc::now();
    let from = now - chrono::Duration::days(30);
    for key_id in key_ids.iter().take(4) {
        let query = format!(
            "key_id={key_id}&from={}&to={}",
            keyscope_model::timestamp::format(&from),
            keyscope_model::timestamp::format(&now)
        );
        let response = app
            .call(
                As::Console(&owner),
                Method::GET,
                &format!("/v1/usage?{query}"),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        let summary = response
            .json::<Response<UsageSummary>>()
            .await
            .expect("summary")
            .data;
        let (start, end) = (
            summary.from.timestamp_millis(),
            summary.to.timestamp_millis(),
        );
        let raw: Vec<RawCount> = sqlx::query_as(
            "SELECT outcome, method, status_code, COUNT(*) FROM requests
             WHERE key_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY outcome, method, status_code",
        )
        .bind(key_id)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .expect("raw counts");
        let sum = |pick: &dyn Fn(&RawCount) -> bool| -> u64 {
            raw.iter()
                .filter(|row| pick(row))
                .map(|row| row.3 as u64)
                .sum()
        };
        assert_eq!(summary.totals.total, sum(&|_| true), "{key_id}");
        assert_eq!(summary.totals.completed, sum(&|row| row.0 == "completed"));
        assert_eq!(summary.totals.failed, sum(&|row| row.0 == "failed"));
        assert_eq!(
            summary.totals.rate_limited,
            sum(&|row| row.0 == "rate_limited")
        );
        assert_eq!(summary.totals.forbidden, sum(&|row| row.0 == "forbidden"));
        for count in &summary.by_method {
            assert_eq!(
                count.count,
                sum(&|row| row.1 == count.name),
                "{key_id} {}",
                count.name
            );
        }
        for count in &summary.by_response_code {
            assert_eq!(
                count.count,
                sum(&|row| row.2.to_string() == count.name),
                "{key_id} {}",
                count.name
            );
        }
        let series_total: u64 = summary.series.iter().map(|point| point.totals.total).sum();
        assert_eq!(series_total, summary.totals.total);
        assert_eq!(summary.granularity, Granularity::Day);
        assert!(
            (30..=32).contains(&summary.series.len()),
            "{} days",
            summary.series.len()
        );
    }
}

#[tokio::test]
async fn live_calls_reach_the_summary_and_empty_hours_are_zero() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "fresh", "scopes": ["read"] }))
        .await;
    for _ in 0..3 {
        app.list_keys_with(&key.secret).await;
    }
    app.call(
        As::Key(&key.secret),
        Method::POST,
        "/v1/keys",
        Some(json!({ "name": "x" })),
    )
    .await;
    let now = chrono::Utc::now();
    let query = format!(
        "/v1/usage?key_id={}&from={}",
        key.key.id,
        keyscope_model::timestamp::format(&(now - chrono::Duration::hours(24)))
    );
    let summary = eventually(
        "the four calls to be counted",
        Duration::from_secs(2),
        || async {
            let current = app
                .call(As::Console(&owner), Method::GET, &query, None)
                .await
                .json::<Response<UsageSummary>>()
                .await
                .expect("summary")
                .data;
            (current.totals.total == 4).then_some(current)
        },
    )
    .await;
    assert_eq!((summary.totals.completed, summary.totals.forbidden), (3, 1));
    assert_eq!(summary.granularity, Granularity::Hour);
    assert!((24..=25).contains(&summary.series.len()));
    let busy: Vec<_> = summary
        .series
        .iter()
        .filter(|point| point.totals.total > 0)
        .collect();
    assert_eq!(busy.len(), 1, "one hour had calls, the rest are zero");
    let methods: HashMap<_, _> = summary
        .by_method
        .iter()
        .map(|count| (count.name.as_str(), count.count))
        .collect();
    assert_eq!(methods, HashMap::from([("GET", 3), ("POST", 1)]));
    assert_eq!(summary.top_endpoints[0].name, "/v1/keys");
}

#[tokio::test]
async fn another_workspace_cannot_read_this_ones_usage() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app.create_key(&owner, json!({ "name": "mine" })).await;
    let other = keyscope_server::bootstrap::create_workspace(
        &app.services.store,
        "Other",
        "other@example.test",
    )
    .await
    .expect("workspace");
    let outsider = app
        .sign_in("other@example.test", other.password.expose())
        .await
        .expect("signs in");
    let response = app
        .call(
            As::Console(&outsider),
            Method::GET,
            &format!("/v1/usage?key_id={}", key.key.id),
            None,
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!((status, error.code), (404, ErrorCode::NotFound));
    let log = app
        .call(
            As::Console(&outsider),
            Method::GET,
            &format!("/v1/requests?key_id={}", key.key.id),
            None,
        )
        .await;
    let page: serde_json::Value = log.json().await.expect("page");
    assert_eq!(
        page["data"],
        json!([]),
        "the log filters by the caller's workspace"
    );
}
