//! Usage summaries, read from the hourly rollups only.

use super::Services;
use crate::error::{Error, Result};
use crate::store::rollups::{self, Dimension, HOUR_MILLIS};
use crate::store::{keys, projects, QueryKind};
use keyscope_model::permissions::resource;
use keyscope_model::timestamp::from_millis;
use keyscope_model::{
    Count, Grant, Granularity, Outcome, Permission, Point, Scope, Totals, UsageQuery, UsageSummary,
};
use std::collections::BTreeMap;

const DAY_MILLIS: i64 = 24 * HOUR_MILLIS;
const TOP_ENDPOINTS: usize = 10;

/// For a key, a project or the whole workspace; a project-confined caller
/// gets its project's, whatever it asks.
pub async fn summary(
    services: &Services,
    grant: &Grant,
    query: &UsageQuery,
) -> Result<UsageSummary> {
    grant.require(&Scope::on(Permission::Read, resource::USAGE))?;
    let workspace_id = grant.workspace_id.as_str();
    let pool = services.store.pool();
    let no_project = |id: &str| Error::NotFound(format!("no project {id} in this workspace"));
    let confined_to = grant
        .confine(query.project_id.as_deref())
        .map_err(|other| no_project(&other))?;
    let query = &UsageQuery {
        project_id: confined_to,
        ..query.clone()
    };
    // Another workspace's ids, or ids out of the grant's sight, answer as
    // missing ones.
    if let Some(key_id) = &query.key_id {
        let seen = keys::get(pool, workspace_id, key_id)
            .await?
            .is_some_and(|row| grant.sees(row.project_id.as_deref()));
        if !seen {
            return Err(Error::NotFound(format!(
                "no key {key_id} in this workspace"
            )));
        }
    }
    if let Some(project_id) = &query.project_id {
        if !projects::exists(pool, workspace_id, project_id).await? {
            return Err(no_project(project_id));
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
    let store = &services.store;
    let (by_route, by_method, by_response_code, hourly) = tokio::try_join!(
        store.timed(
            QueryKind::RollupRead,
            rollups::by(pool, &scope, Dimension::Route)
        ),
        store.timed(
            QueryKind::RollupRead,
            rollups::by(pool, &scope, Dimension::Method)
        ),
        store.timed(
            QueryKind::RollupRead,
            rollups::by(pool, &scope, Dimension::StatusCode)
        ),
        store.timed(QueryKind::RollupRead, rollups::hourly(pool, &scope)),
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
