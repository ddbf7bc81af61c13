//! A display name for an outlet known only by its host: "spacedaily.com" → "Space Daily",
//! "veteransnewsnow.com" → "Veterans News Now", "cambridge-news.co.uk" → "Cambridge News",
//! "wkrg.com" → "WKRG". An article whose page, feed and import line name no outlet, from a
//! host the bundled table does not list, is otherwise shown as its host ("www.x.com, y.org
//! and z.co.uk all report…").
//!
//! The name is read from the host's registrable label (the label before the public suffix):
//! short labels that are not common words are acronyms (call signs, agencies); longer ones
//! are cut into the likeliest sequence of common English words, scored by word frequency
//! (a word's cost is the logarithm of its frequency rank, plus a cost per word so fewer,
//! longer words win: "veterans news now", not "veterans new snow"). When any part is not a
//! known word ("arklatexhomepage", a name in another language) there is no name and the
//! caller keeps the host: a host is a true name for the site, a wrong guess is not.
//!
//! Invariants: the result is a function of the host alone (the same host always gets the same
//! name, so an outlet's articles agree); `None` for anything that is not a dotted host name
//! with an alphabetic top-level domain (IP addresses, `localhost`).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Labels that are a public suffix's second level under a two-letter country domain
/// ("co.uk", "com.au", "gov.uk", "ne.jp"): the registrable label is the one before them.
const SECOND_LEVEL_SUFFIXES: &[&str] = &[
    "ac", "co", "com", "edu", "go", "gob", "gov", "govt", "ne", "net", "nic", "or", "org",
];

/// Words of one or two letters a host may be made of ("gofundme", "inthenews"); any other
/// piece that short is a fragment the frequency list happens to hold ("la", "ek"), and a
/// cut that needs one is not trusted.
const SHORT_WORDS: &[&str] = &[
    "a", "an", "at", "by", "do", "go", "in", "is", "it", "me", "my", "no", "of", "on", "or", "to",
    "tv", "uk", "up", "us", "we",
];

/// Words written in lower case inside a name ("The Arts Desk", "Voice of the People").
const MINOR_WORDS: &[&str] = &["a", "an", "and", "at", "for", "in", "of", "on", "the", "to"];

/// A label (or hyphenated part) of at most this many letters that is not among the
/// [`ACRONYM_RANK`] most frequent words may be an acronym: "wgrz", "undp" (see `read_part`).
const ACRONYM_LETTERS: usize = 5;
/// Words this frequent are words even when short ("news", "space", "today"); a host that is
/// one of them alone is named by its address ("Space.com").
const ACRONYM_RANK: usize = 3000;
/// Cost of each word of a cut, on top of its frequency cost: about the frequency cost of a
/// word of rank 20, so that a cut into more words must be made of much more common ones.
const WORD_COST: f64 = 3.0;
/// No piece of a cut is longer than this (the longest listed words are shorter).
const LONGEST_WORD: usize = 24;
/// Labels longer than this are not cut (a generated or tracking host, not a name).
const MAX_LABEL: usize = 40;

/// The display name for `host` (a bare host, as [`crate::host_of_url`] gives), or `None` when
/// it cannot be read with confidence.
pub fn name_from_host(host: &str) -> Option<String> {
    let (label, suffix) = registrable_label(host)?;
    if label.len() > MAX_LABEL {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    for part in label.split('-').filter(|p| !p.is_empty()) {
        words.extend(read_part(part)?);
    }
    if words.is_empty() {
        return None;
    }
    // One common word alone ("space", "today") would read as a word, not a name, in "Space
    // stresses that ...": such sites go by their address ("Space.com"), so that is the name.
    if let [word] = words.as_slice()
        && rank(word).is_some_and(|r| r <= ACRONYM_RANK)
    {
        return Some(format!("{}.{suffix}", capitalise(word)));
    }
    let named: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            if i > 0 && MINOR_WORDS.contains(&word.as_str()) {
                word.clone()
            } else {
                capitalise(word)
            }
        })
        .collect();
    Some(named.join(" "))
}

/// The label before the public suffix, and that suffix: "news.sky.com" → ("sky", "com"),
/// "www.bbc.co.uk" → ("bbc", "co.uk").
fn registrable_label(host: &str) -> Option<(&str, String)> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let tld = *labels.last()?;
    if labels.len() < 2 || tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let second = labels[labels.len() - 2];
    let at = if tld.len() == 2 && SECOND_LEVEL_SUFFIXES.contains(&second) && labels.len() >= 3 {
        labels.len() - 3
    } else {
        labels.len() - 2
    };
    let label = labels[at];
    let valid = !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && label.chars().any(|c| c.is_ascii_lowercase());
    valid.then(|| (label, labels[at + 1..].join(".")))
}

