//! The hostile-input suite (issue 15): the real `storyline` binary run once per case against
//! crafted input (feeds and pages from local servers, JSONL imports, OPML files), each run
//! under a wall-clock limit and an address-space limit with its peak memory measured, then
//! checked against what the case expects. At the end a table (case, category, outcome, exit
//! code, seconds, peak RSS) is printed and written to `target/hostile-inputs.md`; the test
//! fails listing every case that broke its expectation, its time limit or its memory budget.
//!
//! Cases are rows of [`cases`]: a name, a category, what runs, the routes it needs and what
//! it expects, in the manner of rust-analyzer's `check(input, expected)` tests. Every case
//! is also held to what PRODUCT.md's "Bad input" promises of any input: no panic, stderr
//! lines that are one-line `warning:`/`note:`/`error:` messages or progress lines, no stored
//! date in the future, and no request ever reaching the canary server on 127.0.0.2 (a
//! private address that only a broken address guard would connect to).
//!
//! The servers speak HTTP/1.1 by hand over `std::net`, one thread per connection, because
//! several cases need control no framework gives: headers trickled a byte at a time, a
//! Content-Length that lies, a status line that is not one. Runs are wrapped as
//! `/usr/bin/time -f '%e %M' prlimit --as=BYTES -- storyline ...` (GNU time and util-linux).
//! Cases run a few at a time (`HOSTILE_INPUTS_JOBS`, default 4): most of them wait on
//! timeouts, not on the CPU. `HOSTILE_INPUTS_ONLY=TEXT` runs the cases whose name contains
//! TEXT, `HOSTILE_INPUTS_KEEP=1` keeps each case's directory (configuration, data, stdout,
//! stderr), `HOSTILE_INPUTS_STRICT=1` counts known bugs as failures.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use storyline_model::{Article, ExtractionStatus, Feed, Story};
use storyline_store::{SqliteStore, Store};

const BIN: &str = env!("CARGO_BIN_EXE_storyline");

/// RLIMIT_AS for every run: far above what a run needs, but tokio, reqwest and glibc's
/// per-thread arenas reserve address space they never touch, so the real bound is the RSS
/// budget below; this one only stops a runaway allocation before it takes the machine.
const ADDRESS_SPACE_BYTES: u64 = 2 << 30;

/// Peak resident memory allowed to a run unless its case says otherwise.
const DEFAULT_RSS_MIB: u64 = 300;

/// Wall-clock limit of a run unless its case says otherwise: a debug build on a busy 2-core
/// machine, where a normal run takes one to three seconds.
const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(25);

/// The fetch timeout the suite configures, so slow servers cost seconds, not minutes.
const TIMEOUT_SECS: u64 = 2;

// =============================================================================================
// What a case is
// =============================================================================================

/// One hostile input and what must happen to it.
struct Case {
    name: &'static str,
    category: &'static str,
    run: Run,
    /// Routes served for this case (paths on every test server but the canary).
    routes: Vec<(String, Reply)>,
    /// The text that names the hostile input in messages (a URL path, a file name), for the
    /// `warns`/`fails` shorthands.
    subject: String,
    expect: Vec<Expect>,
    settings: Settings,
    time_limit: Duration,
    rss_mib: u64,
    /// A bug this case exposes and that is not fixed yet: the case must still fail (and is
    /// shown as a known bug) until the fix lands; once it passes, the suite fails until
    /// this mark is removed. `HOSTILE_INPUTS_STRICT=1` counts known bugs as failures.
    known_bug: Option<&'static str>,
}

/// What a case runs.
enum Run {
    /// `storyline feeds add` these feeds and `good` good ones, then `storyline fetch`.
    Fetch { feeds: Vec<String>, good: usize },
    /// `storyline import FILE`.
    Import(Input),
    /// `storyline feeds import FILE`.
    Opml(Input),
}

/// The file a command is given.
enum Input {
    Bytes(Vec<u8>),
    /// Made when the case runs (large inputs are not all held at once).
    Make(fn() -> Vec<u8>),
    Directory,
    Missing,
}

