//! The request log over real HTTP: every key call recorded, filters exact,
//! cursor pages stable while records arrive, nothing lost at shutdown.

use crate::helpers::{
    error_of, eventually, request_id_of, spawn_app, spawn_demo_app, As, ConsoleUser, TestApp,
};
use keyscope_model::requests::LogTotal;
use keyscope_model::{ErrorCode, LogPage, Outcome};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn log(app: &TestApp, owner: &ConsoleUser, query: &str) -> LogPage {
    let response = app
        .call(
            As::Console(owner),
            Method::GET,
            &format!("/v1/requests?{query}"),
            None,
        )
        .await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.expect("log page")
}

/// Waits for the writer: records are stored just after the answer.
async fn log_with(app: &TestApp, owner: &ConsoleUser, query: &str, count: usize) -> LogPage {
    eventually(
        &format!("{count} records for {query}"),
        Duration::from_millis(2_500),
        || async {
            let page = log(app, owner, query).await;
            (page.data.len() >= count).then_some(page)
        },
    )
    .await
}

#[tokio::test]
async fn every_key_call_is_recorded_with_its_outcome() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "logged", "scopes": ["read"] }))
        .await;
    let listed = app.list_keys_with(&key.secret).await;
    let listed_id = request_id_of(&listed);
    let refused = app
        .call(
            As::Key(&key.secret),
            Method::POST,
            "/v1/keys",
            Some(json!({ "name": "x" })),
        )
        .await;
    let (status, error) = error_of(refused).await;
    assert_eq!((status, error.code), (403, ErrorCode::InsufficientScope));
    let detail = app
        .call(
            As::Key(&key.secret),
            Method::GET,
            &format!("/v1/keys/{}", key.key.id),
            None,
        )
        .await;
    assert_eq!(detail.status(), 200);

    let page = log_with(&app, &owner, &format!("key_id={}", key.key.id), 3).await;
    assert_eq!(page.data.len(), 3, "console calls are not key calls");
    let [newest, middle, oldest] = [&page.data[0], &page.data[1], &page.data[2]];
    assert!(newest.timestamp >= middle.timestamp && middle.timestamp >= oldest.timestamp);
    assert_eq!(oldest.id, listed_id, "the log's id is the X-Request-Id");
    assert_eq!(
        (oldest.outcome, oldest.response_code),
        (Outcome::Completed, 200)
    );
    assert_eq!(
        (middle.method.as_str(), middle.outcome, middle.response_code),
        ("POST", Outcome::Forbidden, 403)
    );
    assert_eq!(newest.route, "/v1/keys/{id}");
    assert_eq!(newest.resource_id.as_deref(), Some(key.key.id.as_str()));
    assert_eq!(newest.client_ip.as_deref(), Some("127.0.0.1"));

    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains("keyscope_request_records_written_total 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("keyscope_request_records_dropped_total 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn each_filter_alone_and_combined_returns_exactly_the_matching_records() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let pool = app.services.store.pool();
    // A key and a resource with enough records to filter, few enough for one page.
    let key_id: String = sqlx::query_scalar(
        "SELECT key_id FROM requests GROUP BY key_id HAVING COUNT(*) BETWEEN 1000 AND 5000 ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a moderately busy key");
    let resource_id: String = sqlx::query_scalar(
        "SELECT resource_id FROM requests WHERE resource_id IS NOT NULL GROUP BY resource_id
         HAVING COUNT(*) BETWEEN 2 AND 900 ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a resource");
    let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
    let from = keyscope_model::timestamp::format(&week_ago);
    let cases: Vec<(String, String)> = vec![
        (
            format!("key_id={key_id}&status=rate_limited"),
            format!("key_id = '{key_id}' AND outcome = 'rate_limited'"),
        ),
        (
            format!("resource_id={resource_id}"),
            format!("resource_id = '{resource_id}'"),
        ),
        (
            format!("key_id={key_id}&method=GET&response_code=404"),
            format!("key_id = '{key_id}' AND method = 'GET' AND status_code = 404"),
        ),
        (
            format!("key_id={key_id}&from={from}&status=failed"),
            format!(
                "key_id = '{key_id}' AND occurred_at >= {} AND outcome = 'failed'",
                week_ago.timestamp_millis()
            ),
        ),
        (
            "endpoint=/v1/stations/&method=DELETE".to_owned(),
            "instr(endpoint, '/v1/stations/') > 0 AND method = 'DELETE'".to_owned(),
        ),
    ];
    for (query, condition) in cases {
        let expected: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM requests WHERE {condition} ORDER BY occurred_at DESC, id DESC"
        ))
        .fetch_all(pool)
        .await
        .expect("expected ids");
        assert!(
            !expected.is_empty() && expected.len() < 1_000,
            "{query}: {} rows make a poor case",
            expected.len()
        );
        let page = log(&app, &owner, &format!("{query}&limit=1000")).await;
        let got: Vec<String> = page.data.into_iter().map(|entry| entry.id).collect();
        assert_eq!(got, expected, "{query}");
    }
}

