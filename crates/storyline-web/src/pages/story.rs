//! A story's page (`/stories/{id}`, `?version=N`): its brief (or, before there is one, its
//! articles), the coverage chart, and the brief's versions, each described against the one
//! before it ([`version_change`]).
//!
//! Invariants: the story, its briefs, members and linked stories' headlines are read in one
//! trip to the store ([`load_story`]) and rendered after it; an id prefix or a merged story's
//! id redirects to the canonical id; an unknown story or version is a 404 page.

use super::{
    Head, PageError, coverage_meta, current_headline, document, html_response, plural, query_value,
    story_href,
};
use crate::AppState;
use crate::html::{self, BriefLinks, Html, coverage_chart, human_time, render_brief};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{ArticleId, Brief, Story, StoryId};
use storyline_store::{Store, StoreError};

/// Brief versions listed in a story's history (newest first); older ones are only counted.
const HISTORY_SHOWN: usize = 30;

/// What changed in one brief version against the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionChange {
    pub version: u32,
    /// True when there was no earlier version to compare with.
    pub first: bool,
    pub generated_at: DateTime<Utc>,
    /// Outlet names of the sources that are new in this version (none for version 1).
    pub added_sources: Vec<String>,
    pub removed_sources: Vec<String>,
    /// Sentences (in any section, timeline included) that this version has and the previous
    /// one had not, and the reverse. Every sentence of version 1 is new.
    pub new_sentences: usize,
    pub dropped_sentences: usize,
    /// Sources of this version.
    pub sources: usize,
}

/// Compares `current` with `previous` (`None` for the first version).
pub fn version_change(previous: Option<&Brief>, current: &Brief) -> VersionChange {
    let sentences = |brief: &Brief| -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        let prose = [
            &brief.whats_happened,
            &brief.behind_the_headline,
            &brief.what_the_papers_say,
        ];
        let texts = prose
            .into_iter()
            .flat_map(|section| &section.sentences)
            .chain(brief.how_we_got_here.iter().map(|entry| &entry.sentence))
            .map(|sentence| sentence.text.clone());
        for text in texts {
            *counts.entry(text).or_insert(0) += 1;
        }
        counts
    };
    let now_sentences = sentences(current);
    let before_sentences = previous.map(sentences).unwrap_or_default();
    let surplus = |a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| -> usize {
        a.iter()
            .map(|(text, n)| n.saturating_sub(b.get(text).copied().unwrap_or(0)))
            .sum()
    };
    let article_ids = |brief: &Brief| -> BTreeSet<ArticleId> {
        brief.sources.iter().map(|s| s.article_id.clone()).collect()
    };
    let (added_sources, removed_sources) = match previous {
        None => (Vec::new(), Vec::new()),
        Some(previous) => {
            let before = article_ids(previous);
            let now = article_ids(current);
            let added = current
                .sources
                .iter()
                .filter(|s| !before.contains(&s.article_id))
                .map(|s| s.outlet.clone())
                .collect();
            let removed = previous
                .sources
                .iter()
                .filter(|s| !now.contains(&s.article_id))
                .map(|s| s.outlet.clone())
                .collect();
            (added, removed)
        }
    };
    VersionChange {
        version: current.version,
        first: previous.is_none(),
        generated_at: current.generated_at,
        added_sources,
        removed_sources,
        new_sentences: surplus(&now_sentences, &before_sentences),
        dropped_sentences: surplus(&before_sentences, &now_sentences),
        sources: current.sources.len(),
    }
}

struct StoryView {
    story: Story,
    brief: Option<Brief>,
    /// Every version number with its time, oldest first.
    versions: Vec<(u32, DateTime<Utc>)>,
    /// The newest [`HISTORY_SHOWN`] versions' changes, newest first.
    changes: Vec<VersionChange>,
    /// `(outlet, effective time)` of every article of the story, for the chart.
    coverage: Vec<(String, DateTime<Utc>)>,
    /// Title, outlet and URL of every article, shown while there is no brief yet.
    articles: Vec<(String, String, String)>,
    headlines: BTreeMap<StoryId, String>,
}

