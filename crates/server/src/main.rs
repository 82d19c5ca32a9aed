//! The `keyscope` command: see `keyscope --help`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    keyscope_server::cli::run(keyscope_server::cli::Cli::parse()).await
}
