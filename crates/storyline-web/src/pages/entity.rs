//! An entity's page (`/entities/{id}`): what it is, from the newest listed brief's "More on
//! these topics" card (ranked by [`description_rank`]) and the knowledge base, then the
//! stories that mention it, with links to its Atom and JSON feeds.
//!
//! Invariants: one trip to the store, reading at most [`ENTITY_STORIES_SHOWN`] latest briefs
//! (each listed story's, read anyway for its headline); a knowledge-base entry of another kind
//! is never shown; a description that only repeats the knowledge-base entry is left out; an
//! unknown entity is a 404 page.

use super::{Head, PageError, document, html_response, plural, story_href};
use crate::AppState;
use crate::html::{Html, human_date, path_segment, relative_time};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::BTreeSet;
use storyline_model::{
    Brief, DescriptionSource, EntityCard, EntityKind, KbEntity, Source, Story, StoryId,
};

/// Stories listed on an entity page.
const ENTITY_STORIES_SHOWN: usize = 100;

struct EntityView {
    id: String,
    name: String,
    kind: EntityKind,
    knowledge: Option<KbEntity>,
    /// The entity's card from a listed story's latest brief (see [`EntityDescription`]).
    described: Option<EntityDescription>,
    stories: Vec<(Story, u32)>,
    total_stories: usize,
}

/// What a brief's "More on these topics" card says the entity is, and where that came from:
/// the page's answer to "Who is X?".
struct EntityDescription {
    card: EntityCard,
    /// The story whose latest brief holds the card, and its headline, for the provenance
    /// line's link.
    story: StoryId,
    headline: String,
    /// For a coverage description, the brief's source it was seen in (`None` when the brief
    /// lists no such source).
    source: Option<Source>,
    /// Which card wins when several stories have one; see [`description_rank`].
    rank: DescriptionRank,
}

/// Greater is better; see [`description_rank`].
type DescriptionRank = (bool, DateTime<Utc>, Reverse<StoryId>);

/// Orders candidate cards: one with a description beats one without, then the most recently
/// updated story wins, ties going to the smaller story id (the list's own order).
fn description_rank(card: &EntityCard, story: &Story) -> DescriptionRank {
    (
        !card.description.trim().is_empty(),
        story.updated_at,
        Reverse(story.id.clone()),
    )
}

/// Keeps in `best` the entity's card from `brief` (the latest brief of `story`) when it
/// ranks above the one kept so far.
fn offer_card(best: &mut Option<EntityDescription>, entity_id: &str, story: &Story, brief: Brief) {
    let Some(card) = brief
        .more_on_these_topics
        .into_iter()
        .find(|card| card.id == entity_id)
    else {
        return;
    };
    let rank = description_rank(&card, story);
    if best.as_ref().is_some_and(|kept| kept.rank >= rank) {
        return;
    }
    let source = match card.description_source {
        DescriptionSource::Coverage { source, .. } => {
            brief.sources.into_iter().find(|s| s.n == source)
        }
        DescriptionSource::KnowledgeBase { .. } => None,
    };
    *best = Some(EntityDescription {
        card,
        story: story.id.clone(),
        headline: brief.headline,
        source,
        rank,
    });
}

/// Whether a card's description only repeats the knowledge-base entry shown on the same
/// page: the same text, or the extractive engine's "Name: Description." form of it, ignoring
/// case, surrounding space and a final full stop.
fn repeats_knowledge(card: &EntityCard, entry: &KbEntity) -> bool {
    let normal = |text: &str| text.trim().trim_end_matches('.').trim().to_lowercase();
    let card_text = normal(&card.description);
    let entry_text = normal(&entry.description);
    !entry_text.is_empty()
        && (card_text == entry_text
            || card_text == normal(&format!("{}: {}", card.name, entry_text)))
}

