//! The request log's rows.

use keyscope_model::LogFilter;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// One answered request. Never holds the key's secret.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub id: String,
    pub workspace_id: String,
    pub key_id: Option<String>,
    pub project_id: Option<String>,
    pub occurred_at: i64,
    pub method: String,
    pub endpoint: String,
    /// The route template (`/v1/keys/{id}`), or the path where there is none.
    pub route: String,
    pub resource_id: Option<String>,
    pub outcome: &'static str,
    pub status_code: u16,
    pub latency_ms: u32,
    pub client_ip: Option<String>,
}

/// Records one insert statement carries. Within a statement SQLite keeps
/// its cursors where the last row went, and rows arriving in time order
/// land on the B-trees' last pages, so it appends without descending from
/// the root; a single-row statement descends every B-tree for every record.
const ROWS_PER_STATEMENT: usize = 100;
const COLUMNS: usize = 13;

/// `INSERT OR FAIL`: a failed constraint stops the statement without undoing
/// its earlier rows, so SQLite keeps no statement journal (a copy of every
/// page a multi-row statement changes); any error rolls the caller's whole
/// transaction back anyway. The one SQLite-only word in the log's SQL; on
/// PostgreSQL a plain INSERT (or COPY) does the same.
fn insert_sql(rows: usize) -> String {
    let row = format!("({})", vec!["?"; COLUMNS].join(", "));
    format!(
        "INSERT OR FAIL INTO requests (id, workspace_id, key_id, project_id, occurred_at, method,
             endpoint, route, resource_id, outcome, status_code, latency_ms, client_ip)
         VALUES {}",
        vec![row; rows].join(", ")
    )
}

/// Inserts records inside the caller's transaction with prepared
/// statements of [`ROWS_PER_STATEMENT`] rows, the text bound in place (see
/// [`super::raw`] for why not through sqlx).
pub async fn insert_batch(
    connection: &mut SqliteConnection,
    records: &[RequestRecord],
) -> sqlx::Result<()> {
    super::raw::with_handle(connection, |mut handle| {
        let mut chunks = records.chunks_exact(ROWS_PER_STATEMENT);
        if records.len() >= ROWS_PER_STATEMENT {
            let mut insert = handle.prepare(&insert_sql(ROWS_PER_STATEMENT))?;
            for chunk in &mut chunks {
                bind_rows(&mut insert, chunk)?;
                insert.execute()?;
            }
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut insert = handle.prepare(&insert_sql(rest.len()))?;
            bind_rows(&mut insert, rest)?;
            insert.execute()?;
        }
        Ok(())
    })
    .await
}

fn bind_rows<'v>(
    insert: &mut super::raw::Statement<'_, 'v>,
    records: &'v [RequestRecord],
) -> sqlx::Result<()> {
    for (row, record) in records.iter().enumerate() {
        // Parameters are numbered from 1, COLUMNS a row.
        let at = |column: usize| (row * COLUMNS + column) as std::ffi::c_int;
        insert
            .text(at(1), &record.id)?
            .text(at(2), &record.workspace_id)?
            .optional_text(at(3), record.key_id.as_deref())?
            .optional_text(at(4), record.project_id.as_deref())?
            .int(at(5), record.occurred_at)?
            .text(at(6), &record.method)?
            .text(at(7), &record.endpoint)?
            .text(at(8), &record.route)?
            .optional_text(at(9), record.resource_id.as_deref())?
            .text(at(10), record.outcome)?
            .int(at(11), i64::from(record.status_code))?
            .int(at(12), i64::from(record.latency_ms))?
            .optional_text(at(13), record.client_ip.as_deref())?;
    }
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: String,
    pub key_id: Option<String>,
    pub project_id: Option<String>,
    pub occurred_at: i64,
    pub method: String,
    pub endpoint: String,
    pub route: String,
    pub resource_id: Option<String>,
    pub outcome: String,
    pub status_code: i64,
    pub latency_ms: i64,
    pub client_ip: Option<String>,
}

