//! The server's stop signals: a `watch` sender fired once, and futures
//! that complete when it is (the HTTP workers, the background writers, the
//! answers that would never end on their own).

use tokio::sync::watch;

/// Completes when `signal`'s sender fires, or is dropped: stopping too.
pub async fn fired(mut signal: watch::Receiver<()>) {
    let _ = signal.changed().await;
}
