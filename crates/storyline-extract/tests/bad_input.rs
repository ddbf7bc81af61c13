//! Hostile and broken input: each case must come back, without panicking, with an error or
//! a result. Elapsed-time bounds here are generous hang guards, not benchmarks.

use std::time::{Duration, Instant};
use storyline_extract::{ExtractError, MAX_INPUT_BYTES, extract, extract_html};

const HANG_GUARD: Duration = Duration::from_secs(60);

fn check_error(bytes: &[u8], content_type: Option<&str>, expected: ExtractError) {
    let got = extract(bytes, content_type, None);
    assert_eq!(
        got,
        Err(expected),
        "input starting {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
    );
}

fn paragraphs(count: usize) -> String {
    (0..count)
        .map(|i| format!("<p>Paragraph {i} reports that the council met again and agreed to review the harbour plan in detail.</p>"))
        .collect()
}

#[test]
fn empty_and_binary_inputs_are_refused() {
    check_error(b"", None, ExtractError::Empty);
    check_error(b"  \n\t ", None, ExtractError::Empty);
    check_error(
        b"%PDF-1.7\n1 0 obj",
        Some("text/html"),
        ExtractError::Binary,
    );
    check_error(
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        None,
        ExtractError::Binary,
    );
    check_error(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        None,
        ExtractError::Binary,
    );
    check_error(
        b"<html><body>\x00\x01\x02\x03</body></html>",
        None,
        ExtractError::Binary,
    );
    assert_eq!(extract_html("", None), Err(ExtractError::Empty));
    assert_eq!(extract_html("abc\u{0}def", None), Err(ExtractError::Binary));
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = vec![b'a'; MAX_INPUT_BYTES + 1];
    check_error(
        &huge,
        None,
        ExtractError::TooLarge {
            bytes: MAX_INPUT_BYTES + 1,
        },
    );
    let message = ExtractError::TooLarge {
        bytes: MAX_INPUT_BYTES + 1,
    }
    .to_string();
    assert!(
        !message.contains('\n') && message.contains("20971521"),
        "{message}"
    );
}

#[test]
fn bad_page_url_is_reported() {
    let got = extract_html("<p>text</p>", Some("not a url"));
    assert_eq!(
        got,
        Err(ExtractError::BadPageUrl {
            url: "not a url".to_string()
        })
    );
}

#[test]
fn hundred_thousand_nested_divs_do_not_overflow_the_stack() {
    let depth = 100_000;
    let html = format!(
        "<html><body>{}<p>Deep text survives the flattening of absurd nesting.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let started = Instant::now();
    let article = extract_html(&html, None).expect("deep page extracts");
    assert!(
        article.article_body.contains("Deep text survives"),
        "{article:?}"
    );
    assert!(!article.is_article, "nine words are not an article");
    assert!(started.elapsed() < HANG_GUARD);

    // Unclosed tags nest too; no closing tags at all.
    let unclosed = format!("<html><body>{}text", "<span><b>".repeat(depth));
    assert!(extract_html(&unclosed, None).is_ok());
}

#[test]
fn truncated_and_malformed_html_still_extracts() {
    let body = paragraphs(10);
    let truncated =
        format!("<html><head><title>Cut</title></head><body><article>{body}<p>And then the conn");
    let article = extract_html(&truncated, None).expect("truncated page extracts");
    assert!(article.is_article, "{:?}", article.not_article_reason);
    assert!(article.article_body.contains("Paragraph 9 reports"));

    for broken in [
        "<",
        "<html",
        "<!--",
        "<script>never closed",
        "</div></div></p>",
        "<div class='x>unterminated attribute",
        "<![CDATA[",
        "<?xml version='1.0'?>",
        "<html><head><script type=\"application/ld+json\">{\"@graph\":[[[[[[[[[[[[]]]]]]]]]]]]}</script>",
    ] {
        let got = extract_html(broken, Some("https://news.example/a"));
        assert!(got.is_ok(), "{broken:?}: {got:?}");
    }
}

#[test]
fn large_page_finishes() {
    let html = format!(
        "<html><body><article>{}</article></body></html>",
        paragraphs(20_000)
    );
    assert!(html.len() > 2_000_000);
    let started = Instant::now();
    let article = extract_html(&html, None).expect("large page extracts");
    assert!(article.is_article);
    assert!(article.article_body.lines().count() >= 20_000);
    assert!(started.elapsed() < HANG_GUARD);
}

#[test]
fn utf16_with_bom_is_text_not_binary() {
    let text = format!(
        "<html><body><article>{}</article></body></html>",
        paragraphs(5)
    );
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let article = extract(&bytes, None, None).expect("UTF-16 page extracts");
    assert!(article.article_body.contains("Paragraph 4 reports"));
}
