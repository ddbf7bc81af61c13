//! Day-level date mentions in English news text, resolved against the article's publication
//! date: the timeline engine uses them to place a story's events on days, and "How we got
//! here" to date its background.
//!
//! Recognised forms (names in any case unless noted; text tokenised with spaces before
//! punctuation, "June 25 , 2009", reads the same as "June 25, 2009"):
//! - ISO dates: "2009-06-25", also the date part of "2009-06-25T10:00".
//! - Month-day with an optional year: "June 25, 2009", "June 25 2009", "Jun. 25", "Sept 3rd".
//! - Day-month with an optional year: "25 June 2009", "25th of June", "3 Sept".
//! - Weekdays: "Tuesday" (capitalised), and in any case after "on", "this", "last" or "next"
//!   ("on Tuesday", "last tuesday"); a possessive counts ("Tuesday's vote").
//! - Relative days: "yesterday", "today", "tonight", "tomorrow", "this morning",
//!   "this afternoon", "this evening", "last night", "N days ago" (N in digits, "a", or "one"
//!   to "ten").
//!
//! Resolution against `published`: a weekday alone, after "on" or after "this" is the
//! publication day when it is that weekday, else the most recent such day in the six days
//! before; "last X" is the most recent X strictly before the publication day (a week back when
//! it is that weekday); "next X" is the first X after it. A month-day or day-month without a
//! year takes the year (the publication year or either neighbour) that puts it closest to the
//! publication date, the earlier on a tie, so "December 30" in an article of January 2 is the
//! previous year's.
//!
//! Not dates: a month or a year alone ("in June", "in 2009"), which are not day-level;
//! lower-case "may", "march" and "mar" (verbs); invalid calendar days ("February 30",
//! "2009-13-40"); years outside 1800..=2100 (the mention keeps its month and day, without the
//! year); numbers that are part of a bigger number or code ("1,025 June", "1,25 June",
//! "June 2,500", "COVID-19 June", "25June"); a month and a number split by a sentence end
//! ("in May. 25 people").
//!
//! Overlapping candidates keep the longest: "last Tuesday" wins over "Tuesday". A weekday
//! directly followed by an explicit date ("on Tuesday, June 23") is one mention of that date
//! when the date falls on that weekday, and otherwise two mentions, each resolved on its own.
//! A leading "on" belongs to a weekday's phrase (it is what makes "on tuesday" a date) but not
//! to an explicit date's.

use std::cmp::Reverse;

use chrono::{Datelike, Days, NaiveDate};

use crate::facts::{WEEKDAYS, day_of, month_of, words_of, year_of};

/// One day-level date mentioned in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    pub date: NaiveDate,
    /// Byte range of the phrase in the text ("on Tuesday", "June 25, 2009").
    pub start: usize,
    pub end: usize,
    /// True when the text gave no year/day explicitly and it was resolved from the publication
    /// date (weekdays, "yesterday", a month-day without a year).
    pub resolved: bool,
}

