//! Knowledge-base import end to end: the hand-written fixtures under `fixtures/kb/` (see its
//! README), in plain, gzip and bzip2 form, imported into a real SQLite store and looked up
//! again by name and alias.

use chrono::{DateTime, TimeZone, Utc};
use std::io::Write;
use std::path::{Path, PathBuf};
use storyline_model::{EntityKind, KbEntity};
use storyline_pipeline::kb::{
    Compression, KbFormat, KbImportOptions, KbImportReport, KbProgress, import_kb,
};
use storyline_store::{SqliteStore, Store};
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kb")
        .join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture")
}

fn first_import() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 2, 6, 0, 0)
        .single()
        .expect("date")
}

fn store() -> SqliteStore {
    SqliteStore::open_in_memory().expect("in-memory store")
}

fn languages(codes: &[&str]) -> KbImportOptions {
    KbImportOptions {
        languages: codes.iter().map(|c| c.to_string()).collect(),
        ..KbImportOptions::default()
    }
}

fn import(store: &mut SqliteStore, path: &Path, options: &KbImportOptions) -> KbImportReport {
    import_kb(store, path, options, first_import(), &mut |_| {})
        .unwrap_or_else(|e| panic!("import {}: {e}", path.display()))
}

/// Writes `bytes` to `dir/name`.
fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(bytes).expect("bzip2");
    encoder.finish().expect("bzip2")
}

/// The one entry found under `name`.
fn only(store: &SqliteStore, name: &str) -> KbEntity {
    let mut found = store.kb_lookup(name).expect("lookup");
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found.remove(0)
}

fn ids(found: &[KbEntity]) -> Vec<&str> {
    found.iter().map(|e| e.id.as_str()).collect()
}

/// What importing `wikidata-sample.json` with English only must report, whatever its
/// compression.
fn expected_wikidata_report(path: &Path, compression: Compression) -> KbImportReport {
    KbImportReport {
        source: "Wikidata".to_string(),
        format: KbFormat::Wikidata,
        compression,
        records: 19,
        imported: 13,
        skipped_language: 1,
        skipped_no_description: 2,
        skipped_not_item: 2,
        bad_lines: 1,
        first_bad_lines: vec![format!(
            "{}:14: invalid Wikidata entity: EOF while parsing a string at line 1 column 82",
            path.display()
        )],
        interrupted: false,
    }
}

#[test]
fn wikidata_dump_is_imported_and_counted() {
    let mut store = store();
    let path = fixture("wikidata-sample.json");
    let report = import(&mut store, &path, &languages(&["en"]));
    assert_eq!(report, expected_wikidata_report(&path, Compression::None));
    assert_eq!(store.kb_count().expect("count"), 13);

    let adams = only(&store, "Douglas Adams");
    assert_eq!(
        adams,
        KbEntity {
            id: "Q42".to_string(),
            name: "Douglas Adams".to_string(),
            // The alias equal to the label is dropped; the French one is not English.
            aliases: vec![
                "Douglas Noël Adams".to_string(),
                "Douglas Noel Adams".to_string()
            ],
            description: "English science-fiction writer and humorist".to_string(),
            kind: Some(EntityKind::Person),
            language: "en".to_string(),
            source: "Wikidata".to_string(),
            imported_at: first_import(),
        }
    );
    // Skipped entities are not stored: no description, another language, not items.
    for missing in [
        "Barack Obama",
        "Brazil",
        "東京都",
        "instance of",
        "cat",
        "Port of Ell",
    ] {
        assert_eq!(
            store.kb_lookup(missing).expect("lookup"),
            Vec::new(),
            "{missing}"
        );
    }
}

#[test]
fn wikidata_classes_map_to_kinds() {
    let mut store = store();
    import(
        &mut store,
        &fixture("wikidata-sample.json"),
        &languages(&["en"]),
    );
    let check = |name: &str, expected: Option<EntityKind>| {
        assert_eq!(only(&store, name).kind, expected, "{name}");
    };
    check("Douglas Adams", Some(EntityKind::Person));
    // A `somevalue` statement (no class) before the human one.
    check("Marie Curie", Some(EntityKind::Person));
    check("Paris", Some(EntityKind::Place));
    check("Germany", Some(EntityKind::Place));
    check("Seine", Some(EntityKind::Place));
    check("Berlin", Some(EntityKind::Place));
    check("Apple Inc.", Some(EntityKind::Company));
    // Preferred rank beats the normal-rank "organization" listed first.
    check("Microsoft", Some(EntityKind::Company));
    // The deprecated "country" is ignored.
    check("United Nations", Some(EntityKind::Organisation));
    check("University of Cambridge", Some(EntityKind::Organisation));
    check("Conservative Party", Some(EntityKind::Organisation));
    // A film is none of our kinds; an entity without statements has no kind.
    check("The Shawshank Redemption", None);
    check("Earth", None);
}

