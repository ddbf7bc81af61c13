//! Snapshots of the Markdown brief of every story of the two invented corpora (the demo's
//! and the developing flood's), written by the binary into a fresh store: every wording
//! change of the brief writer shows here as a reviewed diff (`cargo insta review`). The time
//! of writing is set to a fixed instant, so a snapshot changes only when a brief does.

mod cli_support;

use chrono::{TimeZone, Utc};
use cli_support::ok;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use storyline_model::Brief;
use storyline_pipeline::brief::to_markdown;
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

/// Every story's latest brief as Markdown, by headline, written at a fixed instant.
fn briefs_of_store(dir: &Path) -> String {
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
fn demo_corpus_briefs() {
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline(dir.path(), &["demo", "--top", "0"]));
    insta::assert_snapshot!("demo-briefs", briefs_of_store(dir.path()));
}

#[test]
fn developing_corpus_briefs() {
    let dir = tempfile::tempdir().unwrap();
    let file = repository().join("demo/developing/developing.jsonl");
    ok(&storyline(
        dir.path(),
        &["import", file.to_str().unwrap(), "--quiet"],
    ));
    insta::assert_snapshot!("developing-briefs", briefs_of_store(dir.path()));
}
