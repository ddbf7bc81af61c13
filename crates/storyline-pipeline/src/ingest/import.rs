//! Reading JSONL imports: one already extracted article per line, read as bytes with a
//! bounded buffer ([`JsonlReader`]), so no line can end the import early or cost more memory
//! than the configured limits.
//!
//! A line is read up to [`ImportLimits::max_line_bytes`]; a longer one is skipped as it is
//! read (its bytes are never held) and reported. A line that is not UTF-8, not JSON or not an
//! article is reported with its physical line number and skipped. A headline or text over its
//! cap is cut at a clean boundary and the cut is reported. Only an error of the reader itself
//! (the disk, the pipe) stops the import, and it says so.
//!
//! Invariants: pure apart from reading the given reader (no store, no clock: the import time
//! is passed in); every reported line starts with `LABEL:LINE:`; line numbers are physical
//! (blank lines count); memory is bounded by `max_line_bytes` plus the parsed line, whatever
//! the input.

use super::{article_from_json_line, check_dates};
use chrono::{DateTime, Utc};
use std::io::{self, BufRead};
use storyline_model::Article;

/// Default cap on an article's text: the feed body cap ([`storyline_fetch::FetchConfig`]'s
/// `max_body_bytes`), so an import admits no larger article than a feed does.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// Cap on a headline. Real headlines run under 200 characters; a longer "title" is a body or
/// a mistake, and it would be shown whole on every page that lists the story.
pub const MAX_TITLE_BYTES: usize = 1024;

/// How much one imported line may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Most bytes of article text kept; a longer text is cut (and the cut reported).
    pub max_text_bytes: usize,
    /// Most bytes of a headline kept.
    pub max_title_bytes: usize,
    /// Most bytes of one line; a longer line is skipped without being held in memory.
    pub max_line_bytes: usize,
}

impl ImportLimits {
    /// Limits for a text cap: the line may hold the text twice over (JSON escapes, other
    /// fields) plus a margin, so a text at the cap is cut, not refused.
    pub fn with_max_text_bytes(max_text_bytes: usize) -> ImportLimits {
        ImportLimits {
            max_text_bytes,
            max_title_bytes: MAX_TITLE_BYTES.min(max_text_bytes.max(1)),
            max_line_bytes: max_text_bytes.saturating_mul(2).saturating_add(64 * 1024),
        }
    }
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits::with_max_text_bytes(DEFAULT_MAX_TEXT_BYTES)
    }
}

/// What one non-blank line of an import became.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportLine {
    /// An article, with what was changed on the way (each `LABEL:LINE: what`): a headline
    /// or text cut to its cap, a date from the future or from before any news.
    Article {
        article: Box<Article>,
        notes: Vec<String>,
    },
    /// A line skipped: `LABEL:LINE: cause`.
    Rejected(String),
    /// The reader failed: `LABEL:LINE: cause`. Nothing follows.
    Stopped(String),
}

/// The lines of a JSONL import as [`ImportLine`]s, blank lines left out.
#[derive(Debug)]
pub struct JsonlReader<R> {
    reader: R,
    label: String,
    limits: ImportLimits,
    imported_at: DateTime<Utc>,
    line_number: usize,
    buffer: Vec<u8>,
    stopped: bool,
}

impl<R: BufRead> JsonlReader<R> {
    pub fn new(
        reader: R,
        label: impl Into<String>,
        limits: ImportLimits,
        imported_at: DateTime<Utc>,
    ) -> Self {
        JsonlReader {
            reader,
            label: label.into(),
            limits,
            imported_at,
            line_number: 0,
            buffer: Vec::new(),
            stopped: false,
        }
    }

    fn at_line(&self, message: impl std::fmt::Display) -> String {
        format!("{}:{}: {message}", self.label, self.line_number)
    }

