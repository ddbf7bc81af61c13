//! The JSON API under `/api/`, plus `/healthz` and `/metrics`, one module per resource:
//! `listing.rs` (`GET /api/stories`: ranked, paged, filtered by [`story_score`]),
//! `stories.rs` (`GET /api/stories/{id}`, id or unique prefix, a merged story answering with
//! the story that absorbed it; `/brief`, latest or `?version=N`, in the brief's own JSON
//! schema; `/brief/versions`), `entities.rs` (`GET /api/entities/{id}`), `search.rs`
//! (`GET /api/search?q=`: articles and briefs with highlighted snippets), `feeds_admin.rs`
//! (`GET /api/feeds`, and with `Authorization: Bearer <STORYLINE_ADMIN_TOKEN>`:
//! `POST /api/feeds`, `DELETE /api/feeds/{id}`), `service.rs` (the OpenAPI document,
//! `/healthz`, `/metrics`), and `caches.rs` (what the routes keep between requests).
//!
//! Each handler carries its `#[utoipa::path]` annotation and each answer is a type deriving
//! `ToSchema`; [`ApiDoc`] below lists the handlers beside [`routes`], and `openapi.rs` turns
//! it into the served document.
//!
//! Speed: each request makes one trip to the blocking pool ([`AppState::with_store`]) and
//! serialises with `serde_json` there. Three in-memory caches (`ApiCaches`) keep hot
//! answers: the rendered JSON of brief versions (immutable, so never stale), the rendered
//! story details and the catalog behind the listing, both keyed by the store's generation
//! ([`Store::generation`], read before the data), so a write by any process makes them
//! rebuild on the next request.
//!
//! Invariants: errors leave only through [`ApiError`]; every cache is bounded; nothing here
//! holds a store connection across an `.await`; every route of [`routes`] is in [`ApiDoc`]
//! (the API tests compare the routes they exercise with the document's).

mod caches;
mod entities;
pub(crate) mod feeds_admin;
pub(crate) mod listing;
pub(crate) mod search;
mod service;
mod stories;

pub(crate) use caches::ApiCaches;
pub use feeds_admin::feed_id;
pub use listing::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SCORE_HALF_LIFE_HOURS, StoryPage, StoryQuery, StorySummary,
    story_listing, story_score,
};

use crate::AppState;
use crate::error::{
    AdminDisabled, ApiError, BadRequest, ErrorBody, Internal, NotFound, RequestTimeout, TooLarge,
    Unauthorized, Unavailable, UnsupportedMediaType,
};
use crate::openapi::AdminTokenScheme;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Serialize;
use storyline_model::StoryId;
use storyline_store::Store;
use utoipa::OpenApi;

/// Largest accepted request body: a feed subscription is a URL and a title.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Longest a request body may take to arrive once its head is in: 16 KiB comes in one round
/// trip, so ten seconds is a generous bound that still keeps a client trickling a body from
/// holding its connection (and shutdown) for hours.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The API's routes, merged into the application router by `lib.rs`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/stories", get(listing::list_stories))
        .route("/api/stories/{id}", get(stories::story))
        .route("/api/stories/{id}/brief", get(stories::brief))
        .route(
            "/api/stories/{id}/brief/versions",
            get(stories::brief_versions),
        )
        .route("/api/entities/{id}", get(entities::entity))
        .route("/api/search", get(search::search))
        .route(
            "/api/feeds",
            get(feeds_admin::list_feeds).post(feeds_admin::add_feed),
        )
        .route("/api/feeds/{id}", delete(feeds_admin::remove_feed))
        .route("/api/openapi.json", get(service::openapi))
        .route("/healthz", get(service::healthz))
        .route("/metrics", get(service::metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The OpenAPI description of [`routes`], generated from the handlers' annotations and the
/// types they answer with; `openapi.rs` adds the brief's schema and serves it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Storyline API",
        description = "Read-only routes are public. `POST /api/feeds` and `DELETE /api/feeds/{id}` need `Authorization: Bearer <token>` matching the server's STORYLINE_ADMIN_TOKEN; without one configured they answer 403 `admin_disabled`. Every error is `{\"error\": {\"code\", \"message\"}}` with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/")),
    tags(
        (name = "stories", description = "Ranked stories and their briefs."),
        (name = "entities", description = "People, organisations, places and companies named in briefs."),
        (name = "search", description = "Full-text search over articles and briefs."),
        (name = "feeds", description = "The subscribed feeds."),
        (name = "service", description = "Health, metrics and this document."),
    ),
    paths(
        listing::list_stories,
        stories::story,
        stories::brief,
        stories::brief_versions,
        entities::entity,
        search::search,
        feeds_admin::list_feeds,
        feeds_admin::add_feed,
        feeds_admin::remove_feed,
        service::openapi,
        service::healthz,
        service::metrics,
    ),
    components(
        schemas(ErrorBody),
        responses(
            BadRequest,
            Unauthorized,
            AdminDisabled,
            NotFound,
            RequestTimeout,
            TooLarge,
            UnsupportedMediaType,
            Internal,
            Unavailable,
        ),
    ),
    modifiers(&AdminTokenScheme),
)]
pub struct ApiDoc;

// ---------------------------------------------------------------------------------------
// Helpers shared by the routes

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
