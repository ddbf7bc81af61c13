//! Fuzz target for `storyline_extract::extract`: arbitrary bytes must come back as `Ok` or
//! `Err`, never a panic, an abort or a hang.
//!
//! Each input is tried twice: bare (no `Content-Type`, no URL, the path feed pages take when
//! a server sends nothing useful), and with a `Content-Type` and page URL taken from the
//! input itself, so the fuzzer also explores the charset and URL handling. The input's first
//! line, when it is short, supplies the header: a line like `windows-1251 https://a.example/x`
//! gives `text/html; charset=windows-1251` and that URL; the rest of the input is the page.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// Longest first line read as a header; longer ones are page content, not a header.
const MAX_HEADER_LINE: usize = 200;

fuzz_target!(|data: &[u8]| {
    let _ = storyline_extract::extract(data, None, None);

    let (header, page) = split_header(data);
    let mut words = header.split_ascii_whitespace();
    let charset = words.next().unwrap_or("");
    let url = words.next();
    let content_type = format!("text/html; charset={charset}");
    let _ = storyline_extract::extract(page, Some(&content_type), url);
});

/// Splits off the first line as text when it is short and valid UTF-8; otherwise the header
/// is empty and the whole input is the page.
fn split_header(data: &[u8]) -> (&str, &[u8]) {
    let Some(end) = data.iter().take(MAX_HEADER_LINE).position(|&b| b == b'\n') else {
        return ("", data);
    };
    match std::str::from_utf8(&data[..end]) {
        Ok(header) => (header, &data[end + 1..]),
        Err(_) => ("", data),
    }
}
