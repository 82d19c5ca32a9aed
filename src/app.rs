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
use leptos_router::{path, Lazy, LazyRoute};

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
                        <A href="/docs">"API docs"</A>
                    </nav>
                    <UserMenu />
                </header>
                <main class="ks-main">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=|| view! { <Redirect path="/keys" /> } />
                        <Route path=path!("/sign-in") view={Lazy::<SignInScreen>::new()} />
                        <Route path=path!("/docs") view={Lazy::<ApiDocsScreen>::new()} />
                        <Route path=path!("/keys") view={Lazy::<KeysScreen>::new()} />
                        <Route path=path!("/keys/:id/usage") view={Lazy::<KeyUsageScreen>::new()} />
                        <Route path=path!("/projects") view={Lazy::<ProjectsScreen>::new()} />
                        <Route path=path!("/projects/:id/api") view={Lazy::<ProjectApiScreen>::new()} />
                        <Route path=path!("/projects/:id/usage") view={Lazy::<ProjectUsageScreen>::new()} />
                        <Route path=path!("/usage") view={Lazy::<WorkspaceUsageScreen>::new()} />
                        <Route path=path!("/requests") view={Lazy::<RequestLogScreen>::new()} />
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

/// A screen as a lazy route. In `make web`'s build (`--cfg keyscope_split`)
/// each screen's code is a chunk of the wasm, fetched on its first visit
/// (crates/wasm-split): a first visit downloads the shell and that screen,
/// not the whole console. Elsewhere (`trunk serve`, tests) the same route
/// is an ordinary view.
macro_rules! lazy_screen {
    ($route:ident => $view:expr) => {
        struct $route;

        #[cfg(keyscope_split)]
        #[leptos_router::lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }

        #[cfg(not(keyscope_split))]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

lazy_screen!(SignInScreen => SignInPage());
lazy_screen!(ApiDocsScreen => ApiDocsPage());
lazy_screen!(KeysScreen => signed_in(KeysPage));
lazy_screen!(KeyUsageScreen => signed_in(KeyUsagePage));
lazy_screen!(ProjectsScreen => signed_in(ProjectsPage));
lazy_screen!(ProjectApiScreen => signed_in(ProjectApiPage));
lazy_screen!(ProjectUsageScreen => signed_in(ProjectUsagePage));
lazy_screen!(WorkspaceUsageScreen => signed_in(WorkspaceUsagePage));
lazy_screen!(RequestLogScreen => signed_in(RequestLogPage));

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
