//! End-to-end tests of `storyline kb import|lookup|stats` on the pipeline's hand-written
//! knowledge-base fixtures, each on a fresh data directory.

mod cli_support;

use cli_support::ok;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn storyline(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storyline"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_CONFIG")
        .env_remove("STORYLINE_KB_LANGUAGES");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the storyline binary runs")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../storyline-pipeline/tests/fixtures/kb")
        .join(name)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn import_then_look_up_and_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = fixture("wikidata-sample.json");
    let dump_arg = dump.to_str().expect("UTF-8 path");
    let summary = ok(&storyline(dir.path(), &["kb", "import", dump_arg], &[]));
    let mut lines = summary.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "imported 13 entries from {dump_arg} (Wikidata JSON, plain) as source \"Wikidata\" in "
        )),
        "{summary}"
    );
    assert_eq!(
        lines.collect::<Vec<_>>(),
        [
            "skipped 1 without a name in en, 2 without a description, 2 not items",
            "1 bad lines skipped; the first:",
            &format!(
                "  {dump_arg}:14: invalid Wikidata entity: EOF while parsing a string at line 1 \
                 column 82"
            ),
        ]
    );

    let found = json(&ok(&storyline(
        dir.path(),
        &["kb", "lookup", "tories", "--json"],
        &[],
    )));
    assert_eq!(found[0]["id"], "Q9626");
    assert_eq!(found[0]["name"], "Conservative Party");
    assert_eq!(found[0]["kind"], "organisation");
    assert_eq!(found[0]["source"], "Wikidata");
    assert_eq!(found.as_array().map(Vec::len), Some(1));

    let text = ok(&storyline(
        dir.path(),
        &["kb", "lookup", "Douglas Adams"],
        &[],
    ));
    assert!(
        text.starts_with(
            "Q42  person  Douglas Adams: English science-fiction writer and humorist\n    \
             also: Douglas Noël Adams; Douglas Noel Adams\n    Wikidata, en, imported "
        ),
        "{text}"
    );
    let none = ok(&storyline(dir.path(), &["kb", "lookup", "Atlantis"], &[]));
    assert_eq!(none, "no knowledge-base entry is named \"Atlantis\"\n");

    // A JSONL file in Portuguese and English, languages from the environment.
    let people = fixture("newsroom-people.jsonl");
    let summary = ok(&storyline(
        dir.path(),
        &["kb", "import", people.to_str().expect("UTF-8 path")],
        &[("STORYLINE_KB_LANGUAGES", "pt,en")],
    ));
    assert!(summary.starts_with("imported 5 entries from "), "{summary}");
    let stats = json(&ok(&storyline(dir.path(), &["kb", "stats", "--json"], &[])));
    assert_eq!(stats["total"], 18);
    assert_eq!(stats["sources"][0]["source"], "Wikidata");
    assert_eq!(stats["sources"][0]["entities"], 13);
    assert_eq!(stats["sources"][1]["source"], "newsroom-people");
    assert_eq!(stats["sources"][1]["entities"], 5);
    let text = ok(&storyline(dir.path(), &["kb", "stats"], &[]));
    assert!(
        text.starts_with("18 knowledge-base entries\n  Wikidata: 13 entries, last imported "),
        "{text}"
    );
}

#[test]
fn the_languages_flag_overrides_the_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = fixture("wikidata-sample.json");
    let summary = ok(&storyline(
        dir.path(),
        &[
            "kb",
            "import",
            dump.to_str().expect("UTF-8 path"),
            "--languages",
            "pt,en",
        ],
        &[("STORYLINE_KB_LANGUAGES", "ja")],
    ));
    assert!(summary.starts_with("imported 14 entries"), "{summary}");
    let found = json(&ok(&storyline(
        dir.path(),
        &["kb", "lookup", "BRASIL", "--json"],
        &[],
    )));
    assert_eq!(found[0]["language"], "pt");
}

#[test]
fn a_file_that_is_no_dump_fails_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("page.html");
    std::fs::write(&page, "<!doctype html><title>Not a dump</title>\n").expect("write");
    let output = storyline(
        dir.path(),
        &["kb", "import", page.to_str().expect("UTF-8 path")],
        &[],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: knowledge-base import failed: {}: not a knowledge-base dump: line 1 starts \
             with '<', expected a Wikidata JSON dump or JSONL records (plain, gzip or bzip2)",
            page.display()
        )
    );
}

/// A knowledge base imported before the coverage arrives describes the entities the coverage
/// gives no role for, and says where the text came from; a role seen in the coverage still
/// wins. Every card lands in the entity index for entity pages.
#[test]
fn cards_take_descriptions_from_the_knowledge_base() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kb = dir.path().join("newsroom-places.jsonl");
    std::fs::write(
        &kb,
        concat!(
            r#"{"id":"place-chile","name":"Chile","aliases":["Republic of Chile"],"description":"country in western South America","kind":"place","language":"en"}"#,
            "\n",
            r#"{"id":"person-ndlovu","name":"Sipho Ndlovu","description":"retired footballer","kind":"person","language":"en"}"#,
            "\n"
        ),
    )
    .expect("write the knowledge base");
    let data = dir.path().join("data");
    ok(&storyline(
        &data,
        &["kb", "import", kb.to_str().expect("UTF-8 path")],
        &[],
    ));
    ok(&storyline(&data, &["demo", "--top", "0"], &[]));

    let stories = json(&ok(&storyline(&data, &["stories", "--json"], &[])));
    let mut chile = None;
    let mut ndlovu = None;
    for story in stories.as_array().expect("a list of stories") {
        let id = story["id"].as_str().expect("an id");
        let brief = json(&ok(&storyline(
            &data,
            &["brief", id, "--format", "json"],
            &[],
        )));
        for card in brief["more_on_these_topics"].as_array().expect("cards") {
            match card["name"].as_str() {
                Some("Chile") => chile = Some(card.clone()),
                Some("Sipho Ndlovu") => ndlovu = Some(card.clone()),
                _ => {}
            }
        }
    }
    let chile = chile.expect("the dam story has a card for Chile");
    assert_eq!(
        chile["description"],
        "Chile: Country in western South America."
    );
    assert_eq!(chile["kind"], "place");
    assert_eq!(chile["description_source"]["kind"], "knowledge_base");
    assert_eq!(chile["description_source"]["name"], "newsroom-places");
    // The coverage calls him the district fire chief: that role beats a namesake's entry.
    let ndlovu = ndlovu.expect("the wildfire story has a card for Sipho Ndlovu");
    let description = ndlovu["description"].as_str().unwrap_or_default();
    assert!(description.contains("fire chief"), "{description}");
    assert_eq!(ndlovu["description_source"]["kind"], "coverage");
}
