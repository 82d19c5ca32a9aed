//! The request log at scale: seeds N records (default 10 million) into a
//! fresh SQLite store through the log writer's own path (the server's
//! `BatchWriter`: a transaction a batch of 20,000, raw rows plus rollups, the
//! WAL checkpoint behind it), then measures the reads the dashboards make.
//! Baselines in the same run: the same rows inserted without rollups, and a
//! point look-up of one record by id.
//!
//! Records are generated 50 batches (a million records) ahead, outside the
//! timing, as request handlers on other threads build them in the server;
//! everything the writer does with them, down to dropping them, is timed.
//! The bench uses the server's allocator (mimalloc). Besides records a
//! second it reports the CPU seconds the process spent a million records,
//! which the neighbours' load on a shared machine moves much less.
//!
//! `cargo run --profile server -p keyscope-server --example bench_log -- [RECORDS]`
//! (`BENCH_LOG_ONLY_INGEST=1`: the seeding alone, no baselines or reads.)

use keyscope_model::{CreateKeyRequest, Grant, KeySpec, LogFilter, Name, Outcome, UsageQuery};
use keyscope_server::crypto::MasterKey;
use keyscope_server::service::request_log::{self, BatchWriter, RequestRecord};
use keyscope_server::service::{keys, projects, usage, Limits, Services};
use keyscope_server::store::{requests, Store};
use std::time::{Duration, Instant};

// The server's allocator (see src/main.rs): the writer allocates and frees
// every record, so the bench must use the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 20_000;
/// Records are generated this many batches ahead, outside the timing: in
/// the server, request handlers on other threads build them.
const GENERATED_AHEAD: usize = 50;
const KEYS: usize = 20;
const METHODS: [&str; 4] = ["GET", "GET", "POST", "DELETE"];
const ROUTES: [&str; 6] = [
    "/v1/items",
    "/v1/items/{id}",
    "/v1/orders",
    "/v1/orders/{id}",
    "/v1/users/{id}",
    "/v1/search",
];
const CODES: [u16; 8] = [200, 200, 200, 201, 404, 429, 500, 403];

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

const THIRTY_DAYS_MILLIS: i64 = 30 * 86_400_000;

/// When each record of a batch happened.
#[derive(Clone, Copy)]
enum Arrival {
    /// As live traffic reaches the writer: in time order, `step` apart,
    /// from `start` on.
    InOrder { start: i64, step: f64 },
    /// Anywhere in the 30 days before `now`: the worst case for every index.
    Scattered { now: i64 },
}

fn records(
    random: &mut Random,
    workspace_id: &str,
    keys: &[(String, String)],
    count: usize,
    arrival: Arrival,
) -> Vec<RequestRecord> {
    (0..count)
        .map(|index| {
            let (key_id, project_id) = &keys[random.below(keys.len())];
            let occurred_at = match arrival {
                Arrival::InOrder { start, step } => start + (index as f64 * step) as i64,
                Arrival::Scattered { now } => {
                    now - (random.next() % THIRTY_DAYS_MILLIS as u64) as i64
                }
            };
            let route = ROUTES[random.below(ROUTES.len())];
            let id = random.below(100_000);
            let status_code = CODES[random.below(CODES.len())];
            RequestRecord {
                id: format!(
                    "req_{}",
                    ulid::Ulid::from_parts(occurred_at as u64, u128::from(random.next()))
                ),
                workspace_id: workspace_id.to_owned(),
                key_id: Some(key_id.clone()),
                project_id: Some(project_id.clone()),
                occurred_at,
                method: METHODS[random.below(METHODS.len())].to_owned(),
                endpoint: route.replace("{id}", &id.to_string()),
                route: route.to_owned(),
                resource_id: route.contains("{id}").then(|| id.to_string()),
                outcome: Outcome::of_status(status_code).as_str(),
                status_code,
                latency_ms: (random.next() % 400) as u32,
                client_ip: Some("203.0.113.7".to_owned()),
            }
        })
        .collect()
}

