//! Keys and access control over real HTTP: every refusal has its code, keys
//! stop working the moment they should, and workspaces never see each other.

use crate::helpers::{error_of, eventually, spawn_app, spawn_with, As, SpawnOptions};
use keyscope_model::{CreatedKey, ErrorCode, KeyStatus, Response, Role, VerifyResponse};
use keyscope_server::bootstrap;
use keyscope_server::service::Limits;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

async fn error_code(response: reqwest::Response) -> (u16, ErrorCode) {
    let (status, error) = error_of(response).await;
    (status, error.code)
}

#[tokio::test]
async fn the_management_api_refuses_anonymous_callers() {
    let (app, _data) = spawn_app().await;
    assert_eq!(
        error_code(app.get("/v1/keys").await).await,
        (401, ErrorCode::Unauthorized)
    );
    let me: serde_json::Value = app.get("/v1/me").await.json().await.expect("json");
    assert_eq!(me["data"], serde_json::Value::Null, "nobody is signed in");
}

#[tokio::test]
async fn a_created_key_is_shown_once_and_works_by_bearer_and_x_api_key() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let created = app
        .create_key(
            &owner,
            json!({ "name": "  Reporting  ", "scopes": ["read:keys"] }),
        )
        .await;
    assert!(created.secret.starts_with("ks_live_"));
    assert_eq!(created.key.name, "Reporting");
    assert!(created.secret.starts_with(&created.key.prefix));
    assert!(created.secret.ends_with(&created.key.last_four));

    let by_bearer = app.list_keys_with(&created.secret).await;
    assert_eq!(by_bearer.status(), 200);
    let by_header = app
        .client
        .get(format!("{}/v1/keys", app.address))
        .header("x-api-key", &created.secret)
        .send()
        .await
        .expect("sent");
    assert_eq!(by_header.status(), 200);
    let body = by_header.text().await.expect("body");
    assert!(
        !body.contains(&created.secret),
        "the secret is never listed again"
    );
}

#[tokio::test]
async fn each_kind_of_bad_key_gets_its_own_401_code() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "victim", "scopes": ["read"] }))
        .await;
    let mut typo = key.secret.clone();
    let swapped = if &typo[12..13] == "a" { "b" } else { "a" };
    typo.replace_range(12..13, swapped);

    assert_eq!(
        error_code(app.list_keys_with("").await).await,
        (401, ErrorCode::MissingApiKey)
    );
    assert_eq!(
        error_code(app.list_keys_with("hunter2").await).await,
        (401, ErrorCode::MalformedApiKey)
    );
    assert_eq!(
        error_code(app.list_keys_with(&typo).await).await,
        (401, ErrorCode::MalformedApiKey)
    );
    let unknown = keyscope_server::secrets::generate_key_secret("live").expect("secret");
    assert_eq!(
        error_code(app.list_keys_with(unknown.expose()).await).await,
        (401, ErrorCode::InvalidApiKey)
    );

    let path = format!("/v1/keys/{}", key.key.id);
    let disabled = app
        .call(
            As::Console(&owner),
            Method::PATCH,
            &path,
            Some(json!({ "enabled": false })),
        )
        .await;
    assert_eq!(disabled.status(), 200);
    assert_eq!(
        error_code(app.list_keys_with(&key.secret).await).await,
        (401, ErrorCode::KeyDisabled)
    );
    app.call(
        As::Console(&owner),
        Method::PATCH,
        &path,
        Some(json!({ "enabled": true })),
    )
    .await;

    // Expiry can only be set in the future: a moment from now, then wait.
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1_200);
    let expiring = app
        .call(
            As::Console(&owner),
            Method::PATCH,
            &path,
            Some(json!({ "expires_at": keyscope_model::timestamp::format(&soon) })),
        )
        .await;
    assert_eq!(expiring.status(), 200);
    assert_eq!(
        app.list_keys_with(&key.secret).await.status(),
        200,
        "valid until then"
    );
    // Expiry is judged at use time, as the console judges a key's status:
    // once the console shows it expired, so does the next call.
    eventually("the key to expire", Duration::from_secs(5), || async {
        (app.key(&owner, &key.key.id).await.status == KeyStatus::Expired).then_some(())
    })
    .await;
    let (status, error) = error_of(app.list_keys_with(&key.secret).await).await;
    assert_eq!((status, error.code), (401, ErrorCode::KeyExpired));
    assert!(error.message.contains("expired at"), "{}", error.message);

    app.call(
        As::Console(&owner),
        Method::PATCH,
        &path,
        Some(json!({ "expires_at": null })),
    )
    .await;
    assert_eq!(app.list_keys_with(&key.secret).await.status(), 200);
    app.call(
        As::Console(&owner),
        Method::POST,
        &format!("{path}/revoke"),
        None,
    )
    .await;
    assert_eq!(
        error_code(app.list_keys_with(&key.secret).await).await,
        (401, ErrorCode::KeyRevoked)
    );
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403_naming_it() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let reader = app
        .create_key(&owner, json!({ "name": "reader", "scopes": ["read"] }))
        .await;
    let response = app
        .call(
            As::Key(&reader.secret),
            Method::POST,
            "/v1/keys",
            Some(json!({ "name": "x" })),
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!((status, error.code), (403, ErrorCode::InsufficientScope));
    assert_eq!(
        error.details.expect("details")["required_scope"],
        "write:keys"
    );

    let admin = app
        .create_key(&owner, json!({ "name": "ops", "role": "admin" }))
        .await;
    let response = app
        .call(
            As::Key(&admin.secret),
            Method::POST,
            "/v1/keys",
            Some(json!({ "name": "made by a key" })),
        )
        .await;
    assert_eq!(response.status(), 201, "admin implies write:keys");
}

