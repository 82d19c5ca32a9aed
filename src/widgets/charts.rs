//! Charts drawn by the vendored ECharts (`public/vendor/echarts`): a donut of
//! named counts and a bar chart of a time series.
//!
//! Each chart is created once, after mount, on its own container element, and
//! then updated in place (`setOption`) whenever its data signal changes; it
//! follows its container's size (ResizeObserver), takes its colours from the
//! page's `--ks-*` custom properties (again when the colour scheme flips), and
//! is disposed with the component. Nothing touches `window` or ECharts while
//! the view is being built, so the same components render on a server.
//!
//! The numbers are always in the page as well: a visually hidden table for
//! screen readers, and JSON in `data-slices` / `data-series` on the figure so
//! tests and embedding pages read values rather than pixels.
//!
//! charming builds the options (typed); its own wasm renderer is not used: it
//! finds containers by document id (no shadow roots, unique ids), re-creates
//! the chart on every `render` and has no `dispose`. The four ECharts calls
//! needed are bound below instead.

use charming::component::{Aria, Axis, Grid, Legend};
use charming::datatype::DataPointItem;
use charming::element::{
    AxisLabel, AxisLine, AxisTick, AxisType, ItemStyle, Label, LineStyle, SplitLine, TextStyle,
    Tooltip, Trigger,
};
use charming::series::{Bar, Pie};
use charming::Chart;
use chrono::{DateTime, Duration, Utc};
use keyscope_model::usage::Point;
use leptos::html;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

/// One slice of a donut: a name and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub name: String,
    pub count: u64,
    pub tone: Tone,
}

/// The theme colour a slice is drawn in (the page's `--ks-*` colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Green,
    Blue,
    Orange,
    Red,
    Accent,
    Grey,
}

impl Tone {
    /// The method colours of the request badges (seed 004): GET green, POST
    /// blue, PUT and PATCH orange, DELETE red.
    pub fn of_method(method: &str) -> Self {
        match method {
            "GET" | "HEAD" => Tone::Green,
            "POST" => Tone::Blue,
            "PUT" | "PATCH" => Tone::Orange,
            "DELETE" => Tone::Red,
            _ => Tone::Grey,
        }
    }

    /// Success green, redirects blue, 429 orange (the "Rate Limited" card),
    /// other client errors grey, server errors red.
    pub fn of_response_code(code: &str) -> Self {
        match code.parse::<u16>() {
            Ok(200..=299) => Tone::Green,
            Ok(300..=399) => Tone::Blue,
            Ok(429) => Tone::Orange,
            Ok(400..=499) => Tone::Grey,
            Ok(500..=599) => Tone::Red,
            _ => Tone::Accent,
        }
    }
}

