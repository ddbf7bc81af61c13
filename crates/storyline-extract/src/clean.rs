//! Removes page furniture (captions, related-story lists, share bars, newsletter boxes,
//! comments, navigation...) from the parsed page before Readability scores it.
//!
//! Readability keeps whatever sits inside the container it picks, so boilerplate nested in
//! the article container survives it. The rules here are generic to the web: HTML elements
//! that are never prose (`figcaption`, `nav`, `aside`...), ARIA roles, the `hidden` flags,
//! the class and id vocabulary that sites use for furniture (matched on whole words of the
//! class tokens, so `sharedStory` or `commentary` do not match), and lists made only of links.
//! One safety rule overrides them all: an element that holds a large share of the page's
//! paragraph text is kept, whatever its name says (a site may wrap its article in a
//! `<form>` or a `comments-enabled` container).

use dom_query::{Document, NodeRef};
use std::collections::HashSet;
use std::sync::LazyLock;

/// An element holding more than this share of the page's paragraph text is never removed.
const MAX_REMOVED_SHARE: f64 = 0.3;

/// An element holding more than this share of the page's unlinked text is never removed.
const MAX_REMOVED_PROSE_SHARE: f64 = 0.2;

/// Elements that are never article prose.
const FURNITURE_TAGS: &[&str] = &[
    "aside",
    "nav",
    "footer",
    "form",
    "button",
    "figcaption",
    "select",
    "textarea",
    "dialog",
    "menu",
];

/// ARIA roles of furniture landmarks and widgets.
const FURNITURE_ROLES: &[&str] = &[
    "complementary",
    "navigation",
    "contentinfo",
    "banner",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
    "toolbar",
    "button",
];

/// Whole words of class and id tokens that name furniture. Words, not substrings: `share`
/// matches `share-bar` and `socialShare` but not `shared` or `shareholders`.
const FURNITURE_WORDS: &[&str] = &[
    "caption",
    "captions",
    "credit",
    "credits",
    "related",
    "share",
    "sharing",
    "sharebar",
    "social",
    "newsletter",
    "newsletters",
    "promo",
    "promos",
    "recommend",
    "recommended",
    "recommendation",
    "recommendations",
    "popular",
    "trending",
    "subscribe",
    "subscription",
    "advert",
    "adverts",
    "advertisement",
    "advertising",
    "ad",
    "ads",
    "sponsor",
    "sponsored",
    "comment",
    "comments",
    "tags",
    "outbrain",
    "taboola",
    "slideshow",
    "carousel",
    "timestamp",
    "sidebar",
    "widget",
    "popup",
    "modal",
    "cookie",
    "consent",
    "bio",
];

/// Two consecutive words of a class or id token that name furniture.
const FURNITURE_WORD_PAIRS: &[(&str, &str)] = &[
    ("most", "read"),
    ("most", "popular"),
    ("author", "bio"),
    ("author", "box"),
    ("author", "info"),
    ("author", "profile"),
    ("about", "author"),
    ("also", "like"),
    ("more", "stories"),
    ("tag", "list"),
    ("sr", "only"),
    ("visually", "hidden"),
    ("screen", "reader"),
];

static FURNITURE_WORD_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| FURNITURE_WORDS.iter().copied().collect());

/// Removes the furniture elements from the body of `document`, in one walk over it.
pub(crate) fn remove_boilerplate(document: &Document) {
    let Some(body) = document.body() else {
        return;
    };
    let total = measure_text(&body);
    let paragraph_limit = total.paragraph as f64 * MAX_REMOVED_SHARE;
    let prose_limit = total.prose as f64 * MAX_REMOVED_PROSE_SHARE;
    let mut doomed: Vec<NodeRef<'_>> = Vec::new();
    let mut stack: Vec<NodeRef<'_>> = body.children_it(true).collect();
    while let Some(node) = stack.pop() {
        if !node.is_element() {
            continue;
        }
        if is_furniture(&node) {
            // Pages that write paragraphs as `<div>`s and `<br>`s have little `<p>` text,
            // so unlinked text in general is measured as well.
            let held = measure_text(&node);
            if held.paragraph as f64 <= paragraph_limit && held.prose as f64 <= prose_limit {
                // Nothing inside needs looking at: it all goes.
                doomed.push(node);
                continue;
            }
        }
        stack.extend(node.children_it(true));
    }
    for node in doomed {
        if is_link_list(&node)
            && let Some(heading) = node.prev_element_sibling()
            && is_heading(&heading)
        {
            // The "Related stories" title of a list that goes.
            heading.remove_from_parent();
        }
        node.remove_from_parent();
    }
}

