//! Clustering a store's new articles with the real all-MiniLM-L6-v2 embedder
//! (`STORYLINE_EMBED_MODEL`, from `scripts/setup-models.sh`) through
//! `cluster_pending_embedded`: a headline-only item told in other words joins its event's
//! story in a later run that loads the saved state (embeddings included), and unrelated items
//! stay apart. (That the embeddings join what the words alone do not is the clusterer's unit
//! test `alike_embeddings_join_headlines_that_share_too_few_words`.)
//!
//! Without the variable the test prints a skip line and passes, unless
//! `STORYLINE_REQUIRE_MODELS=1` (CI), where it fails.

use chrono::{TimeZone, Utc};
use std::path::PathBuf;
use storyline_embed::Embedder;
use storyline_pipeline::cluster::{ClusterCache, ClusterConfig, cluster_pending_embedded};
use storyline_pipeline::ingest::{ImportLimits, import_jsonl};
use storyline_store::{SqliteStore, Store};

fn model_dir() -> Option<PathBuf> {
    match std::env::var_os("STORYLINE_EMBED_MODEL") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            assert!(
                std::env::var("STORYLINE_REQUIRE_MODELS").as_deref() != Ok("1"),
                "STORYLINE_REQUIRE_MODELS=1 but STORYLINE_EMBED_MODEL is not set (run scripts/setup-models.sh)"
            );
            eprintln!("skipped: STORYLINE_EMBED_MODEL is not set (run scripts/setup-models.sh)");
            None
        }
    }
}

/// Headline-only feed items, one a line, as an import file.
fn items(lines: &[(&str, u32, &str)]) -> String {
    lines
        .iter()
        .map(|(id, hour, title)| {
            serde_json::json!({
                "url": format!("https://wire.example/{id}"),
                "title": title,
                "published": Utc.with_ymd_and_hms(2025, 6, 3, *hour, 0, 0).unwrap().to_rfc3339(),
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn story_of(store: &dyn Store, id: &str) -> String {
    let article = storyline_model::ArticleId::from_url(&format!("https://wire.example/{id}"));
    store
        .story_of_article(&article)
        .unwrap()
        .map(|s| s.0)
        .unwrap_or_default()
}

/// Imports headline-only `lines` (published and imported at `hour` on 3 June 2025) into
/// `store`, then clusters its new articles with `config` and `embedder`, as one run of
/// `cluster_pending` with a fresh process's cache.
fn import_and_cluster(
    store: &mut SqliteStore,
    lines: &[(&str, u32, &str)],
    hour: u32,
    config: &ClusterConfig,
    embedder: Option<&Embedder>,
) {
    let report = import_jsonl(
        store,
        "items",
        items(lines).as_bytes(),
        Utc.with_ymd_and_hms(2025, 6, 3, hour, 30, 0).unwrap(),
        &ImportLimits::default(),
    )
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    cluster_pending_embedded(store, config, &mut ClusterCache::new(), embedder).unwrap();
}

#[test]
fn headlines_cluster_with_their_embeddings_across_runs() {
    let Some(dir) = model_dir() else {
        return;
    };
    let embedder = Embedder::load(&dir).expect("the model loads");
    let data = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(data.path()).unwrap();
    let config = ClusterConfig::default();
    import_and_cluster(
        &mut store,
        &[
            ("a", 9, "Dockers walk out at Kelmouth harbour over wages"),
            (
                "b",
                9,
                "Central bank raises interest rates by a quarter point",
            ),
        ],
        9,
        &config,
        Some(&embedder),
    );
    // A second run loads the saved state, embeddings included.
    import_and_cluster(
        &mut store,
        &[
            ("c", 10, "Kelmouth dock staff stage walkout over salaries"),
            ("d", 10, "Heavy rain leaves Ardley houses under water"),
        ],
        10,
        &config,
        Some(&embedder),
    );
    assert_eq!(story_of(&store, "c"), story_of(&store, "a"));
    // Unrelated items stay apart.
    assert_ne!(story_of(&store, "d"), story_of(&store, "b"));
    assert_ne!(story_of(&store, "d"), story_of(&store, "a"));
    assert_ne!(story_of(&store, "a"), story_of(&store, "b"));
}

/// Clusters two runs of headline items into a fresh store: the first run with `first`, the
/// second with `second` (a changed setting makes the saved state stale, so the second run
/// rebuilds the clusterer from the stored memberships); returns the store.
fn two_runs(
    embedder: Option<&Embedder>,
    first: &ClusterConfig,
    second: &ClusterConfig,
) -> (tempfile::TempDir, SqliteStore) {
    let data = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(data.path()).unwrap();
    import_and_cluster(
        &mut store,
        &[("a", 9, "Dockers walk out at Kelmouth harbour over wages")],
        9,
        first,
        embedder,
    );
    import_and_cluster(
        &mut store,
        &[(
            "c",
            10,
            "Port strike halts ferry and freight sailings from Kelmouth for a second day",
        )],
        10,
        second,
        embedder,
    );
    (data, store)
}

#[test]
fn a_clusterer_rebuilt_from_stored_memberships_embeds_them_again() {
    let Some(dir) = model_dir() else {
        return;
    };
    let embedder = Embedder::load(&dir).expect("the model loads");
    let config = ClusterConfig::default();
    let changed = ClusterConfig {
        why_terms: config.why_terms + 1,
        ..ClusterConfig::default()
    };
    // By their words alone the two reports of the walkout stay apart...
    let (_data, words_only) = two_runs(None, &config, &changed);
    assert_ne!(story_of(&words_only, "c"), story_of(&words_only, "a"));
    // ...and with embeddings they join, also when the second run cannot use the saved state
    // and rebuilds the clusterer: the stored member is embedded again.
    let (_data, rebuilt) = two_runs(Some(&embedder), &config, &changed);
    assert_eq!(story_of(&rebuilt, "c"), story_of(&rebuilt, "a"));
}
