//! The clusterer's state saved between runs, so a run loads what it can still change instead
//! of replaying the archive.
//!
//! What is saved: the vocabulary with its document frequencies (one row per term, written
//! when new or changed), the counters (`meta`), and one row per story holding its centroid,
//! members (with their vectors while the story is live), names, span and archive filings.
//! What a run loads ([`Clusterer::from_saved`]): the counters, the vocabulary and the
//! *resident* stories: the live ones and the retired ones still filed in the archive, where
//! a resuming story finds its past. At the end of every run ([`Clusterer::take_changes`]) the
//! clusterer *settles*: stories merged into another are dropped (their rows say where they
//! went), retired stories no longer filed anywhere are evicted (saved, not resident), and
//! every lookup is rebuilt in one canonical form: the term lookup in rank order from the
//! live centroids, the archive from the filings. A clusterer kept in memory between runs
//! and one loaded from the store are therefore the same clusterer, and the same input gives
//! the same stories either way (`tests/incremental.rs` checks it through the store).
//!
//! A story evicted earlier is read back alone when a copy of one of its articles arrives
//! ([`Clusterer::adopt`]): a copy joins its original's story however old.
//!
//! Cost: a load reads the resident stories and the vocabulary, both bounded by the recent
//! weeks of news plus the archive, not by every article stored; a save writes the stories
//! and terms the run changed. [`ClusterCache`] keeps a clusterer between runs of one
//! process (`storyline run`), so a poll loads nothing when no other process wrote since.
//!
//! Invariants: a saved state names the configuration it was made with, and one made with
//! another configuration (or format) is not loaded: the caller rebuilds from the stored
//! memberships instead ([`SavedStateError::Stale`]); the encoding is exact (weights as
//! their bits), so a loaded clusterer computes the same floats as the one that saved.

