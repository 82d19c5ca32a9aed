//! Rows the hot paths read on every request, in memory: keys by secret
//! digest, gateway routes by API ID, so authenticating a key or finding a
//! route costs no database read. Every change to a key goes through the key
//! service, which makes this cache forget the key before answering, so a
//! revoked, rotated, disabled or deleted key is refused on the very next
//! request. Expiry and rotation grace are judged at use time from the
//! cached times.
//!
//! Changes made outside this process (the `keyscope keys revoke` command
//! while a server runs, another server later) reach it when an entry ages
//! out: entries live at most [`MAX_AGE`].
//!
//! Only keys that exist are cached: unknown digests go to the store each
//! time, so guessing cannot grow the cache. With several servers, each
//! would need to hear of changes (a later scale-out issue).

use keyscope_model::{Plan, PlanLimits, ScopeSet};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How stale a cached key may be for changes made by another process.
pub const MAX_AGE: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct CachedKey {
    pub id: String,
    pub workspace_id: String,
    pub project_id: Option<String>,
    pub scopes: ScopeSet,
    /// The key's own plan, else its workspace's.
    pub plan: Plan,
    /// The plan's limits with the key's own rate, if it has one.
    pub limits: PlanLimits,
    pub enabled: bool,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    /// False for the previous secret of a rotation in its grace period.
    pub is_current: bool,
    pub previous_valid_until: Option<i64>,
}

impl Cached for CachedKey {
    /// The secret's SHA-256, raw: no hex text to build or hash per call.
    type Lookup = [u8; 32];

    fn owner(&self) -> &str {
        &self.id
    }
}

/// Where a gateway API ID leads; cached the same way, owned by its project.
#[derive(Debug)]
pub struct CachedRoute {
    pub project_id: String,
    pub workspace_id: String,
    pub upstream_url: Option<String>,
    /// `upstream_url` taken apart once for the proxy; `None` if it has none
    /// or it cannot be used.
    pub upstream: Option<super::gateway::UpstreamTarget>,
}

impl Cached for CachedRoute {
    /// The API ID.
    type Lookup = String;

    fn owner(&self) -> &str {
        &self.project_id
    }
}

/// What a cache entry belongs to: a change to the owner forgets it.
pub trait Cached {
    /// What entries are found by.
    type Lookup: std::hash::Hash + Eq;

    fn owner(&self) -> &str;
}

/// Rows read from the store, by their look-up key ([`Cached::Lookup`]), with
/// the generation of forgets, so a look-up that read the store before a
/// change cannot put the old row back after it.
pub struct ReadCache<V: Cached> {
    entries: RwLock<(u64, Entries<V>)>,
}

/// Look-up key to (when cached, row).
type Entries<V> = HashMap<<V as Cached>::Lookup, (Instant, Arc<V>)>;

impl<V: Cached> Default for ReadCache<V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new((0, HashMap::new())),
        }
    }
}

impl<V: Cached> ReadCache<V> {
    /// The cached row, or the generation to hand to [`ReadCache::insert`]
    /// after reading the store.
    pub fn get<Q>(&self, lookup: &Q) -> Result<Arc<V>, u64>
    where
        V::Lookup: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let cache = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .1
            .get(lookup)
            .filter(|(cached_at, _)| cached_at.elapsed() < MAX_AGE)
            .map(|(_, value)| value.clone())
            .ok_or(cache.0)
    }

    /// Caches a row read at `generation`, unless something changed since.
    pub fn insert(&self, generation: u64, lookup: V::Lookup, value: Arc<V>) {
        let mut cache = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.0 == generation {
            cache.1.insert(lookup, (Instant::now(), value));
        }
    }

    /// Drops every entry of `owner`. Call it after the change is committed.
    pub fn forget(&self, owner: &str) {
        let mut cache = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.0 += 1;
        cache.1.retain(|_, (_, value)| value.owner() != owner);
    }
}
