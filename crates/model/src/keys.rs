//! API keys: the view the API returns, their status, plans, and the secret
//! format with its checksum.

use crate::scopes::ScopeSet;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A key as the API shows it. Never carries the secret: only the prefix and
/// the last four characters, enough to recognise it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `ks_live_AbCd`: the environment and the first random characters.
    pub prefix: String,
    pub last_four: String,
    pub scopes: ScopeSet,
    /// `None` for a key that applies to the whole workspace.
    pub project_id: Option<String>,
    pub plan: Option<Plan>,
    /// The key's own per-minute rate, overriding its plan's.
    #[serde(default)]
    pub rate_limit_per_minute: Option<u32>,
    pub status: KeyStatus,
    #[serde(with = "crate::timestamp")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::timestamp::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::timestamp::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// `GET /v1/key`: the key that made the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallingKey {
    pub id: String,
    pub project_id: Option<String>,
    pub scopes: ScopeSet,
    pub plan: Plan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    Disabled,
    Expired,
    Revoked,
}

impl KeyStatus {
    /// The status at `now`. Revocation wins over everything, then the
    /// owner's switch, then the clock.
    pub fn at(
        now: DateTime<Utc>,
        revoked: bool,
        enabled: bool,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        if revoked {
            KeyStatus::Revoked
        } else if !enabled {
            KeyStatus::Disabled
        } else if expires_at.is_some_and(|expires_at| expires_at <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Disabled => "Disabled",
            KeyStatus::Expired => "Expired",
            KeyStatus::Revoked => "Revoked",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    Pro,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Pro, Plan::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Enterprise => "enterprise",
        }
    }

    pub fn parse(text: &str) -> Option<Plan> {
        Plan::ALL.into_iter().find(|plan| plan.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Pro => "Pro",
            Plan::Enterprise => "Enterprise",
        }
    }
}

/// A key's secret: `ks_<env>_<random base62><checksum>`.
///
/// Deliberately neither `Debug` nor `Display`, so it cannot end up in a log
/// line by accident; [`KeySecret::expose`] is the one way to read it.
pub struct KeySecret(String);

const PREFIX: &str = "ks_";
const ENVIRONMENTS: [&str; 2] = ["live", "test"];
/// 22 base62 characters carry 130.9 bits.
pub const RANDOM_LENGTH: usize = 22;
/// A CRC-32 fits in 6 base62 characters (62^6 > 2^32).
const CHECKSUM_LENGTH: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// How many random characters the displayed prefix shows.
const DISPLAY_RANDOM_CHARS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFormatError {
    /// Not `ks_<env>_<base62>` of the right length.
    Malformed,
    /// The right shape, but a character was mistyped.
    BadChecksum,
}

impl KeySecret {
    /// Builds a secret from random base62 text the caller drew from the OS.
    pub fn compose(environment: &str, random_base62: &str) -> Result<Self, SecretFormatError> {
        if !ENVIRONMENTS.contains(&environment)
            || random_base62.len() != RANDOM_LENGTH
            || !random_base62.bytes().all(|byte| BASE62.contains(&byte))
        {
            return Err(SecretFormatError::Malformed);
        }
        let body = format!("{PREFIX}{environment}_{random_base62}");
        let checksum = checksum(&body);
        Ok(Self(body + &checksum))
    }

