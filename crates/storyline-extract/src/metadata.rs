//! Article metadata from markup: JSON-LD, `<meta>` tags, microdata, `<time>`, links and the
//! URL.
//!
//! Each field has its own list of sources in order of trust; the first source that yields a
//! usable value wins. Structured data the publisher wrote for machines (JSON-LD, Open Graph)
//! comes before visible markup, and visible markup before guesses from the URL.

use crate::dates::{date_from_url, parse_date};
use crate::people::{clean_authors, outlet_of_host, same_outlet};
use chrono::{DateTime, Utc};
use dom_query::{Document, Element, NodeData, NodeRef, local_name};
use serde_json::Value;
use std::collections::HashMap;
use url::Url;

/// What the markup says about the article, before the body is known.
#[derive(Debug, Default)]
pub(crate) struct PageMetadata {
    pub headline: Option<String>,
    pub description: Option<String>,
    pub author: Vec<String>,
    pub date_published: Option<DateTime<Utc>>,
    pub date_modified: Option<DateTime<Utc>>,
    pub in_language: Option<String>,
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub image: Option<String>,
}

const PUBLISHED_META_KEYS: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "cxenseparse:recs:publishtime",
];

const MODIFIED_META_KEYS: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "og:modified_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "lastmod",
    "article.updated",
];

const AUTHOR_META_KEYS: &[&str] = &[
    "author",
    "article:author",
    "byl",
    "sailthru.author",
    "parsely-author",
    "dc.creator",
    "dcterms.creator",
];

/// schema.org types whose JSON-LD object describes the article itself.
const ARTICLE_TYPES: &[&str] = &[
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "askpublicnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "scholarlyarticle",
    "techarticle",
    "report",
];

/// Reads every metadata field from a parsed page. `page_url` is the address the page was
/// fetched from, used to resolve relative links and as the last source of the date.
pub(crate) fn collect(document: &Document, page_url: Option<&Url>) -> PageMetadata {
    let page = PageIndex::build(document);
    let meta = &page.meta;
    let json_ld = JsonLdArticle::read(&page.json_ld_scripts);

    let publisher = meta
        .first(&["og:site_name"])
        .or_else(|| json_ld.publisher.clone())
        .or_else(|| {
            meta.first(&["application-name", "twitter:site"])
                .filter(|s| !s.starts_with('@'))
        })
        .map(|s| collapse(&s))
        .filter(|s| !s.is_empty());

    let canonical = page
        .canonical_link
        .iter()
        .cloned()
        .chain(meta.first(&["og:url"]))
        .find_map(|candidate| resolve(&candidate, page_url));
    let base = page_url
        .cloned()
        .or_else(|| canonical.as_deref().and_then(|c| Url::parse(c).ok()));

    let raw_headline = meta
        .first(&["og:title"])
        .or_else(|| json_ld.headline.clone())
        .or_else(|| meta.first(&["twitter:title"]))
        .or_else(|| first_text(page.headings.iter().filter(|h| in_main_content(h))))
        .or_else(|| first_text(page.headings.iter()))
        .or_else(|| first_text(page.titles.iter()));
    let headline = raw_headline
        .map(|h| strip_site_name(&collapse(&h), publisher.as_deref(), base.as_ref()))
        .filter(|h| !h.is_empty());

    let description = meta
        .first(&["og:description", "description", "twitter:description"])
        .or_else(|| json_ld.description.clone())
        .map(|d| collapse(&d))
        .filter(|d| !d.is_empty());

    let date_published = json_ld
        .date_published
        .as_deref()
        .and_then(parse_date)
        .or_else(|| meta.first_date(PUBLISHED_META_KEYS))
        .or_else(|| time_element_date(&page.times))
        .or_else(|| canonical.as_deref().and_then(date_from_url))
        .or_else(|| page_url.and_then(|u| date_from_url(u.as_str())));

    let date_modified = json_ld
        .date_modified
        .as_deref()
        .and_then(parse_date)
        .or_else(|| meta.first_date(MODIFIED_META_KEYS));

    let author = authors(&page.bylines, meta, &json_ld, publisher.as_deref());

    let in_language = page
        .root_language
        .as_deref()
        .and_then(primary_language)
        .or_else(|| {
            meta.first(&["og:locale"])
                .and_then(|l| primary_language(&l))
        })
        .or_else(|| {
            meta.first(&["content-language", "language", "dc.language"])
                .and_then(|l| primary_language(&l))
        })
        .or_else(|| json_ld.in_language.as_deref().and_then(primary_language));

    let image = meta
        .first(&[
            "og:image",
            "og:image:url",
            "og:image:secure_url",
            "twitter:image",
            "twitter:image:src",
        ])
        .or_else(|| json_ld.image.clone())
        .and_then(|i| resolve(&i, base.as_ref()));

    PageMetadata {
        headline,
        description,
        author,
        date_published,
        date_modified,
        in_language,
        publisher,
        url: canonical.or_else(|| page_url.map(|u| u.to_string())),
        image,
    }
}