/// One page of a workspace's log, newest first, after the cursor.
pub async fn page(
    pool: &SqlitePool,
    workspace_id: &str,
    filter: &LogFilter,
) -> sqlx::Result<Vec<RequestRow>> {
    let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT id, key_id, project_id, occurred_at, method, endpoint, route, resource_id, outcome,
                status_code, latency_ms, client_ip
         FROM requests WHERE ",
    );
    push_conditions(&mut query, workspace_id, filter);
    if let Some(cursor) = &filter.cursor {
        query
            .push(" AND (occurred_at < ")
            .push_bind(cursor.occurred_at)
            .push(" OR (occurred_at = ")
            .push_bind(cursor.occurred_at)
            .push(" AND id < ")
            .push_bind(&cursor.id)
            .push("))");
    }
    query
        .push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
        .push_bind(i64::from(filter.limit));
    query.build_query_as().fetch_all(pool).await
}

/// How many records match the filter (its cursor aside), counting no
/// further than `cap`: the LIMIT'd subquery lets SQLite stop there instead
/// of walking every matching row of a large log.
pub async fn count_up_to(
    pool: &SqlitePool,
    workspace_id: &str,
    filter: &LogFilter,
    cap: u64,
) -> sqlx::Result<u64> {
    let mut query: QueryBuilder<Sqlite> =
        QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM requests WHERE ");
    push_conditions(&mut query, workspace_id, filter);
    query
        .push(" LIMIT ")
        .push_bind(i64::try_from(cap).unwrap_or(i64::MAX))
        .push(")");
    let (count,): (i64,) = query.build_query_as().fetch_one(pool).await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The filter's conditions, for the page and the count alike.
fn push_conditions<'a>(
    query: &mut QueryBuilder<'a, Sqlite>,
    workspace_id: &'a str,
    filter: &'a LogFilter,
) {
    query.push("workspace_id = ").push_bind(workspace_id);
    if let Some(key_id) = &filter.key_id {
        query.push(" AND key_id = ").push_bind(key_id);
    }
    if let Some(project_id) = &filter.project_id {
        query.push(" AND project_id = ").push_bind(project_id);
    }
    if let Some(resource_id) = &filter.resource_id {
        query.push(" AND resource_id = ").push_bind(resource_id);
    }
    if let Some(from) = filter.from {
        query
            .push(" AND occurred_at >= ")
            .push_bind(from.timestamp_millis());
    }
    if let Some(to) = filter.to {
        query
            .push(" AND occurred_at < ")
            .push_bind(to.timestamp_millis());
    }
    if let Some(outcome) = filter.outcome {
        query.push(" AND outcome = ").push_bind(outcome.as_str());
    }
    if let Some(method) = &filter.method {
        query.push(" AND method = ").push_bind(method);
    }
    if let Some(endpoint) = &filter.endpoint {
        // instr() rather than LIKE, so `%` and `_` in the text match themselves.
        query
            .push(" AND instr(endpoint, ")
            .push_bind(endpoint)
            .push(") > 0");
    }
    if let Some(code) = filter.response_code {
        query.push(" AND status_code = ").push_bind(i64::from(code));
    }
}

pub async fn get(
    pool: &SqlitePool,
    workspace_id: &str,
    id: &str,
) -> sqlx::Result<Option<RequestRow>> {
    sqlx::query_as(
        "SELECT id, key_id, project_id, occurred_at, method, endpoint, route, resource_id, outcome,
                status_code, latency_ms, client_ip
         FROM requests WHERE workspace_id = $1 AND id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Deletes up to `batch` records older than `before`; returns how many.
/// Small batches keep each write transaction short next to the log writer.
pub async fn delete_older_than(pool: &SqlitePool, before: i64, batch: i64) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE occurred_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(batch)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}
