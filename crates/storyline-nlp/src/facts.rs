//! Facts worth checking in generated text: quotations, numbers and references to earlier
//! events.
//!
//! The brief trust checks use these to enforce "every quoted string appears verbatim in a
//! cited article" ([`quoted_spans`] + [`contains_verbatim`]) and "every number appears in a
//! cited article" ([`numbers`] + [`contains_number`]); [`past_references`] finds the phrases
//! that point back in time, down to a year ("in 2019", "last week"), where
//! [`crate::dates`] resolves day-level mentions only.
//!
//! Number normalisation, in short: thousands separators go ("1,200" → `1200`), a decimal point
//! stays and trailing fractional zeros go ("3.50" → `3.5`), a comma followed by other than
//! three digits is a European decimal ("3,5" → `3.5`), units and signs around a number go
//! ("40%" → `40`, "$2bn" → `2`, "5th" → `5`), and a time keeps its colon ("10:30"). Digits
//! that are part of a word or code are not numbers: "G7", "COVID-19", "F-16", "H5N1", "5G",
//! "3D". Numbers written as words ("three") are not extracted.

/// Opening quote → the closing quotes that may end it.
const QUOTE_PAIRS: &[(char, &[char])] = &[
    ('"', &['"']),
    ('“', &['”', '"']),
    ('„', &['“', '”']),
    ('«', &['»']),
    ('「', &['」']),
    ('『', &['』']),
];

/// Texts inside double quotation marks (`"…"`, `“…”`, `„…“`, `«…»`, `「…」`) of at least two
/// words (or four CJK chars), trimmed of surrounding whitespace and trailing `,` `;` `:`.
/// Single quotes are ignored: they cannot be told apart from apostrophes. A quote never spans
/// two paragraphs; an unclosed quote is dropped.
pub fn quoted_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    for paragraph in text.split('\n') {
        let mut rest = paragraph;
        while let Some((open_at, open)) = rest
            .char_indices()
            .find(|(_, c)| QUOTE_PAIRS.iter().any(|(o, _)| o == c))
        {
            let closers = QUOTE_PAIRS
                .iter()
                .find(|(o, _)| *o == open)
                .map_or(&[][..], |(_, closers)| *closers);
            let inner_start = open_at + open.len_utf8();
            let after_open = &rest[inner_start..];
            let Some((close_at, close)) =
                after_open.char_indices().find(|(_, c)| closers.contains(c))
            else {
                break;
            };
            let inner = after_open[..close_at]
                .trim()
                .trim_end_matches([',', ';', ':'])
                .trim_end();
            if is_substantial_quote(inner) {
                spans.push(inner.to_string());
            }
            rest = &after_open[close_at + close.len_utf8()..];
        }
    }
    spans
}

fn is_substantial_quote(inner: &str) -> bool {
    let words = inner.split_whitespace().count();
    let cjk = inner.chars().filter(|&c| is_cjk(c)).count();
    words >= 2 || cjk >= 4
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF)
}

/// Whether `quote` appears in `haystack`, verbatim apart from runs of whitespace, the style of
/// quotes, apostrophes, dashes and ellipses, the case of the quote's first letter (a quote
/// opening a brief's sentence gets a capital) and trailing `.` `,` `;` `:`. The match must
/// not cut a word in two. An empty quote is trivially contained.
pub fn contains_verbatim(haystack: &str, quote: &str) -> bool {
    quote_in_normalised(&normalise_for_quote(haystack), quote)
}

/// [`contains_verbatim`] in a haystack already passed through [`normalise_for_quote`].
fn quote_in_normalised(hay: &str, quote: &str) -> bool {
    let needle = normalise_for_quote(quote);
    let needle = needle.trim_end_matches(['.', ',', ';', ':']).trim();
    if needle.is_empty() {
        return true;
    }
    if find_on_word_boundaries(hay, needle) {
        return true;
    }
    let mut chars = needle.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    let flipped: String = if first.is_uppercase() {
        first.to_lowercase().chain(chars).collect()
    } else {
        first.to_uppercase().chain(chars).collect()
    };
    flipped != needle && find_on_word_boundaries(hay, &flipped)
}

/// A text prepared once for many fact lookups: [`FactText::contains_verbatim`] and
/// [`FactText::contains_number`] answer as [`contains_verbatim`] and [`contains_number`] do
/// on the same text, without normalising it or scanning its numbers again for each quote
/// and number (a brief checks hundreds of sentences against the same few dozen articles).
#[derive(Debug, Clone)]
pub struct FactText {
    normalised: String,
    numbers: Vec<NumberToken>,
}

