//! Crash safety, checked: `storyline import` and `storyline fetch` killed with SIGKILL at
//! seeded random moments, 50 times each and on each backend (the SQLite file, and a fresh
//! PostgreSQL database on `STORYLINE_TEST_POSTGRES`, default the local server; `skip` skips
//! those), then run to the end. After every kill `storyline
//! check` must find the store sound (every write is one transaction, and a story whose brief
//! is behind is marked dirty), and at the end every input article is stored exactly once and
//! is in exactly one live story.
//!
//! The input is invented news written here: events in made-up places, each told by a few
//! made-up outlets. The fetch test reads it as RSS feeds and article pages on disk (file://
//! feeds a user names, and the pages they link to, are read like the demo corpus).

mod cli_support;

use cli_support::ok;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use storyline_model::ArticleId;
use storyline_store::{Store, StoreLocation};

/// Kills per command, as the issue asks.
const KILLS: usize = 50;

/// Deterministic pseudo-random numbers (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const SYLLABLES: &[&str] = &[
    "kel", "arv", "tol", "dray", "sen", "ors", "hal", "quar", "lind", "mar", "oak", "voss", "cal",
    "est", "ruv", "kes", "fen", "gor", "wyn", "bel", "ana", "vik", "moor", "vale",
];
const WORDS: &[&str] = &[
    "council",
    "harbour",
    "workers",
    "families",
    "bridge",
    "school",
    "police",
    "market",
    "storm",
    "river",
    "union",
    "budget",
    "court",
    "hospital",
    "station",
    "rescue",
    "talks",
    "vote",
    "fire",
    "road",
    "morning",
    "evening",
    "residents",
    "officials",
    "promised",
    "warned",
    "said",
    "reported",
    "closed",
    "opened",
    "repaired",
    "delayed",
    "announced",
];
const OUTLETS: &[&str] = &[
    "Harbour Times",
    "Northgate Herald",
    "Valley Courier",
    "Meridian Daily",
    "Eastern Ledger",
];

fn name(rng: &mut Rng) -> String {
    let mut word = String::new();
    for _ in 0..2 {
        word.push_str(SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize]);
    }
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One invented article.
struct Item {
    url: String,
    title: String,
    text: String,
    outlet: &'static str,
    published: String,
}

/// `events` events, each told by two to four outlets, with sentences of their own.
fn corpus(events: usize, seed: u64) -> Vec<Item> {
    let mut rng = Rng(seed);
    let mut items = Vec::new();
    for event in 0..events {
        let place = name(&mut rng);
        let person = format!("{} {}", name(&mut rng), name(&mut rng));
        let topic = WORDS[rng.below(WORDS.len() as u64) as usize];
        let reports = 2 + rng.below(3) as usize;
        for report in 0..reports {
            let mut sentences = vec![format!(
                "{person} said the {topic} in {place} would be the town's first concern this week."
            )];
            for _ in 0..5 {
                let words: Vec<&str> = (0..10)
                    .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                    .collect();
                sentences.push(format!("In {place}, {}.", words.join(" ")));
            }
            let day = 1 + event / 12;
            let hour = (event % 12) + report;
            items.push(Item {
                url: format!("https://news.example/{event}/{report}"),
                title: format!("{place}: {person} and the {topic}"),
                text: sentences.join(" "),
                outlet: OUTLETS[(event + report) % OUTLETS.len()],
                published: format!("2025-03-{day:02}T{hour:02}:{:02}:00Z", report * 7),
            });
        }
    }
    items
}

/// Where a run's store lives: a data directory (SQLite), or a PostgreSQL database (the data
/// directory then holds nothing of the store).
#[derive(Clone)]
struct Target {
    data_dir: PathBuf,
    database: Option<String>,
}

