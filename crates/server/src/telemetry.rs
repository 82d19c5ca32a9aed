//! What the server counts and times, served as Prometheus text on `/metrics`.
//!
//! Each application owns its recorder (the `metrics` crate's Prometheus
//! exporter, built but never installed as the process's global recorder):
//! tests run many servers in one process, and each must scrape its own
//! numbers. Every handle is registered once, here, under the application's
//! recorder (`metrics::with_local_recorder`); the per-call paths then only
//! bump an atomic or push a sample, with `&'static str` labels and no text
//! formatted per call. The one family whose labels are open-ended (HTTP
//! requests by route, method and status) registers each combination the
//! first time it is seen and keeps the handle.

use crate::store::{QueryKind, QueryTimes};
use keyscope_model::Outcome;
use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Counter,
    Gauge, Histogram, Unit,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use rustc_hash::FxHashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Histogram buckets in seconds, from a cached key verification (a few
/// microseconds) to a gateway call that runs into the default 30 s timeout.
const BUCKETS: [f64; 21] = [
    0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005,
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

const HTTP_REQUESTS: &str = "keyscope_http_requests_total";
const KEY_VERIFICATION: &str = "keyscope_key_verification_seconds";
const GATEWAY_REQUEST: &str = "keyscope_gateway_request_seconds";
const RATE_LIMIT_DECISIONS: &str = "keyscope_rate_limit_decisions_total";
const RECORDS_QUEUED: &str = "keyscope_request_records_queued_total";
const RECORDS_WRITTEN: &str = "keyscope_request_records_written_total";
const RECORDS_DROPPED: &str = "keyscope_request_records_dropped_total";
const QUEUE_DEPTH: &str = "keyscope_request_log_queue_depth";
const DB_QUERY: &str = "keyscope_db_query_seconds";
const UPSTREAM_ERRORS: &str = "keyscope_upstream_errors_total";

/// The route label of a call: the matched route's template, never the raw
/// path (whose ids would make a series per key), or `unmatched`.
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel {
    /// Where the template sits in the one route table every router's labels
    /// come from; the key of the request counters.
    pub index: u16,
    pub template: &'static str,
}

impl RouteLabel {
    pub const UNMATCHED: RouteLabel = RouteLabel {
        index: u16::MAX,
        template: "unmatched",
    };
}

/// Why a gateway call got no answer from its upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamError {
    Connect,
    Http,
    Closed,
    Refused,
    Timeout,
}

impl UpstreamError {
    const ALL: [UpstreamError; 5] = [
        UpstreamError::Connect,
        UpstreamError::Http,
        UpstreamError::Closed,
        UpstreamError::Refused,
        UpstreamError::Timeout,
    ];

    fn as_str(self) -> &'static str {
        match self {
            UpstreamError::Connect => "connect",
            UpstreamError::Http => "http",
            UpstreamError::Closed => "closed",
            UpstreamError::Refused => "refused",
            UpstreamError::Timeout => "timeout",
        }
    }
}

/// The request log queue's counters, bumped by `request_log::Recorder`.
#[derive(Clone)]
pub struct LogQueueMetrics {
    pub queued: Counter,
    pub written: Counter,
    pub dropped: Counter,
    pub depth: Gauge,
}

impl LogQueueMetrics {
    /// Handles that count nothing, for a recorder no application renders.
    pub fn noop() -> Self {
        Self {
            queued: Counter::noop(),
            written: Counter::noop(),
            dropped: Counter::noop(),
            depth: Gauge::noop(),
        }
    }
}

