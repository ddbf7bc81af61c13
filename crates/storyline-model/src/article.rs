//! An article: one news item, with its text and metadata, as the pipeline stores it.

use crate::ids::ArticleId;
use crate::outlet::Outlet;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How much of the article we hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ExtractionStatus {
    /// The article page was fetched and its main text extracted.
    Full,
    /// Imported already extracted (JSONL).
    Imported,
    /// The page could not be used; `articleBody` is the feed's own summary. `reason` is the
    /// one-line cause (HTTP error, not an article, timeout...).
    FeedSummaryOnly { reason: String },
}

/// One article. Field names follow schema.org `NewsArticle` where one exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub id: ArticleId,
    /// The canonical URL (tracking parameters, fragments and AMP variants removed).
    pub url: String,
    /// The headline.
    pub headline: String,
    /// Plain text, paragraphs separated by `\n`.
    pub article_body: String,
    /// The standfirst or feed summary, if any.
    pub description: Option<String>,
    pub author: Vec<String>,
    pub date_published: Option<DateTime<Utc>>,
    pub date_modified: Option<DateTime<Utc>>,
    /// When Storyline got it (fetch or import time).
    pub date_fetched: DateTime<Utc>,
    /// BCP 47 language code (`en`, `pt`...), from markup or detected from the text.
    pub in_language: Option<String>,
    /// Who published it, decided once when it is stored ([`Outlet::resolve`]); its `name`
    /// is the schema.org `publisher`.
    pub outlet: Outlet,
    pub image: Option<String>,
    /// The feed it came from, if any.
    pub feed_url: Option<String>,
    /// Hex SHA-256 of the normalised body text: equal hashes mean identical copies.
    pub content_hash: String,
    /// Set when this article is a copy (syndicated wire story, re-post) of another one: it is
    /// kept as a source but never counted as an independent outlet.
    pub duplicate_of: Option<ArticleId>,
    pub extraction: ExtractionStatus,
    /// Fields of an imported record that Storyline does not model, kept as given.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Article {
    /// The time used to order the stream: publication time, else fetch time.
    pub fn effective_time(&self) -> DateTime<Utc> {
        self.date_published.unwrap_or(self.date_fetched)
    }

    /// The outlet's display name: schema.org's `publisher`.
    pub fn publisher(&self) -> &str {
        &self.outlet.name
    }
}