/// Times storing `batches` through the log writer's [`BatchWriter`] (or,
/// without rollups, the raw rows alone). The records are dropped inside the
/// timing, as the writer drops each batch once it is stored.
async fn ingest(
    writer: &mut BatchWriter,
    store: &Store,
    batches: Vec<Vec<RequestRecord>>,
    with_rollups: bool,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for batch in batches {
        if with_rollups {
            writer.store(&batch).await?;
        } else {
            let mut transaction = store.pool().begin().await?;
            requests::insert_batch(&mut transaction, &batch).await?;
            transaction.commit().await?;
        }
    }
    Ok(started.elapsed())
}

/// The median of `runs` timings, in milliseconds.
async fn median<F, T>(runs: usize, mut call: impl FnMut() -> F) -> anyhow::Result<f64>
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        call().await?;
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[runs / 2])
}

/// CPU seconds this process has used (user + system), from /proc: on a
/// shared machine the wall-clock rate follows the neighbours' load, the CPU
/// time spent per record much less. None where /proc is not there.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which ends in ')'): utime and stime are
    // the 12th and 13th of them, in clock ticks (100 a second on Linux).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn directory_bytes(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.metadata().ok())
                .map(|meta| meta.len())
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::args()
        .nth(1)
        .map(|text| text.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let directory = tempfile::TempDir::new()?;
    let store = Store::open(&directory.path().join("db")).await?;
    let services = Services::new(
        store.clone(),
        Limits {
            max_keys_per_project: 1_000,
        },
        MasterKey::load_or_create(directory.path(), None)?,
    );
    let owner =
        keyscope_server::bootstrap::create_workspace(&store, "Bench", "bench@example.test").await?;
    let workspace_id = owner.workspace_id.clone();
    let now = chrono::Utc::now();
    let (project, _) = projects::create(
        &services,
        &Grant::operator(&workspace_id),
        Name::parse("Bench")?,
        now,
    )
    .await?;
    let mut key_ids = Vec::new();
    for index in 0..KEYS {
        let spec = KeySpec::parse(
            CreateKeyRequest {
                name: format!("key {index}"),
                project_id: Some(project.id.clone()),
                ..CreateKeyRequest::default()
            },
            now,
        )?;
        key_ids.push((
            keys::create(&services, &Grant::operator(&workspace_id), spec, now)
                .await?
                .key
                .id,
            project.id.clone(),
        ));
    }
    let mut random = Random(0x5eed_2026);
    let now_millis = now.timestamp_millis();
    // 30 days of traffic, spread evenly, arriving in time order.
    let step = THIRTY_DAYS_MILLIS as f64 / total as f64;
    let first_millis = now_millis - THIRTY_DAYS_MILLIS;
    let in_order = |written: usize| Arrival::InOrder {
        start: first_millis + (written as f64 * step) as i64,
        step,
    };

    // Baselines in scratch stores, on the first batches' worth of records:
    // the rows alone, and the log writer's path with records scattered over
    // the 30 days (every insert lands somewhere new in every index).
    // BENCH_LOG_ONLY_INGEST=1: the seeding alone, for comparing changes.
    let only_ingest = std::env::var_os("BENCH_LOG_ONLY_INGEST").is_some();
    let sample_batches = if only_ingest { 0 } else { 20 };
    let sample: Vec<Vec<RequestRecord>> = (0..sample_batches)
        .map(|batch| {
            records(
                &mut random,
                &workspace_id,
                &key_ids,
                BATCH,
                in_order(batch * BATCH),
            )
        })
        .collect();
    let scattered: Vec<Vec<RequestRecord>> = (0..sample_batches)
        .map(|_| {
            let arrival = Arrival::Scattered { now: now_millis };
            records(&mut random, &workspace_id, &key_ids, BATCH, arrival)
        })
        .collect();
    let raw_directory = tempfile::TempDir::new()?;
    let raw_store = Store::open(raw_directory.path()).await?;
    let raw = ingest(
        &mut BatchWriter::new(raw_store.clone()),
        &raw_store,
        sample,
        false,
    )
    .await?;
    let scattered_directory = tempfile::TempDir::new()?;
    let scattered_store = Store::open(scattered_directory.path()).await?;
    let mut scattered_writer = BatchWriter::new(scattered_store.clone());
    let scattered_time = ingest(&mut scattered_writer, &scattered_store, scattered, true).await?;
    scattered_writer.finish_checkpoint().await;
    let sample_rows = (sample_batches * BATCH) as f64;

    eprintln!("seeding {total} records …");
    let mut written = 0;
    let mut seeding = Duration::ZERO;
    let mut writer = BatchWriter::new(store.clone());
    let mut cpu = 0.0;
    while written < total {
        let mut batches = Vec::with_capacity(GENERATED_AHEAD);
        let mut generated = written;
        while generated < total && batches.len() < GENERATED_AHEAD {
            let count = BATCH.min(total - generated);
            batches.push(records(
                &mut random,
                &workspace_id,
                &key_ids,
                count,
                in_order(generated),
            ));
            generated += count;
        }
        let cpu_before = cpu_seconds().unwrap_or(0.0);
        seeding += ingest(&mut writer, &store, batches, true).await?;
        cpu += cpu_seconds().unwrap_or(0.0) - cpu_before;
        written = generated;
    }
    let started = Instant::now();
    writer.finish_checkpoint().await;
    seeding += started.elapsed();
    if only_ingest {
        println!(
            "{written} records: {:.0} records/s, {:.2} CPU s per million",
            written as f64 / seeding.as_secs_f64(),
            cpu / (written as f64 / 1e6)
        );
        return Ok(());
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await?;

    let key_id = key_ids[0].0.clone();
    let usage_query = UsageQuery::parse(
        [
            ("key_id", key_id.as_str()),
            (
                "from",
                &keyscope_model::timestamp::format(&(now - chrono::Duration::days(30))),
            ),
        ],
        now,
    )
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let summary_ms = median(21, || async {
        Ok(usage::summary(&services, &Grant::operator(&workspace_id), &usage_query).await?)
    })
    .await?;
    let filter = LogFilter::parse([
        ("key_id", key_id.as_str()),
        ("status", "failed"),
        ("method", "POST"),
    ])
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let page_ms = median(21, || async {
        Ok(request_log::page(&store, &Grant::operator(&workspace_id), &filter).await?)
    })
    .await?;
    let first = request_log::page(&store, &Grant::operator(&workspace_id), &filter)
        .await
        .map_err(|error| anyhow::anyhow!("{error:?}"))?;
    let cursor = first.next_cursor.clone().unwrap_or_default();
    let later = LogFilter::parse([
        ("key_id", key_id.as_str()),
        ("status", "failed"),
        ("method", "POST"),
        ("cursor", cursor.as_str()),
    ])
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let next_page_ms = median(21, || async {
        Ok(request_log::page(&store, &Grant::operator(&workspace_id), &later).await?)
    })
    .await?;
    let one_id = first
        .data
        .first()
        .map(|entry| entry.id.clone())
        .unwrap_or_default();
    let lookup_ms = median(21, || async {
        Ok(request_log::get(&store, &Grant::operator(&workspace_id), &one_id).await?)
    })
    .await?;
    let bytes = directory_bytes(&directory.path().join("db"));

    println!("| measurement | result | aim |");
    println!("| --- | ---: | --- |");
    println!("| records seeded | {written} | 10,000,000 |");
    let ingest_rate = written as f64 / seeding.as_secs_f64();
    println!("| ingest, log writer's path (rows + rollups, 20,000 a transaction, in time order) | {ingest_rate:.0} records/s | ≥ 200,000 |");
    println!(
        "| CPU time while seeding, all threads | {:.2} s a million records | – |",
        cpu / (written as f64 / 1e6)
    );
    println!(
        "| baseline: the same rows without rollups, same run | {:.0} records/s | ratio: {:.2} |",
        sample_rows / raw.as_secs_f64(),
        ingest_rate / (sample_rows / raw.as_secs_f64())
    );
    println!("| worst case: rows + rollups, records scattered over 30 days | {:.0} records/s | ratio: {:.2} |", sample_rows / scattered_time.as_secs_f64(), (sample_rows / scattered_time.as_secs_f64()) / ingest_rate);
    println!("| usage summary, one key, 30 days (median of 21) | {summary_ms:.1} ms | < 20 ms |");
    println!("| filtered log page (key + status + method, 50 rows) | {page_ms:.1} ms | < 20 ms |");
    println!("| the next page by cursor | {next_page_ms:.1} ms | < 20 ms |");
    println!("| baseline: one record by id | {lookup_ms:.2} ms | – |");
    println!(
        "| database size per million records | {:.0} MB | – |",
        bytes as f64 / 1e6 / (written as f64 / 1e6)
    );
    Ok(())
}
