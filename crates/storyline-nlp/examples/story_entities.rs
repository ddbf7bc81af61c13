//! Prints the entities [`storyline_nlp::story_entities`] finds in one story: reads JSON
//! lines `{"headline": .., "body": .., "outlet": ..}` (one article each) from standard
//! input and prints each entity with its kind, salience, counts, aliases and stated roles.
//! A tool for reading what the card writer works from on real coverage:
//!
//! ```text
//! sqlite3 -json STORE.db "SELECT a.headline, a.article_body AS body, a.publisher AS outlet \
//!   FROM articles a JOIN story_articles s ON s.article_id = a.id WHERE s.story_id = 'ID'" \
//!   | python3 -c 'import json,sys; [print(json.dumps(r)) for r in json.load(sys.stdin)]' \
//!   | cargo run --release -p storyline-nlp --example story_entities
//! ```

use std::io::BufRead;
use storyline_nlp::story_entities::{StoryArticleText, story_entities};

fn main() {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.unwrap_or_else(|err| panic!("standard input: {err}"));
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("line {}: not JSON: {err}", number + 1));
        let field = |name: &str| value[name].as_str().unwrap_or_default().to_string();
        rows.push((field("headline"), field("body"), field("outlet")));
    }
    let texts: Vec<StoryArticleText<'_>> = rows
        .iter()
        .map(|(headline, body, outlet)| StoryArticleText {
            headline,
            body,
            outlet,
        })
        .collect();
    let model = storyline_nlp::ner::shipped().expect("the shipped model loads");
    for entity in story_entities(model, &texts) {
        println!(
            "{:6.2} {:<30} {:<12} salient={} mentions={} articles={} headlines={} leads={} aliases={:?}",
            entity.salience,
            entity.name,
            entity.kind.as_str(),
            entity.is_salient(texts.len()),
            entity.mentions,
            entity.articles.len(),
            entity.headline_articles,
            entity.lead_articles,
            entity.aliases,
        );
        for role in &entity.roles {
            println!("         role [{}] {}", role.article, role.text);
        }
    }
}
