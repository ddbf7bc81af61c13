//! The `local` brief engine end to end, with real weights: the binary (built with the
//! `local-llm` feature) imports the developing-story corpus and writes every brief with
//! SmolLM2-135M-Instruct through llama.cpp. Whatever the small model gets wrong, each stored
//! brief must pass the trust checks, render all six sections, and record the engine, the
//! model file and the prompt version.
//!
//! Needs `STORYLINE_LOCAL_MODEL` (scripts/setup-models.sh prints it); without it the test
//! says so and passes, unless `STORYLINE_REQUIRE_MODELS=1` (set by scripts/test.sh and CI).

#![cfg(feature = "local-llm")]

mod cli_support;

use cli_support::ok;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn model() -> Option<PathBuf> {
    match std::env::var_os("STORYLINE_LOCAL_MODEL") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("STORYLINE_REQUIRE_MODELS").as_deref() == Ok("1") => {
            panic!("STORYLINE_REQUIRE_MODELS=1 but STORYLINE_LOCAL_MODEL is not set")
        }
        None => {
            eprintln!("skipped: set STORYLINE_LOCAL_MODEL (scripts/setup-models.sh prints it)");
            None
        }
    }
}

fn storyline(data_dir: &Path, model: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("STORYLINE_CONFIG")
        .env("STORYLINE_BRIEF_ENGINE", "local")
        .env("STORYLINE_LOCAL_MODEL", model)
        .env("STORYLINE_LOCAL_THREADS", "1")
        .output()
        .expect("the storyline binary runs")
}

#[test]
fn the_local_model_writes_checked_briefs() {
    let Some(model) = model() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/developing/developing.jsonl");
    ok(&storyline(
        dir.path(),
        &model,
        &["import", corpus.to_str().expect("UTF-8 path")],
    ));
    let stories: serde_json::Value =
        serde_json::from_str(&ok(&storyline(dir.path(), &model, &["stories", "--json"])))
            .expect("stories JSON");
    let stories = stories.as_array().expect("a list");
    assert!(stories.len() >= 4, "{stories:?}");
    let model_file = model
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a model file name");
    let (mut from_model, mut dropped) = (0, 0);
    for story in stories {
        let id = story["id"].as_str().expect("an id");
        let brief: serde_json::Value = serde_json::from_str(&ok(&storyline(
            dir.path(),
            &model,
            &["brief", id, "--format", "json"],
        )))
        .expect("brief JSON");
        assert_eq!(brief["engine"]["name"], "local");
        assert_eq!(brief["engine"]["model"], model_file);
        assert_eq!(brief["engine"]["prompt_version"], "brief-v1");
        assert_eq!(brief["checks"]["passed"], true, "{id}: {}", brief["checks"]);
        for section in [
            "whats_happened",
            "behind_the_headline",
            "what_the_papers_say",
        ] {
            let section = &brief[section];
            let sentences = section["sentences"].as_array().expect("sentences");
            for sentence in sentences {
                assert!(
                    !sentence["citations"]
                        .as_array()
                        .expect("citations")
                        .is_empty(),
                    "{id}: uncited {sentence}"
                );
            }
            if section.get("fallback_engine").is_none() {
                from_model += sentences.len();
            }
        }
        dropped += brief["checks"]["failures"].as_array().map_or(0, Vec::len);
        let markdown = ok(&storyline(dir.path(), &model, &["brief", id]));
        assert!(markdown.contains("## What's happened"), "{markdown}");
        assert!(markdown.contains("## More on these topics") || stories.len() > 1);
    }
    eprintln!(
        "local engine over {} stories: {from_model} model sentences kept, {dropped} dropped",
        stories.len()
    );
}
