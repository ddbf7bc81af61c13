//! One line per metadata source and per conflict between sources: each case is a `<head>`
//! snippet (and a page URL) and the value the field must take.

use storyline_extract::{ExtractedArticle, extract_html};

/// A body long enough to count as an article, so the metadata is all that varies.
const BODY: &str = "<article><p>The harbour authority confirmed on Tuesday that the new \
    breakwater will be finished before the winter storms, after months of delays caused by \
    supply problems and two unusually wet summers. Engineers said the last concrete blocks \
    would be lowered into place next month, weather permitting.</p><p>Fishing crews, who \
    have lost days at sea every time a storm pushed waves over the old wall, welcomed the \
    news but said they would wait to see the work finished before celebrating. The project \
    has cost about twice its first estimate.</p></article>";

fn page(head: &str, body_extra: &str) -> String {
    format!("<!DOCTYPE html><html><head>{head}</head><body>{body_extra}{BODY}</body></html>")
}

fn extract_page(head: &str, body_extra: &str, url: Option<&str>) -> ExtractedArticle {
    let html = page(head, body_extra);
    extract_html(&html, url).unwrap_or_else(|e| panic!("{head}: {e}"))
}

fn json_ld(fields: &str) -> String {
    format!(
        r#"<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",{fields}}}</script>"#
    )
}

fn check_published(head: &str, body_extra: &str, url: Option<&str>, expected: Option<&str>) {
    let got = extract_page(head, body_extra, url)
        .date_published
        .map(|d| d.to_rfc3339());
    assert_eq!(
        got.as_deref(),
        expected,
        "head {head:?} body {body_extra:?} url {url:?}"
    );
}

