//! Reading the clustering benchmark files, shared by the `cluster_bench` and
//! `cluster_stream_bench` examples: lines through the pipeline's own import parser, keyed by
//! their `id`, and the deterministic shuffle both use so that the same seed gives the same
//! order.

use chrono::Utc;
use std::io::{BufRead, BufReader};
use storyline_model::{Article, ArticleId};
use storyline_pipeline::ingest::article_from_json_line;

/// Every article of a benchmark JSONL file, in file order.
pub fn read_articles(input: &str) -> Result<Vec<Article>, String> {
    let file = std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?;
    let mut articles = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{input}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        articles.push(bench_article(&line).map_err(|e| format!("{input}:{}: {e}", number + 1))?);
    }
    Ok(articles)
}

/// An article from a benchmark line, read by the pipeline's own import parser, keyed by the
/// line's `id` so the output can be scored against the gold file.
fn bench_article(line: &str) -> Result<Article, String> {
    let mut article = article_from_json_line(line, Utc::now())?;
    if let Some(id) = article.extra.get("id").and_then(|v| v.as_str()) {
        article.id = ArticleId(id.to_string());
    }
    Ok(article)
}

/// Fisher–Yates with SplitMix64: a fixed order per seed, no extra dependency.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