/// One hyphen-separated part of a label as words (an acronym is one word, kept upper case;
/// digits stay with the word before them: "fox17online" → "fox17", "online"); `None` when the
/// part cannot be read with confidence.
///
/// A short part is an acronym when it is three letters or fewer ("bbc", "un", "hrw"), or
/// when it is not a common word and has at most one vowel, as call signs and most initialisms
/// do ("wkrg", "undp"); a short part with more vowels that is no listed word ("koaa") could
/// be either, and is not read.
fn read_part(part: &str) -> Option<Vec<String>> {
    let letters = part.trim_end_matches(|c: char| c.is_ascii_digit());
    let short = letters.len() <= ACRONYM_LETTERS && letters.chars().all(|c| c.is_ascii_lowercase());
    if short && letters.len() >= 2 {
        let common = rank(letters).is_some_and(|r| r <= ACRONYM_RANK);
        let vowels = letters.chars().filter(|c| "aeiou".contains(*c)).count();
        if letters.len() <= 3 || (!common && vowels <= 1) {
            return Some(vec![part.to_ascii_uppercase()]);
        }
    }
    let pieces = cut_into_words(part)?;
    let mut words: Vec<String> = Vec::new();
    for piece in pieces {
        match words.last_mut() {
            Some(last) if piece.chars().all(|c| c.is_ascii_digit()) => last.push_str(piece),
            _ => words.push(piece.to_string()),
        }
    }
    Some(words)
}

/// The cheapest cut of `text` into known words and digit runs, or `None` when there is none
/// (dynamic programming over the end positions; ties keep the first cut found).
fn cut_into_words(text: &str) -> Option<Vec<&str>> {
    let length = text.len();
    // best[i]: cost and start of the last piece of the cheapest cut of text[..i].
    let mut best: Vec<Option<(f64, usize)>> = vec![None; length + 1];
    best[0] = Some((0.0, 0));
    for end in 1..=length {
        for start in end.saturating_sub(LONGEST_WORD)..end {
            let Some((before, _)) = best[start] else {
                continue;
            };
            let piece = &text[start..end];
            let Some(cost) = piece_cost(piece) else {
                continue;
            };
            let total = before + cost + WORD_COST;
            if best[end].is_none_or(|(current, _)| total < current) {
                best[end] = Some((total, start));
            }
        }
    }
    best[length]?;
    let mut pieces = Vec::new();
    let mut end = length;
    while end > 0 {
        let (_, start) = best[end]?;
        pieces.push(&text[start..end]);
        end = start;
    }
    pieces.reverse();
    Some(pieces)
}

/// What one piece of a cut costs: a digit run little, a word the logarithm of its frequency
/// rank; `None` for a piece that is neither (or a one- or two-letter fragment).
fn piece_cost(piece: &str) -> Option<f64> {
    if piece.chars().all(|c| c.is_ascii_digit()) {
        return Some(1.0);
    }
    if piece.len() <= 2 && !SHORT_WORDS.contains(&piece) {
        return None;
    }
    rank(piece).map(|r| ((r + 10) as f64).ln())
}

/// A word's frequency rank (1 = most frequent) in the bundled list, if it is listed.
fn rank(word: &str) -> Option<usize> {
    static RANKS: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    RANKS
        .get_or_init(|| {
            include_str!("../data/host-words.txt")
                .lines()
                .filter(|line| !line.starts_with('#') && !line.is_empty())
                .enumerate()
                .map(|(i, word)| (word, i + 1))
                .collect()
        })
        .get(word)
        .copied()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_words_are_cut_where_the_words_are_common() {
        for (host, name) in [
            ("spacedaily.example", "Space Daily"),
            ("veteransnewsnow.example", "Veterans News Now"),
            ("theartsdesk.example", "The Arts Desk"),
            ("harbourtimes.example", "Harbour Times"),
            ("cambridge-news.co.uk", "Cambridge News"),
            ("news.radiotoday.co.uk", "Radio Today"),
            ("gofundme.example", "Go Fund Me"),
            ("space.example", "Space.example"),
            ("news.today.co.uk", "Today.co.uk"),
            ("youtube.example", "Youtube"),
        ] {
            assert_eq!(name_from_host(host).as_deref(), Some(name), "{host}");
        }
    }

    #[test]
    fn short_unknown_labels_are_acronyms_and_digits_stay_with_their_word() {
        for (host, name) in [
            ("wkrg.example", "WKRG"),
            ("kctv5.example", "KCTV5"),
            ("un.org", "UN"),
            ("hdr.undp.org", "UNDP"),
            ("fox17online.example", "Fox17 Online"),
            ("abcmedianet.example", "Abc Media Net"),
        ] {
            assert_eq!(name_from_host(host).as_deref(), Some(name), "{host}");
        }
    }

    #[test]
    fn hosts_that_cannot_be_read_keep_no_name() {
        for host in [
            // A part that is no known word: a coined name, another language.
            "arklatexhomepage.example",
            "kreiszeitung.de",
            "thekelmouthcourier.example",
            // Not a host name.
            "127.0.0.1",
            "localhost",
            "u.tv",
            "12345.example",
        ] {
            assert_eq!(name_from_host(host), None, "{host}");
        }
    }

    #[test]
    fn the_public_suffix_is_not_the_name() {
        let label = |host: &str| registrable_label(host).map(|(l, s)| format!("{l} {s}"));
        assert_eq!(label("www.bbc.co.uk").as_deref(), Some("bbc co.uk"));
        assert_eq!(label("news.sky.com").as_deref(), Some("sky com"));
        assert_eq!(label("abc.net.au").as_deref(), Some("abc net.au"));
        assert_eq!(label("co.uk").as_deref(), Some("co uk"));
        assert_eq!(label("example"), None);
    }
}
