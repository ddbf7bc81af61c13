//! The digest: the period's top stories, ranked exactly as the front page ranks them, each
//! with its headline, the opening of *What's happened* with its citations, how many outlets
//! carry it and a link to its story page. `storyline digest` prints one (`render.rs`);
//! `storyline run` emails one a day (`mail.rs`).
//!
//! Invariants: the order is [`storyline_web::api::story_listing`]'s, filtered to stories
//! updated within the period, so a digest never disagrees with the front page; every
//! citation marker shown has its source listed under the story (a story whose brief cites
//! nothing usable is shown by headline and link only); stories without a brief yet are left
//! out, not shown empty.
//!
//! Cost: one listing over the live stories (the same cached catalogue the front page reads)
//! and one brief read per story shown.

pub mod mail;
pub mod render;

use crate::commands::archive::parse_bound;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, Utc};
use storyline_model::{Brief, Citation, Sentence, Source};
use storyline_web::AppState;
use storyline_web::api::{StoryQuery, story_listing};

/// Sentences of *What's happened* shown per story: the first, and the second while the two
/// stay short enough to read at a glance.
const MAX_SENTENCES: usize = 2;
/// A second sentence is added only while the excerpt stays under this many characters.
const EXCERPT_CHARACTERS: usize = 320;
/// Stories read per listing page while looking for ones with a brief.
const LISTING_PAGE: usize = 50;

/// The period a digest covers and how many stories it shows.
#[derive(Debug, Clone)]
pub struct DigestRequest {
    /// Stories updated at or after this time.
    pub since: DateTime<Utc>,
    /// The end of the period (the time the ranking is made for).
    pub until: DateTime<Utc>,
    pub limit: usize,
    /// The absolute base of story links, without a trailing `/`.
    pub base_url: String,
}

/// One digest, ready to render.
#[derive(Debug, Clone)]
pub struct Digest {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Stories updated in the period, with or without a brief.
    pub stories_in_period: usize,
    pub items: Vec<DigestItem>,
}

/// One story of a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub headline: String,
    /// The story page.
    pub url: String,
    /// The opening of *What's happened*, citations kept.
    pub sentences: Vec<Sentence>,
    /// The sources those sentences cite, by their number in the brief (the story page's
    /// numbering), each once.
    pub sources: Vec<Source>,
    pub outlet_count: u32,
    pub article_count: u32,
    pub updated_at: DateTime<Utc>,
}

/// Builds the digest over `state`'s store: pages through the front page's ranking of the
/// stories updated since `request.since` until `request.limit` of them have a brief.
pub fn build(
    runtime: &tokio::runtime::Runtime,
    state: &AppState,
    request: &DigestRequest,
) -> Result<Digest> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let stories_in_period = loop {
        let query = StoryQuery {
            limit: Some(LISTING_PAGE.to_string()),
            cursor: cursor.clone(),
            from: Some(request.since.to_rfc3339()),
            ..StoryQuery::default()
        };
        let page = runtime
            .block_on(story_listing(state, query))
            .map_err(|err| anyhow::anyhow!("cannot rank the stories: {err}"))?;
        for story in page.items {
            if items.len() == request.limit {
                break;
            }
            let id = story.id.clone();
            let brief = state
                .with_store_blocking(move |store| store.latest_brief(&id))
                .with_context(|| format!("cannot read the brief of story {}", story.id))?;
            let Some(brief) = brief else { continue };
            let (sentences, sources) = opening(&brief);
            items.push(DigestItem {
                url: format!("{}/stories/{}", request.base_url, story.id),
                headline: story.headline,
                sentences,
                sources,
                outlet_count: story.outlet_count,
                article_count: story.article_count,
                updated_at: story.updated_at,
            });
        }
        match page.next_cursor {
            Some(next) if items.len() < request.limit => cursor = Some(next),
            _ => break page.total,
        }
    };
    Ok(Digest {
        since: request.since,
        until: request.until,
        stories_in_period,
        items,
    })
}

/// The first sentence or two of *What's happened*, and the sources they cite. A citation
/// whose source the brief does not list is dropped from the excerpt rather than shown
/// dangling (the brief's own checks should have caught it).
fn opening(brief: &Brief) -> (Vec<Sentence>, Vec<Source>) {
    let mut sentences: Vec<Sentence> = Vec::new();
    let mut length = 0;
    for sentence in &brief.whats_happened.sentences {
        if sentences.len() == MAX_SENTENCES
            || (!sentences.is_empty() && length + sentence.text.len() > EXCERPT_CHARACTERS)
        {
            break;
        }
        // Real pages leave stray marks at the edges of a sentence: a dateline's dash
        // mis-decoded to a C1 control, a zero-width space.
        let text = sentence
            .text
            .trim_matches(|c: char| c.is_whitespace() || c.is_control() || is_invisible(c));
        if text.is_empty() {
            continue;
        }
        length += text.len();
        let citations = sentence
            .citations
            .iter()
            .filter(|citation| match citation {
                Citation::Source(n) => brief.sources.iter().any(|s| s.n == *n),
                Citation::Story(_) => true,
            })
            .cloned()
            .collect();
        sentences.push(Sentence {
            text: text.to_string(),
            citations,
        });
    }
    let mut cited: Vec<u32> = sentences
        .iter()
        .flat_map(|s| &s.citations)
        .filter_map(|citation| match citation {
            Citation::Source(n) => Some(*n),
            Citation::Story(_) => None,
        })
        .collect();
    cited.sort_unstable();
    cited.dedup();
    let sources = cited
        .into_iter()
        .filter_map(|n| brief.sources.iter().find(|s| s.n == n).cloned())
        .collect();
    (sentences, sources)
}

