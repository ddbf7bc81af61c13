//! The peer our recogniser is measured against: "tag what was a name in training", close to
//! the CoNLL-2003 shared-task baseline. Every phrase (up to six tokens, exact case) that was
//! a name in training more often than not is tagged with its most frequent kind, longest
//! match first, left to right.

use super::conll::Document;
use super::gazetteer::MAX_WORDS;
use super::tags::{Kind, Span, Tag, bilou_from_spans, spans};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Memoriser {
    /// Phrase (tokens joined by a space) → its kind.
    names: HashMap<String, Kind>,
}

impl Memoriser {
    /// Learns the names of `documents`.
    pub fn learn(documents: &[Document]) -> Memoriser {
        // Phrase → (times a name, per kind; times seen at all).
        let mut counts: HashMap<String, ([usize; 4], usize)> = HashMap::new();
        for document in documents {
            for (tokens, tags) in document.sentences.iter().zip(&document.tags) {
                for span in spans(tags) {
                    let phrase = tokens[span.start..span.end].join(" ");
                    counts.entry(phrase).or_default().0[span.kind as usize] += 1;
                }
            }
        }
        for document in documents {
            for tokens in &document.sentences {
                for start in 0..tokens.len() {
                    for end in start + 1..=(start + MAX_WORDS).min(tokens.len()) {
                        if let Some(entry) = counts.get_mut(&tokens[start..end].join(" ")) {
                            entry.1 += 1;
                        }
                    }
                }
            }
        }
        let names = counts
            .into_iter()
            .filter_map(|(phrase, (kinds, seen))| {
                let named: usize = kinds.iter().sum();
                let (best, _) = kinds.iter().enumerate().max_by_key(|&(i, n)| (*n, 4 - i))?;
                (2 * named > seen).then_some((phrase, Kind::ALL[best]))
            })
            .collect();
        Memoriser { names }
    }

    /// BILOU tags of one sentence.
    pub fn tag_sentence<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<Tag> {
        let mut found = Vec::new();
        let mut start = 0;
        while start < tokens.len() {
            let mut phrase = String::new();
            let mut longest = None;
            for (end, token) in
                (start + 1..=(start + MAX_WORDS).min(tokens.len())).zip(&tokens[start..])
            {
                if end > start + 1 {
                    phrase.push(' ');
                }
                phrase.push_str(token.as_ref());
                if let Some(&kind) = self.names.get(&phrase) {
                    longest = Some(Span { start, end, kind });
                }
            }
            match longest {
                Some(span) => {
                    found.push(span);
                    start = span.end;
                }
                None => start += 1,
            }
        }
        bilou_from_spans(tokens.len(), &found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::conll::parse;

    #[test]
    fn tags_known_names_only() {
        let train = parse(
            "Port B-LOC\nZorbin I-LOC\nis O\nbig O\n\nZorbin B-PER\nsang O\n\nPort O\nopened O\n",
            true,
        )
        .expect("parses");
        let memoriser = Memoriser::learn(&train);
        let tags = memoriser.tag_sentence(&["In", "Port", "Zorbin", "today"]);
        let iob: Vec<_> = tags.iter().map(|t| t.iob2()).collect();
        assert_eq!(iob, ["O", "B-LOC", "I-LOC", "O"]);
        // "Port" alone was a name once in two sightings: not more often than not.
        let tags = memoriser.tag_sentence(&["Port"]);
        assert_eq!(tags[0], Tag::OUTSIDE);
    }
}
