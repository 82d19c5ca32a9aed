//! Example values built from schemas, and each operation's call in curl,
//! Python (requests) and JavaScript (fetch): its method, its URL with
//! example path parameters and the required query, the header (or cookie)
//! of its first set of credentials, and a JSON body from the request body's
//! example or, lacking one, from its schema.

use super::{Document, OperationRef, Parameter, Schema};
use crate::snippets::SnippetLanguage;
use serde_json::{Map, Value};

/// How deep an example follows nested schemas (refs included).
const MAX_DEPTH: usize = 8;

/// An example of a value of `schema`: the schema's own example, default,
/// constant or first allowed value, or one made from its type.
pub fn example_value(schema: &Schema, document: &Document) -> Value {
    value(schema, document, 0)
}

fn value(schema: &Schema, document: &Document, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(given) = given(schema) {
        return given;
    }
    if let Some(reference) = &schema.reference {
        return document
            .schema(reference)
            .map_or(Value::Null, |target| value(target, document, depth + 1));
    }
    if !schema.all_of.is_empty() {
        let mut merged = Map::new();
        for part in &schema.all_of {
            if let Value::Object(part) = value(part, document, depth + 1) {
                merged.extend(part);
            }
        }
        return Value::Object(merged);
    }
    let alternatives = if schema.one_of.is_empty() {
        &schema.any_of
    } else {
        &schema.one_of
    };
    if !alternatives.is_empty() {
        return alternatives
            .iter()
            .find(|variant| !variant.is_null_only())
            .map_or(Value::Null, |variant| value(variant, document, depth + 1));
    }
    let kind = schema
        .non_null_types()
        .next()
        .unwrap_or(if !schema.properties.is_empty() {
            "object"
        } else if schema.items.is_some() {
            "array"
        } else {
            ""
        });
    match kind {
        "object" => {
            // The required properties and those with an example of their
            // own; every property when that leaves none.
            let mut chosen: Vec<(&str, &Schema)> = schema
                .properties
                .iter()
                .filter(|(name, property)| {
                    !property.read_only
                        && (schema.required.iter().any(|required| required == name)
                            || given(property).is_some())
                })
                .collect();
            if chosen.is_empty() {
                chosen = schema
                    .properties
                    .iter()
                    .filter(|(_, property)| !property.read_only)
                    .collect();
            }
            Value::Object(
                chosen
                    .into_iter()
                    .map(|(name, property)| (name.to_owned(), value(property, document, depth + 1)))
                    .collect(),
            )
        }
        "array" => Value::Array(
            schema
                .items
                .as_deref()
                .map(|items| vec![value(items, document, depth + 1)])
                .unwrap_or_default(),
        ),
        "string" => Value::String(
            match schema.format.as_deref() {
                Some("date-time") => "2026-01-01T00:00:00Z",
                Some("date") => "2026-01-01",
                Some("time") => "00:00:00Z",
                Some("email") => "user@example.com",
                Some("uri" | "url") => "https://api.example.com",
                Some("uuid") => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                Some("ipv4") => "192.0.2.1",
                _ => "string",
            }
            .to_owned(),
        ),
        "integer" => Value::from(bounded(schema, 1.0) as i64),
        "number" => {
            serde_json::Number::from_f64(bounded(schema, 1.0)).map_or(Value::Null, Value::Number)
        }
        "boolean" => Value::Bool(true),
        _ => Value::Null,
    }
}

/// The schema's own value: example, examples, default, const or first enum.
fn given(schema: &Schema) -> Option<Value> {
    schema
        .example
        .as_ref()
        .or(schema.examples.first())
        .or(schema.default.as_ref())
        .or(schema.constant.as_ref())
        .or(schema.enumeration.first())
        .cloned()
}

fn bounded(schema: &Schema, preferred: f64) -> f64 {
    let mut number = preferred;
    if let Some(minimum) = schema.minimum {
        number = number.max(minimum);
    }
    if let Some(maximum) = schema.maximum {
        number = number.min(maximum);
    }
    number
}

