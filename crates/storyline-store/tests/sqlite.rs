//! The SQLite backend against the shared conformance suite, one test per check, on fresh
//! database files and in memory; plus what only a file database has: reopening, migrations
//! bookkeeping, WAL, open errors.

use chrono::{TimeZone, Utc};
use std::path::Path;
use storyline_model::{ArticleId, EntityKind, ExtractionStatus, Feed, KbEntity};
use storyline_store::{DB_FILE_NAME, SqliteStore, Store, StoreError};
use tempfile::TempDir;

#[macro_use]
mod conformance_support;

fn temp_dir() -> TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh store in a data directory that does not exist yet: open must create it.
fn file_store() -> Option<(SqliteStore, TempDir)> {
    let dir = temp_dir();
    Some((open(&dir.path().join("data")), dir))
}

fn memory_store() -> Option<(SqliteStore, ())> {
    Some((
        SqliteStore::open_in_memory().unwrap_or_else(|e| panic!("{e}")),
        (),
    ))
}

/// The conformance suite on fresh database files, one test per check.
mod file {
    conformance_tests!(crate::file_store);
}

/// The conformance suite on fresh in-memory databases, one test per check.
mod in_memory {
    conformance_tests!(crate::memory_store);
}

#[test]
fn reopening_keeps_data_and_does_not_reapply_migrations() {
    let dir = temp_dir();
    let feed = Feed::new(
        "https://harbour-times.example/feed.xml",
        None,
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0)
            .single()
            .expect("date"),
    );
    let first_migrations = {
        let mut store = open(dir.path());
        assert_eq!(store.path(), Some(dir.path().join(DB_FILE_NAME).as_path()));
        store.add_feed(&feed).expect("add feed");
        store.applied_migrations().expect("migrations")
    };
    let versions: Vec<u32> = first_migrations.iter().map(|m| m.version).collect();
    let expected: Vec<u32> = (1..=SqliteStore::schema_version()).collect();
    assert_eq!(versions, expected);
    assert_eq!(first_migrations[0].name, "initial");

    let mut store = open(dir.path());
    assert_eq!(store.feeds().expect("feeds"), vec![feed.clone()]);
    // Same rows, same application times: nothing ran a second time.
    assert_eq!(
        store.applied_migrations().expect("migrations"),
        first_migrations
    );
    assert!(!store.add_feed(&feed).expect("add again"));
}

#[test]
fn file_store_uses_wal_and_memory_store_does_not_pretend() {
    let dir = temp_dir();
    assert_eq!(open(dir.path()).journal_mode().expect("mode"), "wal");
    let memory = SqliteStore::open_in_memory().expect("in memory");
    assert_eq!(memory.journal_mode().expect("mode"), "memory");
    assert_eq!(memory.path(), None);
}

/// An article of the fictional Harbour Times, its outlet resolved from `url`.
fn harbour_article(id: &str, url: &str, content_hash: &str) -> storyline_model::Article {
    storyline_model::Article {
        id: ArticleId(id.to_string()),
        url: url.to_string(),
        headline: "Harbour board meets the union".to_string(),
        article_body: "The meeting lasted four hours.".to_string(),
        description: None,
        author: Vec::new(),
        date_published: None,
        date_modified: None,
        date_fetched: Utc::now(),
        in_language: None,
        outlet: storyline_model::Outlet::from_source(url, "The Harbour Times"),
        image: None,
        feed_url: None,
        content_hash: content_hash.to_string(),
        duplicate_of: None,
        extraction: ExtractionStatus::Imported,
        extra: serde_json::Map::new(),
    }
}

#[test]
fn two_connections_see_each_others_writes() {
    let dir = temp_dir();
    let mut writer = open(dir.path());
    let reader = open(dir.path());
    let article = harbour_article(
        "a-shared",
        "https://harbour-times.example/news/shared",
        "hash-shared",
    );
    writer
        .insert_articles(std::slice::from_ref(&article))
        .expect("insert");
    assert_eq!(reader.article(&article.id).expect("read"), Some(article));
}