use super::config::ARCHIVE_PER_TERM;
use super::stories::live_postings;
use super::{Centroid, ClusterConfig, Clusterer, Member, StoryState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use storyline_model::{ArticleId, StoryId};
use storyline_nlp::vector::{DocFrequencies, SparseVector, Vocabulary};
use storyline_store::{ClusterStateChanges, ClusterStoryRow, ClusterTermRow, SavedClusterState};

/// Version of the encoding below; a saved state of another version is rebuilt.
const STATE_FORMAT: u32 = 4;

/// Why a saved state cannot be loaded. One line each.
#[derive(Debug, thiserror::Error)]
pub enum SavedStateError {
    /// Saved by another format or configuration: rebuild it from the memberships.
    #[error("saved clustering state is stale: {0}")]
    Stale(String),
    /// Bytes that do not decode, or that break an invariant.
    #[error("saved clustering state is corrupt: {0}")]
    Corrupt(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    format: u32,
    /// The configuration's `Debug` form: any change of setting makes the state stale.
    config: String,
    latest_seen: Option<DateTime<Utc>>,
    added_since_prune: u64,
    assigned_since_refine: u64,
    #[serde(default)]
    assigned_count: u64,
    /// The close calls still waiting, with the count they wait until.
    #[serde(default)]
    close_calls: Vec<(ArticleId, u64)>,
    next_seq: u64,
    next_rank: u64,
    next_filing: u64,
    documents: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedStory {
    id: StoryId,
    seq: u64,
    rank: u64,
    filings: Vec<(u32, u64)>,
    centroid: Vec<(u32, f32)>,
    published_span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    members: Vec<SavedMember>,
    member_terms: u64,
    retired: bool,
    names: Vec<(u32, u32)>,
    /// The story it was merged into (kept only while it still awaits refinement).
    merged_into: Option<StoryId>,
    /// Whether it awaits the next refinement.
    dirty: bool,
    looked_at: u64,
    /// Sum of its members' sentence embeddings (empty when none came with one).
    embedding_sum: Vec<f32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedMember {
    id: ArticleId,
    published: Option<DateTime<Utc>>,
    vector: Option<Vec<(u32, f32)>>,
    terms: u64,
    names: Vec<u32>,
    copy_of: Option<ArticleId>,
    in_centroid: bool,
    score: f32,
    examined: bool,
    embedding: Option<Vec<f32>>,
}

fn encode_story(story: &StoryState, merged_into: Option<StoryId>, dirty: bool) -> Vec<u8> {
    let saved = SavedStory {
        merged_into,
        dirty,
        id: story.id.clone(),
        seq: story.seq,
        rank: story.rank,
        filings: story.filings.clone(),
        centroid: story.centroid.sum.entries().to_vec(),
        published_span: story.published_span,
        members: story
            .members
            .iter()
            .map(|member| SavedMember {
                id: member.id.clone(),
                published: member.published,
                vector: member.vector.as_ref().map(|v| v.entries().to_vec()),
                terms: member.terms as u64,
                names: member.names.clone(),
                copy_of: member.copy_of.clone(),
                in_centroid: member.in_centroid,
                score: member.score,
                examined: member.examined,
                embedding: member.embedding.clone(),
            })
            .collect(),
        member_terms: story.member_terms as u64,
        retired: story.retired,
        names: story.names.iter().map(|(&k, &v)| (k, v)).collect(),
        looked_at: story.looked_at as u64,
        embedding_sum: story.embedding_sum.clone(),
    };
    // Encoding plain structs of numbers, strings and vectors into a Vec cannot fail.
    postcard::to_stdvec(&saved).unwrap_or_default()
}

/// A story's state with what links it to others: the story it was merged into and whether
/// it awaits refinement.
struct Decoded {
    story: StoryState,
    merged_into: Option<StoryId>,
    dirty: bool,
}

fn decode_story(row: &ClusterStoryRow) -> Result<Decoded, SavedStateError> {
    let corrupt = |cause: &str| SavedStateError::Corrupt(format!("story {}: {cause}", row.story));
    let saved: SavedStory =
        postcard::from_bytes(&row.state).map_err(|e| corrupt(&e.to_string()))?;
    if saved.id != row.story || saved.seq != row.seq {
        return Err(corrupt("the row's id or order disagrees with its state"));
    }
    let vector = |entries: Vec<(u32, f32)>| {
        SparseVector::from_entries(entries).ok_or_else(|| corrupt("a vector is not sorted"))
    };
    let mut members = Vec::with_capacity(saved.members.len());
    for member in saved.members {
        members.push(Member {
            id: member.id,
            published: member.published,
            vector: member.vector.map(vector).transpose()?,
            terms: member.terms as usize,
            names: member.names,
            copy_of: member.copy_of,
            in_centroid: member.in_centroid,
            score: member.score,
            examined: member.examined,
            embedding: member.embedding,
        });
    }
    let story = StoryState {
        id: saved.id,
        seq: saved.seq,
        rank: saved.rank,
        filings: saved.filings,
        centroid: Centroid::from_sum(vector(saved.centroid)?),
        published_span: saved.published_span,
        members,
        member_terms: saved.member_terms as usize,
        merged_into: None,
        retired: saved.retired,
        names: saved.names.into_iter().collect(),
        looked_at: saved.looked_at as usize,
        embedding_sum: saved.embedding_sum,
    };
    Ok(Decoded {
        story,
        merged_into: saved.merged_into,
        dirty: saved.dirty,
    })
}

impl Clusterer {
    /// A clusterer in the state `saved` describes, with `config`. [`SavedStateError::Stale`]
    /// when it was saved with another configuration or format.
    pub fn from_saved(
        config: ClusterConfig,
        saved: &SavedClusterState,
    ) -> Result<Clusterer, SavedStateError> {
        let meta: Meta = serde_json::from_slice(&saved.meta)
            .map_err(|e| SavedStateError::Corrupt(format!("counters: {e}")))?;
        if meta.format != STATE_FORMAT {
            return Err(SavedStateError::Stale(format!(
                "format {} (this build writes {STATE_FORMAT})",
                meta.format
            )));
        }
        if meta.config != format!("{config:?}") {
            return Err(SavedStateError::Stale(
                "saved with other clustering settings".to_string(),
            ));
        }
        let mut clusterer = Clusterer::new(config);
        let mut terms = Vec::with_capacity(saved.terms.len());
        let mut counts = Vec::with_capacity(saved.terms.len());
        for (position, row) in saved.terms.iter().enumerate() {
            if row.id as usize != position {
                return Err(SavedStateError::Corrupt(format!(
                    "term ids are not dense: {} at position {position}",
                    row.id
                )));
            }
            terms.push(row.term.clone());
            counts.push(row.df);
            if let Some(surface) = &row.surface {
                clusterer
                    .surface_forms
                    .insert(row.id, (surface.clone(), row.proper));
            }
        }
        clusterer.vocabulary = Vocabulary::from_terms(terms)
            .ok_or_else(|| SavedStateError::Corrupt("a term is saved twice".to_string()))?;
        clusterer.document_frequencies = DocFrequencies::from_counts(counts, meta.documents);
        clusterer.saved_terms = saved.terms.len();
        clusterer.latest_seen = meta.latest_seen;
        clusterer.added_since_prune = meta.added_since_prune as usize;
        clusterer.assigned_since_refine = meta.assigned_since_refine as usize;
        clusterer.assigned_count = meta.assigned_count;
        clusterer.close_calls = meta.close_calls.into_iter().collect();
        clusterer.next_seq = meta.next_seq;
        clusterer.next_rank = meta.next_rank;
        clusterer.next_filing = meta.next_filing;
        let mut links = Vec::new();
        for row in &saved.stories {
            let decoded = decode_story(row)?;
            links.push((decoded.merged_into, decoded.dirty));
            clusterer.stories.push(decoded.story);
        }
        if clusterer
            .stories
            .windows(2)
            .any(|pair| pair[0].seq >= pair[1].seq)
        {
            return Err(SavedStateError::Corrupt(
                "stories are not in opening order".to_string(),
            ));
        }
        clusterer.rebuild_lookups();
        for (index, (merged_into, dirty)) in links.into_iter().enumerate() {
            if let Some(target) = merged_into {
                let Some(&target) = clusterer.story_index.get(&target) else {
                    return Err(SavedStateError::Corrupt(format!(
                        "story {} was merged into {target}, which is not loaded",
                        clusterer.stories[index].id
                    )));
                };
                clusterer.stories[index].merged_into = Some(target);
            }
            if dirty {
                clusterer.dirty.insert(index);
                clusterer
                    .saved_dirty
                    .insert(clusterer.stories[index].id.clone());
            }
        }
        Ok(clusterer)
    }

    /// Takes in a story evicted earlier (saved, not resident), so that a copy of one of its
    /// articles can join it. It stays out of the term lookup: only a live story is there,
    /// and an evicted story is retired.
    pub fn adopt(&mut self, row: &ClusterStoryRow) -> Result<(), SavedStateError> {
        if self.story_index.contains_key(&row.story) {
            return Ok(());
        }
        let Decoded { story, .. } = decode_story(row)?;
        let index = self.stories.len();
        self.story_index.insert(story.id.clone(), index);
        for member in &story.members {
            self.story_of_article.insert(member.id.clone(), index);
        }
        let live = !story.retired;
        self.stories.push(story);
        if live {
            self.postings = live_postings(&self.stories, &self.vocabulary);
        }
        Ok(())
    }

    /// Whether story `id` is loaded.
    pub fn has_story(&self, id: &StoryId) -> bool {
        self.story_index.contains_key(id)
    }

    /// The articles that changed story since the last [`Clusterer::take_changes`] (moved by
    /// a merge, a split or refinement), each with the story it was in then.
    pub fn relocated(&self) -> &BTreeMap<ArticleId, StoryId> {
        &self.relocated
    }

    /// The members of a loaded story with the score their membership carries, in the order
    /// they were added.
    pub fn member_scores(&self, story: &StoryId) -> Vec<(ArticleId, f32)> {
        self.story_index
            .get(story)
            .and_then(|&i| self.stories.get(self.resolve(i)))
            .map_or_else(Vec::new, |s| {
                s.members.iter().map(|m| (m.id.clone(), m.score)).collect()
            })
    }

    /// Settles the state (see the module doc) and returns what changed since the last call,
    /// to be saved on top of version `base_version` (with `replace`, as a whole new state).
    /// Call it after [`Clusterer::finish`]; it forgets the reassignments and relocations of
    /// the run.
    pub fn take_changes(&mut self, base_version: u64, replace: bool) -> ClusterStateChanges {
        // Stories awaiting refinement stay loaded, with what they were merged into: the next
        // refinement takes them up exactly as a clusterer kept in memory would.
        let dirty_ids: BTreeSet<StoryId> = self
            .dirty
            .iter()
            .map(|&index| self.stories[index].id.clone())
            .collect();
        for id in dirty_ids.symmetric_difference(&self.saved_dirty) {
            self.changed_stories.insert(id.clone());
        }
        let mut kept: Vec<bool> = (0..self.stories.len())
            .map(|index| {
                let story = &self.stories[index];
                self.dirty.contains(&index)
                    || (story.merged_into.is_none()
                        && (!story.retired || !story.filings.is_empty()))
            })
            .collect();
        for index in 0..self.stories.len() {
            let mut next = if kept[index] {
                self.stories[index].merged_into
            } else {
                None
            };
            while let Some(target) = next {
                kept[target] = true;
                next = self.stories[target].merged_into;
            }
        }
        let ids: Vec<StoryId> = self.stories.iter().map(|s| s.id.clone()).collect();
        let mut stories = Vec::new();
        let mut dropped = Vec::new();
        let mut resident: Vec<(StoryState, Option<StoryId>)> = Vec::new();
        for (index, story) in std::mem::take(&mut self.stories).into_iter().enumerate() {
            let merged_into = story.merged_into.map(|target| ids[target].clone());
            if !kept[index] && merged_into.is_some() {
                dropped.push(story.id.clone());
                continue;
            }
            if replace || !kept[index] || self.changed_stories.contains(&story.id) {
                stories.push(ClusterStoryRow {
                    story: story.id.clone(),
                    seq: story.seq,
                    resident: kept[index],
                    state: encode_story(&story, merged_into.clone(), dirty_ids.contains(&story.id)),
                });
            }
            if kept[index] {
                resident.push((story, merged_into));
            }
        }
        resident.sort_by_key(|(story, _)| story.seq);
        let targets: Vec<Option<StoryId>> = resident.iter().map(|(_, t)| t.clone()).collect();
        self.stories = resident.into_iter().map(|(story, _)| story).collect();
        self.rebuild_lookups();
        for (index, target) in targets.into_iter().enumerate() {
            self.stories[index].merged_into =
                target.and_then(|target| self.story_index.get(&target).copied());
        }
        self.dirty = dirty_ids
            .iter()
            .filter_map(|id| self.story_index.get(id).copied())
            .collect();
        self.saved_dirty = dirty_ids;

        let mut term_ids: Vec<u32> = std::mem::take(&mut self.changed_terms)
            .into_iter()
            .filter(|&id| replace || (id as usize) < self.saved_terms)
            .collect();
        let first_new = if replace { 0 } else { self.saved_terms };
        term_ids.extend((first_new..self.vocabulary.len()).filter_map(|id| u32::try_from(id).ok()));
        term_ids.sort_unstable();
        term_ids.dedup();
        let terms = term_ids
            .into_iter()
            .filter_map(|id| {
                let term = self.vocabulary.term(id)?.to_string();
                let (surface, proper) = match self.surface_forms.get(&id) {
                    Some((surface, proper)) => (Some(surface.clone()), *proper),
                    None => (None, false),
                };
                Some(ClusterTermRow {
                    id,
                    term,
                    df: self.document_frequencies.df(id),
                    surface,
                    proper,
                })
            })
            .collect();
        self.saved_terms = self.vocabulary.len();
        self.changed_stories.clear();
        self.relocated.clear();
        self.reassigned.clear();
        ClusterStateChanges {
            base_version,
            replace,
            meta: self.encode_meta(),
            terms,
            stories,
            dropped,
        }
    }

    fn encode_meta(&self) -> Vec<u8> {
        let meta = Meta {
            format: STATE_FORMAT,
            config: format!("{:?}", self.config),
            latest_seen: self.latest_seen,
            added_since_prune: self.added_since_prune as u64,
            assigned_since_refine: self.assigned_since_refine as u64,
            assigned_count: self.assigned_count,
            close_calls: self
                .close_calls
                .iter()
                .map(|(id, until)| (id.clone(), *until))
                .collect(),
            next_seq: self.next_seq,
            next_rank: self.next_rank,
            next_filing: self.next_filing,
            documents: self.document_frequencies.n_docs(),
        };
        serde_json::to_vec(&meta).unwrap_or_default()
    }

    /// Rebuilds every lookup from the stories alone, in their canonical form: ids and
    /// articles to positions, the term lookup of live stories in rank order, and the
    /// archive from the filings, each term's list oldest filing first.
    fn rebuild_lookups(&mut self) {
        self.story_index = self
            .stories
            .iter()
            .enumerate()
            .map(|(index, story)| (story.id.clone(), index))
            .collect();
        self.story_of_article = HashMap::new();
        for (index, story) in self.stories.iter().enumerate() {
            for member in &story.members {
                self.story_of_article.insert(member.id.clone(), index);
            }
        }
        self.postings = live_postings(&self.stories, &self.vocabulary);
        let mut filed: BTreeMap<u32, Vec<(u64, usize)>> = BTreeMap::new();
        for (index, story) in self.stories.iter().enumerate() {
            for &(term, filing) in &story.filings {
                filed.entry(term).or_default().push((filing, index));
            }
        }
        self.archive = filed
            .into_iter()
            .map(|(term, mut list)| {
                list.sort_unstable();
                let skip = list.len().saturating_sub(ARCHIVE_PER_TERM);
                (term, list.into_iter().skip(skip).map(|(_, i)| i).collect())
            })
            .collect();
    }
}

/// A clusterer kept between the runs of one process, valid while no other process has
/// saved a newer state.
#[derive(Debug, Default)]
pub struct ClusterCache {
    kept: Option<(u64, Clusterer)>,
}

impl ClusterCache {
    pub fn new() -> Self {
        ClusterCache::default()
    }

    /// The kept clusterer, when it was saved as `version` with `config`.
    pub(crate) fn take(&mut self, version: u64, config: &ClusterConfig) -> Option<Clusterer> {
        match self.kept.take() {
            Some((kept_version, clusterer))
                if kept_version == version && clusterer.config() == config =>
            {
                Some(clusterer)
            }
            _ => None,
        }
    }

    pub(crate) fn keep(&mut self, version: u64, clusterer: Clusterer) {
        self.kept = Some((version, clusterer));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{axis, headline};
    use super::*;

    #[test]
    fn a_saved_state_keeps_the_embeddings() {
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        let first = headline("a", 9, "Dockers walk out at Kelmouth harbour over pay");
        let opened = clusterer.assign_embedded(&first, Some(&axis(0)));
        let changes = clusterer.take_changes(0, true);
        let saved = SavedClusterState {
            version: 1,
            meta: changes.meta,
            terms: changes.terms,
            stories: changes.stories,
        };
        let mut loaded = Clusterer::from_saved(ClusterConfig::default(), &saved).unwrap();
        let index = loaded.story_index[&opened.story_id];
        assert_eq!(loaded.stories[index].embedding_sum, axis(0));
        assert_eq!(loaded.stories[index].members[0].embedding, Some(axis(0)));
        // A report sharing too few words joins through its embedding, as in one pass.
        let second = headline("b", 10, "Port strike halts Kelmouth ferries and freight");
        let in_one_pass = clusterer.assign_embedded(&second, Some(&axis(0)));
        let after_loading = loaded.assign_embedded(&second, Some(&axis(0)));
        assert_eq!(in_one_pass.story_id, opened.story_id);
        assert_eq!(after_loading.story_id, in_one_pass.story_id);
    }
}
