//! `spawn_app()`: the real application on port 0 with its own fresh data
//! directory, and a client pointed at it.

use keyscope_server::configuration::Settings;
use keyscope_server::startup::{Application, Started};
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub started: Started,
    pub data_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _web_dir: TempDir,
}

pub struct SpawnOptions<'a> {
    pub demo: bool,
    /// Reuse a data directory (to test a restart); fresh when `None`.
    pub data_dir: Option<&'a Path>,
}

pub async fn spawn_app() -> (TestApp, TempDir) {
    let data = TempDir::new().expect("temporary data directory");
    let app = spawn_with(SpawnOptions {
        demo: false,
        data_dir: Some(data.path()),
    })
    .await;
    (app, data)
}

pub async fn spawn_demo_app() -> (TestApp, TempDir) {
    let data = TempDir::new().expect("temporary data directory");
    let app = spawn_with(SpawnOptions {
        demo: true,
        data_dir: Some(data.path()),
    })
    .await;
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
    };
    let mut application = Application::build(&settings)
        .await
        .expect("application builds");
    let address = format!("http://{}", application.address());
    let started = std::mem::replace(
        &mut application.started,
        Started {
            new_owner: None,
            demo: None,
        },
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        started,
        data_dir,
        stop: Some(stop),
        server: Some(server),
        _web_dir: web_dir,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Stops the server and waits until it has let go of the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
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
