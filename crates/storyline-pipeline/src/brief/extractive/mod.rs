//! The extractive brief writer: builds all six sections from real sentences of the coverage.
//!
//! How it works, in order:
//! 1. [`analysis`]: every original (non-copy) article is split into sentences; each usable
//!    sentence becomes a candidate with a TF-IDF vector over the story's sentences and a
//!    relevance (cosine to the story centroid). A candidate's *support* is the set of other
//!    outlets whose articles carry a similar sentence (cosine >= [`SUPPORT_SIMILARITY`]):
//!    facts several outlets agree on score higher and cite every outlet that carries them.
//! 2. Sections are filled in order, each from the candidates the ones before left unused, by
//!    maximal-marginal-relevance selection with its own scoring: [`whats_happened`] (lead
//!    position, agreement, recency), [`behind`] (named explanation features), [`papers`]
//!    (contrast with the other outlets, figure disagreements), [`how_we_got_here`] (the
//!    timeline engine over the story's own days, then dated background), [`go_deeper`].
//!
//! Every sentence is a sentence of a cited article, possibly inside an attribution frame
//! ("The Harbour Times notes that ..."), so the trust checks pass by construction; they still
//! run on the result.

mod analysis;
mod behind;
mod go_deeper;
mod how_we_got_here;
mod papers;
mod whats_happened;

use super::{BriefContext, Generator, SourceNo, cards};
use crate::PipelineError;
use analysis::Analysis;
pub use analysis::SUPPORT_SIMILARITY;
use std::collections::BTreeSet;
use storyline_model::{BRIEF_SCHEMA_VERSION, Brief, BriefEngine, CheckReport};

/// The verbs that frame an outlet's sentence, taken in turn so a section does not repeat one.
const ATTRIBUTION_VERBS: &[&str] = &["notes", "stresses", "highlights", "points out", "reports"];

/// Version of the extractive method, recorded in every brief it writes.
pub const EXTRACTIVE_VERSION: &str = "1";

/// The default, offline, deterministic brief writer.
#[derive(Debug, Clone, Default)]
pub struct ExtractiveWriter;

impl Generator for ExtractiveWriter {
    fn engine(&self) -> BriefEngine {
        BriefEngine {
            name: "extractive".into(),
            version: EXTRACTIVE_VERSION.into(),
            model: None,
            prompt_version: None,
        }
    }

    fn write(&self, context: &BriefContext) -> Result<Brief, PipelineError> {
        if context.articles.is_empty() {
            return Err(PipelineError::Input {
                input: format!("story {}", context.story.id),
                cause: "has no articles".into(),
            });
        }
        let analysis = Analysis::new(&context.articles);
        let mut used = BTreeSet::new();
        let (whats_happened, lead_doc) = analysis.whats_happened(&mut used);
        let behind = analysis.behind_the_headline(&mut used);
        let papers = analysis.what_the_papers_say(&mut used);
        let cards = cards::entity_cards(analysis.articles, &analysis.outlets, &context.knowledge);
        let timeline = analysis.how_we_got_here(&context.related, context.story.created_at, &used);
        let go_deeper = go_deeper::go_deeper(context, &timeline, &cards);
        let headline = analysis
            .central_headline()
            .or(lead_doc.map(|d| analysis.articles[d].headline.clone()))
            .filter(|h| !h.trim().is_empty())
            .unwrap_or_else(|| context.story.headline.clone());
        Ok(Brief {
            schema_version: BRIEF_SCHEMA_VERSION,
            story_id: context.story.id.clone(),
            version: 0,
            headline,
            generated_at: context.now,
            engine: self.engine(),
            input_articles: context.articles.iter().map(|a| a.id.clone()).collect(),
            sources: analysis.sources(),
            whats_happened,
            behind_the_headline: behind,
            what_the_papers_say: papers,
            how_we_got_here: timeline,
            go_deeper,
            more_on_these_topics: cards,
            checks: CheckReport::default(),
        })
    }
}

/// Test articles shared by the sections' tests.
#[cfg(test)]
mod test_support {
    use chrono::{Duration, TimeZone, Utc};
    use storyline_model::Article;

    /// A report by `outlet`, `hour` hours into 14 March 2025, of `body`.
    pub fn report_at(outlet: &str, hour: u32, body: &str) -> Article {
        Article {
            date_published: Some(Utc.with_ymd_and_hms(2025, 3, 14, 0, 0, 0).unwrap())
                .map(|day| day + Duration::hours(i64::from(hour))),
            ..crate::test_support::article(
                &format!("https://{}.example/news/school", outlet.replace(' ', "")),
                outlet,
                "Shooting at Ardmore school",
                body,
            )
        }
    }
}