/// What a case expects, beyond what every case must do.
enum Expect {
    /// The exit code (without this: 0).
    Exit(i32),
    /// Exactly one `warning:` line names the needle, and it gives the cause.
    Warns(String, &'static str),
    /// At least one `warning:` line names the needle and gives the cause.
    WarnsSome(String, &'static str),
    /// No `warning:` line at all.
    NoWarnings,
    /// A `note:` line names the needle and says this.
    Notes(String, &'static str),
    /// Exactly one `error:` line, naming the needle and giving the cause (and nothing else
    /// on stderr).
    Fails(String, &'static str),
    /// Stdout says this.
    Says(&'static str),
    /// Exactly this many articles came from the feed at this URL.
    StoredFrom(String, usize),
    /// Exactly this many articles are stored.
    Articles(usize),
    /// The article whose URL ends with this path keeps the feed's summary.
    SummaryOnly(String),
    /// The article whose URL ends with this path was extracted from its page.
    Extracted(String),
    /// No stored article's URL contains this.
    NoArticle(String),
    /// `storyline search QUERY --json` finds exactly this many articles.
    Search(String, usize),
    /// The data directory's files do not contain these bytes.
    DbLacks(String),
    /// No test server received a request for this path.
    NotRequested(String),
    /// The test servers received exactly this many requests for paths starting with this.
    Requests(String, usize),
    /// Exactly this many feeds are subscribed.
    Subscribed(usize),
    /// The main command ended within this many seconds.
    Within(f64),
    /// Pages served by `storyline serve` over the result show `&'static str` escaped and
    /// never raw.
    ServedEscaped(&'static str, &'static str),
    /// Anything else, described.
    Check(&'static str, fn(&Observed) -> Result<(), String>),
}

/// The configuration a case runs under (`storyline.toml`).
#[derive(Debug, Clone, Copy)]
struct Settings {
    timeout_secs: u64,
    max_body_mb: u64,
    feed_budget_secs: u64,
    poll_budget_secs: u64,
    max_items_per_feed: usize,
    max_text_mb: u64,
}

const SETTINGS: Settings = Settings {
    timeout_secs: TIMEOUT_SECS,
    max_body_mb: 1,
    feed_budget_secs: 20,
    poll_budget_secs: 40,
    max_items_per_feed: 50,
    max_text_mb: 1,
};

impl Settings {
    /// Only 127.0.0.1 (the test servers) is exempt from the private-address rule: 127.0.0.2,
    /// 10/8, [::1], localhost and the rest stay refused.
    fn toml(&self) -> String {
        format!(
            "[fetch]\n\
             allow_private_hosts = [\"127.0.0.1\"]\n\
             per_host_interval_ms = 0\n\
             timeout_secs = {}\n\
             connect_timeout_secs = 2\n\
             max_body_mb = {}\n\
             max_redirects = 5\n\
             respect_robots = true\n\
             concurrency = 8\n\
             per_feed_concurrency = 2\n\
             feed_budget_secs = {}\n\
             poll_budget_secs = {}\n\
             max_items_per_feed = {}\n\
             \n\
             [import]\n\
             max_text_mb = {}\n",
            self.timeout_secs,
            self.max_body_mb,
            self.feed_budget_secs,
            self.poll_budget_secs,
            self.max_items_per_feed,
            self.max_text_mb
        )
    }
}

impl Case {
    fn new(category: &'static str, name: &'static str, run: Run) -> Case {
        Case {
            name,
            category,
            run,
            routes: Vec::new(),
            subject: String::new(),
            expect: Vec::new(),
            settings: SETTINGS,
            time_limit: DEFAULT_TIME_LIMIT,
            rss_mib: DEFAULT_RSS_MIB,
            known_bug: None,
        }
    }

    /// Marks a case that exposes a bug not fixed yet: it runs and shows in the table, and
    /// fails the suite only once it passes (so the mark is removed with the fix). Every case
    /// passes today; the mark waits for the next bug a new case finds.
    #[allow(dead_code)]
    fn known_bug(mut self, bug: &'static str) -> Case {
        self.known_bug = Some(bug);
        self
    }

    /// Serves `reply` at `/c/NAME/SUFFIX`.
    fn route(mut self, suffix: &str, reply: Reply) -> Case {
        self.routes
            .push((format!("/c/{}/{suffix}", self.name), reply));
        self
    }

    fn expect(mut self, expect: Expect) -> Case {
        self.expect.push(expect);
        self
    }

    /// The subject is named in exactly one warning, with this cause.
    fn warns(self, cause: &'static str) -> Case {
        let subject = self.subject.clone();
        self.expect(Expect::Warns(subject, cause))
    }

    /// The command fails (exit 1) with one error line naming the subject and the cause.
    fn fails(self, cause: &'static str) -> Case {
        let subject = self.subject.clone();
        self.expect(Expect::Exit(1))
            .expect(Expect::Fails(subject, cause))
    }

    fn check(self, what: &'static str, check: fn(&Observed) -> Result<(), String>) -> Case {
        self.expect(Expect::Check(what, check))
    }

    fn settings(mut self, change: impl FnOnce(&mut Settings)) -> Case {
        change(&mut self.settings);
        self
    }

    fn limits(mut self, seconds: u64, rss_mib: u64) -> Case {
        self.time_limit = Duration::from_secs(seconds);
        self.rss_mib = rss_mib;
        self
    }

    /// The feeds this case subscribes besides the good ones.
    fn hostile_feeds(&self) -> &[String] {
        match &self.run {
            Run::Fetch { feeds, .. } => feeds,
            _ => &[],
        }
    }
}

// =============================================================================================
// The cases
// =============================================================================================

/// Makes the cases of one category.
struct Cases<'a> {
    env: &'a Env,
    category: &'static str,
}

impl Cases<'_> {
    /// `storyline fetch` of the feeds at these URLs and `good` good feeds; `subject` names
    /// the hostile input in messages.
    fn fetch(&self, name: &'static str, feeds: Vec<String>, good: usize, subject: &str) -> Case {
        let mut case = Case::new(self.category, name, Run::Fetch { feeds, good });
        case.subject = subject.to_string();
        case
    }

    /// A case whose subscribed feed at `/c/NAME/feed` answers `reply`.
    fn feed(&self, name: &'static str, reply: Reply) -> Case {
        let url = format!("{}/c/{name}/feed", self.env.base);
        self.fetch(name, vec![url], 1, &format!("/c/{name}/feed"))
            .route("feed", reply)
    }

    /// A case whose feed lists one item linking to `/c/NAME/p1`, which answers `reply`.
    fn page(&self, name: &'static str, reply: Reply) -> Case {
        let link = format!("{}/c/{name}/p1", self.env.base);
        let title = format!("The page of {name}");
        let mut case = self
            .feed(
                name,
                rss_reply(&rss("Pagewright Chronicle", &item(&title, &link, SUMMARY))),
            )
            .route("p1", reply);
        case.subject = format!("/c/{name}/p1");
        case
    }

    /// A case whose feed lists one item linking to `link`, named in messages by `needle`.
    fn link(&self, name: &'static str, link: &str, needle: &str) -> Case {
        let title = format!("The link of {name}");
        let mut case = self.feed(
            name,
            rss_reply(&rss("Linkwell Dispatch", &item(&title, link, SUMMARY))),
        );
        case.subject = needle.to_string();
        case
    }

    /// `storyline import` of this input (`input.jsonl`).
    fn import(&self, name: &'static str, input: Input) -> Case {
        let mut case = Case::new(self.category, name, Run::Import(input));
        case.subject = "input.jsonl".into();
        case
    }

    /// `storyline feeds import` of this input (`feeds.opml`).
    fn opml(&self, name: &'static str, input: Input) -> Case {
        let mut case = Case::new(self.category, name, Run::Opml(input));
        case.subject = "feeds.opml".into();
        case
    }
}

const ONE_MINUTE: TimeDelta = TimeDelta::minutes(1);

/// The summary hostile items carry, so a page that fails leaves something to keep.
const SUMMARY: &str = "The feed's own summary: the harbour board voted to extend the quay.";

const RSS: &str = "application/rss+xml";

const OVER_CAP: &str = "response larger than the 1 MiB limit";

fn cases(env: &Env) -> Vec<Case> {
    [
        transport(env),
        feed_content(env),
        links(env),
        robots(env),
        budgets(env),
        pages(env),
        imports(env),
        opml(env),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What a server does to the connection: sizes, encodings, redirects, slowness, statuses.
fn transport(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "transport",
    };
    let secret_url = format!("file://{}", env.secret.display());
    vec![
        c.feed("gzip-bomb-feed", gzip_bomb(RSS)).warns(OVER_CAP),
        c.page("gzip-bomb-page", gzip_bomb("text/html"))
            .warns("response larger than the 1 MiB limit; kept the feed's summary")
            .expect(Expect::SummaryOnly("/c/gzip-bomb-page/p1".into())),
        c.feed("endless-chunked", Reply::Endless).warns(OVER_CAP),
        c.feed("length-over-cap", ok(RSS, vec![b' '; 2 << 20]))
            .warns(OVER_CAP),
        c.feed("length-lie", length_lie())
            .warns("connection failed while reading the body"),
        c.feed("redirect-loop", redirect("/c/redirect-loop/feed"))
            .warns("more than 5 redirects"),
        too_many_redirects(&c),
        c.feed("redirect-to-file", redirect("file:///etc/passwd"))
            .warns("unsupported URL scheme file")
            .expect(Expect::DbLacks(env.passwd_marker.clone())),
        c.feed(
            "redirect-to-canary",
            redirect(&format!("{}/c/redirect-to-canary/x", env.canary)),
        )
        .warns("refusing to fetch private address 127.0.0.2"),
        c.feed(
            "redirect-to-metadata",
            redirect("http://169.254.169.254/latest/meta-data/"),
        )
        .warns("refusing to fetch private address 169.254.169.254"),
        c.page("page-redirect-to-secret", redirect(&secret_url))
            .warns("unsupported URL scheme file")
            .expect(Expect::Search(env.secret_marker.clone(), 0))
            .expect(Expect::DbLacks(env.secret_marker.clone())),
        c.feed("redirect-without-location", status(302))
            .warns("redirect without a usable Location header"),
        c.feed("slow-headers", Reply::SlowHeaders)
            .warns("timed out after 2s")
            .limits(15, DEFAULT_RSS_MIB),
        c.feed("trickled-feed", trickle(&rss("Drip Feed Daily", "")))
            .warns("timed out after 2s")
            .limits(15, DEFAULT_RSS_MIB),
        c.page("trickled-page", trickle(&page_html("Drip Feed Daily", 1)))
            .warns("timed out after 2s; kept the feed's summary")
            .expect(Expect::SummaryOnly("/c/trickled-page/p1".into()))
            .limits(15, DEFAULT_RSS_MIB),
        c.feed("silent-server", Reply::Silent)
            .warns("timed out after 2s")
            .limits(15, DEFAULT_RSS_MIB),
        c.feed("http-404", status(404)).warns("HTTP 404 Not Found"),
        c.feed("http-500", status(500))
            .warns("HTTP 500 Internal Server Error"),
        c.feed(
            "http-429",
            Reply::full(429, &[("Retry-After", "86400")], ""),
        )
        .warns("HTTP 429 Too Many Requests"),
        c.feed("http-403", status(403)).warns("HTTP 403 Forbidden"),
        c.feed(
            "unknown-encoding",
            encoded("br", b"not really brotli".to_vec()),
        )
        .warns("unsupported Content-Encoding br"),
        c.feed(
            "corrupt-gzip",
            encoded("gzip", b"plain text, not gzip at all".to_vec()),
        )
        .warns("cannot decode body: corrupt gzip stream"),
        c.feed("double-gzip", encoded("gzip, gzip", gzip(&gzip(b"<rss/>"))))
            .warns("unsupported Content-Encoding gzip, gzip"),
        c.feed("truncated-gzip", truncated_gzip())
            .warns("cannot decode body: truncated gzip stream"),
        c.feed("huge-header", huge_header())
            .warns("message head is too large"),
        c.feed("bad-chunk-size", bad_chunk())
            .warns("Invalid chunk size line"),
        c.feed(
            "not-http",
            Reply::Raw(b"SPAM SPAM SPAM\r\n\r\nlovely spam\r\n".to_vec()),
        )
        .warns("invalid HTTP version"),
        c.fetch(
            "connection-refused",
            vec![format!("{}/c/connection-refused/feed", env.closed)],
            1,
            "/c/connection-refused/feed",
        )
        .warns("cannot connect: Connection refused"),
    ]
}

/// What a feed's body holds: broken or hostile XML and JSON, charsets, dates, floods.
fn feed_content(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "feed",
    };
    let base = &env.base;
    let from = |name: &str, count| Expect::StoredFrom(format!("{base}/c/{name}/feed"), count);
    vec![
        c.feed("empty-200", ok(RSS, Vec::new()))
            .warns("malformed feed"),
        c.feed("html-not-feed", html(page_html("Wrongway Post", 1)))
            .warns("malformed feed: not an RSS, Atom or JSON Feed document"),
        c.feed("binary-garbage", ok(RSS, noise(64 * 1024, 7)))
            .warns("malformed feed"),
        c.feed("truncated-xml", rss_reply(&truncated_xml(base)))
            .warns("malformed feed"),
        c.feed("billion-laughs", fixture_reply(env, "billion-laughs.xml"))
            .expect(from("billion-laughs", 1))
            .check("entities are not expanded", |o| {
                o.nothing_contains("lollollollollol")
            }),
        c.feed("xxe", fixture_reply(env, "xxe.xml"))
            .expect(from("xxe", 1))
            .expect(Expect::DbLacks(env.passwd_marker.clone())),
        c.feed(
            "atom-xml-base-file",
            ok("application/atom+xml", atom_xml_base(base)),
        )
        .expect(Expect::NoArticle("file:".into()))
        .expect(Expect::DbLacks(env.passwd_marker.clone())),
        c.feed("twenty-thousand-items", rss_reply(&many_items(base)))
            .settings(|s| {
                s.max_items_per_feed = 10;
                s.max_body_mb = 4;
            })
            .expect(Expect::Notes(
                "/c/twenty-thousand-items/feed".into(),
                "20000 new items, 10 read this poll and 19990 left for the next",
            ))
            .expect(from("twenty-thousand-items", 10))
            .expect(Expect::Requests("/c/twenty-thousand-items/p".into(), 10)),
        c.feed("megabyte-title", rss_reply(&megabyte_title(base)))
            .settings(|s| s.max_body_mb = 3)
            .expect(from("megabyte-title", 1))
            .check(
                "stored headlines are at most 1 KiB (MAX_TITLE_BYTES)",
                |o| o.all_articles(|a| a.headline.len() <= 1024, "headline over 1 KiB"),
            ),
        c.feed("deep-xml-nesting", rss_reply(&deep_xml(base)))
            .route("p1", html(page_html("Matryoshka Mail", 2)))
            .expect(from("deep-xml-nesting", 1)),
        c.feed(
            "invalid-json-feed",
            ok("application/feed+json", HALF_JSON_FEED),
        )
        .warns("malformed feed"),
        c.feed("json-feed-deep-nesting", deep_json_feed(base))
            .route("p1", html(page_html("Nested Nightly", 2)))
            .expect(from("json-feed-deep-nesting", 1)),
        c.feed("latin1-declared-utf8-sent", latin1_declared(base))
            .check("the title reads Résumé, not mojibake", |o| {
                o.headline_from_hostile("Résumé of the ferry talks")
            }),
        c.feed("stray-latin1-byte", stray_byte(base))
            .expect(from("stray-latin1-byte", 3))
            .check("the other items are intact", |o| {
                o.headline_from_hostile("Naïve plan for the cathedral square")?;
                o.headline_from_hostile("Smörgåsbord festival returns")
            }),
        c.feed("utf16-bom", utf16_feed(base))
            .check("the UTF-16 title is read", |o| {
                o.headline_from_hostile("Café terrace licence renewed")
            }),
        c.feed(
            "date-9999",
            dated_feed(base, "date-9999", "Fri, 31 Dec 9999 23:59:59 +0000"),
        )
        .expect(Expect::Notes(
            "/c/date-9999/p1".into(),
            "is in the future: taken as",
        ))
        .check("the stored date is the fetch time", |o| {
            let article = o.only_article_from_hostile()?;
            match article.date_published {
                Some(date) if (o.started - ONE_MINUTE..=o.finished).contains(&date) => Ok(()),
                other => Err(format!("stored date {other:?}, not the fetch time")),
            }
        }),
        c.feed(
            "date-year-0",
            dated_feed(base, "date-year-0", "Sat, 01 Jan 0000 00:00:00 +0000"),
        )
        .check("the stored date is unknown", |o| o.hostile_date_unknown()),
        c.feed(
            "date-1970",
            dated_feed(base, "date-1970", "Thu, 01 Jan 1970 00:00:00 +0000"),
        )
        .expect(Expect::Notes(
            "/c/date-1970/p1".into(),
            "is not plausible: treated as unknown",
        ))
        .check("the stored date is unknown", |o| o.hostile_date_unknown()),
        c.feed("duplicate-guids", rss_reply(&duplicate_guids(base)))
            .expect(from("duplicate-guids", 1)),
        c.feed("same-link-1000-times", rss_reply(&same_link(base)))
            .route("p1", html(page_html("Echo Chamber Times", 2)))
            .expect(from("same-link-1000-times", 1))
            .expect(Expect::Requests("/c/same-link-1000-times/p1".into(), 1)),
    ]
}

/// Links inside a remote feed that must not be followed: local files, private addresses
/// written every way, other schemes.
fn links(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "links",
    };
    let refused = "refusing to fetch private address";
    vec![
        c.link(
            "link-file-passwd",
            "file:///etc/passwd",
            "file:///etc/passwd",
        )
        .warns("not following a file link")
        .expect(Expect::NoArticle("file:".into()))
        .expect(Expect::DbLacks(env.passwd_marker.clone())),
        c.link(
            "link-file-secret",
            &format!("file://{}", env.secret.display()),
            "secret.txt",
        )
        .warns("not following a file link")
        .expect(Expect::NoArticle("file:".into()))
        .expect(Expect::Search(env.secret_marker.clone(), 0))
        .expect(Expect::DbLacks(env.secret_marker.clone())),
        c.link(
            "link-canary",
            &format!("{}/c/link-canary/p1", env.canary),
            "/c/link-canary/p1",
        )
        .warns("refusing to fetch private address 127.0.0.2")
        .expect(Expect::SummaryOnly("/c/link-canary/p1".into())),
        // 2130706434 is 127.0.0.2 as one decimal number.
        c.link(
            "link-decimal-ip",
            &format!("http://2130706434:{}/c/link-decimal-ip/p1", env.canary_port),
            "/c/link-decimal-ip/p1",
        )
        .warns("refusing to fetch private address 127.0.0.2"),
        c.link(
            "link-10-0-0-1",
            "http://10.0.0.1/c/link-10-0-0-1/p1",
            "/c/link-10-0-0-1/p1",
        )
        .warns("refusing to fetch private address 10.0.0.1"),
        c.link(
            "link-192-168",
            "http://192.168.1.1/c/link-192-168/p1",
            "/c/link-192-168/p1",
        )
        .warns("refusing to fetch private address 192.168.1.1"),
        c.link(
            "link-metadata",
            "http://169.254.169.254/latest/meta-data/iam/",
            "169.254.169.254/",
        )
        .warns("refusing to fetch private address 169.254.169.254"),
        c.link(
            "link-ipv6-loopback",
            &format!("http://[::1]:{}/c/link-ipv6-loopback/p1", env.canary6_port),
            "/c/link-ipv6-loopback/p1",
        )
        .warns("refusing to fetch private address ::1"),
        c.link(
            "link-ipv4-mapped",
            &format!(
                "http://[::ffff:127.0.0.2]:{}/c/link-ipv4-mapped/p1",
                env.canary_port
            ),
            "/c/link-ipv4-mapped/p1",
        )
        .warns("refusing to fetch private address ::ffff:127.0.0.2"),
        // 0.0.0.0 and localhost reach the main test server itself: it must see nothing.
        c.link(
            "link-0-0-0-0",
            &format!("http://0.0.0.0:{}/c/link-0-0-0-0/p1", env.main_port),
            "/c/link-0-0-0-0/p1",
        )
        .warns("refusing to fetch private address 0.0.0.0")
        .expect(Expect::NotRequested("/c/link-0-0-0-0/p1".into())),
        c.link(
            "link-localhost",
            &format!("http://localhost:{}/c/link-localhost/p1", env.main_port),
            "/c/link-localhost/p1",
        )
        .warns(refused)
        .expect(Expect::NotRequested("/c/link-localhost/p1".into())),
        c.link(
            "link-ftp",
            "ftp://files.example/c/link-ftp/p1",
            "ftp://files.example",
        )
        .warns("not following a ftp link")
        .expect(Expect::NoArticle("ftp:".into())),
        c.link(
            "link-javascript",
            "javascript:alert(document.cookie)",
            "javascript:alert",
        )
        .warns("not following a javascript link")
        .expect(Expect::NoArticle("javascript:".into())),
        c.link(
            "link-data",
            "data:text/html,<h1>Inline</h1>",
            "data:text/html",
        )
        .warns("not following a data link")
        .expect(Expect::NoArticle("data:".into())),
    ]
}

/// robots.txt: disallowed feeds and pages are never requested; a robots.txt that fails
/// disallows, one too large to read allows.
fn robots(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "robots",
    };
    let unreachable = format!("{}/c/robots-500/feed", env.robots_500);
    let sprawling = format!("{}/c/robots-huge/feed", env.robots_huge);
    let sprawling_page = format!("{}/c/robots-huge/p1", env.robots_huge);
    vec![
        c.feed(
            "robots-disallowed-feed",
            rss_reply(&rss("Hidden Herald", "")),
        )
        .warns("disallowed by")
        .expect(Expect::NotRequested(
            "/c/robots-disallowed-feed/feed".into(),
        )),
        c.page(
            "robots-disallowed-page",
            html(page_html("Hidden Herald", 1)),
        )
        .warns("disallowed by")
        .expect(Expect::NotRequested("/c/robots-disallowed-page/p1".into()))
        .expect(Expect::SummaryOnly("/c/robots-disallowed-page/p1".into())),
        // RFC 9309: a robots.txt answering 5xx disallows the whole site for now.
        c.fetch("robots-500", vec![unreachable], 1, "/c/robots-500/feed")
            .route("feed", rss_reply(&rss("Shuttered Sentinel", "")))
            .warns("(unreachable: HTTP 500")
            .expect(Expect::NotRequested("/c/robots-500/feed".into())),
        // 2 MiB: over the 512 KiB read, so taken as absent (RFC 9309 lets a crawler stop
        // reading there), and the site is read normally.
        c.fetch(
            "robots-huge",
            vec![sprawling.clone()],
            1,
            "/c/robots-huge/feed",
        )
        .route(
            "feed",
            rss_reply(&rss(
                "Sprawling Ledger",
                &item("Sprawl", &sprawling_page, SUMMARY),
            )),
        )
        .route("p1", html(page_html("Sprawling Ledger", 1)))
        .expect(Expect::StoredFrom(sprawling, 1))
        .expect(Expect::NoWarnings),
    ]
}

/// Time budgets: a slow feed is cut off while the others are stored.
fn budgets(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "budgets",
    };
    vec![
        slow_pages_budget(&c),
        // A feed that never answers under a long fetch timeout: the poll budget (3 s) ends
        // it, and the message must name that budget, not the feed's (60 s).
        c.feed("poll-budget", Reply::Silent)
            .settings(|s| {
                s.timeout_secs = 60;
                s.feed_budget_secs = 60;
                s.poll_budget_secs = 3;
            })
            .warns("3 s")
            .expect(Expect::Within(3.0 + 12.0))
            .limits(20, DEFAULT_RSS_MIB),
    ]
}

/// Article pages that are too large, not HTML, not articles, or built to hurt a parser.
fn pages(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "pages",
    };
    let kept = "response larger than the 1 MiB limit; kept the feed's summary";
    vec![
        c.page("page-over-cap", html(vec![b'a'; 2 << 20]))
            .warns(kept)
            .expect(Expect::SummaryOnly("/c/page-over-cap/p1".into())),
        c.page("page-pdf", ok("application/pdf", pdf_bytes()))
            .warns("binary content, not an HTML page; kept the feed's summary")
            .check("no PDF bytes are stored as text", |o| {
                o.nothing_contains("%PDF")
            }),
        c.page("page-binary-as-html", html(noise(256 * 1024, 11)))
            .warns("binary content, not an HTML page; kept the feed's summary")
            .expect(Expect::SummaryOnly("/c/page-binary-as-html/p1".into())),
        c.page("section-front", fixture_reply(env, "section-front.html"))
            .warns("not an article")
            .expect(Expect::NoArticle("/c/section-front/p1".into())),
        c.page("unclosed-tags", html(unclosed_tags()))
            .expect(Expect::Extracted("/c/unclosed-tags/p1".into())),
        c.page("deep-html-nesting", html(deep_html()))
            .expect(Expect::Extracted("/c/deep-html-nesting/p1".into())),
        c.page("script-title", fixture_reply(env, "script-title.html"))
            .expect(Expect::Extracted("/c/script-title/p1".into()))
            .check("the title is stored as text", |o| {
                o.headline_from_hostile(
                    "<script>alert(1)</script> Ossington ferry timetable changes",
                )
            })
            .expect(Expect::ServedEscaped(
                "<script>alert(1)",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            )),
        c.page("canonical-javascript", html(canonical_javascript()))
            .expect(Expect::Extracted("/c/canonical-javascript/p1".into())),
    ]
}

