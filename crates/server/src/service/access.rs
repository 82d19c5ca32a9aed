//! Who is calling, and may they: API keys (with scopes) and console sessions
//! (with roles).

use super::cache::CachedKey;
use super::rate_limits::Decision;
use super::Services;
use crate::secrets;
use crate::store::{self, keys, sessions, QueryKind};
use chrono::{DateTime, Utc};
use keyscope_model::timestamp::from_millis;
use keyscope_model::{
    Grant, KeySecret, Plan, Power, Refusal, Role, Scope, ScopeSet, SecretFormatError,
};

/// Why a caller was refused. Each has its own error code and a message that
/// says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessError {
    /// Neither a key nor a session.
    NoCredentials,
    MissingKey,
    MalformedKey(SecretFormatError),
    UnknownKey,
    RevokedKey,
    DisabledKey,
    ExpiredKey {
        at: DateTime<Utc>,
    },
    InsufficientScope {
        required: Scope,
    },
    /// The console user's role does not allow this.
    RoleForbidden {
        needed: &'static str,
    },
    /// A project-confined key asked for something workspace-wide.
    ProjectConfined {
        project_id: String,
    },
    /// Minting or changing a key would hand out a scope the caller lacks.
    BeyondGrant {
        scope: Scope,
    },
    /// Adding a user with a role the caller's grant does not cover.
    RoleBeyondGrant {
        role: Role,
    },
    BadCsrfToken,
    BadCredentials,
    MissingProjectKey,
    UnknownProjectKey,
    /// `/metrics` needs the operator's metrics token.
    NoMetricsToken,
}

impl From<Refusal> for AccessError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::MissingScope(required) => AccessError::InsufficientScope { required },
            Refusal::RoleTooLow { needed } => AccessError::RoleForbidden { needed },
            Refusal::ProjectConfined { project_id } => AccessError::ProjectConfined { project_id },
            Refusal::BeyondGrant { scope } => AccessError::BeyondGrant { scope },
            Refusal::RoleBeyondGrant { role } => AccessError::RoleBeyondGrant { role },
        }
    }
}

impl From<Refusal> for crate::error::Error {
    fn from(refusal: Refusal) -> Self {
        crate::error::Error::Access(refusal.into())
    }
}

/// A key that passed authentication: its cached entry, shared rather than
/// copied (a call reads the key's id, scopes and limits several times over
/// and changes none of them).
#[derive(Debug, Clone)]
pub struct AuthenticatedKey(std::sync::Arc<CachedKey>);

impl std::ops::Deref for AuthenticatedKey {
    type Target = CachedKey;

    fn deref(&self) -> &CachedKey {
        &self.0
    }
}

impl CachedKey {
    /// Whether the key may be used for `project`: a key of that project, or
    /// a workspace-wide key of its workspace.
    pub fn belongs_to(&self, project_id: &str, workspace_id: &str) -> bool {
        self.workspace_id == workspace_id
            && self.project_id.as_deref().is_none_or(|id| id == project_id)
    }
}

/// A signed-in console user: exactly what `GET /v1/me` answers.
pub type ConsoleSession = keyscope_model::Me;

#[derive(Debug, Clone)]
pub enum Caller {
    Key(AuthenticatedKey),
    Console(ConsoleSession),
}

impl Caller {
    pub fn workspace_id(&self) -> &str {
        match self {
            Caller::Key(key) => &key.workspace_id,
            Caller::Console(session) => &session.workspace_id,
        }
    }

    /// What the caller may do: the one permission model's grant.
    pub fn grant(&self) -> Grant {
        match self {
            Caller::Key(key) => key.grant(),
            Caller::Console(session) => Grant {
                workspace_id: session.workspace_id.clone(),
                project_id: None,
                power: Power::Role(session.role),
            },
        }
    }
}

impl CachedKey {
    /// A key acts with its scopes, inside its project when it has one.
    pub fn grant(&self) -> Grant {
        Grant {
            workspace_id: self.workspace_id.clone(),
            project_id: self.project_id.clone(),
            power: Power::Scopes(self.scopes.clone()),
        }
    }
}

/// Checks a presented key: format and checksum first (no look-up for a
/// typo), then the store, every time, so a revoked, rotated or deleted key
/// is refused on the very next request.
pub async fn authenticate_key(
    services: &Services,
    presented: &str,
    now: DateTime<Utc>,
) -> crate::error::Result<AuthenticatedKey> {
    let started = std::time::Instant::now();
    let checked = match find_key(services, presented).await {
        Ok(key) => check_key_state(services, key, now),
        Err(error) => Err(error),
    };
    services
        .telemetry
        .key_verification(started.elapsed(), checked.is_ok());
    checked
}

