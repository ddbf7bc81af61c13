//! Getting articles in: polling feeds (fetch, extract, fall back to the feed's summary) and
//! importing JSONL files of already extracted articles.
//!
//! Both paths end in [`store_batch`]: ids from canonical URLs, content hashes, copy
//! detection against everything stored, then one transaction per batch. Inputs are taken
//! oldest first so that the first outlet to publish a text is its original.
//!
//! Invariants: one bad feed, page or line is reported (one line naming it and the cause) and
//! the run goes on; a batch is stored whole or not at all; running twice over the same input
//! stores nothing new the second time.

use crate::PipelineError;
use crate::dedupe::{Deduper, canonicalize_url};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::io::BufRead;
use storyline_extract::extract;
use storyline_fetch::{FeedItem, FetchOutcome, Fetcher, Validators, parse_feed};
use storyline_model::{Article, ArticleId, ExtractionStatus, Feed};
use storyline_nlp::{language, terms};
use storyline_store::Store;

/// Lines stored per transaction when importing.
const IMPORT_BATCH: usize = 500;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub lines: usize,
    pub imported: usize,
    /// Records whose article was already stored (same canonical URL or id).
    pub already_present: usize,
    /// Imported records recognised as copies of another article.
    pub copies: usize,
    /// One line per rejected line: `FILE:LINE: cause`.
    pub errors: Vec<String>,
}

/// What one poll of the feeds did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchReport {
    pub feeds: usize,
    pub not_modified: usize,
    pub new_articles: usize,
    /// New articles stored with the feed's summary because their page was unusable.
    pub summary_only: usize,
    pub copies: usize,
    /// One line per failed feed, page or item: `URL: cause`.
    pub errors: Vec<String>,
}

/// Progress of a poll, for a progress bar or log lines.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Polling starts on `total` feeds.
    Start { total: usize },
    /// One feed is done.
    FeedDone {
        url: String,
        new_articles: usize,
        error: Option<String>,
    },
}

/// Makes the stored form of a new article: content hash and copy detection. `deduper` learns
/// the article too, so later items of the same batch can be recognised as its copies.
fn finish_article(mut article: Article, deduper: &mut Deduper) -> Article {
    article.content_hash = terms::content_hash(&article.article_body);
    if article.in_language.is_none() {
        article.in_language = language::detect_language(&article.article_body).map(str::to_string);
    }
    if let Some((original, _)) = deduper.original_of(&article) {
        article.duplicate_of = Some(original);
    }
    deduper.add(&article);
    article
}

/// Stores new articles oldest first in one transaction; returns how many were new and how
/// many of those are copies.
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
    let mut fresh = Vec::with_capacity(articles.len());
    for article in articles {
        if store.has_article(&article.id)? || fresh.iter().any(|a: &Article| a.id == article.id) {
            continue;
        }
        fresh.push(finish_article(article, deduper));
    }
    let inserted = store.insert_articles(&fresh)?;
    let mut new = 0;
    let mut copies = 0;
    for (article, was_inserted) in fresh.iter().zip(inserted) {
        if was_inserted {
            new += 1;
            copies += usize::from(article.duplicate_of.is_some());
        }
    }
    Ok((new, copies))
}

/// Imports a JSONL file of extracted articles (`{"id","url","title","text","published",
/// "source"}` per line; unknown fields are kept in `extra`). `label` names the input in
/// error lines.
pub fn import_jsonl(
    store: &mut dyn Store,
    label: &str,
    reader: impl BufRead,
    imported_at: DateTime<Utc>,
) -> Result<ImportReport, PipelineError> {
    let mut deduper = Deduper::from_articles(&store.all_articles()?);
    let mut report = ImportReport::default();
    let mut batch = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                report
                    .errors
                    .push(format!("{label}:{number}: cannot read line: {err}"));
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        report.lines += 1;
        match article_from_json_line(&line, imported_at) {
            Ok(article) => batch.push(article),
            Err(cause) => report.errors.push(format!("{label}:{number}: {cause}")),
        }
        if batch.len() >= IMPORT_BATCH {
            flush(store, &mut deduper, &mut batch, &mut report)?;
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
    let date_published = match published {
        Some(text) => {
            Some(parse_date(&text).ok_or_else(|| format!("unrecognised date \"{text}\""))?)
        }
        None => None,
    };
    if let Some(external) = external_id {
        fields.insert("id".into(), serde_json::Value::String(external));
    }
    let body = text.unwrap_or_default();
    let headline = title.unwrap_or_else(|| first_words(&body, 12));
    Ok(Article {
        id,
        publisher: source.unwrap_or_else(|| host_of(&url).unwrap_or_default()),
        url,
        headline,
        article_body: body,
        description: None,
        author: author.into_iter().collect(),
        date_published,
        date_modified: None,
        date_fetched: imported_at,
        in_language: language,
        image: None,
        feed_url: None,
        content_hash: String::new(),
        duplicate_of: None,
        extraction: ExtractionStatus::Imported,
        extra: fields,
    })
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

fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_string())
}

