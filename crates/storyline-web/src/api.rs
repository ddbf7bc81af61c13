//! The JSON API under `/api/`, plus `/healthz` and `/metrics`. The OpenAPI document
//! (`openapi.rs`) describes every route here; the shapes are the `*View` structs below.
//!
//! Routes: `GET /api/stories` (ranked, paged, filtered: [`story_score`]),
//! `GET /api/stories/{id}` (id or unique prefix; a merged story answers with the story that
//! absorbed it), `GET /api/stories/{id}/brief` (latest or `?version=N`, the brief's own JSON
//! schema), `GET /api/stories/{id}/brief/versions`, `GET /api/entities/{id}`,
//! `GET /api/search?q=` (articles and briefs, with highlighted snippets), `GET /api/feeds`,
//! and with `Authorization: Bearer <STORYLINE_ADMIN_TOKEN>`: `POST /api/feeds`,
//! `DELETE /api/feeds/{id}`.
//!
//! Speed: each request makes one trip to the blocking pool ([`AppState::with_store`]) and
//! serialises with `serde_json` there. Three in-memory caches ([`ApiCaches`]) keep hot
//! answers: the rendered JSON of brief versions (immutable, so never stale), the rendered
//! story details and the [`Catalog`] behind the listing, both keyed by the store's
//! generation ([`Store::generation`], read before the data), so a write by any process makes
//! them rebuild on the next request.
//!
//! Invariants: errors leave only through [`ApiError`]; every cache is bounded; nothing here
//! holds a store connection across an `.await`.

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Json, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use storyline_model::{
    Article, ArticleId, Brief, EntityKind, Feed, Story, StoryArticle, StoryId, independent_outlets,
    short_hash,
};
use storyline_store::Store;

/// Stories per listing page unless `limit` says otherwise, and the most it may say.
pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;
/// Search hits per kind unless `limit` says otherwise, and the most it may say.
const DEFAULT_SEARCH_HITS: usize = 10;
const MAX_SEARCH_HITS: usize = 50;
/// The longest search query accepted, in characters.
const MAX_QUERY_CHARS: usize = 256;
/// Hours after which a story's recency weight halves in [`story_score`] (the front page
/// uses the same half-life).
pub const SCORE_HALF_LIFE_HOURS: f64 = 18.0;
/// Largest accepted request body: a feed subscription is a URL and a title.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Longest a request body may take to arrive once its head is in: 16 KiB comes in one round
/// trip, so ten seconds is a generous bound that still keeps a client trickling a body from
/// holding its connection (and shutdown) for hours.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
const MAX_FEED_URL_BYTES: usize = 2048;
const MAX_FEED_TITLE_CHARS: usize = 300;
/// Cache sizes (entries).
const BRIEF_CACHE_ENTRIES: usize = 512;
const STORY_CACHE_ENTRIES: usize = 1024;

/// The API's routes, merged into the application router by `lib.rs`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/stories", get(list_stories))
        .route("/api/stories/{id}", get(story))
        .route("/api/stories/{id}/brief", get(brief))
        .route("/api/stories/{id}/brief/versions", get(brief_versions))
        .route("/api/entities/{id}", get(entity))
        .route("/api/search", get(search))
        .route("/api/feeds", get(list_feeds).post(add_feed))
        .route("/api/feeds/{id}", delete(remove_feed))
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

// ---------------------------------------------------------------------------------------
// Ranking

