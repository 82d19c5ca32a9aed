//! The router and the shell around every page.

use crate::pages::{
    KeyUsagePage, KeysPage, NotFoundPage, ProjectApiPage, SettingsPage, SignInPage,
};
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <div class="ks-shell">
                <header class="ks-topbar">
                    <a class="ks-brand" href="/keys">"keyscope"</a>
                    <nav class="ks-nav" aria-label="Main">
                        <A href="/keys">"API keys"</A>
                        <A href="/settings">"Settings"</A>
                    </nav>
                </header>
                <main class="ks-main">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=|| view! { <Redirect path="/keys" /> } />
                        <Route path=path!("/keys") view=KeysPage />
                        <Route path=path!("/keys/:id/usage") view=KeyUsagePage />
                        <Route path=path!("/projects/:id/api") view=ProjectApiPage />
                        <Route path=path!("/settings") view=SettingsPage />
                        <Route path=path!("/sign-in") view=SignInPage />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
