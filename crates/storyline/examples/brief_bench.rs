//! Brief-writing benchmark over a store made by `storyline demo` or `storyline import`: the
//! extractive engine's briefs per second, and, with the `local-llm` feature and a model, the
//! local engine's tokens per second, seconds per brief and how much of its text survived the
//! trust checks. `bench/briefs.sh` builds the stores and runs this.
//!
//! Usage: `brief_bench DATA_DIR [--rounds N] [--model FILE.gguf] [--threads T]
//! [--max-stories K] [--context TOKENS] [--min-articles N]`
//!
//! Each story's brief is written from the same context the pipeline would build; nothing is
//! saved, so the store is left as it was.

use anyhow::{Context, Result, bail};
use chrono::Utc;
use std::path::PathBuf;
use std::time::Instant;
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::{BriefContext, StoryProfiles, story_context, write_checked};
use storyline_store::{SqliteStore, Store};

/// Lower bounds of the story-size groups the extractive timing is broken down by.
const SIZE_BUCKETS: [usize; 5] = [1, 4, 16, 32, 64];

struct Options {
    data_dir: PathBuf,
    rounds: usize,
    model: Option<PathBuf>,
    threads: usize,
    max_stories: usize,
    context_tokens: u32,
    /// Stories whose writer input is smaller are left out (to time big stories alone).
    min_articles: usize,
}

fn options() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        data_dir: PathBuf::new(),
        rounds: 20,
        model: None,
        threads: 2,
        max_stories: usize::MAX,
        context_tokens: 2048,
        min_articles: 0,
    };
    let mut data_dir = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--rounds" => options.rounds = value("--rounds")?.parse()?,
            "--model" => options.model = Some(PathBuf::from(value("--model")?)),
            "--threads" => options.threads = value("--threads")?.parse()?,
            "--max-stories" => options.max_stories = value("--max-stories")?.parse()?,
            "--context" => options.context_tokens = value("--context")?.parse()?,
            "--min-articles" => options.min_articles = value("--min-articles")?.parse()?,
            other if other.starts_with("--") => bail!("unknown option {other}"),
            other => data_dir = Some(PathBuf::from(other)),
        }
    }
    options.data_dir = data_dir.context("usage: brief_bench DATA_DIR [options]")?;
    Ok(options)
}