/// False when `text` cannot name a day: it has no digit, no weekday and none of the
/// relative words ("yesterday", "today", "tonight", "tomorrow", "ago", "last night", "this
/// morning"). Most sentences have none, and a timeline reads hundreds of them.
fn may_name_a_day(text: &str) -> bool {
    if text.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "yesterday",
        "today",
        "tonight",
        "tomorrow",
        " ago",
        "last night",
        "this morning",
        "this afternoon",
        "this evening",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// Day-level date mentions in `text`, in order of appearance, resolved against `published`
/// (see the module documentation for the forms and the rules).
pub fn date_mentions(text: &str, published: NaiveDate) -> Vec<DateMention> {
    if !may_name_a_day(text) {
        return Vec::new();
    }
    let tokens = tokens_of(text);
    let scan = Scan {
        text,
        tokens: &tokens,
        published,
    };
    let mut candidates = iso_dates(text);
    for at in 0..tokens.len() {
        let found = [
            scan.explicit_date(at),
            scan.weekday(at),
            scan.relative_day(at),
        ];
        candidates.extend(found.into_iter().flatten().map(|found| scan.mention(found)));
    }
    keep_longest(candidates)
}

/// A word of the text, lower-cased, with a possessive "'s" cut off so that "Tuesday's" reads
/// as "Tuesday" (its range then ends before the apostrophe).
#[derive(Debug, Clone)]
struct Token {
    lower: String,
    capitalised: bool,
    start: usize,
    end: usize,
}

fn tokens_of(text: &str) -> Vec<Token> {
    words_of(text)
        .into_iter()
        .map(|word| {
            let raw = &text[word.start..word.end];
            let core = ["'s", "'S", "’s", "’S"]
                .iter()
                .find_map(|suffix| raw.strip_suffix(suffix))
                .filter(|core| !core.is_empty())
                .unwrap_or(raw);
            Token {
                lower: core.to_lowercase(),
                capitalised: word.capitalised,
                start: word.start,
                end: word.start + core.len(),
            }
        })
        .collect()
}

/// A date phrase found over tokens `first..=last`.
#[derive(Debug, Clone, Copy)]
struct Found {
    first: usize,
    last: usize,
    date: NaiveDate,
    resolved: bool,
}

/// How a weekday name points to a day relative to the publication date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WeekdayReference {
    /// "Tuesday", "on Tuesday", "this Tuesday": the publication day or up to six days before.
    MostRecent,
    /// "last Tuesday": one to seven days before.
    Last,
    /// "next Tuesday": one to seven days after.
    Next,
}

/// The tokens of one text and the date they are resolved against.
struct Scan<'a> {
    text: &'a str,
    tokens: &'a [Token],
    published: NaiveDate,
}

