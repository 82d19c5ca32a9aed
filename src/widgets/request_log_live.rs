//! Live mode's connection: an `EventSource` on `/v1/requests/live` that
//! hands each new record to the log, open only while live mode is on.
//!
//! Written on `web_sys` directly rather than leptos-use's `use_event_source`:
//! the log needs only open, one named event and close, and adding a crate to
//! the shared manifest for that was not worth it.

use keyscope_model::RequestEntry;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// An open feed; closing it (or dropping it) stops the events.
pub struct LiveFeed {
    source: web_sys::EventSource,
    // Kept alive as long as the source can call them.
    _on_request: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_lagged: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl LiveFeed {
    /// Opens the feed at `url`; `on_entry` gets each record, `on_missed`
    /// how many the server skipped because this page fell behind, `on_state`
    /// whether the connection is up (the browser reconnects by itself).
    pub fn open(
        url: &str,
        on_entry: impl Fn(RequestEntry) + 'static,
        on_missed: impl Fn(u64) + 'static,
        on_state: impl Fn(bool) + Clone + 'static,
    ) -> Option<LiveFeed> {
        let source = web_sys::EventSource::new(url).ok()?;
        let on_request = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
            let on_state = on_state.clone();
            move |event: web_sys::MessageEvent| {
                on_state(true);
                if let Some(text) = event.data().as_string() {
                    if let Ok(entry) = serde_json::from_str::<RequestEntry>(&text) {
                        on_entry(entry);
                    }
                }
            }
        });
        let on_lagged = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let missed = event.data().as_string().and_then(|text| text.parse().ok());
                on_missed(missed.unwrap_or(1));
            },
        );
        let on_open = on_state.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_state(false));
        source
            .add_event_listener_with_callback("request", on_request.as_ref().unchecked_ref())
            .ok()?;
        source
            .add_event_listener_with_callback("lagged", on_lagged.as_ref().unchecked_ref())
            .ok()?;
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let opened = Closure::<dyn FnMut()>::new(move || on_open(true));
        source.set_onopen(Some(opened.as_ref().unchecked_ref()));
        // The open handler is needed once per connection and costs nothing
        // to leak next to the source's lifetime.
        opened.forget();
        Some(LiveFeed {
            source,
            _on_request: on_request,
            _on_lagged: on_lagged,
            _on_error: on_error,
        })
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        self.source.set_onerror(None);
        self.source.set_onopen(None);
        self.source.close();
    }
}

/// Keeps a feed open while `on` is true, closing it when `on` turns false and
/// when the owning component goes. Effects run only in the browser, so
/// nothing here touches `EventSource` while a component is being created.
pub fn keep_live(
    on: Signal<bool>,
    url: String,
    on_entry: impl Fn(RequestEntry) + Clone + 'static,
    on_missed: impl Fn(u64) + Clone + 'static,
    on_state: impl Fn(bool) + Clone + 'static,
) {
    let feed = StoredValue::new_local(None::<LiveFeed>);
    Effect::new(move |_| {
        let wanted = on.get();
        // Dropping the old feed closes it.
        feed.set_value(None);
        if wanted {
            feed.set_value(LiveFeed::open(
                &url,
                on_entry.clone(),
                on_missed.clone(),
                on_state.clone(),
            ));
        } else {
            on_state(false);
        }
    });
    on_cleanup(move || {
        let _ = feed.try_set_value(None);
    });
}
