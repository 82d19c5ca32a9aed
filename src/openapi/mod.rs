//! The part of an OpenAPI 3.1 document the reference page (`/docs`) reads,
//! as types: paths and their operations, parameters, request bodies,
//! responses with headers, security schemes, tags, and the JSON Schemas of
//! `components.schemas`. What the page does not show (servers, links,
//! callbacks, webhooks, `x-` extensions) is ignored when the document is read.
//!
//! Maps keep the document's order ([`Ordered`]): serde_json's own map would
//! sort them, and turning on its `preserve_order` would change the server's
//! JSON too, since the workspace shares one serde_json.

mod examples;
mod schema;

pub use examples::{example_value, Snippets};
pub use schema::{describe, Property, SchemaNode};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

/// A JSON object read as its entries, in the order the document has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Ordered<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Entries<T> {
            type Value = Ordered<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, T>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(Entries(PhantomData))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Document {
    pub openapi: String,
    pub info: Info,
    pub paths: Ordered<PathItem>,
    pub components: Components,
    pub tags: Vec<Tag>,
    /// The default for operations that declare none.
    pub security: Option<Vec<SecurityRequirement>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Info {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Components {
    pub schemas: Ordered<Schema>,
    pub security_schemes: Ordered<SecurityScheme>,
    pub parameters: Ordered<Parameter>,
    pub request_bodies: Ordered<RequestBody>,
    pub responses: Ordered<Response>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PathItem {
    pub summary: Option<String>,
    pub description: Option<String>,
    /// Shared by every operation of the path (an operation's own win).
    pub parameters: Vec<Parameter>,
    pub get: Option<Operation>,
    pub put: Option<Operation>,
    pub post: Option<Operation>,
    pub delete: Option<Operation>,
    pub options: Option<Operation>,
    pub head: Option<Operation>,
    pub patch: Option<Operation>,
    pub trace: Option<Operation>,
}

impl PathItem {
    /// The operations in the order the reference lists them, with their
    /// methods in capitals.
    pub fn operations(&self) -> impl Iterator<Item = (&'static str, &Operation)> {
        [
            ("GET", &self.get),
            ("HEAD", &self.head),
            ("POST", &self.post),
            ("PUT", &self.put),
            ("PATCH", &self.patch),
            ("DELETE", &self.delete),
            ("OPTIONS", &self.options),
            ("TRACE", &self.trace),
        ]
        .into_iter()
        .filter_map(|(method, operation)| Some((method, operation.as_ref()?)))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Operation {
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub operation_id: Option<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Ordered<Response>,
    /// Alternatives, any one of which is enough; each names schemes that
    /// are all needed. `[]` or `[{}]`: no credentials.
    pub security: Option<Vec<SecurityRequirement>>,
    pub deprecated: bool,
}

/// Scheme names, each with its scopes.
pub type SecurityRequirement = Ordered<Vec<String>>;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Parameter {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    #[serde(rename = "in")]
    pub location: String,
    pub description: Option<String>,
    pub required: bool,
    pub deprecated: bool,
    pub schema: Option<Schema>,
    pub example: Option<Value>,
    pub examples: Ordered<Example>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestBody {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    pub description: Option<String>,
    pub required: bool,
    /// By media type.
    pub content: Ordered<MediaType>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MediaType {
    pub schema: Option<Schema>,
    pub example: Option<Value>,
    pub examples: Ordered<Example>,
}

impl MediaType {
    /// The document's own example: `example`, or the first of `examples`.
    pub fn given_example(&self) -> Option<&Value> {
        self.example.as_ref().or_else(|| {
            self.examples
                .iter()
                .find_map(|(_, example)| example.value.as_ref())
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Example {
    pub summary: Option<String>,
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Response {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    pub description: String,
    pub headers: Ordered<Header>,
    pub content: Ordered<MediaType>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Header {
    pub description: Option<String>,
    pub required: bool,
    pub schema: Option<Schema>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecurityScheme {
    /// `http`, `apiKey`, `oauth2`, `openIdConnect` or `mutualTLS`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `http`: `bearer`, `basic`, …
    pub scheme: Option<String>,
    /// For `apiKey`: the header, query parameter or cookie name.
    pub name: Option<String>,
    /// For `apiKey`: `header`, `query` or `cookie`.
    #[serde(rename = "in")]
    pub location: Option<String>,
    pub description: Option<String>,
    pub bearer_format: Option<String>,
}

/// A JSON Schema (2020-12, as OpenAPI 3.1 uses it), the keywords the page
/// shows. A boolean schema is read as the empty schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `"string"` or `["string", "null"]`, read as a list.
    #[serde(rename = "type", deserialize_with = "one_or_many")]
    pub types: Vec<String>,
    pub format: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub properties: Ordered<Schema>,
    pub required: Vec<String>,
    pub items: Option<Box<Schema>>,
    pub additional_properties: Option<Additional>,
    #[serde(rename = "enum")]
    pub enumeration: Vec<Value>,
    #[serde(rename = "const")]
    pub constant: Option<Value>,
    pub one_of: Vec<Schema>,
    pub any_of: Vec<Schema>,
    pub all_of: Vec<Schema>,
    pub example: Option<Value>,
    pub examples: Vec<Value>,
    pub default: Option<Value>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub pattern: Option<String>,
    /// OpenAPI 3.0's way of saying `null` is allowed.
    pub nullable: bool,
    pub deprecated: bool,
    pub read_only: bool,
    pub write_only: bool,
}

/// `additionalProperties`: `false`, `true` or the schema of the other values.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Additional {
    Allowed(bool),
    Schema(Box<Schema>),
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

impl Schema {
    /// The name a `$ref` points at: `#/components/schemas/ApiKey` → `ApiKey`.
    pub fn reference_name(&self) -> Option<&str> {
        self.reference
            .as_deref()
            .map(|reference| reference.rsplit('/').next().unwrap_or(reference))
    }

    /// Whether `null` is one of the values allowed.
    pub fn allows_null(&self) -> bool {
        self.nullable || self.types.iter().any(|kind| kind == "null")
    }

    /// The types other than `null`.
    pub fn non_null_types(&self) -> impl Iterator<Item = &str> {
        self.types
            .iter()
            .map(String::as_str)
            .filter(|kind| *kind != "null")
    }

    /// The schema allows only `null` (`{"type": "null"}`).
    pub fn is_null_only(&self) -> bool {
        self.types.len() == 1 && self.types[0] == "null"
    }
}

impl Document {
    /// Reads a document from its JSON text.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The schema a `$ref` names: `#/components/schemas/<name>`.
    pub fn schema(&self, reference: &str) -> Option<&Schema> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        self.components.schemas.get(name)
    }

    /// A parameter as written, or the one its `$ref` names.
    pub fn parameter<'a>(&'a self, parameter: &'a Parameter) -> &'a Parameter {
        parameter
            .reference
            .as_deref()
            .and_then(|reference| reference.strip_prefix("#/components/parameters/"))
            .and_then(|name| self.components.parameters.get(name))
            .unwrap_or(parameter)
    }

    pub fn request_body<'a>(&'a self, body: &'a RequestBody) -> &'a RequestBody {
        body.reference
            .as_deref()
            .and_then(|reference| reference.strip_prefix("#/components/requestBodies/"))
            .and_then(|name| self.components.request_bodies.get(name))
            .unwrap_or(body)
    }

    pub fn response<'a>(&'a self, response: &'a Response) -> &'a Response {
        response
            .reference
            .as_deref()
            .and_then(|reference| reference.strip_prefix("#/components/responses/"))
            .and_then(|name| self.components.responses.get(name))
            .unwrap_or(response)
    }

    /// An operation's parameters: the path's, replaced by the operation's
    /// own of the same name and place, then the operation's.
    pub fn parameters<'a>(
        &'a self,
        item: &'a PathItem,
        operation: &'a Operation,
    ) -> Vec<&'a Parameter> {
        let own: Vec<&Parameter> = operation
            .parameters
            .iter()
            .map(|parameter| self.parameter(parameter))
            .collect();
        let mut all: Vec<&Parameter> = item
            .parameters
            .iter()
            .map(|parameter| self.parameter(parameter))
            .filter(|shared| {
                !own.iter()
                    .any(|mine| mine.name == shared.name && mine.location == shared.location)
            })
            .collect();
        all.extend(own);
        all
    }

    /// The credentials an operation takes: its own, or the document's.
    pub fn security<'a>(&'a self, operation: &'a Operation) -> &'a [SecurityRequirement] {
        operation
            .security
            .as_deref()
            .or(self.security.as_deref())
            .unwrap_or(&[])
    }

    /// The tags in the reference's order: the document's list, then any an
    /// operation names that the list lacks, then `""` for untagged ones,
    /// each with its operations as (path, method, path item, operation).
    pub fn by_tag(&self) -> Vec<TagGroup<'_>> {
        let mut groups: Vec<TagGroup> = self
            .tags
            .iter()
            .map(|tag| TagGroup {
                name: tag.name.clone(),
                description: tag.description.clone(),
                operations: Vec::new(),
            })
            .collect();
        for (path, item) in self.paths.iter() {
            for (method, operation) in item.operations() {
                let tag = operation.tags.first().cloned().unwrap_or_default();
                let index = match groups.iter().position(|group| group.name == tag) {
                    Some(index) => index,
                    None => {
                        groups.push(TagGroup {
                            name: tag,
                            description: None,
                            operations: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                groups[index].operations.push(OperationRef {
                    path,
                    method,
                    item,
                    operation,
                });
            }
        }
        groups.retain(|group| !group.operations.is_empty());
        // Untagged operations last.
        groups.sort_by_key(|group| group.name.is_empty());
        groups
    }
}

/// A tag's section of the reference.
pub struct TagGroup<'a> {
    /// Empty for operations without a tag.
    pub name: String,
    pub description: Option<String>,
    pub operations: Vec<OperationRef<'a>>,
}

#[derive(Clone, Copy)]
pub struct OperationRef<'a> {
    pub path: &'a str,
    /// In capitals.
    pub method: &'static str,
    pub item: &'a PathItem,
    pub operation: &'a Operation,
}

/// The id of an operation's section: method and path, so it is unique even
/// where operation ids repeat (`GET /v1/keys/{id}` → `get-v1-keys-id`).
pub fn anchor(method: &str, path: &str) -> String {
    let mut anchor = method.to_ascii_lowercase();
    let mut dash = true;
    for character in path.chars() {
        if character.is_ascii_alphanumeric() || character == '_' {
            if dash {
                anchor.push('-');
                dash = false;
            }
            anchor.push(character.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    anchor
}

/// A description's text as plain runs and `code` runs: the reference shows
/// Markdown's backticks as code and drops the brackets of rustdoc's links
/// (`` [`name`] ``); the rest stays as written.
pub fn inline_spans(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let Some(length) = rest[start + 1..].find('`') else {
            break;
        };
        let mut before = &rest[..start];
        let code = &rest[start + 1..start + 1 + length];
        let mut after = &rest[start + 2 + length..];
        // rustdoc's [`path`] link: the brackets go, the code stays.
        if before.ends_with('[') && after.starts_with(']') && !after[1..].starts_with('(') {
            before = &before[..before.len() - 1];
            after = &after[1..];
        }
        if !before.is_empty() {
            spans.push(Span::Text(before.to_owned()));
        }
        spans.push(Span::Code(code.to_owned()));
        rest = after;
    }
    if !rest.is_empty() {
        spans.push(Span::Text(rest.to_owned()));
    }
    spans
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Code(String),
}

/// A description's paragraphs (split at blank lines, lines within one joined).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|paragraph| !paragraph.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = r##"{
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "tags": [{"name": "keys", "description": "API keys"}, {"name": "unused"}],
        "paths": {
            "/v1/keys": {
                "post": {"tags": ["keys"], "responses": {"201": {"description": "made"}}},
                "get": {"tags": ["keys"], "responses": {}}
            },
            "/healthz": {"get": {"responses": {}}},
            "/v1/other": {"get": {"tags": ["other"], "responses": {}}}
        },
        "components": {"schemas": {"Zed": {"type": "string"}, "Alpha": {"type": ["integer", "null"]}}}
    }"##;

    #[test]
    fn maps_keep_the_documents_order() {
        let document = Document::parse(DOCUMENT).expect("parses");
        let paths: Vec<&str> = document.paths.iter().map(|(path, _)| path).collect();
        assert_eq!(paths, ["/v1/keys", "/healthz", "/v1/other"]);
        let schemas: Vec<&str> = document
            .components
            .schemas
            .iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(schemas, ["Zed", "Alpha"]);
        let alpha = document
            .schema("#/components/schemas/Alpha")
            .expect("found");
        assert_eq!(alpha.types, ["integer", "null"]);
        assert!(alpha.allows_null());
    }

    #[test]
    fn operations_are_grouped_by_tag_untagged_last() {
        let document = Document::parse(DOCUMENT).expect("parses");
        let groups = document.by_tag();
        let summary: Vec<(String, Vec<String>)> = groups
            .iter()
            .map(|group| {
                (
                    group.name.clone(),
                    group
                        .operations
                        .iter()
                        .map(|operation| format!("{} {}", operation.method, operation.path))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "keys".to_owned(),
                    vec!["GET /v1/keys".to_owned(), "POST /v1/keys".to_owned()]
                ),
                ("other".to_owned(), vec!["GET /v1/other".to_owned()]),
                (String::new(), vec!["GET /healthz".to_owned()]),
            ]
        );
    }

    #[test]
    fn anchors_are_method_and_path() {
        assert_eq!(anchor("GET", "/v1/keys/{id}"), "get-v1-keys-id");
        assert_eq!(anchor("POST", "/v1/keys/verify"), "post-v1-keys-verify");
        assert_eq!(anchor("GET", "/v1/openapi.json"), "get-v1-openapi-json");
        assert_eq!(
            anchor("GET", "/gateway/{api_id}/{path}"),
            "get-gateway-api_id-path"
        );
    }

    #[test]
    fn backticks_become_code_and_rustdoc_links_lose_their_brackets() {
        assert_eq!(
            inline_spans("see [`gateway::split_path`]. `a` and [x](y)"),
            [
                Span::Text("see ".into()),
                Span::Code("gateway::split_path".into()),
                Span::Text(". ".into()),
                Span::Code("a".into()),
                Span::Text(" and [x](y)".into()),
            ]
        );
        assert_eq!(inline_spans("odd ` one"), [Span::Text("odd ` one".into())]);
        assert_eq!(paragraphs("a\nb\n\n\nc"), ["a b", "c"]);
    }
}
