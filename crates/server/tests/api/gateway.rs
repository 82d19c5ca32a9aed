//! The gateway against a real upstream started by the test: what is
//! forwarded and what is not, scopes by method, streaming both ways, and a
//! slow, a failing and a plain-HTTP case.

use crate::helpers::{
    error_of, eventually, request_id_of, spawn_app, spawn_app_with_timeouts, spawn_with, As,
    ConsoleUser, SpawnOptions, TestApp,
};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request};
use axum::http::HeaderMap;
use axum::routing::{any, get, post};
use axum::{Json, Router};
use keyscope_model::{ErrorCode, ProjectCredentials};
use keyscope_server::http::GatewaySettings;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A test upstream's base URL, and how many calls have reached it.
struct Upstream {
    url: String,
    calls: Arc<AtomicUsize>,
}

impl Upstream {
    /// Calls the upstream received so far, answered or not: a test that the
    /// gateway refuses a call before the upstream sees it reads this.
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// A small upstream: echoes what it received, counts uploads, streams
/// downloads (one without end), and can be slow. Every call it receives is
/// counted (see [`Upstream::calls`]).
async fn start_upstream() -> Upstream {
    async fn echo(request: Request) -> Json<Value> {
        let headers: serde_json::Map<String, Value> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or_default())))
            .collect();
        Json(json!({
            "method": request.method().as_str(),
            "path": request.uri().path(),
            "query": request.uri().query(),
            "headers": headers,
        }))
    }
    async fn upload(body: Bytes) -> Json<Value> {
        Json(json!({ "received": body.len() }))
    }
    async fn download(Path(bytes): Path<usize>) -> Body {
        let chunks = (0..bytes.div_ceil(65_536)).map(move |index| {
            let size = (bytes - index * 65_536).min(65_536);
            Ok::<_, std::io::Error>(Bytes::from(vec![b'k'; size]))
        });
        Body::from_stream(futures_util::stream::iter(chunks))
    }
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "finally"
    }
    /// A line every 100 ms, never ending.
    async fn endless() -> Body {
        Body::from_stream(futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"tick\n")), ()))
        }))
    }
    async fn teapot(
        headers: HeaderMap,
    ) -> (
        axum::http::StatusCode,
        [(&'static str, &'static str); 2],
        String,
    ) {
        let _ = headers;
        (
            axum::http::StatusCode::IM_A_TEAPOT,
            [("x-upstream", "yes"), ("connection", "close")],
            "short and stout".to_owned(),
        )
    }
    let app = Router::new()
        .route("/api/upload", post(upload))
        .route("/api/download/{bytes}", get(download))
        .route("/api/slow", get(slow))
        .route("/api/endless", get(endless))
        .route("/api/teapot", get(teapot))
        .route("/api/{*rest}", any(echo))
        .layer(axum::extract::DefaultBodyLimit::disable());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = app.layer(axum::middleware::from_fn(
        move |request: Request, next: axum::middleware::Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            next.run(request)
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("upstream binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Upstream {
        url: format!("http://{address}/api"),
        calls,
    }
}

struct Gateway {
    credentials: ProjectCredentials,
    reader: String,
    writer: String,
}

async fn gateway_to(app: &TestApp, owner: &ConsoleUser, upstream: &str) -> Gateway {
    let credentials = app.create_project(owner, "Proxied").await;
    let response = app
        .call(
            As::Console(owner),
            Method::PATCH,
            &format!("/v1/projects/{}", credentials.project_id),
            Some(json!({ "upstream_url": upstream })),
        )
        .await;
    assert_eq!(response.status(), 200);
    let key = |name: &str, scopes: Value| {
        let body = json!({ "name": name, "scopes": scopes, "project_id": credentials.project_id, "plan": "pro" });
        async move { app.create_key(owner, body).await.secret }
    };
    let reader = key("reader", json!(["read"])).await;
    let writer = key("writer", json!(["read", "write"])).await;
    Gateway {
        credentials,
        reader,
        writer,
    }
}

impl Gateway {
    fn url(&self, app: &TestApp, path: &str) -> String {
        format!("{}/gateway/{}{path}", app.address, self.credentials.api_id)
    }
}

#[tokio::test]
async fn calls_are_forwarded_without_the_key_or_hop_by_hop_headers() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let gateway = gateway_to(&app, &owner, &start_upstream().await.url).await;
    let response = app
        .client
        .get(gateway.url(&app, "/things/7?colour=red&size=2"))
        .header("x-api-key", &gateway.reader)
        .header("connection", "x-private")
        .header("x-private", "hop")
        .header("x-custom", "kept")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let request_id = request_id_of(&response);
    assert_eq!(response.headers()["x-ratelimit-limit"], "300");
    let seen: Value = response.json().await.expect("echo");
    assert_eq!(seen["method"], "GET");
    assert_eq!(seen["path"], "/api/things/7");
    assert_eq!(seen["query"], "colour=red&size=2");
    let headers = &seen["headers"];
    assert_eq!(headers["x-custom"], "kept");
    assert_eq!(headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(
        headers["x-forwarded-host"],
        app.address.trim_start_matches("http://")
    );
    assert_eq!(headers["x-request-id"], request_id.as_str());
    for absent in ["x-api-key", "authorization", "x-private"] {
        assert!(
            headers.get(absent).is_none(),
            "{absent} was forwarded: {headers}"
        );
    }
    assert!(
        !headers.to_string().contains(&gateway.reader),
        "the key never reaches the upstream"
    );
}

/// A proxy passes the path on as the caller wrote it: decoded, `a%20b`
/// would not be a valid URI. An encoded separator is refused rather than
/// passed on: nginx decodes `%2F` into one, so the upstream would see other
/// segments than the scope was checked on (issue #15).
#[tokio::test]
async fn encoded_paths_reach_the_upstream_as_sent() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let gateway = gateway_to(&app, &owner, &start_upstream().await.url).await;
    let separator = app
        .client
        .get(gateway.url(&app, "/files/dir%2Fname"))
        .header("x-api-key", &gateway.reader)
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(separator).await;
    assert_eq!((status, error.code), (400, ErrorCode::ValidationError));
    assert_eq!(error.details.expect("details")["field"], "path");
    for (path, forwarded) in [
        ("/files/a%20b?q=%C3%A9", "/api/files/a%20b"),
        ("/%66iles/caf%C3%A9/", "/api/%66iles/caf%C3%A9/"),
    ] {
        let response = app
            .client
            .get(gateway.url(&app, path))
            .header("x-api-key", &gateway.reader)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{path}");
        let seen: Value = response.json().await.expect("echo");
        assert_eq!(seen["path"], forwarded, "{path}");
    }
}

