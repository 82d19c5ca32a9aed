//! The demo workspace: projects, a dozen keys in every state, and about
//! 50,000 request records over the last 30 days, so every screen has
//! something true to show.
//!
//! The request log is drawn from a seeded generator (the same demo on every
//! machine); the key secrets come from the OS like any other and are never
//! shown, so no demo key can be used against a real deployment.

use crate::secrets;
use crate::store::{self, counters, keys, projects, requests, rollups, Store};
use chrono::{DateTime, Duration, Timelike, Utc};
use keyscope_model::{Scope, ScopeSet};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const DEMO_REQUESTS: usize = 50_000;
const DEMO_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub projects: usize,
    pub keys: usize,
    pub requests: usize,
}

struct DemoProject {
    name: &'static str,
    upstream_url: Option<&'static str>,
    endpoints: &'static [Endpoint],
}

struct Endpoint {
    method: &'static str,
    route: &'static str,
    /// What `{id}` in the route is filled with.
    resource: Resource,
    weight: u32,
}

#[derive(Clone, Copy)]
enum Resource {
    None,
    Id(&'static str),
    City,
}

enum KeyState {
    Active,
    Disabled { days_ago: i64 },
    Revoked { days_ago: i64 },
}

struct DemoKey {
    name: &'static str,
    description: Option<&'static str>,
    /// Index into `PROJECTS`; `None` is a workspace-wide key.
    project: Option<usize>,
    scopes: &'static str,
    plan: &'static str,
    environment: &'static str,
    created_days_ago: i64,
    /// Negative: already expired.
    expires_in_days: Option<i64>,
    state: KeyState,
    /// Relative share of the traffic.
    traffic: u32,
}

const PROJECTS: [DemoProject; 3] = [
    DemoProject {
        name: "Payments API",
        upstream_url: None,
        endpoints: &[
            Endpoint {
                method: "GET",
                route: "/v1/payments/{id}",
                resource: Resource::Id("pay_"),
                weight: 30,
            },
            Endpoint {
                method: "GET",
                route: "/v1/payments",
                resource: Resource::None,
                weight: 18,
            },
            Endpoint {
                method: "POST",
                route: "/v1/payments",
                resource: Resource::None,
                weight: 14,
            },
            Endpoint {
                method: "POST",
                route: "/v1/refunds",
                resource: Resource::None,
                weight: 4,
            },
            Endpoint {
                method: "GET",
                route: "/v1/customers/{id}",
                resource: Resource::Id("cus_"),
                weight: 12,
            },
            Endpoint {
                method: "PUT",
                route: "/v1/customers/{id}",
                resource: Resource::Id("cus_"),
                weight: 4,
            },
            Endpoint {
                method: "DELETE",
                route: "/v1/payments/{id}/hold",
                resource: Resource::Id("pay_"),
                weight: 2,
            },
        ],
    },
    DemoProject {
        name: "Weather API",
        upstream_url: None,
        endpoints: &[
            Endpoint {
                method: "GET",
                route: "/v1/forecasts/{id}",
                resource: Resource::City,
                weight: 40,
            },
            Endpoint {
                method: "GET",
                route: "/v1/observations",
                resource: Resource::None,
                weight: 15,
            },
            Endpoint {
                method: "POST",
                route: "/v1/observations",
                resource: Resource::None,
                weight: 12,
            },
            Endpoint {
                method: "GET",
                route: "/v1/stations/{id}",
                resource: Resource::Id("stn_"),
                weight: 8,
            },
            Endpoint {
                method: "PATCH",
                route: "/v1/stations/{id}",
                resource: Resource::Id("stn_"),
                weight: 2,
            },
            Endpoint {
                method: "DELETE",
                route: "/v1/stations/{id}",
                resource: Resource::Id("stn_"),
                weight: 1,
            },
        ],
    },
    DemoProject {
        name: "Internal Tools",
        upstream_url: None,
        endpoints: &[
            Endpoint {
                method: "GET",
                route: "/v1/reports/{id}",
                resource: Resource::Id("rep_"),
                weight: 10,
            },
            Endpoint {
                method: "POST",
                route: "/v1/reports",
                resource: Resource::None,
                weight: 3,
            },
            Endpoint {
                method: "GET",
                route: "/v1/status",
                resource: Resource::None,
                weight: 6,
            },
        ],
    },
];

/// Used by the workspace-wide admin key.
const MANAGEMENT_ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        route: "/v1/keys",
        resource: Resource::None,
        weight: 6,
    },
    Endpoint {
        method: "POST",
        route: "/v1/keys",
        resource: Resource::None,
        weight: 2,
    },
    Endpoint {
        method: "DELETE",
        route: "/v1/keys/{id}",
        resource: Resource::Id("key_"),
        weight: 1,
    },
];

