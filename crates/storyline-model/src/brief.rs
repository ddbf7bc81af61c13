//! A brief: the six-section, fully cited summary of one story, and its parts.
//!
//! The serde form of [`Brief`] is the published JSON schema (`schema/brief.schema.json`,
//! version [`BRIEF_SCHEMA_VERSION`]); change both together and bump the version when a field
//! changes meaning.

use crate::ids::{ArticleId, StoryId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Version of the brief JSON schema this crate writes.
pub const BRIEF_SCHEMA_VERSION: u32 = 1;

/// One version of one story's brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub schema_version: u32,
    pub story_id: StoryId,
    /// 1 for the first brief of a story; a story that gains articles gets the next version.
    pub version: u32,
    pub headline: String,
    pub generated_at: DateTime<Utc>,
    pub engine: BriefEngine,
    /// The articles the engine was given, in source order.
    pub input_articles: Vec<ArticleId>,
    /// Numbered sources; a [`Citation::Source`] `n` refers to `sources[n - 1]`.
    pub sources: Vec<Source>,
    pub whats_happened: Section,
    pub behind_the_headline: Section,
    pub what_the_papers_say: Section,
    pub how_we_got_here: Vec<TimelineEntry>,
    pub go_deeper: Vec<GoDeeperQuestion>,
    pub more_on_these_topics: Vec<EntityCard>,
    /// The result of the trust checks run on this brief.
    pub checks: CheckReport,
}

/// Which engine wrote a brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BriefEngine {
    /// `extractive`, `local` or `openai`.
    pub name: String,
    pub version: String,
    pub model: Option<String>,
    pub prompt_version: Option<String>,
}

/// One numbered source of a brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// 1-based citation number.
    pub n: u32,
    pub article_id: ArticleId,
    pub outlet: String,
    pub title: String,
    pub url: String,
    pub published: Option<DateTime<Utc>>,
    /// When this source is a copy of another source, that source's number: it is listed but
    /// not counted as an independent outlet.
    pub copy_of: Option<u32>,
}

/// What a sentence cites: a numbered source of this brief, or an earlier story.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Citation {
    Source(u32),
    Story(StoryId),
}

/// A sentence and what supports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub text: String,
    pub citations: Vec<Citation>,
}

/// A prose section: sentences in reading order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub sentences: Vec<Sentence>,
    /// Set when the section's own engine failed the trust checks and this text comes from the
    /// named fallback engine instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_engine: Option<String>,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.sentences.is_empty()
    }
}

/// A dated step in "How we got here".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When it happened (an earlier story's first publication, or the article's date for a
    /// background sentence).
    pub date: DateTime<Utc>,
    /// How much of `date` is known: `day`, `month` or `year` (a background sentence that says
    /// "in 2019" gives only a year).
    pub date_precision: DatePrecision,
    /// The earlier story this step links to, if it is one.
    pub story_id: Option<StoryId>,
    pub sentence: Sentence,
}

/// How precisely a timeline date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Day,
    Month,
    Year,
}

/// A follow-up question answered by a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoDeeperQuestion {
    pub question: String,
    pub link: GoDeeperLink,
}

/// Where a "Go deeper" question leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GoDeeperLink {
    Story { story_id: StoryId, headline: String },
    Entity { entity_id: String, name: String },
    Timeline { story_id: StoryId },
}

/// The kind of a named entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Organisation,
    Place,
    Company,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organisation => "organisation",
            EntityKind::Place => "place",
            EntityKind::Company => "company",
        }
    }
}

/// A "More on these topics" card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityCard {
    /// Stable slug of the canonical name (`li-qiang`).
    pub id: String,
    pub name: String,
    pub kind: EntityKind,
    /// Other surface forms seen in the coverage ("Li", "Premier Li Qiang").
    pub aliases: Vec<String>,
    /// One or two sentences.
    pub description: String,
    pub description_source: DescriptionSource,
    /// How many times the story's articles mention it.
    pub mentions: u32,
}

/// Where an entity description came from, and when, so it can be judged for staleness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DescriptionSource {
    /// Taken from the story's own coverage: the role or appositive seen in source `n`.
    Coverage { source: u32, seen_at: DateTime<Utc> },
    /// Taken from an imported knowledge base.
    KnowledgeBase {
        name: String,
        imported_at: DateTime<Utc>,
    },
}

/// The outcome of the trust checks on a brief.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// True when every shown sentence passed every check.
    pub passed: bool,
    /// Number of sentences checked.
    pub sentences_checked: u32,
    /// Sentences that failed (and were dropped or replaced) and why.
    pub failures: Vec<CheckFailure>,
}

/// One failed trust check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckFailure {
    pub section: String,
    pub sentence: String,
    /// Machine-readable rule: `no_citation`, `unknown_source`, `quote_not_found`,
    /// `number_not_found`, `not_supported`, `outlet_not_supported`,
    /// `outlet_claim_not_supported`; from the model engines also `unknown_outlet`,
    /// `malformed_answer`, `model_error` (see schema/brief.schema.json).
    pub rule: String,
    pub detail: String,
}
