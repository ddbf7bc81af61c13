//! Sentence splitting for the extractive brief writer, which quotes real sentences from
//! articles and so needs boundaries that survive news prose: titles ("Gen. Ruiz"), initials
//! ("J. K. Rowling"), acronyms ("the U.S. said"), decimals, ellipses, a closing quote after
//! the full stop, and the CJK terminators `。！？`.
//!
//! Every span keeps the byte offsets of its text in the input so callers can cite or highlight
//! it; offsets always fall on char boundaries.

/// One sentence of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceSpan {
    /// The sentence, trimmed of surrounding whitespace.
    pub text: String,
    /// Byte offset of the first char of `text` in the input.
    pub start: usize,
    /// Byte offset just past the last char of `text` in the input.
    pub end: usize,
    /// Index of the paragraph among the input's non-blank lines, from 0.
    pub paragraph: usize,
}

/// Abbreviations that are (almost) never the end of a sentence because a name follows them:
/// titles, "vs.", "e.g.".
const NEVER_FINAL: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt",
    "maj", "adm", "cpl", "rev", "hon", "pres", "supt", "insp", "det", "cmdr", "gens", "sens",
    "reps", "mt", "ft", "fr", "messrs", "mme", "mlle", "vs", "v", "e.g", "i.e", "cf", "approx",
];

/// Abbreviations that end no sentence when a number follows them ("No. 10", "Jan. 5",
/// "vol. 3"), but may when a word does ("they voted no.").
const BEFORE_NUMBER: &[&str] = &[
    "no", "nos", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "vol", "pp", "p", "fig", "art", "para", "op", "est", "ca", "ch", "sec",
];

/// Abbreviations that often end a sentence ("shares in Acme Inc. The company…") but just as
/// often sit inside one ("Acme Inc. said"): a boundary only when a typical sentence opener
/// follows.
const MAYBE_FINAL: &[&str] = &[
    "inc", "ltd", "corp", "co", "plc", "jr", "sr", "etc", "bros", "llc", "a.m", "p.m", "u.s",
    "u.k", "u.n", "e.u", "u.s.a", "d.c", "al",
];

/// Capitalised words that typically open a sentence; after a MAYBE_FINAL abbreviation they
/// signal a boundary.
#[rustfmt::skip]
const SENTENCE_OPENERS: &[&str] = &[
    "the", "a", "an", "it", "its", "he", "she", "they", "we", "i", "you", "his", "her", "their",
    "our", "this", "that", "these", "those", "there", "but", "and", "or", "so", "yet", "in", "on",
    "at", "for", "after", "before", "when", "while", "as", "if", "meanwhile", "however", "still",
    "shares", "officials", "analysts", "some", "many", "most", "both", "one", "no", "last",
    "earlier", "later", "since", "during", "according", "despite", "although",
];

/// Chars that may close a sentence after its terminator: quotes and brackets.
fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '}' | '」' | '』' | '）' | '】' | '〉' | '》'
    )
}

/// Chars that may open a sentence before its first word.
fn is_opening(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '‘'
            | '«'
            | '('
            | '['
            | '「'
            | '『'
            | '（'
            | '【'
            | '¿'
            | '¡'
            | '—'
            | '-'
    )
}

/// Terminators that end a sentence whether or not whitespace follows (CJK text has none).
fn is_cjk_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '｡')
}

/// Splits `text` into sentences. Paragraphs are separated by `\n`; a sentence never spans
/// two paragraphs. Blank results are dropped.
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    let mut sentences = Vec::new();
    let mut paragraph = 0;
    let mut line_start = 0;
    for line in text.split('\n') {
        let before = sentences.len();
        split_paragraph(
            text,
            line_start,
            line_start + line.len(),
            paragraph,
            &mut sentences,
        );
        if sentences.len() > before {
            paragraph += 1;
        }
        line_start += line.len() + 1;
    }
    sentences
}

/// Splits the paragraph `text[start..end]`, pushing its sentences.
fn split_paragraph(
    text: &str,
    start: usize,
    end: usize,
    paragraph: usize,
    out: &mut Vec<SentenceSpan>,
) {
    let chars: Vec<(usize, char)> = text[start..end]
        .char_indices()
        .map(|(i, c)| (start + i, c))
        .collect();
    let mut sentence_start = start;
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        let boundary = if is_cjk_terminator(c) {
            let after = skip_while(&chars, i + 1, |c| is_cjk_terminator(c) || is_closing(c));
            Some(after)
        } else if matches!(c, '.' | '!' | '?' | '…' | '‼' | '⁇' | '⁈' | '⁉') {
            western_boundary(&chars, i)
        } else {
            None
        };
        match boundary {
            Some(after) => {
                let cut = chars.get(after).map_or(end, |&(offset, _)| offset);
                push_trimmed(text, sentence_start, cut, paragraph, out);
                sentence_start = cut;
                i = after.max(i + 1);
            }
            None => i += 1,
        }
    }
    push_trimmed(text, sentence_start, end, paragraph, out);
}

