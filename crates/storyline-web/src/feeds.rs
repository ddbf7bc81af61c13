//! Atom and JSON Feed (1.1) of briefs: `/feeds/briefs.atom` and `/feeds/briefs.json` for
//! every story, `/feeds/entities/{id}.atom` and `.json` for the stories that mention one
//! entity. The Atom document is built as an `atom_syndication` [`atom_syndication::Feed`]
//! and written by that crate; the JSON Feed is [`JsonFeed`], serialised by serde_json.
//!
//! One entry per story, updated in place, which is what feed readers expect: a story that
//! gets a new brief version shows up again as updated, not as a second item. Choices:
//! - entry id = the story's absolute URL (`{base}/stories/{story_id}`): story ids never
//!   change, so the id is stable across fetches and brief versions for everyone who reaches
//!   the site at the same address (the permalink convention both formats recommend);
//! - `updated` / `date_modified` = the latest brief's `generated_at`; `published` /
//!   `date_published` = the first brief version's time;
//! - entries: the [`FEED_LIMIT`] stories with a brief whose newest article is newest (the
//!   store's story order), then sorted by brief time, newest first;
//! - content = the brief rendered by [`crate::html::render_brief`] with absolute links, as
//!   Atom `type="html"` (the HTML escaped once more as text) and JSON Feed `content_html`;
//! - the base URL is the configured public URL (`serve.public_url`) when set, else
//!   `http://` followed by the request's `Host` header, checked to be a plain `host[:port]`
//!   (anything else falls back to `localhost`): see [`base_url`].
//!
//! Invariants: the Atom writer escapes every string it is given, and every piece of text we
//! give it has first lost the control characters XML forbids (`xml_text`; the brief's HTML
//! through [`crate::html::escape`]), so a hostile article cannot break the document; the
//! JSON is written by serde_json.

use crate::AppState;
use crate::html::{
    BriefLinks, Html, allowed_in_xml, first_sentence, machine_time, path_segment, render_brief,
};
use crate::pages::{PageError, current_headline, not_found_response};
use atom_syndication::{Content, Generator, Person, Text, WriteConfig};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use storyline_model::{Brief, Story, StoryId};
use storyline_store::{Store, StoreError};

/// Entries per feed.
pub const FEED_LIMIT: usize = 50;
/// Stories mentioning an entity that are considered for its feed (most mentioned first, as
/// the store orders them), before keeping the [`FEED_LIMIT`] newest.
const ENTITY_CANDIDATES: usize = 500;

/// The version URI of JSON Feed 1.1.
pub const JSON_FEED_VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The feeds' routes, merged into the application router by `lib.rs`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds/briefs.atom", get(briefs_atom))
        .route("/feeds/briefs.json", get(briefs_json))
        // One segment with the format as its extension: the router matches whole segments.
        .route("/feeds/entities/{file}", get(entity_feed))
}

/// The absolute base of our links: `configured` (trailing `/` removed) when set, else
/// `http://` + the `Host` header when it is a plain `host[:port]` (letters, digits, `.`,
/// `-`, or a bracketed IPv6 address), else `http://localhost`.
pub fn base_url(headers: &HeaderMap, configured: Option<&str>) -> String {
    if let Some(base) = configured.map(str::trim).filter(|b| !b.is_empty()) {
        return base.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|host| plain_host(host));
    format!("http://{}", host.unwrap_or("localhost"))
}

fn plain_host(host: &str) -> bool {
    let (name_ok, rest) = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((inner, rest)) => (
                !inner.is_empty()
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'),
                rest,
            ),
            None => return false,
        },
        None => {
            let end = host.find(':').unwrap_or(host.len());
            let name = &host[..end];
            (
                !name.is_empty()
                    && name.len() <= 253
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
                &host[end..],
            )
        }
    };
    let port_ok = rest.is_empty()
        || rest.strip_prefix(':').is_some_and(|port| {
            (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit())
        });
    name_ok && port_ok
}

/// One feed entry: a story and its latest brief.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub story: Story,
    pub brief: Brief,
    /// When the first version of the brief was written.
    pub first_written: DateTime<Utc>,
    /// Headlines of the earlier stories the brief links to.
    pub headlines: BTreeMap<StoryId, String>,
}

