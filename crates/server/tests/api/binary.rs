//! The real `keyscope` binary as a child process, for what only a process
//! shows: its log output and its behaviour on SIGTERM.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Binary {
    child: Child,
    pub address: String,
    pub owner_email: String,
    pub owner_password: String,
    pub stdout_path: PathBuf,
    pub stderr_path: PathBuf,
    pub data_dir: PathBuf,
}

impl Binary {
    /// Starts `keyscope serve` on a free port with its files under `root`.
    pub async fn start(root: &Path, rust_log: &str) -> Binary {
        Self::start_with::<&str>(root, rust_log, &[]).await
    }

    /// As [`Binary::start`], with more arguments for `serve`.
    pub async fn start_with<S: AsRef<std::ffi::OsStr>>(
        root: &Path,
        rust_log: &str,
        more: &[S],
    ) -> Binary {
        let stdout_path = root.join("stdout.log");
        let stderr_path = root.join("stderr.log");
        let data_dir = root.join("db");
        let child = Command::new(env!("CARGO_BIN_EXE_keyscope"))
            // The tests' upstreams are on loopback.
            .args([
                "serve",
                "--allow-private-upstreams",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(&data_dir)
            .arg("--web-dir")
            .arg(root)
            .args(more)
            .env("RUST_LOG", rust_log)
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
        Binary {
            child,
            address,
            owner_email: field("email:"),
            owner_password: field("password:"),
            stdout_path,
            stderr_path,
            data_dir,
        }
    }

    /// A cookie-holding client signed in as the owner, and the CSRF token.
    pub async fn owner(&self) -> (reqwest::Client, String) {
        let console = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let me: serde_json::Value = console
            .post(format!("{}/v1/session", self.address))
            .json(
                &serde_json::json!({ "email": self.owner_email, "password": self.owner_password }),
            )
            .send()
            .await
            .expect("signed in")
            .json()
            .await
            .expect("me");
        let csrf = me["data"]["csrf_token"].as_str().expect("csrf").to_owned();
        (console, csrf)
    }

    /// A project whose upstream is a port nothing listens on any more, so
    /// a gateway call to it fails with 502; its API ID.
    pub async fn project_with_a_gone_upstream(
        &self,
        console: &reqwest::Client,
        csrf: &str,
    ) -> String {
        let address = &self.address;
        let project = send_json(
            console.post(format!("{address}/v1/projects")),
            csrf,
            serde_json::json!({ "name": "gone upstream" }),
        )
        .await;
        let project_id = project["data"]["project"]["id"].as_str().expect("id");
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port");
        let patched = send_json(
            console.patch(format!("{address}/v1/projects/{project_id}")),
            csrf,
            serde_json::json!({ "upstream_url": format!("http://{closed}/api") }),
        )
        .await;
        assert_eq!(
            patched["data"]["upstream_url"],
            format!("http://{closed}/api")
        );
        project["data"]["credentials"]["api_id"]
            .as_str()
            .expect("API ID")
            .to_owned()
    }

    /// Sends the process a signal by name (`HUP`, `TERM`).
    pub fn signal(&self, name: &str) {
        Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("signalled");
    }

    pub fn sigterm(&self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("signalled");
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        self.sigterm();
        self.child.wait().expect("server exits")
    }

    pub fn wait(mut self) -> ExitStatus {
        self.child.wait().expect("server exits")
    }
}

/// Runs `keyscope` with `args` to its end, in an environment of only `env`
/// (none of the test runner's `KEYSCOPE_*` or `RUST_LOG`).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("keyscope runs")
}

/// A console call of the signed-in `console` (see [`Binary::owner`]): the
/// CSRF token and a JSON body on `request`, the answer's JSON back.
pub async fn send_json(
    request: reqwest::RequestBuilder,
    csrf: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    request
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("a JSON answer")
}