impl Scan<'_> {
    fn mention(&self, found: Found) -> DateMention {
        DateMention {
            date: found.date,
            start: self.tokens[found.first].start,
            end: self.tokens[found.last].end,
            resolved: found.resolved,
        }
    }

    fn lower(&self, at: usize) -> Option<&str> {
        self.tokens.get(at).map(|token| token.lower.as_str())
    }

    /// Whether only whitespace, or whitespace around one of `punctuation`, separates token
    /// `at` from the next one. A line break ends a phrase: paragraphs do not join.
    fn joined_to_next(&self, at: usize, punctuation: &[&str]) -> bool {
        let (Some(this), Some(next)) = (self.tokens.get(at), self.tokens.get(at + 1)) else {
            return false;
        };
        let gap = &self.text[this.end..next.start];
        let between = gap.trim();
        !gap.contains('\n') && (between.is_empty() || punctuation.contains(&between))
    }

    /// The month named by token `at`. "May", "March" and "Mar" are also verbs, so they count
    /// only when capitalised.
    fn month_at(&self, at: usize) -> Option<u32> {
        let token = self.tokens.get(at)?;
        let is_also_a_verb = matches!(token.lower.as_str(), "may" | "march" | "mar");
        if is_also_a_verb && !token.capitalised {
            return None;
        }
        month_of(&token.lower)
    }

    /// Token `at` as a day of the month ("3", "03", "3rd"), unless it is part of a bigger
    /// number or code.
    fn day_at(&self, at: usize) -> Option<u32> {
        let token = self.tokens.get(at)?;
        day_of(&token.lower).filter(|_| stands_alone(self.text, token.start, token.end))
    }

    fn year_at(&self, at: usize) -> Option<i32> {
        let token = self.tokens.get(at)?;
        year_of(&token.lower).filter(|_| stands_alone(self.text, token.start, token.end))
    }

    /// A month-day or day-month date starting at token `at`, with its year when one follows.
    fn explicit_date(&self, at: usize) -> Option<Found> {
        if let Some(day) = self.day_at(at) {
            // "25 June", "25th of June".
            let month_at = if self.lower(at + 1) == Some("of") {
                if !self.joined_to_next(at, &[]) {
                    return None;
                }
                at + 2
            } else {
                at + 1
            };
            if !self.joined_to_next(month_at - 1, &[]) {
                return None;
            }
            let month = self.month_at(month_at)?;
            return self.with_optional_year(at, month_at, month, day);
        }
        // "June 25", "Jun. 25": a period only after an abbreviation, since after a full name
        // it ends a sentence ("in May. 25 people").
        let month = self.month_at(at)?;
        let abbreviation_period: &[&str] = if is_abbreviated_month(self.lower(at)?) {
            &["."]
        } else {
            &[]
        };
        if !self.joined_to_next(at, abbreviation_period) {
            return None;
        }
        let day = self.day_at(at + 1)?;
        self.with_optional_year(at, at + 1, month, day)
    }

    /// The date of tokens `first..=last` (a day and a month), taking a year from the next
    /// token when it is one ("June 25, 2009") and else the year closest to publication.
    fn with_optional_year(&self, first: usize, last: usize, month: u32, day: u32) -> Option<Found> {
        let year = Some(last + 1)
            .filter(|_| self.joined_to_next(last, &[","]))
            .and_then(|year_at| self.year_at(year_at));
        match year {
            Some(year) => Some(Found {
                first,
                last: last + 1,
                date: NaiveDate::from_ymd_opt(year, month, day)?,
                resolved: false,
            }),
            None => Some(Found {
                first,
                last,
                date: closest_date(month, day, self.published)?,
                resolved: true,
            }),
        }
    }

    /// A weekday phrase starting at token `at`: "Tuesday", "on Tuesday", "last Tuesday",
    /// "next Tuesday", taking in an explicit date right after it when the two agree.
    fn weekday(&self, at: usize) -> Option<Found> {
        let (reference, weekday_at) = match self.lower(at)? {
            "on" | "this" => (WeekdayReference::MostRecent, at + 1),
            "last" => (WeekdayReference::Last, at + 1),
            "next" => (WeekdayReference::Next, at + 1),
            _ => (WeekdayReference::MostRecent, at),
        };
        let weekday_token = self.tokens.get(weekday_at)?;
        let weekday = WEEKDAYS
            .iter()
            .position(|name| *name == weekday_token.lower)?;
        // A bare weekday must be capitalised; after a lead word any case will do.
        let is_bare = weekday_at == at;
        if (is_bare && !weekday_token.capitalised) || (!is_bare && !self.joined_to_next(at, &[])) {
            return None;
        }
        let agreeing_date = Some(weekday_at + 1)
            .filter(|_| self.joined_to_next(weekday_at, &[","]))
            .and_then(|date_at| self.explicit_date(date_at))
            .filter(|found| found.date.weekday().num_days_from_monday() as usize == weekday);
        if let Some(found) = agreeing_date {
            return Some(Found { first: at, ..found });
        }
        Some(Found {
            first: at,
            last: weekday_at,
            date: resolve_weekday(weekday, reference, self.published)?,
            resolved: true,
        })
    }

    /// "yesterday", "today", "tonight", "tomorrow", "this morning", "last night",
    /// "two days ago" starting at token `at`.
    fn relative_day(&self, at: usize) -> Option<Found> {
        let next_is = |words: &[&str]| {
            self.lower(at + 1).is_some_and(|next| words.contains(&next))
                && self.joined_to_next(at, &[])
        };
        let (last, days_after_publication) = match self.lower(at)? {
            "yesterday" => (at, -1),
            "today" | "tonight" => (at, 0),
            "tomorrow" => (at, 1),
            "this" if next_is(&["morning", "afternoon", "evening"]) => (at + 1, 0),
            "last" if next_is(&["night"]) => (at + 1, -1),
            _ => {
                let count = self.day_count(at)?;
                let is_days_ago = next_is(&["day", "days"])
                    && self.lower(at + 2) == Some("ago")
                    && self.joined_to_next(at + 1, &[]);
                if !is_days_ago {
                    return None;
                }
                (at + 2, -count)
            }
        };
        Some(Found {
            first: at,
            last,
            date: shift_days(self.published, days_after_publication)?,
            resolved: true,
        })
    }

    /// The count in "N days ago": up to three digits, "a", or "one" to "ten".
    fn day_count(&self, at: usize) -> Option<i64> {
        let token = self.tokens.get(at)?;
        let by_name = match token.lower.as_str() {
            "a" | "one" => Some(1),
            "two" => Some(2),
            "three" => Some(3),
            "four" => Some(4),
            "five" => Some(5),
            "six" => Some(6),
            "seven" => Some(7),
            "eight" => Some(8),
            "nine" => Some(9),
            "ten" => Some(10),
            _ => None,
        };
        if by_name.is_some() {
            return by_name;
        }
        let digits = &token.lower;
        let is_small_number = (1..=3).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && stands_alone(self.text, token.start, token.end);
        if !is_small_number {
            return None;
        }
        digits.parse().ok()
    }
}

