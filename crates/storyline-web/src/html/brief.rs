//! The brief renderer shared by the story page and the feeds: [`render_brief`] writes a
//! [`Brief`]'s six sections, its numbered sources and the engine note as an [`Html`]
//! fragment, with links shaped by [`BriefLinks`] (site-relative on our pages, absolute in
//! feeds); [`linked_stories`] and [`first_sentence`] serve the same callers.
//!
//! Invariants: as for the parent module, markup enters only as `&'static str` literals and
//! every text from the brief (sentences, headlines, outlet names, questions) is escaped by
//! the builder; a source URL is linked only through [`Html::external_link`], that is when
//! [`super::http_url`] accepts it; a citation links only to a source the brief lists, never
//! to a missing anchor.

use super::{Html, human_date, human_time, path_segment};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use storyline_model::{
    Brief, Citation, DatePrecision, DescriptionSource, EntityCard, GoDeeperLink, Section, Sentence,
    StoryId,
};

/// The six section titles, in reading order, exactly as the Markdown renderer and the browser
/// tests spell them.
pub const SECTION_TITLES: [&str; 6] = [
    "What's happened",
    "What's behind the headline?",
    "What the papers say",
    "How we got here",
    "Go deeper",
    "More on these topics",
];

/// How [`render_brief`] writes links, so the same brief reads right on our own page
/// (site-relative links, `#source-n` anchors) and inside a feed reader (absolute links).
#[derive(Debug, Clone, Default)]
pub struct BriefLinks {
    /// Prefix of every site link: empty on our pages, `http://host` in feeds.
    pub site: String,
    /// Prefix of the `#source-n` citation anchors: empty on the story page, the story's
    /// absolute URL in feeds (a bare fragment would resolve against the feed's URL).
    pub anchor_base: String,
    /// Headlines of the other stories the brief links to (see [`linked_stories`]), shown
    /// as link text; a story missing here is linked as "that story".
    pub headlines: BTreeMap<StoryId, String>,
}

impl BriefLinks {
    /// The same links, naming the earlier stories by these headlines.
    pub fn with_headlines(mut self, headlines: BTreeMap<StoryId, String>) -> Self {
        self.headlines = headlines;
        self
    }

    /// Links for the story page itself.
    pub fn on_page() -> Self {
        BriefLinks::default()
    }

    /// Absolute links, for content shown outside our site.
    pub fn absolute(site: &str, story: &StoryId) -> Self {
        BriefLinks {
            site: site.to_string(),
            anchor_base: format!("{site}/stories/{}", path_segment(story.as_str())),
            headlines: BTreeMap::new(),
        }
    }

    pub fn story(&self, story: &StoryId) -> String {
        format!("{}/stories/{}", self.site, path_segment(story.as_str()))
    }

    pub fn entity(&self, entity_id: &str) -> String {
        format!("{}/entities/{}", self.site, path_segment(entity_id))
    }

    fn source(&self, n: u32) -> String {
        format!("{}#source-{n}", self.anchor_base)
    }
}

/// The section id (anchor) of each of [`SECTION_TITLES`].
const SECTION_IDS: [&str; 6] = [
    "whats-happened",
    "behind-the-headline",
    "what-the-papers-say",
    "how-we-got-here",
    "go-deeper",
    "more-on-these-topics",
];

