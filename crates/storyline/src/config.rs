//! Configuration: built-in defaults, then `storyline.toml`, then `STORYLINE_*` environment
//! variables, then command-line flags. This module and `main` are the only places that read
//! the environment; secrets (API keys) are read from the environment only, never from the
//! file.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use storyline_fetch::FetchConfig;
use storyline_pipeline::ingest::{ImportLimits, PollLimits};

/// The whole configuration, as `storyline.toml` spells it (see `storyline.example.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub data_dir: PathBuf,
    pub store: StoreSettings,
    pub fetch: FetchSettings,
    pub run: RunSettings,
    pub brief: BriefSettings,
    pub cluster: ClusterSettings,
    pub kb: KbSettings,
    pub serve: ServeSettings,
    pub import: ImportSettings,
    pub digest: DigestSettings,
}

/// The digest: `storyline digest`, and the daily email of `storyline run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestSettings {
    /// When `storyline run` emails the digest each day: "HH:MM" or "HH:MM:SS", UTC unless an
    /// offset follows ("07:00+01:00"). Unset: no email. Env: STORYLINE_DIGEST_AT.
    pub at: Option<String>,
    /// Recipients ("reader@example.org" or "Reader <reader@example.org>"). Env:
    /// STORYLINE_DIGEST_TO, comma-separated.
    pub to: Vec<String>,
    /// The sender. Env: STORYLINE_DIGEST_FROM.
    pub from: String,
    /// The SMTP server: "smtps://mail.example.org" (TLS, port 465),
    /// "smtp://mail.example.org?tls=required" (STARTTLS, port 587) or "smtp://127.0.0.1:25"
    /// (a relay on this machine). Credentials come from STORYLINE_SMTP_USERNAME and
    /// STORYLINE_SMTP_PASSWORD only. Env: STORYLINE_DIGEST_SMTP_URL.
    pub smtp_url: Option<String>,
    #[serde(skip)]
    pub smtp_credentials: Option<(String, String)>,
    /// The period covered: a length back from sending ("24h", "7d").
    pub since: String,
    /// Most stories in one digest.
    pub limit: usize,
}

impl Default for DigestSettings {
    fn default() -> Self {
        DigestSettings {
            at: None,
            to: Vec::new(),
            from: "Storyline <storyline@localhost>".to_string(),
            smtp_url: None,
            smtp_credentials: None,
            since: "24h".to_string(),
            limit: 10,
        }
    }
}

/// Clustering.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSettings {
    /// The sentence-embedding model's directory (all-MiniLM-L6-v2: config.json,
    /// model.safetensors, tokenizer.json), which `scripts/setup-models.sh` installs and
    /// prints. Unset: stories are grouped by their words alone (headline-only items group a
    /// little worse). Env: STORYLINE_EMBED_MODEL.
    pub embed_model: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    pub user_agent: Option<String>,
    pub timeout_secs: u64,
    pub connect_timeout_secs: u64,
    pub max_body_mb: u64,
    pub max_redirects: usize,
    pub allow_private_addresses: bool,
    /// Hosts that may be fetched although private (an intranet feed server), while every
    /// other private address stays refused.
    pub allow_private_hosts: Vec<String>,
    pub per_host_interval_ms: u64,
    /// Fetch each site's robots.txt (once a day) and obey it. Env: STORYLINE_FETCH_RESPECT_ROBOTS.
    pub respect_robots: bool,
    /// Requests in flight at once during a poll, over all feeds.
    pub concurrency: usize,
    /// Item pages of one feed in flight at once.
    pub per_feed_concurrency: usize,
    /// Longest one feed may take per poll, its pages included; the rest waits for the next.
    pub feed_budget_secs: u64,
    /// Longest a whole poll may take.
    pub poll_budget_secs: u64,
    /// Most new items read from one feed per poll; the rest at the next.
    pub max_items_per_feed: usize,
}

