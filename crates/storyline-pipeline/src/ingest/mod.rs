//! Getting articles in: polling feeds ([`poll_feeds`], in `poll.rs`: fetch, extract, fall
//! back to the feed's summary) and importing JSONL files of already extracted articles
//! ([`import_jsonl`], reading through `import.rs`).
//!
//! Both paths end in [`store_batch`]: ids from canonical URLs, content hashes, copy
//! detection against everything stored, then one transaction per batch. Inputs are taken
//! oldest first so that the first outlet to publish a text is its original; when an earlier
//! publication of a text arrives after its copy (another feed finished first), the two swap
//! roles as long as neither has been clustered yet. Dates are checked on the way in
//! ([`check_dates`]): none later than the fetch or import time (plus a small skew), none
//! from before there was news.
//!
//! Invariants: one bad feed, page or line is reported (one line naming it and the cause) and
//! the run goes on; a batch is stored whole or not at all; running twice over the same input
//! stores nothing new the second time.

mod export;
mod import;
mod poll;

pub use export::{EXPORT_PAGE, ExportRange, ExportReport, export_jsonl, import_line};
pub use import::{DEFAULT_MAX_TEXT_BYTES, ImportLimits, ImportLine, JsonlReader, MAX_TITLE_BYTES};
pub use poll::{FetchReport, PollLimits, Progress, poll_feeds, poll_these_feeds};
pub use storyline_fetch::{FailureKind, ItemFailure};

use crate::PipelineError;
use crate::dedupe::{Deduper, body_signature, canonicalize_url, near_duplicate_key};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::BufRead;
use storyline_model::{Article, ArticleId, ExtractionStatus, Outlet, OutletHints};
use storyline_nlp::{language, mojibake, terms};
use storyline_store::{NearDuplicateKey, Store};

/// Lines stored per transaction when importing.
const IMPORT_BATCH: usize = 500;

/// Text bytes held before an import batch is stored early: 500 lines at the text cap would
/// hold gigabytes.
const IMPORT_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// How far past the fetch or import time a publication date may lie before it is taken as
/// that time: clocks of servers and of this machine disagree by seconds to minutes, and a
/// date hours ahead is a time-zone mistake at best.
pub const FUTURE_DATE_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Non-blank lines read.
    pub lines: usize,
    pub imported: usize,
    /// Records whose article was already stored (same canonical URL or id).
    pub already_present: usize,
    /// Imported records recognised as copies of another article.
    pub copies: usize,
    /// One line per rejected line: `FILE:LINE: cause`.
    pub errors: Vec<String>,
    /// One line per change made to an accepted line (a text cut to its cap, a date from the
    /// future taken as the import time): `FILE:LINE: what`.
    pub notes: Vec<String>,
    /// Set when the input could not be read to its end (`FILE:LINE: cause`); what was read
    /// before is stored.
    pub stopped: Option<String>,
    /// A stop was asked for ([`crate::stop`]): the lines read before it are stored, the rest
    /// were not read.
    pub interrupted: bool,
}

/// Makes the stored form of a new article: content hash, language and copy detection.
/// `deduper` learns the article too, so later items of the same batch can be recognised as
/// its copies. When the article is an earlier publication of a text already stored (another
/// feed of the same poll finished first) and that stored text is in no story yet, the two
/// swap roles: the stored one is returned second, to be marked a copy of this one.
fn finish_article(
    store: &dyn Store,
    mut article: Article,
    deduper: &mut Deduper,
) -> Result<(Article, Option<ArticleId>, NearDuplicateKey), PipelineError> {
    article.content_hash = terms::content_hash(&article.article_body);
    if article.in_language.is_none() {
        article.in_language = language::detect_language(&article.article_body).map(str::to_string);
    }
    let mut demoted = None;
    let signature = body_signature(&article.article_body);
    if let Some(original) = deduper.original_in(store, &article, &signature)? {
        let published_earlier = original
            .effective_time
            .is_some_and(|time| article.effective_time() < time);
        if published_earlier && store.story_of_article(&original.id)?.is_none() {
            demoted = Some(original.id);
        } else {
            article.duplicate_of = Some(original.id);
        }
    }
    let key = near_duplicate_key(&article, &signature);
    deduper.add_signed(&article, signature);
    Ok((article, demoted, key))
}