/// A donut of named counts, e.g. requests by HTTP method or by response code.
#[component]
pub fn DonutChart(
    /// The slices, in the order they are drawn and listed.
    #[prop(into)]
    slices: Signal<Vec<Slice>>,
    /// What is counted, e.g. "Requests by HTTP method": the heading, the
    /// table caption and the chart's accessible name.
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let container = NodeRef::<html::Div>::new();
    let chart = use_chart(
        container,
        change_counter(move || slices.track()),
        move |palette| {
            slices.with(|slices| label.with(|label| donut_option(label, slices, palette)))
        },
    );
    let slices_json = move || {
        slices.with(|slices| {
            Value::from(
                slices
                    .iter()
                    .map(|slice| json!({ "name": slice.name, "count": slice.count }))
                    .collect::<Vec<_>>(),
            )
            .to_string()
        })
    };
    let is_empty = move || slices.with(|slices| slices.iter().all(|slice| slice.count == 0));
    let rows = move || {
        slices
            .get()
            .into_iter()
            .map(|slice| {
                view! {
                    <tr>
                        <th scope="row">{slice.name}</th>
                        <td>{slice.count}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <ChartFigure kind="donut" label=label container=container chart=chart first_column="Name" empty=Signal::derive(is_empty) {..} data-slices=slices_json>
            {rows}
        </ChartFigure>
    }
}

/// Bars of a time series, one per hour or day (flat bars where nothing
/// happened), e.g. the last seven days of a key's requests.
#[component]
pub fn DailyBarChart(
    /// One point per hour or day, as `GET /v1/usage` returns them; the bar is
    /// the point's total.
    #[prop(into)]
    points: Signal<Vec<Point>>,
    /// What is counted, e.g. "Requests per day".
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let container = NodeRef::<html::Div>::new();
    let chart = use_chart(
        container,
        change_counter(move || points.track()),
        move |palette| points.with(|points| label.with(|label| bar_option(label, points, palette))),
    );
    let series_json = move || {
        points.with(|points| {
            Value::from(
                points
                    .iter()
                    .map(|point| {
                        json!({
                            "start": keyscope_model::timestamp::format(&point.start),
                            "count": point.totals.total,
                        })
                    })
                    .collect::<Vec<_>>(),
            )
            .to_string()
        })
    };
    let rows = move || {
        points.with(|points| {
            let hourly = is_hourly(points);
            points
                .iter()
                .map(|point| {
                    view! {
                        <tr>
                            <th scope="row">{bucket_label(point.start, hourly)}</th>
                            <td>{point.totals.total}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <ChartFigure kind="bars" label=label container=container chart=chart first_column="Period" {..} data-series=series_json>
            {rows}
        </ChartFigure>
    }
}

/// What both charts draw around their canvas: the title, a note when there
/// is nothing to draw, and the numbers as a table (for screen readers, and
/// in the chart's place when ECharts is missing). Each chart spreads its
/// data attribute (`data-slices`, `data-series`) onto the figure.
#[component]
fn ChartFigure(
    /// `donut` or `bars`: the figure's modifier class.
    kind: &'static str,
    label: Signal<String>,
    container: NodeRef<html::Div>,
    chart: ChartState,
    /// The heading of the table's first column.
    first_column: &'static str,
    /// When true, the "No requests in this range" note shows.
    #[prop(optional)]
    empty: Option<Signal<bool>>,
    /// The table's rows.
    children: Children,
) -> impl IntoView {
    let empty = empty.unwrap_or_else(|| Signal::stored(false));
    view! {
        <figure class=format!("ks-chart ks-chart--{kind}") data-ready=move || chart.ready.get().then_some("true")>
            <figcaption class="ks-chart__title">{label}</figcaption>
            <div class="ks-chart__canvas" node_ref=container role="img" aria-label=label></div>
            <Show when=move || empty.get()>
                <p class="ks-chart__empty">"No requests in this range"</p>
            </Show>
            <div class=move || table_class(chart.failed.get())>
            <table class="ks-chart__table">
                <caption>{label}</caption>
                <thead><tr><th scope="col">{first_column}</th><th scope="col">"Requests"</th></tr></thead>
                <tbody>{children()}</tbody>
            </table>
            </div>
        </figure>
    }
}

/// Without a chart (ECharts did not load) the table is the chart. The class
/// goes on a wrapper: a table box is not clipped by `overflow`, so a hidden
/// table would still widen a narrow page.
fn table_class(chart_failed: bool) -> &'static str {
    if chart_failed {
        "ks-chart__numbers"
    } else {
        "ks-chart__numbers ks-visually-hidden"
    }
}

/// The colours of the page's current scheme, read from its custom properties.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Palette {
    text: String,
    muted: String,
    border: String,
    surface: String,
    green: String,
    blue: String,
    orange: String,
    red: String,
    accent: String,
    grey: String,
    font: String,
}

impl Palette {
    /// The light theme of `style/main.css`, for a page without its styles.
    fn fallback() -> Self {
        Self {
            text: "#1c2230".into(),
            muted: "#5d6778".into(),
            border: "#dfe3ea".into(),
            surface: "#ffffff".into(),
            green: "#15803d".into(),
            blue: "#1d4ed8".into(),
            orange: "#b45309".into(),
            red: "#b91c1c".into(),
            accent: "#2563eb".into(),
            grey: "#4b5563".into(),
            font: "system-ui, sans-serif".into(),
        }
    }

    fn read(element: &web_sys::Element) -> Self {
        let mut palette = Self::fallback();
        let Some(style) =
            web_sys::window().and_then(|window| window.get_computed_style(element).ok().flatten())
        else {
            return palette;
        };
        let slots: [(&str, &mut String); 11] = [
            ("--ks-text", &mut palette.text),
            ("--ks-muted", &mut palette.muted),
            ("--ks-border", &mut palette.border),
            ("--ks-surface", &mut palette.surface),
            ("--ks-green", &mut palette.green),
            ("--ks-blue", &mut palette.blue),
            ("--ks-orange", &mut palette.orange),
            ("--ks-red", &mut palette.red),
            ("--ks-accent", &mut palette.accent),
            ("--ks-grey", &mut palette.grey),
            ("--ks-font", &mut palette.font),
        ];
        for (property, slot) in slots {
            if let Ok(value) = style.get_property_value(property) {
                let value = value.trim();
                if !value.is_empty() {
                    *slot = value.to_owned();
                }
            }
        }
        palette
    }

    fn tone(&self, tone: Tone) -> &str {
        match tone {
            Tone::Green => &self.green,
            Tone::Blue => &self.blue,
            Tone::Orange => &self.orange,
            Tone::Red => &self.red,
            Tone::Accent => &self.accent,
            Tone::Grey => &self.grey,
        }
    }
}

fn donut_option(label: &str, slices: &[Slice], palette: &Palette) -> Value {
    // Slices of one tone (200 and 201 are both green) fade one step each,
    // so neighbours and their legend entries stay apart.
    let mut tones_seen: Vec<Tone> = Vec::new();
    let data: Vec<DataPointItem> = slices
        .iter()
        .map(|slice| {
            let earlier = tones_seen
                .iter()
                .filter(|tone| **tone == slice.tone)
                .count();
            tones_seen.push(slice.tone);
            let opacity = [1.0, 0.7, 0.5, 0.35][earlier.min(3)];
            DataPointItem::new(slice.count as f64)
                .name(slice.name.clone())
                .item_style(
                    ItemStyle::new()
                        .color(palette.tone(slice.tone))
                        .opacity(opacity),
                )
        })
        .collect();
    let chart = Chart::new()
        .tooltip(
            Tooltip::new()
                .trigger(Trigger::Item)
                .formatter("{b}: {c} ({d}%)"),
        )
        .legend(
            Legend::new()
                .bottom(0)
                .item_width(12.0)
                .item_height(12.0)
                .text_style(TextStyle::new().color(palette.text.as_str())),
        )
        .series(
            Pie::new()
                .name(label)
                .radius(vec!["48%", "72%"])
                .center(vec!["50%", "42%"])
                .avoid_label_overlap(true)
                .label(Label::new().show(false))
                .item_style(
                    ItemStyle::new()
                        .border_color(palette.surface.as_str())
                        .border_width(2.0),
                )
                .data(data),
        );
    let description = slices
        .iter()
        .map(|slice| format!("{} {}", slice.name, slice.count))
        .collect::<Vec<_>>()
        .join(", ");
    finish_option(
        chart,
        palette,
        &format!("{label}: {}", or_none(&description)),
        |option| {
            // An all-zero donut would otherwise be drawn as equal slices.
            option["series"][0]["stillShowZeroSum"] = Value::Bool(false);
        },
    )
}

fn bar_option(label: &str, points: &[Point], palette: &Palette) -> Value {
    let hourly = is_hourly(points);
    let categories: Vec<String> = points
        .iter()
        .map(|point| bucket_label(point.start, hourly))
        .collect();
    let values: Vec<f64> = points
        .iter()
        .map(|point| point.totals.total as f64)
        .collect();
    let x_axis = Axis::new()
        .type_(AxisType::Category)
        .data(categories.clone())
        .axis_tick(AxisTick::new().show(false))
        .axis_line(AxisLine::new().show(false))
        .axis_label(AxisLabel::new().color(palette.muted.as_str()));
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Item).formatter("{b}: {c}"))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(16)
                .bottom(8)
                .contain_label(true),
        )
        .x_axis(x_axis)
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .min(0)
                .min_interval(1.0)
                .axis_label(AxisLabel::new().color(palette.muted.as_str()))
                .split_line(
                    SplitLine::new().line_style(LineStyle::new().color(palette.border.as_str())),
                ),
        )
        .series(
            Bar::new()
                .name(label)
                .bar_width("60%")
                .item_style(
                    ItemStyle::new()
                        .color(palette.accent.as_str())
                        .border_radius(2.0),
                )
                .data(values),
        );
    let total: u64 = points.iter().map(|point| point.totals.total).sum();
    let description = match (categories.first(), categories.last()) {
        (Some(first), Some(last)) => format!("{label}: {total} requests from {first} to {last}"),
        _ => format!("{label}: no data"),
    };
    finish_option(chart, palette, &description, |option| {
        // Zero bars stay visible as a flat line, so an idle day reads as
        // "nothing happened" rather than "no data".
        option["series"][0]["barMinHeight"] = json!(2);
        // Thirty day labels do not fit 360 px: overlapping ones are left out.
        option["xAxis"]["axisLabel"]["hideOverlap"] = Value::Bool(true);
    })
}

/// The parts every chart shares, and what charming does not type.
fn finish_option(
    chart: Chart,
    palette: &Palette,
    description: &str,
    adjust: impl FnOnce(&mut Value),
) -> Value {
    let chart = chart.aria(Aria::new().enabled(true));
    let mut option = serde_json::to_value(&chart).unwrap_or(Value::Null);
    option["aria"]["label"] = json!({ "enabled": true, "description": description });
    option["textStyle"] = json!({ "fontFamily": palette.font, "color": palette.text });
    option["animationDuration"] = json!(300);
    option["tooltip"]["backgroundColor"] = json!(palette.surface);
    option["tooltip"]["borderColor"] = json!(palette.border);
    option["tooltip"]["textStyle"] = json!({ "color": palette.text });
    // charming leaves out empty lists, and a merging setOption would then
    // keep the previous data: an emptied chart must say it is empty.
    if option["series"][0]["data"].is_null() {
        option["series"][0]["data"] = json!([]);
    }
    if option["xAxis"].is_object() && option["xAxis"]["data"].is_null() {
        option["xAxis"]["data"] = json!([]);
    }
    adjust(&mut option);
    option
}

fn or_none(text: &str) -> &str {
    if text.is_empty() {
        "none"
    } else {
        text
    }
}

/// Points less than a day apart are hours.
fn is_hourly(points: &[Point]) -> bool {
    match points {
        [first, second, ..] => second.start - first.start < Duration::days(1),
        _ => false,
    }
}

/// Days are UTC days (the rollups' grain), so their date is the UTC date;
/// hours read in the viewer's own time zone.
fn bucket_label(start: DateTime<Utc>, hourly: bool) -> String {
    if !hourly {
        return start.format("%b %-d").to_string();
    }
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&JsValue::from_f64(start.timestamp_millis() as f64));
        format!("{:02}:00", date.get_hours())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        start.format("%H:00").to_string()
    }
}

