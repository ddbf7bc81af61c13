//! A reader that goes away (`storyline stories | head -1`) ends every command quietly with
//! exit code 0. Each test runs the real binary with stdout (and for some, stderr) a pipe
//! whose reading end is already closed, so the command's first write fails with EPIPE.

mod cli_support;

use cli_support::ok;

use std::io::pipe;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn storyline(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storyline"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_CONFIG")
        .env_remove("STORYLINE_KB_LANGUAGES");
    command
}

/// Runs `storyline ARGS` with stdout a closed pipe: it must end with exit code 0, no panic
/// and no `error:` line.
fn check(data_dir: &Path, args: &[&str]) {
    let (reader, writer) = pipe().expect("a pipe");
    drop(reader);
    let output = storyline(data_dir, args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("the storyline binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("error:"), "{args:?}: {stderr}");
}

/// Like [`check`] with stderr the same closed pipe (`storyline ARGS 2>&1 | head -1`), so
/// warnings and progress lines fail too; only the exit code can tell.
fn check_with_stderr(data_dir: &Path, args: &[&str]) {
    let (reader, writer) = pipe().expect("a pipe");
    drop(reader);
    let stderr = writer.try_clone().expect("a second pipe writer");
    let status = storyline(data_dir, args)
        .stdout(writer)
        .stderr(stderr)
        .status()
        .expect("the storyline binary runs");
    assert_eq!(status.code(), Some(0), "{args:?}");
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/corpus")
}

fn path_of(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    path.to_str().expect("UTF-8 path").to_string()
}

/// A data directory filled once by `storyline demo`, read (never written) by the reading
/// commands' tests. It lives under Cargo's target directory, which tests may leave data in.
fn demo() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
        ok(&storyline(dir.path(), &["demo", "--top", "0"])
            .output()
            .expect("the storyline binary runs"));
        dir
    })
    .path()
}

/// The id of the demo's first story.
fn demo_story() -> String {
    let listed = ok(&storyline(demo(), &["stories", "--json"])
        .output()
        .expect("the storyline binary runs"));
    let stories: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
    stories[0]["id"].as_str().expect("a story").to_string()
}

/// A fresh data directory subscribed to one of the demo's feeds, for the commands that
/// write to the store.
fn with_feed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = corpus().join("feeds/harbour-times-world.xml");
    let feed = feed.to_str().expect("UTF-8 path");
    ok(&storyline(dir.path(), &["feeds", "add", feed])
        .output()
        .expect("the storyline binary runs"));
    dir
}

fn fresh() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn stories() {
    check(demo(), &["stories"]);
}

#[test]
fn stories_json() {
    check(demo(), &["stories", "--json"]);
}

#[test]
fn brief() {
    check(demo(), &["brief", &demo_story()]);
}

#[test]
fn brief_json() {
    check(demo(), &["brief", &demo_story(), "--format", "json"]);
}

#[test]
fn brief_explain() {
    check(demo(), &["brief", &demo_story(), "--explain"]);
}

#[test]
fn search() {
    check(demo(), &["search", "mackerel"]);
}

#[test]
fn feeds_list() {
    check(demo(), &["feeds", "list"]);
}

#[test]
fn feeds_add() {
    check(
        fresh().path(),
        &["feeds", "add", "https://news.example/feed.xml"],
    );
}

#[test]
fn feeds_import() {
    let opml = corpus().join("feeds.opml");
    check(fresh().path(), &["feeds", "import", opml.to_str().unwrap()]);
}

#[test]
fn demo_run() {
    check(fresh().path(), &["demo"]);
}

#[test]
fn demo_with_stderr_closed() {
    check_with_stderr(fresh().path(), &["demo"]);
}

#[test]
fn fetch() {
    check(with_feed().path(), &["fetch"]);
}

#[test]
fn fetch_with_stderr_closed() {
    check_with_stderr(with_feed().path(), &["fetch"]);
}

#[test]
fn run_with_server() {
    check(
        with_feed().path(),
        &["run", "--max-polls", "1", "--addr", "127.0.0.1:0"],
    );
}

#[test]
fn run_without_server() {
    check(
        with_feed().path(),
        &["run", "--max-polls", "1", "--no-serve"],
    );
}

#[test]
fn serve() {
    check(demo(), &["serve", "--addr", "127.0.0.1:0"]);
}

#[test]
fn import() {
    let file = path_of("../../demo/developing/developing.jsonl");
    check(fresh().path(), &["import", &file]);
}

#[test]
fn extract() {
    check(
        fresh().path(),
        &["extract", &path_of("../../demo/corpus/pages")],
    );
}

#[test]
fn cluster() {
    let file = path_of("../../demo/developing/developing.jsonl");
    check(fresh().path(), &["cluster", "--input", &file]);
}

#[test]
fn kb_import() {
    let dump = path_of("../storyline-pipeline/tests/fixtures/kb/wikidata-sample.json");
    check(fresh().path(), &["kb", "import", &dump]);
}

#[test]
fn kb_stats() {
    check(demo(), &["kb", "stats"]);
}

#[test]
fn kb_lookup() {
    check(demo(), &["kb", "lookup", "Douglas Adams"]);
}

#[test]
fn help() {
    check(fresh().path(), &["--help"]);
}

#[test]
fn version() {
    check(fresh().path(), &["--version"]);
}