/// `storyline import`: broken lines are reported with their number and skipped, the rest
/// imported; only an unreadable file fails the command.
fn imports(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "imports",
    };
    let line = |n: usize| format!("input.jsonl:{n}:");
    vec![
        c.import(
            "import-invalid-utf8",
            lines_with(3, b"{\"id\":\"x3\",\"title\":\"Caf\xe9\"}"),
        )
        .expect(Expect::Warns(line(3), "not valid UTF-8"))
        .expect(Expect::Articles(4)),
        c.import(
            "import-bad-json",
            lines_with(2, b"{\"id\":\"x2\",\"title\": "),
        )
        .expect(Expect::Warns(line(2), "invalid JSON"))
        .expect(Expect::Articles(4)),
        // The process itself takes about 20 MiB; the line limit is 2.1 MiB.
        c.import("import-50mb-line", Input::Make(fifty_megabyte_line))
            .expect(Expect::Warns(
                line(2),
                "line of 50.0 MiB is over the 2.1 MiB limit: skipped",
            ))
            .expect(Expect::Articles(2))
            .limits(40, 64),
        // A 1 MiB text takes about 5 s to cluster and brief in a debug build (13 s beside
        // three other cases).
        c.import("import-text-over-cap", Input::Make(text_over_cap))
            .expect(Expect::Notes(
                line(1),
                "text of 1.5 MiB cut to the 1.0 MiB limit",
            ))
            .expect(Expect::Articles(1))
            .check("the stored text is within the 1 MiB cap", |o| {
                o.all_articles(|a| a.article_body.len() <= 1 << 20, "text over the cap")
            })
            .limits(60, DEFAULT_RSS_MIB),
        c.import("import-text-of-names", Input::Make(text_of_names))
            .expect(Expect::Articles(1))
            .expect(Expect::NoWarnings),
        c.import("import-long-title", Input::Bytes(long_title()))
            .expect(Expect::Notes(
                line(1),
                "headline of 102.5 KiB cut to the 1.0 KiB limit",
            ))
            .check("the stored headline is within 1 KiB", |o| {
                o.all_articles(|a| a.headline.len() <= 1024, "headline over 1 KiB")
            }),
        c.import("import-nul-bytes", Input::Bytes(NUL_LINES.to_vec()))
            .expect(Expect::Warns(line(2), "invalid JSON: control character"))
            .expect(Expect::Articles(2)),
        c.import("import-deep-json", Input::Make(deep_json_line))
            .expect(Expect::Warns(
                line(1),
                "invalid JSON: recursion limit exceeded",
            ))
            .expect(Expect::Articles(1)),
        c.import("import-crlf", Input::Bytes(jsonl(3, "\r\n", true)))
            .expect(Expect::NoWarnings)
            .expect(Expect::Articles(3)),
        c.import(
            "import-bom",
            Input::Bytes([BOM, &jsonl(2, "\n", true)].concat()),
        )
        .expect(Expect::NoWarnings)
        .expect(Expect::Articles(2)),
        c.import(
            "import-no-final-newline",
            Input::Bytes(jsonl(2, "\n", false)),
        )
        .expect(Expect::NoWarnings)
        .expect(Expect::Articles(2)),
        c.import("import-duplicate-ids", Input::Bytes(duplicate_lines()))
            .expect(Expect::Articles(1))
            .expect(Expect::Says("1 imported"))
            .expect(Expect::Says("2 already present")),
        c.import("import-empty", Input::Bytes(Vec::new()))
            .expect(Expect::NoWarnings)
            .expect(Expect::Articles(0))
            .expect(Expect::Says("0 lines")),
        c.import("import-binary", Input::Bytes(noise(64 * 1024, 3)))
            .expect(Expect::Articles(0))
            .expect(Expect::WarnsSome("input.jsonl:".into(), "not valid UTF-8")),
        c.import("import-directory", Input::Directory)
            .fails("is a directory"),
        c.import("import-missing-file", Input::Missing)
            .fails("cannot open"),
    ]
}