/// `storyline import`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// Largest article text kept, in MiB (longer texts are cut, and the cut reported); a
    /// line may be twice that. Env: STORYLINE_IMPORT_MAX_TEXT_MB.
    pub max_text_mb: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            max_text_mb: (storyline_pipeline::ingest::DEFAULT_MAX_TEXT_BYTES / (1024 * 1024))
                as u64,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSettings {
    pub interval_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BriefSettings {
    pub engine: EngineKind,
    /// Most tokens a model engine may answer with.
    pub max_answer_tokens: u32,
    /// Sampling temperature of the model engines (0: repeatable briefs).
    pub temperature: f32,
    pub local: LocalModelSettings,
    pub openai: OpenAiEngineSettings,
}

/// The `local` engine: a GGUF instruction model run in-process by llama.cpp.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalModelSettings {
    /// The .gguf file. Env: STORYLINE_LOCAL_MODEL.
    pub model_path: Option<PathBuf>,
    /// Tokens of prompt plus answer (capped at what the model was trained for).
    pub context_tokens: u32,
    /// CPU threads for llama.cpp. Env: STORYLINE_LOCAL_THREADS.
    pub threads: usize,
}

/// The `openai` engine: any OpenAI-compatible chat-completions endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiEngineSettings {
    /// Base URL up to and including `/v1`. Env: STORYLINE_OPENAI_BASE_URL.
    pub base_url: String,
    /// Model name as the server knows it. Env: STORYLINE_OPENAI_MODEL.
    pub model: String,
    pub timeout_secs: u64,
    pub max_retries: u32,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// The model's context window in tokens.
    pub context_tokens: u32,
    /// The API key, from STORYLINE_OPENAI_API_KEY or OPENAI_API_KEY only (never the file).
    #[serde(skip)]
    pub api_key: Option<String>,
}

impl Default for LocalModelSettings {
    fn default() -> Self {
        LocalModelSettings {
            model_path: None,
            // Small models gain little from more passages and pay for every prompt token.
            context_tokens: 2048,
            // One thread measured faster than two on a 2-core machine with other work on it
            // (prompt 140 vs 95 tokens/s, generation 60 vs 20).
            threads: 1,
        }
    }
}

impl Default for OpenAiEngineSettings {
    fn default() -> Self {
        OpenAiEngineSettings {
            base_url: "http://127.0.0.1:8080/v1".into(),
            model: String::new(),
            timeout_secs: 120,
            max_retries: 2,
            concurrency: 1,
            context_tokens: 8192,
            api_key: None,
        }
    }
}

/// The knowledge base behind entity cards.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KbSettings {
    /// Languages `storyline kb import` takes names and descriptions in, preferred first.
    pub languages: Vec<String>,
}

impl Default for KbSettings {
    fn default() -> Self {
        KbSettings {
            languages: vec!["en".to_string()],
        }
    }
}

/// Where the store lives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// A `postgres://` URL (or `sqlite:DIR`); unset, the SQLite file in `data_dir`. Env:
    /// STORYLINE_DATABASE_URL; flag: --database.
    pub url: Option<String>,
}

/// The HTTP server of `storyline serve` and `storyline run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeSettings {
    /// `HOST:PORT` to listen on. Env: STORYLINE_SERVE_ADDR; flag: --addr.
    pub addr: String,
    /// Store connections the server reads through (requests beyond them wait their turn).
    /// Env: STORYLINE_SERVE_CONNECTIONS.
    pub connections: usize,
    /// The absolute URL readers reach the server at ("https://news.example.org"): the base
    /// of links in feeds and digests. Unset: feeds use the request's Host, digests
    /// `http://` + `addr`. Env: STORYLINE_PUBLIC_URL.
    pub public_url: Option<String>,
    /// The token of the API's feed administration routes, from STORYLINE_ADMIN_TOKEN only
    /// (never the file); without it those routes are off.
    #[serde(skip)]
    pub admin_token: Option<String>,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            addr: "127.0.0.1:8080".to_string(),
            connections: storyline_web::DEFAULT_CONNECTIONS,
            public_url: None,
            admin_token: None,
        }
    }
}

/// The brief engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// Offline and deterministic: real sentences of the coverage, attributed and cited.
    Extractive,
    /// A GGUF model run in-process with llama.cpp (builds with the `local-llm` feature).
    Local,
    /// An OpenAI-compatible chat-completions server.
    Openai,
}

