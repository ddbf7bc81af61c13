//! [`parse_opml`]: the feed subscriptions listed in an OPML document (any version, or none).
//!
//! Readers export OPML with nested folders, with or without a `version`, with `xmlUrl` spelled
//! in various cases and titles in `title` or `text`. We walk every `<outline>` at any depth and
//! keep those that carry a feed URL; folders themselves are not subscriptions.

use std::collections::HashSet;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use url::Url;

use crate::error::{FeedError, one_line_reason};
use crate::text::decode_plain_text;

/// One subscription from an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlOutline {
    /// The feed URL (`xmlUrl`), made absolute when the document's own location allows.
    pub url: String,
    /// The outline's `title`, or else its `text`.
    pub title: Option<String>,
}

/// Lists the feeds in an OPML document, in document order, each URL once. `source` names the
/// document in errors and is the base for relative `xmlUrl`s when it is a URL.
pub fn parse_opml(source: &str, bytes: &[u8]) -> Result<Vec<OpmlOutline>, FeedError> {
    let malformed = |reason: String| FeedError::MalformedOpml {
        origin: source.to_string(),
        reason: one_line_reason(&reason),
    };
    let base = Url::parse(source).ok();
    // Decoded first (BOM, UTF-8 validity, the XML declaration): quick-xml reads UTF-8 only.
    let text = storyline_extract::decode_feed(bytes, None);
    let text = crate::feed::without_inner_xml_declarations(&text);
    let mut reader = Reader::from_reader(text.as_bytes());
    let mut buffer = Vec::new();
    let mut open_elements: Vec<String> = Vec::new();
    let mut saw_root = false;
    let mut outlines: Vec<OpmlOutline> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();

    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| malformed(format!("{error} at byte {}", reader.error_position())))?;
        match event {
            Event::Start(element) | Event::Empty(element)
                if open_elements.is_empty() && saw_root =>
            {
                let name = local_name(&element);
                return Err(malformed(format!(
                    "a second root element <{name}> at byte {}",
                    reader.buffer_position()
                )));
            }
            Event::Start(element) => {
                let name = local_name(&element);
                check_root(source, &mut saw_root, &open_elements, &name)?;
                if name.eq_ignore_ascii_case("outline") {
                    collect_outline(&element, base.as_ref(), &mut outlines, &mut seen);
                }
                open_elements.push(name);
            }
            Event::Empty(element) => {
                let name = local_name(&element);
                check_root(source, &mut saw_root, &open_elements, &name)?;
                if name.eq_ignore_ascii_case("outline") {
                    collect_outline(&element, base.as_ref(), &mut outlines, &mut seen);
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the end tag matches the open one.
                open_elements.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }

    if let Some(unclosed) = open_elements.last() {
        return Err(malformed(format!(
            "document ends inside <{unclosed}>, it is truncated"
        )));
    }
    if !saw_root {
        return Err(malformed("no root element".to_string()));
    }
    Ok(outlines)
}

fn local_name(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_string()
}

fn check_root(
    source: &str,
    saw_root: &mut bool,
    open_elements: &[String],
    name: &str,
) -> Result<(), FeedError> {
    if !open_elements.is_empty() {
        return Ok(());
    }
    *saw_root = true;
    if name.eq_ignore_ascii_case("opml") {
        Ok(())
    } else {
        Err(FeedError::NotOpml {
            origin: source.to_string(),
            root: name.to_string(),
        })
    }
}

/// Adds the outline if it names a feed URL not seen before.
fn collect_outline(
    element: &BytesStart<'_>,
    base: Option<&Url>,
    outlines: &mut Vec<OpmlOutline>,
    seen: &mut HashSet<String>,
) {
    let mut feed_url = None;
    let mut title = None;
    let mut text = None;
    for attribute in element.attributes().flatten() {
        let key = attribute.key.local_name().as_ref().to_ascii_lowercase();
        let value = match attribute.normalized_value(XmlVersion::Implicit1_0) {
            Ok(value) => value.into_owned(),
            // Exporters write HTML entities such as `&eacute;` that XML does not define.
            Err(_) => decode_plain_text(&attribute.value),
        };
        let value = value.trim().to_string();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "xmlurl" => feed_url = Some(value),
            "title" => title = Some(value),
            "text" => text = Some(value),
            _ => {}
        }
    }
    let Some(feed_url) = feed_url else {
        return;
    };
    let url = match base.map(|base| base.join(&feed_url)) {
        Some(Ok(absolute)) => absolute.to_string(),
        _ => feed_url,
    };
    // A set, not a scan of the list: an OPML file of 20,000 outlines is anyone's to send.
    if !seen.insert(url.clone()) {
        return;
    }
    outlines.push(OpmlOutline {
        url,
        title: title.or(text).map(|title| decode_plain_text(&title)),
    });
}
