//! Fuzz target for `storyline_fetch::parse_opml`: arbitrary bytes must come back as a list of
//! subscriptions or a one-line error, never a panic, an abort or a hang.
//!
//! Each input is tried twice: as a document fetched from a URL (relative `xmlUrl`s are
//! resolved against it), and, when the first line is short, with that line as the source
//! (a file name or another URL) and the rest as the document, which explores sources that
//! are not URLs and base URLs the fuzzer picks.
//!
//! Checked beyond "no panic": an error is one line starting with the source (`storyline feeds
//! import` prints it as is); every outline has a non-empty feed URL, listed once (the import
//! subscribes to each); a title is `None` or non-empty.

#![no_main]

use libfuzzer_sys::fuzz_target;
use storyline_fetch::parse_opml;

/// The source of the first run: a URL, so relative `xmlUrl`s have a base.
const OPML_URL: &str = "https://reader.example/export/subscriptions.opml";

/// Longest first line read as the source; longer ones are document content.
const MAX_HEADER_LINE: usize = 200;

fuzz_target!(|data: &[u8]| {
    check(OPML_URL, data);

    let (header, document) = split_header(data);
    let source = header.trim();
    // A source with control characters would break the one-line check by itself; real
    // sources are file names and URLs.
    if !source.is_empty() && !source.contains(char::is_control) {
        check(source, document);
    }
});

fn check(source: &str, bytes: &[u8]) {
    match parse_opml(source, bytes) {
        Ok(outlines) => {
            for (index, outline) in outlines.iter().enumerate() {
                assert!(
                    !outline.url.trim().is_empty(),
                    "outline without a URL: {outline:?}"
                );
                assert!(
                    !outlines[..index]
                        .iter()
                        .any(|known| known.url == outline.url),
                    "feed URL listed twice: {:?}",
                    outline.url
                );
                if let Some(title) = &outline.title {
                    assert!(!title.is_empty(), "title is Some(\"\"): {outline:?}");
                }
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("{source}: ")),
                "error does not start with the source {source:?}: {message:?}"
            );
            assert!(
                !message.contains(['\n', '\r']),
                "error on several lines: {message:?}"
            );
        }
    }
}

/// Splits off the first line as text when it is short and valid UTF-8; otherwise the header
/// is empty and the whole input is the document.
fn split_header(data: &[u8]) -> (&str, &[u8]) {
    let Some(end) = data.iter().take(MAX_HEADER_LINE).position(|&b| b == b'\n') else {
        return ("", data);
    };
    match std::str::from_utf8(&data[..end]) {
        Ok(header) => (header, &data[end + 1..]),
        Err(_) => ("", data),
    }
}