/// The brief's six sections, its numbered sources and a note on who wrote it, as HTML
/// (without the headline, which the page or the feed entry shows itself).
///
/// Citations are `<a class="citation" href="#source-N">[N]</a>` (with `links.anchor_base`
/// before the `#`), and only for sources the brief lists; sources are `<li id="source-N">`.
pub fn render_brief(brief: &Brief, links: &BriefLinks) -> Html {
    let known: BTreeSet<u32> = brief.sources.iter().map(|s| s.n).collect();
    let mut html = Html::new();
    let prose = [
        &brief.whats_happened,
        &brief.behind_the_headline,
        &brief.what_the_papers_say,
    ];
    for (index, section) in prose.into_iter().enumerate() {
        open_section(&mut html, index);
        prose_section(&mut html, section, &brief.engine.name, &known, links);
        html.close("section");
    }

    open_section(&mut html, 3);
    if brief.how_we_got_here.is_empty() {
        html.element(
            "p",
            &[("class", "empty")],
            "No earlier coverage of this story in the archive.",
        );
    } else {
        html.open("ol", &[("class", "timeline")]);
        for entry in &brief.how_we_got_here {
            html.raw("<li>");
            let (machine, shown) = match entry.date_precision {
                DatePrecision::Day => (
                    entry.date.format("%Y-%m-%d"),
                    entry.date.format("%-d %B %Y"),
                ),
                DatePrecision::Month => (entry.date.format("%Y-%m"), entry.date.format("%B %Y")),
                DatePrecision::Year => (entry.date.format("%Y"), entry.date.format("%Y")),
            };
            html.element(
                "time",
                &[("datetime", &machine.to_string())],
                &shown.to_string(),
            )
            .raw(" ");
            // The step's own story is linked by headline below; its bare citation would
            // only repeat that link.
            let mut step = entry.sentence.clone();
            if let Some(story) = &entry.story_id {
                step.citations
                    .retain(|c| !matches!(c, Citation::Story(cited) if cited == story));
            }
            sentence(&mut html, &step, &known, links);
            if let Some(story) = &entry.story_id {
                let headline = links
                    .headlines
                    .get(story)
                    .map_or("that story", String::as_str);
                html.raw(" <span class=\"earlier-story\">Earlier story: ")
                    .element("a", &[("href", &links.story(story))], headline)
                    .raw("</span>");
            }
            html.raw("</li>");
        }
        html.close("ol");
    }
    html.close("section");

    open_section(&mut html, 4);
    if brief.go_deeper.is_empty() {
        html.element(
            "p",
            &[("class", "empty")],
            "Nothing related in the archive yet.",
        );
    } else {
        html.open("ul", &[("class", "go-deeper")]);
        for question in &brief.go_deeper {
            let (href, answer) = match &question.link {
                GoDeeperLink::Story { story_id, headline } => {
                    // The headline stored in the brief may have been replaced since.
                    let current = links.headlines.get(story_id).unwrap_or(headline);
                    (links.story(story_id), format!("Story: {current}"))
                }
                GoDeeperLink::Entity { entity_id, name } => {
                    (links.entity(entity_id), format!("Everything on {name}"))
                }
                GoDeeperLink::Timeline { story_id } => (
                    format!("{}#how-we-got-here", links.story(story_id)),
                    "The timeline".to_string(),
                ),
            };
            html.raw("<li>")
                .element("a", &[("href", &href)], &question.question)
                .raw(" ")
                .element("span", &[("class", "answer")], &answer)
                .raw("</li>");
        }
        html.close("ul");
    }
    html.close("section");

    open_section(&mut html, 5);
    if brief.more_on_these_topics.is_empty() {
        html.element(
            "p",
            &[("class", "empty")],
            "No people, places or organisations stood out in the coverage.",
        );
    } else {
        html.open("ul", &[("class", "cards")]);
        for card in &brief.more_on_these_topics {
            entity_card(&mut html, card, &known, links);
        }
        html.close("ul");
    }
    html.close("section");

    html.raw("<section id=\"sources\"><h2>Sources</h2><ol class=\"sources\">");
    for source in &brief.sources {
        let id = format!("source-{}", source.n);
        html.open("li", &[("id", &id)])
            .element("span", &[("class", "n")], &format!("[{}]", source.n))
            .raw(" ")
            .element("span", &[("class", "outlet")], &source.outlet)
            .raw(": ")
            .external_link(&source.url, &source.title);
        if let Some(published) = source.published {
            html.raw(" ").time(published, &human_time(published));
        }
        if let Some(original) = source.copy_of {
            html.raw(" <span class=\"copy\">(a copy of ");
            citation_link(&mut html, original, &known, links);
            html.raw(", not counted as another outlet)</span>");
        }
        html.raw("</li>");
    }
    html.raw("</ol></section>");

    html.raw("<p class=\"engine\">");
    html.text(&engine_note(brief));
    html.raw("</p>");
    html
}

fn open_section(html: &mut Html, index: usize) {
    html.open("section", &[("id", SECTION_IDS[index])])
        .element("h2", &[], SECTION_TITLES[index]);
}

fn prose_section(
    html: &mut Html,
    section: &Section,
    brief_engine: &str,
    known: &BTreeSet<u32>,
    links: &BriefLinks,
) {
    if section.is_empty() {
        html.element(
            "p",
            &[("class", "empty")],
            "Nothing to report from the coverage.",
        );
        return;
    }
    html.raw("<p>");
    for (index, item) in section.sentences.iter().enumerate() {
        if index > 0 {
            html.raw(" ");
        }
        sentence(html, item, known, links);
    }
    html.raw("</p>");
    if let Some(fallback) = &section.fallback_engine {
        html.element(
            "p",
            &[("class", "note")],
            &format!(
                "The {brief_engine} engine's text for this section failed the trust checks; \
                 this text comes from the {fallback} engine."
            ),
        );
    }
}

