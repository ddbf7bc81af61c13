//! What the clusterer reads of an article: a TF-IDF vector over its headline (weighted up)
//! and lead, proper nouns and numbers weighted up and calendar words down, character grams
//! and saturated term frequencies for short texts; and the surface forms that explain a
//! decision.
//!
//! Invariant: an article's vector depends only on the article and the document
//! frequencies seen so far.

use super::Clusterer;
use super::config::*;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{Article, ExtractionStatus};
use storyline_nlp::terms::analyze;
use storyline_nlp::vector::{SparseVector, Vocabulary};

/// An article as the clusterer sees it.
pub(super) struct Analysed {
    pub(super) vector: SparseVector,
    /// Term id → (surface form, is proper), the first proper form seen preferred.
    pub(super) surfaces: BTreeMap<u32, (String, bool)>,
    /// Distinct word terms, sub-word features not counted: the article's length.
    pub(super) word_terms: usize,
    /// Proper nouns and numbers, calendar words left out.
    pub(super) names: BTreeSet<u32>,
    /// The article's sentence embedding, when the caller gave one.
    pub(super) embedding: Option<Vec<f32>>,
}

impl Clusterer {
    /// The TF-IDF vector of term frequencies with the document frequencies learned so far.
    pub(super) fn weigh(&self, term_frequencies: &[(u32, f32)]) -> SparseVector {
        SparseVector::from_weights(
            term_frequencies
                .iter()
                .map(|&(id, tf)| (id, tf * self.document_frequencies.idf(id))),
        )
    }

    /// Turns the article into a TF-IDF vector, counting it in the document frequencies.
    pub(super) fn analyse(&mut self, article: &Article) -> Analysed {
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
            embedding: None,
        }
    }
}

/// The time the clusterer gives `article`: its publication time, else, for an article a
/// poll fetched, the fetch time (a feed item is fetched within a poll or two of its
/// publication, so an undated report of a war two years on does not join the old war's
/// story as if it had no age). An imported article without a date stays undated: the import
/// time of an archive says nothing of when it was written, and an undated article's
/// similarity does not decay.
pub(super) fn clustering_time(article: &Article) -> Option<DateTime<Utc>> {
    match (&article.date_published, &article.extraction) {
        (Some(published), _) => Some(*published),
        (None, ExtractionStatus::Imported) => None,
        (None, _) => Some(article.date_fetched),
    }
}

/// 0 for a headline-sized vector, 1 for a full text's lead, linear between: cosines of
/// short vectors run lower, so thresholds slide with length.
pub(super) fn length_factor(config: &ClusterConfig, terms: usize) -> f32 {
    let (short, long) = (config.short_terms as f32, config.long_terms as f32);
    if long <= short {
        return if terms as f32 >= long { 1.0 } else { 0.0 };
    }
    ((terms as f32 - short) / (long - short)).clamp(0.0, 1.0)
}

/// The heaviest terms of a story's seed, proper nouns first: why a new story is what it is.
pub(super) fn top_terms(analysed: &Analysed, n: usize) -> Vec<String> {
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
pub(super) fn lead_text(body: &str, paragraphs: usize, words: usize) -> String {
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

/// True for a character-gram feature. Grams are left out of the term → stories lookup: a
/// story shares some gram with most headlines, and a candidate should share a word.
pub(super) fn is_gram(vocabulary: &Vocabulary, term: u32) -> bool {
    vocabulary.term(term).is_some_and(|t| t.starts_with('#'))
}

/// True for weekday and month names and for years (1900-2099).
pub(super) fn is_calendar_word(surface: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
