//! A key's status badge and its scopes.

use keyscope_model::{KeyStatus, ScopeSet};
use leptos::prelude::*;

#[component]
pub fn StatusBadge(status: KeyStatus) -> impl IntoView {
    let class = match status {
        KeyStatus::Active => "ks-badge ks-badge--green",
        KeyStatus::Disabled => "ks-badge ks-badge--grey",
        KeyStatus::Expired => "ks-badge ks-badge--orange",
        KeyStatus::Revoked => "ks-badge ks-badge--red",
    };
    view! { <span class=class>{status.label()}</span> }
}

#[component]
pub fn ScopeChips(scopes: ScopeSet) -> impl IntoView {
    let chips = scopes
        .iter()
        .map(|scope| view! { <span class="ks-chip">{scope.to_string()}</span> })
        .collect_view();
    view! { <span class="ks-chips">{chips}</span> }
}
