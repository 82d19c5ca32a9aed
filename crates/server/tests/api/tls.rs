//! TLS: the server on HTTPS with a self-signed certificate; the reload that
//! SIGHUP triggers, in process and in the real binary; TLS settings refused
//! when one of the pair is missing.

use crate::binary::Binary;
use crate::helpers::{spawn_with, SpawnOptions};
use keyscope_server::configuration::ClientTimeouts;
use keyscope_server::tls::TlsFiles;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::AsyncReadExt;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// A self-signed certificate for 127.0.0.1 (what the tests connect to).
struct TestCertificate {
    certificate_pem: String,
    private_key_pem: String,
    der: Vec<u8>,
}

fn self_signed() -> TestCertificate {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("certificate generated");
    TestCertificate {
        certificate_pem: cert.pem(),
        private_key_pem: key_pair.serialize_pem(),
        der: cert.der().to_vec(),
    }
}

/// Writes `certificate` where `files` say, as a renewal would.
fn install(files: &TlsFiles, certificate: &TestCertificate) {
    std::fs::write(&files.certificate, &certificate.certificate_pem).expect("certificate written");
    std::fs::write(&files.private_key, &certificate.private_key_pem).expect("key written");
}

fn tls_files_in(directory: &Path) -> TlsFiles {
    TlsFiles {
        certificate: directory.join("cert.pem"),
        private_key: directory.join("key.pem"),
    }
}

/// An HTTPS client that trusts `certificate` alone.
fn https_client(certificate: &TestCertificate) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(certificate.certificate_pem.as_bytes())
                .expect("a PEM certificate"),
        )
        .cookie_store(true)
        .build()
        .expect("client")
}

