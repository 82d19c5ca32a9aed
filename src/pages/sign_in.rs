//! Sign-in with e-mail and password; comes back to where the visitor was.

use crate::api::ApiClient;
use crate::components::TextField;
use crate::session::{safe_next, Session};
use keyscope_model::LoginRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::expect();
    let query = use_query_map();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let request = LoginRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        let next = safe_next(query.with_untracked(|query| query.get("next")));
        let navigate = navigate.clone();
        pending.set(true);
        spawn_local(async move {
            match ApiClient::same_origin().sign_in(&request).await {
                Ok(me) => {
                    session.signed_in(me);
                    navigate(&next, NavigateOptions::default());
                }
                Err(failure) => error.set(Some(failure.to_string())),
            }
            pending.set(false);
        });
    };

    view! {
        <section class="ks-page ks-sign-in">
            <h1>"Sign in to keyscope"</h1>
            <form class="ks-form" on:submit=submit>
                <TextField label="E-mail" kind="email" name="email" autocomplete="username" value=email />
                <TextField
                    label="Password"
                    kind="password"
                    name="password"
                    autocomplete="current-password"
                    value=password
                />
                {move || error.get().map(|message| view! { <p class="ks-form__error" role="alert">{message}</p> })}
                <button class="ks-button ks-button--primary" type="submit" disabled=move || pending.get()>
                    "Sign in"
                </button>
            </form>
        </section>
    }
}