/// The listing's score of a story at `now`:
///
/// `(outlets + ln(1 + articles in the last 24 h)) × 0.5^(hours since the newest article / 18)`
///
/// - *outlets*: independent outlets (wire copies do not count), at least 1: breadth of
///   coverage is the strongest sign that a story matters;
/// - *articles in the last 24 h* (wire copies included): growth; logarithmic, so a flood
///   from one outlet cannot outrank breadth;
/// - *recency*: an 18-hour half-life on the newest article, so yesterday's big story gives
///   way to today's unless it keeps growing. A newest article dated in the future counts as
///   published now.
///
/// Ties are broken by the newest article, then by id, so the order is total.
pub fn story_score(
    outlets: u32,
    articles_last_24h: usize,
    updated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> f64 {
    let breadth = f64::from(outlets.max(1));
    let growth = (articles_last_24h as f64).ln_1p();
    let age_hours = ((now - updated_at).num_milliseconds() as f64 / 3_600_000.0).max(0.0);
    (breadth + growth) * 0.5f64.powf(age_hours / SCORE_HALF_LIFE_HOURS)
}

// ---------------------------------------------------------------------------------------
// Caches

/// A map that forgets its oldest entries beyond `capacity`.
struct BoundedMap<K, V> {
    capacity: usize,
    entries: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Clone + Eq + Hash, V: Clone> BoundedMap<K, V> {
    fn new(capacity: usize) -> Self {
        BoundedMap {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key).cloned()
    }

    fn insert(&mut self, key: K, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
            while self.order.len() > self.capacity {
                if let Some(oldest) = self.order.pop_front() {
                    self.entries.remove(&oldest);
                }
            }
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

/// Rendered story details, valid for one store generation.
struct GenerationMap {
    generation: u64,
    stories: BoundedMap<StoryId, Bytes>,
}

/// The API's in-memory caches, owned by [`AppState`].
pub(crate) struct ApiCaches {
    /// Rendered JSON of brief versions: a stored version never changes.
    briefs: Mutex<BoundedMap<(StoryId, u32), Bytes>>,
    stories: Mutex<GenerationMap>,
    catalog: Mutex<Option<Arc<Catalog>>>,
}

impl Default for ApiCaches {
    fn default() -> Self {
        ApiCaches {
            briefs: Mutex::new(BoundedMap::new(BRIEF_CACHE_ENTRIES)),
            stories: Mutex::new(GenerationMap {
                generation: u64::MAX,
                stories: BoundedMap::new(STORY_CACHE_ENTRIES),
            }),
            catalog: Mutex::new(None),
        }
    }
}

/// A cache lock; a panic while one was held leaves a cache that is still consistent (every
/// update is a single insert), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ApiCaches {
    fn brief(&self, story: &StoryId, version: u32) -> Option<Bytes> {
        lock(&self.briefs).get(&(story.clone(), version))
    }

    fn put_brief(&self, story: StoryId, version: u32, json: Bytes) {
        lock(&self.briefs).insert((story, version), json);
    }

    fn story(&self, generation: u64, story: &StoryId) -> Option<Bytes> {
        let cache = lock(&self.stories);
        if cache.generation == generation {
            cache.stories.get(story)
        } else {
            None
        }
    }

    fn put_story(&self, generation: u64, story: StoryId, json: Bytes) {
        let mut cache = lock(&self.stories);
        if cache.generation != generation {
            // Only move forward: a slow request that read an older generation must not
            // throw away entries of a newer one.
            if cache.generation != u64::MAX && generation < cache.generation {
                return;
            }
            cache.stories.clear();
            cache.generation = generation;
        }
        cache.stories.insert(story, json);
    }

    /// The catalog of `generation`: the cached one, brought up to date from `store` when it
    /// is older (only the stories changed since are read again), or built whole the first
    /// time. The lock is held while updating so that concurrent requests wait for one update
    /// instead of each making their own.
    fn catalog(&self, store: &dyn Store, generation: u64) -> Result<Arc<Catalog>, ApiError> {
        let mut cached = lock(&self.catalog);
        if let Some(catalog) = cached.as_ref()
            && catalog.generation >= generation
        {
            return Ok(Arc::clone(catalog));
        }
        let catalog = match cached.as_ref() {
            Some(older) => Arc::new(older.updated(store, generation)?),
            None => Arc::new(Catalog::build(store, generation)?),
        };
        *cached = Some(Arc::clone(&catalog));
        Ok(catalog)
    }
}

/// What the listing needs of every live story, kept per store generation and updated from
/// the stories that changed ([`Store::stories_changed_after`]).
pub(crate) struct Catalog {
    generation: u64,
    /// The store's change number this catalog reflects.
    change: u64,
    /// Live stories, most recently updated first, then by id.
    stories: Vec<StoryDigest>,
}

#[derive(Clone)]
struct StoryDigest {
    story: Story,
    headline: String,
    summary: Option<String>,
    brief_version: Option<u32>,
    /// Its independent outlets' names (`independent_outlets`: copies left out, one per
    /// outlet), sorted: as many as the story's `outlet_count`.
    outlets: Vec<String>,
    /// The lowercased names of every outlet that ran one of its articles, copies included:
    /// what `?outlet=` matches, since a paper that ran the wire copy did run the story.
    carried_by: BTreeSet<String>,
    /// Distinct article languages, sorted.
    languages: Vec<String>,
    /// Effective times of its articles, oldest first.
    article_times: Vec<DateTime<Utc>>,
}

impl Catalog {
    /// Reads every live story: the first time only.
    fn build(store: &dyn Store, generation: u64) -> Result<Catalog, ApiError> {
        // The change number first: whatever changes while the stories are read is read
        // again at the next update.
        let (_, change) = store.stories_changed_after(0)?;
        let stories = store.stories()?;
        let mut digests = Vec::with_capacity(stories.len());
        for story in stories {
            digests.push(StoryDigest::read(store, story)?);
        }
        Ok(Catalog {
            generation,
            change,
            stories: digests,
        })
    }

    /// This catalog with the stories changed since it was made read again (merged ones
    /// dropped, new ones added).
    fn updated(&self, store: &dyn Store, generation: u64) -> Result<Catalog, ApiError> {
        let (changed, change) = store.stories_changed_after(self.change)?;
        let changed: BTreeSet<StoryId> = changed.into_iter().collect();
        let mut stories: Vec<StoryDigest> = self
            .stories
            .iter()
            .filter(|digest| !changed.contains(&digest.story.id))
            .cloned()
            .collect();
        for id in &changed {
            if let Some(story) = store.story(id)?
                && story.merged_into.is_none()
            {
                stories.push(StoryDigest::read(store, story)?);
            }
        }
        stories.sort_by(|a, b| {
            b.story
                .updated_at
                .cmp(&a.story.updated_at)
                .then_with(|| a.story.id.cmp(&b.story.id))
        });
        Ok(Catalog {
            generation,
            change,
            stories,
        })
    }
}

impl StoryDigest {
    fn read(store: &dyn Store, story: Story) -> Result<StoryDigest, ApiError> {
        let brief = store.latest_brief(&story.id)?;
        let members = store.story_members(&story.id)?;
        let articles = member_articles(store, &members)?;
        Ok(StoryDigest::new(story, brief.as_ref(), &articles))
    }

    fn new(story: Story, brief: Option<&Brief>, articles: &[Article]) -> Self {
        let outlets: Vec<String> = independent_outlets(articles)
            .into_iter()
            .map(|o| o.name.clone())
            .collect();
        let carried_by = articles
            .iter()
            .map(|a| a.outlet.name.to_lowercase())
            .collect();
        let languages: BTreeSet<String> = articles
            .iter()
            .filter_map(|a| a.in_language.clone())
            .collect();
        let mut article_times: Vec<DateTime<Utc>> =
            articles.iter().map(Article::effective_time).collect();
        article_times.sort();
        StoryDigest {
            headline: brief.map_or_else(|| story.headline.clone(), |b| b.headline.clone()),
            summary: brief.and_then(first_sentence),
            brief_version: brief.map(|b| b.version),
            outlets,
            carried_by,
            languages: languages.into_iter().collect(),
            article_times,
            story,
        }
    }

    fn articles_since(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> usize {
        self.article_times
            .iter()
            .filter(|time| **time > since && **time <= now)
            .count()
    }
}

/// The first sentence of "What's happened".
fn first_sentence(brief: &Brief) -> Option<String> {
    brief
        .whats_happened
        .sentences
        .first()
        .map(|s| s.text.clone())
}

/// The articles of `members`, in membership order.
fn member_articles(store: &dyn Store, members: &[StoryArticle]) -> Result<Vec<Article>, ApiError> {
    let ids: Vec<ArticleId> = members.iter().map(|m| m.article_id.clone()).collect();
    Ok(store.articles(&ids)?)
}

// ---------------------------------------------------------------------------------------
// Helpers

/// Runs `work` with a store connection on the blocking pool; its own errors and the
/// store's come back as one [`ApiError`].
async fn on_store<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut dyn Store, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    let for_work = state.clone();
    state
        .with_store(move |store| Ok(work(store, &for_work)))
        .await?
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, ApiError> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(format!("cannot encode a JSON answer: {e}")))
}

fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `Content-Location` naming the canonical address of what was answered.
fn set_location(response: &mut Response, location: &str) {
    if let Ok(value) = HeaderValue::from_str(location) {
        response
            .headers_mut()
            .insert(header::CONTENT_LOCATION, value);
    }
}

/// Resolves a story id or unique prefix (following merges) or answers 404.
fn resolve(store: &dyn Store, id_or_prefix: &str) -> Result<StoryId, ApiError> {
    store
        .resolve_story(id_or_prefix)?
        .ok_or_else(|| ApiError::NotFound(format!("no story has the id {id_or_prefix:?}")))
}

/// A whole number in `min..=max`, or `default` when absent.
fn parse_number(
    name: &'static str,
    value: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(text) = value else {
        return Ok(default);
    };
    let number: usize = text
        .trim()
        .parse()
        .map_err(|_| ApiError::parameter(name, format!("{text:?} is not a whole number")))?;
    if number < min || number > max {
        return Err(ApiError::parameter(
            name,
            format!("{number} is outside {min}..={max}"),
        ));
    }
    Ok(number)
}

/// A brief version: a whole number from 1.
fn parse_version(text: &str) -> Result<u32, ApiError> {
    match text.trim().parse::<u32>() {
        Ok(version) if version >= 1 => Ok(version),
        _ => Err(ApiError::parameter(
            "version",
            format!("{text:?} is not a brief version (a whole number from 1)"),
        )),
    }
}

/// Which end of a day a date-only bound stands for.
#[derive(Clone, Copy)]
enum DayEnd {
    Start,
    End,
}

/// `2025-09-14` (the start or the end of that UTC day) or an RFC 3339 time.
fn parse_time(name: &'static str, text: &str, end: DayEnd) -> Result<DateTime<Utc>, ApiError> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let time = match end {
            DayEnd::Start => start,
            DayEnd::End => start.map(|t| t + Duration::days(1) - Duration::nanoseconds(1)),
        };
        if let Some(time) = time {
            return Ok(time);
        }
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::parameter(
                name,
                format!("{text:?} is neither a date (2025-09-14) nor an RFC 3339 time"),
            )
        })
}

