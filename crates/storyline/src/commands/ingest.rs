//! `storyline fetch`, `storyline run` and `storyline import`: getting articles in, then
//! clustering and briefing them. `run` also serves (see `serve.rs`) unless `--no-serve`,
//! records each poll's fetch and brief reports in the server's metrics, emails the daily
//! digest when `digest.at` is set (see `digest.rs`), and with `--worker` polls as one of
//! several workers sharing the store (see `worker.rs`).

use super::digest::DailyDigest;
use super::serve::{RunningServer, server_runtime, start};
use super::worker::{Worker, worker_poll};
use super::{describe, open_store, process};
use crate::cli::RunArgs;
use crate::config::Config;
use crate::output::{self, errln, outln};
use crate::progress::Reporter;
use anyhow::{Context, Result};
use chrono::Utc;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;
use storyline_fetch::Fetcher;
use storyline_pipeline::brief::BriefReport;
use storyline_pipeline::cluster::ClusterCache;
use storyline_pipeline::ingest::{FetchReport, import_jsonl, poll_feeds};
use storyline_store::Store;
use storyline_web::metrics::Metrics;

pub fn fetch(config: &Config, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    let runtime = runtime()?;
    let fetcher = Fetcher::new(config.fetch_config())?;
    let mut cache = ClusterCache::new();
    poll_and_process(
        config,
        store.as_mut(),
        &fetcher,
        &runtime,
        &mut cache,
        quiet,
    )
    .map(|_| ())
}

/// One poll: fetch every feed, then cluster and brief. Per-feed errors are printed as
/// warnings; only store failures end the command. The summary is printed after the work, so
/// a closed stdout never leaves stored articles unclustered. Returns the fetch and brief
/// reports.
pub fn poll_and_process(
    config: &Config,
    store: &mut dyn Store,
    fetcher: &Fetcher,
    runtime: &tokio::runtime::Runtime,
    cache: &mut ClusterCache,
    quiet: bool,
) -> Result<(FetchReport, BriefReport)> {
    let reporter = Reporter::new(quiet);
    let report = runtime.block_on(poll_feeds(
        store,
        fetcher,
        &config.poll_limits(),
        Utc::now(),
        &|e| reporter.handle(e),
    ))?;
    for error in &report.errors {
        errln!("warning: {error}");
    }
    for note in &report.notes {
        errln!("note: {note}");
    }
    let (clustered, briefs) = process(config, store, cache)?;
    print_fetch_report(&report, quiet)?;
    if !quiet {
        outln!("{}", describe(&clustered, &briefs))?;
    }
    Ok((report, briefs))
}

fn print_fetch_report(report: &FetchReport, quiet: bool) -> Result<()> {
    if !quiet {
        outln!(
            "polled {} feeds ({} not modified): {} new articles, {} wire copies, {} with the feed's summary only, {} left for the next poll, {} errors",
            report.feeds,
            report.not_modified,
            report.new_articles,
            report.copies,
            report.summary_only,
            report.deferred_items,
            report.errors.len()
        )?;
    }
    Ok(())
}

pub fn run_loop(config: &Config, args: RunArgs, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    if let Some(opml) = &args.feeds {
        let (added, existing) = super::feeds::import_opml(store.as_mut(), opml)?;
        outln!(
            "subscribed to {added} feeds from {} ({existing} already)",
            opml.display()
        )?;
    }
    let metrics = Metrics::new();
    // Serving needs worker threads that answer while this thread polls and briefs.
    let runtime = if args.no_serve {
        runtime()?
    } else {
        server_runtime()?
    };
    let server = if args.no_serve {
        None
    } else {
        let address = args
            .addr
            .clone()
            .unwrap_or_else(|| config.serve.addr.clone());
        let server = start(&runtime, config, &address, metrics.clone())?;
        outln!("Serving {} (Ctrl-C or SIGTERM to stop)", server.url())?;
        Some(server)
    };
    // Digest links go to `serve.public_url`, else to this run's own server.
    let public_url_set = config
        .serve
        .public_url
        .as_deref()
        .is_some_and(|url| !url.trim().is_empty());
    let digest_base = match &server {
        Some(server) if !public_url_set => server.url().trim_end_matches('/').to_string(),
        _ => super::digest::base_url(config),
    };
    let mut daily_digest = DailyDigest::from_config(config, digest_base, Utc::now())?;
    if let Some(daily) = &daily_digest
        && !quiet
    {
        outln!(
            "next digest email: {}",
            daily.next_after(Utc::now()).format("%-d %B %Y %H:%M UTC")
        )?;
    }
    let fetcher = Fetcher::new(config.fetch_config())?;
    let result = poll_loop(
        config,
        store.as_mut(),
        &fetcher,
        &runtime,
        &metrics,
        daily_digest.as_mut(),
        &args,
        quiet,
    );
    stop_server(server, &runtime);
    result
}

