//! Splitting plain text into the tokens the model was trained on (CoNLL-2003 style): words,
//! with punctuation split off, but abbreviations and initials keep their periods ("U.S.",
//! "Mr.", "J."), numbers keep their separators ("1,200.50"), a possessive "'s" is a token
//! of its own ("Zorbland", "'s"), and dashes and a slash before a capital separate words.

/// One token of a text, with its byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Punctuation split off the front of a word.
fn is_opening(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '(' | '[' | '{' | '“' | '‘' | '«' | '¿' | '¡' | '<' | '*'
    )
}

/// Punctuation split off the end of a word (a period only when it is not part of an
/// abbreviation, see [`keeps_period`]).
fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | ')'
            | ']'
            | '}'
            | '”'
            | '’'
            | '»'
            | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '…'
            | '>'
            | '*'
    )
}

/// Dashes that separate words even without spaces ("Paris—Berlin").
fn is_dash(c: char) -> bool {
    matches!(c, '—' | '–')
}

/// Words whose trailing period belongs to them.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col",
    "capt", "sgt", "maj", "rev", "hon", "inc", "corp", "ltd", "co", "bros", "vs", "mt", "ft",
    "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "est", "dept", "univ",
    "assn", "ave", "blvd", "etc", "plc",
];

/// Whether `word` (ending in '.') keeps its period: an initial ("J."), a dotted abbreviation
/// ("U.S.", "a.m."), or a known abbreviation ("Mr.", "Inc.").
fn keeps_period(word: &str) -> bool {
    let stem = &word[..word.len() - 1];
    if stem.is_empty() {
        return false;
    }
    let mut chars = stem.chars();
    let first = chars.next().expect("not empty");
    if first.is_uppercase() && chars.next().is_none() {
        return true;
    }
    // Letters each followed by a period: "U.S", "a.m".
    if stem.contains('.')
        && stem
            .split('.')
            .all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic))
    {
        return true;
    }
    ABBREVIATIONS.contains(&stem.to_lowercase().as_str())
}

/// The tokens of `text`.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chunk_start = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        // A slash before a capital joins two names ("AP Photo/Jane Roe"), not a path or a
        // unit ("km/h").
        let name_slash = c == '/' && text[at + 1..].starts_with(char::is_uppercase);
        let separates = c.is_whitespace() || is_dash(c) || name_slash;
        match (separates, chunk_start) {
            (true, Some(start)) => {
                split_chunk(text, start, at, &mut tokens);
                chunk_start = None;
            }
            (false, None) => chunk_start = Some(at),
            _ => {}
        }
        if is_dash(c) || name_slash {
            tokens.push(Token {
                text: &text[at..at + c.len_utf8()],
                start: at,
                end: at + c.len_utf8(),
            });
        }
    }
    tokens
}

/// Splits one whitespace-free chunk `text[start..end]` into tokens.
fn split_chunk<'a>(text: &'a str, mut start: usize, mut end: usize, tokens: &mut Vec<Token<'a>>) {
    let token = |start: usize, end: usize| Token {
        text: &text[start..end],
        start,
        end,
    };
    // Opening punctuation, one token each.
    while let Some(c) = text[start..end].chars().next() {
        if !is_opening(c) || start + c.len_utf8() == end && c == '\'' {
            break;
        }
        tokens.push(token(start, start + c.len_utf8()));
        start += c.len_utf8();
    }
    // Closing punctuation, collected from the end.
    let mut closing = Vec::new();
    while start < end {
        let c = text[start..end].chars().next_back().expect("not empty");
        let peel = is_closing(c) || (c == '.' && !keeps_period(&text[start..end]));
        if !peel {
            break;
        }
        // "..." stays one token.
        let mut from = end - c.len_utf8();
        if c == '.' {
            while from > start && text[..from].ends_with('.') {
                from -= 1;
            }
        }
        closing.push(token(from, end));
        end = from;
    }
    if start < end {
        let word = &text[start..end];
        let possessive = ["'s", "’s", "'S", "’S"]
            .into_iter()
            .find(|suffix| word.len() > suffix.len() && word.ends_with(suffix));
        let negation = (word.len() > 3 && word.to_lowercase().ends_with("n't")).then_some("n't");
        match possessive.or(negation) {
            Some(suffix) => {
                let split = end - suffix.len();
                tokens.push(token(start, split));
                tokens.push(token(split, end));
            }
            None => tokens.push(token(start, end)),
        }
    }
    tokens.extend(closing.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text).collect()
    }

    #[test]
    fn punctuation_is_split_off() {
        assert_eq!(
            words("Mira Kovalik (Zorbland) said: \"no.\""),
            [
                "Mira", "Kovalik", "(", "Zorbland", ")", "said", ":", "\"", "no", ".", "\""
            ]
        );
    }

    #[test]
    fn abbreviations_keep_their_period() {
        assert_eq!(
            words("Mr. J. Dole went to the U.S. on Jan. 4 at 9 a.m. today."),
            [
                "Mr.", "J.", "Dole", "went", "to", "the", "U.S.", "on", "Jan.", "4", "at", "9",
                "a.m.", "today", "."
            ]
        );
    }

    #[test]
    fn numbers_and_possessives() {
        assert_eq!(
            words("Zorbland's 1,200.50 crowns, isn't it..."),
            [
                "Zorbland", "'s", "1,200.50", "crowns", ",", "is", "n't", "it", "..."
            ]
        );
    }

    #[test]
    fn dashes_separate_words() {
        assert_eq!(words("Oslo—Bergen"), ["Oslo", "—", "Bergen"]);
        assert_eq!(words("Rolls-Royce"), ["Rolls-Royce"]);
        assert_eq!(
            words("(AP Photo/Jane Roe)"),
            ["(", "AP", "Photo", "/", "Jane", "Roe", ")"]
        );
        assert_eq!(words("80 km/h"), ["80", "km/h"]);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "  «Ana»  von Berg’s café.";
        for token in tokenize(text) {
            assert_eq!(&text[token.start..token.end], token.text);
        }
        assert_eq!(
            words(text),
            ["«", "Ana", "»", "von", "Berg", "’s", "café", "."]
        );
    }
}
