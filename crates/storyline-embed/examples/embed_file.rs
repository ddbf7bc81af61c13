//! Embeds each line of a JSONL file (`id`, `title`, `text`): the title, followed by the
//! first `--lead N` words of the text (default 0: the title alone), in batches of similar
//! length. Writes `{"id", "embedding"}` lines, in input order, for benchmarks that try the
//! embedding signal without a model in their own process.
//!
//! usage: embed_file MODEL_DIR IN.jsonl OUT.jsonl [--lead N] [--batch N]

use std::io::Write;
use std::path::Path;
use storyline_embed::Embedder;

mod example_args;
use example_args::{fail, flag};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, input, output, ..] = args.as_slice() else {
        fail("usage: embed_file MODEL_DIR IN.jsonl OUT.jsonl [--lead N] [--batch N]".into())
    };
    let lead = flag(&args, "--lead", 0);
    let batch = flag(&args, "--batch", 32).max(1);
    let text = std::fs::read_to_string(input).unwrap_or_else(|e| fail(format!("{input}: {e}")));
    let rows: Vec<(String, String)> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| fail(format!("{input}: {e}")));
            let field = |name: &str| match value.get(name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            let words: Vec<String> = field("text")
                .split_whitespace()
                .take(lead)
                .map(str::to_string)
                .collect();
            let title = field("title");
            let text = if words.is_empty() {
                title
            } else {
                format!("{title}. {}", words.join(" "))
            };
            (field("id"), text)
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].1.len());
    let embedder = Embedder::load(Path::new(model)).unwrap_or_else(|e| fail(e.to_string()));
    let mut embeddings: Vec<Vec<f32>> = vec![Vec::new(); rows.len()];
    for chunk in order.chunks(batch) {
        let texts: Vec<&str> = chunk.iter().map(|&i| rows[i].1.as_str()).collect();
        let vectors = embedder
            .embed(&texts)
            .unwrap_or_else(|e| fail(e.to_string()));
        for (&i, vector) in chunk.iter().zip(vectors) {
            embeddings[i] = vector;
        }
    }
    let file = std::fs::File::create(output).unwrap_or_else(|e| fail(format!("{output}: {e}")));
    let mut out = std::io::BufWriter::new(file);
    for ((id, _), embedding) in rows.iter().zip(&embeddings) {
        let line = serde_json::json!({ "id": id, "embedding": embedding });
        writeln!(out, "{line}").unwrap_or_else(|e| fail(format!("{output}: {e}")));
    }
    out.flush()
        .unwrap_or_else(|e| fail(format!("{output}: {e}")));
}
