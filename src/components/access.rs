//! Keys, credentials and usage are for Owners, Admins and Managers (seed
//! 000). A Member who signs in gets a page that says so, not a broken screen.

use crate::session::Session;
use leptos::prelude::*;

/// Renders `children` for a user who manages keys; a clear page for anyone else.
#[component]
pub fn RequireKeyManager(children: ChildrenFn) -> impl IntoView {
    let session = Session::expect();
    move || {
        match session.user() {
        Some(me) if me.role.manages_keys() => children().into_any(),
        Some(me) => view! {
            <section class="ks-page ks-no-access" data-testid="no-access">
                <h1>"You need Admin or Manager access"</h1>
                <p>
                    "You are signed in as " <strong>{me.email}</strong> ", a Member of "
                    <strong>{me.workspace_name}</strong> "."
                </p>
                <p class="ks-muted">
                    "API keys, project credentials and usage are shown to Owners, Admins and Managers. "
                    "Ask one of them to change your role, then sign in again."
                </p>
            </section>
        }
        .into_any(),
        None => ().into_any(),
    }
    }
}