impl Target {
    fn location(&self) -> StoreLocation {
        StoreLocation::from_parts(self.database.as_deref(), &self.data_dir)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn open(&self) -> Box<dyn Store> {
        self.location().open().unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Makes fresh stores for one test: data directories under `root`, and on PostgreSQL a new
/// database each, dropped when the maker is.
struct Stores {
    root: PathBuf,
    /// Tells this test's databases from another test's of the same process.
    prefix: &'static str,
    server: Option<String>,
    created: Vec<String>,
}

impl Stores {
    fn sqlite(root: &Path) -> Stores {
        Stores {
            root: root.to_path_buf(),
            prefix: "",
            server: None,
            created: Vec::new(),
        }
    }

    /// `None` when `STORYLINE_TEST_POSTGRES=skip`.
    fn postgres(root: &Path, prefix: &'static str) -> Option<Stores> {
        let server = std::env::var("STORYLINE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        if server.trim().eq_ignore_ascii_case("skip") {
            eprintln!("STORYLINE_TEST_POSTGRES=skip: the PostgreSQL crash tests are skipped");
            return None;
        }
        Some(Stores {
            root: root.to_path_buf(),
            prefix,
            server: Some(server),
            created: Vec::new(),
        })
    }

    fn fresh(&mut self, name: &str) -> Target {
        let data_dir = self.root.join(name);
        let Some(server) = &self.server else {
            return Target {
                data_dir,
                database: None,
            };
        };
        let database = format!(
            "storyline_crash_{}_{}_{name}",
            std::process::id(),
            self.prefix
        );
        let mut admin = postgres::Client::connect(server, postgres::NoTls).unwrap_or_else(|e| {
            panic!(
                "cannot reach PostgreSQL at {server} ({e}): start it, set \
                 STORYLINE_TEST_POSTGRES to a server's URL, or set it to skip"
            )
        });
        // Two statements: CREATE DATABASE cannot share an implicit transaction.
        for statement in [
            format!("DROP DATABASE IF EXISTS {database}"),
            format!("CREATE DATABASE {database}"),
        ] {
            admin.batch_execute(&statement).unwrap_or_else(|e| {
                let cause = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |db| db.message().to_string());
                panic!("{statement}: {cause}")
            });
        }
        self.created.push(database.clone());
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        Target {
            data_dir,
            database: Some(format!("{base}/{database}")),
        }
    }
}

impl Drop for Stores {
    fn drop(&mut self) {
        let Some(server) = &self.server else {
            return;
        };
        if let Ok(mut admin) = postgres::Client::connect(server, postgres::NoTls) {
            for database in &self.created {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
            }
        }
    }
}

fn storyline(target: &Target, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storyline"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(&target.data_dir)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_DATABASE_URL")
        .env_remove("STORYLINE_CONFIG")
        .env("RUST_LOG", "off");
    if let Some(database) = &target.database {
        command.arg("--database").arg(database);
    }
    command
}

fn output(mut command: Command) -> Output {
    command.output().expect("the storyline binary runs")
}

/// How long one uninterrupted run of `args` takes on a fresh store in `scratch`: the range
/// the kills are spread over.
fn full_run_time(scratch: &Target, args: &[&str]) -> Duration {
    let started = Instant::now();
    ok(&output(storyline(scratch, args)));
    started.elapsed()
}

/// Starts `args`, kills it with SIGKILL after a seeded delay in `0..span`, then requires
/// `storyline check` to pass on what it left.
fn kill_and_check(data_dir: &Target, args: &[&str], span: Duration, rng: &mut Rng, round: usize) {
    let mut child = storyline(data_dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the storyline binary starts");
    let delay = Duration::from_millis(rng.below(span.as_millis().max(1) as u64));
    std::thread::sleep(delay);
    // Already finished when the delay outlasted the run: that is one of the moments too.
    let _ = child.kill();
    let _ = child.wait();
    let check = output(storyline(data_dir, &["check"]));
    assert!(
        check.status.success(),
        "round {round}: killed after {delay:?}, `storyline check` failed:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// Every expected article stored once, each in exactly one live story, and the check clean.
fn assert_complete(data_dir: &Target, expected: &BTreeSet<ArticleId>) {
    ok(&output(storyline(data_dir, &["check"])));
    let store = data_dir.open();
    let stored: Vec<ArticleId> = store
        .all_articles()
        .expect("articles")
        .into_iter()
        .map(|a| a.id)
        .collect();
    let distinct: BTreeSet<ArticleId> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), distinct.len(), "an article is stored twice");
    let lost: Vec<&ArticleId> = expected.difference(&distinct).collect();
    assert!(lost.is_empty(), "lost {} articles: {lost:?}", lost.len());
    let extra: Vec<&ArticleId> = distinct.difference(expected).collect();
    assert!(extra.is_empty(), "unexpected articles: {extra:?}");
    for id in &distinct {
        let story = store
            .story_of_article(id)
            .expect("membership")
            .unwrap_or_else(|| panic!("article {id} is in no story"));
        let row = store.story(&story).expect("story").expect("its story row");
        assert!(
            row.merged_into.is_none(),
            "article {id} is in merged story {story}"
        );
    }
    assert!(
        store.dirty_stories(1).expect("dirty").is_empty(),
        "a complete run leaves no brief behind"
    );
}

fn stored_ids(items: &[Item], data_dir: &Target, args: &[&str]) -> BTreeSet<ArticleId> {
    // The ids the pipeline gives these articles: whatever one clean run stores.
    ok(&output(storyline(data_dir, args)));
    let store = data_dir.open();
    let ids: BTreeSet<ArticleId> = store
        .all_articles()
        .expect("articles")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids.len(), items.len(), "every input article is stored once");
    ids
}

/// The import test on the stores `stores` makes.
fn import_killed_fifty_times(stores: &mut Stores, input_dir: &Path) {
    let items = corpus(120, 5);
    let input = input_dir.join("articles.jsonl");
    let lines: Vec<String> = items
        .iter()
        .map(|item| {
            serde_json::json!({
                "url": item.url,
                "title": item.title,
                "text": item.text,
                "published": item.published,
                "source": item.outlet,
            })
            .to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).expect("write the input");
    let input = input.to_str().expect("a UTF-8 path");
    let args = ["import", input];
    let span = full_run_time(&stores.fresh("timing"), &args);
    let expected = stored_ids(&items, &stores.fresh("reference"), &args);

    let target = stores.fresh("killed");
    let mut rng = Rng(16);
    for round in 0..KILLS {
        kill_and_check(&target, &args, span, &mut rng, round);
    }
    ok(&output(storyline(&target, &args)));
    assert_complete(&target, &expected);
}

#[test]
fn import_killed_fifty_times_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    import_killed_fifty_times(&mut Stores::sqlite(dir.path()), dir.path());
}

#[test]
fn import_killed_fifty_times_on_postgres_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(mut stores) = Stores::postgres(dir.path(), "import") {
        import_killed_fifty_times(&mut stores, dir.path());
    }
}

