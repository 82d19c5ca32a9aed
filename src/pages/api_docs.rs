//! The API reference (`/docs`): how a project's backend and its customers
//! call keyscope, then every operation of the server's own OpenAPI document
//! (`GET /v1/openapi.json`), rendered with the console's components: per tag
//! a section, per operation its credentials, parameters, request body,
//! responses and calls in curl, Python and JavaScript. Public: it holds no
//! secrets, and it needs nothing beyond the server that serves it.

use crate::api::{ApiClient, ApiClientError};
use crate::components::{CopyButton, ErrorPanel, Loading, MethodBadge};
use crate::openapi::{
    anchor, describe, example_value, inline_spans, paragraphs, Document, MediaType, OperationRef,
    Property, Response, SchemaNode, Snippets, Span, TagGroup,
};
use crate::snippets::SnippetLanguage;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let document = LocalResource::new(|| async {
        ApiClient::same_origin()
            .openapi_document()
            .await
            .map(Arc::new)
    });
    // One language for every operation's examples: choosing Python once
    // shows Python everywhere.
    let language = RwSignal::new(SnippetLanguage::Curl);
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    let answer = move || document.get();
    let state = move || match answer() {
        None => "loading",
        Some(Ok(_)) => "ready",
        Some(Err(_)) => "error",
    };
    // A link to one operation (`/docs#post-v1-keys-verify`) finds it once
    // the reference is drawn.
    Effect::new(move |scrolled: Option<bool>| {
        let ready = matches!(answer(), Some(Ok(_)));
        if ready && scrolled != Some(true) {
            request_animation_frame(scroll_to_hash);
        }
        ready || scrolled == Some(true)
    });
    view! {
        <div class="ks-page ks-docs" data-testid="api-reference" data-state=state>
            <header class="ks-page__header">
                <h1>"API reference"</h1>
                <p class="ks-muted">
                    {move || match answer() {
                        Some(Ok(document)) => format!(
                            "{} {} · OpenAPI {} · ",
                            document.info.title, document.info.version, document.openapi
                        ),
                        _ => String::new(),
                    }}
                    "The document itself: " <a href="/v1/openapi.json" rel="external">"/v1/openapi.json"</a>
                </p>
            </header>
            <div class="ks-docs__layout">
                {move || match answer() {
                    Some(Ok(document)) => Some(view! { <Contents document /> }),
                    _ => None,
                }}
                <div class="ks-docs__content">
                    <Introduction />
                    {move || match answer() {
                        None => view! { <Loading label="Loading the API reference…" /> }.into_any(),
                        Some(Err(error)) => reference_error(error, move || document.refetch()),
                        Some(Ok(document)) => {
                            view! { <Reference document origin=origin.clone() language /> }.into_any()
                        }
                    }}
                </div>
            </div>
        </div>
    }
}

fn reference_error(error: ApiClientError, retry: impl Fn() + 'static) -> AnyView {
    view! { <ErrorPanel error on_retry=retry /> }.into_any()
}

fn scroll_to_hash() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hash = window.location().hash().unwrap_or_default();
    let Some(id) = hash.strip_prefix('#').filter(|id| !id.is_empty()) else {
        return;
    };
    if let Some(element) = window
        .document()
        .and_then(|document| document.get_element_by_id(id))
    {
        element.scroll_into_view();
    }
}

