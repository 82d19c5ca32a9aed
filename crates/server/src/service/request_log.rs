//! Recording every key-authenticated request without making the answer wait
//! on the database: records go onto a bounded queue, and one writer inserts
//! whatever has queued up in a single transaction.
//!
//! When the queue is full the record is dropped and counted
//! (`keyscope_request_records_dropped_total` in `/metrics`): under an
//! overload, answering callers matters more than logging every call, and a
//! counted gap is honest. Graceful shutdown drains the queue, so every answered
//! request is stored; records are written as they come, so a crash loses at
//! most the last batch (well under a second).

use crate::store::{requests, rollups, QueryKind, Store};
use crate::telemetry::LogQueueMetrics;
use keyscope_model::permissions::resource;
use keyscope_model::{Grant, Permission, Scope};
use std::sync::Mutex;
use tokio::sync::mpsc;

pub use requests::RequestRecord;

pub const QUEUE_CAPACITY: usize = 65_536;
const MAX_BATCH: usize = 20_000;
/// How long the writer lets records gather before it writes them: under load
/// that makes fewer, larger transactions, and a request's `try_send` finds
/// the writer asleep on a timer rather than parked on the queue, so it wakes
/// no thread. Well inside the second of records a crash may lose.
const LINGER: std::time::Duration = std::time::Duration::from_millis(50);

pub struct Recorder {
    sender: mpsc::Sender<RequestRecord>,
    /// Records just written, for live views; slow listeners miss some.
    written_feed: tokio::sync::broadcast::Sender<std::sync::Arc<RequestRecord>>,
    receiver: Mutex<Option<mpsc::Receiver<RequestRecord>>>,
    /// Queued, written, dropped, and the queue's depth.
    metrics: LogQueueMetrics,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new(LogQueueMetrics::noop())
    }
}

impl Recorder {
    pub fn new(metrics: LogQueueMetrics) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        Self {
            sender,
            written_feed: tokio::sync::broadcast::channel(1_024).0,
            receiver: Mutex::new(Some(receiver)),
            metrics,
        }
    }

    /// Never waits: a full queue drops the record and counts it.
    pub fn record(&self, record: RequestRecord) {
        match self.sender.try_send(record) {
            Ok(()) => self.metrics.queued.increment(1),
            Err(_) => self.metrics.dropped.increment(1),
        }
    }

    /// Sets the queue-depth gauge to the records waiting now: read when
    /// scraped rather than kept up to date on every call.
    pub fn report_depth(&self) {
        let waiting = self.sender.max_capacity() - self.sender.capacity();
        self.metrics.depth.set(waiting as f64);
    }

    /// Records as they are stored.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<RequestRecord>> {
        self.written_feed.subscribe()
    }

    /// Writes records until `stop` completes, then drains what is queued.
    pub async fn run(&self, store: Store, stop: impl std::future::Future<Output = ()>) {
        let Some(mut receiver) = self
            .receiver
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
        else {
            tracing::error!("the request log writer was started twice");
            return;
        };
        tokio::pin!(stop);
        let mut writer = BatchWriter::new(store);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            tokio::select! {
                received = receiver.recv_many(&mut batch, MAX_BATCH) => {
                    if received == 0 {
                        break;
                    }
                    // A full batch is written at once: lingering then would
                    // only cap the rate at MAX_BATCH records per LINGER.
                    let stopping = batch.len() < MAX_BATCH
                        && tokio::select! {
                            () = tokio::time::sleep(LINGER) => false,
                            () = &mut stop => true,
                        };
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(record) => batch.push(record),
                            Err(_) => break,
                        }
                    }
                    self.write(&mut writer, &mut batch).await;
                    if stopping {
                        self.drain(&mut writer, &mut receiver, &mut batch).await;
                        break;
                    }
                }
                () = &mut stop => {
                    self.drain(&mut writer, &mut receiver, &mut batch).await;
                    break;
                }
            }
        }
        writer.finish_checkpoint().await;
    }

    /// At shutdown: closes the queue and writes everything still in it.
    async fn drain(
        &self,
        writer: &mut BatchWriter,
        receiver: &mut mpsc::Receiver<RequestRecord>,
        batch: &mut Vec<RequestRecord>,
    ) {
        receiver.close();
        while receiver.recv_many(batch, MAX_BATCH).await > 0 {
            self.write(writer, batch).await;
        }
    }

    async fn write(&self, writer: &mut BatchWriter, batch: &mut Vec<RequestRecord>) {
        match writer.store(batch).await {
            Ok(()) => {
                self.metrics.written.increment(batch.len() as u64);
                if self.written_feed.receiver_count() > 0 {
                    for record in batch.iter() {
                        let _ = self.written_feed.send(std::sync::Arc::new(record.clone()));
                    }
                }
            }
            Err(error) => {
                // Counted as dropped: the log says so instead of retrying forever.
                self.metrics.dropped.increment(batch.len() as u64);
                tracing::error!(%error, records = batch.len(), "could not write request records");
            }
        }
        batch.clear();
    }
}

