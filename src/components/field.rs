//! A labelled, required text input bound to a signal.

use leptos::prelude::*;

#[component]
pub fn TextField(
    #[prop(into)] label: String,
    /// The input's `type`: text, email, password, …
    kind: &'static str,
    name: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label class="ks-field">
            <span>{label}</span>
            <input
                type=kind
                name=name
                autocomplete=autocomplete
                required
                prop:value=move || value.get()
                on:input=move |event| value.set(event_target_value(&event))
            />
        </label>
    }
}
