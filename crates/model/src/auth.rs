//! Console users, their roles and sessions, and the verify endpoint's shapes.

use crate::scopes::ScopeSet;
use serde::{Deserialize, Serialize};

/// Console roles, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Manager,
    Member,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Manager, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether the console shows this role the keys, credentials and usage
    /// screens (seed 000: Owner, Admin and Manager); decided by the one
    /// permission model ([`Role::allows`]).
    pub fn manages_keys(self) -> bool {
        self.allows(&crate::scopes::Scope::on(
            crate::scopes::Permission::Read,
            crate::permissions::resource::KEYS,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in console user, as `GET /v1/me` and sign-in return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub workspace_id: String,
    pub workspace_name: String,
    /// Send back as `X-CSRF-Token` on every state-changing call.
    pub csrf_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddUserRequest {
    pub email: String,
    pub role: Role,
}

/// A console user as listed; never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
}

/// `POST /v1/keys/verify`: for services that keep their own server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub key: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub resource_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyResponse {
    pub valid: bool,
    /// `completed`, or the error code that refused the key (`KEY_EXPIRED`, …).
    pub code: String,
    pub message: String,
    pub key_id: Option<String>,
    pub scopes: Option<ScopeSet>,
    /// The verified key's limits after this call counted against them.
    #[serde(default)]
    pub rate_limit: Option<crate::limits::RateLimitState>,
}

/// E-mail addresses as the console stores them: trimmed, lowercase.
pub fn normalise_email(text: &str) -> Result<String, String> {
    let email = text.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(format!("`{}` is not an e-mail address", text.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owner_admin_and_manager_manage_keys() {
        let managing: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| role.manages_keys())
            .collect();
        assert_eq!(managing, [Role::Owner, Role::Admin, Role::Manager]);
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalise_email("  Ann@Example.COM "),
            Ok("ann@example.com".to_owned())
        );
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@localhost",
            "a nn@example.com",
            "ann@example.",
            "ann\0@example.com",
            "ann@exam\u{7f}ple.com",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
