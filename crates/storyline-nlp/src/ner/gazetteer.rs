//! Names seen in training, by kind: the longest phrase of up to [`MAX_WORDS`] words starting
//! at each token that was a name in training marks its tokens with the kinds it had and their
//! place in it (B, I, L or U). Phrases are stored as hashes of their lower-case words, so
//! they match in ALL-CAPS headlines too and the model file holds no name text.

use super::features::mix;
use super::tags::Kind;
use std::collections::HashMap;

/// The longest phrase looked up.
pub const MAX_WORDS: usize = 6;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gazetteer {
    /// Phrase hash → one bit per [`Kind`] it was seen as.
    pub(crate) phrases: HashMap<u64, u8>,
}

/// The hash of a phrase of lower-case word hashes, extended one word at a time.
fn extend(phrase: u64, word: u64) -> u64 {
    mix(phrase.rotate_left(7) ^ word)
}

const EMPTY: u64 = 0x6761_7a65_7474_6565;

impl Gazetteer {
    /// Records a name (its words' lower-case hashes) as being of `kind`. Longer names than
    /// [`MAX_WORDS`] are ignored.
    pub fn insert(&mut self, words: &[u64], kind: Kind) {
        if words.is_empty() || words.len() > MAX_WORDS {
            return;
        }
        let hash = words.iter().fold(EMPTY, |h, &w| extend(h, w));
        *self.phrases.entry(hash).or_default() |= 1 << kind as u8;
    }

    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// For each token, its marks: `kind × 4 + part` (part 0 B, 1 I, 2 L, 3 U) of the longest
    /// known phrase starting at each position that covers it.
    pub fn marks(&self, words: &[u64]) -> Vec<Vec<u8>> {
        let mut marks = vec![Vec::new(); words.len()];
        if self.phrases.is_empty() {
            return marks;
        }
        for start in 0..words.len() {
            let mut hash = EMPTY;
            let mut longest = None;
            for (len, &word) in (1..=MAX_WORDS).zip(&words[start..]) {
                hash = extend(hash, word);
                if let Some(&kinds) = self.phrases.get(&hash) {
                    longest = Some((len, kinds));
                }
            }
            let Some((len, kinds)) = longest else {
                continue;
            };
            for kind in 0..4u8 {
                if kinds & (1 << kind) == 0 {
                    continue;
                }
                for offset in 0..len {
                    let part = match (offset, len) {
                        (_, 1) => 3,
                        (0, _) => 0,
                        (o, l) if o + 1 == l => 2,
                        _ => 1,
                    };
                    marks[start + offset].push(kind * 4 + part);
                }
            }
        }
        marks
    }

    /// The entries in a stable order, for the model file.
    pub(crate) fn sorted_entries(&self) -> Vec<(u64, u8)> {
        let mut entries: Vec<(u64, u8)> = self.phrases.iter().map(|(&h, &k)| (h, k)).collect();
        entries.sort_unstable();
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::features::hash_str;

    fn words(text: &str) -> Vec<u64> {
        text.split(' ')
            .map(|w| hash_str(&w.to_lowercase()))
            .collect()
    }

    #[test]
    fn longest_phrase_marks_its_tokens() {
        let mut gazetteer = Gazetteer::default();
        gazetteer.insert(&words("port zorbin"), Kind::Place);
        gazetteer.insert(&words("zorbin"), Kind::Person);
        let marks = gazetteer.marks(&words("PORT ZORBIN today"));
        let place = Kind::Place as u8 * 4;
        let person = Kind::Person as u8 * 4;
        assert_eq!(marks[0], [place]);
        assert_eq!(marks[1], [place + 2, person + 3]);
        assert!(marks[2].is_empty());
    }
}
