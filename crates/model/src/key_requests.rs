//! What clients send to create, change and rotate keys, and the parsing that
//! turns it into values that cannot be invalid.

use crate::keys::{ApiKey, Plan};
use crate::scopes::{Permission, Scope, ScopeSet};
use crate::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A key's or project's name: trimmed, 1 to 64 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "name is required"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "name",
                format!("name must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "name must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const DESCRIPTION_MAX_CHARS: usize = 256;
/// Rotation may keep the old secret alive this long, at most.
pub const MAX_GRACE_SECONDS: u32 = 24 * 60 * 60;
pub const MAX_EXPIRY_DAYS: u32 = 3_650;
/// The highest per-minute override: about 1.7 million requests a second.
pub const MAX_RATE_PER_MINUTE: u32 = 100_000_000;

/// Named scope sets a key can be given instead of listing scopes.
pub const KEY_ROLES: [(&str, &[Permission]); 3] = [
    ("viewer", &[Permission::Read]),
    ("editor", &[Permission::Read, Permission::Write]),
    ("admin", &[Permission::Admin]),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// 1 to 64 characters once trimmed, no control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: String,
    /// At most 256 characters once trimmed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub description: Option<String>,
    /// Scopes to grant; with neither scopes nor role the key can only read.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub scopes: Option<Vec<String>>,
    /// A named scope set (`viewer`, `editor`, `admin`) instead of `scopes`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(viewer|editor|admin)$"))]
    pub role: Option<String>,
    /// A project of the workspace; none for a workspace-wide key.
    #[serde(default)]
    pub project_id: Option<String>,
    /// 1 to 3,650.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
    #[serde(default, with = "crate::timestamp::option")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub plan: Option<Plan>,
    /// Overrides the plan's per-minute rate for this key.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000_000))]
    pub rate_limit_per_minute: Option<u32>,
    /// `live` (default) or `test`: shows in the secret's prefix.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(live|test)$"))]
    pub environment: Option<String>,
}

/// A create request that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    pub name: Name,
    pub description: Option<String>,
    pub scopes: ScopeSet,
    pub role: Option<String>,
    pub project_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub plan: Option<Plan>,
    pub rate_limit_per_minute: Option<u32>,
    pub environment: &'static str,
}

impl KeySpec {
    pub fn parse(request: CreateKeyRequest, now: DateTime<Utc>) -> Result<Self, FieldError> {
        let name = Name::parse(&request.name)?;
        let description = parse_description(request.description.as_deref())?;
        let (scopes, role) = match (request.scopes, request.role) {
            (Some(_), Some(_)) => {
                return Err(FieldError::new(
                    "role",
                    "give either scopes or a role, not both",
                ))
            }
            (None, Some(role)) => (role_scopes(&role)?, Some(role)),
            (Some(scopes), None) => (parse_scopes(&scopes)?, None),
            (None, None) => (ScopeSet::new([Scope::new(Permission::Read)]), None),
        };
        let expires_at = parse_expiry(request.expires_in_days, request.expires_at, now)?;
        let environment = match request.environment.as_deref() {
            None | Some("live") => "live",
            Some("test") => "test",
            Some(other) => {
                return Err(FieldError::new(
                    "environment",
                    format!("environment must be `live` or `test`, not `{other}`"),
                ))
            }
        };
        let rate_limit_per_minute = match request.rate_limit_per_minute {
            Some(rate) if !(1..=MAX_RATE_PER_MINUTE).contains(&rate) => {
                return Err(FieldError::new(
                    "rate_limit_per_minute",
                    format!("rate_limit_per_minute must be between 1 and {MAX_RATE_PER_MINUTE}"),
                ))
            }
            rate => rate,
        };
        Ok(Self {
            name,
            description,
            scopes,
            role,
            project_id: request.project_id.filter(|id| !id.trim().is_empty()),
            expires_at,
            plan: request.plan,
            rate_limit_per_minute,
            environment,
        })
    }
}

/// The key as created, with its secret: the only time the secret is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}

