//! Cheap checks that run before any HTML parser sees the input: binary content and
//! pathological nesting.
//!
//! Parsers and the Readability scorer walk the tree, some of them recursively, so a page
//! of 100,000 nested `<div>`s can exhaust a thread's stack. Instead of trusting every walker,
//! we pre-scan the tags once (linear, no allocation unless the page is too deep) and drop the
//! tags that open below [`MAX_NESTING_DEPTH`], keeping their text.

use std::borrow::Cow;

/// Deepest element nesting passed on to the parsers. Real news pages stay under ~60 levels
/// (paragraphs, list items and table cells are not counted); 160 leaves room for odd CMS
/// output, while Readability's clean-up, whose cost grows with depth times element count,
/// stays quick on hostile pages.
pub const MAX_NESTING_DEPTH: usize = 160;

/// File signatures of formats that are sometimes served as `text/html` by mistake.
const BINARY_SIGNATURES: &[&[u8]] = &[
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xFF\xD8\xFF",
    b"\x1F\x8B",
    b"PK\x03\x04",
    b"\x7FELF",
];

/// True when the bytes are not text: a known binary signature, or NUL / control bytes in the
/// first 8 KB. UTF-16 text (which is full of NULs) is recognised by its BOM first.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return false;
    }
    if BINARY_SIGNATURES.iter().any(|sig| bytes.starts_with(sig)) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    control_share(sample.iter().map(|&b| u32::from(b)))
}

/// The same test on already decoded text.
pub(crate) fn text_looks_binary(text: &str) -> bool {
    if text.starts_with("%PDF-") {
        return true;
    }
    control_share(text.chars().take(8192).map(u32::from))
}

/// Any NUL, or more than 1% of other C0 control characters (tab, newlines and form feed
/// excepted), marks binary data: HTML text never contains them legitimately.
fn control_share(units: impl Iterator<Item = u32>) -> bool {
    let mut total = 0usize;
    let mut controls = 0usize;
    for unit in units {
        total += 1;
        if unit == 0 {
            return true;
        }
        if unit < 0x20 && !matches!(unit, 0x09 | 0x0A | 0x0C | 0x0D) {
            controls += 1;
        }
    }
    total > 0 && controls * 100 > total
}

/// Elements whose end tag may be omitted (the parser closes them implicitly) and void
/// elements: neither deepens the tree in a way a tag count could follow, so they are not
/// counted.
const UNCOUNTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body", "frame",
    "keygen", "basefont", "bgsound", "image",
];

/// Formatting elements: the parser reopens every one left unclosed at the start of each
/// later block ("reconstructing the active formatting elements"), so a few hundred
/// unclosed ones make a small page explode into millions of elements.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Unclosed formatting elements kept; later opening tags are dropped (their text stays).
/// Real pages leave a handful open at most.
pub const MAX_OPEN_FORMATTING: usize = 16;

/// Attributes kept on one tag: a tag with more is dropped (its text stays). The parser's
/// duplicate-attribute check is quadratic in their number; real tags have a few dozen.
pub const MAX_ATTRIBUTES: usize = 1_000;

/// Elements whose content is raw text up to their end tag: tags inside are not tags.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// Returns the page with every tag that would nest deeper than `limit` removed (their text
/// stays), or the page unchanged (borrowed) when it is shallow enough.
#[cfg(test)]
pub(crate) fn flatten_deep_nesting(html: &str, limit: usize) -> Cow<'_, str> {
    rewrite(html, limit, false)
}

/// The page as the parser gets it: [`flatten_deep_nesting`], and in the same scan the code
/// inside `<script>` (JSON-LD and other JSON data excepted) and `<style>` elements dropped,
/// their tags kept. No reader uses that code, Readability deletes those elements, and it is
/// about half the bytes of a typical news page, which the tokenizer would otherwise walk
/// character by character. A script holding `<!--` is kept whole: its escaping rules can
/// move where the parser sees it end.
pub(crate) fn prepare_for_parsing(html: &str, limit: usize) -> Cow<'_, str> {
    rewrite(html, limit, true)
}

