//! "What's behind the headline?": up to three sentences that explain the story rather than
//! restate it, each framed with its outlet ("The Harbour Times notes that ...") unless it
//! already says whose words it reports.

use super::super::text::{attribute, is_analysis, is_attributed};
use super::analysis::{Analysis, MIN_RELEVANCE};
use super::{ATTRIBUTION_VERBS, SourceNo};
use std::collections::BTreeSet;
use storyline_model::{Section, Sentence};

impl Analysis<'_> {
    pub(super) fn behind_the_headline(&self, used: &mut BTreeSet<usize>) -> Section {
        let analysis_pool: Vec<usize> = (0..self.candidates.len())
            .filter(|&c| {
                self.candidates[c].relevance >= MIN_RELEVANCE
                    && is_analysis(&self.candidates[c].text)
            })
            .collect();
        // Without analysis in the coverage, the most relevant context beyond the lead is the
        // best available account of why the story matters.
        let pool: Vec<usize> = if analysis_pool.is_empty() {
            (0..self.candidates.len())
                .filter(|&c| self.candidates[c].position >= 2)
                .collect()
        } else {
            analysis_pool
        };
        let score = |c: usize| {
            let candidate = &self.candidates[c];
            let later = if candidate.position >= 2 { 1.0 } else { 0.6 };
            candidate.relevance * (1.0 + 0.3 * self.support_outlets(c) as f32) * later
        };
        let mut chosen = used.clone();
        let mut picked = Vec::new();
        while picked.len() < 3 {
            let Some(next) = self.pick(&pool, &score, &chosen) else {
                break;
            };
            chosen.insert(next);
            picked.push(next);
        }
        used.extend(picked.iter().copied());
        let lowercase_ok = self.lowercase_ok();
        let sentences = picked
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let candidate = &self.candidates[c];
                let text = if is_attributed(&candidate.text) {
                    candidate.text.clone()
                } else {
                    let verb = ATTRIBUTION_VERBS[i % ATTRIBUTION_VERBS.len()];
                    attribute(
                        &self.outlets[candidate.doc],
                        verb,
                        &candidate.text,
                        &lowercase_ok,
                    )
                };
                Sentence {
                    text,
                    citations: vec![SourceNo::of_doc(candidate.doc).citation()],
                }
            })
            .collect();
        Section {
            sentences,
            fallback_engine: None,
        }
    }
}
