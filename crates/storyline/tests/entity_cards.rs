//! Snapshots of the "More on these topics" cards and "Go deeper" questions of the two
//! invented corpora (the demo's and the developing flood's), written by the binary into a
//! fresh store: a change to entity reading, linking, salience or descriptions shows here as
//! a reviewed diff (`cargo insta review`).

mod cli_support;

use cli_support::ok;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use storyline_model::{Brief, DescriptionSource, GoDeeperLink};
use storyline_store::{SqliteStore, Store};

fn storyline(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_CONFIG")
        .output()
        .expect("the storyline binary runs")
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Each story's cards and questions, by headline: what a reader sees, without the times of
/// writing.
fn cards_of_store(dir: &Path) -> Value {
    let store = SqliteStore::open(dir).expect("the store opens");
    let mut briefs: Vec<Brief> = store
        .stories()
        .expect("stories are listed")
        .iter()
        .filter_map(|story| store.latest_brief(&story.id).expect("briefs are read"))
        .collect();
    briefs.sort_by(|a, b| a.headline.cmp(&b.headline));
    Value::Array(
        briefs
            .iter()
            .map(|brief| {
                let cards: Vec<Value> = brief
                    .more_on_these_topics
                    .iter()
                    .map(|card| {
                        let source = match &card.description_source {
                            DescriptionSource::Coverage { source, .. } => {
                                format!("source {source}")
                            }
                            DescriptionSource::KnowledgeBase { name, .. } => name.clone(),
                        };
                        json!({
                            "name": card.name,
                            "kind": card.kind.as_str(),
                            "aliases": card.aliases,
                            "description": card.description,
                            "from": source,
                        })
                    })
                    .collect();
                let questions: Vec<Value> = brief
                    .go_deeper
                    .iter()
                    .map(|q| {
                        let answer = match &q.link {
                            GoDeeperLink::Story { headline, .. } => format!("story: {headline}"),
                            GoDeeperLink::Entity { name, .. } => format!("entity: {name}"),
                            GoDeeperLink::Timeline { .. } => "timeline".to_string(),
                        };
                        json!({ "question": q.question, "answer": answer })
                    })
                    .collect();
                json!({ "headline": brief.headline, "cards": cards, "go_deeper": questions })
            })
            .collect(),
    )
}

#[test]
fn demo_corpus_cards() {
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline(dir.path(), &["demo", "--top", "0"]));
    insta::assert_json_snapshot!("demo-cards", cards_of_store(dir.path()));
}

#[test]
fn developing_corpus_cards() {
    let dir = tempfile::tempdir().unwrap();
    let file = repository().join("demo/developing/developing.jsonl");
    ok(&storyline(
        dir.path(),
        &["import", file.to_str().unwrap(), "--quiet"],
    ));
    insta::assert_json_snapshot!("developing-cards", cards_of_store(dir.path()));
}
