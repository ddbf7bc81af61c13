//! `storyline run --worker`: one of several processes (on one machine or many) sharing one
//! store, PostgreSQL above all. A worker's poll has three parts, each shared out through the
//! store's leases so that no two workers do the same work:
//!
//! 1. **Fetch.** The worker leases the feeds that are due, a few at a time
//!    ([`Store::lease_feeds`]: `FOR UPDATE SKIP LOCKED` on PostgreSQL), polls them and
//!    releases them. A worker that dies keeps its feeds only until the lease lapses.
//! 2. **Cluster.** One clustering pass at a time, whoever holds the clustering lease
//!    ([`Store::try_lock_clustering`]). A pass is serial by nature (each article is compared
//!    with the stories the articles before it made), and it is the short part of a poll: the
//!    lease spares the others work they would lose, and the saved state's version check
//!    ([`Store::save_clustering`]) keeps the stories sound if two passes ever overlap (say,
//!    after a lease lapsed under a slow pass): the later save fails and is redone.
//! 3. **Briefs.** Dirty stories leased a few at a time ([`DirtyStories::Leased`]), so
//!    brief writing, the costly part, spreads over the workers.
//!
//! A worker clusters and writes until nothing is left that it can take; while articles are
//! waiting for a clustering pass another worker is running, it waits for that pass (up to
//! the clustering lease) and then runs the next one, so a poll ends with everything it
//! fetched clustered and briefed by someone.

use super::{brief_writer, describe};
use crate::config::Config;
use crate::output::{errln, outln};
use crate::progress::Reporter;
use anyhow::{Context, Result};
use chrono::{Duration as TimeDelta, Utc};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use storyline_fetch::Fetcher;
use storyline_model::Feed;
use storyline_pipeline::PipelineError;
use storyline_pipeline::brief::{BriefReport, DirtyStories, refresh_briefs_of};
use storyline_pipeline::cluster::{
    ClusterCache, ClusterConfig, ClusterReport, cluster_pending_cached,
};
use storyline_pipeline::ingest::{FetchReport, poll_these_feeds};
use storyline_store::{Store, StoreErrorKind};

/// Dirty stories leased at a time: small, so that a burst of changed stories is shared
/// among the workers rather than taken whole by the first to ask.
const BRIEF_BATCH: usize = 8;
/// How long a leased story stays another worker's: long enough for a batch of model-written
/// briefs; a worker that dies holds its stories this long at most.
const BRIEF_LEASE: Duration = Duration::from_secs(600);
/// How long the clustering lease lasts: longer than a pass over a large poll.
const CLUSTER_LEASE: Duration = Duration::from_secs(600);
/// How often a worker looks again while another holds the clustering lease.
const CLUSTER_RETRY: Duration = Duration::from_millis(200);

/// Who a worker is, and how often each feed is due.
pub struct Worker {
    pub id: String,
    /// A feed is due once this long has passed since its last poll (`run.interval_secs`).
    pub interval: Duration,
}

impl Worker {
    /// `id` as given, or this host's name and process id.
    pub fn new(id: Option<String>, interval: Duration) -> Worker {
        let id = id.filter(|id| !id.trim().is_empty()).unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|name| name.trim().to_string())
                .filter(|name| !name.is_empty())
                .or_else(|| std::env::var("HOSTNAME").ok())
                .unwrap_or_else(|| "worker".to_string());
            format!("{host}-{}", std::process::id())
        });
        Worker { id, interval }
    }
}

/// What one poll of a worker did.
#[derive(Default)]
pub struct WorkerPoll {
    pub fetched: FetchReport,
    pub clustered: ClusterReport,
    pub briefs: BriefReport,
    /// Clustering passes this worker ran, and the seconds it spent in them: the serial part.
    pub cluster_passes: usize,
    pub cluster_seconds: f64,
}