/// The certificate the server presents to a new connection, read with a
/// bare TLS client that trusts every certificate the test made.
async fn presented_certificate(address: &str, trusted: &[&TestCertificate]) -> Vec<u8> {
    let mut roots = RootCertStore::empty();
    for certificate in trusted {
        roots
            .add(CertificateDer::from(certificate.der.clone()))
            .expect("a root");
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let host_port = address.strip_prefix("https://").expect("an https address");
    let tcp = tokio::net::TcpStream::connect(host_port)
        .await
        .expect("connected");
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(
            ServerName::try_from("127.0.0.1").expect("a server name"),
            tcp,
        )
        .await
        .expect("TLS handshake");
    let (_, connection) = stream.get_ref();
    connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("the server's certificate")
        .to_vec()
}

#[tokio::test]
async fn the_server_answers_over_https_and_reloads_its_certificate() {
    let data = TempDir::new().expect("data directory");
    let certificates = TempDir::new().expect("certificate directory");
    let files = tls_files_in(certificates.path());
    let first = self_signed();
    install(&files, &first);
    let app = spawn_with(SpawnOptions {
        tls: Some(files.clone()),
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    assert!(app.address.starts_with("https://"), "{}", app.address);
    let client = https_client(&first);

    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("GET /healthz over HTTPS");
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");

    let me = client
        .get(format!("{}/v1/me", app.address))
        .send()
        .await
        .expect("GET /v1/me over HTTPS");
    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.json().await.expect("JSON");
    assert_eq!(body["success"], true);

    // Over TLS the session cookie is Secure, though `secure_cookies` is off.
    let owner = app.started.new_owner.as_ref().expect("a new owner");
    let signed_in = client
        .post(format!("{}/v1/session", app.address))
        .json(&serde_json::json!({ "email": owner.email, "password": owner.password.expose() }))
        .send()
        .await
        .expect("signed in");
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .expect("ASCII cookie")
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // The console carries HSTS too.
    let console = client
        .get(format!("{}/keys", app.address))
        .send()
        .await
        .expect("the console");
    assert_eq!(console.status(), 200);
    assert!(console.headers().contains_key("strict-transport-security"));
    assert!(console.headers().contains_key("content-security-policy"));

    // Plain HTTP on the TLS port is no way in.
    let plain = reqwest::Client::new()
        .get(format!(
            "{}/healthz",
            app.address.replacen("https", "http", 1)
        ))
        .send()
        .await;
    assert!(
        plain.map_or(true, |response| !response.status().is_success()),
        "plain HTTP was answered on the TLS port"
    );

    let second = self_signed();
    let trusted = [&first, &second];
    assert_eq!(
        presented_certificate(&app.address, &trusted).await,
        first.der
    );
    install(&files, &second);
    // The files changed but nothing asked for a reload: still the first.
    assert_eq!(
        presented_certificate(&app.address, &trusted).await,
        first.der
    );
    let reloader = app.tls.as_ref().expect("a TLS reloader");
    reloader.reload().expect("reloaded");
    assert_eq!(
        presented_certificate(&app.address, &trusted).await,
        second.der
    );
    // A connection made by a client that trusts only the first now fails;
    // one that trusts the second succeeds.
    assert!(https_client(&first)
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .is_err());
    assert_eq!(
        https_client(&second)
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .expect("GET with the new certificate")
            .status(),
        200
    );

    // A bad file on reload: an error, and the certificate in use stays.
    std::fs::write(&files.certificate, "not a certificate").expect("written");
    let refused = reloader.reload().expect_err("a bad certificate refused");
    assert!(
        format!("{refused:#}").contains("cert.pem"),
        "the error names the file: {refused:#}"
    );
    // A key that does not belong to the certificate, likewise.
    let third = self_signed();
    std::fs::write(&files.certificate, &third.certificate_pem).expect("written");
    std::fs::write(&files.private_key, &first.private_key_pem).expect("written");
    let mismatched = reloader
        .reload()
        .expect_err("a key of another certificate refused");
    assert!(
        format!("{mismatched:#}").contains("does not fit"),
        "{mismatched:#}"
    );
    assert_eq!(
        presented_certificate(&app.address, &trusted).await,
        second.der
    );
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_handshake_is_let_go_after_the_client_timeout() {
    let data = TempDir::new().expect("data directory");
    let certificates = TempDir::new().expect("certificate directory");
    let files = tls_files_in(certificates.path());
    install(&files, &self_signed());
    let app = spawn_with(SpawnOptions {
        tls: Some(files),
        client_timeouts: ClientTimeouts {
            request_head: Duration::from_secs(1),
            ..ClientTimeouts::default()
        },
        ..SpawnOptions::new(false, data.path())
    })
    .await;
    let mut silent = tokio::net::TcpStream::connect(app.address.trim_start_matches("https://"))
        .await
        .expect("connected");
    let started = Instant::now();
    let mut buffer = [0_u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buffer))
        .await
        .expect("the server closed the connection");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "closed, not answered: {read:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the timeout"
    );
    app.stop().await;
}

#[tokio::test]
async fn sighup_makes_the_binary_serve_the_renewed_certificate() {
    let root = TempDir::new().expect("directory");
    let files = tls_files_in(root.path());
    let first = self_signed();
    install(&files, &first);
    let server = Binary::start_with(
        root.path(),
        "info",
        &[
            "--tls-cert".as_ref(),
            files.certificate.as_os_str(),
            "--tls-key".as_ref(),
            files.private_key.as_os_str(),
        ],
    )
    .await;
    assert!(server.address.starts_with("https://"), "{}", server.address);
    let second = self_signed();
    let trusted = [&first, &second];
    assert_eq!(
        presented_certificate(&server.address, &trusted).await,
        first.der
    );

    install(&files, &second);
    server.signal("HUP");
    let started = Instant::now();
    while presented_certificate(&server.address, &trusted).await != second.der {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the renewed certificate was not served after SIGHUP"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A broken renewal: logged, and the server keeps the certificate it has.
    std::fs::write(&files.private_key, "-----BEGIN PRIVATE KEY-----\ngarbage\n").expect("written");
    server.signal("HUP");
    let started = Instant::now();
    loop {
        let log = std::fs::read_to_string(&server.stderr_path).unwrap_or_default();
        if log.contains("were not reloaded") {
            assert!(log.contains("key.pem"), "the error names the file: {log}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no error logged for a bad key: {log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        presented_certificate(&server.address, &trusted).await,
        second.der
    );
    let log = std::fs::read_to_string(&server.stderr_path).unwrap_or_default();
    assert!(log.contains("reloaded the TLS certificate"), "{log}");
    assert!(server.terminate().success());
}

#[test]
fn a_certificate_without_its_key_is_refused_at_start_naming_the_missing_setting() {
    let root = TempDir::new().expect("directory");
    let files = tls_files_in(root.path());
    install(&files, &self_signed());
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(root.path().join("db"))
        .arg("--tls-cert")
        .arg(&files.certificate)
        .env_remove("KEYSCOPE_TLS_KEY")
        .output()
        .expect("ran");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--tls-key (KEYSCOPE_TLS_KEY)"), "{stderr}");

    // And the key alone, through its environment variable.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(root.path().join("db"))
        .env("KEYSCOPE_TLS_KEY", &files.private_key)
        .env_remove("KEYSCOPE_TLS_CERT")
        .output()
        .expect("ran");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--tls-cert (KEYSCOPE_TLS_CERT)"),
        "{stderr}"
    );

    // A certificate file that is not one: refused at start, naming it.
    std::fs::write(&files.certificate, "nothing here").expect("written");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_keyscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(root.path().join("db"))
        .arg("--tls-cert")
        .arg(&files.certificate)
        .arg("--tls-key")
        .arg(&files.private_key)
        .output()
        .expect("ran");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("cert.pem"), "{stderr}");
}
