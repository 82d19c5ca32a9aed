use crate::helpers::{error_of, spawn_app, spawn_demo_app, As};
use keyscope_model::{ApiKey, ErrorCode, KeyStatus, ListResponse};
use reqwest::Method;
use std::collections::HashSet;

#[tokio::test]
async fn a_new_workspace_has_no_keys() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let response = app
        .call(As::Console(&owner), Method::GET, "/v1/keys", None)
        .await;
    assert_eq!(response.status(), 200);
    let list: ListResponse<ApiKey> = response.json().await.expect("list envelope");
    assert!(list.success);
    assert!(list.data.is_empty());
    assert_eq!(list.pagination.total, 0);
    assert!(!list.pagination.has_more);
}

#[tokio::test]
async fn demo_keys_page_through_without_gaps_or_repeats() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let list: ListResponse<ApiKey> = app
            .call(
                As::Console(&owner),
                Method::GET,
                &format!("/v1/keys?limit=5&offset={offset}"),
                None,
            )
            .await
            .json()
            .await
            .expect("list");
        assert_eq!(list.pagination.total, 12);
        assert_eq!(list.pagination.limit, 5);
        for key in &list.data {
            assert!(seen.insert(key.id.clone()), "{} repeated", key.id);
        }
        offset += 5;
        if !list.pagination.has_more {
            break;
        }
    }
    assert_eq!(seen.len(), 12);
}

#[tokio::test]
async fn demo_keys_show_every_state_and_never_a_secret() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let response = app
        .call(As::Console(&owner), Method::GET, "/v1/keys?limit=100", None)
        .await;
    let text = response.text().await.expect("body");
    let list: ListResponse<ApiKey> = serde_json::from_str(&text).expect("list");
    let statuses: HashSet<_> = list.data.iter().map(|key| key.status).collect();
    for status in [
        KeyStatus::Active,
        KeyStatus::Expired,
        KeyStatus::Revoked,
        KeyStatus::Disabled,
    ] {
        assert!(statuses.contains(&status), "no {status:?} key in the demo");
    }
    for key in &list.data {
        assert!(key.prefix.starts_with("ks_live_") || key.prefix.starts_with("ks_test_"));
        assert_eq!(key.last_four.len(), 4);
    }
    assert!(
        !text.contains("secret"),
        "the list must not carry secrets or digests: {text}"
    );
}

#[tokio::test]
async fn timestamps_are_utc_with_milliseconds() {
    let (app, _data) = spawn_demo_app().await;
    let owner = app.owner().await;
    let body: serde_json::Value = app
        .call(As::Console(&owner), Method::GET, "/v1/keys?limit=1", None)
        .await
        .json()
        .await
        .expect("json");
    let created = body["data"][0]["created_at"].as_str().expect("created_at");
    assert_eq!(created.len(), "2026-11-27T12:00:00.000Z".len(), "{created}");
    assert!(created.ends_with('Z'));
}

#[tokio::test]
async fn bad_list_parameters_get_a_validation_error_naming_the_field() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=-5", "limit"),
        ("offset=-1", "offset"),
        ("limt=5", "limt"),
        ("status=active", "status"),
    ] {
        let response = app
            .call(
                As::Console(&owner),
                Method::GET,
                &format!("/v1/keys?{query}"),
                None,
            )
            .await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(error.code, ErrorCode::ValidationError, "{query}");
        assert_eq!(error.details.expect("details")["field"], field, "{query}");
        assert!(!error.message.is_empty());
    }
}