/// One poll of a worker: fetch the feeds it can lease, then cluster and brief until nothing
/// is left that it can take. Per-feed errors are printed as warnings; store failures end the
/// poll.
pub fn worker_poll(
    config: &Config,
    store: &mut dyn Store,
    fetcher: &Fetcher,
    runtime: &tokio::runtime::Runtime,
    cache: &mut ClusterCache,
    worker: &Worker,
    quiet: bool,
) -> Result<WorkerPoll> {
    let mut poll = WorkerPoll {
        fetched: fetch_due_feeds(config, store, fetcher, runtime, worker, quiet)?,
        ..WorkerPoll::default()
    };
    for error in &poll.fetched.errors {
        errln!("warning: {error}");
    }
    for note in &poll.fetched.notes {
        errln!("note: {note}");
    }
    let writer = brief_writer(config)?;
    let mut waiting_since: Option<Instant> = None;
    loop {
        let mut worked = false;
        let mut blocked = false;
        if store.try_lock_clustering(&worker.id, CLUSTER_LEASE, Utc::now())? {
            let started = Instant::now();
            let result = cluster_pending_cached(store, &ClusterConfig::default(), cache);
            let unlocked = store.unlock_clustering(&worker.id);
            match result {
                Ok(report) if report.assigned > 0 => {
                    poll.cluster_passes += 1;
                    poll.cluster_seconds += started.elapsed().as_secs_f64();
                    absorb_clustering(&mut poll.clustered, report);
                    worked = true;
                }
                Ok(_) => {}
                // Another pass saved first (this one's lease lapsed under it): the cache is
                // dropped by the failed pass, and the next pass loads the saved state.
                Err(PipelineError::Store(err)) if err.kind() == StoreErrorKind::Conflict => {
                    errln!("note: worker {}: {err}; clustering again", worker.id);
                    worked = true;
                }
                Err(err) => return Err(err).context("clustering failed"),
            }
            unlocked?;
        } else {
            blocked = !store.unclustered_articles()?.is_empty();
        }
        let briefs = refresh_briefs_of(
            store,
            writer.as_ref(),
            Utc::now(),
            DirtyStories::Leased {
                worker: &worker.id,
                batch: BRIEF_BATCH,
                lease: BRIEF_LEASE,
            },
        )
        .context("writing briefs failed")?;
        worked |= !briefs.written.is_empty() || briefs.unchanged > 0;
        absorb_briefs(&mut poll.briefs, briefs);
        if worked {
            waiting_since = None;
            continue;
        }
        // Articles wait for another worker's pass: wait for it (at most as long as its
        // lease), then run the next pass, which takes them.
        let waited = waiting_since.get_or_insert_with(Instant::now).elapsed();
        if blocked && waited < CLUSTER_LEASE {
            std::thread::sleep(CLUSTER_RETRY);
            continue;
        }
        break;
    }
    for error in &poll.briefs.errors {
        errln!("warning: {error}");
    }
    if !quiet {
        outln!(
            "worker {}: polled {} feeds ({} not modified): {} new articles, {} wire copies, {} errors; {}; {} clustering passes ({:.2} s)",
            worker.id,
            poll.fetched.feeds,
            poll.fetched.not_modified,
            poll.fetched.new_articles,
            poll.fetched.copies,
            poll.fetched.errors.len(),
            describe(&poll.clustered, &poll.briefs),
            poll.cluster_passes,
            poll.cluster_seconds
        )?;
    }
    Ok(poll)
}

/// Leases the due feeds a batch at a time and polls each batch, until no due feed is left
/// unleased. A feed is due when it was never fetched or was last fetched an interval ago;
/// leases hand out the least recently fetched first, so the first lease that comes back
/// with nothing due ends the fetch.
fn fetch_due_feeds(
    config: &Config,
    store: &mut dyn Store,
    fetcher: &Fetcher,
    runtime: &tokio::runtime::Runtime,
    worker: &Worker,
    quiet: bool,
) -> Result<FetchReport> {
    let limits = config.poll_limits();
    let batch = limits.concurrency.max(1);
    // Held past the poll's own budget, so a live worker never loses a feed mid-poll.
    let lease = limits.run_budget + Duration::from_secs(60);
    let interval = TimeDelta::from_std(worker.interval).unwrap_or(TimeDelta::MAX);
    let reporter = Reporter::new(quiet);
    let mut total = FetchReport::default();
    // A feed polled in this poll is not polled again in it, whatever its state says.
    let mut polled: HashSet<String> = HashSet::new();
    loop {
        let now = Utc::now();
        let leased = store.lease_feeds(&worker.id, batch, lease, now)?;
        if leased.is_empty() {
            break;
        }
        let due_before = now - interval;
        let (due, not_due): (Vec<Feed>, Vec<Feed>) = leased.into_iter().partition(|feed| {
            !polled.contains(&feed.url) && feed.last_fetched_at.is_none_or(|at| at <= due_before)
        });
        let not_due: Vec<String> = not_due.into_iter().map(|feed| feed.url).collect();
        store.release_feeds(&worker.id, &not_due)?;
        if due.is_empty() {
            break;
        }
        let urls: Vec<String> = due.iter().map(|feed| feed.url.clone()).collect();
        polled.extend(urls.iter().cloned());
        let report = runtime.block_on(poll_these_feeds(store, due, fetcher, &limits, now, &|e| {
            reporter.handle(e)
        }));
        let released = store.release_feeds(&worker.id, &urls);
        absorb_fetch(&mut total, report?);
        released?;
    }
    Ok(total)
}

fn absorb_fetch(total: &mut FetchReport, part: FetchReport) {
    total.feeds += part.feeds;
    total.not_modified += part.not_modified;
    total.new_articles += part.new_articles;
    total.summary_only += part.summary_only;
    total.copies += part.copies;
    total.deferred_items += part.deferred_items;
    total.errors.extend(part.errors);
    total.notes.extend(part.notes);
}

fn absorb_clustering(total: &mut ClusterReport, part: ClusterReport) {
    total.assigned += part.assigned;
    total.new_stories += part.new_stories;
    total.touched.extend(part.touched);
}

fn absorb_briefs(total: &mut BriefReport, part: BriefReport) {
    total.written.extend(part.written);
    total.unchanged += part.unchanged;
    total.errors.extend(part.errors);
    total.write_seconds.extend(part.write_seconds);
}
