//! A new secret, shown this once: copy button, warning, and calls to paste.

use crate::components::CopyButton;
use crate::snippets::SnippetLanguage;
use leptos::prelude::*;

#[component]
pub fn SecretView(
    #[prop(into)] secret: String,
    /// Where the app is served, e.g. `http://127.0.0.1:8080`, for the snippets.
    #[prop(into)]
    origin: String,
) -> impl IntoView {
    let language = RwSignal::new(SnippetLanguage::Curl);
    let snippet = {
        let secret = secret.clone();
        move || language.get().snippet(&origin, &secret)
    };
    let tabs = SnippetLanguage::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <button
                    type="button"
                    role="tab"
                    class="ks-tab"
                    aria-selected=move || (language.get() == choice).to_string()
                    on:click=move |_| language.set(choice)
                >
                    {choice.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="ks-secret" data-testid="secret-view">
            <p class="ks-warning" role="alert">
                "Copy this key now. It will not be shown again: keyscope keeps only a digest of it."
            </p>
            <div class="ks-secret__value">
                <code data-testid="secret">{secret.clone()}</code>
                <CopyButton value=secret label="Copy API key" />
            </div>
            <div class="ks-snippets">
                <div class="ks-tabs" role="tablist" aria-label="Call the API with this key">{tabs}</div>
                <div class="ks-snippet" role="tabpanel">
                    <pre><code>{snippet.clone()}</code></pre>
                    {move || view! { <CopyButton value=snippet() label="Copy code" /> }}
                </div>
            </div>
        </div>
    }
}
