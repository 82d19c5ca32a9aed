//! A button that copies a value and says "Copied" for a moment.

use crate::components::{Icon, IconKind};
use leptos::prelude::*;
use std::time::Duration;

/// How long "Copied" stays before the button reads as before.
const CONFIRMATION: Duration = Duration::from_secs(2);

/// Copies `value` to the clipboard. The value is also on the button as
/// `data-copy-value`, so a test (or a person without clipboard access) can
/// read exactly what would be copied.
#[component]
pub fn CopyButton(
    #[prop(into)] value: String,
    /// Names what is copied, for screen readers: "Copy API key".
    #[prop(into)]
    label: String,
    #[prop(optional)] icon_only: bool,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = {
        let value = value.clone();
        move |_| {
            if let Some(window) = web_sys::window() {
                // The promise is dropped: a refused clipboard leaves the value
                // visible on screen to copy by hand.
                let _ = window.navigator().clipboard().write_text(&value);
                copied.set(true);
                set_timeout(move || copied.set(false), CONFIRMATION);
            }
        }
    };
    view! {
        <button
            type="button"
            class="ks-button ks-copy"
            class:ks-copy--icon=icon_only
            aria-label=label.clone()
            title=label
            data-copy-value=value
            on:click=on_click
        >
            {move || match (copied.get(), icon_only) {
                (true, true) => view! { <Icon kind=IconKind::Check /> }.into_any(),
                (false, true) => view! { <Icon kind=IconKind::Copy /> }.into_any(),
                (true, false) => "Copied".into_any(),
                (false, false) => "Copy".into_any(),
            }}
        </button>
        <span class="ks-visually-hidden" role="status">{move || if copied.get() { "Copied" } else { "" }}</span>
    }
}
