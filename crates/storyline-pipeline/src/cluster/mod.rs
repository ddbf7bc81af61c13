//! Online story clustering: each article, in publication order, joins the most similar
//! recent story or opens a new one ([`Clusterer`]); [`cluster_pending`] runs it over a
//! [`Store`].
//!
//! Method: an article becomes a TF-IDF vector over the stemmed terms of its headline
//! (weighted up) and lead (first paragraphs), with proper nouns and numbers weighted up
//! because they tell one event from another of the same kind; short texts also get
//! character 4-grams at a small weight and BM25-saturated term frequencies. Document
//! frequencies are learned online. A full text joins a story of full texts only when they
//! share at least two proper nouns or numbers (when both have any). A story keeps the sum
//! of its members' vectors (its centroid); an article's similarity to a story is its cosine
//! with the centroid times a decay on the time gap to the story's span. Above a threshold
//! that slides with the article's length (headlines' cosines run lower than full texts') it
//! joins the best story, otherwise it opens a story whose id derives from its own id.
//! Comparing with single recent members as well was tried and dropped: on headlines it
//! chains unrelated stories together. Each time a story doubles in size its centroid is
//! compared with the other stories', and a close pair merges (the smaller into the larger,
//! whose id survives; the merged id resolves to it): in a shuffled stream one event often
//! opens two seeds that grow apart. Copies (`duplicate_of`) join their original's story
//! directly and do not move the centroid.
//! Every [`REFINE_EVERY`] articles and at [`Clusterer::finish`] the stories touched since
//! are refined: a story holding two look-alike events is split, articles longer than a
//! headline move to a clearly closer story (one that arrived before its own story existed
//! joined the nearest look-alike), and stories left close to another merge. A full text's
//! time decay stops at a floor ([`ClusterConfig::decay_floor`]): a follow-up days later
//! names the same people. A story of full texts that starts close to one retired months
//! before is that story resuming (the trial after the shooting) and merges into it, found
//! through an archive of retired stories bounded per term. BCubed F1 on ECB+ dev, mean of
//! five shuffled orders: 0.828 without refinement, 0.863 with splits and moves of full
//! texts only, 0.895 with the decay floor, moves and splits of every article longer than a
//! headline, and the merge pass, 0.909 with resumption, 0.918 once groups published in one
//! news cycle no longer split on names, 0.924 (eight orders) once a split must leave two
//! parts less alike than merging stories.
//!
//! Cost: candidate stories come from a term → stories lookup over each article's heaviest
//! terms. One feed of near-template items (the same item with a running number) would make
//! that quadratic: every story it opens holds the template's words, and a story it grows
//! gains every item's number. So a lookup reads each term's list from its newest end, at most
//! [`POSTINGS_SCANNED`] entries, and scores exactly at most [`SCORED_CANDIDATES`] stories,
//! those with the largest cosine over the heaviest terms alone; a story's centroid takes no
//! more members once it holds [`CENTROID_TERMS`] terms (later ones join without moving it);
//! refinement looks at a story's newest [`REFINE_MEMBERS`] members for moves, and again only
//! once the story has grown [`REFINE_REGROWTH`] times (members no refinement has considered
//! are looked at each time), and at an evenly spaced sample of [`SPLIT_MEMBERS`] for the
//! split test; a lookup asks its costlier admission test (shared names) only of the stories
//! that could make the cut of scored candidates; and a cosine with a centroid many
//! times longer than the article looks the article's terms up in it instead of walking both.
//! On the development sets and on benchmark streams of their texts repeated 0 to 30 days
//! apart every assignment is as it was without the caps. Floods of 16,000 items of four
//! shapes cluster at 0.8 to 6 times the speed of 8,000 real articles, where 8,000 items had
//! taken up to 5.5 times as long as those (`cluster_stream_bench flood`); real articles
//! cluster faster than before (headlines 1.4 times), a cosine no longer reading a large
//! story's whole centroid.
//!
//! Invariants: deterministic for the same input in the same order (no hash-map iteration
//! reaches a result; ties go to the earliest story); [`Clusterer::restore`] of stored
//! memberships followed by [`Clusterer::assign`] gives the same assignments as assigning
//! everything in one pass, up to the next refinement (restored stories count as refined).
//! The lookups, centroid updates and refinement comparisons per article
//! ([`Clusterer::stats`]) are bounded by the caps above, not by the number of stories nor
//! by any story's size (what stays linear in a story's size is one scan of its member list
//! per refinement, every [`REFINE_EVERY`] articles). Only stories silent for the retirement
//! horizon leave the lookup, so its lists, though not what a lookup reads of them, grow
//! with a flood.

mod persist;

pub use persist::{ClusterCache, SavedStateError};

use crate::PipelineError;
use chrono::{DateTime, Utc};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use storyline_model::{Article, ArticleId, Story, StoryArticle, StoryId};
use storyline_nlp::terms::analyze;
use storyline_nlp::vector::{DocFrequencies, SparseVector, Vocabulary};
use storyline_store::Store;

/// Tuning of the clusterer. The defaults were chosen on the development corpora (full-text
/// articles and headline-only items) and are meant to be left alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Least decayed similarity for a full-text article (at least [`Self::long_terms`]
    /// distinct terms) to join a story (default 0.22: BCubed F1 is flat within a point from
    /// 0.20 to 0.25 on full texts).
    pub threshold: f32,
    /// The same for a headline-sized article (at most [`Self::short_terms`] terms); between
    /// the two lengths the threshold slides linearly (default 0.16: cosines of a few words
    /// run lower, and a broad story's headlines share only one or two of them).
    pub short_threshold: f32,
    /// Least decayed centroid cosine for two stories of full texts to merge, checked each
    /// time a story doubles in size (default 0.6; two look-alike events share a topic's
    /// words, so full texts merge only when close).
    pub merge_threshold: f32,
    /// The same for stories of headlines (default 0.25: a shuffled headline stream opens
    /// several seeds of one broad story, which grow apart until merged).
    pub short_merge_threshold: f32,
    /// Distinct terms at or below which an article counts as headline-sized (default 10).
    pub short_terms: usize,
    /// Distinct terms at or above which an article counts as a full text (default 30).
    pub long_terms: usize,
    /// Weight of a headline term relative to a lead term (default 2.0).
    pub title_weight: f32,
    /// Extra factor for proper nouns, acronyms and numbers (default 1.5).
    pub proper_weight: f32,
    /// Paragraphs of the body read as the lead (default 6: feature and human-interest
    /// pieces open with an anecdote and reach the shared facts by the fourth or fifth).
    pub lead_paragraphs: usize,
    /// Most words of the body read as the lead (default 250; BCubed F1 on ECB+ dev 0.829 at
    /// 120 words, 0.839 at 250, flat beyond).
    pub lead_words: usize,
    /// Gap to a story's newest article, in hours, before decay starts (default 24).
    pub decay_grace_hours: f64,
    /// Decay scale in hours beyond the grace period: similarity × exp(-(gap - grace) /
    /// scale) (default 72).
    pub decay_scale_hours: f64,
    /// Least time decay for a full text; an article between headline and full-text length
    /// gets a proportionally lower floor, a headline none (default 0.45: a full text must
    /// then be about twice as similar to join a story days old). The floor holds while the
    /// gap is within the retirement horizon (about 13 days), so what an article may join
    /// does not depend on when the lookup was last pruned. ECB+ dev, mean of five shuffled
    /// orders: 0.887 without a floor, 0.895 with it; at 0.5 the fixture port strike and
    /// its settlement five days later become one story. Headlines unchanged.
    pub decay_floor: f32,
    /// Heaviest terms of an article used to look up candidate stories (default 20).
    pub candidate_terms: usize,
    /// Shared terms reported in [`Assignment::why`] (default 6).
    pub why_terms: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            threshold: 0.22,
            short_threshold: 0.16,
            merge_threshold: 0.6,
            short_merge_threshold: 0.25,
            short_terms: 10,
            long_terms: 30,
            title_weight: 2.0,
            proper_weight: 1.5,
            lead_paragraphs: 6,
            lead_words: 250,
            decay_grace_hours: 24.0,
            decay_scale_hours: 72.0,
            decay_floor: 0.45,
            candidate_terms: 20,
            why_terms: 6,
        }
    }
}

/// Where an article went and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub story_id: StoryId,
    pub is_new_story: bool,
    /// Decayed similarity to the story it joined; 1.0 for a new story or a copy.
    pub score: f32,
    /// The shared terms (surface forms, proper nouns first) that put it there, or the
    /// original it copies.
    pub why: Vec<String>,
}

/// An article moved by [`Clusterer::finish`] (or a periodic refinement) after it was
/// assigned: where it came from and why it went where it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Reassignment {
    /// The story it was in before the move.
    pub from: StoryId,
    /// Decayed similarity to the story it moved to.
    pub score: f32,
    /// The shared terms that put it there.
    pub why: Vec<String>,
}

/// Work counters of a [`Clusterer`] since it was made: what one article costs, for
/// benchmarks and for tests that bound that cost (see the module doc's invariants).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClusterStats {
    /// Candidate lookups: one per assigned article, per member refinement looks at, per
    /// merge check.
    pub lookups: u64,
    /// Entries of the term → stories lookup read by those lookups.
    pub postings_scanned: u64,
    /// Stories whose exact similarity those lookups computed.
    pub candidates_scored: u64,
    /// Entries of centroids rewritten by adding or taking out a member or a merged story.
    pub centroid_entries_written: u64,
    /// Members that refinement looked at: moves considered and members in split tests.
    pub members_refined: u64,
}

/// A story's centroid (the sum of its members' vectors), its length kept beside it so that
/// an article's cosine with a large story costs the article's length, not the story's.
#[derive(Debug, Default)]
struct Centroid {
    sum: SparseVector,
    /// `sum.norm()`, refreshed on every change.
    norm: f32,
}

impl Centroid {
    fn from_sum(sum: SparseVector) -> Centroid {
        let norm = sum.norm();
        Centroid { sum, norm }
    }

    /// `self += scale * vector` (a scale of -1 takes a member out); returns the entries
    /// written, which is what it cost.
    fn add(&mut self, vector: &SparseVector, scale: f32) -> usize {
        self.sum.add_scaled(vector, scale);
        if scale < 0.0 {
            // Float residue of terms only the departing vector had.
            self.sum.retain_above(CENTROID_EPSILON);
        }
        self.norm = self.sum.norm();
        self.sum.len()
    }

    fn get(&self, term: u32) -> f32 {
        self.sum.get(term)
    }

    /// Dot product with `vector`: when one side is much the longer, the shorter side's
    /// entries are looked up in it. Either way the same products are summed in the same
    /// (term) order as [`SparseVector::dot`], so the result is the same to the bit.
    fn dot(&self, vector: &SparseVector) -> f32 {
        sparse_dot(&self.sum, vector)
    }

