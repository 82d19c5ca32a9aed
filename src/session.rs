//! Who is signed in, shared by the shell and the pages that need a session.

use crate::api::{ApiClient, ApiClientError};
use keyscope_model::Me;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// The console session as the app knows it: asked of `/v1/me` when the app
/// starts, then set directly by signing in and out, so a page never sees a
/// stale answer.
#[derive(Clone, Copy)]
pub struct Session {
    /// `None` while the first answer is on its way.
    pub me: RwSignal<Option<Result<Option<Me>, ApiClientError>>>,
}

impl Session {
    pub fn provide() -> Self {
        let session = Session {
            me: RwSignal::new(None),
        };
        session.reload();
        provide_context(session);
        session
    }

    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    /// Asks the server again who is signed in.
    pub fn reload(self) {
        leptos::task::spawn_local(async move {
            let answer = ApiClient::same_origin().me().await;
            self.me.set(Some(answer));
        });
    }

    pub fn signed_in(self, me: Me) {
        self.me.set(Some(Ok(Some(me))));
    }

    pub fn signed_out(self) {
        self.me.set(Some(Ok(None)));
    }

    /// The token a state-changing call sends back as `X-CSRF-Token`; empty
    /// when nobody is signed in (the server then refuses the call).
    pub fn csrf_token(&self) -> String {
        self.user().map(|me| me.csrf_token).unwrap_or_default()
    }

    /// The signed-in user, once known.
    pub fn user(&self) -> Option<Me> {
        self.me.get().and_then(|answer| answer.ok().flatten())
    }
}

/// Where to send a visitor to sign in, coming back to `path` afterwards.
pub fn sign_in_path(path: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(path).into();
    format!("/sign-in?next={encoded}")
}

/// The router gives the query without its `?`; the way back needs it.
pub fn path_with_query(path: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// Only a safe, same-site path may be the place to come back to.
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|path| {
        path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/sign-in")
    })
    .unwrap_or_else(|| "/keys".to_owned())
}

/// Renders `children` for a signed-in user; sends anyone else to sign-in,
/// to come back here afterwards.
#[component]
pub fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let session = Session::expect();
    let location = use_location();
    view! {
        {move || {
                session
                    .me
                    .get()
                    .map(|answer| match answer {
                        Ok(Some(_)) => children().into_any(),
                        Ok(None) => {
                            // Untracked: once the redirect changes the location, this
                            // must not run again and redirect from the sign-in page.
                            let here = path_with_query(
                                &location.pathname.get_untracked(),
                                &location.search.get_untracked(),
                            );
                            view! { <Redirect path=sign_in_path(&here) /> }.into_any()
                        }
                        Err(error) => {
                            view! {
                                <crate::components::ErrorPanel error on_retry=move || session.reload() />
                            }
                                .into_any()
                        }
                    })
            }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_keeps_the_query() {
        assert_eq!(path_with_query("/usage", "range=24h"), "/usage?range=24h");
        assert_eq!(path_with_query("/usage", "?range=24h"), "/usage?range=24h");
        assert_eq!(path_with_query("/keys", ""), "/keys");
    }

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/keys?offset=20".to_owned())),
            "/keys?offset=20"
        );
        assert_eq!(safe_next(Some("//evil.example/".to_owned())), "/keys");
        assert_eq!(safe_next(Some("https://evil.example/".to_owned())), "/keys");
        assert_eq!(safe_next(Some("/sign-in".to_owned())), "/keys");
        assert_eq!(safe_next(None), "/keys");
    }
}
