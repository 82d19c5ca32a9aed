//! The real binary, with verbose logs: after creation a key's secret is in
//! no database file, no log line and no API response; a Project Key is in no
//! database file (it is sealed) and no log line.

use crate::binary::{send_json, Binary};
use crate::helpers::eventually;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_secret_appears_nowhere_after_it_is_created() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let server = Binary::start(data.path(), "trace").await;
    let address = server.address.clone();
    let (console, csrf) = server.owner().await;
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
    let exited = server.terminate();
    assert!(exited.success(), "graceful shutdown: {exited:?}");

    let logs = std::fs::read_to_string(&stderr_path).expect("log");
    assert!(
        logs.contains("key created"),
        "the log is verbose enough to matter"
    );
    assert!(!logs.contains(&secret), "secret in the log");
    assert!(!logs.contains(&project_key), "Project Key in the log");
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
