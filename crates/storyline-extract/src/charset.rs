//! Bytes to text: finds a document's character encoding and decodes it with `encoding_rs`,
//! for HTML pages ([`decode_html`]) and XML or JSON feeds ([`decode_feed`]).
//!
//! Trust order: a byte-order mark (it cannot lie, so it wins as in the WHATWG encoding
//! sniffing algorithm); then bytes that hold non-ASCII text and are valid UTF-8 (a
//! declaration saying ISO-8859-1 over UTF-8 bytes is the common lie, and legacy text is
//! valid UTF-8 only by rare accident); then the HTTP `Content-Type` charset; then the
//! document's own declaration (a `<meta charset>` or `http-equiv` in the first 4 KB of a
//! page, the `encoding` of an XML declaration); then, for text declared UTF-8 or not at all,
//! UTF-8 when valid sequences outnumber invalid bytes (a stray Latin-1 byte in a UTF-8 feed
//! becomes U+FFFD instead of turning the whole text into mojibake); then `chardetng`'s
//! statistical guess. Decoding never fails: bytes invalid in the chosen encoding become
//! U+FFFD.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::borrow::Cow;

/// How far into the document we look for a `<meta>` charset declaration. The WHATWG
/// pre-scan stops at 1024 bytes; real pages put long comments or scripts first, so we look
/// a little further.
const META_PRESCAN_BYTES: usize = 4096;

/// `chardetng` and the UTF-8 checks get this much of the document: a guess does not improve
/// past a few hundred KB and reading a 20 MB page would cost time for nothing.
const DETECTOR_SAMPLE_BYTES: usize = 256 * 1024;

/// Decodes an HTML page to a `String`, choosing the encoding as described in the module docs.
/// Bytes that are invalid in the chosen encoding become U+FFFD; this never fails.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    decode_html_borrowed(bytes, content_type).into_owned()
}

/// [`decode_html`] without the copy when the bytes are already valid UTF-8 (most pages).
pub(crate) fn decode_html_borrowed<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
) -> Cow<'a, str> {
    let encoding = choose_encoding(bytes, content_type);
    // `decode` re-sniffs the BOM and strips it, which matches the BOM-first order above.
    let (text, _, _) = encoding.decode(bytes);
    text
}

/// Decodes a feed (RSS, Atom, JSON Feed, OPML) to UTF-8 text, choosing the encoding as
/// described in the module docs with the XML declaration as the document's own. The XML
/// declaration of the result says UTF-8, so an XML parser reading it does not decode it a
/// second time. Never fails.
pub fn decode_feed<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let declared = || {
        let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
        charset_from_xml_declaration(head)
    };
    let encoding = choose_by_trust_order(bytes, content_type, declared);
    let (text, _, _) = encoding.decode(bytes);
    match xml_declaration_encoding_span(&text) {
        Some(span) if !text[span.clone()].eq_ignore_ascii_case("utf-8") => {
            let mut fixed = String::with_capacity(text.len());
            fixed.push_str(&text[..span.start]);
            fixed.push_str("UTF-8");
            fixed.push_str(&text[span.end..]);
            Cow::Owned(fixed)
        }
        _ => text,
    }
}

/// The encoding `decode_html` uses for these bytes.
pub(crate) fn choose_encoding(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    choose_by_trust_order(bytes, content_type, || {
        charset_from_meta(&bytes[..bytes.len().min(META_PRESCAN_BYTES)])
    })
}

/// The trust order of the module docs; `declared_inside` reads the document's own
/// declaration, only when the earlier steps have not decided.
fn choose_by_trust_order(
    bytes: &[u8],
    content_type: Option<&str>,
    declared_inside: impl FnOnce() -> Option<&'static Encoding>,
) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    let sample = &bytes[..bytes.len().min(DETECTOR_SAMPLE_BYTES)];
    let utf8 = Utf8Census::of(sample);
    if utf8.is_valid_text() {
        return UTF_8;
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .or_else(declared_inside);
    if let Some(encoding) = declared.filter(|&encoding| encoding != UTF_8) {
        return encoding;
    }
    if utf8.is_mostly_valid() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(sample, sample.len() == bytes.len());
    // Text that was UTF-8 would have been taken above: guess among the legacy encodings.
    let allow_utf8 = if utf8.is_valid() {
        chardetng::Utf8Detection::Allow
    } else {
        chardetng::Utf8Detection::Deny
    };
    detector.guess(None, allow_utf8)
}

/// How a sample reads as UTF-8: its valid multi-byte characters and its invalid sequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Utf8Census {
    multibyte: usize,
    invalid: usize,
}

impl Utf8Census {
    fn of(sample: &[u8]) -> Utf8Census {
        let mut census = Utf8Census {
            multibyte: 0,
            invalid: 0,
        };
        for chunk in sample.utf8_chunks() {
            census.multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
            // A sequence cut by the end of the sample is not an error of the text.
            let cut_at_end = chunk.invalid().len() < 4
                && std::ptr::eq(
                    chunk.invalid().as_ptr_range().end,
                    sample.as_ptr_range().end,
                )
                && utf8_valid_but_cut(chunk.invalid());
            if !chunk.invalid().is_empty() && !cut_at_end {
                census.invalid += 1;
            }
        }
        census
    }