fn main() -> Result<()> {
    let options = options()?;
    let store = SqliteStore::open(&options.data_dir)
        .with_context(|| format!("cannot open the store in {}", options.data_dir.display()))?;
    let mut stories = store.stories()?;
    stories.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let profiles = StoryProfiles::build(&store, &stories)?;
    let now = Utc::now();
    let mut contexts: Vec<BriefContext> = Vec::new();
    // The context (chosen articles, related stories, knowledge) is built once per story and
    // timed apart from the writing: a poll pays it for every brief too.
    let mut context_seconds = 0f64;
    for story in &stories {
        let one = Instant::now();
        let context = story_context(&store, story, &profiles, now, false)?;
        if let Some(context) = context
            && context.articles.len() >= options.min_articles
        {
            context_seconds += one.elapsed().as_secs_f64();
            contexts.push(context);
        }
    }
    let articles: usize = contexts.iter().map(|c| c.articles.len()).sum();
    println!(
        "store {}: {} stories, {} articles",
        options.data_dir.display(),
        contexts.len(),
        articles
    );
    println!(
        "contexts: {:.1} ms a story (articles read, related stories found, knowledge looked up)",
        1000.0 * context_seconds / contexts.len().max(1) as f64
    );

    // Extractive: every story, `rounds` times, trust checks included (as in the pipeline).
    let started = Instant::now();
    let mut sentences = 0usize;
    // Seconds and briefs by the size of the writer's input: a poll touches big stories more
    // often than small ones, so their cost is what a poll's brief phase is made of.
    let mut by_size = [(0f64, 0usize); SIZE_BUCKETS.len()];
    for _ in 0..options.rounds {
        for context in &contexts {
            let one = Instant::now();
            let brief = write_checked(&ExtractiveWriter, context)?;
            sentences += brief.checks.sentences_checked as usize;
            let bucket = SIZE_BUCKETS
                .iter()
                .rposition(|&low| context.articles.len() >= low)
                .unwrap_or(0);
            by_size[bucket].0 += one.elapsed().as_secs_f64();
            by_size[bucket].1 += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let briefs = options.rounds * contexts.len();
    println!(
        "extractive: {briefs} briefs in {seconds:.2} s = {:.1} briefs/s ({:.1} ms a brief, {} sentences checked a brief)",
        briefs as f64 / seconds,
        1000.0 * seconds / briefs.max(1) as f64,
        sentences / briefs.max(1)
    );
    for (index, &(seconds, count)) in by_size.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let low = SIZE_BUCKETS[index];
        let range = match SIZE_BUCKETS.get(index + 1) {
            Some(next) => format!("{low}-{}", next - 1),
            None => format!("{low}+"),
        };
        println!(
            "  {range:>7} articles: {count:>6} briefs, {:.1} ms a brief",
            1000.0 * seconds / count as f64
        );
    }

    match &options.model {
        Some(model) => local_model(&options, model, &contexts, &profiles),
        None => {
            println!("local model: skipped (no --model)");
            Ok(())
        }
    }
}

#[cfg(feature = "local-llm")]
fn local_model(
    options: &Options,
    model: &std::path::Path,
    contexts: &[BriefContext],
    profiles: &StoryProfiles,
) -> Result<()> {
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use storyline_llm::local::{LlamaChat, LlamaSettings};
    use storyline_pipeline::brief::model::{ModelWriter, ModelWriterSettings};
    use storyline_pipeline::checks::enforce;

    let load_started = Instant::now();
    let mut settings = LlamaSettings::new(model);
    settings.threads = options.threads;
    settings.context_tokens = options.context_tokens;
    let chat = LlamaChat::load(settings)?;
    println!(
        "local model {} loaded in {:.2} s ({} threads, context {})",
        model.display(),
        load_started.elapsed().as_secs_f64(),
        options.threads,
        options.context_tokens
    );
    let writer = ModelWriter::new("local", Arc::new(chat), ModelWriterSettings::default());
    let known: BTreeSet<_> = profiles.story_ids().cloned().collect();
    let (mut prompt_tokens, mut completion_tokens, mut seconds) = (0u64, 0u64, 0f64);
    let (mut kept, mut dropped, mut fallbacks, mut sections, mut briefs) = (0, 0, 0, 0, 0);
    for context in contexts.iter().take(options.max_stories) {
        let started = Instant::now();
        let mut written = writer.write_with_usage(context)?;
        let dropped_before = written.brief.checks.failures.len();
        enforce(&mut written.brief, &context.articles, &known);
        let elapsed = started.elapsed().as_secs_f64();
        let brief = &written.brief;
        let model_sections = [
            &brief.whats_happened,
            &brief.behind_the_headline,
            &brief.what_the_papers_say,
        ];
        let from_model: usize = model_sections
            .iter()
            .filter(|s| s.fallback_engine.is_none())
            .map(|s| s.sentences.len())
            .sum();
        let fell_back = model_sections
            .iter()
            .filter(|s| s.fallback_engine.is_some())
            .count();
        let usage = written.usage.as_ref();
        let (p, c) = usage.map_or((0, 0), |u| (u.prompt_tokens, u.completion_tokens));
        println!(
            "  story {}: {} articles, {p} prompt + {c} answer tokens, {elapsed:.1} s; model sentences kept {from_model}, dropped {}, sections from the fallback {fell_back}/3",
            brief.story_id,
            context.articles.len(),
            dropped_before.max(brief.checks.failures.len()),
        );
        prompt_tokens += u64::from(p);
        completion_tokens += u64::from(c);
        seconds += elapsed;
        kept += from_model;
        dropped += brief.checks.failures.len();
        fallbacks += fell_back;
        sections += 3;
        briefs += 1;
    }
    if briefs == 0 {
        println!("local model: no story to write");
        return Ok(());
    }
    println!(
        "local model: {briefs} briefs, {:.1} s a brief; {:.0} tokens/s (prompt and answer), {:.1} answer tokens/s; model sentences kept {kept}, dropped {dropped}; {fallbacks}/{sections} sections fell back to extractive",
        seconds / briefs as f64,
        (prompt_tokens + completion_tokens) as f64 / seconds,
        completion_tokens as f64 / seconds,
    );
    Ok(())
}

#[cfg(not(feature = "local-llm"))]
fn local_model(
    _options: &Options,
    _model: &std::path::Path,
    _contexts: &[BriefContext],
    _profiles: &StoryProfiles,
) -> Result<()> {
    bail!("this build has no local model engine: run with `--features local-llm`")
}
