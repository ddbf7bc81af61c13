//! `storyline stories`, `storyline brief` (with `--explain`: each sentence's citations and
//! trust-check verdict) and `storyline search`: reading the store.

use super::open_store;
use crate::cli::BriefFormat;
use crate::config::Config;
use crate::output::{out, outln};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeSet;
use storyline_model::{ArticleId, Brief, Citation, StoryId};
use storyline_pipeline::brief::to_markdown;
use storyline_pipeline::checks;
use storyline_store::Store;

#[derive(Serialize)]
struct StoryLine {
    id: String,
    headline: String,
    articles: u32,
    outlets: u32,
    created_at: String,
    updated_at: String,
    brief_version: Option<u32>,
}

pub fn stories(config: &Config, json: bool, limit: usize) -> Result<()> {
    let store = open_store(config)?;
    let mut lines = Vec::new();
    for story in store.stories()?.into_iter().take(limit) {
        let latest = store.latest_brief(&story.id)?;
        lines.push(StoryLine {
            id: story.id.to_string(),
            headline: latest
                .as_ref()
                .map(|b| b.headline.clone())
                .unwrap_or(story.headline),
            articles: story.article_count,
            outlets: story.outlet_count,
            created_at: story.created_at.to_rfc3339(),
            updated_at: story.updated_at.to_rfc3339(),
            brief_version: latest.map(|b| b.version),
        });
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&lines)?)?;
        return Ok(());
    }
    if lines.is_empty() {
        outln!(
            "no stories yet: run `storyline fetch`, `storyline import FILE.jsonl` or `storyline demo`"
        )?;
    }
    for line in lines {
        outln!(
            "{}  {:>2} articles {:>2} outlets  updated {}  {}",
            line.id,
            line.articles,
            line.outlets,
            &line.updated_at[..16.min(line.updated_at.len())].replace('T', " "),
            line.headline
        )?;
    }
    Ok(())
}

pub fn brief(
    config: &Config,
    story: &str,
    format: BriefFormat,
    version: Option<u32>,
    explain: bool,
) -> Result<()> {
    let store = open_store(config)?;
    let Some(id) = store.resolve_story(story)? else {
        bail!("no story {story}: see `storyline stories`");
    };
    let brief = match version {
        Some(v) => store
            .brief(&id, v)?
            .with_context(|| format!("story {id} has no brief version {v}"))?,
        None => store
            .latest_brief(&id)?
            .with_context(|| format!("story {id} has no brief yet"))?,
    };
    if explain {
        return explain_brief(store.as_ref(), &brief, format);
    }
    match format {
        BriefFormat::Md => out!("{}", to_markdown(&brief))?,
        BriefFormat::Json => outln!("{}", serde_json::to_string_pretty(&brief)?)?,
    }
    Ok(())
}

/// `storyline brief STORY --explain`: every sentence with its citations and check verdict,
/// re-checked now against the stored articles, then what was dropped when it was written.
fn explain_brief(store: &dyn Store, brief: &Brief, format: BriefFormat) -> Result<()> {
    let ids: Vec<ArticleId> = brief.sources.iter().map(|s| s.article_id.clone()).collect();
    let found = store.articles(&ids)?;
    let mut articles = Vec::with_capacity(ids.len());
    for id in &ids {
        let article = found
            .iter()
            .find(|a| &a.id == id)
            .cloned()
            .with_context(|| format!("source article {id} of the brief is not stored"))?;
        articles.push(article);
    }
    let known: BTreeSet<StoryId> = store.stories()?.into_iter().map(|s| s.id).collect();
    let verdicts = checks::explain(brief, &articles, &known);
    let citation_label = |citation: &Citation| match citation {
        Citation::Source(n) => brief
            .sources
            .get((*n as usize).saturating_sub(1))
            .map_or(format!("[{n}] (no such source)"), |s| {
                format!("[{n}] {}: {}", s.outlet, s.title)
            }),
        Citation::Story(id) => format!("story {id}"),
    };
    if matches!(format, BriefFormat::Json) {
        let sentences: Vec<serde_json::Value> = verdicts
            .iter()
            .map(|v| {
                serde_json::json!({
                    "section": v.section,
                    "text": v.sentence.text,
                    "citations": v.sentence.citations.iter().map(citation_label).collect::<Vec<_>>(),
                    "support": v.support,
                    "passed": v.failure.is_none(),
                    "rule": v.failure.as_ref().map(|f| &f.0),
                    "detail": v.failure.as_ref().map(|f| &f.1),
                })
            })
            .collect();
        let out = serde_json::json!({
            "story": brief.story_id,
            "version": brief.version,
            "engine": brief.engine,
            "support_threshold": checks::SUPPORT_THRESHOLD,
            "sentences": sentences,
            "dropped_when_written": brief.checks.failures,
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(());
    }
    let engine = &brief.engine;
    outln!(
        "Brief {} v{} by {} {}{}{}",
        brief.story_id,
        brief.version,
        engine.name,
        engine.version,
        engine
            .model
            .as_deref()
            .map_or(String::new(), |m| format!(", model {m}")),
        engine
            .prompt_version
            .as_deref()
            .map_or(String::new(), |p| format!(", prompt {p}")),
    )?;
    outln!(
        "Support threshold {:.2}: the share of a sentence's content words found in one \
         passage of what it cites.",
        checks::SUPPORT_THRESHOLD
    )?;
    let mut section = "";
    for verdict in &verdicts {
        if verdict.section != section {
            section = verdict.section;
            outln!("\n{section}")?;
        }
        let mark = if verdict.failure.is_none() {
            "ok  "
        } else {
            "FAIL"
        };
        let support = verdict
            .support
            .map_or("  -  ".to_string(), |s| format!("{s:.2}"));
        outln!("  {mark} support {support}  {}", verdict.sentence.text)?;
        for citation in &verdict.sentence.citations {
            outln!("         cites {}", citation_label(citation))?;
        }
        if let Some((rule, detail)) = &verdict.failure {
            outln!("         {rule}: {detail}")?;
        }
    }
    if !brief.checks.failures.is_empty() {
        outln!("\ndropped when written ({}):", brief.checks.failures.len())?;
        for failure in &brief.checks.failures {
            let sentence = if failure.sentence.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", failure.sentence)
            };
            outln!(
                "  {} {}{sentence}: {}",
                failure.section,
                failure.rule,
                failure.detail
            )?;
        }
    }
    Ok(())
}

pub fn search(config: &Config, query: &str, json: bool, limit: usize) -> Result<()> {
    let store = open_store(config)?;
    let hits = store.search_articles(query, limit)?;
    let mut rows = Vec::new();
    for (id, snippet) in hits {
        let article = store.article(&id)?;
        let story = store.story_of_article(&id)?;
        rows.push(serde_json::json!({
            "article": id,
            "story": story,
            "headline": article.as_ref().map(|a| a.headline.clone()),
            "publisher": article.as_ref().map(|a| a.outlet.name.clone()),
            "url": article.as_ref().map(|a| a.url.clone()),
            "snippet": snippet,
        }));
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        if rows.is_empty() {
            outln!("no matches for \"{query}\"")?;
        }
        for row in rows {
            outln!(
                "{}  {}: {}\n    {}",
                row["story"].as_str().unwrap_or("-"),
                row["publisher"].as_str().unwrap_or("-"),
                row["headline"].as_str().unwrap_or("-"),
                row["snippet"].as_str().unwrap_or("")
            )?;
        }
    }
    Ok(())
}
