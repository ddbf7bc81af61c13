//! "What the papers say": the common ground most outlets report, a figure two outlets give
//! differently, then each outlet's most distinctive claim, and which outlets carried another's
//! report.
//!
//! Invariants: an outlet is named only for what its own article says; a disagreement joins
//! two outlets' sentences about one fact, published within [`SAME_TIME_HOURS`] of each other,
//! whose figures cannot both be true; copies are never counted as outlets of their own.

use super::super::text::{
    attribute, continue_sentence, join_names, opens_with_quote, without_final_stop, word_count,
};
use super::analysis::{Analysis, MIN_RELEVANCE};
use super::{ATTRIBUTION_VERBS, SourceNo};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{Citation, Section, Sentence};
use storyline_nlp::facts;
use storyline_nlp::terms;

/// Two outlets' sentences this alike tell one fact: where their figures for it differ, "What
/// the papers say" reports the disagreement. (At 0.35 the demo corpus paired "prices rose
/// 3.9%" with "house prices rose 6.2%", at 0.36; the race delay on wikinews-dev, a real
/// disagreement, is at 0.45.)
const SAME_FACT_SIMILARITY: f32 = 0.4;
/// Reports further apart than this are not compared for figures: a count that changed
/// between them is news, not a disagreement.
const SAME_TIME_HOURS: i64 = 12;
/// Outlets given their own line in "What the papers say".
const MAX_OUTLETS: usize = 5;

