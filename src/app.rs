//! The router and the shell around every page.

use crate::api::ApiClient;
use crate::components::RequireKeyManager;
use crate::pages::{
    ApiDocsPage, KeyUsagePage, KeysPage, NotFoundPage, ProjectApiPage, ProjectUsagePage,
    ProjectsPage, RequestLogPage, SignInPage, WorkspaceUsagePage,
};
use crate::session::{RequireSession, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <div class="ks-shell">
                <header class="ks-topbar">
                    <a class="ks-brand" href="/keys">"keyscope"</a>
                    <nav class="ks-nav" aria-label="Main">
                        <A href="/keys">"API keys"</A>
                        <A href="/projects">"Projects"</A>
                        <A href="/usage">"Usage"</A>
                        <A href="/requests">"Request log"</A>
                    </nav>
                    <UserMenu />
                </header>
                <main class="ks-main">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=|| view! { <Redirect path="/keys" /> } />
                        <Route path=path!("/sign-in") view=SignInPage />
                        <Route path=path!("/docs") view=ApiDocsPage />
                        <Route path=path!("/keys") view=|| signed_in(KeysPage) />
                        <Route path=path!("/keys/:id/usage") view=|| signed_in(KeyUsagePage) />
                        <Route path=path!("/projects") view=|| signed_in(ProjectsPage) />
                        <Route path=path!("/projects/:id/api") view=|| signed_in(ProjectApiPage) />
                        <Route path=path!("/projects/:id/usage") view=|| signed_in(ProjectUsagePage) />
                        <Route path=path!("/usage") view=|| signed_in(WorkspaceUsagePage) />
                        <Route path=path!("/requests") view=|| signed_in(RequestLogPage) />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

fn signed_in<V: IntoView + 'static>(page: fn() -> V) -> impl IntoView {
    view! {
        <RequireSession>
            <RequireKeyManager>{move || page()}</RequireKeyManager>
        </RequireSession>
    }
}

/// The signed-in user's e-mail and a way out.
#[component]
fn UserMenu() -> impl IntoView {
    let session = Session::expect();
    let navigate = use_navigate();
    move || {
        session.user().map(|me| {
            let navigate = navigate.clone();
            let csrf_token = me.csrf_token.clone();
            let sign_out = move |_| {
                let navigate = navigate.clone();
                let csrf_token = csrf_token.clone();
                spawn_local(async move {
                    // Signed out or not, the session is gone for this page.
                    let _ = ApiClient::same_origin().sign_out(&csrf_token).await;
                    session.signed_out();
                    navigate("/sign-in", Default::default());
                });
            };
            view! {
                <div class="ks-user">
                    <span class="ks-muted" data-testid="signed-in-as">{me.email}</span>
                    <button class="ks-button" on:click=sign_out>"Sign out"</button>
                </div>
            }
        })
    }
}
