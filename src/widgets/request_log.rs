//! The filterable request log: filters, a total, cursor pages loaded as the
//! visitor scrolls, only the visible rows in the page (so a hundred thousand
//! loaded records scroll as smoothly as a hundred), a record's details, CSV
//! export, chosen columns, and live mode.
//!
//! Router-free, so it can sit on another site's page: the filter in force is
//! a signal the host may hand in (the console's pages bind it to the URL).

use crate::api::requests::LogFilterForm;
use crate::api::{ApiClient, ApiClientError};
use crate::components::{ErrorPanel, MethodBadge, OutcomeBadge};
use crate::format::{exact_local_time, grouped};
use keyscope_model::requests::LogTotal;
use keyscope_model::{LogFilter, RequestEntry};
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::VecDeque;

use super::request_log_columns::Column;
use super::request_log_columns::{default_columns, load_columns, ColumnEditor};
use super::request_log_details::RequestDetails;
use super::request_log_filters::{FieldProblem, LogFilters};
use super::request_log_live::keep_live;

/// Every row (and the header) is this tall, so a row's place follows from
/// its index and only the rows in view need to exist. The style sheet reads
/// it from `--ks-log-row-height`.
pub const ROW_HEIGHT: f64 = 36.0;
/// Rows rendered beyond each edge of the view, so a quick scroll does not
/// uncover empty space before the next frame renders.
const OVERSCAN: usize = 6;
/// Records a page when the filter does not say.
const DEFAULT_PAGE_SIZE: &str = "100";

/// The rows `[start, end)` to render for a scroll position: those in view
/// plus the overscan.
pub fn visible_range(scroll_top: f64, viewport_height: f64, rows: usize) -> (usize, usize) {
    // The sticky header is one row tall and sits above the first row.
    let first_in_view = ((scroll_top - ROW_HEIGHT).max(0.0) / ROW_HEIGHT).floor() as usize;
    let in_view = (viewport_height / ROW_HEIGHT).ceil() as usize + 1;
    let start = first_in_view.saturating_sub(OVERSCAN).min(rows);
    let end = (first_in_view + in_view + OVERSCAN).min(rows);
    (start, end)
}

/// How the total reads: exact, a floor, or an estimate, never passing one
/// off as another.
pub fn total_text(total: LogTotal) -> String {
    let noun = if total.count == 1 {
        "request"
    } else {
        "requests"
    };
    let count = grouped(total.count);
    if total.exact {
        format!("{count} {noun}")
    } else if total.at_least {
        format!("More than {count} {noun}")
    } else {
        format!("About {count} {noun}")
    }
}

#[derive(Debug, Clone, PartialEq)]
enum FirstPage {
    Loading,
    Loaded,
    Failed(ApiClientError),
}

