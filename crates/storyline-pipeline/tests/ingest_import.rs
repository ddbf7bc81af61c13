//! `import_jsonl` on a real fixture file into a real SQLite store: every bad line is reported
//! as `FILE:LINE: cause` with its physical line number, good lines are stored once, and a
//! second import of the same file adds nothing.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use storyline_model::{ArticleId, ExtractionStatus};
use storyline_pipeline::ingest::{ImportLimits, ImportReport, import_jsonl};
use storyline_store::{SqliteStore, Store};

const FIXTURE: &str = "import-mixed.jsonl";

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name)
}

fn imported_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 12, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn import_fixture(store: &mut SqliteStore) -> ImportReport {
    let file = File::open(fixture_path(FIXTURE)).expect("fixture exists");
    import_jsonl(
        store,
        FIXTURE,
        BufReader::new(file),
        imported_at(),
        &ImportLimits::default(),
    )
    .expect("import runs")
}

#[test]
fn bad_lines_are_reported_by_file_and_line_and_good_lines_are_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(dir.path()).expect("store opens");

    let report = import_fixture(&mut store);

    // Line 5 is blank: it is not counted, but the lines after it keep their real numbers.
    assert_eq!(report.lines, 7, "{report:?}");
    assert_eq!(
        report.errors,
        [
            "import-mixed.jsonl:3: invalid JSON: EOF while parsing a string at line 1 column 138",
            "import-mixed.jsonl:4: needs a \"title\" or a \"text\"",
            "import-mixed.jsonl:7: unrecognised date \"last Tuesday\"",
        ]
    );
    // Lines 1, 2 and 6 are new; line 8 repeats line 2's id and source.
    assert_eq!(report.imported, 3, "{report:?}");
    assert_eq!(report.already_present, 1, "{report:?}");
    assert_eq!(report.copies, 0, "{report:?}");

    let stored = store.all_articles().expect("articles");
    assert_eq!(stored.len(), 3);
    assert!(
        stored
            .iter()
            .all(|article| article.extraction == ExtractionStatus::Imported)
    );

    let ferry = store
        .article(&ArticleId::from_url(
            "https://harbourgazette.example/news/2026/03/ferry-crews-strike",
        ))
        .expect("lookup")
        .expect("line 1 is stored under its canonical URL");
    assert_eq!(
        ferry.url,
        "https://harbourgazette.example/news/2026/03/ferry-crews-strike"
    );
    assert_eq!(ferry.publisher, "Harbour Gazette");
    assert_eq!(ferry.author, ["Maren Tolvik"]);
    assert_eq!(
        ferry.date_published,
        Utc.with_ymd_and_hms(2026, 3, 12, 6, 40, 0).single()
    );

    // The first of two lines with the same id wins; the later "correction" is not stored.
    let rates = store
        .article(&ArticleId::from_external("Northwire", "nw-20260312-017"))
        .expect("lookup")
        .expect("line 2 is stored under its source and id");
    assert_eq!(
        rates.headline,
        "Valdora central bank holds rates, signals cut in summer"
    );
    assert_eq!(rates.url, "");
    assert_eq!(rates.in_language.as_deref(), Some("en"));
    assert_eq!(
        rates.extra.get("desk").and_then(|value| value.as_str()),
        Some("markets")
    );

    let bakery = store
        .article(&ArticleId::from_url(
            "https://valleycourier.example/courier/2026/03/saint-remy-bakery",
        ))
        .expect("lookup")
        .expect("line 6 is stored");
    assert_eq!(
        bakery.date_published,
        Utc.with_ymd_and_hms(2026, 3, 10, 14, 0, 0).single(),
        "an RFC 2822 date is read"
    );
    assert_eq!(
        bakery.article_body,
        "A family bakery in Saint-Rémy has won this year’s regional prize for the best country \
         loaf, beating forty-two entries from across the valley."
    );
}

#[test]
fn importing_the_same_file_twice_adds_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(dir.path()).expect("store opens");

    let first = import_fixture(&mut store);
    let stored_after_first = store.all_articles().expect("articles");

    let second = import_fixture(&mut store);
    assert_eq!(second.imported, 0, "{second:?}");
    // Every line that parses (1, 2, 6 and 8) is now already stored.
    assert_eq!(second.already_present, 4, "{second:?}");
    assert_eq!(second.errors, first.errors, "bad lines are reported again");
    assert_eq!(store.all_articles().expect("articles"), stored_after_first);
}

#[test]
fn a_store_reopened_from_disk_still_knows_the_imported_articles() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let mut store = SqliteStore::open(dir.path()).expect("store opens");
        assert_eq!(import_fixture(&mut store).imported, 3);
    }
    let mut reopened = SqliteStore::open(dir.path()).expect("store reopens");
    let again = import_fixture(&mut reopened);
    assert_eq!((again.imported, again.already_present), (0, 4), "{again:?}");
}