enum StoryLookup {
    Missing(String),
    /// The id was a prefix or names a merged story: the canonical id.
    Moved(StoryId),
    Found(Box<StoryView>),
}

pub(super) async fn story_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let version = match query_value(&query, "version") {
        None => None,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                return Err(PageError::NotFound(format!(
                    "“{text}” is not a brief version number."
                )));
            }
        },
    };
    let lookup = state
        .with_store(move |store| load_story(store, &id, version))
        .await?;
    let view = match lookup {
        StoryLookup::Missing(message) => return Err(PageError::NotFound(message)),
        StoryLookup::Moved(canonical) => {
            let mut target = story_href(&canonical);
            if let Some(version) = version {
                target.push_str(&format!("?version={version}"));
            }
            return Ok(Redirect::to(&target).into_response());
        }
        StoryLookup::Found(view) => view,
    };
    Ok(html_response(
        StatusCode::OK,
        render_story(&view, Utc::now()),
    ))
}

fn load_story(
    store: &mut dyn Store,
    id: &str,
    version: Option<u32>,
) -> Result<StoryLookup, StoreError> {
    let resolved = match store.resolve_story(id) {
        Ok(Some(resolved)) => resolved,
        Ok(None) => return Ok(StoryLookup::Missing(format!("No story has the id “{id}”."))),
        Err(StoreError::Ambiguous { candidates, .. }) => {
            return Ok(StoryLookup::Missing(format!(
                "“{id}” is the start of {} story ids; use the whole id.",
                candidates.len()
            )));
        }
        Err(err) => return Err(err),
    };
    if resolved.as_str() != id {
        return Ok(StoryLookup::Moved(resolved));
    }
    let Some(story) = store.story(&resolved)? else {
        return Ok(StoryLookup::Missing(format!("No story has the id “{id}”.")));
    };
    let versions = store.brief_versions(&story.id)?;
    let brief = match version {
        Some(v) => match store.brief(&story.id, v)? {
            Some(brief) => Some(brief),
            None => {
                return Ok(StoryLookup::Missing(format!(
                    "This story has no brief version {v} (it has {}).",
                    versions.len()
                )));
            }
        },
        None => store.latest_brief(&story.id)?,
    };

    // History: the newest versions, each compared with the one before it.
    let mut changes = Vec::new();
    let shown_from = versions.len().saturating_sub(HISTORY_SHOWN);
    let mut previous = match shown_from {
        0 => None,
        n => store.brief(&story.id, versions[n - 1].0)?,
    };
    for &(number, _) in &versions[shown_from..] {
        let Some(current) = store.brief(&story.id, number)? else {
            continue;
        };
        changes.push(version_change(previous.as_ref(), &current));
        previous = Some(current);
    }
    changes.reverse();

    let members = store.story_members(&story.id)?;
    let ids: Vec<ArticleId> = members.into_iter().map(|m| m.article_id).collect();
    let found = store.articles(&ids)?;
    let coverage = found
        .iter()
        .map(|a| (a.outlet.name.clone(), a.effective_time()))
        .collect();
    let articles = found
        .into_iter()
        .map(|a| (a.headline, a.outlet.name, a.url))
        .collect();

    let mut headlines = BTreeMap::new();
    if let Some(brief) = &brief {
        for linked in html::linked_stories(brief) {
            if let Some(earlier) = store.story(&linked)? {
                headlines.insert(linked, current_headline(store, &earlier)?);
            }
        }
    }
    Ok(StoryLookup::Found(Box::new(StoryView {
        story,
        brief,
        versions,
        changes,
        coverage,
        articles,
        headlines,
    })))
}

