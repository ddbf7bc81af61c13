//! The search page (`/search?q=`): the store's full-text hits, grouped by the story each
//! article belongs to (a merged story's hits under the story it was merged into), in the
//! order of each story's best hit, with the query's terms highlighted in the snippets.
//!
//! Invariants: one trip to the store; the query is cut to [`QUERY_MAX_CHARS`] characters and
//! at most [`SEARCH_HITS`] hits are read; merge chains are followed at most [`MERGE_HOPS`]
//! steps, so a corrupt store cannot hang a request; result pages are not indexed.

use super::{
    Head, PageError, current_headline, document, html_response, plural, query_value, story_href,
};
use crate::AppState;
use crate::html::{Html, highlight, human_date};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use storyline_model::{ArticleId, Story, StoryId};
use storyline_store::{Store, StoreError};

/// Search hits read from the store per query.
const SEARCH_HITS: usize = 50;
/// Longest query we pass to the store; the rest is ignored.
const QUERY_MAX_CHARS: usize = 200;
/// Merges followed from a search hit's story before giving up (merges form chains, never
/// loops, but a corrupt store must not hang a request).
const MERGE_HOPS: usize = 16;

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

pub(super) async fn search_page(
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
