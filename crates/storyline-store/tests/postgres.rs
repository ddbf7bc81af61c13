//! The PostgreSQL backend against the shared conformance suite, one test per check, plus
//! what only a server database has: reconnecting, migration bookkeeping, connection errors,
//! several connections, lock waits.
//!
//! The server: `STORYLINE_TEST_POSTGRES`, a `postgres://` URL of a database where the user
//! may create databases (default `postgres://postgres@127.0.0.1:5432/postgres`, what CI
//! runs). `STORYLINE_TEST_POSTGRES=skip` skips these tests; otherwise a server that cannot be
//! reached fails every test with a line saying how to start one, never a silent pass.
//!
//! Each run of this test binary creates its own database, `storyline_test_<pid>_<nanos>`,
//! with the `unaccent` extension installed once in its `public` schema (the store's
//! migration would create it in the first store's schema, racing the others). Each check and
//! test then gets a fresh schema (`search_path` in the store's URL names it alone), dropped
//! when it ends. A schema rather than a database per check: CREATE DATABASE copies a template
//! (a tenth of a second or more, one at a time), a schema is a catalog row, so a check costs
//! its migrations only; and a store sees nothing outside its search path, so checks stay as
//! isolated as in databases of their own.
//!
//! A test binary cannot run code after its last test, so a run's database outlives it: each
//! run drops the test databases of earlier runs that are older than a minute and that no
//! session uses. A run keeps one connection to its own database open from start to end (the
//! anchor), so a concurrent run never mistakes it for a leftover.

#![cfg(feature = "postgres")]

use chrono::{TimeZone, Utc};
use postgres::{Client, NoTls};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};
use storyline_model::{Article, ArticleId, ExtractionStatus, Feed, KbEntity, Story, StoryId};
use storyline_store::{PgStore, Store, StoreError, StoreErrorKind};

#[macro_use]
mod conformance_support;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const TEST_DATABASE_PREFIX: &str = "storyline_test_";

/// This run's database on the test server.
struct TestDatabase {
    /// `postgres://` URL of the database itself.
    url: String,
    /// The anchor: keeps the database in use while the run lasts, and creates and drops the
    /// schemas of the tests.
    anchor: Mutex<Client>,
}

/// This run's database; `None` when the tests are switched off. Panics, in one line saying
/// how to start a server, when none can be reached.
fn database() -> Option<&'static TestDatabase> {
    static DATABASE: OnceLock<Result<Option<TestDatabase>, String>> = OnceLock::new();
    let result = DATABASE.get_or_init(|| {
        let server = std::env::var("STORYLINE_TEST_POSTGRES")
            .ok()
            .filter(|value| !value.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_SERVER.to_string());
        if server.trim().eq_ignore_ascii_case("skip") {
            eprintln!("STORYLINE_TEST_POSTGRES=skip: PostgreSQL store tests skipped");
            return Ok(None);
        }
        create_database(&server).map(Some)
    });
    match result {
        Ok(database) => database.as_ref(),
        Err(message) => panic!("{message}"),
    }
}

fn create_database(server: &str) -> Result<TestDatabase, String> {
    let mut admin = Client::connect(server, NoTls).map_err(|e| {
        // Shown without its password, as the store shows URLs.
        let shown = storyline_store::StoreLocation::Postgres(server.to_string());
        format!(
            "PostgreSQL store tests: cannot connect to {shown} ({}); start a server there \
             (CI: a postgres service on 127.0.0.1:5432, user postgres, trust auth; locally \
             e.g. `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16` \
             or `sudo service postgresql start`), set STORYLINE_TEST_POSTGRES to the URL of \
             one, or set STORYLINE_TEST_POSTGRES=skip to skip these tests",
            one_line(&e)
        )
    })?;
    drop_leftover_databases(&mut admin);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("{TEST_DATABASE_PREFIX}{}_{nanos}", std::process::id());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| format!("cannot create test database {name}: {}", one_line(&e)))?;
    let url = with_database(server, &name);
    let mut anchor = Client::connect(&url, NoTls)
        .map_err(|e| format!("cannot connect to test database {name}: {}", one_line(&e)))?;
    anchor
        .batch_execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        .map_err(|e| format!("cannot create unaccent in {name}: {}", one_line(&e)))?;
    Ok(TestDatabase {
        url,
        anchor: Mutex::new(anchor),
    })
}

