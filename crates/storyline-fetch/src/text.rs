//! Turns the HTML snippets found in feed titles and descriptions into plain text.
//!
//! Feed descriptions are small, often sloppy HTML fragments; a full HTML parser would be more
//! than they need. This is a forgiving tag stripper: markup goes, the text of `script`/`style`
//! and comments goes, block boundaries become spaces, entities are decoded, whitespace is
//! collapsed. A `<` that cannot start a tag ("a < b") is kept as text.

/// Elements whose content is never reader-visible text.
const HIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "svg", "head",
];

/// Elements that separate words when rendered; inline ones (`b`, `a`, `span`) do not.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Plain text of an HTML fragment, on one line.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let tag_and_after = &rest[open..];
        match skip_markup(tag_and_after) {
            Some((consumed, separates_words)) => {
                if separates_words {
                    text.push(' ');
                }
                rest = &tag_and_after[consumed..];
            }
            None => {
                text.push('<');
                rest = &tag_and_after[1..];
            }
        }
    }
    text.push_str(rest);
    collapse_whitespace(&html_escape::decode_html_entities(&text))
}

/// Plain text that may still carry entities (feeds often escape titles twice), on one line.
pub(crate) fn decode_plain_text(text: &str) -> String {
    collapse_whitespace(&html_escape::decode_html_entities(text))
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// If `input` (which starts with `<`) opens a comment, declaration or tag, returns how many
/// bytes it spans (including the content of hidden elements) and whether it separates words.
fn skip_markup(input: &str) -> Option<(usize, bool)> {
    if let Some(comment) = input.strip_prefix("<!--") {
        let end = comment.find("-->").map_or(input.len(), |at| 4 + at + 3);
        return Some((end, false));
    }
    let after_bracket = input[1..].chars().next()?;
    if after_bracket == '!' || after_bracket == '?' {
        let end = input.find('>').map_or(input.len(), |at| at + 1);
        return Some((end, false));
    }
    let closing = after_bracket == '/';
    let name_start = if closing { 2 } else { 1 };
    let name: String = input[name_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let tag_end = find_tag_end(input, name_start + name.len());
    let is_block = BLOCK_ELEMENTS.contains(&name.as_str());
    if !closing && HIDDEN_ELEMENTS.contains(&name.as_str()) && !input[..tag_end].ends_with("/>") {
        let end = find_closing_tag(input, tag_end, &name);
        return Some((end, true));
    }
    Some((tag_end, is_block))
}

/// The byte after the `>` that ends the tag starting at `input`, skipping quoted attribute
/// values (which may contain `>`); the end of input if the tag never closes.
fn find_tag_end(input: &str, from: usize) -> usize {
    let mut quote: Option<char> = None;
    for (offset, c) in input[from..].char_indices() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return from + offset + 1,
            (None, _) => {}
        }
    }
    input.len()
}

/// The byte after `</name ...>` at or after `from`; the end of input if it never closes.
fn find_closing_tag(input: &str, from: usize, name: &str) -> usize {
    let lowered = input.to_ascii_lowercase();
    let needle = format!("</{name}");
    match lowered[from..].find(&needle) {
        Some(at) => find_tag_end(input, from + at + needle.len()),
        None => input.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str, expected: &str) {
        assert_eq!(html_to_text(html), expected, "input: {html:?}");
    }

    #[test]
    fn strips_markup_and_decodes_entities() {
        check(
            "<p>Rates rise &amp; markets fall</p>",
            "Rates rise & markets fall",
        );
        check("<p>One</p><p>Two</p>", "One Two");
        check("Line<br>break<br/>here", "Line break here");
        check("<b>Bold</b>ly <a href=\"/x\">linked</a>", "Boldly linked");
        check("a < b and c > d", "a < b and c > d");
        check("x<3", "x<3");
        check("&lt;script&gt; is text here", "<script> is text here");
        check("caf&eacute; &#8212; &#x2019;s&nbsp;menu", "café — ’s menu");
        check("<img src=\"a.jpg\" alt=\"x > y\">Caption", "Caption");
        check("Kept<!-- hidden comment -->text", "Kepttext");
        check("<script>alert('x < y')</script>Safe", "Safe");
        check(
            "<STYLE type=text/css>p{color:red}</STYLE><P>Shown</P>",
            "Shown",
        );
        check("<script src=x.js/>After", "After");
        check("  spaced \n\t out  ", "spaced out");
        check("<p>Unclosed <b", "Unclosed");
        check("<script>never closed", "");
        check("", "");
    }

    #[test]
    fn plain_text_only_decodes_entities() {
        assert_eq!(decode_plain_text("Q&amp;A: a <b> c"), "Q&A: a <b> c");
        assert_eq!(decode_plain_text("AT&T  profits"), "AT&T profits");
    }
}
