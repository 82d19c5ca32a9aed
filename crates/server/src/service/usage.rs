//! Usage summaries, read from the hourly rollups only.

use super::Services;
use crate::error::{Error, Result};
use crate::store::rollups::{self, Dimension, HOUR_MILLIS};
use crate::store::{keys, projects};
use keyscope_model::timestamp::from_millis;
use keyscope_model::{Count, Granularity, Outcome, Point, Totals, UsageQuery, UsageSummary};
use std::collections::BTreeMap;

const DAY_MILLIS: i64 = 24 * HOUR_MILLIS;
const TOP_ENDPOINTS: usize = 10;

pub async fn summary(
    services: &Services,
    workspace_id: &str,
    query: &UsageQuery,
) -> Result<UsageSummary> {
    let pool = services.store.pool();
    // Another workspace's ids answer as missing ones.
    if let Some(key_id) = &query.key_id {
        if keys::get(pool, workspace_id, key_id).await?.is_none() {
            return Err(Error::NotFound(format!(
                "no key {key_id} in this workspace"
            )));
        }
    }
    if let Some(project_id) = &query.project_id {
        if !projects::exists(pool, workspace_id, project_id).await? {
            return Err(Error::NotFound(format!(
                "no project {project_id} in this workspace"
            )));
        }
    }
    let scope = rollups::Scope {
        workspace_id,
        key_id: query.key_id.as_deref(),
        project_id: query.project_id.as_deref(),
        from: query.from.timestamp_millis(),
        to: query.to.timestamp_millis(),
    };
    let counts = |rows: Vec<(String, i64)>| -> Vec<Count> {
        rows.into_iter()
            .map(|(name, count)| Count {
                name,
                count: u64::try_from(count).unwrap_or(0),
            })
            .collect()
    };
    // Independent reads, so they run side by side on the pool's connections
    // (WAL readers do not wait for each other).
    let (by_route, by_method, by_response_code, hourly) = tokio::try_join!(
        rollups::by(pool, &scope, Dimension::Route),
        rollups::by(pool, &scope, Dimension::Method),
        rollups::by(pool, &scope, Dimension::StatusCode),
        rollups::hourly(pool, &scope),
    )?;
    let mut top_endpoints = counts(by_route);
    top_endpoints.truncate(TOP_ENDPOINTS);

    let granularity = query.granularity();
    let step = match granularity {
        Granularity::Hour => HOUR_MILLIS,
        Granularity::Day => DAY_MILLIS,
    };
    let first = scope.from.div_euclid(step) * step;
    let mut series: BTreeMap<i64, Totals> = (0..)
        .map(|index| first + index * step)
        .take_while(|start| *start < scope.to)
        .map(|start| (start, Totals::default()))
        .collect();
    // The totals are the series summed: the hours read are the whole range.
    let mut totals = Totals::default();
    for (hour_start, outcome, count) in hourly {
        let bucket = hour_start.div_euclid(step) * step;
        let count = u64::try_from(count).unwrap_or(0);
        if let Some(outcome) = Outcome::parse(&outcome) {
            totals.add(outcome, count);
            if let Some(point) = series.get_mut(&bucket) {
                point.add(outcome, count);
            }
        }
    }
    Ok(UsageSummary {
        from: query.from,
        to: query.to,
        totals,
        by_method: counts(by_method),
        by_response_code: counts(by_response_code),
        top_endpoints,
        granularity,
        series: series
            .into_iter()
            .map(|(start, totals)| Point {
                start: from_millis(start),
                totals,
            })
            .collect(),
    })
}
