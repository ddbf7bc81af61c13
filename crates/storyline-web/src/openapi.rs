//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json` and committed
//! as `docs/openapi.json`.
//!
//! Generated, not written: utoipa builds it from `crate::api::ApiDoc`, that is from the
//! handlers' `#[utoipa::path]` annotations, the `ToSchema`/`IntoParams` types they take and
//! answer with, and the error responses of `error.rs`. Two parts come from their own single
//! sources: the brief's schema is `schema/brief.schema.json`, embedded with its `$defs`
//! moved under `components.schemas` as `Brief.<name>` (so every `$ref` of the document is a
//! plain JSON pointer into it; the view types point at `Brief.storyId` and
//! `Brief.articleId` through `story_id` and friends), and the error codes come from
//! [`crate::error::ERROR_CODES`].
//!
//! Invariants: every route of `api::routes` is here and every `$ref` resolves (both checked
//! by the API tests against a running server); `docs/openapi.json` is this document (checked
//! below; `STORYLINE_UPDATE_OPENAPI=1` rewrites it); the document is built once per process.

use axum::body::Bytes;
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::sync::OnceLock;
use storyline_model::EntityKind;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The brief's JSON Schema, the one the model crate's serde form is tested against.
const BRIEF_SCHEMA: &str = include_str!("../../../schema/brief.schema.json");

/// Where the brief schema's definitions go, as a name prefix under `components.schemas`.
const BRIEF_DEFS_PREFIX: &str = "Brief.";

/// The one-line summary of the API (OpenAPI 3.1's `info.summary`, which utoipa's `Info`
/// does not have).
const SUMMARY: &str =
    "Stories, their cited briefs, entities, search and feeds of a Storyline server.";

/// The document as JSON text, built on first use.
pub fn document_json() -> Bytes {
    static DOCUMENT: OnceLock<Bytes> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            // Serialising a `Value` cannot fail: its keys are strings.
            Bytes::from(serde_json::to_vec(&document()).unwrap_or_default())
        })
        .clone()
}

/// The document as a value.
pub fn document() -> Value {
    let generated = crate::api::ApiDoc::openapi();
    let mut document = match serde_json::to_value(&generated) {
        Ok(value) => value,
        // utoipa's types serialise to JSON objects with string keys; should that ever fail,
        // an empty document is still a valid answer and the API tests catch it.
        Err(_) => json!({}),
    };
    if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("summary".into(), json!(SUMMARY));
    }
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let (brief, brief_defs) = brief_schema();
        schemas.insert("Brief".to_string(), brief);
        schemas.extend(brief_defs);
    }
    document
}

/// The document as `docs/openapi.json` holds it: pretty-printed, with a final newline.
pub fn document_pretty() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// The brief schema without its document-level keywords, and its `$defs` renamed into
/// `components.schemas` with every `$ref` rewritten to match.
fn brief_schema() -> (Value, Map<String, Value>) {
    let mut root: Value = match serde_json::from_str(BRIEF_SCHEMA) {
        Ok(value) => value,
        // The file is compiled in and checked by the model crate's tests; should it ever
        // be broken, the document still says what a brief is, loosely.
        Err(_) => json!({ "type": "object" }),
    };
    rewrite_refs(&mut root);
    let mut defs = Map::new();
    if let Some(object) = root.as_object_mut() {
        object.remove("$schema");
        object.remove("$id");
        if let Some(Value::Object(found)) = object.remove("$defs") {
            for (name, schema) in found {
                defs.insert(format!("{BRIEF_DEFS_PREFIX}{name}"), schema);
            }
        }
    }
    (root, defs)
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "$ref"
                    && let Value::String(target) = child
                    && let Some(name) = target.strip_prefix("#/$defs/")
                {
                    *target = format!("#/components/schemas/{BRIEF_DEFS_PREFIX}{name}");
                } else {
                    rewrite_refs(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Schemas the view types borrow (`#[schema(schema_with = ...)]`, `value_type = ...`)

/// A reference to the brief schema's definition `name`.
fn brief_def(name: &str) -> Ref {
    Ref::from_schema_name(format!("{BRIEF_DEFS_PREFIX}{name}"))
}

/// Either the brief definition `name` or null, with a description: a property whose schema
/// comes from `schema_with` does not get its doc comment.
fn nullable_brief_def(name: &str, description: &str) -> Schema {
    Schema::OneOf(
        OneOfBuilder::new()
            .item(brief_def(name))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(description))
            .build(),
    )
}

/// A story id, as the brief schema defines it.
pub(crate) fn story_id() -> Ref {
    brief_def("storyId")
}

/// A story id or null.
pub(crate) fn nullable_story_id(description: &str) -> Schema {
    nullable_brief_def("storyId", description)
}

/// An article id, as the brief schema defines it.
pub(crate) fn article_id() -> Ref {
    brief_def("articleId")
}

/// An article id or null.
pub(crate) fn nullable_article_id(description: &str) -> Schema {
    nullable_brief_def("articleId", description)
}

/// The schema of [`EntityKind`] (a model type, which knows nothing of OpenAPI), as the
/// `EntityKind` component.
pub struct EntityKindSchema;

impl PartialSchema for EntityKindSchema {
    fn schema() -> RefOr<Schema> {
        let kinds = [
            EntityKind::Person,
            EntityKind::Organisation,
            EntityKind::Place,
            EntityKind::Company,
        ];
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(kinds.map(EntityKind::as_str)))
            .into()
    }
}

impl ToSchema for EntityKindSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EntityKind")
    }
}

