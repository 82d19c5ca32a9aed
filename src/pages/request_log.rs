//! The request log of the whole workspace, its filter kept in the URL so a
//! view can be shared, reloaded, and walked with back and forward.

use crate::api::requests::LogFilterForm;
use crate::api::ApiClient;
use crate::widgets::RequestLog;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

#[component]
pub fn RequestLogPage() -> impl IntoView {
    let filter = bind_log_filter_to_url("");
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <h1>"Request log"</h1>
                <p class="ks-muted">"Every call made with an API key, newest first."</p>
            </header>
            <RequestLog client=ApiClient::same_origin() filter />
        </section>
    }
}

/// A request log filter that lives in the current page's query string: a
/// link opens the same view, Apply pushes a history entry, and back and
/// forward (or an edited URL) change the filter. Any page with the log can
/// call it and hand the signal to `RequestLog`'s `filter`. `prefix` keeps the
/// log's parameters apart from the page's own (a dashboard's `from` and `to`
/// are its range; its log's are `log_from` and `log_to`).
pub fn bind_log_filter_to_url(prefix: &'static str) -> RwSignal<LogFilterForm> {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let from_url = move || {
        LogFilterForm::from_query(|name| query.with(|query| query.get(&format!("{prefix}{name}"))))
    };
    let filter = RwSignal::new(from_url());
    // The URL changed (back, forward, a link): the log follows.
    Effect::new(move |_| {
        let wanted = from_url();
        if filter.with_untracked(|filter| *filter != wanted) {
            filter.set(wanted);
        }
    });
    // The log's filter changed (Apply, Clear): a new history entry.
    Effect::new(move |_| {
        let applied = filter.get();
        let in_url = untrack(from_url);
        if applied != in_url {
            // Parameters that are not the log's stay as they were.
            let mut pairs: Vec<(String, String)> = query.with_untracked(|query| {
                query
                    .into_iter()
                    .filter(|(name, _)| {
                        !name
                            .strip_prefix(prefix)
                            .is_some_and(|name| LogFilterForm::NAMES.contains(&name))
                    })
                    .map(|(name, value)| (name.to_string(), value.to_owned()))
                    .collect()
            });
            pairs.extend(
                applied
                    .pairs()
                    .into_iter()
                    .map(|(name, value)| (format!("{prefix}{name}"), value)),
            );
            let pairs: Vec<(&str, String)> = pairs
                .iter()
                .map(|(name, value)| (name.as_str(), value.clone()))
                .collect();
            let query_string = crate::api::requests::query_string(&pairs);
            let path = location.pathname.get_untracked();
            let separator = if query_string.is_empty() { "" } else { "?" };
            navigate(
                &format!("{path}{separator}{query_string}"),
                NavigateOptions {
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    });
    filter
}
