//! Gateway paths against the upstreams that read them (issue #15, finding
//! 2): every path the gateway accepts reaches an upstream with the first
//! segment its scope was checked on, and the traversals that reached an
//! nginx upstream's `/admin` with a key for `things` are refused before it.
//!
//! The nginx here is Debian's, started by the test; `scripts/setup.sh`
//! installs it.

use crate::helpers::{spawn_app, As, TestApp};
use keyscope_model::{ErrorCode, ErrorResponse, Scope};
use keyscope_server::service::gateway::split_path;
use proptest::prelude::*;
use reqwest::Method;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- the property: accepted paths reach upstreams as checked ------------

/// What nginx acts on: the path decoded once, slashes merged, then dot
/// segments removed (RFC 3986, 5.2.4). `None` where a `%` starts no escape,
/// which nginx refuses.
fn nginx_view(path: &str) -> Option<Vec<u8>> {
    let decoded = percent_decoded(path.as_bytes())?;
    Some(remove_dot_segments(&merge_slashes(&decoded)))
}

/// What a laxer upstream acts on: Java servers drop `;params` from each
/// segment before decoding, and Windows and Java servers take `\` for `/`.
fn lax_view(path: &str) -> Option<Vec<u8>> {
    let without_params: Vec<&str> = path
        .split('/')
        .map(|segment| segment.split(';').next().unwrap_or_default())
        .collect();
    let decoded = percent_decoded(without_params.join("/").as_bytes())?;
    let slashed: Vec<u8> = decoded
        .into_iter()
        .map(|byte| if byte == b'\\' { b'/' } else { byte })
        .collect();
    Some(remove_dot_segments(&merge_slashes(&slashed)))
}

fn percent_decoded(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&byte, after)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(after.get(..2)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &after[2..];
        } else {
            decoded.push(byte);
            rest = after;
        }
    }
    Some(decoded)
}

fn merge_slashes(path: &[u8]) -> Vec<u8> {
    let mut merged: Vec<u8> = Vec::with_capacity(path.len());
    for &byte in path {
        if !(byte == b'/' && merged.last() == Some(&b'/')) {
            merged.push(byte);
        }
    }
    merged
}

/// RFC 3986, 5.2.4, step by step.
fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let mut input = path.to_vec();
    let mut output: Vec<u8> = Vec::new();
    let drop_last_segment = |output: &mut Vec<u8>| {
        let last_slash = output.iter().rposition(|&byte| byte == b'/').unwrap_or(0);
        output.truncate(last_slash);
    };
    while !input.is_empty() {
        if input.starts_with(b"../") {
            input.drain(..3);
        } else if input.starts_with(b"./") || input.starts_with(b"/./") {
            // `./` goes; `/./` becomes `/`.
            input.drain(..2);
        } else if input == b"/." {
            input = b"/".to_vec();
        } else if input.starts_with(b"/../") {
            input.drain(..3);
            drop_last_segment(&mut output);
        } else if input == b"/.." {
            input = b"/".to_vec();
            drop_last_segment(&mut output);
        } else if input == b"." || input == b".." {
            input.clear();
        } else {
            let start = usize::from(input.first() == Some(&b'/'));
            let end = input[start..]
                .iter()
                .position(|&byte| byte == b'/')
                .map_or(input.len(), |at| at + start);
            output.extend(input.drain(..end));
        }
    }
    output
}

fn first_segment(path: &[u8]) -> &[u8] {
    path.split(|&byte| byte == b'/')
        .find(|segment| !segment.is_empty())
        .unwrap_or_default()
}

/// A fragment of a path segment: mostly plain, the rest every way of
/// writing a separator, a dot, a parameter or an escape.
fn piece() -> impl Strategy<Value = String> {
    let fixed =
        |pieces: &'static [&'static str]| prop::sample::select(pieces).prop_map(str::to_owned);
    prop_oneof![
        12 => fixed(&["things", "admin", "v1", "files", "a", "x_1", "Things"]),
        3 => fixed(&[".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2E%2e", "..."]),
        2 => fixed(&["%2f", "%2F", "%5c", "%5C", "\\"]),
        2 => fixed(&[";", ";jsessionid=1", "%3b", "%3B"]),
        2 => fixed(&["%25", "%252e", "%252F", "%", "%2", "%zz"]),
        2 => fixed(&["%20", "%C3%A9", "%c3%a9", "%C0%AE", "%74", "%61dmin", "%00"]),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(byte, upper)| if upper {
            format!("%{byte:02X}")
        } else {
            format!("%{byte:02x}")
        }),
    ]
}