async fn count_where(app: &TestApp, condition: &str) -> u64 {
    let count: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM requests WHERE {condition}"))
            .fetch_one(app.services.store.pool())
            .await
            .expect("count");
    u64::try_from(count).expect("a count")
}

#[tokio::test]
async fn the_first_page_reports_how_many_records_match_the_filter() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let key_id: String = sqlx::query_scalar(
        "SELECT key_id FROM requests GROUP BY key_id HAVING COUNT(*) BETWEEN 1000 AND 9000 ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(app.services.store.pool())
    .await
    .expect("a moderately busy key");
    let cases = [
        (format!("key_id={key_id}"), format!("key_id = '{key_id}'")),
        (
            format!("key_id={key_id}&status=failed&method=GET"),
            format!("key_id = '{key_id}' AND outcome = 'failed' AND method = 'GET'"),
        ),
        (
            "endpoint=/v1/stations/&response_code=404".to_owned(),
            "instr(endpoint, '/v1/stations/') > 0 AND status_code = 404".to_owned(),
        ),
        ("resource_id=no-such-resource".to_owned(), "0".to_owned()),
    ];
    for (query, condition) in cases {
        let expected = count_where(&app, &condition).await;
        assert!(
            expected <= LogTotal::EXACT_UP_TO,
            "{query}: {expected} is past the exact range"
        );
        let first = log(&app, &owner, &format!("{query}&limit=10")).await;
        assert_eq!(first.total, Some(LogTotal::exact(expected)), "{query}");
        assert_eq!(first.data.len() as u64, expected.min(10), "{query}");
        if let Some(cursor) = first.next_cursor {
            let next = log(&app, &owner, &format!("{query}&limit=10&cursor={cursor}")).await;
            assert_eq!(
                next.total, None,
                "{query}: a continued page repeats no total"
            );
        }
    }
}

#[tokio::test]
async fn past_ten_thousand_the_total_is_marked_as_an_estimate_or_a_lower_bound() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;

    // Rollups answer a whole-workspace count, and one status, exactly here:
    // the demo's records are all still stored.
    let everything = count_where(&app, "1").await;
    assert!(everything > LogTotal::EXACT_UP_TO);
    let page = log(&app, &owner, "limit=5").await;
    assert_eq!(page.total, Some(LogTotal::estimate(everything)));

    let completed = count_where(&app, "outcome = 'completed'").await;
    assert!(completed > LogTotal::EXACT_UP_TO);
    let page = log(&app, &owner, "status=completed&limit=5").await;
    assert_eq!(page.total, Some(LogTotal::estimate(completed)));

    // Endpoint text is not in the rollups: the answer is a marked floor.
    let stations = count_where(&app, "instr(endpoint, '/v1/') > 0").await;
    assert!(stations > LogTotal::EXACT_UP_TO);
    let page = log(&app, &owner, "endpoint=/v1/&limit=5").await;
    let total = page.total.expect("a total");
    assert_eq!(total, LogTotal::at_least(LogTotal::EXACT_UP_TO));
    assert!(!total.exact && total.at_least);

    // On the wire: the fields a client reads.
    let response = app
        .call(
            As::Console(&owner),
            Method::GET,
            "/v1/requests?endpoint=/v1/&limit=1",
            None,
        )
        .await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["total"],
        json!({ "count": 10_000, "exact": false, "at_least": true })
    );
}

#[tokio::test]
async fn pages_neither_skip_nor_repeat_while_new_records_arrive() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "busy", "plan": "enterprise" }))
        .await;
    let existing: HashSet<String> = sqlx::query_scalar("SELECT id FROM requests")
        .fetch_all(app.services.store.pool())
        .await
        .expect("ids")
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("limit=1000&cursor={cursor}"),
            None => "limit=1000".to_owned(),
        };
        let page = log(&app, &owner, &query).await;
        for entry in &page.data {
            assert!(seen.insert(entry.id.clone()), "{} repeated", entry.id);
        }
        // New records land while we page.
        for _ in 0..3 {
            app.list_keys_with(&key.secret).await;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(
        existing.is_subset(&seen),
        "{} of {} earlier records skipped",
        existing.difference(&seen).count(),
        existing.len()
    );
}