/// Adds the admin token's security scheme, which the administration routes name.
pub struct AdminTokenScheme;

impl Modify for AdminTokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The value of STORYLINE_ADMIN_TOKEN on the server."))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("adminToken", SecurityScheme::Http(scheme));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ERROR_CODES;
    use std::path::PathBuf;

    #[test]
    fn the_brief_schema_is_embedded_with_local_refs() {
        let document = document();
        let schemas = &document["components"]["schemas"];
        assert_eq!(schemas["Brief"]["type"], "object");
        assert!(schemas["Brief"].get("$defs").is_none());
        assert!(schemas["Brief.sentence"].is_object());
        let text = serde_json::to_string(&document).unwrap_or_default();
        assert!(!text.contains("#/$defs/"), "a brief $ref was left behind");
    }

    #[test]
    fn every_error_code_is_in_the_error_schema() {
        let document = document();
        let codes = &document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
            ["code"]["enum"];
        assert_eq!(
            codes.as_array().map(Vec::len),
            Some(ERROR_CODES.len()),
            "{codes}"
        );
    }

    /// utoipa takes the documented bounds as literals: check them against the constants the
    /// handlers enforce, so the two cannot drift apart.
    #[test]
    fn the_documented_bounds_are_the_enforced_ones() {
        use crate::api::{feeds_admin, listing, search};
        let document = document();
        let parameter = |path: &str, name: &str| {
            document["paths"][path]["get"]["parameters"]
                .as_array()
                .and_then(|all| all.iter().find(|p| p["name"] == name))
                .map(|p| p["schema"].clone())
                .unwrap_or_else(|| panic!("no parameter {name} on {path}"))
        };
        let number = |value: &Value| value.as_u64().map(|n| n as usize);
        let limit = parameter("/api/stories", "limit");
        assert_eq!(number(&limit["maximum"]), Some(listing::MAX_PAGE_SIZE));
        assert_eq!(number(&limit["default"]), Some(listing::DEFAULT_PAGE_SIZE));
        let offset = parameter("/api/stories", "offset");
        assert_eq!(number(&offset["maximum"]), Some(listing::MAX_OFFSET));
        let hits = parameter("/api/search", "limit");
        assert_eq!(number(&hits["maximum"]), Some(search::MAX_SEARCH_HITS));
        assert_eq!(number(&hits["default"]), Some(search::DEFAULT_SEARCH_HITS));
        let query = parameter("/api/search", "q");
        assert_eq!(number(&query["maxLength"]), Some(search::MAX_QUERY_CHARS));
        let new_feed = &document["components"]["schemas"]["NewFeed"]["properties"];
        assert_eq!(
            number(&new_feed["url"]["maxLength"]),
            Some(feeds_admin::MAX_FEED_URL_BYTES)
        );
        assert_eq!(
            number(&new_feed["title"]["maxLength"]),
            Some(feeds_admin::MAX_FEED_TITLE_CHARS)
        );
    }

    /// `docs/openapi.json` is the generated document, so a change to the API shows in review
    /// as a change to that file.
    #[test]
    fn the_committed_document_is_the_generated_one() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let generated = document_pretty();
        if std::env::var_os("STORYLINE_UPDATE_OPENAPI").is_some_and(|v| v == "1") {
            std::fs::write(&path, &generated)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} differs from the document the API generates; if the change is meant, \
             regenerate it with\n  STORYLINE_UPDATE_OPENAPI=1 cargo test -p storyline-web --lib \
             the_committed_document_is_the_generated_one\nand commit it",
            path.display()
        );
    }
}
