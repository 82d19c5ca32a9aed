//! The API keys list.

use super::key_dialogs::{DeleteKeyDialog, GenerateKeyDialog, RotateKeyDialog};
use crate::api::ApiClient;
use crate::components::{
    CopyButton, ErrorPanel, Icon, IconKind, Loading, RelativeTime, ScopeChips, StatusBadge,
};
use crate::format::{masked_key, now};
use keyscope_model::{ApiKey, KeyStatus, ListResponse, PageRequest};
use leptos::prelude::*;

/// The dialog open over the keys page, if any.
#[derive(Debug, Clone, PartialEq)]
enum KeyDialog {
    Generate,
    Rotate(ApiKey),
    Delete(ApiKey),
}

#[component]
pub fn KeysPage() -> impl IntoView {
    let client = ApiClient::same_origin();
    let (page, set_page) = signal(PageRequest::default());
    let keys = LocalResource::new({
        let client = client.clone();
        move || {
            let client = client.clone();
            let page = page.get();
            async move { client.list_keys(page).await }
        }
    });
    let dialog = RwSignal::new(None::<KeyDialog>);
    let close = Callback::new(move |()| dialog.set(None));
    let changed = Callback::new(move |()| keys.refetch());
    view! {
        <section class="ks-page">
            <header class="ks-page__header ks-page__header--actions">
                <div>
                    <h1>"API keys"</h1>
                    <p class="ks-muted">"Keys that can call your API, newest first."</p>
                </div>
                <button class="ks-button ks-button--primary" on:click=move |_| dialog.set(Some(KeyDialog::Generate))>
                    "Generate API Key"
                </button>
            </header>
            {move || {
                let client = client.clone();
                dialog
                    .get()
                    .map(|open| match open {
                        KeyDialog::Generate => {
                            view! { <GenerateKeyDialog client on_close=close on_created=changed /> }.into_any()
                        }
                        KeyDialog::Rotate(key) => {
                            view! { <RotateKeyDialog client key on_close=close on_rotated=changed /> }.into_any()
                        }
                        KeyDialog::Delete(key) => {
                            view! { <DeleteKeyDialog client key on_close=close on_deleted=changed /> }.into_any()
                        }
                    })
            }}
            <Transition fallback=|| view! { <Loading label="Loading keys…" /> }>
                {move || {
                    keys.get()
                        .map(|result| match result {
                            Ok(list) => view! { <KeysTable list set_page dialog /> }.into_any(),
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
fn KeysTable(
    list: ListResponse<ApiKey>,
    set_page: WriteSignal<PageRequest>,
    dialog: RwSignal<Option<KeyDialog>>,
) -> impl IntoView {
    if list.data.is_empty() && list.pagination.offset == 0 {
        return view! {
            <div class="ks-state ks-state--empty">
                <p class="ks-state__title">"No API keys yet"</p>
                <p class="ks-state__detail">
                    "Generate a key to call your API with it. To explore with sample data, start the server with "
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
        .map(|key| view! { <KeyRow key now dialog /> })
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
fn KeyRow(
    key: ApiKey,
    now: chrono::DateTime<chrono::Utc>,
    dialog: RwSignal<Option<KeyDialog>>,
) -> impl IntoView {
    let usage_href = format!("/keys/{}/usage", key.id);
    // A revoked key stays revoked: a new secret would not bring it back.
    let revoked = key.status == KeyStatus::Revoked;
    let (to_rotate, to_delete) = (key.clone(), key.clone());
    view! {
        <tr data-key-id=key.id.clone()>
            <td>
                <div class="ks-key-name">{key.name.clone()}</div>
                {key.description.map(|description| view! { <div class="ks-muted ks-small">{description}</div> })}
            </td>
            <td>
                <code class="ks-key-mask">{masked_key(&key.prefix, &key.last_four)}</code>
                <div class="ks-muted ks-small">
                    {key.plan.map_or("Workspace plan".to_owned(), |plan| format!("{} plan", plan.label()))}
                </div>
            </td>
            <td><ScopeChips scopes=key.scopes /></td>
            <td><RelativeTime at=Some(key.created_at) now missing="" /></td>
            <td data-column="last-used"><RelativeTime at=key.last_used_at now missing="Never" /></td>
            <td><RelativeTime at=key.expires_at now missing="Never" /></td>
            <td><StatusBadge status=key.status /></td>
            <td>
                <div class="ks-row-actions">
                <a class="ks-button ks-button--ghost ks-button--icon" href=usage_href aria-label=format!("Usage of {}", key.name) title="Usage">
                    <Icon kind=IconKind::Chart />
                </a>
                <CopyButton value=key.id.clone() label=format!("Copy the ID of {}", key.name) icon_only=true />
                <button
                    class="ks-button ks-button--ghost ks-button--icon"
                    disabled=revoked
                    title="Regenerate"
                    aria-label=format!("Regenerate {}", key.name)
                    on:click=move |_| dialog.set(Some(KeyDialog::Rotate(to_rotate.clone())))
                >
                    <Icon kind=IconKind::Rotate />
                </button>
                <button
                    class="ks-button ks-button--ghost ks-button--icon ks-button--danger-text"
                    title="Delete"
                    aria-label=format!("Delete {}", key.name)
                    on:click=move |_| dialog.set(Some(KeyDialog::Delete(to_delete.clone())))
                >
                    <Icon kind=IconKind::Trash />
                </button>
                </div>
            </td>
        </tr>
    }
}
