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
    assert_eq!(ferry.outlet.name, "Harbour Gazette");
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

/// One import line of a short article.
fn line(id: u32, title: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"url\":\"https://tidewater.example/news/{id}\",\"title\":\"{title}\",\
         \"text\":\"The harbour board of Tidewater met on Monday about item {id}.\",\
         \"published\":\"2026-03-11T09:00:00Z\",\"source\":\"Tidewater Post\"}}\n"
    )
}

#[test]
fn a_line_of_invalid_utf8_is_skipped_and_every_later_line_is_imported() {
    let mut input = Vec::new();
    input.extend_from_slice(line(1, "Quay reopens").as_bytes());
    input.extend_from_slice(line(2, "Ferry fares").as_bytes());
    // Line 3: a Latin-1 "é" inside an otherwise good line.
    input.extend_from_slice(line(3, "Caf\u{e9} closes").replace('é', "\u{1}").as_bytes());
    let bad = input.iter().rposition(|&byte| byte == 1).expect("marker");
    input[bad] = 0xE9;
    input.extend_from_slice(line(4, "Pier lights").as_bytes());
    input.extend_from_slice(line(5, "Tide tables").as_bytes());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(dir.path()).expect("store opens");

    let report = import_jsonl(
        &mut store,
        "mixed.jsonl",
        input.as_slice(),
        imported_at(),
        &ImportLimits::default(),
    )
    .expect("import runs");

    assert_eq!((report.lines, report.imported), (5, 4), "{report:?}");
    assert_eq!(
        report.errors,
        ["mixed.jsonl:3: not valid UTF-8 (bad byte at column 64)"]
    );
    assert_eq!(report.stopped, None);
    assert_eq!(store.all_articles().expect("articles").len(), 4);
}

#[test]
fn a_fifty_megabyte_line_is_refused_without_being_held_and_the_import_goes_on() {
    let huge_text = "word ".repeat(10 * 1024 * 1024);
    let mut input = line(1, "Before").into_bytes();
    input.extend_from_slice(
        format!("{{\"id\":\"2\",\"title\":\"Huge\",\"text\":\"{huge_text}\"}}\n").as_bytes(),
    );
    input.extend_from_slice(line(3, "After").as_bytes());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(dir.path()).expect("store opens");
    // A 4 MiB text cap admits lines of about 8 MiB: the 50 MB line is over it.
    let limits = ImportLimits::with_max_text_bytes(4 * 1024 * 1024);

    let report = import_jsonl(
        &mut store,
        "big.jsonl",
        input.as_slice(),
        imported_at(),
        &limits,
    )
    .expect("import runs");

    assert_eq!(
        report.errors,
        ["big.jsonl:2: line of 50.0 MiB is over the 8.1 MiB limit: skipped"]
    );
    assert_eq!(report.imported, 2, "{report:?}");
}

#[test]
fn a_text_over_the_cap_is_cut_at_a_sentence_and_the_cut_is_reported() {
    let sentence = "The tide rose over the quay wall again this morning. ";
    let text = sentence.repeat(1_000);
    let input = format!("{{\"id\":\"1\",\"title\":\"Long read\",\"text\":\"{text}\"}}\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(dir.path()).expect("store opens");

    let report = import_jsonl(
        &mut store,
        "long.jsonl",
        input.as_bytes(),
        imported_at(),
        &ImportLimits::with_max_text_bytes(10_000),
    )
    .expect("import runs");

    assert_eq!(report.imported, 1, "{report:?}");
    assert_eq!(
        report.notes,
        ["long.jsonl:1: text of 51.8 KiB cut to the 9.8 KiB limit"]
    );
    let stored = &store.all_articles().expect("articles")[0];
    assert!(stored.article_body.len() <= 10_000);
    assert!(
        stored.article_body.ends_with("morning."),
        "{}",
        &stored.article_body[9_000..]
    );
}