/// What the call does with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Json,
    Text,
    /// Server-sent events or another stream read as it comes.
    Stream,
    /// No body worth printing (204, or one the document leaves open).
    Status,
}

/// One operation's call, ready to write in each language.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    /// JSON to send (`Content-Type: application/json`).
    body: Option<Value>,
    answer: Answer,
}

/// An operation's call in curl, Python and JavaScript.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippets {
    pub curl: String,
    pub python: String,
    pub javascript: String,
}

impl Snippets {
    /// `origin` is where the server is, as the browser sees it
    /// (`http://127.0.0.1:8080`).
    pub fn for_operation(document: &Document, operation: OperationRef<'_>, origin: &str) -> Self {
        let call = Call::of(document, operation, origin);
        Self {
            curl: call.curl(),
            python: call.python(),
            javascript: call.javascript(),
        }
    }

    pub fn get(&self, language: SnippetLanguage) -> &str {
        match language {
            SnippetLanguage::Curl => &self.curl,
            SnippetLanguage::Python => &self.python,
            SnippetLanguage::JavaScript => &self.javascript,
        }
    }
}

/// A parameter's example as text: its own, its schema's, or its name in
/// capitals as a placeholder (`API_ID`) for text without one.
fn parameter_value(parameter: &Parameter, document: &Document) -> String {
    let given = parameter
        .example
        .clone()
        .or_else(|| {
            parameter
                .examples
                .iter()
                .find_map(|(_, example)| example.value.clone())
        })
        .or_else(|| parameter.schema.as_ref().and_then(given));
    let value = match given {
        Some(value) => value,
        None => match &parameter.schema {
            Some(schema)
                if schema
                    .non_null_types()
                    .any(|kind| matches!(kind, "integer" | "number" | "boolean")) =>
            {
                example_value(schema, document)
            }
            _ => return placeholder(&parameter.name),
        },
    };
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// `api_id` → `API_ID`.
fn placeholder(name: &str) -> String {
    name.chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The stand-in for a secret of a security scheme: `YOUR_API_KEY`,
/// `YOUR_PROJECT_KEY`, `YOUR_SESSION`.
fn secret_placeholder(scheme: &str) -> String {
    match scheme {
        "bearer" | "api_key" | "apiKey" | "ApiKey" => "YOUR_API_KEY".to_owned(),
        other => format!("YOUR_{}", placeholder(other)),
    }
}

impl Call {
    fn of(document: &Document, reference: OperationRef<'_>, origin: &str) -> Self {
        let operation = reference.operation;
        let parameters = document.parameters(reference.item, operation);
        let mut path = reference.path.to_owned();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut cookies: Vec<(String, String)> = Vec::new();
        for parameter in &parameters {
            let given = parameter.example.is_some()
                || !parameter.examples.is_empty()
                || parameter
                    .schema
                    .as_ref()
                    .is_some_and(|schema| given(schema).is_some());
            match parameter.location.as_str() {
                "path" => {
                    let value = parameter_value(parameter, document);
                    let value = if given {
                        crate::api::encode(&value)
                    } else {
                        value
                    };
                    path = path.replace(&format!("{{{}}}", parameter.name), &value);
                }
                "query" if parameter.required || given => {
                    query.push((parameter.name.clone(), parameter_value(parameter, document)));
                }
                "header" if parameter.required || given => {
                    headers.push((parameter.name.clone(), parameter_value(parameter, document)));
                }
                "cookie" if parameter.required || given => {
                    cookies.push((parameter.name.clone(), parameter_value(parameter, document)));
                }
                _ => {}
            }
        }
        // The first set of credentials the operation takes.
        if let Some(requirement) = document.security(operation).first() {
            for (name, _) in requirement.iter() {
                let Some(scheme) = document.components.security_schemes.get(name) else {
                    continue;
                };
                let secret = secret_placeholder(name);
                match (scheme.kind.as_str(), scheme.location.as_deref()) {
                    ("apiKey", Some("query")) => {
                        query.push((scheme.name.clone().unwrap_or_default(), secret));
                    }
                    ("apiKey", Some("cookie")) => {
                        cookies.push((scheme.name.clone().unwrap_or_default(), secret));
                    }
                    ("apiKey", _) => {
                        headers.push((scheme.name.clone().unwrap_or_default(), secret));
                    }
                    ("http", _)
                        if scheme
                            .scheme
                            .as_deref()
                            .is_some_and(|kind| kind.eq_ignore_ascii_case("basic")) =>
                    {
                        headers.push((
                            "Authorization".to_owned(),
                            "Basic BASE64_USER_AND_PASSWORD".to_owned(),
                        ));
                    }
                    _ => headers.push(("Authorization".to_owned(), format!("Bearer {secret}"))),
                }
            }
        }
        let body = operation.request_body.as_ref().and_then(|body| {
            let body = document.request_body(body);
            let (_, media) = body.content.iter().find(|(kind, _)| is_json(kind))?;
            Some(match media.given_example() {
                Some(example) => example.clone(),
                None => media
                    .schema
                    .as_ref()
                    .map_or(Value::Object(Map::new()), |schema| {
                        example_value(schema, document)
                    }),
            })
        });
        let answer = operation
            .responses
            .iter()
            .find(|(status, _)| status.starts_with('2'))
            .map_or(Answer::Status, |(_, response)| {
                let response = document.response(response);
                if response.content.iter().any(|(kind, _)| is_json(kind)) {
                    Answer::Json
                } else if response
                    .content
                    .iter()
                    .any(|(kind, _)| kind.starts_with("text/event-stream"))
                {
                    Answer::Stream
                } else if response.content.is_empty() {
                    Answer::Status
                } else {
                    Answer::Text
                }
            });
        let answer = if reference.method == "HEAD" {
            Answer::Status
        } else {
            answer
        };
        let mut url = format!("{origin}{path}");
        for (index, (name, value)) in query.iter().enumerate() {
            url.push(if index == 0 { '?' } else { '&' });
            url.push_str(&crate::api::encode(name));
            url.push('=');
            url.push_str(&crate::api::encode(value));
        }
        Call {
            method: reference.method.to_owned(),
            url,
            headers,
            cookies,
            body,
            answer,
        }
    }

    fn curl(&self) -> String {
        let mut command = String::from("curl");
        match self.method.as_str() {
            "GET" => {}
            "HEAD" => command.push_str(" -I"),
            other => command.push_str(&format!(" -X {other}")),
        }
        if self.answer == Answer::Stream {
            command.push_str(" -N");
        }
        command.push(' ');
        command.push_str(&shell_quote(&self.url));
        let mut lines = vec![command];
        for (name, value) in &self.headers {
            lines.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
        }
        if !self.cookies.is_empty() {
            let cookies: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            lines.push(format!("-b {}", shell_quote(&cookies.join("; "))));
        }
        if let Some(body) = &self.body {
            lines.push("-H 'Content-Type: application/json'".to_owned());
            lines.push(format!("-d {}", shell_quote(&pretty(body, ""))));
        }
        lines.join(" \\\n  ")
    }

    fn python(&self) -> String {
        let function = match self.method.as_str() {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => {
                format!("requests.{}(", self.method.to_ascii_lowercase())
            }
            other => format!("requests.request(\n    \"{other}\","),
        };
        let mut arguments = vec![format!("    {},", json_string(&self.url))];
        if !self.headers.is_empty() {
            arguments.push(format!("    headers={},", python_dict(&self.headers)));
        }
        if !self.cookies.is_empty() {
            arguments.push(format!("    cookies={},", python_dict(&self.cookies)));
        }
        if let Some(body) = &self.body {
            arguments.push(format!("    json={},", python_literal(body, "    ")));
        }
        if self.answer == Answer::Stream {
            arguments.push("    stream=True,".to_owned());
        }
        let mut code = format!(
            "import requests\n\nresponse = {function}\n{}\n)\n",
            arguments.join("\n")
        );
        code.push_str(match self.answer {
            Answer::Json => "print(response.status_code, response.json())",
            Answer::Text => "print(response.status_code, response.text)",
            Answer::Stream => {
                "for line in response.iter_lines(decode_unicode=True):\n    print(line)"
            }
            Answer::Status => "print(response.status_code)",
        });
        code
    }

    fn javascript(&self) -> String {
        let mut options = Vec::new();
        if self.method != "GET" {
            options.push(format!("  method: \"{}\",", self.method));
        }
        let mut headers = self.headers.clone();
        if self.body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        if !headers.is_empty() {
            let entries: Vec<String> = headers
                .iter()
                .map(|(name, value)| format!("    {}: {},", json_string(name), json_string(value)))
                .collect();
            options.push(format!("  headers: {{\n{}\n  }},", entries.join("\n")));
        }
        if !self.cookies.is_empty() {
            let names: Vec<&str> = self.cookies.iter().map(|(name, _)| name.as_str()).collect();
            options.push(format!(
                "  // A browser signed in to the console sends its {} cookie.\n  credentials: \"include\",",
                names.join(", ")
            ));
        }
        if let Some(body) = &self.body {
            options.push(format!("  body: JSON.stringify({}),", pretty(body, "  ")));
        }
        let url = json_string(&self.url);
        let mut code = if options.is_empty() {
            format!("const response = await fetch({url});\n")
        } else {
            format!(
                "const response = await fetch({url}, {{\n{}\n}});\n",
                options.join("\n")
            )
        };
        code.push_str(match self.answer {
            Answer::Json => "console.log(response.status, await response.json());",
            Answer::Text => "console.log(response.status, await response.text());",
            Answer::Stream => {
                "const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();\n\
                 for (;;) {\n  const { value, done } = await reader.read();\n  if (done) break;\n  console.log(value);\n}"
            }
            Answer::Status => "console.log(response.status);",
        });
        code
    }
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

/// Single quotes for the shell, a quote inside written `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A JSON string literal, which is also a Python and JavaScript one.
fn json_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// Pretty JSON, its lines after the first indented by `indent`.
fn pretty(value: &Value, indent: &str) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_default()
        .replace('\n', &format!("\n{indent}"))
}

fn python_dict(entries: &[(String, String)]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .map(|(name, value)| format!("{}: {}", json_string(name), json_string(value)))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// A JSON value as a Python literal (`None`, `True`, `False`), nested
/// lines indented by four spaces after `indent`.
fn python_literal(value: &Value, indent: &str) -> String {
    let inner = format!("{indent}    ");
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => json_string(text),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| format!("{inner}{},", python_literal(item, &inner)))
                .collect();
            format!("[\n{}\n{indent}]", items.join("\n"))
        }
        Value::Object(entries) if entries.is_empty() => "{}".to_owned(),
        Value::Object(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(name, item)| {
                    format!(
                        "{inner}{}: {},",
                        json_string(name),
                        python_literal(item, &inner)
                    )
                })
                .collect();
            format!("{{\n{}\n{indent}}}", entries.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOCUMENT: &str = r##"{
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/keys/verify": {"post": {
                "security": [{"project_key": []}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}}}, "required": true},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/v1/keys/{id}": {"delete": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "security": [{"bearer": []}, {"api_key": []}],
                "responses": {"204": {"description": "gone"}}
            }},
            "/v1/keys": {"get": {
                "parameters": [{"name": "limit", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}},
                               {"name": "offset", "in": "query", "schema": {"type": "integer"}}],
                "security": [{"session": [], "csrf": []}],
                "responses": {"200": {"description": "ok", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}
            }}
        },
        "components": {
            "schemas": {
                "VerifyRequest": {"type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string"}, "method": {"type": ["string", "null"]},
                    "scopes": {"type": "array", "items": {"type": "string"}, "examples": [["read"]]}}},
                "Everything": {"type": "object", "properties": {
                    "at": {"type": "string", "format": "date-time"}, "n": {"type": "integer", "minimum": 5},
                    "on": {"type": "boolean"}, "plan": {"oneOf": [{"type": "null"}, {"type": "string", "enum": ["free"]}]}}}
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "api_key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "project_key": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "ks_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "x-csrf-token"}
            }
        }
    }"##;

    fn snippets(path: &str, method: &str) -> Snippets {
        let document = Document::parse(DOCUMENT).expect("parses");
        let groups = document.by_tag();
        let operation = groups
            .iter()
            .flat_map(|group| group.operations.iter())
            .find(|operation| operation.path == path && operation.method == method)
            .copied()
            .expect("operation");
        Snippets::for_operation(&document, operation, "http://127.0.0.1:8080")
    }

    #[test]
    fn examples_come_from_the_schema_required_and_given_first() {
        let document = Document::parse(DOCUMENT).expect("parses");
        let verify = Schema {
            reference: Some("#/components/schemas/VerifyRequest".into()),
            ..Schema::default()
        };
        assert_eq!(
            example_value(&verify, &document),
            json!({"key": "string", "scopes": ["read"]})
        );
        let everything = document
            .schema("#/components/schemas/Everything")
            .expect("there");
        assert_eq!(
            example_value(everything, &document),
            json!({"at": "2026-01-01T00:00:00Z", "n": 5, "on": true, "plan": "free"})
        );
    }

    #[test]
    fn a_post_with_a_json_body_and_a_project_key() {
        let snippets = snippets("/v1/keys/verify", "POST");
        assert_eq!(
            snippets.curl,
            "curl -X POST 'http://127.0.0.1:8080/v1/keys/verify' \\\n  \
             -H 'Authorization: Bearer YOUR_PROJECT_KEY' \\\n  \
             -H 'Content-Type: application/json' \\\n  \
             -d '{\n  \"key\": \"string\",\n  \"scopes\": [\n    \"read\"\n  ]\n}'"
        );
        assert_eq!(
            snippets.python,
            "import requests\n\nresponse = requests.post(\n    \
             \"http://127.0.0.1:8080/v1/keys/verify\",\n    \
             headers={\"Authorization\": \"Bearer YOUR_PROJECT_KEY\"},\n    \
             json={\n        \"key\": \"string\",\n        \"scopes\": [\n            \"read\",\n        ],\n    },\n)\n\
             print(response.status_code, response.json())"
        );
        assert_eq!(
            snippets.javascript,
            "const response = await fetch(\"http://127.0.0.1:8080/v1/keys/verify\", {\n  \
             method: \"POST\",\n  headers: {\n    \"Authorization\": \"Bearer YOUR_PROJECT_KEY\",\n    \
             \"Content-Type\": \"application/json\",\n  },\n  \
             body: JSON.stringify({\n    \"key\": \"string\",\n    \"scopes\": [\n      \"read\"\n    ]\n  }),\n});\n\
             console.log(response.status, await response.json());"
        );
    }

    #[test]
    fn a_delete_fills_the_path_and_prints_the_status() {
        let snippets = snippets("/v1/keys/{id}", "DELETE");
        assert_eq!(
            snippets.curl,
            "curl -X DELETE 'http://127.0.0.1:8080/v1/keys/ID' \\\n  -H 'Authorization: Bearer YOUR_API_KEY'"
        );
        assert!(
            snippets.python.contains("requests.delete("),
            "{}",
            snippets.python
        );
        assert!(snippets.python.ends_with("print(response.status_code)"));
        assert!(snippets
            .javascript
            .ends_with("console.log(response.status);"));
    }

    #[test]
    fn a_session_call_sends_the_cookie_and_csrf_header_and_reads_a_stream() {
        let snippets = snippets("/v1/keys", "GET");
        assert_eq!(
            snippets.curl,
            "curl -N 'http://127.0.0.1:8080/v1/keys?limit=1' \\\n  \
             -H 'x-csrf-token: YOUR_CSRF' \\\n  -b 'ks_session=YOUR_SESSION'"
        );
        assert!(snippets
            .python
            .contains("cookies={\"ks_session\": \"YOUR_SESSION\"}"));
        assert!(snippets.python.contains("stream=True"));
        assert!(snippets.javascript.contains("credentials: \"include\""));
        assert!(snippets.javascript.contains("getReader()"));
    }

    #[test]
    fn quotes_survive_the_shell() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
