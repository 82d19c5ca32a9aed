//! Projects and each project's API tab: quota, the last seven days, recent
//! requests and the project's credentials.

use crate::api::usage::UsageScope;
use crate::api::ApiClient;
use crate::components::{CopyButton, ErrorPanel, Loading, Modal};
use crate::format::now;
use crate::session::Session;
use crate::widgets::{DailyBarChart, QuotaCards, RecentRequests, UsageRange};
use keyscope_model::{Project, ProjectCredentials};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let client = ApiClient::same_origin();
    let projects = LocalResource::new(move || {
        let client = client.clone();
        async move { client.list_projects().await }
    });
    view! {
        <section class="ks-page">
            <header class="ks-page__header">
                <h1>"Projects"</h1>
                <p class="ks-muted">"Each project is an API you guard with keyscope."</p>
            </header>
            <Transition fallback=|| view! { <Loading label="Loading projects…" /> }>
                {move || {
                    projects
                        .get()
                        .map(|answer| match answer {
                            Ok(projects) if projects.is_empty() => view! {
                                <div class="ks-state ks-state--empty">
                                    <p class="ks-state__title">"No projects yet"</p>
                                    <p class="ks-state__detail">
                                        "Create one with " <code>"POST /v1/projects"</code>
                                        " and its API tab appears here."
                                    </p>
                                </div>
                            }
                            .into_any(),
                            Ok(projects) => view! { <ProjectList projects /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error on_retry=move || projects.refetch() /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn ProjectList(projects: Vec<Project>) -> impl IntoView {
    let items = projects
        .into_iter()
        .map(|project| {
            view! {
                <li data-project-id=project.id.clone()>
                    <h2>{project.name.clone()}</h2>
                    <p class="ks-muted ks-small">
                        {project.upstream_url.clone().unwrap_or_else(|| "No upstream for the gateway".to_owned())}
                    </p>
                    <div class="ks-project-links">
                        <a href=format!("/projects/{}/api", project.id)>"API"</a>
                        <a href=format!("/projects/{}/usage", project.id)>"Usage"</a>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="ks-project-list">{items}</ul> }
}

#[component]
pub fn ProjectApiPage() -> impl IntoView {
    let params = use_params_map();
    let project_id = move || params.with(|params| params.get("id").unwrap_or_default());
    let client = ApiClient::same_origin();
    let project = LocalResource::new({
        let client = client.clone();
        move || {
            let client = client.clone();
            let project_id = project_id();
            async move { client.project_details(&project_id).await }
        }
    });
    view! {
        <section class="ks-page">
            <Transition fallback=|| view! { <Loading label="Loading the project…" /> }>
                {move || {
                    let client = client.clone();
                    project
                        .get()
                        .map(|answer| match answer {
                            Ok(Some(project)) => view! { <ProjectApi client project /> }.into_any(),
                            Ok(None) => view! {
                                <h1>"Project not found"</h1>
                                <p><a href="/projects">"Back to projects"</a></p>
                            }
                            .into_any(),
                            Err(error) => view! { <ErrorPanel error on_retry=move || project.refetch() /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn ProjectApi(client: ApiClient, project: Project) -> impl IntoView {
    let credentials_open = RwSignal::new(false);
    let quota = LocalResource::new({
        let client = client.clone();
        let project_id = project.id.clone();
        move || {
            let client = client.clone();
            let project_id = project_id.clone();
            async move { client.project_quota(&project_id).await }
        }
    });
    let dialog_client = client.clone();
    let dialog_project = project.id.clone();
    view! {
        <header class="ks-page__header ks-page__header--actions">
            <div>
                <p class="ks-muted ks-small"><a href="/projects">"Projects"</a> " / API"</p>
                <h1>{project.name.clone()}</h1>
            </div>
            <button class="ks-button ks-button--primary" on:click=move |_| credentials_open.set(true)>
                "Get Credentials"
            </button>
        </header>
        <Show when=move || credentials_open.get()>
            <CredentialsDialog
                client=dialog_client.clone()
                project_id=dialog_project.clone()
                on_close=Callback::new(move |()| credentials_open.set(false))
            />
        </Show>
        <Transition fallback=|| view! { <Loading label="Loading the quota…" /> }>
            {move || {
                quota
                    .get()
                    .map(|answer| match answer {
                        Ok(quota) => view! { <QuotaCards quota /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error on_retry=move || quota.refetch() /> }.into_any(),
                    })
            }}
        </Transition>
        <section class="ks-panel" aria-labelledby="week-heading">
            <h2 id="week-heading">"Last 7 days"</h2>
            <LastSevenDays client=client.clone() project_id=project.id.clone() />
        </section>
        <section class="ks-panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recent requests"</h2>
            <RecentRequests client project_id=project.id.clone() />
            <p class="ks-small">
                <a href=format!("/projects/{}/usage", project.id)>"All usage and the request log →"</a>
            </p>
        </section>
    }
}

/// The project's requests per day over the last week: flat bars when quiet.
#[component]
fn LastSevenDays(client: ApiClient, project_id: String) -> impl IntoView {
    let scope = UsageScope::Project(project_id);
    let summary = LocalResource::new(move || {
        let client = client.clone();
        let scope = scope.clone();
        let (from, to) = UsageRange::Last7Days.bounds(now());
        async move { client.usage_summary(&scope, from, to).await }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the week…" /> }>
            {move || {
                summary
                    .get()
                    .map(|answer| match answer {
                        Ok(summary) => view! {
                            <div data-testid="project-week">
                                <DailyBarChart points=summary.series label="Requests per day" />
                            </div>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPanel error on_retry=move || summary.refetch() /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// The API ID and Project Key, each with a copy icon, and a way to replace them.
#[component]
fn CredentialsDialog(
    client: ApiClient,
    project_id: String,
    on_close: Callback<()>,
) -> impl IntoView {
    let credentials = RwSignal::new(None::<Result<ProjectCredentials, crate::api::ApiClientError>>);
    let confirming = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let load = {
        let client = client.clone();
        let project_id = project_id.clone();
        move || {
            let client = client.clone();
            let project_id = project_id.clone();
            spawn_local(async move {
                credentials.set(Some(client.project_credentials(&project_id).await));
            });
        }
    };
    load();
    let regenerate = move |_| {
        let client = client.clone();
        let project_id = project_id.clone();
        let csrf_token = Session::expect().csrf_token();
        pending.set(true);
        spawn_local(async move {
            let answer = client
                .regenerate_project_credentials(&project_id, &csrf_token)
                .await;
            credentials.set(Some(answer));
            confirming.set(false);
            pending.set(false);
        });
    };
    view! {
        <Modal title="Project credentials" on_close wide=true>
            <p class="ks-muted">
                "Your backend presents these to keyscope to verify your customers' keys. "
                <a href="/docs" target="_blank">"How to call the API"</a>
            </p>
            {move || match credentials.get() {
                None => view! { <Loading label="Loading credentials…" /> }.into_any(),
                Some(Err(error)) => {
                    let load = load.clone();
                    view! { <ErrorPanel error on_retry=move || load() /> }.into_any()
                }
                Some(Ok(credentials)) => view! {
                    <div class="ks-credential">
                        <p class="ks-credential__label">"API ID"</p>
                        <div class="ks-credential__value">
                            <code data-testid="api-id">{credentials.api_id.clone()}</code>
                            <CopyButton value=credentials.api_id label="Copy API ID" icon_only=true />
                        </div>
                    </div>
                    <div class="ks-credential">
                        <p class="ks-credential__label">"Project Key"</p>
                        <div class="ks-credential__value">
                            <code data-testid="project-key">{credentials.project_key.clone()}</code>
                            <CopyButton value=credentials.project_key label="Copy Project Key" icon_only=true />
                        </div>
                    </div>
                }
                .into_any(),
            }}
            {move || {
                let regenerate = regenerate.clone();
                if confirming.get() {
                    view! {
                        <p class="ks-warning" role="alert">
                            "Regenerating replaces both the API ID and the Project Key. The current ones stop working at once: update your backend straight after."
                        </p>
                        <div class="ks-dialog__actions">
                            <button class="ks-button" on:click=move |_| confirming.set(false)>"Keep the current ones"</button>
                            <button class="ks-button ks-button--danger" disabled=move || pending.get() on:click=regenerate>
                                "Regenerate credentials"
                            </button>
                        </div>
                    }
                    .into_any()
                } else {
                    view! {
                        <div class="ks-dialog__actions">
                            <button class="ks-button" on:click=move |_| confirming.set(true)>"Regenerate…"</button>
                            <button class="ks-button ks-button--primary" on:click=move |_| on_close.run(())>"Done"</button>
                        </div>
                    }
                    .into_any()
                }
            }}
        </Modal>
    }
}