    /// Checks shape and checksum without any look-up, so a mistyped key is
    /// refused before it costs a database query.
    pub fn parse(text: &str) -> Result<Self, SecretFormatError> {
        let rest = text
            .strip_prefix(PREFIX)
            .ok_or(SecretFormatError::Malformed)?;
        let (environment, random_and_checksum) =
            rest.split_once('_').ok_or(SecretFormatError::Malformed)?;
        if !ENVIRONMENTS.contains(&environment)
            || random_and_checksum.len() != RANDOM_LENGTH + CHECKSUM_LENGTH
            || !random_and_checksum
                .bytes()
                .all(|byte| BASE62.contains(&byte))
        {
            return Err(SecretFormatError::Malformed);
        }
        let (body, given) = text.split_at(text.len() - CHECKSUM_LENGTH);
        if checksum(body) != given {
            return Err(SecretFormatError::BadChecksum);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `ks_live_AbCd`: safe to store and show.
    pub fn display_prefix(&self) -> &str {
        let environment_end = self.0[PREFIX.len()..]
            .find('_')
            .map(|index| PREFIX.len() + index + 1)
            .unwrap_or(PREFIX.len());
        &self.0[..environment_end + DISPLAY_RANDOM_CHARS]
    }

    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

/// Maps random bytes onto the base62 alphabet, for callers that draw bytes
/// from the OS. Rejection sampling keeps every character equally likely.
pub fn base62_from_random_bytes(bytes: impl IntoIterator<Item = u8>) -> String {
    bytes
        .into_iter()
        // 248 = 4 * 62: bytes at or above it would favour the first characters.
        .filter(|byte| *byte < 248)
        .map(|byte| BASE62[usize::from(byte % 62)] as char)
        .take(RANDOM_LENGTH)
        .collect()
}

fn checksum(body: &str) -> String {
    let mut value = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LENGTH];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|byte| *byte as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const RANDOM: &str = "AbCdEfGhIjKlMnOpQrStUv";

    #[test]
    fn a_composed_secret_parses_back() {
        let secret = KeySecret::compose("live", RANDOM).expect("valid");
        assert!(secret.expose().starts_with("ks_live_AbCd"));
        assert_eq!(
            secret.expose().len(),
            "ks_live_".len() + RANDOM_LENGTH + CHECKSUM_LENGTH
        );
        let parsed = KeySecret::parse(secret.expose()).expect("round trip");
        assert_eq!(parsed.display_prefix(), "ks_live_AbCd");
        assert_eq!(
            parsed.last_four(),
            &secret.expose()[secret.expose().len() - 4..]
        );
    }

    #[test]
    fn a_single_mistyped_character_fails_the_checksum() {
        let secret = KeySecret::compose("test", RANDOM).expect("valid");
        let mut typo = secret.expose().to_owned();
        typo.replace_range(10..11, "x");
        assert_eq!(
            KeySecret::parse(&typo).err(),
            Some(SecretFormatError::BadChecksum)
        );
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        for text in [
            "",
            "ks_live_",
            "sk_live_AbCdEfGhIjKlMnOpQrStUv123456",
            "ks_prod_AbCdEfGhIjKlMnOpQrStUv123456",
            "ks_live_AbCd-fGhIjKlMnOpQrStUv123456",
        ] {
            assert_eq!(
                KeySecret::parse(text).err(),
                Some(SecretFormatError::Malformed),
                "{text}"
            );
        }
    }

    #[test]
    fn random_bytes_become_an_unbiased_base62_string() {
        let text = base62_from_random_bytes((0..=255u8).cycle().take(64));
        assert_eq!(text.len(), RANDOM_LENGTH);
        assert!(KeySecret::compose("live", &text).is_ok());
        assert_eq!(base62_from_random_bytes([250u8; 40]), "");
    }

    #[test]
    fn revoked_wins_over_disabled_and_expired() {
        let now = Utc::now();
        let past = Some(now - Duration::days(1));
        assert_eq!(KeyStatus::at(now, true, false, past), KeyStatus::Revoked);
        assert_eq!(KeyStatus::at(now, false, false, past), KeyStatus::Disabled);
        assert_eq!(KeyStatus::at(now, false, true, past), KeyStatus::Expired);
        assert_eq!(
            KeyStatus::at(now, false, true, Some(now + Duration::days(1))),
            KeyStatus::Active
        );
        assert_eq!(KeyStatus::at(now, false, true, None), KeyStatus::Active);
    }
}