/// How many batches may go by before the writer waits for a checkpoint to
/// finish before its next transaction, so the WAL starts over from its
/// beginning and stays a few batches long.
const BATCHES_PER_WAL_RESET: u32 = 8;

/// What the log writer does to store batches; the log benchmark times this
/// same type.
///
/// Each batch's records and rollups go in one transaction. Its WAL
/// checkpoint (copying the pages the commit appended to the WAL back into
/// the database) runs afterwards on another connection, while the writer
/// gathers and writes the next batch: the writer's own connection does not
/// checkpoint on commit. Every [`BATCHES_PER_WAL_RESET`] batches the writer
/// waits for the checkpoint before it begins, because SQLite restarts the
/// WAL only when a write transaction begins with every frame checkpointed;
/// a checkpoint always racing the next batch would let the WAL grow without
/// end.
///
/// The writer keeps a connection of its own, taken out of the pool, so its
/// `wal_autocheckpoint = 0` is set once and never reaches a connection that
/// other writes (keys, counters, sessions) borrow from the pool.
pub struct BatchWriter {
    store: Store,
    connection: Option<sqlx::SqliteConnection>,
    checkpoint: Option<tokio::task::JoinHandle<()>>,
    batches_since_reset: u32,
}

impl BatchWriter {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            connection: None,
            checkpoint: None,
            batches_since_reset: 0,
        }
    }

    /// The writer's own connection, opened on first use and again after a
    /// failed batch (which may have left it broken).
    async fn connection(&mut self) -> sqlx::Result<&mut sqlx::SqliteConnection> {
        let connection = match self.connection.take() {
            Some(connection) => connection,
            None => {
                let mut connection = self.store.pool().acquire().await?.detach();
                sqlx::query("PRAGMA wal_autocheckpoint = 0")
                    .execute(&mut connection)
                    .await?;
                connection
            }
        };
        Ok(self.connection.insert(connection))
    }

    /// Stores one batch: records and rollups, one transaction.
    pub async fn store(&mut self, batch: &[RequestRecord]) -> sqlx::Result<()> {
        self.batches_since_reset += 1;
        if self.batches_since_reset >= BATCHES_PER_WAL_RESET {
            self.batches_since_reset = 0;
            self.finish_checkpoint().await;
        }
        let store = self.store.clone();
        let written = store
            .timed(QueryKind::RequestLogWrite, async {
                let mut transaction = sqlx::Connection::begin(self.connection().await?).await?;
                requests::insert_batch(&mut transaction, batch).await?;
                rollups::add(&mut transaction, batch).await?;
                transaction.commit().await
            })
            .await;
        if written.is_err() {
            self.connection = None;
        }
        written?;
        // One checkpoint at a time; the last one has normally long finished.
        self.finish_checkpoint().await;
        let pool = self.store.pool().clone();
        self.checkpoint = Some(tokio::spawn(async move {
            if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::warn!(%error, "request log WAL checkpoint failed");
            }
        }));
        Ok(())
    }

    /// Waits for the checkpoint in flight, if any.
    pub async fn finish_checkpoint(&mut self) {
        if let Some(checkpoint) = self.checkpoint.take() {
            let _ = checkpoint.await;
        }
    }
}

