//! Date parsing for the many shapes publishers write, and dates hidden in article URLs.
//!
//! Times without a zone are taken as UTC and date-only values as midnight UTC: we have no
//! clock and no knowledge of the outlet's zone, and a fixed rule keeps runs reproducible.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Years outside this range are typos, epoch-zero placeholders or far-future sentinels.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

const ZONED_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%d %H:%M %z",
    "%Y%m%dT%H%M%S%z",
    "%a, %d %b %Y %H:%M:%S %z",
    "%A, %B %d, %Y %H:%M %z",
];

const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%dT%H%M%S",
    "%d.%m.%Y %H:%M",
    "%B %d, %Y %H:%M",
];

const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%A, %B %d, %Y",
];

/// Parses one date or date-time string; `None` when it is not a plausible date.
pub(crate) fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim_end_matches([',', '.']);
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    parse_any(text).filter(|date| PLAUSIBLE_YEARS.contains(&chrono::Datelike::year(date)))
}

fn parse_any(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && (text.len() == 10 || text.len() == 13) {
        // Unix seconds or milliseconds, as some CMSs write in `<meta>` tags.
        let number: i64 = text.parse().ok()?;
        let seconds = if text.len() == 13 {
            number / 1000
        } else {
            number
        };
        return Utc.timestamp_opt(seconds, 0).single();
    }
    // chrono's `%z` wants an offset; a trailing `Z` and a ` UTC`/` GMT` suffix mean +00:00.
    let zoned = normalise_zone_suffix(text);
    for format in ZONED_FORMATS {
        if let Ok(date) = DateTime::parse_from_str(&zoned, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    let naive_text = zoned.strip_suffix("+00:00").unwrap_or(&zoned);
    for format in NAIVE_FORMATS {
        if let Ok(date) = NaiveDateTime::parse_from_str(naive_text, format) {
            return Some(date.and_utc());
        }
    }
    for format in DATE_FORMATS {
        if let Ok(date) = NaiveDate::parse_from_str(naive_text, format) {
            return date.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
        }
    }
    None
}

fn normalise_zone_suffix(text: &str) -> String {
    for suffix in [" UTC", " GMT", "Z", "z"] {
        if let Some(stripped) = text.strip_suffix(suffix)
            && stripped.ends_with(|c: char| c.is_ascii_digit())
        {
            return format!("{stripped}+00:00");
        }
    }
    text.to_string()
}

/// A publication date written in a URL path: `/2024/03/15/`, `/2024/mar/15/`,
/// `/2024-03-15-slug`, `/story-20240315`. Only full dates count: a bare `/2024/03/` is too
/// vague.
pub fn date_from_url(url: &str) -> Option<DateTime<Utc>> {
    let path = url.split_once("://").map_or(url, |(_, rest)| {
        rest.find('/').map_or("", |slash| &rest[slash..])
    });
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    for window in segments.windows(3) {
        if let [year, month, day] = window {
            let day = day.get(..2).filter(|_| {
                day.len() == 2 || !day.as_bytes().get(2).is_some_and(u8::is_ascii_digit)
            });
            // "/2014/jul/17/": a month by name.
            let month = month_number(month).map_or(month.to_string(), |n| format!("{n:02}"));
            if let (4, 2, Some(day)) = (year.len(), month.len(), day)
                && let Some(date) = ymd(year, &month, day)
            {
                return Some(date);
            }
        }
    }
    for run in digit_runs(path) {
        if run.text.len() == 8
            && let Some(date) = ymd(&run.text[..4], &run.text[4..6], &run.text[6..])
        {
            return Some(date);
        }
        if run.text.len() == 4
            && run.dashed_date.is_some()
            && let Some((month, day)) = run.dashed_date
            && let Some(date) = ymd(run.text, month, day)
        {
            return Some(date);
        }
    }
    None
}

struct DigitRun<'a> {
    text: &'a str,
    /// For a 4-digit run followed by `-MM-DD`, the month and day.
    dashed_date: Option<(&'a str, &'a str)>,
}

fn digit_runs(path: &str) -> Vec<DigitRun<'_>> {
    let bytes = path.as_bytes();
    let mut runs = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if !bytes[index].is_ascii_digit() {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && bytes[index].is_ascii_digit() {
            index += 1;
        }
        let text = &path[start..index];
        let tail = &bytes[index..];
        let dashed_date = (tail.len() >= 6
            && tail[0] == b'-'
            && tail[1..3].iter().all(u8::is_ascii_digit)
            && tail[3] == b'-'
            && tail[4..6].iter().all(u8::is_ascii_digit)
            && !tail.get(6).is_some_and(u8::is_ascii_digit))
        .then(|| (&path[index + 1..index + 3], &path[index + 4..index + 6]));
        runs.push(DigitRun { text, dashed_date });
    }
    runs
}

