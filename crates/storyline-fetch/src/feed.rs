//! [`parse_feed`]: RSS 2.0/1.0/0.9x, Atom and JSON Feed bytes into [`ParsedFeed`], via feed-rs.
//!
//! feed-rs does the format work; this module decides what a news item is for us: a stable id,
//! one absolute article link, plain-text title and summary, the HTML content kept as is, a
//! publication time and the bylines.

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Link, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

use crate::error::{FeedError, one_line_reason};
use crate::text::{decode_plain_text, html_to_text};

/// A feed's title and items, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub items: Vec<FeedItem>,
}

/// One item (RSS `<item>`, Atom `<entry>`, JSON Feed item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// The guid / Atom id / JSON id; without one, the article link; without that, a hash of
    /// the source and title. Stable across fetches of the same feed.
    pub id: String,
    /// The article's absolute link.
    pub url: Option<String>,
    /// Plain text.
    pub title: Option<String>,
    /// Plain text: HTML stripped, entities decoded, whitespace collapsed.
    pub summary: Option<String>,
    /// The full content as HTML, as the feed gave it (plain-text content is escaped).
    pub content_html: Option<String>,
    /// Publication time, or the last update where the feed gives no publication time.
    pub published: Option<DateTime<Utc>>,
    /// Author names, without e-mail addresses, in feed order, without duplicates.
    pub authors: Vec<String>,
}

/// Parses a feed. `source_url` names the feed in errors and is the base for relative links;
/// `content_type` is the HTTP `Content-Type`, whose charset is one of the clues to the text's
/// encoding ([`storyline_extract::decode_feed`]: valid UTF-8 wins over a wrong declaration, a
/// stray byte becomes U+FFFD instead of failing the feed).
pub fn parse_feed(
    source_url: &str,
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<ParsedFeed, FeedError> {
    let text = storyline_extract::decode_feed(bytes, content_type);
    let text = without_inner_xml_declarations(&text);
    let bytes = text.as_bytes();
    let base = Url::parse(source_url).ok();
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.as_ref().map(Url::as_str))
        // Leave missing ids empty so we can tell them from real ones and choose our own.
        .id_generator(|_links, _title, _uri| String::new())
        .build();
    let feed = parser
        .parse(bytes)
        .map_err(|error| FeedError::MalformedFeed {
            origin: source_url.to_string(),
            reason: one_line_reason(&describe_parse_error(&error)),
        })?;
    let items = feed
        .entries
        .into_iter()
        .map(|entry| convert_entry(source_url, base.as_ref(), entry))
        .collect();
    Ok(ParsedFeed {
        title: feed.title.as_ref().and_then(text_to_plain),
        items,
    })
}

/// The document without XML declarations other than a leading one. A declaration anywhere
/// else is malformed XML, and one naming an encoding makes quick-xml (under feed-rs) panic
/// once the document has started; the text is UTF-8 already, so dropping them loses nothing.
pub(crate) fn without_inner_xml_declarations(text: &str) -> std::borrow::Cow<'_, str> {
    let body_start = text.len() - text.trim_start().len();
    let mut kept = String::new();
    let mut copied_to = 0;
    // The search starts after the first character: a declaration there is the leading one.
    let mut search_from = text[body_start..]
        .chars()
        .next()
        .map_or(text.len(), |first| body_start + first.len_utf8());
    while let Some(found) = text.get(search_from..).and_then(|rest| rest.find("<?xml")) {
        let at = search_from + found;
        let after = &text[at + "<?xml".len()..];
        // `<?xml-stylesheet ...?>` and other processing instructions are not declarations.
        if !after.starts_with(|c: char| c.is_ascii_whitespace() || c == '?') {
            search_from = at + 1;
            continue;
        }
        let end = after
            .find("?>")
            .map_or(text.len(), |close| at + "<?xml".len() + close + "?>".len());
        kept.push_str(&text[copied_to..at]);
        copied_to = end;
        search_from = end.max(at + 1);
    }
    if copied_to == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    kept.push_str(&text[copied_to..]);
    std::borrow::Cow::Owned(kept)
}

