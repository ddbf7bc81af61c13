//! `GET /api/stories`: the ranked, filtered, paged story listing, and its ranking
//! ([`story_score`]). The web front page shows the same listing through [`story_listing`].
//!
//! A page is ranked at one moment (`ranked_at`); its cursor carries that moment, so the
//! following pages continue the same ranking although scores decay with time.

use super::caches::StoryDigest;
use super::{json_response, on_store, parse_number, to_json};
use crate::AppState;
use crate::error::{ApiError, BadRequest, Internal, Unavailable};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use storyline_model::StoryId;
use storyline_store::Store;
use utoipa::{IntoParams, ToSchema};

/// Stories per listing page unless `limit` says otherwise, and the most it may say.
pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;
/// The most stories a listing may skip with `offset`.
pub(crate) const MAX_OFFSET: usize = 1_000_000;
/// Hours after which a story's recency weight halves in [`story_score`] (the front page
/// uses the same half-life).
pub const SCORE_HALF_LIFE_HOURS: f64 = 18.0;

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

/// Query parameters of `GET /api/stories`; every value arrives as text and is checked here,
/// so a bad one is a 400 that names it (the document gives the types they must parse as).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoryQuery {
    /// Items per page.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<String>,
    /// Items to skip (ranked now). Not together with cursor.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<String>,
    /// `next_cursor` of the previous page: continues the same ranking. Repeat the filters
    /// with it.
    pub cursor: Option<String>,
    /// An entity slug: stories whose latest brief has a card for it.
    pub entity: Option<String>,
    /// An outlet's display name (any case): stories with an article from it.
    pub outlet: Option<String>,
    /// A language code; `en` also matches `en-GB`.
    pub language: Option<String>,
    /// Stories whose newest article is at or after this date (start of day, UTC) or RFC 3339
    /// time.
    pub from: Option<String>,
    /// Stories whose first article is at or before this date (end of day, UTC) or RFC 3339
    /// time.
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
                parse_number("offset", offset.as_deref(), 0, 0, MAX_OFFSET)?,
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

/// One page of the ranked story listing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoryPage {
    /// The moment the scores were computed for (kept across pages by the cursor).
    pub ranked_at: DateTime<Utc>,
    /// Stories that pass the filters, all pages together.
    pub total: usize,
    pub offset: usize,
    #[schema(minimum = 1)]
    pub limit: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    pub items: Vec<StorySummary>,
}

/// A story in the listing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorySummary {
    #[schema(schema_with = crate::openapi::story_id)]
    pub id: StoryId,
    pub headline: String,
    /// The first sentence of "What's happened"; null until the story has a brief.
    #[schema(required = true)]
    pub summary: Option<String>,
    pub article_count: u32,
    /// Independent outlets (wire copies not counted).
    pub outlet_count: u32,
    /// Articles published in the 24 hours before `ranked_at`.
    pub articles_last_24h: usize,
    pub created_at: DateTime<Utc>,
    /// Publication time of the newest article.
    pub updated_at: DateTime<Utc>,
    #[schema(required = true, minimum = 1)]
    pub brief_version: Option<u32>,
    /// (outlets + ln(1 + articles_last_24h)) × 0.5^(hours from updated_at to ranked_at / 18);
    /// outlets at least 1, a future updated_at counts as ranked_at.
    #[schema(minimum = 0)]
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

/// The handler of `GET /api/stories`.
#[utoipa::path(
    get,
    path = "/api/stories",
    tag = "stories",
    operation_id = "listStories",
    summary = "Stories, best first.",
    description = "Ranked by `score` (see StorySummary.score), ties by newest article then id. Filters combine with AND.",
    params(StoryQuery),
    responses(
        (status = 200, description = "A page of stories.", body = StoryPage),
        (status = 400, response = BadRequest),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn list_stories(
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
}