#[test]
fn open_errors_name_the_path() {
    let dir = temp_dir();
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "a file where the data directory should be").expect("write");
    let err = SqliteStore::open(&blocker).err().expect("open must fail");
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("cannot create data directory "),
        "{message}"
    );
    assert!(message.contains("not-a-directory"), "{message}");
    assert!(!message.contains('\n'), "{message}");

    let garbage_dir = dir.path().join("garbage");
    std::fs::create_dir(&garbage_dir).expect("mkdir");
    std::fs::write(garbage_dir.join(DB_FILE_NAME), vec![b'x'; 4096]).expect("write");
    let message = SqliteStore::open(&garbage_dir)
        .err()
        .expect("must fail")
        .to_string();
    assert!(message.contains(DB_FILE_NAME), "{message}");
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let dir = temp_dir();
    drop(open(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).expect("raw open");
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '')",
        [],
    )
    .expect("insert");
    drop(conn);
    match SqliteStore::open(dir.path()) {
        Err(StoreError::SchemaTooNew {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (999, SqliteStore::schema_version()));
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn corrupt_rows_are_reported_not_panicked_on() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store
        .add_feed(&Feed::new(
            "https://valley-courier.example/rss",
            None,
            Utc::now(),
        ))
        .expect("add");
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).expect("raw open");
    conn.execute("UPDATE feeds SET added_at = 'last Tuesday'", [])
        .expect("corrupt it");
    drop(conn);
    let store = open(dir.path());
    match store.feeds() {
        Err(StoreError::Corrupt { what, detail, .. }) => {
            assert_eq!(what, "feed https://valley-courier.example/rss added_at");
            assert!(detail.contains("last Tuesday"), "{detail}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn knowledge_base_survives_reopening() {
    let dir = temp_dir();
    let imported_at = Utc
        .with_ymd_and_hms(2024, 5, 2, 6, 0, 0)
        .single()
        .expect("date");
    let entries: Vec<KbEntity> = (0..10_000)
        .map(|n| KbEntity {
            id: format!("Q{n}"),
            name: format!("Entity {n}"),
            aliases: vec![format!("E{n}")],
            description: format!("entry number {n}"),
            kind: (n % 2 == 0).then_some(EntityKind::Place),
            language: "en".to_string(),
            source: "Wikidata".to_string(),
            imported_at,
        })
        .collect();
    {
        let mut store = open(dir.path());
        assert_eq!(store.upsert_kb_entities(&entries).expect("upsert"), 10_000);
    }
    let store = open(dir.path());
    assert_eq!(store.kb_count().expect("count"), 10_000);
    assert_eq!(
        store.kb_lookup("e9876").expect("lookup"),
        vec![entries[9876].clone()]
    );
    assert_eq!(
        store.kb_lookup("Entity 0").expect("lookup"),
        vec![entries[0].clone()]
    );
}

#[test]
fn knowledge_base_lookup_is_one_indexed_query() {
    let dir = temp_dir();
    drop(open(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).expect("raw open");
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT e.id FROM kb_names n \
             JOIN kb_entities e ON e.source = n.source AND e.id = n.entity_id \
             WHERE n.name_key = ?1 ORDER BY n.is_label DESC, length(e.id), e.id, e.source",
        )
        .expect("prepare")
        .query_map(["ellery"], |row| row.get::<_, String>(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(
        plan.iter().any(|step| step.starts_with("SEARCH"))
            && !plan.iter().any(|step| step.starts_with("SCAN")),
        "lookups must search indexes, never scan a table: {plan:?}"
    );
}

/// A row stored before migration 0008 has no outlet columns: its outlet is resolved from its
/// publisher and URL when read, and a publisher that was a host shows without `www.`.
#[test]
fn rows_from_before_outlets_get_their_outlet_on_read() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    let mut article = harbour_article(
        "a-old",
        "https://www.harbour-times.example/news/old",
        "hash-old",
    );
    store
        .insert_articles(std::slice::from_ref(&article))
        .expect("insert");
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).expect("raw open");
    conn.execute(
        "UPDATE articles SET publisher = 'www.harbour-times.example', outlet_id = NULL, \
         outlet_host = NULL, outlet_country = NULL, outlet_language = NULL, \
         outlet_owner = NULL",
        [],
    )
    .expect("make it an old row");
    drop(conn);
    let store = open(dir.path());
    let read = store.article(&article.id).expect("read").expect("stored");
    assert_eq!(read.outlet.id, "harbour-times.example");
    assert_eq!(read.outlet.name, "Harbour Times");
    assert_eq!(read.outlet.host.as_deref(), Some("harbour-times.example"));
    // Everything else reads as stored.
    article.outlet = read.outlet.clone();
    assert_eq!(read, article);
}
