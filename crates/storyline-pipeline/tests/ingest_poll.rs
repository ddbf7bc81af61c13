//! `poll_feeds` end to end against a real HTTP server on 127.0.0.1 and a real SQLite store in
//! a temporary directory: pages that work, 404 or never answer; conditional GET; truncated,
//! failing and oversize feeds; pages in windows-1252; wire copies; and a second poll that must
//! store nothing new.

mod poll_support;

use std::cell::RefCell;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, Utc};
use poll_support::*;
use storyline_fetch::Fetcher;
use storyline_model::ExtractionStatus;
use storyline_pipeline::ingest::{FailureKind, FetchReport, PollLimits, Progress, poll_feeds};
use storyline_store::{SqliteStore, Store};

// ---------------------------------------------------------------------------------------------
// The sites
// ---------------------------------------------------------------------------------------------

/// The Harbour Gazette: a feed of four items, two good pages, one 404 (no route) and one that
/// hangs. The ferry item links to a short URL; the page names its real canonical URL.
fn harbour_site(base: &str) -> Router {
    Router::new()
        .route(
            "/harbour/feed.xml",
            reply(RSS, fixture("harbour-feed.xml", base)),
        )
        .route(
            "/story/48213",
            reply(HTML, fixture("ferry-strike.html", base)),
        )
        .route(
            "/news/2026/03/council-budget-libraries",
            reply(HTML, fixture("council-budget.html", base)),
        )
        .route("/news/2026/03/lighthouse-auction", never_answers())
}

/// An agency story and a regional paper's near-verbatim copy of it, each with its own feed.
fn wire_site(base: &str) -> Router {
    Router::new()
        .route(
            "/herald/feed.xml",
            reply(RSS, fixture("wire-herald-feed.xml", base)),
        )
        .route(
            "/herald/business/rate-cut-on-the-horizon",
            reply(HTML, fixture("wire-copy.html", base)),
        )
        .route(
            "/northwire/feed.xml",
            reply(RSS, fixture("wire-northwire-feed.xml", base)),
        )
        .route(
            "/northwire/2026/03/12/valdora-rates",
            reply(HTML, fixture("wire-original.html", base)),
        )
}

/// Three windows-1252 pages: one names its charset only in the HTTP header, one only in a
/// `<meta http-equiv>`, and one in the header while its `<meta>` wrongly claims UTF-8.
fn courier_site(base: &str) -> Router {
    Router::new()
        .route(
            "/courier/feed.xml",
            reply(RSS, fixture("charset-feed.xml", base)),
        )
        .route(
            "/courier/2026/03/saint-remy-bakery",
            reply(
                "text/html; charset=windows-1252",
                windows_1252(&fixture("bakery-header-charset.html", base)),
            ),
        )
        .route(
            "/courier/2026/03/creme-brulee-festival",
            reply(
                "text/html",
                windows_1252(&fixture("bakery-meta-charset.html", base)),
            ),
        )
        .route(
            "/courier/2026/03/fromagerie-beguin-reopens",
            reply(
                "text/html; charset=windows-1252",
                windows_1252(&fixture("bakery-wrong-meta.html", base)),
            ),
        )
}

// ---------------------------------------------------------------------------------------------
// Store, fetcher and expectations
// ---------------------------------------------------------------------------------------------

async fn poll(store: &mut SqliteStore, fetcher: &Fetcher, now: DateTime<Utc>) -> FetchReport {
    poll_with(store, fetcher, &PollLimits::default(), now).await
}

async fn poll_with(
    store: &mut SqliteStore,
    fetcher: &Fetcher,
    limits: &PollLimits,
    now: DateTime<Utc>,
) -> FetchReport {
    poll_feeds(store, fetcher, limits, now, &|_| {})
        .await
        .expect("poll runs")
}

/// The report's failure messages, in order.
fn messages(report: &FetchReport) -> Vec<String> {
    report
        .errors
        .iter()
        .map(|failure| failure.message.clone())
        .collect()
}

