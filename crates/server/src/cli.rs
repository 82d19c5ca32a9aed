//! The command line: `keyscope serve [--demo]`.

use crate::configuration::Settings;
use crate::startup::Application;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "keyscope",
    version,
    about = "API keys, rate limits and usage for your API"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server and serve the web app.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYSCOPE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "KEYSCOPE_DATA_DIR", default_value = "keyscope-data")]
    data_dir: PathBuf,
    /// Directory of the trunk-built web app.
    #[arg(long, env = "KEYSCOPE_WEB_DIR", default_value = "dist")]
    web_dir: PathBuf,
    /// E-mail of the owner account created on the first start.
    #[arg(
        long,
        env = "KEYSCOPE_OWNER_EMAIL",
        default_value = "owner@keyscope.local"
    )]
    owner_email: String,
    /// Fill an empty database with a demo workspace (projects, keys, 30 days of requests).
    #[arg(long, env = "KEYSCOPE_DEMO")]
    demo: bool,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        listen: args.listen,
        data_dir: args.data_dir,
        web_dir: args.web_dir,
        owner_email: args.owner_email,
        demo: args.demo,
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
    let address = application.address();
    println!("keyscope: listening on http://{address} (open http://{address}/keys)");
    application.run_until(shutdown_signal()).await
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