impl FactText {
    pub fn new(text: &str) -> Self {
        FactText {
            normalised: normalise_for_quote(text),
            numbers: scan_numbers(text),
        }
    }

    /// Whether `quote` appears in the text (see [`contains_verbatim`]).
    pub fn contains_verbatim(&self, quote: &str) -> bool {
        quote_in_normalised(&self.normalised, quote)
    }

    /// Whether `number` appears in the text as a number (see [`contains_number`]).
    pub fn contains_number(&self, number: &str) -> bool {
        number_in_scanned(&self.numbers, number)
    }
}

fn find_on_word_boundaries(hay: &str, needle: &str) -> bool {
    let first_is_word = needle.chars().next().is_some_and(char::is_alphanumeric);
    let last_is_word = needle
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    hay.match_indices(needle).any(|(at, _)| {
        let before_ok = !first_is_word
            || hay[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = !last_is_word
            || hay[at + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
        before_ok && after_ok
    })
}

/// Straight quotes, ASCII hyphens, "..." and single spaces, so that typographic variants of
/// the same words compare equal.
fn normalise_for_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            '“' | '”' | '„' | '‟' | '«' | '»' | '″' => out.push('"'),
            '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' => out.push('\''),
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => out.push('-'),
            '…' => out.push_str("..."),
            '\u{00AD}' | '\u{200B}' => {}
            _ => out.push(c),
        }
    }
    out
}

/// One number found in text, before normalisation to a string.
#[derive(Debug, Clone, PartialEq)]
struct NumberToken {
    normalised: String,
    /// The value with any magnitude word applied ("1.2 million" → 1 200 000), when the
    /// number parses.
    scaled: Option<f64>,
    /// Whether a magnitude word or suffix followed it.
    has_magnitude: bool,
}

/// The numbers in `text`, normalised as described in the module documentation, in order of
/// appearance (duplicates kept).
pub fn numbers(text: &str) -> Vec<String> {
    scan_numbers(text)
        .into_iter()
        .map(|token| token.normalised)
        .collect()
}

/// Whether `number` (a normalised number such as "1200", or raw text such as "1,200" or
/// "1.2 million") appears in `haystack` as a number. Equal normalised forms match; when
/// either side carries a magnitude ("1.2 million", "$2bn") the scaled values are compared
/// too, so "1.2 million" matches "1,200,000".
pub fn contains_number(haystack: &str, number: &str) -> bool {
    number_in_scanned(&scan_numbers(haystack), number)
}

