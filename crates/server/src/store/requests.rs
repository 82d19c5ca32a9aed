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

/// Inserts records inside the caller's transaction: one prepared single-row
/// statement stepped once a record, the text bound in place (see
/// [`super::raw`] for why not sqlx's multi-row statements).
pub async fn insert_batch(
    connection: &mut SqliteConnection,
    records: &[RequestRecord],
) -> sqlx::Result<()> {
    super::raw::with_handle(connection, |mut handle| {
        let mut insert = handle.prepare(
            "INSERT INTO requests (id, workspace_id, key_id, project_id, occurred_at, method,
                 endpoint, route, resource_id, outcome, status_code, latency_ms, client_ip)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )?;
        for record in records {
            insert
                .text(1, &record.id)?
                .text(2, &record.workspace_id)?
                .optional_text(3, record.key_id.as_deref())?
                .optional_text(4, record.project_id.as_deref())?
                .int(5, record.occurred_at)?
                .text(6, &record.method)?
                .text(7, &record.endpoint)?
                .text(8, &record.route)?
                .optional_text(9, record.resource_id.as_deref())?
                .text(10, record.outcome)?
                .int(11, i64::from(record.status_code))?
                .int(12, i64::from(record.latency_ms))?
                .optional_text(13, record.client_ip.as_deref())?
                .execute()?;
        }
        Ok(())
    })
    .await
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
