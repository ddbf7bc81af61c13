//! Fuzz target for `storyline_fetch::parse_feed`: arbitrary bytes must come back as a feed or
//! a one-line error, never a panic, an abort or a hang, and what comes back must keep the
//! promises the poller relies on.
//!
//! Each input is tried twice, as the extract target does: bare (a fixed feed URL, no
//! `Content-Type`: a server that says nothing), and with a `Content-Type` charset and feed URL
//! taken from the input's first line when it is short (`iso-8859-1 https://a.example/rss`),
//! so the charset decoding and the base URL for relative links are explored too.
//!
//! Checked beyond "no panic": an error is one line starting with the feed URL (the run log
//! shows it without context); an item's id is never empty (it keys the seen-items set); a
//! link parses as an absolute URL (it is fetched as is); titles and summaries are `None` or
//! non-empty text with collapsed whitespace (they are shown and clustered as is); author
//! names are non-empty and listed once.

#![no_main]

use libfuzzer_sys::fuzz_target;
use storyline_fetch::{ParsedFeed, parse_feed};

/// The feed URL of the bare run: a real base, so relative links get resolved.
const FEED_URL: &str = "https://outlet.example/news/feed.xml";

/// Longest first line read as a header; longer ones are feed content, not a header.
const MAX_HEADER_LINE: usize = 200;

fuzz_target!(|data: &[u8]| {
    check(FEED_URL, data, None);

    let (header, feed) = split_header(data);
    let mut words = header.split_ascii_whitespace();
    let charset = words.next().unwrap_or("");
    let source = words.next().unwrap_or(FEED_URL);
    let content_type = format!("application/rss+xml; charset={charset}");
    check(source, feed, Some(&content_type));
});

fn check(source: &str, bytes: &[u8], content_type: Option<&str>) {
    match parse_feed(source, bytes, content_type) {
        Ok(feed) => check_feed(&feed),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("{source}: ")),
                "error does not start with the feed URL {source:?}: {message:?}"
            );
            assert!(
                !message.contains(['\n', '\r']),
                "error on several lines: {message:?}"
            );
        }
    }
}

fn check_feed(feed: &ParsedFeed) {
    check_text("feed title", feed.title.as_deref());
    for item in &feed.items {
        assert!(!item.id.trim().is_empty(), "item without an id: {item:?}");
        if let Some(link) = &item.url {
            assert!(
                url::Url::parse(link).is_ok(),
                "item link is not an absolute URL: {link:?}"
            );
        }
        check_text("item title", item.title.as_deref());
        check_text("item summary", item.summary.as_deref());
        for (index, name) in item.authors.iter().enumerate() {
            assert!(!name.trim().is_empty(), "empty author name: {item:?}");
            assert!(
                !item.authors[..index].contains(name),
                "author {name:?} listed twice: {item:?}"
            );
        }
    }
}

/// Plain text as `FeedItem` documents it: absent, or non-empty with whitespace collapsed.
fn check_text(what: &str, text: Option<&str>) {
    let Some(text) = text else { return };
    assert!(!text.is_empty(), "{what} is Some(\"\")");
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(text, collapsed, "{what} has uncollapsed whitespace");
}

/// Splits off the first line as text when it is short and valid UTF-8; otherwise the header
/// is empty and the whole input is the feed.
fn split_header(data: &[u8]) -> (&str, &[u8]) {
    let Some(end) = data.iter().take(MAX_HEADER_LINE).position(|&b| b == b'\n') else {
        return ("", data);
    };
    match std::str::from_utf8(&data[..end]) {
        Ok(header) => (header, &data[end + 1..]),
        Err(_) => ("", data),
    }
}