/// `storyline feeds import`: a broken file fails whole; hostile outlines are refused one by
/// one.
fn opml(env: &Env) -> Vec<Case> {
    let c = Cases {
        env,
        category: "opml",
    };
    vec![
        c.opml("opml-malformed", fixture_input(env, "malformed.opml"))
            .fails("malformed OPML"),
        c.opml(
            "opml-not-opml",
            Input::Bytes(rss("Not An Outline", "").into_bytes()),
        )
        .fails("not an OPML document"),
        c.opml(
            "opml-billion-laughs",
            fixture_input(env, "billion-laughs.opml"),
        )
        .expect(Expect::Subscribed(2))
        .check("entities are not expanded", |o| {
            o.all_feeds(
                |f| f.title.as_ref().is_none_or(|t| t.len() < 1024),
                "expanded title",
            )
        }),
        c.opml("opml-hostile-schemes", fixture_input(env, "schemes.opml"))
            .expect(Expect::Warns(
                "javascript:alert".into(),
                "unsupported URL scheme javascript",
            ))
            .expect(Expect::Warns(
                "ftp://files.example".into(),
                "unsupported URL scheme ftp",
            ))
            .expect(Expect::Warns(
                "data:application".into(),
                "unsupported URL scheme data",
            ))
            .expect(Expect::Subscribed(1))
            .check("only the https feed is subscribed", |o| {
                o.all_feeds(|f| f.url.starts_with("https://"), "subscribed")
            }),
        c.opml("opml-huge", Input::Make(huge_opml))
            .expect(Expect::Subscribed(20_000))
            .expect(Expect::Says("20000 feeds added")),
        c.opml("opml-deep-nesting", Input::Make(deep_opml))
            .expect(Expect::Subscribed(1)),
    ]
}

fn too_many_redirects(c: &Cases) -> Case {
    let mut case = c.feed("too-many-redirects", redirect("/c/too-many-redirects/r1"));
    for hop in 1..8 {
        let next = format!("/c/too-many-redirects/r{}", hop + 1);
        case = case.route(&format!("r{hop}"), redirect(&next));
    }
    case.route("r8", rss_reply(&rss("Far Away Times", "")))
        .warns("more than 5 redirects")
        .expect(Expect::NotRequested("/c/too-many-redirects/r7".into()))
}

/// Thirty pages that trickle a byte a second beside five good feeds: the feed budget (3 s)
/// cuts the slow feed off, the good feeds are stored, and the run ends soon after.
fn slow_pages_budget(c: &Cases) -> Case {
    let name = "slow-pages-budget";
    let feed_url = format!("{}/c/{name}/feed", c.env.base);
    let items: String = (1..=30)
        .map(|n| {
            let link = format!("{}/c/{name}/p{n}", c.env.base);
            item(&format!("Slow item {n}"), &link, SUMMARY)
        })
        .collect();
    let mut case = c
        .fetch(name, vec![feed_url.clone()], 5, &format!("/c/{name}/feed"))
        .route("feed", rss_reply(&rss("Molasses Monitor", &items)));
    for n in 1..=30 {
        case = case.route(&format!("p{n}"), trickle(&page_html("Molasses Monitor", 1)));
    }
    case.settings(|s| {
        s.timeout_secs = 60;
        s.feed_budget_secs = 3;
    })
    .warns("cut off by the feed's 3 s budget with 30 new items not read")
    .expect(Expect::StoredFrom(feed_url, 0))
    .expect(Expect::Within(3.0 + 12.0))
    .limits(20, DEFAULT_RSS_MIB)
}

// =============================================================================================
// Inputs
// =============================================================================================

fn recent_date() -> String {
    (Utc::now() - TimeDelta::hours(3)).to_rfc2822()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn rss(title: &str, items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>https://outlet.example/</link>\
         <description>An invented outlet of the hostile-input suite</description>\n\
         {items}</channel></rss>\n"
    )
}

fn item(title: &str, link: &str, summary: &str) -> String {
    dated_item(title, link, summary, &recent_date())
}

fn dated_item(title: &str, link: &str, summary: &str, date: &str) -> String {
    let link = xml_escape(link);
    format!(
        "<item><title>{}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate>\
         <description>{}</description></item>\n",
        xml_escape(title),
        xml_escape(summary)
    )
}

/// A good article page: one of two invented texts under an outlet's name.
fn page_html(outlet: &str, text: u8) -> String {
    let name = if text == 1 {
        "good-a1.html"
    } else {
        "good-a2.html"
    };
    read_fixture(name).replace("{OUTLET}", outlet)
}

fn read_fixture(name: &str) -> String {
    let path = fixtures_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

fn fixture_text(env: &Env, name: &str, case: &str) -> String {
    read_fixture(name)
        .replace("{BASE}", &env.base)
        .replace("{CANARY}", &env.canary)
        .replace("{CASE}", case)
}

/// A fixture named after its case (`CASE.xml`, `CASE.html`), served with `{CASE}` and the
/// servers' addresses filled in.
fn fixture_reply(env: &Env, name: &str) -> Reply {
    let case = name.split('.').next().unwrap_or_default();
    let content_type = if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "application/rss+xml; charset=utf-8"
    };
    ok(content_type, fixture_text(env, name, case))
}

fn fixture_input(env: &Env, name: &str) -> Input {
    Input::Bytes(fixture_text(env, name, "").into_bytes())
}

/// Deterministic bytes that are neither text nor any format.
fn noise(length: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("in-memory write");
    encoder.finish().expect("in-memory finish")
}

/// About 16 KB on the wire, 16 MiB decoded.
fn gzip_bomb(content_type: &'static str) -> Reply {
    let bomb = gzip(&vec![b' '; 16 << 20]);
    Reply::full(
        200,
        &[("Content-Type", content_type), ("Content-Encoding", "gzip")],
        bomb,
    )
}

fn encoded(encoding: &str, body: Vec<u8>) -> Reply {
    Reply::full(200, &[("Content-Encoding", encoding)], body)
}

/// Promises 100,000 bytes, sends the start of a feed, hangs up.
fn length_lie() -> Reply {
    Reply::ShortBody {
        promised: 100_000,
        body: Arc::new(b"<?xml version=\"1.0\"?><rss><channel><title>Li".to_vec()),
    }
}

const HALF_JSON_FEED: &str =
    "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Half\",\"items\":[{";

/// An escaped NUL (valid JSON), a raw NUL inside a string (invalid), then a plain line.
const NUL_LINES: &[u8] =
    b"{\"id\":\"n1\",\"title\":\"Escaped \\u0000 nul\",\"text\":\"A\\u0000B.\"}\n\
    {\"id\":\"n2\",\"title\":\"Raw \x00 nul\",\"text\":\"Raw.\"}\n\
    {\"id\":\"n3\",\"title\":\"Plain line\",\"text\":\"After the nuls.\"}\n";

fn truncated_gzip() -> Reply {
    let whole = gzip(rss("Cut Short Courier", "").as_bytes());
    Reply::full(
        200,
        &[("Content-Encoding", "gzip")],
        whole[..whole.len() / 2].to_vec(),
    )
}

/// A response head with one header line of 4 MiB.
fn huge_header() -> Reply {
    let mut bytes = b"HTTP/1.1 200 OK\r\nX-Padding: ".to_vec();
    bytes.extend(std::iter::repeat_n(b'p', 4 << 20));
    bytes.extend_from_slice(b"\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<rss/>");
    Reply::Raw(bytes)
}

/// A chunked body whose second chunk size is not hexadecimal.
fn bad_chunk() -> Reply {
    Reply::Raw(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          5\r\n<rss>\r\nzz\r\nmore\r\n0\r\n\r\n"
            .to_vec(),
    )
}

/// An Atom feed whose `xml:base` points at the local file system, with a relative link that
/// would resolve to /etc/passwd.
fn atom_xml_base(base: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"file:///etc/\">\
         <title>Based Bulletin</title><id>{base}/c/atom-xml-base-file/feed</id>\
         <updated>{}</updated>\
         <entry><title>Relative to what</title><id>urn:example:based-1</id>\
         <link rel=\"alternate\" href=\"passwd\"/><updated>{}</updated>\
         <summary>{SUMMARY}</summary></entry></feed>\n",
        Utc::now().to_rfc3339(),
        Utc::now().to_rfc3339()
    )
}

fn truncated_xml(base: &str) -> String {
    let whole = rss(
        "Half Told Tribune",
        &(item("First", &format!("{base}/c/truncated-xml/p1"), SUMMARY)
            + &item("Second", &format!("{base}/c/truncated-xml/p2"), SUMMARY)),
    );
    whole[..whole.len() * 3 / 4].to_string()
}

fn many_items(base: &str) -> String {
    let date = recent_date();
    let items: String = (1..=20_000)
        .map(|n| {
            format!(
                "<item><title>Item {n}</title><link>{base}/c/twenty-thousand-items/p{n}</link>\
                 <pubDate>{date}</pubDate><description>Summary {n} of many.</description></item>\n"
            )
        })
        .collect();
    rss("Firehose Bulletin", &items)
}

fn megabyte_title(base: &str) -> String {
    let title = "Headline without end ".repeat(50_000);
    rss(
        "Verbose Voice",
        &item(&title, &format!("{base}/c/megabyte-title/p1"), SUMMARY),
    )
}

