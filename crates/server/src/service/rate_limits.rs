//! Rate limits and quotas per key: a smooth per-minute rate (GCRA: no double
//! burst at a window edge) and durable daily and billing-period counts.
//!
//! One lock guards a key's three windows, so a request is admitted or
//! refused by all of them at once and counting stays exact under any
//! concurrency. Counts live in memory and are written to the store about
//! once a second and at shutdown; a crash loses at most that last second.
//! The minute window's state (GCRA's arrival time) is written with them, so
//! a restart hands out no fresh burst.
//! Several servers sharing keys would need a shared store (Redis) in place
//! of this type's memory.

use crate::store::{self, counters, QueryKind, Store};
use chrono::{DateTime, Utc};
use keyscope_model::limits::{billing_period, day_window};
#[cfg(test)]
use keyscope_model::Plan;
use keyscope_model::{LimitWindow, PlanLimits};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// The verdict on one request, with what the rate-limit headers report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The window the headers describe: the one that refused, or else the
    /// one with the fewest requests left.
    pub window: LimitWindow,
    pub limit: u64,
    pub remaining: u64,
    /// When `window` is whole again.
    pub reset_at: DateTime<Utc>,
    /// Set when refused: whole seconds until a retry can succeed.
    pub retry_after_seconds: Option<u64>,
    /// Every window that applies: (window, quota, length in seconds).
    pub policies: Policies,
}

/// The windows that apply to a key, minute first, kept inline (and small:
/// a refusal travels in the error type) so a decision allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policies {
    per_minute: u64,
    per_day: Option<u64>,
    /// Quota and the period's length in seconds.
    per_period: Option<(u64, u64)>,
}

