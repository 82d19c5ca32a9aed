//! "2m ago" with the exact local time on hover.

use crate::format::{exact_local_time, relative_time};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn RelativeTime(
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    /// Shown when there is no time, e.g. "Never".
    #[prop(into)]
    missing: String,
) -> impl IntoView {
    match at {
        Some(at) => view! {
            <time datetime=keyscope_model::timestamp::format(&at) title=exact_local_time(at)>
                {relative_time(at, now)}
            </time>
        }
        .into_any(),
        None => view! { <span class="ks-muted">{missing}</span> }.into_any(),
    }
}
