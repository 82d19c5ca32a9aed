//! Projects and each project's API tab.

use crate::components::NotBuilt;
use leptos::prelude::*;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    view! { <NotBuilt title="Projects" /> }
}

#[component]
pub fn ProjectApiPage() -> impl IntoView {
    view! { <NotBuilt title="Project API" /> }
}
