//! The usage dashboard of a key, a project or the workspace: four totals,
//! donuts by HTTP method and by response code, the top endpoints and the
//! requests over time, for a range the viewer picks.

use crate::api::usage::UsageScope;
use crate::api::{ApiClient, ApiClientError};
use crate::components::{ErrorPanel, Loading};
use crate::format::grouped;
use crate::widgets::{DailyBarChart, DonutChart, Slice, Tone};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use keyscope_model::usage::{Count, Granularity, UsageSummary};
use leptos::prelude::*;

/// The span a dashboard covers: a preset ending now, or whole UTC days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UsageRange {
    Last24Hours,
    #[default]
    Last7Days,
    Last30Days,
    /// From the start of `from` to the end of `to` (both UTC days, inclusive).
    Days {
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl UsageRange {
    /// Reads `?range=24h|7d|30d` or `?from=YYYY-MM-DD&to=YYYY-MM-DD`; anything
    /// else is the default, the last 7 days.
    pub fn from_query(range: Option<&str>, from: Option<&str>, to: Option<&str>) -> Self {
        let day = |text: Option<&str>| text.and_then(|text| text.parse::<NaiveDate>().ok());
        if let (Some(from), Some(to)) = (day(from), day(to)) {
            if from <= to {
                return UsageRange::Days { from, to };
            }
        }
        match range {
            Some("24h") => UsageRange::Last24Hours,
            Some("30d") => UsageRange::Last30Days,
            _ => UsageRange::Last7Days,
        }
    }

    /// The query string (without `?`) that [`UsageRange::from_query`] reads back.
    pub fn to_query(&self) -> String {
        match self {
            UsageRange::Days { from, to } => format!("from={from}&to={to}"),
            preset => format!("range={}", preset.preset_name()),
        }
    }

    /// `24h`, `7d`, `30d`, or `days` for a custom range: the picker's value.
    fn preset_name(&self) -> &'static str {
        match self {
            UsageRange::Last24Hours => "24h",
            UsageRange::Last7Days => "7d",
            UsageRange::Last30Days => "30d",
            UsageRange::Days { .. } => "days",
        }
    }

    /// The half-open span to ask `GET /v1/usage` for.
    pub fn bounds(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            UsageRange::Last24Hours => (now - Duration::hours(24), now),
            UsageRange::Last7Days => (now - Duration::days(7), now),
            UsageRange::Last30Days => (now - Duration::days(30), now),
            UsageRange::Days { from, to } => (
                from.and_time(chrono::NaiveTime::MIN).and_utc(),
                (*to + Duration::days(1))
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc(),
            ),
        }
    }
}

impl UsageRange {
    /// The span of the request log below a dashboard: the requests its cards
    /// count. Usage is summed by whole hours, from the start of the hour the
    /// range begins in (the summary's `from`), so the log starts there too; a
    /// preset's log stays open at the end, so requests made after the page
    /// opened still show.
    pub fn log_window(&self, now: DateTime<Utc>) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        let (from, to) = self.bounds(now);
        match self {
            UsageRange::Days { .. } => (from, Some(to)),
            _ => {
                let hour = Duration::hours(1).num_milliseconds();
                let past_hour = from.timestamp_millis().rem_euclid(hour);
                (from - Duration::milliseconds(past_hour), None)
            }
        }
    }
}

/// A fetched summary, with the range it was asked for.
type Fetched = (UsageRange, Result<UsageSummary, ApiClientError>);