/// `<meta>` tags and microdata values, keyed by lower-cased `property`, `name`, `itemprop`
/// or `http-equiv`, in document order.
struct MetaTags {
    values: HashMap<String, Vec<String>>,
}

impl MetaTags {
    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .find_map(|key| self.values.get(*key).and_then(|v| v.first()))
            .cloned()
    }

    fn all(&self, key: &str) -> &[String] {
        self.values.get(key).map_or(&[], Vec::as_slice)
    }

    fn first_date(&self, keys: &[&str]) -> Option<DateTime<Utc>> {
        keys.iter()
            .flat_map(|key| self.all(key))
            .find_map(|value| parse_date(value))
    }
}

/// The fields we use from the page's JSON-LD article object.
#[derive(Debug, Default)]
struct JsonLdArticle {
    headline: Option<String>,
    description: Option<String>,
    date_published: Option<String>,
    date_modified: Option<String>,
    authors: Vec<String>,
    publisher: Option<String>,
    image: Option<String>,
    in_language: Option<String>,
}

impl JsonLdArticle {
    fn read(scripts: &[NodeRef]) -> Self {
        let mut nodes: Vec<Value> = Vec::new();
        for script in scripts {
            if let Some(value) = parse_lenient_json(&script.text()) {
                flatten_nodes(value, &mut nodes, 0);
            }
        }
        let by_id: HashMap<String, &Value> = nodes
            .iter()
            .filter_map(|n| Some((n.get("@id")?.as_str()?.to_string(), n)))
            .collect();
        let article = nodes
            .iter()
            .find(|n| has_type(n, ARTICLE_TYPES))
            .or_else(|| {
                nodes
                    .iter()
                    .find(|n| n.get("headline").is_some() || n.get("datePublished").is_some())
            });
        let Some(article) = article else {
            return JsonLdArticle::default();
        };
        let resolve_ref = |value: &Value| -> Value {
            match value
                .get("@id")
                .and_then(Value::as_str)
                .and_then(|id| by_id.get(id))
            {
                Some(target) if value.as_object().is_some_and(|o| o.len() == 1) => {
                    (*target).clone()
                }
                _ => value.clone(),
            }
        };
        let mut authors = Vec::new();
        if let Some(author) = article.get("author").or_else(|| article.get("creator")) {
            let list = match author {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            for item in list {
                if let Some(name) = name_of(&resolve_ref(&item)) {
                    authors.push(name);
                }
            }
        }
        let publisher = article
            .get("publisher")
            .map(|p| match p {
                Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .and_then(|p| name_of(&resolve_ref(&p)));
        JsonLdArticle {
            headline: string_field(article, "headline").or_else(|| string_field(article, "name")),
            description: string_field(article, "description"),
            date_published: string_field(article, "datePublished")
                .or_else(|| string_field(article, "dateCreated")),
            date_modified: string_field(article, "dateModified"),
            authors,
            publisher,
            image: article.get("image").and_then(|i| url_of(&resolve_ref(i))),
            in_language: article.get("inLanguage").and_then(|l| match l {
                Value::String(s) => Some(s.clone()),
                other => {
                    string_field(other, "alternateName").or_else(|| string_field(other, "name"))
                }
            }),
        }
    }
}

/// Parses JSON-LD as publishers write it: sometimes wrapped in CDATA or comments, sometimes
/// with raw newlines inside strings (invalid JSON that browsers' consumers tolerate).
fn parse_lenient_json(text: &str) -> Option<Value> {
    let trimmed = text
        .trim()
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("]]>")
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim()
        .trim_end_matches(';');
    serde_json::from_str(trimmed).ok().or_else(|| {
        let repaired: String = trimmed
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&repaired).ok()
    })
}

/// Collects the objects of a JSON-LD value: arrays, `@graph` members and `mainEntity`
/// children, depth-limited because the JSON comes from the page.
fn flatten_nodes(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                flatten_nodes(item, out, depth + 1);
            }
        }
        Value::Object(mut object) => {
            if let Some(graph) = object.remove("@graph") {
                flatten_nodes(graph, out, depth + 1);
            }
            if let Some(main) = object.get("mainEntity").filter(|m| m.is_object()).cloned() {
                flatten_nodes(main, out, depth + 1);
            }
            out.push(Value::Object(object));
        }
        _ => {}
    }
}

