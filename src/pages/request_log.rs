//! The request log of the whole workspace.

use crate::components::NotBuilt;
use leptos::prelude::*;

#[component]
pub fn RequestLogPage() -> impl IntoView {
    view! { <NotBuilt title="Request log" /> }
}
