//! The health of the subscribed feeds (`/feeds`, titled "Sources"): each feed's title and
//! URL, when it was last fetched and added, and its last error with how many fetches in a row
//! failed. (The Atom and JSON feeds that Storyline publishes are `crate::feeds`.)
//!
//! Invariants: one trip to the store, then rendering; error text from a feed is untrusted
//! and reaches the page only escaped.

use super::{Head, PageError, document, html_response, plural};
use crate::AppState;
use crate::html::{Html, human_date, relative_time};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use storyline_model::Feed;

pub(super) async fn feeds_page(State(state): State<AppState>) -> Result<Response, PageError> {
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
