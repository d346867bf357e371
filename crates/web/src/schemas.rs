//! The JSON schemas of the three interchange documents (formats.md: Application, Execution report,
//! Activities) and of the offline checks' answers, for the OpenAPI description.
//!
//! The documents are read by hand-written deserialisers (a year, a date, a share, a tenths value
//! given as a number or a decimal string, an activity whose fields depend on its `type`), so a
//! schema derived from the Rust types would describe them wrongly; they are written once, by hand,
//! in `schemas/documents.json` after formats.md; `scripts/schemathesis` checks the example files of
//! `crates/domain/tests/fixtures` against them and the server against the whole description.

use std::collections::BTreeMap;

use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, Ref, RefOr};

const DOCUMENTS: &str = include_str!("schemas/documents.json");

/// Each offline check: its path, the schema of its request body and of its 200 answer.
pub const CHECKS: [(&str, &str, &str); 3] = [
    ("/api/v1/applications/check", "Application", "ReviewOutput"),
    ("/api/v1/scores/evaluate", "ExecutionReport", "ScoreOutput"),
    ("/api/v1/credits/evaluate", "Activities", "CreditsOutput"),
];

/// The schemas of `schemas/documents.json`, by component name.
pub fn components() -> BTreeMap<String, RefOr<Schema>> {
    // Embedded at build time; a broken file fails `the_schemas_read_back_unchanged` before any release.
    serde_json::from_str(DOCUMENTS).expect("schemas/documents.json is a map of OpenAPI schemas")
}

/// Adds the schemas to `doc` and points the offline checks' bodies and answers at them.
pub fn describe_checks(doc: &mut OpenApi) {
    doc.components.get_or_insert_with(Default::default).schemas.extend(components());
    for (path, request, answer) in CHECKS {
        let Some(operation) = doc.paths.paths.get_mut(path).and_then(|item| item.post.as_mut()) else {
            continue;
        };
        if let Some(body) = operation.request_body.as_mut() {
            body.required = Some(utoipa::openapi::Required::True);
            for content in body.content.values_mut() {
                content.schema = Some(RefOr::Ref(Ref::from_schema_name(request)));
            }
        }
        if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
            for content in ok.content.values_mut() {
                content.schema = Some(RefOr::Ref(Ref::from_schema_name(answer)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// utoipa's schema types keep every keyword the file uses: what the document serves is the file.
    #[test]
    fn the_schemas_read_back_unchanged() {
        let written: serde_json::Value = serde_json::from_str(DOCUMENTS).unwrap();
        let served = serde_json::to_value(components()).unwrap();
        assert_eq!(served, written);
    }

    /// Found by scripts/schemathesis: an audit entry of a creation has `"before": null`, which a
    /// schema of `{"type": "object"}` refused.
    #[test]
    fn audit_entries_may_have_no_before_or_after() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        for side in ["before", "after"] {
            let schema = &doc["components"]["schemas"]["AuditView"]["properties"][side];
            let types = match &schema["type"] {
                serde_json::Value::Null => vec![],
                serde_json::Value::String(t) => vec![t.as_str()],
                serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
                other => panic!("{other}"),
            };
            assert!(types.is_empty() || types.contains(&"null"), "{side}: {schema}");
        }
    }

    /// Found by scripts/schemathesis: the list of suspensions was documented as an object.
    #[test]
    fn the_suspensions_are_a_list() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        let schema =
            &doc["paths"]["/api/v1/suspensions"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema["type"], "array", "{schema}");
        assert_eq!(schema["items"]["$ref"], "#/components/schemas/SuspensionView", "{schema}");
        let fields = doc["components"]["schemas"]["SuspensionView"]["required"].clone();
        assert_eq!(fields, serde_json::json!(["id", "unit_name", "reason", "projects", "actor", "at"]));
    }

    #[test]
    fn the_checks_point_at_the_schemas() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        for (path, request, answer) in CHECKS {
            let post = &doc["paths"][path]["post"];
            assert_eq!(
                post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
                format!("#/components/schemas/{request}"),
                "{path}"
            );
            assert_eq!(
                post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
                format!("#/components/schemas/{answer}"),
                "{path}"
            );
            assert!(
                doc["components"]["schemas"][request].is_object() && doc["components"]["schemas"][answer].is_object()
            );
        }
        // Every reference in the document names a schema it holds.
        let text = doc.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(doc["components"]["schemas"][name].is_object(), "{name}");
        }
    }
}