fn has_type(node: &Value, types: &[&str]) -> bool {
    let matches = |t: &Value| {
        t.as_str().is_some_and(|t| {
            let t = t
                .rsplit(['/', ':'])
                .next()
                .unwrap_or(t)
                .to_ascii_lowercase();
            types.contains(&t.as_str())
        })
    };
    match node.get("@type") {
        Some(Value::Array(items)) => items.iter().any(matches),
        Some(t) => matches(t),
        None => false,
    }
}

fn string_field(node: &Value, key: &str) -> Option<String> {
    match node.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Array(items) => items.iter().find_map(Value::as_str).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(_) => string_field(value, "name").or_else(|| {
            let given = string_field(value, "givenName")?;
            Some(match string_field(value, "familyName") {
                Some(family) => format!("{given} {family}"),
                None => given,
            })
        }),
        _ => None,
    }
}

fn url_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(url_of),
        Value::Object(_) => {
            string_field(value, "url").or_else(|| string_field(value, "contentUrl"))
        }
        _ => None,
    }
}

/// Classes that mark a visible byline on many CMSs.
const BYLINE_CLASSES: &[&str] = &[
    "byline",
    "byline-name",
    "author-name",
    "article-author",
    "author",
    "autor",
];

/// Everything the metadata sources read from the tree, gathered in one walk in document
/// order: one traversal instead of a selector query per source.
struct PageIndex<'a> {
    meta: MetaTags,
    json_ld_scripts: Vec<NodeRef<'a>>,
    /// The `href` of the first `<link rel=canonical>`.
    canonical_link: Option<String>,
    headings: Vec<NodeRef<'a>>,
    titles: Vec<NodeRef<'a>>,
    times: Vec<NodeRef<'a>>,
    bylines: Vec<NodeRef<'a>>,
    /// `lang` (else `xml:lang`) of the root element.
    root_language: Option<String>,
}

impl<'a> PageIndex<'a> {
    fn build(document: &'a Document) -> Self {
        let root = document.root();
        let root_language = root.first_element_child().and_then(|html| {
            html.query(|node| {
                let element = node.as_element()?;
                attr(element, "lang")
                    .or_else(|| attr(element, "xml:lang"))
                    .map(str::to_string)
            })
            .flatten()
        });
        let mut index = PageIndex {
            meta: MetaTags {
                values: HashMap::new(),
            },
            json_ld_scripts: Vec::new(),
            canonical_link: None,
            headings: Vec::new(),
            titles: Vec::new(),
            times: Vec::new(),
            bylines: Vec::new(),
            root_language,
        };
        // Microdata values rank after every `<meta>` tag of the same key, wherever they sit.
        let mut microdata: Vec<(String, String)> = Vec::new();
        for node in root.descendants_it() {
            node.query(|tree_node| {
                if let NodeData::Element(element) = &tree_node.data {
                    index.visit(node, element, &mut microdata);
                }
            });
        }
        for (key, value) in microdata {
            index.meta.values.entry(key).or_default().push(value);
        }
        index
    }