/// Month abbreviations, which may carry a period before the day ("Jun. 25", "Sept. 3").
fn is_abbreviated_month(word: &str) -> bool {
    matches!(
        word,
        "jan"
            | "feb"
            | "mar"
            | "apr"
            | "jun"
            | "jul"
            | "aug"
            | "sep"
            | "sept"
            | "oct"
            | "nov"
            | "dec"
    )
}

/// Whether the number at `start..end` of `text` is a number of its own, not part of a bigger
/// number ("1,025", "1,25", "2,500", "3.25"), a time ("10:30"), a code ("COVID-19",
/// "25-year"), an amount ("$25") or a percentage ("25%").
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let mut before = text[..start].chars().rev();
    let (previous, second_previous) = (before.next(), before.next());
    let mut after = text[end..].chars();
    let (next, second_next) = (after.next(), after.next());
    let is_digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let is_letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
    let is_hyphen = |c: Option<char>| matches!(c, Some('-' | '‐' | '‑'));

    let joins_number_before =
        matches!(previous, Some(',' | '.' | ':')) && is_digit(second_previous);
    let code_before = is_hyphen(previous) && is_letter(second_previous);
    let currency_before = matches!(previous, Some('$' | '£' | '€' | '#'));
    let joins_number_after = match next {
        Some('.' | ':') => is_digit(second_next),
        // "2,500" groups thousands; "June 25,2009" (a comma before a year) does not.
        Some(',') => {
            let group_len = text[end + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .count();
            group_len == 3
        }
        Some('%') => true,
        _ => false,
    };
    let code_after = is_hyphen(next) && is_letter(second_next);
    !(joins_number_before || code_before || currency_before || joins_number_after || code_after)
}

const ISO_DATE_LEN: usize = "2009-06-25".len();

