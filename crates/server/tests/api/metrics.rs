//! `/metrics`: scraped before and after real calls, its counters and
//! histogram counts must have moved under the right labels; and served on
//! a listener of its own when the operator says so.

use crate::helpers::{error_of, spawn_app, spawn_with, As, SpawnOptions, TestApp};
use keyscope_model::ErrorCode;
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// One scrape: every sample by its name and labels.
struct Scrape {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Scrape {
    /// Reads the text format: `name{label="value",…} value` lines, comments
    /// skipped. Label values here hold no quotes or commas.
    fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a sample and its value");
                let value: f64 = value.parse().expect("a number");
                let (name, labels) = match series.split_once('{') {
                    Some((name, labels)) => (name, labels.trim_end_matches('}')),
                    None => (series, ""),
                };
                let labels = labels
                    .split("\",")
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, value) = pair.split_once("=\"").expect("label=\"value\"");
                        (key.to_owned(), value.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels, value)
            })
            .collect();
        Self { samples }
    }

    /// The sum of the samples named `name` whose labels include `labels`
    /// (0 when there is none yet).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|(sample, have, _)| {
                sample == name
                    && labels
                        .iter()
                        .all(|(key, value)| have.get(*key).map(String::as_str) == Some(*value))
            })
            .map(|(_, _, value)| value)
            .sum()
    }
}

async fn scrape(url: &str) -> Scrape {
    let response = reqwest::get(url).await.expect("scraped");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("text")
            .starts_with("text/plain; version=0.0.4"),
        "the Prometheus text media type"
    );
    Scrape::parse(&response.text().await.expect("text"))
}