/// The text of the attribute-less `<p>` elements inside a fixture's `<article>`: what the
/// extractor must keep, one paragraph per line (bylines and datelines carry a class).
fn article_paragraphs(html: &str) -> Vec<String> {
    let start = html.find("<article>").expect("fixture has an <article>");
    let end = html
        .find("</article>")
        .expect("fixture closes its <article>");
    html[start..end]
        .split("<p>")
        .skip(1)
        .map(|rest| rest.split("</p>").next().unwrap_or_default().to_string())
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn good_pages_are_extracted_and_failing_pages_keep_the_feed_summary() {
    let (base, _log) = serve(harbour_site).await;
    let feed_url = format!("{base}/harbour/feed.xml");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = store_with_feeds(dir.path(), &[&feed_url]);

    let report = poll(&mut store, &fetcher(), at(12, 0)).await;

    let missing = format!("{base}/news/2026/03/bridge-closure");
    let hanging = format!("{base}/news/2026/03/lighthouse-auction");
    let missing_error = format!("{missing}: HTTP 404 Not Found; kept the feed's summary");
    let hanging_error = format!("{hanging}: timed out after 500ms; kept the feed's summary");
    assert_eq!(
        (
            report.feeds,
            report.not_modified,
            report.new_articles,
            report.summary_only,
            report.copies
        ),
        (1, 0, 4, 2, 0),
        "{report:?}"
    );
    // Pages are fetched two at a time: the order of their failures is the order they end.
    let mut failures: Vec<(String, FailureKind)> = report
        .errors
        .iter()
        .map(|failure| (failure.message.clone(), failure.kind))
        .collect();
    failures.sort();
    assert_eq!(
        failures,
        [
            (missing_error.clone(), FailureKind::HttpStatus),
            (hanging_error.clone(), FailureKind::Timeout),
        ]
    );
    assert_eq!(store.all_articles().expect("articles").len(), 4);

    let check_full = |url: &str, page: &str, headline: &str, published: DateTime<Utc>| {
        let article = stored(&store, url);
        assert_eq!(article.extraction, ExtractionStatus::Full, "{url}");
        // The page's canonical URL, not the feed's tracking link, names the article.
        assert_eq!(article.url, url);
        assert_eq!(article.headline, headline, "{url}");
        assert_eq!(article.outlet.name, "Harbour Gazette", "{url}");
        assert_eq!(article.date_published, Some(published), "{url}");
        assert_eq!(article.date_fetched, at(12, 0), "{url}");
        assert_eq!(article.feed_url.as_deref(), Some(feed_url.as_str()));
        assert_eq!(article.duplicate_of, None, "{url}");
        assert_eq!(
            lines(&article.article_body),
            article_paragraphs(&fixture(page, &base)),
            "{url}: the main text, without navigation, related links or footer"
        );
    };
    check_full(
        &format!("{base}/news/2026/03/ferry-crews-strike"),
        "ferry-strike.html",
        "Ferry crews walk out over night-shift rota",
        at(6, 40),
    );
    check_full(
        &format!("{base}/news/2026/03/council-budget-libraries"),
        "council-budget.html",
        "Council keeps all five libraries open in new budget",
        on_11_march(17, 15),
    );

    let check_summary_only =
        |url: &str, reason: &str, headline: &str, summary: &str, published: DateTime<Utc>| {
            let article = stored(&store, url);
            assert_eq!(
                article.extraction,
                ExtractionStatus::FeedSummaryOnly {
                    reason: reason.to_string()
                },
                "{url}"
            );
            assert_eq!(article.article_body, summary, "{url}");
            assert_eq!(article.headline, headline, "{url}");
            assert_eq!(article.outlet.name, "Harbour Gazette", "{url}");
            assert_eq!(article.date_published, Some(published), "{url}");
            assert_eq!(article.feed_url.as_deref(), Some(feed_url.as_str()));
        };
    check_summary_only(
        &missing,
        &missing_error,
        "Coast road bridge closed after storm damage",
        // The feed's HTML summary, as plain text.
        "The Kvam bridge on the coast road will stay closed until engineers have inspected \
         storm damage to its eastern pier.",
        on_11_march(21, 5),
    );
    check_summary_only(
        &hanging,
        &hanging_error,
        "Old lighthouse keeper's cottage goes to auction",
        "The cottage beside the Skarra Point lighthouse, empty since 1998, will be sold at \
         auction next month.",
        on_11_march(9, 30),
    );

    let feed = feed_row(&store, &feed_url);
    assert_eq!(feed.title.as_deref(), Some("Harbour Gazette"));
    assert_eq!(feed.last_fetched_at, Some(at(12, 0)));
    assert_eq!(feed.last_error, None);
    assert_eq!(feed.error_count, 0);
}

const FEED_ETAG: &str = "\"northwire-markets-v7\"";
const FEED_LAST_MODIFIED: &str = "Thu, 12 Mar 2026 08:05:00 GMT";

/// A feed that sends validators and answers 304 when its ETag comes back.
fn conditional_feed(body: String) -> MethodRouter {
    get(move |headers: HeaderMap| {
        let body = body.clone();
        async move {
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|tag| tag == FEED_ETAG)
            {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, RSS),
                    (header::ETAG, FEED_ETAG),
                    (header::LAST_MODIFIED, FEED_LAST_MODIFIED),
                ],
                body,
            )
                .into_response()
        }
    })
}