#[test]
fn aliases_find_entities_in_the_chosen_language_only() {
    let mut store = store();
    import(
        &mut store,
        &fixture("wikidata-sample.json"),
        &languages(&["en"]),
    );
    assert_eq!(only(&store, "tories").id, "Q9626");
    assert_eq!(only(&store, "Douglas Noel Adams").id, "Q42");
    assert_eq!(only(&store, "MARIA SKŁODOWSKA-CURIE").id, "Q7186");
    assert_eq!(only(&store, "Deutschland").id, "Q183");
    assert_eq!(only(&store, "the world").id, "Q2");
    // Seine's only alias is French; the UN's "ONU" too.
    assert_eq!(only(&store, "Seine").aliases, Vec::<String>::new());
    for foreign in ["La Seine", "ONU", "Ville Lumière"] {
        assert_eq!(
            store.kb_lookup(foreign).expect("lookup"),
            Vec::new(),
            "{foreign}"
        );
    }
}

#[test]
fn the_first_configured_language_with_label_and_description_wins() {
    let mut store = store();
    let path = fixture("wikidata-sample.json");
    let report = import(&mut store, &path, &languages(&["de", "en", "pt"]));
    // Brazil now has a language with both; Obama still has no description.
    assert_eq!(report.imported, 14);
    assert_eq!(report.skipped_no_description, 1);
    assert_eq!(report.skipped_language, 1);

    let adams = only(&store, "Douglas Adams");
    assert_eq!(adams.language, "de");
    assert_eq!(adams.description, "britischer Schriftsteller");
    assert_eq!(adams.aliases, Vec::<String>::new(), "no German aliases");
    // Germany has a German label but no German description: English is next.
    let germany = only(&store, "Germany");
    assert_eq!(
        (germany.language.as_str(), germany.description.as_str()),
        ("en", "country in Central Europe")
    );
    let brazil = only(&store, "República Federativa do Brasil");
    assert_eq!(
        (brazil.name.as_str(), brazil.language.as_str()),
        ("Brasil", "pt")
    );
    assert_eq!(brazil.description, "país da América do Sul");

    // Only Portuguese: Brazil alone, and everything else is skipped for language.
    let mut portuguese = self::store();
    let report = import(&mut portuguese, &path, &languages(&["PT"]));
    assert_eq!(
        (
            report.imported,
            report.skipped_language,
            report.skipped_no_description
        ),
        (1, 15, 0)
    );
}

#[test]
fn compression_is_detected_from_content_not_file_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = fixture_bytes("wikidata-sample.json");
    // Misleading names on purpose: only the magic bytes count.
    let cases = [
        (write(&dir, "dump.json", &gzip(&plain)), Compression::Gzip),
        (
            write(&dir, "dump.json.gz", &bzip2(&plain)),
            Compression::Bzip2,
        ),
        (write(&dir, "dump.bz2", &plain), Compression::None),
    ];
    for (path, compression) in cases {
        let mut store = store();
        let report = import(&mut store, &path, &languages(&["en"]));
        assert_eq!(report, expected_wikidata_report(&path, compression));
        assert_eq!(only(&store, "City of Light").id, "Q90");
    }
}

#[test]
fn multi_member_archives_are_read_to_the_end() {
    // Parallel compressors (pigz, pbzip2, lbzip2) write several members or streams back to
    // back: every one must be read, not just the first.
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = fixture_bytes("wikidata-sample.json");
    let middle = plain.len() / 2;
    let (head, tail) = plain.split_at(middle);
    let gz = [gzip(head), gzip(tail)].concat();
    let bz = [bzip2(head), bzip2(tail)].concat();
    for path in [
        write(&dir, "two.json.gz", &gz),
        write(&dir, "two.json.bz2", &bz),
    ] {
        let mut store = store();
        let report = import(&mut store, &path, &languages(&["en"]));
        assert_eq!(
            (report.records, report.imported, report.bad_lines),
            (19, 13, 1),
            "{}",
            path.display()
        );
        // Earth is in the second half.
        assert_eq!(only(&store, "Earth").id, "Q2");
    }
}

#[test]
fn entity_lines_without_the_array_are_wikidata_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = String::from_utf8(fixture_bytes("wikidata-sample.json")).expect("UTF-8");
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| line.trim_end_matches(','))
        .collect();
    let path = write(&dir, "filtered.ndjson", lines.join("\n").as_bytes());
    let mut store = store();
    let report = import(&mut store, &path, &languages(&["en"]));
    assert_eq!(report.format, KbFormat::Wikidata);
    assert_eq!(report.source, "Wikidata");
    assert_eq!((report.records, report.imported), (19, 13));
    // The bad line is now line 13.
    assert!(
        report.first_bad_lines[0].contains("filtered.ndjson:13: invalid Wikidata entity"),
        "{:?}",
        report.first_bad_lines
    );
}

