//! Hourly rollups of the request log. `key_id` and `project_id` are '' where
//! a record has none, so they can sit in the primary key on both databases.

use super::requests::RequestRecord;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;

pub const HOUR_MILLIS: i64 = 3_600_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Bucket {
    workspace_id: String,
    key_id: String,
    project_id: String,
    hour_start: i64,
    dimension: Dimension,
    value: String,
}

/// Adds a batch of records to the rollups, inside the caller's transaction.
pub async fn add(connection: &mut SqliteConnection, records: &[RequestRecord]) -> sqlx::Result<()> {
    let mut buckets: HashMap<Bucket, (i64, i64)> = HashMap::new();
    for record in records {
        let values = [
            (Dimension::Outcome, record.outcome.to_owned()),
            (Dimension::Method, record.method.clone()),
            (Dimension::StatusCode, record.status_code.to_string()),
            (Dimension::Route, record.route.clone()),
        ];
        for (dimension, value) in values {
            let bucket = Bucket {
                workspace_id: record.workspace_id.clone(),
                key_id: record.key_id.clone().unwrap_or_default(),
                project_id: record.project_id.clone().unwrap_or_default(),
                hour_start: record.occurred_at.div_euclid(HOUR_MILLIS) * HOUR_MILLIS,
                dimension,
                value,
            };
            let entry = buckets.entry(bucket).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += i64::from(record.latency_ms);
        }
    }
    let buckets: Vec<_> = buckets.into_iter().collect();
    // 8 columns a row, under SQLite's 32,766 parameters a statement.
    for chunk in buckets.chunks(4_000) {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO usage_rollups (workspace_id, key_id, project_id, hour_start, dimension, value,
                 count, latency_ms_sum) ",
        );
        query.push_values(chunk, |mut row, (bucket, (count, latency))| {
            row.push_bind(&bucket.workspace_id)
                .push_bind(&bucket.key_id)
                .push_bind(&bucket.project_id)
                .push_bind(bucket.hour_start)
                .push_bind(bucket.dimension.name())
                .push_bind(&bucket.value)
                .push_bind(*count)
                .push_bind(*latency);
        });
        query.push(
            " ON CONFLICT (key_id, dimension, hour_start, value, workspace_id, project_id)
              DO UPDATE SET count = usage_rollups.count + excluded.count,
                            latency_ms_sum = usage_rollups.latency_ms_sum + excluded.latency_ms_sum",
        );
        query.build().execute(&mut *connection).await?;
    }
    Ok(())
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
