//! Loading, error and "not built yet" states, the same on every page.

use crate::api::ApiClientError;
use leptos::prelude::*;

#[component]
pub fn Loading(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="ks-state ks-state--loading" role="status" aria-live="polite">
            <span class="ks-spinner" aria-hidden="true"></span>
            {label}
        </div>
    }
}

/// What went wrong, and a way to try again. A 401 means the session ended
/// (expired, or signed out elsewhere): the app forgets it, and the page's
/// `RequireSession` sends the visitor to sign in and back.
#[component]
pub fn ErrorPanel(error: ApiClientError, on_retry: impl Fn() + 'static) -> impl IntoView {
    if error.status() == Some(401) {
        if let Some(session) = use_context::<crate::session::Session>() {
            Effect::new(move |_| session.signed_out());
        }
    }
    view! {
        <div class="ks-state ks-state--error" role="alert">
            <p class="ks-state__title">"Something went wrong"</p>
            <p class="ks-state__detail">{error.to_string()}</p>
            <button class="ks-button" on:click=move |_| on_retry()>"Try again"</button>
        </div>
    }
}

/// An honest placeholder for a screen a later issue builds.
#[component]
pub fn NotBuilt(#[prop(into)] title: String) -> impl IntoView {
    view! {
        <section class="ks-page">
            <h1>{title}</h1>
            <p class="ks-muted">"Not built yet."</p>
        </section>
    }
}
