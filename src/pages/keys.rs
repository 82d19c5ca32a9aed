//! The API keys list.

use crate::api::ApiClient;
use crate::components::{ErrorPanel, Loading, RelativeTime, ScopeChips, StatusBadge};
use crate::format::{masked_key, now};
use keyscope_model::{ApiKey, ListResponse, PageRequest};
use leptos::prelude::*;

#[component]
pub fn KeysPage() -> impl IntoView {
    let client = ApiClient::same_origin();
    let (page, set_page) = signal(PageRequest::default());
    let keys = LocalResource::new(move || {
        let client = client.clone();
        let page = page.get();
        async move { client.list_keys(page).await }
    });
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <h1>"API keys"</h1>
                <p class="ks-muted">"Keys that can call your API, newest first."</p>
            </header>
            <Transition fallback=|| view! { <Loading label="Loading keys…" /> }>
                {move || {
                    keys.get()
                        .map(|result| match result {
                            Ok(list) => view! { <KeysTable list set_page /> }.into_any(),
                            Err(error) => {
                                view! { <ErrorPanel error on_retry=move || keys.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn KeysTable(list: ListResponse<ApiKey>, set_page: WriteSignal<PageRequest>) -> impl IntoView {
    if list.data.is_empty() && list.pagination.offset == 0 {
        return view! {
            <div class="ks-state ks-state--empty">
                <p class="ks-state__title">"No API keys yet"</p>
                <p class="ks-state__detail">
                    "Keys you create appear here. To explore with sample data, start the server with "
                    <code>"keyscope serve --demo"</code> " on an empty data directory."
                </p>
            </div>
        }
        .into_any();
    }
    let now = now();
    let pagination = list.pagination;
    let first = pagination.offset + 1;
    let last = pagination.offset + list.data.len() as u64;
    let rows = list
        .data
        .into_iter()
        .map(|key| view! { <KeyRow key now /> })
        .collect_view();
    let limit = pagination.limit;
    view! {
        <div class="ks-table-wrap">
            <table class="ks-table" data-testid="keys-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Plan"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="ks-visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="ks-pager" aria-label="Pages of keys">
            <span class="ks-muted">{format!("{first}–{last} of {}", pagination.total)}</span>
            <button
                class="ks-button"
                disabled=pagination.offset == 0
                on:click=move |_| {
                    set_page.update(|page| page.offset = page.offset.saturating_sub(u64::from(limit)))
                }
            >
                "Previous"
            </button>
            <button
                class="ks-button"
                disabled=!pagination.has_more
                on:click=move |_| set_page.update(|page| page.offset += u64::from(limit))
            >
                "Next"
            </button>
        </nav>
    }
    .into_any()
}

#[component]
fn KeyRow(key: ApiKey, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let usage_href = format!("/keys/{}/usage", key.id);
    view! {
        <tr data-key-id=key.id.clone()>
            <td>
                <div class="ks-key-name">{key.name.clone()}</div>
                {key.description.map(|description| view! { <div class="ks-muted ks-small">{description}</div> })}
            </td>
            <td><code class="ks-key-mask">{masked_key(&key.prefix, &key.last_four)}</code></td>
            <td><ScopeChips scopes=key.scopes /></td>
            <td>{key.plan.map_or("Workspace default", |plan| plan.label())}</td>
            <td><RelativeTime at=Some(key.created_at) now missing="" /></td>
            <td><RelativeTime at=key.last_used_at now missing="Never" /></td>
            <td><RelativeTime at=key.expires_at now missing="Never" /></td>
            <td><StatusBadge status=key.status /></td>
            <td>
                <a class="ks-link" href=usage_href aria-label=format!("Usage of {}", key.name)>"Usage"</a>
            </td>
        </tr>
    }
}
