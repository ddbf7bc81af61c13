//! `storyline extract` and `storyline cluster`: the pipeline's extraction and clustering
//! stages run on files, without a data directory (for checking, benchmarks and scripting).

use crate::cli::{ClusterArgs, ExtractArgs};
use crate::output::{self, LineOutput, errln, outln};
use anyhow::{Context, Result, bail};
use chrono::Utc;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use storyline_pipeline::cluster::{ClusterConfig, Clusterer, headline_embeddings, stream_order};
use storyline_pipeline::ingest::article_from_json_line;

pub fn extract(args: ExtractArgs) -> Result<()> {
    let mut files = Vec::new();
    for path in &args.paths {
        collect_html(path, &mut files)?;
    }
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let next = Mutex::new(0usize);
    let failures = Mutex::new(0usize);
    let stdout_failed = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let index = {
                        let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
                        let index = *next;
                        *next += 1;
                        index
                    };
                    let Some(file) = files.get(index) else { break };
                    match extract_one(file, &args) {
                        Ok(()) => {}
                        // Every later file would fail the same way: stop them all.
                        Err(err) if output::stdout_error(&err).is_some() => {
                            *next.lock().unwrap_or_else(|e| e.into_inner()) = files.len();
                            *stdout_failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(err);
                            break;
                        }
                        Err(err) => {
                            errln!("warning: {err:#}");
                            *failures.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = stdout_failed
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
    {
        return Err(err);
    }
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    if failures == files.len() && !files.is_empty() {
        bail!("no file could be extracted ({failures} failures)");
    }
    Ok(())
}

fn extract_one(file: &Path, args: &ExtractArgs) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let article = storyline_extract::extract(&bytes, None, args.url.as_deref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let json = serde_json::to_string(&article)?;
    match &args.output_dir {
        Some(dir) => {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "page".into());
            let target = dir.join(format!("{stem}.json"));
            // Written to a temporary name first so a crash never leaves half a file.
            let partial = dir.join(format!(".{stem}.json.partial"));
            std::fs::write(&partial, json)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            std::fs::rename(&partial, &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        None => outln!("{json}")?,
    }
    Ok(())
}

fn collect_html(path: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let is_html = entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        if entry.is_dir() {
            collect_html(&entry, files)?;
        } else if is_html {
            files.push(entry);
        }
    }
    Ok(())
}

pub fn cluster(args: ClusterArgs) -> Result<()> {
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let label = args.input.display().to_string();
    let now = Utc::now();
    let mut items = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{label}:{}: cannot read", index + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        match article_from_json_line(&line, now) {
            Ok(article) => items.push(article),
            Err(cause) => errln!("warning: {label}:{}: {cause}", index + 1),
        }
    }
    let items = stream_order(items);
    let config = ClusterConfig::default();
    // Headline-sized items weigh their headlines' embeddings too, when the model is there.
    let embeddings = headline_embeddings(&config, &items);
    let mut clusterer = Clusterer::new(config);
    let mut out = LineOutput::open(args.output.as_deref())?;
    let mut assigned = Vec::with_capacity(items.len());
    for article in items {
        let embedding = embeddings.get(&article.id).map(Vec::as_slice);
        let assignment = clusterer.assign_embedded(&article, embedding);
        assigned.push((article, assignment));
    }
    clusterer.finish();
    // Stories can merge, and articles move, later in the stream: each article is reported
    // with the story it ended in (a merged story's id resolves to the survivor) and why.
    for (article, assignment) in assigned {
        let story = clusterer
            .story_of(&article.id)
            .cloned()
            .unwrap_or(assignment.story_id);
        let why = clusterer
            .reassignment(&article.id)
            .map_or(assignment.why, |moved| moved.why.clone());
        let id = article
            .extra
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| article.id.to_string());
        let line = serde_json::json!({"id": id, "story": story, "why": why});
        out.line(line)?;
    }
    out.finish()
}
