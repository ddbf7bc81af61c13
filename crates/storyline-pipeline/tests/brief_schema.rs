//! The published brief schema (`schema/brief.schema.json`) against real briefs: every brief
//! the pipeline writes from the fixture coverage validates, the schema rejects broken ones
//! (each at the right place), accepts the variants the extractive engine never writes, and
//! every brief keeps the product's citation and length rules.

mod briefs_support;

use briefs_support::{PipelineRun, StoredBrief, run_pipeline};
use jsonschema::Validator;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::OnceLock;
use storyline_model::{BRIEF_SCHEMA_VERSION, Brief, Citation, DescriptionSource, Sentence};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/brief.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator() -> Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the brief schema compiles")
}

/// The pipeline is run once per test binary: it is the slow part.
fn run() -> &'static PipelineRun {
    static RUN: OnceLock<PipelineRun> = OnceLock::new();
    RUN.get_or_init(run_pipeline)
}

fn errors_of(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    jsonschema::draft202012::meta::validate(&schema)
        .expect("the schema follows the 2020-12 meta-schema");
    assert_eq!(
        schema["properties"]["schema_version"]["const"],
        json!(BRIEF_SCHEMA_VERSION)
    );
}

/// Every property the schema declares carries a description: it is the documentation.
#[test]
fn every_property_is_described() {
    fn walk(node: &Value, at: &str, missing: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (name, property) in properties {
                        let described = property
                            .get("description")
                            .and_then(Value::as_str)
                            .is_some_and(|d| !d.is_empty());
                        // A property that only narrows another schema's (an allOf branch) is
                        // described where it is declared.
                        let narrows_only = property.as_object().is_some_and(|p| {
                            p.keys().all(|k| k.ends_with("Items") || k == "pattern")
                        });
                        if !described && !narrows_only {
                            missing.push(format!("{at}/properties/{name}"));
                        }
                    }
                }
                // Conditions (`if`) and their consequences only narrow properties declared
                // and described elsewhere.
                for (key, child) in map
                    .iter()
                    .filter(|(key, _)| !matches!(key.as_str(), "if" | "then" | "else"))
                {
                    walk(child, &format!("{at}/{key}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&schema(), "#", &mut missing);
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:#?}"
    );
}

#[test]
fn the_fixture_coverage_makes_three_stories_with_every_kind_of_citation() {
    let run = run();
    assert_eq!(run.articles_imported, 10);
    assert_eq!(run.copies, 1, "the Valley Courier copy of the wire story");
    assert_eq!(
        run.briefs.len(),
        3,
        "strike, deal and tram: {:?}",
        headlines(run)
    );
    for StoredBrief { brief, .. } in &run.briefs {
        let originals = brief.sources.iter().filter(|s| s.copy_of.is_none()).count();
        assert!(
            originals >= 3,
            "{}: {originals} independent sources",
            brief.headline
        );
    }
    // Without these the schema's copy and story-citation branches would go untested.
    assert!(
        run.briefs
            .iter()
            .any(|b| b.brief.sources.iter().any(|s| s.copy_of.is_some()))
    );
    let follow_up_links_back = run.briefs.iter().any(|b| {
        b.brief.how_we_got_here.iter().any(|entry| {
            entry.story_id.is_some()
                && entry.sentence.citations.iter().any(
                    |c| matches!(c, Citation::Story(id) if Some(id) == entry.story_id.as_ref()),
                )
        })
    });
    assert!(
        follow_up_links_back,
        "the deal story's timeline should cite the strike story"
    );
}

fn headlines(run: &PipelineRun) -> Vec<&str> {
    run.briefs
        .iter()
        .map(|b| b.brief.headline.as_str())
        .collect()
}

#[test]
fn every_stored_brief_validates_and_round_trips() {
    let validator = validator();
    for StoredBrief { brief, .. } in &run().briefs {
        let json = serde_json::to_value(brief).expect("a brief serialises");
        let errors = errors_of(&validator, &json);
        assert!(
            errors.is_empty(),
            "brief of {} fails the schema:\n{}",
            brief.story_id,
            errors.join("\n")
        );
        let back: Brief = serde_json::from_value(json).expect("a brief deserialises");
        assert_eq!(&back, brief);
    }
}

/// The first stored brief with a wire copy and a timeline, as JSON: the base that the
/// rejection and acceptance cases change.
fn base_brief() -> Value {
    let brief = run()
        .briefs
        .iter()
        .map(|b| &b.brief)
        .find(|b| {
            b.sources.iter().any(|s| s.copy_of.is_some())
                && !b.how_we_got_here.is_empty()
                && !b.more_on_these_topics.is_empty()
                && !b.go_deeper.is_empty()
        })
        .expect("a brief with a copy, a timeline, cards and questions");
    serde_json::to_value(brief).expect("a brief serialises")
}

/// `base` with the value at JSON `pointer` replaced (or inserted), or removed when `value`
/// is `None`.
fn changed(base: &Value, pointer: &str, value: Option<Value>) -> Value {
    let mut out = base.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer below the root");
    let target = out
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{parent} is not in the brief"));
    match (target, value) {
        (Value::Object(map), Some(v)) => {
            map.insert(key.to_string(), v);
        }
        (Value::Object(map), None) => {
            assert!(map.remove(key).is_some(), "{pointer} is not in the brief");
        }
        (Value::Array(items), value) => {
            let index: usize = key.parse().expect("an array index");
            match value {
                Some(v) => items[index] = v,
                None => {
                    items.remove(index);
                }
            }
        }
        (other, _) => panic!("{parent} is not a container: {other}"),
    }
    out
}

/// Changing `pointer` to `value` (None: removing it) makes the brief invalid, with an error
/// located at `error_at` (a JSON pointer prefix of the instance).
fn rejects(pointer: &str, value: Option<Value>, error_at: &str) {
    let validator = validator();
    let broken = changed(&base_brief(), pointer, value);
    let errors = errors_of(&validator, &broken);
    assert!(
        !errors.is_empty(),
        "{pointer} changed, yet the brief validates"
    );
    assert!(
        errors.iter().any(|e| e.starts_with(error_at)),
        "{pointer} changed: expected an error at {error_at}, got:\n{}",
        errors.join("\n")
    );
}

#[test]
fn broken_briefs_are_rejected_where_they_break() {
    let story = json!("s0123456789ab");
    rejects(
        "/whats_happened/sentences/0/citations/0",
        Some(json!({"source": 0})),
        "/whats_happened/sentences/0/citations/0",
    );
    rejects(
        "/whats_happened/sentences/0/citations/0",
        Some(json!({"source": -1})),
        "/whats_happened/sentences/0/citations/0",
    );
    rejects(
        "/whats_happened/sentences/0/citations/0",
        Some(json!({"source": "1"})),
        "/whats_happened/sentences/0/citations/0",
    );
    rejects(
        "/whats_happened/sentences/0/citations/0",
        Some(json!({"source": 1, "story": story})),
        "/whats_happened/sentences/0/citations/0",
    );
    rejects(
        "/whats_happened/sentences/0/citations/0",
        Some(json!({"story": story})),
        "/whats_happened/sentences/0/citations/0",
    );
    rejects(
        "/whats_happened/sentences/0/citations/0",
        Some(json!(1)),
        "/whats_happened/sentences/0/citations/0",
    );
    rejects(
        "/whats_happened/sentences/0/citations",
        Some(json!([])),
        "/whats_happened/sentences/0/citations",
    );
    rejects(
        "/how_we_got_here/0/sentence/citations/0",
        Some(json!({"story": "s0123"})),
        "/how_we_got_here/0/sentence/citations/0",
    );
    rejects("/what_the_papers_say", None, "");
    rejects("/checks", None, "");
    rejects("/summary", Some(json!("An unknown top-level field.")), "");
    rejects(
        "/whats_happened/tone",
        Some(json!("neutral")),
        "/whats_happened",
    );
    rejects(
        "/whats_happened/fallback_engine",
        Some(Value::Null),
        "/whats_happened/fallback_engine",
    );
    rejects("/schema_version", Some(json!(2)), "/schema_version");
    rejects("/version", Some(json!(0)), "/version");
    rejects("/story_id", Some(json!("S0123456789AB")), "/story_id");
    rejects("/story_id", Some(json!("s0123456789abc")), "/story_id");
    rejects(
        "/input_articles/0",
        Some(json!("a0123")),
        "/input_articles/0",
    );
    rejects(
        "/sources/0/article_id",
        Some(json!("b0123456789abcdef")),
        "/sources/0/article_id",
    );
    rejects("/sources/0/n", Some(json!(0)), "/sources/0/n");
    rejects("/sources/0/copy_of", Some(json!(0)), "/sources/0/copy_of");
    rejects(
        "/sources/0/published",
        Some(json!("yesterday")),
        "/sources/0/published",
    );
    rejects("/sources/0/url", Some(json!("not a url")), "/sources/0/url");
    rejects(
        "/generated_at",
        Some(json!("2025-09-14 06:00")),
        "/generated_at",
    );
    rejects("/engine/name", Some(json!("magic")), "/engine/name");
    rejects("/engine/model", None, "/engine");
    rejects(
        "/whats_happened/sentences",
        Some(json!([s(1), s(1), s(1), s(1), s(1)])),
        "/whats_happened/sentences",
    );
    rejects(
        "/how_we_got_here/0/date_precision",
        Some(json!("week")),
        "/how_we_got_here/0/date_precision",
    );
    rejects(
        "/how_we_got_here/0/date_precision",
        Some(json!("year")),
        "/how_we_got_here/0/date",
    );
    rejects(
        "/how_we_got_here/0/date",
        Some(json!("2019-06-15T00:00:00Z")),
        "/how_we_got_here/0/date",
    );
    rejects(
        "/go_deeper/0/link",
        Some(json!({"kind": "podcast", "story_id": story})),
        "/go_deeper/0/link",
    );
    rejects(
        "/go_deeper/0/link",
        Some(json!({"kind": "story", "story_id": story})),
        "/go_deeper/0/link",
    );
    rejects(
        "/go_deeper/0/link",
        Some(json!({"kind": "timeline", "story_id": story, "headline": "x"})),
        "/go_deeper/0/link",
    );
    rejects(
        "/more_on_these_topics/0/kind",
        Some(json!("animal")),
        "/more_on_these_topics/0/kind",
    );
    rejects(
        "/more_on_these_topics/0/id",
        Some(json!("Dana Whitlock")),
        "/more_on_these_topics/0/id",
    );
    rejects(
        "/more_on_these_topics/0/mentions",
        Some(json!(0)),
        "/more_on_these_topics/0/mentions",
    );
    rejects(
        "/more_on_these_topics/0/description_source",
        Some(json!({"kind": "coverage", "source": 0, "seen_at": "2025-09-08T06:30:00Z"})),
        "/more_on_these_topics/0/description_source",
    );
    rejects(
        "/more_on_these_topics/0/description_source",
        Some(json!({"kind": "knowledge_base", "name": "Wikidata"})),
        "/more_on_these_topics/0/description_source",
    );
    rejects(
        "/checks/failures",
        Some(json!([failure("no_citation")])),
        "/checks/failures",
    );
    rejects("/checks/passed", Some(json!(false)), "/checks/failures");
    rejects(
        "/checks/failures",
        Some(json!([failure("too_long")])),
        "/checks/failures/0/rule",
    );
    rejects(
        "/checks/sentences_checked",
        Some(json!(-3)),
        "/checks/sentences_checked",
    );
}

/// A sentence citing source `n`.
fn s(n: u32) -> Value {
    json!({"text": "The port handles about 1.1 million containers a year.", "citations": [{"source": n}]})
}

fn failure(rule: &str) -> Value {
    json!({"section": "whats_happened", "sentence": "The port reopened.", "rule": rule, "detail": "the sentence cites nothing"})
}

/// Changing `pointer` to `value` keeps the brief valid, and serde reads it back: the schema
/// allows what the data model can hold, not only what the extractive engine writes today.
fn accepts(pointer: &str, value: Option<Value>) {
    let validator = validator();
    let variant = changed(&base_brief(), pointer, value);
    let errors = errors_of(&validator, &variant);
    assert!(
        errors.is_empty(),
        "{pointer} changed: {}",
        errors.join("\n")
    );
    if let Err(e) = serde_json::from_value::<Brief>(variant) {
        panic!("{pointer} changed: the schema accepts what serde rejects: {e}");
    }
}

#[test]
fn variants_the_engine_does_not_write_are_still_valid() {
    let story = json!("s0123456789ab");
    accepts("/whats_happened/fallback_engine", Some(json!("extractive")));
    accepts("/whats_happened/sentences", Some(json!([])));
    accepts(
        "/engine",
        Some(
            json!({"name": "openai", "version": "1", "model": "a-local-model-q8", "prompt_version": "brief-3"}),
        ),
    );
    accepts(
        "/how_we_got_here/0/sentence/citations",
        Some(json!([{"story": story}, {"source": 1}])),
    );
    accepts("/how_we_got_here/0/date_precision", Some(json!("day")));
    accepts("/sources/0/published", Some(Value::Null));
    accepts("/sources/0/url", Some(json!("")));
    accepts("/more_on_these_topics/0/id", Some(json!("jose-alvarez-2")));
    accepts("/more_on_these_topics/0/id", Some(json!("李强")));
    accepts(
        "/more_on_these_topics/0/description_source",
        Some(
            json!({"kind": "knowledge_base", "name": "Wikidata", "imported_at": "2025-06-01T00:00:00Z"}),
        ),
    );
    accepts(
        "/go_deeper/0/link",
        Some(json!({"kind": "entity", "entity_id": "dana-whitlock", "name": "Dana Whitlock"})),
    );
    accepts(
        "/go_deeper/0/link",
        Some(json!({"kind": "story", "story_id": story, "headline": "Port strike begins"})),
    );
    accepts(
        "/checks",
        Some(
            json!({"passed": false, "sentences_checked": 12, "failures": [failure("number_not_found")]}),
        ),
    );
}

/// Every source number a sentence cites exists, and every story it cites is stored.
fn check_citations(
    brief: &Brief,
    section: &str,
    sentence: &Sentence,
    story_citations_allowed: bool,
    stories: &std::collections::BTreeSet<storyline_model::StoryId>,
) {
    let where_ = format!("{} / {section}: {:?}", brief.story_id, sentence.text);
    assert!(!sentence.citations.is_empty(), "{where_}: no citation");
    for citation in &sentence.citations {
        match citation {
            Citation::Source(n) => assert!(
                (1..=brief.sources.len()).contains(&(*n as usize)),
                "{where_}: source [{n}] of {}",
                brief.sources.len()
            ),
            Citation::Story(id) => {
                assert!(story_citations_allowed, "{where_}: cites story {id}");
                assert!(stories.contains(id), "{where_}: cites unknown story {id}");
            }
        }
    }
}

#[test]
fn every_brief_keeps_the_citation_and_length_rules() {
    let run = run();
    for StoredBrief { brief, .. } in &run.briefs {
        let id = &brief.story_id;
        for (section, prose) in [
            ("whats_happened", &brief.whats_happened),
            ("behind_the_headline", &brief.behind_the_headline),
            ("what_the_papers_say", &brief.what_the_papers_say),
        ] {
            for sentence in &prose.sentences {
                check_citations(brief, section, sentence, false, &run.story_ids);
            }
        }
        for entry in &brief.how_we_got_here {
            check_citations(
                brief,
                "how_we_got_here",
                &entry.sentence,
                true,
                &run.story_ids,
            );
        }
        for (i, source) in brief.sources.iter().enumerate() {
            assert_eq!(source.n as usize, i + 1, "{id}: source numbering");
            if let Some(original) = source.copy_of {
                assert!(
                    original >= 1 && original < source.n,
                    "{id}: source {} is a copy of [{original}]",
                    source.n
                );
            }
        }
        for card in &brief.more_on_these_topics {
            if let DescriptionSource::Coverage { source, .. } = card.description_source {
                assert!(
                    (1..=brief.sources.len()).contains(&(source as usize)),
                    "{id}: card {} cites [{source}]",
                    card.id
                );
            }
        }
        assert!(
            brief.checks.passed,
            "{id}: checks failed: {:#?}",
            brief.checks.failures
        );
        assert!(
            (1..=4).contains(&brief.whats_happened.sentences.len()),
            "{id}: {} sentences in What's happened",
            brief.whats_happened.sentences.len()
        );
        assert!(
            brief.go_deeper.len() <= 5,
            "{id}: {} Go deeper questions",
            brief.go_deeper.len()
        );
        assert!(
            brief.more_on_these_topics.len() <= 6,
            "{id}: {} topic cards",
            brief.more_on_these_topics.len()
        );
        assert!(
            !brief.behind_the_headline.is_empty() && !brief.what_the_papers_say.is_empty(),
            "{id}: an empty prose section"
        );
    }
}