// ---------------------------------------------------------------------------------------
// GET /api/stories

/// Query parameters of `GET /api/stories`; every value arrives as text and is checked here,
/// so a bad one is a 400 that names it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StoryQuery {
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub cursor: Option<String>,
    /// An entity slug (`li-qiang`): stories whose brief has a card for it.
    pub entity: Option<String>,
    /// An outlet's display name, any case: stories with an article from it.
    pub outlet: Option<String>,
    /// A language code (`en` also matches `en-GB`): stories with an article in it.
    pub language: Option<String>,
    /// Stories whose newest article is at or after this date or time.
    pub from: Option<String>,
    /// Stories whose first article is at or before this date (the whole day) or time.
    pub to: Option<String>,
}

/// The checked form of [`StoryQuery`].
struct ListRequest {
    limit: usize,
    offset: usize,
    ranked_at: DateTime<Utc>,
    entity: Option<String>,
    outlet: Option<String>,
    language: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// A page cursor: the ranking time and the offset of the next page, so that following
/// pages are ranked at the same moment as the first (scores decay with time).
fn encode_cursor(ranked_at: DateTime<Utc>, offset: usize) -> String {
    format!("c{}-{offset}", ranked_at.timestamp_millis())
}

fn decode_cursor(text: &str) -> Option<(DateTime<Utc>, usize)> {
    let (millis, offset) = text.strip_prefix('c')?.split_once('-')?;
    let ranked_at = DateTime::from_timestamp_millis(millis.parse().ok()?)?;
    Some((ranked_at, offset.parse().ok()?))
}

impl StoryQuery {
    fn check(&self, now: DateTime<Utc>) -> Result<ListRequest, ApiError> {
        let limit = parse_number(
            "limit",
            self.limit.as_deref(),
            DEFAULT_PAGE_SIZE,
            1,
            MAX_PAGE_SIZE,
        )?;
        let (ranked_at, offset) = match (&self.cursor, &self.offset) {
            (Some(_), Some(_)) => {
                return Err(ApiError::parameter(
                    "cursor",
                    "give either cursor or offset, not both",
                ));
            }
            (Some(cursor), None) => decode_cursor(cursor.trim()).ok_or_else(|| {
                ApiError::parameter(
                    "cursor",
                    format!("{cursor:?} is not a cursor this API gave out"),
                )
            })?,
            (None, offset) => (
                now,
                parse_number("offset", offset.as_deref(), 0, 0, 1_000_000)?,
            ),
        };
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let from = self
            .from
            .as_deref()
            .map(|t| parse_time("from", t, DayEnd::Start))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|t| parse_time("to", t, DayEnd::End))
            .transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(ApiError::parameter("from", "from is after to"));
        }
        Ok(ListRequest {
            limit,
            offset,
            ranked_at,
            entity: text(&self.entity),
            outlet: text(&self.outlet).map(|o| o.to_lowercase()),
            language: text(&self.language).map(|l| l.to_ascii_lowercase()),
            from,
            to,
        })
    }
}

