//! A clean stop, asked for by the process (SIGTERM from a service manager or a container
//! runtime, Ctrl-C): the long loops (an import's lines, a poll's feeds, a refresh's
//! stories) look at it between units of work and end early, each unit either done and
//! committed or not begun. What they leave is picked up by the next run: articles stored but
//! not clustered are clustered then, stories not rewritten stay marked dirty, feeds not
//! finished are polled again whole.
//!
//! Invariant: a stop is only ever asked for, never undone, within a process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

static STOP: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));

/// How often [`requested_soon`] looks at the flag.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// The flag a signal handler sets (`signal_hook::flag::register` takes it).
pub fn flag() -> Arc<AtomicBool> {
    Arc::clone(&STOP)
}

/// Asks every loop of this process to stop at its next unit of work.
pub fn request() {
    STOP.store(true, Ordering::SeqCst);
}

/// Whether a stop has been asked for.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Resolves once a stop has been asked for (within [`POLL_EVERY`]): for `select!` beside
/// work that should be dropped when it comes (a poll's requests in flight, a wait between
/// polls).
pub async fn requested_soon() {
    while !requested() {
        tokio::time::sleep(POLL_EVERY).await;
    }
}
