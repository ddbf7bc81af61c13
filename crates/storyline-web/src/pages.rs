//! The server-rendered web pages: the front page (`/`), a story's brief (`/stories/{id}`),
//! an entity (`/entities/{id}`: what the newest brief's card says it is, and the stories
//! that mention it), search (`/search?q=`), the health of the subscribed feeds
//! (`/feeds`), and the one stylesheet and icon they use (`/static/...`).
//!
//! Every page is one HTML5 document built with [`crate::html::Html`], with no script at all,
//! one same-origin stylesheet, and links to the briefs' Atom and JSON feeds. The front page
//! shows the API's ranked listing ([`crate::api::story_listing`]), so both rank alike.
//!
//! Invariants: each handler makes one trip to the store ([`AppState::with_store`], or the
//! listing for the front page) and renders after it, so no connection is held while HTML is built; untrusted text reaches the page
//! only through the builder's escaping; an unknown story, version or entity is a 404 page,
//! a failing store a 500 page whose details go to the log, not to the reader.

use crate::AppState;
use crate::api::{StoryQuery, story_listing};
use crate::error::ApiError;
use crate::html::{
    self, BriefLinks, Html, coverage_chart, highlight, human_date, human_time, path_segment,
    relative_time, render_brief,
};
use crate::state::StateError;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{
    ArticleId, Brief, DescriptionSource, EntityCard, EntityKind, Feed, KbEntity, Source, Story,
    StoryId,
};
use storyline_store::{Store, StoreError};

/// The stylesheet, compiled in so the binary is the whole site.
const STYLESHEET: &str = include_str!("../static/style.css");
const FAVICON: &str = include_str!("../static/favicon.svg");

/// Stories per front page.
pub const STORIES_PER_PAGE: usize = 20;
/// The deepest front page served (the API caps offsets too).
const MAX_PAGE: usize = 10_000;
/// Search hits read from the store per query.
const SEARCH_HITS: usize = 50;
/// Longest query we pass to the store; the rest is ignored.
const QUERY_MAX_CHARS: usize = 200;
/// Brief versions listed in a story's history (newest first); older ones are only counted.
const HISTORY_SHOWN: usize = 30;
/// Stories listed on an entity page.
const ENTITY_STORIES_SHOWN: usize = 100;
/// Merges followed from a search hit's story before giving up (merges form chains, never
/// loops, but a corrupt store must not hang a request).
const MERGE_HOPS: usize = 16;

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
// Front page

async fn front_page(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // A page number that is not one is the first page, not an error.
    let page = query_value(&query, "page")
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|&p| (1..=MAX_PAGE).contains(&p))
        .unwrap_or(1);
    // The same ranking as `GET /api/stories` (see `api::story_score`), so the front page and
    // the API never disagree on what the top stories are.
    let listing = story_listing(
        &state,
        StoryQuery {
            limit: Some(STORIES_PER_PAGE.to_string()),
            offset: Some(((page - 1) * STORIES_PER_PAGE).to_string()),
            ..StoryQuery::default()
        },
    )
    .await
    .map_err(PageError::Listing)?;
    let now = listing.ranked_at;
    let (items, total) = (listing.items, listing.total);
    let pages = total.div_ceil(STORIES_PER_PAGE).max(1);
    if page > pages {
        return Err(PageError::NotFound(format!(
            "There are only {pages} pages of stories."
        )));
    }

    let mut main = Html::new();
    main.raw("<h1>Top stories</h1>");
    if items.is_empty() {
        main.raw(
            "<p class=\"empty\">No stories yet. Add feeds and run <code>storyline fetch</code>, \
             or import articles with <code>storyline import</code>.</p>",
        );
    } else {
        let start = (page - 1) * STORIES_PER_PAGE + 1;
        main.open("ol", &[("class", "stories"), ("start", &start.to_string())]);
        for story in &items {
            main.raw("<li><h2>")
                .element("a", &[("href", &story_href(&story.id))], &story.headline)
                .raw("</h2>");
            if let Some(summary) = story.summary.as_deref().filter(|s| !s.is_empty()) {
                main.element("p", &[], summary);
            }
            main.raw("<p class=\"meta\">")
                .text(&plural(story.outlet_count as usize, "outlet", "outlets"))
                .raw(" · ")
                .text(&plural(story.article_count as usize, "article", "articles"))
                .raw(" · updated ")
                .time(story.updated_at, &relative_time(story.updated_at, now))
                .raw("</p></li>");
        }
        main.close("ol");
    }
    if pages > 1 {
        main.raw("<nav class=\"pages\" aria-label=\"Pages\">");
        if page > 1 {
            main.element(
                "a",
                &[("href", &format!("/?page={}", page - 1)), ("rel", "prev")],
                "← Previous page",
            );
        } else {
            main.raw("<span></span>");
        }
        main.element("span", &[], &format!("Page {page} of {pages}"));
        if page < pages {
            main.element(
                "a",
                &[("href", &format!("/?page={}", page + 1)), ("rel", "next")],
                "Next page →",
            );
        } else {
            main.raw("<span></span>");
        }
        main.raw("</nav>");
    }
    let title = if page == 1 {
        String::new()
    } else {
        format!("Top stories, page {page}")
    };
    Ok(html_response(
        StatusCode::OK,
        document(&Head::titled(&title), &main),
    ))
}

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

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