impl Analysis<'_> {
    pub(super) fn what_the_papers_say(&self, used: &mut BTreeSet<usize>) -> Section {
        let lowercase_ok = self.lowercase_ok();
        let mut sentences = Vec::new();
        // Outlets with an original article, in order of first publication.
        let mut outlet_order: Vec<&str> = Vec::new();
        for (doc, article) in self.articles.iter().enumerate() {
            if article.duplicate_of.is_none() && !outlet_order.contains(&self.outlets[doc].as_str())
            {
                outlet_order.push(&self.outlets[doc]);
            }
        }
        if outlet_order.len() >= 2 {
            // Common ground: the fact most outlets carry.
            let agreed = (0..self.candidates.len())
                .filter(|&c| {
                    self.support_outlets(c) >= 1 && self.candidates[c].relevance >= MIN_RELEVANCE
                })
                .max_by(|&a, &b| {
                    let key =
                        |c: usize| self.support_outlets(c) as f32 + self.candidates[c].relevance;
                    key(a).total_cmp(&key(b)).then(b.cmp(&a))
                });
            if let Some(c) = agreed {
                let citations = self.citations(c);
                let names: Vec<String> = citations
                    .iter()
                    .filter_map(|cite| match cite {
                        Citation::Source(n) => {
                            SourceNo::from_number(*n).map(|s| self.outlets[s.doc()].clone())
                        }
                        Citation::Story(_) => None,
                    })
                    .fold(Vec::new(), |mut acc, name| {
                        if !acc.contains(&name) {
                            acc.push(name);
                        }
                        acc
                    });
                let body = continue_sentence(&self.candidates[c].text, &lowercase_ok);
                let text = if names.len() == 2 {
                    format!("Both {} report that {body}", join_names(&names))
                } else {
                    format!("{} all report that {body}", join_names(&names))
                };
                sentences.push(Sentence { text, citations });
                used.insert(c);
            }
        }
        // Where two outlets give one figure differently, the brief says so.
        if let Some((c, d)) = self.figure_disagreement(used) {
            let (first, second) = (&self.candidates[c], &self.candidates[d]);
            let text = format!(
                "The reports give different figures: {}, while {}",
                without_final_stop(&attribute(
                    &self.outlets[first.doc],
                    "reports",
                    &first.text,
                    &lowercase_ok
                )),
                attribute(
                    &self.outlets[second.doc],
                    "reports",
                    &second.text,
                    &lowercase_ok
                )
            );
            let citations = both_sources(first.doc, second.doc);
            sentences.push(Sentence { text, citations });
            used.insert(c);
            used.insert(d);
        }
        // What each outlet says that the others do not.
        let mut contrasts: Vec<(usize, usize)> = Vec::new(); // (outlet index, candidate)
        for (index, outlet) in outlet_order.iter().enumerate().take(MAX_OUTLETS) {
            let best = (0..self.candidates.len())
                .filter(|&c| self.outlets[self.candidates[c].doc] == *outlet && !used.contains(&c))
                .filter(|&c| self.candidates[c].relevance >= MIN_RELEVANCE)
                .map(|c| {
                    let others = (0..self.candidates.len())
                        .filter(|&o| self.outlets[self.candidates[o].doc] != *outlet)
                        .map(|o| self.sim(c, o))
                        .fold(0.0, f32::max);
                    let quote_bonus = if facts::quoted_spans(&self.candidates[c].text).is_empty() {
                        1.0
                    } else {
                        1.2
                    };
                    (
                        c,
                        self.candidates[c].relevance.sqrt() * (1.0 - others) * quote_bonus,
                    )
                })
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((c, _)) = best {
                used.insert(c);
                contrasts.push((index, c));
            }
        }
        let mut verbs = ATTRIBUTION_VERBS.iter().cycle();
        let mut pending = contrasts.into_iter().peekable();
        while let Some((outlet, c)) = pending.next() {
            let first = &self.candidates[c];
            let verb = verbs.next().copied().unwrap_or("notes");
            // "X notes that ..., while Y stresses that ..." for two short reported sentences;
            // quotations keep a sentence of their own.
            let paired = pending.peek().copied().filter(|&(_, d)| {
                let second = &self.candidates[d].text;
                word_count(&first.text) <= 28
                    && word_count(second) <= 28
                    && !opens_with_quote(&first.text)
                    && !opens_with_quote(second)
            });
            match paired {
                Some((other_outlet, d)) => {
                    pending.next();
                    let second = &self.candidates[d];
                    let other_verb = verbs.next().copied().unwrap_or("stresses");
                    let text = format!(
                        "{}, while {}",
                        without_final_stop(&attribute(
                            outlet_order[outlet],
                            verb,
                            &first.text,
                            &lowercase_ok
                        )),
                        attribute(
                            outlet_order[other_outlet],
                            other_verb,
                            &second.text,
                            &lowercase_ok
                        )
                    );
                    let citations = both_sources(first.doc, second.doc);
                    sentences.push(Sentence { text, citations });
                }
                None => sentences.push(Sentence {
                    text: attribute(outlet_order[outlet], verb, &first.text, &lowercase_ok),
                    citations: vec![SourceNo::of_doc(first.doc).citation()],
                }),
            }
        }
        if outlet_order.len() == 1 {
            let docs: Vec<Citation> = (0..self.articles.len())
                .filter(|&d| self.articles[d].duplicate_of.is_none())
                .map(|d| SourceNo::of_doc(d).citation())
                .collect();
            sentences.insert(
                0,
                Sentence {
                    text: format!(
                        "{} is so far the only outlet with its own report on this story.",
                        outlet_order[0]
                    ),
                    citations: docs,
                },
            );
        }
        sentences.extend(self.wire_copy_sentences());
        Section {
            sentences,
            fallback_engine: None,
        }
    }

    /// Two reports by different outlets, published within [`SAME_TIME_HOURS`] of each other
    /// (or of unknown date), that tell one thing (sentences at least [`SAME_FACT_SIMILARITY`] alike) with one count
    /// given differently ("26 people" in one, "27 people" in the other): the most alike such
    /// pair, earlier report first. Reports hours apart are not compared: a toll that rose is
    /// news, not a disagreement. Copies are not outlets of their own.
    pub(super) fn figure_disagreement(&self, used: &BTreeSet<usize>) -> Option<(usize, usize)> {
        let with_figures: Vec<(usize, Option<DateTime<Utc>>, Vec<facts::Quantity>)> =
            (0..self.candidates.len())
                .filter(|&c| !used.contains(&c) && self.candidates[c].relevance >= MIN_RELEVANCE)
                .filter_map(|c| {
                    let article = &self.articles[self.candidates[c].doc];
                    if article.duplicate_of.is_some() {
                        return None;
                    }
                    let published = article.date_published;
                    let figures = facts::quantities(&self.candidates[c].text);
                    (!figures.is_empty()).then_some((c, published, figures))
                })
                .collect();
        let mut best: Option<(f32, usize, usize)> = None;
        for (index, (c, c_time, c_figures)) in with_figures.iter().enumerate() {
            for (d, d_time, d_figures) in &with_figures[index + 1..] {
                let (c_doc, d_doc) = (self.candidates[*c].doc, self.candidates[*d].doc);
                // An undated report may be of any time: it is compared.
                let apart = match (c_time, d_time) {
                    (Some(c_time), Some(d_time)) => (*c_time - *d_time).num_hours().abs(),
                    _ => 0,
                };
                if self.outlets[c_doc] == self.outlets[d_doc] || apart > SAME_TIME_HOURS {
                    continue;
                }
                // The cheap test first: most pairs are not alike enough to compare figures.
                let similarity = self.sim(*c, *d);
                if similarity < SAME_FACT_SIMILARITY
                    || best.is_some_and(|(top, ..)| similarity <= top)
                {
                    continue;
                }
                let (c_text, d_text) = (&self.candidates[*c].text, &self.candidates[*d].text);
                let differs = c_figures.iter().any(|a| {
                    d_figures
                        .iter()
                        .any(|b| one_figure_differs(a, b, c_text, d_text))
                });
                if differs {
                    let (earlier, later) = if (*c_time, *c) <= (*d_time, *d) {
                        (*c, *d)
                    } else {
                        (*d, *c)
                    };
                    best = Some((similarity, earlier, later));
                }
            }
        }
        best.map(|(_, earlier, later)| (earlier, later))
    }

    /// "Meridian Daily and The Lantern Post carried Cascade Wire's report." for each original
    /// that others republished: copies are sources, not independent outlets.
    pub(super) fn wire_copy_sentences(&self) -> Vec<Sentence> {
        let mut copies_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (doc, article) in self.articles.iter().enumerate() {
            if let Some(original) = &article.duplicate_of
                && let Some(o) = self.articles.iter().position(|a| &a.id == original)
            {
                copies_of.entry(o).or_default().push(doc);
            }
        }
        copies_of
            .into_iter()
            .map(|(original, copies)| {
                let mut names: Vec<String> = Vec::new();
                for &c in &copies {
                    if !names.contains(&self.outlets[c]) {
                        names.push(self.outlets[c].clone());
                    }
                }
                let mut citations: Vec<Citation> = std::iter::once(original)
                    .chain(copies.iter().copied())
                    .map(|d| SourceNo::of_doc(d).citation())
                    .collect();
                citations.sort_by_key(|c| match c {
                    Citation::Source(n) => *n,
                    Citation::Story(_) => 0,
                });
                Sentence {
                    text: format!(
                        "{} carried {}'s report.",
                        join_names(&names),
                        self.outlets[original]
                    ),
                    citations,
                }
            })
            .collect()
    }
}

