//! Shared by the tests that run the `storyline` binary over stores on both backends
//! (`crash_safety.rs`, `workers.rs`, `clean_stop.rs`): invented news, fresh stores (a data directory, or a
//! fresh PostgreSQL database on `STORYLINE_TEST_POSTGRES`, default the local server; `skip`
//! skips those), and the corpus as RSS feeds with article pages, served over HTTP by a
//! local server when a test asks.
//!
//! The input is invented news written here: events in made-up places, each told by a few
//! made-up outlets.
#![allow(dead_code)] // each test binary uses its own part

use crate::cli_support::ok;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use storyline_store::{Store, StoreLocation};

/// Deterministic pseudo-random numbers (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
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
pub const OUTLETS: &[&str] = &[
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
pub struct Item {
    pub url: String,
    pub title: String,
    pub text: String,
    pub outlet: &'static str,
    pub published: String,
}

/// `events` events, each told by two to four outlets, with sentences of their own: common
/// words around the event's place, person and a few terms of its own.
pub fn corpus(events: usize, seed: u64) -> Vec<Item> {
    let mut rng = Rng(seed);
    let mut items = Vec::new();
    for event in 0..events {
        let place = name(&mut rng);
        let person = format!("{} {}", name(&mut rng), name(&mut rng));
        let topic = WORDS[rng.below(WORDS.len() as u64) as usize];
        let terms: Vec<String> = (0..4).map(|_| name(&mut rng).to_lowercase()).collect();
        let reports = 2 + rng.below(3) as usize;
        for report in 0..reports {
            let mut sentences = vec![format!(
                "{person} said the {topic} in {place} would be the town's first concern this week."
            )];
            for _ in 0..5 {
                // Common words, and two of the event's own, as reports of one event share
                // the words that tell it apart from others.
                let mut words: Vec<&str> = (0..8)
                    .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                    .collect();
                for _ in 0..2 {
                    let term = &terms[rng.below(terms.len() as u64) as usize];
                    words.insert(rng.below(words.len() as u64) as usize, term);
                }
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
pub struct Target {
    pub data_dir: PathBuf,
    pub database: Option<String>,
}

impl Target {
    pub fn location(&self) -> StoreLocation {
        StoreLocation::from_parts(self.database.as_deref(), &self.data_dir)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn open(&self) -> Box<dyn Store> {
        self.location().open().unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Makes fresh stores for one test: data directories under `root`, and on PostgreSQL a new
/// database each, dropped when the maker is.
pub struct Stores {
    root: PathBuf,
    /// Tells this test's databases from another test's of the same process.
    prefix: &'static str,
    server: Option<String>,
    created: Vec<String>,
}

impl Stores {
    pub fn sqlite(root: &Path) -> Stores {
        Stores {
            root: root.to_path_buf(),
            prefix: "",
            server: None,
            created: Vec::new(),
        }
    }

    /// `None` when `STORYLINE_TEST_POSTGRES=skip`.
    pub fn postgres(root: &Path, prefix: &'static str) -> Option<Stores> {
        let server = std::env::var("STORYLINE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        if server.trim().eq_ignore_ascii_case("skip") {
            eprintln!("STORYLINE_TEST_POSTGRES=skip: this PostgreSQL test is skipped");
            return None;
        }
        Some(Stores {
            root: root.to_path_buf(),
            prefix,
            server: Some(server),
            created: Vec::new(),
        })
    }

    pub fn fresh(&mut self, name: &str) -> Target {
        let data_dir = self.root.join(name);
        let Some(server) = &self.server else {
            return Target {
                data_dir,
                database: None,
            };
        };
        let database = format!(
            "storyline_cli_{}_{}_{name}",
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

pub fn storyline(target: &Target, args: &[&str]) -> Command {
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

pub fn output(mut command: Command) -> Output {
    command.output().expect("the storyline binary runs")
}

/// `items` as a JSONL file for `storyline import`.
pub fn write_jsonl(items: &[Item], path: &Path) {
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
    std::fs::write(path, lines.join("\n")).expect("write the input");
}

/// RSS feeds on disk, one per outlet, each item's page an HTML file in `pages/` beside
/// them; the feeds' URLs. With `served_at` (a local HTTP server's base URL serving `dir`)
/// the feeds and links are that server's URLs, else file:// URLs.
pub fn write_feeds(items: &[Item], dir: &Path, served_at: Option<&str>) -> Vec<String> {
    let url_of = |path: &Path| match served_at {
        Some(base) => format!(
            "{base}/{}",
            path.strip_prefix(dir)
                .expect("under the served dir")
                .display()
        ),
        None => format!("file://{}", path.display()),
    };
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
                "<item><title>{}</title><link>{}</link><guid>{}</guid>\
                 <pubDate>{date}</pubDate></item>\n",
                item.title,
                url_of(&page),
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
        feeds.push(url_of(&feed));
    }
    feeds
}

/// Subscribes the store of `target` to `feeds` (URLs).
pub fn subscribe(target: &Target, feeds: &[String]) {
    for feed in feeds {
        ok(&output(storyline(target, &["feeds", "add", feed])));
    }
}

/// Serves the files under `root` over HTTP/1.1 on 127.0.0.1 (one thread per connection,
/// each answer after `latency`, as a remote site's would be), until the test process ends.
/// Returns the base URL.
pub fn serve_dir(root: PathBuf, latency: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || answer(stream, &root, latency));
        }
    });
    base
}

/// Answers one request: the file at its path, or 404.
fn answer(mut stream: TcpStream, root: &Path, latency: Duration) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The rest of the head, up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let file = root.join(path.trim_start_matches('/'));
    std::thread::sleep(latency);
    let inside = !path.contains("..");
    let (status, body, kind) = match std::fs::read(&file) {
        Ok(body) if inside => {
            let kind = if path.ends_with(".xml") {
                "application/rss+xml"
            } else {
                "text/html; charset=utf-8"
            };
            ("200 OK", body, kind)
        }
        _ => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}
