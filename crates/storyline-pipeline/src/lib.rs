//! The processing stages between "we have article text" and "we have a brief": dedupe,
//! cluster, write brief, check brief, and the ingest/run loop that drives them over a
//! [`storyline_store::Store`].
//!
//! Data flow: [`ingest`] turns feed items and import lines into [`storyline_model::Article`]s
//! (canonical URL, content hash, copy detection by [`dedupe`]) and stores them;
//! [`cluster`] assigns every unclustered article to a story in publication order;
//! [`brief`] writes a new brief version for each story whose articles changed; [`checks`]
//! verifies every sentence of every brief against the story's articles.
//!
//! Invariants: no network and no HTML here (fetching and extraction happen in
//! `storyline-fetch` / `storyline-extract` and are injected by the caller); every stage is
//! deterministic for the same stored input, so re-running is idempotent.

pub mod brief;
pub mod checks;
pub mod cluster;
pub mod dedupe;
pub mod ingest;
pub mod kb;
pub mod stop;
#[cfg(test)]
mod test_support;
pub mod timeline;

use thiserror::Error;

/// Errors of the processing stages. Per-item problems (one bad feed, one bad line) are not
/// errors here: they are collected in the stage's report and the run goes on.
#[derive(Debug, Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] storyline_store::StoreError),
    #[error("{input}: {cause}")]
    Input { input: String, cause: String },
    /// A saved clustering state that cannot be used.
    #[error(transparent)]
    ClusterState(#[from] cluster::SavedStateError),
    /// Writing what a command produces (an export) failed.
    #[error("cannot {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}
