//! The online step: an article joins the most similar recent story, decayed by the time gap
//! to the story's span, or opens a story of its own.
//!
//! Invariant: the stories scored per article are bounded by [`POSTINGS_SCANNED`] and
//! [`SCORED_CANDIDATES`], whatever the number of stories.

use super::config::*;
use super::features::{clustering_time, length_factor, top_terms};
use super::{Assignment, Clusterer, StoryState};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use storyline_model::{Article, ArticleId, StoryId};
use storyline_nlp::vector::SparseVector;

impl Clusterer {
    /// Puts `article` into the best matching story or a new one.
    pub fn assign(&mut self, article: &Article) -> Assignment {
        self.assign_embedded(article, None)
    }

    /// [`Self::assign`] with the article's sentence embedding (unit length, as
    /// `storyline-embed` makes them): a headline-sized article's similarity to a story whose
    /// members came with embeddings then mixes in the embeddings' cosine
    /// ([`ClusterConfig::embedding_weight`]).
    pub fn assign_embedded(&mut self, article: &Article, embedding: Option<&[f32]>) -> Assignment {
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
        self.assigned_count += 1;
        if self.assigned_since_refine >= REFINE_EVERY {
            self.refine();
        }
        let mut analysed = self.analyse(article);
        analysed.embedding = embedding.map(<[f32]>::to_vec);
        let ranked = self.best_story(
            &analysed.vector,
            &analysed.names,
            analysed.word_terms,
            clustering_time(article),
            analysed.embedding.as_deref(),
            None,
        );
        let threshold = self.join_threshold(analysed.word_terms);
        if let Some(((_, score), runner_up)) = ranked {
            self.note_close_call(&article.id, score, runner_up, threshold);
        }
        match ranked.map(|(best, _)| best) {
            Some((index, score)) if score >= threshold => {
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

    /// The share of an article's similarity to a story that comes from their embeddings,
    /// for an article of `terms` distinct terms: [`ClusterConfig::embedding_weight`] for a
    /// headline, sliding to [`ClusterConfig::embedding_long_weight`] at full-text length.
    pub(super) fn embedding_weight_for(&self, terms: usize) -> f32 {
        let long = length_factor(&self.config, terms);
        self.config.embedding_weight * (1.0 - long) + self.config.embedding_long_weight * long
    }

    pub(super) fn join_threshold(&self, terms: usize) -> f32 {
        let (short, long) = (self.config.short_threshold, self.config.threshold);
        short + (long - short) * length_factor(&self.config, terms)
    }

    /// Remembers article `id` as a close call when its best story's `score` was within
    /// [`ClusterConfig::close_call_margin`] of the join `threshold` (either side: it barely
    /// joined, or barely opened a story of its own), or it joined and the `runner_up` story
    /// scored within that margin of the best. Refinements look at a close call again, whether
    /// or not its story has changed, until [`ClusterConfig::close_call_articles`] more
    /// articles have been assigned: the decision waits for the stories that arrive after it.
    pub(super) fn note_close_call(
        &mut self,
        id: &ArticleId,
        score: f32,
        runner_up: f32,
        threshold: f32,
    ) {
        let margin = self.config.close_call_margin;
        let barely = (score - threshold).abs() < margin;
        let torn = score >= threshold && runner_up > score - margin;
        if (barely || torn) && self.config.close_call_articles > 0 {
            let until = self.assigned_count + self.config.close_call_articles as u64;
            self.close_calls.insert(id.clone(), until);
        }
    }

    /// The most similar story (decayed score) for an article's vector, its names and
    /// length, ties to the earliest story, with the runner-up's score (0 when there is
    /// none); `skip` is left out (the article's own story when refining).
    pub(super) fn best_story(
        &self,
        vector: &SparseVector,
        names: &BTreeSet<u32>,
        word_terms: usize,
        published: Option<DateTime<Utc>>,
        embedding: Option<&[f32]>,
        skip: Option<usize>,
    ) -> Option<((usize, f32), f32)> {
        // Headlines share a word or two with their story; their embeddings say more.
        let embedding_weight = self.embedding_weight_for(word_terms);
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
        let mut runner_up = 0.0f32;
        for (index, decay) in candidates {
            let story = &self.stories[index];
            let mut similarity = story.centroid.cosine(vector, vector_norm);
            if let Some(embedding) = embedding.filter(|_| embedding_weight > 0.0)
                && !story.embedding_sum.is_empty()
            {
                let likeness = embedding_likeness(
                    embedding,
                    &story.embedding_sum,
                    self.config.embedding_baseline,
                );
                similarity = (1.0 - embedding_weight) * similarity + embedding_weight * likeness;
            }
            let score = similarity * decay;
            match best {
                Some((_, s)) if score <= s => runner_up = runner_up.max(score),
                _ => {
                    if let Some((_, s)) = best {
                        runner_up = runner_up.max(s);
                    }
                    best = Some((index, score));
                }
            }
        }
        best.map(|best| (best, runner_up))
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
    pub(super) fn candidates(
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
        for &(index, _, _) in &hits {
            factors
                .entry(index)
                .or_insert_with(|| admit(index, &self.stories[index]));
        }
        let admitted_count = factors.values().filter(|factor| factor.is_some()).count();
        if admitted_count <= SCORED_CANDIDATES {
            // No cut to make, so no estimate to rank by: a centroid lookup per hit saved.
            let mut admitted: Vec<(usize, f32)> = factors
                .into_iter()
                .filter_map(|(index, factor)| Some((index, factor?)))
                .filter(|&(index, _)| passes(&self.stories[index]))
                .collect();
            admitted.sort_unstable_by_key(|&(index, _)| index);
            return admitted;
        }
        // Story → (estimate, last term counted), summed in the order of `top`: the same in
        // every run, whatever the map's order.
        let mut estimates: HashMap<usize, (f32, u32)> = HashMap::new();
        for (index, term, weight) in hits {
            if factors.get(&index).copied().flatten().is_none() {
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

    pub(super) fn decay_spans(
        &self,
        a: Option<(DateTime<Utc>, DateTime<Utc>)>,
        b: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> f32 {
        match a {
            Some((oldest, newest)) => self.decay(Some(oldest), b).max(self.decay(Some(newest), b)),
            None => 1.0,
        }
    }

    /// Decay on the gap between the article and the story's span of publication times (0
    /// inside it, so a late-arriving article is not penalised); 1 when either time is
    /// unknown (an undated article carries no time evidence).
    pub(super) fn decay(
        &self,
        article: Option<DateTime<Utc>>,
        span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> f32 {
        gap_hours(article, span).map_or(1.0, |gap| self.decay_over(gap))
    }

    /// The time decay for a gap of `gap_hours` (see [`Self::decay`]).
    pub(super) fn decay_over(&self, gap_hours: f64) -> f32 {
        let beyond = gap_hours - self.config.decay_grace_hours;
        if beyond <= 0.0 || self.config.decay_scale_hours <= 0.0 {
            return 1.0;
        }
        (-beyond / self.config.decay_scale_hours).exp() as f32
    }

    /// [`Self::decay`] raised to `floor` while the gap is within the retirement horizon
    /// ([`Self::retirement_horizon_hours`]): past it a story takes no article, whether or not
    /// [`Self::prune_postings`] has run since.
    pub(super) fn decay_with_floor(
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
    pub(super) fn retirement_horizon_hours(&self) -> f64 {
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
    pub(super) fn shared_terms(&self, index: usize, vector: &SparseVector) -> Vec<String> {
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
pub(super) fn gap_hours(
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

/// How alike an embedding is to a story's sum of embeddings: their cosine, rescaled so that
/// `baseline` (what unrelated texts' embeddings share) counts as 0 and 1 as 1.
pub(super) fn embedding_likeness(embedding: &[f32], sum: &[f32], baseline: f32) -> f32 {
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm == 0.0 || baseline >= 1.0 {
        return 0.0;
    }
    let cosine: f32 = embedding.iter().zip(sum).map(|(a, b)| a * b).sum::<f32>() / norm;
    ((cosine - baseline) / (1.0 - baseline)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{axis, headline};
    use super::*;
    use crate::cluster::ClusterConfig;

    #[test]
    fn alike_embeddings_join_headlines_that_share_too_few_words() {
        let first = headline("a", 9, "Dockers walk out at Kelmouth harbour over pay");
        let second = headline(
            "b",
            10,
            "Port strike halts ferry and freight sailings from Kelmouth for a second day",
        );
        let unrelated = headline("c", 11, "Kelmouth council approves new library budget");
        // By their words alone the two reports of the strike stay apart.
        let mut words_only = Clusterer::new(ClusterConfig::default());
        let opened = words_only.assign(&first);
        let by_words = words_only.assign(&second);
        assert!(by_words.story_id != opened.story_id, "{by_words:?}");
        // With embeddings that say they tell one event, they join; an unrelated headline
        // with an unrelated embedding does not.
        let mut embedded = Clusterer::new(ClusterConfig::default());
        let opened = embedded.assign_embedded(&first, Some(&axis(0)));
        let joined = embedded.assign_embedded(&second, Some(&axis(0)));
        assert_eq!(joined.story_id, opened.story_id, "{joined:?}");
        let apart = embedded.assign_embedded(&unrelated, Some(&axis(1)));
        assert!(apart.is_new_story);
        // Off, the embeddings change nothing.
        let mut off = Clusterer::new(ClusterConfig {
            embedding_weight: 0.0,
            ..ClusterConfig::default()
        });
        let opened = off.assign_embedded(&first, Some(&axis(0)));
        assert_ne!(
            off.assign_embedded(&second, Some(&axis(0))).story_id,
            opened.story_id
        );
    }

    #[test]
    fn an_undated_article_a_poll_fetched_years_later_opens_its_own_story() {
        let body = "Israeli aircraft struck targets across Gaza overnight as Hamas fired \
                    rockets toward Tel Aviv and Ashkelon. The army said it hit rocket \
                    launchers, tunnels and a command centre in Gaza City; Hamas said \
                    civilians were among the dead. Egypt urged a ceasefire and the United \
                    Nations Security Council met in emergency session on the fighting.";
        let war = Article {
            date_published: Some(
                chrono::TimeZone::with_ymd_and_hms(&Utc, 2012, 11, 15, 8, 0, 0).unwrap(),
            ),
            ..crate::test_support::article(
                "https://news.example/2012",
                "Wire",
                "Israel strikes Gaza as rockets hit Tel Aviv",
                body,
            )
        };
        let later = |extraction| Article {
            date_fetched: chrono::TimeZone::with_ymd_and_hms(&Utc, 2014, 7, 10, 8, 0, 0).unwrap(),
            extraction,
            ..crate::test_support::article(
                "https://news.example/2014",
                "Wire",
                "Israel strikes Gaza as rockets reach Tel Aviv",
                body,
            )
        };
        // Fetched by a poll two years on: its fetch time is its age, and the old war's story,
        // that long quiet, does not take it.
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        clusterer.assign(&war);
        assert!(
            clusterer
                .assign(&later(storyline_model::ExtractionStatus::Full))
                .is_new_story
        );
        // Imported without a date, it has no known age and joins by its words.
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        clusterer.assign(&war);
        assert!(
            !clusterer
                .assign(&later(storyline_model::ExtractionStatus::Imported))
                .is_new_story
        );
    }
}
