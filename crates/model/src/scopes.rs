//! Scopes a key may carry, and the one rule of implication between them:
//! `admin` implies every other scope, on every resource.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a scope allows, without the resource it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    Read,
    Write,
    Delete,
    Admin,
}

impl Permission {
    pub const ALL: [Permission; 4] = [
        Permission::Read,
        Permission::Write,
        Permission::Delete,
        Permission::Admin,
    ];

    /// GET/HEAD read, POST/PUT/PATCH write, DELETE delete; anything else
    /// (OPTIONS, TRACE, …) needs write, the safer guess.
    pub fn for_method(method: &str) -> Permission {
        match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" => Permission::Read,
            "DELETE" => Permission::Delete,
            _ => Permission::Write,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
            Permission::Delete => "delete",
            Permission::Admin => "admin",
        }
    }
}

/// `read`, `write:keys`, `admin:all`. A scope without a resource, or with
/// `all`, applies to every resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    pub permission: Permission,
    /// `None` means every resource.
    pub resource: Option<String>,
}

impl Scope {
    pub fn new(permission: Permission) -> Self {
        Self {
            permission,
            resource: None,
        }
    }

    /// `permission` on one resource, e.g. `Scope::on(Permission::Write, "keys")`.
    pub fn on(permission: Permission, resource: &str) -> Self {
        Self {
            permission,
            resource: Some(resource.to_owned()),
        }
    }

    /// The scope a call needs: the method's permission on the path's resource,
    /// the first segment after an optional version (`/v1/observations/7` ->
    /// `observations`).
    pub fn required_for(method: &str, path: &str) -> Scope {
        let resource = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .find(|segment| !is_version(segment))
            .filter(|segment| {
                segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .map(str::to_owned);
        Scope {
            permission: Permission::for_method(method),
            resource,
        }
    }

    /// Whether holding `self` grants `wanted`.
    pub fn grants(&self, wanted: &Scope) -> bool {
        let resource_covered = match (&self.resource, &wanted.resource) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(held), Some(wanted)) => held == wanted,
        };
        resource_covered
            && (self.permission == Permission::Admin || self.permission == wanted.permission)
    }
}

pub(crate) fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|number| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (permission, resource) = match text.split_once(':') {
            Some((permission, resource)) => (permission, Some(resource)),
            None => (text, None),
        };
        let permission = Permission::ALL
            .into_iter()
            .find(|candidate| candidate.as_str() == permission)
            .ok_or_else(|| {
                format!("unknown scope `{text}`: use read, write, delete or admin, optionally as `read:<resource>`")
            })?;
        let resource = match resource {
            None | Some("all") => None,
            Some(resource)
                if !resource.is_empty()
                    && resource
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                Some(resource.to_owned())
            }
            Some(_) => {
                return Err(format!(
                "scope `{text}` names an invalid resource: use lowercase letters, digits and `_`"
            ))
            }
        };
        Ok(Scope {
            permission,
            resource,
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.resource {
            Some(resource) => write!(f, "{}:{resource}", self.permission.as_str()),
            None => f.write_str(self.permission.as_str()),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A sorted, de-duplicated set of scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        let mut scopes: Vec<Scope> = scopes.into_iter().collect();
        scopes.sort();
        scopes.dedup();
        Self(scopes)
    }

    /// Parses the space-separated form the store keeps.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        text.split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<Scope>, _>>()
            .map(Self::new)
    }

    pub fn grants(&self, wanted: &Scope) -> bool {
        self.0.iter().any(|held| held.grants(wanted))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{scope}")?;
        }
        Ok(())
    }
}

/// Scopes are strings on the wire (`read`, `write:keys`, `admin:all`).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Scope {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^(read|write|delete|admin)(:[a-z0-9_]+)?$"))
            .description(Some(
                "read, write, delete or admin, optionally on one resource (`read:keys`); admin implies every other scope",
            ))
            .examples([serde_json::json!("read:keys")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Scope {}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ScopeSet {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ArrayBuilder::new()
            .items(<Scope as utoipa::PartialSchema>::schema())
            .examples([serde_json::json!(["read", "write:keys"])])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ScopeSet {}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(text: &str) -> Scope {
        text.parse().expect("valid scope")
    }

    #[test]
    fn admin_implies_every_other_scope() {
        let admin = ScopeSet::new([scope("admin")]);
        for wanted in ["read", "write", "delete", "admin", "write:keys"] {
            assert!(admin.grants(&scope(wanted)), "admin should grant {wanted}");
        }
    }

    #[test]
    fn read_does_not_grant_write() {
        let read = ScopeSet::new([scope("read")]);
        assert!(read.grants(&scope("read:keys")));
        assert!(!read.grants(&scope("write")));
    }

    #[test]
    fn resource_scope_covers_only_its_resource() {
        let keys_only = ScopeSet::new([scope("write:keys")]);
        assert!(keys_only.grants(&scope("write:keys")));
        assert!(!keys_only.grants(&scope("write:usage")));
        assert!(!keys_only.grants(&scope("write")));
    }

    #[test]
    fn methods_and_paths_name_the_scope_a_call_needs() {
        assert_eq!(
            Scope::required_for("GET", "/v1/observations/7"),
            scope("read:observations")
        );
        assert_eq!(
            Scope::required_for("head", "/forecasts"),
            scope("read:forecasts")
        );
        assert_eq!(
            Scope::required_for("PATCH", "/v2/stations/1"),
            scope("write:stations")
        );
        assert_eq!(
            Scope::required_for("DELETE", "/v1/keys/key_1"),
            scope("delete:keys")
        );
        assert_eq!(Scope::required_for("POST", "/"), scope("write"));
    }

    #[test]
    fn all_resource_is_the_same_as_none() {
        assert_eq!(scope("write:all"), scope("write"));
    }

    #[test]
    fn unknown_scopes_are_refused_with_a_hint() {
        let error = "superuser".parse::<Scope>().expect_err("not a scope");
        assert!(error.contains("read, write, delete or admin"));
        assert!("read:Keys".parse::<Scope>().is_err());
    }

    #[test]
    fn scope_sets_round_trip_through_their_stored_form() {
        let set = ScopeSet::parse_list("write read read:keys read").expect("valid");
        assert_eq!(set.to_string(), "read read:keys write");
        assert_eq!(ScopeSet::parse_list(&set.to_string()), Ok(set));
    }
}
