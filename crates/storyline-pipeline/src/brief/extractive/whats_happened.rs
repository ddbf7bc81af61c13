//! "What's happened": the story's latest state in up to three sentences, its lead the most
//! agreed-on opening of the newest coverage, each later sentence adding what the ones before
//! did not say; and the brief's headline, the newest coverage's most central one.
//!
//! Invariants: every sentence is a candidate's text unchanged, cited to its own article and
//! its supporting outlets; no sentence repeats a chosen one (similarity at most
//! [`REDUNDANT_SIMILARITY`](super::analysis::REDUNDANT_SIMILARITY)) or brings less than
//! [`MIN_NEW_INFORMATION`](super::analysis::MIN_NEW_INFORMATION) new content words.

use super::super::text::{opens_with_quote, word_count};
use super::analysis::{Analysis, MIN_RELEVANCE, SUPPORT_SIMILARITY};
use chrono::Duration;
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{Article, Section, Sentence};
use storyline_nlp::{facts, terms};

/// "What's happened" stops at this many sentences or words.
const WHATS_HAPPENED_SENTENCES: usize = 3;
const WHATS_HAPPENED_WORDS: usize = 95;
/// Articles within this span of the newest one count as the latest development.
const LATEST_DEVELOPMENT_HOURS: i64 = 12;
/// Coverage within this span of the newest article is the story's current state: the
/// headline comes from it, and "What's happened" prefers it (a story that runs over days is
/// not summed up by its first day).
const RECENT_COVERAGE_HOURS: i64 = 24;

/// A count a sentence gives: its value and the content words around it, which say what is
/// counted ("15 people ... killed").
struct Count {
    value: f64,
    context: BTreeSet<String>,
}

impl Count {
    /// True when both count one thing: the same value, and some word of what is counted in
    /// common ("26 others dead ... including 20 children" and "killing 26 – including 20
    /// children").
    fn same_as(&self, other: &Count) -> bool {
        self.value == other.value && !self.context.is_disjoint(&other.context)
    }
}

/// The counts of a sentence, with the stems of the words around each (numbers left out).
fn counts_of(sentence: &str) -> Vec<Count> {
    facts::quantities(sentence)
        .into_iter()
        .map(|quantity| Count {
            value: quantity.value,
            context: terms::analyze(&quantity.context, None)
                .into_iter()
                .map(|term| term.stem)
                .filter(|stem| !stem.chars().any(|c| c.is_ascii_digit()))
                .collect(),
        })
        .collect()
}

