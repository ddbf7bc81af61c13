//! The front page (`/`, `/?page=N`): the API's ranked listing ([`crate::api::story_listing`]),
//! [`STORIES_PER_PAGE`] stories a page, so the front page and `GET /api/stories` never
//! disagree on what the top stories are.
//!
//! Invariants: one trip to the store (the listing), then rendering; a page number that is not
//! one is the first page, a page past the last is a 404 page.

use super::{Head, PageError, coverage_meta, document, html_response, query_value, story_href};
use crate::AppState;
use crate::api::{StoryQuery, story_listing};
use crate::html::Html;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

/// Stories per front page.
pub const STORIES_PER_PAGE: usize = 20;
/// The deepest front page served (the API caps offsets too).
const MAX_PAGE: usize = 10_000;

pub(super) async fn front_page(
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
            main.raw("<p class=\"meta\">");
            coverage_meta(
                &mut main,
                story.outlet_count,
                story.article_count,
                story.updated_at,
                now,
            );
            main.raw("</p></li>");
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
