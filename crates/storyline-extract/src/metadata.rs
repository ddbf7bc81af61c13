//! Article metadata from markup: JSON-LD, `<meta>` tags, microdata, `<time>`, links and the
//! URL.
//!
//! Each field has its own list of sources in order of trust; the first source that yields a
//! usable value wins. Structured data the publisher wrote for machines (JSON-LD, Open Graph)
//! comes before visible markup, and visible markup before guesses from the URL.

use crate::dates::{date_from_url, parse_date};
use crate::people::{clean_authors, outlet_of_host, same_outlet};
use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;
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

fn selector(css: &str) -> Selector {
    // The selectors are constants of this file; a typo is a bug caught by every test run.
    Selector::parse(css).unwrap_or_else(|error| panic!("invalid built-in selector {css}: {error}"))
}

static META: LazyLock<Selector> = LazyLock::new(|| selector("meta"));
static ITEMPROP: LazyLock<Selector> = LazyLock::new(|| selector("[itemprop]"));
static JSON_LD: LazyLock<Selector> = LazyLock::new(|| selector("script[type]"));
static LINK_REL: LazyLock<Selector> = LazyLock::new(|| selector("link[rel][href]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time"));
static H1_IN_ARTICLE: LazyLock<Selector> =
    LazyLock::new(|| selector("article h1, main h1, [role=main] h1"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static BYLINE_ELEMENTS: LazyLock<Selector> = LazyLock::new(|| {
    selector(
        "a[rel~=author], [itemprop~=author], .byline, .byline-name, .author-name, .article-author, .author, .autor",
    )
});
static ITEMPROP_NAME: LazyLock<Selector> = LazyLock::new(|| selector("[itemprop~=name]"));

/// Reads every metadata field from a parsed page. `page_url` is the address the page was
/// fetched from, used to resolve relative links and as the last source of the date.
pub(crate) fn collect(document: &Html, page_url: Option<&Url>) -> PageMetadata {
    let meta = MetaTags::read(document);
    let json_ld = JsonLdArticle::read(document);

    let publisher = meta
        .first(&["og:site_name"])
        .or_else(|| json_ld.publisher.clone())
        .or_else(|| {
            meta.first(&["application-name", "twitter:site"])
                .filter(|s| !s.starts_with('@'))
        })
        .map(|s| collapse(&s))
        .filter(|s| !s.is_empty());

    let canonical = canonical_url(document, &meta, page_url);
    let base = page_url
        .cloned()
        .or_else(|| canonical.as_deref().and_then(|c| Url::parse(c).ok()));

    let raw_headline = meta
        .first(&["og:title"])
        .or_else(|| json_ld.headline.clone())
        .or_else(|| meta.first(&["twitter:title"]))
        .or_else(|| first_text(document, &H1_IN_ARTICLE))
        .or_else(|| first_text(document, &H1))
        .or_else(|| first_text(document, &TITLE));
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
        .or_else(|| time_element_date(document))
        .or_else(|| canonical.as_deref().and_then(date_from_url))
        .or_else(|| page_url.and_then(|u| date_from_url(u.as_str())));

    let date_modified = json_ld
        .date_modified
        .as_deref()
        .and_then(parse_date)
        .or_else(|| meta.first_date(MODIFIED_META_KEYS));

    let author = authors(document, &meta, &json_ld, publisher.as_deref());

    let in_language = document
        .root_element()
        .attr_any(&["lang", "xml:lang"])
        .and_then(|l| primary_language(&l))
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
    fn read(document: &Html) -> Self {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for element in document.select(&META) {
            let element = element.value();
            let Some(content) = element
                .attr("content")
                .map(str::trim)
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            for key_attr in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(key) = element.attr(key_attr) {
                    // `property` may hold several space-separated RDFa terms.
                    for key in key.split_whitespace() {
                        values
                            .entry(key.to_lowercase())
                            .or_default()
                            .push(content.to_string());
                    }
                }
            }
        }
        for element in document.select(&ITEMPROP) {
            if element.value().name() == "meta" {
                continue;
            }
            let value = element
                .value()
                .attr("content")
                .or_else(|| element.value().attr("datetime"))
                .map(str::trim)
                .filter(|v| !v.is_empty());
            if let (Some(value), Some(key)) = (value, element.value().attr("itemprop")) {
                for key in key.split_whitespace() {
                    values
                        .entry(key.to_lowercase())
                        .or_default()
                        .push(value.to_string());
                }
            }
        }
        MetaTags { values }
    }

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
    fn read(document: &Html) -> Self {
        let mut nodes: Vec<Value> = Vec::new();
        for script in document.select(&JSON_LD) {
            let is_json_ld = script.value().attr("type").is_some_and(|t| {
                t.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/ld+json")
            });
            if !is_json_ld {
                continue;
            }
            let text: String = script.text().collect();
            if let Some(value) = parse_lenient_json(&text) {
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

/// All author sources, in order of trust; the first that yields a clean name wins.
fn authors(
    document: &Html,
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
    for element in document.select(&BYLINE_ELEMENTS) {
        if inside(&element, &["footer", "nav", "aside"]) || in_comment_section(&element) {
            continue;
        }
        let name = element
            .select(&ITEMPROP_NAME)
            .next()
            .map_or_else(|| element_text(&element), |n| element_text(&n));
        visible.push(name);
    }
    clean_authors(&visible, publisher)
}

fn in_comment_section(element: &ElementRef) -> bool {
    element.ancestors().filter_map(ElementRef::wrap).any(|a| {
        let attrs = format!(
            "{} {}",
            a.value().id().unwrap_or(""),
            a.value().attr("class").unwrap_or("")
        );
        attrs.to_ascii_lowercase().contains("comment")
    })
}

fn inside(element: &ElementRef, names: &[&str]) -> bool {
    element
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| names.contains(&a.value().name()))
}

/// The date of a `<time>` element: one marked `pubdate` or `itemprop=datePublished` first,
/// then one inside `<article>`, then any outside page chrome (header clocks, footers).
fn time_element_date(document: &Html) -> Option<DateTime<Utc>> {
    let times: Vec<ElementRef> = document.select(&TIME).collect();
    let value = |t: &ElementRef| -> Option<DateTime<Utc>> {
        t.value()
            .attr("datetime")
            .and_then(parse_date)
            .or_else(|| parse_date(&element_text(t)))
    };
    let marked = times.iter().filter(|t| {
        t.value().attr("pubdate").is_some()
            || t.value()
                .attr("itemprop")
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

/// `<link rel=canonical>`, then `og:url`, resolved against the page URL; only http(s).
fn canonical_url(document: &Html, meta: &MetaTags, page_url: Option<&Url>) -> Option<String> {
    let link = document.select(&LINK_REL).find_map(|l| {
        let rel = l.value().attr("rel")?;
        rel.split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("canonical"))
            .then(|| l.value().attr("href"))
            .flatten()
            .map(str::to_string)
    });
    link.into_iter()
        .chain(meta.first(&["og:url"]))
        .find_map(|candidate| resolve(&candidate, page_url))
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

fn first_text(document: &Html, selector: &Selector) -> Option<String> {
    document
        .select(selector)
        .map(|e| element_text(&e))
        .find(|t| !t.is_empty())
}

fn element_text(element: &ElementRef) -> String {
    collapse(&element.text().collect::<String>())
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

trait AttrAny {
    fn attr_any(&self, names: &[&str]) -> Option<String>;
}

impl AttrAny for ElementRef<'_> {
    fn attr_any(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find_map(|n| self.value().attr(n))
            .map(str::to_string)
    }
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
