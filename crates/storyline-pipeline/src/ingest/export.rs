//! `storyline export`: the archive's articles as JSONL in the line format that
//! [`import_jsonl`](super::import_jsonl) reads, so an archive moves to a fresh store (or
//! another tool) and back.
//!
//! Invariants: importing an export gives every exported article again under the same id
//! (an article without a URL is keyed by its source and its own id, so the line carries
//! the `source` it was imported with, kept in `extra`, or one that gives that key back;
//! [`ExportReport::ids_not_kept`] counts any stored before sources were kept whose source
//! cannot be found again); articles are read in pages of [`EXPORT_PAGE`] in insertion order, so
//! memory stays flat whatever the archive's size and an import stores them in the same
//! order.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::io::Write;
use storyline_model::{Article, ArticleId};
use storyline_store::Store;

use crate::PipelineError;

/// Articles read from the store per page.
pub const EXPORT_PAGE: usize = 500;

/// The articles an export keeps: those whose time (publication, else fetch or import) lies
/// in `[since, until)`; each bound is open when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportRange {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl ExportRange {
    fn holds(&self, article: &Article) -> bool {
        let time = article.effective_time();
        self.since.is_none_or(|since| time >= since) && self.until.is_none_or(|until| time < until)
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Lines written.
    pub articles: u64,
    /// Articles read and left out by the range.
    pub skipped: u64,
    /// Articles without a URL whose key cannot be given back by any `source` (stored
    /// before outlets were resolved as now): an import gives them a new id.
    pub ids_not_kept: u64,
}

/// Writes the store's articles in `range` to `out`, one import line each, in insertion
/// order. The caller owns `out` (a temporary file renamed into place keeps a failed export
/// from leaving half a file under the final name).
pub fn export_jsonl(
    store: &dyn Store,
    range: ExportRange,
    out: &mut dyn Write,
) -> Result<ExportReport, PipelineError> {
    let mut report = ExportReport::default();
    let mut after = 0;
    loop {
        let page = store.articles_after(after, EXPORT_PAGE)?;
        let Some(&(last, _)) = page.last() else {
            break;
        };
        after = last;
        for (_, article) in page {
            if !range.holds(&article) {
                report.skipped += 1;
                continue;
            }
            let (line, id_kept) = import_line(&article);
            report.ids_not_kept += u64::from(!id_kept);
            serde_json::to_writer(&mut *out, &Value::Object(line))
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|source| PipelineError::Io {
                    what: "write the export".to_string(),
                    source,
                })?;
            report.articles += 1;
        }
    }
    Ok(report)
}

/// The import line of `article`: the fields the import reads (`id`, `url`, `title`, `text`,
/// `published`, `modified`, `source`, `language`, `author`, `description`, `image`, `feed`)
/// and the fields it kept unread, as it was given them. The flag says whether importing
/// the line gives the article's id back.
pub fn import_line(article: &Article) -> (Map<String, Value>, bool) {
    // Unread fields first: a field the import reads is written from the article itself.
    let mut line = article.extra.clone();
    let mut put = |name: &str, value: Option<String>| match value {
        Some(value) => {
            line.insert(name.to_string(), Value::String(value));
        }
        None => {
            line.remove(name);
        }
    };
    let external_id = article.extra.get("id").and_then(Value::as_str);
    let (source, id_kept) = source_keeping_id(article, external_id);
    put(
        "url",
        Some(article.url.clone()).filter(|url| !url.is_empty()),
    );
    put("title", Some(article.headline.clone()));
    put(
        "text",
        Some(article.article_body.clone()).filter(|t| !t.is_empty()),
    );
    put("published", article.date_published.map(format_time));
    put("modified", article.date_modified.map(format_time));
    put("source", source);
    put("language", article.in_language.clone());
    put(
        "author",
        Some(article.author.join(", ")).filter(|a| !a.is_empty()),
    );
    put("description", article.description.clone());
    put("image", article.image.clone());
    put("feed", article.feed_url.clone());
    (line, id_kept)
}

/// The `source` to write: the one the article was imported with when it was kept (imports
/// keep it from this version on), else its outlet's name. For an article without a URL,
/// keyed by its source and `external_id`, the first of those, its outlet's host and no
/// source at all that gives the article's id back, as the import keys it; also whether one
/// did.
fn source_keeping_id(article: &Article, external_id: Option<&str>) -> (Option<String>, bool) {
    let given = article
        .extra
        .get("source")
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = Some(article.outlet.name.clone()).filter(|name| !name.is_empty());
    if !article.url.is_empty() {
        return (given.or(name), true);
    }
    let Some(external_id) = external_id else {
        return (given.or(name), false);
    };
    let host = article.outlet.host.clone();
    let with_www = host.as_ref().map(|host| format!("www.{host}"));
    for candidate in [given, name.clone(), host, with_www, None] {
        let key = candidate.as_deref().unwrap_or("");
        if ArticleId::from_external(key, external_id) == article.id {
            return (candidate, true);
        }
    }
    (name, false)
}

/// RFC 3339 with as many fractional digits as the time has: a stream's order, and so its
/// stories, turns on sub-second differences between articles published the same second.
fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::article_from_json_line;

    fn round_trip(line: &str) -> (Article, Article, bool) {
        let at = Utc::now();
        let article = article_from_json_line(line, at).unwrap();
        let (exported, id_kept) = import_line(&article);
        let again = article_from_json_line(&Value::Object(exported).to_string(), at).unwrap();
        (article, again, id_kept)
    }

    #[test]
    fn an_exported_line_imports_as_the_same_article() {
        for line in [
            // A record with a URL and every field the import reads, and one it does not.
            r#"{"url":"https://harbour.example/news/strike","title":"Dockers strike","text":"Dockers at Kelmouth walked out.\nTalks resume Monday.","published":"2026-11-20T10:00:00.250Z","modified":"2026-11-20T12:30:00Z","source":"The Harbour Times","language":"en","author":"Ana Ruiz","description":"The port is shut.","image":"https://harbour.example/strike.jpg","feed":"https://harbour.example/rss","section":"business"}"#,
            // Records keyed by their own id: with no source, a source that is a name, a
            // host, and an undated headline.
            r#"{"id":"1_10ecb","title":"Dockers strike","text":"Body."}"#,
            r#"{"id":77,"title":"Ferries cancelled","source":"Kelmouth Courier","published":"2026-11-21"}"#,
            r#"{"id":"x9","title":"Ferries cancelled","source":"www.kelmouth-courier.example"}"#,
            // A source the outlet table renames ("The Telegraph"): the given one is kept.
            r#"{"id":"u1","title":"Rates held","source":"Telegraph.co.uk"}"#,
        ] {
            let (article, again, id_kept) = round_trip(line);
            assert!(id_kept, "{line}");
            // Every field, the id and outlet included (the import time is the same `at`).
            assert_eq!(again, article, "{line}");
        }
    }

    #[test]
    fn the_range_keeps_articles_from_since_up_to_until() {
        let at = Utc::now();
        let dated = |day: u32| {
            article_from_json_line(
                &format!(r#"{{"id":"{day}","title":"T","published":"2026-11-{day:02}"}}"#),
                at,
            )
            .unwrap()
        };
        let range = ExportRange {
            since: Some(dated(10).date_published.unwrap()),
            until: Some(dated(20).date_published.unwrap()),
        };
        assert!(!range.holds(&dated(9)));
        assert!(range.holds(&dated(10)));
        assert!(range.holds(&dated(19)));
        assert!(!range.holds(&dated(20)));
        assert!(ExportRange::default().holds(&dated(1)));
    }
}