/// A gateway path (after `/gateway/{api_id}`): segments of pieces, some
/// empty (so `//`), with or without a trailing slash.
fn gateway_path() -> impl Strategy<Value = String> {
    let segment = prop::collection::vec(piece(), 0..3).prop_map(|pieces| pieces.concat());
    (prop::collection::vec(segment, 0..5), any::<bool>()).prop_map(|(segments, trailing)| {
        let mut path = format!("/{}", segments.join("/"));
        if trailing && !path.ends_with('/') {
            path.push('/');
        }
        path
    })
}

/// 4096 cases, or as many as `PROPTEST_CASES` says (`make fuzz`).
fn config() -> ProptestConfig {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(4096)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn accepted_paths_reach_upstreams_as_checked(path in gateway_path()) {
        let uri_path = format!("/gateway/api_1{path}");
        if let Ok((api_id, checked)) = split_path(&uri_path) {
            prop_assert_eq!(api_id, "api_1");
            prop_assert_eq!(checked.as_sent, path.as_str(), "forwarded as sent");
            let required = Scope::required_for("GET", &checked.decoded);
            for (upstream, view) in [("nginx", nginx_view(checked.as_sent)), ("lax", lax_view(checked.as_sent))] {
                let view = view.expect("an upstream reads every accepted path");
                prop_assert_eq!(
                    first_segment(&view),
                    first_segment(checked.decoded.as_bytes()),
                    "{} reads another first segment", upstream
                );
                prop_assert_eq!(
                    &view[..],
                    checked.decoded.as_bytes(),
                    "{} reads another path", upstream
                );
                prop_assert_eq!(
                    Scope::required_for("GET", &String::from_utf8_lossy(&view)),
                    required.clone(),
                    "{} needs another scope", upstream
                );
            }
        }
    }

    #[test]
    fn any_text_is_split_without_panicking(text in prop::collection::vec(any::<char>(), 0..40)) {
        let text: String = text.into_iter().collect();
        let _ = split_path(&text);
        let _ = split_path(&format!("/gateway/api_1/{text}"));
    }

    #[test]
    fn plain_paths_are_accepted_as_they_are(
        segments in prop::collection::vec(prop::sample::select(&["things", "v1", "7", "a_b", "caf%C3%A9", "a%20b"][..]), 1..5)
    ) {
        let path = format!("/{}", segments.join("/"));
        let uri_path = format!("/gateway/api_1{path}");
        let accepted = split_path(&uri_path);
        prop_assert!(accepted.is_ok(), "{} refused", path);
    }
}

// ---- the traversals, end to end ----------------------------------------

/// Ways to `/admin` with a key for `things`: the first six are the
/// issue's, the rest relatives; each leads there on nginx, or on a Java,
/// Windows or twice-decoding upstream.
const TRAVERSALS: [&str; 16] = [
    "/things/..%2fadmin",
    "/things/%2e%2e%2fadmin",
    "/things/..%2Fadmin",
    "/things/%2E%2E%2Fadmin",
    "/things/..%5cadmin",
    "/things/..;/admin",
    "/things/..%3B/admin",
    "/things/%2e%2E/admin",
    "/things/.%2e%2Fadmin",
    "/things/%252e%252e%252fadmin",
    "/things/%c0%ae%c0%ae%2fadmin",
    "/things/..%20/admin",
    "/things/..%00/admin",
    "/things//..%2fadmin",
    "//admin",
    "/things/..\\admin",
];

