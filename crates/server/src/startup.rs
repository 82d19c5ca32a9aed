//! Builds the application from its settings: store, first-start bootstrap,
//! demo data, router, listeners; and serves it, one thread per core.

use crate::bootstrap::{self, OwnerCredentials};
use crate::configuration::{ClientTimeouts, Settings};
use crate::crypto::MasterKey;
use crate::demo::{self, DemoSummary};
use crate::http::{self, ApiContext};
use crate::service::Services;
use crate::shutdown;
use crate::store::Store;
use crate::tls::ReloadableTls;
use axum::extract::ConnectInfo;
use futures_util::stream::{FuturesUnordered, StreamExt};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tower::Layer;

pub struct Application {
    /// One per HTTP worker thread, all on the same address.
    listeners: Vec<std::net::TcpListener>,
    router: axum::Router,
    /// `/metrics` on its own address (`--metrics-listen`), served by a
    /// worker thread of its own.
    metrics: Option<(std::net::TcpListener, axum::Router)>,
    /// What this start created, for the caller to report once.
    pub started: Started,
    pub services: Services,
    retention_days: u32,
    client_timeouts: ClientTimeouts,
    /// Set when serving HTTPS.
    tls: Option<ReloadableTls>,
    /// Tells the HTTP workers, and the answers that watch for it, that
    /// serving ends.
    stop_serving: tokio::sync::watch::Sender<()>,
}

/// How often histogram samples are folded into their buckets.
const TELEMETRY_UPKEEP: Duration = Duration::from_secs(5);

