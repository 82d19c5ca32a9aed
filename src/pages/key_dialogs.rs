//! The dialogs of the keys page: generate, regenerate (rotate) and delete.

use crate::api::{ApiClient, ApiClientError};
use crate::components::{Modal, SecretView};
use crate::format::page_origin;
use crate::session::Session;
use chrono::{NaiveDate, TimeZone, Utc};
use keyscope_model::key_requests::Name;
use keyscope_model::{ApiKey, CreateKeyRequest, CreatedKey, Plan, RotateKeyRequest};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A message the server (or the form itself) tied to one field.
#[derive(Debug, Clone, PartialEq)]
struct FieldMessage {
    field: String,
    message: String,
}

/// What a failed submit shows: at its field when the server named one.
#[derive(Debug, Clone, Default, PartialEq)]
struct FormErrors {
    at_field: Option<FieldMessage>,
    general: Option<String>,
}

impl FormErrors {
    fn from_api(error: &ApiClientError) -> Self {
        match error.field() {
            Some(field) => Self {
                at_field: Some(FieldMessage {
                    field,
                    message: error.to_string(),
                }),
                general: None,
            },
            None => Self {
                at_field: None,
                general: Some(error.to_string()),
            },
        }
    }

    fn at(field: &str, message: impl Into<String>) -> Self {
        Self {
            at_field: Some(FieldMessage {
                field: field.to_owned(),
                message: message.into(),
            }),
            general: None,
        }
    }

    fn message_for(&self, field: &str) -> Option<String> {
        self.at_field
            .as_ref()
            .filter(|error| error.field == field)
            .map(|error| error.message.clone())
    }
}

/// The message under a field, tied to it for screen readers.
fn field_error(errors: RwSignal<FormErrors>, field: &'static str) -> impl IntoView {
    move || {
        errors.get().message_for(field).map(|message| {
            view! {
                <p class="ks-field__error" id=format!("error-{field}") role="alert">
                    {message}
                </p>
            }
        })
    }
}

/// Expiry choices of the generate dialog.
const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("never", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("date", "On a date…"),
];

const SCOPES: [(&str, &str); 4] = [
    ("read", "Read: GET and HEAD"),
    ("write", "Write: POST, PUT and PATCH"),
    ("delete", "Delete: DELETE"),
    ("admin", "Admin: everything"),
];

/// "Generate API Key": the form, then the secret once.
#[component]
pub fn GenerateKeyDialog(
    client: ApiClient,
    on_close: Callback<()>,
    /// Called once a key exists, so the list can show it.
    on_created: Callback<()>,
) -> impl IntoView {
    let created = RwSignal::new(None::<(CreatedKey, String)>);
    let title = move || {
        if created.with(Option::is_some) {
            "Your new API key"
        } else {
            "Generate API Key"
        }
    };
    view! {
        <Modal title=Signal::derive(move || title().to_owned()) on_close>
            {move || match created.get() {
                Some((created, origin)) => view! {
                    <SecretView secret=created.secret origin />
                    <div class="ks-dialog__actions">
                        <button class="ks-button ks-button--primary" on:click=move |_| on_close.run(())>
                            "Done"
                        </button>
                    </div>
                }
                .into_any(),
                None => view! { <GenerateKeyForm client=client.clone() created on_created on_close /> }.into_any(),
            }}
        </Modal>
    }
}