/// Written on a raw socket: HTTP clients resolve `..` before sending.
#[tokio::test]
async fn dot_segments_are_refused_before_the_upstream() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let upstream = start_upstream().await;
    let gateway = gateway_to(&app, &owner, &upstream.url).await;
    for path in ["/things/../teapot", "/things/%2E%2e/teapot", "/./teapot"] {
        let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
            .await
            .expect("connected");
        let request = format!(
            "GET /gateway/{}{path} HTTP/1.1\r\nHost: test\r\nx-api-key: {}\r\nConnection: close\r\n\r\n",
            gateway.credentials.api_id, gateway.reader
        );
        stream.write_all(request.as_bytes()).await.expect("sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("answer");
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        assert!(
            answer.contains("\"code\":\"VALIDATION_ERROR\""),
            "{path}: {answer}"
        );
        assert!(answer.contains("\"field\":\"path\""), "{path}: {answer}");
        assert!(!answer.contains("short and stout"), "{path}: {answer}");
    }
    assert_eq!(upstream.calls(), 0, "no refused call reached the upstream");
    let admitted = app
        .client
        .get(gateway.url(&app, "/teapot"))
        .header("x-api-key", &gateway.reader)
        .send()
        .await
        .expect("sent");
    assert_eq!(admitted.status(), 418);
    assert_eq!(upstream.calls(), 1, "an admitted call is counted");
}

#[tokio::test]
async fn upstream_answers_come_back_as_they_are_minus_hop_by_hop_headers() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let gateway = gateway_to(&app, &owner, &start_upstream().await.url).await;
    let response = app
        .client
        .get(gateway.url(&app, "/teapot"))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 418);
    assert_eq!(response.headers()["x-upstream"], "yes");
    assert!(response
        .headers()
        .get("connection")
        .is_none_or(|value| value != "close"));
    assert_eq!(response.text().await.expect("body"), "short and stout");
}