fn describe_parse_error(error: &ParseFeedError) -> String {
    match error {
        // feed-rs says "no root element" also for an HTML page or an empty body, which is
        // the common case of a feed URL that now serves something else.
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "not an RSS, Atom or JSON Feed document".to_string()
        }
        other => other.to_string(),
    }
}

fn convert_entry(source_url: &str, base: Option<&Url>, entry: Entry) -> FeedItem {
    let guid = entry.id.trim().to_string();
    let url = article_link(&entry.links, base).or_else(|| permalink_guid(&guid));
    let title = entry.title.as_ref().and_then(text_to_plain);
    let summary = entry
        .summary
        .as_ref()
        .and_then(|summary| non_empty(html_to_text(&summary.content)));
    let content_html = entry.content.as_ref().and_then(|content| {
        let body = content.body.as_deref()?;
        if body.trim().is_empty() {
            None
        } else if is_html(content.content_type.subty().as_str()) {
            Some(body.to_string())
        } else {
            Some(html_escape::encode_text(body).into_owned())
        }
    });
    let id = if !guid.is_empty() {
        guid
    } else if let Some(url) = &url {
        url.clone()
    } else {
        fallback_id(source_url, title.as_deref(), summary.as_deref())
    };
    FeedItem {
        id,
        url,
        title,
        summary,
        content_html,
        published: entry.published.or(entry.updated),
        authors: author_names(&entry),
    }
}

/// The link a reader would follow: Atom's `alternate` (or unlabelled) link, never `self`,
/// `enclosure`, `replies` and the like.
fn article_link(links: &[Link], base: Option<&Url>) -> Option<String> {
    links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .and_then(|link| absolute_url(&link.href, base))
}

/// RSS items without `<link>` often carry the article URL as their guid.
fn permalink_guid(guid: &str) -> Option<String> {
    let parsed = Url::parse(guid).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

fn absolute_url(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    match Url::parse(href) {
        Ok(absolute) => Some(absolute.to_string()),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            base.and_then(|base| base.join(href).ok()).map(String::from)
        }
        Err(_) => None,
    }
}

fn text_to_plain(text: &Text) -> Option<String> {
    let plain = if is_html(text.content_type.subty().as_str()) {
        html_to_text(&text.content)
    } else {
        decode_plain_text(&text.content)
    };
    non_empty(plain)
}

fn is_html(subtype: &str) -> bool {
    subtype.eq_ignore_ascii_case("html") || subtype.eq_ignore_ascii_case("xhtml+xml")
}

fn author_names(entry: &Entry) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for person in &entry.authors {
        let Some(name) = person.name.as_deref().and_then(byline_name) else {
            continue;
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The person's name from an RSS contact such as `desk@outlet.example (Jane Doe)`, which
/// feed-rs may hand over whole or as `(Jane Doe)`; `None` for a bare mailbox, which is not a
/// byline.
fn byline_name(raw: &str) -> Option<String> {
    let decoded = decode_plain_text(raw);
    let name = match (decoded.find('('), decoded.rfind(')')) {
        (Some(open), Some(close)) if open < close => decoded[open + 1..close].trim().to_string(),
        _ => decoded,
    };
    let is_mailbox = name.contains('@') && !name.contains(' ');
    (!name.is_empty() && !is_mailbox).then_some(name)
}

/// An id for items with neither guid nor link: stable as long as the title (or summary)
/// does not change, which is the best such a feed allows.
fn fallback_id(source_url: &str, title: Option<&str>, summary: Option<&str>) -> String {
    let key = format!(
        "{source_url}\n{}\n{}",
        title.unwrap_or(""),
        summary.unwrap_or("")
    );
    format!("{source_url}#{}", storyline_model::short_hash(&key, 16))
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_out_of_contacts() {
        let check = |raw: &str, expected: Option<&str>| {
            assert_eq!(byline_name(raw).as_deref(), expected, "{raw:?}")
        };
        check("Maya Okonkwo", Some("Maya Okonkwo"));
        check("(Tom&#225;s Reyes)", Some("Tomás Reyes"));
        check("desk@herald.example (Tomás Reyes)", Some("Tomás Reyes"));
        check("desk@herald.example", None);
        check("  ", None);
        check("()", None);
        check("Smith (Reuters", Some("Smith (Reuters"));
    }
}