#[test]
fn jsonl_records_are_imported_with_bad_lines_reported() {
    let mut store = store();
    let path = fixture("newsroom-people.jsonl");
    let report = import(&mut store, &path, &languages(&["en"]));
    let at_line = |line: usize, cause: &str| format!("{}:{line}: {cause}", path.display());
    assert_eq!(
        report,
        KbImportReport {
            source: "newsroom-people".to_string(),
            format: KbFormat::Jsonl,
            compression: Compression::None,
            records: 9,
            imported: 4,
            skipped_language: 1,
            skipped_no_description: 1,
            skipped_not_item: 0,
            bad_lines: 3,
            first_bad_lines: vec![
                at_line(
                    6,
                    "record np-006: unknown kind \"bay\" (expected person, organisation, \
                     place or company)"
                ),
                at_line(7, "invalid record: expected value at line 1 column 1"),
                at_line(8, "invalid record: blank \"id\""),
            ],
            interrupted: false,
        }
    );
    let quist = only(&store, "Harbourmaster Quist");
    assert_eq!(
        quist,
        KbEntity {
            id: "np-001".to_string(),
            name: "Mara Quist".to_string(),
            aliases: vec!["M. Quist".to_string(), "Harbourmaster Quist".to_string()],
            description: "Harbourmaster of Port Ellery since 2019".to_string(),
            kind: Some(EntityKind::Person),
            language: "en".to_string(),
            source: "newsroom-people".to_string(),
            imported_at: first_import(),
        }
    );
    // No language: the first configured one. "organization" is an organisation.
    let union = only(&store, "pedu");
    assert_eq!(union.language, "en");
    assert_eq!(union.kind, Some(EntityKind::Organisation));
    assert_eq!(only(&store, "Port Ellery Dockworkers' Union").id, "np-002");
    assert_eq!(
        only(&store, "valley courier").kind,
        Some(EntityKind::Company)
    );
    let board = only(&store, "The Board");
    assert_eq!(
        (board.kind, board.aliases),
        (None, vec!["The Board".to_string()])
    );
    for skipped in ["Porto Ellery", "Ellery Ferries", "Ellery Bay", "Nobody"] {
        assert_eq!(
            store.kb_lookup(skipped).expect("lookup"),
            Vec::new(),
            "{skipped}"
        );
    }
}

#[test]
fn importing_again_updates_entries_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = store();
    let first = fixture("newsroom-people.jsonl");
    import(&mut store, &first, &languages(&["en"]));
    assert_eq!(store.kb_count().expect("count"), 4);

    // The same source (file stem) later: Quist has a new role and lost an alias, and a new
    // entry arrives; the file is gzipped this time.
    let second = concat!(
        r#"{"id":"np-001","name":"Mara Quist","aliases":["M. Quist"],"description":"#,
        r#""Port director of Port Ellery since 2024","kind":"person","language":"en"}"#,
        "\n",
        r#"{"id":"np-010","name":"Ellery Lighthouse","description":"Lighthouse at the "#,
        r#"harbour mouth","kind":"place"}"#,
        "\n",
    );
    let path = write(&dir, "newsroom-people.jsonl.gz", &gzip(second.as_bytes()));
    let later = first_import() + chrono::Duration::days(30);
    let report = import_kb(&mut store, &path, &languages(&["en"]), later, &mut |_| {})
        .expect("second import");
    assert_eq!(
        (report.source.as_str(), report.imported),
        ("newsroom-people", 2)
    );
    assert_eq!(store.kb_count().expect("count"), 5);

    let quist = only(&store, "Mara Quist");
    assert_eq!(quist.description, "Port director of Port Ellery since 2024");
    assert_eq!(quist.imported_at, later);
    assert_eq!(
        store.kb_lookup("Harbourmaster Quist").expect("lookup"),
        Vec::new(),
        "the dropped alias no longer finds her"
    );
    // Entries the second file does not mention are kept as they were.
    assert_eq!(only(&store, "PEDU").imported_at, first_import());

    // Another source with the same name is another entry, not an update.
    import(
        &mut store,
        &fixture("wikidata-sample.json"),
        &languages(&["en"]),
    );
    assert_eq!(store.kb_count().expect("count"), 18);
    let sources: Vec<(String, usize)> = store
        .kb_sources()
        .expect("sources")
        .into_iter()
        .map(|s| (s.source, s.entities))
        .collect();
    assert_eq!(
        sources,
        [
            ("Wikidata".to_string(), 13),
            ("newsroom-people".to_string(), 5)
        ]
    );
}

