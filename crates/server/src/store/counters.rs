//! Durable usage counters behind the rate limiter.

use sqlx::SqlitePool;

pub async fn read(
    pool: &SqlitePool,
    key_id: &str,
    window_kind: &str,
    window_start: i64,
) -> sqlx::Result<u64> {
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT count FROM usage_counters WHERE key_id = $1 AND window_kind = $2 AND window_start = $3",
    )
    .bind(key_id)
    .bind(window_kind)
    .bind(window_start)
    .fetch_optional(pool)
    .await?;
    Ok(count.map_or(0, |count| u64::try_from(count).unwrap_or(0)))
}

pub struct CounterValue {
    pub key_id: String,
    pub window_kind: &'static str,
    pub window_start: i64,
    pub count: u64,
}

/// Writes absolute counts in one transaction; a count never goes down.
pub async fn write(pool: &SqlitePool, values: &[CounterValue]) -> sqlx::Result<()> {
    let mut transaction = pool.begin().await?;
    for value in values {
        sqlx::query(
            "INSERT INTO usage_counters (key_id, window_kind, window_start, count) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_id, window_kind, window_start)
             DO UPDATE SET count = CASE WHEN excluded.count > usage_counters.count
                                        THEN excluded.count ELSE usage_counters.count END",
        )
        .bind(&value.key_id)
        .bind(value.window_kind)
        .bind(value.window_start)
        .bind(i64::try_from(value.count).unwrap_or(i64::MAX))
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await
}

/// The period's count summed over a project's keys.
pub async fn project_total(
    pool: &SqlitePool,
    project_id: &str,
    window_kind: &str,
    window_start: i64,
) -> sqlx::Result<u64> {
    let total: Option<i64> = sqlx::query_scalar(
        "SELECT SUM(usage_counters.count) FROM usage_counters
         JOIN api_keys ON api_keys.id = usage_counters.key_id
         WHERE api_keys.project_id = $1 AND usage_counters.window_kind = $2
           AND usage_counters.window_start = $3",
    )
    .bind(project_id)
    .bind(window_kind)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    Ok(total.map_or(0, |total| u64::try_from(total).unwrap_or(0)))
}