#[tokio::test]
async fn bad_filters_get_400_naming_the_field() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    for (query, field) in [
        ("status=exploded", "status"),
        ("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to"),
        ("cursor=not-a-cursor", "cursor"),
        ("response_code=abc", "response_code"),
        ("colour=red", "colour"),
    ] {
        let response = app
            .call(
                As::Console(&owner),
                Method::GET,
                &format!("/v1/requests?{query}"),
                None,
            )
            .await;
        let (status, error) = error_of(response).await;
        assert_eq!(
            (status, error.code),
            (400, ErrorCode::ValidationError),
            "{query}"
        );
        assert_eq!(
            error.details.expect("details")["field"],
            Value::from(field),
            "{query}"
        );
    }
}

#[tokio::test]
async fn sigterm_under_load_loses_no_answered_request() {
    let root = tempfile::TempDir::new().expect("temporary directory");
    let server = crate::binary::Binary::start(root.path(), "warn").await;
    let (console, csrf) = server.owner().await;
    let created = crate::binary::send_json(
        console.post(format!("{}/v1/keys", server.address)),
        &csrf,
        json!({ "name": "load", "rate_limit_per_minute": 100_000_000 }),
    )
    .await;
    let secret = created["data"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let key_id = created["data"]["key"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // 16 clients call as fast as they can until the server goes away.
    let answered = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (url, secret) = (format!("{}/v1/key", server.address), secret.clone());
            let answered = answered.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while let Ok(response) = client.get(&url).bearer_auth(&secret).send().await {
                    if response.bytes().await.is_ok() {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    // The signal comes once the load is real, whatever the machine's pace.
    eventually(
        "500 answers under load before SIGTERM",
        Duration::from_secs(30),
        || async { (answered.load(Ordering::SeqCst) >= 500).then_some(()) },
    )
    .await;
    server.sigterm();
    for client in clients {
        client.await.expect("client");
    }
    let exited = server.wait();
    assert!(exited.success(), "{exited:?}");
    let answered = answered.load(Ordering::SeqCst);

    let database = root.path().join("db").join("keyscope.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("database");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM requests WHERE key_id = $1")
        .bind(&key_id)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(
        stored as u64, answered,
        "requests answered = records stored"
    );
}

/// The request id is the log's key: one a caller chose could repeat (and
/// fail the batch of records written with it) or break the `req_` form.
#[tokio::test]
async fn a_request_id_the_caller_sends_is_replaced_and_every_call_still_logged() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app.create_key(&owner, json!({ "name": "chosen id" })).await;
    let mut answered = Vec::new();
    for _ in 0..3 {
        let response = app
            .client
            .get(format!("{}/v1/keys", app.address))
            .bearer_auth(&key.secret)
            .header("X-Request-Id", "mine")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200);
        let id = request_id_of(&response);
        assert!(id.starts_with("req_"), "{id}");
        answered.push(id);
    }
    let other = app.create_key(&owner, json!({ "name": "bystander" })).await;
    app.list_keys_with(&other.secret).await;
    let page = log_with(&app, &owner, &format!("key_id={}", key.key.id), 3).await;
    let mut logged: Vec<String> = page.data.iter().map(|entry| entry.id.clone()).collect();
    logged.sort();
    answered.sort();
    assert_eq!(logged, answered);
    log_with(&app, &owner, &format!("key_id={}", other.key.id), 1).await;
}

#[tokio::test]
async fn one_record_is_read_by_its_request_id() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app.create_key(&owner, json!({ "name": "single" })).await;
    let response = app.list_keys_with(&key.secret).await;
    let request_id = request_id_of(&response);
    log_with(&app, &owner, &format!("key_id={}", key.key.id), 1).await;
    let found: Value = app
        .call(
            As::Console(&owner),
            Method::GET,
            &format!("/v1/requests/{request_id}"),
            None,
        )
        .await
        .json()
        .await
        .expect("record");
    assert_eq!(found["data"]["id"], request_id.as_str());
    assert_eq!(found["data"]["key_id"], key.key.id.as_str());
    let missing = app
        .call(
            As::Console(&owner),
            Method::GET,
            "/v1/requests/req_NOPE",
            None,
        )
        .await;
    let (status, error) = error_of(missing).await;
    assert_eq!((status, error.code), (404, ErrorCode::NotFound));
}

#[tokio::test]
async fn retention_deletes_old_records_and_keeps_the_rollups() {
    let (app, _data) = spawn_demo_app().await;
    let pool = app.services.store.pool();
    let rollup_total = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT SUM(count) FROM usage_rollups WHERE dimension = 'outcome'",
        )
        .fetch_one(pool)
        .await
        .expect("sum")
    };
    let before = rollup_total().await;
    let now = chrono::Utc::now();
    let deleted = keyscope_server::service::request_log::sweep(&app.services.store, now, 10)
        .await
        .expect("swept");
    assert!(
        deleted > 10_000,
        "two thirds of the demo are older than 10 days: {deleted}"
    );
    let oldest: i64 = sqlx::query_scalar("SELECT MIN(occurred_at) FROM requests")
        .fetch_one(pool)
        .await
        .expect("oldest");
    assert!(oldest >= (now - chrono::Duration::days(10)).timestamp_millis());
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM requests")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(left as u64 + deleted, 50_000);
    assert_eq!(rollup_total().await, before, "the long view stays");
}

