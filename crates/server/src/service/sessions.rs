//! Console sign-in: password check, throttling, sessions.

use super::access::{AccessError, ConsoleSession};
use super::Services;
use crate::error::{Error, Result};
use crate::secrets;
use crate::store::{self, sessions, workspaces};
use chrono::{DateTime, Duration, Utc};
use keyscope_model::auth::normalise_email;
use keyscope_model::LoginRequest;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

pub const SESSION_LIFETIME: Duration = Duration::hours(12);
const THROTTLE_WINDOW: Duration = Duration::minutes(15);
const FAILURES_PER_ACCOUNT: u32 = 5;
const FAILURES_PER_ADDRESS: u32 = 20;

/// Failed sign-ins per account and per client address in a sliding
/// 15-minute window. In memory: a restart forgives, which is acceptable for
/// throttling (the argon2 cost still bounds guessing).
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl LoginThrottle {
    /// Seconds until the next attempt is allowed, if it is throttled now.
    fn blocked_for(&self, keys: &[(String, u32)], now: DateTime<Utc>) -> Option<u64> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.iter()
            .filter_map(|(key, limit)| {
                let times = failures.get_mut(key)?;
                times.retain(|at| *at > now - THROTTLE_WINDOW);
                let limit = usize::try_from(*limit).unwrap_or(usize::MAX);
                (times.len() >= limit).then(|| {
                    let oldest = times[times.len() - limit];
                    u64::try_from((oldest + THROTTLE_WINDOW - now).num_seconds().max(1))
                        .unwrap_or(1)
                })
            })
            .max()
    }

    fn fail(&self, keys: &[(String, u32)], now: DateTime<Utc>) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (key, _) in keys {
            failures.entry(key.clone()).or_default().push(now);
        }
    }

    fn forgive_account(&self, key: &str) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(key);
    }
}

/// A new session: the cookie token (shown once, stored as a digest) and the
/// session it opens.
pub struct NewSession {
    pub token: String,
    pub session: ConsoleSession,
}

pub async fn sign_in(
    services: &Services,
    request: LoginRequest,
    client: IpAddr,
    now: DateTime<Utc>,
) -> Result<NewSession> {
    let email = normalise_email(&request.email)
        .map_err(|message| keyscope_model::FieldError::new("email", message))?;
    let account_key = format!("account:{email}");
    let throttle_keys = [
        (account_key.clone(), FAILURES_PER_ACCOUNT),
        (format!("address:{client}"), FAILURES_PER_ADDRESS),
    ];
    if let Some(retry_after_seconds) = services.login_throttle.blocked_for(&throttle_keys, now) {
        return Err(Error::TooManyRequests {
            message: format!(
                "too many failed sign-ins; try again in {retry_after_seconds} seconds"
            ),
            retry_after_seconds,
        });
    }
    let user = workspaces::find_user_by_email(services.store.pool(), &email).await?;
    // Verify against a fixed hash when there is no such user, so the answer
    // takes as long and says the same as for a wrong password.
    let hash = user
        .as_ref()
        .map_or(dummy_hash(), |user| user.password_hash.as_str())
        .to_owned();
    let password = request.password;
    let password_ok =
        tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
            .await
            .map_err(|error| anyhow::anyhow!("password check failed: {error}"))?;
    let Some(user) = user.filter(|_| password_ok) else {
        services.login_throttle.fail(&throttle_keys, now);
        return Err(AccessError::BadCredentials.into());
    };
    services.login_throttle.forgive_account(&account_key);

    let token = secrets::random_token();
    let csrf_token = secrets::random_token();
    sessions::insert(
        services.store.pool(),
        &secrets::digest_text(&token),
        &user.id,
        &csrf_token,
        store::millis(now),
        store::millis(now + SESSION_LIFETIME),
    )
    .await?;
    let session = super::access::authenticate_session(services, &token, now)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the session just created was not found"))?;
    tracing::info!(user_id = %user.id, role = %session.role.as_str(), "console sign-in");
    Ok(NewSession { token, session })
}

pub async fn sign_out(services: &Services, token: &str) -> Result<()> {
    sessions::delete(services.store.pool(), &secrets::digest_text(token)).await?;
    Ok(())
}

/// An argon2 hash of a random password nobody knows, made once.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        crate::secrets::Password::generate()
            .hash()
            .unwrap_or_default()
    })
}
