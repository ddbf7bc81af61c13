//! `storyline timeline`: a timeline of a file of articles, written by the pipeline's
//! timeline engine ([`storyline_pipeline::timeline`]) without a data directory. It honours
//! the Timeline17 task's contract: articles in, at most N dated entries of at most K
//! sentences out, one JSON line a day in date order.

use crate::cli::TimelineArgs;
use crate::output::{LineOutput, errln};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use storyline_pipeline::timeline::{TimelineDocument, TimelineOptions, build_timeline};

pub fn run(args: TimelineArgs) -> Result<()> {
    if args.end < args.start {
        bail!("--end {} is before --start {}", args.end, args.start);
    }
    let label = args.articles.display().to_string();
    let file =
        std::fs::File::open(&args.articles).with_context(|| format!("cannot open {label}"))?;
    let mut documents = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{label}:{}: cannot read", index + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        match document_of(&line, index) {
            Ok(document) => documents.push(document),
            // One bad line costs its article, not the timeline.
            Err(cause) => errln!("warning: {label}:{}: {cause}", index + 1),
        }
    }
    let options = TimelineOptions {
        start: args.start,
        end: args.end,
        max_dates: args.dates,
        sentences_per_date: args.sentences,
        keywords: args
            .keywords
            .split(',')
            .map(|keyword| keyword.trim().to_lowercase())
            .filter(|keyword| !keyword.is_empty())
            .collect(),
    };
    let timeline = build_timeline(&documents, &options);

    let mut out = LineOutput::open(args.out.as_deref())?;
    for entry in timeline {
        let sentences: Vec<&str> = entry.sentences.iter().map(|s| s.text.as_str()).collect();
        let sources: Vec<&str> = entry
            .sentences
            .iter()
            .map(|s| documents[s.document].id.as_str())
            .collect();
        let line = serde_json::json!({
            "date": entry.date.to_string(),
            "sentences": sentences,
            "sources": sources,
        });
        out.line(line)?;
    }
    out.finish()
}

/// One input line as a document: `date` or `published` (a day, or a time whose day is
/// taken), `text`, and `title` as its first sentence when there is one.
fn document_of(line: &str, index: usize) -> Result<TimelineDocument, String> {
    let value: Value = serde_json::from_str(line).map_err(|err| format!("not JSON: {err}"))?;
    let field = |name: &str| value.get(name).and_then(Value::as_str);
    let date_text = field("date")
        .or_else(|| field("published"))
        .ok_or("no \"date\" or \"published\"")?;
    let published = day_of(date_text).ok_or_else(|| format!("unreadable date {date_text:?}"))?;
    let id = field("id")
        .or_else(|| field("url"))
        .map_or_else(|| format!("line-{}", index + 1), str::to_string);
    let text = field("text").unwrap_or("");
    let mut document = TimelineDocument::from_text(id, Some(published), text);
    if let Some(title) = field("title").map(str::trim).filter(|t| !t.is_empty()) {
        document.sentences.insert(0, title.to_string());
    }
    if document.sentences.is_empty() {
        return Err("no text".to_string());
    }
    Ok(document)
}

/// "2009-06-25", or the day of "2009-06-25T10:00:00Z" / "2009-06-25 10:00".
fn day_of(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let day = text.get(..10)?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}