/// Citations of two articles (by index), in source order: a sentence joining two outlets'
/// reports cites both.
fn both_sources(a: usize, b: usize) -> Vec<Citation> {
    [a.min(b), a.max(b)]
        .into_iter()
        .map(|doc| SourceNo::of_doc(doc).citation())
        .collect()
}

/// True when `a` and `b` count one thing differently: the same unit hung on the same word
/// ("delayed by 35 minutes", "delayed about 30 minutes"), values that cannot both be true
/// ("at least 28" against "26"; "at least 13" and "14.1" agree), and neither sentence giving
/// the other's value anywhere ("reach 20,000 wafers ... from 8,000" against "starts at 8,000
/// wafers ... reach 20,000" is one plan told two ways).
fn one_figure_differs(
    a: &facts::Quantity,
    b: &facts::Quantity,
    a_sentence: &str,
    b_sentence: &str,
) -> bool {
    if a.unit != b.unit || a.governor.is_empty() || a.agrees_with(b) {
        return false;
    }
    let stem = |word: &str| {
        terms::analyze(word, None)
            .into_iter()
            .next()
            .map(|term| term.stem)
    };
    if stem(&a.governor) != stem(&b.governor) {
        return false;
    }
    let numbers_of = |sentence: &str| facts::numbers(sentence);
    let (in_a, in_b) = (numbers_of(a_sentence), numbers_of(b_sentence));
    let normalised = |q: &facts::Quantity| facts::numbers(&q.written);
    !normalised(a).iter().any(|n| in_b.contains(n))
        && !normalised(b).iter().any(|n| in_a.contains(n))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::report_at;
    use super::*;
    use chrono::Duration;
    use storyline_model::Article;

    fn papers_of(articles: &[Article]) -> Vec<String> {
        let analysis = Analysis::new(articles);
        let mut used = BTreeSet::new();
        analysis
            .what_the_papers_say(&mut used)
            .sentences
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn outlets_giving_one_figure_differently_are_said_to_differ() {
        let courier = "Police said the gunman killed 28 people at Ardmore Elementary School, \
                       including 20 children. The school had 600 pupils.";
        let times = "Police said the gunman killed 26 people at Ardmore Elementary School, \
                     including 20 children. Parents gathered at a fire station nearby.";
        let articles = [
            report_at("Ardmore Courier", 9, courier),
            report_at("Valley Times", 11, times),
        ];
        let papers = papers_of(&articles);
        let differ: Vec<&String> = papers
            .iter()
            .filter(|s| s.starts_with("The reports give different figures"))
            .collect();
        assert_eq!(differ.len(), 1, "{papers:?}");
        assert!(
            differ[0].contains("Ardmore Courier reports that police said the gunman killed 28")
                && differ[0].contains("Valley Times reports that police said the gunman killed 26"),
            "{differ:?}"
        );

        // A bound the other figure meets agrees, and reports a day apart tell a toll that
        // changed.
        let mut agreeing = articles.clone();
        agreeing[0] = report_at(
            "Ardmore Courier",
            9,
            &courier.replace("killed 28", "killed at least 25"),
        );
        let mut later = articles.clone();
        later[1].date_published = later[1].date_published.map(|t| t + Duration::hours(30));
        for articles in [agreeing, later] {
            let papers = papers_of(&articles);
            assert!(
                !papers
                    .iter()
                    .any(|s| s.starts_with("The reports give different figures")),
                "{papers:?}"
            );
        }
    }
}