#[tokio::test]
async fn revocation_and_deletion_take_effect_on_the_next_request() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    for action in ["revoke", "delete"] {
        let key = app
            .create_key(&owner, json!({ "name": action, "scopes": ["read"] }))
            .await;
        assert_eq!(app.list_keys_with(&key.secret).await.status(), 200);
        let path = format!("/v1/keys/{}", key.key.id);
        let response = match action {
            "revoke" => {
                app.call(
                    As::Console(&owner),
                    Method::POST,
                    &format!("{path}/revoke"),
                    None,
                )
                .await
            }
            _ => {
                app.call(As::Console(&owner), Method::DELETE, &path, None)
                    .await
            }
        };
        assert!(
            response.status().is_success(),
            "{action}: {}",
            response.status()
        );
        // A deleted key is no longer known at all; a revoked one says so.
        let expected = match action {
            "revoke" => ErrorCode::KeyRevoked,
            _ => ErrorCode::InvalidApiKey,
        };
        assert_eq!(
            error_code(app.list_keys_with(&key.secret).await).await,
            (401, expected),
            "{action}"
        );
    }
}

#[tokio::test]
async fn rotation_stops_the_old_secret_at_once_or_after_the_grace_period() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    // A plan whose minute limit the polling for the end of the grace period
    // below cannot reach.
    let key = app
        .create_key(
            &owner,
            json!({ "name": "rotating", "scopes": ["read"], "plan": "enterprise" }),
        )
        .await;
    let rotate = |grace: u32| {
        let path = format!("/v1/keys/{}/rotate", key.key.id);
        let owner = &owner;
        let app = &app;
        async move {
            let response = app
                .call(
                    As::Console(owner),
                    Method::POST,
                    &path,
                    Some(json!({ "grace_period_seconds": grace })),
                )
                .await;
            assert_eq!(response.status(), 200);
            response
                .json::<Response<CreatedKey>>()
                .await
                .expect("rotated")
                .data
        }
    };

    let immediate = rotate(0).await;
    assert_ne!(immediate.secret, key.secret);
    assert_eq!(
        error_code(app.list_keys_with(&key.secret).await).await,
        (401, ErrorCode::InvalidApiKey)
    );
    assert_eq!(app.list_keys_with(&immediate.secret).await.status(), 200);

    let graceful = rotate(1).await;
    assert_eq!(
        app.list_keys_with(&immediate.secret).await.status(),
        200,
        "old secret works in the grace period"
    );
    assert_eq!(app.list_keys_with(&graceful.secret).await.status(), 200);
    let refused = eventually(
        "the old secret to be refused after its grace period",
        Duration::from_secs(5),
        || async {
            let response = app.list_keys_with(&immediate.secret).await;
            (response.status() != 200).then_some(response)
        },
    )
    .await;
    assert_eq!(error_code(refused).await, (401, ErrorCode::InvalidApiKey));

    let too_long = app
        .call(
            As::Console(&owner),
            Method::POST,
            &format!("/v1/keys/{}/rotate", key.key.id),
            Some(json!({ "grace_period_seconds": 86_401 })),
        )
        .await;
    let (status, error) = error_of(too_long).await;
    assert_eq!((status, error.code), (400, ErrorCode::ValidationError));
    assert_eq!(
        error.details.expect("details")["field"],
        "grace_period_seconds"
    );
}

