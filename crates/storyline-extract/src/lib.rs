//! HTML to article text and metadata: no network, no clock.
//!
//! [`extract`] takes the bytes of a page (and its HTTP `Content-Type`, if any) and returns an
//! [`ExtractedArticle`]: the main text, one paragraph per line, and the metadata a news
//! pipeline needs (headline, authors, dates, language, outlet, canonical URL, image).
//!
//! Data flow:
//! 1. `charset` ([`decode_html`]) turns bytes into text: BOM, HTTP charset, `<meta>`, then
//!    statistical detection.
//! 2. `guard` refuses binary input and flattens absurd nesting before any parser runs, so
//!    hostile pages cannot exhaust the stack; in the same scan it drops the code inside
//!    `<script>` and `<style>`, which nothing reads and the tokenizer would walk for nothing.
//! 3. one `dom_query` parse; `metadata` reads JSON-LD, `<meta>`, microdata, `<time>` and the
//!    URL from it, each field with its own order of trust (`dates` parses the dates,
//!    `people` cleans bylines).
//! 4. `body` runs Readability (`dom_smoothie`) for the main text and measures how much of it
//!    is links; [`extract_html`] then decides whether the page is an article at all.
//!
//! Invariants: this crate does no IO, reads no clock and never panics on input; the same
//! bytes always give the same result.

mod body;
mod charset;
mod clean;
mod dates;
mod guard;
mod metadata;
mod people;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

pub use body::MAX_ELEMENTS;
pub use charset::{decode_feed, decode_html};
pub use dates::date_from_url;
pub use guard::MAX_NESTING_DEPTH;

/// Largest page accepted, in bytes (before or after decoding).
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// Fewer words than this in the main text and the page is not treated as an article.
pub const MIN_ARTICLE_WORDS: usize = 60;

/// A main text whose characters are more than this share link text is a list of links
/// (a section front, a tag page), not an article.
pub const MAX_LINK_DENSITY: f64 = 0.5;

/// Above this share of link text, a page made only of short lines is an index of teasers
/// (a section front): its headlines are links. Real articles written in short paragraphs
/// stay far below it (about 0.03 on such benchmark pages; a section front measures 0.36).
pub const TEASER_LIST_LINK_DENSITY: f64 = 0.2;

/// An extracted page. Field names follow schema.org `NewsArticle`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractedArticle {
    /// Plain text, one paragraph per line (`\n`), whitespace collapsed. Empty when the page
    /// has no main text or is a list of links; for a page refused only as too short it
    /// holds the short text found.
    pub article_body: String,
    pub headline: Option<String>,
    pub description: Option<String>,
    /// Person names, cleaned ("By " removed, split, outlet name and e-mails dropped).
    pub author: Vec<String>,
    pub date_published: Option<DateTime<Utc>>,
    pub date_modified: Option<DateTime<Utc>>,
    /// Primary language subtag, lower case: `en`, `pt`, `ru`, `ko`, `ja`...
    pub in_language: Option<String>,
    /// The outlet's display name.
    pub publisher: Option<String>,
    /// The canonical URL, else the page URL.
    pub url: Option<String>,
    pub image: Option<String>,
    /// False when the page is not an article (too little text, a list of links...).
    pub is_article: bool,
    /// Why `is_article` is false, in a few words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_article_reason: Option<String>,
}

/// Why a page could not be extracted. The caller prefixes the file or URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("empty page: no HTML to extract")]
    Empty,
    #[error("binary content, not an HTML page")]
    Binary,
    #[error("page too large: {bytes} bytes (the limit is {MAX_INPUT_BYTES})")]
    TooLarge { bytes: usize },
    #[error("page too complex: {elements} elements (the limit is {MAX_ELEMENTS})")]
    TooManyElements { elements: usize },
    #[error("page URL {url:?} is not an absolute http(s) URL")]
    BadPageUrl { url: String },
    #[error("the readability extractor crashed on this page")]
    ExtractorPanicked,
}