/// The key a presented secret names, whatever its state: format and
/// checksum first (no look-up for a typo), then the cache or the store.
pub async fn find_key(
    services: &Services,
    presented: &str,
) -> crate::error::Result<std::sync::Arc<CachedKey>> {
    let presented = presented.trim();
    if presented.is_empty() {
        return Err(AccessError::MissingKey.into());
    }
    // Only keys that exist are cached, and a digest equal to a cached one is
    // the same text, so a hit needs no format or checksum check; a miss is
    // checked before it may cost a look-up.
    let digest = secrets::raw_digest(presented);
    let key = match services.key_cache.get(&digest) {
        Ok(key) => key,
        Err(generation) => {
            KeySecret::parse(presented).map_err(AccessError::MalformedKey)?;
            // The store keeps the digest as hex text (`secrets::digest`).
            let row = services
                .store
                .timed(
                    QueryKind::KeyByDigest,
                    keys::find_by_digest(services.store.pool(), &secrets::hex(&digest)),
                )
                .await?
                .ok_or(AccessError::UnknownKey)?;
            let key = std::sync::Arc::new(cached_key(row)?);
            services.key_cache.insert(generation, digest, key.clone());
            key
        }
    };
    Ok(key)
}

/// Whether a found key may be used now: current (or a rotated secret in its
/// grace period), not revoked, enabled, not expired.
pub fn check_key_state(
    services: &Services,
    key: std::sync::Arc<CachedKey>,
    now: DateTime<Utc>,
) -> crate::error::Result<AuthenticatedKey> {
    let now_millis = store::millis(now);
    if !key.is_current
        && key
            .previous_valid_until
            .is_none_or(|until| until <= now_millis)
    {
        return Err(AccessError::UnknownKey.into());
    }
    if key.revoked {
        return Err(AccessError::RevokedKey.into());
    }
    if !key.enabled {
        return Err(AccessError::DisabledKey.into());
    }
    if let Some(expires_at) = key
        .expires_at
        .filter(|expires_at| *expires_at <= now_millis)
    {
        return Err(AccessError::ExpiredKey {
            at: from_millis(expires_at),
        }
        .into());
    }
    services.last_used.record(&key.id, now_millis);
    Ok(AuthenticatedKey(key))
}

fn cached_key(row: keys::CredentialRow) -> anyhow::Result<CachedKey> {
    let scopes = ScopeSet::parse_list(&row.scopes)
        .map_err(|error| anyhow::anyhow!("key {} has unreadable scopes: {error}", row.id))?;
    let plan = Plan::parse(&row.plan).unwrap_or(Plan::Free);
    let rate_override = row
        .rate_limit_per_minute
        .and_then(|rate| u32::try_from(rate).ok());
    Ok(CachedKey {
        id: row.id,
        workspace_id: row.workspace_id,
        project_id: row.project_id,
        scopes,
        plan,
        limits: plan.limits().with_rate_override(rate_override),
        enabled: row.enabled,
        expires_at: row.expires_at,
        revoked: row.revoked_at.is_some(),
        is_current: row.is_current,
        previous_valid_until: row.previous_valid_until,
    })
}

/// Counts one request against the key's limits (refused ones too are
/// answered, but not counted).
pub async fn count_request(
    services: &Services,
    key: &AuthenticatedKey,
    now: DateTime<Utc>,
) -> crate::error::Result<Decision> {
    let decision = services
        .rate_limiter
        .admit(&key.id, key.limits, now)
        .await?;
    services
        .telemetry
        .rate_limit_decision(decision.window, decision.allowed);
    Ok(decision)
}

/// The session a cookie token opens, if it is live.
pub async fn authenticate_session(
    services: &Services,
    token: &str,
    now: DateTime<Utc>,
) -> crate::error::Result<Option<ConsoleSession>> {
    let Some(row) = services
        .store
        .timed(
            QueryKind::SessionByDigest,
            sessions::find(
                services.store.pool(),
                &secrets::digest_text(token),
                store::millis(now),
            ),
        )
        .await?
    else {
        return Ok(None);
    };
    let role = Role::parse(&row.role)
        .ok_or_else(|| anyhow::anyhow!("user {} has an unknown role {}", row.user_id, row.role))?;
    Ok(Some(ConsoleSession {
        user_id: row.user_id,
        email: row.email,
        role,
        workspace_id: row.workspace_id,
        workspace_name: row.workspace_name,
        csrf_token: row.csrf_token,
    }))
}
