//! Feature extraction: each token of a sentence becomes a list of 64-bit feature hashes
//! (template × value), looked up in the model's weight table. Hashes instead of strings keep
//! extraction free of allocation per feature and the model file free of feature names.
//!
//! The groups ([`FeatureGroups`]) can be switched off one by one for the ablation that
//! decides which ones the shipped model uses. Capitals are evidence only in mixed-case text:
//! in an ALL-CAPS sentence (CoNLL headlines, datelines) the shape features move to templates
//! of their own, and the document features say how the same word is written where its
//! capitals mean something (mid-sentence, in a mixed-case sentence).

use super::clusters::Clusters;
use super::gazetteer::Gazetteer;
use std::collections::HashMap;

/// Which feature groups a model uses; stored in the model file so that tagging extracts
/// exactly what training saw. The lower-cased word and a bias are always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureGroups(pub u32);

impl FeatureGroups {
    /// Word shapes of the token and its neighbours, exact form, sentence position.
    pub const SHAPE: u32 = 1;
    /// Prefixes and suffixes of 1 to 4 characters.
    pub const AFFIX: u32 = 2;
    /// Neighbouring words within two tokens, and word bigrams.
    pub const CONTEXT: u32 = 4;
    /// Separate shape templates in ALL-CAPS sentences.
    pub const CAPS: u32 = 8;
    /// Names seen in training (longest match of up to six words).
    pub const GAZETTEER: u32 = 16;
    /// How the word is written elsewhere in the document.
    pub const DOCUMENT: u32 = 32;
    /// Word clusters of the token and its neighbours.
    pub const CLUSTERS: u32 = 64;
    /// Not a feature: after decoding, the names of a document vote on their kind
    /// ([`super::consistency`]).
    pub const VOTE: u32 = 128;
    pub const ALL: FeatureGroups = FeatureGroups(255);
    pub const NAMES: [(&'static str, u32); 8] = [
        ("shape", Self::SHAPE),
        ("affix", Self::AFFIX),
        ("context", Self::CONTEXT),
        ("caps", Self::CAPS),
        ("gazetteer", Self::GAZETTEER),
        ("document", Self::DOCUMENT),
        ("clusters", Self::CLUSTERS),
        ("vote", Self::VOTE),
    ];

    pub fn has(self, group: u32) -> bool {
        self.0 & group != 0
    }
}

/// The features of one sentence: token `i` has `hashes[starts[i]..starts[i + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct SentenceFeatures {
    pub hashes: Vec<u64>,
    pub starts: Vec<u32>,
}

