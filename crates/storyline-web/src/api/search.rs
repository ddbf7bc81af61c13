//! `GET /api/search?q=`: full-text search over articles and briefs (each story's latest
//! brief), with each snippet split into fragments that mark the words of the query.
//!
//! The query is plain words, all of which must match; no query syntax reaches the index.

use super::{json_response, on_store, parse_number, to_json};
use crate::AppState;
use crate::error::{ApiError, BadRequest, Internal, Unavailable};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use storyline_model::{ArticleId, StoryId};
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, ToSchema};

/// Search hits per kind unless `limit` says otherwise, and the most it may say.
pub(crate) const DEFAULT_SEARCH_HITS: usize = 10;
pub(crate) const MAX_SEARCH_HITS: usize = 50;
/// The longest search query accepted, in characters.
pub(crate) const MAX_QUERY_CHARS: usize = 256;

/// The query of `GET /api/search`; a missing or blank `q` is a 400 `invalid_query`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// The words to search for (at most 256 characters).
    #[param(value_type = String, required = true, min_length = 1, max_length = 256)]
    q: Option<String>,
    /// Hits per kind.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 10)]
    limit: Option<String>,
}

/// Matching articles and briefs (each story's latest brief), best first.
#[derive(Serialize, ToSchema)]
#[schema(as = SearchResults)]
#[serde(deny_unknown_fields)]
struct SearchView {
    query: String,
    #[schema(inline)]
    articles: Vec<ArticleHitView>,
    #[schema(inline)]
    briefs: Vec<BriefHitView>,
}

/// A matching article.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ArticleHitView {
    #[schema(schema_with = crate::openapi::article_id)]
    id: ArticleId,
    headline: String,
    publisher: String,
    url: String,
    #[serde(rename = "datePublished")]
    #[schema(required = true)]
    date_published: Option<DateTime<Utc>>,
    /// The story it belongs to, once clustered.
    #[schema(schema_with = story_of_article_schema, required = true)]
    story_id: Option<StoryId>,
    snippet: String,
    highlighted: Vec<Fragment>,
}

/// `story_id` of an article hit: a story id or null.
fn story_of_article_schema() -> Schema {
    crate::openapi::nullable_story_id("The story it belongs to, once clustered.")
}

/// A matching brief.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BriefHitView {
    #[schema(schema_with = crate::openapi::story_id)]
    story_id: StoryId,
    #[schema(minimum = 1)]
    version: u32,
    headline: String,
    snippet: String,
    highlighted: Vec<Fragment>,
}

/// A piece of a snippet; the pieces in order make the snippet.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Fragment {
    text: String,
    /// True for a word of the query.
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

/// The handler of `GET /api/search`.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    operation_id = "search",
    summary = "Full-text search over articles and briefs.",
    description = "Plain words, all of which must match (case and accents ignored); no query syntax is interpreted.",
    params(SearchQuery),
    responses(
        (status = 200, description = "The hits.", body = SearchView),
        (status = 400, response = BadRequest),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn search(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
