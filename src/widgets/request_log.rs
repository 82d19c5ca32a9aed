//! The filterable request log.

use crate::api::ApiClient;
use crate::components::NotBuilt;
use leptos::prelude::*;

/// The request log, narrowed to one key or project when given.
#[component]
pub fn RequestLog(
    client: ApiClient,
    #[prop(optional, into)] key_id: Option<String>,
    #[prop(optional, into)] project_id: Option<String>,
) -> impl IntoView {
    let _ = (client, key_id, project_id);
    view! { <NotBuilt title="Request log" /> }
}