impl SentenceFeatures {
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn token(&self, i: usize) -> &[u64] {
        &self.hashes[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// How a word is capitalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    NoLetters,
    Lower,
    /// First letter upper, some lower after it ("Paris", "McDonald").
    Title,
    /// Letters all upper ("NATO", "A").
    Upper,
    /// Anything else ("eBay").
    Mixed,
}

impl Case {
    pub(crate) fn of(word: &str) -> Case {
        let mut letters = word.chars().filter(|c| c.is_alphabetic());
        let Some(first) = letters.next() else {
            return Case::NoLetters;
        };
        let (mut upper, mut lower) = (0, 0);
        for c in letters {
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
        }
        match (first.is_uppercase(), upper, lower) {
            (true, _, 0) => Case::Upper,
            (true, _, _) => Case::Title,
            (false, 0, _) => Case::Lower,
            _ => Case::Mixed,
        }
    }

    /// One bit per case, for the document's set of forms.
    fn bit(self) -> u8 {
        match self {
            Case::NoLetters => 0,
            Case::Lower => 1,
            Case::Title => 2,
            Case::Upper => 4,
            Case::Mixed => 8,
        }
    }
}

/// Whether a sentence is written in capitals only (a headline or dateline), so that its
/// capitals say nothing about names.
pub fn is_all_caps<S: AsRef<str>>(tokens: &[S]) -> bool {
    let mut upper = 0;
    for token in tokens {
        for c in token.as_ref().chars() {
            if c.is_lowercase() {
                return false;
            }
            if c.is_uppercase() {
                upper += 1;
            }
        }
    }
    upper >= 2
}

/// The long shape ("Xxxxx" for "Paris" capped at five repeats, "dddd-dd-dd") and the short
/// shape (repeats collapsed: "Xx", "d-d-d").
pub(crate) fn shapes(word: &str) -> (String, String) {
    let mut long = String::new();
    let mut short = String::new();
    let mut previous = '\0';
    let mut run = 0;
    for c in word.chars() {
        let class = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else if c.is_alphabetic() {
            'a'
        } else {
            c
        };
        if class == previous {
            run += 1;
        } else {
            run = 1;
            short.push(class);
        }
        if run <= 4 {
            long.push(class);
        }
        previous = class;
    }
    (long, short)
}

/// FNV-1a over bytes, then a final mix so that low bits are usable as a table index.
pub(crate) fn hash_str(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(hash)
}

/// The splitmix64 finaliser.
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn feature(template: u32, value: u64) -> u64 {
    mix(value ^ u64::from(template).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn feature2(template: u32, a: u64, b: u64) -> u64 {
    mix(feature(template, a) ^ b.rotate_left(23))
}

fn feature3(template: u32, a: u64, b: u64, c: u64) -> u64 {
    mix(feature2(template, a, b) ^ c.rotate_left(41))
}

// Feature templates. The number is part of the hash, so changing one changes the model
// format: bump `format::VERSION` when you do.
const T_BIAS: u32 = 1;
const T_WORD: u32 = 2;
const T_FORM: u32 = 3;
const T_SHAPE: u32 = 4;
const T_SHORT: u32 = 5;
const T_SHORT_PREV: u32 = 6;
const T_SHORT_NEXT: u32 = 7;
const T_SHORT_TRIPLE: u32 = 8;
const T_INITIAL_CASE: u32 = 9;
const T_PREFIX: u32 = 10;
const T_SUFFIX: u32 = 14;
const T_WORD_PREV: u32 = 20;
const T_WORD_NEXT: u32 = 21;
const T_WORD_PREV2: u32 = 22;
const T_WORD_NEXT2: u32 = 23;
const T_BIGRAM_PREV: u32 = 24;
const T_BIGRAM_NEXT: u32 = 25;
const T_SHORT_PREV2: u32 = 26;
const T_SHORT_NEXT2: u32 = 27;
const T_PREV_WORD_SHAPE: u32 = 28;
const T_GAZETTEER: u32 = 30;
const T_DOCUMENT: u32 = 40;
const T_DOCUMENT_SHAPE: u32 = 41;
const T_CLUSTER_COARSE: u32 = 50;
const T_CLUSTER_FINE: u32 = 51;
const T_CLUSTER_PREV: u32 = 52;
const T_CLUSTER_NEXT: u32 = 53;
const T_CLUSTER_SHAPE: u32 = 54;
/// The cluster value of a word without one.
const NO_CLUSTER: u64 = 0xffff_ffff;
/// Added to a shape template in an ALL-CAPS sentence.
const CAPS_OFFSET: u32 = 100;

const PAD_BEFORE: u64 = 0x5f5f_5354_4152_545f;
const PAD_AFTER: u64 = 0x5f5f_454e_445f_5f5f;

/// What extraction knows of one token, computed once per token.
struct TokenView {
    word: u64,
    form: u64,
    shape: u64,
    short: u64,
    case: Case,
    prefixes: [u64; 4],
    suffixes: [u64; 4],
    affix_count: usize,
    lower: String,
    /// (coarse, fine) cluster, or [`NO_CLUSTER`] twice.
    clusters: (u64, u64),
}

impl TokenView {
    fn new(token: &str, clusters: &Clusters) -> TokenView {
        let lower = token.to_lowercase();
        let (long_shape, short_shape) = shapes(token);
        let chars: Vec<(usize, char)> = lower.char_indices().collect();
        let mut prefixes = [0; 4];
        let mut suffixes = [0; 4];
        let affix_count = chars.len().min(4);
        for n in 1..=affix_count {
            let prefix_end = chars.get(n).map_or(lower.len(), |&(at, _)| at);
            prefixes[n - 1] = hash_str(&lower[..prefix_end]);
            let suffix_start = chars[chars.len() - n].0;
            suffixes[n - 1] = hash_str(&lower[suffix_start..]);
        }
        let word = hash_str(&lower);
        let clusters = clusters
            .get(word)
            .map_or((NO_CLUSTER, NO_CLUSTER), |(coarse, fine)| {
                (u64::from(coarse), u64::from(fine))
            });
        TokenView {
            word,
            clusters,
            form: hash_str(token),
            shape: hash_str(&long_shape),
            short: hash_str(&short_shape),
            case: Case::of(token),
            prefixes,
            suffixes,
            affix_count,
            lower,
        }
    }
}

/// Turns the sentences of one document into features.
#[derive(Debug, Clone, Copy)]
pub struct Extractor<'a> {
    pub groups: FeatureGroups,
    pub gazetteer: &'a Gazetteer,
    pub clusters: &'a Clusters,
}

impl Extractor<'_> {
    /// Features of every sentence of a document. The document matters: the DOCUMENT group
    /// looks at how each word is written in the document's other sentences.
    pub fn document<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<SentenceFeatures> {
        let views: Vec<Vec<TokenView>> = sentences
            .iter()
            .map(|sentence| {
                sentence
                    .iter()
                    .map(|t| TokenView::new(t.as_ref(), self.clusters))
                    .collect()
            })
            .collect();
        let caps: Vec<bool> = sentences.iter().map(|s| is_all_caps(s)).collect();
        let forms = if self.groups.has(FeatureGroups::DOCUMENT) {
            document_forms(&views, &caps)
        } else {
            HashMap::new()
        };
        views
            .iter()
            .zip(&caps)
            .map(|(tokens, &caps)| self.sentence(tokens, caps, &forms))
            .collect()
    }

    fn sentence(
        &self,
        tokens: &[TokenView],
        all_caps: bool,
        forms: &HashMap<u64, u8>,
    ) -> SentenceFeatures {
        let groups = self.groups;
        let caps_offset = if all_caps && groups.has(FeatureGroups::CAPS) {
            CAPS_OFFSET
        } else {
            0
        };
        let gazetteer_marks = if groups.has(FeatureGroups::GAZETTEER) {
            let words: Vec<u64> = tokens.iter().map(|t| t.word).collect();
            self.gazetteer.marks(&words)
        } else {
            Vec::new()
        };
        let mut out = SentenceFeatures {
            hashes: Vec::with_capacity(tokens.len() * 40),
            starts: Vec::with_capacity(tokens.len() + 1),
        };
        let word_at = |i: isize| -> u64 {
            if i < 0 {
                PAD_BEFORE
            } else {
                tokens.get(i as usize).map_or(PAD_AFTER, |t| t.word)
            }
        };
        let short_at = |i: isize| -> u64 {
            if i < 0 {
                PAD_BEFORE
            } else {
                tokens.get(i as usize).map_or(PAD_AFTER, |t| t.short)
            }
        };
        for (i, token) in tokens.iter().enumerate() {
            out.starts.push(out.hashes.len() as u32);
            let at = i as isize;
            let f = &mut out.hashes;
            f.push(feature(T_BIAS, 0));
            f.push(feature(T_WORD, token.word));
            if groups.has(FeatureGroups::SHAPE) {
                f.push(feature(T_FORM + caps_offset, token.form));
                f.push(feature(T_SHAPE + caps_offset, token.shape));
                f.push(feature(T_SHORT + caps_offset, token.short));
                f.push(feature(T_SHORT_PREV + caps_offset, short_at(at - 1)));
                f.push(feature(T_SHORT_NEXT + caps_offset, short_at(at + 1)));
                f.push(feature(T_SHORT_PREV2 + caps_offset, short_at(at - 2)));
                f.push(feature(T_SHORT_NEXT2 + caps_offset, short_at(at + 2)));
                f.push(feature3(
                    T_SHORT_TRIPLE + caps_offset,
                    short_at(at - 1),
                    token.short,
                    short_at(at + 1),
                ));
                f.push(feature2(
                    T_INITIAL_CASE + caps_offset,
                    u64::from(i == 0),
                    token.case as u64,
                ));
                f.push(feature2(
                    T_PREV_WORD_SHAPE + caps_offset,
                    word_at(at - 1),
                    token.short,
                ));
            }
            if groups.has(FeatureGroups::AFFIX) {
                for n in 0..token.affix_count {
                    f.push(feature(T_PREFIX + n as u32, token.prefixes[n]));
                    f.push(feature(T_SUFFIX + n as u32, token.suffixes[n]));
                }
            }
            if groups.has(FeatureGroups::CONTEXT) {
                f.push(feature(T_WORD_PREV, word_at(at - 1)));
                f.push(feature(T_WORD_NEXT, word_at(at + 1)));
                f.push(feature(T_WORD_PREV2, word_at(at - 2)));
                f.push(feature(T_WORD_NEXT2, word_at(at + 2)));
                f.push(feature2(T_BIGRAM_PREV, word_at(at - 1), token.word));
                f.push(feature2(T_BIGRAM_NEXT, token.word, word_at(at + 1)));
            }
            if groups.has(FeatureGroups::CLUSTERS) {
                let fine_at = |i: isize| -> u64 {
                    if i < 0 {
                        PAD_BEFORE
                    } else {
                        tokens.get(i as usize).map_or(PAD_AFTER, |t| t.clusters.1)
                    }
                };
                f.push(feature(T_CLUSTER_COARSE, token.clusters.0));
                f.push(feature(T_CLUSTER_FINE, token.clusters.1));
                f.push(feature(T_CLUSTER_PREV, fine_at(at - 1)));
                f.push(feature(T_CLUSTER_NEXT, fine_at(at + 1)));
                f.push(feature2(
                    T_CLUSTER_SHAPE + caps_offset,
                    token.clusters.1,
                    token.short,
                ));
            }
            if let Some(marks) = gazetteer_marks.get(i) {
                for &mark in marks {
                    f.push(feature(T_GAZETTEER, u64::from(mark)));
                }
            }
            if groups.has(FeatureGroups::DOCUMENT) && token.case != Case::NoLetters {
                // Whether this very token's capitals can be trusted: not at the sentence
                // start, not in an ALL-CAPS sentence.
                let position = if all_caps {
                    2
                } else if i == 0 {
                    1
                } else {
                    0
                };
                let seen = forms.get(&token.word).copied().unwrap_or(0);
                f.push(feature2(T_DOCUMENT, u64::from(seen), position));
                f.push(feature3(
                    T_DOCUMENT_SHAPE,
                    u64::from(seen),
                    position,
                    token.case as u64,
                ));
            }
        }
        out.starts.push(out.hashes.len() as u32);
        out
    }
}

/// For each word of a document (by its lower-case hash), the set of cases it is written in
/// where capitals mean something: not first in its sentence, not in an ALL-CAPS sentence.
fn document_forms(views: &[Vec<TokenView>], caps: &[bool]) -> HashMap<u64, u8> {
    let mut forms: HashMap<u64, u8> = HashMap::new();
    for (tokens, &all_caps) in views.iter().zip(caps) {
        if all_caps {
            continue;
        }
        for token in tokens.iter().skip(1) {
            let bit = token.case.bit();
            if bit != 0 && token.lower.chars().count() > 1 {
                *forms.entry(token.word).or_default() |= bit;
            }
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_words() {
        assert_eq!(shapes("Paris"), ("Xxxxx".into(), "Xx".into()));
        assert_eq!(shapes("1996-08-22"), ("dddd-dd-dd".into(), "d-d-d".into()));
        assert_eq!(shapes("U.S."), ("X.X.".into(), "X.X.".into()));
        assert_eq!(shapes("Constantinople").0, "Xxxxx");
    }

    #[test]
    fn cases_of_words() {
        assert_eq!(Case::of("Paris"), Case::Title);
        assert_eq!(Case::of("NATO"), Case::Upper);
        assert_eq!(Case::of("eBay"), Case::Mixed);
        assert_eq!(Case::of("the"), Case::Lower);
        assert_eq!(Case::of("1996"), Case::NoLetters);
        assert_eq!(Case::of("U.S."), Case::Upper);
    }

    #[test]
    fn headlines_are_all_caps() {
        assert!(is_all_caps(&["ZORBLAND", "WINS", "CUP", "."]));
        assert!(!is_all_caps(&["Zorbland", "wins", "the", "cup"]));
        assert!(!is_all_caps(&["1996-08-22"]));
    }

    fn features(groups: u32, sentences: &[Vec<&str>]) -> Vec<SentenceFeatures> {
        let gazetteer = Gazetteer::default();
        let clusters = Clusters::default();
        let extractor = Extractor {
            groups: FeatureGroups(groups),
            gazetteer: &gazetteer,
            clusters: &clusters,
        };
        extractor.document(sentences)
    }

    #[test]
    fn every_token_gets_bias_and_word() {
        let out = features(0, &[vec!["Ana", "Lupescu", "spoke"]]);
        assert_eq!(out[0].len(), 3);
        for i in 0..3 {
            assert_eq!(out[0].token(i).len(), 2);
        }
        assert_eq!(out[0].token(0)[0], out[0].token(1)[0], "one bias feature");
    }

    #[test]
    fn lower_case_word_ignores_capitals() {
        let out = features(0, &[vec!["Zorbland"], vec!["ZORBLAND"]]);
        assert_eq!(out[0].token(0), out[1].token(0));
    }

    #[test]
    fn shapes_in_caps_sentences_use_their_own_templates() {
        let plain = features(FeatureGroups::SHAPE, &[vec!["NATO", "meets", "today"]]);
        let caps = features(
            FeatureGroups::SHAPE | FeatureGroups::CAPS,
            &[vec!["NATO", "MEETS", "TODAY"]],
        );
        let without_caps = features(FeatureGroups::SHAPE, &[vec!["NATO", "MEETS", "TODAY"]]);
        // The token NATO has the same shape in both; only the CAPS group tells them apart.
        assert!(
            caps[0]
                .token(0)
                .iter()
                .all(|h| !plain[0].token(0)[2..].contains(h))
        );
        assert!(without_caps[0].token(0)[2..5] == plain[0].token(0)[2..5]);
    }

    #[test]
    fn document_forms_come_from_trusted_positions() {
        let sentences = vec![
            vec!["KOVALIK", "WINS"],
            vec!["Then", "Kovalik", "won", "again"],
            vec!["Again", "he", "won"],
        ];
        let with = features(FeatureGroups::DOCUMENT, &sentences);
        let alone = features(FeatureGroups::DOCUMENT, &sentences[..1]);
        // "KOVALIK" in the headline learns that the body writes it title-case.
        assert_ne!(with[0].token(0), alone[0].token(0));
        // "WINS" is never written elsewhere: same features either way.
        assert_eq!(with[0].token(1), alone[0].token(1));
    }

    #[test]
    fn affixes_of_short_words_stop_at_their_length() {
        let out = features(FeatureGroups::AFFIX, &[vec!["Ng", "Zorbland"]]);
        assert_eq!(out[0].token(0).len(), 2 + 4);
        assert_eq!(out[0].token(1).len(), 2 + 8);
    }
}