#[test]
fn date_published_sources_and_their_order() {
    let ld = json_ld(r#""datePublished":"2024-05-01T10:00:00Z""#);
    let meta = r#"<meta property="article:published_time" content="2024-05-02T10:00:00Z">"#;
    let time = r#"<time datetime="2024-05-03T10:00:00Z">3 May</time>"#;
    let url = Some("https://news.example/2024/05/04/breakwater");
    let expect = |day: &str| format!("2024-05-{day}T10:00:00+00:00");
    check_published(&format!("{ld}{meta}"), time, url, Some(&expect("01")));
    check_published(meta, time, url, Some(&expect("02")));
    check_published("", time, url, Some(&expect("03")));
    check_published("", "", url, Some("2024-05-04T00:00:00+00:00"));
    check_published("", "", None, None);
    // Each meta spelling on its own.
    for (attr, key) in [
        ("property", "og:published_time"),
        ("itemprop", "datePublished"),
        ("name", "date"),
        ("name", "DC.date.issued"),
        ("name", "pubdate"),
        ("name", "sailthru.date"),
        ("name", "parsely-pub-date"),
    ] {
        let head = format!(r#"<meta {attr}="{key}" content="2024-05-02 10:00:00">"#);
        check_published(&head, "", None, Some(&expect("02")));
    }
    // JSON-LD inside @graph, with an array @type.
    let graph = r#"<script type="application/ld+json">{"@graph":[{"@type":"WebSite","name":"x"},{"@type":["BlogPosting"],"datePublished":"2024-05-01T12:00:00+02:00"}]}</script>"#;
    check_published(graph, "", None, Some(&expect("01")));
    // A <time> marked pubdate beats an earlier unmarked one; a header clock is ignored.
    let times = r#"<header><time datetime="2030-01-01">today</time></header><p><time datetime="2024-05-09T10:00:00Z">9 May</time><time pubdate datetime="2024-05-03T10:00:00Z">3 May</time></p>"#;
    check_published("", times, None, Some(&expect("03")));
    // Unparseable values fall through to the next source.
    check_published(
        &json_ld(r#""datePublished":"soon""#),
        time,
        None,
        Some(&expect("03")),
    );
}

#[test]
fn date_modified_sources_and_their_order() {
    let check = |head: &str, expected: Option<&str>| {
        let got = extract_page(head, "", None)
            .date_modified
            .map(|d| d.to_rfc3339());
        assert_eq!(got.as_deref(), expected, "head {head:?}");
    };
    let ld = json_ld(r#""dateModified":"2024-05-01T10:00:00Z""#);
    let meta = r#"<meta property="article:modified_time" content="2024-05-02T10:00:00Z">"#;
    check(&format!("{meta}{ld}"), Some("2024-05-01T10:00:00+00:00"));
    check(meta, Some("2024-05-02T10:00:00+00:00"));
    check(
        r#"<meta property="og:updated_time" content="2024-05-02T12:00:00+02:00">"#,
        Some("2024-05-02T10:00:00+00:00"),
    );
    check("", None);
}

fn check_authors(head: &str, body_extra: &str, expected: &[&str]) {
    assert_eq!(
        extract_page(head, body_extra, None).author,
        expected,
        "head {head:?} body {body_extra:?}"
    );
}

#[test]
fn author_sources_and_cleaning() {
    check_authors(&json_ld(r#""author":"By Jane Doe""#), "", &["Jane Doe"]);
    check_authors(
        &json_ld(r#""author":{"@type":"Person","name":"Jane Doe"}"#),
        "",
        &["Jane Doe"],
    );
    check_authors(
        &json_ld(r#""author":[{"name":"Jane Doe"},{"name":"John Roe"}]"#),
        "",
        &["Jane Doe", "John Roe"],
    );
    check_authors(
        &format!(
            r#"{}<meta name="author" content="Meta Person">"#,
            json_ld(r#""author":{"name":"Jane Doe"}"#)
        ),
        "",
        &["Jane Doe"],
    );
    check_authors(
        r#"<meta name="author" content="Jane Doe and John Roe">"#,
        "",
        &["Jane Doe", "John Roe"],
    );
    check_authors(
        r#"<meta property="article:author" content="https://facebook.example/janedoe">"#,
        "",
        &[],
    );
    check_authors(
        r#"<meta property="article:author" content="Jane Doe">"#,
        "",
        &["Jane Doe"],
    );
    check_authors(
        r#"<meta name="author" content="jane@news.example">"#,
        "",
        &[],
    );
    check_authors(
        r#"<meta property="og:site_name" content="Harbour Times"><meta name="author" content="The Harbour Times">"#,
        r#"<p class="byline">By Jane Doe</p>"#,
        &["Jane Doe"],
    );
    check_authors(
        "",
        r#"<a rel="author" href="/staff/jd">Jane Doe</a>"#,
        &["Jane Doe"],
    );
    check_authors(
        "",
        r#"<div class="comments"><span class="author">troll42</span></div>"#,
        &[],
    );
}

#[test]
fn headline_sources_and_site_suffixes() {
    let check = |head: &str, body_extra: &str, expected: &str| {
        assert_eq!(
            extract_page(head, body_extra, None).headline.as_deref(),
            Some(expected),
            "head {head:?}"
        );
    };
    let site = r#"<meta property="og:site_name" content="The Harbour Times">"#;
    check(
        &format!(
            r#"{site}<meta property="og:title" content="Breakwater done by winter | The Harbour Times">{}"#,
            json_ld(r#""headline":"LD headline""#)
        ),
        "<h1>H1 headline</h1>",
        "Breakwater done by winter",
    );
    check(
        &json_ld(r#""headline":"LD headline""#),
        "<h1>H1 headline</h1>",
        "LD headline",
    );
    check(
        "<title>Title headline</title>",
        "<h1>H1 headline</h1>",
        "H1 headline",
    );
    check(
        &format!("{site}<title>Title headline - Harbour Times</title>"),
        "",
        "Title headline",
    );
    check(
        "<title>Breakwater - what happens next</title>",
        "",
        "Breakwater - what happens next",
    );
}

#[test]
fn simple_fields() {
    let base = Some("https://www.harbourtimes.example/news/breakwater?ref=home");
    let get = |head: &str| extract_page(head, "", base);
    let check = |got: Option<String>, expected: Option<&str>, what: &str| {
        assert_eq!(got.as_deref(), expected, "{what}");
    };
    check(
        get(r#"<meta property="og:site_name" content="Harbour Times">"#).publisher,
        Some("Harbour Times"),
        "og:site_name",
    );
    check(
        get(&json_ld(
            r#""publisher":{"@type":"Organization","name":"HT Media"}"#,
        ))
        .publisher,
        Some("HT Media"),
        "JSON-LD publisher",
    );
    check(
        get(r#"<meta name="application-name" content="HT App">"#).publisher,
        Some("HT App"),
        "application-name",
    );
    check(
        get(&format!(
            r#"<meta property="og:site_name" content="Harbour Times">{}"#,
            json_ld(r#""publisher":{"name":"HT Media"}"#)
        ))
        .publisher,
        Some("Harbour Times"),
        "og:site_name beats JSON-LD",
    );
    check(
        get(r#"<link rel="canonical" href="/news/breakwater">"#).url,
        Some("https://www.harbourtimes.example/news/breakwater"),
        "relative canonical",
    );
    check(
        get(r#"<meta property="og:url" content="https://www.harbourtimes.example/b">"#).url,
        Some("https://www.harbourtimes.example/b"),
        "og:url",
    );
    check(get("").url, base, "page URL fallback");
    check(
        get(r#"<link rel="canonical" href="javascript:alert(1)">"#).url,
        base,
        "non-http canonical ignored",
    );
    check(
        get(r#"<meta property="og:image" content="/img/a.jpg">"#).image,
        Some("https://www.harbourtimes.example/img/a.jpg"),
        "og:image",
    );
    check(
        get(r#"<meta name="twitter:image" content="https://cdn.example/b.jpg">"#).image,
        Some("https://cdn.example/b.jpg"),
        "twitter:image",
    );
    check(
        get(&json_ld(r#""image":["https://cdn.example/c.jpg"]"#)).image,
        Some("https://cdn.example/c.jpg"),
        "JSON-LD image",
    );
    check(
        get(r#"<meta property="og:description" content=" Waves  and walls ">"#).description,
        Some("Waves and walls"),
        "og:description",
    );
    check(
        get(r#"<meta name="description" content="Plain description">"#).description,
        Some("Plain description"),
        "meta description",
    );
}

#[test]
fn language_sources_and_their_order() {
    let check = |html: String, expected: Option<&str>| {
        let got = extract_html(&html, None).map(|a| a.in_language);
        assert_eq!(got, Ok(expected.map(str::to_string)), "{html}");
    };
    let with = |html_attrs: &str, head: &str| {
        format!("<html {html_attrs}><head>{head}</head><body>{BODY}</body></html>")
    };
    check(
        with(
            r#"lang="pt-BR""#,
            r#"<meta property="og:locale" content="es_ES">"#,
        ),
        Some("pt"),
    );
    check(
        with("", r#"<meta property="og:locale" content="es_ES">"#),
        Some("es"),
    );
    check(
        with("", r#"<meta http-equiv="content-language" content="de">"#),
        Some("de"),
    );
    check(with("", &json_ld(r#""inLanguage":"fr-CA""#)), Some("fr"));
    check(with("", ""), Some("en"));
    check(with(r#"lang="x""#, ""), Some("en"));
}