/// [`contains_number`] among the numbers already scanned from a haystack.
fn number_in_scanned(found_numbers: &[NumberToken], number: &str) -> bool {
    let wanted = scan_numbers(number);
    let Some(wanted) = wanted.first() else {
        return false;
    };
    found_numbers.iter().any(|found| {
        if found.normalised == wanted.normalised {
            return true;
        }
        match (found.scaled, wanted.scaled) {
            (Some(a), Some(b)) if found.has_magnitude || wanted.has_magnitude => {
                (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
            }
            _ => false,
        }
    })
}

/// Words and suffixes that multiply the number before them.
fn magnitude(word: &str) -> Option<f64> {
    let factor = match word.to_lowercase().as_str() {
        "thousand" | "k" => 1e3,
        "million" | "millions" | "m" | "mn" | "mln" => 1e6,
        "billion" | "billions" | "bn" | "b" | "bln" => 1e9,
        "trillion" | "trillions" | "tn" | "trn" => 1e12,
        _ => return None,
    };
    Some(factor)
}

/// Letter suffixes that leave a number a number ("5th", "1990s", "10km", "3pm", "$2bn").
fn is_unit_suffix(suffix: &str) -> bool {
    const UNITS: &[&str] = &[
        "st", "nd", "rd", "th", "s", "k", "m", "mn", "bn", "b", "tn", "trn", "km", "kg", "g", "mg",
        "mm", "cm", "ml", "l", "mph", "kmh", "am", "pm", "h", "hr", "hrs", "min", "mins", "sec",
        "ft", "in", "lb", "lbs", "oz", "mw", "gw", "kw", "kwh", "mwh", "gwh", "t", "bp", "x", "yo",
        "gb", "tb", "mb",
    ];
    UNITS.contains(&suffix.to_lowercase().as_str())
}

fn scan_numbers(text: &str) -> Vec<NumberToken> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let begin = i;
        let mut integer = String::new();
        let mut fraction: Option<String> = None;
        let mut time: Option<String> = None;
        let mut period_grouped = false;
        while i < chars.len() && chars[i].is_ascii_digit() {
            integer.push(chars[i]);
            i += 1;
        }
        // Separators: "1,200,000", "1.200.000", "3.5", "3,5", "10:30".
        while let Some(&sep) = chars.get(i) {
            let group_len = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if group_len == 0 || fraction.is_some() || time.is_some() {
                break;
            }
            let group: String = chars[i + 1..i + 1 + group_len].iter().collect();
            let next_sep = chars.get(i + 1 + group_len).copied();
            match sep {
                ',' if group_len == 3 => integer.push_str(&group),
                // "1.200.000" (a period followed by three digits and another period).
                '.' if group_len == 3
                    && (next_sep == Some('.')
                        || period_grouped
                        || continues_grouping(&chars, i)) =>
                {
                    period_grouped = true;
                    integer.push_str(&group)
                }
                '.' | ',' => fraction = Some(group),
                ':' if group_len == 2 => time = Some(group),
                _ => break,
            }
            i += 1 + group_len;
        }
        let end = i;
        if is_part_of_word(&chars, begin, end) {
            continue;
        }
        let normalised = match (&fraction, &time) {
            (_, Some(minutes)) => format!("{integer}:{minutes}"),
            (Some(fraction), None) => {
                let fraction = fraction.trim_end_matches('0');
                if fraction.is_empty() {
                    integer.clone()
                } else {
                    format!("{integer}.{fraction}")
                }
            }
            (None, None) => integer.clone(),
        };
        let value = if time.is_some() {
            None
        } else {
            normalised.parse::<f64>().ok()
        };
        let factor = magnitude_after(&chars, end);
        found.push(NumberToken {
            normalised,
            scaled: value.map(|v| v * factor.unwrap_or(1.0)),
            has_magnitude: factor.is_some(),
        });
    }
    found
}

/// "1.200.000" style grouping: a period-separated group of three digits followed by another.
fn continues_grouping(chars: &[char], sep_at: usize) -> bool {
    let after = sep_at + 4;
    chars.get(after) == Some(&'.')
        && chars[after + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
            == 3
}

/// Digits glued to letters are codes, not quantities: "G7", "H5N1", "COVID-19", "5G".
fn is_part_of_word(chars: &[char], begin: usize, end: usize) -> bool {
    if let Some(&before) = begin.checked_sub(1).and_then(|b| chars.get(b)) {
        if before.is_alphabetic() {
            return true;
        }
        let hyphen = matches!(before, '-' | '‐' | '‑');
        let before_hyphen = begin.checked_sub(2).and_then(|b| chars.get(b));
        if hyphen && before_hyphen.is_some_and(|c| c.is_alphabetic()) {
            return true;
        }
    }
    let suffix: String = chars[end..]
        .iter()
        .take_while(|c| c.is_alphabetic())
        .collect();
    if suffix.is_empty() {
        return false;
    }
    let after_suffix = chars.get(end + suffix.chars().count());
    if after_suffix.is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    // "5G", "3D": an upper-case suffix is a code unless it is an upper-case unit ("$20M").
    let upper_units = [
        "M", "K", "B", "BN", "MN", "TN", "GW", "MW", "KW", "KWH", "GB", "TB", "MB", "AM", "PM",
    ];
    if suffix.chars().any(char::is_uppercase) && !upper_units.contains(&suffix.as_str()) {
        return true;
    }
    !is_unit_suffix(&suffix)
}

/// The magnitude right after a number: a glued suffix ("2bn") or the next word
/// ("1.2 million").
fn magnitude_after(chars: &[char], end: usize) -> Option<f64> {
    let glued: String = chars[end..]
        .iter()
        .take_while(|c| c.is_alphabetic())
        .collect();
    if !glued.is_empty() {
        return magnitude(&glued);
    }
    let mut i = end;
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    if i == end || i - end > 1 {
        return None;
    }
    let word: String = chars[i..]
        .iter()
        .take_while(|c| c.is_alphabetic())
        .collect();
    // A lone "m" or "b" after a space is a word or initial, not a magnitude.
    if word.chars().count() < 2 {
        return None;
    }
    magnitude(&word)
}

/// A phrase pointing to an earlier event, with the date parts it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastReference {
    /// The phrase as written in the sentence ("on 3 March", "last year", "previously").
    pub phrase: String,
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

#[rustfmt::skip]
pub(crate) const WEEKDAYS: &[&str] = &[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
];

#[rustfmt::skip]
const PERIOD_NOUNS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades",
    "century", "centuries", "weekend", "weekends", "hour", "hours",
];