#[tokio::test]
async fn a_second_poll_sends_the_validators_and_a_304_stores_nothing() {
    let (base, log) = serve(|base| {
        Router::new()
            .route(
                "/northwire/feed.xml",
                conditional_feed(fixture("wire-northwire-feed.xml", base)),
            )
            .route(
                "/northwire/2026/03/12/valdora-rates",
                reply(HTML, fixture("wire-original.html", base)),
            )
    })
    .await;
    let feed_url = format!("{base}/northwire/feed.xml");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = store_with_feeds(dir.path(), &[&feed_url]);
    let fetcher = fetcher();

    let first = poll(&mut store, &fetcher, at(12, 0)).await;
    assert_eq!(
        (first.new_articles, first.not_modified),
        (1, 0),
        "{first:?}"
    );
    let feed = feed_row(&store, &feed_url);
    assert_eq!(feed.etag.as_deref(), Some(FEED_ETAG));
    assert_eq!(feed.last_modified.as_deref(), Some(FEED_LAST_MODIFIED));
    let articles_after_first = store.all_articles().expect("articles");

    let second = poll(&mut store, &fetcher, at(12, 30)).await;
    assert_eq!(
        second,
        FetchReport {
            feeds: 1,
            not_modified: 1,
            ..FetchReport::default()
        }
    );
    assert_eq!(
        store.all_articles().expect("articles"),
        articles_after_first
    );

    let feed_requests = log.headers_for("/northwire/feed.xml");
    assert_eq!(feed_requests.len(), 2);
    assert_eq!(feed_requests[0].get(header::IF_NONE_MATCH), None);
    assert_eq!(
        feed_requests[1]
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok()),
        Some(FEED_ETAG)
    );
    assert_eq!(
        feed_requests[1]
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok()),
        Some(FEED_LAST_MODIFIED)
    );
    assert_eq!(
        log.headers_for("/northwire/2026/03/12/valdora-rates").len(),
        1,
        "the article page is not fetched again"
    );

    // A 304 is a successful poll, and the validators stay for the next one.
    let feed = feed_row(&store, &feed_url);
    assert_eq!(feed.last_fetched_at, Some(at(12, 30)));
    assert_eq!((feed.last_error, feed.error_count), (None, 0));
    assert_eq!(feed.etag.as_deref(), Some(FEED_ETAG));
    assert_eq!(feed.last_modified.as_deref(), Some(FEED_LAST_MODIFIED));
}