impl Policies {
    /// Every window that applies: (window, quota, length in seconds).
    pub fn iter(&self) -> impl Iterator<Item = (LimitWindow, u64, u64)> {
        [
            Some((LimitWindow::Minute, self.per_minute, 60)),
            self.per_day.map(|quota| (LimitWindow::Day, quota, 86_400)),
            self.per_period
                .map(|(quota, seconds)| (LimitWindow::Period, quota, seconds)),
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    window_start: i64,
    count: u64,
}

#[derive(Debug)]
struct KeyState {
    /// GCRA's theoretical arrival time, epoch nanoseconds (a rate of up to
    /// 100 million a minute is still 600 ns apart).
    arrival_nanos: i64,
    day: Counter,
    period: Counter,
    /// Counted since the last write (and listed in `Counts::dirty`).
    dirty: bool,
}

/// Every key's state behind one lock: a request takes it once.
#[derive(Default)]
struct Counts {
    keys: HashMap<String, KeyState>,
    /// Keys whose counts changed since the last write.
    dirty: Vec<String>,
}

pub struct InMemoryRateLimiter {
    store: Store,
    counts: Mutex<Counts>,
}

const DAY: &str = "day";
const PERIOD: &str = "period";
/// The minute window's arrival time, kept as one counter row (window start
/// 0) whose "count" is epoch nanoseconds: it only grows, as counts do, so
/// the store's never-lower write suits it.
const MINUTE_ARRIVAL: &str = "minute_arrival";
const MINUTE_NANOS: i64 = 60_000_000_000;

impl InMemoryRateLimiter {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            counts: Mutex::new(Counts::default()),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits (and counts) or refuses one request by `key_id`; the store is
    /// read only the first time a key is seen.
    pub async fn admit(
        &self,
        key_id: &str,
        limits: PlanLimits,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Decision> {
        if let Some(decision) = self.decide_loaded(key_id, limits, now) {
            return Ok(decision);
        }
        self.load(key_id, now).await?;
        self.decide_loaded(key_id, limits, now)
            .ok_or_else(|| anyhow::anyhow!("counter for {key_id} vanished"))
    }

    /// Today's and this period's counts: from memory, else from the store.
    pub async fn usage(&self, key_id: &str, now: DateTime<Utc>) -> anyhow::Result<(u64, u64)> {
        self.load(key_id, now).await?;
        let counts = self.counts();
        let state = counts
            .keys
            .get(key_id)
            .ok_or_else(|| anyhow::anyhow!("counter for {key_id} vanished"))?;
        let (day_start, period_start) = window_starts(now);
        let current = |counter: &Counter, start: i64| {
            if counter.window_start == start {
                counter.count
            } else {
                0
            }
        };
        Ok((
            current(&state.day, day_start),
            current(&state.period, period_start),
        ))
    }

    /// Loads a key's counts from the store the first time the key is seen.
    async fn load(&self, key_id: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        let known = self.counts().keys.contains_key(key_id);
        if known {
            return Ok(());
        }
        let (day_start, period_start) = window_starts(now);
        let pool = self.store.pool();
        let (day, period, arrival) = self
            .store
            .timed(QueryKind::CounterRead, async {
                let day = counters::read(pool, key_id, DAY, day_start).await?;
                let period = counters::read(pool, key_id, PERIOD, period_start).await?;
                let arrival = counters::read(pool, key_id, MINUTE_ARRIVAL, 0).await?;
                Ok::<_, sqlx::Error>((day, period, arrival))
            })
            .await?;
        self.counts()
            .keys
            .entry(key_id.to_owned())
            .or_insert(KeyState {
                arrival_nanos: i64::try_from(arrival).unwrap_or(i64::MAX),
                day: Counter {
                    window_start: day_start,
                    count: day,
                },
                period: Counter {
                    window_start: period_start,
                    count: period,
                },
                dirty: false,
            });
        Ok(())
    }

    /// Writes the counts that changed.
    pub async fn flush(&self) -> anyhow::Result<()> {
        let (dirty, values) = {
            let mut counts = self.counts();
            let Counts { keys, dirty } = &mut *counts;
            if dirty.is_empty() {
                return Ok(());
            }
            let dirty = std::mem::take(dirty);
            let values: Vec<counters::CounterValue> = dirty
                .iter()
                .filter_map(|key_id| {
                    let state = keys.get_mut(key_id)?;
                    state.dirty = false;
                    let arrival = Counter {
                        window_start: 0,
                        count: u64::try_from(state.arrival_nanos).unwrap_or(0),
                    };
                    Some((key_id, state.day, state.period, arrival))
                })
                .flat_map(|(key_id, day, period, arrival)| {
                    [(DAY, day), (PERIOD, period), (MINUTE_ARRIVAL, arrival)].map(
                        |(kind, counter)| counters::CounterValue {
                            key_id: key_id.clone(),
                            window_kind: kind,
                            window_start: counter.window_start,
                            count: counter.count,
                        },
                    )
                })
                .collect();
            (dirty, values)
        };
        let written = self
            .store
            .timed(
                QueryKind::CounterWrite,
                counters::write(self.store.pool(), &values),
            )
            .await;
        if let Err(error) = written {
            let mut counts = self.counts();
            let Counts {
                keys,
                dirty: pending,
            } = &mut *counts;
            for key_id in dirty {
                if let Some(state) = keys.get_mut(&key_id) {
                    if !state.dirty {
                        state.dirty = true;
                        pending.push(key_id);
                    }
                }
            }
            return Err(error.into());
        }
        Ok(())
    }

    /// Writes every interval until `stop` completes, then once more.
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        let mut ticker = tokio::time::interval(super::last_used::FLUSH_INTERVAL);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = &mut stop => break,
            }
            if let Err(error) = self.flush().await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "could not write usage counters"
                );
            }
        }
        if let Err(error) = self.flush().await {
            tracing::warn!(
                error = format!("{error:#}"),
                "could not write usage counters at shutdown"
            );
        }
    }

    /// The decision for a key whose counts are in memory; `None` if not.
    fn decide_loaded(
        &self,
        key_id: &str,
        limits: PlanLimits,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let (day_start, day_end) = day_window(now);
        let (period_start, period_end) = billing_period(now);
        let period_seconds = (period_end - period_start).num_seconds();
        let (day_start, period_start) = (store::millis(day_start), store::millis(period_start));
        let mut counts = self.counts();
        let Counts { keys, dirty } = &mut *counts;
        let state = keys.get_mut(key_id)?;
        for (counter, start) in [
            (&mut state.day, day_start),
            (&mut state.period, period_start),
        ] {
            if counter.window_start != start {
                *counter = Counter {
                    window_start: start,
                    count: 0,
                };
            }
        }

        // GCRA: one request each `interval`, with a burst of the whole minute.
        let now_nanos = now.timestamp_nanos_opt().unwrap_or(i64::MAX);
        let per_minute = i64::from(limits.per_minute.max(1));
        let interval = (MINUTE_NANOS / per_minute).max(1);
        let tolerance = interval * (per_minute - 1);
        let arrival = state.arrival_nanos.max(now_nanos);
        let minute_allowed = arrival - now_nanos <= tolerance;
        let next_arrival = arrival + interval;

        let mut refusals = Vec::new();
        if !minute_allowed {
            refusals.push((
                LimitWindow::Minute,
                ceil_seconds(arrival - tolerance - now_nanos),
            ));
        }
        for (window, quota, used, end) in quota_windows(limits, state, day_end, period_end) {
            if quota.is_some_and(|quota| used >= quota) {
                refusals.push((
                    window,
                    ceil_seconds((end - now).num_nanoseconds().unwrap_or(i64::MAX)),
                ));
            }
        }

        let policies = Policies {
            per_minute: u64::from(limits.per_minute),
            per_day: limits.per_day,
            per_period: limits
                .per_period
                .map(|quota| (quota, u64::try_from(period_seconds).unwrap_or(0))),
        };

        if let Some(&(window, retry_after)) =
            refusals.iter().max_by_key(|(_, retry_after)| *retry_after)
        {
            let (limit, reset_at) = match window {
                LimitWindow::Minute => (u64::from(limits.per_minute), nanos_to_time(arrival)),
                LimitWindow::Day => (limits.per_day.unwrap_or(0), day_end),
                LimitWindow::Period => (limits.per_period.unwrap_or(0), period_end),
            };
            return Some(Decision {
                allowed: false,
                window,
                limit,
                remaining: 0,
                reset_at,
                retry_after_seconds: Some(retry_after.max(1)),
                policies,
            });
        }

        state.arrival_nanos = next_arrival;
        state.day.count += 1;
        state.period.count += 1;
        let minute_remaining =
            u64::try_from((tolerance + interval - (next_arrival - now_nanos)) / interval)
                .unwrap_or(0);
        let mut report = (
            LimitWindow::Minute,
            u64::from(limits.per_minute),
            minute_remaining,
            nanos_to_time(next_arrival),
        );
        for (window, quota, used, end) in quota_windows(limits, state, day_end, period_end) {
            if let Some(quota) = quota {
                let remaining = quota.saturating_sub(used);
                if remaining < report.2 {
                    report = (window, quota, remaining, end);
                }
            }
        }
        if !state.dirty {
            state.dirty = true;
            dirty.push(key_id.to_owned());
        }
        drop(counts);
        Some(Decision {
            allowed: true,
            window: report.0,
            limit: report.1,
            remaining: report.2,
            reset_at: report.3,
            retry_after_seconds: None,
            policies,
        })
    }
}

