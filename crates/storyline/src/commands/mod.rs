//! One module per group of subcommands; [`run`] dispatches and owns the wiring (which store,
//! which brief engine) so the commands themselves stay small.

pub(crate) mod archive;
mod check;
mod demo;
mod digest;
pub(crate) mod entities;
mod feeds;
mod ingest;
mod kb;
mod manual;
mod migrate;
mod read;
mod serve;
mod timeline;
mod tools;
mod worker;

use crate::cli::{Cli, Command};
use crate::config::{Config, EngineKind};
use crate::output::errln;
use anyhow::{Context, Result};
use chrono::Utc;
use storyline_llm::openai::{OpenAiChat, OpenAiSettings};
use storyline_pipeline::brief::model::{ModelWriter, ModelWriterSettings};
use storyline_pipeline::brief::{
    BriefReport, Generator, extractive::ExtractiveWriter, refresh_briefs,
};
use storyline_pipeline::cluster::{
    ClusterCache, ClusterConfig, ClusterReport, cluster_pending_cached,
};
use storyline_store::{Store, StoreLocation};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut config = Config::load(cli.global.config.as_deref(), &env)?;
    if let Some(dir) = cli.global.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = cli.global.database {
        config.store.url = Some(url);
    }
    storyline_pipeline::cluster::set_embed_model(config.cluster.embed_model.clone());
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
            explain,
        } => read::brief(&config, &story, format, version, explain),
        Command::Search { query, json, limit } => read::search(&config, &query, json, limit),
        Command::Serve(args) => serve::serve(&config, args),
        Command::Extract(args) => tools::extract(args),
        Command::Cluster(args) => tools::cluster(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Entities(args) => entities::run(&args),
        Command::Demo(args) => demo::run(&config, args, quiet),
        Command::Digest(args) => digest::run(&config, args, quiet),
        Command::Kb(command) => kb::run(&config, command, quiet),
        Command::Export {
            output,
            since,
            until,
        } => archive::export(&config, &output, since.as_deref(), until.as_deref(), quiet),
        Command::Backup { output } => archive::backup(&config, &output, quiet),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man { output } => manual::man(output.as_deref(), quiet),
        Command::Check => check::run(&config, quiet),
        Command::Migrate { from, to } => migrate::run(&from, &to, quiet),
    }
}

/// Where the configured store lives: `store.url` (or `--database`, or
/// `STORYLINE_DATABASE_URL`) when set, else the SQLite file in the data directory.
fn store_location(config: &Config) -> Result<StoreLocation> {
    Ok(StoreLocation::from_parts(
        config.store.url.as_deref(),
        &config.data_dir,
    )?)
}

/// Opens the configured store (creating the data directory or migrating the database on
/// first use).
fn open_store(config: &Config) -> Result<Box<dyn Store>> {
    let location = store_location(config)?;
    location
        .open()
        .with_context(|| format!("cannot open the store {location}"))
}

/// The brief engine named by the configuration. Model engines are built once per command:
/// loading a GGUF file takes a moment.
fn brief_writer(config: &Config) -> Result<Box<dyn Generator>> {
    let settings = ModelWriterSettings {
        max_answer_tokens: config.brief.max_answer_tokens,
        temperature: config.brief.temperature,
    };
    match config.brief.engine {
        EngineKind::Extractive => Ok(Box::new(ExtractiveWriter)),
        EngineKind::Openai => {
            let openai = &config.brief.openai;
            let mut client = OpenAiSettings::new(&openai.base_url, &openai.model);
            client.api_key = openai.api_key.clone();
            client.timeout = std::time::Duration::from_secs(openai.timeout_secs.max(1));
            client.max_retries = openai.max_retries;
            client.max_concurrency = openai.concurrency;
            client.context_tokens = openai.context_tokens;
            let chat = OpenAiChat::new(client).context("cannot set up the openai brief engine")?;
            Ok(Box::new(ModelWriter::new(
                "openai",
                std::sync::Arc::new(chat),
                settings,
            )))
        }
        EngineKind::Local => local_writer(config, settings),
    }
}

#[cfg(feature = "local-llm")]
fn local_writer(config: &Config, settings: ModelWriterSettings) -> Result<Box<dyn Generator>> {
    use storyline_llm::local::{LlamaChat, LlamaSettings};
    let local = &config.brief.local;
    let path = local
        .model_path
        .clone()
        .context("brief.local.model_path is not set")?;
    let mut llama = LlamaSettings::new(path);
    llama.context_tokens = local.context_tokens;
    llama.threads = local.threads;
    let chat = LlamaChat::load(llama).context("cannot load the local brief model")?;
    Ok(Box::new(ModelWriter::new(
        "local",
        std::sync::Arc::new(chat),
        settings,
    )))
}

#[cfg(not(feature = "local-llm"))]
fn local_writer(_config: &Config, _settings: ModelWriterSettings) -> Result<Box<dyn Generator>> {
    anyhow::bail!(
        "this build has no local model engine: rebuild with `cargo build --release --features \
         local-llm` (needs cmake and libclang-dev), or use brief.engine = \"openai\" or \
         \"extractive\""
    )
}

/// Clusters new articles and refreshes the briefs of changed stories. `cache` keeps the
/// clusterer between the polls of one process (`run`), so a poll loads no clustering state
/// unless another process saved one meanwhile.
fn process(
    config: &Config,
    store: &mut dyn Store,
    cache: &mut ClusterCache,
) -> Result<(ClusterReport, BriefReport)> {
    let clustered = cluster_pending_cached(store, &ClusterConfig::default(), cache)
        .context("clustering failed")?;
    let writer = brief_writer(config)?;
    let briefs =
        refresh_briefs(store, writer.as_ref(), Utc::now()).context("writing briefs failed")?;
    for error in &briefs.errors {
        errln!("warning: {error}");
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