/// What a feed is about.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// Site path of the HTML page the feed follows (`/`, `/entities/li-qiang`).
    pub page_path: String,
    /// Site path of the feed without its extension (`/feeds/briefs`).
    pub feed_path: String,
}

/// The entries for `candidates` (in the store's story order): the first [`FEED_LIMIT`]
/// that have a brief, newest brief first.
fn collect_entries(
    store: &mut dyn Store,
    candidates: impl IntoIterator<Item = Story>,
) -> Result<Vec<FeedEntry>, StoreError> {
    let mut entries = Vec::new();
    for story in candidates {
        if entries.len() >= FEED_LIMIT {
            break;
        }
        let Some(brief) = store.latest_brief(&story.id)? else {
            continue;
        };
        let first_written = store
            .brief_versions(&story.id)?
            .first()
            .map_or(brief.generated_at, |(_, at)| *at);
        let mut headlines = BTreeMap::new();
        for linked in crate::html::linked_stories(&brief) {
            if let Some(earlier) = store.story(&linked)? {
                headlines.insert(linked, current_headline(store, &earlier)?);
            }
        }
        entries.push(FeedEntry {
            story,
            brief,
            first_written,
            headlines,
        });
    }
    // Stable: equal times keep the store's order (newest article first).
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.brief.generated_at));
    Ok(entries)
}

fn story_url(base: &str, story: &StoryId) -> String {
    format!("{base}/stories/{}", path_segment(story.as_str()))
}

/// The newest entry's time, or now for an empty feed (Atom requires `updated`).
fn feed_updated(entries: &[FeedEntry]) -> DateTime<Utc> {
    entries
        .iter()
        .map(|e| e.brief.generated_at)
        .max()
        .unwrap_or_else(Utc::now)
}

fn entry_content(entry: &FeedEntry, base: &str) -> Html {
    let links = BriefLinks::absolute(base, &entry.story.id).with_headlines(entry.headlines.clone());
    render_brief(&entry.brief, &links)
}

/// `text` without the characters XML 1.0 forbids (most C0 controls): the Atom writer
/// escapes markup but passes those through, and one of them would make the whole document
/// unreadable to every feed reader.
fn xml_text(text: &str) -> String {
    text.chars().filter(|ch| allowed_in_xml(*ch)).collect()
}

fn atom_link(rel: &str, mime_type: &str, href: String) -> atom_syndication::Link {
    atom_syndication::Link {
        href,
        rel: rel.to_string(),
        mime_type: Some(mime_type.to_string()),
        ..atom_syndication::Link::default()
    }
}

fn atom_entry(entry: &FeedEntry, base: &str) -> atom_syndication::Entry {
    let url = story_url(base, &entry.story.id);
    let summary = first_sentence(&entry.brief);
    atom_syndication::Entry {
        id: url.clone(),
        title: Text::plain(xml_text(&entry.brief.headline)),
        updated: entry.brief.generated_at.fixed_offset(),
        published: Some(entry.first_written.fixed_offset()),
        links: vec![atom_link("alternate", "text/html", url)],
        summary: (!summary.is_empty()).then(|| Text::plain(xml_text(summary))),
        // `type="html"`: the writer escapes our (already escaped) HTML once more, and a reader
        // unescapes it back.
        content: Some(Content {
            content_type: Some("html".to_string()),
            value: Some(entry_content(entry, base).into_string()),
            ..Content::default()
        }),
        ..atom_syndication::Entry::default()
    }
}

/// The Atom 1.0 feed of `entries`.
pub fn atom_feed(meta: &FeedMeta, entries: &[FeedEntry], base: &str) -> atom_syndication::Feed {
    let self_url = format!("{base}{}.atom", meta.feed_path);
    atom_syndication::Feed {
        id: self_url.clone(),
        title: Text::plain(xml_text(&meta.title)),
        subtitle: Some(Text::plain(xml_text(&meta.description))),
        updated: feed_updated(entries).fixed_offset(),
        links: vec![
            atom_link("self", "application/atom+xml", self_url),
            atom_link(
                "alternate",
                "text/html",
                format!("{base}{}", meta.page_path),
            ),
        ],
        authors: vec![Person {
            name: "Storyline".to_string(),
            ..Person::default()
        }],
        generator: Some(Generator {
            value: "Storyline".to_string(),
            ..Generator::default()
        }),
        entries: entries
            .iter()
            .map(|entry| atom_entry(entry, base))
            .collect(),
        ..atom_syndication::Feed::default()
    }
}

