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
//!
//! With `--bench`, each input line is a whole story (`{"articles": [{"headline", "body",
//! "outlet"}, ...]}`), and the example times reading every story's entities with this
//! reader beside the rule-based reader it replaced on the brief path
//! (`entities::mentions` over each article, then `entities::group_mentions`), same run,
//! and prints milliseconds a story by story size.

use std::io::BufRead;
use std::time::Instant;
use storyline_nlp::entities;
use storyline_nlp::story_entities::{StoryArticleText, story_entities};

type Row = (String, String, String);

fn row_of(value: &serde_json::Value) -> Row {
    let field = |name: &str| value[name].as_str().unwrap_or_default().to_string();
    (field("headline"), field("body"), field("outlet"))
}

fn texts(rows: &[Row]) -> Vec<StoryArticleText<'_>> {
    rows.iter()
        .map(|(headline, body, outlet)| StoryArticleText {
            headline,
            body,
            outlet,
        })
        .collect()
}

/// Times both readers over every story, three rounds, and prints ms a story by size.
fn bench(stories: &[Vec<Row>]) {
    let model = storyline_nlp::ner::shipped().expect("the shipped model loads");
    let buckets: [(usize, usize, &str); 4] = [
        (1, 1, "1"),
        (2, 4, "2-4"),
        (5, 15, "5-15"),
        (16, usize::MAX, "16+"),
    ];
    println!(
        "{:>8} {:>8} {:>14} {:>14}",
        "articles", "stories", "trained ms", "rules ms"
    );
    for (low, high, label) in buckets {
        let chosen: Vec<&Vec<Row>> = stories
            .iter()
            .filter(|s| (low..=high).contains(&s.len()))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let (mut trained, mut rules) = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            let start = Instant::now();
            for story in &chosen {
                std::hint::black_box(story_entities(model, &texts(story)));
            }
            trained = trained.min(start.elapsed().as_secs_f64());
            let start = Instant::now();
            for story in &chosen {
                let docs: Vec<Vec<entities::Mention>> = story
                    .iter()
                    .map(|(headline, body, _)| entities::mentions(&format!("{headline}\n{body}")))
                    .collect();
                std::hint::black_box(entities::group_mentions(&docs));
            }
            rules = rules.min(start.elapsed().as_secs_f64());
        }
        let per = |total: f64| total * 1000.0 / chosen.len() as f64;
        println!(
            "{label:>8} {:>8} {:>14.2} {:>14.2}",
            chosen.len(),
            per(trained),
            per(rules)
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--bench") {
        let stories: Vec<Vec<Row>> = std::io::stdin()
            .lock()
            .lines()
            .map(|line| line.unwrap_or_else(|err| panic!("standard input: {err}")))
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let value: serde_json::Value =
                    serde_json::from_str(&line).unwrap_or_else(|err| panic!("not JSON: {err}"));
                value["articles"]
                    .as_array()
                    .map(|articles| articles.iter().map(row_of).collect())
                    .unwrap_or_default()
            })
            .collect();
        bench(&stories);
        return;
    }
    let mut rows: Vec<Row> = Vec::new();
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.unwrap_or_else(|err| panic!("standard input: {err}"));
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("line {}: not JSON: {err}", number + 1));
        rows.push(row_of(&value));
    }
    let texts = texts(&rows);
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
