//! The request log's rows.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// One answered request. Never holds the key's secret.
pub struct RequestRecord {
    pub id: String,
    pub workspace_id: String,
    pub key_id: Option<String>,
    pub project_id: Option<String>,
    pub occurred_at: i64,
    pub method: &'static str,
    pub endpoint: String,
    pub route: &'static str,
    pub resource_id: Option<String>,
    pub outcome: &'static str,
    pub status_code: u16,
    pub latency_ms: u32,
    pub client_ip: Option<String>,
}

/// SQLite allows 32,766 bound parameters per statement; 13 columns each.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts records with multi-row statements inside the caller's transaction.
pub async fn insert_batch(
    connection: &mut SqliteConnection,
    records: &[RequestRecord],
) -> sqlx::Result<()> {
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO requests (id, workspace_id, key_id, project_id, occurred_at, method,
                 endpoint, route, resource_id, outcome, status_code, latency_ms, client_ip) ",
        );
        builder.push_values(chunk, |mut row, record| {
            row.push_bind(&record.id)
                .push_bind(&record.workspace_id)
                .push_bind(&record.key_id)
                .push_bind(&record.project_id)
                .push_bind(record.occurred_at)
                .push_bind(record.method)
                .push_bind(&record.endpoint)
                .push_bind(record.route)
                .push_bind(&record.resource_id)
                .push_bind(record.outcome)
                .push_bind(i64::from(record.status_code))
                .push_bind(i64::from(record.latency_ms))
                .push_bind(&record.client_ip);
        });
        builder.build().execute(&mut *connection).await?;
    }
    Ok(())
}
