//! One kind per name within a document: the tagger decides each sentence on its own, so the
//! same name can come out as a person in the text and an organisation in the ALL-CAPS
//! headline above it. After decoding, the names of a document vote: every name whose words
//! (lower-cased) match takes the kind most of its mentions have, mentions in mixed-case
//! sentences counting more than those in ALL-CAPS ones (where capitals said nothing); and a
//! lone word that ends a person's full name elsewhere in the document ("Kovalik" after "Mira
//! Kovalik") is that person.

use super::features::is_all_caps;
use super::tags::{Kind, Span, Tag, bilou_from_spans, spans};
use std::collections::HashMap;

/// Weight of a mention in a mixed-case sentence; one in an ALL-CAPS sentence counts 1.
const MIXED_CASE_WEIGHT: u32 = 3;

/// Re-labels the kinds of the names in `tags` (one vector per sentence) so that a document
/// uses one kind per name. Boundaries never change.
pub fn harmonise<S: AsRef<str>>(sentences: &[Vec<S>], tags: &mut [Vec<Tag>]) {
    let lower: Vec<Vec<String>> = sentences
        .iter()
        .map(|s| s.iter().map(|t| t.as_ref().to_lowercase()).collect())
        .collect();
    let found: Vec<Vec<Span>> = tags.iter().map(|t| spans(t)).collect();
    let mut votes: HashMap<&[String], [u32; 4]> = HashMap::new();
    // Last words of people's full names written in mixed case.
    let mut surnames: HashMap<&str, u32> = HashMap::new();
    for ((words, sentence), names) in lower.iter().zip(sentences).zip(&found) {
        let weight = if is_all_caps(sentence) {
            1
        } else {
            MIXED_CASE_WEIGHT
        };
        for span in names {
            votes.entry(&words[span.start..span.end]).or_default()[span.kind as usize] += weight;
            if span.kind == Kind::Person && span.end - span.start > 1 && weight > 1 {
                *surnames.entry(&words[span.end - 1]).or_default() += 1;
            }
        }
    }
    for ((words, names), sentence_tags) in lower.iter().zip(&found).zip(tags.iter_mut()) {
        let mut changed = false;
        let relabelled: Vec<Span> = names
            .iter()
            .map(|span| {
                let key = &words[span.start..span.end];
                let counts = votes[key];
                let mut kind = Kind::ALL
                    .into_iter()
                    .max_by_key(|k| (counts[*k as usize], *k == span.kind))
                    .unwrap_or(span.kind);
                if key.len() == 1 && surnames.contains_key(key[0].as_str()) {
                    kind = Kind::Person;
                }
                changed |= kind != span.kind;
                Span { kind, ..*span }
            })
            .collect();
        if changed {
            *sentence_tags = bilou_from_spans(sentence_tags.len(), &relabelled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::tags::Part;

    fn unit(kind: Kind) -> Tag {
        Tag::new(kind, Part::Unit)
    }

    #[test]
    fn a_headline_takes_the_kind_of_the_text() {
        let sentences = vec![
            vec!["KOVALIK", "WINS"],
            vec!["Mira", "Kovalik", "won", "."],
            vec!["Kovalik", "smiled"],
        ];
        let mut tags = vec![
            vec![unit(Kind::Organisation), Tag::OUTSIDE],
            vec![
                Tag::new(Kind::Person, Part::Begin),
                Tag::new(Kind::Person, Part::Last),
                Tag::OUTSIDE,
                Tag::OUTSIDE,
            ],
            vec![unit(Kind::Place), Tag::OUTSIDE],
        ];
        harmonise(&sentences, &mut tags);
        assert_eq!(tags[0][0], unit(Kind::Person));
        assert_eq!(tags[2][0], unit(Kind::Person));
    }

    #[test]
    fn the_majority_of_mixed_case_mentions_wins() {
        let sentences = vec![vec!["Zorbin"], vec!["Zorbin"], vec!["Zorbin"]];
        let mut tags = vec![
            vec![unit(Kind::Place)],
            vec![unit(Kind::Place)],
            vec![unit(Kind::Organisation)],
        ];
        harmonise(&sentences, &mut tags);
        assert!(tags.iter().all(|t| t[0] == unit(Kind::Place)));
    }
}