/// The request log, narrowed to one key or project when given.
#[component]
pub fn RequestLog(
    client: ApiClient,
    #[prop(optional, into)] key_id: Option<String>,
    #[prop(optional, into)] project_id: Option<String>,
    /// The filter in force. A page that binds it to its URL passes it in
    /// (`bind_log_filter_to_url` in `pages/request_log.rs`); without it the log keeps its own.
    #[prop(optional)]
    filter: Option<RwSignal<LogFilterForm>>,
    /// Values in force wherever the filter leaves a field empty: a
    /// dashboard passes its range as the log's dates, so the log below it
    /// follows the range picker until the viewer sets dates of their own.
    #[prop(optional, into)]
    defaults: Option<Signal<LogFilterForm>>,
) -> impl IntoView {
    let applied = filter.unwrap_or_else(|| RwSignal::new(LogFilterForm::default()));
    let live_url = client.request_log_live_url(key_id.as_deref(), project_id.as_deref());
    let client = StoredValue::new(client);
    let (fixed_key_id, fixed_project_id) = (key_id.clone(), project_id.clone());
    // The query the server is asked: the filter, with the widget's own key
    // or project in force over anything the URL says.
    let query = Memo::new(move |_| {
        let mut form = match defaults {
            Some(defaults) => {
                applied.with(|applied| defaults.with(|defaults| applied.or(defaults)))
            }
            None => applied.get(),
        };
        if let Some(key_id) = &fixed_key_id {
            form.key_id = key_id.clone();
        }
        if form.limit.trim().is_empty() {
            form.limit = DEFAULT_PAGE_SIZE.to_owned();
        }
        let mut pairs = form.pairs();
        if let Some(project_id) = &fixed_project_id {
            pairs.push(("project_id", project_id.clone()));
        }
        pairs
    });

    let rows = RwSignal::new(VecDeque::<RequestEntry>::new());
    let first = RwSignal::new(FirstPage::Loading);
    let total = RwSignal::new(None::<LogTotal>);
    let next_cursor = RwSignal::new(None::<String>);
    let loading_more = RwSignal::new(false);
    let more_error = RwSignal::new(None::<ApiClientError>);
    let (problem, set_problem) = signal(None::<FieldProblem>);
    // Answers to an earlier filter are dropped when they arrive late.
    let generation = StoredValue::new(0_u64);

    let load_first = move || {
        let this = generation.get_value() + 1;
        generation.set_value(this);
        let pairs = query.get_untracked();
        first.set(FirstPage::Loading);
        rows.set(VecDeque::new());
        total.set(None);
        next_cursor.set(None);
        loading_more.set(false);
        more_error.set(None);
        let client = client.get_value();
        spawn_local(async move {
            let answer = client.request_log(&pairs, None).await;
            if generation.get_value() != this {
                return;
            }
            match answer {
                Ok(page) => {
                    set_problem.set(None);
                    rows.set(page.data.into());
                    total.set(page.total);
                    next_cursor.set(page.next_cursor);
                    first.set(FirstPage::Loaded);
                }
                Err(error) => {
                    set_problem.set(field_problem(&error));
                    first.set(FirstPage::Failed(error));
                }
            }
        });
    };
    let load_more = move || {
        let Some(cursor) = next_cursor.get_untracked() else {
            return;
        };
        if loading_more.get_untracked() || first.get_untracked() != FirstPage::Loaded {
            return;
        }
        loading_more.set(true);
        more_error.set(None);
        let this = generation.get_value();
        let pairs = query.get_untracked();
        let client = client.get_value();
        spawn_local(async move {
            let answer = client.request_log(&pairs, Some(&cursor)).await;
            if generation.get_value() != this {
                return;
            }
            match answer {
                Ok(page) => {
                    rows.update(|rows| rows.extend(page.data));
                    next_cursor.set(page.next_cursor);
                }
                Err(error) => more_error.set(Some(error)),
            }
            loading_more.set(false);
        });
    };
    // A new filter (Apply, Clear, the URL) starts the log again; so does
    // Apply with the same filter, which is how a visitor refreshes it.
    Effect::new(move |_| {
        applied.track();
        query.track();
        load_first();
    });

    // Virtual scrolling: the scroll position picks the rows that exist.
    let viewport = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport_height = RwSignal::new(600.0_f64);
    let measure = move || {
        if let Some(viewport) = viewport.get_untracked() {
            scroll_top.set(f64::from(viewport.scroll_top()));
            viewport_height.set(f64::from(viewport.client_height()));
        }
    };
    Effect::new(move |_| {
        if viewport.get().is_some() {
            measure();
        }
    });
    let window = Memo::new(move |_| {
        visible_range(
            scroll_top.get(),
            viewport_height.get(),
            rows.with(VecDeque::len),
        )
    });
    // Infinite scroll: the next page is asked for while two screens of
    // loaded rows are still below the view.
    Effect::new(move |_| {
        let (_, end) = window.get();
        let screen = (viewport_height.get() / ROW_HEIGHT).ceil() as usize;
        let near_the_end = end + 2 * screen >= rows.with(VecDeque::len);
        if near_the_end
            && first.with(|first| *first == FirstPage::Loaded)
            && next_cursor.with(Option::is_some)
            && !loading_more.get()
            && more_error.with(Option::is_none)
        {
            load_more();
        }
    });

    // Live mode: new records on top while the visitor is there; held back
    // (and counted) while they have scrolled away, so rows do not move
    // under their eyes.
    let live = RwSignal::new(false);
    let live_connected = RwSignal::new(false);
    // Records the server skipped because this page fell behind: said, not hidden.
    let live_missed = RwSignal::new(0_u64);
    let held_back = RwSignal::new(Vec::<RequestEntry>::new());
    let live_filter = Memo::new(move |_| {
        query.with(|pairs| {
            LogFilter::parse(pairs.iter().map(|(name, value)| (*name, value.as_str()))).ok()
        })
    });
    let at_top = move || scroll_top.get_untracked() < ROW_HEIGHT / 2.0;
    let prepend = move |entries: Vec<RequestEntry>| {
        let mut added = 0;
        rows.update(|rows| {
            for entry in entries {
                // A record can come both live and in the first page.
                if !rows.iter().take(200).any(|row| row.id == entry.id) {
                    rows.push_front(entry);
                    added += 1;
                }
            }
        });
        total.update(|total| {
            if let Some(total) = total {
                total.count += added;
            }
        });
    };
    let resume = move || {
        let entries = held_back.try_update(std::mem::take).unwrap_or_default();
        prepend(entries);
        if let Some(viewport) = viewport.get_untracked() {
            viewport.set_scroll_top(0);
        }
    };
    keep_live(
        live.into(),
        live_url,
        move |entry: RequestEntry| {
            let wanted = first.with_untracked(|first| *first == FirstPage::Loaded)
                && live_filter.with_untracked(|filter| {
                    filter.as_ref().is_some_and(|filter| filter.matches(&entry))
                });
            if !wanted {
                return;
            }
            if at_top() && held_back.with_untracked(Vec::is_empty) {
                prepend(vec![entry]);
            } else {
                held_back.update(|held| held.push(entry));
            }
        },
        move |missed| live_missed.update(|total| *total += missed),
        move |connected| live_connected.set(connected),
    );
    // Back at the top, the held-back records come in by themselves.
    Effect::new(move |_| {
        if scroll_top.get() < ROW_HEIGHT / 2.0 && held_back.with(|held| !held.is_empty()) {
            resume();
        }
    });
    Effect::new(move |_| {
        // A new filter starts from what the server has; what was held is in it.
        applied.track();
        query.track();
        held_back.set(Vec::new());
        live_missed.set(0);
    });

    // Columns, as remembered in this browser.
    let columns = RwSignal::new(default_columns());
    Effect::new(move |_| {
        if let Some(saved) = load_columns() {
            columns.set(saved);
        }
    });
    let editing_columns = RwSignal::new(false);
    let shown_columns = Memo::new(move |_| {
        columns.with(|choices| {
            choices
                .iter()
                .filter(|choice| choice.shown)
                .map(|choice| choice.column)
                .collect::<Vec<_>>()
        })
    });
    // Set as properties (CSSOM), never as a `style` attribute, which the
    // console's Content-Security-Policy (`style-src 'self'`) refuses.
    let column_tracks = move || {
        shown_columns.with(|columns| {
            columns
                .iter()
                .map(|column| column.track())
                .collect::<Vec<_>>()
                .join(" ")
        })
    };

    // The details panel gives focus back to the row's button, or to the
    // log when that row has scrolled out of existence.
    let selected = RwSignal::new(None::<String>);
    let return_focus = Callback::new(move |id: String| {
        use wasm_bindgen::JsCast;
        let button = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id(&open_button_id(&id)))
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        match button {
            Some(button) => {
                let _ = button.focus();
            }
            None => {
                if let Some(viewport) = viewport.get_untracked() {
                    let _ = viewport.focus();
                }
            }
        }
    });

    let origin = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(window) = web_sys::window() {
            origin.set(window.location().origin().unwrap_or_default());
        }
    });
    let export_url =
        move || client.with_value(|client| client.request_log_export_url(&query.get()));
    let narrowed = move || applied.with(LogFilterForm::narrows);

    let toolbar = view! {
        <div class="ks-log__toolbar">
            <p class="ks-log__total" data-testid="log-total" aria-live="polite">
                {move || match (first.get(), total.get()) {
                    (FirstPage::Loaded, Some(total)) => {
                        let loaded = rows.with(VecDeque::len) as u64;
                        let shown = if loaded < total.count || !total.exact {
                            format!(" · {} loaded", grouped(loaded))
                        } else {
                            String::new()
                        };
                        format!("{}{shown}", total_text(total))
                    }
                    (FirstPage::Loading, _) => "Counting…".to_owned(),
                    _ => String::new(),
                }}
            </p>
            {move || {
                let held = held_back.with(Vec::len);
                (held > 0)
                    .then(|| {
                        view! {
                            <button class="ks-button ks-log__resume" data-testid="log-resume" on:click=move |_| resume()>
                                {format!("{held} new — resume")}
                            </button>
                        }
                    })
            }}
            {move || {
                let missed = live_missed.get();
                (missed > 0)
                    .then(|| {
                        view! {
                            <span class="ks-log__missed" role="status">
                                {format!("Live mode skipped {} — Apply to see all", grouped(missed))}
                            </span>
                        }
                    })
            }}
            <button
                class="ks-button ks-log__live"
                class:ks-log__live--on=move || live.get()
                aria-pressed=move || if live.get() { "true" } else { "false" }
                on:click=move |_| live.update(|live| *live = !*live)
            >
                <span class="ks-log__live-dot" aria-hidden="true"></span>
                {move || match (live.get(), live_connected.get()) {
                    (false, _) => "Live",
                    (true, true) => "Live: on",
                    (true, false) => "Live: connecting…",
                }}
            </button>
            <button
                class="ks-button"
                aria-expanded=move || if editing_columns.get() { "true" } else { "false" }
                aria-controls="ks-log-columns"
                on:click=move |_| editing_columns.update(|open| *open = !*open)
            >
                "Edit columns"
            </button>
            <a class="ks-button" href=export_url download="requests.csv">"Export CSV"</a>
        </div>
    };

    let header = move || {
        shown_columns
            .get()
            .into_iter()
            .map(|column| view! { <div class="ks-log__cell" role="columnheader">{column.label()}</div> })
            .collect_view()
    };
    let visible_rows = move || {
        let (start, end) = window.get();
        rows.with(|rows| {
            rows.range(start..end)
                .enumerate()
                .map(|(offset, entry)| (start + offset, entry.clone()))
                .collect::<Vec<_>>()
        })
    };
    let rows_above = move || format!("{}px", window.get().0 as f64 * ROW_HEIGHT);
    let rows_below = move || {
        let (_, end) = window.get();
        format!(
            "{}px",
            rows.with(VecDeque::len).saturating_sub(end) as f64 * ROW_HEIGHT
        )
    };

    // A memo, so the body below is rebuilt when the log turns empty or not,
    // not on every page that arrives.
    let nothing_to_show =
        Memo::new(move |_| rows.with(VecDeque::is_empty) && held_back.with(Vec::is_empty));
    let body = move || {
        match first.get() {
        FirstPage::Failed(error) if problem.with(Option::is_some) => {
            let _ = error;
            view! {
                <div class="ks-state ks-state--error" role="alert">
                    <p class="ks-state__title">"Check the highlighted filter"</p>
                    <p class="ks-state__detail">{move || problem.get().map(|problem| problem.message)}</p>
                </div>
            }
            .into_any()
        }
        FirstPage::Failed(error) => view! { <ErrorPanel error on_retry=load_first /> }.into_any(),
        FirstPage::Loaded if nothing_to_show.get() => {
            if narrowed() {
                view! {
                    <div class="ks-state ks-state--empty" data-testid="log-empty">
                        <p class="ks-state__title">"No requests match these filters"</p>
                        <p class="ks-state__detail">"Widen the time range or clear a filter to see more."</p>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <div class="ks-state ks-state--empty" data-testid="log-empty">
                        <p class="ks-state__title">"No requests yet"</p>
                        <p class="ks-state__detail">
                            "Every call made with an API key is listed here. Make one, then turn on Live to watch it arrive:"
                        </p>
                        <pre class="ks-log__curl"><code>
                            {move || format!(
                                "curl -H \"Authorization: Bearer <your key>\" {}/v1/key",
                                origin.get()
                            )}
                        </code></pre>
                    </div>
                }
                .into_any()
            }
        }
        _ => view! {
            <div
                class="ks-log__viewport"
                node_ref=viewport
                tabindex="0"
                aria-label="Request log, scrollable"
                on:scroll=move |_| measure()
            >
                <div
                    class="ks-log__table"
                    role="table"
                    data-testid="log-table"
                    aria-rowcount=move || rows.with(VecDeque::len) + 1
                    aria-busy=move || if first.get() == FirstPage::Loading { "true" } else { "false" }
                >
                    <div class="ks-log__row ks-log__row--header" role="row" aria-rowindex="1">{header}</div>
                    <div class="ks-log__spacer" aria-hidden="true" style:height=rows_above></div>
                    <For
                        each=visible_rows
                        key=|(_, entry)| entry.id.clone()
                        children=move |(index, entry)| {
                            view! { <LogRow entry index columns=shown_columns selected /> }
                        }
                    />
                    <div class="ks-log__spacer" aria-hidden="true" style:height=rows_below></div>
                </div>
                {move || {
                    (first.get() == FirstPage::Loading)
                        .then(|| view! { <div class="ks-log__loading" role="status"><span class="ks-spinner" aria-hidden="true"></span>"Loading requests…"</div> })
                }}
            </div>
        }
        .into_any(),
    }
    };

    let pager = move || {
        if first.get() != FirstPage::Loaded {
            return None;
        }
        if let Some(error) = more_error.get() {
            return Some(
                view! {
                    <div class="ks-log__more ks-form__error" role="alert">
                        {format!("The next page did not load: {error}")}
                        <button class="ks-button" on:click=move |_| {
                            more_error.set(None);
                            load_more();
                        }>"Retry"</button>
                    </div>
                }
                .into_any(),
            );
        }
        next_cursor.with(Option::is_some).then(|| {
            view! {
                <div class="ks-log__more">
                    <button class="ks-button" disabled=move || loading_more.get() on:click=move |_| load_more()>
                        {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                    </button>
                </div>
            }
            .into_any()
        })
    };

    // The dates in force, and a line saying so when they are the defaults'
    // (the dashboard's range) rather than the viewer's own.
    let in_force = move |name: &str| {
        query.with(|pairs| {
            pairs
                .iter()
                .find(|(field, _)| *field == name)
                .map(|(_, value)| value.clone())
        })
    };
    let window_note = move || {
        let own_dates =
            applied.with(|form| !form.from.trim().is_empty() || !form.to.trim().is_empty());
        let from = in_force("from").filter(|_| !own_dates)?;
        let since = chrono::DateTime::parse_from_rfc3339(&from)
            .map(|at| exact_local_time(at.with_timezone(&chrono::Utc)))
            .unwrap_or(from);
        Some(view! {
            <p class="ks-muted ks-log__window" data-testid="log-window">
                {format!("Since {since}, the dashboard's range. Dates in the filters override it.")}
            </p>
        })
    };

    view! {
        <section
            class="ks-log"
            style=("--ks-log-columns", column_tracks)
            style=("--ks-log-row-height", format!("{ROW_HEIGHT}px"))
            aria-label="Request log"
            data-from=move || in_force("from")
            data-to=move || in_force("to")
        >
            <LogFilters applied fixed_key_id=key_id problem />
            {window_note}
            {toolbar}
            {move || editing_columns.get().then(|| view! { <div id="ks-log-columns"><ColumnEditor columns /></div> })}
            {body}
            {pager}
            <RequestDetails client=client.get_value() selected on_close=return_focus />
        </section>
    }
}