/// The Atom 1.0 document, indented for people who read it.
pub fn atom_document(
    meta: &FeedMeta,
    entries: &[FeedEntry],
    base: &str,
) -> Result<String, atom_syndication::Error> {
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(1),
    };
    let bytes = atom_feed(meta, entries, base).write_with_config(Vec::new(), config)?;
    // The writer only copies the `&str`s it was given and ASCII markup.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A JSON Feed 1.1 document: the top-level fields of the specification that we fill.
#[derive(Debug, Serialize)]
pub struct JsonFeed {
    pub version: &'static str,
    pub title: String,
    pub description: String,
    pub home_page_url: String,
    pub feed_url: String,
    pub language: &'static str,
    pub authors: Vec<JsonFeedAuthor>,
    pub items: Vec<JsonFeedItem>,
}

#[derive(Debug, Serialize)]
pub struct JsonFeedAuthor {
    pub name: &'static str,
}

/// One item of a [`JsonFeed`]; dates are RFC 3339 strings, as the specification asks.
#[derive(Debug, Serialize)]
pub struct JsonFeedItem {
    pub id: String,
    pub url: String,
    pub title: String,
    pub content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub date_published: String,
    pub date_modified: String,
}

/// The JSON Feed 1.1 of `entries`.
pub fn json_feed(meta: &FeedMeta, entries: &[FeedEntry], base: &str) -> JsonFeed {
    let items = entries
        .iter()
        .map(|entry| {
            let url = story_url(base, &entry.story.id);
            let summary = first_sentence(&entry.brief);
            JsonFeedItem {
                id: url.clone(),
                url,
                title: entry.brief.headline.clone(),
                content_html: entry_content(entry, base).into_string(),
                summary: (!summary.is_empty()).then(|| summary.to_string()),
                date_published: machine_time(entry.first_written),
                date_modified: machine_time(entry.brief.generated_at),
            }
        })
        .collect();
    JsonFeed {
        version: JSON_FEED_VERSION,
        title: meta.title.clone(),
        description: meta.description.clone(),
        home_page_url: format!("{base}{}", meta.page_path),
        feed_url: format!("{base}{}.json", meta.feed_path),
        language: "en",
        authors: vec![JsonFeedAuthor { name: "Storyline" }],
        items,
    }
}

/// The JSON Feed 1.1 document.
pub fn json_feed_document(
    meta: &FeedMeta,
    entries: &[FeedEntry],
    base: &str,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&json_feed(meta, entries, base))
}

#[derive(Clone, Copy)]
enum Format {
    Atom,
    Json,
}

fn feed_response(format: Format, meta: &FeedMeta, entries: &[FeedEntry], base: &str) -> Response {
    let (content_type, body) = match format {
        Format::Atom => (
            "application/atom+xml; charset=utf-8",
            atom_document(meta, entries, base).map_err(|e| e.to_string()),
        ),
        Format::Json => (
            "application/feed+json; charset=utf-8",
            json_feed_document(meta, entries, base).map_err(|e| e.to_string()),
        ),
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            // Writing into memory does not fail; should it, the reader gets a 500, not half a
            // feed.
            tracing::error!("feed {} could not be written: {error}", meta.feed_path);
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The feed could not be written; the server log has the details.\n",
            )
                .into_response();
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Readers poll; five minutes of caching is well under the pipeline's polling interval.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

fn all_briefs_meta() -> FeedMeta {
    FeedMeta {
        title: "Storyline: latest briefs".to_string(),
        description: "New and updated briefs, one entry per story.".to_string(),
        page_path: "/".to_string(),
        feed_path: "/feeds/briefs".to_string(),
    }
}

async fn all_briefs(
    state: AppState,
    headers: HeaderMap,
    format: Format,
) -> Result<Response, PageError> {
    let entries = state
        .with_store(|store| {
            let stories = store.stories()?;
            collect_entries(store, stories)
        })
        .await?;
    let base = base_url(&headers, state.public_url());
    Ok(feed_response(format, &all_briefs_meta(), &entries, &base))
}

async fn briefs_atom(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    all_briefs(state, headers, Format::Atom).await
}

async fn briefs_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    all_briefs(state, headers, Format::Json).await
}

