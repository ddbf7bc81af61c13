//! Outlet identity (issue 17, item 4) on our own invented pages and import lines: which
//! source names an outlet, that no name carries `www.`, that one outlet's hosts count once,
//! and that a wire copy is not counted.
//!
//! Pages go through the real extractor and then `Outlet::resolve` with the feed's title, as
//! the poller does for each item; import lines go through the real JSONL import.

use chrono::{TimeZone, Utc};
use std::io::Cursor;
use storyline_model::{Outlet, OutletHints, StoryId, independent_outlets};
use storyline_pipeline::cluster::story_row;
use storyline_pipeline::ingest::{ImportLimits, import_jsonl};
use storyline_store::{SqliteStore, Store};

const BODY: &str = "<article><h1>Harbour board meets the union</h1>\
    <p>The harbour board of Port Ellery met the dockworkers' union on Monday for four hours, \
    and both sides said afterwards that the talks would resume later in the week.</p>\
    <p>The union wants a raise in line with prices; the board says its budget is fixed \
    until the spring, when the new ferry contract starts.</p></article>";

/// The outlet the poller would store for `head` served at `url` from a feed titled `feed`.
fn page_outlet(head: &str, url: &str, feed: Option<&str>) -> Outlet {
    let html = format!("<html><head>{head}</head><body>{BODY}</body></html>");
    let page = storyline_extract::extract(html.as_bytes(), Some("text/html"), Some(url))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    Outlet::resolve(&OutletHints {
        url,
        site_name: page.publisher.as_deref(),
        feed_title: feed,
    })
}

fn check(head: &str, url: &str, feed: Option<&str>, name: &str, id: &str) {
    let outlet = page_outlet(head, url, feed);
    assert_eq!(
        (outlet.name.as_str(), outlet.id.as_str()),
        (name, id),
        "{url}"
    );
    assert!(!outlet.name.contains("www."), "{outlet:?}");
}

#[test]
fn names_come_from_the_page_then_the_feed_then_the_table_then_the_host() {
    let json_ld = r#"<script type="application/ld+json">{"@type":"NewsArticle",
        "headline":"Harbour board meets the union",
        "publisher":{"@type":"Organization","name":"Northgate Herald"}}</script>"#;
    // og:site_name wins over JSON-LD and over the feed's title.
    check(
        &format!(r#"<meta property="og:site_name" content="The Harbour Times">{json_ld}"#),
        "https://www.harbourtimes.example/news/1",
        Some("Harbour Times feed — World"),
        "The Harbour Times",
        "harbourtimes.example",
    );
    // JSON-LD publisher when there is no og:site_name.
    check(
        json_ld,
        "https://northgate-herald.example/news/1",
        Some("Anything — World"),
        "Northgate Herald",
        "northgate-herald.example",
    );
    // The feed's title, its section dropped, when the page names no site.
    check(
        "",
        "https://m.meridiandaily.example/news/1",
        Some("Meridian Daily — Business"),
        "Meridian Daily",
        "meridiandaily.example",
    );
    // The bundled table when neither does; a subdomain finds its outlet.
    check(
        "",
        "https://edition.cnn.com/2025/01/01/world/harbour",
        None,
        "CNN",
        "cnn.com",
    );
    check(
        "",
        "https://www.bbc.co.uk/news/1",
        None,
        "BBC News",
        "bbc.co.uk",
    );
    // Else a name read from the host's words ...
    check(
        "",
        "https://www.lantern-post.example/news/1",
        None,
        "Lantern Post",
        "lantern-post.example",
    );
    // ... where it can be: else the bare host, never with www. or m.
    check(
        "",
        "https://www.kelmouth-courier.example/news/1",
        None,
        "kelmouth-courier.example",
        "kelmouth-courier.example",
    );
    // A site name that is a host says where the page is from, not what it is called.
    check(
        r#"<meta property="og:site_name" content="www.lantern-post.example">"#,
        "https://www.lantern-post.example/news/2",
        None,
        "Lantern Post",
        "lantern-post.example",
    );
}

fn line(id: &str, url: &str, source: &str, text: &str) -> String {
    serde_json::json!({
        "id": id, "url": url, "source": source, "title": "Harbour board meets the union",
        "text": text, "published": format!("2025-05-0{}T09:00:00Z", id.len() % 9 + 1),
    })
    .to_string()
}

#[test]
fn one_outlets_hosts_count_once_and_copies_not_at_all() {
    let lines = [
        // The Harbour Times under three hosts and two ways of naming it.
        line(
            "h1",
            "https://www.harbourtimes.example/a",
            "www.harbourtimes.example",
            "The harbour board met the union on Monday for four hours of talks.",
        ),
        line(
            "h22",
            "https://m.harbourtimes.example/b",
            "harbourtimes.example",
            "Talks between the harbour board and the union resumed on Tuesday morning.",
        ),
        // A table outlet under two of its hosts.
        line(
            "c333",
            "https://edition.cnn.com/c",
            "edition.cnn.com",
            "Port Ellery dockworkers and the harbour board are still apart on pay.",
        ),
        line(
            "c4444",
            "https://www.cnn.com/d",
            "www.cnn.com",
            "The Port Ellery strike entered its second week with no deal in sight.",
        ),
        // A wire copy of the first: kept, never counted.
        line(
            "v55555",
            "https://valley-courier.example/e",
            "Valley Courier",
            "The harbour board met the union on Monday for four hours of talks.",
        ),
    ];
    let mut store = SqliteStore::open_in_memory().expect("store");
    let report = import_jsonl(
        &mut store,
        "outlets.jsonl",
        Cursor::new(lines.join("\n")),
        Utc.with_ymd_and_hms(2025, 5, 20, 0, 0, 0).unwrap(),
        &ImportLimits::default(),
    )
    .expect("import");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mut articles = store.all_articles().expect("articles");
    assert_eq!(articles.len(), 5);
    // A text this short is below what the deduper compares, so the copy is marked here: what
    // is tested is that a copy's outlet is not counted.
    let original = articles
        .iter()
        .find(|a| a.url.contains("harbourtimes.example/a"))
        .map(|a| a.id.clone());
    for article in &mut articles {
        if article.outlet.name == "Valley Courier" {
            article.duplicate_of = original.clone();
        }
    }
    for article in &articles {
        assert!(
            !article.outlet.name.contains("www."),
            "{:?}",
            article.outlet
        );
    }
    let names: Vec<&str> = independent_outlets(&articles)
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["CNN", "Harbour Times"]);
    let members: Vec<&_> = articles.iter().collect();
    let row = story_row(&StoryId::from_seed(&articles[0].id), &members, None).expect("a story");
    assert_eq!(row.outlet_count as usize, names.len());
}
