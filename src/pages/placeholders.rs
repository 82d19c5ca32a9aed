//! The page for an address the app does not know.

use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="ks-page">
            <h1>"Page not found"</h1>
            <p><a href="/keys">"Go to API keys"</a></p>
        </section>
    }
}
