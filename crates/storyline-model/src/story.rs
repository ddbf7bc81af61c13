//! A story: the articles that tell one event, as clustering grouped them.

use crate::ids::{ArticleId, StoryId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A story and its summary counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub id: StoryId,
    /// The headline of the latest brief, or of the seed article until a brief exists.
    pub headline: String,
    pub created_at: DateTime<Utc>,
    /// Publication time of the newest article.
    pub updated_at: DateTime<Utc>,
    /// Number of articles, wire copies included.
    pub article_count: u32,
    /// Number of distinct outlets with an original (non-copy) article.
    pub outlet_count: u32,
    /// When this story was merged into another, the story that absorbed it.
    pub merged_into: Option<StoryId>,
}

/// One article's membership in a story, with why it was put there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryArticle {
    pub story_id: StoryId,
    pub article_id: ArticleId,
    /// Similarity to the story when it joined (1.0 for the seed).
    pub score: f32,
    /// The shared terms and entities that put it there.
    pub why: Vec<String>,
}