/// Drops the test databases of earlier runs: older than a minute by their name, and with no
/// session (a run in progress holds its anchor). Best effort: a database that someone
/// connects to meanwhile is left for a later run.
fn drop_leftover_databases(admin: &mut Client) {
    let Ok(rows) = admin.query(
        "SELECT d.datname FROM pg_database d WHERE starts_with(d.datname, $1) \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
        &[&TEST_DATABASE_PREFIX],
    ) else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<_, String>(0) else {
            continue;
        };
        let created = name
            .rsplit('_')
            .next()
            .and_then(|nanos| nanos.parse::<u128>().ok());
        let stale = created.is_some_and(|created| now.saturating_sub(created) > 60_000_000_000);
        if stale && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority_start..];
    let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[path_start..]
        .find('?')
        .map_or("", |q| &rest[path_start + q..]);
    format!("{}/{name}{query}", &url[..authority_start + path_start])
}

/// `url` with the session option that puts `schema` alone on the search path.
fn with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

fn one_line(error: &postgres::Error) -> String {
    let text = match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => match std::error::Error::source(error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        },
    };
    text.replace('\n', " ")
}

fn anchor(database: &TestDatabase) -> MutexGuard<'_, Client> {
    // A test that panicked while holding it left the connection as usable as before.
    database
        .anchor
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh, empty schema of the run's database, dropped with everything in it at the end of
/// the test (after the stores that use it, when it is the guard of a fixture).
struct Schema {
    database: &'static TestDatabase,
    name: String,
}

impl Schema {
    fn new(database: &'static TestDatabase) -> Schema {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        anchor(database)
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap_or_else(|e| panic!("create schema {name}: {}", one_line(&e)));
        Schema { database, name }
    }

    /// The URL of a store living in this schema.
    fn url(&self) -> String {
        with_search_path(&self.database.url, &self.name)
    }