/// Zero-width and byte-order marks, which no reader sees but which shift a line.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Reads a period's start: a length back from `now` (`24h`, `90m`, `7d`, `2w`), a day
/// (`YYYY-MM-DD`, from its midnight UTC) or an RFC 3339 time.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let trimmed = text.trim();
    let expected = || {
        format!(
            "--since {trimmed:?}: expected a length back from now (24h, 90m, 7d, 2w), \
             YYYY-MM-DD or an RFC 3339 time"
        )
    };
    if let Some(unit) = trimmed.chars().last().filter(char::is_ascii_alphabetic) {
        let amount: i64 = trimmed[..trimmed.len() - 1]
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .with_context(expected)?;
        let length = match unit.to_ascii_lowercase() {
            'm' => Duration::try_minutes(amount),
            'h' => Duration::try_hours(amount),
            'd' => Duration::try_days(amount),
            'w' => Duration::try_weeks(amount),
            _ => None,
        };
        return length
            .and_then(|length| now.checked_sub_signed(length))
            .with_context(expected);
    }
    let start = parse_bound("--since", trimmed).map_err(|_| anyhow::anyhow!("{}", expected()))?;
    if start > now {
        bail!("--since {trimmed:?}: that is in the future");
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::Section;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn periods_are_lengths_days_or_times() {
        assert_eq!(
            parse_since("24h", now()).unwrap().to_rfc3339(),
            "2026-12-06T09:30:00+00:00"
        );
        assert_eq!(
            parse_since(" 2w ", now()).unwrap().to_rfc3339(),
            "2026-11-23T09:30:00+00:00"
        );
        assert_eq!(
            parse_since("90m", now()).unwrap().to_rfc3339(),
            "2026-12-07T08:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-12-01", now()).unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-12-07T08:00:00+01:00", now())
                .unwrap()
                .to_rfc3339(),
            "2026-12-07T07:00:00+00:00"
        );
        for bad in ["yesterday", "0h", "-3d", "5y", "h", "2026-12-08T00:00:00Z"] {
            let error = parse_since(bad, now()).unwrap_err().to_string();
            assert!(error.starts_with("--since "), "{bad}: {error}");
            assert_eq!(error.lines().count(), 1, "{error}");
        }
    }

    fn sentence(text: &str, cites: &[u32]) -> Sentence {
        Sentence {
            text: text.to_string(),
            citations: cites.iter().map(|n| Citation::Source(*n)).collect(),
        }
    }

    fn source(n: u32) -> Source {
        Source {
            n,
            article_id: storyline_model::ArticleId::from_url(&format!("https://a.example/{n}")),
            outlet: format!("Outlet {n}"),
            title: format!("Title {n}"),
            url: format!("https://a.example/{n}"),
            published: None,
            copy_of: None,
        }
    }

    fn brief_with(sentences: Vec<Sentence>, sources: Vec<Source>) -> Brief {
        let mut brief: Brief = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "story_id": "s0123456789ab",
            "version": 1,
            "headline": "A headline",
            "generated_at": "2026-12-07T09:00:00Z",
            "engine": {"name": "extractive", "version": "1", "model": null, "prompt_version": null},
            "input_articles": [],
            "sources": [],
            "whats_happened": {"sentences": []},
            "behind_the_headline": {"sentences": []},
            "what_the_papers_say": {"sentences": []},
            "how_we_got_here": [],
            "go_deeper": [],
            "more_on_these_topics": [],
            "checks": {"passed": true, "sentences_checked": 0, "failures": []}
        }))
        .expect("a brief");
        brief.whats_happened = Section {
            sentences,
            fallback_engine: None,
        };
        brief.sources = sources;
        brief
    }

    #[test]
    fn the_opening_keeps_two_short_sentences_and_lists_what_they_cite() {
        let brief = brief_with(
            vec![
                sentence("First.", &[3, 1]),
                sentence("Second.", &[1, 9]),
                sentence("Third.", &[2]),
            ],
            vec![source(1), source(2), source(3)],
        );
        let (sentences, sources) = opening(&brief);
        assert_eq!(sentences.len(), 2);
        // [9] is not a listed source: dropped, not shown dangling.
        assert_eq!(sentences[1].citations, vec![Citation::Source(1)]);
        let numbers: Vec<u32> = sources.iter().map(|s| s.n).collect();
        assert_eq!(numbers, vec![1, 3]);
    }

    #[test]
    fn stray_marks_at_the_edges_of_a_sentence_are_dropped() {
        let brief = brief_with(
            vec![
                sentence("\u{97} The snow fell.\u{200b} ", &[1]),
                sentence("\u{feff}", &[1]),
            ],
            vec![source(1)],
        );
        let (sentences, _) = opening(&brief);
        let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, vec!["The snow fell."]);
    }

    #[test]
    fn a_long_first_sentence_stands_alone() {
        let long = "word ".repeat(70);
        let brief = brief_with(
            vec![sentence(&long, &[1]), sentence("Second.", &[1])],
            vec![source(1)],
        );
        assert_eq!(opening(&brief).0.len(), 1);
    }
}