#[tokio::test]
async fn methods_need_their_scopes() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let upstream = start_upstream().await;
    let gateway = gateway_to(&app, &owner, &upstream.url).await;
    for (method, key, status) in [
        (Method::GET, &gateway.reader, 200),
        (Method::HEAD, &gateway.reader, 200),
        (Method::POST, &gateway.reader, 403),
        (Method::PUT, &gateway.reader, 403),
        (Method::PATCH, &gateway.writer, 200),
        (Method::DELETE, &gateway.writer, 403),
    ] {
        let response = app
            .client
            .request(method.clone(), gateway.url(&app, "/items/1"))
            .bearer_auth(key)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), status, "{method}");
        if status == 403 {
            let (_, error) = error_of(response).await;
            assert_eq!(error.code, ErrorCode::InsufficientScope);
            assert!(error.details.expect("details")["required_scope"]
                .as_str()
                .expect("scope")
                .ends_with(":items"));
        }
    }
    assert_eq!(
        upstream.calls(),
        3,
        "the three admitted calls reached the upstream, no refused one"
    );
}

#[tokio::test]
async fn bodies_stream_both_ways() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let gateway = gateway_to(&app, &owner, &start_upstream().await.url).await;
    let five_megabytes = vec![b'x'; 5 * 1024 * 1024];
    let uploaded: Value = app
        .client
        .post(gateway.url(&app, "/upload"))
        .bearer_auth(&gateway.writer)
        .body(five_megabytes)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        uploaded["received"],
        5 * 1024 * 1024,
        "past the API's 64 KiB JSON limit"
    );
    let downloaded = app
        .client
        .get(gateway.url(&app, "/download/5000000"))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    assert_eq!(downloaded.len(), 5_000_000);
}

#[tokio::test]
async fn strangers_are_refused_before_the_upstream() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let upstream = start_upstream().await;
    let gateway = gateway_to(&app, &owner, &upstream.url).await;
    let other = app.create_project(&owner, "Other").await;
    let foreign = app
        .create_key(
            &owner,
            json!({ "name": "foreign", "project_id": other.project_id }),
        )
        .await;

    let no_key = app
        .client
        .get(gateway.url(&app, "/x"))
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(no_key).await;
    assert_eq!((status, error.code), (401, ErrorCode::MissingApiKey));
    let wrong_project = app
        .client
        .get(gateway.url(&app, "/x"))
        .bearer_auth(&foreign.secret)
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(wrong_project).await;
    assert_eq!(
        (status, error.code),
        (401, ErrorCode::InvalidApiKey),
        "another project's key looks unknown"
    );
    let unknown = app
        .client
        .get(format!("{}/gateway/api_nope/x", app.address))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(unknown).await;
    assert_eq!((status, error.code), (404, ErrorCode::NotFound));
    assert_eq!(upstream.calls(), 0, "no refused call reached the upstream");

    let admitted = app
        .client
        .get(gateway.url(&app, "/x"))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent");
    assert_eq!(admitted.status(), 200);
    assert_eq!(upstream.calls(), 1, "an admitted call is counted");
}

#[tokio::test]
async fn slow_and_failing_upstreams_get_504_and_502() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions {
        gateway: GatewaySettings {
            timeout: Duration::from_secs(1),
            require_https: false,
        },
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    let owner = app.owner().await;
    let gateway = gateway_to(&app, &owner, &start_upstream().await.url).await;
    let slow = app
        .client
        .get(gateway.url(&app, "/slow"))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(slow).await;
    assert_eq!((status, error.code), (504, ErrorCode::GatewayTimeout));

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address");
    let dead = gateway_to(&app, &owner, &format!("http://{closed}")).await;
    let failed = app
        .client
        .get(dead.url(&app, "/x"))
        .bearer_auth(&dead.reader)
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(failed).await;
    assert_eq!((status, error.code), (502, ErrorCode::BadGateway));
}

