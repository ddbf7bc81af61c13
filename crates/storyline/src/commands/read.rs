//! `storyline stories`, `storyline brief` and `storyline search`: reading the store.

use super::open_store;
use crate::cli::BriefFormat;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use storyline_pipeline::brief::to_markdown;

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
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(());
    }
    if lines.is_empty() {
        println!(
            "no stories yet: run `storyline fetch`, `storyline import FILE.jsonl` or `storyline demo`"
        );
    }
    for line in lines {
        println!(
            "{}  {:>2} articles {:>2} outlets  updated {}  {}",
            line.id,
            line.articles,
            line.outlets,
            &line.updated_at[..16.min(line.updated_at.len())].replace('T', " "),
            line.headline
        );
    }
    Ok(())
}

pub fn brief(
    config: &Config,
    story: &str,
    format: BriefFormat,
    version: Option<u32>,
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
    match format {
        BriefFormat::Md => print!("{}", to_markdown(&brief)),
        BriefFormat::Json => println!("{}", serde_json::to_string_pretty(&brief)?),
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
            "publisher": article.as_ref().map(|a| a.publisher.clone()),
            "url": article.as_ref().map(|a| a.url.clone()),
            "snippet": snippet,
        }));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        if rows.is_empty() {
            println!("no matches for \"{query}\"");
        }
        for row in rows {
            println!(
                "{}  {}: {}\n    {}",
                row["story"].as_str().unwrap_or("-"),
                row["publisher"].as_str().unwrap_or("-"),
                row["headline"].as_str().unwrap_or("-"),
                row["snippet"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}
