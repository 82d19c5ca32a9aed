//! Everything the server needs to start, gathered in one place.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port (tests use it).
    pub listen: SocketAddr,
    /// Holds `keyscope.db`; created with mode 0700 if missing.
    pub data_dir: PathBuf,
    /// The trunk-built web app (`dist/`).
    pub web_dir: PathBuf,
    /// The owner account created on the first start of an empty database.
    pub owner_email: String,
    /// Fill an empty database with the demo workspace.
    pub demo: bool,
    /// Mark the session cookie `Secure`: for HTTPS that a proxy in front
    /// ends; always on when `tls` is set.
    pub secure_cookies: bool,
    pub limits: crate::service::Limits,
    /// 64 hex characters; when absent, `master.key` in the data directory.
    pub master_key_hex: Option<String>,
    pub gateway: crate::http::GatewaySettings,
    /// HTTP worker threads, each serving its own connections; `None`: one
    /// per CPU.
    pub workers: Option<std::num::NonZeroUsize>,
    /// Request records older than this many days are deleted.
    pub retention_days: u32,
    pub client_timeouts: ClientTimeouts,
    /// Which addresses a project's upstream may lead to.
    pub upstreams: crate::service::upstreams::UpstreamPolicy,
    /// When set, `/metrics` needs `Authorization: Bearer <token>`; open
    /// otherwise (it shows only the server's own counters, no tenant's data).
    pub metrics_token: Option<String>,
    /// When set, `/metrics` is served on this address alone (port 0 picks
    /// a free one) and the main port answers it 404.
    pub metrics_listen: Option<SocketAddr>,
    /// Serve HTTPS with this certificate and key (read again on SIGHUP);
    /// plain HTTP when `None`.
    pub tls: Option<crate::tls::TlsFiles>,
}

/// How long the HTTP workers wait on clients.
#[derive(Debug, Clone, Copy)]
pub struct ClientTimeouts {
    /// To send a request's head, counted from when the server is ready for
    /// it: also how long an idle keep-alive connection is kept.
    pub request_head: std::time::Duration,
    /// At shutdown, for the answers in flight to finish; what is still open
    /// then is cut off.
    pub shutdown_grace: std::time::Duration,
}

impl Default for ClientTimeouts {
    fn default() -> Self {
        Self {
            request_head: std::time::Duration::from_secs(30),
            shutdown_grace: std::time::Duration::from_secs(30),
        }
    }
}
