//! A story and its brief: `GET /api/stories/{id}` (the story with its articles, brief
//! versions and entity cards), `GET /api/stories/{id}/brief` (a version of the brief, in the
//! brief's own JSON schema) and `GET /api/stories/{id}/brief/versions`.
//!
//! Each takes a story id or a unique prefix of one, and a merged story's id answers with the
//! story that absorbed it; `Content-Location` then names the canonical address.

use super::caches::{first_sentence, member_articles};
use super::{json_response, on_store, resolve, set_location, to_json};
use crate::AppState;
use crate::error::{ApiError, BadRequest, Internal, NotFound, Unavailable};
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use storyline_model::{ArticleId, EntityKind, StoryId, independent_outlets};
use storyline_store::Store;
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, ToSchema};

/// The path of the story routes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct StoryPath {
    /// A story id or a unique prefix of one. A merged story's id answers with the story that
    /// absorbed it (its id is in the body and in Content-Location).
    #[param(min_length = 1)]
    id: String,
}

/// A story with its articles, brief versions and entities.
#[derive(Serialize, ToSchema)]
#[schema(as = StoryDetail)]
#[serde(deny_unknown_fields)]
struct StoryView<'a> {
    #[schema(schema_with = crate::openapi::story_id)]
    id: &'a StoryId,
    headline: &'a str,
    #[schema(required = true)]
    summary: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    article_count: u32,
    outlet_count: u32,
    #[schema(required = true, minimum = 1)]
    brief_version: Option<u32>,
    brief_versions: Vec<VersionView>,
    outlets: Vec<&'a str>,
    languages: Vec<&'a str>,
    articles: Vec<ArticleView<'a>>,
    entities: Vec<EntityRef<'a>>,
}

/// One stored version of a story's brief.
#[derive(Serialize, ToSchema)]
#[schema(as = BriefVersion)]
#[serde(deny_unknown_fields)]
struct VersionView {
    #[schema(minimum = 1)]
    version: u32,
    generated_at: DateTime<Utc>,
    /// Where to read this version.
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

/// An article of a story; fields named as in schema.org NewsArticle.
#[derive(Serialize, ToSchema)]
#[schema(as = Article)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArticleView<'a> {
    #[schema(schema_with = crate::openapi::article_id)]
    id: &'a ArticleId,
    url: &'a str,
    headline: &'a str,
    /// The outlet's display name.
    publisher: &'a str,
    #[schema(required = true)]
    date_published: Option<DateTime<Utc>>,
    #[schema(required = true)]
    in_language: Option<&'a str>,
    author: &'a [String],
    #[schema(required = true)]
    image: Option<&'a str>,
    /// The article this one copies (a syndicated wire story): listed, but not an independent
    /// outlet.
    #[schema(schema_with = duplicate_of_schema, required = true)]
    duplicate_of: Option<&'a ArticleId>,
    #[schema(inline)]
    membership: MembershipView<'a>,
}

/// `duplicateOf`: an article id or null.
fn duplicate_of_schema() -> Schema {
    crate::openapi::nullable_article_id(
        "The article this one copies (a syndicated wire story): listed, but not an \
         independent outlet.",
    )
}

/// Why the article is in the story.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MembershipView<'a> {
    /// Similarity to the story when it joined (1 for the article that opened it).
    similarity: f32,
    /// Shared terms and entities.
    why: &'a [String],
}

/// An entity card of the story's latest brief.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EntityRef<'a> {
    /// Slug of the canonical name.
    id: &'a str,
    name: &'a str,
    #[schema(value_type = crate::openapi::EntityKindSchema)]
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

/// The handler of `GET /api/stories/{id}`.
#[utoipa::path(
    get,
    path = "/api/stories/{id}",
    tag = "stories",
    operation_id = "getStory",
    summary = "One story with its articles, brief versions and entities.",
    params(StoryPath),
    responses(
        (status = 200, description = "The story.", body = StoryView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn story(
    State(state): State<AppState>,
    path: Result<Path<StoryPath>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(StoryPath { id: requested }) = path?;
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

/// The query of `GET /api/stories/{id}/brief`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct BriefQuery {
    /// A brief version (from 1); default the latest.
    #[param(value_type = Option<u32>, minimum = 1)]
    version: Option<String>,
}

/// The handler of `GET /api/stories/{id}/brief`.
#[utoipa::path(
    get,
    path = "/api/stories/{id}/brief",
    tag = "stories",
    operation_id = "getBrief",
    summary = "A story's brief: the latest version, or `version`.",
    description = "The brief as its published JSON schema (schema/brief.schema.json). Content-Location names the version answered.",
    params(StoryPath, BriefQuery),
    responses(
        (status = 200, description = "The brief.", body = ref("#/components/schemas/Brief")),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn brief(
    State(state): State<AppState>,
    path: Result<Path<StoryPath>, PathRejection>,
    query: Result<Query<BriefQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(StoryPath { id: requested }) = path?;
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

/// Every version of a story's brief, oldest first.
#[derive(Serialize, ToSchema)]
#[schema(as = BriefVersions)]
#[serde(deny_unknown_fields)]
struct VersionsView<'a> {
    #[schema(schema_with = crate::openapi::story_id)]
    story_id: &'a StoryId,
    #[schema(required = true, minimum = 1)]
    latest: Option<u32>,
    versions: Vec<VersionView>,
}

/// The handler of `GET /api/stories/{id}/brief/versions`.
#[utoipa::path(
    get,
    path = "/api/stories/{id}/brief/versions",
    tag = "stories",
    operation_id = "listBriefVersions",
    summary = "Every version of a story's brief.",
    params(StoryPath),
    responses(
        (status = 200, description = "The versions, oldest first.", body = VersionsView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn brief_versions(
    State(state): State<AppState>,
    path: Result<Path<StoryPath>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(StoryPath { id: requested }) = path?;
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