// ---------------------------------------------------------------------------------------
// Story page

/// What changed in one brief version against the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionChange {
    pub version: u32,
    /// True when there was no earlier version to compare with.
    pub first: bool,
    pub generated_at: DateTime<Utc>,
    /// Outlet names of the sources that are new in this version (none for version 1).
    pub added_sources: Vec<String>,
    pub removed_sources: Vec<String>,
    /// Sentences (in any section, timeline included) that this version has and the previous
    /// one had not, and the reverse. Every sentence of version 1 is new.
    pub new_sentences: usize,
    pub dropped_sentences: usize,
    /// Sources of this version.
    pub sources: usize,
}

/// Compares `current` with `previous` (`None` for the first version).
pub fn version_change(previous: Option<&Brief>, current: &Brief) -> VersionChange {
    let sentences = |brief: &Brief| -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        let prose = [
            &brief.whats_happened,
            &brief.behind_the_headline,
            &brief.what_the_papers_say,
        ];
        let texts = prose
            .into_iter()
            .flat_map(|section| &section.sentences)
            .chain(brief.how_we_got_here.iter().map(|entry| &entry.sentence))
            .map(|sentence| sentence.text.clone());
        for text in texts {
            *counts.entry(text).or_insert(0) += 1;
        }
        counts
    };
    let now_sentences = sentences(current);
    let before_sentences = previous.map(sentences).unwrap_or_default();
    let surplus = |a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| -> usize {
        a.iter()
            .map(|(text, n)| n.saturating_sub(b.get(text).copied().unwrap_or(0)))
            .sum()
    };
    let article_ids = |brief: &Brief| -> BTreeSet<ArticleId> {
        brief.sources.iter().map(|s| s.article_id.clone()).collect()
    };
    let (added_sources, removed_sources) = match previous {
        None => (Vec::new(), Vec::new()),
        Some(previous) => {
            let before = article_ids(previous);
            let now = article_ids(current);
            let added = current
                .sources
                .iter()
                .filter(|s| !before.contains(&s.article_id))
                .map(|s| s.outlet.clone())
                .collect();
            let removed = previous
                .sources
                .iter()
                .filter(|s| !now.contains(&s.article_id))
                .map(|s| s.outlet.clone())
                .collect();
            (added, removed)
        }
    };
    VersionChange {
        version: current.version,
        first: previous.is_none(),
        generated_at: current.generated_at,
        added_sources,
        removed_sources,
        new_sentences: surplus(&now_sentences, &before_sentences),
        dropped_sentences: surplus(&before_sentences, &now_sentences),
        sources: current.sources.len(),
    }
}

struct StoryView {
    story: Story,
    brief: Option<Brief>,
    /// Every version number with its time, oldest first.
    versions: Vec<(u32, DateTime<Utc>)>,
    /// The newest [`HISTORY_SHOWN`] versions' changes, newest first.
    changes: Vec<VersionChange>,
    /// `(outlet, effective time)` of every article of the story, for the chart.
    coverage: Vec<(String, DateTime<Utc>)>,
    /// Title, outlet and URL of every article, shown while there is no brief yet.
    articles: Vec<(String, String, String)>,
    headlines: BTreeMap<StoryId, String>,
}