/// Polls every stored feed once: conditional GET, parse, fetch and extract each new item's
/// page; then stores all new articles in one transaction, oldest first, so that a wire
/// story's first publication is its original whichever feed carried it first; then records
/// each feed's poll state.
pub async fn poll_feeds(
    store: &mut dyn Store,
    fetcher: &Fetcher,
    now: DateTime<Utc>,
    progress: &dyn Fn(Progress),
) -> Result<FetchReport, PipelineError> {
    let feeds = store.feeds()?;
    let mut report = FetchReport {
        feeds: feeds.len(),
        ..FetchReport::default()
    };
    progress(Progress::Start { total: feeds.len() });
    let mut articles = Vec::new();
    let mut polled = Vec::with_capacity(feeds.len());
    for mut feed in feeds {
        let outcome = poll_one(&*store, fetcher, &mut feed, now, &mut report).await?;
        feed.last_fetched_at = Some(now);
        let (error, found) = match outcome {
            Ok(found) => (None, found),
            Err(cause) => (Some(cause), Vec::new()),
        };
        match &error {
            Some(cause) => {
                feed.error_count = feed.error_count.saturating_add(1);
                feed.last_error = Some(cause.clone());
                report.errors.push(cause.clone());
            }
            None => {
                feed.error_count = 0;
                feed.last_error = None;
            }
        }
        progress(Progress::FeedDone {
            url: feed.url.clone(),
            new_articles: found.len(),
            error,
        });
        articles.extend(found);
        polled.push(feed);
    }
    let mut deduper = Deduper::from_articles(&store.all_articles()?);
    let aliases: Vec<(ArticleId, ArticleId)> = articles
        .iter()
        .flat_map(|article| {
            let item_ids = article.feed_item_ids.iter();
            item_ids
                .filter(|alias| **alias != article.article.id)
                .map(|alias| (alias.clone(), article.article.id.clone()))
        })
        .collect();
    let articles = articles.into_iter().map(|a| a.article).collect();
    let (new, copies) = store_batch(store, &mut deduper, articles)?;
    report.new_articles = new;
    report.copies = copies;
    // The item's own link and guid become aliases of the stored article, so the next poll
    // knows the item even when its link is a tracking redirect to the canonical page.
    store.add_article_aliases(&aliases)?;
    // Validators are saved only once the items are safely stored: a crash before this point
    // means the next poll fetches the feeds again instead of skipping their items.
    for feed in &polled {
        store.update_feed_state(feed)?;
    }
    Ok(report)
}

/// A new article and the ids its feed item is known by (link and guid).
struct ItemArticle {
    article: Article,
    feed_item_ids: Vec<ArticleId>,
}

/// Polls one feed: the new articles it links to, or its failure as one line. Updates the
/// feed's title and validators in `feed` (saved by the caller).
async fn poll_one(
    store: &dyn Store,
    fetcher: &Fetcher,
    feed: &mut Feed,
    now: DateTime<Utc>,
    report: &mut FetchReport,
) -> Result<Result<Vec<ItemArticle>, String>, PipelineError> {
    let body = match fetcher.get(&feed.url, &Validators::from_feed(feed)).await {
        Ok(FetchOutcome::NotModified) => {
            report.not_modified += 1;
            return Ok(Ok(Vec::new()));
        }
        Ok(FetchOutcome::Fetched(body)) => body,
        Err(err) => return Ok(Err(err.to_string())),
    };
    let parsed = match parse_feed(&feed.url, &body.body) {
        Ok(parsed) => parsed,
        Err(err) => return Ok(Err(err.to_string())),
    };
    if parsed.title.is_some() {
        feed.title = parsed.title.clone();
    }
    let mut articles = Vec::new();
    for item in &parsed.items {
        if already_stored(store, item)? {
            continue;
        }
        match article_from_item(fetcher, feed, item, now).await {
            Ok((article, page_error)) => {
                if let Some(cause) = page_error {
                    report.summary_only += 1;
                    report.errors.push(cause);
                }
                articles.push(ItemArticle {
                    article,
                    feed_item_ids: feed_item_ids(item),
                });
            }
            Err(cause) => report.errors.push(cause),
        }
    }
    feed.etag = body.etag;
    feed.last_modified = body.last_modified;
    Ok(Ok(articles))
}

