//! The `keyscope` command: see `keyscope --help`.

use keyscope_server::cli::{self, Invocation};
use std::process::ExitCode;

// glibc's allocator contends between worker threads under load (seen in
// `perf` of the key verification benchmark); mimalloc keeps per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A wrong setting is refused before anything starts, with clap's exit
    // code for usage errors (2), not as a failure of the server (1).
    let invocation = match Invocation::read(std::env::args_os()) {
        Ok(invocation) => invocation,
        Err(refusal) => return refusal.report(),
    };
    match cli::run(invocation).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:?}");
            ExitCode::FAILURE
        }
    }
}
