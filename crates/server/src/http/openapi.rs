//! The API's contract: an OpenAPI 3.1 document generated from the handlers'
//! `#[utoipa::path]` annotations and the model's types, served at
//! `/v1/openapi.json`. What every operation shares (who may call it, the
//! error envelope with its codes per status, the rate-limit and request-id
//! headers) is added here once, by [`Contract`], rather than repeated on
//! each handler. A test fails for a route the document does not describe.

use super::ApiContext;
use axum::extract::State;
use axum::Json;
use keyscope_model::{ApiError, ErrorCode, ErrorResponse};
use serde_json::json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "keyscope",
        description = "API keys, rate limits and usage for your API. Every `/v1` answer is JSON in an envelope: `{\"success\": true, \"data\": …}`, or `{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}`. Calls made with a key carry the key's rate-limit headers, and every answer an `X-Request-Id`, the id the request log shows.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        super::health,
        super::requests::metrics,
        super::gateway::proxy_root,
        super::gateway::proxy,
        super::keys::list,
        super::keys::create,
        super::keys::verify,
        super::keys::calling_key,
        super::keys::read,
        super::keys::update,
        super::keys::delete,
        super::keys::rotate,
        super::keys::revoke,
        super::keys::quota,
        super::projects::list,
        super::projects::create,
        super::projects::update,
        super::projects::credentials,
        super::projects::regenerate,
        super::projects::quota,
        super::requests::log,
        super::export::export,
        super::live::live,
        super::requests::one,
        super::requests::usage,
        super::session::sign_in,
        super::session::sign_out,
        super::session::me,
        super::users::list,
        super::users::add,
        document,
    ),
    components(schemas(ErrorResponse, ApiError, ErrorCode)),
    modifiers(&Contract),
    tags(
        (name = "keys", description = "API keys: issue, read, change, rotate, revoke, delete; verify for services that keep their own server"),
        (name = "projects", description = "Projects, their upstream and their credentials (API ID and Project Key)"),
        (name = "requests", description = "The request log: filtered pages, one record, export, live feed"),
        (name = "usage", description = "Usage summaries from hourly rollups"),
        (name = "session", description = "Console sign-in"),
        (name = "users", description = "Console users of the workspace"),
        (name = "gateway", description = "Calls to a project's own API, authenticated, scope-checked, rate-limited, logged and proxied to its upstream"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(
    get, path = "/v1/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "the OpenAPI 3.1 document of this API", body = Object))
)]
pub(super) async fn document(State(_): State<ApiContext>) -> Json<Document> {
    Json(ApiDoc::openapi())
}

/// The request log's filters, as `GET /v1/requests` and its export read
/// them (`LogFilter::parse`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query; LogFilter::parse reads it
pub(super) struct LogFilterParams {
    /// Only this key's calls.
    key_id: Option<String>,
    /// Only this project's calls.
    project_id: Option<String>,
    /// Only calls on this resource (the path segment after the resource).
    resource_id: Option<String>,
    /// From this time on (RFC 3339), inclusive.
    #[param(format = DateTime)]
    from: Option<String>,
    /// Before this time (RFC 3339), exclusive.
    #[param(format = DateTime)]
    to: Option<String>,
    /// completed, failed, rate_limited, unauthorized or forbidden.
    #[param(pattern = "^(completed|failed|rate_limited|unauthorized|forbidden)$")]
    status: Option<String>,
    /// GET, POST, PUT, PATCH, DELETE, …
    method: Option<String>,
    /// Endpoints that contain this text.
    endpoint: Option<String>,
    /// Only this HTTP status.
    #[param(minimum = 100, maximum = 599)]
    response_code: Option<u16>,
}

/// A page of the log: how many, and where the previous page ended.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query; LogFilter::parse reads it
pub(super) struct LogPageParams {
    /// 1 to 1,000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The export's format (with the log's filters; no `limit` or `cursor`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query; export reads it
pub(super) struct ExportParams {
    /// csv (default) or ndjson.
    #[param(pattern = "^(csv|ndjson)$")]
    format: Option<String>,
}

/// Whose records the live feed sends.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query; live reads it
pub(super) struct LiveParams {
    key_id: Option<String>,
    project_id: Option<String>,
}

/// What a usage summary covers (`UsageQuery::parse`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query; UsageQuery::parse reads it
pub(super) struct UsageParams {
    /// A key's usage.
    key_id: Option<String>,
    /// A project's usage.
    project_id: Option<String>,
    /// Start (RFC 3339), rounded down to the hour; default 7 days ago.
    #[param(format = DateTime)]
    from: Option<String>,
    /// End (RFC 3339), rounded up to the hour; default now; at most 400 days after `from`.
    #[param(format = DateTime)]
    to: Option<String>,
}

/// Who may call which operations, and what every answer may be.
struct Contract;

/// How an operation is authenticated.
#[derive(Clone, Copy, PartialEq)]
enum Guard {
    /// A key, or a console session with its CSRF token.
    Management,
    /// A key only (the gateway, `GET /v1/key`).
    KeyOnly,
    /// The project's Project Key (verify).
    ProjectKey,
    /// Anyone (health, this document, sign-in, metrics unless a token is set).
    Open,
}

fn guard_of(path: &str, method: &str) -> Guard {
    match (path, method) {
        ("/v1/keys/verify", _) => Guard::ProjectKey,
        ("/v1/key", _) => Guard::KeyOnly,
        (gateway, _) if gateway.starts_with("/gateway/") => Guard::KeyOnly,
        ("/healthz" | "/metrics" | "/v1/openapi.json", _)
        | ("/v1/session", "post")
        | ("/v1/me", "get") => Guard::Open,
        _ => Guard::Management,
    }
}

/// The error codes each status may carry.
const ERRORS: [(u16, &str, &[ErrorCode]); 12] = [
    (
        400,
        "the input does not parse; `details.field` names it",
        &[ErrorCode::ValidationError],
    ),
    (
        401,
        "no valid credentials",
        &[
            ErrorCode::Unauthorized,
            ErrorCode::MissingApiKey,
            ErrorCode::MalformedApiKey,
            ErrorCode::InvalidApiKey,
            ErrorCode::KeyRevoked,
            ErrorCode::KeyDisabled,
            ErrorCode::KeyExpired,
            ErrorCode::MissingProjectKey,
            ErrorCode::InvalidProjectKey,
            ErrorCode::InvalidCredentials,
        ],
    ),
    (
        403,
        "the caller may not do this: a missing scope (`details.required_scope`), a role, a project confinement, minting beyond the caller's own power, a missing CSRF token, or plain HTTP where HTTPS is required",
        &[
            ErrorCode::InsufficientScope,
            ErrorCode::Forbidden,
            ErrorCode::CsrfTokenInvalid,
            ErrorCode::HttpsRequired,
        ],
    ),
    (
        404,
        "no such thing in the caller's sight (another workspace's or project's ids answer the same)",
        &[ErrorCode::NotFound],
    ),
    (
        408,
        "the request's body did not arrive within the client timeout",
        &[ErrorCode::RequestTimeout],
    ),
    (
        409,
        "the change conflicts with the current state",
        &[ErrorCode::Conflict],
    ),
    (413, "the body is over 64 KiB", &[ErrorCode::PayloadTooLarge]),
    (
        415,
        "the body is not JSON in UTF-8",
        &[ErrorCode::UnsupportedMediaType],
    ),
    (
        429,
        "a limit is reached: `details.window` names it, `Retry-After` says when to retry",
        &[ErrorCode::RateLimited],
    ),
    (
        500,
        "an unexpected failure, logged with the request id",
        &[ErrorCode::InternalError],
    ),
    (
        502,
        "the gateway's upstream could not be reached or broke off",
        &[ErrorCode::BadGateway],
    ),
    (
        504,
        "the gateway's upstream did not answer in time",
        &[ErrorCode::GatewayTimeout],
    ),
];

/// Which statuses an operation can refuse with.
fn error_statuses(guard: Guard, path: &str, has_body: bool) -> Vec<u16> {
    let mut statuses = vec![400, 401, 403, 404, 429, 500];
    if has_body {
        statuses.extend([408, 413, 415]);
    }
    if path.starts_with("/v1/keys") || path.starts_with("/v1/users") {
        statuses.push(409);
    }
    if path.starts_with("/gateway/") {
        // Uploads stream to the upstream, so a stalled one is 408 too.
        statuses.extend([408, 502, 504]);
    }
    if guard == Guard::Open && path != "/v1/session" {
        statuses.retain(|status| *status == 500 || (path == "/metrics" && *status == 401));
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

fn code_text(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn error_response(description: &str, codes: &[ErrorCode]) -> utoipa::openapi::Response {
    let listed: Vec<String> = codes.iter().map(|code| code_text(*code)).collect();
    let example = json!({
        "success": false,
        "error": { "code": listed.first().cloned().unwrap_or_default(), "message": description }
    });
    ResponseBuilder::new()
        .description(format!("{description}. Codes: {}", listed.join(", ")))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorResponse")))
                .example(Some(example))
                .build(),
        )
        .build()
}

fn header(description: &str, schema_type: Type) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(schema_type))
        .description(Some(description))
        .build()
}

impl Modify for Contract {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            let mut scheme = Http::new(HttpAuthScheme::Bearer);
            scheme.description = Some(description.to_owned());
            SecurityScheme::Http(scheme)
        };
        components.add_security_scheme(
            "bearer",
            bearer("An API key (`ks_live_…` or `ks_test_…`) as `Authorization: Bearer <key>`"),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "An API key in the `x-api-key` header",
            ))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "ks_session",
                "A console session's cookie, set by `POST /v1/session`",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-csrf-token",
                "The session's CSRF token (`csrf_token` of `GET /v1/me`), on every state-changing call made with a session",
            ))),
        );
        components.add_security_scheme(
            "project_key",
            bearer("A project's Project Key (`ksp_…`) as `Authorization: Bearer <project key>`"),
        );

        for (name, example) in examples() {
            if let Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(
                object,
            ))) = components.schemas.get_mut(name)
            {
                object.examples = vec![example];
            }
        }

        for (path, item) in document.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                let guard = guard_of(path, method);
                let has_body = operation.request_body.is_some() || path.starts_with("/gateway/");
                operation.security = Some(match guard {
                    Guard::Management => vec![
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                        SecurityRequirement::new("api_key", Vec::<String>::new()),
                        SecurityRequirement::new("session", Vec::<String>::new())
                            .add("csrf", Vec::<String>::new()),
                    ],
                    Guard::KeyOnly => vec![
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                        SecurityRequirement::new("api_key", Vec::<String>::new()),
                    ],
                    Guard::ProjectKey => {
                        vec![SecurityRequirement::new(
                            "project_key",
                            Vec::<String>::new(),
                        )]
                    }
                    // Sign-in and `GET /v1/me` declare theirs; the rest none.
                    Guard::Open => operation.security.take().unwrap_or_default(),
                });
                for status in error_statuses(guard, path, has_body) {
                    let Some((_, description, codes)) =
                        ERRORS.iter().find(|(known, _, _)| *known == status)
                    else {
                        continue;
                    };
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description, codes).into());
                }
                let keyed = matches!(
                    guard,
                    Guard::Management | Guard::KeyOnly | Guard::ProjectKey
                );
                for (status, response) in operation.responses.responses.iter_mut() {
                    let utoipa::openapi::RefOr::T(response) = response else {
                        continue;
                    };
                    response.headers.insert(
                        "X-Request-Id".to_owned(),
                        header("the request log's id of this call (`req_…`)", Type::String),
                    );
                    if keyed {
                        for (name, description, schema_type) in [
                            (
                                "X-RateLimit-Limit",
                                "calls the tightest window allows (calls made with a key)",
                                Type::Integer,
                            ),
                            ("X-RateLimit-Remaining", "calls left in it", Type::Integer),
                            (
                                "X-RateLimit-Reset",
                                "when it is whole again, in epoch seconds",
                                Type::Integer,
                            ),
                            (
                                "RateLimit",
                                "the IETF field: `\"minute\";r=59;t=1`",
                                Type::String,
                            ),
                            (
                                "RateLimit-Policy",
                                "every window that applies: `\"minute\";q=60;w=60, …`",
                                Type::String,
                            ),
                        ] {
                            response
                                .headers
                                .insert(name.to_owned(), header(description, schema_type));
                        }
                    }
                    if status == "429" {
                        response.headers.insert(
                            "Retry-After".to_owned(),
                            header("seconds until a retry can succeed", Type::Integer),
                        );
                    }
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("options", item.options.as_mut()),
        ("head", item.head.as_mut()),
        ("patch", item.patch.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

/// An example of each schema a client sends or reads, made from the model's
/// own types and serialised as the server would, so an example cannot
/// drift from the schema it illustrates.
fn examples() -> Vec<(&'static str, serde_json::Value)> {
    use chrono::TimeZone;
    use keyscope_model as model;
    let at = |day: u32, hour: u32| {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let scopes = model::ScopeSet::parse_list("read write:orders").unwrap_or_default();
    let key = model::ApiKey {
        id: "key_01JDQ7ZV3M6T8W2N4R5P9K0A1B".to_owned(),
        name: "Checkout service".to_owned(),
        description: Some("Reads and creates orders".to_owned()),
        prefix: "ks_live_".to_owned(),
        last_four: "x7Qa".to_owned(),
        scopes: scopes.clone(),
        project_id: Some("prj_01JDQ7W2C4Y8H1F6M3T9B5N0QE".to_owned()),
        plan: Some(model::Plan::Pro),
        rate_limit_per_minute: None,
        status: model::KeyStatus::Active,
        created_at: at(2, 9),
        expires_at: Some(at(30, 0)),
        last_used_at: Some(at(29, 14)),
    };
    let credentials = model::ProjectCredentials {
        project_id: "prj_01JDQ7W2C4Y8H1F6M3T9B5N0QE".to_owned(),
        api_id: "api_01JDQ7W2C9K3V7X1R4D8S6P2MB".to_owned(),
        project_key: "ksp_4Jq9sVb2Lm7Rt1Xc8Nw3Hk6Pz0Yd5Fa".to_owned(),
    };
    let period = model::QuotaStatus {
        total: Some(1_000_000),
        used: 32_161,
        available: Some(967_839),
        unlimited: false,
        period_start: at(1, 0),
        period_end: at(30, 23),
    };
    let entry = model::RequestEntry {
        id: "req_01JDR2M9Q4W7E1T5Y8U3I6O0PA".to_owned(),
        timestamp: at(29, 14),
        key_id: Some(key.id.clone()),
        project_id: key.project_id.clone(),
        method: "GET".to_owned(),
        endpoint: "/orders/7".to_owned(),
        route: "/gateway/{api_id}/{*path}".to_owned(),
        resource_id: Some("7".to_owned()),
        outcome: model::Outcome::Completed,
        response_code: 200,
        latency_ms: 12,
        client_ip: Some("203.0.113.9".to_owned()),
    };
    let totals = model::Totals {
        total: 1_240,
        completed: 1_180,
        failed: 21,
        rate_limited: 30,
        unauthorized: 6,
        forbidden: 3,
    };
    let count = |name: &str, count: u64| model::Count {
        name: name.to_owned(),
        count,
    };
    vec![
        ("ApiKey", value(&key)),
        (
            "CreatedKey",
            value(&model::CreatedKey {
                key: key.clone(),
                secret: "ks_live_4Jq9sVb2Lm7Rt1Xc8Nw3Hkx7Qa".to_owned(),
            }),
        ),
        (
            "CallingKey",
            value(&model::CallingKey {
                id: key.id.clone(),
                project_id: key.project_id.clone(),
                scopes: scopes.clone(),
                plan: model::Plan::Pro,
            }),
        ),
        (
            "CreateKeyRequest",
            value(&model::CreateKeyRequest {
                name: "Checkout service".to_owned(),
                description: Some("Reads and creates orders".to_owned()),
                scopes: Some(vec!["read".to_owned(), "write:orders".to_owned()]),
                project_id: key.project_id.clone(),
                expires_in_days: Some(90),
                plan: Some(model::Plan::Pro),
                ..model::CreateKeyRequest::default()
            }),
        ),
        (
            "UpdateKeyRequest",
            value(&model::UpdateKeyRequest {
                name: Some("Checkout service (EU)".to_owned()),
                enabled: Some(false),
                ..model::UpdateKeyRequest::default()
            }),
        ),
        (
            "RotateKeyRequest",
            value(&model::RotateKeyRequest {
                grace_period_seconds: Some(3_600),
            }),
        ),
        (
            "Project",
            value(&model::Project {
                id: credentials.project_id.clone(),
                name: "Payments API".to_owned(),
                upstream_url: Some("http://10.0.0.5:8080/api".to_owned()),
                created_at: at(1, 8),
            }),
        ),
        ("ProjectCredentials", value(&credentials)),
        (
            "CreateProjectRequest",
            value(&model::CreateProjectRequest {
                name: "Payments API".to_owned(),
            }),
        ),
        (
            "UpdateProjectRequest",
            value(&model::UpdateProjectRequest {
                name: None,
                upstream_url: Some(Some("http://10.0.0.5:8080/api".to_owned())),
            }),
        ),
        ("QuotaStatus", value(&period)),
        (
            "KeyQuota",
            value(&model::KeyQuota {
                plan: model::Plan::Pro,
                per_minute: 300,
                day: model::DayUsage {
                    limit: Some(50_000),
                    used: 1_240,
                    resets_at: at(30, 0),
                },
                period: period.clone(),
            }),
        ),
        ("RequestEntry", value(&entry)),
        (
            "UsageSummary",
            value(&model::UsageSummary {
                from: at(23, 0),
                to: at(30, 0),
                totals,
                by_method: vec![count("GET", 1_010), count("POST", 230)],
                by_response_code: vec![count("200", 1_180), count("429", 30)],
                top_endpoints: vec![count("/gateway/{api_id}/{*path}", 1_240)],
                granularity: model::Granularity::Day,
                series: vec![model::Point {
                    start: at(29, 0),
                    totals,
                }],
            }),
        ),
        (
            "LoginRequest",
            value(&model::LoginRequest {
                email: "ann@example.com".to_owned(),
                password: "correct horse battery staple".to_owned(),
            }),
        ),
        (
            "Me",
            value(&model::Me {
                user_id: "usr_01JDQ7TQ5R8E2W4Y6U1I3O9P0A".to_owned(),
                email: "ann@example.com".to_owned(),
                role: model::Role::Admin,
                workspace_id: "ws_01JDQ7TQ0K2J4H6G8F1D3S5A7Z".to_owned(),
                workspace_name: "Acme".to_owned(),
                csrf_token: "Vb2Lm7Rt1Xc8Nw3Hk6Pz0Yd5Fa4Jq9s".to_owned(),
            }),
        ),
        (
            "AddUserRequest",
            value(&model::auth::AddUserRequest {
                email: "bo@example.com".to_owned(),
                role: model::Role::Manager,
            }),
        ),
        (
            "User",
            value(&model::auth::User {
                id: "usr_01JDQ8A1B2C3D4E5F6G7H8J9K0".to_owned(),
                email: "bo@example.com".to_owned(),
                role: model::Role::Manager,
            }),
        ),
        (
            "VerifyRequest",
            value(&model::VerifyRequest {
                key: "ks_live_4Jq9sVb2Lm7Rt1Xc8Nw3Hkx7Qa".to_owned(),
                method: Some("GET".to_owned()),
                endpoint: Some("/orders/7".to_owned()),
                resource_id: None,
            }),
        ),
        (
            "VerifyResponse",
            value(&model::VerifyResponse {
                valid: true,
                code: "VALID".to_owned(),
                message: "the key is valid".to_owned(),
                key_id: Some(key.id.clone()),
                scopes: Some(scopes),
                rate_limit: Some(model::RateLimitState {
                    window: model::LimitWindow::Minute,
                    limit: 300,
                    remaining: 299,
                    reset: 1_796_050_860,
                }),
            }),
        ),
    ]
}

/// An example as the server would write it.
fn value(example: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(example).unwrap_or_default()
}