impl std::str::FromStr for EngineKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name.trim() {
            "extractive" => Ok(EngineKind::Extractive),
            "local" => Ok(EngineKind::Local),
            "openai" => Ok(EngineKind::Openai),
            other => Err(format!(
                "unknown brief engine \"{other}\" (available: extractive, local, openai)"
            )),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./storyline-data"),
            store: StoreSettings::default(),
            fetch: FetchSettings::default(),
            run: RunSettings::default(),
            brief: BriefSettings::default(),
            cluster: ClusterSettings::default(),
            kb: KbSettings::default(),
            serve: ServeSettings::default(),
            import: ImportSettings::default(),
            digest: DigestSettings::default(),
        }
    }
}

impl Default for FetchSettings {
    fn default() -> Self {
        let defaults = FetchConfig::default();
        let poll = PollLimits::default();
        FetchSettings {
            respect_robots: defaults.respect_robots,
            concurrency: poll.concurrency,
            per_feed_concurrency: poll.per_feed_concurrency,
            feed_budget_secs: poll.feed_budget.as_secs(),
            poll_budget_secs: poll.run_budget.as_secs(),
            max_items_per_feed: poll.max_items_per_feed,
            user_agent: None,
            timeout_secs: defaults.timeout.as_secs(),
            connect_timeout_secs: defaults.connect_timeout.as_secs(),
            max_body_mb: defaults.max_body_bytes / (1024 * 1024),
            max_redirects: defaults.max_redirects,
            allow_private_addresses: defaults.allow_private_addresses,
            allow_private_hosts: defaults.allow_private_hosts,
            per_host_interval_ms: defaults.per_host_interval.as_millis() as u64,
        }
    }
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings { interval_secs: 900 }
    }
}

impl Default for BriefSettings {
    fn default() -> Self {
        BriefSettings {
            engine: EngineKind::Extractive,
            max_answer_tokens: 768,
            temperature: 0.0,
            local: LocalModelSettings::default(),
            openai: OpenAiEngineSettings::default(),
        }
    }
}