const COUNT_WORDS: &[&str] = &[
    "a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "fifteen", "twenty", "thirty", "fifty", "several", "few", "many", "some",
];

/// Prepositions that turn a following year or month into a reference to the past (or at least
/// to a dated point): "in 2019", "since January".
#[rustfmt::skip]
const DATE_PREPOSITIONS: &[&str] = &[
    "in", "since", "from", "during", "until", "till", "between", "early", "late", "mid", "of",
    "throughout", "before",
];

#[derive(Debug, Clone)]
pub(crate) struct Word {
    pub(crate) lower: String,
    pub(crate) capitalised: bool,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

pub(crate) fn words_of(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current: Option<usize> = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let is_word = c.is_alphanumeric() || c == '\'' || c == '’';
        match (current, is_word) {
            (None, true) => current = Some(at),
            (Some(begin), false) => {
                let raw = text[begin..at].trim_end_matches(['\'', '’']);
                if !raw.is_empty() {
                    words.push(Word {
                        lower: raw.to_lowercase(),
                        capitalised: raw.starts_with(char::is_uppercase),
                        start: begin,
                        end: begin + raw.len(),
                    });
                }
                current = None;
            }
            _ => {}
        }
    }
    words
}

pub(crate) fn month_of(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|&(_, number)| number)
}

/// "3", "3rd", "21st" as a day of the month.
pub(crate) fn day_of(word: &str) -> Option<u32> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|day| (1..=31).contains(day))
}

pub(crate) fn year_of(word: &str) -> Option<i32> {
    if word.len() != 4 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse()
        .ok()
        .filter(|year| (1800..=2100).contains(year))
}

/// Phrases in `sentence` that point to earlier events, in order of appearance: explicit dates
/// ("on 3 March", "March 3, 2025", "in 2019", "in January"), relative ones ("last year",
/// "earlier this week", "a year ago", "yesterday") and markers of background ("since",
/// "previously", "first announced"). Overlapping candidates keep the longest.
pub fn past_references(sentence: &str) -> Vec<PastReference> {
    let words = words_of(sentence);
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match match_reference(&words, i) {
            Some((last, year, month, day)) => {
                found.push(PastReference {
                    phrase: sentence[words[i].start..words[last].end].to_string(),
                    year,
                    month,
                    day,
                });
                i = last + 1;
            }
            None => i += 1,
        }
    }
    found
}

type Matched = (usize, Option<i32>, Option<u32>, Option<u32>);

/// The reference starting at word `i`: the index of its last word and its date parts.
fn match_reference(words: &[Word], i: usize) -> Option<Matched> {
    let word = |k: usize| words.get(k).map(|w| w.lower.as_str());
    let first = word(i)?;
    let has_prep = matches!(first, "on" | "since" | "from" | "by" | "until")
        || DATE_PREPOSITIONS.contains(&first);
    let date_at = if has_prep { i + 1 } else { i };

    if let Some(found) = explicit_date(words, date_at, has_prep) {
        return Some(found);
    }
    match first {
        "last" | "past" => {
            let next = word(i + 1)?;
            if let Some(month) = month_of(next).filter(|_| next.len() > 3) {
                return Some((i + 1, None, Some(month), None));
            }
            let seasons = ["summer", "winter", "spring", "autumn", "fall", "night"];
            if PERIOD_NOUNS.contains(&next) || seasons.contains(&next) || WEEKDAYS.contains(&next) {
                return Some((i + 1, None, None, None));
            }
            None
        }
        "earlier" => match (word(i + 1), word(i + 2)) {
            (Some("this" | "last"), Some(_)) => Some((i + 2, None, None, None)),
            (Some("today" | "on"), _) => Some((i + 1, None, None, None)),
            (Some("in"), Some("the")) if word(i + 3).is_some() => Some((i + 3, None, None, None)),
            _ => None,
        },
        "yesterday" | "previously" | "formerly" | "recently" => Some((i, None, None, None)),
        "first" => match word(i + 1) {
            Some(
                "announced" | "reported" | "proposed" | "unveiled" | "revealed" | "introduced"
                | "raised" | "emerged" | "launched",
            ) => Some((i + 1, None, None, None)),
            _ => None,
        },
        "in" if word(i + 1) == Some("the") && word(i + 2) == Some("past") => {
            Some((i + 2, None, None, None))
        }
        "since" => Some((i, None, None, None)),
        _ => ago(words, i),
    }
}