    fn visit(
        &mut self,
        node: NodeRef<'a>,
        element: &Element,
        microdata: &mut Vec<(String, String)>,
    ) {
        let name = &element.name.local;
        let itemprop = attr(element, "itemprop");
        if *name == local_name!("meta") {
            if let Some(content) = attr(element, "content")
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                for key_attr in ["property", "name", "itemprop", "http-equiv"] {
                    // `property` may hold several space-separated RDFa terms.
                    for key in attr(element, key_attr)
                        .into_iter()
                        .flat_map(str::split_whitespace)
                    {
                        self.meta
                            .values
                            .entry(key.to_lowercase())
                            .or_default()
                            .push(content.to_string());
                    }
                }
            }
        } else if let Some(keys) = itemprop {
            let value = attr(element, "content")
                .or_else(|| attr(element, "datetime"))
                .map(str::trim)
                .filter(|v| !v.is_empty());
            if let Some(value) = value {
                for key in keys.split_whitespace() {
                    microdata.push((key.to_lowercase(), value.to_string()));
                }
            }
        }
        if *name == local_name!("script") {
            let is_json_ld = attr(element, "type").is_some_and(|t| {
                t.trim()
                    .as_bytes()
                    .get(..JSON_LD_TYPE.len())
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case(JSON_LD_TYPE))
            });
            if is_json_ld {
                self.json_ld_scripts.push(node);
            }
        } else if *name == local_name!("link") {
            if self.canonical_link.is_none()
                && let (Some(rel), Some(href)) = (attr(element, "rel"), attr(element, "href"))
                && rel
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("canonical"))
            {
                self.canonical_link = Some(href.to_string());
            }
        } else if *name == local_name!("title") {
            self.titles.push(node);
        } else if *name == local_name!("h1") {
            self.headings.push(node);
        } else if *name == local_name!("time") {
            self.times.push(node);
        }
        if is_byline_element(element, itemprop) {
            self.bylines.push(node);
        }
    }
}

const JSON_LD_TYPE: &[u8] = b"application/ld+json";

/// `a[rel~=author]`, `[itemprop~=author]` or one of [`BYLINE_CLASSES`] (`rel` compares
/// case-insensitively in HTML, `itemprop` and classes exactly, as in CSS).
fn is_byline_element(element: &Element, itemprop: Option<&str>) -> bool {
    if element.name.local == local_name!("a")
        && attr(element, "rel").is_some_and(|rel| {
            rel.split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("author"))
        })
    {
        return true;
    }
    if itemprop.is_some_and(|p| p.split_whitespace().any(|p| p == "author")) {
        return true;
    }
    attr(element, "class").is_some_and(|classes| {
        classes
            .split_ascii_whitespace()
            .any(|c| BYLINE_CLASSES.contains(&c))
    })
}

/// The value of attribute `name` (by local name, as HTML attributes have no namespace).
fn attr<'e>(element: &'e Element, name: &str) -> Option<&'e str> {
    element
        .attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

/// All author sources, in order of trust; the first that yields a clean name wins.
fn authors(
    bylines: &[NodeRef],
    meta: &MetaTags,
    json_ld: &JsonLdArticle,
    publisher: Option<&str>,
) -> Vec<String> {
    let from_json_ld = clean_authors(&json_ld.authors, publisher);
    if !from_json_ld.is_empty() {
        return from_json_ld;
    }
    for key in AUTHOR_META_KEYS {
        let found = clean_authors(meta.all(key), publisher);
        if !found.is_empty() {
            return found;
        }
    }
    let mut visible = Vec::new();
    for element in bylines {
        if inside(element, &["footer", "nav", "aside"]) || in_comment_section(element) {
            continue;
        }
        let name = element
            .descendants_it()
            .find(|d| {
                d.query_or(false, |n| {
                    n.as_element()
                        .and_then(|e| attr(e, "itemprop"))
                        .is_some_and(|p| p.split_whitespace().any(|p| p == "name"))
                })
            })
            .map_or_else(|| element_text(element), |n| element_text(&n));
        visible.push(name);
    }
    clean_authors(&visible, publisher)
}

fn in_comment_section(node: &NodeRef) -> bool {
    let mentions_comment = |value: Option<&str>| {
        value.is_some_and(|v| {
            v.as_bytes()
                .windows(b"comment".len())
                .any(|w| w.eq_ignore_ascii_case(b"comment"))
        })
    };
    node.ancestors_it(None).any(|a| {
        a.query_or(false, |n| {
            n.as_element().is_some_and(|e| {
                mentions_comment(attr(e, "id")) || mentions_comment(attr(e, "class"))
            })
        })
    })
}

fn inside(node: &NodeRef, names: &[&str]) -> bool {
    node.ancestors_it(None).any(|a| {
        a.query_or(false, |n| {
            n.as_element()
                .is_some_and(|e| names.contains(&&*e.name.local))
        })
    })
}

/// Inside `<article>`, `<main>` or `[role=main]`.
fn in_main_content(node: &NodeRef) -> bool {
    node.ancestors_it(None).any(|a| {
        a.query_or(false, |n| {
            n.as_element().is_some_and(|e| {
                matches!(&*e.name.local, "article" | "main") || attr(e, "role") == Some("main")
            })
        })
    })
}

