//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json`.
//!
//! Written by hand beside the handlers of `api.rs` (each `*View` struct there has its schema
//! here), with two parts taken from their single sources: the brief's schema is
//! `schema/brief.schema.json`, embedded with its `$defs` moved under
//! `components.schemas` as `Brief.<name>` (so every `$ref` of the document is a plain JSON
//! pointer into it), and the error codes come from [`crate::error::ERROR_CODES`].
//!
//! Invariants: every route of `api.rs` is here and every `$ref` resolves (both checked by
//! the API tests against a running server); the document is built once per process.

use crate::error::ERROR_CODES;
use axum::body::Bytes;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// The brief's JSON Schema, the one the model crate's serde form is tested against.
const BRIEF_SCHEMA: &str = include_str!("../../../schema/brief.schema.json");

/// Where the brief schema's definitions go, as a name prefix under `components.schemas`.
const BRIEF_DEFS_PREFIX: &str = "Brief.";

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
    let mut schemas = Map::new();
    for (name, schema) in api_schemas() {
        schemas.insert(name.to_string(), schema);
    }
    let (brief, brief_defs) = brief_schema();
    schemas.insert("Brief".to_string(), brief);
    schemas.extend(brief_defs);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Storyline API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Stories, their cited briefs, entities, search and feeds of a Storyline server.",
            "description": "Read-only routes are public. `POST /api/feeds` and `DELETE /api/feeds/{id}` need `Authorization: Bearer <token>` matching the server's STORYLINE_ADMIN_TOKEN; without one configured they answer 403 `admin_disabled`. Every error is `{\"error\": {\"code\", \"message\"}}` with a stable `code`.",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "servers": [ { "url": "/" } ],
        "tags": [
            { "name": "stories", "description": "Ranked stories and their briefs." },
            { "name": "entities", "description": "People, organisations, places and companies named in briefs." },
            { "name": "search", "description": "Full-text search over articles and briefs." },
            { "name": "feeds", "description": "The subscribed feeds." },
            { "name": "service", "description": "Health, metrics and this document." }
        ],
        "paths": paths(),
        "components": {
            "schemas": schemas,
            "parameters": parameters(),
            "responses": error_responses(),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The value of STORYLINE_ADMIN_TOKEN on the server."
                }
            }
        }
    })
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

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn nullable(type_name: &str) -> Value {
    json!({ "type": [type_name, "null"] })
}

fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn nullable_date_time() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

/// A closed object schema: every listed property required, nothing else allowed.
fn object(description: &str, properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "required": required,
        "properties": properties
    })
}

