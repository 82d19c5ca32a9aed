//! Rate limits and quotas over real HTTP: exact under concurrency, durable
//! across restarts, with the headers on success and on 429.

use crate::helpers::{error_of, spawn_app, spawn_with, As, SpawnOptions};
use keyscope_model::{ErrorCode, KeyQuota, QuotaStatus, Response};
use keyscope_server::store;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("ascii")
        .to_owned()
}

#[tokio::test]
async fn the_61st_request_in_a_minute_on_free_waits_exactly_as_retry_after_says() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "free", "plan": "free" }))
        .await;

    let started = Instant::now();
    let mut admitted = 0u64;
    let refused = loop {
        let response = app.list_keys_with(&key.secret).await;
        if response.status() == 429 {
            break response;
        }
        assert_eq!(response.status(), 200);
        admitted += 1;
        assert_eq!(header(&response, "x-ratelimit-limit"), "60");
        if admitted == 1 {
            assert_eq!(header(&response, "x-ratelimit-remaining"), "59");
            let reset: i64 = header(&response, "x-ratelimit-reset")
                .parse()
                .expect("epoch seconds");
            let now = chrono::Utc::now().timestamp();
            assert!(
                (now..=now + 61).contains(&reset),
                "reset {reset} vs now {now}"
            );
            assert_eq!(header(&response, "ratelimit"), "\"minute\";r=59;t=1");
            assert_eq!(
                header(&response, "ratelimit-policy"),
                format!(
                    "\"minute\";q=60;w=60, \"day\";q=1000;w=86400, \"period\";q=20000;w={}",
                    period_seconds()
                )
            );
        }
        assert!(admitted <= 70, "the limit never bit");
    };
    let elapsed = started.elapsed().as_secs();
    // GCRA refills one request a second: 60 at once, plus one per second spent.
    assert!(
        (60..=60 + elapsed + 1).contains(&admitted),
        "{admitted} admitted in {elapsed} s"
    );

    let retry_after: u64 = header(&refused, "retry-after").parse().expect("seconds");
    assert_eq!(retry_after, 1, "Free refills one request per second");
    assert_eq!(header(&refused, "x-ratelimit-remaining"), "0");
    let (status, error) = error_of(refused).await;
    assert_eq!((status, error.code), (429, ErrorCode::RateLimited));
    assert_eq!(error.details.expect("details")["window"], "minute");
    assert!(
        error.message.contains("60 requests per minute"),
        "{}",
        error.message
    );

    // A sleep on purpose: waiting exactly what Retry-After said is the test.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(
        app.list_keys_with(&key.secret).await.status(),
        200,
        "waiting Retry-After is enough"
    );
}

fn period_seconds() -> i64 {
    let (start, end) = keyscope_model::limits::billing_period(chrono::Utc::now());
    (end - start).num_seconds()
}

async fn quota(
    app: &crate::helpers::TestApp,
    owner: &crate::helpers::ConsoleUser,
    key_id: &str,
) -> KeyQuota {
    let response = app
        .call(
            As::Console(owner),
            Method::GET,
            &format!("/v1/keys/{key_id}/quota"),
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    response
        .json::<Response<KeyQuota>>()
        .await
        .expect("quota")
        .data
}

#[tokio::test]
async fn thirty_two_concurrent_clients_never_exceed_the_limit_by_one() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let key = app
        .create_key(&owner, json!({ "name": "crowd", "plan": "free" }))
        .await;
    let url = format!("{}/v1/keys", app.address);
    let started = Instant::now();
    let clients: Vec<_> = (0..32)
        .map(|_| {
            let (client, url, secret) = (reqwest::Client::new(), url.clone(), key.secret.clone());
            tokio::spawn(async move {
                let mut admitted = 0u64;
                for _ in 0..8 {
                    let response = client
                        .get(&url)
                        .bearer_auth(&secret)
                        .send()
                        .await
                        .expect("sent");
                    match response.status().as_u16() {
                        200 => admitted += 1,
                        429 => assert_eq!(error_of(response).await.1.code, ErrorCode::RateLimited),
                        other => panic!("unexpected {other}"),
                    }
                }
                admitted
            })
        })
        .collect();
    let mut admitted = 0;
    for client in clients {
        admitted += client.await.expect("client");
    }
    let elapsed = started.elapsed().as_secs();
    assert!(
        (60..=60 + elapsed + 1).contains(&admitted),
        "{admitted} of 256 admitted in {elapsed} s"
    );
    let counted = quota(&app, &owner, &key.key.id).await;
    assert_eq!(
        counted.day.used, admitted,
        "every admitted request counted, no refused one"
    );
    assert_eq!(counted.period.used, admitted);
}

#[tokio::test]
async fn the_daily_count_survives_a_restart() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions::new(false, data.path())).await;
    let owner = app.owner().await;
    let key = app.create_key(&owner, json!({ "name": "durable" })).await;
    for _ in 0..5 {
        assert_eq!(app.list_keys_with(&key.secret).await.status(), 200);
    }
    let credentials = app.started.new_owner.as_ref().expect("owner");
    let (email, password) = (
        credentials.email.clone(),
        credentials.password.expose().to_owned(),
    );
    app.stop().await;

    let restarted = spawn_with(SpawnOptions::new(false, data.path())).await;
    let owner = restarted
        .sign_in(&email, &password)
        .await
        .expect("signs in");
    let counted = quota(&restarted, &owner, &key.key.id).await;
    assert_eq!((counted.day.used, counted.period.used), (5, 5));
    restarted.list_keys_with(&key.secret).await;
    assert_eq!(quota(&restarted, &owner, &key.key.id).await.day.used, 6);
    restarted.stop().await;
}