#[component]
fn GenerateKeyForm(
    client: ApiClient,
    created: RwSignal<Option<(CreatedKey, String)>>,
    on_created: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec!["read".to_owned()]);
    let project_id = RwSignal::new(String::new());
    let expiry = RwSignal::new("never".to_owned());
    let expiry_date = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors::default());
    let pending = RwSignal::new(false);
    let csrf_token = Session::expect().csrf_token();
    let projects = LocalResource::new({
        let client = client.clone();
        move || {
            let client = client.clone();
            async move { client.list_projects().await }
        }
    });
    let admin = move || scopes.with(|scopes| scopes.iter().any(|scope| scope == "admin"));

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let request = match build_request(
            &name.get_untracked(),
            &description.get_untracked(),
            &scopes.get_untracked(),
            &project_id.get_untracked(),
            &expiry.get_untracked(),
            &expiry_date.get_untracked(),
            &plan.get_untracked(),
        ) {
            Ok(request) => request,
            Err(invalid) => {
                errors.set(invalid);
                return;
            }
        };
        errors.set(FormErrors::default());
        pending.set(true);
        let client = client.clone();
        let csrf_token = csrf_token.clone();
        let origin = page_origin();
        spawn_local(async move {
            match client.create_key(&request, &csrf_token).await {
                Ok(key) => {
                    created.set(Some((key, origin)));
                    on_created.run(());
                }
                Err(error) => errors.set(FormErrors::from_api(&error)),
            }
            pending.set(false);
        });
    };

    let scope_boxes = SCOPES
        .into_iter()
        .map(|(scope, label)| {
            let checked =
                move || admin() || scopes.with(|scopes| scopes.iter().any(|s| s == scope));
            let locked = move || scope != "admin" && admin();
            view! {
                <label class="ks-check">
                    <input
                        type="checkbox"
                        name="scopes"
                        value=scope
                        prop:checked=checked
                        disabled=locked
                        on:change=move |event| {
                            let on = event_target_checked(&event);
                            scopes.update(|scopes| {
                                scopes.retain(|s| s != scope);
                                if on {
                                    scopes.push(scope.to_owned());
                                }
                            });
                        }
                    />
                    <span>{label}</span>
                </label>
            }
        })
        .collect_view();

    view! {
        <form class="ks-form" on:submit=submit novalidate>
            <label class="ks-field">
                <span>"Name"</span>
                <input
                    type="text"
                    name="name"
                    required
                    maxlength=Name::MAX_CHARS
                    aria-invalid=move || errors.get().message_for("name").is_some().to_string()
                    aria-describedby="error-name"
                    prop:value=move || name.get()
                    on:input=move |event| name.set(event_target_value(&event))
                />
                {field_error(errors, "name")}
            </label>
            <label class="ks-field">
                <span>"Description " <span class="ks-muted">"(optional)"</span></span>
                <input
                    type="text"
                    name="description"
                    prop:value=move || description.get()
                    on:input=move |event| description.set(event_target_value(&event))
                />
                {field_error(errors, "description")}
            </label>
            <fieldset class="ks-fieldset">
                <legend>"Scopes"</legend>
                {scope_boxes}
                {field_error(errors, "scopes")}
            </fieldset>
            <label class="ks-field">
                <span>"Applies to"</span>
                <select name="project_id" on:change=move |event| project_id.set(event_target_value(&event))>
                    <option value="" selected=true>"The whole workspace"</option>
                    {move || {
                        projects
                            .get()
                            .and_then(Result::ok)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|project| {
                                view! { <option value=project.id.clone()>{format!("Project: {}", project.name)}</option> }
                            })
                            .collect_view()
                    }}
                </select>
                {field_error(errors, "project_id")}
            </label>
            <div class="ks-form__row">
                <label class="ks-field">
                    <span>"Expires"</span>
                    <select name="expiry" on:change=move |event| expiry.set(event_target_value(&event))>
                        {EXPIRY_CHOICES
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value selected=value == "never">{label}</option> })
                            .collect_view()}
                    </select>
                </label>
                <Show when=move || expiry.get() == "date">
                    <label class="ks-field">
                        <span>"Expiry date"</span>
                        <input
                            type="date"
                            name="expires_at"
                            prop:value=move || expiry_date.get()
                            on:input=move |event| expiry_date.set(event_target_value(&event))
                        />
                    </label>
                </Show>
                <label class="ks-field">
                    <span>"Plan"</span>
                    <select name="plan" on:change=move |event| plan.set(event_target_value(&event))>
                        <option value="" selected=true>"Workspace default"</option>
                        {Plan::ALL
                            .into_iter()
                            .map(|plan| view! { <option value=plan.as_str()>{plan.label()}</option> })
                            .collect_view()}
                    </select>
                    {field_error(errors, "plan")}
                </label>
            </div>
            {field_error(errors, "expires_at")}
            {field_error(errors, "expires_in_days")}
            {move || errors.get().general.map(|message| view! { <p class="ks-form__error" role="alert">{message}</p> })}
            <div class="ks-dialog__actions">
                <button type="button" class="ks-button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class="ks-button ks-button--primary" disabled=move || pending.get()>
                    "Generate key"
                </button>
            </div>
        </form>
    }
}

