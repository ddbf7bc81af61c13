//! HTML for the web pages and the feeds: escaping, a tiny markup builder ([`Html`]), the
//! shared date formats, and the renderer of a [`Brief`] ([`render_brief`]) used by both the
//! story page and the Atom / JSON Feed content.
//!
//! Invariants:
//! - markup enters an [`Html`] only as `&'static str` (literals in this crate's source);
//!   every other string, number or date goes through [`escape`], so an article's title or
//!   text can never open a tag or an attribute;
//! - [`escape`] also drops the characters XML 1.0 forbids (most C0 controls), so the same
//!   output is valid inside an Atom document;
//! - a URL reaches an `href` only when [`http_url`] accepts it (`http` or `https`);
//!   anything else (`javascript:`, `data:`, relative junk) is shown as text, never linked;
//! - nothing here emits a `style` attribute, an event handler or a script: the
//!   Content-Security-Policy forbids them, and every style lives in `static/style.css`.

use chrono::{DateTime, SecondsFormat, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Display, Write as _};
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

/// The `rel` of every link to an article on another site: no `window.opener`, no referrer,
/// and no endorsement of a page we do not control.
pub const EXTERNAL_REL: &str = "noopener noreferrer nofollow";

/// True for the characters XML 1.0 allows (Rust strings never hold surrogates).
pub(crate) fn allowed_in_xml(ch: char) -> bool {
    !matches!(ch, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

fn needs_escaping(ch: char) -> bool {
    matches!(ch, '&' | '<' | '>' | '"') || !allowed_in_xml(ch)
}

/// Escapes `text` for HTML or XML text and double-quoted attribute values (the only kind
/// [`Html`] writes). The apostrophe is left as it is, so "What's happened" reads the same
/// in the markup as on screen; never put the result in a single-quoted attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escaping) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    push_escaped(&mut out, text);
    Cow::Owned(out)
}

/// [`escape`], appending to `out`.
pub fn push_escaped(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            ch if allowed_in_xml(ch) => out.push(ch),
            _ => {}
        }
    }
}

/// `url`, trimmed, when it is an absolute `http` or `https` URL with a host and without
/// whitespace or control characters; `None` otherwise (never link it).
pub fn http_url(url: &str) -> Option<&str> {
    let url = url.trim();
    if url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return None;
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (host_end > 0).then_some(url)
}

