//! The service layer: the rules, called alike by REST handlers, the
//! command line, the gateway and server functions.

pub mod access;
pub mod cache;
pub mod gateway;
pub mod keys;
pub mod last_used;
pub mod projects;
pub mod quotas;
pub mod rate_limits;
pub mod request_log;
pub mod sessions;
pub mod upstreams;
pub mod usage;
pub mod users;

use crate::store::Store;
use std::sync::Arc;

/// Limits an operator may change.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_keys_per_project: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_keys_per_project: 50,
        }
    }
}

/// Everything the rules need, cheap to clone into each handler.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub limits: Limits,
    pub last_used: Arc<last_used::LastUsed>,
    pub login_throttle: Arc<sessions::LoginThrottle>,
    /// Seals what must be shown again (Project Keys).
    pub master_key: Arc<crate::crypto::MasterKey>,
    pub rate_limiter: Arc<rate_limits::InMemoryRateLimiter>,
    pub key_cache: Arc<cache::ReadCache<cache::CachedKey>>,
    pub route_cache: Arc<cache::ReadCache<cache::CachedRoute>>,
    pub recorder: Arc<request_log::Recorder>,
    /// What `/metrics` shows: this application's own counters and timings.
    pub telemetry: Arc<crate::telemetry::Telemetry>,
    /// Which addresses a project's upstream may lead to.
    pub upstreams: upstreams::UpstreamPolicy,
}

impl Services {
    pub fn new(store: Store, limits: Limits, master_key: crate::crypto::MasterKey) -> Self {
        let telemetry = Arc::new(crate::telemetry::Telemetry::new());
        let store = store.timed_into(telemetry.query_times.clone());
        Self {
            rate_limiter: Arc::new(rate_limits::InMemoryRateLimiter::new(store.clone())),
            store,
            limits,
            master_key: Arc::new(master_key),
            key_cache: Arc::default(),
            route_cache: Arc::default(),
            recorder: Arc::new(request_log::Recorder::new(telemetry.log_queue.clone())),
            telemetry,
            upstreams: upstreams::UpstreamPolicy::default(),
            last_used: Arc::new(last_used::LastUsed::default()),
            login_throttle: Arc::new(sessions::LoginThrottle::default()),
        }
    }
}