fn sentence(html: &mut Html, sentence: &Sentence, known: &BTreeSet<u32>, links: &BriefLinks) {
    html.text(&sentence.text);
    for citation in &sentence.citations {
        html.raw(" ");
        match citation {
            Citation::Source(n) => citation_link(html, *n, known, links),
            Citation::Story(story) => {
                let headline = links.headlines.get(story).map_or("", String::as_str);
                html.element(
                    "a",
                    &[
                        ("class", "story-citation"),
                        ("href", &links.story(story)),
                        ("title", headline),
                    ],
                    "[earlier story]",
                );
            }
        }
    }
}

/// `[n]` linked to its source, or plain text when the brief lists no source `n` (a link to
/// a missing anchor would lead nowhere).
fn citation_link(html: &mut Html, n: u32, known: &BTreeSet<u32>, links: &BriefLinks) {
    let label = format!("[{n}]");
    if known.contains(&n) {
        html.element(
            "a",
            &[("class", "citation"), ("href", &links.source(n))],
            &label,
        );
    } else {
        html.element("span", &[("class", "citation-missing")], &label);
    }
}

fn entity_card(html: &mut Html, card: &EntityCard, known: &BTreeSet<u32>, links: &BriefLinks) {
    html.raw("<li class=\"card\"><h3>")
        .element("a", &[("href", &links.entity(&card.id))], &card.name)
        .raw("</h3>")
        .element("p", &[("class", "kind")], card.kind.as_str());
    if !card.description.is_empty() {
        html.element("p", &[], &card.description);
    }
    html.raw("<p class=\"provenance\">");
    match &card.description_source {
        DescriptionSource::KnowledgeBase { name, imported_at } => {
            html.text(&format!("from {name}, imported "))
                .time(*imported_at, &human_date(*imported_at));
        }
        DescriptionSource::Coverage { source, seen_at } => {
            html.raw("from the coverage, ");
            citation_link(html, *source, known, links);
            html.raw(", ").time(*seen_at, &human_date(*seen_at));
        }
    }
    html.raw("</p></li>");
}

/// "Written by the extractive engine (version 1) on 14 September 2025; 12 sentences
/// passed the trust checks." with the model and prompt version when there are ones.
pub fn engine_note(brief: &Brief) -> String {
    let engine = &brief.engine;
    let mut note = format!(
        "Version {} of this brief, written by the {} engine (version {})",
        brief.version, engine.name, engine.version
    );
    if let Some(model) = &engine.model {
        let _ = write!(note, " with the model {model}");
    }
    if let Some(prompt) = &engine.prompt_version {
        let _ = write!(note, ", prompt {prompt}");
    }
    let _ = write!(note, ", {}.", human_time(brief.generated_at));
    let failed = brief.checks.failures.len();
    if failed == 0 {
        let _ = write!(
            note,
            " All {} sentences passed the trust checks.",
            brief.checks.sentences_checked
        );
    } else {
        let _ = write!(
            note,
            " {failed} of {} sentences failed the trust checks and were left out.",
            brief.checks.sentences_checked
        );
    }
    note
}

/// The other stories a brief links to (timeline steps, story citations, "Go deeper"), whose
/// headlines [`BriefLinks::headlines`] may name.
pub fn linked_stories(brief: &Brief) -> BTreeSet<StoryId> {
    let prose = [
        &brief.whats_happened,
        &brief.behind_the_headline,
        &brief.what_the_papers_say,
    ];
    let cited = prose
        .into_iter()
        .flat_map(|section| &section.sentences)
        .chain(brief.how_we_got_here.iter().map(|entry| &entry.sentence))
        .flat_map(|sentence| &sentence.citations)
        .filter_map(|citation| match citation {
            Citation::Story(story) => Some(story.clone()),
            Citation::Source(_) => None,
        });
    let go_deeper = brief.go_deeper.iter().filter_map(|q| match &q.link {
        GoDeeperLink::Story { story_id, .. } => Some(story_id.clone()),
        GoDeeperLink::Entity { .. } | GoDeeperLink::Timeline { .. } => None,
    });
    brief
        .how_we_got_here
        .iter()
        .filter_map(|entry| entry.story_id.clone())
        .chain(cited)
        .chain(go_deeper)
        .collect()
}

/// The first sentence of "What's happened", without citations: the teaser on the front
/// page and the summary of a feed entry. Empty when the section is.
pub fn first_sentence(brief: &Brief) -> &str {
    brief
        .whats_happened
        .sentences
        .first()
        .map_or("", |s| s.text.as_str())
}
