//! Hourly rollups of the request log. `key_id` and `project_id` are '' where
//! a record has none, so they can sit in the primary key on both databases.

use super::requests::RequestRecord;
use rustc_hash::FxHashMap;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

pub const HOUR_MILLIS: i64 = 3_600_000;

/// Whose records, in which hour: the rollups' key less the dimension.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Group<'a> {
    workspace_id: &'a str,
    key_id: &'a str,
    project_id: &'a str,
    hour_start: i64,
}

/// How many records and their summed latency.
#[derive(Default, Clone, Copy)]
struct Tally {
    count: i64,
    latency_ms_sum: i64,
}

impl Tally {
    fn add(&mut self, latency_ms: u32) {
        self.count += 1;
        self.latency_ms_sum += i64::from(latency_ms);
    }
}

/// A batch's rollups, counted in memory before they are written: the text
/// keys borrow the records (no string is copied per record), and each record
/// finds its group once, then its four values under the group's number (its
/// place in `groups`).
#[derive(Default)]
struct Tallies<'a> {
    groups: Vec<Group<'a>>,
    group_numbers: FxHashMap<Group<'a>, u32>,
    texts: FxHashMap<(u32, Dimension, &'a str), Tally>,
    status_codes: FxHashMap<(u32, u16), Tally>,
}

impl<'a> Tallies<'a> {
    fn count(records: &'a [RequestRecord]) -> Self {
        let mut tallies = Self::default();
        for record in records {
            let group = Group {
                workspace_id: &record.workspace_id,
                key_id: record.key_id.as_deref().unwrap_or_default(),
                project_id: record.project_id.as_deref().unwrap_or_default(),
                hour_start: record.occurred_at.div_euclid(HOUR_MILLIS) * HOUR_MILLIS,
            };
            let next = tallies.groups.len() as u32;
            let group = *tallies
                .group_numbers
                .entry(group)
                .or_insert_with_key(|group| {
                    tallies.groups.push(*group);
                    next
                });
            let latency = record.latency_ms;
            for (dimension, value) in [
                (Dimension::Outcome, record.outcome),
                (Dimension::Method, record.method.as_str()),
                (Dimension::Route, record.route.as_str()),
            ] {
                tallies
                    .texts
                    .entry((group, dimension, value))
                    .or_default()
                    .add(latency);
            }
            tallies
                .status_codes
                .entry((group, record.status_code))
                .or_default()
                .add(latency);
        }
        tallies
    }
}

/// Adds a batch of records to the rollups, inside the caller's transaction:
/// one upsert a (key, hour, dimension, value), on the same prepared-statement
/// path as the records themselves.
pub async fn add(connection: &mut SqliteConnection, records: &[RequestRecord]) -> sqlx::Result<()> {
    let tallies = Tallies::count(records);
    let status_codes: Vec<(u32, String, Tally)> = tallies
        .status_codes
        .iter()
        .map(|(&(group, code), &tally)| (group, code.to_string(), tally))
        .collect();
    let rows =
        tallies
            .texts
            .iter()
            .map(|(&(group, dimension, value), &tally)| (group, dimension, value, tally))
            .chain(status_codes.iter().map(|(group, code, tally)| {
                (*group, Dimension::StatusCode, code.as_str(), *tally)
            }));
    super::raw::with_handle(connection, |mut handle| {
        let mut upsert = handle.prepare(
            "INSERT INTO usage_rollups (workspace_id, key_id, project_id, hour_start, dimension,
                 value, count, latency_ms_sum)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (key_id, dimension, hour_start, value, workspace_id, project_id)
             DO UPDATE SET count = usage_rollups.count + excluded.count,
                           latency_ms_sum = usage_rollups.latency_ms_sum + excluded.latency_ms_sum",
        )?;
        for (group, dimension, value, tally) in rows {
            let group = &tallies.groups[group as usize];
            upsert
                .text(1, group.workspace_id)?
                .text(2, group.key_id)?
                .text(3, group.project_id)?
                .int(4, group.hour_start)?
                .text(5, dimension.name())?
                .text(6, value)?
                .int(7, tally.count)?
                .int(8, tally.latency_ms_sum)?
                .execute()?;
        }
        Ok(())
    })
    .await
}

/// Which rollups a usage query reads. The caller has checked that a key or
/// project given here belongs to the workspace.
pub struct Scope<'a> {
    pub workspace_id: &'a str,
    pub key_id: Option<&'a str>,
    pub project_id: Option<&'a str>,
    /// Whole hours, half-open.
    pub from: i64,
    pub to: i64,
}

fn filtered<'a>(
    select: &str,
    scope: &'a Scope<'a>,
    dimension: Dimension,
) -> QueryBuilder<'a, Sqlite> {
    let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(select);
    query
        .push(" FROM usage_rollups WHERE dimension = ")
        .push_bind(dimension.name());
    // The narrowest id only, so the planner takes that id's index: a key or
    // project is checked to belong to the workspace before this is asked.
    match (scope.key_id, scope.project_id) {
        (Some(key_id), _) => query.push(" AND key_id = ").push_bind(key_id),
        (None, Some(project_id)) => query.push(" AND project_id = ").push_bind(project_id),
        (None, None) => query
            .push(" AND workspace_id = ")
            .push_bind(scope.workspace_id),
    };
    query
        .push(" AND hour_start >= ")
        .push_bind(scope.from)
        .push(" AND hour_start < ")
        .push_bind(scope.to);
    query
}

/// Counts grouped by one dimension's values, largest first.
pub async fn by(
    pool: &SqlitePool,
    scope: &Scope<'_>,
    dimension: Dimension,
) -> sqlx::Result<Vec<(String, i64)>> {
    let mut query = filtered("SELECT value, SUM(count)", scope, dimension);
    query.push(" GROUP BY value ORDER BY SUM(count) DESC, value");
    query.build_query_as().fetch_all(pool).await
}

/// (hour_start, outcome, count) for the series.
pub async fn hourly(pool: &SqlitePool, scope: &Scope<'_>) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let mut query = filtered(
        "SELECT hour_start, value, SUM(count)",
        scope,
        Dimension::Outcome,
    );
    query.push(" GROUP BY hour_start, value ORDER BY hour_start");
    query.build_query_as().fetch_all(pool).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Outcome,
    Method,
    StatusCode,
    Route,
}

impl Dimension {
    fn name(self) -> &'static str {
        match self {
            Dimension::Outcome => "outcome",
            Dimension::Method => "method",
            Dimension::StatusCode => "status_code",
            Dimension::Route => "route",
        }
    }
}
