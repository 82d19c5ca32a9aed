//! A ceiling for the gateway in `scripts/bench/gateway.sh`: the leanest
//! proxy hyper allows, and nothing else. Each client connection gets one
//! upstream connection of its own, driven in the same task, and a request
//! goes upstream exactly as it came (no key, no limiter, no record, no
//! header rewritten): what any gateway built on hyper pays before it does
//! a gateway's work. Measured beside nginx, it says how much of the
//! distance between keyscope's gateway and nginx is hyper's.
//!
//! Not a usable proxy: no pool, no timeouts, no error answers.
//!
//! `cargo run --profile production -p keyscope-server --example bench_proxy -- LISTEN_ADDR UPSTREAM_ADDR`

use hyper::body::Incoming;
use hyper::client::conn::http1 as client;
use hyper::server::conn::http1 as server;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};

type Sender = Arc<Mutex<client::SendRequest<Incoming>>>;

async fn forward(sender: Sender, request: Request<Incoming>) -> hyper::Result<Response<Incoming>> {
    // HTTP/1 answers one request at a time, so the sender is always ready
    // here; its future does not borrow it, so the lock is held only to send.
    let answer = sender
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .send_request(request);
    answer.await
}

async fn proxy(stream: TcpStream, upstream: String) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    let upstream = TcpStream::connect(upstream).await?;
    upstream.set_nodelay(true)?;
    let (sender, upstream_connection) = client::handshake(TokioIo::new(upstream)).await?;
    let sender: Sender = Arc::new(Mutex::new(sender));
    let serving = server::Builder::new().serve_connection(
        TokioIo::new(stream),
        hyper::service::service_fn(move |request| forward(sender.clone(), request)),
    );
    // Whichever side closes first ends both.
    tokio::select! {
        served = serving => served?,
        upstream = upstream_connection => upstream?,
    }
    Ok(())
}

/// One thread a core, each a single-threaded runtime on a listener of its
/// own (`SO_REUSEPORT`), as keyscope's HTTP workers run: hyper at its best
/// on this machine, not a work-stealing runtime's hand-offs.
fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen: std::net::SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:18105".to_owned())
        .parse()?;
    let upstream = args.next().unwrap_or_else(|| "127.0.0.1:18102".to_owned());
    let workers = std::thread::available_parallelism()?.get();
    let mut threads = Vec::with_capacity(workers);
    for _ in 0..workers {
        let upstream = upstream.clone();
        threads.push(std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let socket = if listen.is_ipv4() {
                    tokio::net::TcpSocket::new_v4()?
                } else {
                    tokio::net::TcpSocket::new_v6()?
                };
                socket.set_reuseaddr(true)?;
                socket.set_reuseport(true)?;
                socket.bind(listen)?;
                let listener: TcpListener = socket.listen(1024)?;
                loop {
                    let (stream, _) = listener.accept().await?;
                    tokio::spawn(proxy(stream, upstream.clone()));
                }
            })
        }));
    }
    println!("bench proxy: on {listen}, to {upstream}, {workers} threads");
    for thread in threads {
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("a proxy thread panicked"))??;
    }
    Ok(())
}
