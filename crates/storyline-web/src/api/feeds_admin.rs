//! The subscribed feeds: `GET /api/feeds` for anyone, and for the holder of the admin token
//! (`Authorization: Bearer <STORYLINE_ADMIN_TOKEN>`) `POST /api/feeds` (subscribe,
//! idempotent) and `DELETE /api/feeds/{id}`.
//!
//! Invariants: the token is checked before a body is read, and compared in time that does
//! not depend on where it differs; a body is read within [`BODY_READ_TIMEOUT`]; only
//! `http(s)` feed addresses are accepted from the API (a `file://` one would let a client make
//! the server read its own files).

use super::{BODY_READ_TIMEOUT, json_response, on_store, to_json};
use crate::AppState;
use crate::error::{
    AdminDisabled, ApiError, BadRequest, Internal, NotFound, RequestTimeout, TooLarge,
    Unauthorized, Unavailable, UnsupportedMediaType,
};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Json, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storyline_model::{Feed, short_hash};
use utoipa::{IntoParams, ToSchema};

pub(crate) const MAX_FEED_URL_BYTES: usize = 2048;
pub(crate) const MAX_FEED_TITLE_CHARS: usize = 300;

/// The stable public id of a feed: `f` and 16 hex digits of its URL's hash.
pub fn feed_id(url: &str) -> String {
    format!("f{}", short_hash(url, 16))
}

/// A subscribed feed and the health of its polling.
#[derive(Serialize, ToSchema)]
#[schema(as = Feed)]
#[serde(deny_unknown_fields)]
struct FeedView<'a> {
    /// Stable id: `f` and 16 hex digits of the URL's SHA-256.
    #[schema(pattern = "^f[0-9a-f]{16}$")]
    id: String,
    url: &'a str,
    #[schema(required = true)]
    title: Option<&'a str>,
    added_at: DateTime<Utc>,
    #[schema(required = true)]
    last_fetched_at: Option<DateTime<Utc>>,
    /// The last failure, one line; null after a success.
    #[schema(required = true)]
    last_error: Option<&'a str>,
    /// Consecutive failures.
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

/// Every subscribed feed, oldest subscription first.
#[derive(Serialize, ToSchema)]
#[schema(as = FeedList)]
#[serde(deny_unknown_fields)]
struct FeedsView<'a> {
    feeds: Vec<FeedView<'a>>,
}

/// The handler of `GET /api/feeds`.
#[utoipa::path(
    get,
    path = "/api/feeds",
    tag = "feeds",
    operation_id = "listFeeds",
    summary = "The subscribed feeds and their health.",
    responses(
        (status = 200, description = "The feeds.", body = FeedsView),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn list_feeds(State(state): State<AppState>) -> Result<Response, ApiError> {
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewFeed {
    /// An http:// or https:// feed address (RSS, Atom or JSON Feed).
    #[schema(max_length = 2048)]
    url: String,
    #[schema(max_length = 300)]
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

/// The handler of `POST /api/feeds`.
#[utoipa::path(
    post,
    path = "/api/feeds",
    tag = "feeds",
    operation_id = "addFeed",
    summary = "Subscribe to a feed (idempotent).",
    security(("adminToken" = [])),
    request_body(content = NewFeed, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed.", body = FeedView),
        (status = 200, description = "Already subscribed; nothing changed.", body = FeedView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = AdminDisabled),
        (status = 408, response = RequestTimeout),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn add_feed(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
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

/// The path of `DELETE /api/feeds/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct FeedPath {
    /// The feed's `id` from GET /api/feeds.
    id: String,
}

/// The handler of `DELETE /api/feeds/{id}`.
#[utoipa::path(
    delete,
    path = "/api/feeds/{id}",
    tag = "feeds",
    operation_id = "removeFeed",
    summary = "Unsubscribe from a feed.",
    security(("adminToken" = [])),
    params(FeedPath),
    responses(
        (status = 204, description = "Unsubscribed."),
        (status = 401, response = Unauthorized),
        (status = 403, response = AdminDisabled),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
)]
pub(super) async fn remove_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<FeedPath>, PathRejection>,
) -> Result<Response, ApiError> {
    require_admin(&state, &headers)?;
    let Path(FeedPath { id }) = path?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn secrets_compare_whole() {
        assert!(same_secret(b"token", b"token"));
        assert!(!same_secret(b"token", b"tokem"));
        assert!(!same_secret(b"token", b"token2"));
    }
}