#[tokio::test]
async fn broken_feeds_are_recorded_and_the_run_goes_on() {
    let (base, _log) = serve(|base| {
        wire_site(base)
            .route(
                "/radio/feed.xml",
                reply(RSS, fixture("truncated-feed.xml", base)),
            )
            .route(
                "/broken/feed.xml",
                get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
    })
    .await;
    let truncated = format!("{base}/radio/feed.xml");
    let failing = format!("{base}/broken/feed.xml");
    let good = format!("{base}/northwire/feed.xml");
    let dir = tempfile::tempdir().expect("temp dir");
    // The bad feeds come first: a failure must not stop the feeds after it.
    let mut store = store_with_feeds(dir.path(), &[&truncated, &failing, &good]);
    let events = RefCell::new(Vec::new());

    let report = poll_feeds(
        &mut store,
        &fetcher(),
        &PollLimits::default(),
        at(12, 0),
        &|event| events.borrow_mut().push(event),
    )
    .await
    .expect("poll runs");

    assert_eq!((report.feeds, report.new_articles), (3, 1), "{report:?}");
    let mut errors = messages(&report);
    // Feeds are fetched at once: failures are listed as they end, so sort them.
    errors.sort_by_key(|message| !message.starts_with(&truncated));
    let [truncated_error, failing_error] = errors.as_slice() else {
        panic!("expected two error lines, got {:?}", report.errors);
    };
    assert!(
        truncated_error.starts_with(&format!("{truncated}: malformed feed: ")),
        "{truncated_error}"
    );
    assert!(!truncated_error.contains('\n'), "{truncated_error}");
    assert_eq!(
        failing_error,
        &format!("{failing}: HTTP 500 Internal Server Error")
    );
    stored(
        &store,
        &format!("{base}/northwire/2026/03/12/valdora-rates"),
    );

    let check_feed = |url: &str, error: Option<&String>, count: u32| {
        let feed = feed_row(&store, url);
        assert_eq!(feed.last_error.as_ref(), error, "{url}");
        assert_eq!(feed.error_count, count, "{url}");
        assert_eq!(feed.last_fetched_at, Some(at(12, 0)), "{url}");
    };
    check_feed(&truncated, Some(truncated_error), 1);
    check_feed(&failing, Some(failing_error), 1);
    check_feed(&good, None, 0);

    let mut summary: Vec<(String, usize, Option<String>)> = events
        .borrow()
        .iter()
        .filter_map(|event| match event {
            Progress::Start { total } => {
                assert_eq!(*total, 3);
                None
            }
            Progress::FeedDone {
                url,
                new_articles,
                error,
            } => Some((url.clone(), *new_articles, error.clone())),
        })
        .collect();
    // Each feed is reported once, when it is done; they end in any order.
    let subscription_order = [&truncated, &failing, &good];
    summary.sort_by_key(|(url, _, _)| subscription_order.iter().position(|feed| *feed == url));
    assert_eq!(
        summary,
        [
            (truncated.clone(), 0, Some(truncated_error.clone())),
            (failing.clone(), 0, Some(failing_error.clone())),
            (good.clone(), 1, None),
        ]
    );

    // Failures are counted while they last; a good feed stays at zero.
    let again = poll(&mut store, &fetcher(), at(13, 0)).await;
    assert_eq!(
        (again.new_articles, again.errors.len()),
        (0, 2),
        "{again:?}"
    );
    assert_eq!(feed_row(&store, &truncated).error_count, 2);
    assert_eq!(feed_row(&store, &failing).error_count, 2);
    assert_eq!(feed_row(&store, &good).error_count, 0);
}

#[tokio::test]
async fn an_oversize_feed_is_one_error_naming_the_url_and_the_limit() {
    let (base, _log) = serve(|base| {
        let feed = fixture("harbour-feed.xml", base);
        assert!(feed.len() > 1024, "the fixture must exceed the 1 KiB cap");
        harbour_site(base)
            .route("/sized/feed.xml", reply(RSS, feed.clone()))
            .route("/chunked/feed.xml", reply_chunked(RSS, feed))
    })
    .await;
    let fetcher = fetcher_with(PAGE_TIMEOUT, 1024);

    // With a Content-Length the fetcher refuses before reading; chunked, while reading.
    for path in ["/sized/feed.xml", "/chunked/feed.xml"] {
        let url = format!("{base}{path}");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = store_with_feeds(dir.path(), &[&url]);

        let report = poll(&mut store, &fetcher, at(12, 0)).await;

        let expected = format!("{url}: response larger than the 1 KiB limit");
        assert_eq!(messages(&report), std::slice::from_ref(&expected), "{path}");
        assert_eq!(report.errors[0].kind, FailureKind::TooLarge, "{path}");
        assert_eq!(report.new_articles, 0, "{path}");
        assert!(store.all_articles().expect("articles").is_empty(), "{path}");
        let feed = feed_row(&store, &url);
        assert_eq!(feed.last_error, Some(expected), "{path}");
        assert_eq!(feed.error_count, 1, "{path}");
    }
}

#[tokio::test]
async fn windows_1252_pages_keep_their_accents() {
    let (base, _log) = serve(courier_site).await;
    let feed_url = format!("{base}/courier/feed.xml");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = store_with_feeds(dir.path(), &[&feed_url]);

    let report = poll(&mut store, &fetcher(), at(12, 0)).await;
    assert_eq!(
        (report.new_articles, report.summary_only),
        (3, 0),
        "{report:?}"
    );
    assert!(report.errors.is_empty(), "{report:?}");

    let check = |path: &str, page: &str, headline: &str| {
        let article = stored(&store, &format!("{base}{path}"));
        assert_eq!(article.extraction, ExtractionStatus::Full, "{path}");
        assert_eq!(article.headline, headline, "{path}");
        assert_eq!(article.outlet.name, "Valley Courier", "{path}");
        assert!(!article.article_body.contains('\u{FFFD}'), "{path}");
        assert_eq!(
            lines(&article.article_body),
            article_paragraphs(&fixture(page, &base)),
            "{path}"
        );
    };
    // The charset is only in the Content-Type header.
    check(
        "/courier/2026/03/saint-remy-bakery",
        "bakery-header-charset.html",
        "Bakery in Saint-Rémy wins regional bread prize",
    );
    // The charset is only in a <meta http-equiv>; the header has none.
    check(
        "/courier/2026/03/creme-brulee-festival",
        "bakery-meta-charset.html",
        "Crème brûlée festival returns to the old market hall",
    );
    // The header is right and the page's <meta> is wrong: only this case fails if the
    // Content-Type does not reach the extractor, since statistical detection gets plain
    // Western windows-1252 right on its own.
    check(
        "/courier/2026/03/fromagerie-beguin-reopens",
        "bakery-wrong-meta.html",
        "Fromagerie Béguin reopens a year after the fire",
    );
}

#[tokio::test]
async fn a_wire_copy_polled_first_is_still_the_copy() {
    let (base, log) = serve(wire_site).await;
    let herald_feed = format!("{base}/herald/feed.xml");
    let northwire_feed = format!("{base}/northwire/feed.xml");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = store_with_feeds(dir.path(), &[&herald_feed, &northwire_feed]);

    // One request at a time, so the copy's feed is read, and stored, before the original's.
    let one_at_a_time = PollLimits {
        concurrency: 1,
        ..PollLimits::default()
    };
    let report = poll_with(&mut store, &fetcher(), &one_at_a_time, at(12, 0)).await;

    let feed_order: Vec<String> = log
        .targets()
        .into_iter()
        .filter(|target| target.ends_with("/feed.xml"))
        .collect();
    assert_eq!(
        feed_order,
        ["/herald/feed.xml", "/northwire/feed.xml"],
        "the copy's feed is polled first"
    );
    assert_eq!((report.new_articles, report.copies), (2, 1), "{report:?}");
    let original = stored(
        &store,
        &format!("{base}/northwire/2026/03/12/valdora-rates"),
    );
    let copy = stored(
        &store,
        &format!("{base}/herald/business/rate-cut-on-the-horizon"),
    );
    assert_eq!(original.date_published, Some(at(8, 0)));
    assert_eq!(copy.date_published, Some(at(9, 0)));
    assert_ne!(copy.headline, original.headline);
    assert_eq!(original.duplicate_of, None);
    assert_eq!(copy.duplicate_of, Some(original.id.clone()));
}

#[tokio::test]
async fn polling_twice_without_conditional_get_stores_nothing_new() {
    let (base, log) = serve(|base| {
        harbour_site(base)
            .merge(wire_site(base))
            .merge(courier_site(base))
    })
    .await;
    let feeds = [
        format!("{base}/harbour/feed.xml"),
        format!("{base}/herald/feed.xml"),
        format!("{base}/northwire/feed.xml"),
        format!("{base}/courier/feed.xml"),
    ];
    let feed_refs: Vec<&str> = feeds.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = store_with_feeds(dir.path(), &feed_refs);
    let fetcher = fetcher();

    let first = poll(&mut store, &fetcher, at(12, 0)).await;
    assert_eq!((first.new_articles, first.copies), (9, 1), "{first:?}");
    let articles_after_first = store.all_articles().expect("articles");
    log.clear();

    let second = poll(&mut store, &fetcher, at(12, 30)).await;

    assert_eq!(
        second,
        FetchReport {
            feeds: 4,
            ..FetchReport::default()
        }
    );
    assert_eq!(
        store.all_articles().expect("articles"),
        articles_after_first
    );
    for url in &feeds {
        let feed = feed_row(&store, url);
        assert_eq!(feed.last_fetched_at, Some(at(12, 30)), "{url}");
        assert_eq!((feed.last_error, feed.error_count), (None, 0), "{url}");
    }
    // Every feed was fetched again (none of them supports conditional GET), but no item
    // already stored sent the fetcher back to its page, failing pages included, nor the
    // ferry item, whose link is a tracking URL: the first poll recorded it as an alias of
    // the article stored under the page's canonical URL.
    let (feed_requests, page_requests): (Vec<String>, Vec<String>) = log
        .targets()
        .into_iter()
        .partition(|target| target.ends_with("/feed.xml"));
    let expected_feeds: Vec<&str> = feeds
        .iter()
        .map(|url| url.trim_start_matches(base.as_str()))
        .collect();
    assert_eq!(feed_requests, expected_feeds);
    assert_eq!(page_requests, Vec::<String>::new());
}