/// The time in the viewer's zone, to the second: "Nov 27, 2026, 05:22:22".
/// One `Intl.DateTimeFormat` serves every row; `toLocaleString` would build
/// a formatter for each call, which shows when a fast scroll renders dozens
/// of rows a frame.
#[cfg(target_arch = "wasm32")]
fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    use wasm_bindgen::JsValue;
    thread_local! {
        static FORMAT: js_sys::Function = {
            let options = js_sys::Object::new();
            for (name, value) in [
                ("year", "numeric"),
                ("month", "short"),
                ("day", "numeric"),
                ("hour", "2-digit"),
                ("minute", "2-digit"),
                ("second", "2-digit"),
            ] {
                let _ = js_sys::Reflect::set(&options, &name.into(), &value.into());
            }
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format()
        };
    }
    FORMAT.with(|format| {
        format
            .call1(
                &JsValue::NULL,
                &JsValue::from_f64(at.timestamp_millis() as f64),
            )
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| keyscope_model::timestamp::format(&at))
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%b %-d, %Y, %H:%M:%S UTC").to_string()
}

fn open_button_id(request_id: &str) -> String {
    format!("ks-log-open-{request_id}")
}

/// One record's row; its cells follow the chosen columns.
#[component]
fn LogRow(
    entry: RequestEntry,
    index: usize,
    columns: Memo<Vec<Column>>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = entry.id.clone();
    let row_id = entry.id.clone();
    let cells = move || {
        columns
            .get()
            .into_iter()
            .map(|column| {
                let cell = match column {
                    Column::RequestId => {
                        let id = entry.id.clone();
                        view! {
                            <button
                                class="ks-log__open"
                                id=open_button_id(&id)
                                title="Show this request's details"
                                on:click={
                                    let id = id.clone();
                                    move |_| selected.set(Some(id.clone()))
                                }
                            >
                                {id.clone()}
                            </button>
                        }
                        .into_any()
                    }
                    Column::Timestamp => view! {
                        <time datetime=keyscope_model::timestamp::format(&entry.timestamp)>
                            {local_time(entry.timestamp)}
                        </time>
                    }
                    .into_any(),
                    Column::Method => view! { <MethodBadge method=entry.method.clone() /> }.into_any(),
                    Column::Endpoint => view! {
                        <span class="ks-log__endpoint" title=entry.endpoint.clone()>{entry.endpoint.clone()}</span>
                    }
                    .into_any(),
                    Column::Status => view! { <OutcomeBadge outcome=entry.outcome /> }.into_any(),
                    Column::ResponseCode => view! { <span>{entry.response_code}</span> }.into_any(),
                    Column::Latency => view! { <span>{format!("{} ms", entry.latency_ms)}</span> }.into_any(),
                    Column::KeyId => view! { <code>{entry.key_id.clone().unwrap_or_default()}</code> }.into_any(),
                    Column::ClientIp => view! { <span>{entry.client_ip.clone().unwrap_or_default()}</span> }.into_any(),
                };
                view! { <div class="ks-log__cell" role="cell" data-column=column_name(column)>{cell}</div> }
            })
            .collect_view()
    };
    view! {
        <div
            class="ks-log__row"
            class:ks-log__row--selected=move || selected.with(|selected| selected.as_deref() == Some(id.as_str()))
            role="row"
            aria-rowindex=index + 2
            data-request-id=row_id
        >
            {cells}
        </div>
    }
}