/// The dashboard. The range comes in as a prop and changes go out through
/// `on_range_change`, so a page can keep it in its URL and an embedding page
/// wherever it likes.
#[component]
pub fn UsageDashboard(
    client: ApiClient,
    scope: UsageScope,
    #[prop(into)] range: Signal<UsageRange>,
    #[prop(into)] on_range_change: Callback<UsageRange>,
) -> impl IntoView {
    let empty_hint_scope = scope.clone();
    let usage = LocalResource::new(move || {
        let client = client.clone();
        let scope = scope.clone();
        let range = range.get();
        async move {
            let (from, to) = range.bounds(crate::format::now());
            (range, client.usage_summary(&scope, from, to).await) as Fetched
        }
    });
    // The last summary that arrived, kept on screen while the next one loads
    // so the charts update in place instead of being rebuilt.
    let summary = Memo::new(
        move |previous: Option<&Option<UsageSummary>>| match usage.get() {
            Some((_, Ok(summary))) => Some(summary),
            _ => previous.cloned().flatten(),
        },
    );
    let error = Memo::new(move |_| usage.get().and_then(|(_, result)| result.err()));
    let state = move || match usage.get() {
        Some((fetched_range, result)) if fetched_range == range.get() => {
            if result.is_ok() {
                "ready"
            } else {
                "error"
            }
        }
        _ => "loading",
    };
    let has_summary = move || summary.with(Option::is_some);
    let totals = Signal::derive(move || {
        summary
            .with(|s| s.as_ref().map(|s| s.totals))
            .unwrap_or_default()
    });
    let by_method = Signal::derive(move || slices(summary, |s| &s.by_method, Tone::of_method));
    let by_response_code =
        Signal::derive(move || slices(summary, |s| &s.by_response_code, Tone::of_response_code));
    let series = Signal::derive(move || {
        summary.with(|s| s.as_ref().map(|s| s.series.clone()).unwrap_or_default())
    });
    let series_label = move || match summary.with(|s| s.as_ref().map(|s| s.granularity)) {
        Some(Granularity::Hour) => "Requests per hour",
        _ => "Requests per day (UTC)",
    };
    let top_endpoints = Signal::derive(move || {
        summary.with(|s| {
            s.as_ref()
                .map(|s| s.top_endpoints.clone())
                .unwrap_or_default()
        })
    });
    let is_empty = move || summary.with(|s| s.as_ref().is_some_and(|s| s.totals.total == 0));
    let timestamp = |at: Option<DateTime<Utc>>| at.map(|at| keyscope_model::timestamp::format(&at));

    view! {
        <section
            class="ks-usage"
            data-testid="usage-dashboard"
            data-state=state
            data-from=move || timestamp(summary.with(|s| s.as_ref().map(|s| s.from)))
            data-to=move || timestamp(summary.with(|s| s.as_ref().map(|s| s.to)))
            aria-busy=move || (state() == "loading").to_string()
        >
            <div class="ks-usage__toolbar">
                <RangePicker range on_range_change />
                <span class="ks-muted ks-small" role="status" aria-live="polite">
                    {move || (state() == "loading" && has_summary()).then_some("Updating…")}
                </span>
            </div>
            {move || {
                error
                    .get()
                    .map(|error| view! { <ErrorPanel error on_retry=move || usage.refetch() /> })
            }}
            <Show
                when=has_summary
                fallback=move || {
                    (error.with(Option::is_none))
                        .then(|| view! { <Loading label="Loading usage…" /> })
                }
            >
                <div class="ks-usage__cards">
                    <UsageCard label="Total Requests" tone="total" test_id="usage-total" value=Signal::derive(move || totals.get().total) />
                    <UsageCard label="Completed" tone="green" test_id="usage-completed" value=Signal::derive(move || totals.get().completed) />
                    <UsageCard label="Failed" tone="red" test_id="usage-failed" value=Signal::derive(move || totals.get().failed) />
                    <UsageCard label="Rate Limited" tone="orange" test_id="usage-rate-limited" value=Signal::derive(move || totals.get().rate_limited) />
                </div>
                {
                    let scope = empty_hint_scope.clone();
                    move || is_empty().then(|| view! { <NoRequestsYet scope=scope.clone() /> })
                }
                <div class="ks-usage__grid">
                    <div class="ks-usage__wide" data-testid="usage-series">
                        <DailyBarChart points=series label=Signal::derive(move || series_label().to_owned()) />
                    </div>
                    <div data-testid="usage-by-method">
                        <DonutChart slices=by_method label="Requests by HTTP method" />
                    </div>
                    <div data-testid="usage-by-response-code">
                        <DonutChart slices=by_response_code label="Requests by response code" />
                    </div>
                    <TopEndpoints endpoints=top_endpoints />
                </div>
            </Show>
        </section>
    }
}