/// "two years ago", "a decade ago", "3 weeks ago".
fn ago(words: &[Word], i: usize) -> Option<Matched> {
    let count = words.get(i)?.lower.as_str();
    let is_count = COUNT_WORDS.contains(&count) || count.bytes().all(|b| b.is_ascii_digit());
    if !is_count {
        return None;
    }
    let unit = words.get(i + 1)?.lower.as_str();
    if PERIOD_NOUNS.contains(&unit) && words.get(i + 2)?.lower == "ago" {
        return Some((i + 2, None, None, None));
    }
    None
}

/// Day-month-year, month-day-year, month-year and year forms starting at `at` (the word after
/// any preposition, whose presence is `has_prep`). The match starts at the preposition.
fn explicit_date(words: &[Word], at: usize, has_prep: bool) -> Option<Matched> {
    let word = |k: usize| words.get(k).map(|w| w.lower.as_str());
    let year_at = |k: usize| word(k).and_then(year_of);
    // "3 March 2025", "3rd of March".
    if let Some(day) = word(at).and_then(day_of) {
        let month_at = if word(at + 1) == Some("of") {
            at + 2
        } else {
            at + 1
        };
        if let Some(month) = word(month_at).and_then(month_of) {
            return Some(match year_at(month_at + 1) {
                Some(year) => (month_at + 1, Some(year), Some(month), Some(day)),
                None => (month_at, None, Some(month), Some(day)),
            });
        }
    }
    let month_word = word(at)?;
    if let Some(month) = month_of(month_word) {
        // "March 3, 2025", "March 3".
        if let Some(day) = word(at + 1).and_then(day_of) {
            return Some(match year_at(at + 2) {
                Some(year) => (at + 2, Some(year), Some(month), Some(day)),
                None => (at + 1, None, Some(month), Some(day)),
            });
        }
        if let Some(year) = year_at(at + 1) {
            return Some((at + 1, Some(year), Some(month), None));
        }
        // A month alone needs a preposition and its full, capitalised name: "in May", not
        // "may" (the verb) or "Mar".
        let capitalised = words.get(at).is_some_and(|w| w.capitalised);
        let full_name = month_word.len() > 3 || month_word == "may";
        if has_prep && full_name && (capitalised || month_word != "may") {
            return Some((at, None, Some(month), None));
        }
        return None;
    }
    match year_at(at) {
        Some(year) if has_prep => Some((at, Some(year), None, None)),
        _ => None,
    }
}

/// A count or measure a sentence gives: the number and the word it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The number's value ("1,200" → 1200).
    pub value: f64,
    /// The number as written.
    pub written: String,
    /// What it counts, lowercased and without a plural "s" ("people", "child", "percent").
    pub unit: String,
    /// The words around it (eight either side, by whitespace), to tell what it is a count of
    /// ("26 people were killed" from "26 people were evacuated").
    pub context: String,
    /// The word the count hangs on: the nearest word before it that is neither a bound
    /// ("at least", "about") nor a function word, in its own clause, lowercased ("delayed by
    /// 35 minutes" → "delayed"; "killed 26 people" → "killed"); empty when the clause opens
    /// with the count.
    pub governor: String,
    /// The values the sentence allows: "at least 28" allows 28 and more, "about 400" 360 to
    /// 440, "26" only 26.
    pub low: f64,
    pub high: f64,
}