/// The filter as the grant may run it: `read:usage`, and for a
/// project-confined caller limited to its project (another project named
/// in the filter answers as missing).
pub fn authorized(
    grant: &Grant,
    filter: &keyscope_model::LogFilter,
) -> crate::error::Result<keyscope_model::LogFilter> {
    grant.require(&Scope::on(Permission::Read, resource::USAGE))?;
    let project_id = grant
        .confine(filter.project_id.as_deref())
        .map_err(|other| no_project(&other))?;
    Ok(keyscope_model::LogFilter {
        project_id,
        ..filter.clone()
    })
}

fn no_project(id: &str) -> crate::error::Error {
    crate::error::Error::NotFound(format!("no project {id} in this workspace"))
}

/// A page of the log the grant sees, newest first.
pub async fn page(
    store: &Store,
    grant: &Grant,
    filter: &keyscope_model::LogFilter,
) -> crate::error::Result<keyscope_model::LogPage> {
    use keyscope_model::{Cursor, LogPage};
    let filter = &authorized(grant, filter)?;
    let rows = store
        .timed(
            QueryKind::RequestLogPage,
            requests::page(store.pool(), &grant.workspace_id, filter),
        )
        .await?;
    let next_cursor = (rows.len() == filter.limit as usize)
        .then(|| {
            rows.last().map(|row| {
                Cursor {
                    occurred_at: row.occurred_at,
                    id: row.id.clone(),
                }
                .encode()
            })
        })
        .flatten();
    let data = rows.into_iter().map(entry).collect();
    Ok(LogPage {
        success: true,
        data,
        next_cursor,
        total: None,
    })
}

/// How many records of the caller's workspace match the filter: exact up to
/// [`LogTotal::EXACT_UP_TO`], past it an estimate from the hourly rollups
/// where the filter is one they can answer, else a lower bound.
pub async fn total(
    store: &Store,
    grant: &Grant,
    filter: &keyscope_model::LogFilter,
) -> crate::error::Result<keyscope_model::requests::LogTotal> {
    use keyscope_model::requests::LogTotal;
    let filter = &authorized(grant, filter)?;
    let workspace_id = grant.workspace_id.as_str();
    let cap = LogTotal::EXACT_UP_TO;
    let counted = store
        .timed(
            QueryKind::RequestLogCount,
            requests::count_up_to(store.pool(), workspace_id, filter, cap + 1),
        )
        .await?;
    if counted <= cap {
        return Ok(LogTotal::exact(counted));
    }
    // More than the cap matched inside this workspace, so a key or project in
    // the filter is this workspace's own and its rollups may be read.
    let estimate = match rollup_question(filter) {
        Some((dimension, value)) => {
            let hour = rollups::HOUR_MILLIS;
            let scope = rollups::Scope {
                workspace_id,
                key_id: filter.key_id.as_deref(),
                project_id: filter.project_id.as_deref(),
                from: filter
                    .from
                    .map_or(0, |from| from.timestamp_millis().div_euclid(hour) * hour),
                to: filter.to.map_or(i64::MAX, |to| {
                    (to.timestamp_millis() + hour - 1).div_euclid(hour) * hour
                }),
            };
            let counts = store
                .timed(
                    QueryKind::RollupRead,
                    rollups::by(store.pool(), &scope, dimension),
                )
                .await?;
            let sum: i64 = counts
                .iter()
                .filter(|(counted_value, _)| {
                    value.as_ref().is_none_or(|value| counted_value == value)
                })
                .map(|(_, count)| count)
                .sum();
            Some(u64::try_from(sum).unwrap_or(0))
        }
        None => None,
    };
    // Rollups count whole hours at the range's ends and keep records the
    // retention sweep removed; the count above is a floor they must not undercut.
    Ok(match estimate {
        Some(estimate) => LogTotal::estimate(estimate.max(counted)),
        None => LogTotal::at_least(cap),
    })
}

