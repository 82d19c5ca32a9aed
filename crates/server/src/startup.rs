//! Builds the application from its settings: store, first-start bootstrap,
//! demo data, router, listener.

use crate::bootstrap::{self, OwnerCredentials};
use crate::configuration::Settings;
use crate::crypto::MasterKey;
use crate::demo::{self, DemoSummary};
use crate::http::{self, ApiContext};
use crate::service::Services;
use crate::store::Store;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    /// What this start created, for the caller to report once.
    pub started: Started,
    pub services: Services,
    retention_days: u32,
}

pub struct Started {
    pub new_owner: Option<OwnerCredentials>,
    pub demo: Option<DemoSummary>,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
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
        let services = Services::new(store.clone(), settings.limits, master_key);
        let context = ApiContext::new(services.clone(), settings.secure_cookies, settings.gateway);
        let router = http::router(context, &settings.web_dir);
        let listener = TcpListener::bind(settings.listen).await?;
        Ok(Self {
            listener,
            router,
            started: Started {
                new_owner: bootstrap.new_owner,
                demo,
            },
            services,
            retention_days: settings.retention_days,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Write-behind state (last-used times, usage counts) is flushed every
        // second and once more after the last request is answered.
        let (stop_writers, writers_stop) = tokio::sync::watch::channel(());
        let stopped = move || {
            let mut receiver = writers_stop.clone();
            async move {
                let _ = receiver.changed().await;
            }
        };
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
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        let _ = stop_writers.send(());
        last_used_writer.await?;
        counter_writer.await?;
        record_writer.await?;
        retention.await?;
        self.services.store.close().await;
        Ok(())
    }
}