/// Decodes the bytes of a page ([`decode_html`]) and extracts it ([`extract_html`]).
/// `content_type` is the HTTP `Content-Type` header, whose charset is trusted when present.
pub fn extract(
    bytes: &[u8],
    content_type: Option<&str>,
    page_url: Option<&str>,
) -> Result<ExtractedArticle, ExtractError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge { bytes: bytes.len() });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ExtractError::Empty);
    }
    if guard::looks_binary(bytes) {
        return Err(ExtractError::Binary);
    }
    extract_html(
        &charset::decode_html_borrowed(bytes, content_type),
        page_url,
    )
}

/// Extracts the main text and metadata of an already decoded page. `page_url` is where the
/// page was fetched from; it resolves relative links and is the fallback canonical URL.
pub fn extract_html(html: &str, page_url: Option<&str>) -> Result<ExtractedArticle, ExtractError> {
    if html.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge { bytes: html.len() });
    }
    if html.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if guard::text_looks_binary(html) {
        return Err(ExtractError::Binary);
    }
    let page_url = match page_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(raw) => Some(parse_page_url(raw)?),
        None => None,
    };
    let html = guard::prepare_for_parsing(html, MAX_NESTING_DEPTH);

    // One parse serves both readers: metadata reads the tree first, because Readability
    // then rewrites it in place.
    let document = dom_query::Document::from(html.as_ref());
    drop(html);
    let meta = metadata::collect(&document, page_url.as_ref());
    let body = body::extract_body(document, page_url.as_ref().map(Url::as_str))?;

    let mut article = ExtractedArticle {
        headline: meta.headline,
        description: meta.description,
        author: meta.author,
        date_published: meta.date_published,
        date_modified: meta.date_modified,
        in_language: meta.in_language,
        publisher: meta.publisher,
        url: meta.url,
        image: meta.image,
        ..ExtractedArticle::default()
    };
    let Some(body) = body else {
        article.not_article_reason = Some("no main text found".to_string());
        return Ok(article);
    };

    // Readability's own findings fill what the markup did not say.
    if article.publisher.is_none() {
        article.publisher = body.site_name.clone();
    }
    if article.headline.is_none() {
        article.headline = body.title.clone();
    }
    if article.author.is_empty()
        && let Some(byline) = &body.byline
    {
        article.author =
            people::clean_authors(std::slice::from_ref(byline), article.publisher.as_deref());
    }
    if article.in_language.is_none() {
        article.in_language = detect_language(&body.text);
    }

    let mut body = body;
    body.text = body::drop_byline_and_date_lines(&body.text, &article.author);
    let words = body::word_count(&body.text);
    // A list of teasers whose headlines are links is an index page even when the teasers'
    // own text keeps the link density below the plain threshold.
    if body.link_density > MAX_LINK_DENSITY {
        article.not_article_reason = Some("page is a listing of links".to_string());
    } else if body.link_density > TEASER_LIST_LINK_DENSITY && body::is_list_of_teasers(&body.text) {
        article.not_article_reason =
            Some("page is a list of short items with no running text".to_string());
    } else if words < MIN_ARTICLE_WORDS {
        article.not_article_reason = Some(format!("text too short ({words} words)"));
        article.article_body = body.text;
    } else {
        article.is_article = true;
        article.article_body = body.text;
    }
    Ok(article)
}

fn parse_page_url(raw: &str) -> Result<Url, ExtractError> {
    Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https" | "file"))
        .ok_or_else(|| ExtractError::BadPageUrl {
            url: raw.to_string(),
        })
}

/// The body's language by `whatlang`, only when it is confident (short or mixed texts give
/// unreliable guesses, and a wrong language is worse than none).
fn detect_language(text: &str) -> Option<String> {
    let sample: String = text.chars().take(4000).collect();
    let info = whatlang::detect(&sample)?;
    if !info.is_reliable() {
        return None;
    }
    iso_639_1(info.lang()).map(str::to_string)
}

/// whatlang speaks ISO 639-3; the article model uses the two-letter codes of BCP 47.
fn iso_639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}
