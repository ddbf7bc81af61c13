//! The stories' bookkeeping: opening a story, adding, moving and detaching members, the
//! term → stories lookup and the archive of retired stories.
//!
//! Invariants: a live story is in the lookup under every word term of its centroid, each
//! list in rank order; a retired story is in no list; a member is in exactly one story.

use super::centroid::Centroid;
use super::config::*;
use super::features::{Analysed, clustering_time, is_gram};
use super::{Clusterer, Member, StoryState};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use storyline_model::{Article, StoryId};
use storyline_nlp::vector::{SparseVector, Vocabulary};

impl Clusterer {
    /// Follows merges from `index` to the story that now holds its members.
    pub(super) fn resolve(&self, mut index: usize) -> usize {
        while let Some(next) = self.stories.get(index).and_then(|s| s.merged_into) {
            index = next;
        }
        index
    }

    /// True when the story's members average a full text's length ([`length_factor`] 1).
    pub(super) fn is_full_text_story(&self, index: usize) -> bool {
        self.stories.get(index).is_some_and(|story| {
            !story.members.is_empty()
                && story.member_terms / story.members.len() >= self.config.long_terms
        })
    }

    /// Adds story `index` to the term lookup of every word term of `vector` its centroid
    /// does not hold yet (call before adding `vector` to the centroid).
    pub(super) fn add_postings(&mut self, index: usize, vector: &SparseVector) {
        if self.stories[index].retired || self.stories[index].merged_into.is_some() {
            return;
        }
        for &(term, _) in vector.entries() {
            if self.stories[index].centroid.get(term) == 0.0 && !is_gram(&self.vocabulary, term) {
                post(&mut self.postings, &self.stories, index, term);
            }
        }
    }

    /// Takes story `index` out of the term lookup altogether.
    pub(super) fn unpost_centroid(&mut self, index: usize) {
        for &(term, _) in self.stories[index].centroid.sum.entries() {
            unpost(&mut self.postings, &self.stories, index, term);
        }
    }

    /// Takes story `index` out of the archive of retired stories.
    pub(super) fn unfile(&mut self, index: usize) {
        for (term, _) in std::mem::take(&mut self.stories[index].filings) {
            if let Some(filed) = self.archive.get_mut(&term) {
                filed.retain(|&filed_index| filed_index != index);
                if filed.is_empty() {
                    self.archive.remove(&term);
                }
            }
        }
    }

    /// Notes that story `index` must be saved again.
    pub(super) fn mark_changed(&mut self, index: usize) {
        if let Some(story) = self.stories.get(index) {
            self.changed_stories.insert(story.id.clone());
        }
    }

    /// The story of the original this article copies, when that original was seen.
    pub(super) fn copied_story(&self, article: &Article) -> Option<usize> {
        let original = article.duplicate_of.as_ref()?;
        self.story_of_article.get(original).copied()
    }

    /// Adds a copy: it widens the story's time span but adds no vector, terms or names.
    pub(super) fn add_copy(&mut self, index: usize, article: &Article) {
        if index >= self.stories.len() {
            return;
        }
        let copy = Member {
            id: article.id.clone(),
            published: clustering_time(article),
            vector: None,
            terms: 0,
            names: Vec::new(),
            copy_of: article.duplicate_of.clone(),
            in_centroid: false,
            score: 1.0,
            examined: false,
            embedding: None,
        };
        self.insert_member(index, copy);
    }

    pub(super) fn open_story(&mut self, id: StoryId) -> usize {
        let index = self.stories.len();
        self.story_index.insert(id.clone(), index);
        self.changed_stories.insert(id.clone());
        self.stories.push(StoryState {
            id,
            seq: self.next_seq,
            rank: self.next_rank,
            filings: Vec::new(),
            centroid: Centroid::default(),
            published_span: None,
            members: Vec::new(),
            member_terms: 0,
            merged_into: None,
            retired: false,
            names: BTreeMap::new(),
            looked_at: 0,
            embedding_sum: Vec::new(),
        });
        self.next_seq += 1;
        self.next_rank += 1;
        index
    }

    pub(super) fn add_member(
        &mut self,
        index: usize,
        article: &Article,
        analysed: &Analysed,
        score: f32,
    ) {
        if let Some(published) = clustering_time(article) {
            self.latest_seen = Some(self.latest_seen.map_or(published, |t| t.max(published)));
        }
        self.added_since_prune += 1;
        if self.added_since_prune >= PRUNE_EVERY {
            self.prune_postings();
        }
        if index >= self.stories.len() {
            return;
        }
        let member = Member {
            id: article.id.clone(),
            published: clustering_time(article),
            vector: Some(analysed.vector.clone()),
            terms: analysed.word_terms,
            names: analysed.names.iter().copied().collect(),
            copy_of: None,
            in_centroid: false,
            score,
            examined: false,
            embedding: analysed.embedding.clone(),
        };
        self.insert_member(index, member);
        self.merge_if_close(index);
    }

