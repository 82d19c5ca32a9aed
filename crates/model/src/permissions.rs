//! The one permission model. Every principal (a console session with its
//! role, an API key with its scopes and optional project, the operator at
//! the machine) resolves to a [`Grant`]: which workspace, which project (or
//! all of them), and which actions. The server's services ask a grant before
//! every read and change; nothing else decides who may do what.
//!
//! Actions are scopes (`read:keys`, `admin:credentials`): a key holds them
//! directly, a console role is a named set of them ([`Role::allows`]).
//! Minting is bounded by the minter: a key, or a user's role, may only be
//! given what its maker's grant allows, and only an Owner makes an Owner.

use crate::auth::Role;
use crate::scopes::{Permission, Scope, ScopeSet};

/// The resources of the management API, as scopes name them. Anything else
/// a key's scopes name is a resource of the project's own API, reached
/// through the gateway.
pub mod resource {
    pub const KEYS: &str = "keys";
    pub const PROJECTS: &str = "projects";
    /// Project credentials (API ID and Project Key): `admin` only.
    pub const CREDENTIALS: &str = "credentials";
    /// The request log, usage summaries and their export and live feed.
    pub const USAGE: &str = "usage";
    /// Console users: `admin` only.
    pub const USERS: &str = "users";
}

/// What a principal may do, whatever kind it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Power {
    /// The operator at the machine (the command line, demo seeding): the
    /// whole workspace, as its Owner.
    Operator,
    /// A signed-in console user.
    Role(Role),
    /// An API key.
    Scopes(ScopeSet),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub workspace_id: String,
    /// `Some`: confined to this project; it never sees or changes another
    /// project, nor anything workspace-wide (users, projects it is not,
    /// workspace-wide keys).
    pub project_id: Option<String>,
    pub power: Power,
}

/// Why a grant does not reach. The server turns each into its error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A key lacks the scope.
    MissingScope(Scope),
    /// A console role does not include the action.
    RoleTooLow { needed: &'static str },
    /// The principal is confined to a project and this is workspace-wide.
    ProjectConfined { project_id: String },
    /// Minting, or changing a key, would hand out a scope the caller lacks.
    BeyondGrant { scope: Scope },
    /// Making a user with a role the caller's grant does not cover.
    RoleBeyondGrant { role: Role },
}

impl Role {
    /// The actions each console role includes: Owner and Admin all of them;
    /// Manager keys, projects, credentials, usage and every resource of the
    /// projects' own APIs, but not console users (reading them aside);
    /// Member nothing (seed 000: Members get 403 and a clear page).
    pub fn allows(self, scope: &Scope) -> bool {
        match self {
            Role::Owner | Role::Admin => true,
            Role::Manager => match scope.resource.as_deref() {
                // Unqualified scopes cover users too.
                Some(resource::USERS) | None => scope.permission == Permission::Read,
                Some(_) => true,
            },
            Role::Member => false,
        }
    }

    /// What a user of this role can do, as the scopes a maker must hold to
    /// create one (the role's power on the management API).
    pub fn power(self) -> ScopeSet {
        let admin_on = |name: &str| Scope::on(Permission::Admin, name);
        match self {
            Role::Owner | Role::Admin => ScopeSet::new([Scope::new(Permission::Admin)]),
            Role::Manager => ScopeSet::new([
                admin_on(resource::KEYS),
                admin_on(resource::PROJECTS),
                admin_on(resource::CREDENTIALS),
                admin_on(resource::USAGE),
                Scope::new(Permission::Read),
            ]),
            Role::Member => ScopeSet::default(),
        }
    }

    fn needed_for(scope: &Scope) -> &'static str {
        match scope.resource.as_deref() {
            Some(resource::USERS) | None => "Owner or Admin",
            Some(_) => "Owner, Admin or Manager",
        }
    }
}

