//! The request log's filter form: a draft the visitor edits, applied with
//! "Apply", cleared with "Clear filters"; a field the server refused shows
//! the server's message beside it.

use crate::api::requests::LogFilterForm;
use keyscope_model::Outcome;
use leptos::prelude::*;

/// A refused field: its query name and the server's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

#[component]
pub fn LogFilters(
    /// The filter in force; Apply and Clear replace it.
    applied: RwSignal<LogFilterForm>,
    /// Shown and fixed when the log is one key's.
    fixed_key_id: Option<String>,
    problem: ReadSignal<Option<FieldProblem>>,
) -> impl IntoView {
    // The draft's times are the viewer's local `datetime-local` values; the
    // applied filter holds them in UTC.
    let draft = RwSignal::new(LogFilterForm::default());
    Effect::new(move |_| {
        let mut form = applied.get();
        form.from = local_input_value(&form.from);
        form.to = local_input_value(&form.to);
        draft.set(form);
    });
    let apply = move || {
        let mut form = draft.get_untracked();
        form.from = utc_value(&form.from);
        form.to = utc_value(&form.to);
        // The page size is the page's, not the form's.
        form.limit = applied.with_untracked(|applied| applied.limit.clone());
        applied.set(form);
    };
    let clear = move |_| {
        let limit = applied.with_untracked(|applied| applied.limit.clone());
        applied.set(LogFilterForm {
            limit,
            ..LogFilterForm::default()
        });
    };
    let text_field = move |name: &'static str, label: &'static str, placeholder: &'static str| {
        view! {
            <FilterField name label problem>
                <input
                    id=format!("ks-log-filter-{name}")
                    type="text"
                    name=name
                    placeholder=placeholder
                    autocomplete="off"
                    aria-invalid=move || invalid(problem, name)
                    prop:value=move || draft.with(|form| form.field(name).to_owned())
                    on:input=move |event| draft.update(|form| *form.field_mut(name) = event_target_value(&event))
                />
            </FilterField>
        }
    };
    let time_field = move |name: &'static str, label: &'static str| {
        view! {
            <FilterField name label problem>
                <input
                    id=format!("ks-log-filter-{name}")
                    type="datetime-local"
                    name=name
                    step="1"
                    aria-invalid=move || invalid(problem, name)
                    prop:value=move || draft.with(|form| form.field(name).to_owned())
                    on:input=move |event| draft.update(|form| *form.field_mut(name) = event_target_value(&event))
                />
            </FilterField>
        }
    };
    let select_field = move |name: &'static str,
                             label: &'static str,
                             options: Vec<(&'static str, &'static str)>| {
        let options = options
            .into_iter()
            .map(|(value, text)| {
                view! {
                    <option value=value selected=move || draft.with(|form| form.field(name) == value)>
                        {text}
                    </option>
                }
            })
            .collect_view();
        view! {
            <FilterField name label problem>
                <select
                    id=format!("ks-log-filter-{name}")
                    name=name
                    aria-invalid=move || invalid(problem, name)
                    prop:value=move || draft.with(|form| form.field(name).to_owned())
                    on:change=move |event| draft.update(|form| *form.field_mut(name) = event_target_value(&event))
                >
                    <option value="">"Any"</option>
                    {options}
                </select>
            </FilterField>
        }
    };
    let statuses = Outcome::ALL
        .into_iter()
        .map(|outcome| (outcome.as_str(), outcome_label(outcome)))
        .collect();
    let methods = METHODS.into_iter().map(|method| (method, method)).collect();
    let key_field = match fixed_key_id {
        Some(key_id) => view! {
            <div class="ks-log-filter">
                <span class="ks-log-filter__label">"Key ID"</span>
                <code class="ks-log-filter__fixed" data-testid="log-fixed-key">{key_id}</code>
            </div>
        }
        .into_any(),
        None => text_field("key_id", "Key ID", "key_…").into_any(),
    };
    view! {
        <form
            class="ks-log-filters"
            aria-label="Filters"
            on:submit=move |event| {
                event.prevent_default();
                apply();
            }
        >
            {text_field("resource_id", "Resource ID", "e.g. london")}
            {key_field}
            {time_field("from", "From")}
            {time_field("to", "To")}
            {select_field("status", "Status", statuses)}
            {select_field("method", "Method", methods)}
            {text_field("endpoint", "Endpoint contains", "/v1/…")}
            {text_field("response_code", "Response code", "e.g. 404")}
            <div class="ks-log-filters__actions">
                <button type="submit" class="ks-button ks-button--primary">"Apply"</button>
                <button type="button" class="ks-button" on:click=clear>"Clear filters"</button>
            </div>
        </form>
    }
}

/// A labelled filter input with the server's complaint about it, if any.
#[component]
fn FilterField(
    name: &'static str,
    label: &'static str,
    problem: ReadSignal<Option<FieldProblem>>,
    children: Children,
) -> impl IntoView {
    let message = move || {
        problem
            .get()
            .filter(|problem| problem.field == name)
            .map(|problem| {
                view! {
                    <span class="ks-log-filter__error" id=format!("ks-log-filter-{name}-error") role="alert">
                        {problem.message}
                    </span>
                }
            })
    };
    view! {
        <div class="ks-log-filter">
            <label class="ks-log-filter__label" for=format!("ks-log-filter-{name}")>{label}</label>
            {children()}
            {message}
        </div>
    }
}

fn invalid(problem: ReadSignal<Option<FieldProblem>>, name: &str) -> Option<&'static str> {
    problem
        .with(|problem| {
            problem
                .as_ref()
                .is_some_and(|problem| problem.field == name)
        })
        .then_some("true")
}

pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Completed => "Completed",
        Outcome::Failed => "Failed",
        Outcome::RateLimited => "Rate limited",
        Outcome::Unauthorized => "Unauthorized",
        Outcome::Forbidden => "Forbidden",
    }
}

/// `2026-11-20T10:00:00` in the viewer's zone from an RFC 3339 time; text
/// that is not one is kept, so the server can name it.
fn local_input_value(utc: &str) -> String {
    if utc.is_empty() {
        return String::new();
    }
    match chrono::DateTime::parse_from_rfc3339(utc) {
        Ok(at) => local_parts(at.timestamp_millis()),
        Err(_) => utc.to_owned(),
    }
}

#[cfg(target_arch = "wasm32")]
fn local_parts(millis: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

#[cfg(not(target_arch = "wasm32"))]
fn local_parts(millis: i64) -> String {
    keyscope_model::timestamp::from_millis(millis)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The RFC 3339 UTC time of a local `datetime-local` value; text that is
/// not one is passed on as it is, for the server to refuse by name.
fn utc_value(local: &str) -> String {
    let local = local.trim();
    if local.is_empty() {
        return String::new();
    }
    utc_of_local(local).unwrap_or_else(|| local.to_owned())
}

#[cfg(target_arch = "wasm32")]
fn utc_of_local(local: &str) -> Option<String> {
    // A date-time without a zone is local time to `Date`.
    let millis = js_sys::Date::parse(local);
    (!millis.is_nan()).then(|| {
        keyscope_model::timestamp::format(&keyscope_model::timestamp::from_millis(millis as i64))
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn utc_of_local(local: &str) -> Option<String> {
    let parsed = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M"))
        .ok()?;
    Some(keyscope_model::timestamp::format(&parsed.and_utc()))
}