    fn parse_line(&self) -> ImportLine {
        let mut bytes = trim_line_end(&self.buffer);
        if self.line_number == 1 {
            bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                return ImportLine::Rejected(self.at_line(format_args!(
                    "not valid UTF-8 (bad byte at column {})",
                    error.valid_up_to() + 1
                )));
            }
        };
        match article_from_json_line(text, self.imported_at) {
            Ok(mut article) => {
                let mut notes = Vec::new();
                if let Some(note) = cut_to_cap(
                    &mut article.headline,
                    self.limits.max_title_bytes,
                    "headline",
                ) {
                    notes.push(self.at_line(note));
                }
                if let Some(note) = cut_to_cap(
                    &mut article.article_body,
                    self.limits.max_text_bytes,
                    "text",
                ) {
                    notes.push(self.at_line(note));
                }
                notes.extend(
                    check_dates(&mut article, self.imported_at)
                        .into_iter()
                        .map(|note| self.at_line(note)),
                );
                ImportLine::Article {
                    article: Box::new(article),
                    notes,
                }
            }
            Err(cause) => ImportLine::Rejected(self.at_line(cause)),
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = ImportLine;

    fn next(&mut self) -> Option<ImportLine> {
        while !self.stopped {
            self.line_number += 1;
            let read = read_bounded_line(
                &mut self.reader,
                &mut self.buffer,
                self.limits.max_line_bytes,
            );
            match read {
                Ok(LineRead::End) => {
                    self.stopped = true;
                }
                Ok(LineRead::TooLong { bytes }) => {
                    return Some(ImportLine::Rejected(self.at_line(format_args!(
                        "line of {} is over the {} limit: skipped",
                        format_size(bytes),
                        format_size(self.limits.max_line_bytes as u64)
                    ))));
                }
                Ok(LineRead::Line) => {
                    if trim_line_end(&self.buffer)
                        .iter()
                        .all(u8::is_ascii_whitespace)
                    {
                        continue;
                    }
                    return Some(self.parse_line());
                }
                Err(error) => {
                    self.stopped = true;
                    return Some(ImportLine::Stopped(self.at_line(format_args!(
                        "cannot read: {error}; the rest of the input was not read"
                    ))));
                }
            }
        }
        None
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What [`read_bounded_line`] found.
#[derive(Debug, PartialEq, Eq)]
enum LineRead {
    /// No more input.
    End,
    /// A line (without its `\n`) is in the buffer.
    Line,
    /// A line longer than the limit was read past; `bytes` is its length.
    TooLong { bytes: u64 },
}

/// Reads one line into `buffer` (cleared first), holding at most `max` bytes of it: the rest
/// of a longer line is consumed and counted, never stored. The last line may lack its `\n`.
fn read_bounded_line(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    max: usize,
) -> io::Result<LineRead> {
    buffer.clear();
    let mut length: u64 = 0;
    let mut overflowed = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(match (length, overflowed) {
                (0, _) => LineRead::End,
                (_, true) => LineRead::TooLong { bytes: length },
                (_, false) => LineRead::Line,
            });
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(end) => (&available[..end], Some(end + 1)),
            None => (available, None),
        };
        length += chunk.len() as u64;
        if !overflowed {
            if buffer.len() + chunk.len() > max {
                overflowed = true;
                buffer.clear();
                buffer.shrink_to(64 * 1024);
            } else {
                buffer.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(available.len());
        reader.consume(consumed);
        if done.is_some() {
            return Ok(if overflowed {
                LineRead::TooLong { bytes: length }
            } else {
                LineRead::Line
            });
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Cuts `text` to at most `cap` bytes, at the last paragraph or sentence end in the final
/// quarter (at most 64 KiB) when there is one, so a reader sees whole sentences; else at a
/// character boundary. Returns what was done, for the report.
pub(crate) fn cut_to_cap(text: &mut String, cap: usize, what: &str) -> Option<String> {
    if text.len() <= cap {
        return None;
    }
    let original = text.len();
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut window_start = end - (end / 4).min(64 * 1024);
    while !text.is_char_boundary(window_start) {
        window_start += 1;
    }
    let clean_end = text[window_start..end]
        .rfind("\n")
        .or_else(|| text[window_start..end].rfind(". "))
        .map(|offset| window_start + offset + 1);
    text.truncate(clean_end.unwrap_or(end));
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    Some(format!(
        "{what} of {} cut to the {} limit",
        format_size(original as u64),
        format_size(cap as u64)
    ))
}

/// A byte count for people: "512 bytes", "3.4 KiB", "50.0 MiB".
pub(crate) fn format_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if value < KIB {
        format!("{bytes} bytes")
    } else if value < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else {
        format!("{:.1} MiB", value / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
    }

    fn read(input: &[u8], limits: ImportLimits) -> Vec<ImportLine> {
        JsonlReader::new(input, "in.jsonl", limits, now()).collect()
    }

    fn summary(lines: &[ImportLine]) -> Vec<String> {
        lines
            .iter()
            .map(|line| match line {
                ImportLine::Article { article, notes } => {
                    format!("article {} {notes:?}", article.headline)
                }
                ImportLine::Rejected(message) => format!("rejected {message}"),
                ImportLine::Stopped(message) => format!("stopped {message}"),
            })
            .collect()
    }

    #[test]
    fn bad_bytes_skip_one_line_and_the_rest_is_read() {
        let mut input = Vec::new();
        input.extend_from_slice(b"{\"id\":\"1\",\"title\":\"One\"}\n");
        input.extend_from_slice(b"{\"id\":\"2\",\"title\":\"Caf\xE9\"}\n");
        input.extend_from_slice(b"\n   \r\n");
        input.extend_from_slice(b"{\"id\":\"3\",\"title\":\"Three\"}\r\n");
        input.extend_from_slice(b"{\"id\":\"4\",\"title\":\"Four, no newline\"}");
        assert_eq!(
            summary(&read(&input, ImportLimits::default())),
            [
                "article One []",
                "rejected in.jsonl:2: not valid UTF-8 (bad byte at column 23)",
                "article Three []",
                "article Four, no newline []",
            ]
        );
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_without_being_held() {
        let limits = ImportLimits {
            max_text_bytes: 100,
            max_title_bytes: 50,
            max_line_bytes: 200,
        };
        let long = format!("{{\"id\":\"1\",\"text\":\"{}\"}}\n", "x".repeat(5_000));
        let input = format!("{long}{{\"id\":\"2\",\"title\":\"After\"}}\n");
        let lines = read(input.as_bytes(), limits);
        assert_eq!(
            summary(&lines),
            [
                "rejected in.jsonl:1: line of 4.9 KiB is over the 200 bytes limit: skipped",
                "article After []",
            ]
        );
    }

    #[test]
    fn long_texts_and_titles_are_cut_at_a_clean_boundary_and_say_so() {
        let limits = ImportLimits {
            max_text_bytes: 100,
            max_title_bytes: 10,
            max_line_bytes: 10_000,
        };
        let text = "Sentence one is here. ".repeat(10);
        let line = format!("{{\"id\":\"1\",\"title\":\"Ééééééééé\",\"text\":\"{text}\"}}");
        let lines = read(line.as_bytes(), limits);
        let ImportLine::Article { article, notes } = &lines[0] else {
            panic!("{lines:?}");
        };
        assert_eq!(article.headline, "Ééééé");
        assert!(article.article_body.ends_with("here."), "{article:?}");
        assert!(article.article_body.len() <= 100);
        assert_eq!(
            notes,
            &[
                "in.jsonl:1: headline of 18 bytes cut to the 10 bytes limit",
                "in.jsonl:1: text of 219 bytes cut to the 100 bytes limit",
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_on_the_first_line_is_not_an_error() {
        let lines = read(
            b"\xEF\xBB\xBF{\"id\":\"1\",\"title\":\"T\"}\n",
            ImportLimits::default(),
        );
        assert_eq!(summary(&lines), ["article T []"]);
    }

    #[test]
    fn a_failing_reader_stops_the_import_and_says_so() {
        struct Failing;
        impl io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let input = io::BufReader::new(io::Read::chain(
            &b"{\"id\":\"1\",\"title\":\"T\"}\n"[..],
            Failing,
        ));
        let lines: Vec<ImportLine> =
            JsonlReader::new(input, "in.jsonl", ImportLimits::default(), now()).collect();
        assert_eq!(
            summary(&lines),
            [
                "article T []",
                "stopped in.jsonl:2: cannot read: disk on fire; the rest of the input was not read",
            ]
        );
    }
}