const KEYS: [DemoKey; 12] = [
    DemoKey {
        name: "Checkout service",
        description: Some("Server-side checkout flow"),
        project: Some(0),
        scopes: "read write",
        plan: "pro",
        environment: "live",
        created_days_ago: 64,
        expires_in_days: None,
        state: KeyState::Active,
        traffic: 300,
    },
    DemoKey {
        name: "Mobile app (iOS)",
        description: Some("Read-only key shipped in the iOS app"),
        project: Some(0),
        scopes: "read",
        plan: "pro",
        environment: "live",
        created_days_ago: 48,
        expires_in_days: None,
        state: KeyState::Active,
        traffic: 150,
    },
    DemoKey {
        name: "Mobile app (Android)",
        description: Some("Read-only key shipped in the Android app"),
        project: Some(0),
        scopes: "read",
        plan: "pro",
        environment: "live",
        created_days_ago: 47,
        expires_in_days: None,
        state: KeyState::Active,
        traffic: 140,
    },
    DemoKey {
        name: "Refunds worker",
        description: Some("Nightly refund batch"),
        project: Some(0),
        scopes: "read write delete",
        plan: "enterprise",
        environment: "live",
        created_days_ago: 40,
        expires_in_days: Some(60),
        state: KeyState::Active,
        traffic: 60,
    },
    DemoKey {
        name: "Partner: Northwind",
        description: Some("Trial access for Northwind Traders"),
        project: Some(1),
        scopes: "read",
        plan: "free",
        environment: "live",
        created_days_ago: 25,
        expires_in_days: Some(20),
        state: KeyState::Active,
        traffic: 80,
    },
    DemoKey {
        name: "Partner: Globex",
        description: Some("Trial ended; renewal pending"),
        project: Some(1),
        scopes: "read",
        plan: "free",
        environment: "live",
        created_days_ago: 90,
        expires_in_days: Some(-5),
        state: KeyState::Active,
        traffic: 50,
    },
    DemoKey {
        name: "Forecast dashboard",
        description: None,
        project: Some(1),
        scopes: "read:forecasts read:observations",
        plan: "pro",
        environment: "live",
        created_days_ago: 33,
        expires_in_days: None,
        state: KeyState::Active,
        traffic: 100,
    },
    DemoKey {
        name: "Station ingest",
        description: Some("Weather stations posting observations"),
        project: Some(1),
        scopes: "read write:observations",
        plan: "pro",
        environment: "live",
        created_days_ago: 30,
        expires_in_days: None,
        state: KeyState::Active,
        traffic: 70,
    },
    DemoKey {
        name: "Old ingest key",
        description: Some("Replaced by Station ingest"),
        project: Some(1),
        scopes: "write",
        plan: "pro",
        environment: "live",
        created_days_ago: 120,
        expires_in_days: None,
        state: KeyState::Revoked { days_ago: 12 },
        traffic: 30,
    },
    DemoKey {
        name: "Admin CLI",
        description: Some("Operations scripts"),
        project: None,
        scopes: "admin",
        plan: "enterprise",
        environment: "live",
        created_days_ago: 70,
        expires_in_days: None,
        state: KeyState::Active,
        traffic: 10,
    },
    DemoKey {
        name: "Staging smoke tests",
        description: Some("Paused while staging is rebuilt"),
        project: Some(2),
        scopes: "read write",
        plan: "free",
        environment: "test",
        created_days_ago: 50,
        expires_in_days: None,
        state: KeyState::Disabled { days_ago: 8 },
        traffic: 15,
    },
    DemoKey {
        name: "Reporting export",
        description: Some("Weekly finance export"),
        project: Some(2),
        scopes: "read",
        plan: "free",
        environment: "live",
        created_days_ago: 3,
        expires_in_days: Some(87),
        state: KeyState::Active,
        traffic: 8,
    },
];

const CITIES: [&str; 8] = [
    "london", "paris", "berlin", "tokyo", "nairobi", "lima", "oslo", "austin",
];

