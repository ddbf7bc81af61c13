//! The command line: subcommands grouped by noun, global options shared by all.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Storyline: reads many outlets' feeds, groups articles into stories and writes one cited
/// brief per story.
#[derive(Debug, Parser)]
#[command(name = "storyline", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// More log output (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Data directory (default ./storyline-data; env STORYLINE_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (default ./storyline.toml when it exists; env STORYLINE_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store: a postgres://USER@HOST/DB URL (PostgreSQL), or sqlite:DIR; default the
    /// SQLite file in the data directory (env STORYLINE_DATABASE_URL; store.url).
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the feeds to poll.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// Poll every feed once, then update stories and briefs.
    Fetch,
    /// The long-running job: poll on an interval and keep stories and briefs current.
    Run(RunArgs),
    /// Import already extracted articles from a JSONL file, then update stories and briefs.
    Import {
        /// Lines of {"id","url","title","text","published","source"}.
        file: PathBuf,
    },
    /// List stories, most recently updated first.
    Stories {
        #[arg(long)]
        json: bool,
        /// Show at most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Print a story's brief.
    Brief {
        /// Story id or a unique prefix of it.
        story: String,
        #[arg(long, value_enum, default_value_t = BriefFormat::Md)]
        format: BriefFormat,
        /// An earlier version instead of the latest.
        #[arg(long)]
        version: Option<u32>,
        /// Show every sentence with its citations and the result of each trust check, and
        /// what was dropped when the brief was written.
        #[arg(long)]
        explain: bool,
    },
    /// Full-text search over stored articles.
    Search {
        query: String,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Serve the JSON API, the web pages and the feeds of briefs over HTTP.
    Serve(ServeArgs),
    /// Extract article text and metadata from HTML files (no store involved).
    Extract(ExtractArgs),
    /// Cluster a JSONL stream of articles into stories (no store involved).
    Cluster(ClusterArgs),
    /// Write a timeline of a file of articles: the days its coverage turns on, with the
    /// sentences that tell each (no store involved; the Timeline17 task's contract).
    Timeline(TimelineArgs),
    /// Find names of people, organisations, places and other things in a file, with the
    /// trained recogniser (no store involved).
    Entities(crate::commands::entities::EntitiesArgs),
    /// Run the whole pipeline on the bundled sample corpus and print the top briefs.
    Demo(DemoArgs),
    /// The period's top stories, ranked as on the front page: headline, the opening of
    /// "What's happened" with its citations, outlet count and a link to the story page. Prints
    /// it, or emails it now with --send (`storyline run` emails it daily at digest.at).
    Digest(DigestArgs),
    /// The knowledge base behind entity cards: import a dump, look names up.
    #[command(subcommand)]
    Kb(KbCommand),
    /// Write the archive's articles as JSONL, one line each in the format `storyline import`
    /// reads (streamed, oldest stored first): importing the file into a fresh store gives
    /// the same articles and stories.
    Export {
        /// The file to write (`-`: standard output). Written under a temporary name and
        /// renamed once complete.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Only articles published (else fetched) at or after this: YYYY-MM-DD (UTC) or an
        /// RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only articles published (else fetched) before this.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
    /// Take a consistent copy of the whole store (stories, every brief version, feeds, the
    /// knowledge base) while `run` or `import` keep writing. On PostgreSQL, prints the
    /// pg_dump line to use instead. Restore: put the copy in a data directory as
    /// storyline.db and run with --data-dir DIR.
    Backup {
        /// The SQLite file to write (replaced if present, only once the copy is complete).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Print a shell completion script: `storyline completions bash >
    /// /etc/bash_completion.d/storyline` (or zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one per command into a directory:
    /// `storyline man --output /usr/local/share/man/man1`.
    Man {
        /// The directory to write storyline.1 and storyline-COMMAND.1 into.
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Verify the store's invariants (memberships, merges, briefs current or marked dirty,
    /// no orphan rows, search indexes in step); exits 1 naming what is wrong.
    Check,
    /// Copy a whole store into an empty one (the SQLite file into PostgreSQL, or any other
    /// way): feeds, articles, stories, every brief version, the knowledge base and the
    /// clustering state; then compare the two and check the copy. Stop writers first.
    Migrate {
        /// The store to copy: a SQLite file, a data directory, or a store URL
        /// (postgres://..., sqlite:DIR).
        #[arg(long, value_name = "PATH|URL")]
        from: String,
        /// The empty store to copy into: a postgres:// URL, a SQLite file or a data
        /// directory.
        #[arg(long, value_name = "PATH|URL")]
        to: String,
    },
}

impl Command {
    /// Whether SIGTERM and Ctrl-C ask this command to stop cleanly (the long-running ones)
    /// rather than end it at once (the rest, which are short or write nothing).
    pub fn stops_cleanly(&self) -> bool {
        matches!(
            self,
            Command::Run(_)
                | Command::Serve(_)
                | Command::Fetch
                | Command::Import { .. }
                | Command::Kb(KbCommand::Import { .. })
                | Command::Demo(DemoArgs { serve: true, .. })
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Import a Wikidata JSON dump or a JSONL file of {"id","name","aliases","description",
    /// "kind","language"} (plain, gzip or bzip2); entries imported again are updated.
    Import {
        file: PathBuf,
        /// Languages to take names and descriptions in, preferred first (default from
        /// configuration: en).
        #[arg(long, value_delimiter = ',', value_name = "LANGS")]
        languages: Option<Vec<String>>,
    },
    /// The entries whose name or alias is NAME (case and spacing ignored).
    Lookup {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// How many entries each source holds, and when it was last imported.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Subscribe to feeds (http(s):// or file:// URLs, or local paths).
    Add {
        #[arg(required = true)]
        urls: Vec<String>,
    },
    /// Subscribe to every feed of an OPML file.
    Import { file: PathBuf },
    /// List subscribed feeds with their health.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Unsubscribe from a feed.
    Remove { url: String },
    /// Write the subscriptions as OPML 2.0 (titles and URLs), which `feeds import` and other
    /// readers take back.
    Export {
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Seconds between polls (default from configuration: 900).
    #[arg(long)]
    pub interval: Option<u64>,
    /// Subscribe to the feeds of this OPML file before starting (e.g. feeds/starter.opml).
    #[arg(long, value_name = "OPML")]
    pub feeds: Option<PathBuf>,
    /// Stop after this many polls (default: run until interrupted).
    #[arg(long, value_name = "N")]
    pub max_polls: Option<u64>,
    /// Address to serve on while running (default from configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "no_serve")]
    pub addr: Option<String>,
    /// Only poll and process; do not serve.
    #[arg(long)]
    pub no_serve: bool,
    /// Run as one of several workers sharing the store (PostgreSQL, or one SQLite file on
    /// one machine): each poll leases the feeds that are due, clusters when it holds the
    /// clustering lease, and writes the briefs of the dirty stories it leases.
    #[arg(long)]
    pub worker: bool,
    /// This worker's name in the store's leases (default: host name and process id).
    #[arg(long, value_name = "NAME", requires = "worker")]
    pub worker_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default from configuration: 127.0.0.1:8080; env
    /// STORYLINE_SERVE_ADDR). Port 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// HTML files or folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write DIR/<file stem>.json per input instead of JSON lines on stdout.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// The page's URL (resolves relative links; a fallback canonical URL).
    #[arg(long)]
    pub url: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// JSONL articles: {"id","date","title","text"} (one sentence a line, or running text);
    /// the import line format ("url", "published") is read too.
    #[arg(long)]
    pub articles: PathBuf,
    /// First day of the timeline (YYYY-MM-DD); articles published before it are not read.
    #[arg(long)]
    pub start: chrono::NaiveDate,
    /// Last day of the timeline (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub end: chrono::NaiveDate,
    /// The most days the timeline may have.
    #[arg(long)]
    pub dates: usize,
    /// The most sentences told for a day.
    #[arg(long)]
    pub sentences: usize,
    /// Comma-separated topic words: when given, only sentences containing one are told.
    #[arg(long, default_value = "")]
    pub keywords: String,
    /// Where to write {"date","sentences","sources"} lines, in date order (default stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// JSONL articles (import line format; `date` is accepted for `published`).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write {"id","story","why"} lines (default stdout).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sample corpus folder (default: the repository's demo/corpus).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// How many briefs to print.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Then serve the web pages and the API over the demo store until Ctrl-C.
    #[arg(long)]
    pub serve: bool,
    /// Address to serve on with --serve (default from configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "HOST:PORT", requires = "serve")]
    pub addr: Option<String>,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// The period: a length back from now (24h, 90m, 7d, 2w), YYYY-MM-DD or an RFC 3339
    /// time (default from configuration: 24h).
    #[arg(long, value_name = "PERIOD")]
    pub since: Option<String>,
    /// Most stories shown (default from configuration: 10).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = DigestFormat::Md)]
    pub format: DigestFormat,
    /// Email it now to digest.to through digest.smtp_url (text and HTML), instead of
    /// printing it.
    #[arg(long)]
    pub send: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestFormat {
    Md,
    Html,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BriefFormat {
    Md,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
