//! `spawn_app()`: the real application on port 0 with its own fresh data
//! directory, and a client pointed at it.

use keyscope_model::{ApiKey, CreatedKey, Me, ProjectCredentials, Response, Role};
use keyscope_server::configuration::{ClientTimeouts, Settings};
use keyscope_server::http::GatewaySettings;
use keyscope_server::service::{users, Limits, Services};
use keyscope_server::startup::{Application, Started};
use keyscope_server::tls::{ReloadableTls, TlsFiles};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    pub address: String,
    /// The metrics listener's base URL, when it has one of its own.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub started: Started,
    pub services: Services,
    pub data_dir: PathBuf,
    /// What SIGHUP calls in the binary; set when serving TLS.
    pub tls: Option<ReloadableTls>,
    stop: Option<oneshot::Sender<()>>,
    /// How the server's run ended, sent from its own thread.
    server: Option<oneshot::Receiver<anyhow::Result<()>>>,
    _web_dir: TempDir,
}

pub struct SpawnOptions<'a> {
    pub demo: bool,
    /// Reuse a data directory (to test a restart); fresh when `None`.
    pub data_dir: Option<&'a Path>,
    pub limits: Limits,
    pub gateway: GatewaySettings,
    pub client_timeouts: ClientTimeouts,
    /// Loopback upstreams are what the tests start, so allowed by default.
    pub allow_private_upstreams: bool,
    pub metrics_token: Option<String>,
    /// Serve `/metrics` on its own listener (`127.0.0.1:0` for a free port).
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Serve HTTPS with these files; `address` is then `https://…`, and
    /// `client` trusts no certificate (tests bring their own).
    pub tls: Option<TlsFiles>,
}

impl<'a> SpawnOptions<'a> {
    pub fn new(demo: bool, data_dir: &'a Path) -> Self {
        Self {
            demo,
            data_dir: Some(data_dir),
            limits: Limits::default(),
            gateway: GatewaySettings::default(),
            client_timeouts: ClientTimeouts::default(),
            allow_private_upstreams: true,
            metrics_token: None,
            metrics_listen: None,
            tls: None,
        }
    }
}

pub async fn spawn_app() -> (TestApp, TempDir) {
    let data = TempDir::new().expect("temporary data directory");
    let app = spawn_with(SpawnOptions::new(false, data.path())).await;
    (app, data)
}

/// A server whose HTTP workers wait on clients as `client_timeouts` says,
/// for tests that need a timeout shorter than the default 30 s.
pub async fn spawn_app_with_timeouts(client_timeouts: ClientTimeouts) -> (TestApp, TempDir) {
    let data = TempDir::new().expect("temporary data directory");
    let app = spawn_with(SpawnOptions {
        client_timeouts,
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    (app, data)
}

pub async fn spawn_demo_app() -> (TestApp, TempDir) {
    let data = TempDir::new().expect("temporary data directory");
    let app = spawn_with(SpawnOptions::new(true, data.path())).await;
    (app, data)
}

pub async fn spawn_with(options: SpawnOptions<'_>) -> TestApp {
    let web_dir = TempDir::new().expect("temporary web directory");
    std::fs::write(
        web_dir.path().join("index.html"),
        "<!DOCTYPE html><title>keyscope test shell</title>",
    )
    .expect("index.html written");
    let data_dir = options
        .data_dir
        .map(Path::to_path_buf)
        .expect("tests pass a data directory they own");
    let settings = Settings {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: data_dir.clone(),
        web_dir: web_dir.path().to_path_buf(),
        owner_email: "owner@example.test".to_owned(),
        demo: options.demo,
        secure_cookies: false,
        limits: options.limits,
        master_key_hex: None,
        retention_days: 90,
        // More than one, so every test also goes through the shared port.
        workers: std::num::NonZeroUsize::new(2),
        gateway: options.gateway,
        client_timeouts: options.client_timeouts,
        upstreams: keyscope_server::service::upstreams::UpstreamPolicy {
            allow_private: options.allow_private_upstreams,
        },
        metrics_token: options.metrics_token,
        metrics_listen: options.metrics_listen,
        tls: options.tls,
    };
    let mut application = Application::build(&settings)
        .await
        .expect("application builds");
    let scheme = if application.serves_tls() {
        "https"
    } else {
        "http"
    };
    let address = format!("{scheme}://{}", application.address());
    let metrics_address = application
        .metrics_address()
        .map(|address| format!("{scheme}://{address}"));
    let tls = application.tls_reloader();
    let started = std::mem::replace(
        &mut application.started,
        Started {
            new_owner: None,
            demo: None,
        },
    );
    let services = application.services.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let (finished, server) = oneshot::channel();
    // The server runs on a multi-threaded runtime of its own, as under the
    // binary's `#[tokio::main]`, not on the test's single thread: the log
    // writer moves its blocking SQLite work off the runtime with
    // `block_in_place`, which a single-threaded runtime cannot do. There,
    // a batch waiting in SQLite's busy handler for a lock held by another
    // writer blocked the very thread that writer needed to finish, until
    // the 5 s busy timeout failed the batch.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the server's runtime");
        let ran = runtime.block_on(application.run_until(async {
            let _ = stopped.await;
        }));
        let _ = finished.send(ran);
    });
    TestApp {
        address,
        metrics_address,
        client: reqwest::Client::new(),
        started,
        services,
        data_dir,
        tls,
        stop: Some(stop),
        server: Some(server),
        _web_dir: web_dir,
    }
}