enum StoryLookup {
    Missing(String),
    /// The id was a prefix or names a merged story: the canonical id.
    Moved(StoryId),
    Found(Box<StoryView>),
}

async fn story_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let version = match query_value(&query, "version") {
        None => None,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                return Err(PageError::NotFound(format!(
                    "“{text}” is not a brief version number."
                )));
            }
        },
    };
    let lookup = state
        .with_store(move |store| load_story(store, &id, version))
        .await?;
    let view = match lookup {
        StoryLookup::Missing(message) => return Err(PageError::NotFound(message)),
        StoryLookup::Moved(canonical) => {
            let mut target = story_href(&canonical);
            if let Some(version) = version {
                target.push_str(&format!("?version={version}"));
            }
            return Ok(Redirect::to(&target).into_response());
        }
        StoryLookup::Found(view) => view,
    };
    Ok(html_response(
        StatusCode::OK,
        render_story(&view, Utc::now()),
    ))
}

fn load_story(
    store: &mut dyn Store,
    id: &str,
    version: Option<u32>,
) -> Result<StoryLookup, StoreError> {
    let resolved = match store.resolve_story(id) {
        Ok(Some(resolved)) => resolved,
        Ok(None) => return Ok(StoryLookup::Missing(format!("No story has the id “{id}”."))),
        Err(StoreError::Ambiguous { candidates, .. }) => {
            return Ok(StoryLookup::Missing(format!(
                "“{id}” is the start of {} story ids; use the whole id.",
                candidates.len()
            )));
        }
        Err(err) => return Err(err),
    };
    if resolved.as_str() != id {
        return Ok(StoryLookup::Moved(resolved));
    }
    let Some(story) = store.story(&resolved)? else {
        return Ok(StoryLookup::Missing(format!("No story has the id “{id}”.")));
    };
    let versions = store.brief_versions(&story.id)?;
    let brief = match version {
        Some(v) => match store.brief(&story.id, v)? {
            Some(brief) => Some(brief),
            None => {
                return Ok(StoryLookup::Missing(format!(
                    "This story has no brief version {v} (it has {}).",
                    versions.len()
                )));
            }
        },
        None => store.latest_brief(&story.id)?,
    };

    // History: the newest versions, each compared with the one before it.
    let mut changes = Vec::new();
    let shown_from = versions.len().saturating_sub(HISTORY_SHOWN);
    let mut previous = match shown_from {
        0 => None,
        n => store.brief(&story.id, versions[n - 1].0)?,
    };
    for &(number, _) in &versions[shown_from..] {
        let Some(current) = store.brief(&story.id, number)? else {
            continue;
        };
        changes.push(version_change(previous.as_ref(), &current));
        previous = Some(current);
    }
    changes.reverse();

    let members = store.story_members(&story.id)?;
    let ids: Vec<ArticleId> = members.into_iter().map(|m| m.article_id).collect();
    let found = store.articles(&ids)?;
    let coverage = found
        .iter()
        .map(|a| (a.outlet.name.clone(), a.effective_time()))
        .collect();
    let articles = found
        .into_iter()
        .map(|a| (a.headline, a.outlet.name, a.url))
        .collect();

    let mut headlines = BTreeMap::new();
    if let Some(brief) = &brief {
        for linked in html::linked_stories(brief) {
            if let Some(earlier) = store.story(&linked)? {
                headlines.insert(linked, current_headline(store, &earlier)?);
            }
        }
    }
    Ok(StoryLookup::Found(Box::new(StoryView {
        story,
        brief,
        versions,
        changes,
        coverage,
        articles,
        headlines,
    })))
}

