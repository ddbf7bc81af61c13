//! Embedding speed on real articles: the title and the first [`LEAD_WORDS`] words of each
//! line of a JSONL file (`title`, `text`), embedded in batches of texts of similar length.
//! Prints one JSON object: texts, seconds, texts per second, batch size, threads.
//!
//! usage: embed_bench MODEL_DIR IN.jsonl [--batch N] [--limit N]
//! The thread count is candle's: `RAYON_NUM_THREADS` (default: every core).

use std::path::Path;
use std::time::Instant;
use storyline_embed::Embedder;

mod example_args;
use example_args::{fail, flag};

/// Words of an article's text read after its title, as the clusterer reads a lead.
const LEAD_WORDS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, input, ..] = args.as_slice() else {
        fail("usage: embed_bench MODEL_DIR IN.jsonl [--batch N] [--limit N]".into())
    };
    let batch = flag(&args, "--batch", 16).max(1);
    let limit = flag(&args, "--limit", usize::MAX);
    let text = std::fs::read_to_string(input).unwrap_or_else(|e| fail(format!("{input}: {e}")));
    let mut texts: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(limit)
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| fail(format!("{input}: {e}")));
            let field = |name: &str| value.get(name).and_then(|v| v.as_str()).unwrap_or("");
            let lead: Vec<&str> = field("text").split_whitespace().take(LEAD_WORDS).collect();
            format!("{}. {}", field("title"), lead.join(" "))
        })
        .collect();
    // Similar lengths together: a batch pays for its longest text.
    texts.sort_by_key(|t| t.len());
    let loaded = Instant::now();
    let embedder = Embedder::load(Path::new(model)).unwrap_or_else(|e| fail(e.to_string()));
    let load_seconds = loaded.elapsed().as_secs_f64();
    let started = Instant::now();
    for chunk in texts.chunks(batch) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        embedder
            .embed(&refs)
            .unwrap_or_else(|e| fail(e.to_string()));
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "texts": texts.len(),
            "seconds": seconds,
            "texts_per_second": texts.len() as f64 / seconds,
            "load_seconds": load_seconds,
            "batch": batch,
            "threads": std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into()),
        })
    );
}
