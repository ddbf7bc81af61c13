//! [`parse_opml`]: the feed subscriptions listed in an OPML document (any version, or none);
//! [`write_opml`]: a subscription list as an OPML 2.0 document that [`parse_opml`] and other
//! readers take back.
//!
//! Readers export OPML with nested folders, with or without a `version`, with `xmlUrl` spelled
//! in various cases and titles in `title` or `text`. We walk every `<outline>` at any depth and
//! keep those that carry a feed URL; folders themselves are not subscriptions.

use std::collections::HashSet;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::reader::Reader;
use quick_xml::writer::Writer;
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

/// `feeds` as an OPML 2.0 document titled `title`, created at `created` (RFC 822 date, as
/// OPML asks), one `<outline type="rss">` per feed with its URL as `xmlUrl` and its title as
/// `text` and `title` (the URL when it has none: OPML requires `text`). quick-xml escapes
/// every attribute, so any title or URL reads back as written.
pub fn write_opml(title: &str, created: &str, feeds: &[OpmlOutline]) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer.write_event(Event::Start(
            BytesStart::new("opml").with_attributes([("version", "2.0")]),
        ))?;
        writer.write_event(Event::Start(BytesStart::new("head")))?;
        for (name, value) in [("title", title), ("dateCreated", created)] {
            writer.write_event(Event::Start(BytesStart::new(name)))?;
            writer.write_event(Event::Text(BytesText::new(value)))?;
            writer.write_event(Event::End(BytesEnd::new(name)))?;
        }
        writer.write_event(Event::End(BytesEnd::new("head")))?;
        writer.write_event(Event::Start(BytesStart::new("body")))?;
        for feed in feeds {
            let text = feed.title.as_deref().unwrap_or(&feed.url);
            let mut outline = BytesStart::new("outline");
            outline.push_attribute(("type", "rss"));
            outline.push_attribute(("text", text));
            if let Some(title) = &feed.title {
                outline.push_attribute(("title", title.as_str()));
            }
            outline.push_attribute(("xmlUrl", feed.url.as_str()));
            writer.write_event(Event::Empty(outline))?;
        }
        writer.write_event(Event::End(BytesEnd::new("body")))?;
        writer.write_event(Event::End(BytesEnd::new("opml")))?;
        Ok(())
    })();
    // Writing into a Vec cannot fail.
    written.expect("an OPML document is written into memory");
    let mut document = String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8");
    document.push('\n');
    document
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
    // OPML requires `text`; exporters (ours included) fill it with the URL when a feed has
    // no title, and a URL is not a title.
    let title = title.or(text).filter(|title| *title != feed_url);
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
        title: title.map(|title| decode_plain_text(&title)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_subscriptions_read_back_as_they_were() {
        let feeds = vec![
            OpmlOutline {
                url: "https://news.example/rss?section=world&format=xml".to_string(),
                title: Some("World & \"Region\" <news> — Kelmouth".to_string()),
            },
            OpmlOutline {
                url: "https://other.example/feed.atom".to_string(),
                title: None,
            },
        ];
        let document = write_opml(
            "Storyline subscriptions",
            "Mon, 07 Dec 2026 10:00:00 GMT",
            &feeds,
        );
        assert!(document.contains(r#"<opml version="2.0">"#), "{document}");
        assert!(
            document.contains("section=world&amp;format=xml"),
            "{document}"
        );
        // The untitled feed's `text` is its URL, which reads back as no title.
        assert_eq!(
            parse_opml("export.opml", document.as_bytes()).unwrap(),
            feeds
        );
    }
}