/// One page of the ranked listing.
#[derive(Debug, Serialize)]
pub struct StoryPage {
    /// The moment the scores were computed for.
    pub ranked_at: DateTime<Utc>,
    /// Stories that pass the filters, all pages together.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
    pub items: Vec<StorySummary>,
}

/// A story in the listing.
#[derive(Debug, Serialize)]
pub struct StorySummary {
    pub id: StoryId,
    pub headline: String,
    /// The first sentence of "What's happened"; `null` until a brief exists.
    pub summary: Option<String>,
    pub article_count: u32,
    pub outlet_count: u32,
    pub articles_last_24h: usize,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub brief_version: Option<u32>,
    pub score: f64,
    pub outlets: Vec<String>,
    pub languages: Vec<String>,
}

/// The ranked, filtered, paged listing (also usable by the web pages).
pub async fn story_listing(state: &AppState, query: StoryQuery) -> Result<StoryPage, ApiError> {
    let request = query.check(Utc::now())?;
    on_store(state, move |store, state| list_page(store, state, &request)).await
}

fn list_page(
    store: &dyn Store,
    state: &AppState,
    request: &ListRequest,
) -> Result<StoryPage, ApiError> {
    let generation = store.generation()?;
    let catalog = state.caches().catalog(store, generation)?;
    let mentioning: Option<BTreeSet<StoryId>> = match &request.entity {
        Some(entity) => Some(
            store
                .stories_mentioning(entity)?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
        ),
        None => None,
    };
    let now = request.ranked_at;
    let day_ago = now - Duration::hours(24);
    let mut ranked: Vec<(f64, usize, &StoryDigest)> = catalog
        .stories
        .iter()
        .filter(|digest| {
            let story = &digest.story;
            mentioning
                .as_ref()
                .is_none_or(|ids| ids.contains(&story.id))
                && request.from.is_none_or(|from| story.updated_at >= from)
                && request.to.is_none_or(|to| story.created_at <= to)
                && request
                    .outlet
                    .as_ref()
                    .is_none_or(|outlet| digest.carried_by.contains(outlet))
                && request.language.as_ref().is_none_or(|language| {
                    digest
                        .languages
                        .iter()
                        .any(|l| language_matches(l, language))
                })
        })
        .map(|digest| {
            let recent = digest.articles_since(day_ago, now);
            let score = story_score(
                digest.story.outlet_count,
                recent,
                digest.story.updated_at,
                now,
            );
            (score, recent, digest)
        })
        .collect();
    ranked.sort_by(|(score_a, _, a), (score_b, _, b)| {
        score_b
            .total_cmp(score_a)
            .then(b.story.updated_at.cmp(&a.story.updated_at))
            .then(a.story.id.cmp(&b.story.id))
    });
    let total = ranked.len();
    let items: Vec<StorySummary> = ranked
        .into_iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|(score, recent, digest)| StorySummary {
            id: digest.story.id.clone(),
            headline: digest.headline.clone(),
            summary: digest.summary.clone(),
            article_count: digest.story.article_count,
            outlet_count: digest.story.outlet_count,
            articles_last_24h: recent,
            created_at: digest.story.created_at,
            updated_at: digest.story.updated_at,
            brief_version: digest.brief_version,
            score,
            outlets: digest.outlets.clone(),
            languages: digest.languages.clone(),
        })
        .collect();
    let next = request.offset + request.limit;
    Ok(StoryPage {
        ranked_at: now,
        total,
        offset: request.offset,
        limit: request.limit,
        next_cursor: (next < total).then(|| encode_cursor(now, next)),
        items,
    })
}

/// `en` matches `en` and `en-GB`; `en-gb` matches only `en-GB`.
fn language_matches(article_language: &str, wanted: &str) -> bool {
    let language = article_language.to_ascii_lowercase();
    language == wanted
        || language
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('-'))
}