    /// Adds a member's names and time to story `index`, and its vector to the centroid
    /// while that holds fewer than [`CENTROID_TERMS`] terms.
    pub(super) fn insert_member(&mut self, index: usize, mut member: Member) {
        member.in_centroid =
            member.vector.is_some() && self.stories[index].centroid.sum.len() < CENTROID_TERMS;
        if member.in_centroid
            && let Some(vector) = &member.vector
        {
            self.add_postings(index, vector);
            let written = self.stories[index].centroid.add(vector, 1.0);
            self.count(|stats| stats.centroid_entries_written += written as u64);
        }
        self.story_of_article.insert(member.id.clone(), index);
        self.mark_changed(index);
        let story = &mut self.stories[index];
        widen_span(&mut story.published_span, member.published);
        story.member_terms += member.terms;
        for &name in &member.names {
            *story.names.entry(name).or_insert(0) += 1;
        }
        if let Some(embedding) = &member.embedding {
            add_embedding(&mut story.embedding_sum, embedding, 1.0);
        }
        story.members.push(member);
    }

    /// Takes the member at `position` out of story `index`, undoing what
    /// [`Self::insert_member`] added.
    pub(super) fn remove_member(&mut self, index: usize, position: usize) -> Member {
        let member = self.stories[index].members.remove(position);
        self.detach(index, &member);
        member
    }

    /// Takes `member`, already out of story `index`'s member list, out of its centroid, names,
    /// length and time span.
    pub(super) fn detach(&mut self, index: usize, member: &Member) {
        self.mark_changed(index);
        let story = &mut self.stories[index];
        if member.in_centroid
            && let Some(vector) = &member.vector
        {
            let written = story.centroid.add(vector, -1.0);
            self.count(|stats| stats.centroid_entries_written += written as u64);
            // Terms only this member brought leave the lookup with it.
            for &(term, _) in vector.entries() {
                if self.stories[index].centroid.get(term) == 0.0 {
                    unpost(&mut self.postings, &self.stories, index, term);
                }
            }
        }
        let story = &mut self.stories[index];
        story.member_terms -= member.terms;
        if let Some(embedding) = &member.embedding {
            add_embedding(&mut story.embedding_sum, embedding, -1.0);
        }
        for name in &member.names {
            if let Some(count) = story.names.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    story.names.remove(name);
                }
            }
        }
        // The span is its members' oldest and newest times: only losing one of those moves it.
        if let (Some(time), Some((oldest, newest))) = (member.published, story.published_span)
            && (time == oldest || time == newest)
        {
            story.published_span = None;
            for other in &story.members {
                widen_span(&mut story.published_span, other.published);
            }
        }
    }

    /// Rebuilds the term → stories lookup without retired stories: merged ones, and those
    /// whose newest article is older than the stream's newest by twice the gap at which the
    /// time decay falls below the lowest join threshold (a margin for articles that arrive
    /// out of order; about 13 days by default). No headline could join such a story any
    /// more; a full text could, its decay stopping at [`ClusterConfig::decay_floor`], but a
    /// follow-up after two quiet weeks opens a story of its own. This keeps the cost of an
    /// article bounded by the stories of recent weeks, not by all stories ever opened.
    pub(super) fn prune_postings(&mut self) {
        self.added_since_prune = 0;
        let Some(now) = self.latest_seen else {
            return;
        };
        let horizon = chrono::Duration::seconds((self.retirement_horizon_hours() * 3600.0) as i64);
        for index in 0..self.stories.len() {
            let story = &self.stories[index];
            let quiet = story
                .published_span
                .is_some_and(|(_, newest)| newest + horizon < now);
            if story.merged_into.is_none() && quiet && !story.retired {
                self.archive_story(index);
            }
            let story = &mut self.stories[index];
            if story.merged_into.is_some() || quiet {
                // No article will join it or leave it: its members' vectors are not needed.
                let mut dropped = false;
                for member in &mut story.members {
                    dropped |= member.vector.is_some()
                        || !member.names.is_empty()
                        || member.embedding.is_some();
                    member.vector = None;
                    member.names = Vec::new();
                    // The story's sum stays: a resuming story is compared by its sums.
                    member.embedding = None;
                }
                if dropped {
                    self.mark_changed(index);
                }
            }
        }
        self.postings = live_postings(&self.stories, &self.vocabulary);
    }

    /// Marks story `index` retired and, when it is a story of full texts, files it in
    /// [`Self::archive`] under its heaviest terms, dropping a term's oldest entry beyond
    /// [`ARCHIVE_PER_TERM`]: the cost of a lookup stays bounded however many stories retire.
    pub(super) fn archive_story(&mut self, index: usize) {
        self.stories[index].retired = true;
        self.mark_changed(index);
        if !self.is_full_text_story(index) {
            return;
        }
        let filing = self.next_filing;
        self.next_filing += 1;
        for (term, _) in self.stories[index]
            .centroid
            .sum
            .top(self.config.candidate_terms)
        {
            if is_gram(&self.vocabulary, term) {
                continue;
            }
            let filed = self.archive.entry(term).or_default();
            // A resumed story that retires again may still be filed under the term.
            filed.retain(|&filed_index| filed_index != index);
            filed.push(index);
            let dropped = (filed.len() > ARCHIVE_PER_TERM).then(|| filed.remove(0));
            let filings = &mut self.stories[index].filings;
            filings.retain(|&(filed_term, _)| filed_term != term);
            filings.push((term, filing));
            if let Some(dropped) = dropped {
                self.stories[dropped]
                    .filings
                    .retain(|&(filed_term, _)| filed_term != term);
                self.mark_changed(dropped);
            }
        }
    }
}