/// The schemas of `api.rs`'s answers and bodies.
fn api_schemas() -> Vec<(&'static str, Value)> {
    let codes: Vec<&str> = ERROR_CODES.iter().map(|c| c.code).collect();
    let code_list: Vec<String> = ERROR_CODES
        .iter()
        .map(|c| format!("`{}` ({}): {}", c.code, c.status, c.meaning))
        .collect();
    vec![
        (
            "Error",
            object(
                "Every error answer.",
                json!({
                    "error": object("What went wrong.", json!({
                        "code": {
                            "type": "string",
                            "enum": codes,
                            "description": format!("Stable machine-readable code. {}", code_list.join(" "))
                        },
                        "message": {
                            "type": "string",
                            "description": "One line for people: the input and the cause."
                        }
                    }))
                }),
            ),
        ),
        (
            "StoryPage",
            object(
                "One page of the ranked story listing.",
                json!({
                    "ranked_at": { "type": "string", "format": "date-time", "description": "The moment the scores were computed for (kept across pages by the cursor)." },
                    "total": { "type": "integer", "minimum": 0, "description": "Stories that pass the filters, all pages together." },
                    "offset": { "type": "integer", "minimum": 0 },
                    "limit": { "type": "integer", "minimum": 1 },
                    "next_cursor": { "type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page." },
                    "items": { "type": "array", "items": schema_ref("StorySummary") }
                }),
            ),
        ),
        (
            "StorySummary",
            object(
                "A story in the listing.",
                json!({
                    "id": schema_ref("Brief.storyId"),
                    "headline": { "type": "string" },
                    "summary": { "type": ["string", "null"], "description": "The first sentence of \"What's happened\"; null until the story has a brief." },
                    "article_count": { "type": "integer", "minimum": 0 },
                    "outlet_count": { "type": "integer", "minimum": 0, "description": "Independent outlets (wire copies not counted)." },
                    "articles_last_24h": { "type": "integer", "minimum": 0, "description": "Articles published in the 24 hours before `ranked_at`." },
                    "created_at": date_time(),
                    "updated_at": { "type": "string", "format": "date-time", "description": "Publication time of the newest article." },
                    "brief_version": { "type": ["integer", "null"], "minimum": 1 },
                    "score": { "type": "number", "minimum": 0, "description": "(outlets + ln(1 + articles_last_24h)) × 0.5^(hours from updated_at to ranked_at / 18); outlets at least 1, a future updated_at counts as ranked_at." },
                    "outlets": strings(),
                    "languages": strings()
                }),
            ),
        ),
        (
            "StoryDetail",
            object(
                "A story with its articles, brief versions and entities.",
                json!({
                    "id": schema_ref("Brief.storyId"),
                    "headline": { "type": "string" },
                    "summary": nullable("string"),
                    "created_at": date_time(),
                    "updated_at": date_time(),
                    "article_count": { "type": "integer", "minimum": 0 },
                    "outlet_count": { "type": "integer", "minimum": 0 },
                    "brief_version": { "type": ["integer", "null"], "minimum": 1 },
                    "brief_versions": { "type": "array", "items": schema_ref("BriefVersion") },
                    "outlets": strings(),
                    "languages": strings(),
                    "articles": { "type": "array", "items": schema_ref("Article") },
                    "entities": { "type": "array", "items": schema_ref("EntityRef") }
                }),
            ),
        ),
        (
            "Article",
            object(
                "An article of a story; fields named as in schema.org NewsArticle.",
                json!({
                    "id": schema_ref("Brief.articleId"),
                    "url": { "type": "string" },
                    "headline": { "type": "string" },
                    "publisher": { "type": "string", "description": "The outlet's display name." },
                    "datePublished": nullable_date_time(),
                    "inLanguage": nullable("string"),
                    "author": strings(),
                    "image": nullable("string"),
                    "duplicateOf": {
                        "oneOf": [ schema_ref("Brief.articleId"), { "type": "null" } ],
                        "description": "The article this one copies (a syndicated wire story): listed, but not an independent outlet."
                    },
                    "membership": object("Why the article is in the story.", json!({
                        "similarity": { "type": "number", "description": "Similarity to the story when it joined (1 for the article that opened it)." },
                        "why": { "type": "array", "items": { "type": "string" }, "description": "Shared terms and entities." }
                    }))
                }),
            ),
        ),
        (
            "BriefVersion",
            object(
                "One stored version of a story's brief.",
                json!({
                    "version": { "type": "integer", "minimum": 1 },
                    "generated_at": date_time(),
                    "url": { "type": "string", "description": "Where to read this version." }
                }),
            ),
        ),
        (
            "BriefVersions",
            object(
                "Every version of a story's brief, oldest first.",
                json!({
                    "story_id": schema_ref("Brief.storyId"),
                    "latest": { "type": ["integer", "null"], "minimum": 1 },
                    "versions": { "type": "array", "items": schema_ref("BriefVersion") }
                }),
            ),
        ),
        (
            "EntityKind",
            json!({ "type": "string", "enum": ["person", "organisation", "place", "company"] }),
        ),
        (
            "EntityRef",
            object(
                "An entity card of the story's latest brief.",
                json!({
                    "id": { "type": "string", "description": "Slug of the canonical name." },
                    "name": { "type": "string" },
                    "kind": schema_ref("EntityKind"),
                    "mentions": { "type": "integer", "minimum": 0 },
                    "url": { "type": "string" }
                }),
            ),
        ),
        (
            "Entity",
            object(
                "An entity and the live stories whose briefs name it, most mentions first.",
                json!({
                    "id": { "type": "string" },
                    "name": { "type": "string" },
                    "kind": schema_ref("EntityKind"),
                    "stories": { "type": "array", "items": object("A story naming the entity.", json!({
                        "id": schema_ref("Brief.storyId"),
                        "headline": { "type": "string" },
                        "mentions": { "type": "integer", "minimum": 0 },
                        "article_count": { "type": "integer", "minimum": 0 },
                        "outlet_count": { "type": "integer", "minimum": 0 },
                        "updated_at": date_time()
                    })) }
                }),
            ),
        ),
        (
            "Fragment",
            object(
                "A piece of a snippet; the pieces in order make the snippet.",
                json!({
                    "text": { "type": "string" },
                    "match": { "type": "boolean", "description": "True for a word of the query." }
                }),
            ),
        ),
        (
            "SearchResults",
            object(
                "Matching articles and briefs (each story's latest brief), best first.",
                json!({
                    "query": { "type": "string" },
                    "articles": { "type": "array", "items": object("A matching article.", json!({
                        "id": schema_ref("Brief.articleId"),
                        "headline": { "type": "string" },
                        "publisher": { "type": "string" },
                        "url": { "type": "string" },
                        "datePublished": nullable_date_time(),
                        "story_id": { "oneOf": [ schema_ref("Brief.storyId"), { "type": "null" } ] },
                        "snippet": { "type": "string" },
                        "highlighted": { "type": "array", "items": schema_ref("Fragment") }
                    })) },
                    "briefs": { "type": "array", "items": object("A matching brief.", json!({
                        "story_id": schema_ref("Brief.storyId"),
                        "version": { "type": "integer", "minimum": 1 },
                        "headline": { "type": "string" },
                        "snippet": { "type": "string" },
                        "highlighted": { "type": "array", "items": schema_ref("Fragment") }
                    })) }
                }),
            ),
        ),
        (
            "Feed",
            object(
                "A subscribed feed and the health of its polling.",
                json!({
                    "id": { "type": "string", "pattern": "^f[0-9a-f]{16}$", "description": "Stable id: `f` and 16 hex digits of the URL's SHA-256." },
                    "url": { "type": "string" },
                    "title": nullable("string"),
                    "added_at": date_time(),
                    "last_fetched_at": nullable_date_time(),
                    "last_error": { "type": ["string", "null"], "description": "The last failure, one line; null after a success." },
                    "error_count": { "type": "integer", "minimum": 0, "description": "Consecutive failures." }
                }),
            ),
        ),
        (
            "FeedList",
            object(
                "Every subscribed feed, oldest subscription first.",
                json!({ "feeds": { "type": "array", "items": schema_ref("Feed") } }),
            ),
        ),
        (
            "NewFeed",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["url"],
                "properties": {
                    "url": { "type": "string", "maxLength": 2048, "description": "An http:// or https:// feed address (RSS, Atom or JSON Feed)." },
                    "title": { "type": ["string", "null"], "maxLength": 300 }
                }
            }),
        ),
        (
            "Health",
            object(
                "The server can read its store.",
                json!({ "status": { "const": "ok" } }),
            ),
        ),
    ]
}

