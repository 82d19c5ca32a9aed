//! The first start on an empty database: a workspace and its owner.

use crate::secrets::Password;
use crate::store::{self, workspaces, Store};

pub struct Bootstrap {
    pub workspace_id: String,
    /// Set only on the start that created the owner.
    pub new_owner: Option<OwnerCredentials>,
}

pub struct OwnerCredentials {
    pub email: String,
    pub password: Password,
}

/// Returns the existing workspace, or creates one with an owner account
/// whose generated password the caller shows once.
pub async fn ensure_workspace(store: &Store, owner_email: &str) -> anyhow::Result<Bootstrap> {
    if let Some(workspace_id) = workspaces::first_workspace_id(store.pool()).await? {
        return Ok(Bootstrap {
            workspace_id,
            new_owner: None,
        });
    }
    let owner = create_workspace(store, "My workspace", owner_email).await?;
    Ok(Bootstrap {
        workspace_id: owner.workspace_id,
        new_owner: Some(owner.credentials),
    })
}

pub struct NewWorkspace {
    pub workspace_id: String,
    pub credentials: OwnerCredentials,
}

impl std::ops::Deref for NewWorkspace {
    type Target = OwnerCredentials;

    fn deref(&self) -> &OwnerCredentials {
        &self.credentials
    }
}

/// A workspace and its owner, whose generated password the caller shows once.
pub async fn create_workspace(
    store: &Store,
    name: &str,
    owner_email: &str,
) -> anyhow::Result<NewWorkspace> {
    let owner_email =
        keyscope_model::auth::normalise_email(owner_email).map_err(anyhow::Error::msg)?;
    let workspace_id = format!("ws_{}", ulid::Ulid::new());
    let password = Password::generate();
    let password_hash = password.hash()?;
    let user_id = format!("usr_{}", ulid::Ulid::new());
    workspaces::insert_with_owner(
        store.pool(),
        &workspace_id,
        name,
        &workspaces::NewUser {
            id: &user_id,
            workspace_id: &workspace_id,
            email: &owner_email,
            password_hash: &password_hash,
            role: keyscope_model::Role::Owner.as_str(),
            created_at: store::millis(chrono::Utc::now()),
        },
    )
    .await?;
    tracing::info!(%workspace_id, "created a workspace and its owner");
    Ok(NewWorkspace {
        workspace_id,
        credentials: OwnerCredentials {
            email: owner_email,
            password,
        },
    })
}