/// An item carrying an extension element nested 50,000 deep (within the 1 MiB cap).
fn deep_xml(base: &str) -> String {
    let depth = 50_000;
    let nested = format!("{}{}", "<x:d>".repeat(depth), "</x:d>".repeat(depth));
    let body = format!(
        "<item><title>Deep item</title><link>{base}/c/deep-xml-nesting/p1</link>\
         <description>{SUMMARY}</description>\
         <x:deep xmlns:x=\"urn:example:deep\">{nested}</x:deep></item>"
    );
    rss("Matryoshka Mail", &body)
}

fn deep_json_feed(base: &str) -> Reply {
    let depth = 100_000;
    let feed = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Nested Nightly\",\
         \"items\":[{{\"id\":\"deep-1\",\"url\":\"{base}/c/json-feed-deep-nesting/p1\",\
         \"title\":\"Deep item\",\
         \"content_text\":\"{SUMMARY}\",\"_deep\":{}{}}}]}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    ok("application/feed+json", feed)
}

/// Declared ISO-8859-1 (header and XML declaration) but sent as UTF-8.
fn latin1_declared(base: &str) -> Reply {
    let feed = rss(
        "Misdeclared Mercury",
        &item(
            "Résumé of the ferry talks",
            &format!("{base}/c/latin1-declared-utf8-sent/p1"),
            "Négociations: the ferry company and the crews met again.",
        ),
    )
    .replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
    ok("application/rss+xml; charset=iso-8859-1", feed)
}

/// A UTF-8 feed with one stray Latin-1 byte in its first item's title.
fn stray_byte(base: &str) -> Reply {
    let link = |n: u32| format!("{base}/c/stray-latin1-byte/p{n}");
    let items = item("Cafe\u{1} owners protest", &link(1), SUMMARY)
        + &item(
            "Naïve plan for the cathedral square",
            &link(2),
            "Planners unveil the idea.",
        )
        + &item(
            "Smörgåsbord festival returns",
            &link(3),
            "The festival is back on the quay.",
        );
    // The placeholder U+0001 becomes a lone 0xE9 (é in Latin-1), invalid in UTF-8.
    let bytes: Vec<u8> = rss("Stray Byte Sentinel", &items)
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xE9 } else { b })
        .collect();
    ok("application/rss+xml; charset=utf-8", bytes)
}

fn utf16_feed(base: &str) -> Reply {
    let text = rss(
        "Wide Character Weekly",
        &item(
            "Café terrace licence renewed",
            &format!("{base}/c/utf16-bom/p1"),
            "The café may keep its tables outside until October.",
        ),
    )
    .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    ok("application/rss+xml", bytes)
}

fn dated_feed(base: &str, name: &str, date: &str) -> Reply {
    rss_reply(&rss(
        "Calendar Crier",
        &dated_item(
            &format!("Dated item of {name}"),
            &format!("{base}/c/{name}/p1"),
            SUMMARY,
            date,
        ),
    ))
}

fn duplicate_guids(base: &str) -> String {
    let items: String = (1..=3)
        .map(|n| {
            format!(
                "<item><title>Copy {n} of one item</title>\
                 <link>{base}/c/duplicate-guids/p{n}</link>\
                 <guid>https://outlet.example/items/one</guid><pubDate>{}</pubDate>\
                 <description>{SUMMARY}</description></item>\n",
                recent_date()
            )
        })
        .collect();
    rss("Echo Gazette", &items)
}

fn same_link(base: &str) -> String {
    let date = recent_date();
    let items: String = (1..=1000)
        .map(|n| {
            format!(
                "<item><title>Same story, listing {n}</title>\
                 <link>{base}/c/same-link-1000-times/p1</link>\
                 <guid isPermaLink=\"false\">same-{n}</guid><pubDate>{date}</pubDate>\
                 <description>{SUMMARY}</description></item>\n"
            )
        })
        .collect();
    rss("Echo Chamber Times", &items)
}

fn pdf_bytes() -> Vec<u8> {
    let mut bytes =
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nstream\n".to_vec();
    bytes.extend(noise(32 * 1024, 5));
    bytes.extend_from_slice(b"\nendstream\n%%EOF\n");
    bytes
}

/// A real article followed by 180,000 formatting tags that never close (within the cap).
fn unclosed_tags() -> String {
    let article = page_html("Unclosed Observer", 2);
    article.replace(
        "</article>",
        &format!("{}</article>", "<b><i><span>".repeat(60_000)),
    )
}

/// A real article inside 100,000 nested `<div>`s.
fn deep_html() -> String {
    let article = page_html("Nested Newsletter", 1);
    article.replace("<main>", &format!("<main>{}", "<div>".repeat(100_000)))
}

fn canonical_javascript() -> String {
    page_html("Slippery Standard", 2).replace(
        "<meta charset=\"utf-8\">",
        "<meta charset=\"utf-8\">\n\
         <link rel=\"canonical\" href=\"javascript:alert(document.domain)\">",
    )
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// JSONL of `count` good articles.
fn jsonl(count: usize, line_end: &str, final_newline: bool) -> Vec<u8> {
    let lines: Vec<String> = (1..=count).map(import_line).collect();
    let mut text = lines.join(line_end);
    if final_newline {
        text.push_str(line_end);
    }
    text.into_bytes()
}

fn import_line(n: usize) -> String {
    format!(
        "{{\"id\":\"hostile-{n}\",\"url\":\"https://importwell.example/news/{n}\",\
         \"title\":\"Imported report number {n} on the canal lock repairs\",\
         \"text\":\"Engineers began work on lock {n} of the Quillmoor canal on Monday. \
         The repairs will close the towpath for a week.\",\
         \"published\":\"2026-01-0{}T08:00:00Z\",\"source\":\"Importwell Journal\"}}",
        n % 9 + 1
    )
}

/// Five lines of which line `bad` is replaced by `line`.
fn lines_with(bad: usize, line: &[u8]) -> Input {
    let mut out = Vec::new();
    for n in 1..=5 {
        if n == bad {
            out.extend_from_slice(line);
        } else {
            out.extend_from_slice(import_line(n).as_bytes());
        }
        out.push(b'\n');
    }
    Input::Bytes(out)
}

fn fifty_megabyte_line() -> Vec<u8> {
    let mut out = import_line(1).into_bytes();
    out.extend_from_slice(b"\n{\"id\":\"huge\",\"title\":\"Huge\",\"text\":\"");
    out.extend(std::iter::repeat_n(b'a', 50 << 20));
    out.extend_from_slice(b"\"}\n");
    out.extend_from_slice(import_line(3).as_bytes());
    out.push(b'\n');
    out
}

fn text_over_cap() -> Vec<u8> {
    let sentence = "The lock gates were lifted out and sent to the yard for new seals. ";
    let text = sentence.repeat((3 << 20) / 2 / sentence.len());
    format!("{{\"id\":\"long\",\"title\":\"A long report\",\"text\":\"{text}\"}}\n").into_bytes()
}

/// A text within the cap made only of capitalised names: every name is a mention for the
/// entity finder.
fn text_of_names() -> Vec<u8> {
    let sentence = "Marta Oduya met Brann Kessel in Quillmoor. ";
    let text = sentence.repeat((1 << 20) * 9 / 10 / sentence.len());
    format!("{{\"id\":\"names\",\"title\":\"Names\",\"text\":\"{text}\"}}\n").into_bytes()
}

fn long_title() -> Vec<u8> {
    let title = "A title that goes on ".repeat(5_000);
    format!("{{\"id\":\"title\",\"title\":\"{title}\",\"text\":\"Short body.\"}}\n").into_bytes()
}

fn deep_json_line() -> Vec<u8> {
    let depth = 100_000;
    let mut out = format!(
        "{{\"id\":\"deep\",\"title\":\"Deep\",\"extra\":{}{}}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
    .into_bytes();
    out.extend_from_slice(import_line(2).as_bytes());
    out.push(b'\n');
    out
}

fn duplicate_lines() -> Vec<u8> {
    let line = import_line(1);
    format!("{line}\n{line}\n{line}\n").into_bytes()
}

fn huge_opml() -> Vec<u8> {
    let outlines: String = (1..=20_000)
        .map(|n| {
            format!("<outline text=\"Feed {n}\" xmlUrl=\"https://outlet{n}.example/rss.xml\"/>\n")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>Everything</title></head>\
         <body>\n{outlines}</body></opml>\n"
    )
    .into_bytes()
}

fn deep_opml() -> Vec<u8> {
    let depth = 100_000;
    format!(
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>Folders</title></head><body>{}\
         <outline text=\"Bottom\" xmlUrl=\"https://bottom.example/rss.xml\"/>{}</body></opml>\n",
        "<outline text=\"Folder\">".repeat(depth),
        "</outline>".repeat(depth)
    )
    .into_bytes()
}

// =============================================================================================
// The servers
// =============================================================================================

/// How a route answers.
#[derive(Clone)]
enum Reply {
    /// A status, headers and a body with its Content-Length.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Arc<Vec<u8>>,
    },
    /// 200, chunked without a Content-Length.
    Chunked { body: Arc<Vec<u8>> },
    /// 200, chunked, without end.
    Endless,
    /// 200 with a Content-Length, then one byte a second.
    Trickle { body: Arc<Vec<u8>> },
    /// A Content-Length of `promised`, then `body` (shorter), then the connection closes.
    ShortBody { promised: usize, body: Arc<Vec<u8>> },
    /// The status line, then headers a byte a second, never finished.
    SlowHeaders,
    /// The request is read and never answered.
    Silent,
    /// These bytes, whatever they are.
    Raw(Vec<u8>),
}

impl Reply {
    fn full(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Arc::new(body.into()),
        }
    }

    fn write_to(&self, stream: &mut TcpStream) -> std::io::Result<()> {
        // A trickle outliving any case's time limit has lost its client.
        let give_up = Instant::now() + Duration::from_secs(120);
        match self {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                    reason(*status),
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                stream.write_all(head.as_bytes())?;
                stream.write_all(body)
            }
            Reply::Chunked { body } => {
                stream.write_all(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                )?;
                for chunk in body.chunks(16 * 1024) {
                    write!(stream, "{:x}\r\n", chunk.len())?;
                    stream.write_all(chunk)?;
                    stream.write_all(b"\r\n")?;
                }
                stream.write_all(b"0\r\n\r\n")
            }
            Reply::Endless => {
                stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                      Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                )?;
                let chunk = vec![b'y'; 64 * 1024];
                while Instant::now() < give_up {
                    write!(stream, "{:x}\r\n", chunk.len())?;
                    stream.write_all(&chunk)?;
                    stream.write_all(b"\r\n")?;
                }
                Ok(())
            }
            Reply::Trickle { body } => {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )?;
                for byte in body.iter() {
                    if Instant::now() > give_up {
                        break;
                    }
                    stream.write_all(&[*byte])?;
                    std::thread::sleep(Duration::from_secs(1));
                }
                Ok(())
            }
            Reply::ShortBody { promised, body } => {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                     Content-Length: {promised}\r\n\r\n"
                )?;
                stream.write_all(body)
            }
            Reply::SlowHeaders => {
                stream.write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ")?;
                while Instant::now() < give_up {
                    std::thread::sleep(Duration::from_secs(1));
                    stream.write_all(b"z")?;
                }
                Ok(())
            }
            Reply::Silent => {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
                let mut byte = [0u8; 1];
                // Returns when the client hangs up.
                let _ = stream.read(&mut byte);
                Ok(())
            }
            Reply::Raw(bytes) => stream.write_all(bytes),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}

fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::full(200, &[("Content-Type", content_type)], body)
}

fn html(body: impl Into<Vec<u8>>) -> Reply {
    ok("text/html; charset=utf-8", body)
}

fn rss_reply(feed: &str) -> Reply {
    ok("application/rss+xml; charset=utf-8", feed)
}

fn status(code: u16) -> Reply {
    Reply::full(code, &[], "")
}

fn redirect(location: &str) -> Reply {
    Reply::full(302, &[("Location", location)], "")
}

fn trickle(body: &str) -> Reply {
    Reply::Trickle {
        body: Arc::new(body.as_bytes().to_vec()),
    }
}

/// Every request any test server received: (server, request target).
#[derive(Clone, Default)]
struct RequestLog(Arc<Mutex<Vec<(&'static str, String)>>>);

impl RequestLog {
    fn push(&self, server: &'static str, target: String) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((server, target));
    }

    fn entries(&self) -> Vec<(&'static str, String)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What one listener serves: the shared routes, its own robots.txt.
struct Site {
    label: &'static str,
    routes: Arc<HashMap<String, Reply>>,
    robots: Reply,
    log: RequestLog,
}

fn serve(listener: TcpListener, site: Site) {
    let site = Arc::new(site);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let site = Arc::clone(&site);
            std::thread::spawn(move || handle(stream, &site));
        }
    });
}

fn handle(mut stream: TcpStream, site: &Site) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(target) = read_request_target(&mut stream) else {
        site.log.push(site.label, "<no request>".into());
        return;
    };
    site.log.push(site.label, target.clone());
    let path = target.split('?').next().unwrap_or_default();
    let reply = if path == "/robots.txt" {
        site.robots.clone()
    } else {
        site.routes
            .get(path)
            .cloned()
            .unwrap_or_else(|| status(404))
    };
    let _ = reply.write_to(&mut stream);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
}

/// Reads the request head; returns the request target of its first line.
fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head);
    text.lines()
        .next()?
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
}

/// The servers and files every case shares.
struct Env {
    /// The main site, http://127.0.0.1:PORT (exempt from the private-address rule).
    base: String,
    main_port: u16,
    /// A site whose robots.txt answers 500.
    robots_500: String,
    /// A site whose robots.txt is 2 MiB.
    robots_huge: String,
    /// http://127.0.0.2:PORT: must never receive anything.
    canary: String,
    canary_port: u16,
    /// The port of a canary on [::1] (or a closed port where IPv6 is missing).
    canary6_port: u16,
    /// A port nothing listens on.
    closed: String,
    /// A local file with a unique marker that no case may store.
    secret: PathBuf,
    secret_marker: String,
    /// The first line of /etc/passwd, which no case may store.
    passwd_marker: String,
    work: PathBuf,
    log: RequestLog,
}

/// Listeners bound before the cases are built (they need the ports), served after.
struct Listeners {
    main: TcpListener,
    robots_500: TcpListener,
    robots_huge: TcpListener,
    canary: TcpListener,
    canary6: Option<TcpListener>,
}

fn bind(address: &str) -> TcpListener {
    TcpListener::bind(address).unwrap_or_else(|e| panic!("bind {address}: {e}"))
}

fn port_of(listener: &TcpListener) -> u16 {
    listener.local_addr().expect("local address").port()
}

fn set_up(work: &Path) -> (Env, Listeners) {
    let listeners = Listeners {
        main: bind("127.0.0.1:0"),
        robots_500: bind("127.0.0.1:0"),
        robots_huge: bind("127.0.0.1:0"),
        // Linux routes all of 127/8 to the loopback interface.
        canary: bind("127.0.0.2:0"),
        canary6: TcpListener::bind("[::1]:0").ok(),
    };
    let closed_port = port_of(&bind("127.0.0.1:0"));
    let marker = format!("zqxsecret{}marker", std::process::id());
    let secret = work.join("secret.txt");
    std::fs::write(
        &secret,
        format!("Private notes of this machine. {marker} must never be stored.\n"),
    )
    .expect("write the secret file");
    let passwd_marker = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| text.lines().next().map(str::to_string))
        .filter(|line| line.len() >= 8)
        .unwrap_or_else(|| "root:x:0:0:".into());
    let env = Env {
        base: format!("http://127.0.0.1:{}", port_of(&listeners.main)),
        main_port: port_of(&listeners.main),
        robots_500: format!("http://127.0.0.1:{}", port_of(&listeners.robots_500)),
        robots_huge: format!("http://127.0.0.1:{}", port_of(&listeners.robots_huge)),
        canary: format!("http://127.0.0.2:{}", port_of(&listeners.canary)),
        canary_port: port_of(&listeners.canary),
        canary6_port: listeners.canary6.as_ref().map_or(closed_port, port_of),
        closed: format!("http://127.0.0.1:{closed_port}"),
        secret,
        secret_marker: marker,
        passwd_marker,
        work: work.to_path_buf(),
        log: RequestLog::default(),
    };
    (env, listeners)
}

/// The good feeds: `/good/N/feed.xml`, two items each with real article pages.
fn good_routes(env: &Env, routes: &mut HashMap<String, Reply>, count: usize) {
    for n in 1..=count {
        let outlet = format!("Steady Courier {n}");
        let items = item(
            "Quillmoor rowing club wins back its boathouse lease",
            &format!("{}/good/{n}/a1", env.base),
            "The rowing club keeps its boathouse.",
        ) + &item(
            "Brackenfold library reopens after flood repairs",
            &format!("{}/good/{n}/a2", env.base),
            "The library is open again.",
        );
        routes.insert(
            format!("/good/{n}/feed.xml"),
            rss_reply(&rss(&outlet, &items)),
        );
        routes.insert(
            format!("/good/{n}/a1"),
            ok("text/html", page_html(&outlet, 1)),
        );
        routes.insert(
            format!("/good/{n}/a2"),
            ok("text/html", page_html(&outlet, 2)),
        );
    }
}

fn good_feed_url(env: &Env, n: usize) -> String {
    format!("{}/good/{n}/feed.xml", env.base)
}

fn start_servers(env: &Env, listeners: Listeners, cases: &[Case]) {
    let mut routes = HashMap::new();
    good_routes(env, &mut routes, 5);
    for case in cases {
        for (path, reply) in &case.routes {
            let previous = routes.insert(path.clone(), reply.clone());
            assert!(previous.is_none(), "{}: route {path} twice", case.name);
        }
    }
    let routes = Arc::new(routes);
    let robots = "User-agent: *\nDisallow: /c/robots-disallowed-feed/\n\
                  Disallow: /c/robots-disallowed-page/p1\n";
    let huge_robots: String = (0..80_000)
        .map(|n| format!("Disallow: /archive/{n}/\n"))
        .collect();
    let site = |label, robots| Site {
        label,
        routes: Arc::clone(&routes),
        robots,
        log: env.log.clone(),
    };
    serve(listeners.main, site("main", ok("text/plain", robots)));
    serve(listeners.robots_500, site("robots-500", status(500)));
    serve(
        listeners.robots_huge,
        site(
            "robots-huge",
            Reply::Chunked {
                body: Arc::new(format!("User-agent: *\n{huge_robots}").into_bytes()),
            },
        ),
    );
    let canary = |label| Site {
        label,
        routes: Arc::new(HashMap::new()),
        robots: status(404),
        log: env.log.clone(),
    };
    serve(listeners.canary, canary("canary"));
    if let Some(listener) = listeners.canary6 {
        serve(listener, canary("canary"));
    }
}

// =============================================================================================
// Running the binary under limits
// =============================================================================================

/// One run of the binary.
#[derive(Debug, Default)]
struct Measured {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    seconds: f64,
    peak_mib: Option<f64>,
    timed_out: bool,
}

fn check_tools() {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "/usr/bin/time (GNU time) is missing: `apt-get install time` \
         (the hostile-input suite measures each run's peak memory with it)"
    );
    let prlimit = Command::new("prlimit").arg("--version").output();
    assert!(
        prlimit.is_ok_and(|o| o.status.success()),
        "prlimit is missing: `apt-get install util-linux` \
         (the hostile-input suite limits each run's address space with it)"
    );
}

/// Runs `storyline ARGS` in `dir` as `/usr/bin/time prlimit --as=... -- storyline ARGS`,
/// killed (with its process group) at `limit`.
fn run_limited(dir: &Path, args: &[String], limit: Duration) -> Measured {
    let time_file = dir.join(format!("time-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&time_file);
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(&time_file)
        .arg("prlimit")
        .arg(format!("--as={ADDRESS_SPACE_BYTES}"))
        .arg("--")
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("STORYLINE_") {
            command.env_remove(name);
        }
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("/usr/bin/time starts");
    let pid = child.id();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(stdout));
    let stderr = read_all(Box::new(stderr));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the run") {
            break status;
        }
        if started.elapsed() > limit {
            timed_out = true;
            // The whole group: time, and storyline under it.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
            break child.wait().expect("wait for the killed run");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    // GNU time writes "Command exited with non-zero status N" before the format line.
    let peak_mib = std::fs::read_to_string(&time_file).ok().and_then(|text| {
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())?
            .to_string();
        let kib: f64 = last.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    });
    Measured {
        code: if timed_out { None } else { status.code() },
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        seconds,
        peak_mib,
        timed_out,
    }
}

// =============================================================================================
// Running a case
// =============================================================================================

/// Everything a case's checks look at.
struct Observed<'a> {
    env: &'a Env,
    case: &'a Case,
    main: Measured,
    articles: Vec<Article>,
    feeds: Vec<Feed>,
    stories: Vec<Story>,
    /// Request targets (any server) that belong to this case.
    requests: Vec<(&'static str, String)>,
    searches: HashMap<String, Result<usize, String>>,
    data_bytes: Vec<u8>,
    served: Option<Result<Vec<String>, String>>,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
}

/// The row of the table.
struct Row {
    name: &'static str,
    category: &'static str,
    outcome: Outcome,
    exit: Option<i32>,
    seconds: f64,
    peak_mib: Option<f64>,
}

