//! Project credentials: viewable again by those who manage keys, sealed at
//! rest, replaced together, the old Project Key refused at once.

use crate::helpers::{error_of, spawn_app, spawn_with, As, SpawnOptions};
use keyscope_model::{ErrorCode, ProjectCredentials, Response, Role};
use keyscope_server::bootstrap;
use reqwest::Method;
use serde_json::json;

async fn verify_status(app: &crate::helpers::TestApp, project_key: &str) -> u16 {
    app.client
        .post(format!("{}/v1/keys/verify", app.address))
        .bearer_auth(project_key)
        .json(&json!({ "key": "ks_live_not_a_real_key" }))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn credentials_can_be_viewed_again_and_regenerated_together() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions::new(false, data.path())).await;
    let owner = app.owner().await;
    let created = app.create_project(&owner, "Weather").await;
    assert!(created.project_key.starts_with("ksp_"));
    assert!(created.api_id.starts_with("api_"));
    let path = format!("/v1/projects/{}/credentials", created.project_id);

    let manager = app
        .user_with_role("manager@example.test", Role::Manager)
        .await;
    let viewed: Response<ProjectCredentials> = app
        .call(As::Console(&manager), Method::GET, &path, None)
        .await
        .json()
        .await
        .expect("credentials");
    assert_eq!(viewed.data, created, "the same credentials, any time");
    assert_eq!(verify_status(&app, &created.project_key).await, 200);

    let regenerated: Response<ProjectCredentials> = app
        .call(
            As::Console(&owner),
            Method::POST,
            &format!("{path}/regenerate"),
            None,
        )
        .await
        .json()
        .await
        .expect("regenerated");
    assert_ne!(regenerated.data.api_id, created.api_id);
    assert_ne!(regenerated.data.project_key, created.project_key);
    let (status, error) = error_of(
        app.client
            .post(format!("{}/v1/keys/verify", app.address))
            .bearer_auth(&created.project_key)
            .json(&json!({ "key": "x" }))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, error.code),
        (401, ErrorCode::InvalidProjectKey),
        "the old Project Key stops at once"
    );
    assert_eq!(
        verify_status(&app, &regenerated.data.project_key).await,
        200
    );
    let first_owner = app.started.new_owner.as_ref().expect("owner");
    let (email, password) = (
        first_owner.email.clone(),
        first_owner.password.expose().to_owned(),
    );
    app.stop().await;

    // Sealed at rest: the key is in no database file, yet a restart opens it.
    for entry in std::fs::read_dir(data.path()).expect("data directory") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("file");
        let key = regenerated.data.project_key.as_bytes();
        assert!(!bytes.windows(key.len()).any(|window| window == key));
    }
    let restarted = spawn_with(SpawnOptions::new(false, data.path())).await;
    let owner = restarted
        .sign_in(&email, &password)
        .await
        .expect("owner signs in again");
    let after_restart: Response<ProjectCredentials> = restarted
        .call(As::Console(&owner), Method::GET, &path, None)
        .await
        .json()
        .await
        .expect("credentials");
    assert_eq!(after_restart.data, regenerated.data);
    restarted.stop().await;
}

#[tokio::test]
async fn members_and_other_workspaces_cannot_see_credentials() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let created = app.create_project(&owner, "Payments").await;
    let path = format!("/v1/projects/{}/credentials", created.project_id);

    let member = app
        .user_with_role("member@example.test", Role::Member)
        .await;
    let (status, error) = error_of(
        app.call(As::Console(&member), Method::GET, &path, None)
            .await,
    )
    .await;
    assert_eq!((status, error.code), (403, ErrorCode::Forbidden));

    let other = bootstrap::create_workspace(&app.services.store, "Other", "other@example.test")
        .await
        .expect("workspace");
    let outsider = app
        .sign_in("other@example.test", other.password.expose())
        .await
        .expect("signs in");
    for (method, path) in [
        (Method::GET, path.clone()),
        (Method::POST, format!("{path}/regenerate")),
    ] {
        let (status, error) = error_of(
            app.call(As::Console(&outsider), method.clone(), &path, None)
                .await,
        )
        .await;
        assert_eq!(
            (status, error.code),
            (404, ErrorCode::NotFound),
            "{method} {path}"
        );
    }
    assert_eq!(
        verify_status(&app, &created.project_key).await,
        200,
        "untouched by the outsider"
    );
}
