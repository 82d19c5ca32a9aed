//! Log lines on stderr, as text or as JSON (`--log-format`), filtered by
//! `--log-filter` (`RUST_LOG`).
//!
//! While a request is served its lines carry its `request_id`: the span
//! opened around every call in `http::call`. In text the span shows as
//! `request{request_id=req_…}:` before the message; in JSON as
//! `"span":{"request_id":"req_…","name":"request"}`.

use super::LogArgs;
use anyhow::anyhow;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text an event, for people.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Checks a filter when the settings are read, so that a typo refuses the
/// start naming the setting instead of being ignored.
pub(super) fn parse_filter(text: &str) -> Result<String, String> {
    EnvFilter::builder()
        .parse(text)
        .map(|_| text.to_owned())
        .map_err(|error| error.to_string())
}

pub(super) fn init(settings: &LogArgs) -> anyhow::Result<()> {
    let filter = EnvFilter::builder()
        .parse(&settings.log_filter)
        .map_err(|error| anyhow!("--log-filter: {error}"))?;
    let lines = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match settings.log_format {
        // Colours only for a person at a terminal, not in a file.
        LogFormat::Text => lines.with_ansi(std::io::stderr().is_terminal()).try_init(),
        // The event's fields at the top level beside `message`, and the
        // innermost span (the request's) under `span`: one lookup for a
        // collector, without the list of every enclosing span.
        LogFormat::Json => lines
            .json()
            .with_ansi(false)
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|error| anyhow!("could not set up logging: {error}"))
}
