//! Exact-span precision, recall and F1 per kind, counted as the CoNLL scorer
//! (`bench/score_ner.py`, conlleval) counts them: a name is found only when its kind and both
//! ends match.

use super::tags::{Kind, Tag, spans};

/// Counts of found, gold and predicted names per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scores {
    /// Per [`Kind`] index: (correct, gold, predicted).
    counts: [(usize, usize, usize); 4],
}

impl Scores {
    /// Adds one sentence.
    pub fn add(&mut self, gold: &[Tag], predicted: &[Tag]) {
        let gold_spans = spans(gold);
        let predicted_spans = spans(predicted);
        for span in &gold_spans {
            self.counts[span.kind as usize].1 += 1;
        }
        for span in &predicted_spans {
            let counts = &mut self.counts[span.kind as usize];
            counts.2 += 1;
            if gold_spans.contains(span) {
                counts.0 += 1;
            }
        }
    }

    fn totals(&self, kind: Option<Kind>) -> (usize, usize, usize) {
        match kind {
            Some(kind) => self.counts[kind as usize],
            None => self
                .counts
                .iter()
                .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2)),
        }
    }

    pub fn precision(&self, kind: Option<Kind>) -> f64 {
        let (correct, _, predicted) = self.totals(kind);
        ratio(correct, predicted)
    }

    pub fn recall(&self, kind: Option<Kind>) -> f64 {
        let (correct, gold, _) = self.totals(kind);
        ratio(correct, gold)
    }

    /// F1 of one kind, or micro-averaged over all four (`None`).
    pub fn f1(&self, kind: Option<Kind>) -> f64 {
        let (p, r) = (self.precision(kind), self.recall(kind));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// "PER 0.912 ORG 0.851 LOC 0.930 MISC 0.860 all 0.893".
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for kind in Kind::ALL {
            out.push_str(&format!("{} {:.4} ", kind.conll(), self.f1(Some(kind))));
        }
        out.push_str(&format!("all {:.4}", self.f1(None)));
        out
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::tags::{bilou_from_iob, parse_iob};

    fn tags(iob: &[&str]) -> Vec<Tag> {
        let parsed: Vec<_> = iob.iter().map(|t| parse_iob(t).expect("tag")).collect();
        bilou_from_iob(&parsed)
    }

    #[test]
    fn exact_spans_only() {
        let mut scores = Scores::default();
        scores.add(
            &tags(&["B-PER", "I-PER", "O", "B-LOC"]),
            &tags(&["B-PER", "O", "O", "B-LOC"]),
        );
        assert_eq!(scores.f1(Some(Kind::Place)), 1.0);
        assert_eq!(scores.f1(Some(Kind::Person)), 0.0);
        assert_eq!(scores.precision(None), 0.5);
        assert_eq!(scores.recall(None), 0.5);
    }
}
