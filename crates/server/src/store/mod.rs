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
use std::path::Path;
use std::time::Duration;

pub const DATABASE_FILE: &str = "keyscope.db";

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
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
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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