/// The form's values as the create request, or the first field that is wrong.
fn build_request(
    name: &str,
    description: &str,
    scopes: &[String],
    project_id: &str,
    expiry: &str,
    expiry_date: &str,
    plan: &str,
) -> Result<CreateKeyRequest, FormErrors> {
    let name = Name::parse(name).map_err(|error| FormErrors::at(&error.field, error.message))?;
    let scopes = if scopes.iter().any(|scope| scope == "admin") {
        vec!["admin".to_owned()]
    } else if scopes.is_empty() {
        return Err(FormErrors::at("scopes", "choose at least one scope"));
    } else {
        scopes.to_vec()
    };
    let (expires_in_days, expires_at) = match expiry {
        "never" => (None, None),
        "date" => {
            let date = NaiveDate::parse_from_str(expiry_date, "%Y-%m-%d")
                .map_err(|_| FormErrors::at("expires_at", "choose the day the key expires"))?;
            // The key works through the whole of the chosen day (UTC).
            let end_of_day = date
                .and_hms_opt(23, 59, 59)
                .map(|end| Utc.from_utc_datetime(&end));
            (None, end_of_day)
        }
        days => (days.parse().ok(), None),
    };
    Ok(CreateKeyRequest {
        name: name.as_str().to_owned(),
        description: Some(description.trim().to_owned()).filter(|text| !text.is_empty()),
        scopes: Some(scopes),
        project_id: Some(project_id.to_owned()).filter(|id| !id.is_empty()),
        expires_in_days,
        expires_at,
        plan: Plan::parse(plan),
        ..CreateKeyRequest::default()
    })
}

/// How long the old secret may keep working after a rotation.
const GRACE_CHOICES: [(u32, &str); 3] = [
    (0, "Stop the old secret now"),
    (3_600, "Keep the old secret working for 1 hour"),
    (86_400, "Keep the old secret working for 24 hours"),
];