impl Analysis<'_> {
    /// The original article headline closest to the story centroid: the one that says what
    /// the whole coverage is about (rather than one outlet's angle or a quotation).
    pub(super) fn central_headline(&self) -> Option<String> {
        // A story that runs over days is headed by its latest day's coverage, not by the
        // first day's "brace for flood".
        let newest = self
            .articles
            .iter()
            .filter(|a| a.duplicate_of.is_none())
            .map(Article::effective_time)
            .max()?;
        let recent_from = newest - Duration::hours(RECENT_COVERAGE_HOURS);
        self.articles
            .iter()
            .enumerate()
            .filter(|(_, a)| a.duplicate_of.is_none() && !a.headline.trim().is_empty())
            .filter(|(_, a)| a.effective_time() >= recent_from)
            .map(|(doc, a)| {
                let ids: Vec<u32> = terms::analyze(&a.headline, a.in_language.as_deref())
                    .into_iter()
                    .filter_map(|t| self.vocabulary.get(&t.stem))
                    .collect();
                let vector = self.tfidf(&ids);
                let quote_penalty = if opens_with_quote(&a.headline) {
                    0.5
                } else {
                    1.0
                };
                (doc, vector.cosine(&self.centroid) * quote_penalty)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(doc, _)| self.articles[doc].headline.clone())
    }

    /// The section, and the article its lead sentence comes from.
    pub(super) fn whats_happened(&self, used: &mut BTreeSet<usize>) -> (Section, Option<usize>) {
        let lead_score = |c: usize| {
            let candidate = &self.candidates[c];
            // The lead sentence states the news; agreement across outlets confirms it.
            let position_weight = [1.0, 0.7, 0.55, 0.45]
                .get(candidate.position)
                .copied()
                .unwrap_or(0.0);
            // A short standfirst ("X's government has a majority of four.") says less than a
            // full lead sentence.
            let fullness = (word_count(&candidate.text) as f32 / 20.0).min(1.0);
            candidate.relevance
                * (1.0 + 0.3 * self.support_outlets(c) as f32)
                * position_weight
                * fullness
        };
        let leads: Vec<usize> = (0..self.candidates.len())
            .filter(|&c| {
                self.candidates[c].position < 4 && self.candidates[c].relevance >= MIN_RELEVANCE
            })
            .collect();
        let pool: Vec<usize> = if leads.is_empty() {
            (0..self.candidates.len()).collect()
        } else {
            leads
        };
        let newest = self
            .candidates
            .iter()
            .map(|c| self.articles[c.doc].effective_time())
            .max();
        // The pool's candidates from articles at most `hours` older than the newest one.
        let within = |hours: i64| -> Vec<usize> {
            pool.iter()
                .copied()
                .filter(|&c| {
                    newest.is_some_and(|n| {
                        self.articles[self.candidates[c].doc].effective_time()
                            >= n - Duration::hours(hours)
                    })
                })
                .collect()
        };
        let latest = within(LATEST_DEVELOPMENT_HOURS);
        let mut chosen = BTreeSet::new();
        let mut order = Vec::new();
        if let Some(first) = self
            .pick(&latest, &lead_score, &chosen)
            .or_else(|| self.pick(&pool, &lead_score, &chosen))
        {
            chosen.insert(first);
            order.push(first);
        }
        let mut words: usize = order
            .iter()
            .map(|&c| word_count(&self.candidates[c].text))
            .sum();
        let recent = within(RECENT_COVERAGE_HOURS);
        let counts: BTreeMap<usize, Vec<Count>> = pool
            .iter()
            .map(|&c| (c, counts_of(&self.candidates[c].text)))
            .collect();
        // A sentence after the lead must tell another fact: one as alike to a told sentence
        // as another outlet's report of the same fact would be, or giving again a count told
        // already ("killing 15 people" after "15 people have been killed"), says it again.
        let tells_another_fact = |c: usize, chosen: &BTreeSet<usize>| {
            self.max_sim_to(c, chosen) < SUPPORT_SIMILARITY
                && !chosen.iter().any(|told| {
                    counts[&c]
                        .iter()
                        .any(|count| counts[told].iter().any(|other| count.same_as(other)))
                })
        };
        while order.len() < WHATS_HAPPENED_SENTENCES && words < WHATS_HAPPENED_WORDS {
            let fresh = |candidates: &[usize]| -> Vec<usize> {
                candidates
                    .iter()
                    .copied()
                    .filter(|&c| tells_another_fact(c, &chosen))
                    .collect()
            };
            let Some(next) = self
                .pick(&fresh(&recent), &lead_score, &chosen)
                .or_else(|| self.pick(&fresh(&pool), &lead_score, &chosen))
            else {
                break;
            };
            chosen.insert(next);
            order.push(next);
            words += word_count(&self.candidates[next].text);
        }
        used.extend(chosen.iter().copied());
        let sentences = order
            .iter()
            .map(|&c| Sentence {
                text: self.candidates[c].text.clone(),
                citations: self.citations(c),
            })
            .collect();
        (
            Section {
                sentences,
                fallback_engine: None,
            },
            order.first().map(|&c| self.candidates[c].doc),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::analysis::MIN_NEW_INFORMATION;
    use super::super::test_support::report_at;
    use super::*;

    #[test]
    fn a_sentence_saying_again_what_was_said_adds_nothing() {
        let articles = [
            report_at(
                "Ardmore Courier",
                9,
                "Tolvia has become the first state to ban therapies that try to change the \
                 sexual orientation of minors, after the governor signed the bill on Sunday.",
            ),
            report_at(
                "Valley Times",
                10,
                "Tolvia became the first state to ban controversial therapies that try to \
                 change the sexual orientation of minors. Opponents said they would challenge \
                 the law in the federal courts within weeks.",
            ),
        ];
        let analysis = Analysis::new(&articles);
        let at = |start: &str| {
            analysis
                .candidates
                .iter()
                .position(|c| c.text.starts_with(start))
                .expect("a candidate")
        };
        let said = BTreeSet::from([at("Tolvia has become")]);
        assert!(analysis.new_information(at("Tolvia became"), &said) < MIN_NEW_INFORMATION);
        assert!(analysis.new_information(at("Opponents"), &said) >= MIN_NEW_INFORMATION);
        // What's happened tells the ban once, then what is new.
        let (section, _) = analysis.whats_happened(&mut BTreeSet::new());
        let bans = section
            .sentences
            .iter()
            .filter(|s| s.text.contains("first state"))
            .count();
        assert_eq!(bans, 1, "{:?}", section.sentences);
    }
}
