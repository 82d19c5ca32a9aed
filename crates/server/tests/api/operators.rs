//! The operator commands, run as the real binary on a real data directory.

use crate::helpers::{error_of, spawn_with, SpawnOptions};
use std::process::Command;

/// Runs the binary off the test's runtime thread: a server started by the
/// test must keep running (and finish its transactions) meanwhile.
async fn keyscope(data_dir: &std::path::Path, args: &[&str]) -> String {
    let data_dir = data_dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || run_keyscope(&data_dir, &args))
        .await
        .expect("command ran")
}

fn run_keyscope(data_dir: &std::path::Path, args: &[String]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("keyscope runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn value_after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.split_once(label).map(|(_, value)| value.trim()))
        .expect(label)
}

#[tokio::test]
async fn operators_add_users_and_create_list_and_revoke_keys() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    spawn_with(SpawnOptions::new(false, data.path()))
        .await
        .stop()
        .await;

    let added = keyscope(
        data.path(),
        &[
            "users",
            "add",
            "--email",
            "Ops@Example.test",
            "--role",
            "admin",
        ],
    )
    .await;
    let password = value_after(&added, "password (shown only this once):").to_owned();
    let created = keyscope(
        data.path(),
        &[
            "keys",
            "create",
            "--name",
            "ci",
            "--scopes",
            "read write:keys",
        ],
    )
    .await;
    let secret = value_after(&created, "secret (shown only this once):").to_owned();
    let id = value_after(&created, "created")
        .split_whitespace()
        .next()
        .expect("id")
        .to_owned();
    let listed = keyscope(data.path(), &["keys", "list"]).await;
    assert!(
        listed.contains(&id) && listed.contains("Active"),
        "{listed}"
    );
    assert!(!listed.contains(&secret));

    let app = spawn_with(SpawnOptions::new(false, data.path())).await;
    let admin = app
        .sign_in("ops@example.test", &password)
        .await
        .expect("the added user signs in");
    assert_eq!(admin.me.role, keyscope_model::Role::Admin);
    assert_eq!(app.list_keys_with(&secret).await.status(), 200);

    // Revoked by another process while this server runs and holds the key in
    // its cache: refused once the cached entry ages out.
    keyscope(data.path(), &["keys", "revoke", &id]).await;
    let revoked_at = std::time::Instant::now();
    let refused = loop {
        let response = app.list_keys_with(&secret).await;
        if response.status() != 200 {
            break response;
        }
        assert!(
            revoked_at.elapsed()
                < keyscope_server::service::cache::MAX_AGE + std::time::Duration::from_secs(1),
            "still 200 after the cache's age limit"
        );
        // Not helpers::eventually's 20 ms: each call counts against the
        // key's Free minute limit, which faster polling would reach first.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let (status, error) = error_of(refused).await;
    assert_eq!(
        (status, error.code),
        (401, keyscope_model::ErrorCode::KeyRevoked)
    );
    app.stop().await;
}

#[test]
fn a_bad_worker_count_or_timeout_is_refused_naming_the_setting() {
    let data = tempfile::tempdir().expect("temporary directory");
    for (setting, value) in [
        ("--workers", "0"),
        ("--workers", "many"),
        ("--client-timeout-seconds", "0"),
        ("--client-timeout-seconds", "soon"),
        ("--shutdown-grace-seconds", "soon"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_keyscope"))
            .args(["serve", "--listen", "127.0.0.1:0", setting, value])
            .arg("--data-dir")
            .arg(data.path())
            .env("RUST_LOG", "warn")
            .output()
            .expect("keyscope runs");
        assert!(!output.status.success(), "{setting} {value} was accepted");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(
            error.contains(setting) && error.contains(value),
            "the error names the setting and the value: {error}"
        );
    }
    // The environment variable is read the same way.
    let output = Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data.path())
        .env("KEYSCOPE_WORKERS", "0")
        .env("RUST_LOG", "warn")
        .output()
        .expect("keyscope runs");
    assert!(!output.status.success(), "KEYSCOPE_WORKERS=0 was accepted");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--workers"));
}