/// A shutdown lets answers in flight finish, but not for ever: an answer
/// still streaming when the grace is over is cut off, and the server stops.
#[tokio::test]
async fn shutdown_cuts_off_answers_still_streaming_after_the_grace() {
    let (app, _data) = spawn_app_with_timeouts(keyscope_server::configuration::ClientTimeouts {
        shutdown_grace: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let owner = app.owner().await;
    let gateway = gateway_to(&app, &owner, &start_upstream().await.url).await;
    let mut endless = app
        .client
        .get(gateway.url(&app, "/endless"))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent");
    assert_eq!(endless.status(), 200);
    assert!(endless.chunk().await.expect("a first line").is_some());
    let stopped = tokio::time::timeout(Duration::from_secs(10), app.stop()).await;
    assert!(
        stopped.is_ok(),
        "the server still waited on the endless answer after 10 s"
    );
    let ending = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match endless.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => break "complete",
                Err(_) => break "cut off",
            }
        }
    })
    .await
    .expect("the answer ended once the server stopped");
    assert_eq!(ending, "cut off", "not passed off as a complete answer");
}

#[tokio::test]
async fn plain_http_is_refused_where_https_is_required() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions {
        gateway: GatewaySettings {
            require_https: true,
            ..GatewaySettings::default()
        },
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    let owner = app.owner().await;
    let upstream = start_upstream().await;
    let gateway = gateway_to(&app, &owner, &upstream.url).await;
    let plain = app
        .client
        .get(gateway.url(&app, "/x"))
        .bearer_auth(&gateway.reader)
        .send()
        .await
        .expect("sent");
    let (status, error) = error_of(plain).await;
    assert_eq!((status, error.code), (403, ErrorCode::HttpsRequired));
    assert_eq!(upstream.calls(), 0, "refused before the upstream");
    let behind_tls = app
        .client
        .get(gateway.url(&app, "/x"))
        .bearer_auth(&gateway.reader)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("sent");
    assert_eq!(behind_tls.status(), 200);
    assert_eq!(upstream.calls(), 1);
    let seen: Value = behind_tls.json().await.expect("echo");
    assert_eq!(seen["headers"]["x-forwarded-proto"], "https");
}

/// An upstream that keeps connections open between calls until the test
/// tells it to close the idle ones, as a server with a short keep-alive does
/// when its timeout passes, and counts the connections it accepts and
/// closes. It answers `ok`, or no body at all to HEAD and to `…/empty`.
/// Closing on the test's word, not after a time, leaves no race between the
/// test's calls and the upstream's timer.
struct KeepAliveUpstream {
    url: String,
    accepted: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    close_idle: tokio::sync::watch::Sender<()>,
}

impl KeepAliveUpstream {
    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }

    /// Closes every connection waiting for its next request now.
    fn close_idle_connections(&self) {
        self.close_idle.send_replace(());
    }
}

async fn start_keep_alive_upstream() -> KeepAliveUpstream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::watch;

    /// Answers requests until the other side goes or `close_idle` says so
    /// while it waits for a request; the socket is dropped on return.
    async fn answer_until_closed(mut socket: TcpStream, mut close_idle: watch::Receiver<()>) {
        let mut buffer = [0_u8; 8192];
        loop {
            // One request head (the test sends requests without bodies).
            let mut head = Vec::new();
            while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                tokio::select! {
                    read = socket.read(&mut buffer) => match read {
                        Ok(count) if count > 0 => head.extend_from_slice(&buffer[..count]),
                        _ => return,
                    },
                    _ = close_idle.changed() => return,
                }
            }
            // Answers without a body: HEAD's (its length, no bytes) and a 204.
            let answer: &[u8] = if head.starts_with(b"HEAD ") {
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n"
            } else if head.windows(6).any(|window| window == b"/empty") {
                b"HTTP/1.1 204 No Content\r\n\r\n"
            } else {
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
            };
            if socket.write_all(answer).await.is_err() {
                return;
            }
        }
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("upstream binds");
    let address = listener.local_addr().expect("address");
    let (close_idle, close_requests) = watch::channel(());
    let upstream = KeepAliveUpstream {
        url: format!("http://{address}/api"),
        accepted: Arc::new(AtomicUsize::new(0)),
        closed: Arc::new(AtomicUsize::new(0)),
        close_idle,
    };
    let (accepted, closed) = (upstream.accepted.clone(), upstream.closed.clone());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            accepted.fetch_add(1, Ordering::SeqCst);
            // Only a request to close made after this connection came in
            // closes it.
            let mut close_idle = close_requests.clone();
            close_idle.borrow_and_update();
            let closed = closed.clone();
            tokio::spawn(async move {
                answer_until_closed(socket, close_idle).await;
                closed.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    upstream
}

#[tokio::test]
async fn upstream_connections_are_reused_and_one_the_upstream_closed_is_replaced() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let upstream = start_keep_alive_upstream().await;
    let gateway = gateway_to(&app, &owner, &upstream.url).await;
    let call = || async {
        let response = app
            .client
            .get(gateway.url(&app, "/ping"))
            .header("x-api-key", &gateway.reader)
            .send()
            .await
            .expect("sent");
        (response.status(), response.text().await.expect("body"))
    };
    assert_eq!(call().await, (reqwest::StatusCode::OK, "ok".to_owned()));
    assert_eq!(call().await, (reqwest::StatusCode::OK, "ok".to_owned()));
    assert_eq!(
        upstream.accepted(),
        1,
        "the second call reuses the connection"
    );

    // The upstream closes the idle connection; the next call still gets
    // through, on a new one, rather than failing with 502.
    upstream.close_idle_connections();
    eventually(
        "the upstream to close the idle connection",
        Duration::from_secs(5),
        || async { (upstream.closed() == 1).then_some(()) },
    )
    .await;
    assert_eq!(call().await, (reqwest::StatusCode::OK, "ok".to_owned()));
    assert_eq!(upstream.accepted(), 2);
}

