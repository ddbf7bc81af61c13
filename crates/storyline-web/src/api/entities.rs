//! `GET /api/entities/{id}`: an entity named in briefs and the live stories whose briefs
//! name it, most mentions first.

use super::{json_response, on_store, to_json};
use crate::AppState;
use crate::error::{ApiError, Internal, NotFound, Unavailable};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storyline_model::{EntityKind, StoryId};
use utoipa::{IntoParams, ToSchema};

/// The path of `GET /api/entities/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct EntityPath {
    /// The entity's slug, as in a brief's entity cards.
    #[param(min_length = 1)]
    id: String,
}

/// An entity and the live stories whose briefs name it, most mentions first.
#[derive(Serialize, ToSchema)]
#[schema(as = Entity)]
#[serde(deny_unknown_fields)]
struct EntityView<'a> {
    id: &'a str,
    name: String,
    #[schema(value_type = crate::openapi::EntityKindSchema)]
    kind: EntityKind,
    #[schema(inline)]
    stories: Vec<EntityStoryView>,
}

/// A story naming the entity.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EntityStoryView {
    #[schema(schema_with = crate::openapi::story_id)]
    id: StoryId,
    headline: String,
    mentions: u32,
    article_count: u32,
    outlet_count: u32,
    updated_at: DateTime<Utc>,
}

/// The handler of `GET /api/entities/{id}`.
#[utoipa::path(
    get,
    path = "/api/entities/{id}",
    tag = "entities",
    operation_id = "getEntity",
    summary = "An entity and the stories that name it.",
    params(EntityPath),
    responses(
        (status = 200, description = "The entity.", body = EntityView),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn entity(
    State(state): State<AppState>,
    path: Result<Path<EntityPath>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(EntityPath { id: slug }) = path?;
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
