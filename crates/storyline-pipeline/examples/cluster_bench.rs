//! Streams a clustering benchmark file (JSON lines with `id`, `title`, `text`, `date`,
//! `source`, `url`) through the [`Clusterer`] and writes `{"id","story"}` lines for the
//! scorer: each article's story after the whole stream, so that merged stories count as
//! one (the merged id resolves to the surviving story).
//!
//! Usage: `cargo run -p storyline-pipeline --example cluster_bench -- IN.jsonl OUT.jsonl
//! [--shuffle SEED] [--threshold X] [--short-threshold X] [--merge-threshold X]
//! [--short-merge-threshold X] [--proper-weight X] [--title-weight X] [--lead-words N]
//! [--lead-paragraphs N]`. Articles are taken in file order, or in a deterministic shuffled
//! order with `--shuffle` (file order groups stories together, which flatters any online
//! method), then put in publication order as `storyline cluster` does (`stream_order`).

use std::io::{BufWriter, Write};
use std::time::Instant;
use storyline_pipeline::cluster::{ClusterConfig, Clusterer, stream_order};
#[path = "bench_input/mod.rs"]
mod bench_input;
use bench_input::{read_articles, shuffle};

fn main() {
    if let Err(message) = run() {
        eprintln!("cluster_bench: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        return Err(
            "usage: cluster_bench IN.jsonl OUT.jsonl [--shuffle SEED] [--threshold X] [--short-threshold X] [--merge-threshold X] [--short-merge-threshold X] [--proper-weight X] [--title-weight X] [--lead-words N] [--lead-paragraphs N]".into(),
        );
    };
    let mut config = ClusterConfig::default();
    let mut shuffle_seed = None;
    let mut rest = args.iter().skip(2);
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--shuffle" => {
                shuffle_seed = Some(
                    value
                        .parse::<u64>()
                        .map_err(|e| format!("--shuffle {value}: {e}"))?,
                )
            }
            "--threshold" => {
                config.threshold = value
                    .parse()
                    .map_err(|e| format!("--threshold {value}: {e}"))?
            }
            "--proper-weight" => {
                config.proper_weight = value
                    .parse()
                    .map_err(|e| format!("--proper-weight {value}: {e}"))?
            }
            "--title-weight" => {
                config.title_weight = value
                    .parse()
                    .map_err(|e| format!("--title-weight {value}: {e}"))?
            }
            "--short-threshold" => {
                config.short_threshold = value
                    .parse()
                    .map_err(|e| format!("--short-threshold {value}: {e}"))?
            }
            "--merge-threshold" => {
                config.merge_threshold = value
                    .parse()
                    .map_err(|e| format!("--merge-threshold {value}: {e}"))?
            }
            "--short-merge-threshold" => {
                config.short_merge_threshold = value
                    .parse()
                    .map_err(|e| format!("--short-merge-threshold {value}: {e}"))?
            }
            "--lead-words" => {
                config.lead_words = value
                    .parse()
                    .map_err(|e| format!("--lead-words {value}: {e}"))?
            }
            "--lead-paragraphs" => {
                config.lead_paragraphs = value
                    .parse()
                    .map_err(|e| format!("--lead-paragraphs {value}: {e}"))?
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }

    let mut articles = read_articles(input)?;
    if let Some(seed) = shuffle_seed {
        shuffle(&mut articles, seed);
    }
    // Fed as `storyline cluster` feeds them: in publication order.
    let articles = stream_order(articles);

    let started = Instant::now();
    let mut clusterer = Clusterer::new(config);
    for article in &articles {
        clusterer.assign(article);
    }
    clusterer.finish();
    let seconds = started.elapsed().as_secs_f64();
    // Each article's story after the stream: stories merged later point to the survivor.
    let assignments: Vec<(String, String)> = articles
        .iter()
        .map(|a| {
            let story = clusterer.story_of(&a.id).map(|s| s.0.clone());
            (a.id.0.clone(), story.unwrap_or_default())
        })
        .collect();

    let out = std::fs::File::create(output).map_err(|e| format!("{output}: {e}"))?;
    let mut out = BufWriter::new(out);
    for (id, story) in assignments {
        let line = serde_json::json!({"id": id, "story": story});
        writeln!(out, "{line}").map_err(|e| format!("{output}: {e}"))?;
    }
    eprintln!(
        "{} articles, {} stories, {:.3} s, {:.0} articles/s",
        articles.len(),
        clusterer.story_count(),
        seconds,
        articles.len() as f64 / seconds.max(1e-9)
    );
    Ok(())
}