/// Which rollup dimension (and value) answers the filter's count, if any:
/// rollups keep each dimension on its own, by key, project and hour, so they
/// answer at most one of status, method and response code, and never a
/// resource id or an endpoint's text.
fn rollup_question(
    filter: &keyscope_model::LogFilter,
) -> Option<(rollups::Dimension, Option<String>)> {
    use rollups::Dimension;
    if filter.resource_id.is_some() || filter.endpoint.is_some() {
        return None;
    }
    let asked = [
        filter
            .outcome
            .map(|outcome| (Dimension::Outcome, outcome.as_str().to_owned())),
        filter
            .method
            .clone()
            .map(|method| (Dimension::Method, method)),
        filter
            .response_code
            .map(|code| (Dimension::StatusCode, code.to_string())),
    ];
    let mut asked = asked.into_iter().flatten();
    match (asked.next(), asked.next()) {
        (None, _) => Some((Dimension::Outcome, None)),
        (Some((dimension, value)), None) => Some((dimension, Some(value))),
        (Some(_), Some(_)) => None,
    }
}

/// One record the grant sees.
pub async fn get(
    store: &Store,
    grant: &Grant,
    id: &str,
) -> crate::error::Result<keyscope_model::RequestEntry> {
    grant.require(&Scope::on(Permission::Read, resource::USAGE))?;
    store
        .timed(
            QueryKind::RequestLogGet,
            requests::get(store.pool(), &grant.workspace_id, id),
        )
        .await?
        .filter(|row| grant.sees(row.project_id.as_deref()))
        .map(entry)
        .ok_or_else(|| crate::error::Error::NotFound(format!("no request {id} in this workspace")))
}

/// A just-written record as the log shows it.
pub fn live_entry(record: &RequestRecord) -> keyscope_model::RequestEntry {
    entry(requests::RequestRow {
        id: record.id.clone(),
        key_id: record.key_id.clone(),
        project_id: record.project_id.clone(),
        occurred_at: record.occurred_at,
        method: record.method.clone(),
        endpoint: record.endpoint.clone(),
        route: record.route.clone(),
        resource_id: record.resource_id.clone(),
        outcome: record.outcome.to_owned(),
        status_code: i64::from(record.status_code),
        latency_ms: i64::from(record.latency_ms),
        client_ip: record.client_ip.clone(),
    })
}

fn entry(row: requests::RequestRow) -> keyscope_model::RequestEntry {
    use keyscope_model::{Outcome, RequestEntry};
    RequestEntry {
        timestamp: keyscope_model::timestamp::from_millis(row.occurred_at),
        outcome: Outcome::parse(&row.outcome).unwrap_or(Outcome::Failed),
        response_code: u16::try_from(row.status_code).unwrap_or(0),
        latency_ms: u32::try_from(row.latency_ms).unwrap_or(0),
        id: row.id,
        key_id: row.key_id,
        project_id: row.project_id,
        method: row.method,
        endpoint: row.endpoint,
        route: row.route,
        resource_id: row.resource_id,
        client_ip: row.client_ip,
    }
}

/// Deletes records older than `days` in small batches until none are left;
/// rollups stay, so the long view survives. Returns how many went.
pub async fn sweep(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> anyhow::Result<u64> {
    const BATCH: i64 = 5_000;
    let before = (now - chrono::Duration::days(i64::from(days))).timestamp_millis();
    let mut deleted = 0;
    loop {
        let gone = store
            .timed(
                QueryKind::RetentionDelete,
                requests::delete_older_than(store.pool(), before, BATCH),
            )
            .await?;
        deleted += gone;
        if gone < BATCH as u64 {
            return Ok(deleted);
        }
        // Let the log writer in between batches.
        tokio::task::yield_now().await;
    }
}

/// Sweeps shortly after start and then hourly, until `stop` completes.
pub async fn run_retention(store: Store, days: u32, stop: impl std::future::Future<Output = ()>) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(3_600));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = &mut stop => return,
        }
        match sweep(&store, chrono::Utc::now(), days).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, days, "request log retention"),
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "request log retention failed")
            }
        }
    }
}
