//! `last_used_at` without a database write per request: uses are noted in
//! memory and written in one transaction about once a second.

use crate::store::{keys, QueryKind, Store};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<String, i64>>,
}

pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

impl LastUsed {
    pub fn record(&self, key_id: &str, at_millis: i64) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Allocates only for the first use of a key in each interval.
        match pending.get_mut(key_id) {
            Some(latest) => *latest = (*latest).max(at_millis),
            None => {
                pending.insert(key_id.to_owned(), at_millis);
            }
        }
    }

    /// Writes what accumulated; on failure the uses are kept for the next try.
    pub async fn flush(&self, store: &Store) -> anyhow::Result<()> {
        let uses: Vec<(String, i64)> = {
            let mut pending = self
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            pending.drain().collect()
        };
        if uses.is_empty() {
            return Ok(());
        }
        let written = store
            .timed(
                QueryKind::LastUsedWrite,
                keys::record_last_used(store.pool(), &uses),
            )
            .await;
        if let Err(error) = written {
            for (id, at) in uses {
                self.record(&id, at);
            }
            return Err(error.into());
        }
        Ok(())
    }

    /// Flushes every interval until `stop` completes, then once more, so no
    /// use noted before shutdown is lost (aborting the task instead could cut
    /// a flush after it had taken the pending uses).
    pub async fn run(&self, store: Store, stop: impl std::future::Future<Output = ()>) {
        let mut ticker = tokio::time::interval(FLUSH_INTERVAL);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = &mut stop => break,
            }
            if let Err(error) = self.flush(&store).await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "could not write last-used times"
                );
            }
        }
        if let Err(error) = self.flush(&store).await {
            tracing::warn!(
                error = format!("{error:#}"),
                "could not write last-used times at shutdown"
            );
        }
    }
}
