//! One module per group of subcommands; [`run`] dispatches and owns the wiring (which store,
//! which brief engine) so the commands themselves stay small.

mod demo;
mod feeds;
mod ingest;
mod read;
mod tools;

use crate::cli::{Cli, Command};
use crate::config::{Config, EngineKind};
use anyhow::{Context, Result};
use chrono::Utc;
use storyline_pipeline::brief::{
    BriefReport, Generator, extractive::ExtractiveWriter, refresh_briefs,
};
use storyline_pipeline::cluster::{ClusterConfig, ClusterReport, cluster_pending};
use storyline_store::{SqliteStore, Store};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut config = Config::load(cli.global.config.as_deref(), &env)?;
    if let Some(dir) = cli.global.data_dir {
        config.data_dir = dir;
    }
    let quiet = cli.quiet;
    match cli.command {
        Command::Feeds(command) => feeds::run(&config, command),
        Command::Fetch => ingest::fetch(&config, quiet),
        Command::Run(args) => ingest::run_loop(&config, args, quiet),
        Command::Import { file } => ingest::import(&config, &file, quiet),
        Command::Stories { json, limit } => read::stories(&config, json, limit),
        Command::Brief {
            story,
            format,
            version,
        } => read::brief(&config, &story, format, version),
        Command::Search { query, json, limit } => read::search(&config, &query, json, limit),
        Command::Extract(args) => tools::extract(args),
        Command::Cluster(args) => tools::cluster(args),
        Command::Demo(args) => demo::run(&config, args, quiet),
    }
}

/// Opens the configured store (creating the data directory on first use).
fn open_store(config: &Config) -> Result<Box<dyn Store>> {
    let store = SqliteStore::open(&config.data_dir)
        .with_context(|| format!("cannot open the store in {}", config.data_dir.display()))?;
    Ok(Box::new(store))
}

/// The brief engine named by the configuration.
fn brief_writer(config: &Config) -> Box<dyn Generator> {
    match config.brief.engine {
        EngineKind::Extractive => Box::new(ExtractiveWriter),
    }
}

/// Clusters new articles and refreshes the briefs of changed stories.
fn process(config: &Config, store: &mut dyn Store) -> Result<(ClusterReport, BriefReport)> {
    let clustered =
        cluster_pending(store, &ClusterConfig::default()).context("clustering failed")?;
    let writer = brief_writer(config);
    let briefs =
        refresh_briefs(store, writer.as_ref(), Utc::now()).context("writing briefs failed")?;
    for error in &briefs.errors {
        eprintln!("warning: {error}");
    }
    Ok((clustered, briefs))
}

/// One line about what [`process`] did.
fn describe(clustered: &ClusterReport, briefs: &BriefReport) -> String {
    format!(
        "{} articles clustered ({} new stories); {} briefs written, {} unchanged",
        clustered.assigned,
        clustered.new_stories,
        briefs.written.len(),
        briefs.unchanged
    )
}
