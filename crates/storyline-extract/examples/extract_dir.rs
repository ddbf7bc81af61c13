//! Extracts every `*.html` page of a folder and writes `<stem>.json` files holding the
//! `ExtractedArticle` (its `articleBody` is what the extraction benchmark scorer reads).
//!
//! Usage: `cargo run -p storyline-extract --example extract_dir -- IN_DIR OUT_DIR`

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        return Err("usage: extract_dir IN_DIR OUT_DIR".into());
    };
    std::fs::create_dir_all(output)?;
    let mut paths: Vec<_> = std::fs::read_dir(input)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "html"))
        .collect();
    paths.sort();
    let started = Instant::now();
    let (mut ok, mut not_article, mut failed) = (0, 0, 0);
    for path in &paths {
        let bytes = std::fs::read(path)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
        match storyline_extract::extract(&bytes, None, None) {
            Ok(article) => {
                if article.is_article {
                    ok += 1;
                } else {
                    not_article += 1;
                    eprintln!(
                        "{}: not an article: {:?}",
                        path.display(),
                        article.not_article_reason
                    );
                }
                let json = serde_json::to_string_pretty(&article)?;
                std::fs::write(Path::new(output).join(format!("{stem}.json")), json)?;
            }
            Err(error) => {
                failed += 1;
                eprintln!("{}: {error}", path.display());
            }
        }
    }
    eprintln!(
        "{} pages in {:.2?}: {ok} articles, {not_article} not articles, {failed} errors",
        paths.len(),
        started.elapsed()
    );
    Ok(())
}