#[test]
fn batches_report_progress_and_lookups_rank_labels_first() {
    let mut store = store();
    let path = fixture("wikidata-sample.json");
    let options = KbImportOptions {
        batch_size: 4,
        ..languages(&["en"])
    };
    let mut seen: Vec<KbProgress> = Vec::new();
    import_kb(&mut store, &path, &options, first_import(), &mut |p| {
        seen.push(*p)
    })
    .expect("import");
    let imported: Vec<usize> = seen.iter().map(|p| p.imported).collect();
    assert_eq!(imported, [4, 8, 12, 13]);
    let last = seen.last().expect("progress");
    assert_eq!(last.bytes_read, last.total_bytes);
    assert_eq!(
        last.total_bytes,
        std::fs::metadata(&path).expect("size").len()
    );

    // "Apple" is an alias of Apple Inc.; a JSONL entry labelled "Apple" ranks first.
    let dir = tempfile::tempdir().expect("temp dir");
    let fruit = write(
        &dir,
        "fruit.jsonl",
        br#"{"id":"f-1","name":"Apple","description":"Fruit of the apple tree","language":"en"}"#,
    );
    import(&mut store, &fruit, &languages(&["en"]));
    assert_eq!(
        ids(&store.kb_lookup("apple").expect("lookup")),
        ["f-1", "Q312"]
    );
}

#[test]
fn unknown_formats_are_one_clear_error_and_store_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "pages.xml",
            b"<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.10/\">\n".to_vec(),
            "not a knowledge-base dump: line 1 starts with '<', expected a Wikidata JSON \
             dump or JSONL records (plain, gzip or bzip2)",
        ),
        (
            "dump.json.xz",
            vec![0xfd, b'7', b'z', b'X', b'Z', 0x00, 0x00, 0x04],
            "xz-compressed: only plain, gzip and bzip2 dumps are read (decompress it first)",
        ),
        (
            "empty.json",
            Vec::new(),
            "empty file: not a knowledge-base dump",
        ),
        (
            "blank.jsonl",
            b"\n  \n\n".to_vec(),
            "no records: not a knowledge-base dump",
        ),
        (
            "articles.jsonl",
            br#"{"id":"a1","url":"https://example.org/a","title":"Harbour strike"}"#.to_vec(),
            "not a knowledge-base dump: none of its first 1 lines is a Wikidata entity \
             (with \"labels\") or a JSONL record (with \"name\")",
        ),
        (
            "binary.gz",
            gzip(&[0u8, 159, 146, 150]),
            "not a knowledge-base dump: line 1 starts with byte 0x00, expected a Wikidata \
             JSON dump or JSONL records (plain, gzip or bzip2)",
        ),
    ];
    for (name, bytes, cause) in cases {
        let path = write(&dir, name, &bytes);
        let mut store = store();
        let err = import_kb(
            &mut store,
            &path,
            &languages(&["en"]),
            first_import(),
            &mut |_| {},
        )
        .expect_err(name);
        assert_eq!(err.to_string(), format!("{}: {cause}", path.display()));
        assert_eq!(store.kb_count().expect("count"), 0);
    }
    let missing = dir.path().join("missing.json");
    let err = import_kb(
        &mut store(),
        &missing,
        &languages(&["en"]),
        first_import(),
        &mut |_| {},
    )
    .expect_err("missing file");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot open: ", missing.display())),
        "{err}"
    );
}

#[test]
fn a_truncated_download_keeps_what_came_before_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compressed = gzip(&fixture_bytes("wikidata-sample.json"));
    let path = write(&dir, "cut.json.gz", &compressed[..compressed.len() * 3 / 4]);
    let mut store = store();
    let options = KbImportOptions {
        batch_size: 2,
        ..languages(&["en"])
    };
    let err = import_kb(&mut store, &path, &options, first_import(), &mut |_| {})
        .expect_err("truncated gzip");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{}: read failed after line ", path.display())),
        "{message}"
    );
    assert!(message.contains("(gzip data)"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    let kept = store.kb_count().expect("count");
    assert!(
        kept > 0 && kept < 13,
        "entries before the cut are kept: {kept}"
    );
    assert_eq!(only(&store, "Douglas Adams").id, "Q42");
}

#[test]
fn an_empty_language_list_is_refused() {
    let err = import_kb(
        &mut store(),
        &fixture("newsroom-people.jsonl"),
        &languages(&[" ", ""]),
        first_import(),
        &mut |_| {},
    )
    .expect_err("no languages");
    assert!(
        err.to_string()
            .ends_with(": no language configured to import"),
        "{err}"
    );
}
