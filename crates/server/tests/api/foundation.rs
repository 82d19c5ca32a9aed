use crate::helpers::{
    error_of, request_id_of, spawn_app, spawn_app_with_timeouts, spawn_demo_app, spawn_with, As,
    SpawnOptions,
};
use keyscope_model::ErrorCode;

#[tokio::test]
async fn health_check_answers_ok_with_a_request_id() {
    let (app, _data) = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let request_id = request_id_of(&response);
    assert!(request_id.starts_with("req_"), "{request_id}");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

/// The test server runs two HTTP workers, each accepting on its own socket
/// of the one port; the kernel picks a socket per new connection, so among
/// 24 connections each worker gets some (all on one: a chance of 2^-23).
/// A worker that did not serve would leave its connections unanswered.
#[tokio::test]
async fn every_http_worker_answers_its_connections() {
    let (app, _data) = spawn_app().await;
    let calls = (0..24).map(|_| async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("client");
        client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .map(|response| response.status())
    });
    for answer in futures_util::future::join_all(calls).await {
        assert_eq!(answer.expect("answered within 5 s"), 200);
    }
}

/// A client gets `client_timeout` to send a request's head, counted from
/// when the server is ready for it: one that trickles a head, and one that
/// keeps a connection open without a next request, are cut off then, so
/// slow or idle clients cannot hold sockets without end. A prompt client on
/// the same server is answered.
#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_the_client_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (app, _data) = spawn_app_with_timeouts(keyscope_server::configuration::ClientTimeouts {
        request_head: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    // How long until the server ends the connection, reading what it sends.
    let closed_after = |mut socket: tokio::net::TcpStream| async move {
        let started = Instant::now();
        let mut received = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut received)).await;
        assert!(read.is_ok(), "the connection was still open after 10 s");
        (
            started.elapsed(),
            String::from_utf8_lossy(&received).into_owned(),
        )
    };

    let mut trickling = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connects");
    trickling
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: keyscope\r\n")
        .await
        .expect("half a head sent");
    let mut idle = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connects");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: keyscope\r\n\r\n")
        .await
        .expect("a whole request sent");
    let ((trickled, _), (idled, answered)) =
        tokio::join!(closed_after(trickling), closed_after(idle));
    assert!(
        answered.starts_with("HTTP/1.1 200"),
        "the prompt request was answered before the idle connection closed: {answered}"
    );
    for waited in [trickled, idled] {
        assert!(
            waited >= Duration::from_millis(500) && waited < Duration::from_secs(5),
            "closed after {waited:?}, not about the 1 s timeout"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn first_start_creates_the_owner_once_and_a_restart_keeps_the_database() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let first = spawn_with(SpawnOptions::new(false, data.path())).await;
    let owner = first
        .started
        .new_owner
        .as_ref()
        .expect("owner created on first start");
    assert_eq!(owner.email, "owner@example.test");
    assert!(owner.password.expose().len() >= 20);
    let password = owner.password.expose().to_owned();
    first.stop().await;

    let second = spawn_with(SpawnOptions::new(false, data.path())).await;
    assert!(
        second.started.new_owner.is_none(),
        "credentials are printed only on the first start"
    );
    second.stop().await;

    // Only the argon2 hash is stored, never the password itself.
    let database = std::fs::read(data.path().join("keyscope.db")).expect("database file");
    let wal = std::fs::read(data.path().join("keyscope.db-wal")).unwrap_or_default();
    for bytes in [&database, &wal] {
        assert!(!bytes
            .windows(password.len())
            .any(|window| window == password.as_bytes()));
    }
}

#[tokio::test]
async fn demo_fills_an_empty_database_once() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let first = spawn_with(SpawnOptions::new(true, data.path())).await;
    let summary = first.started.demo.expect("demo seeded");
    assert_eq!(summary.keys, 12);
    assert_eq!(summary.requests, 50_000);
    let owner = first.started.new_owner.as_ref().expect("owner");
    let (email, password) = (owner.email.clone(), owner.password.expose().to_owned());
    first.stop().await;

    let second = spawn_with(SpawnOptions::new(true, data.path())).await;
    assert!(
        second.started.demo.is_none(),
        "a database with data is left alone"
    );
    let owner = second
        .sign_in(&email, &password)
        .await
        .expect("owner signs in");
    let body: serde_json::Value = second
        .call(As::Console(&owner), reqwest::Method::GET, "/v1/keys", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["pagination"]["total"], 12);
    second.stop().await;
}

