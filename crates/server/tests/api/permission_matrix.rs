//! The permission matrix: every route the server serves, called by every
//! kind of principal, against the expected status and error code kept as a
//! table in `crates/server/tests/permission_matrix.md`.
//!
//! The routes come from the server's own route table, so a new route fails
//! this test until the table has a row for it. Every refused call is also
//! checked to have changed nothing stored (keys, projects, credentials,
//! users, workspaces).
//!
//! `KEYSCOPE_WRITE_MATRIX=1 cargo test -p keyscope-server --test api
//! permission_matrix` rewrites the table from what the server answers, for
//! reviewing a change to the model as a diff.

use crate::helpers::{spawn_with, As, ConsoleUser, SpawnOptions, TestApp};
use axum::routing::any;
use keyscope_model::{CreateKeyRequest, Grant, KeySpec, ProjectCredentials, Role};
use keyscope_server::service::{keys, users, Limits};
use keyscope_server::{bootstrap, http};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The columns, in the table's order.
const PRINCIPALS: [&str; 16] = [
    "nobody",
    "owner",
    "admin",
    "manager",
    "member",
    "key:admin",
    "key:read",
    "key:write",
    "key:delete",
    "A:admin",
    "A:read",
    "B:admin",
    "pk:A",
    "pk:B",
    "other:owner",
    "other:key",
];

fn matrix_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/permission_matrix.md")
}

/// A console user who can sign in again (for rows that end a session).
struct Person {
    email: String,
    password: String,
    signed_in: ConsoleUser,
}

/// Everything the calls are made by and on: the first workspace with
/// projects A and B, a console user of each role, keys of each scope
/// (workspace-wide, and confined to A or B), and another workspace.
struct World {
    app: TestApp,
    workspace_id: String,
    people: BTreeMap<&'static str, Person>,
    keys: BTreeMap<&'static str, String>,
    project_a: String,
    project_b: String,
    upstream: String,
    /// A request record of project A.
    record_id: String,
    emails: AtomicUsize,
}