fn render_story(view: &StoryView, now: DateTime<Utc>) -> String {
    let story = &view.story;
    let latest = view.versions.last().map_or(0, |(v, _)| *v);
    let mut main = Html::new();
    main.raw("<article class=\"brief\">");
    let headline = view
        .brief
        .as_ref()
        .map_or(story.headline.as_str(), |b| b.headline.as_str());
    main.element("h1", &[], headline);
    main.raw("<p class=\"meta\">")
        .text(&plural(story.outlet_count as usize, "outlet", "outlets"))
        .raw(" · ")
        .text(&plural(story.article_count as usize, "article", "articles"))
        .raw(" · updated ")
        .time(story.updated_at, &relative_time(story.updated_at, now))
        .raw("</p>");

    match &view.brief {
        Some(brief) => {
            if brief.version != latest {
                main.raw("<p class=\"notice\">")
                    .text(&format!(
                        "You are reading version {} of this brief, written {}. ",
                        brief.version,
                        human_time(brief.generated_at)
                    ))
                    .element(
                        "a",
                        &[("href", &story_href(&story.id))],
                        &format!("Read the latest, version {latest}"),
                    )
                    .raw("</p>");
            }
            let links = BriefLinks::on_page().with_headlines(view.headlines.clone());
            main.append(&render_brief(brief, &links));
        }
        None => {
            main.raw(
                "<p class=\"notice\">The brief for this story has not been written yet. \
                 These are its articles so far.</p><ul>",
            );
            for (title, outlet, url) in &view.articles {
                main.raw("<li>")
                    .element("span", &[("class", "outlet")], outlet)
                    .raw(": ")
                    .external_link(url, title)
                    .raw("</li>");
            }
            main.raw("</ul>");
        }
    }

    if !view.coverage.is_empty() {
        main.raw("<section id=\"coverage\"><h2>Coverage over time</h2><figure class=\"chart\">")
            .append(&coverage_chart(&view.coverage))
            .raw("<figcaption>")
            .text(&format!(
                "{} from {}, by the time each was published.",
                plural(view.coverage.len(), "article", "articles"),
                plural(
                    view.coverage
                        .iter()
                        .map(|(outlet, _)| outlet)
                        .collect::<BTreeSet<_>>()
                        .len(),
                    "outlet",
                    "outlets"
                )
            ))
            .raw("</figcaption></figure></section>");
    }

    if !view.changes.is_empty() {
        main.raw("<section id=\"versions\"><h2>Versions of this brief</h2><ol class=\"versions\">");
        let reading = view.brief.as_ref().map(|b| b.version);
        for change in &view.changes {
            main.raw("<li>");
            let label = format!("Version {}", change.version);
            if Some(change.version) == reading {
                main.element("strong", &[], &label).raw(" (shown)");
            } else {
                let href = format!("{}?version={}", story_href(&story.id), change.version);
                main.element("a", &[("href", &href)], &label);
            }
            main.raw(", ")
                .time(change.generated_at, &human_time(change.generated_at))
                .raw(": ")
                .text(&describe_change(change))
                .raw("</li>");
        }
        main.raw("</ol>");
        let hidden = view.versions.len().saturating_sub(view.changes.len());
        if hidden > 0 {
            main.element(
                "p",
                &[("class", "meta")],
                &format!("{} older versions are not listed.", hidden),
            );
        }
        main.raw("</section>");
    }
    main.raw("</article>");
    let title = headline.to_string();
    document(&Head::titled(&title), &main)
}

/// "first version, 3 sources" or "2 sources added (Harbour Times, Lantern Post), 4 new
/// sentences, 1 dropped".
fn describe_change(change: &VersionChange) -> String {
    if change.first {
        return format!(
            "first version, {}, {}",
            plural(change.sources, "source", "sources"),
            plural(change.new_sentences, "sentence", "sentences")
        );
    }
    let mut parts = Vec::new();
    if !change.added_sources.is_empty() {
        parts.push(format!(
            "{} added ({})",
            plural(change.added_sources.len(), "source", "sources"),
            change.added_sources.join(", ")
        ));
    }
    if !change.removed_sources.is_empty() {
        parts.push(format!(
            "{} removed ({})",
            plural(change.removed_sources.len(), "source", "sources"),
            change.removed_sources.join(", ")
        ));
    }
    if change.new_sentences == 0 && change.dropped_sentences == 0 {
        parts.push("no sentence changed".to_string());
    } else {
        parts.push(format!(
            "{} changed ({} new, {} dropped)",
            plural(
                change.new_sentences.max(change.dropped_sentences),
                "sentence",
                "sentences"
            ),
            change.new_sentences,
            change.dropped_sentences
        ));
    }
    parts.join(", ")
}

