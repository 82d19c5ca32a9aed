//! Inputs crafted the way a hostile client would: bodies that never finish,
//! JSON declared in another charset, control characters in an e-mail.

use crate::helpers::{error_of, spawn_app, spawn_app_with_timeouts, As};
use keyscope_model::ErrorCode;
use keyscope_server::configuration::ClientTimeouts;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends a JSON request's head and the first bytes of a body it promises
/// to be 100 bytes long, and never the rest.
async fn unfinished_body(address: &str) -> tokio::net::TcpStream {
    let mut socket = tokio::net::TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .expect("connects");
    socket
        .write_all(
            b"POST /v1/session HTTP/1.1\r\nHost: keyscope\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .expect("head and a bit of body sent");
    socket
}

/// What the server sends until it closes, and how long that took.
async fn answer_and_close(mut socket: tokio::net::TcpStream) -> (Duration, String) {
    let started = Instant::now();
    let mut received = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the connection was still open after 20 s");
    (
        started.elapsed(),
        String::from_utf8_lossy(&received).into_owned(),
    )
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_408_within_the_client_timeout() {
    let (app, _data) = spawn_app_with_timeouts(ClientTimeouts {
        request_head: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let (waited, answer) = answer_and_close(unfinished_body(&app.address).await).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"REQUEST_TIMEOUT\""), "{answer}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "answered after {waited:?}"
    );
}

/// A shutdown waits for answers in flight; one whose body never comes must
/// not make it wait the whole grace period (30 s here).
#[tokio::test]
async fn a_shutdown_does_not_wait_for_a_body_that_never_finishes() {
    let (app, _data) = spawn_app().await;
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("connects");
    // Pipelined behind a call that is answered, so once that answer is
    // read the server holds the unfinished call's head: the condition to
    // wait on before stopping.
    socket
        .write_all(
            b"GET /healthz HTTP/1.1\r\nHost: keyscope\r\n\r\nPOST /v1/session HTTP/1.1\r\nHost: keyscope\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .expect("sent");
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("{\"status\":\"ok\"}") {
        let mut chunk = [0; 1024];
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut chunk))
            .await
            .expect("the first call is answered")
            .expect("read");
        assert!(read > 0, "closed before the first answer");
        received.extend_from_slice(&chunk[..read]);
    }
    let answer = tokio::spawn(answer_and_close(socket));
    let started = Instant::now();
    app.stop().await;
    let stopped_after = started.elapsed();
    let (_, answer) = answer.await.expect("the reader ran");
    assert!(
        stopped_after < Duration::from_secs(10),
        "the shutdown took {stopped_after:?}"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("shutting down"), "{answer}");
}

#[tokio::test]
async fn json_in_another_charset_is_refused_not_misread() {
    let (app, _data) = spawn_app().await;
    let utf16: Vec<u8> = "{\"email\":\"a@b.example\",\"password\":\"x\"}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    for content_type in [
        "application/json; charset=utf-16",
        "application/json;charset=\"UTF-16LE\"",
        "application/json; charset=latin1",
    ] {
        let response = app
            .client
            .post(format!("{}/v1/session", app.address))
            .header("content-type", content_type)
            .body(utf16.clone())
            .send()
            .await
            .expect("sent");
        let (status, error) = error_of(response).await;
        assert_eq!(
            (status, error.code),
            (415, ErrorCode::UnsupportedMediaType),
            "{content_type}"
        );
        assert!(error.message.contains("UTF-8"), "{}", error.message);
    }
    let plain = app
        .client
        .post(format!("{}/v1/session", app.address))
        .header("content-type", "application/json; charset=UTF-8")
        .body(r#"{"email":"nobody@example.test","password":"wrong"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(plain.status(), 401, "UTF-8 is read as before");
}

#[tokio::test]
async fn an_email_with_a_nul_byte_is_refused_naming_the_field() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let before: serde_json::Value = app
        .call(As::Console(&owner), Method::GET, "/v1/users", None)
        .await
        .json()
        .await
        .expect("users");
    for email in [
        "ann\u{0}@example.com",
        "ann@example.com\u{0}",
        "ann@exa\u{1b}mple.com",
    ] {
        let response = app
            .call(
                As::Console(&owner),
                Method::POST,
                "/v1/users",
                Some(json!({ "email": email, "role": "member" })),
            )
            .await;
        let (status, error) = error_of(response).await;
        assert_eq!((status, error.code), (400, ErrorCode::ValidationError));
        assert_eq!(error.details.expect("details")["field"], "email");
    }
    let after: serde_json::Value = app
        .call(As::Console(&owner), Method::GET, "/v1/users", None)
        .await
        .json()
        .await
        .expect("users");
    assert_eq!(before, after, "nothing was added");
}