async fn start_upstream() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("upstream listens");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().fallback(any(|| async { "upstream answered" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

impl World {
    async fn build() -> (World, tempfile::TempDir) {
        let data = tempfile::TempDir::new().expect("temporary data directory");
        // Each cell that changes a key gets a fresh one in project A.
        let limits = Limits {
            max_keys_per_project: 100_000,
        };
        let app = spawn_with(SpawnOptions {
            limits,
            ..SpawnOptions::new(false, data.path())
        })
        .await;
        let owner_account = app.started.new_owner.as_ref().expect("a fresh owner");
        let (owner_email, owner_password) = (
            owner_account.email.clone(),
            owner_account.password.expose().to_owned(),
        );
        let owner = app.owner().await;
        let workspace_id = owner.me.workspace_id.clone();
        let operator = Grant::operator(workspace_id.clone());
        let mut people = BTreeMap::new();
        people.insert(
            "owner",
            Person {
                email: owner_email,
                password: owner_password,
                signed_in: owner,
            },
        );
        for (column, role) in [
            ("admin", Role::Admin),
            ("manager", Role::Manager),
            ("member", Role::Member),
        ] {
            let email = format!("{column}@example.test");
            let (_, password) = users::add(&app.services.store, &operator, &email, role)
                .await
                .expect("user added");
            let signed_in = app
                .sign_in(&email, password.expose())
                .await
                .expect("signs in");
            people.insert(
                column,
                Person {
                    email,
                    password: password.expose().to_owned(),
                    signed_in,
                },
            );
        }
        let other = bootstrap::create_workspace(&app.services.store, "Other", "other@example.test")
            .await
            .expect("second workspace");
        let other_owner = app
            .sign_in("other@example.test", other.password.expose())
            .await
            .expect("signs in");
        let owner = &people["owner"].signed_in;
        let project_a = app.create_project(owner, "Project A").await.project_id;
        let project_b = app.create_project(owner, "Project B").await.project_id;
        let upstream = start_upstream().await;
        let patched = app
            .call(
                As::Console(owner),
                Method::PATCH,
                &format!("/v1/projects/{project_a}"),
                Some(json!({ "upstream_url": upstream })),
            )
            .await;
        assert_eq!(patched.status(), 200, "project A has an upstream");

        let mut keys = BTreeMap::new();
        for (column, scopes, project) in [
            ("key:admin", "admin", None),
            ("key:read", "read", None),
            ("key:write", "write", None),
            ("key:delete", "delete", None),
            ("A:admin", "admin", Some(&project_a)),
            ("A:read", "read", Some(&project_a)),
            ("B:admin", "admin", Some(&project_b)),
        ] {
            let body = json!({ "name": column, "scopes": [scopes], "project_id": project, "plan": "enterprise" });
            keys.insert(column, app.create_key(owner, body).await.secret);
        }
        let other_key = app
            .create_key(
                &other_owner,
                json!({ "name": "theirs", "scopes": ["admin"], "plan": "enterprise" }),
            )
            .await;
        keys.insert("other:key", other_key.secret);
        people.insert(
            "other:owner",
            Person {
                email: "other@example.test".to_owned(),
                password: other.password.expose().to_owned(),
                signed_in: other_owner,
            },
        );

        let mut world = World {
            app,
            workspace_id,
            people,
            keys,
            project_a,
            project_b,
            upstream,
            record_id: String::new(),
            emails: AtomicUsize::new(0),
        };
        world.record_id = world.record_in_project_a().await;
        (world, data)
    }

    /// A call by a key of project A, once the log has written it.
    async fn record_in_project_a(&self) -> String {
        let (_, secret) = self.fresh_key(Some(&self.project_a), "read:things").await;
        let response = self
            .app
            .call(As::Key(&secret), Method::GET, "/v1/key", None)
            .await;
        let id = crate::helpers::request_id_of(&response);
        let owner = &self.people["owner"].signed_in;
        let path = format!("/v1/requests/{id}");
        for _ in 0..200 {
            let found = self
                .app
                .call(As::Console(owner), Method::GET, &path, None)
                .await;
            if found.status() == 200 {
                return id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the record {id} never reached the log");
    }

    /// A new key, made by the operator (not through the API under test).
    async fn fresh_key(&self, project: Option<&str>, scopes: &str) -> (String, String) {
        let request = CreateKeyRequest {
            name: "target".to_owned(),
            scopes: Some(scopes.split(' ').map(str::to_owned).collect()),
            project_id: project.map(str::to_owned),
            ..CreateKeyRequest::default()
        };
        let now = chrono::Utc::now();
        let spec = KeySpec::parse(request, now).expect("a valid key");
        let created = keys::create(
            &self.app.services,
            &Grant::operator(self.workspace_id.clone()),
            spec,
            now,
        )
        .await
        .expect("key created");
        (created.key.id, created.secret)
    }

    async fn credentials(&self, project_id: &str) -> ProjectCredentials {
        keyscope_server::service::projects::credentials(
            &self.app.services,
            &Grant::operator(self.workspace_id.clone()),
            project_id,
        )
        .await
        .expect("credentials")
    }

    fn email(&self) -> String {
        let number = self.emails.fetch_add(1, Ordering::Relaxed);
        format!("new{number}@example.test")
    }

    /// The call a row makes: method, path and body, with fresh targets for
    /// rows that change or end what they act on.
    async fn call_for(&self, row: &str) -> Option<(Method, String, Option<Value>)> {
        let a = &self.project_a;
        let api_id = self.credentials(a).await.api_id;
        let fresh_key_path = |suffix: &'static str| async move {
            let (id, _) = self.fresh_key(Some(a), "read:things").await;
            format!("/v1/keys/{id}{suffix}")
        };
        let call = match row {
            "GET /healthz" => (Method::GET, "/healthz".to_owned(), None),
            "GET /metrics" => (Method::GET, "/metrics".to_owned(), None),
            "GET /v1/openapi.json" => (Method::GET, "/v1/openapi.json".to_owned(), None),
            "GET /gateway/{api_id}" => (Method::GET, format!("/gateway/{api_id}"), None),
            "GET /gateway/{api_id}/{*path}" => {
                (Method::GET, format!("/gateway/{api_id}/things/1"), None)
            }
            "DELETE /gateway/{api_id}/{*path}" => {
                (Method::DELETE, format!("/gateway/{api_id}/things/1"), None)
            }
            "GET /v1/keys" => (Method::GET, "/v1/keys".to_owned(), None),
            "POST /v1/keys (in project A, read:things)" => (
                Method::POST,
                "/v1/keys".to_owned(),
                Some(json!({ "name": "minted", "scopes": ["read:things"], "project_id": a })),
            ),
            "POST /v1/keys (workspace-wide, admin)" => (
                Method::POST,
                "/v1/keys".to_owned(),
                Some(json!({ "name": "minted", "scopes": ["admin"] })),
            ),
            "POST /v1/keys/verify (a key of project A)" => {
                let (_, secret) = self.fresh_key(Some(a), "read:things").await;
                (
                    Method::POST,
                    "/v1/keys/verify".to_owned(),
                    Some(json!({ "key": secret })),
                )
            }
            "POST /v1/keys/verify (a revoked key of project A)" => {
                let (id, secret) = self.fresh_key(Some(a), "read:things").await;
                keys::revoke(
                    &self.app.services,
                    &Grant::operator(self.workspace_id.clone()),
                    &id,
                    chrono::Utc::now(),
                )
                .await
                .expect("revoked");
                (
                    Method::POST,
                    "/v1/keys/verify".to_owned(),
                    Some(json!({ "key": secret })),
                )
            }
            "GET /v1/key" => (Method::GET, "/v1/key".to_owned(), None),
            "GET /v1/keys/{id}" => (Method::GET, fresh_key_path("").await, None),
            "PATCH /v1/keys/{id} (rename)" => (
                Method::PATCH,
                fresh_key_path("").await,
                Some(json!({ "name": "renamed" })),
            ),
            "PATCH /v1/keys/{id} (raise scopes to admin)" => (
                Method::PATCH,
                fresh_key_path("").await,
                Some(json!({ "scopes": ["admin"] })),
            ),
            "DELETE /v1/keys/{id}" => (Method::DELETE, fresh_key_path("").await, None),
            "POST /v1/keys/{id}/rotate" => (
                Method::POST,
                fresh_key_path("/rotate").await,
                Some(json!({})),
            ),
            "POST /v1/keys/{id}/rotate (a workspace-wide admin key)" => {
                let (id, _) = self.fresh_key(None, "admin").await;
                (
                    Method::POST,
                    format!("/v1/keys/{id}/rotate"),
                    Some(json!({})),
                )
            }
            "POST /v1/keys/{id}/revoke" => (Method::POST, fresh_key_path("/revoke").await, None),
            "GET /v1/keys/{id}/quota" => (Method::GET, fresh_key_path("/quota").await, None),
            "GET /v1/projects" => (Method::GET, "/v1/projects".to_owned(), None),
            "POST /v1/projects" => (
                Method::POST,
                "/v1/projects".to_owned(),
                Some(json!({ "name": "New project" })),
            ),
            "PATCH /v1/projects/{id} (move the upstream)" => (
                Method::PATCH,
                format!("/v1/projects/{a}"),
                Some(json!({ "upstream_url": format!("{}/moved", self.upstream) })),
            ),
            "GET /v1/projects/{id}/credentials" => {
                (Method::GET, format!("/v1/projects/{a}/credentials"), None)
            }
            "POST /v1/projects/{id}/credentials/regenerate" => (
                Method::POST,
                format!("/v1/projects/{a}/credentials/regenerate"),
                None,
            ),
            "GET /v1/projects/{id}/quota" => (Method::GET, format!("/v1/projects/{a}/quota"), None),
            "GET /v1/requests" => (Method::GET, "/v1/requests".to_owned(), None),
            "GET /v1/requests (project B)" => (
                Method::GET,
                format!("/v1/requests?project_id={}", self.project_b),
                None,
            ),
            "GET /v1/requests/export" => (Method::GET, "/v1/requests/export".to_owned(), None),
            "GET /v1/requests/live" => (Method::GET, "/v1/requests/live".to_owned(), None),
            "GET /v1/requests/{id}" => (
                Method::GET,
                format!("/v1/requests/{}", self.record_id),
                None,
            ),
            "GET /v1/usage" => (Method::GET, "/v1/usage".to_owned(), None),
            "GET /v1/usage (project B)" => (
                Method::GET,
                format!("/v1/usage?project_id={}", self.project_b),
                None,
            ),
            "POST /v1/session" => {
                let member = &self.people["member"];
                (
                    Method::POST,
                    "/v1/session".to_owned(),
                    Some(json!({ "email": member.email, "password": member.password })),
                )
            }
            "DELETE /v1/session" => (Method::DELETE, "/v1/session".to_owned(), None),
            "GET /v1/me" => (Method::GET, "/v1/me".to_owned(), None),
            "GET /v1/users" => (Method::GET, "/v1/users".to_owned(), None),
            "POST /v1/users (a member)" => (
                Method::POST,
                "/v1/users".to_owned(),
                Some(json!({ "email": self.email(), "role": "member" })),
            ),
            "POST /v1/users (an admin)" => (
                Method::POST,
                "/v1/users".to_owned(),
                Some(json!({ "email": self.email(), "role": "admin" })),
            ),
            "POST /v1/users (an owner)" => (
                Method::POST,
                "/v1/users".to_owned(),
                Some(json!({ "email": self.email(), "role": "owner" })),
            ),
            "GET /v1" => (Method::GET, "/v1".to_owned(), None),
            "GET /v1/{*unknown}" => (Method::GET, "/v1/nothing-here".to_owned(), None),
            _ => return None,
        };
        Some(call)
    }

    /// Who makes the call. Rows that end or replace a session (its cookie
    /// jar takes the new one) get a fresh one.
    async fn principal(&self, column: &str, row: &str) -> Who<'_> {
        if let Some(person) = self.people.get(column) {
            if row.ends_with(" /v1/session") {
                let fresh = self
                    .app
                    .sign_in(&person.email, &person.password)
                    .await
                    .expect("signs in again");
                return Who::Fresh(fresh);
            }
            return Who::Person(person);
        }
        match column {
            "nobody" => Who::Nobody,
            "pk:A" => Who::Secret(self.credentials(&self.project_a).await.project_key),
            "pk:B" => Who::Secret(self.credentials(&self.project_b).await.project_key),
            key => Who::Secret(self.keys.get(key).cloned().expect("a key column")),
        }
    }

    /// What is stored that no refused call may change.
    async fn stored_state(&self) -> Vec<String> {
        let pool = self.app.services.store.pool();
        let mut state = Vec::new();
        for query in [
            "SELECT 'workspace' || quote(id) || quote(name) || quote(plan) FROM workspaces ORDER BY id",
            "SELECT 'user' || quote(id) || quote(workspace_id) || quote(email) || quote(role) || quote(password_hash) FROM users ORDER BY id",
            "SELECT 'project' || quote(id) || quote(workspace_id) || quote(name) || quote(upstream_url) || quote(api_id) || quote(project_key_digest) FROM projects ORDER BY id",
            // Not last_used_at: using a key is what every call does.
            "SELECT 'key' || quote(id) || quote(workspace_id) || quote(project_id) || quote(name) || quote(description) || quote(secret_digest) || quote(scopes) || quote(plan) || quote(enabled) || quote(expires_at) || quote(revoked_at) || quote(role) || quote(previous_digest) || quote(previous_valid_until) || quote(rate_limit_per_minute) FROM api_keys ORDER BY id",
        ] {
            let rows: Vec<String> = sqlx::query_scalar(query)
                .fetch_all(pool)
                .await
                .expect("state read");
            state.extend(rows);
        }
        state
    }
}

enum Who<'a> {
    Nobody,
    Person(&'a Person),
    Fresh(ConsoleUser),
    Secret(String),
}

/// `200`, or `403 INSUFFICIENT_SCOPE`: the status, then the error code of a
/// refusal or the verdict of a verify answer.
async fn outcome(response: reqwest::Response) -> String {
    let status = response.status().as_u16();
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !is_json || status == 204 {
        return status.to_string();
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = if status >= 400 {
        body["error"]["code"].as_str()
    } else {
        body["data"]["code"].as_str()
    };
    match code {
        Some(code) => format!("{status} {code}"),
        None => status.to_string(),
    }
}

/// The table: row label to cells, in the file's order.
fn read_matrix(text: &str) -> Vec<(String, Vec<String>)> {
    let mut lines = text
        .lines()
        .skip_while(|line| !line.starts_with("| route |"));
    let header = lines.next().expect("the table's header row");
    let columns: Vec<&str> = header
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .skip(1)
        .collect();
    assert_eq!(columns, PRINCIPALS, "the table's columns");
    lines
        .skip(1)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let mut cells = line
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned());
            let row = cells
                .next()
                .expect("a row label")
                .trim_matches('`')
                .to_owned();
            (row, cells.collect())
        })
        .collect()
}

fn write_matrix(rows: &[(String, Vec<String>)]) {
    let path = matrix_path();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let intro: String = old
        .lines()
        .take_while(|line| !line.starts_with("| route |"))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut table = format!("| route | {} |\n", PRINCIPALS.join(" | "));
    table.push_str(&format!("| --- |{}\n", " --- |".repeat(PRINCIPALS.len())));
    for (row, cells) in rows {
        table.push_str(&format!("| `{row}` | {} |\n", cells.join(" | ")));
    }
    std::fs::write(&path, format!("{intro}{table}")).expect("matrix written");
}

/// The route a row label calls: its method and path template.
fn route_of(row: &str) -> (&str, &str) {
    let call = row.split(" (").next().unwrap_or(row);
    call.split_once(' ').expect("METHOD /path")
}

#[tokio::test]
async fn every_route_answers_every_principal_as_the_matrix_says() {
    let text = std::fs::read_to_string(matrix_path()).expect("the permission matrix");
    let expected = read_matrix(&text);

    // Every route the server serves has a row.
    let missing: Vec<String> = http::route_table()
        .into_iter()
        .filter(|route| {
            !expected.iter().any(|(row, _)| {
                let (method, path) = route_of(row);
                path == route.path && (route.method == "ANY" || method == route.method)
            })
        })
        .map(|route| format!("{} {}", route.method, route.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in {}: {missing:?}",
        matrix_path().display()
    );

    let (world, _data) = World::build().await;
    let mut observed = Vec::new();
    let mut wrong = Vec::new();
    for (row, cells) in &expected {
        assert_eq!(
            cells.len(),
            PRINCIPALS.len(),
            "{row}: one cell per principal"
        );
        let mut seen = Vec::new();
        for (column, want) in PRINCIPALS.iter().zip(cells) {
            let (method, path, body) = world
                .call_for(row)
                .await
                .unwrap_or_else(|| panic!("no call is written for the row `{row}`"));
            let who = world.principal(column, row).await;
            let before = world.stored_state().await;
            let as_who = match &who {
                Who::Nobody => As::Anonymous,
                Who::Person(person) => As::Console(&person.signed_in),
                Who::Fresh(user) => As::Console(user),
                Who::Secret(secret) => As::Key(secret),
            };
            let response = world.app.call(as_who, method, &path, body).await;
            let got = outcome(response).await;
            if got.starts_with('4') || got.starts_with('5') {
                let after = world.stored_state().await;
                if before != after {
                    wrong.push(format!(
                        "{row} as {column}: refused ({got}) but changed what is stored"
                    ));
                }
            }
            if &got != want {
                wrong.push(format!("{row} as {column}: expected `{want}`, got `{got}`"));
            }
            seen.push(got);
        }
        observed.push((row.clone(), seen));
    }
    if std::env::var_os("KEYSCOPE_WRITE_MATRIX").is_some() {
        write_matrix(&observed);
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
