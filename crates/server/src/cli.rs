//! The command line: `keyscope serve`, `keyscope config print`, and operator
//! commands for scripts and locked-out owners (`users add`,
//! `keys create|list|revoke`).
//!
//! The settings are declared here and only here: each is a field of
//! [`ServeArgs`] (or of what it flattens) with a long flag and an
//! environment variable. From that one declaration come its flag, its
//! variable, its key in the configuration file (the field's name), its
//! default, its help, its validation (the value parser, applied to the value
//! from every source) and whether it is secret (`hide_env_values`: masked in
//! `config print`, its value never echoed in an error). `layers` folds the
//! configuration file in between the environment and the defaults.

use crate::configuration::{ClientTimeouts, Settings};
use crate::crypto::MasterKey;
use crate::http::GatewaySettings;
use crate::service::{keys, users, Limits, Services};
use crate::startup::Application;
use crate::store::{workspaces, Store};
use crate::tls::{ReloadableTls, TlsFiles};
use clap::{Args, FromArgMatches, Parser, Subcommand};
use keyscope_model::{CreateKeyRequest, Grant, KeySpec, PageRequest, Role};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

mod layers;
mod logging;

pub use layers::Refusal;
pub use logging::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "keyscope",
    version,
    about = "API keys, rate limits and usage for your API"
)]
pub struct Cli {
    /// A TOML file of settings, keyed by the settings' names (`listen`,
    /// `data_dir`, ...); flags and environment variables override it.
    #[arg(long, global = true, env = "KEYSCOPE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server and serve the web app.
    Serve(ServeArgs),
    /// Console users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The settings.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the settings `serve` would run with, as TOML, each with where
    /// its value came from; secrets are shown as "***".
    Print(ServeArgs),
}

#[derive(Debug, Args)]
struct DataArgs {
    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "KEYSCOPE_DATA_DIR", default_value = "keyscope-data")]
    data_dir: PathBuf,
    /// Master key for sealed values, 64 hex characters; without it the
    /// server keeps one in `master.key` in the data directory (mode 0600).
    #[arg(long, env = "KEYSCOPE_MASTER_KEY", hide_env_values = true, value_parser = parse_master_key)]
    master_key: Option<String>,
}

#[derive(Debug, Clone, Args)]
struct LogArgs {
    /// How log lines are written to stderr: `text` for people, `json` (one
    /// object a line, the request's `request_id` in its `span`) for log
    /// collectors.
    #[arg(long, env = "KEYSCOPE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Which log lines are written: a tracing filter, such as `warn` or
    /// `info,keyscope_server::http=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info,sqlx=warn", value_parser = logging::parse_filter)]
    log_filter: String,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYSCOPE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    data: DataArgs,
    /// Directory of the trunk-built web app.
    #[arg(long, env = "KEYSCOPE_WEB_DIR", default_value = "dist")]
    web_dir: PathBuf,
    /// E-mail of the owner account created on the first start.
    #[arg(
        long,
        env = "KEYSCOPE_OWNER_EMAIL",
        default_value = "owner@keyscope.local",
        value_parser = keyscope_model::auth::normalise_email
    )]
    owner_email: String,
    /// Fill an empty database with a demo workspace (projects, keys, 30 days of requests).
    #[arg(long, env = "KEYSCOPE_DEMO")]
    demo: bool,
    /// Mark the session cookie Secure (serve over HTTPS, or behind a proxy that does).
    #[arg(long, env = "KEYSCOPE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Seconds an upstream may take to start answering a gateway call.
    #[arg(long, env = "KEYSCOPE_GATEWAY_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    gateway_timeout_seconds: u64,
    /// Refuse gateway calls that did not arrive over HTTPS (judged by the
    /// X-Forwarded-Proto header a TLS-terminating proxy sets).
    #[arg(long, env = "KEYSCOPE_REQUIRE_HTTPS")]
    require_https: bool,
    /// Days of request records to keep; rollups are kept regardless.
    #[arg(long, env = "KEYSCOPE_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..))]
    retention_days: u32,
    /// HTTP worker threads, each with the connections it accepted; one per
    /// CPU when left out.
    #[arg(long, env = "KEYSCOPE_WORKERS")]
    workers: Option<std::num::NonZeroUsize>,
    /// Seconds a client has to send a request's head, counted from when the
    /// server is ready for it, and then its body (a JSON body whole, a
    /// gateway upload between chunks); also how long an idle keep-alive
    /// connection is kept.
    #[arg(long, env = "KEYSCOPE_CLIENT_TIMEOUT_SECONDS", default_value_t = ClientTimeouts::default().request_head.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    client_timeout_seconds: u64,
    /// Seconds a shutdown waits for the answers in flight before it cuts
    /// off what is still open.
    #[arg(long, env = "KEYSCOPE_SHUTDOWN_GRACE_SECONDS", default_value_t = ClientTimeouts::default().shutdown_grace.as_secs())]
    shutdown_grace_seconds: u64,
    /// Let projects' upstream URLs lead to loopback and private addresses
    /// (link-local and metadata addresses are refused regardless).
    #[arg(long, env = "KEYSCOPE_ALLOW_PRIVATE_UPSTREAMS")]
    allow_private_upstreams: bool,
    /// Require `Authorization: Bearer <token>` on /metrics (open when unset).
    #[arg(long, env = "KEYSCOPE_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Serve /metrics on this address (e.g. 127.0.0.1:9090) instead of the
    /// main one, which then answers it 404.
    #[arg(long, env = "KEYSCOPE_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM, the server's
    /// certificate first); needs --tls-key. Read again on SIGHUP.
    #[arg(long, env = "KEYSCOPE_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1). Read
    /// again on SIGHUP.
    #[arg(long, env = "KEYSCOPE_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Most keys one project may have.
    #[arg(long, env = "KEYSCOPE_MAX_KEYS_PER_PROJECT", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    max_keys_per_project: u32,
    #[command(flatten)]
    log: LogArgs,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a console user; prints a generated password once.
    Add {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        log: LogArgs,
        #[arg(long)]
        email: String,
        /// owner, admin, manager or member.
        #[arg(long, default_value = "member", value_parser = parse_role)]
        role: Role,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key; prints its secret once.
    Create {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        log: LogArgs,
        #[arg(long)]
        name: String,
        /// Scopes, e.g. `read write:keys`; read only when left out.
        #[arg(long, num_args = 1..)]
        scopes: Vec<String>,
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List keys, newest first.
    List {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Revoke a key; it is refused from the next request on.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        log: LogArgs,
        id: String,
    },
}

/// Checked when the settings are read, so that a mistyped key stops the
/// start naming the setting rather than failing when first used.
fn parse_master_key(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        Ok(text.to_owned())
    } else {
        Err("must be 64 hex characters (32 bytes)".to_owned())
    }
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| format!("unknown role `{text}`: use owner, admin, manager or member"))
}

