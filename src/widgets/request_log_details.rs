//! One request record in full, beside the log: fetched by its id, closed
//! with Escape or the close button, giving focus back to the row's button.

use crate::api::ApiClient;
use crate::components::{CopyButton, ErrorPanel, Loading, MethodBadge, OutcomeBadge};
use crate::format::exact_local_time;
use keyscope_model::RequestEntry;
use leptos::html::Section;
use leptos::prelude::*;

#[component]
pub fn RequestDetails(
    client: ApiClient,
    /// The record shown; `None` closes the panel.
    selected: RwSignal<Option<String>>,
    /// Called after closing, to give focus back to what opened the panel.
    on_close: Callback<String>,
) -> impl IntoView {
    let entry = LocalResource::new(move || {
        let client = client.clone();
        let id = selected.get();
        async move {
            match id {
                Some(id) => Some(client.request_entry(&id).await),
                None => None,
            }
        }
    });
    let panel = NodeRef::<Section>::new();
    // Focus moves into the panel when it opens, so Escape and the keyboard
    // reach it at once.
    Effect::new(move |_| {
        if selected.get().is_some() {
            if let Some(panel) = panel.get() {
                let _ = panel.focus();
            }
        }
    });
    let close = move || {
        if let Some(id) = selected.get_untracked() {
            selected.set(None);
            on_close.run(id);
        }
    };
    move || {
        selected.get().map(|id| {
            view! {
                <section
                    class="ks-log-details"
                    role="dialog"
                    aria-modal="false"
                    aria-labelledby="ks-log-details-title"
                    tabindex="-1"
                    data-testid="log-details"
                    node_ref=panel
                    on:keydown=move |event| {
                        if event.key() == "Escape" {
                            event.stop_propagation();
                            close();
                        }
                    }
                >
                    <header class="ks-log-details__header">
                        <h2 id="ks-log-details-title">"Request " <code>{id.clone()}</code></h2>
                        <button class="ks-button ks-button--small" on:click=move |_| close()>
                            "Close"
                        </button>
                    </header>
                    <Transition fallback=|| view! { <Loading label="Loading the request…" /> }>
                        {move || {
                            entry
                                .get()
                                .flatten()
                                .map(|result| match result {
                                    Ok(entry) => view! { <EntryFields entry /> }.into_any(),
                                    Err(error) => {
                                        view! { <ErrorPanel error on_retry=move || entry.refetch() /> }
                                            .into_any()
                                    }
                                })
                        }}
                    </Transition>
                </section>
            }
        })
    }
}

#[component]
fn EntryFields(entry: RequestEntry) -> impl IntoView {
    let or_none = |value: Option<String>| value.unwrap_or_else(|| "—".to_owned());
    let utc = keyscope_model::timestamp::format(&entry.timestamp);
    view! {
        <dl class="ks-log-details__fields">
            <dt>"Request ID"</dt>
            <dd>
                <code>{entry.id.clone()}</code>
                <CopyButton value=entry.id.clone() label="Copy request ID" icon_only=true />
            </dd>
            <dt>"Time"</dt>
            <dd>{exact_local_time(entry.timestamp)} <span class="ks-muted ks-small">" (" {utc} ")"</span></dd>
            <dt>"Method"</dt>
            <dd><MethodBadge method=entry.method /></dd>
            <dt>"Endpoint"</dt>
            <dd class="ks-log-details__wrap"><code>{entry.endpoint}</code></dd>
            <dt>"Route"</dt>
            <dd class="ks-log-details__wrap"><code>{entry.route}</code></dd>
            <dt>"Resource ID"</dt>
            <dd>{or_none(entry.resource_id)}</dd>
            <dt>"Status"</dt>
            <dd><OutcomeBadge outcome=entry.outcome /></dd>
            <dt>"Response code"</dt>
            <dd>{entry.response_code}</dd>
            <dt>"Latency"</dt>
            <dd>{format!("{} ms", entry.latency_ms)}</dd>
            <dt>"Client IP"</dt>
            <dd>{or_none(entry.client_ip)}</dd>
            <dt>"Key ID"</dt>
            <dd><code>{or_none(entry.key_id)}</code></dd>
            <dt>"Project ID"</dt>
            <dd><code>{or_none(entry.project_id)}</code></dd>
        </dl>
    }
}