    fn connect(&self) -> PgStore {
        PgStore::connect(&self.url()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs SQL on this schema outside any store: to tamper with what a store wrote.
    fn execute(&self, sql: &str) {
        let mut client = anchor(self.database);
        let sql = format!("SET search_path = {}; {sql}; RESET search_path", self.name);
        client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {}", one_line(&e)));
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = anchor(self.database).batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

/// A store in a fresh schema, for one check; `None` when the tests are switched off.
fn pg_store() -> Option<(PgStore, Schema)> {
    let schema = Schema::new(database()?);
    Some((schema.connect(), schema))
}

/// The conformance suite on fresh schemas, one test per check.
mod conformance {
    conformance_tests!(crate::pg_store);
}

fn feed() -> Feed {
    Feed::new(
        "https://harbour-times.example/feed.xml",
        None,
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0)
            .single()
            .expect("date"),
    )
}

fn article(slug: &str) -> Article {
    Article {
        id: ArticleId(format!("a-{slug}")),
        url: format!("https://harbour-times.example/news/{slug}"),
        headline: "Harbour board meets the union".to_string(),
        article_body: "The meeting lasted four hours.".to_string(),
        description: None,
        author: Vec::new(),
        date_published: None,
        date_modified: None,
        date_fetched: Utc::now(),
        in_language: None,
        outlet: storyline_model::Outlet::from_source(
            "https://harbour-times.example/",
            "The Harbour Times",
        ),
        image: None,
        feed_url: None,
        content_hash: format!("hash-{slug}"),
        duplicate_of: None,
        extraction: ExtractionStatus::Imported,
        extra: serde_json::Map::new(),
    }
}

fn story(id: &str) -> Story {
    let at = Utc
        .with_ymd_and_hms(2024, 5, 1, 9, 0, 0)
        .single()
        .expect("date");
    Story {
        id: StoryId(id.to_string()),
        headline: "Strike".to_string(),
        created_at: at,
        updated_at: at,
        article_count: 1,
        outlet_count: 1,
        merged_into: None,
    }
}

#[test]
fn reconnecting_keeps_data_and_does_not_reapply_migrations() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let first_migrations = {
        let mut store = schema.connect();
        store.add_feed(&feed()).expect("add feed");
        store.applied_migrations().expect("migrations")
    };
    let versions: Vec<u32> = first_migrations.iter().map(|m| m.version).collect();
    let expected: Vec<u32> = (1..=PgStore::schema_version()).collect();
    assert_eq!(versions, expected);
    assert_eq!(first_migrations[0].name, "initial");
    assert!(
        first_migrations[0].applied_at.ends_with('Z'),
        "{:?}",
        first_migrations[0]
    );

    let mut store = schema.connect();
    assert_eq!(store.feeds().expect("feeds"), vec![feed()]);
    // Same rows, same application times: nothing ran a second time.
    assert_eq!(
        store.applied_migrations().expect("migrations"),
        first_migrations
    );
    assert!(!store.add_feed(&feed()).expect("add again"));
}

#[test]
fn a_schema_from_a_newer_build_is_refused() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    drop(schema.connect());
    schema.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
    match PgStore::connect(&schema.url()) {
        Err(StoreError::SchemaTooNew {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (999, PgStore::schema_version()));
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

/// Connection errors are one line naming the URL, never its password.
fn check_connect_error(url: &str, named: &str, kind: StoreErrorKind) {
    let err = PgStore::connect(url)
        .err()
        .unwrap_or_else(|| panic!("connecting to {named} must fail"));
    let message = err.to_string();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert_eq!(err.kind(), kind, "{message}");
    assert!(
        message.starts_with(&format!("cannot open database {named}: ")),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn connection_errors_are_one_line_naming_the_url_without_its_password() {
    // Nothing listens on port 1: refused at once, no server needed.
    check_connect_error(
        "postgres://storyline:hunter2@127.0.0.1:1/news?password=hunter2&connect_timeout=5",
        "postgres://storyline@127.0.0.1:1/news?connect_timeout=5",
        StoreErrorKind::Io,
    );
    check_connect_error(
        "host=127.0.0.1 port=1 user=storyline password=hunter2 dbname=news",
        "host=127.0.0.1 port=1 user=storyline dbname=news",
        StoreErrorKind::Io,
    );
    check_connect_error(
        "postgres://storyline:hunter2@127.0.0.1:5432/news?sslmode=sometimes",
        "postgres://storyline@127.0.0.1:5432/news?sslmode=sometimes",
        StoreErrorKind::Other,
    );
    let Some(database) = database() else {
        return;
    };
    // The server answers, and refuses: a database that does not exist.
    let missing = with_database(&database.url, "storyline_no_such_database");
    let message = PgStore::connect(&missing)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.contains("storyline_no_such_database") && message.contains("(SQLSTATE 3D000)"),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn two_connections_see_each_others_writes() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let mut writer = schema.connect();
    let reader = schema.connect();
    let article = article("shared");
    writer
        .insert_articles(std::slice::from_ref(&article))
        .expect("insert");
    assert_eq!(reader.article(&article.id).expect("read"), Some(article));
    // The generation a reader keys its caches on grows with another connection's writes.
    let before = reader.generation().expect("generation");
    writer
        .save_stories(&[story("s-strike")], &[])
        .expect("save story");
    assert!(reader.generation().expect("generation") > before);
}

#[test]
fn a_lock_held_past_the_lock_timeout_is_busy() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    // A short wait, through the URL's options (the store keeps a lock_timeout it is given).
    let url = format!("{}%20-c%20lock_timeout%3D200ms", schema.url());
    let mut store = PgStore::connect(&url).unwrap_or_else(|e| panic!("{e}"));
    store
        .save_stories(&[story("s-strike")], &[])
        .expect("save story");

    let mut holder = Client::connect(&schema.url(), NoTls).expect("second connection");
    let mut tx = holder.transaction().expect("begin");
    tx.batch_execute("SELECT 1 FROM stories WHERE id = 's-strike' FOR UPDATE")
        .expect("lock the story");
    let mut renamed = story("s-strike");
    renamed.headline = "Strike spreads".to_string();
    let err = store
        .save_stories(&[renamed], &[])
        .expect_err("the row is locked");
    assert!(err.is_busy(), "{err:?}");
    assert_eq!(err.kind(), StoreErrorKind::Busy);
    let message = err.to_string();
    assert!(message.contains("save story s-strike"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    tx.rollback().expect("release");
    // Once the lock is gone the same call goes through.
    store
        .save_stories(&[story("s-strike")], &[])
        .expect("save after the lock is released");
}

fn brief(story: &str, headline: &str) -> storyline_model::Brief {
    storyline_model::Brief {
        schema_version: storyline_model::BRIEF_SCHEMA_VERSION,
        story_id: StoryId(story.to_string()),
        version: 0,
        headline: headline.to_string(),
        generated_at: Utc
            .with_ymd_and_hms(2024, 5, 1, 10, 0, 0)
            .single()
            .expect("date"),
        engine: storyline_model::BriefEngine {
            name: "extractive".to_string(),
            version: "0.1.0".to_string(),
            model: None,
            prompt_version: None,
        },
        input_articles: Vec::new(),
        sources: Vec::new(),
        whats_happened: storyline_model::Section::default(),
        behind_the_headline: storyline_model::Section::default(),
        what_the_papers_say: storyline_model::Section::default(),
        how_we_got_here: Vec::new(),
        go_deeper: Vec::new(),
        more_on_these_topics: Vec::new(),
        checks: storyline_model::CheckReport::default(),
    }
}

#[test]
fn concurrent_brief_writers_take_distinct_versions() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    schema
        .connect()
        .save_stories(&[story("s-strike")], &[])
        .expect("save story");
    // Two processes writing briefs of one story at once: "latest + 1" must not hand the
    // same version to both (the story row is locked while a version is taken).
    let versions: Vec<u32> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..2)
            .map(|writer| {
                let mut store = schema.connect();
                scope.spawn(move || {
                    (0..20)
                        .map(|n| {
                            store
                                .save_brief(&brief("s-strike", &format!("Draft {writer}-{n}")))
                                .unwrap_or_else(|e| panic!("{e}"))
                        })
                        .collect::<Vec<u32>>()
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|writer| writer.join().expect("writer thread"))
            .collect()
    });
    let mut sorted = versions.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=40).collect::<Vec<u32>>(), "{versions:?}");
    let store = schema.connect();
    assert_eq!(
        store
            .brief_versions(&StoryId("s-strike".into()))
            .expect("versions")
            .len(),
        40
    );
    let latest = store
        .latest_brief(&StoryId("s-strike".into()))
        .expect("latest")
        .expect("a brief");
    assert_eq!(latest.version, 40);
    // The search entry is the latest version's.
    let hits = store.search_briefs("draft", 5).expect("search");
    assert_eq!(
        hits.iter().map(|hit| hit.version).collect::<Vec<_>>(),
        [40],
        "{hits:?}"
    );
}

#[test]
fn corrupt_rows_are_reported_not_panicked_on() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let mut store = schema.connect();
    store.add_feed(&feed()).expect("add");
    schema.execute("UPDATE feeds SET added_at = 'infinity'");
    match store.feeds() {
        Err(StoreError::Corrupt { what, .. }) => {
            assert_eq!(what, "feed https://harbour-times.example/feed.xml added_at");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn knowledge_base_survives_reconnecting() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
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
            kind: None,
            language: "en".to_string(),
            source: "Wikidata".to_string(),
            imported_at,
        })
        .collect();
    {
        let mut store = schema.connect();
        assert_eq!(store.upsert_kb_entities(&entries).expect("upsert"), 10_000);
    }
    let store = schema.connect();
    assert_eq!(store.kb_count().expect("count"), 10_000);
    assert_eq!(
        store.kb_lookup("e9876").expect("lookup"),
        vec![entries[9876].clone()]
    );
}

#[test]
fn knowledge_base_lookup_and_search_use_indexes() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    drop(schema.connect());
    let mut client = Client::connect(&schema.url(), NoTls).expect("connect");
    // The tables are empty, so the planner would scan them anyway; forbidding scans shows
    // whether an index can answer.
    client
        .batch_execute("SET enable_seqscan = off")
        .expect("set");
    for (what, sql) in [
        (
            "knowledge-base lookup",
            "EXPLAIN SELECT e.id FROM kb_names n \
             JOIN kb_entities e ON e.source = n.source AND e.id = n.entity_id \
             WHERE n.name_key = 'ellery' ORDER BY n.is_label DESC, length(e.id), e.id, e.source",
        ),
        (
            "article search",
            "EXPLAIN SELECT id FROM articles \
             WHERE search @@ plainto_tsquery('storyline_search', 'harbour strike')",
        ),
        (
            "brief search",
            "EXPLAIN SELECT story_id FROM brief_search \
             WHERE search @@ plainto_tsquery('storyline_search', 'harbour strike')",
        ),
    ] {
        let plan: Vec<String> = client
            .query(sql, &[])
            .expect("explain")
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect();
        assert!(
            !plan.iter().any(|step| step.contains("Seq Scan")),
            "{what} must use an index: {plan:#?}"
        );
    }
}

/// The incremental-state methods, scripted: what each call returns, as text, with the
/// backend-specific change numbers replaced by their order.
fn incremental_transcript(store: &mut dyn Store) -> Vec<String> {
    use storyline_store::{ClusterStateChanges, ClusterStoryRow, ClusterTermRow, NearDuplicateKey};
    let mut out = Vec::new();
    let mut note = |what: &str, value: String| out.push(format!("{what}: {value}"));
    let key = |signature: Option<&[u8]>, bands: &[i64]| NearDuplicateKey {
        signature: signature.map(<[u8]>::to_vec),
        bands: bands.to_vec(),
    };
    let fetched = Utc
        .with_ymd_and_hms(2024, 5, 3, 8, 0, 0)
        .single()
        .expect("date");
    let mut articles = ["original", "copy", "short", "later"].map(|slug| {
        let mut article = article(slug);
        article.date_fetched = fetched + chrono::Duration::nanoseconds(slug.len() as i64);
        article
    });
    articles[1].date_published = Utc.with_ymd_and_hms(2024, 5, 2, 8, 0, 0).single();
    note(
        "insert indexed",
        format!(
            "{:?}",
            store.insert_articles_indexed(
                &articles,
                &[
                    key(Some(b"sig-original"), &[1, 2, 3]),
                    key(Some(b"sig-copy"), &[3, 4, 4]),
                    key(None, &[5]),
                ],
            )
        ),
    );
    note(
        "insert again",
        format!(
            "{:?}",
            store.insert_articles_indexed(&articles[..1], &[key(Some(b"other"), &[9])])
        ),
    );
    let candidates = |store: &dyn Store, bands: &[i64]| {
        store
            .near_duplicate_candidates(bands)
            .map(|found| {
                found
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} {:?} {:?} {}",
                            c.id,
                            c.url,
                            String::from_utf8_lossy(&c.signature),
                            c.duplicate_of,
                            c.effective_time.to_rfc3339()
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(|e| e.to_string())
    };
    note("candidates 3", format!("{:?}", candidates(&*store, &[3])));
    note(
        "candidates 4 5 9",
        format!("{:?}", candidates(&*store, &[4, 5, 9, 9])),
    );
    note("candidates none", format!("{:?}", candidates(&*store, &[])));
    let missing = |store: &dyn Store| {
        store
            .articles_missing_index(10)
            .map(|found| found.iter().map(|a| a.id.0.clone()).collect::<Vec<_>>())
    };
    note("missing", format!("{:?}", missing(&*store)));
    note(
        "index unknown",
        format!(
            "{:?}",
            store
                .index_near_duplicates(&[
                    (ArticleId("a-later".into()), key(Some(b"sig-later"), &[2])),
                    (ArticleId("a-ghost".into()), key(None, &[])),
                ])
                .map_err(|e| e.kind())
        ),
    );
    note("missing after refusal", format!("{:?}", missing(&*store)));
    note(
        "index later",
        format!(
            "{:?}",
            store.index_near_duplicates(&[(
                ArticleId("a-later".into()),
                key(Some(b"sig-later"), &[2])
            )])
        ),
    );
    note("missing after", format!("{:?}", missing(&*store)));
    note("candidates 2", format!("{:?}", candidates(&*store, &[2])));

    // Clustering state, versioned.
    note("version", format!("{:?}", store.cluster_state_version()));
    note("state", format!("{:?}", store.cluster_state()));
    let term = |id: u32, text: &str, df: u32| ClusterTermRow {
        id,
        term: text.to_string(),
        df,
        surface: id.is_multiple_of(2).then(|| text.to_uppercase()),
        proper: id.is_multiple_of(2),
    };
    let state = |story: &str, seq: u64, resident: bool| ClusterStoryRow {
        story: StoryId(story.to_string()),
        seq,
        resident,
        state: format!("state of {story}").into_bytes(),
    };
    let mut strike = story("s-strike");
    let mut ferries = story("s-ferries");
    ferries.created_at = Utc
        .with_ymd_and_hms(2024, 4, 30, 9, 0, 0)
        .single()
        .expect("date");
    let member = |story: &str, article: &str| storyline_model::StoryArticle {
        story_id: StoryId(story.to_string()),
        article_id: ArticleId(format!("a-{article}")),
        score: 0.5,
        why: vec!["harbour".to_string()],
    };
    let first = ClusterStateChanges {
        base_version: 0,
        replace: true,
        meta: b"meta-1".to_vec(),
        terms: vec![
            term(1, "harbour", 2),
            term(0, "strike", 1),
            term(1, "harbour", 3),
        ],
        stories: vec![state("s-strike", 2, true), state("s-ferries", 1, true)],
        dropped: Vec::new(),
    };
    note(
        "save 1",
        format!(
            "{:?}",
            store.save_clustering(
                &[strike.clone(), ferries.clone()],
                &[member("s-strike", "original"), member("s-ferries", "copy")],
                &first,
            )
        ),
    );
    note(
        "save on a stale version",
        format!(
            "{:?}",
            store
                .save_clustering(&[], &[member("s-strike", "short")], &first)
                .map_err(|e| e.kind())
        ),
    );
    note("state 1", format!("{:?}", store.cluster_state()));
    strike.merged_into = Some(ferries.id.clone());
    let second = ClusterStateChanges {
        base_version: 1,
        replace: false,
        meta: b"meta-2".to_vec(),
        terms: vec![term(2, "ferry", 1)],
        stories: vec![state("s-ferries", 1, true), state("s-old", 0, false)],
        dropped: vec![strike.id.clone()],
    };
    note(
        "save 2",
        format!(
            "{:?}",
            store.save_clustering(
                std::slice::from_ref(&strike),
                &[
                    member("s-ferries", "original"),
                    member("s-ferries", "short")
                ],
                &second,
            )
        ),
    );
    note("state 2", format!("{:?}", store.cluster_state()));
    note("version 2", format!("{:?}", store.cluster_state_version()));
    note(
        "story states",
        format!(
            "{:?} {:?} {:?}",
            store.cluster_story_state(&StoryId("s-old".into())),
            store.cluster_story_state(&strike.id),
            store.cluster_story_state(&ferries.id)
        ),
    );
    note(
        "unclustered",
        format!(
            "{:?}",
            store
                .unclustered_articles()
                .map(|found| found.iter().map(|a| a.id.0.clone()).collect::<Vec<_>>())
        ),
    );

    // Dirty marks: the membership changes above marked the stories.
    let dirty = store.dirty_stories(10).unwrap_or_default();
    note(
        "dirty",
        format!(
            "{:?}",
            dirty.iter().map(|(id, _)| id.0.clone()).collect::<Vec<_>>()
        ),
    );
    if let Some((id, mark)) = dirty.first() {
        note(
            "stale mark",
            format!("{:?}", store.mark_brief_current(id, mark + 100)),
        );
        note(
            "current mark",
            format!("{:?}", store.mark_brief_current(id, *mark)),
        );
    }
    note(
        "dirty after",
        format!(
            "{:?}",
            store
                .dirty_stories(10)
                .map(|found| found.into_iter().map(|(id, _)| id.0).collect::<Vec<_>>())
        ),
    );

    // Related-story profiles.
    let profile = |story: &str, keys: &[&str]| storyline_store::StoryProfileRow {
        story: StoryId(story.to_string()),
        profile: format!("profile of {story}").into_bytes(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
    };
    store
        .save_stories(&[story("s-vote"), story("s-budget")], &[])
        .expect("save stories");
    for row in [
        profile("s-ferries", &["e:port-ellery", "t:ferry", "t:ferry"]),
        profile("s-vote", &["e:port-ellery", "t:vote"]),
        profile("s-budget", &["t:budget"]),
        profile("s-strike", &["e:port-ellery", "t:ferry"]),
    ] {
        note("profile", format!("{:?}", store.save_story_profile(&row)));
    }
    note(
        "profile of a missing story",
        format!(
            "{:?}",
            store
                .save_story_profile(&profile("s-ghost", &["t:x"]))
                .map_err(|e| e.kind())
        ),
    );
    note(
        "profile rewritten",
        format!(
            "{:?}",
            store.save_story_profile(&profile("s-vote", &["t:vote", "e:port-ellery", "t:ballot"]))
        ),
    );
    let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    note(
        "by keys",
        format!(
            "{:?}",
            store.story_profiles_by_keys(&keys(&["e:port-ellery", "t:ferry", "t:vote"]), 10)
        ),
    );
    note(
        "by keys, one",
        format!(
            "{:?}",
            store.story_profiles_by_keys(&keys(&["e:port-ellery", "t:ferry"]), 1)
        ),
    );
    note(
        "by no keys",
        format!("{:?}", store.story_profiles_by_keys(&[], 10)),
    );
    note(
        "key counts",
        format!(
            "{:?}",
            store.story_profile_key_counts(&keys(&[
                "e:port-ellery",
                "t:ferry",
                "t:none",
                "t:ferry"
            ]))
        ),
    );

    // Change numbers: compared by what they list, not by their values.
    let (changed, latest) = store.stories_changed_after(0).expect("changes");
    note("changed after 0", format!("{changed:?}"));
    let (again, same) = store.stories_changed_after(latest).expect("changes");
    note(
        "changed after latest",
        format!("{again:?} {}", same == latest),
    );
    store
        .save_stories(&[story("s-budget")], &[])
        .expect("save story");
    let (changed, newer) = store.stories_changed_after(latest).expect("changes");
    note(
        "changed after a save",
        format!("{changed:?} {}", newer > latest),
    );
    out
}

#[test]
fn incremental_state_behaves_as_in_sqlite() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let mut postgres = schema.connect();
    let mut sqlite = storyline_store::SqliteStore::open_in_memory().expect("sqlite");
    let expected = incremental_transcript(&mut sqlite);
    let got = incremental_transcript(&mut postgres);
    for (line, (want, have)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(have, want, "line {line} of the transcript");
    }
    assert_eq!(got.len(), expected.len());
}

#[test]
fn concurrent_clustering_saves_from_one_version_let_one_through() {
    use storyline_store::ClusterStateChanges;
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    // Four processes that loaded the same (empty) state save at once: one wins, the others
    // learn that they must load again; none of their stories is half saved.
    let results: Vec<Result<u64, StoreErrorKind>> = std::thread::scope(|scope| {
        let savers: Vec<_> = (0..4)
            .map(|n| {
                let mut store = schema.connect();
                scope.spawn(move || {
                    let changes = ClusterStateChanges {
                        base_version: 0,
                        replace: true,
                        meta: format!("meta of saver {n}").into_bytes(),
                        ..ClusterStateChanges::default()
                    };
                    store
                        .save_clustering(&[story(&format!("s-saver-{n}"))], &[], &changes)
                        .map_err(|e| e.kind())
                })
            })
            .collect();
        savers
            .into_iter()
            .map(|saver| saver.join().expect("saver thread"))
            .collect()
    });
    assert_eq!(
        results.iter().filter(|r| **r == Ok(1)).count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(StoreErrorKind::Conflict))
            .count(),
        3,
        "{results:?}"
    );
    let store = schema.connect();
    assert_eq!(store.cluster_state_version().expect("version"), 1);
    assert_eq!(store.stories().expect("stories").len(), 1);
}

#[test]
fn tampered_rows_break_the_named_invariants() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let mut store = schema.connect();
    store
        .insert_articles(&[article("one"), article("two")])
        .expect("insert");
    let mut strike = story("s-strike");
    strike.article_count = 1;
    store
        .save_stories(
            &[strike],
            &[storyline_model::StoryArticle {
                story_id: StoryId("s-strike".into()),
                article_id: ArticleId("a-one".into()),
                score: 1.0,
                why: Vec::new(),
            }],
        )
        .expect("save story");
    let mut written = brief("s-strike", "Strike");
    written.input_articles = vec![ArticleId("a-one".into())];
    store.save_brief(&written).expect("brief");
    store.save_brief(&written).expect("brief");
    let checks = |store: &PgStore| -> Vec<(&'static str, String)> {
        store
            .check_invariants()
            .expect("check")
            .into_iter()
            .map(|v| (v.check, v.detail))
            .collect()
    };
    assert_eq!(checks(&store), Vec::new());
    // What only a hand-written statement (or a bug) can do: the derived tables drift.
    schema.execute(
        "DELETE FROM unclustered_articles; \
         UPDATE brief_search SET version = 1 WHERE story_id = 's-strike'",
    );
    let found = checks(&store);
    assert!(
        found.contains(&(
            "unclustered_in_step",
            "article a-two is in no story but not listed as unclustered".to_string()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "search_in_step",
            "story s-strike: brief v1 is searchable, not its latest".to_string()
        )),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn concurrent_story_writers_do_not_deadlock() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let mut setup = schema.connect();
    let articles: Vec<Article> = (0..4).map(|n| article(&format!("a{n}"))).collect();
    setup.insert_articles(&articles).expect("insert");
    // Two writers touch the same stories in opposite orders, with memberships, briefs and
    // entity cards: every write takes the generation row first, so they queue instead of
    // each holding a row the other waits for.
    std::thread::scope(|scope| {
        for writer in 0..2 {
            let mut store = schema.connect();
            scope.spawn(move || {
                let mut ids = ["s-x", "s-y"];
                if writer == 1 {
                    ids.reverse();
                }
                for round in 0..25 {
                    let stories: Vec<Story> = ids.iter().map(|id| story(id)).collect();
                    let members: Vec<storyline_model::StoryArticle> = (0..4)
                        .map(|n| storyline_model::StoryArticle {
                            story_id: StoryId(ids[(n + round) % 2].to_string()),
                            article_id: ArticleId(format!("a-a{n}")),
                            score: 1.0,
                            why: Vec::new(),
                        })
                        .collect();
                    store
                        .save_stories(&stories, &members)
                        .unwrap_or_else(|e| panic!("writer {writer} round {round}: {e}"));
                    store
                        .save_brief(&brief(ids[1], "Strike"))
                        .unwrap_or_else(|e| panic!("writer {writer} round {round}: {e}"));
                    store
                        .set_story_entities(&StoryId(ids[0].to_string()), &[])
                        .unwrap_or_else(|e| panic!("writer {writer} round {round}: {e}"));
                }
            });
        }
    });
}

#[test]
fn concurrent_workers_never_lease_the_same_feed_or_story() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    const ITEMS: usize = 120;
    let lease = std::time::Duration::from_secs(600);
    let now = Utc::now();
    {
        let mut store = schema.connect();
        for n in 0..ITEMS {
            let mut feed = feed();
            feed.url = format!("https://outlet-{n:03}.example/feed.xml");
            assert!(store.add_feed(&feed).expect("add feed"));
        }
        let articles: Vec<Article> = (0..ITEMS).map(|n| article(&format!("{n:03}"))).collect();
        store.insert_articles(&articles).expect("insert");
        let stories: Vec<Story> = (0..ITEMS).map(|n| story(&format!("s-{n:03}"))).collect();
        let members: Vec<storyline_model::StoryArticle> = (0..ITEMS)
            .map(|n| storyline_model::StoryArticle {
                story_id: StoryId(format!("s-{n:03}")),
                article_id: ArticleId(format!("a-{n:03}")),
                score: 1.0,
                why: Vec::new(),
            })
            .collect();
        store.save_stories(&stories, &members).expect("save");
    }
    // Four workers lease small batches at once until nothing is left; no feed is released
    // and every story leased is made current, so each must reach exactly one of them.
    let barrier = std::sync::Barrier::new(4);
    let taken: Vec<(Vec<String>, Vec<String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|n| {
                let mut store = schema.connect();
                let barrier = &barrier;
                scope.spawn(move || {
                    let worker = format!("worker-{n}");
                    let (mut feeds, mut stories) = (Vec::new(), Vec::new());
                    barrier.wait();
                    loop {
                        let f = store
                            .lease_feeds(&worker, 3, lease, now)
                            .expect("lease feeds");
                        let s = store
                            .lease_dirty_stories(&worker, 3, lease, now)
                            .expect("lease stories");
                        if f.is_empty() && s.is_empty() {
                            break;
                        }
                        feeds.extend(f.into_iter().map(|f| f.url));
                        // As a worker does: the brief written, the story marked current and
                        // released (a story leased again to its holder would come back).
                        for (id, mark) in &s {
                            assert!(store.mark_brief_current(id, *mark).expect("mark"));
                        }
                        let ids: Vec<StoryId> = s.iter().map(|(id, _)| id.clone()).collect();
                        store.release_stories(&worker, &ids).expect("release");
                        stories.extend(ids.into_iter().map(|id| id.0));
                    }
                    (feeds, stories)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker thread"))
            .collect()
    });
    let mut feeds: Vec<&String> = taken.iter().flat_map(|(f, _)| f).collect();
    let mut stories: Vec<&String> = taken.iter().flat_map(|(_, s)| s).collect();
    feeds.sort();
    stories.sort();
    let (all_feeds, all_stories) = (feeds.len(), stories.len());
    feeds.dedup();
    stories.dedup();
    assert_eq!(
        (all_feeds, feeds.len()),
        (ITEMS, ITEMS),
        "feeds handed out twice or lost"
    );
    assert_eq!(
        (all_stories, stories.len()),
        (ITEMS, ITEMS),
        "stories handed out twice or lost"
    );
}

/// A row stored before migration 0010 has no outlet columns: its outlet is resolved from its
/// publisher and URL when read, and a publisher that was a host shows without `www.`.
#[test]
fn rows_from_before_outlets_get_their_outlet_on_read() {
    let Some(database) = database() else {
        return;
    };
    let schema = Schema::new(database);
    let mut store = schema.connect();
    let mut old = article("old");
    old.url = "https://www.harbour-times.example/news/old".to_string();
    store
        .insert_articles(std::slice::from_ref(&old))
        .expect("insert");
    schema.execute(
        "UPDATE articles SET publisher = 'www.harbour-times.example', outlet_id = NULL, \
         outlet_host = NULL, outlet_country = NULL, outlet_language = NULL, \
         outlet_owner = NULL",
    );
    let read = store.article(&old.id).expect("read").expect("stored");
    assert_eq!(read.outlet.id, "harbour-times.example");
    assert_eq!(read.outlet.name, "Harbour Times");
    old.outlet = read.outlet.clone();
    assert_eq!(read, old);
}
