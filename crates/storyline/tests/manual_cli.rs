//! `storyline completions` and `storyline man`, generated from the clap definitions: the
//! scripts parse in their shells, and the manual has a page for every command.

mod cli_support;

use cli_support::{ok, storyline_without_store};
use std::process::{Command, Stdio};

#[test]
fn the_bash_completion_script_parses_and_offers_every_command() {
    let script = ok(&storyline_without_store(&["completions", "bash"]));
    for command in ["import", "export", "backup", "serve", "completions", "man"] {
        assert!(script.contains(command), "{command} missing");
    }
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .spawn()
        .expect("bash runs");
    std::io::Write::write_all(bash.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
    assert!(bash.wait().unwrap().success(), "bash -n refused the script");
    // Other shells' scripts come out too; an unknown shell is a usage error naming it.
    assert!(
        ok(&storyline_without_store(&["completions", "zsh"])).starts_with("#compdef storyline")
    );
    assert!(!ok(&storyline_without_store(&["completions", "fish"])).is_empty());
    let unknown = storyline_without_store(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("tcsh"));
}

#[test]
fn the_manual_has_a_page_for_every_command() {
    let page = ok(&storyline_without_store(&["man"]));
    assert!(page.contains(".TH storyline 1"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline_without_store(&[
        "man",
        "--output",
        dir.path().to_str().unwrap(),
    ]));
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for expected in [
        "storyline.1",
        "storyline-backup.1",
        "storyline-export.1",
        "storyline-run.1",
    ] {
        assert!(
            pages.iter().any(|p| p == expected),
            "{expected} not in {pages:?}"
        );
    }
    let export = std::fs::read_to_string(dir.path().join("storyline-export.1")).unwrap();
    assert!(export.contains(".TH storyline-export 1"), "{export}");
    assert!(export.contains("since"), "{export}");
}