/// `segment` made safe as one path segment: unreserved characters kept, the rest
/// percent-encoded (ids are slugs and hex, so this only matters for hostile input).
pub fn path_segment(segment: &str) -> Cow<'_, str> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if segment.bytes().all(unreserved) {
        return Cow::Borrowed(segment);
    }
    let mut out = String::with_capacity(segment.len() * 3);
    for byte in segment.bytes() {
        if unreserved(byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    Cow::Owned(out)
}

/// Growing HTML (or SVG, or XML) text in which only literals are markup.
#[derive(Debug, Default, Clone)]
pub struct Html {
    buf: String,
}

impl Html {
    pub fn new() -> Self {
        Html::default()
    }

    /// Appends markup written in this crate's source.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    /// Appends `text`, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.buf, text);
        self
    }

    /// Appends the `Display` form of `value`, escaped (numbers, dates, ids).
    pub fn display(&mut self, value: impl Display) -> &mut Self {
        struct Escaping<'a>(&'a mut String);
        impl fmt::Write for Escaping<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                push_escaped(self.0, s);
                Ok(())
            }
        }
        let _ = write!(Escaping(&mut self.buf), "{value}");
        self
    }

    /// `<tag name="value"...>`; names are literals, values are escaped.
    pub fn open(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        for (name, value) in attributes {
            self.buf.push(' ');
            self.buf.push_str(name);
            self.buf.push_str("=\"");
            push_escaped(&mut self.buf, value);
            self.buf.push('"');
        }
        self.buf.push('>');
        self
    }

    /// `<tag name="value".../>`: an empty XML element (also fine for HTML void elements).
    pub fn empty(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Self {
        self.open(tag, attributes);
        self.buf.pop();
        self.buf.push_str("/>");
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag ...>text</tag>`.
    pub fn element(
        &mut self,
        tag: &'static str,
        attributes: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(tag, attributes).text(text).close(tag)
    }

    /// A link to an article or page on another site: an `<a>` with [`EXTERNAL_REL`] when
    /// [`http_url`] accepts `url`, else `text` in a plain `<span>`.
    pub fn external_link(&mut self, url: &str, text: &str) -> &mut Self {
        match http_url(url) {
            Some(url) => self.element("a", &[("href", url), ("rel", EXTERNAL_REL)], text),
            None => self.element("span", &[("class", "unlinked")], text),
        }
    }

    /// `<time datetime="RFC 3339">shown</time>`.
    pub fn time(&mut self, time: DateTime<Utc>, shown: &str) -> &mut Self {
        self.element("time", &[("datetime", &machine_time(time))], shown)
    }

    /// Appends another fragment built the same way.
    pub fn append(&mut self, other: &Html) -> &mut Self {
        self.buf.push_str(&other.buf);
        self
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

/// RFC 3339 in UTC to the second: the `datetime` attribute and the feeds' timestamps.
pub fn machine_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// "13 Sep 2025, 08:00 UTC".
pub fn human_time(time: DateTime<Utc>) -> String {
    time.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// "13 September 2025".
pub fn human_date(time: DateTime<Utc>) -> String {
    time.format("%-d %B %Y").to_string()
}

/// How long before `now` `time` was, the way a reader says it: "just now", "25 min ago",
/// "3 h ago", "4 days ago", then the date. A time in the future (clock skew, a wrong
/// dateline) reads "just now" rather than a negative age.
pub fn relative_time(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - time).num_minutes();
    match minutes {
        ..=0 => "just now".to_string(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        2880..=43199 => format!("{} days ago", minutes / 1440),
        _ => human_date(time),
    }
}

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

/// `snippet` escaped, with every word of `query` (compared case-insensitively, word by
/// word, as the store's full-text index matches) wrapped in `<mark>`: the only markup in the
/// result is ours.
pub fn highlight(snippet: &str, query: &str) -> Html {
    let terms: BTreeSet<String> = query
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut html = Html::new();
    let mut rest = snippet;
    while !rest.is_empty() {
        let word_len = rest
            .find(|ch: char| !ch.is_alphanumeric())
            .unwrap_or(rest.len());
        if word_len == 0 {
            let gap_len = rest.find(char::is_alphanumeric).unwrap_or(rest.len());
            html.text(&rest[..gap_len]);
            rest = &rest[gap_len..];
            continue;
        }
        let word = &rest[..word_len];
        if terms.contains(&word.to_lowercase()) {
            html.raw("<mark>").text(word).raw("</mark>");
        } else {
            html.text(word);
        }
        rest = &rest[word_len..];
    }
    html
}

/// Series shown by name in the coverage chart; the rest are summed as "Other outlets".
const CHART_SERIES: usize = 7;
/// Fallback fills of the chart's series, for renderers without our stylesheet; the
/// stylesheet's `.series-N` rules (light and dark) take precedence.
const SERIES_FILLS: [&str; CHART_SERIES + 1] = [
    "#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#7f7f7f",
];
const SERIES_CLASSES: [&str; CHART_SERIES + 1] = [
    "series-0", "series-1", "series-2", "series-3", "series-4", "series-5", "series-6", "series-7",
];
/// At most this many bars: a long story gets wider buckets rather than hairline bars.
const CHART_MAX_BUCKETS: i64 = 72;

/// A stacked bar chart of coverage over time as an inline `<svg>` (no script, no style
/// attribute): articles per outlet per hour when the coverage spans three days or less,
/// else per day (or per several days, so there are at most 72 bars), with a legend of the
/// outlets, the most prolific first. `articles` are `(outlet, effective time)` pairs; empty
/// input gives an empty fragment.
pub fn coverage_chart(articles: &[(String, DateTime<Utc>)]) -> Html {
    let mut html = Html::new();
    let (Some(first), Some(last)) = (
        articles.iter().map(|(_, t)| *t).min(),
        articles.iter().map(|(_, t)| *t).max(),
    ) else {
        return html;
    };

    // Buckets aligned to whole UTC hours or days, so the labels are round.
    let span_hours = (last - first).num_hours();
    let (bucket_hours, unit) = if span_hours <= 72 {
        (1, "hour")
    } else {
        let days = span_hours / 24 + 1;
        (
            24 * ((days + CHART_MAX_BUCKETS - 1) / CHART_MAX_BUCKETS),
            "day",
        )
    };
    let bucket_seconds = bucket_hours * 3600;
    let align = if bucket_hours == 1 { 3600 } else { 86_400 };
    let origin = first.timestamp().div_euclid(align) * align;
    let bucket_of = |t: DateTime<Utc>| ((t.timestamp() - origin) / bucket_seconds) as usize;
    let buckets = bucket_of(last) + 1;

    // Outlets by article count, then name; past CHART_SERIES they share the last series.
    let mut per_outlet: std::collections::BTreeMap<&str, usize> = Default::default();
    for (outlet, _) in articles {
        *per_outlet.entry(outlet.as_str()).or_default() += 1;
    }
    let mut outlets: Vec<(&str, usize)> = per_outlet.into_iter().collect();
    outlets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut legend: Vec<(String, usize)> = outlets
        .iter()
        .take(CHART_SERIES)
        .map(|(name, count)| ((*name).to_string(), *count))
        .collect();
    if outlets.len() > CHART_SERIES {
        let others: usize = outlets[CHART_SERIES..].iter().map(|(_, c)| c).sum();
        legend.push(("Other outlets".to_string(), others));
    }
    let series_of = |outlet: &str| {
        outlets
            .iter()
            .position(|(name, _)| *name == outlet)
            .map_or(CHART_SERIES, |i| i.min(CHART_SERIES))
    };
    let mut counts = vec![[0u32; CHART_SERIES + 1]; buckets];
    for (outlet, time) in articles {
        counts[bucket_of(*time)][series_of(outlet)] += 1;
    }
    let tallest = counts
        .iter()
        .map(|c| c.iter().sum::<u32>())
        .max()
        .unwrap_or(1)
        .max(1);

    const WIDTH: f64 = 640.0;
    const LEFT: f64 = 30.0;
    const RIGHT: f64 = 10.0;
    const TOP: f64 = 10.0;
    const PLOT_HEIGHT: f64 = 120.0;
    const LEGEND_ROW: f64 = 20.0;
    let legend_top = TOP + PLOT_HEIGHT + 30.0;
    let legend_rows = legend.len().div_ceil(2);
    let height = legend_top + legend_rows as f64 * LEGEND_ROW + 4.0;
    let plot_width = WIDTH - LEFT - RIGHT;
    let bar_step = plot_width / buckets as f64;
    let gap = if bar_step > 4.0 { 1.0 } else { 0.0 };
    let unit_height = PLOT_HEIGHT / f64::from(tallest);
    let baseline = TOP + PLOT_HEIGHT;

    let per = if bucket_hours == 1 {
        "hour".to_string()
    } else if bucket_hours == 24 {
        "day".to_string()
    } else {
        format!("{} days", bucket_hours / 24)
    };
    let label = format!(
        "Articles per outlet per {per}, {} to {}",
        human_time(first),
        human_time(last)
    );
    html.open(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", &format!("0 0 {WIDTH} {height}")),
            ("role", "img"),
            ("aria-label", &label),
            ("class", "coverage"),
        ],
    );
    html.element("title", &[], &label);
    for (index, bucket) in counts.iter().enumerate() {
        let start = DateTime::<Utc>::from_timestamp(origin + index as i64 * bucket_seconds, 0)
            .unwrap_or(first);
        let when = if unit == "hour" {
            start.format("%-d %b %H:00").to_string()
        } else {
            start.format("%-d %b %Y").to_string()
        };
        let x = LEFT + index as f64 * bar_step + gap / 2.0;
        let mut y = baseline;
        for (series, &count) in bucket.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let bar_height = f64::from(count) * unit_height;
            y -= bar_height;
            let name = legend.get(series).map_or("", |(name, _)| name.as_str());
            let plural = if count == 1 { "article" } else { "articles" };
            html.open(
                "rect",
                &[
                    ("x", &format!("{x:.1}")),
                    ("y", &format!("{y:.1}")),
                    ("width", &format!("{:.1}", (bar_step - gap).max(0.5))),
                    ("height", &format!("{bar_height:.1}")),
                    ("class", SERIES_CLASSES[series]),
                    ("fill", SERIES_FILLS[series]),
                ],
            )
            .element("title", &[], &format!("{name}: {count} {plural}, {when}"))
            .close("rect");
        }
    }
    // Axes: the baseline, the top count, and the first and last bucket's dates.
    html.open(
        "line",
        &[
            ("x1", &format!("{LEFT}")),
            ("y1", &format!("{baseline}")),
            ("x2", &format!("{}", WIDTH - RIGHT)),
            ("y2", &format!("{baseline}")),
            ("class", "axis"),
            ("stroke", "#888888"),
        ],
    )
    .close("line");
    let axis_text = |html: &mut Html, x: f64, y: f64, anchor: &str, text: &str| {
        html.element(
            "text",
            &[
                ("x", &format!("{x:.1}")),
                ("y", &format!("{y:.1}")),
                ("text-anchor", anchor),
                ("font-size", "11"),
                ("fill", "currentColor"),
            ],
            text,
        );
    };
    axis_text(
        &mut html,
        LEFT - 6.0,
        TOP + 10.0,
        "end",
        &tallest.to_string(),
    );
    axis_text(&mut html, LEFT - 6.0, baseline, "end", "0");
    let date_format = if unit == "hour" {
        "%-d %b %H:00"
    } else {
        "%-d %b %Y"
    };
    axis_text(
        &mut html,
        LEFT,
        baseline + 16.0,
        "start",
        &first.format(date_format).to_string(),
    );
    if buckets > 1 {
        axis_text(
            &mut html,
            WIDTH - RIGHT,
            baseline + 16.0,
            "end",
            &last.format(date_format).to_string(),
        );
    }
    html.raw("<g class=\"legend\">");
    for (series, (name, count)) in legend.iter().enumerate() {
        let column = (series % 2) as f64;
        let row = (series / 2) as f64;
        let x = LEFT + column * (plot_width / 2.0);
        let y = legend_top + row * LEGEND_ROW;
        html.open(
            "rect",
            &[
                ("x", &format!("{x:.1}")),
                ("y", &format!("{:.1}", y - 10.0)),
                ("width", "10"),
                ("height", "10"),
                ("class", SERIES_CLASSES[series]),
                ("fill", SERIES_FILLS[series]),
            ],
        )
        .close("rect");
        let shown: String = if name.chars().count() > 36 {
            name.chars().take(35).chain(['…']).collect()
        } else {
            name.clone()
        };
        axis_text(
            &mut html,
            x + 16.0,
            y,
            "start",
            &format!("{shown} ({count})"),
        );
    }
    html.raw("</g></svg>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_forbidden_controls() {
        let check = |input: &str, expected: &str| assert_eq!(escape(input), expected, "{input:?}");
        check("plain text", "plain text");
        check(
            "<script>alert(1)</script>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        );
        check(
            "\"><img src=x onerror=alert(1)>",
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        );
        check("O'Brien & Co", "O'Brien &amp; Co");
        check("bell\u{7}tab\tline\n", "belltab\tline\n");
    }

    #[test]
    fn only_http_urls_are_links() {
        let check = |input: &str, expected: Option<&str>| {
            assert_eq!(http_url(input), expected, "{input:?}")
        };
        check(
            "https://example.com/a?b=c",
            Some("https://example.com/a?b=c"),
        );
        check(" HTTP://example.com ", Some("HTTP://example.com"));
        check("javascript:alert(1)", None);
        check("JaVaScRiPt:alert(1)", None);
        check("data:text/html,<b>x</b>", None);
        check("https://", None);
        check("https:///path", None);
        check("//example.com/x", None);
        check("https://exa mple.com", None);
        check("https://example.com/\u{0}", None);
    }

    #[test]
    fn builder_escapes_everything_but_literals() {
        let mut html = Html::new();
        html.open("a", &[("href", "/x?a=1&b=\"2\"")])
            .text("<b>")
            .display(3)
            .close("a")
            .raw(" ")
            .external_link("javascript:alert(1)", "click");
        assert_eq!(
            html.as_str(),
            "<a href=\"/x?a=1&amp;b=&quot;2&quot;\">&lt;b&gt;3</a> \
             <span class=\"unlinked\">click</span>"
        );
    }

    #[test]
    fn highlight_marks_query_words_and_escapes_the_rest() {
        let check = |snippet: &str, query: &str, expected: &str| {
            assert_eq!(
                highlight(snippet, query).as_str(),
                expected,
                "{snippet:?} / {query:?}"
            );
        };
        check(
            "The Strike ended",
            "strike",
            "The <mark>Strike</mark> ended",
        );
        check(
            "strikes <b>strike</b>",
            "STRIKE",
            "strikes &lt;b&gt;<mark>strike</mark>&lt;/b&gt;",
        );
        check(
            "pay of 5.5% paid",
            "pay 5",
            "<mark>pay</mark> of <mark>5</mark>.<mark>5</mark>% paid",
        );
        check("São Paulo", "são", "<mark>São</mark> Paulo");
        check("<mark>", "mark", "&lt;<mark>mark</mark>&gt;");
        check("nothing here", "", "nothing here");
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("li-qiang"), "li-qiang");
        assert_eq!(path_segment("a/b?c"), "a%2Fb%3Fc");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::parse_from_rfc3339("2025-09-14T06:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("a valid time");
        let check = |minutes_ago: i64, expected: &str| {
            let time = now - chrono::Duration::minutes(minutes_ago);
            assert_eq!(relative_time(time, now), expected, "{minutes_ago} min ago");
        };
        check(-5, "just now");
        check(0, "just now");
        check(25, "25 min ago");
        check(180, "3 h ago");
        check(47 * 60, "47 h ago");
        check(4 * 1440, "4 days ago");
        check(40 * 1440, "5 August 2025");
    }
}