/// The minute window's state is written with the counts: a key that used
/// its burst does not get another by a restart.
#[tokio::test]
async fn a_restart_hands_out_no_fresh_burst() {
    let data = tempfile::TempDir::new().expect("temporary directory");
    let app = spawn_with(SpawnOptions::new(false, data.path())).await;
    let owner = app.owner().await;
    let key = app
        .create_key(
            &owner,
            json!({ "name": "bursty", "rate_limit_per_minute": 5 }),
        )
        .await;
    let mut admitted = 0;
    while app.list_keys_with(&key.secret).await.status() == 200 {
        admitted += 1;
        assert!(admitted <= 5, "the limit never bit");
    }
    assert_eq!(admitted, 5, "the whole burst, then 429");
    app.stop().await;

    let restarted = spawn_with(SpawnOptions::new(false, data.path())).await;
    let (status, error) = error_of(restarted.list_keys_with(&key.secret).await).await;
    assert_eq!((status, error.code), (429, ErrorCode::RateLimited));
    assert_eq!(error.details.expect("details")["window"], "minute");
    restarted.stop().await;
}

async fn set_counts(app: &crate::helpers::TestApp, key_id: &str, count: i64) {
    let now = chrono::Utc::now();
    for (kind, start) in [
        ("day", keyscope_model::limits::day_window(now).0),
        ("period", keyscope_model::limits::billing_period(now).0),
    ] {
        sqlx::query("INSERT INTO usage_counters (key_id, window_kind, window_start, count) VALUES ($1, $2, $3, $4)")
            .bind(key_id)
            .bind(kind)
            .bind(store::millis(start))
            .bind(count)
            .execute(app.services.store.pool())
            .await
            .expect("counter set");
    }
}

#[tokio::test]
async fn a_spent_day_says_so_and_an_unlimited_plan_never_does() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let free = app
        .create_key(&owner, json!({ "name": "spent", "plan": "free" }))
        .await;
    let enterprise = app
        .create_key(&owner, json!({ "name": "unlimited", "plan": "enterprise" }))
        .await;
    // Counts as a long day would leave them, before either key is first used.
    set_counts(&app, &free.key.id, 1_000).await;
    set_counts(&app, &enterprise.key.id, 10_000_000).await;

    let refused = app.list_keys_with(&free.secret).await;
    let retry_after: i64 = header(&refused, "retry-after").parse().expect("seconds");
    let to_midnight = (keyscope_model::limits::day_window(chrono::Utc::now()).1
        - chrono::Utc::now())
    .num_seconds();
    assert!(
        (to_midnight - 5..=to_midnight + 5).contains(&retry_after),
        "{retry_after} vs {to_midnight}"
    );
    let (status, error) = error_of(refused).await;
    assert_eq!((status, error.code), (429, ErrorCode::RateLimited));
    assert_eq!(error.details.expect("details")["window"], "day");

    for _ in 0..20 {
        let response = app.list_keys_with(&enterprise.secret).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "ratelimit-policy"),
            "\"minute\";q=1000;w=60"
        );
    }
    let counted = quota(&app, &owner, &enterprise.key.id).await;
    assert!(counted.period.unlimited && counted.day.limit.is_none());
    assert_eq!(counted.day.used, 10_000_020);
}

#[tokio::test]
async fn project_quota_counts_its_keys_against_the_workspace_plan() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let project = app.create_project(&owner, "Metered").await;
    let key = app
        .create_key(
            &owner,
            json!({ "name": "metered", "project_id": project.project_id }),
        )
        .await;
    let outside = app.create_key(&owner, json!({ "name": "elsewhere" })).await;
    for _ in 0..3 {
        app.list_keys_with(&key.secret).await;
    }
    app.list_keys_with(&outside.secret).await;
    let response = app
        .call(
            As::Console(&owner),
            Method::GET,
            &format!("/v1/projects/{}/quota", project.project_id),
            None,
        )
        .await;
    let status: QuotaStatus = response
        .json::<Response<QuotaStatus>>()
        .await
        .expect("quota")
        .data;
    assert_eq!(
        (status.total, status.used, status.available),
        (Some(20_000), 3, Some(19_997))
    );
    assert!(!status.unlimited);
    assert!(status.period_start < chrono::Utc::now() && chrono::Utc::now() < status.period_end);
}

#[tokio::test]
async fn a_key_can_carry_its_own_rate() {
    let (app, _data) = spawn_app().await;
    let owner = app.owner().await;
    let slow = app
        .create_key(
            &owner,
            json!({ "name": "trickle", "rate_limit_per_minute": 2 }),
        )
        .await;
    assert_eq!(slow.key.rate_limit_per_minute, Some(2));
    let who: Value = app
        .call(As::Key(&slow.secret), Method::GET, "/v1/key", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(who["data"]["id"], slow.key.id.as_str());
    let second = app.list_keys_with(&slow.secret).await;
    assert_eq!(second.status(), 200);
    assert_eq!(
        header(&second, "x-ratelimit-limit"),
        "2",
        "the override is the minute limit"
    );
    let refused = app.list_keys_with(&slow.secret).await;
    assert_eq!(header(&refused, "retry-after"), "30");
    let (status, error) = error_of(refused).await;
    assert_eq!(
        (status, error.code),
        (429, ErrorCode::RateLimited),
        "the third call in a minute at 2 per minute"
    );
    assert_eq!(error.details.expect("details")["limit"], 2);
    let (status, error) = error_of(
        app.call(
            As::Console(&owner),
            Method::POST,
            "/v1/keys",
            Some(json!({ "name": "x", "rate_limit_per_minute": 0 })),
        )
        .await,
    )
    .await;
    assert_eq!((status, error.code), (400, ErrorCode::ValidationError));
    assert_eq!(
        error.details.expect("details")["field"],
        "rate_limit_per_minute"
    );
}