#[wasm_bindgen]
extern "C" {
    /// One ECharts chart (`echarts.init`'s result).
    #[derive(Clone)]
    type EchartsInstance;

    /// Throws (caught here) when ECharts is not on the page.
    #[wasm_bindgen(catch, js_namespace = echarts, js_name = init)]
    fn echarts_init(
        element: &web_sys::HtmlElement,
        theme: &JsValue,
        options: &JsValue,
    ) -> Result<EchartsInstance, JsValue>;

    #[wasm_bindgen(method, js_name = setOption)]
    fn set_option(this: &EchartsInstance, option: &JsValue);

    #[wasm_bindgen(method)]
    fn resize(this: &EchartsInstance);

    #[wasm_bindgen(method)]
    fn dispose(this: &EchartsInstance);
}

/// What a chart's view shows besides the canvas.
#[derive(Clone, Copy)]
struct ChartState {
    /// The current data is drawn (false from a change of the data until
    /// ECharts has it).
    ready: Signal<bool>,
    /// ECharts is missing or refused: the table is shown instead.
    failed: ReadSignal<bool>,
}

/// An ECharts instance on the page and everything that must go with it.
struct MountedChart {
    instance: EchartsInstance,
    resize_observer: Option<web_sys::ResizeObserver>,
    _on_resize: Closure<dyn FnMut()>,
    scheme_query: Option<web_sys::MediaQueryList>,
    on_scheme_change: Closure<dyn FnMut()>,
}