async fn list_stories(
    State(state): State<AppState>,
    query: Result<Query<StoryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let request = query.check(Utc::now())?;
    let body = on_store(&state, move |store, state| {
        to_json(&list_page(store, state, &request)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------
// GET /api/stories/{id}

#[derive(Serialize)]
struct StoryView<'a> {
    id: &'a StoryId,
    headline: &'a str,
    summary: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    article_count: u32,
    outlet_count: u32,
    brief_version: Option<u32>,
    brief_versions: Vec<VersionView>,
    outlets: Vec<&'a str>,
    languages: Vec<&'a str>,
    articles: Vec<ArticleView<'a>>,
    entities: Vec<EntityRef<'a>>,
}

#[derive(Serialize)]
struct VersionView {
    version: u32,
    generated_at: DateTime<Utc>,
    url: String,
}

impl VersionView {
    fn new(story: &StoryId, version: u32, generated_at: DateTime<Utc>) -> Self {
        VersionView {
            version,
            generated_at,
            url: format!("/api/stories/{story}/brief?version={version}"),
        }
    }
}

/// An article of a story, with schema.org `NewsArticle` field names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArticleView<'a> {
    id: &'a ArticleId,
    url: &'a str,
    headline: &'a str,
    publisher: &'a str,
    date_published: Option<DateTime<Utc>>,
    in_language: Option<&'a str>,
    author: &'a [String],
    image: Option<&'a str>,
    /// The article this one copies (a syndicated wire story): not an independent outlet.
    duplicate_of: Option<&'a ArticleId>,
    membership: MembershipView<'a>,
}

/// Why the article is in the story.
#[derive(Serialize)]
struct MembershipView<'a> {
    similarity: f32,
    why: &'a [String],
}

#[derive(Serialize)]
struct EntityRef<'a> {
    id: &'a str,
    name: &'a str,
    kind: EntityKind,
    mentions: u32,
    url: String,
}

/// The rendered detail of story `id` (canonical).
fn render_story(store: &dyn Store, id: &StoryId) -> Result<Bytes, ApiError> {
    let story = store
        .story(id)?
        .ok_or_else(|| ApiError::NotFound(format!("no story has the id {id:?}")))?;
    let versions = store.brief_versions(id)?;
    let brief = store.latest_brief(id)?;
    let members = store.story_members(id)?;
    let articles = member_articles(store, &members)?;
    let outlets: Vec<&str> = independent_outlets(&articles)
        .into_iter()
        .map(|o| o.name.as_str())
        .collect();
    let languages: BTreeSet<&str> = articles
        .iter()
        .filter_map(|a| a.in_language.as_deref())
        .collect();
    let article_views = members
        .iter()
        .filter_map(|member| {
            let article = articles.iter().find(|a| a.id == member.article_id)?;
            Some(ArticleView {
                id: &article.id,
                url: &article.url,
                headline: &article.headline,
                publisher: &article.outlet.name,
                date_published: article.date_published,
                in_language: article.in_language.as_deref(),
                author: &article.author,
                image: article.image.as_deref(),
                duplicate_of: article.duplicate_of.as_ref(),
                membership: MembershipView {
                    similarity: member.score,
                    why: &member.why,
                },
            })
        })
        .collect();
    let entities = brief
        .as_ref()
        .map(|b| {
            b.more_on_these_topics
                .iter()
                .map(|card| EntityRef {
                    id: &card.id,
                    name: &card.name,
                    kind: card.kind,
                    mentions: card.mentions,
                    url: format!("/api/entities/{}", card.id),
                })
                .collect()
        })
        .unwrap_or_default();
    let view = StoryView {
        id: &story.id,
        headline: brief.as_ref().map_or(&story.headline, |b| &b.headline),
        summary: brief.as_ref().and_then(first_sentence),
        created_at: story.created_at,
        updated_at: story.updated_at,
        article_count: story.article_count,
        outlet_count: story.outlet_count,
        brief_version: versions.last().map(|(v, _)| *v),
        brief_versions: versions
            .iter()
            .map(|(v, at)| VersionView::new(id, *v, *at))
            .collect(),
        outlets,
        languages: languages.into_iter().collect(),
        articles: article_views,
        entities,
    };
    to_json(&view)
}

