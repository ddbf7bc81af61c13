//! `parse_feed` and `parse_opml` on the hand-written fixtures in `tests/fixtures/`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use storyline_fetch::{FeedItem, OpmlOutline, parse_feed, parse_opml};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn time(rfc3339: &str) -> Option<DateTime<Utc>> {
    Some(
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("test timestamp parses")
            .with_timezone(&Utc),
    )
}

fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

fn items(source_url: &str, fixture_name: &str) -> (Option<String>, Vec<FeedItem>) {
    let parsed = parse_feed(source_url, &fixture(fixture_name), None)
        .unwrap_or_else(|error| panic!("{fixture_name}: {error}"));
    (parsed.title, parsed.items)
}

#[test]
fn rss2_items_have_plain_text_and_absolute_links() {
    let (title, items) = items("https://herald.example/feed.xml", "rss2.xml");
    assert_eq!(title, some("The Harbourside Herald & Gazette"));
    assert_eq!(items.len(), 3);

    assert_eq!(
        items[0],
        FeedItem {
            id: "herald-2026-03-0412".to_string(),
            url: some("https://herald.example/2026/03/ferry-terminal-approved"),
            title: some("Council approves new ferry terminal after six-year wait"),
            summary: some(
                "Saltmere council voted 9–2 on Monday to approve the £48m terminal. \
                 Work starts in May & should finish by 2028."
            ),
            content_html: some(
                "<p>Saltmere council voted <b>9&ndash;2</b> on Monday night to approve the \
                 &pound;48m ferry terminal.</p><p>Councillor Petra Lind said the vote \
                 &ldquo;ends six years of delay&rdquo;.</p>"
            ),
            published: time("2026-03-03T07:45:00Z"),
            authors: vec!["Maya Okonkwo".to_string()],
        }
    );

    // No guid: the (resolved) link is the id; the double-escaped title is decoded once more;
    // the script's text is not part of the summary.
    assert_eq!(
        items[1],
        FeedItem {
            id: "https://herald.example/2026/03/dredging-explainer".to_string(),
            url: some("https://herald.example/2026/03/dredging-explainer"),
            title: some("Q&A: what the harbour dredging means for fishing crews"),
            summary: some(
                "Our reporter answers readers' questions about the dredging plan & the \
                 fishing season."
            ),
            content_html: None,
            published: time("2026-03-02T16:10:00Z"),
            authors: vec!["Tomás Reyes".to_string()],
        }
    );

    // No link: the permalink guid is the article URL.
    assert_eq!(items[2].id, "https://herald.example/2026/03/storm-warning");
    assert_eq!(
        items[2].url,
        some("https://herald.example/2026/03/storm-warning")
    );
    assert_eq!(
        items[2].summary,
        some("Gusts of up to 70mph are expected on Wednesday.")
    );
    assert!(items[2].authors.is_empty());
}

#[test]
fn atom_entries_pick_the_alternate_link_and_all_authors() {
    let (title, items) = items("https://ledger.example/feeds/all.atom", "atom.xml");
    assert_eq!(title, some("Northfield Ledger"));
    assert_eq!(items.len(), 2);

    assert_eq!(
        items[0],
        FeedItem {
            id: "tag:ledger.example,2026:rail-strike-off".to_string(),
            url: some("https://ledger.example/2026/03/rail-strike-off"),
            title: some("Rail strike called off after overnight talks"),
            summary: some("Unions and operators agreed a 4.5% pay offer & a review of rosters."),
            content_html: some(
                "<p>Unions and operators agreed a <strong>4.5%</strong> pay offer.</p>"
            ),
            published: time("2026-03-04T06:15:00Z"),
            authors: vec![
                "Hannah Fairweather".to_string(),
                "Sol Brightwater".to_string()
            ],
        }
    );

    // Relative link resolved against the feed's URL; no `published`, so `updated` is used.
    assert_eq!(
        items[1].url,
        some("https://ledger.example/2026/03/museum-maritime-wing")
    );
    assert_eq!(items[1].published, time("2026-03-03T12:00:00Z"));
    assert_eq!(
        items[1].summary,
        some("The wing had been closed since the 2024 flood; entry stays free.")
    );
}

