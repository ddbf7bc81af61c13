//! Atom and JSON Feed (1.1) of briefs: `/feeds/briefs.atom` and `/feeds/briefs.json` for
//! every story, `/feeds/entities/{id}.atom` and `.json` for the stories that mention one
//! entity.
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
//! - the base URL is `http://` + the request's `Host` header, checked to be a plain
//!   host[:port] (anything else falls back to `localhost`). [`base_url`] also takes a
//!   configured public base URL, which wins; the server has no such setting yet, so the
//!   handlers pass none.
//!
//! Invariants: every string in the Atom document goes through [`crate::html::escape`], which
//! also drops the control characters XML forbids, so a hostile article cannot break the
//! document; the JSON is written by serde_json.

use crate::AppState;
use crate::html::{BriefLinks, Html, first_sentence, machine_time, path_segment, render_brief};
use crate::pages::{PageError, current_headline, not_found_response};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
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

/// The Atom 1.0 document.
pub fn atom_document(meta: &FeedMeta, entries: &[FeedEntry], base: &str) -> String {
    let self_url = format!("{base}{}.atom", meta.feed_path);
    let mut xml = Html::new();
    xml.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>")
        .text(&self_url)
        .raw("</id>\n<title>")
        .text(&meta.title)
        .raw("</title>\n<subtitle>")
        .text(&meta.description)
        .raw("</subtitle>\n<updated>")
        .text(&machine_time(feed_updated(entries)))
        .raw("</updated>\n")
        .empty(
            "link",
            &[("rel", "self"), ("type", "application/atom+xml"), ("href", &self_url)],
        )
        .raw("\n")
        .empty(
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", &format!("{base}{}", meta.page_path)),
            ],
        )
        .raw("\n<author><name>Storyline</name></author>\n<generator>Storyline</generator>\n");
    for entry in entries {
        let url = story_url(base, &entry.story.id);
        xml.raw("<entry>\n<id>")
            .text(&url)
            .raw("</id>\n<title>")
            .text(&entry.brief.headline)
            .raw("</title>\n<updated>")
            .text(&machine_time(entry.brief.generated_at))
            .raw("</updated>\n<published>")
            .text(&machine_time(entry.first_written))
            .raw("</published>\n")
            .empty(
                "link",
                &[("rel", "alternate"), ("type", "text/html"), ("href", &url)],
            )
            .raw("\n");
        let summary = first_sentence(&entry.brief);
        if !summary.is_empty() {
            xml.raw("<summary>").text(summary).raw("</summary>\n");
        }
        // The HTML is escaped once more: a reader unescapes it back to our (escaped) HTML.
        xml.raw("<content type=\"html\">")
            .text(entry_content(entry, base).as_str())
            .raw("</content>\n</entry>\n");
    }
    xml.raw("</feed>\n");
    xml.into_string()
}

/// The JSON Feed 1.1 document.
pub fn json_feed_document(meta: &FeedMeta, entries: &[FeedEntry], base: &str) -> String {
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| {
            let url = story_url(base, &entry.story.id);
            let mut item = serde_json::json!({
                "id": url,
                "url": url,
                "title": entry.brief.headline,
                "content_html": entry_content(entry, base).into_string(),
                "date_published": machine_time(entry.first_written),
                "date_modified": machine_time(entry.brief.generated_at),
            });
            let summary = first_sentence(&entry.brief);
            if !summary.is_empty() {
                item["summary"] = serde_json::Value::String(summary.to_string());
            }
            item
        })
        .collect();
    let document = serde_json::json!({
        "version": JSON_FEED_VERSION,
        "title": meta.title,
        "description": meta.description,
        "home_page_url": format!("{base}{}", meta.page_path),
        "feed_url": format!("{base}{}.json", meta.feed_path),
        "language": "en",
        "authors": [{ "name": "Storyline" }],
        "items": items,
    });
    document.to_string()
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
            atom_document(meta, entries, base),
        ),
        Format::Json => (
            "application/feed+json; charset=utf-8",
            json_feed_document(meta, entries, base),
        ),
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
    let base = base_url(&headers, None);
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
    let base = base_url(&headers, None);
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