/// Whether the terminator run starting at `chars[i]` ends a sentence; if so, the index of the
/// first char after the run and any closing quotes.
fn western_boundary(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let run_end = skip_while(chars, i, |c| {
        matches!(c, '.' | '!' | '?' | '…' | '‼' | '⁇' | '⁈' | '⁉')
    });
    let after_closers = skip_while(chars, run_end, is_closing);
    // Decimals, URLs and "U.S.-led": a terminator glued to the next char is not a boundary,
    // unless a lowercase word's full stop runs into a capitalised one ("finalized.Wakata",
    // paragraphs joined by a careless extractor).
    if after_closers < chars.len() && !chars[after_closers].1.is_whitespace() {
        return glued_boundary(chars, i, run_end).then_some(after_closers);
    }
    let next_word_at = skip_while(chars, after_closers, |c| c.is_whitespace() || is_opening(c));
    let Some(&(_, next_char)) = chars.get(next_word_at) else {
        return Some(after_closers);
    };
    // A sentence does not start in lower case: "(…) he said? no." or "e.g. the".
    if next_char.is_lowercase() {
        return None;
    }
    let run: Vec<char> = chars[i..run_end].iter().map(|&(_, c)| c).collect();
    let single_period = run == ['.'];
    let ellipsis = run.iter().all(|&c| c == '.' || c == '…') && !single_period;
    if ellipsis && !next_char.is_uppercase() {
        return None;
    }
    if single_period {
        let word = word_before(chars, i);
        let lower = word.to_lowercase();
        let is_initial = {
            let mut letters = word.chars();
            matches!((letters.next(), letters.next()), (Some(first), None) if first.is_uppercase())
        };
        if is_initial || NEVER_FINAL.contains(&lower.as_str()) {
            return None;
        }
        if next_char.is_ascii_digit() && BEFORE_NUMBER.contains(&lower.as_str()) {
            return None;
        }
        if MAYBE_FINAL.contains(&lower.as_str()) || is_dotted_acronym(&word) {
            let next_word = word_at(chars, next_word_at).to_lowercase();
            if !SENTENCE_OPENERS.contains(&next_word.as_str()) {
                return None;
            }
        }
    }
    Some(after_closers)
}

/// True when the single full stop at `chars[i]` joins two sentences with no space between:
/// a word of at least three letters, lowercase after the first and no abbreviation, before it and a capitalised word ("Wakata",
/// not "NASA" or "5") right after it.
fn glued_boundary(chars: &[(usize, char)], i: usize, run_end: usize) -> bool {
    if run_end != i + 1 || chars[i].1 != '.' {
        return false;
    }
    let word = word_before(chars, i);
    // "finalized" or "Friday", not "Inc", "Gen" or "NASA".
    let lowercase_word = word.chars().count() >= 3
        && word.chars().skip(1).all(char::is_lowercase)
        && word.chars().all(char::is_alphabetic)
        && !NEVER_FINAL.contains(&word.to_lowercase().as_str())
        && !MAYBE_FINAL.contains(&word.to_lowercase().as_str());
    let capitalised_next = matches!(
        (chars.get(run_end), chars.get(run_end + 1)),
        (Some(&(_, first)), Some(&(_, second))) if first.is_uppercase() && second.is_lowercase()
    );
    lowercase_word && capitalised_next
}

/// "U.S", "e.g", "a.m" as seen before their last period: single letters joined by periods.
fn is_dotted_acronym(word: &str) -> bool {
    word.contains('.')
        && word
            .split('.')
            .all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic))
}

/// The word ending just before `chars[i]`, back to whitespace or an opening bracket/quote;
/// internal periods are kept ("U.S").
fn word_before(chars: &[(usize, char)], i: usize) -> String {
    let mut begin = i;
    while begin > 0 {
        let c = chars[begin - 1].1;
        if c.is_whitespace() || is_opening(c) {
            break;
        }
        begin -= 1;
    }
    chars[begin..i].iter().map(|&(_, c)| c).collect()
}

/// The alphabetic word starting at `chars[i]`.
fn word_at(chars: &[(usize, char)], i: usize) -> String {
    chars[i.min(chars.len())..]
        .iter()
        .map(|&(_, c)| c)
        .take_while(|c| c.is_alphabetic())
        .collect()
}

fn skip_while(chars: &[(usize, char)], mut i: usize, keep: impl Fn(char) -> bool) -> usize {
    while i < chars.len() && keep(chars[i].1) {
        i += 1;
    }
    i
}

fn push_trimmed(
    text: &str,
    start: usize,
    end: usize,
    paragraph: usize,
    out: &mut Vec<SentenceSpan>,
) {
    let raw = &text[start..end];
    let trimmed_start = raw.trim_start();
    let start = start + (raw.len() - trimmed_start.len());
    let trimmed = trimmed_start.trim_end();
    if trimmed.is_empty() {
        return;
    }
    out.push(SentenceSpan {
        text: trimmed.to_string(),
        start,
        end: start + trimmed.len(),
        paragraph,
    });
}