/// ISO dates ("2009-06-25") that are not part of a longer code or number; the date part of
/// an ISO timestamp counts. Invalid days ("2009-13-40") are dropped.
fn iso_dates(text: &str) -> Vec<DateMention> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at + ISO_DATE_LEN <= bytes.len() {
        let is_iso_shape = bytes[at..at + ISO_DATE_LEN]
            .iter()
            .enumerate()
            .all(|(k, b)| match k {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        let end = at + ISO_DATE_LEN;
        // The shape is all ASCII, so `at` and `end` are char boundaries.
        if !is_iso_shape || !iso_stands_alone(text, at, end) {
            at += 1;
            continue;
        }
        let year = text[at..at + 4]
            .parse::<i32>()
            .ok()
            .filter(|year| (1800..=2100).contains(year));
        let month = text[at + 5..at + 7].parse::<u32>().ok();
        let day = text[at + 8..end].parse::<u32>().ok();
        if let (Some(year), Some(month), Some(day)) = (year, month, day)
            && let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
        {
            found.push(DateMention {
                date,
                start: at,
                end,
                resolved: false,
            });
        }
        at = end;
    }
    found
}

/// An ISO date must not continue a longer code or number ("X2009-06-25", "1.2009-06-25",
/// "2009-06-25-01"); a following "T10:00" time is fine.
fn iso_stands_alone(text: &str, start: usize, end: usize) -> bool {
    let previous = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let (next, second_next) = (after.next(), after.next());
    let continues_before =
        previous.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'));
    let continues_after = match next {
        Some('T') => !second_next.is_some_and(|c| c.is_ascii_digit()),
        Some('-' | '.' | '/') => second_next.is_some_and(|c| c.is_ascii_digit()),
        Some(c) => c.is_alphanumeric(),
        None => false,
    };
    !continues_before && !continues_after
}

/// `month`/`day` in the year (the publication year or either neighbour) that puts it closest
/// to `published`, the earlier on a tie; `None` when the day exists in none of them.
fn closest_date(month: u32, day: u32, published: NaiveDate) -> Option<NaiveDate> {
    let year = published.year();
    [year - 1, year, year + 1]
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .min_by_key(|date| ((*date - published).num_days().abs(), *date))
}

/// The day named by weekday index `weekday` (0 = Monday), relative to `published`.
fn resolve_weekday(
    weekday: usize,
    reference: WeekdayReference,
    published: NaiveDate,
) -> Option<NaiveDate> {
    let published_weekday = published.weekday().num_days_from_monday() as usize;
    let days_back = (published_weekday + 7 - weekday) % 7;
    let days_after_publication = match reference {
        WeekdayReference::MostRecent => -(days_back as i64),
        WeekdayReference::Last if days_back == 0 => -7,
        WeekdayReference::Last => -(days_back as i64),
        WeekdayReference::Next => match (weekday + 7 - published_weekday) % 7 {
            0 => 7,
            days_ahead => days_ahead as i64,
        },
    };
    shift_days(published, days_after_publication)
}

fn shift_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let magnitude = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(magnitude)
    } else {
        date.checked_sub_days(magnitude)
    }
}