    /// [`SparseVector::cosine`] of the sum with `vector`, whose norm is `vector_norm`, to
    /// the bit, without reading the whole sum.
    fn cosine(&self, vector: &SparseVector, vector_norm: f32) -> f32 {
        let norms = self.norm * vector_norm;
        if norms > 0.0 {
            (self.dot(vector) / norms).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }

    /// [`SparseVector::cosine`] of two sums, to the bit.
    fn cosine_with(&self, other: &Centroid) -> f32 {
        let norms = self.norm * other.norm;
        if norms > 0.0 {
            (sparse_dot(&self.sum, &other.sum) / norms).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }
}

/// [`SparseVector::dot`], looking the shorter side's entries up in the longer when that is
/// [`LOOKUP_RATIO`] times longer or more; the same products are summed in the same order, so
/// the result is the same to the bit.
fn sparse_dot(a: &SparseVector, b: &SparseVector) -> f32 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() < short.len().saturating_mul(LOOKUP_RATIO) {
        return a.dot(b);
    }
    let mut sum = 0.0;
    for &(term, weight) in short.entries() {
        let other = long.get(term);
        if other != 0.0 {
            // Multiplication commutes exactly; the order of the sum is the terms'.
            sum += weight * other;
        }
    }
    sum
}

#[derive(Debug)]
struct StoryState {
    id: StoryId,
    /// Opening order, counted over the clusterer's whole life (saved and restored): the
    /// order of [`Clusterer::stories`] and of ties, whatever was evicted in between.
    seq: u64,
    /// Position in each term's list of [`Clusterer::postings`] (lists are sorted by it): its
    /// opening order, renewed when a retired story resumes, so a resumed story reads as new.
    rank: u64,
    /// Where it is filed in [`Clusterer::archive`]: (term, filing number), a higher number
    /// filed later.
    filings: Vec<(u32, u64)>,
    centroid: Centroid,
    /// Oldest and newest publication times among members; undated members do not move
    /// them.
    published_span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// In the order they were added.
    members: Vec<Member>,
    /// Sum of the members' vector lengths (distinct terms).
    member_terms: usize,
    /// The story this one was merged into; a merged story takes no new members.
    merged_into: Option<usize>,
    /// Past the retirement horizon: out of the term lookup, its members' vectors dropped;
    /// only a merge brings it back ([`Clusterer::merge_with_closest`]).
    retired: bool,
    /// Proper nouns and numbers (term ids) of its members, with how many members name each.
    names: BTreeMap<u32, u32>,
    /// Members it held when a refinement last considered moving any of its newest
    /// [`REFINE_MEMBERS`], examined or not: the next such look waits until it has grown
    /// [`REFINE_REGROWTH`] times (see [`Clusterer::refine`]).
    looked_at: usize,
}

/// One article of a story, with what refinement needs to move it elsewhere.
#[derive(Debug)]
struct Member {
    id: ArticleId,
    published: Option<DateTime<Utc>>,
    /// The article's vector while its story is live; `None` for copies (which follow their
    /// original) and once the story is retired (see [`Clusterer::prune_postings`]).
    vector: Option<SparseVector>,
    /// Distinct word terms (0 for a copy).
    terms: usize,
    /// Proper nouns and numbers, sorted.
    names: Vec<u32>,
    /// The original this member copies.
    copy_of: Option<ArticleId>,
    /// Whether `vector` is in the story's centroid: the members that came once it held
    /// [`CENTROID_TERMS`] terms are not.
    in_centroid: bool,
    /// The score its membership was stored with: the assignment's, or that of its latest
    /// move; kept when a merge carries it along.
    score: f32,
    /// Whether a refinement has considered moving it (a restored member counts as
    /// considered: stored memberships were refined when they were made).
    examined: bool,
}

/// An article as the clusterer sees it.
struct Analysed {
    vector: SparseVector,
    /// Term id → (surface form, is proper), the first proper form seen preferred.
    surfaces: BTreeMap<u32, (String, bool)>,
    /// Distinct word terms, sub-word features not counted: the article's length.
    word_terms: usize,
    /// Proper nouns and numbers, calendar words left out.
    names: BTreeSet<u32>,
}

/// The online clusterer. Feed it articles in publication order.
#[derive(Debug)]
pub struct Clusterer {
    config: ClusterConfig,
    vocabulary: Vocabulary,
    document_frequencies: DocFrequencies,
    stories: Vec<StoryState>,
    story_index: HashMap<StoryId, usize>,
    story_of_article: HashMap<ArticleId, usize>,
    /// Term id → live stories whose centroid holds it: in story order, except a resumed
    /// story, which is added at the end (lookups sort their candidates).
    postings: HashMap<u32, Vec<usize>>,
    /// Term id → retired stories of full texts with the term among their heaviest, the
    /// [`ARCHIVE_PER_TERM`] most recently retired: where a story that resumes after a quiet
    /// spell finds its past ([`Clusterer::merge_with_closest`]).
    archive: HashMap<u32, Vec<usize>>,
    /// The newest publication time seen: the stream's "now".
    latest_seen: Option<DateTime<Utc>>,
    /// Members added since the postings were last rebuilt without retired stories.
    added_since_prune: usize,
    /// Stories that gained members by assignment or merge since the last refinement.
    dirty: BTreeSet<usize>,
    /// Articles assigned since the last refinement.
    assigned_since_refine: usize,
    /// Articles moved by refinement, with the reason of their latest move.
    reassigned: HashMap<ArticleId, Reassignment>,
    /// Term id → a surface form seen for it (a proper noun's preferred) and whether it was
    /// a proper noun: for the `why` of articles moved after their own surfaces are gone.
    surface_forms: HashMap<u32, (String, bool)>,
    /// Work done so far; a `Cell` because lookups, which count, read the clusterer only.
    stats: Cell<ClusterStats>,
    /// The next story's [`StoryState::seq`], rank and archive filing number.
    next_seq: u64,
    next_rank: u64,
    next_filing: u64,
    /// Stories changed since the state was last saved ([`Clusterer::take_changes`]).
    changed_stories: BTreeSet<StoryId>,
    /// Terms whose document frequency or surface form changed since then; terms with ids
    /// from `saved_terms` on are new since then.
    changed_terms: BTreeSet<u32>,
    saved_terms: usize,
    /// The stories awaiting refinement when the state was last saved or loaded.
    saved_dirty: BTreeSet<StoryId>,
    /// Articles that changed story since the state was last saved, with the story they
    /// were in then: what a run must write back besides its new articles.
    relocated: BTreeMap<ArticleId, StoryId>,
}

impl Clusterer {
    pub fn new(config: ClusterConfig) -> Self {
        Clusterer {
            config,
            vocabulary: Vocabulary::new(),
            document_frequencies: DocFrequencies::new(),
            stories: Vec::new(),
            story_index: HashMap::new(),
            story_of_article: HashMap::new(),
            postings: HashMap::new(),
            archive: HashMap::new(),
            latest_seen: None,
            added_since_prune: 0,
            dirty: BTreeSet::new(),
            assigned_since_refine: 0,
            reassigned: HashMap::new(),
            surface_forms: HashMap::new(),
            stats: Cell::new(ClusterStats::default()),
            next_seq: 0,
            next_rank: 0,
            next_filing: 0,
            changed_stories: BTreeSet::new(),
            changed_terms: BTreeSet::new(),
            saved_terms: 0,
            saved_dirty: BTreeSet::new(),
            relocated: BTreeMap::new(),
        }
    }

    /// The work done so far: lookups, candidates scored, centroid entries rewritten, members
    /// refined. Each is bounded per article whatever the input (see the module doc).
    pub fn stats(&self) -> ClusterStats {
        self.stats.get()
    }