impl Config {
    /// Loads the configuration: `explicit` file (must exist), else `./storyline.toml` if it
    /// exists, else defaults; then the environment.
    pub fn load(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let path = explicit
            .map(Path::to_path_buf)
            .or_else(|| env("STORYLINE_CONFIG").map(PathBuf::from))
            .or_else(|| Some(PathBuf::from("storyline.toml")).filter(|p| p.is_file()));
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read configuration {}", path.display()))?;
                toml::from_str(&text).map_err(|e| {
                    anyhow::anyhow!("{}: invalid configuration: {}", path.display(), e.message())
                })?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        fn parsed<T: std::str::FromStr>(name: &str, value: String) -> Result<T> {
            value.trim().parse().map_err(|_| {
                anyhow::anyhow!("environment variable {name}: cannot parse \"{value}\"")
            })
        }
        if let Some(v) = env("STORYLINE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("STORYLINE_DATABASE_URL") {
            self.store.url = Some(v);
        }
        if let Some(v) = env("STORYLINE_FETCH_USER_AGENT") {
            self.fetch.user_agent = Some(v);
        }
        if let Some(v) = env("STORYLINE_FETCH_TIMEOUT_SECS") {
            self.fetch.timeout_secs = parsed("STORYLINE_FETCH_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_MAX_BODY_MB") {
            self.fetch.max_body_mb = parsed("STORYLINE_FETCH_MAX_BODY_MB", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_ALLOW_PRIVATE_ADDRESSES") {
            self.fetch.allow_private_addresses =
                parsed("STORYLINE_FETCH_ALLOW_PRIVATE_ADDRESSES", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_PER_HOST_INTERVAL_MS") {
            self.fetch.per_host_interval_ms = parsed("STORYLINE_FETCH_PER_HOST_INTERVAL_MS", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_RESPECT_ROBOTS") {
            self.fetch.respect_robots = parsed("STORYLINE_FETCH_RESPECT_ROBOTS", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_CONCURRENCY") {
            self.fetch.concurrency = parsed("STORYLINE_FETCH_CONCURRENCY", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_FEED_BUDGET_SECS") {
            self.fetch.feed_budget_secs = parsed("STORYLINE_FETCH_FEED_BUDGET_SECS", v)?;
        }
        if let Some(v) = env("STORYLINE_FETCH_MAX_ITEMS_PER_FEED") {
            self.fetch.max_items_per_feed = parsed("STORYLINE_FETCH_MAX_ITEMS_PER_FEED", v)?;
        }
        if let Some(v) = env("STORYLINE_IMPORT_MAX_TEXT_MB") {
            self.import.max_text_mb = parsed("STORYLINE_IMPORT_MAX_TEXT_MB", v)?;
        }
        if let Some(v) = env("STORYLINE_RUN_INTERVAL_SECS") {
            self.run.interval_secs = parsed("STORYLINE_RUN_INTERVAL_SECS", v)?;
        }
        if let Some(v) = env("STORYLINE_KB_LANGUAGES") {
            self.kb.languages = v.split(',').map(|l| l.trim().to_string()).collect();
        }
        if let Some(v) = env("STORYLINE_EMBED_MODEL") {
            self.cluster.embed_model = Some(PathBuf::from(v));
        }
        if let Some(v) = env("STORYLINE_LOCAL_MODEL") {
            self.brief.local.model_path = Some(PathBuf::from(v));
        }
        if let Some(v) = env("STORYLINE_LOCAL_THREADS") {
            self.brief.local.threads = parsed("STORYLINE_LOCAL_THREADS", v)?;
        }
        if let Some(v) = env("STORYLINE_OPENAI_BASE_URL") {
            self.brief.openai.base_url = v;
        }
        if let Some(v) = env("STORYLINE_OPENAI_MODEL") {
            self.brief.openai.model = v;
        }
        self.brief.openai.api_key = env("STORYLINE_OPENAI_API_KEY")
            .or_else(|| env("OPENAI_API_KEY"))
            .filter(|key| !key.trim().is_empty());
        if let Some(v) = env("STORYLINE_SERVE_ADDR") {
            self.serve.addr = v.trim().to_string();
        }
        if let Some(v) = env("STORYLINE_SERVE_CONNECTIONS") {
            self.serve.connections = parsed("STORYLINE_SERVE_CONNECTIONS", v)?;
        }
        self.serve.admin_token = env("STORYLINE_ADMIN_TOKEN")
            .map(|token| token.trim().to_string())
            .filter(|token| !token.is_empty());
        if let Some(v) = env("STORYLINE_PUBLIC_URL") {
            self.serve.public_url = Some(v.trim().to_string());
        }
        if let Some(v) = env("STORYLINE_DIGEST_AT") {
            self.digest.at = Some(v.trim().to_string());
        }
        if let Some(v) = env("STORYLINE_DIGEST_TO") {
            self.digest.to = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(v) = env("STORYLINE_DIGEST_FROM") {
            self.digest.from = v.trim().to_string();
        }
        if let Some(v) = env("STORYLINE_DIGEST_SMTP_URL") {
            self.digest.smtp_url = Some(v.trim().to_string());
        }
        self.digest.smtp_credentials = match (
            env("STORYLINE_SMTP_USERNAME"),
            env("STORYLINE_SMTP_PASSWORD"),
        ) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            _ => bail!(
                "STORYLINE_SMTP_USERNAME and STORYLINE_SMTP_PASSWORD go together: set both or neither"
            ),
        };
        if let Some(v) = env("STORYLINE_BRIEF_ENGINE") {
            self.brief.engine = v
                .parse()
                .map_err(|e| anyhow::anyhow!("environment variable STORYLINE_BRIEF_ENGINE: {e}"))?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        if self.fetch.timeout_secs == 0 || self.fetch.max_body_mb == 0 {
            bail!("fetch.timeout_secs and fetch.max_body_mb must be greater than 0");
        }
        let fetch = &self.fetch;
        if fetch.concurrency == 0
            || fetch.per_feed_concurrency == 0
            || fetch.feed_budget_secs == 0
            || fetch.poll_budget_secs == 0
            || fetch.max_items_per_feed == 0
        {
            bail!(
                "fetch.concurrency, fetch.per_feed_concurrency, fetch.feed_budget_secs, \
                 fetch.poll_budget_secs and fetch.max_items_per_feed must be greater than 0"
            );
        }
        if self.import.max_text_mb == 0 || self.import.max_text_mb > 1024 {
            bail!(
                "import.max_text_mb must be between 1 and 1024 (it is {})",
                self.import.max_text_mb
            );
        }
        match self.brief.engine {
            EngineKind::Local if self.brief.local.model_path.is_none() => bail!(
                "brief.engine = \"local\" needs brief.local.model_path (or STORYLINE_LOCAL_MODEL): \
                 the .gguf file to load (scripts/setup-models.sh installs SmolLM2)"
            ),
            EngineKind::Openai if self.brief.openai.model.trim().is_empty() => bail!(
                "brief.engine = \"openai\" needs brief.openai.model (or STORYLINE_OPENAI_MODEL)"
            ),
            _ => {}
        }
        if self.brief.local.threads == 0 || self.brief.openai.concurrency == 0 {
            bail!("brief.local.threads and brief.openai.concurrency must be at least 1");
        }
        if let Some(dir) = &self.cluster.embed_model
            && !dir.join("config.json").is_file()
        {
            bail!(
                "cluster.embed_model (or STORYLINE_EMBED_MODEL): {} holds no config.json; \
                 give the model's directory, as scripts/setup-models.sh prints it",
                dir.display()
            );
        }
        if self.serve.addr.trim().is_empty() {
            bail!("serve.addr must be HOST:PORT (e.g. \"127.0.0.1:8080\")");
        }
        if !(1..=256).contains(&self.serve.connections) {
            bail!(
                "serve.connections must be between 1 and 256 (it is {})",
                self.serve.connections
            );
        }
        if let Some(url) = self.serve.public_url.as_deref().map(str::trim)
            && !url.is_empty()
            && !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            bail!(
                "serve.public_url {url:?}: expected an absolute http(s) URL such as \"https://news.example.org\""
            );
        }
        if self.digest.limit == 0 {
            bail!("digest.limit must be at least 1");
        }
        if self.digest.at.is_some() && self.digest.smtp_url.is_none() {
            bail!(
                "digest.at is set but digest.smtp_url is not: name the SMTP server to send the digest through"
            );
        }
        if self.kb.languages.iter().all(|l| l.trim().is_empty()) {
            bail!("kb.languages must name at least one language (e.g. [\"en\"])");
        }
        Ok(())
    }

    /// The fetcher settings.
    pub fn fetch_config(&self) -> FetchConfig {
        let defaults = FetchConfig::default();
        FetchConfig {
            user_agent: self.fetch.user_agent.clone().unwrap_or(defaults.user_agent),
            timeout: Duration::from_secs(self.fetch.timeout_secs),
            connect_timeout: Duration::from_secs(self.fetch.connect_timeout_secs),
            max_body_bytes: self.fetch.max_body_mb.saturating_mul(1024 * 1024),
            max_redirects: self.fetch.max_redirects,
            allow_private_addresses: self.fetch.allow_private_addresses,
            allow_private_hosts: self.fetch.allow_private_hosts.clone(),
            per_host_interval: Duration::from_millis(self.fetch.per_host_interval_ms),
            respect_robots: self.fetch.respect_robots,
        }
    }

    /// The bounds of one poll.
    pub fn poll_limits(&self) -> PollLimits {
        PollLimits {
            concurrency: self.fetch.concurrency,
            per_feed_concurrency: self.fetch.per_feed_concurrency,
            feed_budget: Duration::from_secs(self.fetch.feed_budget_secs),
            run_budget: Duration::from_secs(self.fetch.poll_budget_secs),
            max_items_per_feed: self.fetch.max_items_per_feed,
        }
    }

    /// The bounds of one imported line.
    pub fn import_limits(&self) -> ImportLimits {
        let bytes = self.import.max_text_mb.saturating_mul(1024 * 1024);
        ImportLimits::with_max_text_bytes(usize::try_from(bytes).unwrap_or(usize::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn load(file: Option<&str>, env: &[(&str, &str)]) -> Result<Config> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("storyline.toml");
        if let Some(text) = file {
            std::fs::write(&path, text)?;
        }
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(file.map(|_| path.as_path()), &|name| env.get(name).cloned())
    }

    #[test]
    fn layers_apply_in_order() {
        let config = load(
            Some("data_dir = \"/srv/a\"\n[fetch]\ntimeout_secs = 7\n"),
            &[],
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/a"));
        assert_eq!(config.fetch_config().timeout, Duration::from_secs(7));
        let config = load(
            Some("data_dir = \"/srv/a\"\n"),
            &[("STORYLINE_DATA_DIR", "/srv/b")],
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(load(None, &[]).unwrap().run.interval_secs, 900);
    }

    #[test]
    fn the_example_configuration_is_valid_and_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../storyline.example.toml");
        let example = Config::load(Some(&path), &|_| None).unwrap();
        assert_eq!(example.fetch_config(), Config::default().fetch_config());
        assert_eq!(example.poll_limits(), Config::default().poll_limits());
        assert_eq!(example.import_limits(), Config::default().import_limits());
        assert_eq!(
            example.run.interval_secs,
            Config::default().run.interval_secs
        );
        assert_eq!(example.data_dir, Config::default().data_dir);
        assert_eq!(example.kb.languages, Config::default().kb.languages);
        assert_eq!(
            format!("{:?}", example.serve),
            format!("{:?}", Config::default().serve)
        );
        assert_eq!(
            format!("{:?}", example.brief),
            format!("{:?}", Config::default().brief)
        );
        assert_eq!(
            format!("{:?}", example.digest),
            format!("{:?}", Config::default().digest)
        );
    }

    #[test]
    fn the_digest_is_configured_from_file_and_environment_with_secrets_from_the_environment() {
        let config = load(
            Some(
                "[serve]\npublic_url = \"https://news.example.org/\"\n[digest]\nat = \"07:00\"\n\
                 to = [\"a@example.org\"]\nsmtp_url = \"smtps://mail.example.org\"\n",
            ),
            &[
                ("STORYLINE_DIGEST_TO", "b@example.org, c@example.org"),
                ("STORYLINE_SMTP_USERNAME", "news"),
                ("STORYLINE_SMTP_PASSWORD", "hunter2"),
            ],
        )
        .unwrap();
        assert_eq!(config.digest.at.as_deref(), Some("07:00"));
        assert_eq!(config.digest.to, vec!["b@example.org", "c@example.org"]);
        assert_eq!(
            config.digest.smtp_credentials,
            Some(("news".to_string(), "hunter2".to_string()))
        );
        assert_eq!(
            config.serve.public_url.as_deref(),
            Some("https://news.example.org/")
        );
        // The password is never read from the file.
        let err = load(Some("[digest]\nsmtp_password = \"x\"\n"), &[]).unwrap_err();
        assert!(err.to_string().contains("smtp_password"), "{err}");
        let err = load(None, &[("STORYLINE_SMTP_USERNAME", "news")]).unwrap_err();
        assert!(err.to_string().contains("go together"), "{err}");
        let err = load(None, &[("STORYLINE_DIGEST_AT", "07:00")]).unwrap_err();
        assert!(err.to_string().contains("digest.smtp_url"), "{err}");
        let err = load(None, &[("STORYLINE_PUBLIC_URL", "news.example.org")]).unwrap_err();
        assert!(err.to_string().starts_with("serve.public_url "), "{err}");
    }

    #[test]
    fn model_engines_are_configured_from_file_and_environment() {
        let config = load(
            Some(
                "[brief]\nengine = \"openai\"\n[brief.openai]\nmodel = \"qwen\"\nconcurrency = 4\n",
            ),
            &[
                ("STORYLINE_OPENAI_BASE_URL", "http://10.0.0.5:8000/v1"),
                ("OPENAI_API_KEY", "sk-test"),
            ],
        )
        .unwrap();
        assert_eq!(config.brief.engine, EngineKind::Openai);
        assert_eq!(config.brief.openai.model, "qwen");
        assert_eq!(config.brief.openai.concurrency, 4);
        assert_eq!(config.brief.openai.base_url, "http://10.0.0.5:8000/v1");
        assert_eq!(config.brief.openai.api_key.as_deref(), Some("sk-test"));

        let err = load(None, &[("STORYLINE_BRIEF_ENGINE", "local")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("STORYLINE_LOCAL_MODEL"), "{err}");
        let err = load(None, &[("STORYLINE_BRIEF_ENGINE", "openai")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("brief.openai.model"), "{err}");
        let config = load(
            None,
            &[
                ("STORYLINE_BRIEF_ENGINE", "local"),
                ("STORYLINE_LOCAL_MODEL", "/models/smollm2.gguf"),
            ],
        )
        .unwrap();
        assert_eq!(
            config.brief.local.model_path,
            Some(PathBuf::from("/models/smollm2.gguf"))
        );
        // A key in the file is refused: secrets come from the environment only.
        assert!(load(Some("[brief.openai]\napi_key = \"sk-x\"\n"), &[]).is_err());
    }

    #[test]
    fn the_embedding_model_comes_from_file_or_environment_and_must_be_a_model_directory() {
        let model = tempfile::tempdir().unwrap();
        std::fs::write(model.path().join("config.json"), "{}").unwrap();
        let dir = model.path().to_str().unwrap();
        let from_file = load(Some(&format!("[cluster]\nembed_model = {dir:?}\n")), &[]).unwrap();
        assert_eq!(from_file.cluster.embed_model.as_deref(), Some(model.path()));
        let from_env = load(None, &[("STORYLINE_EMBED_MODEL", dir)]).unwrap();
        assert_eq!(from_env.cluster.embed_model.as_deref(), Some(model.path()));
        assert_eq!(load(None, &[]).unwrap().cluster.embed_model, None);
        // A directory without the model's files is refused at start-up, named.
        let empty = tempfile::tempdir().unwrap();
        let err = load(
            None,
            &[("STORYLINE_EMBED_MODEL", empty.path().to_str().unwrap())],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("cluster.embed_model"), "{err}");
        assert!(err.contains(empty.path().to_str().unwrap()), "{err}");
    }

    #[test]
    fn bad_configuration_says_where() {
        let err = load(Some("[fetch]\ntimeout = 3\n"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("storyline.toml: invalid configuration: unknown field `timeout`"),
            "{err}"
        );
        let err = load(None, &[("STORYLINE_FETCH_TIMEOUT_SECS", "soon")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "environment variable STORYLINE_FETCH_TIMEOUT_SECS: cannot parse \"soon\""
        );
        let err = load(Some("[brief]\nengine = \"gpt\"\n"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown variant `gpt`, expected one of `extractive`, `local`, `openai`"),
            "{err}"
        );
        let err = load(None, &[("STORYLINE_BRIEF_ENGINE", "gpt")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown brief engine \"gpt\""), "{err}");
    }

    #[test]
    fn serve_settings_come_from_file_and_environment_and_the_token_from_environment_only() {
        let config = load(None, &[]).unwrap();
        assert_eq!(config.serve.addr, "127.0.0.1:8080");
        assert_eq!(config.serve.admin_token, None);
        let config = load(
            Some("[serve]\naddr = \"0.0.0.0:9000\"\nconnections = 8\n"),
            &[("STORYLINE_ADMIN_TOKEN", " s3cret ")],
        )
        .unwrap();
        assert_eq!(config.serve.addr, "0.0.0.0:9000");
        assert_eq!(config.serve.connections, 8);
        assert_eq!(config.serve.admin_token.as_deref(), Some("s3cret"));
        let config = load(
            Some("[serve]\naddr = \"0.0.0.0:9000\"\n"),
            &[("STORYLINE_SERVE_ADDR", "127.0.0.1:0")],
        )
        .unwrap();
        assert_eq!(config.serve.addr, "127.0.0.1:0");
        assert!(load(Some("[serve]\nadmin_token = \"x\"\n"), &[]).is_err());
        let err = load(None, &[("STORYLINE_SERVE_CONNECTIONS", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("serve.connections must be between 1 and 256"),
            "{err}"
        );
    }

    #[test]
    fn kb_languages_come_from_file_or_environment() {
        assert_eq!(load(None, &[]).unwrap().kb.languages, ["en"]);
        let config = load(Some("[kb]\nlanguages = [\"pt\", \"en\"]\n"), &[]).unwrap();
        assert_eq!(config.kb.languages, ["pt", "en"]);
        let config = load(None, &[("STORYLINE_KB_LANGUAGES", " de, en ")]).unwrap();
        assert_eq!(config.kb.languages, ["de", "en"]);
        let err = load(None, &[("STORYLINE_KB_LANGUAGES", " , ")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("kb.languages must name at least one language"),
            "{err}"
        );
    }
}
