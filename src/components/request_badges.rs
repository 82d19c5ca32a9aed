//! How a request shows its method and its outcome, wherever requests are listed.

use keyscope_model::Outcome;
use leptos::prelude::*;

/// GET green, POST blue, PUT and PATCH orange, DELETE red (seed 004).
#[component]
pub fn MethodBadge(#[prop(into)] method: String) -> impl IntoView {
    let tone = match method.as_str() {
        "GET" | "HEAD" => "green",
        "POST" => "blue",
        "PUT" | "PATCH" => "orange",
        "DELETE" => "red",
        _ => "grey",
    };
    view! { <span class=format!("ks-method ks-method--{tone}")>{method}</span> }
}

#[component]
pub fn OutcomeBadge(outcome: Outcome) -> impl IntoView {
    let (tone, label) = match outcome {
        Outcome::Completed => ("green", "Completed"),
        Outcome::Failed => ("red", "Failed"),
        Outcome::RateLimited => ("orange", "Rate limited"),
        Outcome::Unauthorized => ("grey", "Unauthorized"),
        Outcome::Forbidden => ("grey", "Forbidden"),
    };
    view! { <span class=format!("ks-badge ks-badge--{tone}") data-outcome=outcome.as_str()>{label}</span> }
}
