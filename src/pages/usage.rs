//! The usage dashboards: one for a key, a project and the whole workspace.
//! Each page keeps the range in its URL (`?range=7d`, `?from=&to=`), so a
//! link reproduces the view.

use super::request_log::bind_log_filter_to_url;
use crate::api::requests::{query_string, LogFilterForm};
use crate::api::usage::UsageScope;
use crate::api::ApiClient;
use crate::format::now;
use crate::widgets::{RequestLog, UsageDashboard, UsageRange};
use keyscope_model::timestamp;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

#[component]
pub fn KeyUsagePage() -> impl IntoView {
    scoped_usage_page(
        UsageScope::Key(id_in_path()),
        ("/keys", "← Back to API Keys"),
        "Usage of this key.",
    )
}

#[component]
pub fn ProjectUsagePage() -> impl IntoView {
    scoped_usage_page(
        UsageScope::Project(id_in_path()),
        ("/projects", "← Back to Projects"),
        "Usage of every key of this project.",
    )
}

fn id_in_path() -> String {
    use_params_map().with_untracked(|params| params.get("id").unwrap_or_default())
}

/// A key's or a project's usage: its name (the id until the name arrives),
/// the dashboard, and its request log below, both following the range in
/// the URL.
fn scoped_usage_page(
    scope: UsageScope,
    (back_href, back_text): (&'static str, &'static str),
    about: &'static str,
) -> impl IntoView {
    let client = ApiClient::same_origin();
    let (range, on_range_change) = range_in_url();
    let name_client = client.clone();
    let name_scope = scope.clone();
    let name = LocalResource::new(move || {
        let client = name_client.clone();
        let scope = name_scope.clone();
        async move {
            match scope {
                UsageScope::Key(id) => client.key_details(&id).await.ok().map(|key| key.name),
                UsageScope::Project(id) => client
                    .project_details(&id)
                    .await
                    .ok()
                    .flatten()
                    .map(|project| project.name),
                UsageScope::Workspace => None,
            }
        }
    });
    let id = match &scope {
        UsageScope::Key(id) | UsageScope::Project(id) => id.clone(),
        UsageScope::Workspace => String::new(),
    };
    let heading = move || name.get().flatten().unwrap_or_else(|| id.clone());
    let filter = bind_log_filter_to_url("log_");
    let defaults = log_dates(range);
    let log = match scope.clone() {
        UsageScope::Key(key_id) => {
            view! { <RequestLog client=client.clone() key_id filter defaults /> }.into_any()
        }
        UsageScope::Project(project_id) => {
            view! { <RequestLog client=client.clone() project_id filter defaults /> }.into_any()
        }
        UsageScope::Workspace => {
            view! { <RequestLog client=client.clone() filter defaults /> }.into_any()
        }
    };
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <a class="ks-link ks-back" href=back_href>{back_text}</a>
                <h1 data-testid="usage-heading">{heading}</h1>
                <p class="ks-muted">{about}</p>
            </header>
            <UsageDashboard client scope range on_range_change />
            <div class="ks-usage__log">{log}</div>
        </section>
    }
}

#[component]
pub fn WorkspaceUsagePage() -> impl IntoView {
    let (range, on_range_change) = range_in_url();
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <h1 data-testid="usage-heading">"Usage"</h1>
                <p class="ks-muted">"Every key of the workspace."</p>
            </header>
            <UsageDashboard
                client=ApiClient::same_origin()
                scope=UsageScope::Workspace
                range
                on_range_change
            />
        </section>
    }
}

/// The dashboard's range as the dates of the log below it, until the viewer
/// sets dates of their own in the log's filters.
fn log_dates(range: Signal<UsageRange>) -> Memo<LogFilterForm> {
    Memo::new(move |_| {
        let (from, to) = range.get().log_window(now());
        LogFilterForm {
            from: timestamp::format(&from),
            to: to.map(|to| timestamp::format(&to)).unwrap_or_default(),
            ..LogFilterForm::default()
        }
    })
}

/// The range as the URL's query says, and a way to change it that adds a
/// history entry (Back returns to the previous range).
fn range_in_url() -> (Signal<UsageRange>, Callback<UsageRange>) {
    let query = use_query_map();
    let range = Signal::derive(move || {
        query.with(|query| {
            UsageRange::from_query(
                query.get_str("range"),
                query.get_str("from"),
                query.get_str("to"),
            )
        })
    });
    let navigate = use_navigate();
    let location = use_location();
    let on_range_change = Callback::new(move |range: UsageRange| {
        let path = location.pathname.get_untracked();
        // The range replaces its own parameters; the log's stay.
        let mut pairs: Vec<(String, String)> = query.with_untracked(|query| {
            query
                .into_iter()
                .filter(|(name, _)| !["range", "from", "to"].contains(&name.as_ref()))
                .map(|(name, value)| (name.to_string(), value.to_owned()))
                .collect()
        });
        pairs.extend(range.to_query().split('&').filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((name.to_owned(), value.to_owned()))
        }));
        let pairs: Vec<(&str, String)> = pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        navigate(
            &format!("{path}?{}", query_string(&pairs)),
            NavigateOptions::default(),
        );
    });
    (range, on_range_change)
}
