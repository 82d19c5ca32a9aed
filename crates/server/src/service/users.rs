//! Console users of a workspace.

use crate::error::{Error, Result};
use crate::secrets::Password;
use crate::store::{self, workspaces, Store};
use keyscope_model::auth::{normalise_email, User};
use keyscope_model::permissions::resource;
use keyscope_model::{FieldError, Grant, Permission, Role, Scope};

/// Adds a user with a generated password, returned once for the caller to
/// hand over. The grant must administer users and hold the new role's
/// whole power; only an Owner makes an Owner.
pub async fn add(
    store: &Store,
    grant: &Grant,
    email: &str,
    role: Role,
) -> Result<(User, Password)> {
    grant.require_may_make(role)?;
    let workspace_id = grant.workspace_id.as_str();
    let email = normalise_email(email).map_err(|message| FieldError::new("email", message))?;
    let password = Password::generate();
    let password_hash = password.hash()?;
    let id = format!("usr_{}", ulid::Ulid::new());
    let inserted = workspaces::insert_user(
        store.pool(),
        &workspaces::NewUser {
            id: &id,
            workspace_id,
            email: &email,
            password_hash: &password_hash,
            role: role.as_str(),
            created_at: store::millis(chrono::Utc::now()),
        },
    )
    .await?;
    if !inserted {
        return Err(Error::Conflict(format!(
            "a user with the e-mail {email} already exists"
        )));
    }
    Ok((User { id, email, role }, password))
}

/// The workspace's users: personal data, so only for who administers them.
pub async fn list(store: &Store, grant: &Grant) -> Result<Vec<User>> {
    grant.require(&Scope::on(Permission::Admin, resource::USERS))?;
    grant.require_workspace_wide()?;
    let rows = workspaces::list_users(store.pool(), &grant.workspace_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(User {
                role: Role::parse(&row.role)?,
                id: row.id,
                email: row.email,
            })
        })
        .collect())
}
