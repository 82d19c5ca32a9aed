//! The permission model beyond the matrix's statuses: what a confined key
//! sees in lists, the one rule for refused calls, changes that take effect
//! on the next call, and the operator's settings for upstreams and metrics.

use crate::helpers::{error_of, spawn_app, spawn_with, As, SpawnOptions, TestApp};
use keyscope_model::{ErrorCode, KeyQuota, Response};
use reqwest::Method;
use serde_json::{json, Value};

/// An upstream that answers every call with its own name.
async fn named_upstream(name: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("upstream listens");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().fallback(axum::routing::any(move || async move { name }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

async fn data_of(app: &TestApp, who: As<'_>, path: &str) -> Value {
    let response = app.call(who, Method::GET, path, None).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json::<Value>().await.expect("json")["data"].clone()
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item[field].as_str().expect("an id").to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_project_key_lists_only_its_own_project() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let a = app.create_project(&owner, "A").await.project_id;
    let b = app.create_project(&owner, "B").await.project_id;
    let key_in = |project: &str, scopes: Value| {
        let body = json!({ "name": "k", "scopes": scopes, "project_id": project, "plan": "pro" });
        app.create_key(&owner, body)
    };
    let a_admin = key_in(&a, json!(["admin"])).await;
    let a_other = key_in(&a, json!(["read"])).await;
    let b_key = key_in(&b, json!(["read"])).await;
    let wide = app
        .create_key(&owner, json!({ "name": "wide", "scopes": ["read"] }))
        .await;
    // A call by each key, so the log has records of both projects and of
    // a workspace-wide key.
    for secret in [&a_other.secret, &b_key.secret, &wide.secret] {
        assert_eq!(app.list_keys_with(secret).await.status(), 200);
    }
    let a_admin_key = As::Key(&a_admin.secret);

    let keys = data_of(&app, a_admin_key, "/v1/keys").await;
    let mut own = vec![a_admin.key.id.clone(), a_other.key.id.clone()];
    own.sort();
    assert_eq!(ids(&keys, "id"), own, "only project A's keys");
    assert_eq!(
        ids(&data_of(&app, a_admin_key, "/v1/projects").await, "id"),
        std::slice::from_ref(&a)
    );

    // The owner's log holds all three calls once they are written; the
    // confined key's holds only project A's.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let everything = loop {
        let log = data_of(&app, As::Console(&owner), "/v1/requests").await;
        if log.as_array().is_some_and(|records| records.len() >= 3) {
            break log;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the calls never reached the log"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(ids(&everything, "id").len() >= 3);
    let confined = data_of(&app, a_admin_key, "/v1/requests").await;
    let projects: Vec<Value> = confined
        .as_array()
        .expect("records")
        .iter()
        .map(|record| record["project_id"].clone())
        .collect();
    assert!(!projects.is_empty(), "project A's own calls are there");
    assert!(
        projects.iter().all(|project| project == &json!(a)),
        "{projects:?}"
    );
    let usage = data_of(&app, a_admin_key, "/v1/usage").await;
    let owner_usage = data_of(
        &app,
        As::Console(&owner),
        &format!("/v1/usage?project_id={a}"),
    )
    .await;
    assert_eq!(
        usage["totals"], owner_usage["totals"],
        "the project's usage, not the workspace's"
    );
}

/// One rule for refused calls: every call made with a valid key is counted
/// and carries the rate-limit headers, refused or not.
#[tokio::test]
async fn refused_calls_are_counted_and_carry_the_rate_limit_headers() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let project = app.create_project(&owner, "Proxied").await;
    let patched = app
        .call(
            As::Console(&owner),
            Method::PATCH,
            &format!("/v1/projects/{}", project.project_id),
            Some(json!({ "upstream_url": named_upstream("upstream").await })),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let reader = app
        .create_key(
            &owner,
            json!({ "name": "reader", "scopes": ["read:things"], "project_id": project.project_id }),
        )
        .await;
    let quota_path = format!("/v1/keys/{}/quota", reader.key.id);
    let used = || async {
        let quota: Response<KeyQuota> = app
            .call(As::Console(&owner), Method::GET, &quota_path, None)
            .await
            .json()
            .await
            .expect("quota");
        quota.data.day.used
    };
    let before = used().await;
    for (method, path) in [
        (
            Method::DELETE,
            format!("/gateway/{}/things/1", project.api_id),
        ),
        (Method::GET, "/v1/users".to_owned()),
    ] {
        let response = app
            .call(As::Key(&reader.secret), method.clone(), &path, None)
            .await;
        let remaining = response
            .headers()
            .get("x-ratelimit-remaining")
            .map(|value| value.to_str().expect("ascii").to_owned());
        let (status, error) = error_of(response).await;
        assert_eq!(
            (status, error.code),
            (403, ErrorCode::InsufficientScope),
            "{method} {path}"
        );
        assert!(
            remaining.is_some(),
            "{method} {path}: no rate-limit headers"
        );
    }
    assert_eq!(used().await, before + 2, "both refused calls were counted");
}

/// The gateway caches routes; a project's upstream change must not wait
/// for the cache to age out.
#[tokio::test]
async fn a_moved_upstream_takes_the_very_next_call() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let project = app.create_project(&owner, "Moving").await;
    let key = app
        .create_key(
            &owner,
            json!({ "name": "k", "scopes": ["read"], "project_id": project.project_id }),
        )
        .await;
    let url = format!("{}/gateway/{}/things", app.address, project.api_id);
    for name in ["first", "second"] {
        let patched = app
            .call(
                As::Console(&owner),
                Method::PATCH,
                &format!("/v1/projects/{}", project.project_id),
                Some(json!({ "upstream_url": named_upstream(name).await })),
            )
            .await;
        assert_eq!(patched.status(), 200);
        let answer = app
            .client
            .get(&url)
            .bearer_auth(&key.secret)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("text");
        assert_eq!(answer, name);
    }
}

#[tokio::test]
async fn upstreams_may_not_lead_to_metadata_or_unallowed_private_addresses() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions {
        allow_private_upstreams: false,
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    let owner = app.owner().await;
    let project = app.create_project(&owner, "Guarded").await;
    let path = format!("/v1/projects/{}", project.project_id);
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://127.0.0.1:9000/api",
        "http://localhost:9000",
        "http://10.0.0.5:8080",
        "http://[::1]:8080",
        "http://0.0.0.0:8080",
    ] {
        let response = app
            .call(
                As::Console(&owner),
                Method::PATCH,
                &path,
                Some(json!({ "upstream_url": url })),
            )
            .await;
        let (status, error) = error_of(response).await;
        assert_eq!(
            (status, error.code),
            (400, ErrorCode::ValidationError),
            "{url}"
        );
        assert_eq!(
            error.details.expect("details")["field"],
            "upstream_url",
            "{url}"
        );
    }
    let projects = data_of(&app, As::Console(&owner), "/v1/projects").await;
    assert_eq!(
        projects[0]["upstream_url"],
        Value::Null,
        "nothing was stored"
    );
    app.stop().await;

    // Allowed loopback, as the tests' own upstreams are; metadata still not.
    let (lenient, _data) = spawn_app().await;
    let owner = lenient.owner().await;
    let project = lenient.create_project(&owner, "Local").await;
    let path = format!("/v1/projects/{}", project.project_id);
    let local = lenient
        .call(
            As::Console(&owner),
            Method::PATCH,
            &path,
            Some(json!({ "upstream_url": "http://127.0.0.1:9000" })),
        )
        .await;
    assert_eq!(local.status(), 200);
    let metadata = lenient
        .call(
            As::Console(&owner),
            Method::PATCH,
            &path,
            Some(json!({ "upstream_url": "http://169.254.169.254" })),
        )
        .await;
    assert_eq!(error_of(metadata).await.1.code, ErrorCode::ValidationError);
}

#[tokio::test]
async fn metrics_need_the_token_when_the_operator_sets_one() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions {
        metrics_token: Some("scrape-secret".to_owned()),
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    let url = format!("{}/metrics", app.address);
    for wrong in [None, Some("nope"), Some("scrape-secre")] {
        let mut request = app.client.get(&url);
        if let Some(token) = wrong {
            request = request.bearer_auth(token);
        }
        let (status, error) = error_of(request.send().await.expect("sent")).await;
        assert_eq!(
            (status, error.code),
            (401, ErrorCode::Unauthorized),
            "{wrong:?}"
        );
    }
    let scraped = app
        .client
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("sent");
    assert_eq!(scraped.status(), 200);
    assert!(scraped
        .text()
        .await
        .expect("text")
        .contains("keyscope_request_records_written_total"));
}