#[tokio::test]
async fn the_key_limit_of_a_project_answers_409() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions {
        limits: Limits {
            max_keys_per_project: 2,
        },
        ..SpawnOptions::new(true, data.path())
    })
    .await;
    let owner = app.owner().await;
    // The demo already gave every project more keys than 2; a fresh project is needed.
    let project_id = "prj_limit_test";
    sqlx::query(
        "INSERT INTO projects (id, workspace_id, name, created_at) VALUES ($1, $2, 'Limits', 0)",
    )
    .bind(project_id)
    .bind(&owner.me.workspace_id)
    .execute(app.services.store.pool())
    .await
    .expect("project");
    for name in ["one", "two"] {
        app.create_key(&owner, json!({ "name": name, "project_id": project_id }))
            .await;
    }
    let (status, error) = error_of(
        app.call(
            As::Console(&owner),
            Method::POST,
            "/v1/keys",
            Some(json!({ "name": "three", "project_id": project_id })),
        )
        .await,
    )
    .await;
    assert_eq!((status, error.code), (409, ErrorCode::Conflict));
    assert!(error.message.contains("2 keys"), "{}", error.message);
}

#[tokio::test]
async fn a_member_is_refused_keys_with_403() {
    let (app, _data) = spawn_app().await;
    let member = app
        .user_with_role("member@example.test", Role::Member)
        .await;
    assert_eq!(member.me.role, Role::Member);
    let (status, error) = error_of(
        app.call(As::Console(&member), Method::GET, "/v1/keys", None)
            .await,
    )
    .await;
    assert_eq!((status, error.code), (403, ErrorCode::Forbidden));
    assert!(error.message.contains("Owner, Admin or Manager"));
    let manager = app
        .user_with_role("manager@example.test", Role::Manager)
        .await;
    assert_eq!(
        app.call(As::Console(&manager), Method::GET, "/v1/keys", None)
            .await
            .status(),
        200
    );
    let (status, error) = error_of(
        app.call(
            As::Console(&manager),
            Method::POST,
            "/v1/users",
            Some(json!({ "email": "x@example.test", "role": "member" })),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error.code),
        (403, ErrorCode::Forbidden),
        "only owners and admins manage users"
    );
    assert!(
        error.message.contains("Owner or Admin"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn another_workspace_sees_none_of_this_one() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "private", "scopes": ["admin"] }))
        .await;

    let other = bootstrap::create_workspace(&app.services.store, "Other", "other@example.test")
        .await
        .expect("second workspace");
    let outsider = app
        .sign_in("other@example.test", other.password.expose())
        .await
        .expect("signs in");
    assert_ne!(outsider.me.workspace_id, owner.me.workspace_id);
    let outsider_key = app
        .create_key(&outsider, json!({ "name": "theirs", "role": "admin" }))
        .await;

    let path = format!("/v1/keys/{}", key.key.id);
    for who in [As::Console(&outsider), As::Key(&outsider_key.secret)] {
        for (method, path, body) in [
            (Method::GET, path.clone(), None),
            (
                Method::PATCH,
                path.clone(),
                Some(json!({ "name": "stolen" })),
            ),
            (Method::POST, format!("{path}/rotate"), Some(json!({}))),
            (Method::POST, format!("{path}/revoke"), None),
            (Method::DELETE, path.clone(), None),
        ] {
            let (status, code) = error_code(app.call(who, method.clone(), &path, body).await).await;
            assert_eq!(
                (status, code),
                (404, ErrorCode::NotFound),
                "{method} {path}"
            );
        }
        let list: serde_json::Value = app
            .call(who, Method::GET, "/v1/keys", None)
            .await
            .json()
            .await
            .expect("list");
        assert_eq!(list["pagination"]["total"], 1, "only their own key");
    }
    let untouched = app.key(&owner, &key.key.id).await;
    assert_eq!(
        (untouched.name.as_str(), untouched.status),
        ("private", KeyStatus::Active)
    );
}