/// Stores new articles oldest first in one transaction; returns how many were new and how
/// many of those are copies. An article that turns out to be the earlier publication of a
/// stored, unclustered text becomes its original: that text and its copies are re-pointed
/// at it after the insert (a crash in between leaves a missed copy, never a dangling link).
pub fn store_batch(
    store: &mut dyn Store,
    deduper: &mut Deduper,
    mut articles: Vec<Article>,
) -> Result<(usize, usize), PipelineError> {
    articles.sort_by(|a, b| {
        a.effective_time()
            .cmp(&b.effective_time())
            .then(a.id.cmp(&b.id))
    });
    let mut fresh: Vec<Article> = Vec::with_capacity(articles.len());
    let mut keys = Vec::with_capacity(articles.len());
    let mut seen: HashSet<ArticleId> = HashSet::new();
    let mut swaps = Vec::new();
    let ids: Vec<ArticleId> = articles.iter().map(|a| a.id.clone()).collect();
    let known = store.known_articles(&ids)?;
    for (article, known) in articles.into_iter().zip(known) {
        if known || !seen.insert(article.id.clone()) {
            continue;
        }
        let (article, demoted, key) = finish_article(&*store, article, deduper)?;
        if let Some(demoted) = demoted {
            swaps.push((demoted, article.id.clone()));
        }
        fresh.push(article);
        keys.push(key);
    }
    let inserted = store.insert_articles_indexed(&fresh, &keys)?;
    let mut new = 0;
    let mut copies = 0;
    for (article, was_inserted) in fresh.iter().zip(inserted) {
        if was_inserted {
            new += 1;
            copies += usize::from(article.duplicate_of.is_some());
        }
    }
    for (demoted, original) in swaps {
        for copy in deduper.reroot(&demoted, &original) {
            store.set_duplicate_of(&copy, &original)?;
            copies += 1;
        }
    }
    Ok((new, copies))
}

/// The earliest publication date taken at face value. Older dates in feeds and imports are
/// placeholders (the Unix epoch, `0001-01-01`, 1900-01-01 from spreadsheets), not news.
fn earliest_news_date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1900, 1, 2, 0, 0, 0)
        .single()
        .expect("a valid constant date")
}

/// Checks an incoming article's dates against `now` (the fetch or import time): a date later
/// than `now` plus [`FUTURE_DATE_SKEW`] becomes `now` (a story dated 9999 would stay "most
/// recently updated" forever); a date before 1900, or exactly the Unix epoch (a zero
/// timestamp), becomes unknown. Returns one note per change, for the report.
pub fn check_dates(article: &mut Article, now: DateTime<Utc>) -> Vec<String> {
    let mut notes = Vec::new();
    let fields = [
        ("publication", &mut article.date_published),
        ("modification", &mut article.date_modified),
    ];
    for (name, field) in fields {
        let Some(date) = *field else { continue };
        if date > now + FUTURE_DATE_SKEW {
            notes.push(format!(
                "{name} date {} is in the future: taken as {}",
                format_time(date),
                format_time(now)
            ));
            *field = Some(now);
        } else if date < earliest_news_date() || date == DateTime::UNIX_EPOCH {
            notes.push(format!(
                "{name} date {} is not plausible: treated as unknown",
                format_time(date)
            ));
            *field = None;
        }
    }
    notes
}

fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Imports a JSONL file of extracted articles (`{"id","url","title","text","published",
/// "source"}` per line; unknown fields are kept in `extra`). `label` names the input in
/// error lines. Lines are read as bytes within `limits` ([`JsonlReader`]); articles are
/// stored in batches of [`IMPORT_BATCH`] lines or [`IMPORT_BATCH_BYTES`] of text.
pub fn import_jsonl(
    store: &mut dyn Store,
    label: &str,
    reader: impl BufRead,
    imported_at: DateTime<Utc>,
    limits: &ImportLimits,
) -> Result<ImportReport, PipelineError> {
    let mut deduper = Deduper::for_store(store)?;
    let mut report = ImportReport::default();
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    for line in JsonlReader::new(reader, label, *limits, imported_at) {
        // Asked to stop: what was read is stored below, the rest waits for the next import.
        if crate::stop::requested() {
            report.interrupted = true;
            break;
        }
        match line {
            ImportLine::Article { article, notes } => {
                report.lines += 1;
                report.notes.extend(notes);
                batch_bytes += article.article_body.len() + article.headline.len();
                batch.push(*article);
            }
            ImportLine::Rejected(message) => {
                report.lines += 1;
                report.errors.push(message);
            }
            ImportLine::Stopped(message) => report.stopped = Some(message),
        }
        if batch.len() >= IMPORT_BATCH || batch_bytes >= IMPORT_BATCH_BYTES {
            flush(store, &mut deduper, &mut batch, &mut report)?;
            batch_bytes = 0;
        }
    }
    flush(store, &mut deduper, &mut batch, &mut report)?;
    Ok(report)
}

