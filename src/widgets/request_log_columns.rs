//! The request log's columns: which show, in what order, remembered in the
//! browser, and the "Edit columns" panel that changes them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    RequestId,
    Timestamp,
    Method,
    Endpoint,
    Status,
    ResponseCode,
    Latency,
    KeyId,
    ClientIp,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::RequestId,
        Column::Timestamp,
        Column::Method,
        Column::Endpoint,
        Column::Status,
        Column::ResponseCode,
        Column::Latency,
        Column::KeyId,
        Column::ClientIp,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Column::RequestId => "Request ID",
            Column::Timestamp => "Time",
            Column::Method => "Method",
            Column::Endpoint => "Endpoint",
            Column::Status => "Status",
            Column::ResponseCode => "Code",
            Column::Latency => "Latency",
            Column::KeyId => "Key ID",
            Column::ClientIp => "Client IP",
        }
    }

    /// The column's share of a row, as a CSS grid track. Fixed widths keep
    /// every row's cells aligned although only the visible rows exist.
    pub fn track(self) -> &'static str {
        match self {
            Column::RequestId => "17.5rem",
            Column::Timestamp => "14rem",
            Column::Method => "5.75rem",
            Column::Endpoint => "minmax(12rem, 1fr)",
            Column::Status => "8rem",
            Column::ResponseCode => "4.5rem",
            Column::Latency => "5.5rem",
            Column::KeyId => "14rem",
            Column::ClientIp => "9rem",
        }
    }

    fn shown_by_default(self) -> bool {
        !matches!(self, Column::Latency | Column::KeyId | Column::ClientIp)
    }
}

/// One column of the editable list: where it sits and whether it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChoice {
    pub column: Column,
    pub shown: bool,
}

pub fn default_columns() -> Vec<ColumnChoice> {
    Column::ALL
        .into_iter()
        .map(|column| ColumnChoice {
            column,
            shown: column.shown_by_default(),
        })
        .collect()
}

/// Where the choice is kept in the browser.
pub const STORAGE_KEY: &str = "keyscope.request-log.columns";

/// A remembered choice, made whole: columns it lacks (added since it was
/// saved) come back at the end; one it cannot read at all is not used.
pub fn parse_columns(saved: &str) -> Option<Vec<ColumnChoice>> {
    let saved: Vec<ColumnChoice> = serde_json::from_str(saved).ok()?;
    let mut choices: Vec<ColumnChoice> = Vec::new();
    for choice in saved {
        if !choices.iter().any(|known| known.column == choice.column) {
            choices.push(choice);
        }
    }
    for column in Column::ALL {
        if !choices.iter().any(|known| known.column == column) {
            choices.push(ColumnChoice {
                column,
                shown: column.shown_by_default(),
            });
        }
    }
    Some(choices)
}

pub fn load_columns() -> Option<Vec<ColumnChoice>> {
    let storage = web_sys::window()?.local_storage().ok()??;
    parse_columns(&storage.get_item(STORAGE_KEY).ok()??)
}

fn save_columns(choices: &[ColumnChoice]) {
    let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
    if let (Some(storage), Ok(text)) = (storage, serde_json::to_string(choices)) {
        // A full or refused storage only means the choice is not remembered.
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

/// Changes the choice and remembers it.
fn edit_columns(columns: RwSignal<Vec<ColumnChoice>>, edit: impl FnOnce(&mut Vec<ColumnChoice>)) {
    columns.update(|choices| {
        edit(choices);
        // At least one column stays, or the log would be blank rows.
        if !choices.iter().any(|choice| choice.shown) {
            if let Some(first) = choices.first_mut() {
                first.shown = true;
            }
        }
    });
    columns.with_untracked(|choices| save_columns(choices));
}

/// The panel behind "Edit columns": a checkbox and up/down buttons a column.
#[component]
pub fn ColumnEditor(columns: RwSignal<Vec<ColumnChoice>>) -> impl IntoView {
    let rows = move || {
        let count = columns.with(Vec::len);
        columns
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, choice)| {
                let label = choice.column.label();
                view! {
                    <li class="ks-log-columns__item">
                        <label>
                            <input
                                type="checkbox"
                                prop:checked=choice.shown
                                on:change=move |event| {
                                    let shown = event_target_checked(&event);
                                    edit_columns(columns, move |choices| choices[index].shown = shown);
                                }
                            />
                            {label}
                        </label>
                        <button
                            class="ks-button ks-button--small"
                            aria-label=format!("Move {label} up")
                            disabled=index == 0
                            on:click=move |_| edit_columns(columns, move |choices| choices.swap(index, index - 1))
                        >
                            "↑"
                        </button>
                        <button
                            class="ks-button ks-button--small"
                            aria-label=format!("Move {label} down")
                            disabled=index + 1 == count
                            on:click=move |_| edit_columns(columns, move |choices| choices.swap(index, index + 1))
                        >
                            "↓"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="ks-log-columns" role="group" aria-label="Columns">
            <ul class="ks-log-columns__list">{rows}</ul>
            <button
                class="ks-button ks-button--small"
                on:click=move |_| edit_columns(columns, |choices| *choices = default_columns())
            >
                "Reset columns"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_choice_keeps_its_order_and_gains_new_columns() {
        let saved = r#"[{"column":"endpoint","shown":true},{"column":"request_id","shown":false},{"column":"gone","shown":true}]"#;
        assert_eq!(
            parse_columns(saved),
            None,
            "an unknown column is not trusted"
        );
        let saved = r#"[{"column":"endpoint","shown":true},{"column":"request_id","shown":false}]"#;
        let choices = parse_columns(saved).expect("parses");
        assert_eq!(choices.len(), Column::ALL.len());
        assert_eq!(choices[0].column, Column::Endpoint);
        assert_eq!(
            (choices[1].column, choices[1].shown),
            (Column::RequestId, false)
        );
        assert!(choices[2..]
            .iter()
            .all(|choice| choice.column != Column::Endpoint));
    }
}