pub(super) async fn entity_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let wanted = id.clone();
    let view = state
        .with_store(move |store| {
            let Some((name, kind)) = store.entity(&wanted)? else {
                return Ok(None);
            };
            // A knowledge-base entry of another kind under the same name is someone else
            // (Jordan the country, Jordan the footballer): only a matching or unknown kind.
            let knowledge = store
                .kb_lookup(&name)?
                .into_iter()
                .find(|entry| entry.kind.is_none_or(|k| k == kind));
            let mentioning = store.stories_mentioning(&wanted)?;
            let total_stories = mentioning.len();
            let mut stories = Vec::new();
            // The description costs no extra read: each listed story's latest brief is read
            // once anyway, for its headline, and its card for this entity is looked at there.
            // So the page reads at most ENTITY_STORIES_SHOWN briefs (the most-mentioning
            // stories, as listed) however many stories mention the entity, and holds one
            // card at a time. An entity in more stories than that takes its description from
            // the newest listed story, which may not be the newest of all.
            let mut described = None;
            for (story_id, mentions) in mentioning.into_iter().take(ENTITY_STORIES_SHOWN) {
                let Some(mut story) = store.story(&story_id)? else {
                    continue;
                };
                // As `current_headline`: the latest brief's headline, else the stored one.
                if let Some(brief) = store.latest_brief(&story.id)? {
                    story.headline = brief.headline.clone();
                    offer_card(&mut described, &wanted, &story, brief);
                }
                stories.push((story, mentions));
            }
            stories.sort_by(|(a, _), (b, _)| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
            Ok(Some(EntityView {
                id: wanted,
                name,
                kind,
                knowledge,
                described,
                stories,
                total_stories,
            }))
        })
        .await?;
    let Some(view) = view else {
        return Err(PageError::NotFound(format!(
            "No story mentions an entity with the id “{id}”."
        )));
    };
    let now = Utc::now();
    let mut main = Html::new();
    main.element("h1", &[], &view.name)
        .element("p", &[("class", "kind")], view.kind.as_str());
    if let Some(described) = &view.described {
        render_description(&mut main, &view.name, described, view.knowledge.as_ref());
    }
    if let Some(entry) = &view.knowledge {
        if !entry.description.is_empty() {
            main.element("p", &[("class", "description")], &entry.description);
        }
        if !entry.aliases.is_empty() {
            main.element(
                "p",
                &[("class", "meta")],
                &format!("Also known as {}.", entry.aliases.join(", ")),
            );
        }
        main.raw("<p class=\"provenance\">")
            .text(&format!("from {} ({}), imported ", entry.source, entry.id))
            .time(entry.imported_at, &human_date(entry.imported_at))
            .raw("</p>");
    }
    main.element(
        "h2",
        &[],
        &format!(
            "{} mentioning {}",
            plural(view.total_stories, "story", "stories"),
            view.name
        ),
    );
    main.raw("<ul class=\"entity-stories\">");
    for (story, mentions) in &view.stories {
        main.raw("<li>")
            .element("a", &[("href", &story_href(&story.id))], &story.headline)
            .raw("<p class=\"meta\">")
            .text(&format!(
                "{} · {} · updated ",
                plural(*mentions as usize, "mention", "mentions"),
                plural(story.outlet_count as usize, "outlet", "outlets")
            ))
            .time(story.updated_at, &relative_time(story.updated_at, now))
            .raw("</p></li>");
    }
    main.raw("</ul>");
    let atom = format!("/feeds/entities/{}.atom", path_segment(&view.id));
    let json = format!("/feeds/entities/{}.json", path_segment(&view.id));
    main.raw("<p class=\"meta\">Follow ")
        .text(&view.name)
        .raw(": ")
        .element("a", &[("href", &atom)], "Atom")
        .raw(" · ")
        .element("a", &[("href", &json)], "JSON Feed")
        .raw("</p>");
    let mut head = Head::titled(&view.name);
    head.feeds.push((
        "application/atom+xml",
        atom.clone(),
        format!("Storyline: {} (Atom)", view.name),
    ));
    head.feeds.push((
        "application/feed+json",
        json.clone(),
        format!("Storyline: {} (JSON Feed)", view.name),
    ));
    Ok(html_response(StatusCode::OK, document(&head, &main)))
}

/// The card's description with where it was seen ("as described by Harbour Times in
/// <story>, 13 September 2025"), then its aliases. A description that only repeats the
/// knowledge-base entry shown below it is left out, and so are aliases that entry lists or
/// that are the page's `name`.
fn render_description(
    main: &mut Html,
    name: &str,
    described: &EntityDescription,
    knowledge: Option<&KbEntity>,
) {
    let card = &described.card;
    let repeated = knowledge.is_some_and(|entry| repeats_knowledge(card, entry));
    if !card.description.trim().is_empty() && !repeated {
        main.element("p", &[("class", "description")], &card.description);
        main.raw("<p class=\"provenance\">");
        match &card.description_source {
            DescriptionSource::Coverage { seen_at, .. } => {
                main.raw("as described ");
                if let Some(source) = &described.source {
                    main.raw("by ")
                        .external_link(&source.url, &source.outlet)
                        .raw(" ");
                }
                main.raw("in ")
                    .element(
                        "a",
                        &[("href", &story_href(&described.story))],
                        &described.headline,
                    )
                    .raw(", ")
                    .time(*seen_at, &human_date(*seen_at));
            }
            DescriptionSource::KnowledgeBase { name, imported_at } => {
                main.text(&format!("from {name}, imported "))
                    .time(*imported_at, &human_date(*imported_at));
            }
        }
        main.raw("</p>");
    }
    let listed: BTreeSet<String> = knowledge
        .into_iter()
        .flat_map(|entry| entry.aliases.iter().map(String::as_str))
        .chain([name, card.name.as_str()])
        .map(|alias| alias.trim().to_lowercase())
        .collect();
    let aliases: Vec<&str> = card
        .aliases
        .iter()
        .map(|alias| alias.trim())
        .filter(|alias| !alias.is_empty() && !listed.contains(&alias.to_lowercase()))
        .collect();
    if !aliases.is_empty() {
        main.element(
            "p",
            &[("class", "meta")],
            &format!("Also called {}.", aliases.join(", ")),
        );
    }
}