fn slices(
    summary: Memo<Option<UsageSummary>>,
    counts: impl Fn(&UsageSummary) -> &Vec<Count>,
    tone: impl Fn(&str) -> Tone,
) -> Vec<Slice> {
    summary.with(|summary| {
        summary
            .as_ref()
            .map(|summary| {
                counts(summary)
                    .iter()
                    .map(|count| Slice {
                        name: count.name.clone(),
                        count: count.count,
                        tone: tone(&count.name),
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Presets in a select; "Custom dates" adds two date fields and Apply.
#[component]
fn RangePicker(range: Signal<UsageRange>, on_range_change: Callback<UsageRange>) -> impl IntoView {
    // "Custom dates" picked while this range was shown: the date fields stay
    // open until a range is applied (or Back changes it).
    let choosing_days_from = RwSignal::new(None::<UsageRange>);
    let choosing_days = move || choosing_days_from.get() == Some(range.get());
    let today = crate::format::now().date_naive();
    let (from, to) = match range.get_untracked() {
        UsageRange::Days { from, to } => (from, to),
        _ => (today - Duration::days(6), today),
    };
    let from_text = RwSignal::new(from.to_string());
    let to_text = RwSignal::new(to.to_string());
    let show_days = move || choosing_days() || matches!(range.get(), UsageRange::Days { .. });
    let on_select = move |event: leptos::ev::Event| match event_target_value(&event).as_str() {
        "24h" => on_range_change.run(UsageRange::Last24Hours),
        "7d" => on_range_change.run(UsageRange::Last7Days),
        "30d" => on_range_change.run(UsageRange::Last30Days),
        _ => choosing_days_from.set(Some(range.get_untracked())),
    };
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let range = UsageRange::from_query(None, Some(&from_text.get()), Some(&to_text.get()));
        if matches!(range, UsageRange::Days { .. }) {
            choosing_days_from.set(None);
            on_range_change.run(range);
        }
    };
    let selected = move || {
        if choosing_days() {
            "days"
        } else {
            range.get().preset_name()
        }
    };
    view! {
        <form class="ks-range" on:submit=apply>
            <label class="ks-range__field">
                <span>"Time range"</span>
                <select data-testid="usage-range" on:change=on_select prop:value=selected>
                    <option value="24h" selected=move || selected() == "24h">"Last 24 hours"</option>
                    <option value="7d" selected=move || selected() == "7d">"Last 7 days"</option>
                    <option value="30d" selected=move || selected() == "30d">"Last 30 days"</option>
                    <option value="days" selected=move || selected() == "days">"Custom dates"</option>
                </select>
            </label>
            <Show when=show_days>
                <label class="ks-range__field">
                    <span>"From (UTC)"</span>
                    <input type="date" bind:value=from_text required />
                </label>
                <label class="ks-range__field">
                    <span>"To (UTC)"</span>
                    <input type="date" bind:value=to_text required />
                </label>
                <button class="ks-button" type="submit">"Apply"</button>
            </Show>
        </form>
    }
}

#[component]
fn UsageCard(
    label: &'static str,
    tone: &'static str,
    test_id: &'static str,
    value: Signal<u64>,
) -> impl IntoView {
    view! {
        <div class=format!("ks-usage-card ks-usage-card--{tone}")>
            <div class="ks-usage-card__label">{label}</div>
            <div class="ks-usage-card__value" data-testid=test_id data-value=move || value.get().to_string()>
                {move || grouped(value.get())}
            </div>
        </div>
    }
}

#[component]
fn TopEndpoints(endpoints: Signal<Vec<Count>>) -> impl IntoView {
    let rows = move || {
        let endpoints = endpoints.get();
        let busiest = endpoints
            .iter()
            .map(|count| count.count)
            .max()
            .unwrap_or(0)
            .max(1);
        endpoints
            .into_iter()
            .map(|endpoint| {
                // A property (CSSOM), not a `style` attribute: the console's
                // Content-Security-Policy refuses inline style attributes.
                let share = format!("{}%", endpoint.count * 100 / busiest);
                let name = endpoint.name.clone();
                let title = endpoint.name.clone();
                view! {
                    <li class="ks-endpoints__row" data-endpoint=name data-count=endpoint.count.to_string()>
                        <code class="ks-endpoints__name" title=title>{endpoint.name}</code>
                        <span class="ks-endpoints__count">{grouped(endpoint.count)}</span>
                        <span class="ks-endpoints__bar" style:width=share aria-hidden="true"></span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="ks-endpoints ks-usage__wide" data-testid="usage-top-endpoints" aria-labelledby="ks-endpoints-title">
            <h2 class="ks-chart__title" id="ks-endpoints-title">"Top endpoints"</h2>
            <Show
                when=move || endpoints.with(|endpoints| !endpoints.is_empty())
                fallback=|| view! { <p class="ks-muted">"No requests in this range"</p> }
            >
                <ol class="ks-endpoints__list">{rows}</ol>
            </Show>
        </section>
    }
}

/// The empty state: how to make the first call.
#[component]
fn NoRequestsYet(scope: UsageScope) -> impl IntoView {
    // The origin is read after mount: the component must render on a server too.
    let origin = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(window) = web_sys::window() {
            origin.set(window.location().origin().unwrap_or_default());
        }
    });
    let whose = match scope {
        UsageScope::Key(_) => "this key",
        UsageScope::Project(_) => "a key of this project",
        UsageScope::Workspace => "any key",
    };
    view! {
        <div class="ks-state ks-state--empty" data-testid="usage-empty">
            <p class="ks-state__title">"No requests in this range"</p>
            <p class="ks-state__detail">{format!("Calls made with {whose} show up here within seconds. Try one:")}</p>
            <pre class="ks-usage__curl"><code>
                {move || format!("curl -H \"Authorization: Bearer <your key>\" {}/v1/key", origin.get())}
            </code></pre>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("valid date")
    }

    fn day_start(text: &str) -> DateTime<Utc> {
        day(text).and_time(chrono::NaiveTime::MIN).and_utc()
    }

    #[test]
    fn a_range_survives_the_round_trip_through_the_url() {
        for range in [
            UsageRange::Last24Hours,
            UsageRange::Last7Days,
            UsageRange::Last30Days,
            UsageRange::Days {
                from: day("2026-11-01"),
                to: day("2026-11-07"),
            },
        ] {
            let query = range.to_query();
            let pairs: Vec<(&str, &str)> = query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .collect();
            let get = |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, v)| *v);
            assert_eq!(
                UsageRange::from_query(get("range"), get("from"), get("to")),
                range
            );
        }
    }

    #[test]
    fn unknown_or_backwards_ranges_fall_back_to_the_last_seven_days() {
        assert_eq!(
            UsageRange::from_query(Some("1y"), None, None),
            UsageRange::Last7Days
        );
        assert_eq!(
            UsageRange::from_query(None, Some("2026-11-07"), Some("2026-11-01")),
            UsageRange::Last7Days
        );
    }

    #[test]
    fn custom_days_cover_whole_utc_days_inclusive() {
        let (from, to) = UsageRange::Days {
            from: day("2026-11-01"),
            to: day("2026-11-01"),
        }
        .bounds(Utc::now());
        assert_eq!(
            keyscope_model::timestamp::format(&from),
            "2026-11-01T00:00:00.000Z"
        );
        assert_eq!(
            keyscope_model::timestamp::format(&to),
            "2026-11-02T00:00:00.000Z"
        );
    }

    #[test]
    fn a_presets_log_starts_at_the_hour_its_range_begins_in_and_stays_open() {
        let now = "2026-11-27T08:41:30.250Z"
            .parse::<DateTime<Utc>>()
            .expect("a time");
        let (from, to) = UsageRange::Last24Hours.log_window(now);
        assert_eq!(
            keyscope_model::timestamp::format(&from),
            "2026-11-26T08:00:00.000Z"
        );
        assert_eq!(to, None);
        let on_the_hour = "2026-11-27T08:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("a time");
        let (from, _) = UsageRange::Last7Days.log_window(on_the_hour);
        assert_eq!(
            keyscope_model::timestamp::format(&from),
            "2026-11-20T08:00:00.000Z"
        );
        let days = UsageRange::Days {
            from: day("2026-11-01"),
            to: day("2026-11-02"),
        };
        assert_eq!(
            days.log_window(now),
            (day_start("2026-11-01"), Some(day_start("2026-11-03")))
        );
    }
}