/// The prose a new reader needs before the operations.
#[component]
fn Introduction() -> impl IntoView {
    view! {
        <section class="ks-docs__section" id="calling-the-api" aria-labelledby="calling-the-api-title">
            <h2 id="calling-the-api-title">"Calling the API"</h2>
            <p>"Every answer is JSON: " <code>"{\"success\": true, \"data\": …}"</code> " or the error envelope " <code>"{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}"</code> "."</p>

            <h3>"Your customers: call with their API key"</h3>
            <pre><code>"curl https://your-api.example/orders \\\n  -H \"Authorization: Bearer ks_live_…\""</code></pre>
            <p>"The header " <code>"x-api-key: ks_live_…"</code> " works too. Each key carries scopes: GET and HEAD need " <code>"read"</code> ", POST, PUT and PATCH need " <code>"write"</code> ", DELETE needs " <code>"delete"</code> "; " <code>"admin"</code> " grants all."</p>

            <h3>"Your backend: verify a key"</h3>
            <p>"Present the project's " <strong>"Project Key"</strong> " (from Get Credentials) and the customer's key to " <a href="#post-v1-keys-verify">"POST /v1/keys/verify"</a> ". The call counts against the key's limits and is recorded in the request log."</p>

            <h3>"Or let keyscope stand in front: the gateway"</h3>
            <p>"Give the project an upstream URL; calls to " <code>"/gateway/<API ID>/<path>"</code> " are authenticated, scope-checked, rate-limited, logged and forwarded. The caller's key never reaches your upstream."</p>

            <h3>"Limits and errors"</h3>
            <ul>
                <li><code>"X-RateLimit-Limit"</code> ", " <code>"X-RateLimit-Remaining"</code> ", " <code>"X-RateLimit-Reset"</code> " (epoch seconds) on every key-authenticated answer."</li>
                <li>"401 with a code that says why: " <code>"MISSING_API_KEY"</code> ", " <code>"MALFORMED_API_KEY"</code> ", " <code>"INVALID_API_KEY"</code> ", " <code>"KEY_REVOKED"</code> ", " <code>"KEY_DISABLED"</code> ", " <code>"KEY_EXPIRED"</code> "."</li>
                <li>"403 " <code>"INSUFFICIENT_SCOPE"</code> ": the key lacks the scope; " <code>"details.required_scope"</code> " names it."</li>
                <li>"429 " <code>"RATE_LIMITED"</code> ": wait " <code>"Retry-After"</code> " seconds; " <code>"details.window"</code> " names the limit (minute, day, period)."</li>
            </ul>
            <p>"The examples below call this server. " <code>"YOUR_API_KEY"</code> ", " <code>"YOUR_PROJECT_KEY"</code> " and the capitalised path parameters (" <code>"ID"</code> ", " <code>"API_ID"</code> ") stand for your own values."</p>
        </section>
    }
}

/// The heading of a tag's section: `keys` → `Keys`; untagged → `Other`.
fn tag_title(name: &str) -> String {
    let mut characters = name.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => "Other".to_owned(),
    }
}

fn tag_anchor(name: &str) -> String {
    format!("tag-{}", if name.is_empty() { "other" } else { name })
}