fn flush(
    store: &mut dyn Store,
    deduper: &mut Deduper,
    batch: &mut Vec<Article>,
    report: &mut ImportReport,
) -> Result<(), PipelineError> {
    let count = batch.len();
    let (new, copies) = store_batch(store, deduper, std::mem::take(batch))?;
    report.imported += new;
    report.copies += copies;
    report.already_present += count - new;
    Ok(())
}

/// Parses one import line into an article, or says in one phrase why it cannot.
pub fn article_from_json_line(line: &str, imported_at: DateTime<Utc>) -> Result<Article, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(mut fields) = value else {
        return Err("expected a JSON object".into());
    };
    let mut take_string = |name: &str| -> Result<Option<String>, String> {
        match fields.remove(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => {
                Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty()))
            }
            Some(serde_json::Value::Number(n)) if name == "id" => Ok(Some(n.to_string())),
            Some(other) => Err(format!(
                "field \"{name}\" must be a string, not {}",
                json_kind(&other)
            )),
        }
    };
    let external_id = take_string("id")?;
    let url = take_string("url")?;
    let title = take_string("title")?;
    let text = take_string("text")?;
    let published = match take_string("published")? {
        Some(p) => Some(p),
        None => match take_string("datePublished")? {
            Some(p) => Some(p),
            None => take_string("date")?,
        },
    };
    let source = take_string("source")?;
    let language = match take_string("language")? {
        Some(language) => Some(language),
        None => take_string("lang")?,
    };
    let author = take_string("author")?;
    // What `storyline export` writes besides: an archive moves across stores whole.
    let modified = take_string("modified")?;
    let description = take_string("description")?;
    let image = take_string("image")?;
    let feed_url = take_string("feed")?;
    if title.is_none() && text.is_none() {
        return Err("needs a \"title\" or a \"text\"".into());
    }
    let (id, url) = match (&url, &external_id) {
        (Some(url), _) => {
            let canonical = canonicalize_url(url);
            (ArticleId::from_url(&canonical), canonical)
        }
        (None, Some(external)) => (
            ArticleId::from_external(source.as_deref().unwrap_or(""), external),
            String::new(),
        ),
        (None, None) => return Err("needs an \"id\" or a \"url\"".into()),
    };
    let time = |text: Option<String>| {
        text.map(|text| {
            parse_date(&text).ok_or_else(|| format!("unrecognised date {}", quoted(&text)))
        })
        .transpose()
    };
    let date_published = time(published)?;
    let date_modified = time(modified)?;
    if let Some(external) = external_id {
        fields.insert("id".into(), serde_json::Value::String(external));
    }
    // The source as given, beside the outlet it resolved to: a record without a URL is
    // keyed by it, and `storyline export` writes it back so the key survives a move.
    if let Some(source) = &source {
        fields.insert("source".into(), serde_json::Value::String(source.clone()));
    }
    let body = text.unwrap_or_default();
    let headline = title.unwrap_or_else(|| first_words(&body, 12));
    Ok(repair_text(Article {
        id,
        // The line's `source` is a name or a host; either way the outlet is decided here.
        outlet: Outlet::resolve(&OutletHints {
            url: &url,
            site_name: source.as_deref(),
            feed_title: None,
        }),
        url,
        headline,
        article_body: body,
        description,
        author: author.into_iter().collect(),
        date_published,
        date_modified,
        date_fetched: imported_at,
        in_language: language,
        image,
        feed_url,
        content_hash: String::new(),
        duplicate_of: None,
        extraction: ExtractionStatus::Imported,
        extra: fields,
    }))
}