pub struct Telemetry {
    /// Registers the request counters first seen after the start.
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// By (route index, method, status): registered on first sight.
    http_requests: RwLock<FxHashMap<(u16, u8, u16), Counter>>,
    /// Accepted, refused.
    key_verification: [Histogram; 2],
    /// By `Outcome::ALL`'s order.
    gateway_request: [Histogram; 5],
    /// By window (minute, day, period), then admitted, refused.
    rate_limit_decisions: [[Counter; 2]; 3],
    /// By `UpstreamError::ALL`'s order.
    upstream_errors: [Counter; 5],
    pub log_queue: LogQueueMetrics,
    pub query_times: Arc<QueryTimes>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl Telemetry {
    pub fn new() -> Self {
        // Buckets make true Prometheus histograms (the exporter's default
        // is summaries, which cannot be aggregated across servers).
        let builder = PrometheusBuilder::new();
        let builder = builder
            .set_buckets(&BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = Arc::new(builder.build_recorder());
        metrics::with_local_recorder(recorder.as_ref(), || {
            describe();
            let outcomes = Outcome::ALL
                .map(|outcome| histogram!(GATEWAY_REQUEST, "outcome" => outcome.as_str()));
            let windows = [
                keyscope_model::LimitWindow::Minute,
                keyscope_model::LimitWindow::Day,
                keyscope_model::LimitWindow::Period,
            ];
            let rate_limit_decisions = windows.map(|window| {
                ["admitted", "refused"].map(|decision| {
                    counter!(RATE_LIMIT_DECISIONS, "window" => window.as_str(), "decision" => decision)
                })
            });
            Self {
                recorder: recorder.clone(),
                handle: recorder.handle(),
                http_requests: RwLock::default(),
                key_verification: ["accepted", "refused"]
                    .map(|result| histogram!(KEY_VERIFICATION, "result" => result)),
                gateway_request: outcomes,
                rate_limit_decisions,
                upstream_errors: UpstreamError::ALL
                    .map(|kind| counter!(UPSTREAM_ERRORS, "kind" => kind.as_str())),
                log_queue: LogQueueMetrics {
                    queued: counter!(RECORDS_QUEUED),
                    written: counter!(RECORDS_WRITTEN),
                    dropped: counter!(RECORDS_DROPPED),
                    depth: gauge!(QUEUE_DEPTH),
                },
                query_times: Arc::new(QueryTimes::new(
                    |kind: QueryKind| histogram!(DB_QUERY, "kind" => kind.as_str()),
                )),
            }
        })
    }

    /// Every family in Prometheus text.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds the histogram samples gathered since the last scrape into
    /// their buckets: without it, a server nobody scrapes would keep every
    /// sample in memory.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// One answered call.
    pub fn http_request(&self, route: RouteLabel, method: &axum::http::Method, status: u16) {
        let (method_index, method_label) = method_label(method);
        let key = (route.index, method_index, status);
        {
            let known = self
                .http_requests
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(counter) = known.get(&key) {
                counter.increment(1);
                return;
            }
        }
        let mut known = self
            .http_requests
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        known
            .entry(key)
            .or_insert_with(|| {
                let outcome = Outcome::of_status(status).as_str();
                let status = itoa::Buffer::new().format(status).to_owned();
                metrics::with_local_recorder(self.recorder.as_ref(), || {
                    counter!(
                        HTTP_REQUESTS,
                        "route" => route.template,
                        "method" => method_label,
                        "outcome" => outcome,
                        "status" => status
                    )
                })
            })
            .increment(1);
    }

    /// How long a key took to check (format, cache or store, state).
    pub fn key_verification(&self, took: Duration, accepted: bool) {
        self.key_verification[usize::from(!accepted)].record(took.as_secs_f64());
    }

    /// A gateway call, from its arrival to its answer's head.
    pub fn gateway_request(&self, took: Duration, status: u16) {
        let outcome = Outcome::of_status(status);
        let index = Outcome::ALL
            .iter()
            .position(|each| *each == outcome)
            .unwrap_or(0);
        self.gateway_request[index].record(took.as_secs_f64());
    }

    pub fn rate_limit_decision(&self, window: keyscope_model::LimitWindow, allowed: bool) {
        let window = match window {
            keyscope_model::LimitWindow::Minute => 0,
            keyscope_model::LimitWindow::Day => 1,
            keyscope_model::LimitWindow::Period => 2,
        };
        self.rate_limit_decisions[window][usize::from(!allowed)].increment(1);
    }

    pub fn upstream_error(&self, kind: UpstreamError) {
        let index = UpstreamError::ALL
            .iter()
            .position(|each| *each == kind)
            .unwrap_or(0);
        self.upstream_errors[index].increment(1);
    }
}

/// The HELP text of every family, sent with each scrape.
fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "Answered HTTP calls by route template (`unmatched` for the web app and unknown paths), method, outcome and status."
    );
    describe_histogram!(
        KEY_VERIFICATION,
        Unit::Seconds,
        "Time to check a presented API key (format, cache or store look-up, state), by result."
    );
    describe_histogram!(
        GATEWAY_REQUEST,
        Unit::Seconds,
        "Time from a gateway call's arrival to its answer's head (status and headers; the body streams after), by outcome."
    );
    describe_counter!(
        RATE_LIMIT_DECISIONS,
        "Rate-limit decisions by window (the refusing one, else the one with the fewest requests left) and decision."
    );
    describe_counter!(RECORDS_QUEUED, "Request records put on the log queue.");
    describe_counter!(RECORDS_WRITTEN, "Request records written to the store.");
    describe_counter!(
        RECORDS_DROPPED,
        "Request records dropped because the queue was full or a write failed."
    );
    describe_gauge!(
        QUEUE_DEPTH,
        "Request records waiting on the log queue, as of the scrape."
    );
    describe_histogram!(
        DB_QUERY,
        Unit::Seconds,
        "Time spent in database queries, by kind."
    );
    describe_counter!(
        UPSTREAM_ERRORS,
        "Gateway calls that got no answer from their upstream, by why: connect, http, closed, refused (by the address policy), timeout."
    );
}