/// A table of contents: the introduction, each tag with its operations,
/// and the schemas.
#[component]
fn Contents(document: Arc<Document>) -> impl IntoView {
    let groups = document
        .by_tag()
        .into_iter()
        .map(|group| {
            let operations = group
                .operations
                .iter()
                .map(|operation| {
                    view! {
                        <li>
                            <a href=format!("#{}", anchor(operation.method, operation.path))>
                                <MethodBadge method=operation.method />
                                <span class="ks-docs__toc-path" title=operation.path.to_owned()>{operation.path.to_owned()}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <li>
                    <a href=format!("#{}", tag_anchor(&group.name))>{tag_title(&group.name)}</a>
                    <ol class="ks-docs__toc-operations">{operations}</ol>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="ks-docs__toc" aria-labelledby="reference-contents">
            <h2 id="reference-contents" class="ks-docs__toc-title">"Contents"</h2>
            <ol>
                <li><a href="#calling-the-api">"Calling the API"</a></li>
                {groups}
                {(!document.components.schemas.is_empty())
                    .then(|| view! { <li><a href="#schemas">"Schemas"</a></li> })}
            </ol>
        </nav>
    }
}

/// Every operation, by tag, then the document's schemas.
#[component]
fn Reference(
    document: Arc<Document>,
    origin: String,
    language: RwSignal<SnippetLanguage>,
) -> impl IntoView {
    let description = document.info.description.clone();
    let sections = document
        .by_tag()
        .iter()
        .map(|group| tag_section(&document, group, &origin, language))
        .collect_view();
    view! {
        {description.map(|description| view! {
            <section class="ks-docs__section" id="overview" aria-labelledby="overview-title">
                <h2 id="overview-title">"Overview"</h2>
                {prose(&description)}
            </section>
        })}
        {sections}
        <Schemas document />
    }
}

fn tag_section(
    document: &Arc<Document>,
    group: &TagGroup<'_>,
    origin: &str,
    language: RwSignal<SnippetLanguage>,
) -> impl IntoView {
    let id = tag_anchor(&group.name);
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let operations = group
        .operations
        .iter()
        .map(|operation| operation_view(document, *operation, origin, language))
        .collect_view();
    view! {
        <section class="ks-docs__section ks-docs__tag" id=id aria-labelledby=labelled_by>
            <h2 id=title_id>{tag_title(&group.name)}</h2>
            {group.description.as_deref().map(prose)}
            {operations}
        </section>
    }
}

fn operation_view(
    document: &Arc<Document>,
    operation: OperationRef<'_>,
    origin: &str,
    language: RwSignal<SnippetLanguage>,
) -> impl IntoView {
    let id = anchor(operation.method, operation.path);
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let op = operation.operation;
    let summary = op.summary.as_deref().map(prose);
    let description = op.description.as_deref().map(prose);
    let parameters = parameters_view(document, operation);
    let body = op.request_body.as_ref().map(|body| {
        let body = document.request_body(body);
        let media = body
            .content
            .iter()
            .map(|(kind, media)| media_view(document, kind, media, false))
            .collect_view();
        view! {
            <h4>"Request body"</h4>
            <p class="ks-muted ks-small">{if body.required { "Required." } else { "Optional." }}</p>
            {body.description.as_deref().map(prose)}
            {media}
        }
    });
    let responses = op
        .responses
        .iter()
        .map(|(status, response)| {
            response_view(document, status, document.response(response).clone())
        })
        .collect_view();
    let snippets = Snippets::for_operation(document, operation, origin);
    view! {
        <article
            class="ks-docs__operation"
            id=id.clone()
            aria-labelledby=labelled_by
            data-testid="operation"
            data-method=operation.method
            data-path=operation.path.to_owned()
        >
            <h3 id=title_id class="ks-docs__operation-title">
                <MethodBadge method=operation.method />
                " "
                <code class="ks-docs__path">{operation.path.to_owned()}</code>
                {op.deprecated.then(|| view! { <span class="ks-badge ks-badge--orange">"Deprecated"</span> })}
            </h3>
            {summary}
            {description}
            <h4>"Credentials"</h4>
            {security_view(document, operation)}
            {parameters}
            {body}
            <h4>"Responses"</h4>
            <div class="ks-docs__responses">{responses}</div>
            <h4>"Examples"</h4>
            {examples_view(&id, operation, snippets, language)}
        </article>
    }
}

/// Which credentials an operation takes: any one of the listed sets.
fn security_view(document: &Document, operation: OperationRef<'_>) -> AnyView {
    let requirements = document.security(operation.operation);
    if requirements
        .iter()
        .all(|requirement| requirement.is_empty())
    {
        return view! { <p class="ks-docs__security">"None: anyone may call it."</p> }.into_any();
    }
    let alternatives = requirements
        .iter()
        .map(|requirement| {
            if requirement.is_empty() {
                return view! { <li>"no credentials"</li> }.into_any();
            }
            let schemes = requirement
                .iter()
                .enumerate()
                .map(|(index, (name, _))| {
                    let scheme = document.components.security_schemes.get(name);
                    let how = match scheme {
                        Some(scheme) => match (scheme.kind.as_str(), scheme.location.as_deref()) {
                            ("apiKey", Some("cookie")) => {
                                format!("cookie {}", scheme.name.clone().unwrap_or_default())
                            }
                            ("apiKey", Some("query")) => {
                                format!("?{}=…", scheme.name.clone().unwrap_or_default())
                            }
                            ("apiKey", _) => {
                                format!("{}: …", scheme.name.clone().unwrap_or_default())
                            }
                            ("http", _) => format!(
                                "Authorization: {} …",
                                tag_title(scheme.scheme.as_deref().unwrap_or("bearer"))
                            ),
                            (other, _) => other.to_owned(),
                        },
                        None => name.to_owned(),
                    };
                    let description = scheme.and_then(|scheme| scheme.description.clone());
                    view! {
                        {(index > 0).then_some(" and ")}
                        <code>{how}</code>
                        {description.map(|description| view! { " (" {rich(&description)} ")" })}
                    }
                })
                .collect_view();
            view! { <li>{schemes}</li> }.into_any()
        })
        .collect_view();
    view! {
        <div class="ks-docs__security">
            <p>{if requirements.len() > 1 { "Any one of:" } else { "Needs:" }}</p>
            <ul>{alternatives}</ul>
        </div>
    }
    .into_any()
}

fn parameters_view(document: &Document, operation: OperationRef<'_>) -> Option<AnyView> {
    let parameters = document.parameters(operation.item, operation.operation);
    if parameters.is_empty() {
        return None;
    }
    let rows = parameters
        .into_iter()
        .map(|parameter| {
            let node = parameter
                .schema
                .as_ref()
                .map(|schema| describe(schema, document))
                .unwrap_or_default();
            let description = parameter.description.clone().or(node.description.clone());
            view! {
                <tr>
                    <th scope="row"><code>{parameter.name.clone()}</code></th>
                    <td>{parameter.location.clone()}</td>
                    <td><span class="ks-docs__type">{node.label.clone()}</span></td>
                    <td>{if parameter.required { "yes" } else { "no" }}</td>
                    <td class="ks-docs__wrap">
                        {description.as_deref().map(rich)}
                        {facts_view(&node)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    Some(
        view! {
            <h4>"Parameters"</h4>
            <div class="ks-table-wrap">
                <table class="ks-table ks-docs__table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"In"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Required"</th>
                            <th scope="col">"Description"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any(),
    )
}

/// One media type of a body: its schema, and an example (the document's,
/// or for JSON one built from the schema) when `with_example`.
fn media_view(
    document: &Document,
    kind: &str,
    media: &MediaType,
    with_example: bool,
) -> impl IntoView {
    let node = media
        .schema
        .as_ref()
        .map(|schema| describe(schema, document));
    let example = with_example
        .then(|| {
            media.given_example().cloned().or_else(|| {
                let json = kind.starts_with("application/json") || kind.contains("+json");
                json.then(|| {
                    media
                        .schema
                        .as_ref()
                        .map(|schema| example_value(schema, document))
                })
                .flatten()
            })
        })
        .flatten()
        .map(|example| serde_json::to_string_pretty(&example).unwrap_or_default());
    view! {
        <div class="ks-docs__media">
            <p class="ks-docs__media-type"><code>{kind.to_owned()}</code></p>
            {node.map(schema_view)}
            {example.map(|example| view! {
                <p class="ks-docs__example-label">"Example"</p>
                <pre class="ks-docs__code"><code>{example}</code></pre>
            })}
        </div>
    }
}

/// A status with its description; opened, its headers and bodies. Only
/// 2xx answers start open; the others are drawn when first opened.
fn response_view(document: &Arc<Document>, status: &str, response: Response) -> impl IntoView {
    let open = status.starts_with('2');
    let shown = RwSignal::new(open);
    let tone = match status.chars().next() {
        Some('2') => "green",
        Some('3') => "blue",
        Some('4') => "orange",
        Some('5') => "red",
        _ => "grey",
    };
    let description = response.description.clone();
    let document = Arc::clone(document);
    let body = move || {
        shown.get().then(|| {
            let headers = (!response.headers.is_empty()).then(|| {
                let rows = response
                    .headers
                    .iter()
                    .map(|(name, header)| {
                        let label = header
                            .schema
                            .as_ref()
                            .map(|schema| describe(schema, &document).label)
                            .unwrap_or_default();
                        view! {
                            <tr>
                                <th scope="row"><code>{name.to_owned()}</code></th>
                                <td><span class="ks-docs__type">{label}</span></td>
                                <td class="ks-docs__wrap">{header.description.as_deref().map(rich)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="ks-table-wrap">
                        <table class="ks-table ks-docs__table">
                            <caption class="ks-visually-hidden">"Response headers"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Header"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Description"</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
            });
            let media = response
                .content
                .iter()
                .map(|(kind, media)| media_view(&document, kind, media, true))
                .collect_view();
            let empty = (response.headers.is_empty() && response.content.is_empty())
                .then(|| view! { <p class="ks-muted ks-small">"No body."</p> });
            view! { <div class="ks-docs__response-body">{headers}{media}{empty}</div> }
        })
    };
    view! {
        <details
            class="ks-docs__response"
            open=open
            data-status=status.to_owned()
            on:toggle=move |event| {
                shown.set(event_target::<web_sys::HtmlDetailsElement>(&event).open());
            }
        >
            <summary>
                <span class=format!("ks-badge ks-badge--{tone} ks-docs__status")>{status.to_owned()}</span>
                " "
                {rich(&description)}
            </summary>
            {body}
        </details>
    }
}

/// The calls, one tab per language; the panels stay in the page, hidden
/// but the chosen one.
fn examples_view(
    id: &str,
    operation: OperationRef<'_>,
    snippets: Snippets,
    language: RwSignal<SnippetLanguage>,
) -> impl IntoView {
    let key = |choice: SnippetLanguage| choice.label().to_ascii_lowercase();
    let tabs = SnippetLanguage::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <button
                    type="button"
                    role="tab"
                    class="ks-tab"
                    id=format!("{id}-tab-{}", key(choice))
                    aria-controls=format!("{id}-panel-{}", key(choice))
                    aria-selected=move || (language.get() == choice).to_string()
                    on:click=move |_| language.set(choice)
                >
                    {choice.label()}
                </button>
            }
        })
        .collect_view();
    let panels = SnippetLanguage::ALL
        .into_iter()
        .map(|choice| {
            let code = snippets.get(choice).to_owned();
            view! {
                <div
                    class="ks-snippet"
                    role="tabpanel"
                    id=format!("{id}-panel-{}", key(choice))
                    aria-labelledby=format!("{id}-tab-{}", key(choice))
                    data-language=key(choice)
                    hidden=move || language.get() != choice
                >
                    <pre class="ks-docs__code"><code>{code.clone()}</code></pre>
                    <CopyButton value=code label=format!("Copy {} example", choice.label()) />
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="ks-snippets ks-docs__examples">
            <div
                class="ks-tabs"
                role="tablist"
                aria-label=format!("Example calls of {} {}", operation.method, operation.path)
            >
                {tabs}
            </div>
            {panels}
        </div>
    }
}

/// `components.schemas`, each drawn when first opened.
#[component]
fn Schemas(document: Arc<Document>) -> impl IntoView {
    if document.components.schemas.is_empty() {
        return None;
    }
    let schemas = document
        .components
        .schemas
        .iter()
        .map(|(name, _)| {
            let shown = RwSignal::new(false);
            let document = Arc::clone(&document);
            let reference = format!("#/components/schemas/{name}");
            let body = move || {
                shown.get().then(|| {
                    let schema = crate::openapi::Schema {
                        reference: Some(reference.clone()),
                        ..Default::default()
                    };
                    schema_view(describe(&schema, &document))
                })
            };
            view! {
                <details
                    class="ks-docs__schema"
                    id=format!("schema-{name}")
                    on:toggle=move |event| {
                        shown.set(event_target::<web_sys::HtmlDetailsElement>(&event).open());
                    }
                >
                    <summary><code>{name.to_owned()}</code></summary>
                    {body}
                </details>
            }
        })
        .collect_view();
    Some(view! {
        <section class="ks-docs__section" id="schemas" aria-labelledby="schemas-title">
            <h2 id="schemas-title">"Schemas"</h2>
            <p class="ks-muted">"The types the operations above name, as " <code>"components.schemas"</code> " defines them."</p>
            {schemas}
        </section>
    })
}

/// A schema: its type, description, constraints, and its properties or
/// alternatives, nested.
fn schema_view(node: SchemaNode) -> AnyView {
    let facts = facts_view(&node);
    let SchemaNode {
        label,
        description,
        properties,
        variants,
        ..
    } = node;
    view! {
        <div class="ks-schema">
            <p class="ks-schema__head"><span class="ks-docs__type">{label}</span></p>
            {description.as_deref().map(prose)}
            {facts}
            {nested_view(properties, variants)}
        </div>
    }
    .into_any()
}

fn nested_view(properties: Vec<Property>, variants: Vec<SchemaNode>) -> AnyView {
    let properties = (!properties.is_empty()).then(|| {
        let items = properties
            .into_iter()
            .map(|property| {
                let facts = facts_view(&property.node);
                let SchemaNode {
                    label,
                    description,
                    properties,
                    variants,
                    ..
                } = property.node;
                view! {
                    <li class="ks-schema__property">
                        <div class="ks-schema__line">
                            <code class="ks-schema__name">{property.name}</code>
                            " "
                            <span class="ks-docs__type">{label}</span>
                            {property.required.then(|| view! { " " <span class="ks-schema__required">"required"</span> })}
                        </div>
                        {description.as_deref().map(prose)}
                        {facts}
                        {nested_view(properties, variants)}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="ks-schema__properties">{items}</ul> }
    });
    let variants = (!variants.is_empty()).then(|| {
        let items = variants
            .into_iter()
            .map(|variant| view! { <li>{schema_view(variant)}</li> })
            .collect_view();
        view! {
            <p class="ks-schema__variants-label">"One of:"</p>
            <ol class="ks-schema__variants">{items}</ol>
        }
    });
    view! { {properties} {variants} }.into_any()
}

/// Allowed values and constraints, as a short list.
fn facts_view(node: &SchemaNode) -> Option<AnyView> {
    if node.facts.is_empty() && node.values.is_empty() {
        return None;
    }
    let values = (!node.values.is_empty()).then(|| {
        let values = node
            .values
            .iter()
            .enumerate()
            .map(|(index, value)| view! { {(index > 0).then_some(", ")} <code>{value.clone()}</code> })
            .collect_view();
        view! { <li>"one of " {values}</li> }
    });
    let facts = node
        .facts
        .iter()
        .map(|(name, value)| view! { <li>{*name} " " <code>{value.clone()}</code></li> })
        .collect_view();
    Some(view! { <ul class="ks-schema__facts">{values}{facts}</ul> }.into_any())
}

/// Text with its `code` spans.
fn rich(text: &str) -> impl IntoView {
    inline_spans(text)
        .into_iter()
        .map(|span| match span {
            Span::Text(text) => text.into_any(),
            Span::Code(code) => view! { <code>{code}</code> }.into_any(),
        })
        .collect_view()
}

/// Text in paragraphs, each with its `code` spans.
fn prose(text: &str) -> impl IntoView {
    paragraphs(text)
        .into_iter()
        .map(|paragraph| view! { <p class="ks-docs__prose">{rich(&paragraph)}</p> })
        .collect_view()
}