/// Fills the workspace with the demo, unless it already has projects.
pub async fn seed_if_empty(
    store: &Store,
    workspace_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<DemoSummary>> {
    let mut transaction = store.pool().begin().await?;
    if projects::count(&mut transaction, workspace_id).await? > 0 {
        return Ok(None);
    }
    let mut random = StdRng::seed_from_u64(2026);

    let mut project_ids = Vec::with_capacity(PROJECTS.len());
    for (index, project) in PROJECTS.iter().enumerate() {
        let id = format!("prj_{}", ulid::Ulid::new());
        projects::insert(
            &mut transaction,
            &projects::NewProject {
                id: &id,
                workspace_id,
                name: project.name,
                upstream_url: project.upstream_url,
                created_at: store::millis(now - Duration::days(150 - 10 * index as i64)),
            },
        )
        .await?;
        project_ids.push(id);
    }

    let key_ids: Vec<String> = KEYS
        .iter()
        .map(|_| format!("key_{}", ulid::Ulid::new()))
        .collect();
    let records = generate_requests(&mut random, workspace_id, &project_ids, &key_ids, now);

    for (demo, id) in KEYS.iter().zip(&key_ids) {
        let secret = secrets::generate_key_secret(demo.environment)?;
        let (revoked_at, enabled) = match demo.state {
            KeyState::Active => (None, true),
            KeyState::Disabled { .. } => (None, false),
            KeyState::Revoked { days_ago } => {
                (Some(store::millis(now - Duration::days(days_ago))), true)
            }
        };
        let created = now - Duration::days(demo.created_days_ago);
        let last_used_at = records
            .iter()
            .filter(|record| record.key_id.as_deref() == Some(id))
            .map(|record| record.occurred_at)
            .max();
        keys::insert(
            &mut transaction,
            &keys::NewKey {
                id,
                workspace_id,
                project_id: demo.project.map(|index| project_ids[index].as_str()),
                name: demo.name,
                description: demo.description,
                secret_digest: &secrets::digest(&secret),
                prefix: secret.display_prefix(),
                last_four: secret.last_four(),
                scopes: demo.scopes,
                role: None,
                plan: Some(demo.plan),
                rate_limit_per_minute: None,
                enabled,
                created_at: store::millis(created),
                expires_at: demo.expires_in_days.map(|days| {
                    store::millis(created + Duration::days(demo.created_days_ago + days))
                }),
                last_used_at,
                revoked_at,
            },
        )
        .await?;
    }
    requests::insert_batch(&mut transaction, &records).await?;
    rollups::add(&mut transaction, &records).await?;
    transaction.commit().await?;
    counters::write(store.pool(), &limiter_counters(&records, now)).await?;
    Ok(Some(DemoSummary {
        projects: PROJECTS.len(),
        keys: KEYS.len(),
        requests: records.len(),
    }))
}

/// The rate limiter's durable counts as the demo log implies them: each
/// key's admitted calls today and this billing period, so the quota cards and
/// the daily limits start from what the log shows.
fn limiter_counters(
    records: &[requests::RequestRecord],
    now: DateTime<Utc>,
) -> Vec<counters::CounterValue> {
    let windows = [
        ("day", keyscope_model::limits::day_window(now).0),
        ("period", keyscope_model::limits::billing_period(now).0),
    ];
    let mut counts: std::collections::BTreeMap<(&str, &'static str, i64), u64> = Default::default();
    for record in records {
        // A refused call (429) was never admitted, so it used no quota.
        let (Some(key_id), false) = (record.key_id.as_deref(), record.outcome == "rate_limited")
        else {
            continue;
        };
        for (kind, start) in windows {
            if record.occurred_at >= store::millis(start) {
                *counts
                    .entry((key_id, kind, store::millis(start)))
                    .or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(
            |((key_id, window_kind, window_start), count)| counters::CounterValue {
                key_id: key_id.to_owned(),
                window_kind,
                window_start,
                count,
            },
        )
        .collect()
}

/// The time window in which a demo key could have been used.
fn active_window(key: &DemoKey, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = (now - Duration::days(key.created_days_ago)).max(now - Duration::days(DEMO_DAYS));
    let mut end = now;
    if let Some(days) = key.expires_in_days {
        end = end.min(now + Duration::days(days));
    }
    match key.state {
        KeyState::Disabled { days_ago } | KeyState::Revoked { days_ago } => {
            end = end.min(now - Duration::days(days_ago));
        }
        KeyState::Active => {}
    }
    (start, end.max(start))
}

fn generate_requests(
    random: &mut StdRng,
    workspace_id: &str,
    project_ids: &[String],
    key_ids: &[String],
    now: DateTime<Utc>,
) -> Vec<requests::RequestRecord> {
    let total_traffic: u32 = KEYS.iter().map(|key| key.traffic).sum();
    let mut records = Vec::with_capacity(DEMO_REQUESTS);
    while records.len() < DEMO_REQUESTS {
        let key_index = pick_weighted(random, KEYS.iter().map(|key| key.traffic), total_traffic);
        let key = &KEYS[key_index];
        let (start, end) = active_window(key, now);
        let span = (end - start).num_milliseconds();
        if span <= 0 {
            continue;
        }
        let at = start + Duration::milliseconds(random.gen_range(0..span));
        // Busier in working hours (UTC) than at night.
        let hour = at.hour();
        let busy = if (8..20).contains(&hour) { 1.0 } else { 0.35 };
        if random.gen::<f64>() > busy {
            continue;
        }
        let scopes = ScopeSet::parse_list(key.scopes).unwrap_or_default();
        let endpoints = key
            .project
            .map_or(MANAGEMENT_ENDPOINTS, |index| PROJECTS[index].endpoints);
        let endpoint = &endpoints[pick_weighted(
            random,
            endpoints.iter().map(|endpoint| endpoint.weight),
            endpoints.iter().map(|endpoint| endpoint.weight).sum(),
        )];
        let allowed = scopes.grants(&Scope::required_for(endpoint.method, endpoint.route));
        // Keys mostly call what they may; a few calls stray and are refused.
        if !allowed && random.gen::<f64>() > 0.02 {
            continue;
        }
        let (status_code, outcome) = if allowed {
            response_for(random, endpoint.method, key.plan == "free")
        } else {
            (403, "forbidden")
        };
        let resource_id = match endpoint.resource {
            Resource::None => None,
            Resource::Id(prefix) => Some(format!("{prefix}{:08x}", random.gen::<u32>() % 4096)),
            Resource::City => Some(CITIES[random.gen_range(0..CITIES.len())].to_owned()),
        };
        let path = match &resource_id {
            Some(id) => endpoint.route.replace("{id}", id),
            None => endpoint.route.to_owned(),
        };
        let occurred_at = store::millis(at);
        let base_latency: f64 = match endpoint.method {
            "GET" => 25.0,
            _ => 60.0,
        };
        let slow = if status_code >= 500 { 4.0 } else { 1.0 };
        let latency_ms = (base_latency * slow * (1.0 + random.gen::<f64>().powi(4) * 20.0)) as u32;
        records.push(requests::RequestRecord {
            id: format!(
                "req_{}",
                ulid::Ulid::from_parts(occurred_at as u64, random.gen())
            ),
            workspace_id: workspace_id.to_owned(),
            key_id: Some(key_ids[key_index].clone()),
            project_id: key.project.map(|index| project_ids[index].clone()),
            occurred_at,
            method: endpoint.method.to_owned(),
            endpoint: path,
            route: endpoint.route.to_owned(),
            resource_id,
            outcome,
            status_code,
            latency_ms,
            client_ip: Some(format!(
                "203.0.113.{}",
                1 + key_index * 7 + random.gen_range(0..5)
            )),
        });
    }
    records
}

fn pick_weighted(random: &mut StdRng, weights: impl Iterator<Item = u32>, total: u32) -> usize {
    let mut target = random.gen_range(0..total.max(1));
    for (index, weight) in weights.enumerate() {
        if target < weight {
            return index;
        }
        target -= weight;
    }
    0
}

/// A believable response: mostly success, some client errors, a little
/// rate limiting (more on the free plan) and a few upstream failures.
fn response_for(random: &mut StdRng, method: &str, free_plan: bool) -> (u16, &'static str) {
    let roll = random.gen::<f64>();
    let rate_limited_share = if free_plan { 0.08 } else { 0.02 };
    if roll < rate_limited_share {
        return (429, "rate_limited");
    }
    let roll = random.gen::<f64>();
    match roll {
        r if r < 0.035 => (404, "failed"),
        r if r < 0.055 => (400, "failed"),
        r if r < 0.062 => (422, "failed"),
        r if r < 0.068 => (500, "failed"),
        r if r < 0.072 => (502, "failed"),
        _ => match method {
            "POST" => (201, "completed"),
            "DELETE" => (204, "completed"),
            _ => (200, "completed"),
        },
    }
}