impl Quantity {
    /// True when both can be true: their allowed values overlap ("at least 13" and "14.1"
    /// agree; "at least 28" and "26" do not).
    pub fn agrees_with(&self, other: &Quantity) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

/// The values a number allows, given the words before it: bounds ("at least", "more
/// than", "up to", "fewer than") and approximations ("about", "nearly").
fn allowed_values(value: f64, before: &[String]) -> (f64, f64) {
    let last = before.last().map(String::as_str).unwrap_or("");
    let two = match before {
        [.., a, b] => format!("{a} {b}"),
        _ => String::new(),
    };
    match (two.as_str(), last) {
        ("at least", _) | (_, "over" | "above") | ("more than" | "greater than", _) => {
            (value, f64::INFINITY)
        }
        ("at most" | "up to" | "fewer than" | "less than", _) | (_, "under" | "below") => {
            (f64::NEG_INFINITY, value)
        }
        (_, "nearly" | "almost") => (value * 0.8, value),
        (_, "about" | "around" | "roughly" | "approximately" | "some" | "estimated") => {
            (value * 0.9, value * 1.1)
        }
        _ => (value, value),
    }
}

/// Words that bound or round a count rather than say what it is of.
const QUANTITY_BOUNDS: &[&str] = &[
    "least",
    "most",
    "nearly",
    "almost",
    "about",
    "around",
    "roughly",
    "approximately",
    "some",
    "estimated",
    "over",
    "under",
    "above",
    "below",
    "just",
    "only",
    "less",
    "fewer",
    "greater",
    "up",
];

/// Words either side of a quantity that tell what it counts.
const QUANTITY_CONTEXT: usize = 8;

/// Words between a number and what it counts that say nothing of what is counted.
const QUANTITY_FILLERS: &[&str] = &["more", "fewer", "other", "additional", "further", "new"];

/// The counts and measures of `sentence`: every number written in digits followed by what
/// it counts ("26 people", "20 children", "31.4% of the vote" → percent). Not quantities: a
/// year ("in 2012"), a day of a date ("15 November", "November 15"), a time, a number glued
/// to letters ("G7", "26-year-old") and a number counting nothing (at a sentence's end).
pub fn quantities(sentence: &str) -> Vec<Quantity> {
    let tokens: Vec<&str> = sentence.split_whitespace().collect();
    let clean = |token: &str| {
        token
            .trim_matches(|c: char| {
                matches!(c, ',' | '.' | ';' | ':' | '(' | ')' | '"' | '“' | '”')
            })
            .to_string()
    };
    let mut found = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        if !token.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let word = clean(token);
        let (digits, percent) = match word.strip_suffix('%') {
            Some(digits) => (digits, true),
            None => (word.as_str(), false),
        };
        let plain = digits.replace(',', "");
        let is_number = !plain.is_empty()
            && plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && plain.bytes().next().is_some_and(|b| b.is_ascii_digit());
        let Some(value) = is_number.then(|| plain.parse::<f64>().ok()).flatten() else {
            continue;
        };
        let previous = at
            .checked_sub(1)
            .map(|i| clean(tokens[i]).to_lowercase())
            .unwrap_or_default();
        let is_year =
            !digits.contains(',') && (1800.0..=2100.0).contains(&value) && value.fract() == 0.0;
        if month_of(&previous).is_some() || (is_year && !percent) {
            continue;
        }
        let unit = if percent {
            Some("percent".to_string())
        } else {
            tokens[at + 1..]
                .iter()
                .map(|t| clean(t).to_lowercase())
                .find(|w| !QUANTITY_FILLERS.contains(&w.as_str()))
                .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
                .filter(|w| month_of(w).is_none() && !WEEKDAYS.contains(&w.as_str()))
                // "1,200 more were evacuated" names nothing it counts.
                .filter(|w| !matches!(w.as_str(), "am" | "pm") && !crate::terms::is_stopword(w))
                .map(|w| match w.as_str() {
                    "per" if tokens.get(at + 2).is_some_and(|t| clean(t) == "cent") => {
                        "percent".to_string()
                    }
                    _ => w
                        .strip_suffix('s')
                        .filter(|s| s.len() > 2 && !w.ends_with("ss"))
                        .map_or(w.clone(), str::to_string),
                })
        };
        if let Some(unit) = unit {
            let window =
                at.saturating_sub(QUANTITY_CONTEXT)..(at + QUANTITY_CONTEXT + 1).min(tokens.len());
            let before: Vec<String> = tokens[at.saturating_sub(2)..at]
                .iter()
                .map(|t| clean(t).to_lowercase())
                .collect();
            let (low, high) = allowed_values(value, &before);
            // Within the count's own clause: "up from 14.8%" after a comma hangs on nothing
            // the clause before says.
            let clause_start = tokens[..at]
                .iter()
                .rposition(|t| t.ends_with([',', ';', ':']))
                .map_or(0, |i| i + 1);
            let governor = tokens[clause_start..at]
                .iter()
                .rev()
                .map(|t| clean(t).to_lowercase())
                .find(|w| {
                    !crate::terms::is_stopword(w)
                        && !QUANTITY_BOUNDS.contains(&w.as_str())
                        && w.chars().all(char::is_alphabetic)
                })
                .unwrap_or_default();
            found.push(Quantity {
                value,
                written: digits.to_string(),
                unit,
                context: tokens[window].join(" "),
                governor,
                low,
                high,
            });
        }
    }
    found
}
