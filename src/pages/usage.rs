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
    let client = ApiClient::same_origin();
    let key_id = use_params_map().with_untracked(|params| params.get("id").unwrap_or_default());
    let (range, on_range_change) = range_in_url();
    let name_client = client.clone();
    let name_id = key_id.clone();
    let key = LocalResource::new(move || {
        let client = name_client.clone();
        let key_id = name_id.clone();
        async move { client.key_details(&key_id).await }
    });
    let heading_id = key_id.clone();
    let heading = move || match key.get() {
        Some(Ok(key)) => key.name,
        _ => heading_id.clone(),
    };
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <a class="ks-link ks-back" href="/keys">"← Back to API Keys"</a>
                <h1 data-testid="usage-heading">{heading}</h1>
                <p class="ks-muted">"Usage of this key."</p>
            </header>
            <UsageDashboard
                client=client.clone()
                scope=UsageScope::Key(key_id.clone())
                range
                on_range_change
            />
            <div class="ks-usage__log">
                <RequestLog client key_id filter=bind_log_filter_to_url("log_") defaults=log_dates(range) />
            </div>
        </section>
    }
}

#[component]
pub fn ProjectUsagePage() -> impl IntoView {
    let client = ApiClient::same_origin();
    let project_id = use_params_map().with_untracked(|params| params.get("id").unwrap_or_default());
    let (range, on_range_change) = range_in_url();
    let name_client = client.clone();
    let name_id = project_id.clone();
    let project = LocalResource::new(move || {
        let client = name_client.clone();
        let project_id = name_id.clone();
        async move { client.project_details(&project_id).await }
    });
    let heading_id = project_id.clone();
    let heading = move || match project.get() {
        Some(Ok(Some(project))) => project.name,
        _ => heading_id.clone(),
    };
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <a class="ks-link ks-back" href="/projects">"← Back to Projects"</a>
                <h1 data-testid="usage-heading">{heading}</h1>
                <p class="ks-muted">"Usage of every key of this project."</p>
            </header>
            <UsageDashboard
                client=client.clone()
                scope=UsageScope::Project(project_id.clone())
                range
                on_range_change
            />
            <div class="ks-usage__log">
                <RequestLog client project_id filter=bind_log_filter_to_url("log_") defaults=log_dates(range) />
            </div>
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
