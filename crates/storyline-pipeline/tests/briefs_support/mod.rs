//! Shared by the brief tests: runs the real pipeline (JSONL import, clustering, extractive
//! briefs with their trust checks) over `tests/fixtures/briefs/*.jsonl` in a fresh SQLite
//! store, and hands back every stored brief with the articles its sources are.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use storyline_model::{Article, Brief, StoryId};
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::{Generator, refresh_briefs};
use storyline_pipeline::cluster::{ClusterConfig, cluster_pending};
use storyline_pipeline::ingest::{ImportLimits, import_jsonl};
use storyline_store::{SqliteStore, Store};
use tempfile::TempDir;

/// A stored brief and the articles it was checked against: `articles[n - 1]` is source `n`.
pub struct StoredBrief {
    pub brief: Brief,
    pub articles: Vec<Article>,
}

/// The result of one pipeline run over the fixtures.
pub struct PipelineRun {
    pub briefs: Vec<StoredBrief>,
    /// Ids of every live story, as the trust checks know them.
    pub story_ids: BTreeSet<StoryId>,
    pub articles_imported: usize,
    pub copies: usize,
    // Keeps the store's directory alive until the run is dropped.
    _data_dir: TempDir,
}

/// The time the briefs are written at, fixed so that runs are reproducible.
pub fn brief_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 14, 6, 0, 0)
        .single()
        .expect("a valid fixed date")
}

fn fixture_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/briefs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the brief fixtures in {}",
        dir.display()
    );
    files
}

/// Imports every fixture file, clusters, writes briefs, and reads back the latest brief of
/// every story. Panics (failing the test) on any import error or pipeline error.
pub fn run_pipeline() -> PipelineRun {
    run_pipeline_with(&ExtractiveWriter)
}

/// [`run_pipeline`] with another brief engine.
pub fn run_pipeline_with(writer: &dyn Generator) -> PipelineRun {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let mut store = SqliteStore::open(data_dir.path()).expect("open the store");
    let imported_at = brief_time() - chrono::Duration::hours(12);
    let (mut articles_imported, mut copies) = (0, 0);
    for path in fixture_files() {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let label = path.display().to_string();
        let report = import_jsonl(
            &mut store,
            &label,
            BufReader::new(file),
            imported_at,
            &ImportLimits::default(),
        )
        .unwrap_or_else(|e| panic!("import {label}: {e}"));
        assert!(
            report.errors.is_empty(),
            "import errors: {:?}",
            report.errors
        );
        articles_imported += report.imported;
        copies += report.copies;
    }
    cluster_pending(&mut store, &ClusterConfig::default()).expect("clustering");
    let report = refresh_briefs(&mut store, writer, brief_time()).expect("briefs");
    assert!(
        report.errors.is_empty(),
        "brief errors: {:?}",
        report.errors
    );

    let stories = store.stories().expect("list stories");
    let story_ids: BTreeSet<StoryId> = stories.iter().map(|s| s.id.clone()).collect();
    let mut briefs = Vec::new();
    for story in &stories {
        let brief = store
            .latest_brief(&story.id)
            .expect("read a brief")
            .unwrap_or_else(|| panic!("story {} has no brief", story.id));
        let ids: Vec<_> = brief.sources.iter().map(|s| s.article_id.clone()).collect();
        let found = store.articles(&ids).expect("read the sources' articles");
        let articles: Vec<Article> = ids
            .iter()
            .map(|id| {
                found
                    .iter()
                    .find(|a| &a.id == id)
                    .cloned()
                    .unwrap_or_else(|| panic!("source article {id} is not stored"))
            })
            .collect();
        briefs.push(StoredBrief { brief, articles });
    }
    PipelineRun {
        briefs,
        story_ids,
        articles_imported,
        copies,
        _data_dir: data_dir,
    }
}