impl Grant {
    pub fn operator(workspace_id: impl Into<String>) -> Self {
        Self {
            workspace_id: workspace_id.into(),
            project_id: None,
            power: Power::Operator,
        }
    }

    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// Whether the grant includes the action `scope` names.
    pub fn allows(&self, scope: &Scope) -> bool {
        match &self.power {
            Power::Operator => true,
            Power::Role(role) => role.allows(scope),
            Power::Scopes(scopes) => scopes.grants(scope),
        }
    }

    pub fn require(&self, scope: &Scope) -> Result<(), Refusal> {
        if self.allows(scope) {
            return Ok(());
        }
        Err(match &self.power {
            Power::Role(_) => Refusal::RoleTooLow {
                needed: Role::needed_for(scope),
            },
            Power::Operator | Power::Scopes(_) => Refusal::MissingScope(scope.clone()),
        })
    }

    /// For what belongs to the workspace as a whole: users, creating
    /// projects, workspace-wide keys and summaries.
    pub fn require_workspace_wide(&self) -> Result<(), Refusal> {
        match &self.project_id {
            Some(project_id) => Err(Refusal::ProjectConfined {
                project_id: project_id.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Whether something of `project_id` (`None`: workspace-wide) is in
    /// sight. Out of sight answers as missing, as another workspace's does.
    pub fn sees(&self, project_id: Option<&str>) -> bool {
        self.project_id.is_none() || self.project_id.as_deref() == project_id
    }

    /// The project a listing or summary must be limited to: the one asked
    /// for, or for a confined grant its own. `Err` when a confined grant
    /// asks for another project (answered as missing).
    pub fn confine(&self, asked: Option<&str>) -> Result<Option<String>, String> {
        match (&self.project_id, asked) {
            (None, asked) => Ok(asked.map(str::to_owned)),
            (Some(own), None) => Ok(Some(own.clone())),
            (Some(own), Some(asked)) if own == asked => Ok(Some(own.clone())),
            (Some(_), Some(asked)) => Err(asked.to_owned()),
        }
    }

    /// Minting a key with `scopes` in `project_id` (`None`: workspace-wide),
    /// or changing, rotating, revoking or deleting such a key: allowed only
    /// to a grant that holds every one of those scopes, over that project.
    pub fn require_covers(
        &self,
        scopes: &ScopeSet,
        project_id: Option<&str>,
    ) -> Result<(), Refusal> {
        if project_id.is_none() {
            self.require_workspace_wide()?;
        }
        match scopes.iter().find(|scope| !self.allows(scope)) {
            Some(scope) => Err(Refusal::BeyondGrant {
                scope: scope.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Adding a console user with `role`: a workspace-wide grant that
    /// administers users and holds the role's whole power. Only an Owner
    /// (or the operator) makes an Owner.
    pub fn require_may_make(&self, role: Role) -> Result<(), Refusal> {
        self.require_workspace_wide()?;
        self.require(&Scope::on(Permission::Admin, resource::USERS))?;
        let makes_owners = matches!(self.power, Power::Operator | Power::Role(Role::Owner));
        let covered = role.power().iter().all(|scope| self.allows(scope));
        if (role == Role::Owner && !makes_owners) || !covered {
            return Err(Refusal::RoleBeyondGrant { role });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(text: &str) -> ScopeSet {
        ScopeSet::parse_list(text).expect("scopes")
    }

    fn key(text: &str, project: Option<&str>) -> Grant {
        Grant {
            workspace_id: "wks_1".to_owned(),
            project_id: project.map(str::to_owned),
            power: Power::Scopes(scopes(text)),
        }
    }

    fn session(role: Role) -> Grant {
        Grant {
            workspace_id: "wks_1".to_owned(),
            project_id: None,
            power: Power::Role(role),
        }
    }

    fn scope(text: &str) -> Scope {
        text.parse().expect("scope")
    }

    #[test]
    fn only_an_owner_makes_an_owner() {
        assert_eq!(session(Role::Owner).require_may_make(Role::Owner), Ok(()));
        assert_eq!(
            Grant::operator("wks_1").require_may_make(Role::Owner),
            Ok(())
        );
        for maker in [session(Role::Admin), key("admin", None)] {
            assert_eq!(
                maker.require_may_make(Role::Owner),
                Err(Refusal::RoleBeyondGrant { role: Role::Owner })
            );
            assert_eq!(maker.require_may_make(Role::Admin), Ok(()));
        }
    }

    #[test]
    fn users_are_made_only_by_who_administers_them_and_holds_the_role() {
        assert!(session(Role::Manager)
            .require_may_make(Role::Member)
            .is_err());
        assert!(key("write:users", None)
            .require_may_make(Role::Member)
            .is_err());
        assert_eq!(
            key("admin:users", None).require_may_make(Role::Member),
            Ok(())
        );
        assert_eq!(
            key("admin:users", None).require_may_make(Role::Manager),
            Err(Refusal::RoleBeyondGrant {
                role: Role::Manager
            })
        );
        assert_eq!(
            key("admin", Some("prj_a")).require_may_make(Role::Member),
            Err(Refusal::ProjectConfined {
                project_id: "prj_a".to_owned()
            })
        );
    }

    #[test]
    fn a_manager_mints_no_key_that_reaches_users() {
        let manager = session(Role::Manager);
        for allowed in [
            "read",
            "admin:keys",
            "write:things",
            "admin:credentials read:users",
        ] {
            assert_eq!(
                manager.require_covers(&scopes(allowed), None),
                Ok(()),
                "{allowed}"
            );
        }
        for refused in ["admin", "write", "delete", "write:users", "admin:users"] {
            assert!(
                matches!(
                    manager.require_covers(&scopes(refused), None),
                    Err(Refusal::BeyondGrant { .. })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_key_mints_only_what_it_holds_in_its_own_project() {
        let keys_admin = key("admin:keys read:things", Some("prj_a"));
        assert_eq!(
            keys_admin.require_covers(&scopes("read:things"), Some("prj_a")),
            Ok(())
        );
        assert_eq!(
            keys_admin.require_covers(&scopes("read:things write:things"), Some("prj_a")),
            Err(Refusal::BeyondGrant {
                scope: scope("write:things")
            })
        );
        assert_eq!(
            keys_admin.require_covers(&scopes("read:things"), None),
            Err(Refusal::ProjectConfined {
                project_id: "prj_a".to_owned()
            })
        );
    }

    #[test]
    fn confined_grants_see_only_their_project() {
        let confined = key("admin", Some("prj_a"));
        assert!(confined.sees(Some("prj_a")));
        assert!(!confined.sees(Some("prj_b")));
        assert!(
            !confined.sees(None),
            "workspace-wide things are out of sight"
        );
        assert_eq!(confined.confine(None), Ok(Some("prj_a".to_owned())));
        assert_eq!(confined.confine(Some("prj_b")), Err("prj_b".to_owned()));
        let wide = key("read", None);
        assert!(wide.sees(Some("prj_b")) && wide.sees(None));
        assert_eq!(wide.confine(None), Ok(None));
    }

    #[test]
    fn credentials_and_users_need_admin_not_read() {
        let reader = key("read", None);
        assert!(!reader.allows(&Scope::on(Permission::Admin, resource::CREDENTIALS)));
        assert!(!reader.allows(&Scope::on(Permission::Admin, resource::USERS)));
        assert!(session(Role::Manager).allows(&Scope::on(Permission::Admin, resource::CREDENTIALS)));
        assert!(!session(Role::Manager).allows(&Scope::on(Permission::Admin, resource::USERS)));
        assert_eq!(
            session(Role::Member).require(&scope("read:keys")),
            Err(Refusal::RoleTooLow {
                needed: "Owner, Admin or Manager"
            })
        );
    }
}
