//! Word terms for matching: a text becomes a list of [`Term`]s (stemmed, lowercased, stop
//! words dropped, proper nouns and numbers flagged), and [`content_hash`] fingerprints a body
//! so that copies differing only in spacing or punctuation compare equal.
//!
//! English is the default; any language with a Snowball stemmer (and, for stop words, an NLTK
//! list) is handled when its ISO 639-1 code is given.

use rust_stemmers::{Algorithm, Stemmer};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use unicode_segmentation::UnicodeSegmentation;

/// One content word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lowercased Snowball stem: what two texts are matched on.
    pub stem: String,
    /// The word as written (possessive `'s` removed), for showing to people.
    pub surface: String,
    /// Capitalised where a sentence does not start, an all-caps acronym, or a number: the
    /// words that tell one event from another of the same kind.
    pub is_proper: bool,
}

/// English function words plus the reporting verbs every news text is full of ("said",
/// "told"), which carry no information about which story a text belongs to.
const ENGLISH_STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "told",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "according",
    "may",
    "might",
    "shall",
    "since",
    "upon",
    "via",
    "yet",
    "within",
    "without",
    "s",
    "t",
    "don",
    "didn",
    "doesn",
    "isn",
    "wasn",
    "weren",
    "won",
    "wouldn",
    "couldn",
    "shouldn",
    "hasn",
    "haven",
    "hadn",
    "aren",
    "ll",
    "re",
    "ve",
    "d",
    "m",
];

/// True for an English stop word (`word` is compared lowercased).
pub fn is_stopword(word: &str) -> bool {
    english_stopwords().contains(word.to_lowercase().as_str())
}

fn english_stopwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| ENGLISH_STOPWORDS.iter().copied().collect())
}

/// Stop word sets of the other languages, built once from the NLTK lists.
fn stopwords_for(lang: &str) -> Option<&'static HashSet<&'static str>> {
    static SETS: OnceLock<HashMap<&'static str, HashSet<&'static str>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        stop_words::available_languages()
            .iter()
            .filter_map(|code| Some((*code, stop_words::lookup(code)?.iter().copied().collect())))
            .collect()
    });
    sets.get(lang)
}

/// The Snowball algorithm for an ISO 639-1 code (region subtags ignored); `None` when
/// Snowball has no stemmer for it.
fn stemmer_algorithm(lang: &str) -> Option<Algorithm> {
    let primary = lang
        .split(['-', '_'])
        .next()
        .unwrap_or(lang)
        .to_ascii_lowercase();
    Some(match primary.as_str() {
        "en" => Algorithm::English,
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// The words of `text` as terms, in text order. `lang` is an ISO 639-1 / BCP 47 code; `None`
/// or an unknown code means English. A language without a Snowball stemmer keeps lowercased
/// words unstemmed, with its NLTK stop words removed when there is a list.
pub fn analyze(text: &str, lang: Option<&str>) -> Vec<Term> {
    let lang = lang.map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase());
    let (stemmer, stopwords) = match lang.as_deref() {
        None | Some("en") | Some("") => (Some(Stemmer::create(Algorithm::English)), None),
        Some(code) => (
            stemmer_algorithm(code).map(Stemmer::create),
            stopwords_for(code),
        ),
    };
    let is_stop = |lower: &str| match stopwords {
        Some(set) => set.contains(lower),
        None => english_stopwords().contains(lower),
    };

    let mut terms = Vec::new();
    let mut previous_end = 0;
    let mut first_word = true;
    for (start, word) in text.unicode_word_indices() {
        let gap = text.get(previous_end..start).unwrap_or("");
        let sentence_start = first_word || gap.contains(['.', '!', '?', '\n', ':', '"', '“']);
        first_word = false;
        previous_end = start + word.len();

        let surface = strip_possessive(word);
        let is_number = surface.chars().any(|c| c.is_numeric());
        let letters = surface.chars().filter(|c| c.is_alphabetic()).count();
        if !is_number && letters < 2 {
            continue;
        }
        let is_acronym = !is_number
            && letters >= 2
            && surface
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase);
        let capitalised = surface.chars().next().is_some_and(char::is_uppercase);
        let is_proper = is_number || is_acronym || (capitalised && !sentence_start);

        let lower = surface.to_lowercase();
        // An acronym such as "US" or "IT" is a name, not the pronoun it spells.
        if !is_acronym && is_stop(&lower) {
            continue;
        }
        let stem = match (&stemmer, is_number) {
            (Some(stemmer), false) => stemmer.stem(&lower).into_owned(),
            _ => lower,
        };
        terms.push(Term {
            stem,
            surface: surface.to_string(),
            is_proper,
        });
    }
    terms
}

/// "Reid's" → "Reid"; the possessive would otherwise make a second term for the same name.
fn strip_possessive(word: &str) -> &str {
    for suffix in ["'s", "’s", "'S", "’S"] {
        if let Some(stripped) = word.strip_suffix(suffix)
            && !stripped.is_empty()
        {
            return stripped;
        }
    }
    word
}

/// Hex SHA-256 of `text` lowercased, with every run of whitespace and punctuation collapsed
/// to one space and the ends trimmed: copies differing only in spacing, line breaks, case or
/// punctuation get the same hash.
pub fn content_hash(text: &str) -> String {
    let normalised = normalise_for_hash(text);
    let digest = Sha256::digest(normalised.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0x0f), 16).unwrap_or('0'));
    }
    hex
}

fn normalise_for_hash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        analyze(text, None).into_iter().map(|t| t.stem).collect()
    }

    #[test]
    fn drops_stopwords_and_stems() {
        assert_eq!(
            stems("The ministers were meeting in the harbour"),
            ["minist", "meet", "harbour"]
        );
    }

    #[test]
    fn flags_proper_nouns_acronyms_and_numbers() {
        let terms = analyze("Floods hit Valdora. The UN sent 40 trucks on Monday.", None);
        let proper: Vec<(&str, bool)> = terms
            .iter()
            .map(|t| (t.surface.as_str(), t.is_proper))
            .collect();
        assert_eq!(
            proper,
            [
                ("Floods", false),
                ("hit", false),
                ("Valdora", true),
                ("UN", true),
                ("sent", false),
                ("40", true),
                ("trucks", false),
                ("Monday", true)
            ]
        );
    }

    #[test]
    fn keeps_acronym_that_spells_a_stopword() {
        assert_eq!(stems("talks with US officials"), ["talk", "us", "offici"]);
    }

    #[test]
    fn possessive_is_removed() {
        assert_eq!(stems("Reid's rep"), stems("Reid rep"));
    }

    #[test]
    fn other_languages_use_their_stemmer_and_stopwords() {
        assert_eq!(
            analyze("Les ministres sont arrivés", Some("fr"))
                .into_iter()
                .map(|t| t.stem)
                .collect::<Vec<_>>(),
            ["ministr", "arriv"]
        );
    }

    #[test]
    fn content_hash_ignores_spacing_case_and_punctuation() {
        let a = content_hash("The port reopened.\n\nShips  waited -- for hours.");
        let b = content_hash("the port reopened ships waited for hours");
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(a, content_hash("the port reopened ships waited for days"));
    }
}