/// The article ids a feed item's link and URL guid map to.
fn feed_item_ids(item: &FeedItem) -> Vec<ArticleId> {
    let mut ids: Vec<ArticleId> = [item.url.as_deref(), Some(item.id.as_str())]
        .into_iter()
        .flatten()
        .filter(|candidate| candidate.contains("://"))
        .map(|candidate| ArticleId::from_url(&canonicalize_url(candidate)))
        .collect();
    ids.dedup();
    ids
}

/// True when the item's link or guid already names a stored article (directly or as an
/// alias recorded by an earlier poll).
fn already_stored(store: &dyn Store, item: &FeedItem) -> Result<bool, PipelineError> {
    for id in feed_item_ids(item) {
        if store.has_article(&id)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Builds the article for a feed item: from its extracted page when that works, else (the
/// page could not be fetched or read) from the feed's own summary, with the one-line reason.
/// Err when the page is not an article, or when neither page nor summary is usable.
async fn article_from_item(
    fetcher: &Fetcher,
    feed: &Feed,
    item: &FeedItem,
    now: DateTime<Utc>,
) -> Result<(Article, Option<String>), String> {
    let link = item
        .url
        .clone()
        .ok_or_else(|| format!("{}: item \"{}\" has no link", feed.url, item.id))?;
    let page = match fetcher.get(&link, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(body)) => {
            match extract(
                &body.body,
                body.content_type.as_deref(),
                Some(&body.final_url),
            ) {
                Ok(extracted) if extracted.is_article => Ok(extracted),
                // A section front or index page is not news: the item is skipped, not stored
                // with its summary (it would open a story of its own).
                Ok(extracted) => {
                    return Err(format!(
                        "{link}: not an article ({}): item skipped",
                        extracted
                            .not_article_reason
                            .unwrap_or_else(|| "no main text".into())
                    ));
                }
                Err(err) => Err(format!("{link}: {err}; kept the feed's summary")),
            }
        }
        Ok(FetchOutcome::NotModified) => {
            Err(format!("{link}: unexpected 304; kept the feed's summary"))
        }
        Err(err) => Err(format!("{err}; kept the feed's summary")),
    };
    let feed_publisher = feed.title.clone().unwrap_or_default();
    match page {
        Ok(page) => {
            let canonical = canonicalize_url(page.url.as_deref().unwrap_or(&link));
            let article = Article {
                id: ArticleId::from_url(&canonical),
                url: canonical.clone(),
                headline: page
                    .headline
                    .or_else(|| item.title.clone())
                    .unwrap_or_default(),
                article_body: page.article_body,
                description: page.description.or_else(|| item.summary.clone()),
                author: if page.author.is_empty() {
                    item.authors.clone()
                } else {
                    page.author
                },
                date_published: page.date_published.or(item.published),
                date_modified: page.date_modified,
                date_fetched: now,
                in_language: page.in_language,
                publisher: page
                    .publisher
                    .filter(|p| !p.trim().is_empty())
                    .unwrap_or_else(|| non_empty_or_host(&feed_publisher, &canonical)),
                image: page.image,
                feed_url: Some(feed.url.clone()),
                content_hash: String::new(),
                duplicate_of: None,
                extraction: ExtractionStatus::Full,
                extra: serde_json::Map::new(),
            };
            Ok((article, None))
        }
        Err(reason) => {
            let summary = item
                .summary
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| format!("{reason}, but the item has no summary either: skipped"))?;
            let canonical = canonicalize_url(if item.id.contains("://") {
                &item.id
            } else {
                &link
            });
            let article = Article {
                id: ArticleId::from_url(&canonical),
                url: canonical.clone(),
                headline: item
                    .title
                    .clone()
                    .unwrap_or_else(|| first_words(&summary, 12)),
                article_body: summary.clone(),
                description: Some(summary),
                author: item.authors.clone(),
                date_published: item.published,
                date_modified: None,
                date_fetched: now,
                in_language: None,
                publisher: non_empty_or_host(&feed_publisher, &canonical),
                image: None,
                feed_url: Some(feed.url.clone()),
                content_hash: String::new(),
                duplicate_of: None,
                extraction: ExtractionStatus::FeedSummaryOnly {
                    reason: reason.clone(),
                },
                extra: serde_json::Map::new(),
            };
            Ok((article, Some(reason)))
        }
    }
}

fn non_empty_or_host(name: &str, url: &str) -> String {
    if name.trim().is_empty() {
        host_of(url).unwrap_or_else(|| "Unknown outlet".into())
    } else {
        name.trim().to_string()
    }
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
        assert_eq!(article.publisher, "a.example");
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
