//! The OpenAPI document: served, and describing every route the server
//! serves (read from the router itself), with the contract's shared parts.

use crate::helpers::spawn_app;
use keyscope_server::http;
use serde_json::Value;

/// Fallbacks that answer 404 for what is not an endpoint.
const CATCH_ALLS: [&str; 2] = ["/v1", "/v1/{*unknown}"];

#[tokio::test]
async fn the_document_describes_every_route_the_server_serves() {
    let (app, _data) = spawn_app().await;
    let response = app.get("/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"].as_object().expect("paths");
    let mut undescribed = Vec::new();
    for route in http::route_table() {
        if CATCH_ALLS.contains(&route.path) {
            continue;
        }
        let path = route.path.replace("{*", "{");
        let methods: Vec<String> = if route.method == "ANY" {
            ["get", "post", "put", "patch", "delete"]
                .map(str::to_owned)
                .to_vec()
        } else {
            vec![route.method.to_ascii_lowercase()]
        };
        for method in methods {
            if paths
                .get(&path)
                .and_then(|item| item.get(&method))
                .is_none()
            {
                undescribed.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        undescribed.is_empty(),
        "routes the document does not describe: {undescribed:?}"
    );

    // What every operation shares.
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                assert!(
                    response["headers"].get("X-Request-Id").is_some(),
                    "{method} {path} {status}: no X-Request-Id"
                );
            }
            let keyed = path.starts_with("/gateway/")
                || (path.starts_with("/v1/")
                    && !["/v1/openapi.json", "/v1/me"].contains(&path.as_str())
                    && !(path == "/v1/session" && method == "post"));
            if keyed {
                assert!(
                    operation["security"]
                        .as_array()
                        .is_some_and(|s| !s.is_empty()),
                    "{method} {path}: no security"
                );
                let unauthorized = &responses["401"];
                assert!(
                    unauthorized["description"]
                        .as_str()
                        .is_some_and(|text| text.contains("INVALID_API_KEY")),
                    "{method} {path}: 401 does not list its codes"
                );
                for (status, response) in responses {
                    assert!(
                        response["headers"].get("X-RateLimit-Remaining").is_some(),
                        "{method} {path} {status}: no rate-limit headers"
                    );
                }
                assert!(responses["429"]["headers"].get("Retry-After").is_some());
            }
        }
    }
    // Every request body's schema, and the main answers', carry an example.
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            else {
                continue;
            };
            let name = reference.trim_start_matches("#/components/schemas/");
            assert!(
                schemas[name]["examples"]
                    .as_array()
                    .is_some_and(|examples| !examples.is_empty()),
                "{method} {path}: the body's schema {name} has no example"
            );
        }
    }
    for name in [
        "ApiKey",
        "CreatedKey",
        "Project",
        "ProjectCredentials",
        "RequestEntry",
        "UsageSummary",
        "KeyQuota",
        "Me",
        "VerifyResponse",
    ] {
        assert!(
            schemas[name]["examples"]
                .as_array()
                .is_some_and(|examples| !examples.is_empty()),
            "{name} has no example"
        );
    }
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    for scheme in ["bearer", "api_key", "session", "csrf", "project_key"] {
        assert!(schemes.contains_key(scheme), "{scheme}");
    }
}
