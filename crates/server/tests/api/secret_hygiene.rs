//! The real binary, with verbose logs: after creation a key's secret is in
//! no database file, no log line and no API response; a Project Key is in no
//! database file (it is sealed) and no log line.

use reqwest::Method;
use serde_json::{json, Value};
use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_secret_appears_nowhere_after_it_is_created() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let stdout_path = data.path().join("stdout.log");
    let stderr_path = data.path().join("stderr.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path().join("db"))
        .arg("--web-dir")
        .arg(data.path())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::from(
            File::create(&stdout_path).expect("stdout file"),
        ))
        .stderr(Stdio::from(
            File::create(&stderr_path).expect("stderr file"),
        ))
        .spawn()
        .expect("server starts");

    let started = Instant::now();
    let stdout = loop {
        let text = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        if text.contains("listening on") {
            break text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let field = |label: &str| {
        stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|value| value.trim().trim_end_matches(')').to_owned())
            .expect(label)
    };
    let address = field("keyscope: listening on")
        .split_whitespace()
        .next()
        .expect("address")
        .to_owned();
    let (email, password) = (field("email:"), field("password:"));

    let console = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let me: Value = console
        .post(format!("{address}/v1/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("signed in")
        .json()
        .await
        .expect("me");
    let csrf = me["data"]["csrf_token"].as_str().expect("csrf").to_owned();
    let created: Value = console
        .post(format!("{address}/v1/keys"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({ "name": "secret keeper", "scopes": ["admin"] }))
        .send()
        .await
        .expect("created")
        .json()
        .await
        .expect("created key");
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
    let project: Value = console
        .post(format!("{address}/v1/projects"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({ "name": "hygiene" }))
        .send()
        .await
        .expect("project created")
        .json()
        .await
        .expect("project");
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

    // Let the last-used writer run, then stop the server as an operator would.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("signalled");
    let exited = server.wait().expect("server exits");
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
    for entry in std::fs::read_dir(data.path().join("db")).expect("data directory") {
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