/// The article with double-encoded characters in its headline, text and description
/// decoded ([`storyline_nlp::mojibake`]): "ChÃ¡vez" is stored as "Chávez", so briefs quote
/// it right and it matches other outlets' spelling. Done before the content hash is taken.
pub(crate) fn repair_text(mut article: Article) -> Article {
    let repair = |text: &mut String| {
        if let Cow::Owned(repaired) = mojibake::repair(text) {
            *text = repaired;
        }
    };
    repair(&mut article.headline);
    repair(&mut article.article_body);
    if let Some(description) = article.description.as_mut() {
        repair(description);
    }
    article
}

/// A piece of the input quoted in a report: escaped (a newline in it must not break the
/// report's one line) and cut to a readable length (the input may be megabytes).
pub(crate) fn quoted(input: &str) -> String {
    const MAX_CHARS: usize = 80;
    let mut shown: String = input.chars().take(MAX_CHARS).collect();
    if input.chars().nth(MAX_CHARS).is_some() {
        shown.push('…');
    }
    format!("{shown:?}")
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// RFC 3339, RFC 2822, `YYYY-MM-DD HH:MM:SS` (UTC) or a bare date (midnight UTC).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

fn first_words(text: &str, count: usize) -> String {
    text.split_whitespace()
        .take(count)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
    }

    #[test]
    fn json_lines_parse_or_say_why() {
        let check = |line: &str, expected_error: Option<&str>| {
            let result = article_from_json_line(line, now());
            match expected_error {
                None => assert!(result.is_ok(), "{line}: {result:?}"),
                Some(expected) => assert_eq!(result.unwrap_err(), expected, "{line}"),
            }
        };
        check(
            r#"{"id":"1","url":"https://a.example/x?utm_source=t","title":"T","text":"Body.","published":"2026-11-20T10:00:00Z","source":"A"}"#,
            None,
        );
        check(
            r#"{"id":7,"title":"Only a title","source":"A","date":"2026-11-20"}"#,
            None,
        );
        check(r#"{"id":"1","title":"T","lang_hint":"en","score":3}"#, None);
        check(
            "not json",
            Some("invalid JSON: expected ident at line 1 column 2"),
        );
        check("[1,2]", Some("expected a JSON object"));
        check(r#"{"id":"1"}"#, Some("needs a \"title\" or a \"text\""));
        check(r#"{"title":"T"}"#, Some("needs an \"id\" or a \"url\""));
        check(
            r#"{"id":"1","title":5}"#,
            Some("field \"title\" must be a string, not a number"),
        );
        check(
            r#"{"id":"1","title":"T","published":"yesterday"}"#,
            Some("unrecognised date \"yesterday\""),
        );
    }

    #[test]
    fn import_lines_keep_unknown_fields_and_canonical_urls() {
        let article = article_from_json_line(
            r#"{"id":"x1","url":"https://a.example/news/1?utm_source=feed#top","title":"T","text":"B","cluster":"c9"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(article.url, "https://a.example/news/1");
        assert_eq!(
            article.extra.get("cluster").and_then(|v| v.as_str()),
            Some("c9")
        );
        assert_eq!(article.extra.get("id").and_then(|v| v.as_str()), Some("x1"));
        assert_eq!(article.outlet.name, "a.example");
        assert_eq!(article.outlet.id, "a.example");
    }

    #[test]
    fn double_encoded_text_is_stored_decoded() {
        let article = article_from_json_line(
            r#"{"url":"https://a.example/news/2","title":"Hugo ChÃ¡vez wins","text":"Syriaâ€™s conflict began in March 2011."}"#,
            now(),
        )
        .unwrap();
        assert_eq!(article.headline, "Hugo Chávez wins");
        assert_eq!(
            article.article_body,
            "Syria’s conflict began in March 2011."
        );
    }

    #[test]
    fn dates_in_common_forms() {
        for text in [
            "2026-11-20T10:00:00Z",
            "2026-11-20T12:00:00+02:00",
            "Fri, 20 Nov 2026 10:00:00 +0000",
            "2026-11-20 10:00:00",
        ] {
            assert_eq!(
                parse_date(text),
                Some(Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()),
                "{text}"
            );
        }
        assert_eq!(
            parse_date("2026-11-20"),
            Some(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_date("soon"), None);
    }
}