/// Adds story `index` to the lookup `postings` under every word term of its `centroid`
/// (character grams are left out, see [`is_gram`]).
/// Only for a story ranked after every story already in the lookup (a resumed story, or
/// stories posted in rank order): it goes at the end of each list.
pub(super) fn post_centroid(
    postings: &mut HashMap<u32, Vec<usize>>,
    vocabulary: &Vocabulary,
    index: usize,
    centroid: &SparseVector,
) {
    for &(term, _) in centroid.entries() {
        if !is_gram(vocabulary, term) {
            postings.entry(term).or_default().push(index);
        }
    }
}

/// Adds story `index` to `term`'s list of the lookup at its rank's place (usually the end).
pub(super) fn post(
    postings: &mut HashMap<u32, Vec<usize>>,
    stories: &[StoryState],
    index: usize,
    term: u32,
) {
    let list = postings.entry(term).or_default();
    let rank = stories[index].rank;
    let at = list.partition_point(|&other| stories[other].rank < rank);
    if list.get(at) != Some(&index) {
        list.insert(at, index);
    }
}

/// Takes story `index` out of `term`'s list of the lookup, if it is there.
pub(super) fn unpost(
    postings: &mut HashMap<u32, Vec<usize>>,
    stories: &[StoryState],
    index: usize,
    term: u32,
) {
    let Some(list) = postings.get_mut(&term) else {
        return;
    };
    let rank = stories[index].rank;
    let at = list.partition_point(|&other| stories[other].rank < rank);
    if list.get(at) == Some(&index) {
        list.remove(at);
        if list.is_empty() {
            postings.remove(&term);
        }
    }
}

/// The term lookup of `stories` as [`Clusterer::postings`] keeps it: every word term of each
/// live story's centroid, each list in rank order.
pub(super) fn live_postings(
    stories: &[StoryState],
    vocabulary: &Vocabulary,
) -> HashMap<u32, Vec<usize>> {
    let mut live: Vec<usize> = (0..stories.len())
        .filter(|&index| !stories[index].retired && stories[index].merged_into.is_none())
        .collect();
    live.sort_by_key(|&index| stories[index].rank);
    let mut postings = HashMap::new();
    for index in live {
        post_centroid(
            &mut postings,
            vocabulary,
            index,
            &stories[index].centroid.sum,
        );
    }
    postings
}

pub(super) fn widen_span(
    span: &mut Option<(DateTime<Utc>, DateTime<Utc>)>,
    time: Option<DateTime<Utc>>,
) {
    if let Some(time) = time {
        *span = Some(span.map_or((time, time), |(a, b)| (a.min(time), b.max(time))));
    }
}

/// `sum += scale * embedding`, the sum taking the embedding's length when it is empty.
pub(super) fn add_embedding(sum: &mut Vec<f32>, embedding: &[f32], scale: f32) {
    if sum.is_empty() {
        sum.resize(embedding.len(), 0.0);
    }
    for (total, value) in sum.iter_mut().zip(embedding) {
        *total += scale * value;
    }
}
