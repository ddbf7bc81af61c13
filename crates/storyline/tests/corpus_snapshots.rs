//! Snapshots of what the brief writer makes of the two invented corpora (the demo's and the
//! developing flood's), written by the binary into a fresh store: the Markdown brief of every
//! story, written at a fixed instant, and every story's "More on these topics" cards and "Go
//! deeper" questions. A change to the writer, entity reading, linking, salience or
//! descriptions shows here as a reviewed diff (`cargo insta review`); a snapshot changes only
//! when a brief does.

mod cli_support;

use chrono::{TimeZone, Utc};
use cli_support::{ok, storyline};
use serde_json::{Value, json};
use std::path::Path;
use storyline_model::{Brief, DescriptionSource, GoDeeperLink};
use storyline_pipeline::brief::to_markdown;
use storyline_store::{SqliteStore, Store};

/// Every story's latest brief, by headline (then story id).
fn latest_briefs(dir: &Path) -> Vec<Brief> {
    let store = SqliteStore::open(dir).expect("the store opens");
    let mut briefs: Vec<Brief> = store
        .stories()
        .expect("stories are listed")
        .iter()
        .filter_map(|story| store.latest_brief(&story.id).expect("briefs are read"))
        .collect();
    briefs.sort_by(|a, b| {
        a.headline
            .cmp(&b.headline)
            .then(a.story_id.cmp(&b.story_id))
    });
    briefs
}

/// The demo corpus, written by `storyline demo` into a fresh data directory.
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline(dir.path(), &["demo", "--top", "0"]));
    dir
}

/// The developing corpus, imported into a fresh data directory.
fn developing() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/developing/developing.jsonl");
    ok(&storyline(
        dir.path(),
        &["import", file.to_str().unwrap(), "--quiet"],
    ));
    dir
}

/// Each story's cards and questions, by headline: what a reader sees, without the times of
/// writing.
fn cards_of_store(dir: &Path) -> Value {
    let briefs = latest_briefs(dir);
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

/// Every story's latest brief as Markdown, by headline, written at a fixed instant.
fn briefs_of_store(dir: &Path) -> String {
    let mut briefs = latest_briefs(dir);
    let fixed = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    briefs
        .iter_mut()
        .map(|brief| {
            brief.generated_at = fixed;
            to_markdown(brief)
        })
        .collect::<Vec<_>>()
        .join("\n---\n\n")
}

#[test]
fn demo_corpus() {
    let dir = demo();
    insta::assert_snapshot!("demo-briefs", briefs_of_store(dir.path()));
    insta::assert_json_snapshot!("demo-cards", cards_of_store(dir.path()));
}

#[test]
fn developing_corpus() {
    let dir = developing();
    insta::assert_snapshot!("developing-briefs", briefs_of_store(dir.path()));
    insta::assert_json_snapshot!("developing-cards", cards_of_store(dir.path()));
}