#[tokio::test]
async fn console_changes_need_the_csrf_token() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let response = owner
        .client
        .post(format!("{}/v1/keys", app.address))
        .json(&json!({ "name": "no token" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        error_code(response).await,
        (403, ErrorCode::CsrfTokenInvalid)
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_sign_out_ends_the_session() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    for _ in 0..5 {
        let response = app
            .call(
                As::Anonymous,
                Method::POST,
                "/v1/session",
                Some(json!({ "email": owner.me.email, "password": "wrong" })),
            )
            .await;
        assert_eq!(
            error_code(response).await,
            (401, ErrorCode::InvalidCredentials)
        );
    }
    let throttled = app
        .call(
            As::Anonymous,
            Method::POST,
            "/v1/session",
            Some(json!({ "email": owner.me.email, "password": "wrong" })),
        )
        .await;
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry_after > 0 && retry_after <= 900);
    assert_eq!(error_code(throttled).await, (429, ErrorCode::RateLimited));

    assert_eq!(
        app.call(As::Console(&owner), Method::DELETE, "/v1/session", None)
            .await
            .status(),
        204
    );
    assert_eq!(
        error_code(
            app.call(As::Console(&owner), Method::GET, "/v1/keys", None)
                .await
        )
        .await,
        (401, ErrorCode::Unauthorized)
    );
}

#[tokio::test]
async fn last_used_is_recorded_without_a_write_per_request() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app.create_key(&owner, json!({ "name": "busy" })).await;
    assert!(key.key.last_used_at.is_none());
    for _ in 0..5 {
        app.list_keys_with(&key.secret).await;
    }
    let last_used = eventually(
        "the last use to be recorded",
        Duration::from_secs(3),
        || async { app.key(&owner, &key.key.id).await.last_used_at },
    )
    .await;
    assert!(chrono::Utc::now() - last_used < chrono::Duration::seconds(10));
}

