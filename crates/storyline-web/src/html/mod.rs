//! HTML for the web pages and the feeds: escaping, a tiny markup builder ([`Html`]), the
//! shared date formats, search-snippet highlighting ([`highlight`]), and, in submodules
//! re-exported here, the renderer of a [`Brief`](storyline_model::Brief) ([`render_brief`],
//! in `brief.rs`) used by both the story page and the Atom / JSON Feed content, and the
//! coverage chart ([`coverage_chart`], in `chart.rs`).
//!
//! Invariants (for this module and its submodules):
//! - markup enters an [`Html`] only as `&'static str` (literals in this crate's source);
//!   every other string, number or date goes through [`escape`], so an article's title or
//!   text can never open a tag or an attribute;
//! - [`escape`] also drops the characters XML 1.0 forbids (most C0 controls), so the same
//!   output is valid inside an Atom document;
//! - a URL reaches an `href` only when [`http_url`] accepts it (`http` or `https`);
//!   anything else (`javascript:`, `data:`, relative junk) is shown as text, never linked;
//! - nothing here emits a `style` attribute, an event handler or a script: the
//!   Content-Security-Policy forbids them, and every style lives in `static/style.css`.

mod brief;
mod chart;

pub use brief::{
    BriefLinks, SECTION_TITLES, engine_note, first_sentence, linked_stories, render_brief,
};
pub use chart::coverage_chart;

use chrono::{DateTime, SecondsFormat, Utc};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::{self, Display, Write as _};

/// The `rel` of every link to an article on another site: no `window.opener`, no referrer,
/// and no endorsement of a page we do not control.
pub const EXTERNAL_REL: &str = "noopener noreferrer nofollow";

/// True for the characters XML 1.0 allows (Rust strings never hold surrogates).
pub(crate) fn allowed_in_xml(ch: char) -> bool {
    !matches!(ch, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

fn needs_escaping(ch: char) -> bool {
    matches!(ch, '&' | '<' | '>' | '"') || !allowed_in_xml(ch)
}

/// Escapes `text` for HTML or XML text and double-quoted attribute values (the only kind
/// [`Html`] writes). The apostrophe is left as it is, so "What's happened" reads the same
/// in the markup as on screen; never put the result in a single-quoted attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escaping) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    push_escaped(&mut out, text);
    Cow::Owned(out)
}

/// [`escape`], appending to `out`.
pub fn push_escaped(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            ch if allowed_in_xml(ch) => out.push(ch),
            _ => {}
        }
    }
}

/// `url`, trimmed, when it is an absolute `http` or `https` URL with a host and without
/// whitespace or control characters; `None` otherwise (never link it).
pub fn http_url(url: &str) -> Option<&str> {
    let url = url.trim();
    if url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return None;
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (host_end > 0).then_some(url)
}