#[tokio::test]
async fn answers_without_a_body_free_their_upstream_connection_at_once() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let upstream = start_keep_alive_upstream().await;
    let gateway = gateway_to(&app, &owner, &upstream.url).await;
    // No body is read from these answers, so nothing drives their
    // connection to its end: it must go back to the pool when the head
    // arrives, or each call after them opens a new one.
    let call = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, gateway.url(&app, path))
            .header("x-api-key", &gateway.reader)
            .send()
    };
    for _ in 0..2 {
        let head = call(reqwest::Method::HEAD, "/ping").await.expect("sent");
        assert_eq!(head.status(), 200);
        assert_eq!(head.headers()["content-length"], "2");
        let empty = call(reqwest::Method::GET, "/empty").await.expect("sent");
        assert_eq!(empty.status(), 204);
    }
    assert_eq!(
        upstream.accepted(),
        1,
        "all four calls went over one upstream connection"
    );
}

/// A server error is logged as an error line naming the call's request id,
/// so an operator can find what a caller reports; here a gateway call whose
/// upstream is not listening (502), through the real binary's log.
#[tokio::test]
async fn a_server_error_is_logged_with_its_request_id() {
    use crate::binary::send_json;
    let data = tempfile::TempDir::new().expect("temporary directory");
    let server = crate::binary::Binary::start(data.path(), "warn").await;
    let address = server.address.clone();
    let (console, csrf) = server.owner().await;
    let api_id = server.project_with_a_gone_upstream(&console, &csrf).await;
    let created = send_json(
        console.post(format!("{address}/v1/keys")),
        &csrf,
        json!({ "name": "caller", "scopes": ["read"] }),
    )
    .await;
    let secret = created["data"]["secret"].as_str().expect("secret");

    let failed = reqwest::Client::new()
        .get(format!("{address}/gateway/{api_id}/items"))
        .bearer_auth(secret)
        .send()
        .await
        .expect("sent");
    let request_id = request_id_of(&failed);
    let (status, error) = error_of(failed).await;
    assert_eq!((status, error.code), (502, ErrorCode::BadGateway));

    let (stdout_path, stderr_path) = (server.stdout_path.clone(), server.stderr_path.clone());
    assert!(server.terminate().success(), "graceful shutdown");
    let logs = std::fs::read_to_string(stderr_path).expect("log")
        + &std::fs::read_to_string(stdout_path).expect("stdout");
    // Other lines of the call (the gateway's warning) carry its id too.
    let line = logs
        .lines()
        .find(|line| line.contains(&request_id) && line.contains("server error"))
        .unwrap_or_else(|| panic!("no log line names {request_id}: {logs}"));
    assert!(
        line.contains("ERROR") && line.contains("server error") && line.contains("502"),
        "an error line with the status: {line}"
    );
}