fn column_name(column: Column) -> &'static str {
    match column {
        Column::RequestId => "request_id",
        Column::Timestamp => "timestamp",
        Column::Method => "method",
        Column::Endpoint => "endpoint",
        Column::Status => "status",
        Column::ResponseCode => "response_code",
        Column::Latency => "latency",
        Column::KeyId => "key_id",
        Column::ClientIp => "client_ip",
    }
}

/// The filter field a 400 names, with the server's message.
fn field_problem(error: &ApiClientError) -> Option<FieldProblem> {
    match error {
        ApiClientError::Api { status: 400, error } => {
            let field = error.details.as_ref()?.get("field")?.as_str()?.to_owned();
            Some(FieldProblem {
                field,
                message: error.message.clone(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_rows_in_view_and_a_margin_are_rendered() {
        // At the top: the first screen plus the overscan.
        let (start, end) = visible_range(0.0, 360.0, 100_000);
        assert_eq!(start, 0);
        assert_eq!(end, 11 + OVERSCAN);
        // Deep down: a window around the scroll position, never the whole list.
        let (start, end) = visible_range(ROW_HEIGHT * 50_001.0, 360.0, 100_000);
        assert_eq!(start, 50_000 - OVERSCAN);
        assert_eq!(end - start, 11 + 2 * OVERSCAN);
        // Past the end: clamped.
        assert_eq!(visible_range(1.0e9, 360.0, 40), (40, 40));
        assert_eq!(visible_range(0.0, 360.0, 5), (0, 5));
    }

    #[test]
    fn totals_say_whether_they_are_exact() {
        assert_eq!(total_text(LogTotal::exact(1)), "1 request");
        assert_eq!(total_text(LogTotal::exact(1_234)), "1,234 requests");
        assert_eq!(
            total_text(LogTotal::at_least(10_000)),
            "More than 10,000 requests"
        );
        assert_eq!(
            total_text(LogTotal::estimate(50_012)),
            "About 50,012 requests"
        );
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(999), "999");
    }
}
