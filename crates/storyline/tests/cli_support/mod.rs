//! Shared by the tests that run the `storyline` binary: what to do with its output.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `storyline` binary with `args` on the store in `data_dir`, with no data
/// directory or configuration from the environment, and returns what it did.
// Not every test binary that includes this module runs the command through it.
#[allow(dead_code)]
pub fn storyline(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_CONFIG")
        .output()
        .expect("the storyline binary runs")
}

/// Runs the `storyline` binary with `args` alone (the commands that read files, not a
/// store), with no data directory or configuration from the environment.
#[allow(dead_code)]
pub fn storyline_without_store(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_CONFIG")
        .output()
        .expect("the storyline binary runs")
}

/// The command's stdout, after checking it succeeded (else a panic with both streams, so a
/// failing command explains itself in the test log).
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
