//! The `keyscope` command: see `keyscope --help`.

use clap::Parser;

// glibc's allocator contends between worker threads under load (seen in
// `perf` of the key verification benchmark); mimalloc keeps per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    keyscope_server::cli::run(keyscope_server::cli::Cli::parse()).await
}
