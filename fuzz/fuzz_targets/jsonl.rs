//! Fuzz target for the JSONL import reader (`storyline_pipeline::ingest::JsonlReader`):
//! arbitrary bytes must come back as articles and one-line reports, never a panic, an abort,
//! a hang or unbounded memory, whatever the lines hold.
//!
//! The limits are small (text 1 KiB, headline 128 bytes, line 4 KiB) so that inputs the
//! fuzzer can reach cross every cap. Each input is read twice: straight from the byte slice
//! (one buffer holding every line) and through a `BufReader` a few bytes wide (lines split
//! across many reads, as from a pipe), and both must give the same lines.
//!
//! Checked beyond "no panic": every report (`Rejected`, an article's notes) is one line that
//! starts with `LABEL:N: ` where N is a physical line number of the input, increasing from
//! one report to the next; an in-memory reader never stops; no headline or text is over its
//! cap; no date is after the import time plus the allowed skew, nor before 1900 or exactly
//! the Unix epoch.

#![no_main]

use chrono::{DateTime, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use std::io::BufReader;
use storyline_pipeline::ingest::{FUTURE_DATE_SKEW, ImportLimits, ImportLine, JsonlReader};

const LABEL: &str = "fuzz.jsonl";

const LIMITS: ImportLimits = ImportLimits {
    max_text_bytes: 1024,
    max_title_bytes: 128,
    max_line_bytes: 4096,
};

fuzz_target!(|data: &[u8]| {
    let imported_at = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let whole: Vec<ImportLine> = JsonlReader::new(data, LABEL, LIMITS, imported_at).collect();
    check(data, &whole, imported_at);

    // 1 to 61 bytes per read: the length picks it, so each input keeps its own split.
    let capacity = 1 + data.len() % 61;
    let narrow = BufReader::with_capacity(capacity, data);
    let pieces: Vec<ImportLine> = JsonlReader::new(narrow, LABEL, LIMITS, imported_at).collect();
    assert!(
        whole == pieces,
        "reading {capacity} bytes at a time changed the result:\n{whole:?}\n{pieces:?}"
    );
});

fn check(data: &[u8], lines: &[ImportLine], imported_at: DateTime<Utc>) {
    let physical_lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let latest = imported_at + FUTURE_DATE_SKEW;
    let earliest = Utc.with_ymd_and_hms(1900, 1, 2, 0, 0, 0).unwrap();
    let mut last_line = 0;
    for line in lines {
        let line_number = match line {
            ImportLine::Article { article, notes } => {
                assert!(
                    article.headline.len() <= LIMITS.max_title_bytes,
                    "headline of {} bytes",
                    article.headline.len()
                );
                assert!(
                    article.article_body.len() <= LIMITS.max_text_bytes,
                    "text of {} bytes",
                    article.article_body.len()
                );
                for date in [article.date_published, article.date_modified]
                    .into_iter()
                    .flatten()
                {
                    assert!(
                        date <= latest,
                        "date {date} after the import time: {article:?}"
                    );
                    assert!(
                        date >= earliest && date != DateTime::UNIX_EPOCH,
                        "implausible date {date} kept: {article:?}"
                    );
                }
                assert!(article.date_fetched == imported_at);
                let numbers: Vec<usize> = notes.iter().map(|note| report_line(note)).collect();
                if let Some(&first) = numbers.first() {
                    assert!(
                        numbers.iter().all(|&n| n == first),
                        "one article's notes name different lines: {notes:?}"
                    );
                    first
                } else {
                    // An article without notes says nothing about its line number.
                    continue;
                }
            }
            ImportLine::Rejected(message) => report_line(message),
            ImportLine::Stopped(message) => panic!("an in-memory reader stopped: {message}"),
        };
        assert!(
            line_number > last_line,
            "line {line_number} reported after line {last_line}"
        );
        assert!(
            line_number <= physical_lines,
            "line {line_number} of an input of {physical_lines} lines"
        );
        last_line = line_number;
    }
}

/// The line number of a report, after checking its shape: `LABEL:N: cause`, on one line.
fn report_line(message: &str) -> usize {
    assert!(
        !message.contains(['\n', '\r']),
        "report on several lines: {message:?}"
    );
    let rest = message
        .strip_prefix(LABEL)
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or_else(|| panic!("report without the label: {message:?}"));
    let (number, cause) = rest
        .split_once(": ")
        .unwrap_or_else(|| panic!("report without a line number: {message:?}"));
    assert!(
        !cause.trim().is_empty(),
        "report without a cause: {message:?}"
    );
    match number.parse::<usize>() {
        Ok(number) if number >= 1 => number,
        _ => panic!("report without a line number: {message:?}"),
    }
}
