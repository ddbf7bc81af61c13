//! `storyline migrate` end to end, through the binary: the demo corpus polled into a SQLite
//! data directory, copied into a fresh PostgreSQL database (and into a SQLite file of another
//! name), after which the reading commands list the same stories, feeds and briefs from the
//! copy and `storyline check` passes on it; a target that is not empty is refused, and a
//! missing source or an unreachable server is one line naming the input and the cause.
//!
//! PostgreSQL: a fresh database (`store_support::Stores`) on `STORYLINE_TEST_POSTGRES`
//! (default the local server), dropped at the end; `skip` skips that test.

mod cli_support;
mod store_support;

use cli_support::ok;
use std::path::Path;
use std::process::{Command, Output};
use store_support::Stores;

/// Runs `storyline` with `args` and nothing from the environment's configuration.
fn storyline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_DATABASE_URL")
        .env_remove("STORYLINE_CONFIG")
        .env("STORYLINE_LOG", "off")
        .output()
        .expect("the storyline binary runs")
}

/// Runs a reading command against the store at `location` (a data directory or a URL).
fn read(location: &str, args: &[&str]) -> String {
    let mut all = vec!["--database", location];
    all.extend_from_slice(args);
    ok(&storyline(&all))
}

/// The demo corpus polled into a fresh data directory under `root`: feeds with their
/// polling state, articles with wire copies, stories and briefs.
fn demo_store(root: &Path) -> String {
    let data_dir = root.join("source");
    let data_dir = data_dir.to_str().expect("a UTF-8 path");
    ok(&storyline(&[
        "--data-dir",
        data_dir,
        "--quiet",
        "demo",
        "--top",
        "0",
    ]));
    data_dir.to_string()
}

/// The stderr of a failed command, which must be exactly one line.
fn one_line_error(output: &Output) -> String {
    assert!(!output.status.success(), "should fail: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

/// What a reader sees of a store: stories, feeds, and every story's brief.
fn reader_view(location: &str) -> Vec<String> {
    let stories = read(location, &["stories", "--json", "--limit", "1000"]);
    let mut view = vec![
        read(location, &["stories"]),
        stories.clone(),
        read(location, &["feeds", "list", "--json"]),
    ];
    let listed: serde_json::Value = serde_json::from_str(&stories).expect("stories JSON");
    for story in listed.as_array().expect("a list") {
        let id = story["id"].as_str().expect("an id");
        view.push(read(location, &["brief", id, "--format", "json"]));
    }
    view
}

#[test]
fn the_demo_store_moves_to_postgres_and_reads_the_same() {
    let root = tempfile::tempdir().expect("temp dir");
    let Some(mut stores) = Stores::postgres(root.path(), "demo") else {
        return;
    };
    let database = stores
        .fresh("copy")
        .database
        .expect("a PostgreSQL database");
    let source = demo_store(root.path());
    let sqlite_file = format!("{source}/storyline.db");

    let output = storyline(&["migrate", "--from", &sqlite_file, "--to", &database]);
    let summary = ok(&output);
    assert!(summary.contains("articles"), "{summary}");
    assert!(summary.contains("the copy matches its source"), "{summary}");
    let progress = String::from_utf8_lossy(&output.stderr);
    assert!(progress.contains("migrate: 11 feeds: done"), "{progress}");
    assert!(progress.contains("brief versions: done"), "{progress}");

    let source_url = format!("sqlite:{source}");
    assert_eq!(reader_view(&database), reader_view(&source_url));
    let check = read(&database, &["check"]);
    assert!(check.contains("store is sound"), "{check}");
    assert_eq!(
        read(&database, &["search", "harbour", "--json"]),
        read(&source_url, &["search", "harbour", "--json"])
    );

    // The copy is not empty any more: a second copy into it is refused, changing nothing.
    let again = storyline(&["migrate", "--from", &source, "--to", &database]);
    let error = one_line_error(&again);
    assert!(
        error.contains(&format!("--to {}", database)) && error.contains("not empty"),
        "{error}"
    );
    assert!(error.contains("11 feeds"), "{error}");
    assert_eq!(reader_view(&database), reader_view(&source_url));

    // And back, into a SQLite file of another name: the command compares and checks it.
    let back = root.path().join("copies").join("back.db");
    let summary = ok(&storyline(&[
        "migrate",
        "--from",
        &database,
        "--to",
        back.to_str().expect("a UTF-8 path"),
    ]));
    assert!(summary.contains("the copy matches its source"), "{summary}");
    assert!(back.is_file());
}

#[test]
fn a_data_directory_copies_into_a_sqlite_file_and_back() {
    let root = tempfile::tempdir().expect("temp dir");
    let source = demo_store(root.path());
    let file = root.path().join("backup").join("news-copy.db");
    let file = file.to_str().expect("a UTF-8 path");
    let summary = ok(&storyline(&["migrate", "--from", &source, "--to", file]));
    assert!(summary.contains("the copy matches its source"), "{summary}");
    // The file becomes a data directory's store again.
    let restored = root.path().join("restored");
    let restored = restored.to_str().expect("a UTF-8 path");
    ok(&storyline(&[
        "--quiet", "migrate", "--from", file, "--to", restored,
    ]));
    let source_url = format!("sqlite:{source}");
    let restored_url = format!("sqlite:{restored}");
    assert_eq!(reader_view(&restored_url), reader_view(&source_url));
    assert!(read(&restored_url, &["check"]).contains("store is sound"));
}

#[test]
fn bad_inputs_are_one_line_naming_the_input_and_the_cause() {
    let root = tempfile::tempdir().expect("temp dir");
    let missing = root.path().join("nowhere").join("storyline.db");
    let missing = missing.to_str().expect("a UTF-8 path");
    let target = root.path().join("target");
    let target = target.to_str().expect("a UTF-8 path");

    let error = one_line_error(&storyline(&["migrate", "--from", missing, "--to", target]));
    assert!(
        error.contains(&format!("--from {missing}")) && error.contains("no such file"),
        "{error}"
    );
    assert!(
        !Path::new(missing).exists(),
        "a missing source is not created"
    );
    assert!(
        !Path::new(target).exists(),
        "nothing is opened before the inputs are checked"
    );

    let empty_dir = root.path().join("empty");
    std::fs::create_dir_all(&empty_dir).expect("dir");
    let error = one_line_error(&storyline(&[
        "migrate",
        "--from",
        empty_dir.to_str().expect("a UTF-8 path"),
        "--to",
        target,
    ]));
    assert!(
        error.contains("storyline.db") && error.contains("no such file"),
        "{error}"
    );

    let not_a_database = root.path().join("notes.db");
    std::fs::write(&not_a_database, "not a database, just notes\n".repeat(100)).expect("write");
    let error = one_line_error(&storyline(&[
        "migrate",
        "--from",
        not_a_database.to_str().expect("a UTF-8 path"),
        "--to",
        target,
    ]));
    assert!(
        error.contains("--from") && error.contains("not a database"),
        "{error}"
    );

    // Nothing listens on port 1.
    let source = demo_store(root.path());
    let unreachable = "postgres://storyline:secret@127.0.0.1:1/storyline";
    let error = one_line_error(&storyline(&[
        "migrate",
        "--from",
        &source,
        "--to",
        unreachable,
    ]));
    assert!(
        error.contains("--to") && error.contains("127.0.0.1:1") && !error.contains("secret"),
        "{error}"
    );
    assert!(error.to_lowercase().contains("refused"), "{error}");

    let error = one_line_error(&storyline(&["migrate", "--from", &source, "--to", &source]));
    assert!(error.contains("itself"), "{error}");
}