#[tokio::test]
async fn demo_requests_are_spread_over_thirty_days_with_realistic_outcomes() {
    let (app, _data) = spawn_demo_app().await;
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("keyscope.db").display()
    ))
    .await
    .expect("database opens");
    let (oldest, newest): (i64, i64) =
        sqlx::query_as("SELECT MIN(occurred_at), MAX(occurred_at) FROM requests")
            .fetch_one(&pool)
            .await
            .expect("range");
    let days = (newest - oldest) as f64 / 86_400_000.0;
    assert!((28.0..=30.0).contains(&days), "requests span {days} days");
    let outcomes: Vec<(String, i64)> =
        sqlx::query_as("SELECT outcome, COUNT(*) FROM requests GROUP BY outcome ORDER BY outcome")
            .fetch_all(&pool)
            .await
            .expect("outcomes");
    let share = |name: &str| {
        outcomes
            .iter()
            .find(|(outcome, _)| outcome == name)
            .map_or(0, |(_, count)| *count) as f64
            / 50_000.0
    };
    assert!(share("completed") > 0.8, "{outcomes:?}");
    assert!(share("failed") > 0.02, "{outcomes:?}");
    assert!(share("rate_limited") > 0.01, "{outcomes:?}");
    assert!(share("forbidden") > 0.0, "{outcomes:?}");
    let methods: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT method) FROM requests")
        .fetch_one(&pool)
        .await
        .expect("methods");
    assert!(methods >= 4);
}

#[tokio::test]
async fn client_routes_fall_back_to_the_web_app() {
    let (app, _data) = spawn_app().await;
    for path in ["/", "/keys", "/keys/key_123/usage", "/settings"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let body = response.text().await.expect("text");
        assert!(body.contains("keyscope test shell"), "{path}: {body}");
    }
}

#[tokio::test]
async fn unknown_api_routes_get_a_not_found_envelope() {
    let (app, _data) = spawn_app().await;
    for path in ["/v1/no-such-thing", "/v1", "/v1/keys/key_1/rotate/again"] {
        let (status, error) = error_of(app.get(path).await).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(error.code, ErrorCode::NotFound);
        assert!(error.message.contains(path), "{}", error.message);
    }
    let (status, error) = error_of(
        app.call(As::Anonymous, reqwest::Method::DELETE, "/v1/me", None)
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(error.message.contains("DELETE /v1/me"), "{}", error.message);
}

#[tokio::test]
async fn demo_quotas_agree_with_the_demo_log() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let projects: serde_json::Value = app
        .call(
            As::Console(&owner),
            reqwest::Method::GET,
            "/v1/projects",
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("keyscope.db").display()
    ))
    .await
    .expect("database opens");
    let period_start = keyscope_server::store::millis(
        keyscope_model::limits::billing_period(chrono::Utc::now()).0,
    );
    let mut any_used = false;
    for project in projects["data"].as_array().expect("projects") {
        let id = project["id"].as_str().expect("id");
        let quota: serde_json::Value = app
            .call(
                As::Console(&owner),
                reqwest::Method::GET,
                &format!("/v1/projects/{id}/quota"),
                None,
            )
            .await
            .json()
            .await
            .expect("json");
        let admitted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM requests WHERE project_id = $1 AND occurred_at >= $2
               AND outcome <> 'rate_limited'",
        )
        .bind(id)
        .bind(period_start)
        .fetch_one(&pool)
        .await
        .expect("count");
        assert_eq!(quota["data"]["used"], admitted, "{id}");
        any_used |= admitted > 0;
    }
    assert!(any_used, "the demo shows some use this period");
}

#[tokio::test]
async fn the_web_app_is_sent_gzipped_and_the_api_is_not() {
    let (app, _data) = spawn_app().await;
    let script = "export function render() { return 'keyscope'; }\n".repeat(200);
    std::fs::write(app.web_dir().join("app.js"), &script).expect("app.js written");
    let client = reqwest::Client::new();
    let web = client
        .get(format!("{}/app.js", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("answered");
    assert_eq!(web.status(), 200);
    assert_eq!(web.headers()["content-encoding"], "gzip");
    let sent = web.bytes().await.expect("body").len();
    assert!(
        sent * 10 < script.len(),
        "{sent} bytes sent for {}",
        script.len()
    );

    let api = client
        .get(format!("{}/healthz", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("answered");
    assert!(api.headers().get("content-encoding").is_none());
}