/// Of overlapping mentions keep the longest (the earlier on a tie), then restore text order.
fn keep_longest(mut candidates: Vec<DateMention>) -> Vec<DateMention> {
    candidates.sort_by_key(|mention| (Reverse(mention.end - mention.start), mention.start));
    let mut kept: Vec<DateMention> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let overlaps = kept
            .iter()
            .any(|kept| candidate.start < kept.end && kept.start < candidate.end);
        if !overlaps {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|mention| mention.start);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("a valid test date")
    }

    /// A Friday.
    fn published() -> NaiveDate {
        ymd(2009, 6, 26)
    }

    /// Each mention as (its phrase, its date, resolved), so a test states ranges readably.
    fn found(text: &str, published: NaiveDate) -> Vec<(&str, NaiveDate, bool)> {
        date_mentions(text, published)
            .into_iter()
            .map(|mention| {
                (
                    &text[mention.start..mention.end],
                    mention.date,
                    mention.resolved,
                )
            })
            .collect()
    }

    #[test]
    fn iso_date_with_exact_range() {
        let text = "Filed on 2009-06-25 in Los Angeles.";
        assert_eq!(
            date_mentions(text, published()),
            vec![DateMention {
                date: ymd(2009, 6, 25),
                start: 9,
                end: 19,
                resolved: false,
            }]
        );
    }

    #[test]
    fn iso_timestamp_keeps_its_date() {
        assert_eq!(
            found("Updated 2009-06-25T22:10:00Z.", published()),
            vec![("2009-06-25", ymd(2009, 6, 25), false)]
        );
    }

    #[test]
    fn month_day_year_with_comma() {
        let text = "Jackson died on June 25, 2009, in Los Angeles.";
        assert_eq!(
            date_mentions(text, published()),
            vec![DateMention {
                date: ymd(2009, 6, 25),
                start: 16,
                end: 29,
                resolved: false,
            }]
        );
    }

    #[test]
    fn month_day_year_with_tokenised_comma_and_possessive() {
        assert_eq!(
            found(
                "Michael 's death on June 25 , 2009 shocked fans .",
                published()
            ),
            vec![("June 25 , 2009", ymd(2009, 6, 25), false)]
        );
    }

    #[test]
    fn month_day_year_without_comma() {
        assert_eq!(
            found("It aired June 25 2008 and again later.", published()),
            vec![("June 25 2008", ymd(2008, 6, 25), false)]
        );
    }

    #[test]
    fn abbreviated_month_with_period_and_ordinal_day() {
        assert_eq!(
            found("Talks began Jun. 22 and resumed Sept 3rd.", published()),
            vec![
                ("Jun. 22", ymd(2009, 6, 22), true),
                ("Sept 3rd", ymd(2009, 9, 3), true),
            ]
        );
    }

    #[test]
    fn day_month_with_and_without_year() {
        assert_eq!(
            found(
                "Born 29 August 1958, he toured on the 25th of June and on 3 Sept.",
                published()
            ),
            vec![
                ("29 August 1958", ymd(1958, 8, 29), false),
                ("25th of June", ymd(2009, 6, 25), true),
                ("3 Sept", ymd(2009, 9, 3), true),
            ]
        );
    }

    #[test]
    fn month_day_without_year_takes_the_closest_year() {
        let new_year = ymd(2010, 1, 2);
        assert_eq!(
            found(
                "Shops closed on December 30 and reopen January 4.",
                new_year
            ),
            vec![
                ("December 30", ymd(2009, 12, 30), true),
                ("January 4", ymd(2010, 1, 4), true),
            ]
        );
        assert_eq!(
            found("Polls open 2 January.", ymd(2009, 12, 28)),
            vec![("2 January", ymd(2010, 1, 2), true)]
        );
    }

    #[test]
    fn weekday_on_publication_day_is_the_publication_date() {
        let text = "The inquest opened on Friday.";
        assert_eq!(
            date_mentions(text, published()),
            vec![DateMention {
                date: ymd(2009, 6, 26),
                start: 19,
                end: 28,
                resolved: true,
            }]
        );
    }

    #[test]
    fn earlier_weekday_is_the_most_recent_before_publication() {
        assert_eq!(
            found(
                "Doctors were called on Thursday. Saturday's concert was fine.",
                published()
            ),
            vec![
                ("on Thursday", ymd(2009, 6, 25), true),
                ("Saturday", ymd(2009, 6, 20), true),
            ]
        );
    }

    #[test]
    fn lower_case_weekday_needs_a_lead_word() {
        assert_eq!(
            found("it rained tuesday, then on tuesday again", published()),
            vec![("on tuesday", ymd(2009, 6, 23), true)]
        );
    }

    #[test]
    fn last_weekday_is_never_the_publication_day() {
        assert_eq!(
            found("He spoke last Friday and last Tuesday.", published()),
            vec![
                ("last Friday", ymd(2009, 6, 19), true),
                ("last Tuesday", ymd(2009, 6, 23), true),
            ]
        );
    }

    #[test]
    fn this_weekday_reads_as_a_plain_weekday() {
        assert_eq!(
            found("The memo landed this Wednesday.", published()),
            vec![("this Wednesday", ymd(2009, 6, 24), true)]
        );
    }

    #[test]
    fn next_weekday_is_the_first_after_publication() {
        assert_eq!(
            found(
                "A memorial is planned next Friday, a vote next Monday.",
                published()
            ),
            vec![
                ("next Friday", ymd(2009, 7, 3), true),
                ("next Monday", ymd(2009, 6, 29), true),
            ]
        );
    }

    #[test]
    fn weekday_agreeing_with_a_date_is_one_mention() {
        assert_eq!(
            found("It was signed on Tuesday, June 23, 2009.", published()),
            vec![("on Tuesday, June 23, 2009", ymd(2009, 6, 23), false)]
        );
        assert_eq!(
            found("It was signed Tuesday June 23.", published()),
            vec![("Tuesday June 23", ymd(2009, 6, 23), true)]
        );
    }

    #[test]
    fn weekday_disagreeing_with_a_date_is_two_mentions() {
        assert_eq!(
            found("It was signed on Wednesday, June 23.", published()),
            vec![
                ("on Wednesday", ymd(2009, 6, 24), true),
                ("June 23", ymd(2009, 6, 23), true),
            ]
        );
    }

    #[test]
    fn yesterday_today_tonight_and_tomorrow() {
        assert_eq!(
            found(
                "Yesterday he left; today's hearing and tonight's vigil precede tomorrow.",
                published()
            ),
            vec![
                ("Yesterday", ymd(2009, 6, 25), true),
                ("today", ymd(2009, 6, 26), true),
                ("tonight", ymd(2009, 6, 26), true),
                ("tomorrow", ymd(2009, 6, 27), true),
            ]
        );
    }

    #[test]
    fn this_morning_and_last_night() {
        assert_eq!(
            found(
                "Fans gathered last night and again this morning.",
                published()
            ),
            vec![
                ("last night", ymd(2009, 6, 25), true),
                ("this morning", ymd(2009, 6, 26), true),
            ]
        );
    }

    #[test]
    fn days_ago_in_digits_and_words() {
        assert_eq!(
            found(
                "He rehearsed two days ago, 10 days ago and a day ago.",
                published()
            ),
            vec![
                ("two days ago", ymd(2009, 6, 24), true),
                ("10 days ago", ymd(2009, 6, 16), true),
                ("a day ago", ymd(2009, 6, 25), true),
            ]
        );
    }

    #[test]
    fn lone_month_and_lone_year_are_not_dates() {
        assert!(
            found(
                "The tour was due in June, as in 2009 and in May.",
                published()
            )
            .is_empty()
        );
    }

    #[test]
    fn lower_case_may_and_march_are_verbs() {
        assert!(found("Fans may 25 times march 3 abreast.", published()).is_empty());
        assert_eq!(
            found("May 25 and March 3 were quiet.", published()),
            vec![
                ("May 25", ymd(2009, 5, 25), true),
                ("March 3", ymd(2009, 3, 3), true),
            ]
        );
    }

    #[test]
    fn invalid_calendar_days_are_dropped() {
        assert!(found("Not on February 30, 2009, nor on 31 June.", published()).is_empty());
    }

    #[test]
    fn invalid_iso_date_is_dropped() {
        assert!(found("Ref 2009-13-40 and 2009-02-29.", published()).is_empty());
    }

    #[test]
    fn day_inside_a_bigger_number_is_not_a_day() {
        assert!(
            found(
                "Some 1,025 June visitors, 1,25 June, June 2,500 fans.",
                published()
            )
            .is_empty()
        );
    }

    #[test]
    fn digits_glued_to_letters_are_not_days() {
        assert!(found("Codes 25June, A25 June and COVID-19 June.", published()).is_empty());
    }

    #[test]
    fn sentence_end_splits_month_and_number() {
        assert!(found("It happened in May. 25 people came.", published()).is_empty());
    }

    #[test]
    fn year_outside_range_is_not_a_year() {
        assert_eq!(
            found("Dated June 25, 1700 in the archive.", published()),
            vec![("June 25", ymd(2009, 6, 25), true)]
        );
    }

    #[test]
    fn byte_ranges_count_multibyte_text() {
        let text = "Café reopened on 3 März? No: on 3 March.";
        assert_eq!(
            date_mentions(text, published()),
            vec![DateMention {
                date: ymd(2009, 3, 3),
                start: 34,
                end: 41,
                resolved: true,
            }]
        );
    }
}
