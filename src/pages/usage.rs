//! The usage dashboards: one for a key, a project and the whole workspace.

use crate::components::NotBuilt;
use leptos::prelude::*;

#[component]
pub fn KeyUsagePage() -> impl IntoView {
    view! { <NotBuilt title="Key usage" /> }
}

#[component]
pub fn ProjectUsagePage() -> impl IntoView {
    view! { <NotBuilt title="Project usage" /> }
}

#[component]
pub fn WorkspaceUsagePage() -> impl IntoView {
    view! { <NotBuilt title="Usage" /> }
}