/// `PATCH /v1/keys/{id}`: every field optional; `null` clears description
/// and expiry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateKeyRequest {
    /// 1 to 64 characters once trimmed, no control characters.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: Option<String>,
    /// At most 256 characters once trimmed; `null` or blank clears it.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub description: Option<Option<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub expires_at: Option<Option<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// An update that passed every rule; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyChanges {
    pub name: Option<Name>,
    pub description: Option<Option<String>>,
    pub scopes: Option<ScopeSet>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub enabled: Option<bool>,
}

impl KeyChanges {
    pub fn parse(request: UpdateKeyRequest, now: DateTime<Utc>) -> Result<Self, FieldError> {
        Ok(Self {
            name: request.name.as_deref().map(Name::parse).transpose()?,
            description: request
                .description
                .map(|description| parse_description(description.as_deref()))
                .transpose()?,
            scopes: request.scopes.as_deref().map(parse_scopes).transpose()?,
            expires_at: request
                .expires_at
                .map(|expires_at| {
                    expires_at
                        .map(|text| parse_future_time(&text, now))
                        .transpose()
                })
                .transpose()?,
            enabled: request.enabled,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotateKeyRequest {
    /// How long the old secret keeps working, at most 86,400 (24 hours);
    /// 0 or absent stops it at once.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 86_400))]
    pub grace_period_seconds: Option<u32>,
}

impl RotateKeyRequest {
    pub fn grace(&self) -> Result<Duration, FieldError> {
        let seconds = self.grace_period_seconds.unwrap_or(0);
        if seconds > MAX_GRACE_SECONDS {
            return Err(FieldError::new(
                "grace_period_seconds",
                format!("grace_period_seconds must be at most {MAX_GRACE_SECONDS} (24 hours)"),
            ));
        }
        Ok(Duration::seconds(i64::from(seconds)))
    }
}

/// Distinguishes a field sent as `null` (Some(None)) from one left out (None).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

fn parse_description(text: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(FieldError::new(
            "description",
            format!("description must be at most {DESCRIPTION_MAX_CHARS} characters"),
        ));
    }
    Ok(Some(text.to_owned()))
}

fn parse_scopes(scopes: &[String]) -> Result<ScopeSet, FieldError> {
    if scopes.is_empty() {
        return Err(FieldError::new("scopes", "choose at least one scope"));
    }
    scopes
        .iter()
        .map(|scope| scope.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map(ScopeSet::new)
        .map_err(|message| FieldError::new("scopes", message))
}

fn role_scopes(role: &str) -> Result<ScopeSet, FieldError> {
    KEY_ROLES
        .iter()
        .find(|(name, _)| *name == role)
        .map(|(_, permissions)| ScopeSet::new(permissions.iter().copied().map(Scope::new)))
        .ok_or_else(|| {
            FieldError::new(
                "role",
                format!("unknown role `{role}`: use viewer, editor or admin"),
            )
        })
}

fn parse_expiry(
    in_days: Option<u32>,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, FieldError> {
    match (in_days, at) {
        (Some(_), Some(_)) => Err(FieldError::new(
            "expires_at",
            "give either expires_in_days or expires_at, not both",
        )),
        (Some(days), None) if (1..=MAX_EXPIRY_DAYS).contains(&days) => {
            Ok(Some(now + Duration::days(i64::from(days))))
        }
        (Some(_), None) => Err(FieldError::new(
            "expires_in_days",
            format!("expires_in_days must be between 1 and {MAX_EXPIRY_DAYS}"),
        )),
        (None, Some(at)) if at > now => Ok(Some(at)),
        (None, Some(_)) => Err(FieldError::new(
            "expires_at",
            "expires_at must be in the future",
        )),
        (None, None) => Ok(None),
    }
}

fn parse_future_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let at = crate::timestamp::parse(text).ok_or_else(|| {
        FieldError::new(
            "expires_at",
            "expires_at must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z",
        )
    })?;
    if at > now {
        Ok(at)
    } else {
        Err(FieldError::new(
            "expires_at",
            "expires_at must be in the future",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str) -> CreateKeyRequest {
        CreateKeyRequest {
            name: name.to_owned(),
            ..CreateKeyRequest::default()
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  Checkout  ").map(|name| name.0),
            Ok("Checkout".to_owned())
        );
        assert_eq!(
            Name::parse("   ").map_err(|error| error.field),
            Err("name".to_owned())
        );
        assert!(Name::parse(&"x".repeat(64)).is_ok());
        assert!(Name::parse(&"x".repeat(65)).is_err());
        assert!(Name::parse("tab\there").is_err());
    }

    #[test]
    fn a_key_without_scopes_or_role_can_only_read() {
        let spec = KeySpec::parse(request("ci"), Utc::now()).expect("valid");
        assert_eq!(spec.scopes.to_string(), "read");
        assert_eq!(spec.environment, "live");
    }

    #[test]
    fn roles_expand_to_scope_sets() {
        let spec = KeySpec::parse(
            CreateKeyRequest {
                role: Some("editor".to_owned()),
                ..request("ci")
            },
            Utc::now(),
        )
        .expect("valid");
        assert_eq!(spec.scopes.to_string(), "read write");
        let both = CreateKeyRequest {
            role: Some("editor".to_owned()),
            scopes: Some(vec!["read".to_owned()]),
            ..request("ci")
        };
        assert_eq!(
            KeySpec::parse(both, Utc::now()).map_err(|error| error.field),
            Err("role".to_owned())
        );
    }

    #[test]
    fn bad_scopes_name_the_scopes_field() {
        for scopes in [vec![], vec!["root".to_owned()]] {
            let error = KeySpec::parse(
                CreateKeyRequest {
                    scopes: Some(scopes),
                    ..request("ci")
                },
                Utc::now(),
            )
            .expect_err("invalid");
            assert_eq!(error.field, "scopes");
        }
    }

    #[test]
    fn expiry_is_never_a_duration_or_a_future_date() {
        let now = Utc::now();
        let in_days = CreateKeyRequest {
            expires_in_days: Some(30),
            ..request("ci")
        };
        assert_eq!(
            KeySpec::parse(in_days, now).expect("valid").expires_at,
            Some(now + Duration::days(30))
        );
        let past = CreateKeyRequest {
            expires_at: Some(now - Duration::days(1)),
            ..request("ci")
        };
        assert_eq!(
            KeySpec::parse(past, now).map_err(|error| error.field),
            Err("expires_at".to_owned())
        );
        let zero = CreateKeyRequest {
            expires_in_days: Some(0),
            ..request("ci")
        };
        assert_eq!(
            KeySpec::parse(zero, now).map_err(|error| error.field),
            Err("expires_in_days".to_owned())
        );
    }

    #[test]
    fn updates_tell_null_from_absent() {
        let clear: UpdateKeyRequest =
            serde_json::from_str(r#"{"description": null}"#).expect("valid json");
        assert_eq!(clear.description, Some(None));
        let untouched: UpdateKeyRequest = serde_json::from_str("{}").expect("valid json");
        assert_eq!(untouched.description, None);
        let changes = KeyChanges::parse(clear, Utc::now()).expect("valid");
        assert_eq!(changes.description, Some(None));
    }

    /// Found by tests/properties.rs: an expiry in an offset that is year
    /// 10000 in UTC was accepted, and the key's `expires_at` then written
    /// as `+10000-01-01T00:00:00.000Z`, which the web app cannot read (so
    /// it could not list the workspace's keys).
    #[test]
    fn an_expiry_past_year_9999_in_utc_is_refused() {
        let text = "9999-12-31T20:00:00-04:00";
        let update: UpdateKeyRequest =
            serde_json::from_value(serde_json::json!({ "expires_at": text })).expect("json");
        assert_eq!(
            KeyChanges::parse(update, Utc::now()).map_err(|error| error.field),
            Err("expires_at".to_owned())
        );
        let create: Result<CreateKeyRequest, _> =
            serde_json::from_value(serde_json::json!({ "name": "ci", "expires_at": text }));
        assert!(create.is_err());
    }

    #[test]
    fn grace_is_at_most_a_day() {
        let day = RotateKeyRequest {
            grace_period_seconds: Some(MAX_GRACE_SECONDS),
        };
        assert_eq!(day.grace(), Ok(Duration::days(1)));
        let longer = RotateKeyRequest {
            grace_period_seconds: Some(MAX_GRACE_SECONDS + 1),
        };
        assert!(longer.grace().is_err());
    }
}
