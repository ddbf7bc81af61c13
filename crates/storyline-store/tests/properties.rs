//! Properties of the SQLite store over generated input: any search text is safe, any
//! timestamp reads back exactly, and listings are always in effective-time order.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use storyline_model::{Article, ArticleId, ExtractionStatus};
use storyline_store::{SqliteStore, Store};

fn memory_store() -> SqliteStore {
    SqliteStore::open_in_memory().unwrap_or_else(|e| panic!("{e}"))
}

fn article(id: String, published: Option<DateTime<Utc>>, fetched: DateTime<Utc>) -> Article {
    Article {
        url: format!("https://harbour-times.example/news/{id}"),
        id: ArticleId(id),
        headline: "Port Ellery ferry timetable changes".to_string(),
        article_body: "Sailings to the islands run hourly from Monday.".to_string(),
        description: None,
        author: Vec::new(),
        date_published: published,
        date_modified: None,
        date_fetched: fetched,
        in_language: None,
        outlet: storyline_model::Outlet::from_source(
            "https://harbour-times.example/",
            "The Harbour Times",
        ),
        image: None,
        feed_url: None,
        content_hash: "hash".to_string(),
        duplicate_of: None,
        extraction: ExtractionStatus::Imported,
        extra: serde_json::Map::new(),
    }
}

/// Any instant chrono can represent, to the nanosecond.
fn any_time() -> impl Strategy<Value = DateTime<Utc>> {
    let min = DateTime::<Utc>::MIN_UTC.timestamp();
    let max = DateTime::<Utc>::MAX_UTC.timestamp();
    (min..max, 0u32..1_000_000_000).prop_filter_map("representable", |(secs, nanos)| {
        DateTime::from_timestamp(secs, nanos)
    })
}

/// Years 0000-9999: what RFC 3339, and so every feed format, can express.
fn feed_time() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_167_219_200i64..253_402_300_799, 0u32..1_000_000_000)
        .prop_filter_map("representable", |(secs, nanos)| {
            DateTime::from_timestamp(secs, nanos)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_search_text_is_answered_without_error(query in any::<String>(), words in "[a-zA-Z\"*():^{} -]{0,30}") {
        let mut store = memory_store();
        store.insert_articles(&[article("a1".into(), None, Utc::now())]).expect("insert");
        for text in [query.as_str(), words.as_str()] {
            if let Err(e) = store.search_articles(text, 10) {
                panic!("searching {text:?}: {e}");
            }
        }
    }

    #[test]
    fn every_timestamp_reads_back_exactly(published in proptest::option::of(any_time()), fetched in any_time()) {
        let mut store = memory_store();
        let stored = article("a1".into(), published, fetched);
        store.insert_articles(std::slice::from_ref(&stored)).expect("insert");
        prop_assert_eq!(store.article(&stored.id).expect("read"), Some(stored));
    }

    #[test]
    fn listings_follow_effective_time_then_id(
        times in proptest::collection::vec((proptest::option::of(feed_time()), feed_time(), 0u8..4), 0..12)
    ) {
        let mut store = memory_store();
        let batch: Vec<Article> = times
            .iter()
            .enumerate()
            .map(|(n, (published, fetched, tag))| article(format!("a{tag}-{n}"), *published, *fetched))
            .collect();
        store.insert_articles(&batch).expect("insert");
        let mut expected = batch;
        expected.sort_by(|a, b| a.effective_time().cmp(&b.effective_time()).then(a.id.cmp(&b.id)));
        prop_assert_eq!(store.all_articles().expect("all"), expected.clone());
        prop_assert_eq!(store.unclustered_articles().expect("unclustered"), expected);
    }
}