/// `segment` made safe as one path segment: unreserved characters kept, the rest
/// percent-encoded (ids are slugs and hex, so this only matters for hostile input).
pub fn path_segment(segment: &str) -> Cow<'_, str> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if segment.bytes().all(unreserved) {
        return Cow::Borrowed(segment);
    }
    let mut out = String::with_capacity(segment.len() * 3);
    for byte in segment.bytes() {
        if unreserved(byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    Cow::Owned(out)
}

/// Growing HTML (or SVG, or XML) text in which only literals are markup.
#[derive(Debug, Default, Clone)]
pub struct Html {
    buf: String,
}

impl Html {
    pub fn new() -> Self {
        Html::default()
    }

    /// Appends markup written in this crate's source.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    /// Appends `text`, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.buf, text);
        self
    }

    /// Appends the `Display` form of `value`, escaped (numbers, dates, ids).
    pub fn display(&mut self, value: impl Display) -> &mut Self {
        struct Escaping<'a>(&'a mut String);
        impl fmt::Write for Escaping<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                push_escaped(self.0, s);
                Ok(())
            }
        }
        let _ = write!(Escaping(&mut self.buf), "{value}");
        self
    }

    /// `<tag name="value"...>`; names are literals, values are escaped.
    pub fn open(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        for (name, value) in attributes {
            self.buf.push(' ');
            self.buf.push_str(name);
            self.buf.push_str("=\"");
            push_escaped(&mut self.buf, value);
            self.buf.push('"');
        }
        self.buf.push('>');
        self
    }

    /// `<tag name="value".../>`: an empty XML element (also fine for HTML void elements).
    pub fn empty(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Self {
        self.open(tag, attributes);
        self.buf.pop();
        self.buf.push_str("/>");
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag ...>text</tag>`.
    pub fn element(
        &mut self,
        tag: &'static str,
        attributes: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(tag, attributes).text(text).close(tag)
    }

    /// A link to an article or page on another site: an `<a>` with [`EXTERNAL_REL`] when
    /// [`http_url`] accepts `url`, else `text` in a plain `<span>`.
    pub fn external_link(&mut self, url: &str, text: &str) -> &mut Self {
        match http_url(url) {
            Some(url) => self.element("a", &[("href", url), ("rel", EXTERNAL_REL)], text),
            None => self.element("span", &[("class", "unlinked")], text),
        }
    }

    /// `<time datetime="RFC 3339">shown</time>`.
    pub fn time(&mut self, time: DateTime<Utc>, shown: &str) -> &mut Self {
        self.element("time", &[("datetime", &machine_time(time))], shown)
    }

    /// Appends another fragment built the same way.
    pub fn append(&mut self, other: &Html) -> &mut Self {
        self.buf.push_str(&other.buf);
        self
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

/// RFC 3339 in UTC to the second: the `datetime` attribute and the feeds' timestamps.
pub fn machine_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// "13 Sep 2025, 08:00 UTC".
pub fn human_time(time: DateTime<Utc>) -> String {
    time.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// "13 September 2025".
pub fn human_date(time: DateTime<Utc>) -> String {
    time.format("%-d %B %Y").to_string()
}

/// How long before `now` `time` was, the way a reader says it: "just now", "25 min ago",
/// "3 h ago", "4 days ago", then the date. A time in the future (clock skew, a wrong
/// dateline) reads "just now" rather than a negative age.
pub fn relative_time(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - time).num_minutes();
    match minutes {
        ..=0 => "just now".to_string(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        2880..=43199 => format!("{} days ago", minutes / 1440),
        _ => human_date(time),
    }
}

/// `snippet` escaped, with every word of `query` (compared case-insensitively, word by
/// word, as the store's full-text index matches) wrapped in `<mark>`: the only markup in the
/// result is ours.
pub fn highlight(snippet: &str, query: &str) -> Html {
    let terms: BTreeSet<String> = query
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut html = Html::new();
    let mut rest = snippet;
    while !rest.is_empty() {
        let word_len = rest
            .find(|ch: char| !ch.is_alphanumeric())
            .unwrap_or(rest.len());
        if word_len == 0 {
            let gap_len = rest.find(char::is_alphanumeric).unwrap_or(rest.len());
            html.text(&rest[..gap_len]);
            rest = &rest[gap_len..];
            continue;
        }
        let word = &rest[..word_len];
        if terms.contains(&word.to_lowercase()) {
            html.raw("<mark>").text(word).raw("</mark>");
        } else {
            html.text(word);
        }
        rest = &rest[word_len..];
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_forbidden_controls() {
        let check = |input: &str, expected: &str| assert_eq!(escape(input), expected, "{input:?}");
        check("plain text", "plain text");
        check(
            "<script>alert(1)</script>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        );
        check(
            "\"><img src=x onerror=alert(1)>",
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        );
        check("O'Brien & Co", "O'Brien &amp; Co");
        check("bell\u{7}tab\tline\n", "belltab\tline\n");
    }

    #[test]
    fn only_http_urls_are_links() {
        let check = |input: &str, expected: Option<&str>| {
            assert_eq!(http_url(input), expected, "{input:?}")
        };
        check(
            "https://example.com/a?b=c",
            Some("https://example.com/a?b=c"),
        );
        check(" HTTP://example.com ", Some("HTTP://example.com"));
        check("javascript:alert(1)", None);
        check("JaVaScRiPt:alert(1)", None);
        check("data:text/html,<b>x</b>", None);
        check("https://", None);
        check("https:///path", None);
        check("//example.com/x", None);
        check("https://exa mple.com", None);
        check("https://example.com/\u{0}", None);
    }

    #[test]
    fn builder_escapes_everything_but_literals() {
        let mut html = Html::new();
        html.open("a", &[("href", "/x?a=1&b=\"2\"")])
            .text("<b>")
            .display(3)
            .close("a")
            .raw(" ")
            .external_link("javascript:alert(1)", "click");
        assert_eq!(
            html.as_str(),
            "<a href=\"/x?a=1&amp;b=&quot;2&quot;\">&lt;b&gt;3</a> \
             <span class=\"unlinked\">click</span>"
        );
    }

    #[test]
    fn highlight_marks_query_words_and_escapes_the_rest() {
        let check = |snippet: &str, query: &str, expected: &str| {
            assert_eq!(
                highlight(snippet, query).as_str(),
                expected,
                "{snippet:?} / {query:?}"
            );
        };
        check(
            "The Strike ended",
            "strike",
            "The <mark>Strike</mark> ended",
        );
        check(
            "strikes <b>strike</b>",
            "STRIKE",
            "strikes &lt;b&gt;<mark>strike</mark>&lt;/b&gt;",
        );
        check(
            "pay of 5.5% paid",
            "pay 5",
            "<mark>pay</mark> of <mark>5</mark>.<mark>5</mark>% paid",
        );
        check("São Paulo", "são", "<mark>São</mark> Paulo");
        check("<mark>", "mark", "&lt;<mark>mark</mark>&gt;");
        check("nothing here", "", "nothing here");
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("li-qiang"), "li-qiang");
        assert_eq!(path_segment("a/b?c"), "a%2Fb%3Fc");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::parse_from_rfc3339("2025-09-14T06:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("a valid time");
        let check = |minutes_ago: i64, expected: &str| {
            let time = now - chrono::Duration::minutes(minutes_ago);
            assert_eq!(relative_time(time, now), expected, "{minutes_ago} min ago");
        };
        check(-5, "just now");
        check(0, "just now");
        check(25, "25 min ago");
        check(180, "3 h ago");
        check(47 * 60, "47 h ago");
        check(4 * 1440, "4 days ago");
        check(40 * 1440, "5 August 2025");
    }
}