// ---------------------------------------------------------------------------------------
// Entity page

struct EntityView {
    id: String,
    name: String,
    kind: EntityKind,
    knowledge: Option<KbEntity>,
    /// The entity's card from a listed story's latest brief (see [`EntityDescription`]).
    described: Option<EntityDescription>,
    stories: Vec<(Story, u32)>,
    total_stories: usize,
}

/// What a brief's "More on these topics" card says the entity is, and where that came from:
/// the page's answer to "Who is X?".
struct EntityDescription {
    card: EntityCard,
    /// The story whose latest brief holds the card, and its headline, for the provenance
    /// line's link.
    story: StoryId,
    headline: String,
    /// For a coverage description, the brief's source it was seen in (`None` when the brief
    /// lists no such source).
    source: Option<Source>,
    /// Which card wins when several stories have one; see [`description_rank`].
    rank: DescriptionRank,
}

/// Greater is better; see [`description_rank`].
type DescriptionRank = (bool, DateTime<Utc>, Reverse<StoryId>);

/// Orders candidate cards: one with a description beats one without, then the most recently
/// updated story wins, ties going to the smaller story id (the list's own order).
fn description_rank(card: &EntityCard, story: &Story) -> DescriptionRank {
    (
        !card.description.trim().is_empty(),
        story.updated_at,
        Reverse(story.id.clone()),
    )
}

/// Keeps in `best` the entity's card from `brief` (the latest brief of `story`) when it
/// ranks above the one kept so far.
fn offer_card(best: &mut Option<EntityDescription>, entity_id: &str, story: &Story, brief: Brief) {
    let Some(card) = brief
        .more_on_these_topics
        .into_iter()
        .find(|card| card.id == entity_id)
    else {
        return;
    };
    let rank = description_rank(&card, story);
    if best.as_ref().is_some_and(|kept| kept.rank >= rank) {
        return;
    }
    let source = match card.description_source {
        DescriptionSource::Coverage { source, .. } => {
            brief.sources.into_iter().find(|s| s.n == source)
        }
        DescriptionSource::KnowledgeBase { .. } => None,
    };
    *best = Some(EntityDescription {
        card,
        story: story.id.clone(),
        headline: brief.headline,
        source,
        rank,
    });
}

/// Whether a card's description only repeats the knowledge-base entry shown on the same
/// page: the same text, or the extractive engine's "Name: Description." form of it, ignoring
/// case, surrounding space and a final full stop.
fn repeats_knowledge(card: &EntityCard, entry: &KbEntity) -> bool {
    let normal = |text: &str| text.trim().trim_end_matches('.').trim().to_lowercase();
    let card_text = normal(&card.description);
    let entry_text = normal(&entry.description);
    !entry_text.is_empty()
        && (card_text == entry_text
            || card_text == normal(&format!("{}: {}", card.name, entry_text)))
}

