//! The store: SQLite through sqlx, embedded, in one file of the data directory.
//!
//! The SQL in the submodules stays portable to PostgreSQL: TEXT ids, BIGINT
//! epoch milliseconds, no SQLite-only functions. Two exceptions, both on the
//! request log writer's hot path: records are inserted with `INSERT OR FAIL`
//! (see `requests::insert_batch`; PostgreSQL's plain INSERT behaves so), and
//! the writer drives its inserts and rollup upserts through SQLite's own API
//! (`raw`, the one module with unsafe code), where a PostgreSQL store would
//! use COPY.

pub mod counters;
pub mod keys;
pub mod projects;
#[allow(unsafe_code)]
mod raw;
pub mod requests;
pub mod rollups;
pub mod sessions;
pub mod workspaces;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DATABASE_FILE: &str = "keyscope.db";

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Where [`Store::timed`] records; handles that record nothing until
    /// the application hands its own over ([`Store::timed_into`]).
    query_times: Arc<QueryTimes>,
}

/// The queries whose time `/metrics` shows (`keyscope_db_query_seconds`,
/// label `kind`): those on a call's path and the background writers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// An API key by its digest, on a key cache miss.
    KeyByDigest,
    /// A console session by its token's digest, on every console call.
    SessionByDigest,
    /// A project's gateway route by its API ID, on a route cache miss.
    GatewayRoute,
    /// One batch of request records and their rollups, one transaction.
    RequestLogWrite,
    /// A page of the request log.
    RequestLogPage,
    /// The request log's total for a filter.
    RequestLogCount,
    /// One request record by its id.
    RequestLogGet,
    /// Usage rollups (summaries, the log's estimated totals).
    RollupRead,
    /// A key's rate-limit counters, the first time the key is seen.
    CounterRead,
    /// The rate-limit counters that changed, about once a second.
    CounterWrite,
    /// Keys' last-used times, about once a second.
    LastUsedWrite,
    /// One batch of the retention sweep.
    RetentionDelete,
}

impl QueryKind {
    pub const ALL: [QueryKind; 12] = [
        QueryKind::KeyByDigest,
        QueryKind::SessionByDigest,
        QueryKind::GatewayRoute,
        QueryKind::RequestLogWrite,
        QueryKind::RequestLogPage,
        QueryKind::RequestLogCount,
        QueryKind::RequestLogGet,
        QueryKind::RollupRead,
        QueryKind::CounterRead,
        QueryKind::CounterWrite,
        QueryKind::LastUsedWrite,
        QueryKind::RetentionDelete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::KeyByDigest => "key_by_digest",
            QueryKind::SessionByDigest => "session_by_digest",
            QueryKind::GatewayRoute => "gateway_route",
            QueryKind::RequestLogWrite => "request_log_write",
            QueryKind::RequestLogPage => "request_log_page",
            QueryKind::RequestLogCount => "request_log_count",
            QueryKind::RequestLogGet => "request_log_get",
            QueryKind::RollupRead => "rollup_read",
            QueryKind::CounterRead => "counter_read",
            QueryKind::CounterWrite => "counter_write",
            QueryKind::LastUsedWrite => "last_used_write",
            QueryKind::RetentionDelete => "retention_delete",
        }
    }
}

/// One histogram per [`QueryKind`], in `QueryKind::ALL`'s order.
pub struct QueryTimes {
    by_kind: [metrics::Histogram; QueryKind::ALL.len()],
}

impl QueryTimes {
    pub fn new(register: impl FnMut(QueryKind) -> metrics::Histogram) -> Self {
        Self {
            by_kind: QueryKind::ALL.map(register),
        }
    }

    /// Records nothing.
    pub fn noop() -> Self {
        Self::new(|_| metrics::Histogram::noop())
    }

    fn record(&self, kind: QueryKind, took: Duration) {
        // `ALL` lists every kind in declaration order.
        if let Some(histogram) = self.by_kind.get(kind as usize) {
            histogram.record(took.as_secs_f64());
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and brings its
    /// schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        create_private_dir(data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join(DATABASE_FILE))
            .create_if_missing(true)
            // 16 KiB pages for a new database (an existing one keeps its
            // own): the request log writer splits and rebalances fewer
            // B-tree pages and writes fewer WAL frames (3.5 -> 3.2 CPU
            // seconds a million records in the log bench).
            .page_size(16_384)
            // WAL lets readers go on while the writer commits.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 64 MiB of page cache a connection: the log's indexes stay hot.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("opening the database in {}", data_dir.display()))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .context("running database migrations")?;
        Ok(Self {
            pool,
            query_times: Arc::new(QueryTimes::noop()),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The same store, timing its queries into `query_times`.
    pub fn timed_into(self, query_times: Arc<QueryTimes>) -> Self {
        Self {
            query_times,
            ..self
        }
    }

    /// Runs `query`, recording how long it took under `kind`.
    pub async fn timed<T>(&self, kind: QueryKind, query: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let answer = query.await;
        self.query_times.record(kind, started.elapsed());
        answer
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The data directory holds secrets' digests and, later, encrypted project
/// keys: only the server's user may read it.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// The store keeps times as epoch milliseconds.
pub fn millis(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}