#[test]
fn json_feed_items_keep_html_content_and_plain_summaries() {
    let (title, items) = items("https://courier.example/feed.json", "feed.json");
    assert_eq!(title, some("Valley Courier"));
    assert_eq!(items.len(), 2);

    assert_eq!(
        items[0],
        FeedItem {
            id: "courier-8841".to_string(),
            url: some("https://courier.example/news/bridge-inspection"),
            title: some("Old Mill bridge closes for emergency inspection"),
            summary: some("Engineers found cracks in two supports & closed the bridge to traffic."),
            content_html: some(
                "<p>Engineers found cracks in two supports on Sunday.</p>\
                 <p>Buses will divert via Station Road.</p>"
            ),
            published: time("2026-03-01T17:20:00Z"),
            authors: vec!["Ines Castellano".to_string()],
        }
    );

    assert_eq!(
        items[1].url,
        some("https://courier.example/news/school-meals")
    );
    assert_eq!(items[1].published, time("2026-02-28T09:00:00Z"));
    let text_only = items[1]
        .content_html
        .as_deref()
        .or(items[1].summary.as_deref());
    assert_eq!(
        text_only,
        Some("The district will spend more on fresh produce next year.")
    );
}

#[test]
fn broken_feeds_fail_with_the_source_named() {
    let check = |bytes: &[u8], expected_cause: &str| {
        let source = "file:///srv/feeds/broken.xml";
        let message = parse_feed(source, bytes, None)
            .expect_err("must not parse")
            .to_string();
        let prefix = "file:///srv/feeds/broken.xml: malformed feed: ";
        assert!(message.starts_with(prefix), "{message}");
        assert!(message.contains(expected_cause), "{message}");
        assert!(!message.contains('\n'), "{message}");
    };
    check(
        &fixture("malformed.xml"),
        "expected `</title>`, but `</itemz>` was found",
    );
    check(b"", "not an RSS, Atom or JSON Feed document");
    check(
        b"<html><body>Not a feed</body></html>",
        "not an RSS, Atom or JSON Feed document",
    );
    check(b"{\"version\": 3", "unable to parse JSON");
}

#[test]
fn items_without_guid_or_link_get_a_stable_id() {
    let feed = br#"<rss version="2.0"><channel><title>T</title>
        <item><title>Only a title</title></item></channel></rss>"#;
    let first = parse_feed("https://t.example/rss", feed, None).expect("parses");
    let second = parse_feed("https://t.example/rss", feed, None).expect("parses");
    assert_eq!(first.items[0].id, second.items[0].id);
    assert!(
        first.items[0].id.starts_with("https://t.example/rss#"),
        "{}",
        first.items[0].id
    );
    assert_eq!(first.items[0].url, None);
}

fn outline(url: &str, title: Option<&str>) -> OpmlOutline {
    OpmlOutline {
        url: url.to_string(),
        title: title.map(str::to_string),
    }
}

#[test]
fn nested_opml_lists_every_feed_once() {
    let outlines = parse_opml(
        "https://me.example/exports/subscriptions.opml",
        &fixture("subscriptions-nested.opml"),
    )
    .expect("parses");
    assert_eq!(
        outlines,
        vec![
            outline(
                "https://herald.example/feed.xml",
                Some("The Harbourside Herald & Gazette")
            ),
            outline("https://courier.example/feed.json", Some("Valley Courier")),
            outline(
                "https://ledger.example/feeds/all.atom",
                Some("Northfield Ledger")
            ),
            outline(
                "https://cafe-science.example/rss",
                Some("Café Science Weekly")
            ),
            outline(
                "https://me.example/exports/feeds/relative.xml",
                Some("Relative feed")
            ),
        ]
    );
}

#[test]
fn opml_without_version_is_accepted() {
    let outlines =
        parse_opml("old-reader.opml", &fixture("subscriptions-1.0.opml")).expect("parses");
    assert_eq!(
        outlines,
        vec![
            outline("http://tidewater.example/rss.xml", Some("Tidewater Times")),
            outline("http://upland.example/index.rdf", Some("Upland Weekly")),
        ]
    );
}

#[test]
fn broken_opml_fails_with_the_source_named() {
    let check = |bytes: &[u8], expected_start: &str| {
        let message = parse_opml("subscriptions.opml", bytes)
            .expect_err("must not parse")
            .to_string();
        assert!(message.starts_with(expected_start), "{message}");
        assert!(!message.contains('\n'), "{message}");
    };
    check(
        &fixture("malformed.opml"),
        "subscriptions.opml: malformed OPML: ",
    );
    check(
        b"<opml><body><outline text='x'>",
        "subscriptions.opml: malformed OPML: ",
    );
    check(b"", "subscriptions.opml: malformed OPML: no root element");
    check(
        b"<rss version=\"2.0\"><channel/></rss>",
        "subscriptions.opml: not an OPML document (root element is <rss>)",
    );
    check(
        b"<opml></opml><opml></opml>",
        "subscriptions.opml: malformed OPML: a second root",
    );
}
