//! A modal dialog on the browser's own `<dialog>`: `showModal` makes the page
//! behind it inert (focus cannot leave the dialog), Escape closes it, and
//! focus goes back to the control that opened it.

use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::JsCast;

static NEXT_DIALOG: AtomicUsize = AtomicUsize::new(0);

#[component]
pub fn Modal(
    #[prop(into)] title: Signal<String>,
    /// Called for Escape, the close button and any action that ends the dialog.
    on_close: Callback<()>,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("ks-dialog-{}", NEXT_DIALOG.fetch_add(1, Ordering::Relaxed));
    Effect::new(move |_| {
        let Some(element) = dialog.get() else { return };
        if element.open() {
            return;
        }
        let opener = document()
            .active_element()
            .and_then(|active| active.dyn_into::<web_sys::HtmlElement>().ok());
        // Fails only if the element is not in the document, which the
        // effect running after mount rules out.
        let _ = element.show_modal();
        let element = SendWrapper::new(element);
        let opener = SendWrapper::new(opener);
        on_cleanup(move || {
            element.close();
            if let Some(opener) = opener.take() {
                let _ = opener.focus();
            }
        });
    });
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=dialog
            class="ks-dialog"
            class:ks-dialog--wide=wide
            aria-labelledby=labelled_by
            on:cancel=move |event: web_sys::Event| {
                // Escape: leave the closing to the owner, so its state agrees.
                event.prevent_default();
                on_close.run(());
            }
        >
            <header class="ks-dialog__header">
                <h2 id=title_id>{title}</h2>
                <button
                    type="button"
                    class="ks-button ks-button--ghost"
                    aria-label="Close"
                    on:click=move |_| on_close.run(())
                >
                    "×"
                </button>
            </header>
            <div class="ks-dialog__body">{children()}</div>
        </dialog>
    }
}