/// How a case came out.
enum Outcome {
    Pass,
    Fail(Vec<String>),
    /// Failed as its known bug says it would.
    KnownBug(&'static str, Vec<String>),
}

impl Outcome {
    fn of(case: &Case, failures: Vec<String>) -> Outcome {
        match (case.known_bug, failures.is_empty()) {
            (None, true) => Outcome::Pass,
            (None, false) => Outcome::Fail(failures),
            (Some(bug), false) => Outcome::KnownBug(bug, failures),
            (Some(bug), true) => Outcome::Fail(vec![format!(
                "passes now: remove its known_bug mark ({bug})"
            )]),
        }
    }

    fn is_failure(&self, strict: bool) -> bool {
        match self {
            Outcome::Pass => false,
            Outcome::Fail(_) => true,
            Outcome::KnownBug(..) => strict,
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::Fail(failures) => format!("FAIL: {}", failures.join("; ")),
            Outcome::KnownBug(bug, failures) => {
                format!("KNOWN BUG ({bug}): {}", failures.join("; "))
            }
        }
    }
}

fn run_case(env: &Env, case: &Case) -> Row {
    let dir = env.work.join("cases").join(case.name);
    std::fs::create_dir_all(&dir).expect("case dir");
    let config = dir.join("storyline.toml");
    std::fs::write(&config, case.settings.toml()).expect("write the configuration");
    let data = dir.join("data");
    let global = |args: &[&str]| -> Vec<String> {
        let mut all = vec![
            "--config".to_string(),
            config.display().to_string(),
            "--data-dir".to_string(),
            data.display().to_string(),
        ];
        all.extend(args.iter().map(|a| a.to_string()));
        all
    };
    let mut failures = Vec::new();
    let aux = |args: Vec<String>, failures: &mut Vec<String>| -> Measured {
        let measured = run_limited(&dir, &args, DEFAULT_TIME_LIMIT);
        if measured.code != Some(0) {
            failures.push(format!(
                "`storyline {}` failed ({:?}): {}",
                args[4..].join(" "),
                measured.code,
                measured.stderr.trim()
            ));
        }
        measured
    };

    let started = Utc::now();
    let main = match &case.run {
        Run::Fetch { feeds, good } => {
            let mut add = vec!["feeds", "add"];
            let goods: Vec<String> = (1..=*good).map(|n| good_feed_url(env, n)).collect();
            add.extend(feeds.iter().map(String::as_str));
            add.extend(goods.iter().map(String::as_str));
            aux(global(&add), &mut failures);
            run_limited(&dir, &global(&["fetch"]), case.time_limit)
        }
        Run::Import(input) => {
            let path = write_input(&dir, "input.jsonl", input);
            run_limited(&dir, &global(&["import", &path]), case.time_limit)
        }
        Run::Opml(input) => {
            let path = write_input(&dir, "feeds.opml", input);
            run_limited(&dir, &global(&["feeds", "import", &path]), case.time_limit)
        }
    };
    let finished = Utc::now();
    // Kept beside the case's data for a look with HOSTILE_INPUTS_KEEP=1.
    let _ = std::fs::write(dir.join("stdout.txt"), &main.stdout);
    let _ = std::fs::write(dir.join("stderr.txt"), &main.stderr);

    let mut searches = HashMap::new();
    for expect in &case.expect {
        if let Expect::Search(query, _) = expect {
            let run = aux(global(&["search", query, "--json"]), &mut failures);
            let hits = serde_json::from_str::<serde_json::Value>(&run.stdout)
                .map_err(|e| format!("search output is not JSON: {e}"))
                .and_then(|v| {
                    v.as_array()
                        .map(Vec::len)
                        .ok_or_else(|| "search output is not a list".to_string())
                });
            searches.insert(query.clone(), hits);
        }
    }
    let served = case
        .expect
        .iter()
        .any(|e| matches!(e, Expect::ServedEscaped(..)))
        .then(|| served_pages(&dir, &global(&["serve", "--addr", "127.0.0.1:0"])));
    let data_bytes = read_data_dir(&data);
    let (articles, feeds, stories) = read_store(&data);
    let prefix = format!("/c/{}/", case.name);
    let requests = env
        .log
        .entries()
        .into_iter()
        .filter(|(_, target)| target.starts_with(&prefix))
        .collect();
    let observed = Observed {
        env,
        case,
        main,
        articles,
        feeds,
        stories,
        requests,
        searches,
        data_bytes,
        served,
        started,
        finished,
    };
    failures.extend(evaluate(&observed));
    Row {
        name: case.name,
        category: case.category,
        outcome: Outcome::of(case, failures),
        exit: observed.main.code,
        seconds: observed.main.seconds,
        peak_mib: observed.main.peak_mib,
    }
}

fn write_input(dir: &Path, name: &str, input: &Input) -> String {
    let path = dir.join(name);
    match input {
        Input::Bytes(bytes) => std::fs::write(&path, bytes).expect("write the input"),
        Input::Make(make) => std::fs::write(&path, make()).expect("write the input"),
        Input::Directory => std::fs::create_dir_all(&path).expect("make the directory"),
        Input::Missing => {}
    }
    path.display().to_string()
}

fn read_data_dir(data: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Ok(entries) = std::fs::read_dir(data) {
        for entry in entries.flatten() {
            if let Ok(content) = std::fs::read(entry.path()) {
                bytes.extend(content);
            }
        }
    }
    bytes
}

fn read_store(data: &Path) -> (Vec<Article>, Vec<Feed>, Vec<Story>) {
    if !data.exists() {
        return Default::default();
    }
    let store = SqliteStore::open(data).expect("the case's store opens");
    (
        store.all_articles().expect("articles"),
        store.feeds().expect("feeds"),
        store.stories().expect("stories"),
    )
}

/// Starts `storyline serve` on a free port and fetches the front page and a search page.
fn served_pages(dir: &Path, args: &[String]) -> Result<Vec<String>, String> {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("serve does not start: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let result = (|| {
        let line = receiver
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| "serve printed no address".to_string())?;
        let address = line
            .strip_prefix("Serving http://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| format!("unexpected first line {line:?}"))?
            .to_string();
        ["/", "/search?q=Ossington"]
            .iter()
            .map(|path| http_get(&address, path))
            .collect()
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn http_get(address: &str, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(address).map_err(|e| format!("{address}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    stream
        .read_to_end(&mut body)
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

// =============================================================================================
// Checking
// =============================================================================================

impl Observed<'_> {
    fn lines(&self, prefix: &str) -> Vec<&str> {
        self.main
            .stderr
            .lines()
            .filter(|line| line.starts_with(prefix))
            .collect()
    }

    fn hostile_feed(&self) -> Option<&str> {
        self.case.hostile_feeds().first().map(String::as_str)
    }

    fn articles_of_feed(&self, feed_url: &str) -> Vec<&Article> {
        self.articles
            .iter()
            .filter(|a| a.feed_url.as_deref() == Some(feed_url))
            .collect()
    }

    fn hostile_articles(&self) -> Vec<&Article> {
        self.hostile_feed()
            .map(|url| self.articles_of_feed(url))
            .unwrap_or_default()
    }

    fn only_article_from_hostile(&self) -> Result<&Article, String> {
        match self.hostile_articles().as_slice() {
            [only] => Ok(only),
            other => Err(format!(
                "{} articles from the hostile feed, expected 1",
                other.len()
            )),
        }
    }

    fn headline_from_hostile(&self, expected: &str) -> Result<(), String> {
        let from = self.hostile_articles();
        if from.iter().any(|a| a.headline == expected) {
            return Ok(());
        }
        let headlines: Vec<&str> = from.iter().map(|a| a.headline.as_str()).collect();
        Err(format!("no headline {expected:?} among {headlines:?}"))
    }

    fn hostile_date_unknown(&self) -> Result<(), String> {
        let article = self.only_article_from_hostile()?;
        match article.date_published {
            None => Ok(()),
            Some(date) => Err(format!("stored date {date}, expected none")),
        }
    }

    fn all_articles(&self, good: fn(&Article) -> bool, what: &str) -> Result<(), String> {
        let bad: Vec<String> = self
            .articles
            .iter()
            .filter(|a| !good(a))
            .map(|a| {
                format!(
                    "{} ({} bytes of headline)",
                    truncate(&a.url, 80),
                    a.headline.len()
                )
            })
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", bad.join(", ")))
        }
    }

    fn all_feeds(&self, good: fn(&Feed) -> bool, what: &str) -> Result<(), String> {
        let bad: Vec<String> = self
            .feeds
            .iter()
            .filter(|f| !good(f))
            .map(|f| truncate(&f.url, 80))
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", bad.join(", ")))
        }
    }

    fn nothing_contains(&self, text: &str) -> Result<(), String> {
        let found = self.articles.iter().find(|a| {
            a.headline.contains(text)
                || a.article_body.contains(text)
                || a.description.as_deref().is_some_and(|d| d.contains(text))
        });
        match found {
            Some(article) => Err(format!("{:?} stored in {}", text, article.url)),
            None => Ok(()),
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Stderr lines every command may print: one-line messages and progress lines.
const STDERR_PREFIXES: [&str; 5] = ["warning: ", "note: ", "error: ", "polling ", "feed "];

fn evaluate(o: &Observed) -> Vec<String> {
    let mut failures = Vec::new();
    let main = &o.main;
    let case = o.case;
    if main.timed_out {
        failures.push(format!(
            "over its time limit of {} s: killed",
            case.time_limit.as_secs()
        ));
    }
    match main.peak_mib {
        Some(peak) if peak > case.rss_mib as f64 => failures.push(format!(
            "peak RSS {peak:.0} MiB over its budget of {} MiB",
            case.rss_mib
        )),
        None if !main.timed_out => failures.push("no peak RSS measured".into()),
        _ => {}
    }
    if main.stderr.contains("panicked") {
        failures.push(format!("panicked: {}", truncate(main.stderr.trim(), 400)));
    }
    let expected_exit = case
        .expect
        .iter()
        .find_map(|e| match e {
            Expect::Exit(code) => Some(*code),
            _ => None,
        })
        .unwrap_or(0);
    if !main.timed_out && main.code != Some(expected_exit) {
        failures.push(format!(
            "exit code {:?}, expected {expected_exit}: {}",
            main.code,
            truncate(main.stderr.trim(), 300)
        ));
    }
    for line in main.stderr.lines().filter(|l| !l.trim().is_empty()) {
        if !STDERR_PREFIXES.iter().any(|p| line.starts_with(p)) {
            failures.push(format!("stray stderr line: {}", truncate(line, 200)));
            break;
        }
    }
    if expected_exit == 0 && !o.lines("error: ").is_empty() {
        failures.push(format!("error line: {}", o.lines("error: ")[0]));
    }
    let canary: Vec<&String> = o
        .requests
        .iter()
        .filter(|(server, _)| *server == "canary")
        .map(|(_, target)| target)
        .collect();
    if !canary.is_empty() {
        failures.push(format!("the canary on 127.0.0.2 was reached: {canary:?}"));
    }
    let horizon = o.finished + TimeDelta::minutes(15);
    for article in &o.articles {
        if article.date_published.is_some_and(|d| d > horizon) {
            failures.push(format!("article {} dated in the future", article.url));
        }
    }
    for story in &o.stories {
        if story.updated_at > horizon {
            failures.push(format!("story {} updated in the future", story.id));
        }
    }
    if let Run::Fetch { good, .. } = &case.run {
        for n in 1..=*good {
            let url = good_feed_url(o.env, n);
            let stored = o.articles_of_feed(&url).len();
            if stored != 2 {
                failures.push(format!(
                    "good feed {n}: {stored} articles stored, expected 2"
                ));
            }
        }
    }
    for expect in &case.expect {
        if let Err(failure) = check_one(o, expect) {
            failures.push(failure);
        }
    }
    failures
}

fn check_one(o: &Observed, expect: &Expect) -> Result<(), String> {
    let warnings = o.lines("warning: ");
    match expect {
        Expect::Exit(_) => Ok(()),
        Expect::Warns(needle, cause) | Expect::WarnsSome(needle, cause) => {
            let naming: Vec<&&str> = warnings
                .iter()
                .filter(|l| l.contains(needle.as_str()))
                .collect();
            let exactly_one = matches!(expect, Expect::Warns(..));
            if naming.is_empty() || (exactly_one && naming.len() > 1) {
                return Err(format!(
                    "{} warnings name {needle:?}, expected {}: {:?}",
                    naming.len(),
                    if exactly_one { "one" } else { "some" },
                    warnings
                        .iter()
                        .take(4)
                        .map(|l| truncate(l, 200))
                        .collect::<Vec<_>>()
                ));
            }
            match naming.iter().find(|l| l.contains(cause)) {
                Some(_) => Ok(()),
                None => Err(format!(
                    "the warning naming {needle:?} lacks {cause:?}: {}",
                    truncate(naming[0], 300)
                )),
            }
        }
        Expect::NoWarnings => match warnings.first() {
            None => Ok(()),
            Some(line) => Err(format!("unexpected warning: {}", truncate(line, 200))),
        },
        Expect::Notes(needle, says) => {
            let notes = o.lines("note: ");
            if notes
                .iter()
                .any(|l| l.contains(needle.as_str()) && l.contains(says))
            {
                Ok(())
            } else {
                Err(format!(
                    "no note naming {needle:?} says {says:?}: {:?}",
                    notes
                        .iter()
                        .take(3)
                        .map(|l| truncate(l, 200))
                        .collect::<Vec<_>>()
                ))
            }
        }
        Expect::Fails(needle, cause) => {
            let errors = o.lines("error: ");
            let others: Vec<&str> = o
                .main
                .stderr
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("error: "))
                .collect();
            match errors.as_slice() {
                [one]
                    if one.contains(needle.as_str())
                        && one.contains(cause)
                        && others.is_empty() =>
                {
                    Ok(())
                }
                _ => Err(format!(
                    "expected one error line naming {needle:?} with {cause:?}, got stderr: {}",
                    truncate(o.main.stderr.trim(), 300)
                )),
            }
        }
        Expect::Says(text) => {
            if o.main.stdout.contains(text) {
                Ok(())
            } else {
                Err(format!(
                    "stdout lacks {text:?}: {}",
                    truncate(o.main.stdout.trim(), 200)
                ))
            }
        }
        Expect::StoredFrom(feed, count) => {
            let stored = o.articles_of_feed(feed).len();
            if stored == *count {
                Ok(())
            } else {
                Err(format!("{stored} articles from {feed}, expected {count}"))
            }
        }
        Expect::Articles(count) => {
            if o.articles.len() == *count {
                Ok(())
            } else {
                Err(format!(
                    "{} articles stored, expected {count}",
                    o.articles.len()
                ))
            }
        }
        Expect::SummaryOnly(path) => {
            match o.articles.iter().find(|a| a.url.ends_with(path.as_str())) {
                Some(a) if matches!(a.extraction, ExtractionStatus::FeedSummaryOnly { .. }) => {
                    Ok(())
                }
                Some(a) => Err(format!(
                    "{path}: stored as {:?}, not the summary",
                    a.extraction
                )),
                None => Err(format!("{path}: no article kept its summary")),
            }
        }
        Expect::Extracted(path) => {
            match o.articles.iter().find(|a| a.url.ends_with(path.as_str())) {
                Some(a) if a.extraction == ExtractionStatus::Full => Ok(()),
                Some(a) => Err(format!("{path}: stored as {:?}", a.extraction)),
                None => Err(format!("{path}: not stored")),
            }
        }
        Expect::NoArticle(part) => {
            match o.articles.iter().find(|a| a.url.contains(part.as_str())) {
                None => Ok(()),
                Some(a) => Err(format!("article stored for {}", truncate(&a.url, 100))),
            }
        }
        Expect::Search(query, count) => match o.searches.get(query) {
            Some(Ok(hits)) if hits == count => Ok(()),
            Some(Ok(hits)) => Err(format!("search {query:?}: {hits} hits, expected {count}")),
            Some(Err(e)) => Err(format!("search {query:?}: {e}")),
            None => Err(format!("search {query:?} did not run")),
        },
        Expect::DbLacks(text) => {
            let needle = text.as_bytes();
            if o.data_bytes.windows(needle.len()).any(|w| w == needle) {
                Err(format!("the data directory holds {text:?}"))
            } else {
                Ok(())
            }
        }
        Expect::NotRequested(path) => {
            match o
                .requests
                .iter()
                .find(|(_, t)| t.split('?').next() == Some(path.as_str()))
            {
                None => Ok(()),
                Some((server, _)) => Err(format!("{path} was requested from {server}")),
            }
        }
        Expect::Requests(prefix, count) => {
            let seen = o
                .requests
                .iter()
                .filter(|(_, t)| t.starts_with(prefix.as_str()))
                .count();
            if seen == *count {
                Ok(())
            } else {
                Err(format!("{seen} requests for {prefix}*, expected {count}"))
            }
        }
        Expect::Subscribed(count) => {
            if o.feeds.len() == *count {
                Ok(())
            } else {
                Err(format!(
                    "{} feeds subscribed, expected {count}",
                    o.feeds.len()
                ))
            }
        }
        Expect::Within(seconds) => {
            if o.main.seconds <= *seconds {
                Ok(())
            } else {
                Err(format!(
                    "took {:.1} s, expected at most {seconds} s",
                    o.main.seconds
                ))
            }
        }
        Expect::ServedEscaped(raw, escaped) => match &o.served {
            Some(Ok(pages)) => {
                if let Some(page) = pages.iter().find(|p| p.contains(raw)) {
                    return Err(format!("served raw {raw:?}: {}", truncate(page, 200)));
                }
                if pages.iter().any(|p| p.contains(escaped)) {
                    Ok(())
                } else {
                    Err(format!("no served page shows {escaped:?}"))
                }
            }
            Some(Err(e)) => Err(format!("serve: {e}")),
            None => Err("serve did not run".into()),
        },
        Expect::Check(what, check) => check(o).map_err(|e| format!("{what}: {e}")),
    }
}

// =============================================================================================
// The suite
// =============================================================================================

fn table(rows: &[Row], total: Duration, jobs: usize) -> String {
    let count = |known: bool| {
        rows.iter()
            .filter(|r| match r.outcome {
                Outcome::Pass => false,
                Outcome::Fail(_) => !known,
                Outcome::KnownBug(..) => known,
            })
            .count()
    };
    let mut out = format!(
        "# Hostile inputs\n\n{} cases, {} failed, {} known bugs, {:.0} s in all ({jobs} at a \
         time); time limit {} s and peak RSS {} MiB per case unless the case says otherwise, \
         address space {} GiB.\n\n\
         | case | category | outcome | exit | s | peak MiB |\n|---|---|---|---|---|---|\n",
        rows.len(),
        count(false),
        count(true),
        total.as_secs_f64(),
        DEFAULT_TIME_LIMIT.as_secs(),
        DEFAULT_RSS_MIB,
        ADDRESS_SPACE_BYTES >> 30,
    );
    for row in rows {
        let outcome = row
            .outcome
            .describe()
            .replace('|', "\\|")
            .replace('\n', " ");
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {} |\n",
            row.name,
            row.category,
            truncate(&outcome, 400),
            row.exit.map_or("killed".to_string(), |c| c.to_string()),
            row.seconds,
            row.peak_mib.map_or("-".to_string(), |m| format!("{m:.0}")),
        ));
    }
    out
}

#[test]
fn hostile_inputs() {
    check_tools();
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let work = temp.path().to_path_buf();
    // Dropped at the end unless kept for a look at each case's stderr, stdout and store.
    let _cleanup = if std::env::var_os("HOSTILE_INPUTS_KEEP").is_some() {
        println!("case directories kept in {}", temp.keep().display());
        None
    } else {
        Some(temp)
    };
    let (env, listeners) = set_up(&work);
    let cases = cases(&env);
    assert!(
        cases.len() >= 60,
        "{} cases, the suite promises 60",
        cases.len()
    );
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");
    start_servers(&env, listeners, &cases);

    let only = std::env::var("HOSTILE_INPUTS_ONLY").ok();
    let selected: Vec<&Case> = cases
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.name.contains(o)))
        .collect();
    let jobs = std::env::var("HOSTILE_INPUTS_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(4usize)
        .max(1);
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<(usize, Row)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = selected.get(index) else {
                        break;
                    };
                    let row = run_case(&env, case);
                    rows.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((index, row));
                }
            });
        }
    });
    let total = started.elapsed();
    let mut rows = rows.into_inner().unwrap_or_else(|e| e.into_inner());
    rows.sort_by_key(|(index, _)| *index);
    let rows: Vec<Row> = rows.into_iter().map(|(_, row)| row).collect();

    let report = table(&rows, total, jobs);
    println!("\n{report}");
    let report_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../hostile-inputs.md");
    if let Err(e) = std::fs::write(&report_path, &report) {
        eprintln!("cannot write {}: {e}", report_path.display());
    }
    let strict = std::env::var_os("HOSTILE_INPUTS_STRICT").is_some();
    let mut failed: Vec<String> = rows
        .iter()
        .filter(|r| r.outcome.is_failure(strict))
        .map(|r| format!("{} ({}): {}", r.name, r.category, r.outcome.describe()))
        .collect();
    // Each case checks its own paths; this catches a request no case path names.
    let canary: Vec<String> = env
        .log
        .entries()
        .into_iter()
        .filter(|(server, _)| *server == "canary")
        .map(|(_, target)| target)
        .collect();
    if !canary.is_empty() {
        failed.push(format!("the canary on 127.0.0.2 was reached: {canary:?}"));
    }
    assert!(
        failed.is_empty(),
        "{} of {} hostile-input cases failed:\n{}",
        failed.len(),
        rows.len(),
        failed.join("\n")
    );
}