    fn count(&self, update: impl FnOnce(&mut ClusterStats)) {
        let mut stats = self.stats.get();
        update(&mut stats);
        self.stats.set(stats);
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Number of stories known.
    pub fn story_count(&self) -> usize {
        self.stories.len()
    }

    /// The story an article was put in, if it was seen.
    pub fn story_of(&self, article: &ArticleId) -> Option<&StoryId> {
        self.story_of_article
            .get(article)
            .and_then(|&i| self.stories.get(i))
            .map(|s| &s.id)
    }

    /// The members of a story, in the order they were added.
    pub fn members(&self, story: &StoryId) -> Vec<ArticleId> {
        self.story_index
            .get(story)
            .and_then(|&i| self.stories.get(self.resolve(i)))
            .map_or_else(Vec::new, |s| {
                s.members.iter().map(|m| m.id.clone()).collect()
            })
    }

    /// Why refinement moved `article` after it was assigned; `None` when it stayed where
    /// [`Clusterer::assign`] put it.
    pub fn reassignment(&self, article: &ArticleId) -> Option<&Reassignment> {
        self.reassigned.get(article)
    }

    /// Re-adds a stored membership, so that state survives restarts. Call it for every
    /// stored member in the order the articles were first assigned (publication order).
    /// Every story merged into another, as (merged id, surviving id), the survivor resolved
    /// through chains of merges, in story order.
    pub fn merges(&self) -> Vec<(StoryId, StoryId)> {
        self.stories
            .iter()
            .enumerate()
            .filter(|(_, story)| story.merged_into.is_some())
            .map(|(index, story)| {
                (
                    story.id.clone(),
                    self.stories[self.resolve(index)].id.clone(),
                )
            })
            .collect()
    }

    pub fn restore(&mut self, story: &StoryId, article: &Article) {
        self.restore_scored(story, article, 1.0);
    }

    /// [`Clusterer::restore`] of a membership stored with `score`.
    pub fn restore_scored(&mut self, story: &StoryId, article: &Article, score: f32) {
        if self.story_of_article.contains_key(&article.id) {
            return;
        }
        if let Some(original_story) = self.copied_story(article)
            && self.stories.get(original_story).map(|s| &s.id) == Some(story)
        {
            self.add_copy(original_story, article);
            return;
        }
        let analysed = self.analyse(article);
        let index = match self.story_index.get(story) {
            Some(&index) => self.resolve(index),
            None => self.open_story(story.clone()),
        };
        // Not marked for refinement: stored memberships were refined when they were made.
        self.add_member(index, article, &analysed, score);
        let index = self.resolve(index);
        if let Some(story) = self.stories.get_mut(index) {
            if let Some(member) = story.members.last_mut() {
                member.examined = true;
            }
            story.looked_at = story.members.len();
        }
    }

    /// Puts `article` into the best matching story or a new one.
    pub fn assign(&mut self, article: &Article) -> Assignment {
        if let Some(story) = self.story_of(&article.id) {
            return Assignment {
                story_id: story.clone(),
                is_new_story: false,
                score: 1.0,
                why: vec!["already assigned".to_string()],
            };
        }
        if let Some(index) = self.copied_story(article) {
            self.add_copy(index, article);
            self.dirty.insert(index);
            let original = article
                .duplicate_of
                .as_ref()
                .map_or_else(String::new, |id| format!("copy of {id}"));
            return Assignment {
                story_id: self.stories[index].id.clone(),
                is_new_story: false,
                score: 1.0,
                why: vec![original],
            };
        }

        self.assigned_since_refine += 1;
        if self.assigned_since_refine >= REFINE_EVERY {
            self.refine();
        }
        let analysed = self.analyse(article);
        let best = self.best_story(
            &analysed.vector,
            &analysed.names,
            analysed.word_terms,
            article.date_published,
            None,
        );
        match best {
            Some((index, score)) if score >= self.join_threshold(analysed.word_terms) => {
                let why = self.shared_terms(index, &analysed.vector);
                self.add_member(index, article, &analysed, score);
                self.dirty.insert(self.resolve(index));
                Assignment {
                    story_id: self.stories[self.resolve(index)].id.clone(),
                    is_new_story: false,
                    score,
                    why,
                }
            }
            _ => {
                let id = StoryId::from_seed(&article.id);
                let index = match self.story_index.get(&id) {
                    Some(&index) => self.resolve(index),
                    None => self.open_story(id.clone()),
                };
                let why = top_terms(&analysed, self.config.why_terms);
                self.add_member(index, article, &analysed, 1.0);
                self.dirty.insert(self.resolve(index));
                Assignment {
                    story_id: self.stories[self.resolve(index)].id.clone(),
                    is_new_story: true,
                    score: 1.0,
                    why,
                }
            }
        }
    }

    fn join_threshold(&self, terms: usize) -> f32 {
        let (short, long) = (self.config.short_threshold, self.config.threshold);
        short + (long - short) * length_factor(&self.config, terms)
    }

    /// Follows merges from `index` to the story that now holds its members.
    fn resolve(&self, mut index: usize) -> usize {
        while let Some(next) = self.stories.get(index).and_then(|s| s.merged_into) {
            index = next;
        }
        index
    }

    /// When a growing story has become close to another live story, the smaller joins the
    /// larger: two seeds of one event that grew apart in a shuffled stream.
    fn merge_if_close(&mut self, index: usize) {
        let Some(threshold) = self.merge_threshold_of(index) else {
            return;
        };
        let size = self.stories[index].members.len();
        if size < 2 || !size.is_power_of_two() {
            return;
        }
        self.merge_with_closest(index, threshold);
    }

    /// The centroid cosine at which live story `index` merges with another: slides from
    /// [`ClusterConfig::short_merge_threshold`] to [`ClusterConfig::merge_threshold`] with its
    /// members' mean length; `None` for an empty, merged or never-merging story.
    fn merge_threshold_of(&self, index: usize) -> Option<f32> {
        let story = self.stories.get(index)?;
        if story.members.is_empty() || story.merged_into.is_some() {
            return None;
        }
        let (short, long) = (
            self.config.short_merge_threshold,
            self.config.merge_threshold,
        );
        let mean_terms = story.member_terms / story.members.len();
        let threshold = short + (long - short) * length_factor(&self.config, mean_terms);
        (threshold > 0.0).then_some(threshold)
    }

    /// Merges story `index` with the story whose centroid is closest to its own, when their
    /// decayed cosine reaches `threshold`; the smaller joins the larger.
    ///
    /// Within the retirement horizon the time decay decides: a development days later (the
    /// strike's settlement) is a story of its own, whose brief cites the first. Past the
    /// horizon, two stories of full texts ([`Self::is_full_text_story`]) are not decayed:
    /// the older has left the news and the newer, this close to it, is that story resuming
    /// (a shooting, the charge months later, the trial the next year), so a story of full
    /// texts also looks for its past among retired ones ([`Self::archive`]). Headline
    /// stories are always decayed: broad headline stories of different weeks look alike.
    /// (ECB+ dev, mean of five shuffled orders: 0.895 → 0.909, resumed stories' centroid
    /// cosines 0.60-0.71 at gaps of 41 days to 4 years; headlines unchanged.)
    fn merge_with_closest(&mut self, index: usize, threshold: f32) {
        let Some(story) = self.stories.get(index) else {
            return;
        };
        let size = story.members.len();
        let resumes = self.is_full_text_story(index);
        let horizon = self.retirement_horizon_hours();
        let top = story.centroid.sum.top(self.config.candidate_terms);
        let candidates = self.candidates(
            &top,
            resumes,
            |other, candidate| {
                if other == index || candidate.merged_into.is_some() {
                    return None;
                }
                let apart_hours = spans_gap_hours(story.published_span, candidate.published_span);
                let decay = if resumes
                    && apart_hours.is_some_and(|gap| gap > horizon)
                    && self.is_full_text_story(other)
                {
                    1.0
                } else {
                    self.decay_spans(story.published_span, candidate.published_span)
                };
                Some(decay)
            },
            |_| true,
        );
        self.count(|stats| stats.candidates_scored += candidates.len() as u64);
        let mut best: Option<(usize, f32)> = None;
        for (other, decay) in candidates {
            let score = story.centroid.cosine_with(&self.stories[other].centroid) * decay;
            if score >= threshold && best.is_none_or(|(_, s)| score > s) {
                best = Some((other, score));
            }
        }
        let Some((other, _)) = best else {
            return;
        };
        let (keep, gone) = if self.stories[other].members.len() >= size {
            (other, index)
        } else {
            (index, other)
        };
        self.merge_into(gone, keep);
    }

    /// True when the story's members average a full text's length ([`length_factor`] 1).
    fn is_full_text_story(&self, index: usize) -> bool {
        self.stories.get(index).is_some_and(|story| {
            !story.members.is_empty()
                && story.member_terms / story.members.len() >= self.config.long_terms
        })
    }

    /// Moves every member of story `gone` into `keep` and leaves `gone` pointing at it. A
    /// retired `keep` is live again: back in the term lookup.
    fn merge_into(&mut self, gone: usize, keep: usize) {
        if std::mem::take(&mut self.stories[keep].retired) {
            // Resumed: it ranks as the newest story in the lookup.
            self.stories[keep].rank = self.next_rank;
            self.next_rank += 1;
            post_centroid(
                &mut self.postings,
                &self.vocabulary,
                keep,
                &self.stories[keep].centroid.sum,
            );
        }
        // A merged story leaves the lookup and the archive at once (not at the next
        // pruning), so the lookup always holds exactly the live stories' centroid terms and
        // a restored clusterer rebuilds it as it was.
        self.unpost_centroid(gone);
        self.unfile(gone);
        self.mark_changed(gone);
        self.mark_changed(keep);
        let moved = std::mem::take(&mut self.stories[gone].members);
        let centroid = std::mem::take(&mut self.stories[gone].centroid);
        let span = self.stories[gone].published_span;
        let member_terms = std::mem::take(&mut self.stories[gone].member_terms);
        let names = std::mem::take(&mut self.stories[gone].names);
        self.stories[gone].merged_into = Some(keep);
        self.dirty.remove(&gone);
        self.dirty.insert(keep);
        self.add_postings(keep, &centroid.sum);
        let from = self.stories[gone].id.clone();
        for member in &moved {
            self.story_of_article.insert(member.id.clone(), keep);
            self.relocated
                .entry(member.id.clone())
                .or_insert_with(|| from.clone());
        }
        let target = &mut self.stories[keep];
        let written = target.centroid.add(&centroid.sum, 1.0);
        self.count(|stats| stats.centroid_entries_written += written as u64);
        let target = &mut self.stories[keep];
        if let Some((oldest, newest)) = span {
            widen_span(&mut target.published_span, Some(oldest));
            widen_span(&mut target.published_span, Some(newest));
        }
        target.members.extend(moved);
        target.member_terms += member_terms;
        for (name, count) in names {
            *target.names.entry(name).or_insert(0) += count;
        }
    }

    /// Adds story `index` to the term lookup of every word term of `vector` its centroid
    /// does not hold yet (call before adding `vector` to the centroid).
    fn add_postings(&mut self, index: usize, vector: &SparseVector) {
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
    fn unpost_centroid(&mut self, index: usize) {
        for &(term, _) in self.stories[index].centroid.sum.entries() {
            unpost(&mut self.postings, &self.stories, index, term);
        }
    }

    /// Takes story `index` out of the archive of retired stories.
    fn unfile(&mut self, index: usize) {
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
    fn mark_changed(&mut self, index: usize) {
        if let Some(story) = self.stories.get(index) {
            self.changed_stories.insert(story.id.clone());
        }
    }

    fn decay_spans(
        &self,
        a: Option<(DateTime<Utc>, DateTime<Utc>)>,
        b: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> f32 {
        match a {
            Some((oldest, newest)) => self.decay(Some(oldest), b).max(self.decay(Some(newest), b)),
            None => 1.0,
        }
    }

    /// The story of the original this article copies, when that original was seen.
    fn copied_story(&self, article: &Article) -> Option<usize> {
        let original = article.duplicate_of.as_ref()?;
        self.story_of_article.get(original).copied()
    }

    /// Adds a copy: it widens the story's time span but adds no vector, terms or names.
    fn add_copy(&mut self, index: usize, article: &Article) {
        if index >= self.stories.len() {
            return;
        }
        let copy = Member {
            id: article.id.clone(),
            published: article.date_published,
            vector: None,
            terms: 0,
            names: Vec::new(),
            copy_of: article.duplicate_of.clone(),
            in_centroid: false,
            score: 1.0,
            examined: false,
        };
        self.insert_member(index, copy);
    }

    fn open_story(&mut self, id: StoryId) -> usize {
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
        });
        self.next_seq += 1;
        self.next_rank += 1;
        index
    }

    fn add_member(&mut self, index: usize, article: &Article, analysed: &Analysed, score: f32) {
        if let Some(published) = article.date_published {
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
            published: article.date_published,
            vector: Some(analysed.vector.clone()),
            terms: analysed.word_terms,
            names: analysed.names.iter().copied().collect(),
            copy_of: None,
            in_centroid: false,
            score,
            examined: false,
        };
        self.insert_member(index, member);
        self.merge_if_close(index);
    }

    /// Adds a member's names and time to story `index`, and its vector to the centroid
    /// while that holds fewer than [`CENTROID_TERMS`] terms.
    fn insert_member(&mut self, index: usize, mut member: Member) {
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
        story.members.push(member);
    }

    /// Takes the member at `position` out of story `index`, undoing what
    /// [`Self::insert_member`] added.
    fn remove_member(&mut self, index: usize, position: usize) -> Member {
        let member = self.stories[index].members.remove(position);
        self.detach(index, &member);
        member
    }

    /// Takes `member`, already out of story `index`'s member list, out of its centroid, names,
    /// length and time span.
    fn detach(&mut self, index: usize, member: &Member) {
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
    fn prune_postings(&mut self) {
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
                    dropped |= member.vector.is_some() || !member.names.is_empty();
                    member.vector = None;
                    member.names = Vec::new();
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
    fn archive_story(&mut self, index: usize) {
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

    /// The TF-IDF vector of term frequencies with the document frequencies learned so far.
    fn weigh(&self, term_frequencies: &[(u32, f32)]) -> SparseVector {
        SparseVector::from_weights(
            term_frequencies
                .iter()
                .map(|&(id, tf)| (id, tf * self.document_frequencies.idf(id))),
        )
    }

    /// Turns the article into a TF-IDF vector, counting it in the document frequencies.
    fn analyse(&mut self, article: &Article) -> Analysed {
        let lang = article.in_language.as_deref();
        let lead = lead_text(
            if article.article_body.trim().is_empty() {
                article.description.as_deref().unwrap_or("")
            } else {
                &article.article_body
            },
            self.config.lead_paragraphs,
            self.config.lead_words,
        );
        let mut counts: BTreeMap<u32, f32> = BTreeMap::new();
        let mut surfaces: BTreeMap<u32, (String, bool)> = BTreeMap::new();
        let mut names: BTreeSet<u32> = BTreeSet::new();
        let parts = [
            (article.headline.as_str(), self.config.title_weight),
            (lead.as_str(), 1.0),
        ];
        // Character 4-grams of each word, counted in only for short texts (below), so that
        // a headline's "Plosser's", "tapering" or "Obamacare" meets another's "Plosser",
        // "taper" or "Obama". A word's grams share its weight.
        let mut grams: Vec<(String, f32)> = Vec::new();
        for (text, weight) in parts {
            let terms = analyze(text, lang);
            for term in &terms {
                let padded: Vec<char> = format!("^{}$", term.surface.to_lowercase())
                    .chars()
                    .collect();
                if padded.len() < GRAM_CHARS + 2 {
                    continue;
                }
                let count = (padded.len() + 1 - GRAM_CHARS) as f32;
                for gram in padded.windows(GRAM_CHARS) {
                    // '#' keeps grams apart from stems in the vocabulary.
                    let mut feature = String::from("#");
                    feature.extend(gram);
                    grams.push((feature, weight / count));
                }
            }
            for term in terms {
                let id = self.vocabulary.intern(&term.stem);
                // Weekdays, months and years are capitalised or numeric like names, but every
                // story has them: they say when, not which.
                let factor = if is_calendar_word(&term.surface) {
                    CALENDAR_WEIGHT
                } else if term.is_proper {
                    names.insert(id);
                    self.config.proper_weight
                } else {
                    1.0
                };
                *counts.entry(id).or_insert(0.0) += weight * factor;
                let surface = surfaces
                    .entry(id)
                    .or_insert_with(|| (term.surface.clone(), term.is_proper));
                if term.is_proper && !surface.1 {
                    *surface = (term.surface, true);
                }
            }
        }
        // Full texts share enough whole words; their grams would only blur look-alike events.
        let word_terms = counts.len();
        let short_share = 1.0 - length_factor(&self.config, word_terms);
        if short_share > 0.0 {
            for (feature, weight) in grams {
                let id = self.vocabulary.intern(&feature);
                *counts.entry(id).or_insert(0.0) += weight * GRAM_WEIGHT * short_share;
            }
        }
        self.document_frequencies
            .add_document(counts.keys().copied());
        self.changed_terms.extend(counts.keys().copied());
        for (&id, (surface, proper)) in &surfaces {
            let known = self
                .surface_forms
                .entry(id)
                .or_insert_with(|| (surface.clone(), *proper));
            if *proper && !known.1 {
                *known = (surface.clone(), true);
            }
        }
        let term_frequencies: Vec<(u32, f32)> = counts
            .iter()
            .map(|(&id, &count)| {
                // Sublinear term frequency: the tenth mention says less than the second.
                // Short texts take BM25's saturation instead, which lifts the small weights
                // of character grams and flattens a headline's proper-noun boost (headline
                // set, mean of ten orders: 0.755 → 0.760); on full texts it cost a point in
                // file order.
                let log_tf = if count > 1.0 { 1.0 + count.ln() } else { count };
                let saturated_tf = count * (BM25_K1 + 1.0) / (count + BM25_K1);
                (
                    id,
                    saturated_tf * short_share + log_tf * (1.0 - short_share),
                )
            })
            .collect();
        let vector = self.weigh(&term_frequencies);
        Analysed {
            vector,
            surfaces,
            word_terms,
            names,
        }
    }

    /// The most similar story (decayed score) for an article's vector, its names and
    /// length, ties to the earliest story; `skip` is left out (the article's own story when
    /// refining).
    fn best_story(
        &self,
        vector: &SparseVector,
        names: &BTreeSet<u32>,
        word_terms: usize,
        published: Option<DateTime<Utc>>,
        skip: Option<usize>,
    ) -> Option<(usize, f32)> {
        // Full texts about one event share people, places and figures; look-alike events of
        // one kind share the topic's words and little more than a place.
        let article_is_long = !names.is_empty() && length_factor(&self.config, word_terms) >= 1.0;
        // A full text naming a story's people and places days later is its follow-up (the
        // charge after the arrest, the fix after the flaw): its similarity fades with the
        // gap only down to a floor. Headlines, which share a word or two, get no floor.
        let decay_floor = self.config.decay_floor * length_factor(&self.config, word_terms);
        let top = vector.top(self.config.candidate_terms);
        let candidates = self.candidates(
            &top,
            false,
            |index, story| {
                if story.merged_into.is_some() || story.members.is_empty() || Some(index) == skip {
                    return None;
                }
                let decay = self.decay_with_floor(published, story.published_span, decay_floor);
                (decay >= self.config.threshold).then_some(decay)
            },
            |story| {
                !(article_is_long
                    && !story.names.is_empty()
                    && story.member_terms >= self.config.long_terms * story.members.len()
                    && names
                        .iter()
                        .filter(|name| story.names.contains_key(name))
                        .take(MIN_SHARED_NAMES)
                        .count()
                        < MIN_SHARED_NAMES)
            },
        );
        self.count(|stats| stats.candidates_scored += candidates.len() as u64);
        let vector_norm = vector.norm();
        let mut best: Option<(usize, f32)> = None;
        for (index, decay) in candidates {
            let score = self.stories[index].centroid.cosine(vector, vector_norm) * decay;
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((index, score));
            }
        }
        best
    }

    /// The stories worth scoring exactly for a query (an article's vector or a story's
    /// centroid) whose heaviest terms are `top`, in story order, each with the factor
    /// `admit` gives it (its time decay); `admit` returns `None` for a story that cannot
    /// take the query, and `passes` is a costlier test it must pass too (asked last, and
    /// only of the stories that could make the cut below). Stories come from the term
    /// lookup, each term's list read from its newest end and at most [`POSTINGS_SCANNED`]
    /// entries of it, and with `archived` from the archive of retired stories too (read
    /// whole: [`ARCHIVE_PER_TERM`] bounds it). When more than [`SCORED_CANDIDATES`] are
    /// admitted, those with the largest cheap estimate are kept: the cosine over `top` alone
    /// (the query's weight times the story's normalised centroid weight, summed over shared
    /// terms) times the factor, ties to the earliest story. A flood of look-alike items
    /// shares its common words with every story it opened, so without the two caps an item
    /// would be scored against all of them.
    fn candidates(
        &self,
        top: &[(u32, f32)],
        archived: bool,
        admit: impl Fn(usize, &StoryState) -> Option<f32>,
        passes: impl Fn(&StoryState) -> bool,
    ) -> Vec<(usize, f32)> {
        let mut hits: Vec<(usize, u32, f32)> = Vec::new();
        for &(term, weight) in top {
            if let Some(list) = self.postings.get(&term) {
                hits.extend(
                    list.iter()
                        .rev()
                        .take(POSTINGS_SCANNED)
                        .map(|&index| (index, term, weight)),
                );
            }
            if let Some(list) = self.archive.get(&term).filter(|_| archived) {
                hits.extend(list.iter().map(|&index| (index, term, weight)));
            }
        }
        self.count(|stats| {
            stats.lookups += 1;
            stats.postings_scanned += hits.len() as u64;
        });
        // Each story's factor, asked once; a story it turns away (merged, or too far apart in
        // time: most of a long list at scale) costs no estimate.
        let mut factors: HashMap<usize, Option<f32>> = HashMap::new();
        // Story → (estimate, last term counted), summed in the order of `top`: the same in
        // every run, whatever the map's order.
        let mut estimates: HashMap<usize, (f32, u32)> = HashMap::new();
        for (index, term, weight) in hits {
            let factor = *factors
                .entry(index)
                .or_insert_with(|| admit(index, &self.stories[index]));
            if factor.is_none() {
                continue;
            }
            let estimate = estimates.entry(index).or_insert((0.0, u32::MAX));
            // A story may be listed twice under a term (a resumed story is posted again, and
            // may still be archived): each term counts once.
            if estimate.1 == term {
                continue;
            }
            estimate.1 = term;
            let centroid = &self.stories[index].centroid;
            if centroid.norm > 0.0 {
                estimate.0 += weight * centroid.get(term) / centroid.norm;
            }
        }
        let mut admitted: Vec<(usize, f32, f32)> = estimates
            .into_iter()
            .filter_map(|(index, (estimate, _))| {
                let factor = factors.get(&index).copied().flatten()?;
                Some((index, factor, estimate * factor))
            })
            .collect();
        if admitted.len() > SCORED_CANDIDATES {
            // Best estimate first: the first SCORED_CANDIDATES that pass are the ones a cut
            // of all that pass would keep.
            admitted.sort_unstable_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
            let mut kept = Vec::with_capacity(SCORED_CANDIDATES);
            for candidate in admitted {
                if passes(&self.stories[candidate.0]) {
                    kept.push(candidate);
                    if kept.len() == SCORED_CANDIDATES {
                        break;
                    }
                }
            }
            admitted = kept;
        } else {
            admitted.retain(|candidate| passes(&self.stories[candidate.0]));
        }
        admitted.sort_unstable_by_key(|&(index, _, _)| index);
        admitted
            .into_iter()
            .map(|(index, factor, _)| (index, factor))
            .collect()
    }

    /// Ends a stream, or a batch of it: refines the stories touched since the last
    /// refinement (see [`Self::refine`]). Call it before reading the final stories.
    pub fn finish(&mut self) {
        self.refine();
    }

    /// Second look at the stories touched since the last refinement: each member longer
    /// than a headline (copies aside) moves to another live story when it is now clearly
    /// closer to that story than to the rest of its own, by the same rules as
    /// [`Self::assign`] (threshold, time decay, shared names) plus a margin; a story left
    /// empty points at the story that took most of its members. An article that arrived
    /// before its own story existed joined the nearest look-alike; this is where it finds its
    /// way back. Stories holding two look-alike events are split first
    /// ([`Self::split_if_two_events`]). Up to [`REFINE_ROUNDS`] passes of moves, fewer when
    /// one moves nothing; then each story merges with its closest when their centroids are
    /// as close as [`Self::merge_if_close`] asks (ECB+ dev, mean of five shuffled orders,
    /// decay floor 0.5: 0.907 → 0.914; headlines 0.765 → 0.774).
    fn refine(&mut self) {
        self.assigned_since_refine = 0;
        let mut sources: Vec<usize> = std::mem::take(&mut self.dirty).into_iter().collect();
        let mut index = 0;
        while index < sources.len() {
            let source = sources[index];
            // The split test reads up to SPLIT_MEMBERS members pairwise: like the full look
            // below, it waits until the story has grown REFINE_REGROWTH times since the last
            // one (a story of two events is found when small, and small stories double fast).
            if !self.due_for_full_look(source) {
                index += 1;
                continue;
            }
            if let Some(new_story) = self.split_if_two_events(source) {
                // Each part may hold yet another event, and each is looked at in full.
                self.stories[source].looked_at = 0;
                sources.push(new_story);
            } else {
                index += 1;
            }
        }
        // The members each story may move, chosen once for all rounds. Headlines stay where
        // they were put (see `refine_member`). Of a very large story only the newest members
        // are looked at: the older ones were at earlier refinements, while the story was
        // smaller. And a member is looked at again only when its story has grown
        // REFINE_REGROWTH times since its last such look: between those, only the members
        // no refinement has considered yet. A story touched at every refinement would
        // otherwise have its newest members compared with every story again each time,
        // while one new article barely moves its centroid; with the looks spaced
        // geometrically a member is considered a bounded number of times.
        let picks: Vec<Vec<ArticleId>> = sources
            .iter()
            .map(|&source| {
                let story = &self.stories[source];
                let full = self.due_for_full_look(source);
                let mut picked: Vec<ArticleId> = story
                    .members
                    .iter()
                    .rev()
                    .filter(|m| m.vector.is_some() && m.terms > self.config.short_terms)
                    .filter(|m| full || !m.examined)
                    .take(REFINE_MEMBERS)
                    .map(|m| m.id.clone())
                    .collect();
                picked.reverse();
                picked
            })
            .collect();
        for &source in &sources {
            if self.due_for_full_look(source) {
                self.stories[source].looked_at = self.stories[source].members.len();
            }
            let story = &mut self.stories[source];
            // Those not picked count as considered too: they were, at an earlier look.
            for member in &mut story.members {
                member.examined = true;
            }
        }
        // Moved members by story they left and story they joined, for emptied stories.
        let mut flows: BTreeMap<usize, BTreeMap<usize, usize>> = BTreeMap::new();
        for _ in 0..REFINE_ROUNDS {
            let mut moves = 0;
            for (&source, picked) in sources.iter().zip(&picks) {
                self.count(|stats| stats.members_refined += picked.len() as u64);
                // Where the previous candidate was: the next is at or just after it.
                let mut near = 0;
                for id in picked {
                    if self.story_of_article.get(id) != Some(&source) {
                        continue;
                    }
                    if let Some(target) = self.refine_member(source, id, &mut near) {
                        *flows.entry(source).or_default().entry(target).or_insert(0) += 1;
                        moves += 1;
                    }
                }
            }
            if moves == 0 {
                break;
            }
        }
        // Stories the moves left close to another (two seeds of one event, each now
        // holding its own articles) merge, as a growing story would at its next doubling.
        for &source in &sources {
            let source = self.resolve(source);
            // As at a doubling, a story of one article does not go looking for a merge
            // (moves are its way out).
            if self.stories[source].members.len() < 2 {
                continue;
            }
            if let Some(threshold) = self.merge_threshold_of(source) {
                self.merge_with_closest(source, threshold);
            }
        }
        for (source, targets) in flows {
            if !self.stories[source].members.is_empty()
                || self.stories[source].merged_into.is_some()
            {
                continue;
            }
            // Most members taken, ties to the earliest story.
            let Some((&target, _)) = targets
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            else {
                continue;
            };
            let target = self.resolve(target);
            if target != source {
                self.unpost_centroid(source);
                self.unfile(source);
                self.stories[source].merged_into = Some(target);
                self.mark_changed(source);
            }
        }
    }

    /// Splits story `index` in two when its members longer than a headline fall into two
    /// groups that each name someone or something the other group hardly names, or that lie
    /// more than [`SPLIT_TIME_GAP_DAYS`] apart ([`apart_in_time`]): two look-alike events
    /// (two boxers' title fights, two fires at one supermarket chain) that one article's
    /// shared topic words and actor joined early. The groups come from two-means on the
    /// members' vectors, seeded with the least similar pair; each must hold at least
    /// [`SPLIT_MIN_PART`] members and a name found in at least [`SPLIT_OWN_SHARE`] of its
    /// members and at most [`SPLIT_OTHER_SHARE`] of the other group's. The group holding the
    /// story's first member keeps the id; the other opens a story named after its own first
    /// member, which is returned. Groups whose median publication times are within
    /// [`SAME_CYCLE_GRACES`] grace periods of each other do not split on names, and groups
    /// whose centroids are as alike as two stories that merge ([`Self::merge_threshold_of`])
    /// do not split at all. Headlines are left out: a headline names one or two things, too
    /// few for the test. (ECB+ dev, mean of five shuffled orders, decay floor 0.5: 0.900 with
    /// full texts alone, 0.904 with every article longer than a headline, 0.907 with the
    /// time test as well; at floor 0.45 with resumption, 0.909 → 0.918 with the same-cycle
    /// rule; mean of eight orders, 0.918 → 0.924 with the merge gate and a name share of 0.4.
    /// Over eight orders the old test accepted 111 cuts: of the 77 whose groups' cosine was
    /// below 0.6, 70 mostly separated two events; of the 34 at 0.6 or more, 8 did.)
    /// Whether a refinement should look at story `index` in full (the split test, and its
    /// newest members whether considered before or not): never looked at so, or grown
    /// [`REFINE_REGROWTH`] times since.
    fn due_for_full_look(&self, index: usize) -> bool {
        let story = &self.stories[index];
        story.members.len() >= REFINE_REGROWTH * story.looked_at.max(1)
    }

    fn split_if_two_events(&mut self, index: usize) -> Option<usize> {
        let story = &self.stories[index];
        if story.merged_into.is_some() {
            return None;
        }
        let eligible: Vec<usize> = (0..story.members.len())
            .filter(|&i| {
                story.members[i].vector.is_some()
                    && story.members[i].terms > self.config.short_terms
            })
            .collect();
        if eligible.len() < 2 * SPLIT_MIN_PART {
            return None;
        }
        // Of a very large story, an evenly spaced sample (the first member in it) is tested;
        // two events that each hold a fair share of it show in the sample.
        let members: Vec<usize> = if eligible.len() > SPLIT_MEMBERS {
            (0..SPLIT_MEMBERS)
                .map(|k| eligible[k * eligible.len() / SPLIT_MEMBERS])
                .collect()
        } else {
            eligible.clone()
        };
        self.count(|stats| stats.members_refined += members.len() as u64);
        let vectors: Vec<&SparseVector> = members
            .iter()
            .filter_map(|&i| story.members[i].vector.as_ref())
            .collect();
        let same_cycle_seconds = SAME_CYCLE_GRACES * self.config.decay_grace_hours * 3600.0;
        // No gate when stories never merge (a merge threshold of 0).
        let merge_threshold = self.merge_threshold_of(index).unwrap_or(f32::INFINITY);
        let splits = |in_first: &[bool]| -> bool {
            let first_size = in_first.iter().filter(|&&f| f).count();
            if first_size < SPLIT_MIN_PART || members.len() - first_size < SPLIT_MIN_PART {
                return false;
            }
            // Groups as close as two stories that merge are one story: the merge pass would
            // join them again, and the names test alone cuts single events along whichever
            // outlets name the lawyer and which the clinic.
            let (first_centroid, second_centroid) = group_centroids(&vectors, in_first);
            if first_centroid.cosine_with(&second_centroid) >= merge_threshold {
                return false;
            }
            let group = |wanted: bool| -> Vec<&Member> {
                members
                    .iter()
                    .zip(in_first)
                    .filter(|&(_, &f)| f == wanted)
                    .map(|(&i, _)| &story.members[i])
                    .collect()
            };
            let (first, second) = (group(true), group(false));
            // Groups whose median publication times lie within a couple of news cycles are
            // one event told by outlets that name different people (the lawyer in some, the
            // clinic in others): only groups apart in time, or undated, split on names.
            let same_cycle = match (median_published(&first), median_published(&second)) {
                (Some(a), Some(b)) => (a - b).num_seconds().abs() as f64 <= same_cycle_seconds,
                _ => false,
            };
            let names_apart = !same_cycle
                && names_only_one_side(&first, &second)
                && names_only_one_side(&second, &first);
            names_apart || apart_in_time(&first, &second)
        };
        let in_first = two_means(&vectors).filter(|in_first| splits(in_first))?;
        // The part without the story's first member moves out, copies with their originals.
        let keeps_first_part = members.first().is_some_and(|_| in_first[0]);
        let mut leaving: BTreeSet<ArticleId> = members
            .iter()
            .zip(&in_first)
            .filter(|&(_, &f)| f != keeps_first_part)
            .map(|(&i, _)| story.members[i].id.clone())
            .collect();
        if members.len() < eligible.len() {
            // Members outside the sample go with the part whose centroid is nearer, as
            // two-means would put them.
            let (first_centroid, second_centroid) = group_centroids(&vectors, &in_first);
            let sampled: BTreeSet<usize> = members.iter().copied().collect();
            for &i in eligible.iter().filter(|i| !sampled.contains(i)) {
                let Some(vector) = story.members[i].vector.as_ref() else {
                    continue;
                };
                let norm = vector.norm();
                let in_first =
                    first_centroid.cosine(vector, norm) >= second_centroid.cosine(vector, norm);
                if in_first != keeps_first_part {
                    leaving.insert(story.members[i].id.clone());
                }
            }
        }
        let seed = story
            .members
            .iter()
            .find(|m| leaving.contains(&m.id))
            .map(|m| m.id.clone())?;
        let new_id = StoryId::from_seed(&seed);
        let target = match self.story_index.get(&new_id) {
            Some(&existing) => self.resolve(existing),
            None => self.open_story(new_id),
        };
        if target == index {
            return None;
        }
        let from = self.stories[index].id.clone();
        // One pass over the members, not one removal each: half a large story may leave.
        let (going, staying): (Vec<Member>, Vec<Member>) =
            std::mem::take(&mut self.stories[index].members)
                .into_iter()
                .partition(|member| {
                    leaving.contains(&member.id)
                        || member.copy_of.as_ref().is_some_and(|o| leaving.contains(o))
                });
        self.stories[index].members = staying;
        for mut moving in going {
            self.detach(index, &moving);
            let id = moving.id.clone();
            self.relocated
                .entry(id.clone())
                .or_insert_with(|| from.clone());
            if leaving.contains(&id) {
                moving.score = 1.0;
            }
            self.insert_member(target, moving);
            if leaving.contains(&id) {
                self.reassigned.insert(
                    id,
                    Reassignment {
                        from: from.clone(),
                        score: 1.0,
                        why: vec![format!("split from story {from}")],
                    },
                );
            }
        }
        Some(target)
    }

    /// Moves member `id` of story `source` (with its copies) to a clearly closer story and
    /// returns that story, or leaves it. The member is looked for from position `near` on
    /// (then before it), and `near` is left at its position.
    fn refine_member(&mut self, source: usize, id: &ArticleId, near: &mut usize) -> Option<usize> {
        let story = &self.stories[source];
        let start = (*near).min(story.members.len());
        let position = story.members[start..]
            .iter()
            .position(|m| &m.id == id)
            .map(|p| p + start)
            .or_else(|| story.members[..start].iter().position(|m| &m.id == id))?;
        *near = position;
        let member = &story.members[position];
        let vector = member.vector.as_ref()?;
        // Headlines stay where they were put: a broad story's headlines are each closer to
        // some small story than to the rest of theirs (headline set: 0.767 → 0.715 when
        // they moved too). Short texts of a few sentences do move (ECB+ dev, decay floor
        // 0.5: 0.887 → 0.900 against full texts only).
        if member.terms <= self.config.short_terms {
            return None;
        }
        // Similarity to the rest of its own story: the centroid without this member (a
        // member's vector has unit length), or the whole centroid when it does not hold
        // this member (one that came after `CENTROID_TERMS`).
        let with_vectors = story
            .members
            .iter()
            .filter(|m| m.vector.is_some())
            .take(2)
            .count();
        let own = if !member.in_centroid {
            story.centroid.cosine(vector, vector.norm())
        } else if with_vectors > 1 {
            let dot = story.centroid.dot(vector);
            let centroid_norm = story.centroid.norm;
            let rest_norm = (centroid_norm * centroid_norm - 2.0 * dot + 1.0)
                .max(1e-9)
                .sqrt();
            (dot - 1.0) / rest_norm
        } else {
            0.0
        };
        let names: BTreeSet<u32> = member.names.iter().copied().collect();
        let (target, score) =
            self.best_story(vector, &names, member.terms, member.published, Some(source))?;
        if score < self.join_threshold(member.terms) || score <= own + REFINE_MARGIN {
            return None;
        }
        let from = self.stories[source].id.clone();
        let mut moving = self.remove_member(source, position);
        moving.score = score;
        let why = moving
            .vector
            .as_ref()
            .map_or_else(Vec::new, |vector| self.shared_terms(target, vector));
        let copies: Vec<usize> = self.stories[source]
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.copy_of.as_ref() == Some(id))
            .map(|(i, _)| i)
            .collect();
        self.insert_member(target, moving);
        self.relocated
            .entry(id.clone())
            .or_insert_with(|| from.clone());
        for position in copies.into_iter().rev() {
            let copy = self.remove_member(source, position);
            self.relocated
                .entry(copy.id.clone())
                .or_insert_with(|| from.clone());
            self.insert_member(target, copy);
        }
        self.reassigned
            .insert(id.clone(), Reassignment { from, score, why });
        self.dirty.insert(target);
        Some(target)
    }

    /// Decay on the gap between the article and the story's span of publication times (0
    /// inside it, so a late-arriving article is not penalised); 1 when either time is
    /// unknown (an undated article carries no time evidence).
    fn decay(
        &self,
        article: Option<DateTime<Utc>>,
        span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> f32 {
        gap_hours(article, span).map_or(1.0, |gap| self.decay_over(gap))
    }

    /// The time decay for a gap of `gap_hours` (see [`Self::decay`]).
    fn decay_over(&self, gap_hours: f64) -> f32 {
        let beyond = gap_hours - self.config.decay_grace_hours;
        if beyond <= 0.0 || self.config.decay_scale_hours <= 0.0 {
            return 1.0;
        }
        (-beyond / self.config.decay_scale_hours).exp() as f32
    }

    /// [`Self::decay`] raised to `floor` while the gap is within the retirement horizon
    /// ([`Self::retirement_horizon_hours`]): past it a story takes no article, whether or not
    /// [`Self::prune_postings`] has run since.
    fn decay_with_floor(
        &self,
        article: Option<DateTime<Utc>>,
        span: Option<(DateTime<Utc>, DateTime<Utc>)>,
        floor: f32,
    ) -> f32 {
        let Some(gap) = gap_hours(article, span) else {
            return 1.0;
        };
        let decay = self.decay_over(gap);
        if decay < floor && gap <= self.retirement_horizon_hours() {
            floor
        } else {
            decay
        }
    }

    /// Hours of silence after which a story retires: twice the gap at which the time decay
    /// falls below the lowest joining threshold, a margin for articles that arrive out of
    /// order (about 13 days by default).
    fn retirement_horizon_hours(&self) -> f64 {
        let lowest_threshold = self
            .config
            .threshold
            .min(self.config.short_threshold)
            .max(0.01);
        2.0 * (self.config.decay_grace_hours
            + self.config.decay_scale_hours * (1.0 / f64::from(lowest_threshold)).ln())
    }

    /// Surface forms of the terms an article's vector shares with the story, proper nouns
    /// first, then by contribution to the similarity.
    fn shared_terms(&self, index: usize, vector: &SparseVector) -> Vec<String> {
        let Some(story) = self.stories.get(index) else {
            return Vec::new();
        };
        let mut shared: Vec<(bool, f32, u32)> = vector
            .entries()
            .iter()
            .filter_map(|&(term, weight)| {
                let story_weight = story.centroid.get(term);
                let surface = self.surface_forms.get(&term)?;
                (story_weight > 0.0).then_some((surface.1, weight * story_weight, term))
            })
            .collect();
        shared.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        shared
            .into_iter()
            .take(self.config.why_terms)
            .filter_map(|(_, _, term)| self.surface_forms.get(&term).map(|s| s.0.clone()))
            .collect()
    }
}

/// Hours between an article's time and a story's span of times; `None` when either is
/// unknown or the article falls inside the span.
fn gap_hours(
    article: Option<DateTime<Utc>>,
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Option<f64> {
    let (article, (oldest, newest)) = (article?, span?);
    let gap = if article > newest {
        article - newest
    } else if article < oldest {
        oldest - article
    } else {
        return None;
    };
    Some(gap.num_seconds() as f64 / 3600.0)
}

/// Adds story `index` to the lookup `postings` under every word term of its `centroid`
/// (character grams are left out, see [`is_gram`]).
/// Only for a story ranked after every story already in the lookup (a resumed story, or
/// stories posted in rank order): it goes at the end of each list.
fn post_centroid(
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
fn post(postings: &mut HashMap<u32, Vec<usize>>, stories: &[StoryState], index: usize, term: u32) {
    let list = postings.entry(term).or_default();
    let rank = stories[index].rank;
    let at = list.partition_point(|&other| stories[other].rank < rank);
    if list.get(at) != Some(&index) {
        list.insert(at, index);
    }
}

/// Takes story `index` out of `term`'s list of the lookup, if it is there.
fn unpost(
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
fn live_postings(stories: &[StoryState], vocabulary: &Vocabulary) -> HashMap<u32, Vec<usize>> {
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

/// Hours between two spans of publication times (0 when they overlap); `None` when either
/// is unknown.
fn spans_gap_hours(
    a: Option<(DateTime<Utc>, DateTime<Utc>)>,
    b: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Option<f64> {
    let ((a_oldest, a_newest), (b_oldest, b_newest)) = (a?, b?);
    let gap = if a_oldest > b_newest {
        a_oldest - b_newest
    } else if b_oldest > a_newest {
        b_oldest - a_newest
    } else {
        return Some(0.0);
    };
    Some(gap.num_seconds() as f64 / 3600.0)
}

/// Two-means over unit vectors, seeded with the least similar pair (ties to the earliest):
/// which vectors fall in the first group; `None` when one group ends up empty.
fn two_means(vectors: &[&SparseVector]) -> Option<Vec<bool>> {
    let mut seeds: Option<(usize, usize, f32)> = None;
    for a in 0..vectors.len() {
        for b in a + 1..vectors.len() {
            let similarity = vectors[a].dot(vectors[b]);
            if seeds.is_none_or(|(_, _, s)| similarity < s) {
                seeds = Some((a, b, similarity));
            }
        }
    }
    let (a, b, _) = seeds?;
    let (mut first, mut second) = (
        Centroid::from_sum(vectors[a].clone()),
        Centroid::from_sum(vectors[b].clone()),
    );
    let norms: Vec<f32> = vectors.iter().map(|v| v.norm()).collect();
    let mut in_first: Vec<bool> = Vec::new();
    for _ in 0..TWO_MEANS_ROUNDS {
        let next: Vec<bool> = vectors
            .iter()
            .zip(&norms)
            .map(|(v, &norm)| first.cosine(v, norm) >= second.cosine(v, norm))
            .collect();
        if next.iter().all(|&f| f) || next.iter().all(|&f| !f) {
            return None;
        }
        if next == in_first {
            break;
        }
        in_first = next;
        (first, second) = group_centroids(vectors, &in_first);
    }
    Some(in_first)
}

/// The sums of the vectors in the first group and of those in the second.
fn group_centroids(vectors: &[&SparseVector], in_first: &[bool]) -> (Centroid, Centroid) {
    let (mut first, mut second) = (SparseVector::default(), SparseVector::default());
    for (vector, &f) in vectors.iter().zip(in_first) {
        if f {
            first.add_scaled(vector, 1.0);
        } else {
            second.add_scaled(vector, 1.0);
        }
    }
    (Centroid::from_sum(first), Centroid::from_sum(second))
}

/// The middle publication time of `members` (the later of the two middle ones); `None` when
/// none is dated.
fn median_published(members: &[&Member]) -> Option<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = members.iter().filter_map(|m| m.published).collect();
    times.sort_unstable();
    times.get(times.len() / 2).copied()
}

/// True when both groups hold dated members and every dated member of one is more than
/// [`SPLIT_TIME_GAP_DAYS`] older than every dated member of the other: the same kind of
/// event twice (two riots in one city two years apart).
fn apart_in_time(group: &[&Member], other: &[&Member]) -> bool {
    let (Some((group_oldest, group_newest)), Some((other_oldest, other_newest))) =
        (published_span(group), published_span(other))
    else {
        return false;
    };
    let gap = chrono::Duration::days(SPLIT_TIME_GAP_DAYS);
    group_newest + gap < other_oldest || other_newest + gap < group_oldest
}

/// Oldest and newest publication times of `members`; `None` when none is dated.
fn published_span(members: &[&Member]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let mut span = None;
    for member in members {
        widen_span(&mut span, member.published);
    }
    span
}

/// True when some name is in at least [`SPLIT_OWN_SHARE`] of `group` and in at most
/// [`SPLIT_OTHER_SHARE`] of `other`.
fn names_only_one_side(group: &[&Member], other: &[&Member]) -> bool {
    let share = |members: &[&Member], name: u32| {
        members
            .iter()
            .filter(|m| m.names.binary_search(&name).is_ok())
            .count() as f32
            / members.len().max(1) as f32
    };
    let candidates: BTreeSet<u32> = group.iter().flat_map(|m| m.names.iter().copied()).collect();
    candidates.into_iter().any(|name| {
        share(group, name) >= SPLIT_OWN_SHARE && share(other, name) <= SPLIT_OTHER_SHARE
    })
}

/// 0 for a headline-sized vector, 1 for a full text's lead, linear between: cosines of
/// short vectors run lower, so thresholds slide with length.
fn length_factor(config: &ClusterConfig, terms: usize) -> f32 {
    let (short, long) = (config.short_terms as f32, config.long_terms as f32);
    if long <= short {
        return if terms as f32 >= long { 1.0 } else { 0.0 };
    }
    ((terms as f32 - short) / (long - short)).clamp(0.0, 1.0)
}

fn widen_span(span: &mut Option<(DateTime<Utc>, DateTime<Utc>)>, time: Option<DateTime<Utc>>) {
    if let Some(time) = time {
        *span = Some(span.map_or((time, time), |(a, b)| (a.min(time), b.max(time))));
    }
}

/// The heaviest terms of a story's seed, proper nouns first: why a new story is what it is.
fn top_terms(analysed: &Analysed, n: usize) -> Vec<String> {
    let mut terms: Vec<(bool, f32, u32)> = analysed
        .vector
        .entries()
        .iter()
        .map(|&(term, weight)| {
            let proper = analysed.surfaces.get(&term).is_some_and(|s| s.1);
            (proper, weight, term)
        })
        .collect();
    terms.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    terms
        .into_iter()
        .take(n)
        .filter_map(|(_, _, term)| analysed.surfaces.get(&term).map(|s| s.0.clone()))
        .collect()
}

/// The first `paragraphs` non-empty paragraphs of `body`, cut at `words` words.
fn lead_text(body: &str, paragraphs: usize, words: usize) -> String {
    let mut lead = String::new();
    let mut taken = 0;
    for paragraph in body
        .split('\n')
        .filter(|p| !p.trim().is_empty())
        .take(paragraphs)
    {
        for word in paragraph.split_whitespace() {
            if taken >= words {
                return lead;
            }
            if !lead.is_empty() {
                lead.push(' ');
            }
            lead.push_str(word);
            taken += 1;
        }
        // Keep paragraph ends as sentence ends for proper-noun detection.
        lead.push('\n');
    }
    lead
}

/// Weight of a weekday, month or year term relative to an ordinary word: low, because two
/// look-alike events of the same week share them (the demo's two carmakers' recalls were
/// joined through "Friday", "2024" and "March" before this).
const CALENDAR_WEIGHT: f32 = 0.3;

/// Proper nouns or numbers a full text must share with a story of full texts to join it,
/// when both have some. BCubed F1 on ECB+ dev, mean of ten orders: 0.828 with none required,
/// 0.833 with 2; 1 changed nothing (look-alike events share a place or an agency), 3 and 5
/// split single events.
const MIN_SHARED_NAMES: usize = 2;

/// BM25's term-frequency saturation constant, used for short texts.
const BM25_K1: f32 = 1.2;

/// True for a character-gram feature. Grams are left out of the term → stories lookup: a
/// story shares some gram with most headlines, and a candidate should share a word.
fn is_gram(vocabulary: &Vocabulary, term: u32) -> bool {
    vocabulary.term(term).is_some_and(|t| t.starts_with('#'))
}

/// Length of the character n-grams added to short texts.
const GRAM_CHARS: usize = 4;

/// Weight of a word's character grams, together, relative to the word itself, for a
/// headline-sized text (falling to 0 at full-text length). BCubed F1 on the headline set,
/// mean of ten orders: 0.749 without grams, 0.755 at 0.5; 0.3 and 0.7 to 1.0 were no better.
const GRAM_WEIGHT: f32 = 0.5;

/// True for weekday and month names and for years (1900-2099).
fn is_calendar_word(surface: &str) -> bool {
    const CALENDAR: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ];
    let lower = surface.to_lowercase();
    let is_year = lower.len() == 4
        && lower.chars().all(|c| c.is_ascii_digit())
        && (lower.starts_with("19") || lower.starts_with("20"));
    is_year || CALENDAR.contains(&lower.as_str())
}

/// Members added between two rebuilds of the story lookup without retired stories.
const PRUNE_EVERY: usize = 2_000;

/// Articles assigned between two refinements of the stories touched meanwhile (and one
/// more at [`Clusterer::finish`]).
const REFINE_EVERY: usize = 1_000;

/// Retired stories kept under one term in [`Clusterer::archive`]: a resuming story's
/// heaviest terms are its rarer names, so the few most recent stories under each suffice.
const ARCHIVE_PER_TERM: usize = 32;

/// Centroid weights below this after a member leaves are rounding residue.
const CENTROID_EPSILON: f32 = 1e-5;

/// Entries of a term's list in the story lookup read per lookup, from its newest end. The
/// longest list a lookup met on the development sets and the 100,000-article benchmark
/// stream held 121 stories, and 222 on a denser stream of the same texts repeated a week
/// apart; a flood of look-alike items grows the lists of its common words by one story per
/// item, and at 10,000 articles a day the lists of a kind's words grow with the 13 days of
/// live stories. An older story still comes through its rarer terms. At 512 rather than
/// 128, the development sets cluster identically, and the scale stream's first 30,000
/// articles (clusterer alone, `scale_bench clusters`) took 1.6 times the CPU for BCubed F1
/// 0.756 against 0.760.
const POSTINGS_SCANNED: usize = 128;

/// Most stories scored exactly per lookup, ranked by the cheap estimate of
/// [`Clusterer::candidates`]. Lookups on the development sets and the 100,000-article
/// benchmark stream admitted at most 208; on the week-apart stream up to 448, and there the
/// story that won ranked at most 14th by the estimate, so the cap changed nothing.
const SCORED_CANDIDATES: usize = 256;

/// Distinct terms beyond which a story's centroid takes no more members' vectors: later
/// members join the story without moving it. Adding a vector costs the centroid's length,
/// which a flood of items that each bring a new number or name grows by the same few terms
/// per item without end; a real story's vocabulary levels off (the longest centroid on the
/// development sets and on benchmark streams with the same texts repeated days apart held
/// 3,108 terms, for a story of 1,817 headlines). Five times that: a story this broad is
/// known well enough.
const CENTROID_TERMS: usize = 16_384;

/// Most members of one story that a refinement considers moving: its newest (the older were
/// considered at earlier refinements, while the story was smaller). The most that a story
/// had (members longer than a headline, vectors still held) was 28 on the development sets
/// and 253 on the 100,000-article benchmark stream, a story that resumed its earlier copies.
/// At 1,024 every member of the big stories of the day was looked at again at every
/// refinement: on `bench/scale.sh`'s stream (10,000 articles a day, events of up to 460
/// articles) clustering then cost 0.4 s for the first 1,000-article poll and 25 s for the
/// sixteenth, four fifths of it in refinement. Twice the development sets' largest.
const REFINE_MEMBERS: usize = 64;

/// How many times a story must have grown since a refinement last looked at all its newest
/// members before one looks at them again (members no refinement has considered are
/// looked at every time): looks spaced geometrically cost each member a bounded number of
/// comparisons over its story's life, where looking at every refinement cost a story
/// touched at each of them [`REFINE_MEMBERS`] lookups each time.
const REFINE_REGROWTH: usize = 2;

/// Most members of one story that the split test reads (an evenly spaced sample beyond it):
/// two-means seeds with the least similar pair, which costs the square of the members. The
/// same count as [`REFINE_MEMBERS`], for the same reason.
const SPLIT_MEMBERS: usize = 1_024;

/// How many times longer one sparse vector must be than the other for a dot product to look
/// the shorter's entries up in it (a binary search each) rather than walk both.
const LOOKUP_RATIO: usize = 16;

/// Fewest full-text members each part of a split must hold.
const SPLIT_MIN_PART: usize = 3;

/// Least share of its own part's members that a part's telling name must be in (ECB+ dev,
/// mean of eight orders, with the merge-threshold gate on splits: 0.919 at 0.6, 0.922 at
/// 0.5, 0.924 at 0.4, 0.922 at 0.3; without the gate 0.6 was best).
const SPLIT_OWN_SHARE: f32 = 0.4;

/// Most share of the other part's members that a part's telling name may be in.
const SPLIT_OTHER_SHARE: f32 = 0.1;

/// Most rounds of two-means.
const TWO_MEANS_ROUNDS: usize = 10;

/// Most passes of one refinement.
const REFINE_ROUNDS: usize = 3;

/// How much closer another story must be than the rest of a member's own story for the
/// member to move.
const REFINE_MARGIN: f32 = 0.02;

/// Days between two groups' publication times beyond which refinement splits a story in
/// two, when two-means separates them, even without names of their own (see
/// [`apart_in_time`]). A follow-up weeks later shares the first event's names and joins it;
/// a month with no article in between is two events.
const SPLIT_TIME_GAP_DAYS: i64 = 30;

/// Two groups of a story whose median publication times are within this many decay grace
/// periods (72 hours by default) do not split on names: on ECB+ dev every such split cut one
/// event in two (mean of eight shuffled orders 0.909 → 0.918 at two grace periods); further
/// apart, a mixed two-means cut (two reports of a strike and one of its settlement five days
/// later) may still split, and the moves sort its members out. Three, not two: with a name
/// share of 0.4 ([`SPLIT_OWN_SHARE`]), the five days of the developing corpus's flood split
/// into groups whose medians lie 49 hours apart. ECB+ dev is the same at two and three.
const SAME_CYCLE_GRACES: f64 = 3.0;

/// What one [`cluster_pending`] run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterReport {
    /// Articles newly put into a story.
    pub assigned: usize,
    /// Stories opened by this run.
    pub new_stories: usize,
    /// Stories that gained articles, by id.
    pub touched: Vec<StoryId>,
}

/// Assigns every unclustered article of `store` to a story and saves the touched stories
/// with the new memberships and the clusterer's state in one transaction.
///
/// The clusterer is loaded from its saved state (see [`persist`]), so a run reads the new
/// articles and the stories they can join, not the archive; a store without a saved state
/// (one written before it existed, or with other settings) is rebuilt once from its stored
/// memberships. Re-running with nothing new reads nothing else and changes nothing.
pub fn cluster_pending(
    store: &mut dyn Store,
    config: &ClusterConfig,
) -> Result<ClusterReport, PipelineError> {
    cluster_pending_cached(store, config, &mut ClusterCache::new())
}

/// [`cluster_pending`] keeping the clusterer in `cache` between runs of one process: a run
/// loads nothing when the store's saved state is still the one this process saved.
pub fn cluster_pending_cached(
    store: &mut dyn Store,
    config: &ClusterConfig,
    cache: &mut ClusterCache,
) -> Result<ClusterReport, PipelineError> {
    let pending = store.unclustered_articles()?;
    if pending.is_empty() {
        return Ok(ClusterReport::default());
    }
    let version = store.cluster_state_version()?;
    let (mut clusterer, replace) = match cache.take(version, config) {
        Some(clusterer) => (clusterer, false),
        None => load_clusterer(&*store, config)?,
    };
    match run_clusterer(store, &mut clusterer, &pending, version, replace) {
        Ok((report, saved_version)) => {
            cache.keep(saved_version, clusterer);
            Ok(report)
        }
        // The clusterer holds changes that were not saved: it is dropped, and the next run
        // loads what the store holds.
        Err(err) => Err(err),
    }
}

/// The clusterer as saved in `store`, or rebuilt from the stored memberships when no usable
/// state is saved; `true` with a rebuilt one (its state replaces whatever was saved).
fn load_clusterer(
    store: &dyn Store,
    config: &ClusterConfig,
) -> Result<(Clusterer, bool), PipelineError> {
    if let Some(saved) = store.cluster_state()? {
        match Clusterer::from_saved(config.clone(), &saved) {
            Ok(clusterer) => return Ok((clusterer, false)),
            Err(err) => tracing::warn!("{err}; rebuilding it from the stored stories"),
        }
    }
    Ok((rebuild_from_memberships(store, config)?, true))
}

/// A clusterer holding every stored membership, restored in publication order: how a store
/// without a saved state (or with a stale one) gets one. Reads the whole archive, once.
fn rebuild_from_memberships(
    store: &dyn Store,
    config: &ClusterConfig,
) -> Result<Clusterer, PipelineError> {
    let mut membership: HashMap<ArticleId, StoryArticle> = HashMap::new();
    for story in store.stories()? {
        for member in store.story_members(&story.id)? {
            membership.insert(member.article_id.clone(), member);
        }
    }
    let mut clusterer = Clusterer::new(config.clone());
    if membership.is_empty() {
        return Ok(clusterer);
    }
    let mut articles = store.all_articles()?;
    sort_by_time(&mut articles);
    for article in &articles {
        if let Some(stored) = membership.get(&article.id) {
            clusterer.restore_scored(&stored.story_id, article, stored.score);
        }
    }
    Ok(clusterer)
}

/// Clusters `pending` (unclustered, by effective time) and saves the result on top of
/// state `version`; returns the report and the saved state's version.
fn run_clusterer(
    store: &mut dyn Store,
    clusterer: &mut Clusterer,
    pending: &[Article],
    version: u64,
    replace: bool,
) -> Result<(ClusterReport, u64), PipelineError> {
    // A copy joins its original's story however old: bring back stories evicted earlier.
    for article in pending {
        let Some(original) = &article.duplicate_of else {
            continue;
        };
        if clusterer.story_of(original).is_some() {
            continue;
        }
        let Some(story) = store.story_of_article(original)? else {
            continue;
        };
        if clusterer.has_story(&story) {
            continue;
        }
        if let Some(row) = store.cluster_story_state(&story)? {
            clusterer.adopt(&row)?;
        }
    }

    let mut report = ClusterReport::default();
    let mut assigned: HashMap<ArticleId, Assignment> = HashMap::new();
    for article in pending {
        let assignment = clusterer.assign(article);
        report.assigned += 1;
        if assignment.is_new_story {
            report.new_stories += 1;
        }
        assigned.insert(article.id.clone(), assignment);
    }
    clusterer.finish();

    // Stories merged or emptied during this run (into stories that may have been opened
    // before it) keep their rows, pointing at the survivor, so an old id still leads to the
    // story.
    let mut merged_rows = Vec::new();
    let mut gone_ids = BTreeSet::new();
    let mut touched = BTreeSet::new();
    for (gone, keep) in clusterer.merges() {
        gone_ids.insert(gone.clone());
        let Some(mut row) = store.story(&gone)? else {
            continue;
        };
        if row.merged_into.as_ref() == Some(&keep) {
            continue;
        }
        row.merged_into = Some(keep.clone());
        merged_rows.push(row);
        touched.insert(keep);
    }
    // New articles, and stored ones that a merge, split or refinement moved, get their
    // membership written; the stories they left and joined are summarised again.
    let mut new_memberships = Vec::new();
    for article in pending {
        let Some(story_id) = clusterer.story_of(&article.id).cloned() else {
            continue;
        };
        let Some(assignment) = assigned.remove(&article.id) else {
            continue;
        };
        let moved = clusterer.reassignment(&article.id);
        new_memberships.push(StoryArticle {
            story_id: story_id.clone(),
            article_id: article.id.clone(),
            score: moved.map_or(assignment.score, |m| m.score),
            why: moved.map_or(assignment.why, |m| m.why.clone()),
        });
        touched.insert(story_id);
    }
    let pending_ids: BTreeSet<&ArticleId> = pending.iter().map(|a| &a.id).collect();
    let mut scores: HashMap<StoryId, HashMap<ArticleId, f32>> = HashMap::new();
    for (article_id, from) in clusterer.relocated() {
        if pending_ids.contains(article_id) {
            continue;
        }
        let Some(story_id) = clusterer.story_of(article_id).cloned() else {
            continue;
        };
        if &story_id == from {
            continue;
        }
        let score = scores
            .entry(story_id.clone())
            .or_insert_with(|| clusterer.member_scores(&story_id).into_iter().collect())
            .get(article_id)
            .copied()
            .unwrap_or(1.0);
        let moved = clusterer.reassignment(article_id);
        new_memberships.push(StoryArticle {
            story_id: story_id.clone(),
            article_id: article_id.clone(),
            score,
            why: moved.map_or_else(
                || vec![format!("story {from} merged into {story_id}")],
                |m| m.why.clone(),
            ),
        });
        touched.insert(from.clone());
        touched.insert(story_id);
    }

    let mut stories = Vec::with_capacity(touched.len() + merged_rows.len());
    for id in touched.iter().filter(|id| !gone_ids.contains(*id)) {
        // Heads only: a story row needs times, outlets and the first headline, and a
        // week-long story's bodies are megabytes.
        let members = store.article_heads(&clusterer.members(id))?;
        let members: Vec<&Article> = members.iter().collect();
        let merged_into = store.story(id)?.and_then(|s| s.merged_into);
        if let Some(story) = story_row(id, &members, merged_into) {
            stories.push(story);
        }
    }
    // Survivors first: a merged row must point at a stored story.
    stories.extend(merged_rows);
    let changes = clusterer.take_changes(version, replace);
    let saved_version = store.save_clustering(&stories, &new_memberships, &changes)?;
    report.touched = touched
        .into_iter()
        .filter(|id| !gone_ids.contains(id))
        .collect();
    Ok((report, saved_version))
}

/// `articles` in the order a stream of them is clustered: publication order, an undated
/// article keeping its place after the dated one before it (at the start when none is), ties
/// in input order. `storyline cluster` and the clustering benchmark both order this way.
pub fn stream_order(articles: Vec<Article>) -> Vec<Article> {
    let mut last_dated: Option<DateTime<Utc>> = None;
    let mut keyed: Vec<(Option<DateTime<Utc>>, usize, Article)> = articles
        .into_iter()
        .enumerate()
        .map(|(index, article)| {
            if article.date_published.is_some() {
                last_dated = article.date_published;
            }
            (last_dated, index, article)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, _, article)| article).collect()
}

fn sort_by_time(articles: &mut [Article]) {
    articles.sort_by(|a, b| {
        a.effective_time()
            .cmp(&b.effective_time())
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// The summary row of a story from its members; `None` for a story without members.
pub fn story_row(
    id: &StoryId,
    members: &[&Article],
    merged_into: Option<StoryId>,
) -> Option<Story> {
    let mut ordered: Vec<&Article> = members.to_vec();
    ordered.sort_by(|a, b| {
        a.effective_time()
            .cmp(&b.effective_time())
            .then_with(|| a.id.cmp(&b.id))
    });
    let first = ordered.first()?;
    let last = ordered.last()?;
    let headline_source = ordered
        .iter()
        .find(|a| a.duplicate_of.is_none())
        .unwrap_or(first);
    // The same list the web shows, so the stored count and the list agree.
    let outlets = storyline_model::independent_outlets(ordered.iter().copied());
    // A story's times are its articles' publication times: an article of unknown date has
    // only the time it was stored (an import's time for a whole file), which says nothing of
    // when the story happened. Only a story with no dated article falls back on it.
    let published = || ordered.iter().filter_map(|a| a.date_published);
    Some(Story {
        id: id.clone(),
        headline: headline_source.headline.clone(),
        created_at: published().min().unwrap_or(first.effective_time()),
        updated_at: published().max().unwrap_or(last.effective_time()),
        article_count: u32::try_from(ordered.len()).unwrap_or(u32::MAX),
        outlet_count: u32::try_from(outlets.len()).unwrap_or(u32::MAX),
        merged_into,
    })
}

/// Who published an article, for a story's outlet count and a brief's choice of each
/// outlet's latest report: the stored outlet's id, what every outlet count compares.
pub(crate) fn outlet_key(article: &Article) -> String {
    article.outlet.id.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storys_times_are_its_articles_publication_times() {
        use chrono::TimeZone;
        let dated = |day: u32| Article {
            date_published: Some(Utc.with_ymd_and_hms(2012, 12, day, 12, 0, 0).unwrap()),
            ..crate::test_support::article(
                &format!("https://a.example/{day}"),
                "A",
                "Shooting",
                "Body.",
            )
        };
        // Imported without a date: stored on 1 April 2025, which is not when it happened.
        let undated = crate::test_support::article("https://b.example/x", "B", "Shooting", "Body.");
        let (first, last) = (dated(14), dated(15));
        let members = [&first, &undated, &last];
        let row = story_row(&StoryId::from_seed(&first.id), &members, None).expect("a story");
        assert_eq!(row.created_at, first.date_published.unwrap());
        assert_eq!(row.updated_at, last.date_published.unwrap());
        // With no dated article, the stored time is all there is.
        let row = story_row(&StoryId::from_seed(&undated.id), &[&undated], None).unwrap();
        assert_eq!(row.updated_at, undated.date_fetched);
    }

    #[test]
    fn calendar_words_are_recognised() {
        for word in ["Friday", "March", "2024", "Nov"] {
            assert!(is_calendar_word(word), "{word}");
        }
        for word in ["Tolvik", "61,500", "1066", "Marchetti"] {
            assert!(!is_calendar_word(word), "{word}");
        }
    }
}
