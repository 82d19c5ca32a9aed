//! A schema as the reference page shows it: its type in words, its
//! description, constraints and allowed values, and its properties (each a
//! schema again), with `$ref`s resolved against `components.schemas`,
//! `allOf` merged, and `oneOf`/`anyOf` with `null` read as "nullable".

use super::{Additional, Document, Schema};

/// How deep the page follows nested schemas (refs included).
const MAX_DEPTH: usize = 12;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaNode {
    /// `string (date-time) | null`, `array of ApiKey`, `Plan (string)`.
    pub label: String,
    pub description: Option<String>,
    /// Constraints and hints, each a name and a value shown as code.
    pub facts: Vec<(&'static str, String)>,
    /// The allowed values (`enum`), as JSON.
    pub values: Vec<String>,
    pub properties: Vec<Property>,
    /// The alternatives of a `oneOf`/`anyOf` with more than one.
    pub variants: Vec<SchemaNode>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub required: bool,
    pub node: SchemaNode,
}

/// `schema` as the page shows it.
pub fn describe(schema: &Schema, document: &Document) -> SchemaNode {
    walk(schema, document, &mut Vec::new(), 0)
}

fn walk(schema: &Schema, document: &Document, seen: &mut Vec<String>, depth: usize) -> SchemaNode {
    if let Some(reference) = &schema.reference {
        let name = schema.reference_name().unwrap_or(reference).to_owned();
        let target = document.schema(reference);
        let mut node = match target {
            // A schema that contains itself is shown once.
            Some(_) if seen.contains(&name) || depth >= MAX_DEPTH => SchemaNode {
                label: name.clone(),
                facts: vec![("see", name.clone())],
                ..SchemaNode::default()
            },
            Some(target) => {
                seen.push(name.clone());
                let mut node = walk(target, document, seen, depth + 1);
                seen.pop();
                node.label = if node.label == "object" {
                    name.clone()
                } else {
                    format!("{name} ({})", node.label)
                };
                node
            }
            None => SchemaNode {
                label: name.clone(),
                facts: vec![("not in this document", reference.clone())],
                ..SchemaNode::default()
            },
        };
        if schema.description.is_some() {
            node.description.clone_from(&schema.description);
        }
        return node;
    }
    if !schema.all_of.is_empty() {
        let merged = merge_all_of(schema, document);
        return walk(&merged, document, seen, depth + 1);
    }
    let alternatives = if schema.one_of.is_empty() {
        &schema.any_of
    } else {
        &schema.one_of
    };
    if !alternatives.is_empty() {
        let non_null: Vec<&Schema> = alternatives
            .iter()
            .filter(|variant| !variant.is_null_only())
            .collect();
        let nullable = non_null.len() < alternatives.len() || schema.allows_null();
        let mut node = if let [only] = non_null.as_slice() {
            walk(only, document, seen, depth + 1)
        } else {
            let variants: Vec<SchemaNode> = non_null
                .iter()
                .map(|variant| walk(variant, document, seen, depth + 1))
                .collect();
            SchemaNode {
                label: variants
                    .iter()
                    .map(|variant| variant.label.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
                variants,
                ..SchemaNode::default()
            }
        };
        if nullable {
            node.label.push_str(" | null");
        }
        if schema.description.is_some() {
            node.description.clone_from(&schema.description);
        }
        facts(schema, &mut node.facts);
        return node;
    }

    let mut node = SchemaNode {
        description: schema.description.clone(),
        values: schema
            .enumeration
            .iter()
            .map(|value| value.to_string())
            .collect(),
        ..SchemaNode::default()
    };
    let types: Vec<&str> = schema.non_null_types().collect();
    let is_array = types.contains(&"array") || (types.is_empty() && schema.items.is_some());
    let is_object = types.contains(&"object") || !schema.properties.is_empty();
    let mut label = if types.is_empty() {
        if is_object {
            "object".to_owned()
        } else if !node.values.is_empty() {
            "enum".to_owned()
        } else if schema.constant.is_some() {
            "constant".to_owned()
        } else if !is_array {
            "any".to_owned()
        } else {
            String::new()
        }
    } else {
        types
            .iter()
            .filter(|kind| **kind != "array")
            .copied()
            .collect::<Vec<_>>()
            .join(" | ")
    };
    if let Some(format) = &schema.format {
        label.push_str(&format!(" ({format})"));
    }
    if is_array {
        let item_label = match &schema.items {
            Some(items) => {
                let item = walk(items, document, seen, depth + 1);
                if node.values.is_empty() {
                    node.values = item.values;
                }
                node.properties = item.properties;
                node.variants = item.variants;
                if let Some(description) = item.description {
                    node.facts.push(("each item", description));
                }
                for (name, value) in item.facts {
                    node.facts.push((item_fact(name), value));
                }
                item.label
            }
            None => "any".to_owned(),
        };
        let array = format!("array of {item_label}");
        label = if label.is_empty() {
            array
        } else {
            format!("{array} | {label}")
        };
    }
    if schema.allows_null() {
        label.push_str(" | null");
    }
    node.label = label;
    if is_object && depth < MAX_DEPTH {
        node.properties = schema
            .properties
            .iter()
            .map(|(name, property)| Property {
                name: name.to_owned(),
                required: schema.required.iter().any(|required| required == name),
                node: walk(property, document, seen, depth + 1),
            })
            .collect();
    }
    if let Some(additional) = schema.additional_properties.as_ref() {
        match additional {
            Additional::Schema(other) => {
                let other = walk(other, document, seen, depth + 1);
                node.facts.push(("other keys", other.label));
            }
            Additional::Allowed(true) if is_object => {
                node.facts.push(("other keys", "any".to_owned()));
            }
            Additional::Allowed(_) => {}
        }
    }
    facts(schema, &mut node.facts);
    node
}

/// An item's constraint, named as the array's.
fn item_fact(name: &'static str) -> &'static str {
    match name {
        "pattern" => "each item's pattern",
        "example" => "example item",
        "minimum" => "each item's minimum",
        "maximum" => "each item's maximum",
        other => other,
    }
}

fn facts(schema: &Schema, facts: &mut Vec<(&'static str, String)>) {
    if let Some(constant) = &schema.constant {
        facts.push(("always", constant.to_string()));
    }
    if let Some(minimum) = schema.minimum {
        facts.push(("minimum", number(minimum)));
    }
    if let Some(maximum) = schema.maximum {
        facts.push(("maximum", number(maximum)));
    }
    if let Some(length) = schema.min_length {
        facts.push(("min length", length.to_string()));
    }
    if let Some(length) = schema.max_length {
        facts.push(("max length", length.to_string()));
    }
    if let Some(items) = schema.min_items {
        facts.push(("min items", items.to_string()));
    }
    if let Some(items) = schema.max_items {
        facts.push(("max items", items.to_string()));
    }
    if let Some(pattern) = &schema.pattern {
        facts.push(("pattern", pattern.clone()));
    }
    if let Some(default) = &schema.default {
        facts.push(("default", default.to_string()));
    }
    if let Some(example) = schema.example.as_ref().or(schema.examples.first()) {
        facts.push(("example", example.to_string()));
    }
    if schema.deprecated {
        facts.push(("deprecated", "true".to_owned()));
    }
    if schema.read_only {
        facts.push(("read-only", "true".to_owned()));
    }
    if schema.write_only {
        facts.push(("write-only", "true".to_owned()));
    }
}

/// `0` for 0.0, `1.5` for 1.5.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// One schema of an `allOf`'s parts: their properties and required lists
/// together, refs resolved, with the outer schema's own keywords.
fn merge_all_of(schema: &Schema, document: &Document) -> Schema {
    let mut merged = Schema {
        all_of: Vec::new(),
        ..schema.clone()
    };
    for part in &schema.all_of {
        let part = match &part.reference {
            Some(reference) => document.schema(reference).unwrap_or(part),
            None => part,
        };
        let part = if part.all_of.is_empty() {
            part.clone()
        } else {
            merge_all_of(part, document)
        };
        for (name, property) in part.properties.0 {
            if merged.properties.get(&name).is_none() {
                merged.properties.0.push((name, property));
            }
        }
        for name in part.required {
            if !merged.required.contains(&name) {
                merged.required.push(name);
            }
        }
        if merged.types.is_empty() {
            merged.types = part.types;
        }
        if merged.description.is_none() {
            merged.description = part.description;
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Document {
        Document::parse(
            r##"{"components": {"schemas": {
                "Plan": {"type": "string", "enum": ["free", "pro"]},
                "Key": {"type": "object", "required": ["id"], "description": "A key.",
                        "properties": {"id": {"type": "string"},
                                       "plan": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Plan"}]},
                                       "parent": {"$ref": "#/components/schemas/Key"},
                                       "expires_at": {"type": ["string", "null"], "format": "date-time"},
                                       "limit": {"type": "integer", "minimum": 0, "maximum": 1000}}},
                "Keys": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}},
                "Both": {"allOf": [{"$ref": "#/components/schemas/Key"},
                                   {"type": "object", "required": ["extra"], "properties": {"extra": {"type": "boolean"}}}]}
            }}}"##,
        )
        .expect("parses")
    }

    fn schema(name: &str) -> Schema {
        Schema {
            reference: Some(format!("#/components/schemas/{name}")),
            ..Schema::default()
        }
    }

    #[test]
    fn a_ref_is_resolved_with_its_properties_types_and_required() {
        let document = document();
        let node = describe(&schema("Key"), &document);
        assert_eq!(node.label, "Key");
        assert_eq!(node.description.as_deref(), Some("A key."));
        let properties: Vec<(&str, bool, &str)> = node
            .properties
            .iter()
            .map(|property| {
                (
                    property.name.as_str(),
                    property.required,
                    property.node.label.as_str(),
                )
            })
            .collect();
        assert_eq!(
            properties,
            [
                ("id", true, "string"),
                ("plan", false, "Plan (string) | null"),
                ("parent", false, "Key"),
                ("expires_at", false, "string (date-time) | null"),
                ("limit", false, "integer"),
            ]
        );
        assert_eq!(node.properties[1].node.values, ["\"free\"", "\"pro\""]);
        // The schema within itself is named, not expanded again.
        assert!(node.properties[2].node.properties.is_empty());
        assert_eq!(
            node.properties[4].node.facts,
            [("minimum", "0".to_owned()), ("maximum", "1000".to_owned())]
        );
    }

    #[test]
    fn arrays_show_their_items_and_all_of_merges() {
        let document = document();
        let keys = describe(&schema("Keys"), &document);
        assert_eq!(keys.label, "Keys (array of Key)");
        assert_eq!(keys.properties.len(), 5);
        let both = describe(&schema("Both"), &document);
        let names: Vec<(&str, bool)> = both
            .properties
            .iter()
            .map(|property| (property.name.as_str(), property.required))
            .collect();
        assert_eq!(
            names,
            [
                ("id", true),
                ("plan", false),
                ("parent", false),
                ("expires_at", false),
                ("limit", false),
                ("extra", true)
            ]
        );
    }
}
