//! End-to-end tests of `storyline entities` on files written by the tests (invented names):
//! CoNLL columns in and out, plain text to tab-separated lines and JSON, and one-line errors
//! naming the file (and line) for bad input.

mod cli_support;

use cli_support::ok;
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

/// The error line of a failed command.
fn failure(output: &Output) -> String {
    assert!(!output.status.success(), "should fail");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

const CONLL: &str = "-DOCSTART- -X- O\n\nAnna NNP B-PER\nPetrova NNP I-PER\nflew VBD O\n\
                     to TO O\nOslo NNP B-LOC\n. . O\n\nShe PRP O\nsmiled VBD O\n";

#[test]
fn conll_lines_get_a_tag_appended() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "in.conll", CONLL);
    let stdout = ok(&storyline(&["entities", "--conll", &input]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), CONLL.lines().count());
    assert_eq!(lines[0], "-DOCSTART- -X- O");
    assert_eq!(lines[1], "");
    assert_eq!(lines[2], "Anna NNP B-PER B-PER");
    assert_eq!(lines[3], "Petrova NNP I-PER I-PER");
    assert_eq!(lines[4], "flew VBD O O");
    assert_eq!(lines[6], "Oslo NNP B-LOC B-LOC");
    assert_eq!(lines[8], "");
    assert_eq!(lines[10], "smiled VBD O O");
}

#[test]
fn conll_output_goes_to_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "in.conll", "Anna\nPetrova\nsmiled\n");
    let output = dir.path().join("out.conll");
    let stdout = ok(&storyline(&[
        "entities",
        "--conll",
        &input,
        "--output",
        output.to_str().expect("UTF-8"),
    ]));
    assert!(stdout.is_empty());
    let written = std::fs::read_to_string(&output).expect("written");
    assert_eq!(written, "Anna B-PER\nPetrova I-PER\nsmiled O\n");
}

#[test]
fn plain_text_lists_names_with_offsets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "Anna Petrova flew from Oslo to meet officials of the European Union.\n";
    let input = write(dir.path(), "story.txt", text);
    let stdout = ok(&storyline(&["entities", &input]));
    assert_eq!(
        stdout,
        "0\t12\tperson\tAnna Petrova\n23\t27\tplace\tOslo\n53\t67\torganisation\tEuropean Union\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&storyline(&["entities", &input, "--json"]))).expect("JSON");
    assert_eq!(
        json[0],
        serde_json::json!({"text": "Anna Petrova", "kind": "person", "start": 0, "end": 12})
    );
    assert_eq!(json.as_array().map(Vec::len), Some(3));
}

#[test]
fn a_missing_file_is_named() {
    let err = failure(&storyline(&["entities", "/nonexistent/story.txt"]));
    assert!(err.contains("cannot read /nonexistent/story.txt"), "{err}");
    let err = failure(&storyline(&[
        "entities",
        "--conll",
        "/nonexistent/in.conll",
    ]));
    assert!(err.contains("/nonexistent/in.conll"), "{err}");
}

#[test]
fn a_malformed_conll_line_is_named_with_its_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "bad.conll", "Anna\n  Petrova\n");
    let err = failure(&storyline(&["entities", "--conll", &input]));
    assert!(err.contains(&format!("{input}:2:")), "{err}");
    let input = dir.path().join("latin1.conll");
    std::fs::write(&input, b"Anna\nP\xe9trova\n").expect("write");
    let err = failure(&storyline(&[
        "entities",
        "--conll",
        input.to_str().expect("UTF-8"),
    ]));
    assert!(err.contains("latin1.conll:2: not UTF-8"), "{err}");
}

#[test]
fn a_corrupt_model_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = write(
        dir.path(),
        "model.bin",
        "STORYNER but nothing after the magic bytes....",
    );
    let text = write(dir.path(), "story.txt", "Anna Petrova\n");
    let err = failure(&storyline(&["entities", &text, "--model", &model]));
    assert!(err.contains("model.bin"), "{err}");
    assert!(err.contains("not a storyline entity model"), "{err}");
    let mut bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../storyline-nlp/models/ner-conll2003.bin"
    ))
    .expect("the shipped model file");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    std::fs::write(dir.path().join("model.bin"), bytes).expect("write");
    let err = failure(&storyline(&["entities", &text, "--model", &model]));
    assert!(err.contains("model.bin: entity model is corrupt"), "{err}");
}