    /// Valid UTF-8 (pure ASCII included).
    fn is_valid(self) -> bool {
        self.invalid == 0
    }

    /// Valid UTF-8 holding text beyond ASCII: no legacy encoding produces that by accident,
    /// so it wins over any declaration. Pure ASCII decides nothing.
    fn is_valid_text(self) -> bool {
        self.is_valid() && self.multibyte > 0
    }

    /// UTF-8 with a few stray bytes: at least as many valid multi-byte characters as
    /// invalid sequences. Legacy text read as UTF-8 has almost no valid multi-byte
    /// characters, since its high bytes are mostly followed by ASCII.
    fn is_mostly_valid(self) -> bool {
        self.multibyte > 0 && self.multibyte >= self.invalid
    }
}

/// True when `sample` is valid UTF-8 except for a multi-byte sequence cut at its end (the
/// sample boundary can fall inside a character).
fn utf8_valid_but_cut(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    }
}

/// The encoding named by the `charset` parameter of a `Content-Type` value.
fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        encoding_for_label(value.trim().trim_matches(['"', '\'']).as_bytes())
    })
}

/// Looks up a charset label, applying the HTML rule that a page cannot declare UTF-16 in its
/// own markup (the markup would not be readable as ASCII if it were).
fn encoding_for_label(label: &[u8]) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label)?;
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return Some(UTF_8);
    }
    if encoding == encoding_rs::X_USER_DEFINED {
        return Some(WINDOWS_1252);
    }
    Some(encoding)
}

/// Finds `<meta charset=X>` or `<meta http-equiv="content-type" content="...charset=X">` in
/// the head of a page, reading it as ASCII.
fn charset_from_meta(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut position = 0;
    while let Some(found) = find(&lower[position..], b"<meta") {
        let start = position + found + b"<meta".len();
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |p| start + p);
        let tag = &lower[start..end];
        if let Some(value) = attribute_value(tag, b"charset")
            && let Some(encoding) = encoding_for_label(value)
        {
            return Some(encoding);
        }
        let is_content_type = attribute_value(tag, b"http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"content-type"));
        if is_content_type && let Some(content) = attribute_value(tag, b"content") {
            let content = String::from_utf8_lossy(content);
            if let Some(encoding) = charset_from_content_type(&format!("x;{content}")) {
                return Some(encoding);
            }
        }
        position = end;
    }
    None
}

/// The encoding named in an XML declaration (`<?xml version="1.0" encoding="X"?>`) at the
/// start of the document, read as ASCII. XML may declare UTF-16, unlike HTML, but without a
/// byte-order mark such a declaration cannot have been read as ASCII: it is a lie.
fn charset_from_xml_declaration(head: &[u8]) -> Option<&'static Encoding> {
    let text = String::from_utf8_lossy(head);
    let span = xml_declaration_encoding_span(&text)?;
    encoding_for_label(text[span].as_bytes())
}

/// Where the value of the `encoding` pseudo-attribute of a leading XML declaration lies in
/// `text`, quotes excluded.
fn xml_declaration_encoding_span(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.len()
        - text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .len();
    let declaration = text[start..].strip_prefix("<?xml")?;
    let end = declaration.find("?>")?;
    let declaration = &declaration[..end];
    let offset = start + "<?xml".len();
    let name_at = declaration.find("encoding")?;
    let after_name = &declaration[name_at + "encoding".len()..];
    let after_equals = after_name.trim_start().strip_prefix('=')?.trim_start();
    let quote = after_equals
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')?;
    let value = &after_equals[1..];
    let value_len = value.find(quote)?;
    let value_start = offset + (declaration.len() - value.len());
    Some(value_start..value_start + value_len)
}

