//! The server-rendered web pages, one module per page: the front page (`/`, `front.rs`), a
//! story's brief (`/stories/{id}`, `story.rs`), an entity (`/entities/{id}`, `entity.rs`:
//! what the newest brief's card says it is, and the stories that mention it), search
//! (`/search?q=`, `search.rs`), the health of the subscribed feeds (`/feeds`,
//! `feed_health.rs`), and the one stylesheet and icon they use (`/static/...`, here).
//!
//! This module holds what the pages share: [`routes`], the document shell around every page,
//! [`PageError`] with the 404 and 500 pages, and small helpers (query values, story links,
//! plurals, `current_headline`).
//!
//! Every page is one HTML5 document built with [`crate::html::Html`], with no script at all,
//! one same-origin stylesheet, and links to the briefs' Atom and JSON feeds. The front page
//! shows the API's ranked listing ([`crate::api::story_listing`]), so both rank alike.
//!
//! Invariants: each handler makes one trip to the store ([`AppState::with_store`], or the
//! listing for the front page) and renders after it, so no connection is held while HTML is
//! built; untrusted text reaches the page only through the builder's escaping; an unknown
//! story, version or entity is a 404 page, a failing store a 500 page whose details go to the
//! log, not to the reader.

mod entity;
mod feed_health;
mod front;
mod search;
mod story;

pub use front::STORIES_PER_PAGE;
pub use story::{VersionChange, version_change};

use crate::AppState;
use crate::error::ApiError;
use crate::html::{Html, path_segment, relative_time};
use crate::state::StateError;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use entity::entity_page;
use feed_health::feeds_page;
use front::front_page;
use search::search_page;
use story::story_page;
use storyline_model::{Story, StoryId};
use storyline_store::{Store, StoreError};

/// The stylesheet, compiled in so the binary is the whole site.
const STYLESHEET: &str = include_str!("../../static/style.css");
const FAVICON: &str = include_str!("../../static/favicon.svg");

/// The pages' routes, merged into the application router by `lib.rs`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(front_page))
        .route("/stories/{id}", get(story_page))
        .route("/entities/{id}", get(entity_page))
        .route("/search", get(search_page))
        .route("/feeds", get(feeds_page))
        .route("/static/style.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
}

// ---------------------------------------------------------------------------------------
// Document shell and errors

/// What goes into `<head>` besides the fixed parts.
struct Head<'a> {
    title: &'a str,
    /// Extra Atom / JSON feeds: `(type, href, title)`.
    feeds: Vec<(&'static str, String, String)>,
    /// Set on pages that must not be indexed (search results, errors).
    noindex: bool,
}

impl<'a> Head<'a> {
    fn titled(title: &'a str) -> Self {
        Head {
            title,
            feeds: Vec::new(),
            noindex: false,
        }
    }
}

/// The whole document around `main`.
fn document(head: &Head<'_>, main: &Html) -> String {
    let mut page = Html::new();
    page.raw(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">",
    );
    if head.noindex {
        page.raw("<meta name=\"robots\" content=\"noindex\">");
    }
    page.raw("<title>");
    if head.title.is_empty() {
        page.raw("Storyline");
    } else {
        page.text(head.title).raw(" · Storyline");
    }
    page.raw(
        "</title><link rel=\"stylesheet\" href=\"/static/style.css\">\
         <link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"alternate\" type=\"application/atom+xml\" \
         title=\"Storyline: latest briefs (Atom)\" href=\"/feeds/briefs.atom\">\
         <link rel=\"alternate\" type=\"application/feed+json\" \
         title=\"Storyline: latest briefs (JSON Feed)\" href=\"/feeds/briefs.json\">",
    );
    for (kind, href, title) in &head.feeds {
        page.open(
            "link",
            &[
                ("rel", "alternate"),
                ("type", kind),
                ("title", title),
                ("href", href),
            ],
        );
    }
    page.raw(
        "</head><body><header class=\"site\"><a class=\"brand\" href=\"/\">Storyline</a>\
         <nav aria-label=\"Site\"><a href=\"/\">Top stories</a><a href=\"/search\">Search</a>\
         <a href=\"/feeds\">Sources</a></nav></header><main>",
    );
    page.append(main);
    page.raw(
        "</main><footer class=\"site\"><p>Every sentence of a brief cites the articles it \
         comes from. Follow the briefs: <a href=\"/feeds/briefs.atom\">Atom</a> · \
         <a href=\"/feeds/briefs.json\">JSON Feed</a>.</p></footer></body></html>\n",
    );
    page.into_string()
}

fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// 404, with a sentence for the reader ("No story has the id s123.").
    NotFound(String),
    /// 500; the cause is logged, not shown.
    Failed(StateError),
    /// The ranked listing failed (500, logged).
    Listing(ApiError),
}

impl From<StateError> for PageError {
    fn from(err: StateError) -> Self {
        PageError::Failed(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::NotFound(message) => not_found_response(&message),
            PageError::Failed(err) => server_error(&format!("web page failed: {err}")),
            PageError::Listing(err) => server_error(&format!("front page failed: {err}")),
        }
    }
}

/// The 500 page; `log_line` goes to the log only.
fn server_error(log_line: &str) -> Response {
    tracing::error!("{log_line}");
    let mut main = Html::new();
    main.raw(
        "<h1>Something went wrong</h1><p>The page could not be built. \
         Try again in a moment; the server log has the details.</p>",
    );
    let mut head = Head::titled("Error");
    head.noindex = true;
    html_response(StatusCode::INTERNAL_SERVER_ERROR, document(&head, &main))
}

/// A 404 page saying `message`; also the application's fallback page (see
/// [`not_found_page`]).
pub fn not_found_response(message: &str) -> Response {
    let mut main = Html::new();
    main.raw("<h1>Not found</h1>")
        .element("p", &[], message)
        .raw("<p><a href=\"/\">Back to the top stories</a></p>");
    let mut head = Head::titled("Not found");
    head.noindex = true;
    html_response(StatusCode::NOT_FOUND, document(&head, &main))
}

/// A handler for the router's fallback: the 404 page for any unknown path.
pub async fn not_found_page() -> Response {
    not_found_response("There is no page at this address.")
}

/// The first value of `name` in a query string's pairs (a repeated key does not fail the
/// request, as a struct extractor would).
fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

async fn stylesheet() -> Response {
    static_file("text/css; charset=utf-8", STYLESHEET)
}

async fn favicon() -> Response {
    static_file("image/svg+xml", FAVICON)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // An hour: short enough that an upgrade's new stylesheet is picked up the same day.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the pages (and the feeds)

/// The headline a reader knows a story by: its latest brief's, else the stored one (the
/// seed article's until a brief exists). The API and the feeds show the same.
pub(crate) fn current_headline(store: &dyn Store, story: &Story) -> Result<String, StoreError> {
    Ok(store
        .latest_brief(&story.id)?
        .map_or_else(|| story.headline.clone(), |brief| brief.headline))
}

fn story_href(id: &StoryId) -> String {
    format!("/stories/{}", path_segment(id.as_str()))
}

/// A story's coverage line, shared by the front page and the story page: "4 outlets · 5
/// articles · updated 3 h ago" (the time also machine-readable).
fn coverage_meta(
    html: &mut Html,
    outlet_count: u32,
    article_count: u32,
    updated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    html.text(&plural(outlet_count as usize, "outlet", "outlets"))
        .raw(" · ")
        .text(&plural(article_count as usize, "article", "articles"))
        .raw(" · updated ")
        .time(updated_at, &relative_time(updated_at, now));
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}