async fn entity_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (id, format) = if let Some(id) = file.strip_suffix(".atom") {
        (id.to_string(), Format::Atom)
    } else if let Some(id) = file.strip_suffix(".json") {
        (id.to_string(), Format::Json)
    } else {
        return Ok(not_found_response("Entity feeds end in .atom or .json."));
    };
    let wanted = id.clone();
    let found = state
        .with_store(move |store| {
            let Some((name, _kind)) = store.entity(&wanted)? else {
                return Ok(None);
            };
            let mut stories = Vec::new();
            for (story_id, _mentions) in store
                .stories_mentioning(&wanted)?
                .into_iter()
                .take(ENTITY_CANDIDATES)
            {
                if let Some(story) = store.story(&story_id)? {
                    stories.push(story);
                }
            }
            stories.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
            Ok(Some((name, collect_entries(store, stories)?)))
        })
        .await?;
    let Some((name, entries)) = found else {
        return Ok(not_found_response(&format!(
            "No story mentions an entity with the id “{id}”."
        )));
    };
    let segment = path_segment(&id);
    let meta = FeedMeta {
        title: format!("Storyline: {name}"),
        description: format!("Briefs of the stories that mention {name}."),
        page_path: format!("/entities/{segment}"),
        feed_path: format!("/feeds/entities/{segment}"),
    };
    let base = base_url(&headers, state.public_url());
    Ok(feed_response(format, &meta, &entries, &base))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_for(host: Option<&str>, configured: Option<&str>) -> String {
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(
                header::HOST,
                HeaderValue::from_str(host).expect("a header value"),
            );
        }
        base_url(&headers, configured)
    }

    #[test]
    fn characters_xml_forbids_never_reach_the_atom_document() {
        // An entity's name comes from article text, so a feed's title is untrusted too.
        let meta = FeedMeta {
            title: "Storyline: A\u{1}B <script>".to_string(),
            description: "Briefs\u{0} & more\u{1b}".to_string(),
            page_path: "/entities/a-b".to_string(),
            feed_path: "/feeds/entities/a-b".to_string(),
        };
        let xml = atom_document(&meta, &[], "http://localhost").expect("an Atom document");
        assert!(!xml.contains(['\u{0}', '\u{1}', '\u{1b}']), "{xml:?}");
        assert!(!xml.contains("<script>"), "{xml}");
        let feed = feed_rs::parser::parse(xml.as_bytes()).expect("a readable feed");
        assert_eq!(
            feed.title.map(|t| t.content).as_deref(),
            Some("Storyline: AB <script>")
        );
        assert_eq!(
            feed.description.map(|d| d.content).as_deref(),
            Some("Briefs & more")
        );
    }

    #[test]
    fn base_url_trusts_only_plain_hosts() {
        let check = |host: Option<&str>, expected: &str| {
            assert_eq!(base_for(host, None), expected, "host {host:?}");
        };
        check(Some("news.example:8080"), "http://news.example:8080");
        check(Some("127.0.0.1:3000"), "http://127.0.0.1:3000");
        check(Some("[::1]:8080"), "http://[::1]:8080");
        check(Some("[::1]"), "http://[::1]");
        check(Some("example.com"), "http://example.com");
        check(None, "http://localhost");
        check(Some("evil.example/\"><script>"), "http://localhost");
        check(Some("user@evil.example"), "http://localhost");
        check(Some("example.com:"), "http://localhost");
        check(Some("example.com:80a"), "http://localhost");
        check(Some(""), "http://localhost");
        assert_eq!(
            base_for(Some("internal:8080"), Some("https://news.example/ ")),
            "https://news.example"
        );
    }
}
