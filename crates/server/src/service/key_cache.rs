//! Keys by secret digest, in memory, so authenticating a key costs no
//! database read. Every change to a key goes through the key service, which
//! makes this cache forget the key before answering, so a revoked, rotated,
//! disabled or deleted key is refused on the very next request. Expiry and
//! rotation grace are judged at use time from the cached times.
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
    pub plan: Plan,
    pub limits: PlanLimits,
    pub enabled: bool,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    /// False for the previous secret of a rotation in its grace period.
    pub is_current: bool,
    pub previous_valid_until: Option<i64>,
    pub cached_at: Instant,
}

#[derive(Default)]
pub struct KeyCache {
    /// With the generation of forgets, so a look-up that read the store
    /// before a change cannot put the old row back after it.
    by_digest: RwLock<(u64, HashMap<String, Arc<CachedKey>>)>,
}

impl KeyCache {
    /// The cached key, or the generation to hand to [`KeyCache::insert`]
    /// after reading the store.
    pub fn get(&self, digest: &str) -> Result<Arc<CachedKey>, u64> {
        let cache = self
            .by_digest
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .1
            .get(digest)
            .filter(|key| key.cached_at.elapsed() < MAX_AGE)
            .cloned()
            .ok_or(cache.0)
    }

    /// Caches a row read at `generation`, unless a key changed since.
    pub fn insert(&self, generation: u64, digest: String, key: Arc<CachedKey>) {
        let mut cache = self
            .by_digest
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.0 == generation {
            cache.1.insert(digest, key);
        }
    }

    /// Drops every cached secret of the key (current and previous). Call it
    /// after the change is committed.
    pub fn forget(&self, key_id: &str) {
        let mut cache = self
            .by_digest
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.0 += 1;
        cache.1.retain(|_, key| key.id != key_id);
    }
}