/// The day and billing-period windows: each one's quota (`None`:
/// unlimited), the requests counted in it so far, and when it ends.
fn quota_windows(
    limits: PlanLimits,
    state: &KeyState,
    day_end: DateTime<Utc>,
    period_end: DateTime<Utc>,
) -> [(LimitWindow, Option<u64>, u64, DateTime<Utc>); 2] {
    [
        (LimitWindow::Day, limits.per_day, state.day.count, day_end),
        (
            LimitWindow::Period,
            limits.per_period,
            state.period.count,
            period_end,
        ),
    ]
}

fn window_starts(now: DateTime<Utc>) -> (i64, i64) {
    (
        store::millis(day_window(now).0),
        store::millis(billing_period(now).0),
    )
}

fn ceil_seconds(nanos: i64) -> u64 {
    u64::try_from(nanos.saturating_add(999_999_999) / 1_000_000_000).unwrap_or(0)
}

fn nanos_to_time(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pure GCRA maths at the extremes, without a store: a state is put in
    /// place as a first sight would.
    async fn limiter_with_key(
        key_id: &str,
        now: DateTime<Utc>,
    ) -> (InMemoryRateLimiter, tempfile::TempDir) {
        let directory = tempfile::TempDir::new().expect("directory");
        let store = Store::open(directory.path()).await.expect("store");
        let limiter = InMemoryRateLimiter::new(store);
        limiter.load(key_id, now).await.expect("loaded");
        (limiter, directory)
    }

    #[tokio::test]
    async fn the_highest_override_rate_still_counts() {
        let now = Utc::now();
        let (limiter, _directory) = limiter_with_key("key_fast", now).await;
        let limits = Plan::Free
            .limits()
            .with_rate_override(Some(keyscope_model::key_requests::MAX_RATE_PER_MINUTE));
        for _ in 0..1_000 {
            assert!(
                limiter
                    .decide_loaded("key_fast", limits, now)
                    .expect("decided")
                    .allowed
            );
        }
    }

    #[tokio::test]
    async fn a_burst_of_the_whole_minute_then_one_per_interval() {
        let now = Utc::now();
        let (limiter, _directory) = limiter_with_key("key_free", now).await;
        let limits = Plan::Free.limits();
        for _ in 0..60 {
            assert!(
                limiter
                    .decide_loaded("key_free", limits, now)
                    .expect("decided")
                    .allowed
            );
        }
        let refused = limiter
            .decide_loaded("key_free", limits, now)
            .expect("decided");
        assert_eq!(
            (refused.allowed, refused.retry_after_seconds),
            (false, Some(1))
        );
        let later = now + chrono::Duration::seconds(1);
        assert!(
            limiter
                .decide_loaded("key_free", limits, later)
                .expect("decided")
                .allowed
        );
        assert!(
            !limiter
                .decide_loaded("key_free", limits, later)
                .expect("decided")
                .allowed,
            "no double burst"
        );
    }
}