async fn entity_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let wanted = id.clone();
    let view = state
        .with_store(move |store| {
            let Some((name, kind)) = store.entity(&wanted)? else {
                return Ok(None);
            };
            // A knowledge-base entry of another kind under the same name is someone else
            // (Jordan the country, Jordan the footballer): only a matching or unknown kind.
            let knowledge = store
                .kb_lookup(&name)?
                .into_iter()
                .find(|entry| entry.kind.is_none_or(|k| k == kind));
            let mentioning = store.stories_mentioning(&wanted)?;
            let total_stories = mentioning.len();
            let mut stories = Vec::new();
            // The description costs no extra read: each listed story's latest brief is read
            // once anyway, for its headline, and its card for this entity is looked at there.
            // So the page reads at most ENTITY_STORIES_SHOWN briefs (the most-mentioning
            // stories, as listed) however many stories mention the entity, and holds one
            // card at a time. An entity in more stories than that takes its description from
            // the newest listed story, which may not be the newest of all.
            let mut described = None;
            for (story_id, mentions) in mentioning.into_iter().take(ENTITY_STORIES_SHOWN) {
                let Some(mut story) = store.story(&story_id)? else {
                    continue;
                };
                // As `current_headline`: the latest brief's headline, else the stored one.
                if let Some(brief) = store.latest_brief(&story.id)? {
                    story.headline = brief.headline.clone();
                    offer_card(&mut described, &wanted, &story, brief);
                }
                stories.push((story, mentions));
            }
            stories.sort_by(|(a, _), (b, _)| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
            Ok(Some(EntityView {
                id: wanted,
                name,
                kind,
                knowledge,
                described,
                stories,
                total_stories,
            }))
        })
        .await?;
    let Some(view) = view else {
        return Err(PageError::NotFound(format!(
            "No story mentions an entity with the id “{id}”."
        )));
    };
    let now = Utc::now();
    let mut main = Html::new();
    main.element("h1", &[], &view.name)
        .element("p", &[("class", "kind")], view.kind.as_str());
    if let Some(described) = &view.described {
        render_description(&mut main, &view.name, described, view.knowledge.as_ref());
    }
    if let Some(entry) = &view.knowledge {
        if !entry.description.is_empty() {
            main.element("p", &[("class", "description")], &entry.description);
        }
        if !entry.aliases.is_empty() {
            main.element(
                "p",
                &[("class", "meta")],
                &format!("Also known as {}.", entry.aliases.join(", ")),
            );
        }
        main.raw("<p class=\"provenance\">")
            .text(&format!("from {} ({}), imported ", entry.source, entry.id))
            .time(entry.imported_at, &human_date(entry.imported_at))
            .raw("</p>");
    }
    main.element(
        "h2",
        &[],
        &format!(
            "{} mentioning {}",
            plural(view.total_stories, "story", "stories"),
            view.name
        ),
    );
    main.raw("<ul class=\"entity-stories\">");
    for (story, mentions) in &view.stories {
        main.raw("<li>")
            .element("a", &[("href", &story_href(&story.id))], &story.headline)
            .raw("<p class=\"meta\">")
            .text(&format!(
                "{} · {} · updated ",
                plural(*mentions as usize, "mention", "mentions"),
                plural(story.outlet_count as usize, "outlet", "outlets")
            ))
            .time(story.updated_at, &relative_time(story.updated_at, now))
            .raw("</p></li>");
    }
    main.raw("</ul>");
    let atom = format!("/feeds/entities/{}.atom", path_segment(&view.id));
    let json = format!("/feeds/entities/{}.json", path_segment(&view.id));
    main.raw("<p class=\"meta\">Follow ")
        .text(&view.name)
        .raw(": ")
        .element("a", &[("href", &atom)], "Atom")
        .raw(" · ")
        .element("a", &[("href", &json)], "JSON Feed")
        .raw("</p>");
    let mut head = Head::titled(&view.name);
    head.feeds.push((
        "application/atom+xml",
        atom.clone(),
        format!("Storyline: {} (Atom)", view.name),
    ));
    head.feeds.push((
        "application/feed+json",
        json.clone(),
        format!("Storyline: {} (JSON Feed)", view.name),
    ));
    Ok(html_response(StatusCode::OK, document(&head, &main)))
}

