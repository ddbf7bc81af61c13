//! Inputs found by fuzzing `parse_feed` and `parse_opml` (fuzz/fuzz_targets/feed.rs and
//! opml.rs, run by scripts/fuzz.sh), minimised and kept here as bytes so each bug stays
//! fixed.

use storyline_fetch::{parse_feed, parse_opml};

const FEED_URL: &str = "https://outlet.example/news/feed.xml";
const OPML_URL: &str = "https://reader.example/export/subscriptions.opml";

/// The crate's promise for every error: one line that starts with the input's name.
fn check_one_line(source: &str, input: &[u8], message: &str) {
    assert!(
        message.starts_with(&format!("{source}: ")),
        "{:?}: error does not start with {source:?}: {message:?}",
        String::from_utf8_lossy(input)
    );
    assert!(
        !message.contains(['\n', '\r']),
        "{:?}: error on several lines: {message:?}",
        String::from_utf8_lossy(input)
    );
}

/// A later XML declaration that names another encoding. feed-rs 3.0 hands every
/// declaration's encoding to quick-xml 0.42's decoding reader, which panics once the document
/// has started ("set_encoding() called after prefix buffer was drained", quick-xml
/// src/encoding.rs:380). One such feed took the poller down.
#[test]
fn a_second_xml_declaration_is_not_a_panic() {
    let inputs: [&[u8]; 3] = [
        br#"<feed xmlns="http://www.w3.org/2005/Atom"><?xml version="1.0" encoding="latin1"?></feed>"#,
        br#"<rss version="2.0"><channel><?xml version="1.0" encoding="latin1"?></channel></rss>"#,
        // Two feeds served as one, the second with its own declaration.
        b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\n\
          <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel>\
          <title>Caf\xe9</title></channel></rss></channel></rss>",
    ];
    for input in inputs {
        if let Err(error) = parse_feed(FEED_URL, input, None) {
            check_one_line(FEED_URL, input, &error.to_string());
        }
    }
}

/// The same when the document starts with a multi-byte character: the search for later
/// declarations began one byte into the text, which was no character boundary there, so it
/// found nothing and the declaration reached quick-xml (feed.rs
/// `without_inner_xml_declarations`; it now starts after the first whole character).
#[test]
fn a_second_xml_declaration_after_a_multibyte_start_is_not_a_panic() {
    let inputs: [&[u8]; 2] = [
        "é<feed xmlns=\"http://www.w3.org/2005/Atom\"><?xml version=\"1.0\" encoding=\"latin1\"?></feed>".as_bytes(),
        // As the fuzzer found it: stray bytes that decode to Latin-1 letters before the root.
        b"\xe2\xe2\xfe\xff<feed xmlns=\"http://www.w3.org/2005/Atom\">\
          <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?></feed>",
    ];
    for input in inputs {
        if let Err(error) = parse_feed(FEED_URL, input, None) {
            check_one_line(FEED_URL, input, &error.to_string());
        }
    }
}

/// quick-xml's message for a mismatched or stray end tag quotes the tag as written, and a
/// tag name runs to the next `>`, newlines included, so the error spanned lines (and was as
/// long as the input made it).
#[test]
fn errors_from_quoted_end_tags_stay_on_one_line() {
    let feeds: [&[u8]; 2] = [
        b"<rss version=\"2.0\"></a\nb>",
        b"<rss version=\"2.0\">\n</a\r\nb>",
    ];
    for input in feeds {
        let error = parse_feed(FEED_URL, input, None).expect_err("malformed");
        check_one_line(FEED_URL, input, &error.to_string());
    }
    let documents: [&[u8]; 2] = [b"<opml></a\nb>", b"</a\nb>"];
    for input in documents {
        let error = parse_opml(OPML_URL, input).expect_err("malformed");
        check_one_line(OPML_URL, input, &error.to_string());
    }
}