/// A command line read and checked, with the configuration file folded in:
/// what [`run`] runs.
pub struct Invocation {
    cli: Cli,
    loaded: layers::Loaded,
}

impl Invocation {
    /// Reads the command line (`args` with the program's name first), the
    /// environment and the configuration file; refuses a wrong or unknown
    /// setting, naming it, before anything starts.
    pub fn read(args: impl IntoIterator<Item = OsString>) -> Result<Self, Refusal> {
        let loaded = layers::load(args.into_iter().collect())?;
        let cli = Cli::from_arg_matches(&loaded.matches).map_err(Refusal::Clap)?;
        Ok(Self { cli, loaded })
    }
}

pub async fn run(invocation: Invocation) -> anyhow::Result<()> {
    let Invocation { cli, loaded } = invocation;
    match cli.command {
        Command::Serve(args) => {
            logging::init(&args.log)?;
            serve(args).await
        }
        Command::Users(command) => run_users(command).await,
        Command::Keys(command) => run_keys(command).await,
        Command::Config(ConfigCommand::Print(_)) => {
            print!("{}", loaded.effective_settings());
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        listen: args.listen,
        data_dir: args.data.data_dir,
        web_dir: args.web_dir,
        owner_email: args.owner_email,
        demo: args.demo,
        secure_cookies: args.secure_cookies,
        limits: Limits {
            max_keys_per_project: args.max_keys_per_project,
        },
        master_key_hex: args.data.master_key,
        retention_days: args.retention_days,
        workers: args.workers,
        client_timeouts: ClientTimeouts {
            request_head: std::time::Duration::from_secs(args.client_timeout_seconds),
            shutdown_grace: std::time::Duration::from_secs(args.shutdown_grace_seconds),
        },
        gateway: GatewaySettings {
            timeout: std::time::Duration::from_secs(args.gateway_timeout_seconds),
            require_https: args.require_https,
        },
        upstreams: crate::service::upstreams::UpstreamPolicy {
            allow_private: args.allow_private_upstreams,
        },
        metrics_token: args.metrics_token.filter(|token| !token.is_empty()),
        metrics_listen: args.metrics_listen,
        tls: TlsFiles::from_settings(args.tls_cert, args.tls_key)?,
    };
    let application = Application::build(&settings).await?;
    // The owner's password goes to the terminal once, on stdout, never
    // through the log.
    if let Some(owner) = &application.started.new_owner {
        println!(
            "keyscope: created the workspace owner; these credentials are shown only this once:"
        );
        println!("  email:    {}", owner.email);
        println!("  password: {}", owner.password.expose());
    }
    if let Some(demo) = &application.started.demo {
        println!(
            "keyscope: demo data: {} projects, {} keys, {} requests over the last 30 days",
            demo.projects, demo.keys, demo.requests
        );
    }
    // Before the address is printed: whoever waits for it to send SIGHUP
    // must not find the default action (exit) still in place.
    tokio::spawn(reload_tls_on_hangup(application.tls_reloader()));
    let address = application.address();
    let scheme = if application.serves_tls() {
        "https"
    } else {
        "http"
    };
    println!("keyscope: listening on {scheme}://{address} (open {scheme}://{address}/keys)");
    if let Some(metrics) = application.metrics_address() {
        println!("keyscope: metrics on {scheme}://{metrics}/metrics");
    }
    application.run_until(shutdown_signal()).await
}

/// The services and the workspace the operator commands act on (the one
/// bootstrapped on first start), with the operator's grant: whoever runs
/// `keyscope` on the machine holding the data directory owns it.
async fn open_workspace(data: &DataArgs) -> anyhow::Result<(Services, Grant)> {
    let store = Store::open(&data.data_dir).await?;
    let workspace_id = workspaces::first_workspace_id(store.pool())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no workspace yet: start `keyscope serve` once first"))?;
    let master_key = MasterKey::load_or_create(&data.data_dir, data.master_key.as_deref())?;
    Ok((
        Services::new(store, Limits::default(), master_key),
        Grant::operator(workspace_id),
    ))
}

async fn run_users(command: UsersCommand) -> anyhow::Result<()> {
    let UsersCommand::Add {
        data,
        log,
        email,
        role,
    } = command;
    logging::init(&log)?;
    let (services, operator) = open_workspace(&data).await?;
    let (user, password) = users::add(&services.store, &operator, &email, role).await?;
    println!(
        "added {} ({}), id {}",
        user.email,
        user.role.as_str(),
        user.id
    );
    println!("password (shown only this once): {}", password.expose());
    services.store.close().await;
    Ok(())
}

async fn run_keys(command: KeysCommand) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        KeysCommand::Create {
            data,
            log,
            name,
            scopes,
            project,
            expires_in_days,
        } => {
            logging::init(&log)?;
            let (services, operator) = open_workspace(&data).await?;
            let request = CreateKeyRequest {
                name,
                scopes: (!scopes.is_empty()).then(|| {
                    scopes
                        .iter()
                        .flat_map(|s| s.split_whitespace())
                        .map(str::to_owned)
                        .collect()
                }),
                project_id: project,
                expires_in_days,
                ..CreateKeyRequest::default()
            };
            let spec = KeySpec::parse(request, now)
                .map_err(|error| anyhow::anyhow!("{}: {}", error.field, error.message))?;
            let created = keys::create(&services, &operator, spec, now).await?;
            println!(
                "created {} ({}), scopes: {}",
                created.key.id, created.key.name, created.key.scopes
            );
            println!("secret (shown only this once): {}", created.secret);
            services.store.close().await;
        }
        KeysCommand::List { data, log } => {
            logging::init(&log)?;
            let (services, operator) = open_workspace(&data).await?;
            let page = PageRequest {
                limit: PageRequest::MAX_LIMIT,
                offset: 0,
            };
            let (listed, total) = keys::list(&services.store, &operator, page, now).await?;
            for key in listed {
                println!(
                    "{}\t{}…{}\t{:?}\t{}\t{}",
                    key.id, key.prefix, key.last_four, key.status, key.scopes, key.name
                );
            }
            println!("{total} keys");
            services.store.close().await;
        }
        KeysCommand::Revoke { data, log, id } => {
            logging::init(&log)?;
            let (services, operator) = open_workspace(&data).await?;
            let key = keys::revoke(&services, &operator, &id, now).await?;
            println!("revoked {} ({})", key.id, key.name);
            services.store.close().await;
        }
    }
    Ok(())
}

/// SIGHUP reads the TLS certificate and key again (a renewed certificate
/// served without a restart); new connections get them. A bad file keeps
/// the ones in use. Without TLS there is nothing to reload, and the signal
/// is noted rather than ending the server.
async fn reload_tls_on_hangup(tls: Option<ReloadableTls>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGHUP: TLS reloads need a restart");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            let Some(tls) = &tls else {
                tracing::info!("SIGHUP: no TLS certificate to reload");
                continue;
            };
            let files = tls.files();
            match tls.reload() {
                Ok(()) => tracing::info!(
                    certificate = %files.certificate.display(),
                    "SIGHUP: reloaded the TLS certificate and key; new connections use them"
                ),
                Err(error) => tracing::error!(
                    error = format!("{error:#}"),
                    "SIGHUP: the TLS certificate and key were not reloaded; still serving the previous ones"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tls;
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