/// The card's description with where it was seen ("as described by Harbour Times in
/// <story>, 13 September 2025"), then its aliases. A description that only repeats the
/// knowledge-base entry shown below it is left out, and so are aliases that entry lists or
/// that are the page's `name`.
fn render_description(
    main: &mut Html,
    name: &str,
    described: &EntityDescription,
    knowledge: Option<&KbEntity>,
) {
    let card = &described.card;
    let repeated = knowledge.is_some_and(|entry| repeats_knowledge(card, entry));
    if !card.description.trim().is_empty() && !repeated {
        main.element("p", &[("class", "description")], &card.description);
        main.raw("<p class=\"provenance\">");
        match &card.description_source {
            DescriptionSource::Coverage { seen_at, .. } => {
                main.raw("as described ");
                if let Some(source) = &described.source {
                    main.raw("by ")
                        .external_link(&source.url, &source.outlet)
                        .raw(" ");
                }
                main.raw("in ")
                    .element(
                        "a",
                        &[("href", &story_href(&described.story))],
                        &described.headline,
                    )
                    .raw(", ")
                    .time(*seen_at, &human_date(*seen_at));
            }
            DescriptionSource::KnowledgeBase { name, imported_at } => {
                main.text(&format!("from {name}, imported "))
                    .time(*imported_at, &human_date(*imported_at));
            }
        }
        main.raw("</p>");
    }
    let listed: BTreeSet<String> = knowledge
        .into_iter()
        .flat_map(|entry| entry.aliases.iter().map(String::as_str))
        .chain([name, card.name.as_str()])
        .map(|alias| alias.trim().to_lowercase())
        .collect();
    let aliases: Vec<&str> = card
        .aliases
        .iter()
        .map(|alias| alias.trim())
        .filter(|alias| !alias.is_empty() && !listed.contains(&alias.to_lowercase()))
        .collect();
    if !aliases.is_empty() {
        main.element(
            "p",
            &[("class", "meta")],
            &format!("Also called {}.", aliases.join(", ")),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Search

struct SearchHit {
    title: String,
    outlet: String,
    url: String,
    published: DateTime<Utc>,
    snippet: String,
}

/// Hits grouped by the story they belong to, in the order of each story's best hit.
struct SearchGroup {
    story: Option<Story>,
    hits: Vec<SearchHit>,
}

async fn search_page(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let text: String = query_value(&query, "q")
        .unwrap_or("")
        .trim()
        .chars()
        .take(QUERY_MAX_CHARS)
        .collect();
    let searched = text.clone();
    let groups = if text.is_empty() {
        Vec::new()
    } else {
        state
            .with_store(move |store| search(store, &searched))
            .await?
    };

    let mut main = Html::new();
    main.raw("<h1>Search</h1>");
    main.raw(
        "<form class=\"search\" method=\"get\" action=\"/search\" role=\"search\">\
         <label for=\"q\">Search the coverage</label>",
    )
    .open(
        "input",
        &[
            ("type", "search"),
            ("id", "q"),
            ("name", "q"),
            ("value", &text),
            ("maxlength", "200"),
        ],
    )
    .raw("<button type=\"submit\">Search</button></form>");
    if !text.is_empty() {
        let hits: usize = groups.iter().map(|g| g.hits.len()).sum();
        if hits == 0 {
            main.raw("<p class=\"empty\">Nothing found for “")
                .text(&text)
                .raw("”.</p>");
        } else {
            main.raw("<p class=\"meta\">")
                .text(&format!(
                    "{} in {} for “{text}”.",
                    plural(hits, "article", "articles"),
                    plural(
                        groups.iter().filter(|g| g.story.is_some()).count(),
                        "story",
                        "stories"
                    )
                ))
                .raw("</p>");
        }
        main.raw("<ul class=\"results\">");
        for group in &groups {
            main.raw("<li><h2>");
            match &group.story {
                Some(story) => {
                    main.element("a", &[("href", &story_href(&story.id))], &story.headline);
                }
                None => {
                    main.raw("Not in a story yet");
                }
            }
            main.raw("</h2><ul>");
            for hit in &group.hits {
                main.raw("<li>")
                    .element("span", &[("class", "outlet")], &hit.outlet)
                    .raw(": ")
                    .external_link(&hit.url, &hit.title)
                    .raw(" ")
                    .time(hit.published, &human_date(hit.published))
                    .raw("<p class=\"snippet\">")
                    .append(&highlight(&hit.snippet, &text))
                    .raw("</p></li>");
            }
            main.raw("</ul></li>");
        }
        main.raw("</ul>");
    }
    let title = if text.is_empty() {
        "Search".to_string()
    } else {
        format!("Search: {text}")
    };
    let mut head = Head::titled(&title);
    head.noindex = !text.is_empty();
    Ok(html_response(StatusCode::OK, document(&head, &main)))
}

fn search(store: &mut dyn Store, query: &str) -> Result<Vec<SearchGroup>, StoreError> {
    let hits = store.search_articles(query, SEARCH_HITS)?;
    let ids: Vec<ArticleId> = hits.iter().map(|(id, _)| id.clone()).collect();
    let articles = store.articles(&ids)?;
    let mut groups: Vec<SearchGroup> = Vec::new();
    let mut group_of_story: BTreeMap<StoryId, usize> = BTreeMap::new();
    for (id, snippet) in hits {
        let Some(article) = articles.iter().find(|a| a.id == id) else {
            continue;
        };
        let story = match store.story_of_article(&id)? {
            Some(story_id) => live_story(store, story_id)?,
            None => None,
        };
        // Only a story's first hit names it, so only then is its brief read.
        let story = match story {
            Some(mut story) if !group_of_story.contains_key(&story.id) => {
                story.headline = current_headline(store, &story)?;
                Some(story)
            }
            other => other,
        };
        let hit = SearchHit {
            title: article.headline.clone(),
            outlet: article.outlet.name.clone(),
            url: article.url.clone(),
            published: article.effective_time(),
            snippet,
        };
        let key = story.as_ref().map(|s| s.id.clone());
        match key.as_ref().and_then(|k| group_of_story.get(k)) {
            Some(&index) => groups[index].hits.push(hit),
            None => {
                if let Some(key) = key {
                    group_of_story.insert(key, groups.len());
                    groups.push(SearchGroup {
                        story,
                        hits: vec![hit],
                    });
                } else if let Some(unclustered) = groups.iter_mut().find(|g| g.story.is_none()) {
                    unclustered.hits.push(hit);
                } else {
                    groups.push(SearchGroup {
                        story: None,
                        hits: vec![hit],
                    });
                }
            }
        }
    }
    Ok(groups)
}

/// The story `id`, or the story it was merged into (following the chain).
fn live_story(store: &mut dyn Store, mut id: StoryId) -> Result<Option<Story>, StoreError> {
    for _ in 0..MERGE_HOPS {
        let Some(story) = store.story(&id)? else {
            return Ok(None);
        };
        match story.merged_into {
            Some(next) => id = next,
            None => return Ok(Some(story)),
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------
// Feed health

async fn feeds_page(State(state): State<AppState>) -> Result<Response, PageError> {
    let feeds: Vec<Feed> = state.with_store(|store| store.feeds()).await?;
    let now = Utc::now();
    let failing = feeds.iter().filter(|f| f.last_error.is_some()).count();
    let mut main = Html::new();
    main.raw("<h1>Sources</h1>");
    if feeds.is_empty() {
        main.raw(
            "<p class=\"empty\">No feeds yet. Add one with <code>storyline feeds add URL</code>.</p>",
        );
    } else {
        main.element(
            "p",
            &[("class", "meta")],
            &format!(
                "{}; {} failing at the last fetch.",
                plural(feeds.len(), "feed", "feeds"),
                failing
            ),
        );
        main.raw("<ul class=\"feed-list\">");
        for feed in &feeds {
            main.raw("<li><h2>")
                .text(
                    feed.title
                        .as_deref()
                        .filter(|t| !t.trim().is_empty())
                        .unwrap_or(&feed.url),
                )
                .raw("</h2><p class=\"url\">")
                .external_link(&feed.url, &feed.url)
                .raw("</p><p class=\"meta\">");
            match feed.last_fetched_at {
                Some(fetched) => {
                    main.raw("Last fetched ")
                        .time(fetched, &relative_time(fetched, now))
                        .raw(".");
                }
                None => {
                    main.raw("Not fetched yet.");
                }
            }
            main.raw(" Added ")
                .time(feed.added_at, &human_date(feed.added_at))
                .raw(".</p>");
            if let Some(error) = &feed.last_error {
                main.raw("<p class=\"error\">")
                    .text(&format!(
                        "Failing ({}): {error}",
                        plural(feed.error_count as usize, "time", "times in a row")
                    ))
                    .raw("</p>");
            } else if feed.last_fetched_at.is_some() {
                main.element("p", &[("class", "ok")], "OK at the last fetch.");
            }
            main.raw("</li>");
        }
        main.raw("</ul>");
    }
    Ok(html_response(
        StatusCode::OK,
        document(&Head::titled("Sources"), &main),
    ))
}