impl MountedChart {
    fn new(element: &web_sys::HtmlElement, scheme_changes: RwSignal<u32>) -> Result<Self, JsValue> {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"renderer".into(), &"canvas".into())?;
        let instance = echarts_init(element, &JsValue::NULL, &options)?;

        let resized = instance.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || resized.resize());
        let resize_observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
        if let Some(observer) = &resize_observer {
            observer.observe(element);
        }

        // Colours come from CSS custom properties that change with the
        // scheme; re-reading them is one setOption.
        let on_scheme_change = Closure::<dyn FnMut()>::new(move || {
            scheme_changes.try_update(|changes| *changes += 1);
        });
        let scheme_query = web_sys::window().and_then(|window| {
            window
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
        });
        if let Some(query) = &scheme_query {
            let _ = query.add_event_listener_with_callback(
                "change",
                on_scheme_change.as_ref().unchecked_ref(),
            );
        }
        Ok(Self {
            instance,
            resize_observer,
            _on_resize: on_resize,
            scheme_query,
            on_scheme_change,
        })
    }
}

impl Drop for MountedChart {
    fn drop(&mut self) {
        if let Some(observer) = &self.resize_observer {
            observer.disconnect();
        }
        if let Some(query) = &self.scheme_query {
            let _ = query.remove_event_listener_with_callback(
                "change",
                self.on_scheme_change.as_ref().unchecked_ref(),
            );
        }
        self.instance.dispose();
    }
}

