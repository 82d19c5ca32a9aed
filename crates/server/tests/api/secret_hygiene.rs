//! The real binary, with verbose logs in either format: after creation a
//! key's secret is in no database file, no log line and no API response; a
//! Project Key is in no database file (it is sealed) and no log line; the
//! owner's password, a session token and a CSRF token are in no log line.

use crate::binary::{send_json, Binary};
use crate::helpers::eventually;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_secret_appears_nowhere_after_it_is_created() {
    secrets_appear_nowhere("text").await;
}

#[tokio::test]
async fn a_secret_appears_nowhere_in_json_logs_either() {
    secrets_appear_nowhere("json").await;
}

async fn secrets_appear_nowhere(log_format: &str) {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let server = Binary::start_with(data.path(), "trace", &["--log-format", log_format]).await;
    let address = server.address.clone();
    let (console, csrf) = server.owner().await;
    // A second session, its token taken from the cookie, and used.
    let signed_in = reqwest::Client::new()
        .post(format!("{address}/v1/session"))
        .json(&json!({ "email": server.owner_email, "password": server.owner_password }))
        .send()
        .await
        .expect("signed in");
    let session_token = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("ks_session="))
        .and_then(|cookie| cookie.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let me = reqwest::Client::new()
        .get(format!("{address}/v1/me"))
        .header("Cookie", format!("ks_session={session_token}"))
        .send()
        .await
        .expect("sent");
    assert!(
        me.text().await.expect("me").contains(&server.owner_email),
        "the session token works"
    );
    let created = send_json(
        console.post(format!("{address}/v1/keys")),
        &csrf,
        json!({ "name": "secret keeper", "scopes": ["admin"] }),
    )
    .await;
    let secret = created["data"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let id = created["data"]["key"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Use the key the ways a client would, and read it back every way.
    let mut answers = String::new();
    let plain = reqwest::Client::new();
    for (method, path) in [
        (Method::GET, "/v1/keys".to_owned()),
        (Method::GET, format!("/v1/keys/{id}")),
    ] {
        let by_key = plain
            .request(method.clone(), format!("{address}{path}"))
            .bearer_auth(&secret)
            .send()
            .await
            .expect("sent");
        assert_eq!(by_key.status(), 200);
        answers.push_str(&by_key.text().await.expect("body"));
        let by_console = console
            .request(method, format!("{address}{path}"))
            .send()
            .await
            .expect("sent");
        answers.push_str(&by_console.text().await.expect("body"));
    }
    let project = send_json(
        console.post(format!("{address}/v1/projects")),
        &csrf,
        json!({ "name": "hygiene" }),
    )
    .await;
    let project_key = project["data"]["credentials"]["project_key"]
        .as_str()
        .expect("project key")
        .to_owned();
    let verify = plain
        .post(format!("{address}/v1/keys/verify"))
        .bearer_auth(&project_key)
        .json(&json!({ "key": secret }))
        .send()
        .await
        .expect("verified");
    assert_eq!(verify.status(), 200);
    answers.push_str(&verify.text().await.expect("body"));
    assert!(answers.contains(&id), "the answers are about the key");
    assert!(
        answers.contains("\"valid\":true"),
        "verify accepted the key: {answers}"
    );

    // Let the last-used writer write (its transaction is in the database
    // files searched below), then stop the server as an operator would.
    eventually(
        "the key's last use to be written",
        Duration::from_secs(5),
        || async {
            let key: serde_json::Value = console
                .get(format!("{address}/v1/keys/{id}"))
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("the key");
            (!key["data"]["last_used_at"].is_null()).then_some(())
        },
    )
    .await;
    let (stdout_path, stderr_path, data_dir) = (
        server.stdout_path.clone(),
        server.stderr_path.clone(),
        server.data_dir.clone(),
    );
    let password = server.owner_password.clone();
    let exited = server.terminate();
    assert!(exited.success(), "graceful shutdown: {exited:?}");

    let logs = std::fs::read_to_string(&stderr_path).expect("log");
    assert!(
        logs.contains("key created"),
        "the log is verbose enough to matter"
    );
    assert!(!logs.contains(&secret), "secret in the log");
    assert!(!logs.contains(&project_key), "Project Key in the log");
    assert!(!logs.contains(&password), "password in the log");
    assert!(!logs.contains(&session_token), "session token in the log");
    assert!(!logs.contains(&csrf), "CSRF token in the log");
    if log_format == "json" {
        for line in logs.lines() {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
            assert!(parsed.is_ok(), "not JSON: {line}");
        }
    }
    assert!(!answers.contains(&secret), "secret in an API answer");
    let stdout = std::fs::read_to_string(&stdout_path).expect("stdout");
    assert!(!stdout.contains(&secret), "secret on stdout");
    for entry in std::fs::read_dir(&data_dir).expect("data directory") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("database file");
        assert!(
            !bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "secret in {}",
            path.display()
        );
    }
}