/// A method as a bounded label: the standard ones by name, any other
/// `other` (a client may send any token as a method).
fn method_label(method: &axum::http::Method) -> (u8, &'static str) {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::TRACE, "TRACE"),
        (Method::CONNECT, "CONNECT"),
    ];
    KNOWN
        .iter()
        .zip(0u8..)
        .find(|((known, _), _)| known == method)
        .map_or((u8::MAX, "other"), |((_, label), index)| (index, *label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_render_under_their_labels() {
        let telemetry = Telemetry::new();
        let route = RouteLabel {
            index: 3,
            template: "/v1/keys/{id}",
        };
        telemetry.http_request(route, &axum::http::Method::GET, 404);
        telemetry.http_request(route, &axum::http::Method::GET, 404);
        telemetry.http_request(
            RouteLabel::UNMATCHED,
            &axum::http::Method::from_bytes(b"BREW").expect("a method"),
            200,
        );
        telemetry.rate_limit_decision(keyscope_model::LimitWindow::Day, false);
        telemetry.key_verification(Duration::from_micros(3), true);
        let text = telemetry.render();
        assert!(
            text.contains(
                r#"keyscope_http_requests_total{route="/v1/keys/{id}",method="GET",outcome="failed",status="404"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"keyscope_http_requests_total{route="unmatched",method="other",outcome="completed",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"keyscope_rate_limit_decisions_total{window="day",decision="refused"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"keyscope_key_verification_seconds_count{result="accepted"} 1"#),
            "{text}"
        );
        assert!(text.contains("# HELP keyscope_db_query_seconds"), "{text}");
    }

    #[test]
    fn query_kinds_are_listed_in_declaration_order() {
        // `QueryTimes` finds a kind's histogram by its discriminant.
        for (index, kind) in QueryKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, index, "{}", kind.as_str());
        }
    }

    #[test]
    fn two_applications_count_apart() {
        let first = Telemetry::new();
        let second = Telemetry::new();
        first.upstream_error(UpstreamError::Timeout);
        assert!(first
            .render()
            .contains(r#"keyscope_upstream_errors_total{kind="timeout"} 1"#));
        assert!(second
            .render()
            .contains(r#"keyscope_upstream_errors_total{kind="timeout"} 0"#));
    }
}