fn parameters() -> Value {
    json!({
        "StoryId": {
            "name": "id", "in": "path", "required": true,
            "description": "A story id or a unique prefix of one. A merged story's id answers with the story that absorbed it (its id is in the body and in Content-Location).",
            "schema": { "type": "string", "minLength": 1 }
        },
        "Limit": {
            "name": "limit", "in": "query", "required": false,
            "description": "Items per page.",
            "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 }
        },
        "Offset": {
            "name": "offset", "in": "query", "required": false,
            "description": "Items to skip (ranked now). Not together with cursor.",
            "schema": { "type": "integer", "minimum": 0, "default": 0 }
        },
        "Cursor": {
            "name": "cursor", "in": "query", "required": false,
            "description": "`next_cursor` of the previous page: continues the same ranking. Repeat the filters with it.",
            "schema": { "type": "string" }
        }
    })
}

/// One component response per error status.
fn error_responses() -> Value {
    let mut responses = Map::new();
    for (name, description) in [
        (
            "BadRequest",
            "A parameter or the body is invalid (`invalid_parameter`, `invalid_query`, `invalid_body`, `ambiguous_id`).",
        ),
        (
            "Unauthorized",
            "Missing or wrong bearer token (`unauthorized`).",
        ),
        (
            "AdminDisabled",
            "The server has no admin token (`admin_disabled`).",
        ),
        ("NotFound", "No such resource (`not_found`)."),
        (
            "RequestTimeout",
            "The body did not arrive in time (`request_timeout`).",
        ),
        ("TooLarge", "The body is too large (`too_large`)."),
        (
            "UnsupportedMediaType",
            "The body is not JSON (`unsupported_media_type`).",
        ),
        ("Internal", "A fault on the server (`internal`)."),
        (
            "Unavailable",
            "The store is unavailable or busy (`store_unavailable`).",
        ),
    ] {
        responses.insert(
            name.to_string(),
            json!({
                "description": description,
                "content": { "application/json": { "schema": schema_ref("Error") } }
            }),
        );
    }
    Value::Object(responses)
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn param_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn json_ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema_ref(schema) } }
    })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn paths() -> Value {
    json!({
        "/api/stories": { "get": {
            "tags": ["stories"],
            "operationId": "listStories",
            "summary": "Stories, best first.",
            "description": "Ranked by `score` (see StorySummary.score), ties by newest article then id. Filters combine with AND.",
            "parameters": [
                param_ref("Limit"), param_ref("Offset"), param_ref("Cursor"),
                query_param("entity", "An entity slug: stories whose latest brief has a card for it.", json!({ "type": "string" })),
                query_param("outlet", "An outlet's display name (any case): stories with an article from it.", json!({ "type": "string" })),
                query_param("language", "A language code; `en` also matches `en-GB`.", json!({ "type": "string" })),
                query_param("from", "Stories whose newest article is at or after this date (start of day, UTC) or RFC 3339 time.", json!({ "type": "string" })),
                query_param("to", "Stories whose first article is at or before this date (end of day, UTC) or RFC 3339 time.", json!({ "type": "string" }))
            ],
            "responses": {
                "200": json_ok("A page of stories.", "StoryPage"),
                "400": response_ref("BadRequest"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/stories/{id}": { "get": {
            "tags": ["stories"],
            "operationId": "getStory",
            "summary": "One story with its articles, brief versions and entities.",
            "parameters": [ param_ref("StoryId") ],
            "responses": {
                "200": json_ok("The story.", "StoryDetail"),
                "400": response_ref("BadRequest"),
                "404": response_ref("NotFound"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/stories/{id}/brief": { "get": {
            "tags": ["stories"],
            "operationId": "getBrief",
            "summary": "A story's brief: the latest version, or `version`.",
            "description": "The brief as its published JSON schema (schema/brief.schema.json). Content-Location names the version answered.",
            "parameters": [
                param_ref("StoryId"),
                query_param("version", "A brief version (from 1); default the latest.", json!({ "type": "integer", "minimum": 1 }))
            ],
            "responses": {
                "200": json_ok("The brief.", "Brief"),
                "400": response_ref("BadRequest"),
                "404": response_ref("NotFound"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/stories/{id}/brief/versions": { "get": {
            "tags": ["stories"],
            "operationId": "listBriefVersions",
            "summary": "Every version of a story's brief.",
            "parameters": [ param_ref("StoryId") ],
            "responses": {
                "200": json_ok("The versions, oldest first.", "BriefVersions"),
                "400": response_ref("BadRequest"),
                "404": response_ref("NotFound"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/entities/{id}": { "get": {
            "tags": ["entities"],
            "operationId": "getEntity",
            "summary": "An entity and the stories that name it.",
            "parameters": [ {
                "name": "id", "in": "path", "required": true,
                "description": "The entity's slug, as in a brief's entity cards.",
                "schema": { "type": "string", "minLength": 1 }
            } ],
            "responses": {
                "200": json_ok("The entity.", "Entity"),
                "404": response_ref("NotFound"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/search": { "get": {
            "tags": ["search"],
            "operationId": "search",
            "summary": "Full-text search over articles and briefs.",
            "description": "Plain words, all of which must match (case and accents ignored); no query syntax is interpreted.",
            "parameters": [
                {
                    "name": "q", "in": "query", "required": true,
                    "description": "The words to search for (at most 256 characters).",
                    "schema": { "type": "string", "minLength": 1, "maxLength": 256 }
                },
                query_param("limit", "Hits per kind.", json!({ "type": "integer", "minimum": 1, "maximum": 50, "default": 10 }))
            ],
            "responses": {
                "200": json_ok("The hits.", "SearchResults"),
                "400": response_ref("BadRequest"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/feeds": {
            "get": {
                "tags": ["feeds"],
                "operationId": "listFeeds",
                "summary": "The subscribed feeds and their health.",
                "responses": {
                    "200": json_ok("The feeds.", "FeedList"),
                    "500": response_ref("Internal"),
                    "503": response_ref("Unavailable")
                }
            },
            "post": {
                "tags": ["feeds"],
                "operationId": "addFeed",
                "summary": "Subscribe to a feed (idempotent).",
                "security": [ { "adminToken": [] } ],
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": schema_ref("NewFeed") } }
                },
                "responses": {
                    "201": json_ok("Subscribed.", "Feed"),
                    "200": json_ok("Already subscribed; nothing changed.", "Feed"),
                    "400": response_ref("BadRequest"),
                    "401": response_ref("Unauthorized"),
                    "403": response_ref("AdminDisabled"),
                    "408": response_ref("RequestTimeout"),
                    "413": response_ref("TooLarge"),
                    "415": response_ref("UnsupportedMediaType"),
                    "500": response_ref("Internal"),
                    "503": response_ref("Unavailable")
                }
            }
        },
        "/api/feeds/{id}": { "delete": {
            "tags": ["feeds"],
            "operationId": "removeFeed",
            "summary": "Unsubscribe from a feed.",
            "security": [ { "adminToken": [] } ],
            "parameters": [ {
                "name": "id", "in": "path", "required": true,
                "description": "The feed's `id` from GET /api/feeds.",
                "schema": { "type": "string" }
            } ],
            "responses": {
                "204": { "description": "Unsubscribed." },
                "401": response_ref("Unauthorized"),
                "403": response_ref("AdminDisabled"),
                "404": response_ref("NotFound"),
                "500": response_ref("Internal"),
                "503": response_ref("Unavailable")
            }
        }},
        "/api/openapi.json": { "get": {
            "tags": ["service"],
            "operationId": "openapi",
            "summary": "This document.",
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": { "application/json": { "schema": { "type": "object" } } }
                }
            }
        }},
        "/healthz": { "get": {
            "tags": ["service"],
            "operationId": "health",
            "summary": "Whether the server can read its store.",
            "responses": {
                "200": json_ok("Healthy.", "Health"),
                "503": response_ref("Unavailable")
            }
        }},
        "/metrics": { "get": {
            "tags": ["service"],
            "operationId": "metrics",
            "summary": "Prometheus metrics (text exposition format 0.0.4).",
            "description": "Counters: storyline_polls_total, storyline_articles_fetched_total, storyline_feed_errors_total{kind=timeout|http_status|too_large|network|refused|robots|malformed|not_article|budget|file|other}, storyline_briefs_written_total, storyline_brief_errors_total, storyline_http_requests_total{route,method,status}. Histograms: storyline_brief_write_seconds, storyline_http_request_duration_seconds{route}. Gauges read from the store at scrape time: storyline_store_up, storyline_stories, storyline_briefs, storyline_articles, storyline_feeds.",
            "responses": {
                "200": {
                    "description": "The metrics.",
                    "content": { "text/plain": { "schema": { "type": "string" } } }
                }
            }
        }}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