async fn story(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(requested) = path?;
    let asked = requested.clone();
    let (id, body) = on_store(&state, move |store, state| {
        // The generation first: the data read after it is at least as new.
        let generation = store.generation()?;
        let id = resolve(store, &asked)?;
        if let Some(body) = state.caches().story(generation, &id) {
            return Ok((id, body));
        }
        let body = render_story(store, &id)?;
        state
            .caches()
            .put_story(generation, id.clone(), body.clone());
        Ok((id, body))
    })
    .await?;
    let mut response = json_response(StatusCode::OK, body);
    if id.as_str() != requested {
        set_location(&mut response, &format!("/api/stories/{id}"));
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// GET /api/stories/{id}/brief and /brief/versions

#[derive(Debug, Deserialize)]
struct BriefQuery {
    version: Option<String>,
}

async fn brief(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<BriefQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(requested) = path?;
    let Query(query) = query?;
    let wanted = query.version.as_deref().map(parse_version).transpose()?;
    let asked = requested.clone();
    let (id, version, body) = on_store(&state, move |store, state| {
        let id = resolve(store, &asked)?;
        let version = match wanted {
            Some(version) => version,
            None => store
                .brief_versions(&id)?
                .last()
                .map(|(version, _)| *version)
                .ok_or_else(|| ApiError::NotFound(format!("story {id} has no brief yet")))?,
        };
        if let Some(body) = state.caches().brief(&id, version) {
            return Ok((id, version, body));
        }
        let brief = store.brief(&id, version)?.ok_or_else(|| {
            ApiError::NotFound(format!("story {id} has no brief version {version}"))
        })?;
        let body = to_json(&brief)?;
        state.caches().put_brief(id.clone(), version, body.clone());
        Ok((id, version, body))
    })
    .await?;
    let mut response = json_response(StatusCode::OK, body);
    let canonical = id.as_str() == requested;
    if wanted.is_none() || !canonical {
        set_location(
            &mut response,
            &format!("/api/stories/{id}/brief?version={version}"),
        );
    }
    // A version named by the story's own id never changes; "latest" and prefixes may.
    let cache_control = if wanted.is_some() && canonical {
        "public, max-age=86400, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    Ok(response)
}

#[derive(Serialize)]
struct VersionsView<'a> {
    story_id: &'a StoryId,
    latest: Option<u32>,
    versions: Vec<VersionView>,
}

async fn brief_versions(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(requested) = path?;
    let body = on_store(&state, move |store, _| {
        let id = resolve(store, &requested)?;
        let versions = store.brief_versions(&id)?;
        to_json(&VersionsView {
            story_id: &id,
            latest: versions.last().map(|(v, _)| *v),
            versions: versions
                .iter()
                .map(|(v, at)| VersionView::new(&id, *v, *at))
                .collect(),
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------
// GET /api/entities/{id}

#[derive(Serialize)]
struct EntityView<'a> {
    id: &'a str,
    name: String,
    kind: EntityKind,
    stories: Vec<EntityStoryView>,
}

#[derive(Serialize)]
struct EntityStoryView {
    id: StoryId,
    headline: String,
    mentions: u32,
    article_count: u32,
    outlet_count: u32,
    updated_at: DateTime<Utc>,
}

async fn entity(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(slug) = path?;
    let body = on_store(&state, move |store, _| {
        let (name, kind) = store
            .entity(&slug)?
            .ok_or_else(|| ApiError::NotFound(format!("no story mentions an entity {slug:?}")))?;
        let mut stories = Vec::new();
        for (id, mentions) in store.stories_mentioning(&slug)? {
            if let Some(story) = store.story(&id)? {
                stories.push(EntityStoryView {
                    id: story.id,
                    headline: story.headline,
                    mentions,
                    article_count: story.article_count,
                    outlet_count: story.outlet_count,
                    updated_at: story.updated_at,
                });
            }
        }
        to_json(&EntityView {
            id: &slug,
            name,
            kind,
            stories,
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------
// GET /api/search

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct SearchView {
    query: String,
    articles: Vec<ArticleHitView>,
    briefs: Vec<BriefHitView>,
}

#[derive(Serialize)]
struct ArticleHitView {
    id: ArticleId,
    headline: String,
    publisher: String,
    url: String,
    #[serde(rename = "datePublished")]
    date_published: Option<DateTime<Utc>>,
    /// The story it belongs to, once clustered.
    story_id: Option<StoryId>,
    snippet: String,
    highlighted: Vec<Fragment>,
}

#[derive(Serialize)]
struct BriefHitView {
    story_id: StoryId,
    version: u32,
    headline: String,
    snippet: String,
    highlighted: Vec<Fragment>,
}

/// A piece of a snippet; the pieces in order make the snippet, and `match` marks the words
/// of the query.
#[derive(Debug, PartialEq, Serialize)]
struct Fragment {
    text: String,
    #[serde(rename = "match")]
    is_match: bool,
}

/// Lowercases and drops the accents of common Latin letters, so that highlighting agrees
/// with the full-text index's folding ("sao" matches "São").
fn fold_word(word: &str) -> String {
    const FOLDS: &[(&str, char)] = &[
        ("àáâãäåāăą", 'a'),
        ("çćĉċč", 'c'),
        ("ďđ", 'd'),
        ("èéêëēĕėęě", 'e'),
        ("ĝğġģ", 'g'),
        ("ĥħ", 'h'),
        ("ìíîïĩīĭįı", 'i'),
        ("ĵ", 'j'),
        ("ķ", 'k'),
        ("ĺļľŀł", 'l'),
        ("ñńņň", 'n'),
        ("òóôõöøōŏő", 'o'),
        ("ŕŗř", 'r'),
        ("śŝşš", 's'),
        ("ţťŧ", 't'),
        ("ùúûüũūŭůűų", 'u'),
        ("ŵ", 'w'),
        ("ýÿŷ", 'y'),
        ("źżž", 'z'),
    ];
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            FOLDS
                .iter()
                .find(|(accented, _)| accented.contains(c))
                .map_or(c, |(_, plain)| *plain)
        })
        .collect()
}

/// Splits `snippet` into fragments, marking the words (runs of letters and digits, as the
/// index tokenises) that are words of `query`.
fn highlight(snippet: &str, query: &str) -> Vec<Fragment> {
    let terms: BTreeSet<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold_word)
        .collect();
    let mut fragments: Vec<Fragment> = Vec::new();
    let mut push = |text: &str, is_match: bool| match fragments.last_mut() {
        Some(last) if last.is_match == is_match => last.text.push_str(text),
        _ => fragments.push(Fragment {
            text: text.to_string(),
            is_match,
        }),
    };
    let mut rest = snippet;
    while let Some(first) = rest.chars().next() {
        let in_word = first.is_alphanumeric();
        let end = rest
            .find(|c: char| c.is_alphanumeric() != in_word)
            .unwrap_or(rest.len());
        let (piece, tail) = rest.split_at(end);
        push(piece, in_word && terms.contains(&fold_word(piece)));
        rest = tail;
    }
    fragments
}

async fn search(
    State(state): State<AppState>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let text = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if text.is_empty() {
        return Err(ApiError::InvalidQuery(
            "parameter q is required: the words to search for".into(),
        ));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::InvalidQuery(format!(
            "the query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Err(ApiError::InvalidQuery(format!(
            "the query {text:?} has no word to search for"
        )));
    }
    let limit = parse_number(
        "limit",
        query.limit.as_deref(),
        DEFAULT_SEARCH_HITS,
        1,
        MAX_SEARCH_HITS,
    )?;
    let body = on_store(&state, move |store, _| {
        let article_hits = store.search_articles(&text, limit)?;
        let ids: Vec<ArticleId> = article_hits.iter().map(|(id, _)| id.clone()).collect();
        let found = store.articles(&ids)?;
        let mut articles = Vec::with_capacity(article_hits.len());
        for (id, snippet) in article_hits {
            let Some(article) = found.iter().find(|a| a.id == id) else {
                continue;
            };
            articles.push(ArticleHitView {
                story_id: store.story_of_article(&id)?,
                headline: article.headline.clone(),
                publisher: article.outlet.name.clone(),
                url: article.url.clone(),
                date_published: article.date_published,
                highlighted: highlight(&snippet, &text),
                snippet,
                id,
            });
        }
        let briefs = store
            .search_briefs(&text, limit)?
            .into_iter()
            .map(|hit| BriefHitView {
                highlighted: highlight(&hit.snippet, &text),
                story_id: hit.story_id,
                version: hit.version,
                headline: hit.headline,
                snippet: hit.snippet,
            })
            .collect();
        to_json(&SearchView {
            query: text,
            articles,
            briefs,
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, body))
}

// ---------------------------------------------------------------------------------------
// Feeds

/// The stable public id of a feed: `f` and 16 hex digits of its URL's hash.
pub fn feed_id(url: &str) -> String {
    format!("f{}", short_hash(url, 16))
}

#[derive(Serialize)]
struct FeedView<'a> {
    id: String,
    url: &'a str,
    title: Option<&'a str>,
    added_at: DateTime<Utc>,
    last_fetched_at: Option<DateTime<Utc>>,
    last_error: Option<&'a str>,
    error_count: u32,
}

impl<'a> FeedView<'a> {
    fn new(feed: &'a Feed) -> Self {
        FeedView {
            id: feed_id(&feed.url),
            url: &feed.url,
            title: feed.title.as_deref(),
            added_at: feed.added_at,
            last_fetched_at: feed.last_fetched_at,
            last_error: feed.last_error.as_deref(),
            error_count: feed.error_count,
        }
    }
}

#[derive(Serialize)]
struct FeedsView<'a> {
    feeds: Vec<FeedView<'a>>,
}

async fn list_feeds(State(state): State<AppState>) -> Result<Response, ApiError> {
    let body = on_store(&state, |store, _| {
        let feeds = store.feeds()?;
        to_json(&FeedsView {
            feeds: feeds.iter().map(FeedView::new).collect(),
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, body))
}

/// Checks `Authorization: Bearer <token>` against the configured admin token.
fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.admin_token() else {
        return Err(ApiError::AdminDisabled);
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::Unauthorized(
            "this route needs an Authorization: Bearer token",
        ));
    };
    let given = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match given {
        Some(token) if same_secret(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::Unauthorized(
            "the bearer token is not the admin token",
        )),
        None => Err(ApiError::Unauthorized(
            "the Authorization header must be: Bearer <token>",
        )),
    }
}

/// Compares two secrets in time that depends only on their lengths, not on where they
/// first differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    if given.len() != expected.len() {
        return false;
    }
    given
        .iter()
        .zip(expected)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

/// The body of `POST /api/feeds`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFeed {
    url: String,
    title: Option<String>,
}

/// An `http(s)` URL with a host, trimmed; anything else is refused (a `file://` feed would
/// let an API client make the server read its own files).
fn check_feed_url(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.len() > MAX_FEED_URL_BYTES {
        return Err(ApiError::InvalidBody(format!(
            "url is longer than {MAX_FEED_URL_BYTES} bytes"
        )));
    }
    let url = url::Url::parse(text)
        .map_err(|e| ApiError::InvalidBody(format!("url {text:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::InvalidBody(format!(
            "url {text:?} must be an http:// or https:// address with a host"
        )));
    }
    Ok(text.to_string())
}

async fn add_feed(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    // Authorisation before the body is read: an outsider learns nothing about what we
    // accept, and cannot hold a connection by trickling a body.
    require_admin(&state, request.headers())?;
    let body = tokio::time::timeout(
        BODY_READ_TIMEOUT,
        Json::<NewFeed>::from_request(request, &state),
    )
    .await
    .map_err(|_elapsed| {
        ApiError::RequestTimeout(format!(
            "the request body did not arrive within {} s",
            BODY_READ_TIMEOUT.as_secs()
        ))
    })?;
    let Json(new) = body?;
    let url = check_feed_url(&new.url)?;
    let title = new
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if title
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_FEED_TITLE_CHARS)
    {
        return Err(ApiError::InvalidBody(format!(
            "title is longer than {MAX_FEED_TITLE_CHARS} characters"
        )));
    }
    let (created, body) = on_store(&state, move |store, _| {
        let created = store.add_feed(&Feed::new(url.clone(), title, Utc::now()))?;
        let feeds = store.feeds()?;
        let feed = feeds
            .iter()
            .find(|f| f.url == url)
            .ok_or_else(|| ApiError::Internal(format!("feed {url} vanished after adding it")))?;
        Ok((created, to_json(&FeedView::new(feed))?))
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(status, body))
}

async fn remove_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    require_admin(&state, &headers)?;
    let Path(id) = path?;
    on_store(&state, move |store, _| {
        let feed = store
            .feeds()?
            .into_iter()
            .find(|f| feed_id(&f.url) == id)
            .ok_or_else(|| ApiError::NotFound(format!("no feed has the id {id:?}")))?;
        if !store.remove_feed(&feed.url)? {
            return Err(ApiError::NotFound(format!("no feed has the id {id:?}")));
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------
// Service routes

async fn openapi() -> Response {
    json_response(StatusCode::OK, crate::openapi::document_json())
}

async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    on_store(&state, |store, _| {
        store
            .generation()
            .map(|_| ())
            .map_err(|e| ApiError::Unavailable(format!("health check: {e}")))
    })
    .await
    .map_err(|e| match e {
        ApiError::Unavailable(_) => e,
        other => ApiError::Unavailable(format!("health check: {other}")),
    })?;
    Ok(json_response(
        StatusCode::OK,
        Bytes::from_static(br#"{"status":"ok"}"#),
    ))
}

async fn metrics(State(state): State<AppState>) -> Response {
    let counts = on_store(&state, |store, _| Ok(store.counts()?)).await;
    let counts = match counts {
        Ok(counts) => Some(counts),
        Err(e) => {
            tracing::warn!("metrics: cannot read the store's sizes: {e}");
            None
        }
    };
    let text = state.metrics().render(counts.as_ref());
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 9, day, hour, 0, 0)
            .single()
            .expect("a valid date")
    }

    #[test]
    fn scores_weigh_breadth_growth_and_recency() {
        let now = at(14, 12);
        // Fresh: weight only.
        assert_eq!(story_score(3, 0, now, now), 3.0);
        assert!((story_score(3, 4, now, now) - (3.0 + 5f64.ln())).abs() < 1e-12);
        // Half-life of 18 hours.
        assert!((story_score(2, 0, at(13, 18), now) - 1.0).abs() < 1e-12);
        // No outlets counts as one; a future date as now.
        assert_eq!(story_score(0, 0, now, now), 1.0);
        assert_eq!(story_score(1, 0, at(15, 0), now), 1.0);
        // Breadth beats a burst from one outlet.
        assert!(story_score(4, 0, now, now) > story_score(1, 10, now, now));
    }

    fn check_highlight(snippet: &str, query: &str, expected: &[(&str, bool)]) {
        let fragments = highlight(snippet, query);
        let got: Vec<(&str, bool)> = fragments
            .iter()
            .map(|f| (f.text.as_str(), f.is_match))
            .collect();
        assert_eq!(got, expected, "{snippet:?} / {query:?}");
    }

    #[test]
    fn highlights_mark_query_words_only() {
        check_highlight(
            "Dockers strike at the port.",
            "STRIKE port",
            &[
                ("Dockers ", false),
                ("strike", true),
                (" at the ", false),
                ("port", true),
                (".", false),
            ],
        );
        check_highlight(
            "Strikes in São Paulo",
            "sao strike",
            &[("Strikes in ", false), ("São", true), (" Paulo", false)],
        );
        check_highlight("", "x", &[]);
        check_highlight(
            "…a b…",
            "\"b\"",
            &[("…a ", false), ("b", true), ("…", false)],
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_noise() {
        let ranked_at = at(14, 6);
        assert_eq!(
            decode_cursor(&encode_cursor(ranked_at, 40)),
            Some((ranked_at, 40))
        );
        for noise in [
            "",
            "c",
            "c12",
            "x1-2",
            "c1-x",
            "c-1",
            "c99999999999999999999-1",
        ] {
            assert_eq!(decode_cursor(noise), None, "{noise:?}");
        }
    }

    #[test]
    fn times_accept_dates_and_rfc3339() {
        assert_eq!(
            parse_time("from", "2025-09-14", DayEnd::Start).ok(),
            Some(at(14, 0))
        );
        assert_eq!(
            parse_time("to", "2025-09-14", DayEnd::End).ok(),
            Some(at(15, 0) - Duration::nanoseconds(1))
        );
        assert_eq!(
            parse_time("from", "2025-09-14T08:00:00+02:00", DayEnd::Start).ok(),
            Some(at(14, 6))
        );
        let err = parse_time("from", "yesterday", DayEnd::Start)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "parameter from: \"yesterday\" is neither a date (2025-09-14) nor an RFC 3339 time"
            )
        );
    }

    #[test]
    fn languages_match_by_primary_subtag() {
        assert!(language_matches("en", "en"));
        assert!(language_matches("en-GB", "en"));
        assert!(language_matches("en-GB", "en-gb"));
        assert!(!language_matches("en", "en-gb"));
        assert!(!language_matches("eng", "en"));
    }

    #[test]
    fn feed_urls_must_be_web_addresses() {
        assert_eq!(
            check_feed_url(" https://news.example/feed.xml ")
                .ok()
                .as_deref(),
            Some("https://news.example/feed.xml")
        );
        for bad in [
            "file:///etc/passwd",
            "news.example/feed",
            "http://",
            "ftp://x.example/f",
        ] {
            assert!(check_feed_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bounded_maps_forget_the_oldest() {
        let mut map = BoundedMap::new(2);
        map.insert(1, "a");
        map.insert(2, "b");
        map.insert(1, "a2");
        map.insert(3, "c");
        assert_eq!(map.get(&1), None);
        assert_eq!(map.get(&2), Some("b"));
        assert_eq!(map.get(&3), Some("c"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"token", b"token"));
        assert!(!same_secret(b"token", b"tokem"));
        assert!(!same_secret(b"token", b"token2"));
    }
}
