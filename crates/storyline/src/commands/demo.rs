//! `storyline demo`: the whole pipeline on the bundled sample corpus, through the real feed
//! and page code paths (file:// URLs), then the top briefs on stdout. The store is left in
//! the data directory for `storyline stories` / `storyline brief` afterwards; with `--serve`
//! the web pages and the API are served over it until Ctrl-C.

use super::ingest::{poll_and_process, runtime};
use super::open_store;
use crate::cli::{DemoArgs, ServeArgs};
use crate::config::Config;
use crate::output::outln;
use anyhow::{Context, Result};
use std::path::PathBuf;
use storyline_fetch::Fetcher;
use storyline_pipeline::brief::to_markdown;

/// Where the corpus sits in a source checkout.
const CORPUS_IN_REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/corpus");

pub fn run(config: &Config, args: DemoArgs, quiet: bool) -> Result<()> {
    let corpus = args.corpus.unwrap_or_else(|| PathBuf::from(CORPUS_IN_REPO));
    let opml = corpus.join("feeds.opml");
    if !opml.is_file() {
        anyhow::bail!(
            "{}: no sample corpus here (pass --corpus DIR)",
            corpus.display()
        );
    }
    let mut store = open_store(config)?;
    let (added, _) = super::feeds::import_opml(store.as_mut(), &opml)?;
    if !quiet {
        outln!(
            "demo: {added} sample feeds subscribed from {}",
            opml.display()
        )?;
    }
    let runtime = runtime()?;
    let fetcher = Fetcher::new(config.fetch_config())?;
    let mut cache = storyline_pipeline::cluster::ClusterCache::new();
    poll_and_process(
        config,
        store.as_mut(),
        &fetcher,
        &runtime,
        &mut cache,
        quiet,
    )?;
    let stories = store.stories()?;
    let mut ranked: Vec<_> = stories.iter().collect();
    // Most outlets first: the stories the press agrees matter.
    ranked.sort_by(|a, b| {
        b.outlet_count
            .cmp(&a.outlet_count)
            .then(b.article_count.cmp(&a.article_count))
            .then(b.updated_at.cmp(&a.updated_at))
    });
    for story in ranked.iter().take(args.top) {
        let brief = store
            .latest_brief(&story.id)?
            .with_context(|| format!("story {} has no brief", story.id))?;
        outln!("\n{}", to_markdown(&brief))?;
    }
    outln!(
        "\n{} stories in {}. Next: `storyline stories --data-dir {}` and `storyline brief STORY --data-dir {}`.",
        stories.len(),
        config.data_dir.display(),
        config.data_dir.display(),
        config.data_dir.display()
    )?;
    drop(store);
    if args.serve {
        return super::serve::serve(config, ServeArgs { addr: args.addr });
    }
    outln!(
        "Read them in a browser: `storyline serve --data-dir {}`, then open http://{}/",
        config.data_dir.display(),
        config.serve.addr
    )?;
    Ok(())
}