/// Counts the changes of what `track` reads, so a chart can say which data it
/// has drawn.
fn change_counter(track: impl Fn() + Send + Sync + 'static) -> Memo<u64> {
    Memo::new(move |previous: Option<&u64>| {
        track();
        previous.map_or(0, |count| count + 1)
    })
}

/// Creates the chart on `container` once it is mounted, sets `build_option`'s
/// option whenever a signal it reads changes, and disposes it on cleanup.
fn use_chart(
    container: NodeRef<html::Div>,
    data_version: Memo<u64>,
    build_option: impl Fn(&Palette) -> Value + 'static,
) -> ChartState {
    let mounted = StoredValue::new_local(None::<MountedChart>);
    let scheme_changes = RwSignal::new(0u32);
    let (drawn_version, set_drawn_version) = signal(None::<u64>);
    let (failed, set_failed) = signal(false);
    Effect::new(move |_| {
        scheme_changes.track();
        let Some(element) = container.get() else {
            return;
        };
        let option = build_option(&Palette::read(&element));
        let option = match js_sys::JSON::parse(&option.to_string()) {
            Ok(option) => option,
            Err(_) => return,
        };
        mounted.update_value(|slot| {
            if slot.is_none() {
                match MountedChart::new(&element, scheme_changes) {
                    Ok(chart) => *slot = Some(chart),
                    Err(error) => {
                        leptos::logging::warn!("keyscope: chart unavailable: {error:?}");
                        set_failed.set(true);
                    }
                }
            }
            if let Some(chart) = slot {
                chart.instance.set_option(&option);
                set_drawn_version.set(Some(data_version.get_untracked()));
            }
        });
    });
    on_cleanup(move || {
        mounted.try_update_value(|slot| *slot = None);
    });
    let ready = Signal::derive(move || drawn_version.get() == Some(data_version.get()));
    ChartState { ready, failed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyscope_model::usage::Totals;

    fn point(start: &str, total: u64) -> Point {
        Point {
            start: DateTime::parse_from_rfc3339(start)
                .expect("valid")
                .with_timezone(&Utc),
            totals: Totals {
                total,
                completed: total,
                ..Totals::default()
            },
        }
    }

    #[test]
    fn response_codes_take_the_colours_of_the_outcome_cards() {
        assert_eq!(Tone::of_response_code("200"), Tone::Green);
        assert_eq!(Tone::of_response_code("429"), Tone::Orange);
        assert_eq!(Tone::of_response_code("503"), Tone::Red);
        assert_eq!(Tone::of_response_code("401"), Tone::Grey);
        assert_eq!(Tone::of_method("DELETE"), Tone::Red);
    }

    #[test]
    fn a_week_of_zeros_is_drawn_as_flat_bars_labelled_by_day() {
        let points = vec![
            point("2026-11-20T00:00:00Z", 0),
            point("2026-11-21T00:00:00Z", 0),
        ];
        let option = bar_option("Requests per day", &points, &Palette::fallback());
        assert_eq!(option["series"][0]["data"], json!([0.0, 0.0]));
        assert_eq!(option["series"][0]["barMinHeight"], json!(2));
        assert_eq!(option["xAxis"]["data"], json!(["Nov 20", "Nov 21"]));
        assert_eq!(option["yAxis"]["min"], json!(0));
    }

    #[test]
    fn emptied_charts_replace_their_data_instead_of_keeping_it() {
        let donut = donut_option("By method", &[], &Palette::fallback());
        assert_eq!(donut["series"][0]["data"], json!([]));
        let bars = bar_option("Requests per day", &[], &Palette::fallback());
        assert_eq!(bars["series"][0]["data"], json!([]));
        assert_eq!(bars["xAxis"]["data"], json!([]));
    }

    #[test]
    fn donut_slices_carry_names_counts_and_theme_colours() {
        let slices = vec![
            Slice {
                name: "GET".into(),
                count: 12,
                tone: Tone::Green,
            },
            Slice {
                name: "POST".into(),
                count: 3,
                tone: Tone::Blue,
            },
        ];
        let palette = Palette::fallback();
        let option = donut_option("By method", &slices, &palette);
        let data = &option["series"][0]["data"];
        assert_eq!(data[0]["name"], "GET");
        assert_eq!(data[0]["value"], json!(12.0));
        assert_eq!(data[1]["itemStyle"]["color"], json!(palette.blue));
        assert_eq!(
            option["aria"]["label"]["description"],
            "By method: GET 12, POST 3"
        );
    }
}