fn rewrite(html: &str, limit: usize, drop_code: bool) -> Cow<'_, str> {
    let mut dropped: Vec<(usize, usize)> = Vec::new();
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut open_formatting = 0usize;
    let mut stray_angles = 0usize;
    let mut cursor = 0usize;
    while let Some(offset) = memchr_lt(&bytes[cursor..]) {
        let start = cursor + offset;
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            cursor = find_from(bytes, start + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            // The parser would build a comment node that Readability then deletes.
            if drop_code {
                dropped.push((start, cursor));
            }
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            cursor = find_byte(bytes, start + 2, b'>').map_or(bytes.len(), |e| e + 1);
            continue;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = start + if closing { 2 } else { 1 };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            stray_angles += 1;
            cursor = start + 1;
            continue;
        }
        let name = &bytes[name_start..name_start + name_len];
        let is_one_of = |names: &[&str]| {
            names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
        };
        let (end, attributes) = tag_end(bytes, name_start + name_len);
        cursor = end;
        if attributes > MAX_ATTRIBUTES {
            dropped.push((start, end));
            continue;
        }
        if is_one_of(FORMATTING) {
            if closing {
                open_formatting = open_formatting.saturating_sub(1);
            } else if open_formatting >= MAX_OPEN_FORMATTING {
                dropped.push((start, end));
                continue;
            } else {
                open_formatting += 1;
            }
        }
        if is_one_of(UNCOUNTED) {
            continue;
        }
        if closing {
            if depth > limit {
                dropped.push((start, end));
            }
            depth = depth.saturating_sub(1);
            continue;
        }
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        if self_closing {
            continue;
        }
        if is_one_of(RAW_TEXT) {
            cursor = raw_text_end(bytes, end, name);
            let is_code = is_one_of(&["style"])
                || (is_one_of(&["script"]) && !contains_ignore_case(&bytes[start..end], b"json"));
            if drop_code
                && is_code
                && cursor > end
                && memchr::memmem::find(&bytes[end..cursor], b"<!--").is_none()
            {
                dropped.push((end, cursor));
            }
            continue;
        }
        depth += 1;
        if depth > limit {
            dropped.push((start, end));
        }
        // Inline SVG (icons, logos, charts' paths) is markup no reader wants as text: its
        // content goes, its tags stay so the tree keeps its shape.
        if drop_code && name.eq_ignore_ascii_case(b"svg") {
            let close = raw_text_end(bytes, end, name);
            if close > end {
                dropped.push((end, close));
            }
            cursor = close;
        }
    }
    // Masses of `<` that open no tag are garbage, not prose, and make the parser's memory
    // balloon (one text fragment per `<`): past a bound they are removed.
    let drop_stray = drop_code && stray_angles > MAX_STRAY_ANGLES;
    if dropped.is_empty() && !drop_stray {
        return Cow::Borrowed(html);
    }
    let mut flattened = String::with_capacity(html.len());
    let mut kept_from = 0;
    let keep = |segment: &str, out: &mut String| {
        if drop_stray {
            push_without_stray_angles(segment, out);
        } else {
            out.push_str(segment);
        }
    };
    for (start, end) in dropped {
        keep(&html[kept_from..start], &mut flattened);
        kept_from = end;
    }
    keep(&html[kept_from..], &mut flattened);
    Cow::Owned(flattened)
}

/// `<` characters that open no tag, beyond which they are dropped before parsing.
pub const MAX_STRAY_ANGLES: usize = 10_000;

/// Appends `segment` without the `<` characters that open no tag (not followed by a
/// letter, `/`, `!` or `?`).
fn push_without_stray_angles(segment: &str, out: &mut String) {
    let bytes = segment.as_bytes();
    let mut from = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[from..]) {
        let at = from + offset;
        let opens_tag = bytes
            .get(at + 1)
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'));
        let kept_to = if opens_tag { at + 1 } else { at };
        out.push_str(&segment[from..kept_to]);
        from = at + 1;
    }
    out.push_str(&segment[from..]);
}

/// The index just past the `>` that closes a tag, skipping quoted attribute values, and
/// the number of attribute names (words after white space, outside quotes) on the way.
fn tag_end(bytes: &[u8], from: usize) -> (usize, usize) {
    let mut quote: Option<u8> = None;
    let mut attributes = 0;
    let mut after_space = false;
    for (index, &byte) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if byte == q => quote = None,
            Some(_) => {}
            None if byte == b'"' || byte == b'\'' => quote = Some(byte),
            None if byte == b'>' => return (index + 1, attributes),
            None if byte.is_ascii_whitespace() => {
                after_space = true;
                continue;
            }
            None if after_space && !matches!(byte, b'=' | b'/') => attributes += 1,
            None => {}
        }
        after_space = false;
    }
    (bytes.len(), attributes)
}

/// The index of the `</name` that ends a raw-text element (or the end of the input). As in
/// the HTML tokenizer, the name must be followed by whitespace, `/` or `>`.
fn raw_text_end(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut cursor = from;
    while let Some(offset) = find_from(bytes, cursor, b"</") {
        let candidate = &bytes[offset + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name)
            && candidate
                .get(name.len())
                .is_none_or(|b| matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b'/' | b'>'))
        {
            return offset;
        }
        cursor = offset + 2;
    }
    bytes.len()
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'<', bytes)
}

fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, bytes.get(from..)?).map(|p| from + p)
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_flatten(html: &str, limit: usize, expected: &str) {
        assert_eq!(
            flatten_deep_nesting(html, limit),
            expected,
            "input {html:?}"
        );
    }

    #[test]
    fn shallow_pages_are_borrowed_unchanged() {
        let html = "<div><p>one<p>two<ul><li>a<li>b</ul><br><img src=x></div>";
        assert!(matches!(flatten_deep_nesting(html, 3), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_below_the_limit_are_dropped_text_kept() {
        check_flatten(
            "<div><div><div>x</div></div></div>",
            2,
            "<div><div>x</div></div>",
        );
        check_flatten("<a><b><i>t</i></b></a>", 1, "<a>t</a>");
        check_flatten(
            "<div><!-- <div><div> --></div>",
            1,
            "<div><!-- <div><div> --></div>",
        );
        check_flatten(
            "<div><script>if (a<b) '<div><div>'</script></div>",
            1,
            "<div><script>if (a<b) '<div><div>'</script></div>",
        );
        check_flatten(
            "<div title='>'><span>x</span></div>",
            1,
            "<div title='>'>x</div>",
        );
        check_flatten(
            "<div><br/><svg/><span>x</span></div>",
            1,
            "<div><br/><svg/>x</div>",
        );
        check_flatten("a < b <3 <div>x</div>", 0, "a < b <3 x");
    }

    #[test]
    fn code_is_dropped_before_parsing() {
        let check = |html: &str, expected: &str| {
            assert_eq!(prepare_for_parsing(html, 8), expected, "input {html:?}");
        };
        check(
            "<p>a</p><script>var x = '<p>';</script><style>p{}</style><p>b</p>",
            "<p>a</p><script></script><style></style><p>b</p>",
        );
        check(
            "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script>",
            "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script>",
        );
        check(
            "<script>document.write('<!--<script>x</script>-->')</script><p>b</p>",
            "<script>document.write('<!--<script>x</script>-->')</script><p>b</p>",
        );
        check(
            "<script>a = '</scripts>';</script><p>b</p>",
            "<script></script><p>b</p>",
        );
        check("<title>T</title><p>b</p>", "<title>T</title><p>b</p>");
        check("<p>a</p><!-- ad slot --><p>b</p>", "<p>a</p><p>b</p>");
        check(
            "<p>a<svg viewBox=\"0 0 9 9\"><path d=\"M0 0\"/><svg><g/></svg></svg>b</p>",
            "<p>a<svg viewBox=\"0 0 9 9\"></svg></svg>b</p>",
        );
        assert!(matches!(
            prepare_for_parsing("<p>no code</p><script></script>", 8),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn hostile_markup_is_bounded_before_parsing() {
        // Formatting elements left open beyond the bound lose their tags, not their text.
        let opened = "<b>".repeat(MAX_OPEN_FORMATTING + 3);
        let page = format!("{opened}x");
        let prepared = prepare_for_parsing(&page, 1_000);
        assert_eq!(prepared.matches("<b>").count(), MAX_OPEN_FORMATTING);
        assert!(prepared.ends_with('x'));
        // Closed ones do not count.
        let balanced = "<i>a</i>".repeat(100);
        assert!(matches!(
            prepare_for_parsing(&balanced, 1_000),
            Cow::Borrowed(_)
        ));
        // A tag with too many attributes is dropped whole.
        let attributes: String = (0..=MAX_ATTRIBUTES).map(|i| format!(" a{i}")).collect();
        assert_eq!(
            prepare_for_parsing(&format!("<div{attributes}>t</div>"), 100),
            "t</div>"
        );
        assert!(matches!(
            prepare_for_parsing("<div a=1 b c=\"d e\">t</div>", 100),
            Cow::Borrowed(_)
        ));
        // Masses of stray `<` are removed; a few are text.
        assert!(matches!(
            prepare_for_parsing("<p>1 < 2</p>", 100),
            Cow::Borrowed(_)
        ));
        let stray = format!("<p>{}</p>", "< ".repeat(MAX_STRAY_ANGLES + 1));
        assert_eq!(prepare_for_parsing(&stray, 100).matches('<').count(), 2);
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"%PDF-1.7\n%\xE2\xE3"));
        assert!(looks_binary(b"\x1F\x8B\x08\x00"));
        assert!(looks_binary(b"<html>\x00<body>"));
        assert!(!looks_binary(b"<html><body>text\n\ttabs\r\n</body></html>"));
        assert!(!looks_binary(b"\xFF\xFE<\x00h\x00"));
        assert!(text_looks_binary("abc\u{1}\u{2}\u{3}"));
        assert!(!text_looks_binary("caf\u{e9} \u{201c}quoted\u{201d}"));
    }
}