fn render_story(view: &StoryView, now: DateTime<Utc>) -> String {
    let story = &view.story;
    let latest = view.versions.last().map_or(0, |(v, _)| *v);
    let mut main = Html::new();
    main.raw("<article class=\"brief\">");
    let headline = view
        .brief
        .as_ref()
        .map_or(story.headline.as_str(), |b| b.headline.as_str());
    main.element("h1", &[], headline);
    main.raw("<p class=\"meta\">");
    coverage_meta(
        &mut main,
        story.outlet_count,
        story.article_count,
        story.updated_at,
        now,
    );
    main.raw("</p>");

    match &view.brief {
        Some(brief) => {
            if brief.version != latest {
                main.raw("<p class=\"notice\">")
                    .text(&format!(
                        "You are reading version {} of this brief, written {}. ",
                        brief.version,
                        human_time(brief.generated_at)
                    ))
                    .element(
                        "a",
                        &[("href", &story_href(&story.id))],
                        &format!("Read the latest, version {latest}"),
                    )
                    .raw("</p>");
            }
            let links = BriefLinks::on_page().with_headlines(view.headlines.clone());
            main.append(&render_brief(brief, &links));
        }
        None => {
            main.raw(
                "<p class=\"notice\">The brief for this story has not been written yet. \
                 These are its articles so far.</p><ul>",
            );
            for (title, outlet, url) in &view.articles {
                main.raw("<li>")
                    .element("span", &[("class", "outlet")], outlet)
                    .raw(": ")
                    .external_link(url, title)
                    .raw("</li>");
            }
            main.raw("</ul>");
        }
    }

    if !view.coverage.is_empty() {
        main.raw("<section id=\"coverage\"><h2>Coverage over time</h2><figure class=\"chart\">")
            .append(&coverage_chart(&view.coverage))
            .raw("<figcaption>")
            .text(&format!(
                "{} from {}, by the time each was published.",
                plural(view.coverage.len(), "article", "articles"),
                plural(
                    view.coverage
                        .iter()
                        .map(|(outlet, _)| outlet)
                        .collect::<BTreeSet<_>>()
                        .len(),
                    "outlet",
                    "outlets"
                )
            ))
            .raw("</figcaption></figure></section>");
    }

    if !view.changes.is_empty() {
        main.raw("<section id=\"versions\"><h2>Versions of this brief</h2><ol class=\"versions\">");
        let reading = view.brief.as_ref().map(|b| b.version);
        for change in &view.changes {
            main.raw("<li>");
            let label = format!("Version {}", change.version);
            if Some(change.version) == reading {
                main.element("strong", &[], &label).raw(" (shown)");
            } else {
                let href = format!("{}?version={}", story_href(&story.id), change.version);
                main.element("a", &[("href", &href)], &label);
            }
            main.raw(", ")
                .time(change.generated_at, &human_time(change.generated_at))
                .raw(": ")
                .text(&describe_change(change))
                .raw("</li>");
        }
        main.raw("</ol>");
        let hidden = view.versions.len().saturating_sub(view.changes.len());
        if hidden > 0 {
            main.element(
                "p",
                &[("class", "meta")],
                &format!("{} older versions are not listed.", hidden),
            );
        }
        main.raw("</section>");
    }
    main.raw("</article>");
    let title = headline.to_string();
    document(&Head::titled(&title), &main)
}

/// "first version, 3 sources" or "2 sources added (Harbour Times, Lantern Post), 4 new
/// sentences, 1 dropped".
fn describe_change(change: &VersionChange) -> String {
    if change.first {
        return format!(
            "first version, {}, {}",
            plural(change.sources, "source", "sources"),
            plural(change.new_sentences, "sentence", "sentences")
        );
    }
    let mut parts = Vec::new();
    if !change.added_sources.is_empty() {
        parts.push(format!(
            "{} added ({})",
            plural(change.added_sources.len(), "source", "sources"),
            change.added_sources.join(", ")
        ));
    }
    if !change.removed_sources.is_empty() {
        parts.push(format!(
            "{} removed ({})",
            plural(change.removed_sources.len(), "source", "sources"),
            change.removed_sources.join(", ")
        ));
    }
    if change.new_sentences == 0 && change.dropped_sentences == 0 {
        parts.push("no sentence changed".to_string());
    } else {
        parts.push(format!(
            "{} changed ({} new, {} dropped)",
            plural(
                change.new_sentences.max(change.dropped_sentences),
                "sentence",
                "sentences"
            ),
            change.new_sentences,
            change.dropped_sentences
        ));
    }
    parts.join(", ")
}
