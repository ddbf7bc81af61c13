//! End-to-end tests of `storyline timeline` on files written by the tests (an invented dam
//! breach): the Timeline17 contract (at most N distinct days in the span, at most K of the
//! input's sentences each, one JSON line a day in date order), a bad line costing only its
//! article, and one-line errors for bad arguments.

mod cli_support;

use cli_support::ok;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn storyline(args: &[&str]) -> Output {
    cli_support::storyline_without_store(args)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.to_str().expect("UTF-8 path").to_string()
}

/// Six reports over a week, one sentence a line as in Timeline17, one of them in the import
/// line format with running text, and one line that is not JSON.
const ARTICLES: &str = r#"{"id": "w1", "date": "2025-06-03", "title": null, "text": "The Orran dam breached before dawn and flooded three villages downstream .\nRescue crews pulled forty people from rooftops in the valley .\nThe regional governor declared an emergency across the valley ."}
{"id": "w2", "date": "2025-06-03", "title": "Dam breach floods valley", "text": "Floodwater from the breached Orran dam swept through three villages overnight .\nHundreds of residents spent the night in a school gym ."}
{"id": "w3", "date": "2025-06-05", "title": null, "text": "Prosecutors opened an inquiry into the dam operator on Thursday .\nThe operator said its inspections had found no weakness in the wall ."}
not json at all
{"url": "https://example.org/orran-cracks", "published": "2025-06-09T08:00:00Z", "title": "Cracks were reported months before", "text": "Engineers said cracks in the wall were reported months before the dam breached on June 3. The inquiry opened on June 5 has asked for the operator's inspection records. Families returned to mud-filled homes along the river this weekend."}
{"id": "w5", "date": "2025-06-10", "title": null, "text": "The operator 's chief executive resigned on Tuesday after the inquiry widened .\nThe inquiry into the dam breach will report in the autumn ."}
{"id": "w6", "date": "2025-05-20", "title": null, "text": "Before the span : engineers inspected the Orran dam wall on May 20 ."}
"#;

fn timeline(dir: &Path, extra: &[&str]) -> (Vec<Value>, String) {
    let input = write(dir, "articles.jsonl", ARTICLES);
    let out = dir.join("timeline.jsonl");
    let mut args = vec![
        "timeline",
        "--articles",
        &input,
        "--start",
        "2025-06-01",
        "--end",
        "2025-06-30",
        "--dates",
        "3",
        "--sentences",
        "2",
        "--out",
        out.to_str().expect("UTF-8 path"),
    ];
    args.extend_from_slice(extra);
    let output = storyline(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    ok(&output);
    let lines = std::fs::read_to_string(&out)
        .expect("timeline written")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    (lines, stderr)
}

#[test]
fn the_timeline_keeps_the_contract_and_tells_the_days_that_mattered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (lines, stderr) = timeline(dir.path(), &[]);
    // The bad line is reported with its file and line number, and costs only itself.
    assert!(stderr.contains("articles.jsonl:4: not JSON"), "{stderr}");
    let dates: Vec<&str> = lines.iter().map(|l| l["date"].as_str().unwrap()).collect();
    assert!(dates.len() <= 3 && !dates.is_empty(), "{dates:?}");
    assert!(
        dates.windows(2).all(|w| w[0] < w[1]),
        "distinct, in order: {dates:?}"
    );
    assert!(
        dates
            .iter()
            .all(|d| ("2025-06-01".."2025-07-01").contains(d))
    );
    // The breach day and the inquiry day: both reported, both recalled later.
    assert_eq!(dates[..2], ["2025-06-03", "2025-06-05"]);
    for line in &lines {
        let sentences = line["sentences"].as_array().unwrap();
        let sources = line["sources"].as_array().unwrap();
        assert!(!sentences.is_empty() && sentences.len() <= 2);
        assert_eq!(sentences.len(), sources.len());
        for sentence in sentences {
            let sentence = sentence.as_str().unwrap();
            assert!(
                ARTICLES.contains(sentence),
                "every sentence is the input's: {sentence}"
            );
        }
    }
}

#[test]
fn keywords_limit_what_is_told() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (lines, _) = timeline(dir.path(), &["--keywords", "inquiry,prosecutors"]);
    assert!(!lines.is_empty());
    for line in &lines {
        for sentence in line["sentences"].as_array().unwrap() {
            let lower = sentence.as_str().unwrap().to_lowercase();
            assert!(
                lower.contains("inquiry") || lower.contains("prosecutors"),
                "{lower}"
            );
        }
    }
}

#[test]
fn bad_arguments_fail_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "articles.jsonl", ARTICLES);
    let reversed = storyline(&[
        "timeline",
        "--articles",
        &input,
        "--start",
        "2025-06-30",
        "--end",
        "2025-06-01",
        "--dates",
        "3",
        "--sentences",
        "2",
    ]);
    assert!(!reversed.status.success());
    let stderr = String::from_utf8_lossy(&reversed.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("before --start"), "{stderr}");

    let missing = dir.path().join("absent.jsonl");
    let missing = storyline(&[
        "timeline",
        "--articles",
        missing.to_str().unwrap(),
        "--start",
        "2025-06-01",
        "--end",
        "2025-06-30",
        "--dates",
        "3",
        "--sentences",
        "2",
    ]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("absent.jsonl"), "{stderr}");
}
