//! Screens later issues build. Each says so plainly instead of pretending.

use crate::components::NotBuilt;
use leptos::prelude::*;

#[component]
pub fn KeyUsagePage() -> impl IntoView {
    view! { <NotBuilt title="Key usage" /> }
}

#[component]
pub fn ProjectApiPage() -> impl IntoView {
    view! { <NotBuilt title="Project API" /> }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <NotBuilt title="Settings" /> }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="ks-page">
            <h1>"Page not found"</h1>
            <p><a href="/keys">"Go to API keys"</a></p>
        </section>
    }
}