/// An upstream that answers every call with 200.
async fn upstream() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("upstream listens");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().fallback(axum::routing::any(|| async { "upstream" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// A project whose gateway leads to `upstream_url`, and the API ID.
async fn project_to(
    app: &TestApp,
    owner: &crate::helpers::ConsoleUser,
    name: &str,
    upstream_url: &str,
) -> (String, String) {
    let credentials = app.create_project(owner, name).await;
    let response = app
        .call(
            As::Console(owner),
            Method::PATCH,
            &format!("/v1/projects/{}", credentials.project_id),
            Some(json!({ "upstream_url": upstream_url })),
        )
        .await;
    assert_eq!(response.status(), 200);
    (credentials.project_id, credentials.api_id)
}

fn increased(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let grown = after.value(name, labels) - before.value(name, labels);
    assert!(grown > 0.0, "{name} {labels:?} did not increase");
    grown
}

#[tokio::test]
async fn counters_move_as_calls_are_made() {
    let (app, _data) = spawn_app().await;
    let metrics = format!("{}/metrics", app.address);
    let owner = app.owner().await;
    let (project_id, api_id) = project_to(&app, &owner, "Proxied", &upstream().await).await;
    // A port nothing listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let (_, dead_api_id) = project_to(&app, &owner, "Gone", &format!("http://{closed}")).await;
    let key = app
        .create_key(
            &owner,
            json!({ "name": "caller", "scopes": ["read"], "project_id": project_id }),
        )
        .await;
    let wide = app
        .create_key(&owner, json!({ "name": "wide", "scopes": ["read"] }))
        .await;
    let bursty = app
        .create_key(
            &owner,
            json!({ "name": "bursty", "rate_limit_per_minute": 1 }),
        )
        .await;
    let before = scrape(&metrics).await;

    // A key call through the management API, and a console one.
    assert_eq!(app.list_keys_with(&key.secret).await.status(), 200);
    let me = app
        .call(As::Console(&owner), Method::GET, "/v1/me", None)
        .await;
    assert_eq!(me.status(), 200);
    // A gateway call that reaches its upstream, and one whose upstream is gone.
    let gateway = |api_id: &str, secret: &str| {
        app.client
            .get(format!("{}/gateway/{api_id}/things/7", app.address))
            .bearer_auth(secret)
            .send()
    };
    assert_eq!(
        gateway(&api_id, &key.secret).await.expect("sent").status(),
        200
    );
    assert_eq!(
        gateway(&dead_api_id, &wide.secret)
            .await
            .expect("sent")
            .status(),
        502
    );
    // A refused call: a key that does not exist.
    let stranger = "ks_live_0000000000000000000000000000";
    let (status, _) = error_of(app.list_keys_with(stranger).await).await;
    assert_eq!(status, 401);
    // A 429: the burst of one, then refused.
    assert_eq!(app.list_keys_with(&bursty.secret).await.status(), 200);
    let (status, error) = error_of(app.list_keys_with(&bursty.secret).await).await;
    assert_eq!((status, error.code), (429, ErrorCode::RateLimited));

    // The log writer stores the records within a batch's linger.
    let mut after = scrape(&metrics).await;
    for _ in 0..50 {
        if after.value("keyscope_request_records_written_total", &[])
            >= after.value("keyscope_request_records_queued_total", &[])
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = scrape(&metrics).await;
    }

    let requests = "keyscope_http_requests_total";
    let completed = [
        ("method", "GET"),
        ("outcome", "completed"),
        ("status", "200"),
    ];
    assert_eq!(
        increased(
            &before,
            &after,
            requests,
            &[&[("route", "/v1/keys")][..], &completed].concat()
        ),
        2.0,
        "the call with the key and the first of the burst"
    );
    increased(
        &before,
        &after,
        requests,
        &[("route", "/gateway/{api_id}/{*path}"), ("status", "200")],
    );
    increased(
        &before,
        &after,
        requests,
        &[
            ("route", "/gateway/{api_id}/{*path}"),
            ("outcome", "failed"),
            ("status", "502"),
        ],
    );
    increased(
        &before,
        &after,
        requests,
        &[
            ("route", "/v1/keys"),
            ("outcome", "unauthorized"),
            ("status", "401"),
        ],
    );
    increased(
        &before,
        &after,
        requests,
        &[
            ("route", "/v1/keys"),
            ("outcome", "rate_limited"),
            ("status", "429"),
        ],
    );
    // The scrape before counts under its template, never a raw path.
    increased(&before, &after, requests, &[("route", "/metrics")]);
    assert!(
        after
            .samples
            .iter()
            .all(|(name, labels, _)| name != requests || !labels["route"].contains("things")),
        "no raw gateway path as a label"
    );

    let verification = "keyscope_key_verification_seconds_count";
    increased(&before, &after, verification, &[("result", "accepted")]);
    increased(&before, &after, verification, &[("result", "refused")]);
    let gateway_calls = "keyscope_gateway_request_seconds_count";
    increased(&before, &after, gateway_calls, &[("outcome", "completed")]);
    increased(&before, &after, gateway_calls, &[("outcome", "failed")]);
    assert!(
        after.value(
            "keyscope_gateway_request_seconds_bucket",
            &[("outcome", "completed"), ("le", "+Inf")]
        ) >= 1.0
    );
    increased(
        &before,
        &after,
        "keyscope_upstream_errors_total",
        &[("kind", "connect")],
    );
    let decisions = "keyscope_rate_limit_decisions_total";
    increased(&before, &after, decisions, &[("decision", "admitted")]);
    increased(
        &before,
        &after,
        decisions,
        &[("window", "minute"), ("decision", "refused")],
    );
    // Each call made with a valid key is a record: the management call,
    // two gateway calls, the burst's two.
    assert!(
        increased(
            &before,
            &after,
            "keyscope_request_records_queued_total",
            &[]
        ) >= 5.0
    );
    increased(
        &before,
        &after,
        "keyscope_request_records_written_total",
        &[],
    );
    assert_eq!(
        after.value("keyscope_request_records_dropped_total", &[]),
        0.0
    );
    assert!(after
        .samples
        .iter()
        .any(|(name, _, _)| name == "keyscope_request_log_queue_depth"));
    let queries = "keyscope_db_query_seconds_count";
    for kind in [
        "key_by_digest",
        "gateway_route",
        "request_log_write",
        "counter_read",
        "session_by_digest",
    ] {
        increased(&before, &after, queries, &[("kind", kind)]);
    }
    app.stop().await;
}

#[tokio::test]
async fn metrics_can_have_a_listener_of_their_own() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions {
        metrics_listen: Some("127.0.0.1:0".parse().expect("an address")),
        metrics_token: Some("scrape-secret".to_owned()),
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    let own = app.metrics_address.clone().expect("a metrics listener");
    assert_ne!(own, app.address);

    // The main port no longer serves it: 404 in the API's envelope, with
    // the token or without.
    for token in [None, Some("scrape-secret")] {
        let mut request = app.client.get(format!("{}/metrics", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (status, error) = error_of(request.send().await.expect("sent")).await;
        assert_eq!(
            (status, error.code),
            (404, ErrorCode::NotFound),
            "{token:?}"
        );
    }

    // Its own port does, under the same token rule, and nothing else.
    let (status, error) = error_of(
        app.client
            .get(format!("{own}/metrics"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!((status, error.code), (401, ErrorCode::Unauthorized));
    let (status, _) = error_of(
        app.client
            .get(format!("{own}/v1/keys"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 404, "the metrics port serves only /metrics");

    let scrape = |app: &TestApp| {
        let request = app
            .client
            .get(format!("{own}/metrics"))
            .bearer_auth("scrape-secret");
        async move {
            let response = request.send().await.expect("scraped");
            assert_eq!(response.status(), 200);
            Scrape::parse(&response.text().await.expect("text"))
        }
    };
    let before = scrape(&app).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let after = scrape(&app).await;
    // Calls on the main port show on the metrics port.
    assert_eq!(
        after.value(
            "keyscope_http_requests_total",
            &[("route", "/healthz"), ("status", "200")]
        ) - before.value(
            "keyscope_http_requests_total",
            &[("route", "/healthz"), ("status", "200")]
        ),
        1.0
    );
    // The two refused on the main port were counted there too.
    assert_eq!(
        after.value(
            "keyscope_http_requests_total",
            &[("route", "/metrics"), ("status", "404")]
        ),
        2.0
    );
    app.stop().await;
}

#[tokio::test]
async fn two_servers_in_one_process_count_apart() {
    let (first, _first_data) = spawn_app().await;
    let (second, _second_data) = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(first.get("/healthz").await.status(), 200);
    }
    let healthz = [("route", "/healthz"), ("status", "200")];
    let first_counts = scrape(&format!("{}/metrics", first.address)).await;
    let second_counts = scrape(&format!("{}/metrics", second.address)).await;
    assert_eq!(
        first_counts.value("keyscope_http_requests_total", &healthz),
        3.0
    );
    assert_eq!(
        second_counts.value("keyscope_http_requests_total", &healthz),
        0.0
    );
    first.stop().await;
    second.stop().await;
}
