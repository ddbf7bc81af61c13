//! `storyline fetch`, `storyline run` and `storyline import`: getting articles in, then
//! clustering and briefing them.

use super::{describe, open_store, process};
use crate::cli::RunArgs;
use crate::config::Config;
use crate::progress::Reporter;
use anyhow::{Context, Result};
use chrono::Utc;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;
use storyline_fetch::Fetcher;
use storyline_pipeline::ingest::{FetchReport, import_jsonl, poll_feeds};
use storyline_store::Store;

pub fn fetch(config: &Config, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    let runtime = runtime()?;
    let fetcher = Fetcher::new(config.fetch_config())?;
    poll_and_process(config, store.as_mut(), &fetcher, &runtime, quiet)
}

/// One poll: fetch every feed, then cluster and brief. Per-feed errors are printed as
/// warnings; only store failures end the command.
pub fn poll_and_process(
    config: &Config,
    store: &mut dyn Store,
    fetcher: &Fetcher,
    runtime: &tokio::runtime::Runtime,
    quiet: bool,
) -> Result<()> {
    let reporter = Reporter::new(quiet);
    let report = runtime.block_on(poll_feeds(store, fetcher, Utc::now(), &|e| {
        reporter.handle(e)
    }))?;
    print_fetch_report(&report, quiet);
    let (clustered, briefs) = process(config, store)?;
    if !quiet {
        println!("{}", describe(&clustered, &briefs));
    }
    Ok(())
}

fn print_fetch_report(report: &FetchReport, quiet: bool) {
    for error in &report.errors {
        eprintln!("warning: {error}");
    }
    if !quiet {
        println!(
            "polled {} feeds ({} not modified): {} new articles, {} wire copies, {} with the feed's summary only, {} errors",
            report.feeds,
            report.not_modified,
            report.new_articles,
            report.copies,
            report.summary_only,
            report.errors.len()
        );
    }
}

pub fn run_loop(config: &Config, args: RunArgs, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    if let Some(opml) = &args.feeds {
        let (added, existing) = super::feeds::import_opml(store.as_mut(), opml)?;
        println!(
            "subscribed to {added} feeds from {} ({existing} already)",
            opml.display()
        );
    }
    let interval = Duration::from_secs(args.interval.unwrap_or(config.run.interval_secs).max(1));
    let runtime = runtime()?;
    let fetcher = Fetcher::new(config.fetch_config())?;
    let mut polls = 0u64;
    loop {
        polls += 1;
        if let Err(err) = poll_and_process(config, store.as_mut(), &fetcher, &runtime, quiet) {
            // A failing poll (say, a locked database) is retried at the next interval.
            eprintln!("warning: poll {polls} failed: {err:#}");
        }
        if args.max_polls.is_some_and(|max| polls >= max) {
            return Ok(());
        }
        let interrupted = runtime.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep(interval) => false,
                _ = tokio::signal::ctrl_c() => true,
            }
        });
        if interrupted {
            println!("interrupted: stopping after {polls} polls");
            return Ok(());
        }
    }
}

pub fn import(config: &Config, file: &Path, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    let handle =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let label = file.display().to_string();
    let report = import_jsonl(store.as_mut(), &label, BufReader::new(handle), Utc::now())?;
    for error in &report.errors {
        eprintln!("warning: {error}");
    }
    println!(
        "{label}: {} lines, {} imported ({} wire copies), {} already present, {} rejected",
        report.lines,
        report.imported,
        report.copies,
        report.already_present,
        report.errors.len()
    );
    let (clustered, briefs) = process(config, store.as_mut())?;
    if !quiet {
        println!("{}", describe(&clustered, &briefs));
    }
    Ok(())
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