#[tokio::test]
async fn traversals_are_refused_before_a_real_nginx() {
    let nginx = Nginx::start().await;
    // The control: nginx itself resolves these to `/admin`, so a gateway
    // that forwarded them would leak it.
    for direct in ["/things/..%2fadmin", "/things/%2E%2E%2Fadmin", "//admin"] {
        let (status, body) = raw_get(&nginx.address, direct, None).await;
        assert_eq!((status, body.as_str()), (200, "ADMIN SECRET"), "{direct}");
    }
    let (app, _data) = spawn_app().await;
    let gateway = ThingsGateway::to(&app, &nginx).await;

    for traversal in TRAVERSALS {
        let (status, body) = gateway.get(&app, traversal).await;
        assert_eq!(status, 400, "{traversal}: {body}");
        let envelope: ErrorResponse = serde_json::from_str(&body)
            .unwrap_or_else(|error| panic!("{traversal}: no error envelope ({error}): {body}"));
        assert_eq!(
            envelope.error.code,
            ErrorCode::ValidationError,
            "{traversal}"
        );
        assert_eq!(
            envelope.error.details.expect("details")["field"],
            "path",
            "{traversal}"
        );
        assert!(!body.contains("ADMIN SECRET"), "{traversal}: {body}");
    }

    // A call that does reach nginx, so its log is known to be written
    // when it shows this one.
    let (status, body) = gateway.get(&app, "/things/1").await;
    assert_eq!((status, body.as_str()), (200, "things"));
    let through_gateway = nginx.requests_through_gateway(1).await;
    assert_eq!(
        through_gateway,
        vec!["\"GET /things/1 HTTP/1.1\" 200".to_owned()],
        "only the legitimate call reached nginx"
    );
}

/// The scope is checked on the decoded path, the one nginx acts on: an
/// escaped first segment needs that segment's scope, and harmless escapes
/// arrive as the caller wrote them, for nginx to decode.
#[tokio::test]
async fn nginx_acts_on_the_decoded_path_the_scope_was_checked_on() {
    let nginx = Nginx::start().await;
    let (app, _data) = spawn_app().await;
    let gateway = ThingsGateway::to(&app, &nginx).await;
    for (path, nginx_saw) in [
        ("/%74hings/uri/1", "/things/uri/1"),
        (
            "/things/uri/caf%C3%A9%20au%20lait",
            "/things/uri/café au lait",
        ),
        ("/%74%68%69%6E%67%73/uri/", "/things/uri/"),
    ] {
        let (status, body) = gateway.get(&app, path).await;
        assert_eq!((status, body.as_str()), (200, nginx_saw), "{path}");
    }
    for (path, required) in [("/%61dmin", "read:admin"), ("/%41DMIN", "read")] {
        let (status, body) = gateway.get(&app, path).await;
        assert_eq!(status, 403, "{path}: {body}");
        let envelope: ErrorResponse = serde_json::from_str(&body).expect("error envelope");
        assert_eq!(envelope.error.code, ErrorCode::InsufficientScope, "{path}");
        assert_eq!(
            envelope.error.details.expect("details")["required_scope"],
            required,
            "{path}"
        );
    }
    let (status, _) = gateway.get(&app, "/things/1").await;
    assert_eq!(status, 200);
    let through_gateway = nginx.requests_through_gateway(4).await;
    assert_eq!(
        through_gateway.len(),
        4,
        "the four calls let through, no more: {through_gateway:?}"
    );
    assert!(
        !through_gateway
            .iter()
            .any(|line| line.to_ascii_lowercase().contains("dmin")),
        "the refused calls reached nginx: {through_gateway:?}"
    );
}

/// A project whose upstream is `nginx`, and a key for it that may only
/// read `things`.
struct ThingsGateway {
    api_id: String,
    reader: String,
}

impl ThingsGateway {
    async fn to(app: &TestApp, nginx: &Nginx) -> Self {
        let owner = app.owner().await;
        let credentials = app.create_project(&owner, "Behind nginx").await;
        let response = app
            .call(
                As::Console(&owner),
                Method::PATCH,
                &format!("/v1/projects/{}", credentials.project_id),
                Some(json!({ "upstream_url": format!("http://{}", nginx.address) })),
            )
            .await;
        assert_eq!(response.status(), 200);
        let key = app
            .create_key(
                &owner,
                json!({
                    "name": "things reader",
                    "scopes": ["read:things"],
                    "project_id": credentials.project_id,
                }),
            )
            .await;
        Self {
            api_id: credentials.api_id,
            reader: key.secret,
        }
    }

