//! `poll_feeds` against hostile feeds on a real HTTP server on 127.0.0.1, with a real SQLite
//! store: links to local files and private addresses found in a remote feed, a feed whose
//! hundred pages trickle one byte a second beside nineteen good feeds, dates from the future
//! and from before any news, feeds that lie about their charset or carry a stray byte,
//! robots.txt rules, and the per-feed item cap. Each test is one of the findings of the
//! hostile-input pass (issue 15) and failed before the poll was bounded.

mod poll_support;

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, Utc};
use poll_support::*;
use storyline_fetch::{FetchConfig, Fetcher};
use storyline_model::ExtractionStatus;
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::refresh_briefs;
use storyline_pipeline::cluster::{ClusterConfig, cluster_pending};
use storyline_pipeline::ingest::{FailureKind, FetchReport, PollLimits, Progress, poll_feeds};
use storyline_store::{SqliteStore, Store};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// A fetcher that may reach the test server on 127.0.0.1 and no other private address.
fn guarded_fetcher(timeout: Duration) -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private_addresses: false,
        allow_private_hosts: vec!["127.0.0.1".to_string()],
        per_host_interval: Duration::ZERO,
        timeout,
        connect_timeout: timeout,
        ..FetchConfig::default()
    })
    .expect("client builds")
}

/// A server on 127.0.0.2 that counts every request it gets: nothing may reach it.
async fn canary() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let address = listener.local_addr().expect("local address");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    let router = Router::new().fallback(move |request: axum::extract::Request| {
        recorder
            .lock()
            .expect("canary lock")
            .push(request.uri().to_string());
        async { "secret intranet page" }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}"), seen)
}

/// An RSS feed of `(link, title, summary, pubDate)` items.
fn rss(title: &str, items: &[(String, String, String, String)]) -> String {
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>\n"
    );
    for (link, item_title, summary, date) in items {
        feed.push_str(&format!(
            "<item><title>{item_title}</title><link>{link}</link><guid>{link}</guid>\
             <description>{summary}</description><pubDate>{date}</pubDate></item>\n"
        ));
    }
    feed.push_str("</channel></rss>\n");
    feed
}

const TOPICS: [(&str, &str); 19] = [
    ("Harrowgate", "tram depot"),
    ("Kelmouth", "flood barrier"),
    ("Ostrava Vale", "water tariff"),
    ("Brindle Bay", "ferry timetable"),
    ("Castellmar", "school merger"),
    ("Dunmore Fen", "wind farm"),
    ("Elsworth", "hospital wing"),
    ("Fairhaven", "library closure"),
    ("Glenrock", "bridge repairs"),
    ("Holmfirth Cross", "market hall"),
    ("Iverley", "bus strike"),
    ("Jarrow Point", "harbour dredging"),
    ("Kirkwall Rise", "housing plan"),
    ("Lanfield", "rail tunnel"),
    ("Marlow Heath", "reservoir levels"),
    ("Northby", "police budget"),
    ("Orchard Vale", "cycle lanes"),
    ("Pembury", "museum funding"),
    ("Quarry Hill", "quarry expansion"),
];

