//! A project's newest requests: method badge, endpoint, outcome, and when.

use crate::api::ApiClient;
use crate::components::{ErrorPanel, Loading, MethodBadge, OutcomeBadge, RelativeTime};
use crate::format::now;
use leptos::prelude::*;

/// How many requests the Project API tab lists.
const RECENT: u32 = 10;

#[component]
pub fn RecentRequests(client: ApiClient, #[prop(into)] project_id: String) -> impl IntoView {
    let requests = LocalResource::new(move || {
        let client = client.clone();
        let project_id = project_id.clone();
        async move {
            let filter = [("project_id", project_id), ("limit", RECENT.to_string())];
            client.request_log(&filter, None).await
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading requests…" /> }>
            {move || {
                requests
                    .get()
                    .map(|answer| match answer {
                        Ok(page) if page.data.is_empty() => view! {
                            <p class="ks-muted">
                                "No requests yet. Calls with this project's keys show up here as they happen."
                            </p>
                        }
                        .into_any(),
                        Ok(page) => {
                            let now = now();
                            let rows = page
                                .data
                                .into_iter()
                                .map(|entry| {
                                    view! {
                                        <li data-request-id=entry.id.clone()>
                                            <MethodBadge method=entry.method />
                                            <span class="ks-endpoint" title=entry.endpoint.clone()>{entry.endpoint.clone()}</span>
                                            <span class="ks-recent__meta">
                                                <OutcomeBadge outcome=entry.outcome />
                                                " "
                                                <RelativeTime at=Some(entry.timestamp) now missing="" />
                                            </span>
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! { <ul class="ks-recent" data-testid="recent-requests">{rows}</ul> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error on_retry=move || requests.refetch() /> }.into_any(),
                    })
            }}
        </Transition>
    }
}
