//! Builders shared by the crate's unit tests.

use chrono::{TimeZone, Utc};
use storyline_model::{Article, ArticleId, ExtractionStatus, Outlet};

/// An imported English article at `url` from the outlet `outlet` (its site is the URL's),
/// fetched on 1 April 2025, with no publication date; tests set the fields they need with
/// `Article { field, ..article(...) }`.
pub(crate) fn article(url: &str, outlet: &str, headline: &str, body: &str) -> Article {
    Article {
        id: ArticleId::from_url(url),
        url: url.to_string(),
        headline: headline.into(),
        article_body: body.into(),
        description: None,
        author: Vec::new(),
        date_published: None,
        date_modified: None,
        date_fetched: Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
        in_language: Some("en".into()),
        outlet: Outlet::from_source(url, outlet),
        image: None,
        feed_url: None,
        content_hash: String::new(),
        duplicate_of: None,
        extraction: ExtractionStatus::Imported,
        extra: serde_json::Map::new(),
    }
}
