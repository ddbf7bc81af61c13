//! `storyline migrate --from SOURCE --to TARGET`: copies a whole store into an empty one
//! (`storyline_store::migrate`), mainly the SQLite file of a single machine into the
//! PostgreSQL database that several workers share. Progress goes to stderr, a line per kind
//! of row and every few seconds within one; the summary of what was copied to stdout. The
//! copy is then compared with its source (counts) and checked (`check_invariants`): any
//! difference is named and the command exits 1.
//!
//! The source is opened like any store, so an older SQLite file is brought up to this
//! build's schema first; nothing else in it changes. A target that holds anything is refused
//! before a row is written, so a copy never mixes with other data and can simply be run
//! again into a fresh database after a failure.

use crate::output::{errln, outln};
use anyhow::{Context, Result, anyhow, bail};
use std::time::{Duration, Instant};
use storyline_store::{MigrateError, MigrationProgress, StoreLocation, migrate, target_contents};

/// How often a long kind of row reports how far it got.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

pub fn run(from: &str, to: &str, quiet: bool) -> Result<()> {
    let source = StoreLocation::from_path_or_url(from).context("--from")?;
    let target = StoreLocation::from_path_or_url(to).context("--to")?;
    // A source that does not exist would be created empty by opening it.
    if let Some(file) = source.sqlite_file()
        && !file.is_file()
    {
        bail!(
            "--from {}: {}",
            file.display(),
            if file.exists() {
                "not a file"
            } else {
                "no such file (a SQLite database file or a data directory holding storyline.db)"
            }
        );
    }
    if source == target {
        bail!("--from and --to both name {source}: a store cannot be copied into itself");
    }
    // A store error's own line already names the database and the cause: keep it as the
    // whole message rather than a chain that repeats its source.
    let from_store = source.open().map_err(|e| anyhow!("--from: {e}"))?;
    let mut to_store = target.open().map_err(|e| anyhow!("--to: {e}"))?;
    // Refused before a word of progress: the error is the only line.
    if let Some(held) = target_contents(to_store.as_ref()).map_err(|e| anyhow!("--to: {e}"))? {
        bail!("--to {target}: {}", MigrateError::TargetNotEmpty(held));
    }
    if !quiet {
        errln!("migrate: copying {source} into {target}");
    }
    let mut reporter = Progress::new(quiet);
    let copied = migrate(from_store.as_ref(), to_store.as_mut(), &mut |event| {
        reporter.event(event)
    });
    let report = match copied {
        Ok(report) => report,
        Err(err @ MigrateError::TargetNotEmpty(_)) => bail!("--to {target}: {err}"),
        Err(MigrateError::Store(err)) => {
            bail!("copying {source} into {target} failed: {err}")
        }
    };
    if !quiet {
        outln!("copied {source} into {target}:")?;
        for (kind, count) in report.counts() {
            outln!("  {count:>10}  {kind}")?;
        }
        if report.cluster_state_version > 0 {
            outln!(
                "  clustering state version {}",
                report.cluster_state_version
            )?;
        }
    }
    if report.problems.is_empty() {
        let counts = to_store.counts()?;
        if !quiet {
            outln!(
                "the copy matches its source ({} feeds, {} articles, {} live stories, {} brief \
                 versions) and passes its invariant checks",
                counts.feeds,
                counts.articles,
                counts.stories,
                counts.briefs
            )?;
        }
        return Ok(());
    }
    for problem in &report.problems {
        outln!("DIFFERS  {problem}")?;
    }
    bail!(
        "the copy in {target} differs from {source}: {} problem(s), first: {}",
        report.problems.len(),
        report.problems[0]
    )
}

/// Progress lines on stderr: one when a kind of row is done, and every
/// [`PROGRESS_EVERY`] within a long one.
struct Progress {
    quiet: bool,
    last: Instant,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        Progress {
            quiet,
            last: Instant::now(),
        }
    }

    fn event(&mut self, event: MigrationProgress) {
        if self.quiet {
            return;
        }
        if event.done {
            errln!("migrate: {} {}: done", event.copied, event.kind);
            self.last = Instant::now();
        } else if self.last.elapsed() >= PROGRESS_EVERY {
            errln!("migrate: {} {} so far", event.copied, event.kind);
            self.last = Instant::now();
        }
    }
}