/// The number of a month written as a URL segment: its English name or first three
/// letters ("jul", "july", "sept"), any case.
fn month_number(segment: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = segment.to_ascii_lowercase();
    let at = MONTHS
        .iter()
        .position(|m| *m == lower)
        .or_else(|| FULL.iter().position(|m| *m == lower))
        .or_else(|| (lower == "sept").then_some(8))?;
    u32::try_from(at + 1).ok()
}

fn ymd(year: &str, month: &str, day: &str) -> Option<DateTime<Utc>> {
    let year: i32 = year.parse().ok()?;
    if !PLAUSIBLE_YEARS.contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)?;
    date.and_hms_opt(0, 0, 0).map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, expected: Option<&str>) {
        let got = parse_date(raw).map(|d| d.to_rfc3339());
        assert_eq!(got.as_deref(), expected, "input {raw:?}");
    }

    #[test]
    fn date_shapes() {
        check("2024-03-15T10:20:30Z", Some("2024-03-15T10:20:30+00:00"));
        check(
            "2024-03-15T10:20:30+02:00",
            Some("2024-03-15T08:20:30+00:00"),
        );
        check(
            "2024-03-15T10:20:30.123-0500",
            Some("2024-03-15T15:20:30.123+00:00"),
        );
        check("2024-03-15T10:20+0100", Some("2024-03-15T09:20:00+00:00"));
        check(
            "2024-03-15 10:20:30 +0000",
            Some("2024-03-15T10:20:30+00:00"),
        );
        check("2024-03-15 10:20:30 UTC", Some("2024-03-15T10:20:30+00:00"));
        check(
            "Fri, 15 Mar 2024 10:20:30 GMT",
            Some("2024-03-15T10:20:30+00:00"),
        );
        check(
            "Fri, 15 Mar 2024 10:20:30 +0100",
            Some("2024-03-15T09:20:30+00:00"),
        );
        check("2024-03-15T10:20:30", Some("2024-03-15T10:20:30+00:00"));
        check("2024-03-15 10:20", Some("2024-03-15T10:20:00+00:00"));
        check("2024-03-15", Some("2024-03-15T00:00:00+00:00"));
        check("2024/03/15", Some("2024-03-15T00:00:00+00:00"));
        check("20240315", Some("2024-03-15T00:00:00+00:00"));
        check("15.03.2024", Some("2024-03-15T00:00:00+00:00"));
        check("March 15, 2024", Some("2024-03-15T00:00:00+00:00"));
        check("  Mar 15, 2024 ", Some("2024-03-15T00:00:00+00:00"));
        check("15 March 2024", Some("2024-03-15T00:00:00+00:00"));
        check("1710498030", Some("2024-03-15T10:20:30+00:00"));
        check("1710498030000", Some("2024-03-15T10:20:30+00:00"));
        check("1970-01-01T00:00:00Z", None);
        check("2024-02-30", None);
        check("yesterday", None);
        check("", None);
    }

    fn check_url(url: &str, expected: Option<&str>) {
        let got = date_from_url(url).map(|d| d.format("%Y-%m-%d").to_string());
        assert_eq!(got.as_deref(), expected, "url {url:?}");
    }

    #[test]
    fn dates_in_urls() {
        check_url(
            "https://news.example/2024/03/15/ferry-strike",
            Some("2024-03-15"),
        );
        check_url("https://news.example/world/2024/03/15", Some("2024-03-15"));
        check_url("https://news.example/2024-03-15/ferry", Some("2024-03-15"));
        check_url(
            "https://news.example/news/2024-03-15-ferry-strike",
            Some("2024-03-15"),
        );
        check_url(
            "https://news.example/story-20240315-ferry.html",
            Some("2024-03-15"),
        );
        check_url(
            "https://news.example/world/2014/jul/17/plane-crash",
            Some("2014-07-17"),
        );
        check_url("https://news.example/2014/Sept/05/vote", Some("2014-09-05"));
        check_url("https://news.example/2014/jul/ferry", None);
        check_url("https://news.example/2024/03/ferry", None);
        check_url("https://news.example/2024/13/45/ferry", None);
        check_url("https://news.example/item/123456789", None);
        check_url("https://news.example/ferry?date=2024-03-15", None);
        check_url("https://2024-03-15.example/ferry", None);
    }
}