    async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        raw_get(
            app.address.trim_start_matches("http://"),
            &format!("/gateway/{}{path}", self.api_id),
            Some(&self.reader),
        )
        .await
    }
}

/// A GET written on a raw socket, since HTTP clients resolve `..` and
/// re-escape paths before sending: the status and the body.
async fn raw_get(address: &str, path: &str, key: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connected");
    let key_header = key.map_or(String::new(), |key| format!("x-api-key: {key}\r\n"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: test\r\n{key_header}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{path}: not an HTTP answer: {answer}"));
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{path}: a chunked answer, which this reader does not decode: {head}"
    );
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no status: {head}"));
    (status, body.to_owned())
}

/// Debian's nginx in one process, on a free loopback port, with its
/// configuration and logs in a temporary directory; stopped on drop.
struct Nginx {
    process: Child,
    directory: tempfile::TempDir,
    address: String,
}

impl Nginx {
    async fn start() -> Self {
        let directory = tempfile::TempDir::new().expect("temporary directory");
        let address = free_loopback_address();
        let configuration = directory.path().join("nginx.conf");
        std::fs::write(
            &configuration,
            nginx_configuration(directory.path(), &address),
        )
        .expect("nginx.conf written");
        let stderr = std::fs::File::create(directory.path().join("stderr.log")).expect("stderr");
        let process = Command::new(nginx_binary())
            .arg("-p")
            .arg(directory.path())
            .arg("-e")
            .arg(directory.path().join("error.log"))
            .arg("-c")
            .arg(&configuration)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("nginx started");
        let mut nginx = Self {
            process,
            directory,
            address,
        };
        nginx.wait_until_listening().await;
        nginx
    }

    /// Polls nginx's port; fails with its error log if it exits instead.
    async fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.process.try_wait().expect("nginx's status") {
                panic!("nginx exited ({status}): {}", self.logs());
            }
            if tokio::net::TcpStream::connect(&self.address).await.is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {} within 10 s: {}",
                self.address,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn logs(&self) -> String {
        ["stderr.log", "error.log"]
            .map(|name| {
                std::fs::read_to_string(self.directory.path().join(name)).unwrap_or_default()
            })
            .join("\n")
    }

    /// The access log's lines for calls the gateway forwarded (those with
    /// `X-Forwarded-For`; the test's own direct calls have none), waiting
    /// until there are at least `expected`: nginx writes a line once it
    /// has answered.
    async fn requests_through_gateway(&self, expected: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = std::fs::read_to_string(self.directory.path().join("access.log"))
                .unwrap_or_default();
            let lines: Vec<String> = log
                .lines()
                .filter_map(|line| line.strip_prefix("127.0.0.1 "))
                .map(str::to_owned)
                .collect();
            if lines.len() >= expected || Instant::now() > deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // One process (`master_process off`), so killing it leaves no
        // workers behind.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|directory| directory.join("nginx"));
    on_path
        .chain([PathBuf::from("/usr/sbin/nginx")])
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("nginx is not installed, and the gateway's path tests need it: run scripts/setup.sh")
        })
}

fn free_loopback_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").to_string()
}

/// `/things/` and `/admin` as the issue's upstream had them, `/things/uri/`
/// answering with the path nginx decoded, and a log line per request
/// naming who forwarded it.
fn nginx_configuration(directory: &Path, address: &str) -> String {
    let directory = directory.display();
    format!(
        r#"master_process off;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
    log_format forwarded '$http_x_forwarded_for "$request" $status';
    access_log {directory}/access.log forwarded;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    default_type text/plain;
    server {{
        listen {address};
        location /things/ {{ return 200 "things"; }}
        location /things/uri/ {{ return 200 "$uri"; }}
        location /admin {{ return 200 "ADMIN SECRET"; }}
        location / {{ return 404 "nothing here"; }}
    }}
}}
"#
    )
}
