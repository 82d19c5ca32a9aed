//! The real binary's log as JSON (`--log-format json`): every line an
//! object, and each line logged while a request is answered carries its
//! request id.

use crate::binary::Binary;
use crate::helpers::request_id_of;
use serde_json::{json, Value};

/// The `span.request_id` of a JSON log line.
fn request_id_in(line: &Value) -> Option<&str> {
    line["span"]["request_id"].as_str()
}

#[tokio::test]
async fn json_lines_carry_the_request_id_of_the_request_they_were_logged_for() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let server = Binary::start_with(data.path(), "info", &["--log-format", "json"]).await;
    let address = server.address.clone();
    let (console, csrf) = server.owner().await;

    let created = console
        .post(format!("{address}/v1/keys"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({ "name": "logged", "scopes": ["read"] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), 201);
    let creation = request_id_of(&created);
    let secret = created.json::<Value>().await.expect("created")["data"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();

    // A gateway call whose upstream is gone: a warning from the gateway and
    // the 5xx error line, both inside the request.
    let api_id = server.project_with_a_gone_upstream(&console, &csrf).await;
    let failed = reqwest::Client::new()
        .get(format!("{address}/gateway/{api_id}/items"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("sent");
    assert_eq!(failed.status(), 502);
    let gateway_call = request_id_of(&failed);

    let stderr_path = server.stderr_path.clone();
    assert!(server.terminate().success(), "graceful shutdown");
    let log = std::fs::read_to_string(stderr_path).expect("log");
    let lines: Vec<Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
        })
        .collect();
    let find = |message: &str| {
        lines
            .iter()
            .find(|line| line["message"] == message)
            .unwrap_or_else(|| panic!("no line `{message}` in {log}"))
    };

    let key_created = find("key created");
    assert_eq!(key_created["level"], "INFO");
    assert_eq!(request_id_in(key_created), Some(creation.as_str()));
    let upstream_failed = find("gateway: upstream failed");
    assert_eq!(upstream_failed["level"], "WARN");
    assert_eq!(request_id_in(upstream_failed), Some(gateway_call.as_str()));
    let server_error = find("answered with a server error");
    assert_eq!(server_error["level"], "ERROR");
    assert_eq!(server_error["status"], 502);
    assert_eq!(request_id_in(server_error), Some(gateway_call.as_str()));
    // Lines outside any request carry none.
    assert_eq!(request_id_in(find("shutting down")), None);
    assert!(!log.contains(&secret), "secret in the log");
}