/// Polls every interval until `--max-polls` or Ctrl-C, recording each poll in `metrics` and
/// sending the daily digest after the first poll at or past its time.
#[allow(clippy::too_many_arguments)]
fn poll_loop(
    config: &Config,
    store: &mut dyn Store,
    fetcher: &Fetcher,
    runtime: &tokio::runtime::Runtime,
    metrics: &Metrics,
    mut daily_digest: Option<&mut DailyDigest>,
    args: &RunArgs,
    quiet: bool,
) -> Result<()> {
    let interval = Duration::from_secs(args.interval.unwrap_or(config.run.interval_secs).max(1));
    let mut polls = 0u64;
    // The clusterer stays in memory from poll to poll (a worker's is reloaded when another
    // worker clustered meanwhile: the saved state's version tells).
    let mut cache = ClusterCache::new();
    let worker = args
        .worker
        .then(|| Worker::new(args.worker_id.clone(), interval));
    if let Some(worker) = &worker {
        outln!(
            "worker {} polling every {} s",
            worker.id,
            interval.as_secs()
        )?;
    }
    loop {
        polls += 1;
        let polled = match &worker {
            Some(worker) => worker_poll(config, store, fetcher, runtime, &mut cache, worker, quiet)
                .map(|poll| (poll.fetched, poll.briefs)),
            None => poll_and_process(config, store, fetcher, runtime, &mut cache, quiet),
        };
        match polled {
            Ok((fetched, briefs)) => {
                metrics.record_poll(&fetched);
                metrics.record_briefs(&briefs);
            }
            // Stdout failed (its reader left, say): every later poll would fail there too,
            // and before clustering, so stop as `fetch` does.
            Err(err) if output::stdout_error(&err).is_some() => return Err(err),
            // A failing poll (say, a locked database) is retried at the next interval.
            Err(err) => errln!("warning: poll {polls} failed: {err:#}"),
        }
        if let Some(daily) = daily_digest.as_deref_mut()
            && let Err(err) = daily.after_poll(config, runtime, quiet)
        {
            // The slot record could not be written: the digest may go out again, but
            // polling goes on.
            errln!("warning: {err:#}");
        }
        if args.max_polls.is_some_and(|max| polls >= max) {
            return Ok(());
        }
        // SIGTERM or Ctrl-C during the poll ended it early (what it read is stored); during
        // the wait they end the wait.
        let interrupted = storyline_pipeline::stop::requested()
            || runtime.block_on(async {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => false,
                    _ = storyline_pipeline::stop::requested_soon() => true,
                }
            });
        if interrupted {
            outln!("interrupted: stopping after {polls} polls")?;
            return Ok(());
        }
    }
}

/// Stops the server of `run`, letting requests in flight finish; a server failure at this
/// point is reported but does not change the run's outcome.
fn stop_server(server: Option<RunningServer>, runtime: &tokio::runtime::Runtime) {
    if let Some(server) = server
        && let Err(err) = server.stop(runtime)
    {
        errln!("warning: {err:#}");
    }
}

pub fn import(config: &Config, file: &Path, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    if file.is_dir() {
        anyhow::bail!("{}: is a directory, not a JSONL file", file.display());
    }
    let handle =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let label = file.display().to_string();
    let report = import_jsonl(
        store.as_mut(),
        &label,
        BufReader::new(handle),
        Utc::now(),
        &config.import_limits(),
    )?;
    for error in &report.errors {
        errln!("warning: {error}");
    }
    for note in &report.notes {
        errln!("note: {note}");
    }
    if report.interrupted {
        // Asked to stop (SIGTERM, Ctrl-C): what was read is stored, and clustered by the
        // next import, fetch or run; importing the file again skips it.
        outln!(
            "{label}: interrupted after {} lines: {} imported, {} already present; import the file again to finish",
            report.lines,
            report.imported,
            report.already_present
        )?;
        return Ok(());
    }
    // What was read is clustered and briefed even when the input broke off.
    let (clustered, briefs) = process(config, store.as_mut(), &mut ClusterCache::new())?;
    outln!(
        "{label}: {} lines, {} imported ({} wire copies), {} already present, {} rejected, {} changed",
        report.lines,
        report.imported,
        report.copies,
        report.already_present,
        report.errors.len(),
        report.notes.len()
    )?;
    if !quiet {
        outln!("{}", describe(&clustered, &briefs))?;
    }
    if let Some(stopped) = report.stopped {
        anyhow::bail!("{stopped}");
    }
    Ok(())
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