/// The `X-Request-Id` an answer carries: the id the request log shows.
pub fn request_id_of(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .expect("an ASCII request id")
        .to_owned()
}

/// Who makes a call: nobody, a signed-in console user, or an API key.
#[derive(Clone, Copy)]
pub enum As<'a> {
    Anonymous,
    Console(&'a ConsoleUser),
    Key(&'a str),
}

/// A signed-in console user: a cookie jar and the session's CSRF token.
pub struct ConsoleUser {
    pub client: reqwest::Client,
    pub me: Me,
}

impl TestApp {
    /// An anonymous GET.
    /// The directory the app serves the web app from.
    pub fn web_dir(&self) -> &Path {
        self._web_dir.path()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.call(As::Anonymous, Method::GET, path, None).await
    }

    pub async fn call(
        &self,
        who: As<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let url = format!("{}{path}", self.address);
        let mut request = match who {
            As::Anonymous => self.client.request(method, url),
            As::Key(secret) => self.client.request(method, url).bearer_auth(secret),
            As::Console(user) => user
                .client
                .request(method, url)
                .header("X-CSRF-Token", &user.me.csrf_token),
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    /// The one call most access tests make: list keys with a key.
    pub async fn list_keys_with(&self, secret: &str) -> reqwest::Response {
        self.call(As::Key(secret), Method::GET, "/v1/keys", None)
            .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Result<ConsoleUser> {
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        let response = client
            .post(format!("{}/v1/session", self.address))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await?
            .error_for_status()?;
        let me: Response<Me> = response.json().await?;
        Ok(ConsoleUser {
            client,
            me: me.data,
        })
    }

    /// The owner created on first start, signed in.
    pub async fn owner(&self) -> ConsoleUser {
        let owner = self
            .started
            .new_owner
            .as_ref()
            .expect("the owner of a fresh database");
        self.sign_in(&owner.email, owner.password.expose())
            .await
            .expect("owner signs in")
    }

    /// A new console user of the first workspace with this role, signed in.
    pub async fn user_with_role(&self, email: &str, role: Role) -> ConsoleUser {
        let workspace_id = self.owner().await.me.workspace_id;
        let operator = keyscope_model::Grant::operator(workspace_id);
        let (_, password) = users::add(&self.services.store, &operator, email, role)
            .await
            .expect("user added");
        self.sign_in(email, password.expose())
            .await
            .expect("user signs in")
    }

    /// Creates a key through the API as `owner`; returns it with its secret.
    pub async fn create_key(&self, owner: &ConsoleUser, body: Value) -> CreatedKey {
        let response = self
            .call(As::Console(owner), Method::POST, "/v1/keys", Some(body))
            .await;
        assert_eq!(response.status(), 201, "key created");
        let created: Response<CreatedKey> = response.json().await.expect("created key");
        created.data
    }

    /// Creates a project through the API; returns its id and credentials.
    pub async fn create_project(&self, owner: &ConsoleUser, name: &str) -> ProjectCredentials {
        let response = self
            .call(
                As::Console(owner),
                Method::POST,
                "/v1/projects",
                Some(json!({ "name": name })),
            )
            .await;
        assert_eq!(response.status(), 201, "project created");
        let created: Value = response.json().await.expect("created project");
        serde_json::from_value(created["data"]["credentials"].clone()).expect("credentials")
    }

    pub async fn key(&self, owner: &ConsoleUser, id: &str) -> ApiKey {
        let response = self
            .call(
                As::Console(owner),
                Method::GET,
                &format!("/v1/keys/{id}"),
                None,
            )
            .await;
        let key: Response<ApiKey> = response.json().await.expect("key");
        key.data
    }

    /// Stops the server and waits until it has let go of the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server thread").expect("server ran");
        }
    }
}

/// Reads a `/v1` error envelope, asserting its shape.
pub async fn error_of(response: reqwest::Response) -> (u16, keyscope_model::ApiError) {
    let status = response.status().as_u16();
    let body: keyscope_model::ErrorResponse = response.json().await.expect("error envelope");
    assert!(!body.success);
    (status, body.error)
}

/// How often [`eventually`] checks again.
const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);

/// Waits for something the server does after it answers (a write, an
/// expiry, a closed connection): calls `check` until it gives a value, and
/// panics naming `what` if none came within `deadline`. A wait on the
/// condition itself, where a fixed sleep would be too short on a busy
/// machine and needlessly long on an idle one.
pub async fn eventually<T, F, Fut>(what: &str, deadline: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let give_up = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "not within {deadline:?}: {what}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