#[tokio::test]
async fn verify_answers_a_project_about_its_own_keys() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let weather = app.create_project(&owner, "Weather").await;
    let payments = app.create_project(&owner, "Payments").await;
    let key = app
        .create_key(&owner, json!({ "name": "svc", "scopes": ["read:forecasts"], "project_id": weather.project_id }))
        .await;
    let verify = |project_key: &str, body: serde_json::Value| {
        let request = app
            .client
            .post(format!("{}/v1/keys/verify", app.address))
            .bearer_auth(project_key)
            .json(&body);
        async move {
            let response = request.send().await.expect("sent");
            assert_eq!(response.status(), 200);
            response
                .json::<Response<VerifyResponse>>()
                .await
                .expect("verdict")
                .data
        }
    };
    let allowed = verify(
        &weather.project_key,
        json!({ "key": key.secret, "method": "GET", "endpoint": "/v1/forecasts/london" }),
    )
    .await;
    assert!(allowed.valid);
    assert_eq!(allowed.key_id.as_deref(), Some(key.key.id.as_str()));
    let refused = verify(
        &weather.project_key,
        json!({ "key": key.secret, "method": "POST", "endpoint": "/v1/forecasts" }),
    )
    .await;
    assert_eq!(
        (refused.valid, refused.code.as_str()),
        (false, "INSUFFICIENT_SCOPE")
    );
    let elsewhere = verify(&payments.project_key, json!({ "key": key.secret })).await;
    assert_eq!(
        (elsewhere.valid, elsewhere.code.as_str()),
        (false, "INVALID_API_KEY"),
        "another project's key looks unknown"
    );

    app.call(
        As::Console(&owner),
        Method::POST,
        &format!("/v1/keys/{}/revoke", key.key.id),
        None,
    )
    .await;
    let revoked = verify(&weather.project_key, json!({ "key": key.secret })).await;
    assert_eq!(
        (revoked.valid, revoked.code.as_str()),
        (false, "KEY_REVOKED")
    );

    let anonymous = app
        .call(
            As::Anonymous,
            Method::POST,
            "/v1/keys/verify",
            Some(json!({ "key": key.secret })),
        )
        .await;
    assert_eq!(
        error_code(anonymous).await,
        (401, ErrorCode::MissingProjectKey)
    );
}

#[tokio::test]
async fn bad_bodies_get_the_envelope_with_the_field_named_and_lose_nothing() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let kept = app.create_key(&owner, json!({ "name": "kept" })).await;
    for (body, field) in [
        (json!({ "name": 5 }), "name"),
        (json!({ "name": "x".repeat(65) }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "x", "colour": "red" }), "colour"),
        (json!({ "name": "x", "scopes": ["root"] }), "scopes"),
        (json!({ "name": "x", "plan": "platinum" }), "plan"),
        (
            json!({ "name": "x", "expires_in_days": -1 }),
            "expires_in_days",
        ),
        (json!({ "description": "no name" }), "name"),
        (
            json!({ "name": "x", "project_id": "prj_nope" }),
            "project_id",
        ),
    ] {
        let (status, error) = error_of(
            app.call(
                As::Console(&owner),
                Method::POST,
                "/v1/keys",
                Some(body.clone()),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, error.code),
            (400, ErrorCode::ValidationError),
            "{body}"
        );
        assert_eq!(
            error.details.expect("details")["field"],
            field,
            "{body}: {}",
            error.message
        );
    }
    let huge = json!({ "name": "x", "description": "y".repeat(100_000) });
    assert_eq!(
        error_code(
            app.call(As::Console(&owner), Method::POST, "/v1/keys", Some(huge))
                .await
        )
        .await,
        (413, ErrorCode::PayloadTooLarge)
    );
    let not_json = owner
        .client
        .post(format!("{}/v1/keys", app.address))
        .header("X-CSRF-Token", &owner.me.csrf_token)
        .header("Content-Type", "application/json")
        .body("{name: ")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        error_code(not_json).await,
        (400, ErrorCode::ValidationError)
    );
    let form = owner
        .client
        .post(format!("{}/v1/keys", app.address))
        .header("X-CSRF-Token", &owner.me.csrf_token)
        .form(&[("name", "x")])
        .send()
        .await
        .expect("sent");
    assert_eq!(
        error_code(form).await,
        (415, ErrorCode::UnsupportedMediaType)
    );

    let list: serde_json::Value = app
        .call(As::Console(&owner), Method::GET, "/v1/keys", None)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["data"][0]["id"], kept.key.id.as_str());
}
