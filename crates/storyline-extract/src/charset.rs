//! Bytes to text: finds a page's character encoding and decodes it with `encoding_rs`.
//!
//! Trust order: a byte-order mark (it cannot lie, so it wins as in the WHATWG encoding
//! sniffing algorithm), the HTTP `Content-Type` charset, a `<meta charset>` or `http-equiv`
//! declaration in the first 4 KB, then `chardetng`'s statistical guess.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How far into the document we look for a `<meta>` charset declaration. The WHATWG
/// pre-scan stops at 1024 bytes; real pages put long comments or scripts first, so we look
/// a little further.
const META_PRESCAN_BYTES: usize = 4096;

/// `chardetng` gets this much of the page: a guess does not improve past a few hundred KB and
/// feeding a 20 MB page would cost time for nothing.
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
) -> std::borrow::Cow<'a, str> {
    let encoding = choose_encoding(bytes, content_type);
    // `decode` re-sniffs the BOM and strips it, which matches the BOM-first order above.
    let (text, _, _) = encoding.decode(bytes);
    text
}

/// The encoding `decode_html` uses for these bytes.
pub(crate) fn choose_encoding(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if let Some(encoding) = content_type.and_then(charset_from_content_type) {
        return encoding;
    }
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    if let Some(encoding) = charset_from_meta(head) {
        return encoding;
    }
    let sample = &bytes[..bytes.len().min(DETECTOR_SAMPLE_BYTES)];
    if std::str::from_utf8(sample).is_ok() || utf8_valid_but_cut(sample) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(sample, sample.len() == bytes.len());
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// True when `sample` is valid UTF-8 except for a multi-byte sequence cut at its end (the
/// sample boundary can fall inside a character).
fn utf8_valid_but_cut(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none() && error.valid_up_to() > 0,
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