#[tokio::test]
async fn the_filtered_log_exports_as_csv_and_ndjson() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let pool = app.services.store.pool();
    let all = app
        .call(
            As::Console(&owner),
            Method::GET,
            "/v1/requests/export?format=csv",
            None,
        )
        .await;
    assert_eq!(all.status(), 200);
    assert_eq!(all.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = all.text().await.expect("csv");
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("id,timestamp,key_id"));
    assert_eq!(lines.count(), 50_000, "every record, streamed page by page");

    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE outcome = 'failed' AND method = 'DELETE'",
    )
    .fetch_one(pool)
    .await
    .expect("count");
    let ndjson = app
        .call(
            As::Console(&owner),
            Method::GET,
            "/v1/requests/export?format=ndjson&status=failed&method=DELETE",
            None,
        )
        .await
        .text()
        .await
        .expect("ndjson");
    let entries: Vec<keyscope_model::RequestEntry> = ndjson
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON record a line"))
        .collect();
    assert_eq!(entries.len() as i64, failed);
    assert!(entries
        .iter()
        .all(|entry| entry.outcome == Outcome::Failed && entry.method == "DELETE"));

    let bad = app
        .call(
            As::Console(&owner),
            Method::GET,
            "/v1/requests/export?format=xml",
            None,
        )
        .await;
    let (status, error) = error_of(bad).await;
    assert_eq!((status, error.code), (400, ErrorCode::ValidationError));
    assert_eq!(error.details.expect("details")["field"], "format");
}

#[tokio::test]
async fn live_mode_shows_a_new_request_within_two_seconds() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app.create_key(&owner, json!({ "name": "watched" })).await;
    let other = app.create_key(&owner, json!({ "name": "unwatched" })).await;
    let mut feed = owner
        .client
        .get(format!(
            "{}/v1/requests/live?key_id={}",
            app.address, key.key.id
        ))
        .send()
        .await
        .expect("subscribed");
    assert_eq!(feed.headers()["content-type"], "text/event-stream");
    // The subscription is live once the answer's headers are here.
    app.list_keys_with(&other.secret).await;
    let called = app.list_keys_with(&key.secret).await;
    let request_id = request_id_of(&called);

    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while !received.contains(&request_id) {
        let chunk = tokio::time::timeout_at(deadline, feed.chunk())
            .await
            .unwrap_or_else(|_| panic!("not within two seconds; received: {received}"))
            .expect("stream")
            .expect("open stream");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event: request"), "{received}");
    assert!(
        !received.contains(&other.key.id),
        "only the watched key: {received}"
    );
}

/// A graceful shutdown waits for the answers in flight; the live log's
/// stream never ends on its own, so it ends when shutdown begins. Before,
/// one console tab left open kept a stopped server (and the drain of its
/// log writers) waiting for ever.
#[tokio::test]
async fn an_open_live_stream_ends_when_the_server_stops() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let live = owner
        .client
        .get(format!("{}/v1/requests/live", app.address))
        .send()
        .await
        .expect("sent");
    assert_eq!(live.status(), 200);
    let stopped = tokio::time::timeout(Duration::from_secs(10), app.stop()).await;
    assert!(
        stopped.is_ok(),
        "the server still waited on the live stream after 10 s"
    );
    let rest = tokio::time::timeout(Duration::from_secs(5), live.bytes())
        .await
        .expect("the stream ended");
    assert!(rest.is_ok(), "the stream ended cleanly: {rest:?}");
}
