//! Console users of a workspace.

use super::access::{Caller, ConsoleSession};
use crate::error::{Error, Result};
use crate::secrets::Password;
use crate::store::{self, workspaces, Store};
use keyscope_model::auth::{normalise_email, User};
use keyscope_model::{FieldError, Role};

/// Adds a user with a generated password, returned once for the caller to
/// hand over. Only an Owner may create another Owner.
pub async fn add(
    store: &Store,
    workspace_id: &str,
    added_by: Option<&ConsoleSession>,
    email: &str,
    role: Role,
) -> Result<(User, Password)> {
    if role == Role::Owner && added_by.is_some_and(|session| session.role != Role::Owner) {
        return Err(crate::service::access::AccessError::RoleForbidden { needed: "Owner" }.into());
    }
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

pub async fn list(store: &Store, caller: &Caller) -> Result<Vec<User>> {
    let rows = workspaces::list_users(store.pool(), caller.workspace_id()).await?;
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