/// The date of a `<time>` element: one marked `pubdate` or `itemprop=datePublished` first,
/// then one inside `<article>`, then any outside page chrome (header clocks, footers).
fn time_element_date(times: &[NodeRef]) -> Option<DateTime<Utc>> {
    let value = |t: &NodeRef| -> Option<DateTime<Utc>> {
        t.attr("datetime")
            .and_then(|d| parse_date(&d))
            .or_else(|| parse_date(&element_text(t)))
    };
    let marked = times.iter().filter(|t| {
        t.has_attr("pubdate")
            || t.attr("itemprop")
                .is_some_and(|p| p.eq_ignore_ascii_case("datePublished"))
    });
    let in_article = times.iter().filter(|t| inside(t, &["article"]));
    let elsewhere = times
        .iter()
        .filter(|t| !inside(t, &["header", "nav", "footer", "aside"]) || inside(t, &["article"]));
    marked
        .chain(in_article)
        .chain(elsewhere)
        .filter(|t| !in_comment_section(t))
        .find_map(value)
}

/// Resolves a possibly relative link; `None` unless the result is http(s).
fn resolve(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = match base {
        Some(base) => base.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The primary subtag of a language tag or locale (`pt_BR` → `pt`), when it looks like an
/// ISO 639 code.
pub(crate) fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let valid = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    let meaningless = matches!(primary.as_str(), "und" | "mul" | "zxx" | "xx");
    (valid && !meaningless).then_some(primary)
}

/// Removes a " | Site" / " - Site" suffix (or "Site | " prefix) when it names the outlet.
pub(crate) fn strip_site_name(
    title: &str,
    publisher: Option<&str>,
    page_url: Option<&Url>,
) -> String {
    let host = page_url.and_then(Url::host_str);
    let names_outlet = |part: &str| {
        publisher.is_some_and(|p| same_outlet(p, part))
            || host.is_some_and(|h| outlet_of_host(h, part))
    };
    for separator in [" | ", " - ", " – ", " — ", " :: ", " · ", " » "] {
        if let Some((head, tail)) = title.rsplit_once(separator)
            && names_outlet(tail)
            && !head.trim().is_empty()
        {
            return head.trim().to_string();
        }
        if let Some((head, tail)) = title.split_once(separator)
            && names_outlet(head)
            && !tail.trim().is_empty()
        {
            return tail.trim().to_string();
        }
    }
    title.to_string()
}

/// The first non-empty collapsed text among `nodes`.
fn first_text<'n, 'a: 'n>(mut nodes: impl Iterator<Item = &'n NodeRef<'a>>) -> Option<String> {
    nodes.find_map(|node| Some(element_text(node)).filter(|t| !t.is_empty()))
}

fn element_text(node: &NodeRef) -> String {
    collapse(&node.text())
}

fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(primary_language("pt-BR").as_deref(), Some("pt"));
        assert_eq!(primary_language("en_GB").as_deref(), Some("en"));
        assert_eq!(primary_language(" KO ").as_deref(), Some("ko"));
        assert_eq!(primary_language("und"), None);
        assert_eq!(primary_language("english"), None);
        assert_eq!(primary_language(""), None);
    }

    #[test]
    fn site_name_suffixes() {
        let url = Url::parse("https://www.harbourtimes.example/news/x").ok();
        let check = |title: &str, publisher: Option<&str>, expected: &str| {
            assert_eq!(
                strip_site_name(title, publisher, url.as_ref()),
                expected,
                "title {title:?}"
            );
        };
        check(
            "Ferry strike ends | The Harbour Times",
            Some("The Harbour Times"),
            "Ferry strike ends",
        );
        check(
            "Ferry strike ends - Harbour Times",
            Some("The Harbour Times"),
            "Ferry strike ends",
        );
        check(
            "Harbour Times — Ferry strike ends",
            Some("Harbour Times"),
            "Ferry strike ends",
        );
        check(
            "Ferry strike ends | HarbourTimes",
            None,
            "Ferry strike ends",
        );
        check(
            "Ferry strike ends - what it means",
            Some("Harbour Times"),
            "Ferry strike ends - what it means",
        );
        check("Harbour Times", Some("Harbour Times"), "Harbour Times");
    }

    #[test]
    fn lenient_json() {
        assert!(parse_lenient_json("<!--{\"a\":1}-->").is_some());
        assert!(parse_lenient_json("{\"a\":\"line\nbreak\"};").is_some());
        assert!(parse_lenient_json("{not json").is_none());
    }
}