/// The value of attribute `name` inside the (lower-cased) text of one tag.
fn attribute_value<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut position = 0;
    while let Some(found) = find(&tag[position..], name) {
        let at = position + found;
        position = at + name.len();
        let preceded_ok = at == 0 || matches!(tag[at - 1], b' ' | b'\t' | b'\n' | b'\r' | b'/');
        let mut cursor = position;
        while tag.get(cursor).is_some_and(u8::is_ascii_whitespace) {
            cursor += 1;
        }
        if !preceded_ok || tag.get(cursor) != Some(&b'=') {
            continue;
        }
        cursor += 1;
        while tag.get(cursor).is_some_and(u8::is_ascii_whitespace) {
            cursor += 1;
        }
        return Some(match tag.get(cursor) {
            Some(&quote @ (b'"' | b'\'')) => {
                let rest = &tag[cursor + 1..];
                let len = rest.iter().position(|&b| b == quote).unwrap_or(rest.len());
                &rest[..len]
            }
            _ => {
                let rest = &tag[cursor..];
                let len = rest
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'/' || b == b';')
                    .unwrap_or(rest.len());
                &rest[..len]
            }
        });
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], content_type: Option<&str>, expected: &str) {
        assert_eq!(
            choose_encoding(bytes, content_type).name(),
            expected,
            "bytes {:?}, content type {content_type:?}",
            String::from_utf8_lossy(bytes)
        );
    }

    #[test]
    fn encoding_choice_follows_trust_order() {
        check(b"<p>plain ascii</p>", None, "UTF-8");
        check(
            b"<p>x</p>",
            Some("text/html; charset=ISO-8859-1"),
            "windows-1252",
        );
        check(b"<p>x</p>", Some("text/html;charset=\"koi8-r\""), "KOI8-R");
        check(b"<p>x</p>", Some("text/html"), "UTF-8");
        check(
            b"\xEF\xBB\xBF<p>x</p>",
            Some("text/html; charset=windows-1251"),
            "UTF-8",
        );
        check(
            b"<meta charset=\"windows-1251\"><p>x</p>",
            None,
            "windows-1251",
        );
        check(b"<META CHARSET=euc-kr>", None, "EUC-KR");
        check(
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">",
            None,
            "Shift_JIS",
        );
        check(
            b"<meta content='text/html; charset=gb2312' http-equiv='content-type'>",
            None,
            "GBK",
        );
        check(b"<meta charset=\"utf-16\">", None, "UTF-8");
        check(b"<meta charset=\"no-such-charset\"><p>x</p>", None, "UTF-8");
        check(
            b"<meta charset=\"windows-1251\">",
            Some("text/html; charset=utf-8"),
            "UTF-8",
        );
        check(
            b"<meta name=\"charset-note\" content=\"x\"><p>x</p>",
            None,
            "UTF-8",
        );
    }

    #[test]
    fn utf8_bytes_win_over_a_wrong_declaration_and_stray_bytes_are_replaced() {
        let utf8 = "<p>Résumé of the café's menu</p>".as_bytes();
        check(utf8, Some("text/html; charset=ISO-8859-1"), "UTF-8");
        check(
            &[b"<meta charset=\"windows-1251\">".as_slice(), utf8].concat(),
            None,
            "UTF-8",
        );
        // One stray Latin-1 byte among UTF-8 text: UTF-8, the stray byte replaced.
        let stray = [utf8, b" Caf\xE9 ".as_slice(), utf8].concat();
        check(&stray, None, "UTF-8");
        check(&stray, Some("text/html; charset=utf-8"), "UTF-8");
        assert!(decode_html(&stray, None).contains("Caf\u{FFFD} "));
        // Legacy bytes wrongly declared UTF-8 are read as what they are.
        let (latin, _, _) = WINDOWS_1252.encode("<p>Résumé of the café's menu, déjà vu</p>");
        check(&latin, Some("text/html; charset=utf-8"), "windows-1252");
        // A correct legacy declaration still wins over a few accidental UTF-8 pairs.
        check(
            &latin,
            Some("text/html; charset=ISO-8859-1"),
            "windows-1252",
        );
    }

    #[test]
    fn feeds_are_decoded_by_their_xml_declaration_and_say_utf8_afterwards() {
        let (latin, _, _) = WINDOWS_1252.encode(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><title>Déjà vu</title></rss>",
        );
        assert_eq!(
            decode_feed(&latin, None),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><title>Déjà vu</title></rss>"
        );
        let lying = "<?xml version='1.0' encoding='ISO-8859-1' ?><rss><title>Résumé</title></rss>";
        assert_eq!(
            decode_feed(
                lying.as_bytes(),
                Some("application/rss+xml; charset=iso-8859-1")
            ),
            "<?xml version='1.0' encoding='UTF-8' ?><rss><title>Résumé</title></rss>"
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss/>"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(
            decode_feed(&utf16, None),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>"
        );
        assert_eq!(
            decode_feed(b"{\"version\":\"x\"}", None),
            "{\"version\":\"x\"}"
        );
        assert_eq!(
            xml_declaration_encoding_span("<?xml version=\"1.0\"?><a encoding=\"x\"/>"),
            None
        );
    }

    #[test]
    fn undeclared_legacy_bytes_are_detected() {
        let text = "Съешь же ещё этих мягких французских булок, да выпей чаю. Москва и Петербург \
                    обсуждают новый бюджет города на следующий год.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        check(&bytes, None, "windows-1251");
        assert_eq!(decode_html(&bytes, None), text);
    }

    #[test]
    fn sample_cut_inside_a_character_is_still_utf8() {
        assert!(utf8_valid_but_cut(
            "abcé"
                .as_bytes()
                .split_last()
                .map(|(_, r)| r)
                .unwrap_or_default()
        ));
        assert!(!utf8_valid_but_cut(b"abc\xff def"));
    }
}
