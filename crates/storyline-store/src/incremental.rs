//! What lets a run touch only what changed: the clusterer's saved state, the near-duplicate
//! index, and the related-story profiles, each a set of rows the pipeline reads by key.
//!
//! The store does not interpret a story's clustering state nor a profile: it is an opaque encoding owned by the
//! pipeline's clusterer (`storyline_pipeline::cluster`), kept beside the story it belongs to.
//! What the store does promise is that the state and the memberships it describes are
//! written in one transaction ([`crate::Store::save_clustering`]), and that two writers who
//! both started from the same saved state cannot both save: the second gets
//! [`crate::StoreError::Conflict`] and must load again.

use chrono::{DateTime, Utc};
use storyline_model::{ArticleId, StoryId};

/// One term of the clusterer's vocabulary with its document frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterTermRow {
    /// Dense, from 0: the saved vocabulary holds every id below the highest.
    pub id: u32,
    pub term: String,
    /// Documents that held the term.
    pub df: u32,
    /// A surface form seen for it (a proper noun's preferred), for explanations.
    pub surface: Option<String>,
    /// Whether `surface` was seen as a proper noun.
    pub proper: bool,
}

/// One story's saved clustering state.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterStoryRow {
    pub story: StoryId,
    /// The order in which the clusterer opened its stories; loading follows it.
    pub seq: u64,
    /// Whether a run loads it: live stories and those a resuming story may still find.
    /// The others are read one at a time when needed ([`crate::Store::cluster_story_state`]).
    pub resident: bool,
    /// The clusterer's encoding.
    pub state: Vec<u8>,
}

/// What [`crate::Store::cluster_state`] loads.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedClusterState {
    /// Grows by one with every save; what the next save must name as its base.
    pub version: u64,
    /// The clusterer's counters and settings (its own encoding).
    pub meta: Vec<u8>,
    /// The whole vocabulary, by id.
    pub terms: Vec<ClusterTermRow>,
    /// The resident stories, by `seq`.
    pub stories: Vec<ClusterStoryRow>,
}

/// What one clustering run changed, saved by [`crate::Store::save_clustering`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterStateChanges {
    /// The version the run loaded (0: none was saved).
    pub base_version: u64,
    /// Whether these changes are a whole new state: every saved term and story state is
    /// dropped first.
    pub replace: bool,
    pub meta: Vec<u8>,
    /// New terms and terms whose frequency or surface changed, upserted by id.
    pub terms: Vec<ClusterTermRow>,
    /// Story states upserted by story.
    pub stories: Vec<ClusterStoryRow>,
    /// Stories whose state is no longer kept (merged into another).
    pub dropped: Vec<StoryId>,
}

/// An article's entry in the near-duplicate index, written with the article
/// ([`crate::Store::insert_articles_indexed`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicateKey {
    /// The encoded MinHash signature; `None` for a body too short to judge (the article is
    /// then only marked as indexed).
    pub signature: Option<Vec<u8>>,
    /// Its LSH band keys: articles sharing one are candidates of each other.
    pub bands: Vec<i64>,
}

/// An indexed article that shares a band key with a query
/// ([`crate::Store::near_duplicate_candidates`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicateCandidate {
    pub id: ArticleId,
    pub url: String,
    pub signature: Vec<u8>,
    /// The original it copies, when it is a copy.
    pub duplicate_of: Option<ArticleId>,
    /// Its publication time, else its fetch time.
    pub effective_time: DateTime<Utc>,
}

/// A story's related-story profile: an opaque encoding and the keys it is found by
/// ([`crate::Store::save_story_profile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StoryProfileRow {
    pub story: StoryId,
    pub profile: Vec<u8>,
    /// Entity and term keys (the pipeline's own prefixes keep the two apart).
    pub keys: Vec<String>,
}

/// A story found by [`crate::Store::story_profiles_by_keys`]: its profile and how many of the
/// looked-up keys it holds (among those that brought it). The profile's own keys are not
/// read: a search compares dozens of found profiles, and their key lists were a fifth of
/// its time.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryProfileMatch {
    pub story: StoryId,
    pub profile: Vec<u8>,
    pub shared_keys: u32,
}

/// One broken invariant found by [`crate::Store::check_invariants`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The invariant, as a stable snake_case name ("membership_in_merged_story").
    pub check: &'static str,
    /// What is wrong, naming the rows: one line.
    pub detail: String,
}

/// The invariants every backend's [`crate::Store::check_invariants`] verifies, by name, with
/// what each means. A crash at any moment must leave all of them true.
pub const INVARIANTS: &[(&str, &str)] = &[
    (
        "database_integrity",
        "the database's own consistency check passes",
    ),
    (
        "dangling_reference",
        "every membership, brief, entity row, alias, copy link, profile, index entry and clustering state names a stored row",
    ),
    (
        "membership_in_merged_story",
        "no article is a member of a story merged into another",
    ),
    (
        "merge_chain",
        "every merged story leads, through merged_into, to a live story",
    ),
    (
        "story_counts",
        "a live story's article_count is its number of members",
    ),
    (
        "brief_current_or_dirty",
        "a live story with members has a latest brief whose input articles are its members, or is marked dirty",
    ),
    (
        "unclustered_in_step",
        "the table of unclustered articles holds exactly the articles in no story",
    ),
    (
        "search_in_step",
        "the full-text indexes hold exactly the stored articles and each live story's latest brief",
    ),
    (
        "cluster_state_covers_stories",
        "once clustering state is saved, every story with members has a saved state",
    ),
];
