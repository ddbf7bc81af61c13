//! Shared by the tests that run the `storyline` binary: what to do with its output.

use std::process::Output;

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