/// Regenerate: a new secret; the old one ends now or after a grace period.
#[component]
pub fn RotateKeyDialog(
    client: ApiClient,
    key: ApiKey,
    on_close: Callback<()>,
    on_rotated: Callback<()>,
) -> impl IntoView {
    let grace = RwSignal::new(0u32);
    let rotated = RwSignal::new(None::<(CreatedKey, String)>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let csrf_token = Session::expect().csrf_token();
    let key_id = key.id.clone();
    let rotate = move |_| {
        let client = client.clone();
        let csrf_token = csrf_token.clone();
        let key_id = key_id.clone();
        let request = RotateKeyRequest {
            grace_period_seconds: Some(grace.get_untracked()),
        };
        let origin = page_origin();
        pending.set(true);
        spawn_local(async move {
            match client.rotate_key(&key_id, &request, &csrf_token).await {
                Ok(key) => {
                    rotated.set(Some((key, origin)));
                    on_rotated.run(());
                }
                Err(failure) => error.set(Some(failure.to_string())),
            }
            pending.set(false);
        });
    };
    let choices = move || {
        GRACE_CHOICES
            .into_iter()
            .map(|(seconds, label)| {
                view! {
                    <label class="ks-check">
                        <input
                            type="radio"
                            name="grace"
                            value=seconds
                            prop:checked=move || grace.get() == seconds
                            on:change=move |_| grace.set(seconds)
                        />
                        <span>{label}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let name = key.name.clone();
    view! {
        <Modal title=format!("Regenerate “{name}”") on_close>
            {move || match rotated.get() {
                Some((created, origin)) => view! {
                    <SecretView secret=created.secret origin />
                    <div class="ks-dialog__actions">
                        <button class="ks-button ks-button--primary" on:click=move |_| on_close.run(())>"Done"</button>
                    </div>
                }
                .into_any(),
                None => {
                    let rotate = rotate.clone();
                    view! {
                        <p>"A new secret replaces the current one. Anything that uses the old secret must be given the new one."</p>
                        <fieldset class="ks-fieldset">
                            <legend>"The old secret"</legend>
                            {choices()}
                        </fieldset>
                        {move || error.get().map(|message| view! { <p class="ks-form__error" role="alert">{message}</p> })}
                        <div class="ks-dialog__actions">
                            <button class="ks-button" on:click=move |_| on_close.run(())>"Cancel"</button>
                            <button class="ks-button ks-button--primary" disabled=move || pending.get() on:click=rotate>
                                "Regenerate key"
                            </button>
                        </div>
                    }
                    .into_any()
                }
            }}
        </Modal>
    }
}

/// Delete, behind a confirmation that names the key.
#[component]
pub fn DeleteKeyDialog(
    client: ApiClient,
    key: ApiKey,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let csrf_token = Session::expect().csrf_token();
    let key_id = key.id.clone();
    let delete = move |_| {
        let client = client.clone();
        let csrf_token = csrf_token.clone();
        let key_id = key_id.clone();
        pending.set(true);
        spawn_local(async move {
            match client.delete_key(&key_id, &csrf_token).await {
                Ok(()) => {
                    on_deleted.run(());
                    on_close.run(());
                }
                Err(failure) => error.set(Some(failure.to_string())),
            }
            pending.set(false);
        });
    };
    view! {
        <Modal title=format!("Delete “{}”?", key.name) on_close>
            <p>
                "This cannot be undone. Anything that calls the API with "
                <strong>{key.name.clone()}</strong>
                " is refused from now on, and the key leaves this list."
            </p>
            {move || error.get().map(|message| view! { <p class="ks-form__error" role="alert">{message}</p> })}
            <div class="ks-dialog__actions">
                <button class="ks-button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button class="ks-button ks-button--danger" disabled=move || pending.get() on:click=delete>
                    "Delete key"
                </button>
            </div>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        name: &str,
        scopes: &[&str],
        expiry: &str,
        date: &str,
    ) -> Result<CreateKeyRequest, FormErrors> {
        let scopes: Vec<String> = scopes.iter().map(|scope| (*scope).to_owned()).collect();
        build_request(name, "", &scopes, "", expiry, date, "")
    }

    #[test]
    fn admin_stands_for_every_scope() {
        let built = request("ci", &["read", "admin"], "never", "").expect("valid");
        assert_eq!(built.scopes, Some(vec!["admin".to_owned()]));
    }

    #[test]
    fn a_blank_name_is_reported_at_the_name_field() {
        let errors = request("  ", &["read"], "never", "").expect_err("invalid");
        assert!(errors.message_for("name").is_some());
    }

    #[test]
    fn no_scope_is_reported_at_the_scopes() {
        let errors = request("ci", &[], "never", "").expect_err("invalid");
        assert!(errors.message_for("scopes").is_some());
    }

    #[test]
    fn expiry_choices_become_days_or_the_end_of_a_date() {
        assert_eq!(
            request("ci", &["read"], "30", "")
                .expect("valid")
                .expires_in_days,
            Some(30)
        );
        let dated = request("ci", &["read"], "date", "2031-12-31").expect("valid");
        assert_eq!(
            dated
                .expires_at
                .map(|at| keyscope_model::timestamp::format(&at)),
            Some("2031-12-31T23:59:59.000Z".to_owned())
        );
        assert!(request("ci", &["read"], "date", "").is_err());
    }
}