pub struct Started {
    pub new_owner: Option<OwnerCredentials>,
    pub demo: Option<DemoSummary>,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Read first, so a missing or bad file stops the start with its
        // name, before anything is created, rather than failing every
        // handshake later.
        let tls = settings.tls.clone().map(ReloadableTls::load).transpose()?;
        let store = Store::open(&settings.data_dir).await?;
        let bootstrap = bootstrap::ensure_workspace(&store, &settings.owner_email).await?;
        let demo = if settings.demo {
            demo::seed_if_empty(&store, &bootstrap.workspace_id, chrono::Utc::now()).await?
        } else {
            None
        };
        if !settings.web_dir.join("index.html").is_file() {
            tracing::warn!(
                web_dir = %settings.web_dir.display(),
                "no web app found there: build it with `make web`; the API works without it"
            );
        }
        let master_key =
            MasterKey::load_or_create(&settings.data_dir, settings.master_key_hex.as_deref())?;
        let mut services = Services::new(store.clone(), settings.limits, master_key);
        services.upstreams = settings.upstreams;
        let (stop_serving, stopping) = tokio::sync::watch::channel(());
        let context = ApiContext::new(
            services.clone(),
            // Over HTTPS the cookie must never travel in the clear.
            settings.secure_cookies || tls.is_some(),
            settings.gateway,
            settings.client_timeouts.request_head,
            settings.metrics_token.clone(),
            stopping,
        );
        let (metrics, metrics_at) = match settings.metrics_listen {
            Some(address) => {
                let listener = bind_listeners(address, NonZeroUsize::MIN)?
                    .pop()
                    .ok_or_else(|| anyhow::anyhow!("no metrics listener on {address}"))?;
                let router = http::metrics_router(context.clone());
                (Some((listener, router)), http::MetricsAt::OwnListener)
            }
            None => (None, http::MetricsAt::MainPort),
        };
        let router = http::router(context, &settings.web_dir, metrics_at, tls.is_some());
        let workers = settings
            .workers
            .or_else(|| std::thread::available_parallelism().ok())
            .unwrap_or(NonZeroUsize::MIN);
        let listeners = bind_listeners(settings.listen, workers)?;
        Ok(Self {
            listeners,
            router,
            metrics,
            started: Started {
                new_owner: bootstrap.new_owner,
                demo,
            },
            services,
            retention_days: settings.retention_days,
            client_timeouts: settings.client_timeouts,
            tls,
            stop_serving,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listeners
            .first()
            .and_then(|listener| listener.local_addr().ok())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Where `/metrics` is served when it has a listener of its own.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Whether the workers speak HTTPS.
    pub fn serves_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// What reads the TLS certificate and key again (the binary calls it
    /// on SIGHUP); `None` without TLS.
    pub fn tls_reloader(&self) -> Option<ReloadableTls> {
        self.tls.clone()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Write-behind state (last-used times, usage counts) is flushed every
        // second and once more after the last request is answered.
        let (stop_writers, writers_stop) = tokio::sync::watch::channel(());
        let stopped = move || shutdown::fired(writers_stop.clone());
        let last_used = self.services.last_used.clone();
        let store = self.services.store.clone();
        let last_used_writer = tokio::spawn({
            let stop = stopped();
            async move { last_used.run(store, stop).await }
        });
        let rate_limiter = self.services.rate_limiter.clone();
        let counter_writer = tokio::spawn({
            let stop = stopped();
            async move { rate_limiter.run(stop).await }
        });
        let recorder = self.services.recorder.clone();
        let store = self.services.store.clone();
        let record_writer = tokio::spawn({
            let stop = stopped();
            async move { recorder.run(store, stop).await }
        });
        let retention = tokio::spawn(crate::service::request_log::run_retention(
            self.services.store.clone(),
            self.retention_days,
            stopped(),
        ));
        // Histogram samples wait in memory until folded into their buckets:
        // fold them every few seconds, scraped or not.
        let telemetry = self.services.telemetry.clone();
        let upkeep = tokio::spawn({
            let stop = stopped();
            async move {
                let mut ticker = tokio::time::interval(TELEMETRY_UPKEEP);
                tokio::pin!(stop);
                loop {
                    tokio::select! {
                        _ = ticker.tick() => telemetry.run_upkeep(),
                        () = &mut stop => break,
                    }
                }
            }
        });
        let stop_serving = self.stop_serving;
        let mut workers = FuturesUnordered::new();
        let mut outcome = Ok(());
        // The metrics listener is one more worker: it stops with the others,
        // and its failing stops them too.
        let served = self
            .listeners
            .into_iter()
            .enumerate()
            .map(|(index, listener)| {
                (
                    format!("keyscope-http-{index}"),
                    listener,
                    self.router.clone(),
                )
            })
            .chain(
                self.metrics
                    .map(|(listener, router)| ("keyscope-metrics".to_owned(), listener, router)),
            );
        for (name, listener, router) in served {
            let client_timeouts = self.client_timeouts;
            let tls = self.tls.clone();
            let stop = shutdown::fired(stop_serving.subscribe());
            let (finished, worker_finished) = tokio::sync::oneshot::channel();
            let spawned = std::thread::Builder::new().name(name).spawn(move || {
                let served = serve_on_this_thread(listener, router, client_timeouts, tls, stop);
                let _ = finished.send(served);
            });
            match spawned {
                Ok(_) => workers.push(worker_finished),
                Err(error) => {
                    outcome = Err(error.into());
                    break;
                }
            }
        }
        // A worker that ends before the shutdown (it failed, or panicked)
        // stops the others too, rather than leaving its share of the
        // connections unanswered.
        if outcome.is_ok() {
            tokio::select! {
                () = shutdown => {}
                Some(ended) = workers.next() => {
                    outcome = worker_outcome(ended)
                        .and(Err(anyhow::anyhow!("an HTTP worker stopped serving")));
                }
            }
        }
        let _ = stop_serving.send(());
        while let Some(ended) = workers.next().await {
            outcome = outcome.and(worker_outcome(ended));
        }
        // The writers drain what was answered, whatever ended the serving.
        let _ = stop_writers.send(());
        last_used_writer.await?;
        counter_writer.await?;
        record_writer.await?;
        retention.await?;
        upkeep.await?;
        self.services.store.close().await;
        outcome
    }
}

fn worker_outcome(
    ended: Result<anyhow::Result<()>, tokio::sync::oneshot::error::RecvError>,
) -> anyhow::Result<()> {
    ended.map_err(|_| anyhow::anyhow!("an HTTP worker thread panicked"))?
}

/// `count` listening sockets on one address (port 0: the port the first one
/// got), with `SO_REUSEPORT`, so the kernel spreads new connections over them.
fn bind_listeners(
    address: SocketAddr,
    count: NonZeroUsize,
) -> std::io::Result<Vec<std::net::TcpListener>> {
    let mut address = address;
    let mut listeners = Vec::with_capacity(count.get());
    for _ in 0..count.get() {
        let socket = if address.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.set_reuseport(true)?;
        socket.bind(address)?;
        let listener = socket.listen(1024)?;
        address = listener.local_addr()?;
        listeners.push(listener.into_std()?);
    }
    Ok(listeners)
}

/// One HTTP worker: a single-threaded runtime serving the connections that
/// arrive on its own listener, until `stop`; then it finishes the requests
/// in flight.
///
/// Why not one work-stealing runtime for all: under load its worker threads
/// keep waking and handing tasks to each other, and on the 2-core
/// benchmark machine that cost about a third of the CPU of a key
/// verification (25.6 against 17.5 µs a call with one worker thread).
/// Here a connection lives on one thread from accept to close, as in an
/// nginx worker. The background writers stay on the main runtime.
///
/// hyper's HTTP/1 server directly rather than `axum::serve`, which sets no
/// timer: without one a connection may take forever to send a request's
/// head, and an idle keep-alive connection is never closed, so slow or
/// idle clients could hold sockets until the process runs out.
///
/// With TLS, each connection's handshake runs in the connection's own task
/// (a slow client does not hold up the accept loop), bounded by the same
/// client timeout, with the configuration current at its accept.
fn serve_on_this_thread(
    listener: std::net::TcpListener,
    router: axum::Router,
    timeouts: ClientTimeouts,
    tls: Option<ReloadableTls>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener)?;
        let mut http = hyper::server::conn::http1::Builder::new();
        // Counted from when the server is ready for the next request: the
        // time to send a head, and how long a keep-alive connection may idle.
        http.timer(TokioTimer::new())
            .header_read_timeout(timeouts.request_head);
        let connections = GracefulShutdown::new();
        tokio::pin!(stop);
        loop {
            let (stream, client) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        if pause_after(error, &mut stop).await {
                            break;
                        }
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            // Answers go out as written (what nginx's `tcp_nodelay on` does
            // for keep-alive connections), not held back behind an
            // unacknowledged one.
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
            let service = TowerToHyperService::new(
                axum::Extension(ConnectInfo(client)).layer(router.clone()),
            );
            let Some(tls) = &tls else {
                let connection =
                    connections.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, %client, "connection ended with an error");
                    }
                });
                continue;
            };
            // Taken now, so a shutdown that comes during the handshake
            // still reaches the connection once it is served: hyper then
            // closes it as soon as it is idle.
            let watcher = connections.watcher();
            let acceptor = tls.acceptor();
            let http = http.clone();
            tokio::spawn(async move {
                let stream =
                    match tokio::time::timeout(timeouts.request_head, acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(error)) => {
                            tracing::debug!(%error, %client, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%client, "TLS handshake not done within the client timeout");
                            return;
                        }
                    };
                let connection =
                    watcher.watch(http.serve_connection(TokioIo::new(stream), service));
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %client, "connection ended with an error");
                }
            });
        }
        drop(listener);
        // Answers in flight finish, up to a limit: a client reading a long
        // answer slowly must not hold up the shutdown (and the log writers'
        // drain after it) for ever. What is still open then is cut when
        // this runtime is dropped.
        if tokio::time::timeout(timeouts.shutdown_grace, connections.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                grace_seconds = timeouts.shutdown_grace.as_secs(),
                "connections still open after the shutdown grace are cut off"
            );
        }
        Ok(())
    })
}

/// After a failed accept: nothing for one connection's own failure; for
/// anything else (out of file descriptors, most likely) a second's pause,
/// so the loop does not spin while connections close. True if `stop` came
/// during the pause (it must not be polled again).
async fn pause_after(error: std::io::Error, stop: &mut (impl Future<Output = ()> + Unpin)) -> bool {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return false;
    }
    tracing::error!(%error, "could not accept a connection");
    tokio::select! {
        () = tokio::time::sleep(Duration::from_secs(1)) => false,
        () = stop => true,
    }
}

#[cfg(test)]
mod tests {
    use super::pause_after;
    use std::io::{Error, ErrorKind};
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn a_stop_during_the_pause_after_an_accept_error_ends_the_loop() {
        let started = Instant::now();
        let mut stop = std::future::ready(());
        assert!(pause_after(Error::other("too many open files"), &mut stop).await);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "no full pause"
        );
        // One connection's own failure: no pause, and no stop.
        let mut no_stop = std::future::pending::<()>();
        let started = Instant::now();
        assert!(!pause_after(Error::from(ErrorKind::ConnectionAborted), &mut no_stop).await);
        assert!(started.elapsed() < Duration::from_millis(500));
    }
}