/// A news page about `topic` in `place`, long enough to be an article, with words its own.
fn news_page(place: &str, topic: &str, item: usize) -> String {
    let paragraphs: Vec<String> = (0..5)
        .map(|paragraph| {
            format!(
                "<p>Councillors in {place} met on Tuesday to discuss the {topic}, report {item} \
                 part {paragraph}. Residents of {place} told the meeting that the {topic} had \
                 been debated for years, and officials promised a decision on the {topic} \
                 before the spring. The {place} council leader said the cost of the {topic} \
                 would be published in full, with {item}{paragraph} objections already filed \
                 by local groups in {place}.</p>"
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><title>{place}: {topic}, update {item}</title>\
         <meta property=\"article:published_time\" content=\"2026-03-12T0{item}:00:00Z\"></head>\
         <body><article><h1>{place}: {topic}, update {item}</h1>{}</article></body></html>",
        paragraphs.join("\n")
    )
}

/// A page that sends its headers, then one byte a second for ever.
fn trickling_page() -> MethodRouter {
    get(|| async {
        let bytes = futures_util::stream::unfold(0u64, |sent| async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((Ok::<_, std::io::Error>(vec![b'<']), sent + 1))
        });
        ([(header::CONTENT_TYPE, HTML)], Body::from_stream(bytes))
    })
}

fn now() -> DateTime<Utc> {
    at(12, 0)
}

async fn poll_with(store: &mut SqliteStore, fetcher: &Fetcher, limits: &PollLimits) -> FetchReport {
    poll_feeds(store, fetcher, limits, now(), &|_| {})
        .await
        .expect("poll runs")
}

#[tokio::test]
async fn links_in_a_remote_feed_never_read_local_files_or_private_addresses() {
    let (canary_base, canary_seen) = canary().await;
    let secrets = tempfile::tempdir().expect("temp dir");
    let secret = secrets.path().join("secret.html");
    let marker = "Quillfeather7731";
    std::fs::write(&secret, news_page(marker, "private ledger", 1)).expect("write secret");
    let canary_port = canary_base.rsplit(':').next().expect("port").to_string();
    let links = [
        format!("file://{}", secret.display()),
        "file:///etc/passwd".to_string(),
        format!("{canary_base}/admin"),
        format!("http://localhost:{canary_port}/admin"),
        "http://10.0.0.1/internal".to_string(),
        "http://192.168.1.1/router".to_string(),
        "http://172.16.0.1/x".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://100.64.0.1/cgnat".to_string(),
        "http://0.0.0.0/x".to_string(),
        "http://[::1]/x".to_string(),
        "http://[fd00::1]/x".to_string(),
        "http://[::ffff:127.0.0.2]/x".to_string(),
        "ftp://files.example/story".to_string(),
    ];
    let (base, _log) = serve(|base| {
        let items: Vec<(String, String, String, String)> = links
            .iter()
            .enumerate()
            .map(|(index, link)| {
                (
                    link.clone(),
                    format!("Item {index}"),
                    format!("Summary of item {index} from the feed itself."),
                    "Thu, 12 Mar 2026 08:00:00 GMT".to_string(),
                )
            })
            .chain([(
                format!("{base}/news/good"),
                "A real story".to_string(),
                "Its summary.".to_string(),
                "Thu, 12 Mar 2026 09:00:00 GMT".to_string(),
            )])
            .collect();
        Router::new()
            .route(
                "/hostile/feed.xml",
                reply(RSS, rss("Hostile Times", &items)),
            )
            .route(
                "/news/good",
                reply(HTML, news_page("Harrowgate", "tram depot", 1)),
            )
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = format!("{base}/hostile/feed.xml");
    let mut store = store_with_feeds(dir.path(), &[&feed]);
    let limits = PollLimits {
        max_items_per_feed: 100,
        ..PollLimits::default()
    };

    let report = poll_with(
        &mut store,
        &guarded_fetcher(Duration::from_secs(2)),
        &limits,
    )
    .await;

    assert!(
        canary_seen.lock().expect("canary lock").is_empty(),
        "a private address was reached"
    );
    let articles = store.all_articles().expect("articles");
    for article in &articles {
        assert!(
            !article.article_body.contains(marker) && !article.headline.contains(marker),
            "the local file was read: {article:?}"
        );
        assert!(!article.url.starts_with("file:"), "{article:?}");
    }
    assert!(store.search_articles(marker, 5).expect("search").is_empty());
    // The good item is stored whole; every private-address item keeps the feed's own
    // summary (nothing was fetched for it); file:// and ftp:// items are skipped.
    let full: Vec<&str> = articles
        .iter()
        .filter(|a| a.extraction == ExtractionStatus::Full)
        .map(|a| a.headline.as_str())
        .collect();
    assert_eq!(full, ["Harrowgate: tram depot, update 1"]);
    let refused: Vec<&str> = report
        .errors
        .iter()
        .filter(|failure| failure.kind == FailureKind::Refused)
        .map(|failure| failure.url.as_str())
        .collect();
    assert_eq!(refused.len(), links.len(), "{:#?}", report.errors);
    for failure in &report.errors {
        assert!(!failure.message.contains('\n'), "{failure:?}");
        assert!(failure.message.starts_with(&failure.url), "{failure:?}");
    }
    for link in links
        .iter()
        .filter(|l| l.starts_with("file:") || l.starts_with("ftp:"))
    {
        let failure = report
            .errors
            .iter()
            .find(|failure| &failure.url == link)
            .unwrap_or_else(|| panic!("{link} not reported"));
        assert!(failure.message.ends_with("item skipped"), "{failure:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_of_slow_pages_does_not_hold_nineteen_good_feeds() {
    let (base, log) = serve(|base| {
        let mut router = Router::new();
        for (feed, (place, topic)) in TOPICS.iter().enumerate() {
            let items: Vec<(String, String, String, String)> = (1..=3)
                .map(|item| {
                    (
                        format!("{base}/good/{feed}/{item}"),
                        format!("{place}: {topic}, update {item}"),
                        format!("Summary {item} of the {topic} in {place}."),
                        format!("Thu, 12 Mar 2026 0{item}:00:00 GMT"),
                    )
                })
                .collect();
            router = router.route(
                &format!("/good/{feed}/feed.xml"),
                reply(RSS, rss(place, &items)),
            );
            for item in 1..=3 {
                router = router.route(
                    &format!("/good/{feed}/{item}"),
                    reply(HTML, news_page(place, topic, item)),
                );
            }
        }
        let slow_items: Vec<(String, String, String, String)> = (0..100)
            .map(|item| {
                (
                    format!("{base}/slow/{item}"),
                    format!("Slow item {item}"),
                    format!("Slow summary {item}."),
                    "Thu, 12 Mar 2026 05:00:00 GMT".to_string(),
                )
            })
            .collect();
        router
            .route("/slow/feed.xml", reply(RSS, rss("Slow Post", &slow_items)))
            .route("/slow/{item}", trickling_page())
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    // The hostile feed is subscribed first, so it starts first.
    let mut feeds = vec![format!("{base}/slow/feed.xml")];
    feeds.extend((0..TOPICS.len()).map(|feed| format!("{base}/good/{feed}/feed.xml")));
    let feed_refs: Vec<&str> = feeds.iter().map(String::as_str).collect();
    let mut store = store_with_feeds(dir.path(), &feed_refs);
    let limits = PollLimits {
        feed_budget: Duration::from_secs(4),
        max_items_per_feed: 100,
        ..PollLimits::default()
    };
    // The good feeds' normal time: alone, on a store of their own (printed, not asserted).
    let alone_dir = tempfile::tempdir().expect("temp dir");
    let mut alone = store_with_feeds(alone_dir.path(), &feed_refs[1..]);
    let alone_started = Instant::now();
    let alone_report = poll_feeds(
        &mut alone,
        &guarded_fetcher(Duration::from_secs(20)),
        &limits,
        now(),
        &|_| {},
    )
    .await
    .expect("poll runs");
    let alone_time = alone_started.elapsed();
    assert_eq!(alone_report.new_articles, 57);
    // What another process sees in the store when each feed reports done.
    let done: RefCell<Vec<(String, Duration, usize)>> = RefCell::new(Vec::new());
    let started = Instant::now();

    let report = poll_feeds(
        &mut store,
        &guarded_fetcher(Duration::from_secs(20)),
        &limits,
        now(),
        &|event| {
            if let Progress::FeedDone { url, .. } = event {
                let reader = SqliteStore::open(dir.path()).expect("a second connection");
                let visible = reader.all_articles().expect("articles").len();
                done.borrow_mut().push((url, started.elapsed(), visible));
            }
        },
    )
    .await
    .expect("poll runs");
    let total = started.elapsed();

    let done = done.into_inner();
    let (slow_done, good_done): (Vec<_>, Vec<_>) =
        done.iter().partition(|(url, _, _)| url.contains("/slow/"));
    assert_eq!((slow_done.len(), good_done.len()), (1, 19), "{done:?}");
    let slowest_good = good_done
        .iter()
        .map(|(_, at, _)| *at)
        .max()
        .expect("good feeds");
    // Every good feed finished, and its articles were in the store for other readers, while
    // the slow feed was still being read.
    assert!(
        done.last()
            .is_some_and(|(url, _, _)| url.contains("/slow/")),
        "{done:?}"
    );
    assert!(
        good_done
            .last()
            .is_some_and(|(_, _, visible)| *visible == 57),
        "{good_done:?}"
    );
    assert_eq!(report.new_articles, 57, "{report:?}");
    let cut_off = report
        .errors
        .iter()
        .find(|failure| failure.kind == FailureKind::Budget)
        .expect("the slow feed is reported cut off");
    assert!(
        cut_off.message.starts_with(&format!(
            "{base}/slow/feed.xml: cut off by the feed's 4 s budget"
        )),
        "{cut_off:?}"
    );
    assert!(report.deferred_items > 90, "{report:?}");
    let slow_feed = feed_row(&store, &feeds[0]);
    assert_eq!(slow_feed.error_count, 1);
    // At most two of its pages were ever in flight at once, so at most a few were asked for.
    let slow_pages = log
        .targets()
        .iter()
        .filter(|target| target.starts_with("/slow/") && !target.ends_with(".xml"))
        .count();
    assert!(slow_pages <= 4, "{slow_pages} slow pages requested");
    eprintln!(
        "19 good feeds alone: {alone_time:?}; beside the slow feed: done after {slowest_good:?}, \
         and the poll, the slow feed cut off, ended after {total:?}"
    );

    // The good feeds' stories and briefs are written.
    cluster_pending(&mut store, &ClusterConfig::default()).expect("clustering");
    refresh_briefs(&mut store, &ExtractiveWriter, now()).expect("briefs");
    for article in store.all_articles().expect("articles") {
        let story = store
            .story_of_article(&article.id)
            .expect("membership")
            .unwrap_or_else(|| panic!("{} is in no story", article.url));
        assert!(
            store.latest_brief(&story).expect("brief").is_some(),
            "story {story} has no brief"
        );
    }
}

#[tokio::test]
async fn dates_from_the_future_become_the_fetch_time_and_placeholder_dates_unknown() {
    let (base, _log) = serve(|base| {
        let atom = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
             <feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Odd Dates</title><id>urn:x</id>\
             <updated>2026-03-12T08:00:00Z</updated>\
             <entry><title>Far future</title><id>{base}/dates/future</id>\
             <link href=\"{base}/dates/future\"/><summary>Dated 9999.</summary>\
             <published>9999-12-31T23:59:59Z</published><updated>9999-12-31T23:59:59Z</updated></entry>\
             <entry><title>Year zero</title><id>{base}/dates/zero</id>\
             <link href=\"{base}/dates/zero\"/><summary>Dated year 0.</summary>\
             <published>0000-01-01T00:00:00Z</published><updated>0000-01-01T00:00:00Z</updated></entry>\
             <entry><title>Epoch</title><id>{base}/dates/epoch</id>\
             <link href=\"{base}/dates/epoch\"/><summary>Dated 1970.</summary>\
             <published>1970-01-01T00:00:00Z</published><updated>1970-01-01T00:00:00Z</updated></entry>\
             <entry><title>Ten minutes ahead</title><id>{base}/dates/skew</id>\
             <link href=\"{base}/dates/skew\"/><summary>A clock a little fast.</summary>\
             <published>2026-03-12T12:10:00Z</published></entry>\
             </feed>"
        );
        // No pages: every item keeps the feed's summary and the feed's date.
        Router::new().route(
            "/dates/feed.atom",
            reply("application/atom+xml", atom),
        )
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = format!("{base}/dates/feed.atom");
    let mut store = store_with_feeds(dir.path(), &[&feed]);

    let report = poll_with(
        &mut store,
        &guarded_fetcher(Duration::from_secs(2)),
        &PollLimits::default(),
    )
    .await;

    let date_of = |path: &str| stored(&store, &format!("{base}/dates/{path}")).date_published;
    assert_eq!(date_of("future"), Some(now()));
    assert_eq!(date_of("zero"), None);
    assert_eq!(date_of("epoch"), None);
    assert_eq!(date_of("skew"), Some(at(12, 10)), "within the allowed skew");
    let articles = store.all_articles().expect("articles");
    assert!(
        articles
            .iter()
            .all(|a| a.effective_time() <= now() + chrono::Duration::minutes(15))
    );
    // Items are read two at a time: their notes come in the order they finish.
    let mut notes = report.notes.clone();
    notes.sort();
    assert_eq!(
        notes,
        [
            format!(
                "{base}/dates/epoch: publication date 1970-01-01T00:00:00Z is not plausible: treated as unknown"
            ),
            format!(
                "{base}/dates/future: publication date 9999-12-31T23:59:59Z is in the future: taken as 2026-03-12T12:00:00Z"
            ),
            format!(
                "{base}/dates/zero: publication date 0000-01-01T00:00:00Z is not plausible: treated as unknown"
            ),
        ]
    );
}

#[tokio::test]
async fn feeds_that_lie_about_their_charset_or_carry_a_stray_byte_read_right() {
    let (base, _log) = serve(|base| {
        let lying = rss(
            "Courrier du Matin",
            &[(
                format!("{base}/fr/1"),
                "Résumé de la journée à Genève".to_string(),
                "Le café de la gare rouvre déjà.".to_string(),
                "Thu, 12 Mar 2026 08:00:00 GMT".to_string(),
            )],
        )
        .replace("encoding=\"utf-8\"", "encoding=\"ISO-8859-1\"");
        let mut stray = rss(
            "Valley Courier",
            &[
                (
                    format!("{base}/stray/1"),
                    "Crème brûlée festival returns".to_string(),
                    "Bakers from Saint-Rémy STRAY return.".to_string(),
                    "Thu, 12 Mar 2026 08:00:00 GMT".to_string(),
                ),
                (
                    format!("{base}/stray/2"),
                    "Fromagerie reopens".to_string(),
                    "The fromagerie on the quay reopens its doors.".to_string(),
                    "Thu, 12 Mar 2026 09:00:00 GMT".to_string(),
                ),
            ],
        )
        .into_bytes();
        // One Latin-1 "é" (0xE9) where the UTF-8 text says STRAY.
        let at = stray
            .windows(5)
            .position(|window| window == b"STRAY")
            .expect("marker");
        stray.splice(at..at + 5, [0xE9]);
        Router::new()
            .route(
                "/fr/feed.xml",
                reply("application/rss+xml; charset=iso-8859-1", lying),
            )
            .route("/stray/feed.xml", reply(RSS, stray))
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let lying = format!("{base}/fr/feed.xml");
    let stray = format!("{base}/stray/feed.xml");
    let mut store = store_with_feeds(dir.path(), &[&lying, &stray]);

    let report = poll_with(
        &mut store,
        &guarded_fetcher(Duration::from_secs(2)),
        &PollLimits::default(),
    )
    .await;

    assert_eq!(report.new_articles, 3, "{report:?}");
    let french = stored(&store, &format!("{base}/fr/1"));
    assert_eq!(french.headline, "Résumé de la journée à Genève");
    assert_eq!(french.article_body, "Le café de la gare rouvre déjà.");
    assert_eq!(
        feed_row(&store, &lying).title.as_deref(),
        Some("Courrier du Matin")
    );
    let festival = stored(&store, &format!("{base}/stray/1"));
    assert_eq!(festival.headline, "Crème brûlée festival returns");
    assert_eq!(
        festival.article_body,
        "Bakers from Saint-Rémy \u{FFFD} return."
    );
    assert_eq!(
        stored(&store, &format!("{base}/stray/2")).headline,
        "Fromagerie reopens"
    );
}

#[tokio::test]
async fn robots_txt_is_fetched_once_per_site_and_obeyed_for_feeds_and_pages() {
    let (base, log) = serve(|base| {
        let items = vec![
            (
                format!("{base}/news/open"),
                "Open story".to_string(),
                "Open summary.".to_string(),
                "Thu, 12 Mar 2026 08:00:00 GMT".to_string(),
            ),
            (
                format!("{base}/members/closed"),
                "Members-only story".to_string(),
                "The summary the feed gives away.".to_string(),
                "Thu, 12 Mar 2026 09:00:00 GMT".to_string(),
            ),
        ];
        Router::new()
            .route(
                "/robots.txt",
                reply(
                    "text/plain",
                    "User-agent: *\nDisallow: /private/\n\nUser-agent: Storyline\nDisallow: /members/\nDisallow: /closed-feed.xml\n",
                ),
            )
            .route("/open-feed.xml", reply(RSS, rss("Open Post", &items)))
            .route("/closed-feed.xml", reply(RSS, rss("Closed Post", &items)))
            .route("/news/open", reply(HTML, news_page("Glenrock", "bridge repairs", 1)))
            .route("/members/closed", reply(HTML, news_page("Glenrock", "toll plan", 2)))
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let open = format!("{base}/open-feed.xml");
    let closed = format!("{base}/closed-feed.xml");
    let mut store = store_with_feeds(dir.path(), &[&open, &closed]);

    let report = poll_with(
        &mut store,
        &guarded_fetcher(Duration::from_secs(2)),
        &PollLimits::default(),
    )
    .await;

    let targets = log.targets();
    assert_eq!(
        targets.iter().filter(|t| *t == "/robots.txt").count(),
        1,
        "{targets:?}"
    );
    assert!(
        !targets.iter().any(|t| t == "/closed-feed.xml"),
        "{targets:?}"
    );
    assert!(
        !targets.iter().any(|t| t == "/members/closed"),
        "{targets:?}"
    );
    let robots: Vec<(&str, &str)> = report
        .errors
        .iter()
        .filter(|failure| failure.kind == FailureKind::Robots)
        .map(|failure| (failure.url.as_str(), failure.message.as_str()))
        .collect();
    assert_eq!(robots.len(), 2, "{:#?}", report.errors);
    assert!(
        robots.iter().any(|(url, message)| *url == closed
            && *message == format!("{closed}: disallowed by {base}/robots.txt")),
        "{robots:?}"
    );
    // The disallowed page keeps the summary its own feed gave away.
    let closed_page = stored(&store, &format!("{base}/members/closed"));
    assert!(matches!(
        closed_page.extraction,
        ExtractionStatus::FeedSummaryOnly { .. }
    ));
    assert_eq!(
        stored(&store, &format!("{base}/news/open")).extraction,
        ExtractionStatus::Full
    );
}

#[tokio::test]
async fn items_over_the_per_feed_cap_wait_for_the_next_poll() {
    let (base, log) = serve(|base| {
        let items: Vec<(String, String, String, String)> = (0..12)
            .map(|item| {
                (
                    format!("{base}/many/{item}"),
                    format!("Item {item}"),
                    format!("Summary {item}."),
                    format!("Thu, 12 Mar 2026 {:02}:00:00 GMT", item),
                )
            })
            .collect();
        let feed = rss("Busy Wire", &items);
        Router::new().route(
            "/many/feed.xml",
            get(move || {
                let feed = feed.clone();
                async move {
                    (
                        StatusCode::OK,
                        [(header::CONTENT_TYPE, RSS), (header::ETAG, "\"v1\"")],
                        feed,
                    )
                }
            }),
        )
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = format!("{base}/many/feed.xml");
    let mut store = store_with_feeds(dir.path(), &[&feed]);
    let fetcher = guarded_fetcher(Duration::from_secs(2));
    let limits = PollLimits {
        max_items_per_feed: 5,
        ..PollLimits::default()
    };

    let first = poll_with(&mut store, &fetcher, &limits).await;
    assert_eq!(
        (first.new_articles, first.deferred_items),
        (5, 7),
        "{first:?}"
    );
    assert_eq!(
        first.notes,
        [format!(
            "{feed}: 12 new items, 5 read this poll and 7 left for the next"
        )]
    );
    // Not every item was read: no validator, so the next poll gets the whole feed again.
    assert_eq!(feed_row(&store, &feed).etag, None);
    let second = poll_with(&mut store, &fetcher, &limits).await;
    let third = poll_with(&mut store, &fetcher, &limits).await;
    assert_eq!(
        (
            second.new_articles,
            third.new_articles,
            third.deferred_items
        ),
        (5, 2, 0)
    );
    assert_eq!(store.all_articles().expect("articles").len(), 12);
    assert_eq!(feed_row(&store, &feed).etag.as_deref(), Some("\"v1\""));
    // No item page was asked for twice.
    let pages: Vec<String> = log
        .targets()
        .into_iter()
        .filter(|target| !target.ends_with(".xml") && target != "/robots.txt")
        .collect();
    let mut unique = pages.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(pages.len(), unique.len(), "{pages:?}");
}