/// RSS feeds on disk, one per outlet, each item's page an HTML file beside them.
fn write_feeds(items: &[Item], dir: &Path) -> Vec<PathBuf> {
    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).expect("pages dir");
    let mut feeds = Vec::new();
    for (number, outlet) in OUTLETS.iter().enumerate() {
        let mut entries = String::new();
        for (index, item) in items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.outlet == *outlet)
        {
            let page = pages.join(format!("{index}.html"));
            let paragraphs: String = item
                .text
                .split(". ")
                .map(|s| format!("<p>{s}.</p>\n"))
                .collect();
            std::fs::write(
                &page,
                format!(
                    "<!doctype html><html><head><title>{title}</title>\
                     <meta property=\"og:site_name\" content=\"{outlet}\">\
                     <meta property=\"article:published_time\" content=\"{published}\">\
                     </head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>",
                    title = item.title,
                    published = item.published,
                ),
            )
            .expect("write a page");
            let date = chrono::DateTime::parse_from_rfc3339(&item.published)
                .expect("a valid date")
                .to_rfc2822();
            entries.push_str(&format!(
                "<item><title>{}</title><link>file://{}</link><guid>{}</guid>\
                 <pubDate>{date}</pubDate></item>\n",
                item.title,
                page.display(),
                item.url
            ));
        }
        let feed = dir.join(format!("feed-{number}.xml"));
        std::fs::write(
            &feed,
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{outlet}</title>\
                 <link>https://news.example/</link><description>news</description>\n\
                 {entries}</channel></rss>"
            ),
        )
        .expect("write a feed");
        feeds.push(feed);
    }
    feeds
}

fn subscribe(data_dir: &Target, feeds: &[PathBuf]) {
    for feed in feeds {
        let url = format!("file://{}", feed.display());
        ok(&output(storyline(data_dir, &["feeds", "add", &url])));
    }
}

/// The fetch test on the stores `stores` makes.
fn fetch_killed_fifty_times(stores: &mut Stores, input_dir: &Path) {
    let items = corpus(60, 9);
    let feeds = write_feeds(&items, input_dir);
    let args = ["fetch"];
    let timing = stores.fresh("timing");
    subscribe(&timing, &feeds);
    let span = full_run_time(&timing, &args);
    let reference = stores.fresh("reference");
    subscribe(&reference, &feeds);
    let expected = stored_ids(&items, &reference, &args);

    let target = stores.fresh("killed");
    subscribe(&target, &feeds);
    let mut rng = Rng(23);
    for round in 0..KILLS {
        kill_and_check(&target, &args, span, &mut rng, round);
    }
    ok(&output(storyline(&target, &args)));
    assert_complete(&target, &expected);
}

#[test]
fn fetch_killed_fifty_times_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    fetch_killed_fifty_times(&mut Stores::sqlite(dir.path()), dir.path());
}

#[test]
fn fetch_killed_fifty_times_on_postgres_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(mut stores) = Stores::postgres(dir.path(), "fetch") {
        fetch_killed_fifty_times(&mut stores, dir.path());
    }
}
