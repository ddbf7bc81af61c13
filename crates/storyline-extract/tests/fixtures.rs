//! End-to-end extraction of the fixture pages under `tests/fixtures/` (see its README):
//! key fields asserted by hand, the whole output pinned by an `insta` snapshot.

use encoding_rs::{EUC_KR, Encoding, WINDOWS_1251, WINDOWS_1252};
use storyline_extract::{ExtractedArticle, extract};

fn fixture_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture's text as a legacy-encoded page, the way an old server would send it.
fn fixture_bytes_in(name: &str, encoding: &'static Encoding) -> Vec<u8> {
    let text = fixture_text(name);
    let (bytes, _, unmappable) = encoding.encode(&text);
    assert!(
        !unmappable,
        "{name} has characters {} cannot hold",
        encoding.name()
    );
    bytes.into_owned()
}

fn run(bytes: &[u8], content_type: Option<&str>, url: &str) -> ExtractedArticle {
    extract(bytes, content_type, Some(url)).unwrap_or_else(|e| panic!("{url}: {e}"))
}

#[test]
fn english_news_page_with_chrome_and_json_ld() {
    let page = fixture_text("en-harbour-ferry.html");
    let article = run(
        page.as_bytes(),
        Some("text/html"),
        "https://www.harbourtimes.example/news/ferry?utm_source=feed",
    );
    assert!(article.is_article, "{:?}", article.not_article_reason);
    assert_eq!(
        article.headline.as_deref(),
        Some("Ferry workers end three-week strike after pay deal")
    );
    assert_eq!(article.author, ["Maria Okafor", "Tom Reyes"]);
    assert_eq!(article.publisher.as_deref(), Some("The Harbour Times"));
    // JSON-LD wins over the <meta> tags and the <time> element, which disagree on purpose.
    assert_eq!(
        article.date_published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-15T08:00:00+00:00")
    );
    assert_eq!(
        article.date_modified.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-15T11:30:00+00:00")
    );
    assert_eq!(article.in_language.as_deref(), Some("en"));
    assert_eq!(
        article.url.as_deref(),
        Some("https://www.harbourtimes.example/news/2024/03/15/ferry-strike-ends")
    );
    assert_eq!(
        article.image.as_deref(),
        Some("https://www.harbourtimes.example/media/ferry-quay.jpg")
    );
    let body = &article.article_body;
    assert!(
        body.starts_with("Ferry crews on the island routes"),
        "{body}"
    );
    assert!(body.contains("\u{201c}Nobody wanted this"), "{body}");
    assert!(
        body.ends_with("triggered the walkout in late February."),
        "{body}"
    );
    for chrome in [
        "cookies",
        "Related stories",
        "About time",
        "All rights reserved",
        "Weather",
    ] {
        assert!(
            !body.contains(chrome),
            "body holds page chrome {chrome:?}: {body}"
        );
    }
    assert!(!body.contains("\n\n") && !body.contains("  "), "{body:?}");
    assert_eq!(body.lines().count(), 6, "{body}");
    insta::assert_json_snapshot!("en-harbour-ferry", article);
}

#[test]
fn windows_1252_declared_in_meta() {
    let bytes = fixture_bytes_in("en-windows-1252.html", WINDOWS_1252);
    let article = run(
        &bytes,
        None,
        "https://valleycourier.example/local/cafe-terrace-fees",
    );
    assert!(article.is_article, "{:?}", article.not_article_reason);
    assert_eq!(
        article.headline.as_deref(),
        Some("Café owners fight new terrace fees")
    );
    assert_eq!(article.author, ["Léa Fontaine"]);
    assert!(
        article.article_body.contains("town’s cafés say a new fee"),
        "{}",
        article.article_body
    );
    assert!(
        article.article_body.contains("up to €2,000 a year"),
        "{}",
        article.article_body
    );
    assert!(
        article
            .article_body
            .contains("“We are not against better pavements,” said Noël Marchetti")
    );
    assert_eq!(
        article.in_language.as_deref(),
        Some("en"),
        "detected from the text"
    );
    insta::assert_json_snapshot!("en-windows-1252", article);
}

#[test]
fn windows_1251_declared_only_in_content_type() {
    let bytes = fixture_bytes_in("ru-windows-1251.html", WINDOWS_1251);
    let article = run(
        &bytes,
        Some("text/html; charset=windows-1251"),
        "https://vestnik.example/city/most",
    );
    assert!(article.is_article, "{:?}", article.not_article_reason);
    assert_eq!(
        article.headline.as_deref(),
        Some("В городе открыли новый мост через реку")
    );
    assert_eq!(article.publisher.as_deref(), Some("Вечерний Вестник"));
    assert!(
        article
            .article_body
            .starts_with("В пятницу в городе открыли новый пешеходный мост")
    );
    assert_eq!(article.in_language.as_deref(), Some("ru"));
    assert_eq!(
        article.date_published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-09-01T07:00:00+00:00")
    );
    insta::assert_json_snapshot!("ru-windows-1251", article);
}

#[test]
fn portuguese_utf8() {
    let page = fixture_text("pt-utf8.html");
    let article = run(
        page.as_bytes(),
        None,
        "https://jornaldolitoral.example/cidades/chuva-centro",
    );
    assert!(article.is_article, "{:?}", article.not_article_reason);
    assert_eq!(
        article.headline.as_deref(),
        Some("Chuva forte alaga ruas do centro e interrompe metrô")
    );
    assert_eq!(article.author, ["Ana Beatriz Souza", "Rafael Lima"]);
    assert_eq!(article.in_language.as_deref(), Some("pt"));
    assert_eq!(
        article.date_published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-01-22T21:40:00+00:00")
    );
    assert_eq!(
        article.image.as_deref(),
        Some("https://jornaldolitoral.example/img/chuva.jpg")
    );
    assert_eq!(
        article.url.as_deref(),
        Some("https://jornaldolitoral.example/cidades/chuva-centro")
    );
    assert!(
        article
            .article_body
            .contains("trinta mil imóveis ficaram sem luz")
    );
    assert!(!article.article_body.contains("Todos os direitos"));
    insta::assert_json_snapshot!("pt-utf8", article);
}

#[test]
fn undeclared_euc_kr_is_detected() {
    let bytes = fixture_bytes_in("ko-undeclared.html", EUC_KR);
    let article = run(
        &bytes,
        Some("text/html"),
        "https://hanbit.example/society/subway-fare",
    );
    assert!(article.is_article, "{:?}", article.not_article_reason);
    assert_eq!(
        article.headline.as_deref(),
        Some("서울 지하철 요금 내년부터 인상")
    );
    assert!(
        article
            .article_body
            .starts_with("서울시는 내년 상반기부터 지하철 기본요금을")
    );
    assert!(!article.article_body.contains('\u{FFFD}'));
    assert_eq!(article.in_language.as_deref(), Some("ko"));
    insta::assert_json_snapshot!("ko-undeclared", article);
}

#[test]
fn section_front_is_not_an_article() {
    let page = fixture_text("section-front.html");
    let article = run(
        page.as_bytes(),
        None,
        "https://www.harbourtimes.example/business?page=1",
    );
    assert!(!article.is_article);
    assert!(article.not_article_reason.is_some());
    assert!(
        !article.article_body.contains("Port expansion approved"),
        "navigation text returned as body: {}",
        article.article_body
    );
    assert_eq!(
        article.url.as_deref(),
        Some("https://www.harbourtimes.example/business")
    );
    assert_eq!(article.headline.as_deref(), Some("Business"));
    insta::assert_json_snapshot!("section-front", article);
}