fn is_furniture(node: &NodeRef<'_>) -> bool {
    let Some(name) = node.node_name() else {
        return false;
    };
    let name = name.as_ref();
    if matches!(name, "html" | "body" | "main") {
        return false;
    }
    if FURNITURE_TAGS.contains(&name) {
        return true;
    }
    if node.has_attr("hidden")
        || node
            .attr("aria-hidden")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return true;
    }
    if let Some(role) = node.attr("role")
        && role
            .split_ascii_whitespace()
            .any(|r| FURNITURE_ROLES.iter().any(|f| r.eq_ignore_ascii_case(f)))
    {
        return true;
    }
    let names_furniture = |attr: &str| {
        node.attr(attr)
            .is_some_and(|value| value.split_ascii_whitespace().any(token_names_furniture))
    };
    if names_furniture("class") || names_furniture("id") {
        return true;
    }
    is_link_list(node)
}

/// True when a class or id token, split into words (`related-stories`, `most_read`,
/// `socialShareBar`), contains a furniture word or pair of words.
fn token_names_furniture(token: &str) -> bool {
    let words = split_words(token);
    words
        .iter()
        .any(|w| FURNITURE_WORD_SET.contains(w.as_str()))
        || words.windows(2).any(|pair| {
            FURNITURE_WORD_PAIRS
                .iter()
                .any(|(a, b)| pair[0] == *a && pair[1] == *b)
        })
}

/// Lower-case words of an identifier: split on punctuation, digits and camelCase humps.
fn split_words(token: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in token.chars() {
        if !c.is_alphabetic() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A `<ul>` or `<ol>` of two items or more whose every item's text is all link text: a
/// list of related stories, tags or sections, never prose.
fn is_link_list(node: &NodeRef<'_>) -> bool {
    if !(node.has_name("ul") || node.has_name("ol")) {
        return false;
    }
    let items: Vec<NodeRef<'_>> = node
        .element_children()
        .into_iter()
        .filter(|child| child.has_name("li"))
        .collect();
    items.len() >= 2
        && items.iter().all(|item| {
            let all = visible_chars(&item.text());
            let linked: usize = item
                .descendants_it()
                .filter(|d| d.has_name("a"))
                .map(|a| visible_chars(&a.text()))
                .sum();
            all > 0 && linked * 10 >= all * 9
        })
}

fn is_heading(node: &NodeRef<'_>) -> bool {
    ["h1", "h2", "h3", "h4", "h5", "h6"]
        .iter()
        .any(|h| node.has_name(h))
}

/// How much text an element holds, in non-space characters.
#[derive(Debug, Clone, Copy, Default)]
struct TextMeasure {
    /// Inside `<p>` elements (links included).
    paragraph: usize,
    /// Outside links, scripts and styles: the text a reader reads rather than clicks.
    prose: usize,
}

/// Measures the text under `node` (itself included) in one walk of its subtree.
fn measure_text(node: &NodeRef<'_>) -> TextMeasure {
    let mut measure = TextMeasure::default();
    // (node, inside a <p>, inside a link)
    let mut stack = vec![(*node, false, false)];
    while let Some((current, in_paragraph, in_link)) = stack.pop() {
        if current.is_text() {
            let chars = visible_chars(&current.text());
            if in_paragraph {
                measure.paragraph += chars;
            }
            if !in_link {
                measure.prose += chars;
            }
            continue;
        }
        if ["script", "style", "noscript", "template"]
            .iter()
            .any(|skipped| current.has_name(skipped))
        {
            continue;
        }
        let in_paragraph = in_paragraph || current.has_name("p");
        let in_link = in_link || current.has_name("a");
        stack.extend(
            current
                .children_it(false)
                .map(|child| (child, in_paragraph, in_link)),
        );
    }
    measure
}

fn visible_chars(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_tokens_split_into_words() {
        let check = |token: &str, expected: bool| {
            assert_eq!(token_names_furniture(token), expected, "token {token:?}");
        };
        check("related-stories", true);
        check("socialShareBar", true);
        check("most_read", true);
        check("story-caption", true);
        check("authorBio", true);
        check("shared-content", false);
        check("commentary", false);
        check("article-body", false);
        check("mostly-readable", false);
        check("headline", false);
        check("", false);
    }
}
