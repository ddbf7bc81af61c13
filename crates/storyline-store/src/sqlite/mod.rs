//! The SQLite backend: one database file, `storyline.db`, under the data directory.
//!
//! The connection runs in WAL mode (readers never block the writer), with foreign keys on and
//! a 5 s busy timeout so that a second process (`storyline serve` beside `storyline run`)
//! waits for the write lock instead of failing. Every write transaction is `IMMEDIATE`: it
//! takes the write lock up front, so read-then-write steps (brief versions) cannot race.

mod backup;
mod check;
mod codec;
mod copy;
mod incremental;
mod kb;
mod lease;
mod migrate;

use crate::outlet_columns::RawOutlet;
use crate::{
    BriefHit, ClusterStateChanges, ClusterStoryRow, ClusterTermRow, KbSourceSummary,
    NearDuplicateCandidate, NearDuplicateKey, SavedClusterState, Store, StoreCounts, StoreError,
    StoreErrorKind, StoryEntityRow, StoryProfileMatch, StoryProfileRow, Violation,
};
use chrono::{DateTime, Utc};
use codec::{
    corrupt, decode_count, decode_json, decode_optional_time, decode_time, encode_json, encode_time,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use storyline_model::{
    Article, ArticleId, Brief, EntityCard, EntityKind, Feed, KbEntity, Story, StoryArticle, StoryId,
};

pub use migrate::AppliedMigration;

/// The database file's name inside the data directory.
pub const DB_FILE_NAME: &str = "storyline.db";

/// How many candidates [`StoreError::Ambiguous`] lists at most.
const MAX_AMBIGUOUS_CANDIDATES: usize = 10;

/// SQLite's page cache per connection, in KiB (see [`SqliteStore::open`]): bounded, and
/// filled only as pages are read.
const PAGE_CACHE_KIB: u32 = 32 * 1024;

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    conn: Connection,
    path: Option<PathBuf>,
    /// How errors name this database: its path, or `:memory:`.
    label: String,
}

impl SqliteStore {
    /// Opens (creating if needed) `data_dir/storyline.db`, creating `data_dir` too, and
    /// brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        Self::open_path(data_dir.join(DB_FILE_NAME))
    }

    /// Opens (creating if needed) the database file at `path`, whatever its name, creating
    /// its directory too, and brings its schema up to date: a store kept outside a data
    /// directory (a backup, `storyline migrate --from old.db`).
    pub fn open_file(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        Self::open_path(path.to_path_buf())
    }

    fn open_path(path: PathBuf) -> Result<Self, StoreError> {
        let open_error = |source| open_error(&path.display().to_string(), source);
        let conn = Connection::open(&path).map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        // journal_mode answers with the mode in force; anything but WAL means the file
        // system refused it (some network file systems do), which we do not hide.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::WalUnavailable { path, mode });
        }
        // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(open_error)?;
        // SQLite's default page cache is 2 MB. A poll of a store of tens of thousands of
        // articles reads the same index and story pages many times over (memberships,
        // heads, profiles), and with 2 MB each read was a system call copying the page from
        // the OS cache again: a ninth of a late `bench/scale.sh` poll. The cache fills only
        // as pages are read, so a small store costs what it did.
        conn.execute_batch(&format!("PRAGMA cache_size = -{PAGE_CACHE_KIB}"))
            .map_err(open_error)?;
        let label = path.display().to_string();
        Self::finish_open(conn, Some(path), label)
    }

    /// A private database that lives as long as this value: for tests and one-off runs.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| open_error(":memory:", source))?;
        Self::finish_open(conn, None, ":memory:".to_string())
    }

    fn finish_open(
        mut conn: Connection,
        path: Option<PathBuf>,
        label: String,
    ) -> Result<Self, StoreError> {
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(|source| sql_error(&label, "enable foreign keys", source))?;
        migrate::migrate(&mut conn, &label)?;
        Ok(SqliteStore { conn, path, label })
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The journal mode in force (`wal` for a file store, `memory` in memory).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .map_err(|e| self.sql_error("read journal mode", e))
    }

    /// The migrations recorded in this database, oldest first.
    pub fn applied_migrations(&self) -> Result<Vec<AppliedMigration>, StoreError> {
        migrate::applied(&self.conn, &self.label)
    }

    /// The highest schema version this build applies.
    pub fn schema_version() -> u32 {
        migrate::latest_version()
    }

    fn sql_error(&self, op: impl Into<String>, source: rusqlite::Error) -> StoreError {
        sql_error(&self.label, op, source)
    }

    fn write_transaction(&mut self, op: &str) -> Result<Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&self.label, format!("begin {op}"), e))
    }

    /// Runs a cached query and reads every row with `read_row`; SQL failures name `op`.
    fn query_rows<T>(
        &self,
        op: &str,
        sql: &str,
        params: impl rusqlite::Params,
        read_row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.sql_error(op, e))?;
        stmt.query_map(params, read_row)
            .map_err(|e| self.sql_error(op, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_error(op, e))
    }

    fn query_articles(
        &self,
        op: &str,
        sql_after_from: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Article>, StoreError> {
        self.query_article_columns(op, ARTICLE_COLUMNS, sql_after_from, params)
    }

    /// [`SqliteStore::query_articles`] with its own column list: [`ARTICLE_COLUMNS`] or
    /// [`ARTICLE_HEAD_COLUMNS`].
    fn query_article_columns(
        &self,
        op: &str,
        columns: &str,
        sql_after_from: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Article>, StoreError> {
        let sql = format!("SELECT {columns} FROM articles {sql_after_from}");
        let raws = self.query_rows(op, &sql, params, RawArticle::from_row)?;
        raws.into_iter()
            .map(|raw| raw.decode(&self.label))
            .collect()
    }

    /// The articles with these ids in the order asked, repeats included, read with `columns`
    /// by one indexed lookup each, as [`Store::article`] reads one; `what` ends the error
    /// label (" without its body").
    fn articles_with(
        &self,
        ids: &[ArticleId],
        columns: &str,
        what: &str,
    ) -> Result<Vec<Article>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let found = self.query_article_columns(
                &format!("read article {id}{what}"),
                columns,
                "WHERE id = ?1",
                [id.as_str()],
            )?;
            out.extend(found);
        }
        Ok(out)
    }

    fn query_stories(
        &self,
        op: &str,
        sql_after_from: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Story>, StoreError> {
        let sql = format!(
            "SELECT id, headline, created_at, updated_at, article_count, outlet_count, \
             merged_into FROM stories {sql_after_from}"
        );
        let raws = self.query_rows(op, &sql, params, RawStory::from_row)?;
        raws.into_iter()
            .map(|raw| raw.decode(&self.label))
            .collect()
    }

    fn query_briefs(
        &self,
        op: &str,
        sql_after_where: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Brief>, StoreError> {
        let sql = format!("SELECT story_id, version, json FROM briefs WHERE {sql_after_where}");
        let rows = self.query_rows(op, &sql, params, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.into_iter()
            .map(|(story_id, version, json)| {
                let what = format!("brief {story_id} version {version}");
                let brief: Brief = decode_json(&self.label, &what, &json)?;
                let version = decode_count(&self.label, &what, version)?;
                if brief.story_id.as_str() != story_id || brief.version != version {
                    return Err(corrupt(
                        &self.label,
                        &what,
                        format!(
                            "its JSON says story {} version {}",
                            brief.story_id, brief.version
                        ),
                    ));
                }
                Ok(brief)
            })
            .collect()
    }

    /// Follows `merged_into` from `start` to the story that absorbed it.
    fn follow_merges(&self, start: StoryId) -> Result<StoryId, StoreError> {
        let mut seen = BTreeSet::new();
        let mut current = start;
        loop {
            if !seen.insert(current.clone()) {
                return Err(corrupt(
                    &self.label,
                    &format!("story {current}"),
                    "merged_into forms a cycle".to_string(),
                ));
            }
            let next: Option<Option<String>> = self
                .conn
                .query_row(
                    "SELECT merged_into FROM stories WHERE id = ?1",
                    [current.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| self.sql_error(format!("read story {current}"), e))?;
            match next {
                Some(Some(target)) => current = StoryId(target),
                Some(None) => return Ok(current),
                None => {
                    return Err(corrupt(
                        &self.label,
                        &format!("story {current}"),
                        "a merged_into chain leads to a missing story".to_string(),
                    ));
                }
            }
        }
    }
}

/// `StoreError::Database` for the database labelled `db`.
fn sql_error(db: &str, op: impl Into<String>, source: rusqlite::Error) -> StoreError {
    StoreError::Database {
        db: db.to_string(),
        op: op.into(),
        kind: error_kind(&source),
        source: Box::new(source),
    }
}

/// `StoreError::Open` for the database labelled `db`.
fn open_error(db: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Open {
        db: db.to_string(),
        kind: error_kind(&source),
        source: Box::new(source),
    }
}

/// Sorts a SQLite failure into the backend-neutral kinds callers act on.
fn error_kind(error: &rusqlite::Error) -> StoreErrorKind {
    use rusqlite::ErrorCode as Code;
    match error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            Code::DatabaseBusy | Code::DatabaseLocked => StoreErrorKind::Busy,
            // Only a taken key is a collision with another write; CHECK, NOT NULL and
            // foreign-key failures are rules the data broke.
            Code::ConstraintViolation
                if matches!(
                    failure.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                StoreErrorKind::Conflict
            }
            Code::DatabaseCorrupt | Code::NotADatabase => StoreErrorKind::Corrupt,
            Code::SystemIoFailure
            | Code::CannotOpen
            | Code::PermissionDenied
            | Code::DiskFull
            | Code::ReadOnly
            | Code::NoLargeFileSupport
            | Code::FileLockingProtocolFailed => StoreErrorKind::Io,
            _ => StoreErrorKind::Other,
        },
        rusqlite::Error::QueryReturnedNoRows => StoreErrorKind::NotFound,
        // A stored value of the wrong type or range: the row is not what the schema says.
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::Utf8Error(..) => StoreErrorKind::Corrupt,
        _ => StoreErrorKind::Other,
    }
}

/// Saves `brief` as its story's next version, within the caller's transaction; returns the
/// version.
fn write_brief(tx: &Connection, label: &str, brief: &Brief) -> Result<u32, StoreError> {
    let story = brief.story_id.as_str();
    let found = exists(tx, "SELECT 1 FROM stories WHERE id = ?1", story)
        .map_err(|e| sql_error(label, format!("look up story {story}"), e))?;
    if !found {
        return Err(StoreError::NotFound {
            what: format!("story {story} (of a brief)"),
        });
    }
    let latest: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM briefs WHERE story_id = ?1")
        .and_then(|mut stmt| stmt.query_row([story], |row| row.get(0)))
        .map_err(|e| sql_error(label, format!("read brief versions of story {story}"), e))?;
    let what = format!("brief versions of story {story}");
    let version = decode_count(label, &what, latest)?
        .checked_add(1)
        .ok_or_else(|| corrupt(label, &what, "the version counter is exhausted".into()))?;
    let mut stored = brief.clone();
    stored.version = version;
    let json = encode_json(&format!("brief of story {story}"), &stored)?;
    tx.prepare_cached(
        "INSERT INTO briefs (story_id, version, generated_at, json) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            story,
            version,
            encode_time(&stored.generated_at),
            json
        ])
    })
    .map_err(|e| sql_error(label, format!("save brief {version} of story {story}"), e))?;
    Ok(version)
}

fn exists(tx: &Connection, sql: &str, key: &str) -> rusqlite::Result<bool> {
    Ok(tx.query_row(sql, [key], |_| Ok(())).optional()?.is_some())
}

/// `articles` columns in the order [`RawArticle::from_row`] reads them, with `$body` in the
/// body's place: one list, so the full and the body-less selections cannot drift apart.
macro_rules! article_columns {
    ($body:literal) => {
        concat!(
            "id, url, headline, ",
            $body,
            ", description, author, date_published, date_modified, date_fetched, \
             in_language, publisher, image, feed_url, content_hash, duplicate_of, extraction, \
             extra, outlet_id, outlet_host, outlet_country, outlet_language, outlet_owner"
        )
    };
}

const ARTICLE_COLUMNS: &str = article_columns!("article_body");

/// [`ARTICLE_COLUMNS`] with an empty body in the body's place, for [`Store::article_heads`].
const ARTICLE_HEAD_COLUMNS: &str = article_columns!("'' AS article_body");

/// An `articles` row as stored, before decoding.
struct RawArticle {
    id: String,
    url: String,
    headline: String,
    article_body: String,
    description: Option<String>,
    author: String,
    date_published: Option<String>,
    date_modified: Option<String>,
    date_fetched: String,
    in_language: Option<String>,
    publisher: String,
    image: Option<String>,
    feed_url: Option<String>,
    content_hash: String,
    duplicate_of: Option<String>,
    extraction: String,
    extra: String,
    outlet: RawOutlet,
}

impl RawArticle {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawArticle {
            id: row.get(0)?,
            url: row.get(1)?,
            headline: row.get(2)?,
            article_body: row.get(3)?,
            description: row.get(4)?,
            author: row.get(5)?,
            date_published: row.get(6)?,
            date_modified: row.get(7)?,
            date_fetched: row.get(8)?,
            in_language: row.get(9)?,
            publisher: row.get(10)?,
            image: row.get(11)?,
            feed_url: row.get(12)?,
            content_hash: row.get(13)?,
            duplicate_of: row.get(14)?,
            extraction: row.get(15)?,
            extra: row.get(16)?,
            outlet: RawOutlet {
                id: row.get(17)?,
                host: row.get(18)?,
                country: row.get(19)?,
                language: row.get(20)?,
                owner: row.get(21)?,
            },
        })
    }

    fn decode(self, db: &str) -> Result<Article, StoreError> {
        let what = |column: &str| format!("article {} {column}", self.id);
        Ok(Article {
            author: decode_json(db, &what("author"), &self.author)?,
            date_published: decode_optional_time(
                db,
                &what("date_published"),
                self.date_published.as_deref(),
            )?,
            date_modified: decode_optional_time(
                db,
                &what("date_modified"),
                self.date_modified.as_deref(),
            )?,
            date_fetched: decode_time(db, &what("date_fetched"), &self.date_fetched)?,
            extraction: decode_json(db, &what("extraction"), &self.extraction)?,
            extra: decode_json(db, &what("extra"), &self.extra)?,
            outlet: self.outlet.decode(&self.url, self.publisher),
            url: self.url,
            headline: self.headline,
            article_body: self.article_body,
            description: self.description,
            in_language: self.in_language,
            image: self.image,
            feed_url: self.feed_url,
            content_hash: self.content_hash,
            duplicate_of: self.duplicate_of.map(ArticleId),
            id: ArticleId(self.id),
        })
    }
}

/// A `stories` row as stored, before decoding.
struct RawStory {
    id: String,
    headline: String,
    created_at: String,
    updated_at: String,
    article_count: i64,
    outlet_count: i64,
    merged_into: Option<String>,
}

impl RawStory {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawStory {
            id: row.get(0)?,
            headline: row.get(1)?,
            created_at: row.get(2)?,
            updated_at: row.get(3)?,
            article_count: row.get(4)?,
            outlet_count: row.get(5)?,
            merged_into: row.get(6)?,
        })
    }

    fn decode(self, db: &str) -> Result<Story, StoreError> {
        let what = |column: &str| format!("story {} {column}", self.id);
        Ok(Story {
            created_at: decode_time(db, &what("created_at"), &self.created_at)?,
            updated_at: decode_time(db, &what("updated_at"), &self.updated_at)?,
            article_count: decode_count(db, &what("article_count"), self.article_count)?,
            outlet_count: decode_count(db, &what("outlet_count"), self.outlet_count)?,
            headline: self.headline,
            merged_into: self.merged_into.map(StoryId),
            id: StoryId(self.id),
        })
    }
}

/// Turns user words into an FTS5 query that cannot be a syntax error: every word becomes a
/// quoted string (quotes doubled inside), so `AND`, `*`, `(`, `NEAR` and `column:` are plain
/// text. Words without a letter or digit are dropped, since the tokenizer would make them
/// empty phrases. `None` when nothing searchable is left.
fn fts5_query(user_input: &str) -> Option<String> {
    let phrases: Vec<String> = user_input
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" "))
}

impl Store for SqliteStore {
    fn add_feed(&mut self, feed: &Feed) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "INSERT INTO feeds (url, title, added_at, etag, last_modified, last_fetched_at, \
                 last_error, error_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (url) DO NOTHING",
                params![
                    feed.url,
                    feed.title,
                    encode_time(&feed.added_at),
                    feed.etag,
                    feed.last_modified,
                    feed.last_fetched_at.as_ref().map(encode_time),
                    feed.last_error,
                    feed.error_count,
                ],
            )
            .map_err(|e| self.sql_error(format!("add feed {}", feed.url), e))?;
        Ok(changed == 1)
    }

    fn remove_feed(&mut self, url: &str) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute("DELETE FROM feeds WHERE url = ?1", [url])
            .map_err(|e| self.sql_error(format!("remove feed {url}"), e))?;
        Ok(changed == 1)
    }

    fn feeds(&self) -> Result<Vec<Feed>, StoreError> {
        let op = "list feeds";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT url, title, added_at, etag, last_modified, last_fetched_at, last_error, \
                 error_count FROM feeds ORDER BY added_at, url",
            )
            .map_err(|e| self.sql_error(op, e))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, i64>(7)?,
                ))
            })
            .map_err(|e| self.sql_error(op, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_error(op, e))?;
        rows.into_iter()
            .map(
                |(url, title, added_at, etag, last_modified, fetched, last_error, errors)| {
                    let what = |column: &str| format!("feed {url} {column}");
                    Ok(Feed {
                        added_at: decode_time(&self.label, &what("added_at"), &added_at)?,
                        last_fetched_at: decode_optional_time(
                            &self.label,
                            &what("last_fetched_at"),
                            fetched.as_deref(),
                        )?,
                        error_count: decode_count(&self.label, &what("error_count"), errors)?,
                        url,
                        title,
                        etag,
                        last_modified,
                        last_error,
                    })
                },
            )
            .collect()
    }

    fn update_feed_state(&mut self, feed: &Feed) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE feeds SET title = ?2, etag = ?3, last_modified = ?4, \
                 last_fetched_at = ?5, last_error = ?6, error_count = ?7 WHERE url = ?1",
                params![
                    feed.url,
                    feed.title,
                    feed.etag,
                    feed.last_modified,
                    feed.last_fetched_at.as_ref().map(encode_time),
                    feed.last_error,
                    feed.error_count,
                ],
            )
            .map_err(|e| self.sql_error(format!("update feed {}", feed.url), e))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: format!("feed {}", feed.url),
            });
        }
        Ok(())
    }

    fn insert_articles(&mut self, articles: &[Article]) -> Result<Vec<bool>, StoreError> {
        self.insert_articles_indexed(articles, &[])
    }

    fn article(&self, id: &ArticleId) -> Result<Option<Article>, StoreError> {
        let mut found = self.query_articles(
            &format!("read article {id}"),
            "WHERE id = ?1",
            [id.as_str()],
        )?;
        Ok(found.pop())
    }

    fn articles(&self, ids: &[ArticleId]) -> Result<Vec<Article>, StoreError> {
        self.articles_with(ids, ARTICLE_COLUMNS, "")
    }

    fn article_heads(&self, ids: &[ArticleId]) -> Result<Vec<Article>, StoreError> {
        self.articles_with(ids, ARTICLE_HEAD_COLUMNS, " without its body")
    }

    fn has_article(&self, id: &ArticleId) -> Result<bool, StoreError> {
        exists(
            &self.conn,
            "SELECT 1 FROM articles WHERE id = ?1 \
             UNION ALL SELECT 1 FROM article_aliases WHERE alias_id = ?1",
            id.as_str(),
        )
        .map_err(|e| self.sql_error(format!("look up article {id}"), e))
    }

    fn add_article_aliases(
        &mut self,
        aliases: &[(ArticleId, ArticleId)],
    ) -> Result<(), StoreError> {
        if aliases.is_empty() {
            return Ok(());
        }
        let label = self.label.clone();
        let tx = self.write_transaction("article aliases")?;
        for (alias, article) in aliases {
            let found = exists(
                &tx,
                "SELECT 1 FROM articles WHERE id = ?1",
                article.as_str(),
            )
            .map_err(|e| sql_error(&label, format!("look up article {article}"), e))?;
            if !found {
                return Err(StoreError::NotFound {
                    what: format!("article {article}"),
                });
            }
            if alias == article {
                continue;
            }
            tx.execute(
                "INSERT INTO article_aliases (alias_id, article_id) \
                 SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM articles WHERE id = ?1) \
                 ON CONFLICT (alias_id) DO NOTHING",
                [alias.as_str(), article.as_str()],
            )
            .map_err(|e| sql_error(&label, format!("record alias {alias} of {article}"), e))?;
        }
        tx.commit()
            .map_err(|e| sql_error(&label, "commit article aliases".to_string(), e))
    }

    fn article_by_content_hash(&self, hash: &str) -> Result<Option<ArticleId>, StoreError> {
        self.conn
            .query_row(
                "SELECT id FROM articles WHERE content_hash = ?1 ORDER BY seq LIMIT 1",
                [hash],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map(|id| id.map(ArticleId))
            .map_err(|e| self.sql_error(format!("look up content hash {hash}"), e))
    }

    fn all_articles(&self) -> Result<Vec<Article>, StoreError> {
        self.query_articles(
            "list articles",
            "ORDER BY COALESCE(date_published, date_fetched), id",
            [],
        )
    }

    fn unclustered_articles(&self) -> Result<Vec<Article>, StoreError> {
        self.query_articles(
            "list unclustered articles",
            // The triggers of migration 0006 keep the table of articles in no story.
            "WHERE id IN (SELECT article_id FROM unclustered_articles) \
             ORDER BY COALESCE(date_published, date_fetched), id",
            [],
        )
    }

    fn set_duplicate_of(&mut self, id: &ArticleId, original: &ArticleId) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("duplicate marking")?;
        let found = exists(
            &tx,
            "SELECT 1 FROM articles WHERE id = ?1",
            original.as_str(),
        )
        .map_err(|e| sql_error(&label, format!("look up article {original}"), e))?;
        if !found {
            return Err(StoreError::NotFound {
                what: format!("article {original}"),
            });
        }
        let changed = tx
            .execute(
                "UPDATE articles SET duplicate_of = ?2 WHERE id = ?1",
                [id.as_str(), original.as_str()],
            )
            .map_err(|e| {
                sql_error(
                    &label,
                    format!("mark article {id} as a copy of {original}"),
                    e,
                )
            })?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: format!("article {id}"),
            });
        }
        tx.commit()
            .map_err(|e| sql_error(&label, format!("mark article {id} as a copy"), e))
    }

    fn search_articles(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(ArticleId, String)>, StoreError> {
        let Some(fts_query) = fts5_query(query) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let op = format!("search articles for {query:?}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, snippet(articles_fts, -1, '', '', '…', 24) \
                 FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid \
                 WHERE articles_fts MATCH ?1 ORDER BY articles_fts.rank, a.seq LIMIT ?2",
            )
            .map_err(|e| self.sql_error(&op, e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        stmt.query_map(params![fts_query, limit], |row| {
            Ok((ArticleId(row.get(0)?), row.get::<_, String>(1)?))
        })
        .map_err(|e| self.sql_error(&op, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql_error(&op, e))
    }

    fn save_stories(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
    ) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("story batch")?;
        write_stories(&tx, &label, stories, memberships)?;
        tx.commit()
            .map_err(|e| sql_error(&label, "commit story batch", e))
    }

    fn rename_story(&mut self, id: &StoryId, headline: &str) -> Result<bool, StoreError> {
        let op = format!("rename story {id}");
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE stories SET headline = ?2 WHERE id = ?1 AND merged_into IS NULL",
            )
            .and_then(|mut stmt| stmt.execute(params![id.as_str(), headline]))
            .map_err(|e| self.sql_error(&op, e))?;
        Ok(changed == 1)
    }

    fn stories(&self) -> Result<Vec<Story>, StoreError> {
        self.query_stories(
            "list stories",
            "WHERE merged_into IS NULL ORDER BY updated_at DESC, id",
            [],
        )
    }

    fn story(&self, id: &StoryId) -> Result<Option<Story>, StoreError> {
        let mut found =
            self.query_stories(&format!("read story {id}"), "WHERE id = ?1", [id.as_str()])?;
        Ok(found.pop())
    }

    fn story_members(&self, id: &StoryId) -> Result<Vec<StoryArticle>, StoreError> {
        let op = format!("list members of story {id}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.article_id, m.score, m.why FROM story_articles m \
                 JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?1 \
                 ORDER BY COALESCE(a.date_published, a.date_fetched), a.id",
            )
            .map_err(|e| self.sql_error(&op, e))?;
        let rows = stmt
            .query_map([id.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, f64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.sql_error(&op, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_error(&op, e))?;
        rows.into_iter()
            .map(|(article_id, score, why)| {
                let what = format!("membership of article {article_id} why");
                Ok(StoryArticle {
                    story_id: id.clone(),
                    why: decode_json(&self.label, &what, &why)?,
                    // Stored from an f32, so narrowing back is exact.
                    score: score as f32,
                    article_id: ArticleId(article_id),
                })
            })
            .collect()
    }

    fn story_of_article(&self, id: &ArticleId) -> Result<Option<StoryId>, StoreError> {
        self.conn
            .query_row(
                "SELECT story_id FROM story_articles WHERE article_id = ?1",
                [id.as_str()],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map(|story| story.map(StoryId))
            .map_err(|e| self.sql_error(format!("look up story of article {id}"), e))
    }

    fn resolve_story(&self, id_or_prefix: &str) -> Result<Option<StoryId>, StoreError> {
        let wanted = id_or_prefix.trim();
        if wanted.is_empty() {
            return Ok(None);
        }
        let op = format!("resolve story {wanted:?}");
        if exists(&self.conn, "SELECT 1 FROM stories WHERE id = ?1", wanted)
            .map_err(|e| self.sql_error(&op, e))?
        {
            return self.follow_merges(StoryId(wanted.to_string())).map(Some);
        }
        // Ids sort after their prefixes: scan the primary key from the prefix on and stop
        // at the first id that no longer starts with it.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM stories WHERE id >= ?1 ORDER BY id")
            .map_err(|e| self.sql_error(&op, e))?;
        let mut rows = stmt.query([wanted]).map_err(|e| self.sql_error(&op, e))?;
        let mut resolved = BTreeSet::new();
        while let Some(row) = rows.next().map_err(|e| self.sql_error(&op, e))? {
            let id: String = row.get(0).map_err(|e| self.sql_error(&op, e))?;
            if !id.starts_with(wanted) {
                break;
            }
            resolved.insert(self.follow_merges(StoryId(id))?);
            if resolved.len() > MAX_AMBIGUOUS_CANDIDATES {
                break;
            }
        }
        match resolved.len() {
            0 => Ok(None),
            1 => Ok(resolved.pop_first()),
            _ => Err(StoreError::Ambiguous {
                prefix: wanted.to_string(),
                candidates: resolved
                    .into_iter()
                    .take(MAX_AMBIGUOUS_CANDIDATES)
                    .collect(),
            }),
        }
    }

    fn save_brief(&mut self, brief: &Brief) -> Result<u32, StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("brief save")?;
        let version = write_brief(&tx, &label, brief)?;
        tx.commit().map_err(|e| {
            sql_error(
                &label,
                format!("commit brief of story {}", brief.story_id),
                e,
            )
        })?;
        Ok(version)
    }

    fn latest_brief(&self, story: &StoryId) -> Result<Option<Brief>, StoreError> {
        let mut found = self.query_briefs(
            &format!("read latest brief of story {story}"),
            "story_id = ?1 ORDER BY version DESC LIMIT 1",
            [story.as_str()],
        )?;
        Ok(found.pop())
    }

    fn brief(&self, story: &StoryId, version: u32) -> Result<Option<Brief>, StoreError> {
        let mut found = self.query_briefs(
            &format!("read brief {version} of story {story}"),
            "story_id = ?1 AND version = ?2",
            params![story.as_str(), version],
        )?;
        Ok(found.pop())
    }

    fn brief_versions(&self, story: &StoryId) -> Result<Vec<(u32, DateTime<Utc>)>, StoreError> {
        let op = format!("list brief versions of story {story}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT version, generated_at FROM briefs WHERE story_id = ?1 ORDER BY version",
            )
            .map_err(|e| self.sql_error(&op, e))?;
        let rows = stmt
            .query_map([story.as_str()], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| self.sql_error(&op, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_error(&op, e))?;
        rows.into_iter()
            .map(|(version, generated_at)| {
                let what = format!("brief {story} version {version}");
                Ok((
                    decode_count(&self.label, &what, version)?,
                    decode_time(&self.label, &what, &generated_at)?,
                ))
            })
            .collect()
    }

    fn search_briefs(&self, query: &str, limit: usize) -> Result<Vec<BriefHit>, StoreError> {
        let Some(fts_query) = fts5_query(query) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let op = format!("search briefs for {query:?}");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query_rows(
            &op,
            "SELECT f.story_id, f.version, f.headline, snippet(briefs_fts, -1, '', '', '…', 24) \
             FROM briefs_fts f JOIN stories s ON s.id = f.story_id \
             WHERE briefs_fts MATCH ?1 AND s.merged_into IS NULL \
             ORDER BY f.rank, f.rowid LIMIT ?2",
            params![fts_query, limit],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(story_id, version, headline, snippet)| {
                let what = format!("brief search entry of story {story_id}");
                Ok(BriefHit {
                    version: decode_count(&self.label, &what, version)?,
                    story_id: StoryId(story_id),
                    headline,
                    snippet,
                })
            })
            .collect()
    }

    fn cluster_state_version(&self) -> Result<u64, StoreError> {
        self.read_cluster_state_version()
    }

    fn cluster_state(&self) -> Result<Option<SavedClusterState>, StoreError> {
        self.read_cluster_state()
    }

    fn cluster_story_state(&self, story: &StoryId) -> Result<Option<ClusterStoryRow>, StoreError> {
        self.read_cluster_story_state(story)
    }

    fn save_clustering(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
        changes: &ClusterStateChanges,
    ) -> Result<u64, StoreError> {
        self.write_clustering(stories, memberships, changes)
    }

    fn check_invariants(&self) -> Result<Vec<Violation>, StoreError> {
        self.read_invariant_violations()
    }

    fn stories_changed_after(&self, after: u64) -> Result<(Vec<StoryId>, u64), StoreError> {
        self.read_stories_changed_after(after)
    }

    fn dirty_stories(&self, limit: usize) -> Result<Vec<(StoryId, u64)>, StoreError> {
        self.read_dirty_stories(limit)
    }

    fn mark_brief_current(&mut self, story: &StoryId, mark: u64) -> Result<bool, StoreError> {
        self.write_brief_current(story, mark)
    }

    fn save_story_profile(&mut self, profile: &StoryProfileRow) -> Result<(), StoreError> {
        self.write_story_profiles(std::slice::from_ref(profile))
    }

    fn save_story_profiles(&mut self, profiles: &[StoryProfileRow]) -> Result<(), StoreError> {
        self.write_story_profiles(profiles)
    }

    fn save_written_brief(&mut self, brief: &Brief, mark: u64) -> Result<u32, StoreError> {
        let label = self.label.clone();
        let story = &brief.story_id;
        let tx = self.write_transaction("written brief")?;
        let version = write_brief(&tx, &label, brief)?;
        kb::write_story_entities(&tx, &label, story, &brief.more_on_these_topics)?;
        tx.prepare_cached(
            "UPDATE stories SET headline = ?2 \
             WHERE id = ?1 AND merged_into IS NULL AND headline IS NOT ?2",
        )
        .and_then(|mut stmt| stmt.execute(params![story.as_str(), brief.headline]))
        .map_err(|e| sql_error(&label, format!("rename story {story}"), e))?;
        incremental::mark_brief_current(&tx, &label, story, mark)?;
        tx.commit()
            .map_err(|e| sql_error(&label, format!("commit the brief of story {story}"), e))?;
        Ok(version)
    }

    fn story_profiles_by_keys(
        &self,
        keys: &[String],
        limit: usize,
    ) -> Result<Vec<StoryProfileMatch>, StoreError> {
        self.read_story_profiles_by_keys(keys, limit)
    }

    fn story_profile_key_counts(&self, keys: &[String]) -> Result<Vec<u64>, StoreError> {
        self.read_story_profile_key_counts(keys)
    }

    fn insert_articles_indexed(
        &mut self,
        articles: &[Article],
        keys: &[NearDuplicateKey],
    ) -> Result<Vec<bool>, StoreError> {
        self.write_articles_indexed(articles, keys)
    }

    fn near_duplicate_candidates(
        &self,
        bands: &[i64],
    ) -> Result<Vec<NearDuplicateCandidate>, StoreError> {
        self.read_near_duplicate_candidates(bands)
    }

    fn articles_missing_index(&self, limit: usize) -> Result<Vec<Article>, StoreError> {
        self.read_articles_missing_index(limit)
    }

    fn index_near_duplicates(
        &mut self,
        entries: &[(ArticleId, NearDuplicateKey)],
    ) -> Result<(), StoreError> {
        self.write_near_duplicate_index(entries)
    }

    fn generation(&self) -> Result<u64, StoreError> {
        let generation: i64 = self
            .conn
            .prepare_cached("SELECT generation FROM data_generation WHERE id = 1")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(|e| self.sql_error("read the data generation", e))?;
        u64::try_from(generation).map_err(|_| {
            corrupt(
                &self.label,
                "data generation",
                format!("negative value {generation}"),
            )
        })
    }

    fn counts(&self) -> Result<StoreCounts, StoreError> {
        let (feeds, articles, stories, briefs): (i64, i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM feeds), (SELECT COUNT(*) FROM articles), \
                 (SELECT COUNT(*) FROM stories WHERE merged_into IS NULL), \
                 (SELECT COUNT(*) FROM briefs)",
            )
            .and_then(|mut stmt| {
                stmt.query_row([], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
            })
            .map_err(|e| self.sql_error("count rows", e))?;
        // COUNT(*) is never negative; a failed conversion would be a SQLite bug.
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(StoreCounts {
            feeds: count(feeds),
            articles: count(articles),
            stories: count(stories),
            briefs: count(briefs),
        })
    }

    fn upsert_kb_entities(&mut self, entities: &[KbEntity]) -> Result<usize, StoreError> {
        self.write_kb_entities(entities)
    }

    fn kb_lookup(&self, name: &str) -> Result<Vec<KbEntity>, StoreError> {
        self.find_kb_entities(name)
    }

    fn kb_count(&self) -> Result<usize, StoreError> {
        self.count_kb_entities()
    }

    fn kb_sources(&self) -> Result<Vec<KbSourceSummary>, StoreError> {
        self.summarise_kb_sources()
    }

    fn set_story_entities(
        &mut self,
        story: &StoryId,
        cards: &[EntityCard],
    ) -> Result<(), StoreError> {
        self.replace_story_entities(story, cards)
    }

    fn stories_mentioning(&self, entity_id: &str) -> Result<Vec<(StoryId, u32)>, StoreError> {
        self.stories_naming(entity_id)
    }

    fn entity(&self, entity_id: &str) -> Result<Option<(String, EntityKind)>, StoreError> {
        self.entity_shown_as(entity_id)
    }

    fn lease_feeds(
        &mut self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Feed>, StoreError> {
        self.write_feed_leases(worker, limit, lease, now)
    }

    fn release_feeds(&mut self, worker: &str, urls: &[String]) -> Result<(), StoreError> {
        self.write_feed_releases(worker, urls)
    }

    fn lease_dirty_stories(
        &mut self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        self.write_story_leases(worker, limit, lease, now)
    }

    fn release_stories(&mut self, worker: &str, ids: &[StoryId]) -> Result<(), StoreError> {
        self.write_story_releases(worker, ids)
    }

    fn try_lock_clustering(
        &mut self,
        worker: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write_clustering_lock(worker, lease, now)
    }

    fn unlock_clustering(&mut self, worker: &str) -> Result<(), StoreError> {
        self.write_clustering_unlock(worker)
    }

    fn articles_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Article)>, StoreError> {
        self.list_articles_after(after, limit)
    }

    fn near_duplicate_keys(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<Option<NearDuplicateKey>>, StoreError> {
        self.read_near_duplicate_keys(ids)
    }

    fn article_aliases_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<(ArticleId, ArticleId)>, StoreError> {
        self.list_article_aliases_after(after, limit)
    }

    fn stories_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<Story>, StoreError> {
        self.list_stories_after(after, limit)
    }

    fn memberships_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<StoryArticle>, StoreError> {
        self.list_memberships_after(after, limit)
    }

    fn briefs_after(
        &self,
        after: Option<(&StoryId, u32)>,
        limit: usize,
    ) -> Result<Vec<Brief>, StoreError> {
        self.list_briefs_after(after, limit)
    }

    fn story_entities_after(
        &self,
        after: Option<(&StoryId, &str)>,
        limit: usize,
    ) -> Result<Vec<StoryEntityRow>, StoreError> {
        self.list_story_entities_after(after, limit)
    }

    fn kb_entities_after(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<KbEntity>, StoreError> {
        self.list_kb_entities_after(after, limit)
    }

    fn cluster_state_meta(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        self.read_cluster_state_meta()
    }

    fn cluster_terms_after(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> Result<Vec<ClusterTermRow>, StoreError> {
        self.list_cluster_terms_after(after, limit)
    }

    fn cluster_story_states_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<ClusterStoryRow>, StoreError> {
        self.list_cluster_story_states_after(after, limit)
    }

    fn story_profiles_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<StoryProfileRow>, StoreError> {
        self.list_story_profiles_after(after, limit)
    }

    fn brief_dirty_marks_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        self.list_brief_dirty_marks_after(after, limit)
    }

    fn import_briefs(&mut self, briefs: &[Brief]) -> Result<(), StoreError> {
        self.write_imported_briefs(briefs)
    }

    fn import_story_entities(&mut self, rows: &[StoryEntityRow]) -> Result<(), StoreError> {
        self.write_imported_story_entities(rows)
    }

    fn import_cluster_state(
        &mut self,
        terms: &[ClusterTermRow],
        stories: &[ClusterStoryRow],
        meta: Option<(u64, &[u8])>,
    ) -> Result<(), StoreError> {
        self.write_imported_cluster_state(terms, stories, meta)
    }

    fn import_brief_dirty_marks(&mut self, marks: &[(StoryId, u64)]) -> Result<(), StoreError> {
        self.write_imported_dirty_marks(marks)
    }
}

/// Inserts `articles` within `tx` (see [`Store::insert_articles`]); the caller commits.
fn write_articles(
    tx: &Transaction<'_>,
    label: &str,
    articles: &[Article],
) -> Result<Vec<bool>, StoreError> {
    let label = label.to_string();
    let mut inserted = Vec::with_capacity(articles.len());
    {
        let mut stmt = tx
            .prepare_cached(&format!(
                "INSERT INTO articles ({ARTICLE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, \
                 ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) \
                 ON CONFLICT (id) DO NOTHING"
            ))
            .map_err(|e| sql_error(&label, "prepare article insert", e))?;
        for article in articles {
            let what = |column: &str| format!("article {} {column}", article.id);
            let changed = stmt
                .execute(params![
                    article.id.as_str(),
                    article.url,
                    article.headline,
                    article.article_body,
                    article.description,
                    encode_json(&what("author"), &article.author)?,
                    article.date_published.as_ref().map(encode_time),
                    article.date_modified.as_ref().map(encode_time),
                    encode_time(&article.date_fetched),
                    article.in_language,
                    article.outlet.name,
                    article.image,
                    article.feed_url,
                    article.content_hash,
                    article.duplicate_of.as_ref().map(ArticleId::as_str),
                    encode_json(&what("extraction"), &article.extraction)?,
                    encode_json(&what("extra"), &article.extra)?,
                    article.outlet.id,
                    article.outlet.host,
                    article.outlet.country,
                    article.outlet.language,
                    article.outlet.owner,
                ])
                .map_err(|e| sql_error(&label, format!("insert article {}", article.id), e))?;
            inserted.push(changed == 1);
        }
    }
    // The deferred foreign key would catch a dangling duplicate_of at COMMIT too, but
    // without saying which article: check first, by name.
    for (article, _) in articles.iter().zip(&inserted).filter(|(_, new)| **new) {
        if let Some(original) = &article.duplicate_of {
            let found = exists(
                tx,
                "SELECT 1 FROM articles WHERE id = ?1",
                original.as_str(),
            )
            .map_err(|e| sql_error(&label, format!("check article {original}"), e))?;
            if !found {
                return Err(StoreError::NotFound {
                    what: format!(
                        "article {original} (duplicate_of of article {})",
                        article.id
                    ),
                });
            }
        }
    }
    Ok(inserted)
}

/// Upserts `stories` and `memberships` within `tx` (see [`Store::save_stories`]); the caller
/// commits.
fn write_stories(
    tx: &Transaction<'_>,
    label: &str,
    stories: &[Story],
    memberships: &[StoryArticle],
) -> Result<(), StoreError> {
    let label = label.to_string();
    {
        let mut upsert_story = tx
            .prepare_cached(
                "INSERT INTO stories (id, headline, created_at, updated_at, article_count, \
                 outlet_count, merged_into) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET headline = excluded.headline, \
                 created_at = excluded.created_at, updated_at = excluded.updated_at, \
                 article_count = excluded.article_count, \
                 outlet_count = excluded.outlet_count, merged_into = excluded.merged_into",
            )
            .map_err(|e| sql_error(&label, "prepare story upsert", e))?;
        for story in stories {
            upsert_story
                .execute(params![
                    story.id.as_str(),
                    story.headline,
                    encode_time(&story.created_at),
                    encode_time(&story.updated_at),
                    story.article_count,
                    story.outlet_count,
                    story.merged_into.as_ref().map(StoryId::as_str),
                ])
                .map_err(|e| sql_error(&label, format!("save story {}", story.id), e))?;
        }
        let mut upsert_member = tx
            .prepare_cached(
                "INSERT INTO story_articles (article_id, story_id, score, why) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (article_id) DO UPDATE SET \
                 story_id = excluded.story_id, score = excluded.score, why = excluded.why",
            )
            .map_err(|e| sql_error(&label, "prepare membership upsert", e))?;
        for member in memberships {
            let what = format!("membership of article {} why", member.article_id);
            upsert_member
                .execute(params![
                    member.article_id.as_str(),
                    member.story_id.as_str(),
                    f64::from(member.score),
                    encode_json(&what, &member.why)?,
                ])
                .map_err(|e| {
                    sql_error(
                        &label,
                        format!(
                            "put article {} in story {}",
                            member.article_id, member.story_id
                        ),
                        e,
                    )
                })?;
        }
    }
    // Name the dangling reference before the deferred foreign keys reject the COMMIT.
    let story_exists = |id: &StoryId| {
        exists(tx, "SELECT 1 FROM stories WHERE id = ?1", id.as_str())
            .map_err(|e| sql_error(&label, format!("look up story {id}"), e))
    };
    for story in stories {
        if let Some(target) = &story.merged_into
            && !story_exists(target)?
        {
            return Err(StoreError::NotFound {
                what: format!("story {target} (merged_into of story {})", story.id),
            });
        }
    }
    for member in memberships {
        if !story_exists(&member.story_id)? {
            return Err(StoreError::NotFound {
                what: format!(
                    "story {} (of a membership of article {})",
                    member.story_id, member.article_id
                ),
            });
        }
        let article = member.article_id.as_str();
        let found = exists(tx, "SELECT 1 FROM articles WHERE id = ?1", article)
            .map_err(|e| sql_error(&label, format!("look up article {article}"), e))?;
        if !found {
            return Err(StoreError::NotFound {
                what: format!("article {article} (member of story {})", member.story_id),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{error_kind, fts5_query, sql_error};
    use crate::StoreErrorKind;
    use rusqlite::ffi;

    fn check(input: &str, expected: Option<&str>) {
        assert_eq!(fts5_query(input).as_deref(), expected, "input {input:?}");
    }

    #[test]
    fn user_input_becomes_quoted_phrases() {
        check("harbour strike", Some(r#""harbour" "strike""#));
        check("  ferry   ", Some(r#""ferry""#));
        check(r#"say "no""#, Some(r#""say" """no""""#));
        check("AND OR NOT", Some(r#""AND" "OR" "NOT""#));
        check(
            "headline:port NEAR(a b)",
            Some(r#""headline:port" "NEAR(a" "b)""#),
        );
        check("São-Paulo*", Some(r#""São-Paulo*""#));
        check("- * ( ) \"", None);
        check("", None);
    }

    fn check_kind(extended_code: std::ffi::c_int, expected: StoreErrorKind) {
        let error = rusqlite::Error::SqliteFailure(ffi::Error::new(extended_code), None);
        assert_eq!(error_kind(&error), expected, "SQLite code {extended_code}");
    }

    #[test]
    fn sqlite_failures_sort_into_kinds() {
        check_kind(ffi::SQLITE_BUSY, StoreErrorKind::Busy);
        check_kind(ffi::SQLITE_LOCKED, StoreErrorKind::Busy);
        check_kind(ffi::SQLITE_CONSTRAINT_UNIQUE, StoreErrorKind::Conflict);
        check_kind(ffi::SQLITE_CONSTRAINT_PRIMARYKEY, StoreErrorKind::Conflict);
        check_kind(ffi::SQLITE_CONSTRAINT_CHECK, StoreErrorKind::Other);
        check_kind(ffi::SQLITE_CONSTRAINT_FOREIGNKEY, StoreErrorKind::Other);
        check_kind(ffi::SQLITE_CORRUPT, StoreErrorKind::Corrupt);
        check_kind(ffi::SQLITE_NOTADB, StoreErrorKind::Corrupt);
        check_kind(ffi::SQLITE_IOERR, StoreErrorKind::Io);
        check_kind(ffi::SQLITE_FULL, StoreErrorKind::Io);
        check_kind(ffi::SQLITE_CANTOPEN, StoreErrorKind::Io);
        check_kind(ffi::SQLITE_MISUSE, StoreErrorKind::Other);
        assert_eq!(
            error_kind(&rusqlite::Error::QueryReturnedNoRows),
            StoreErrorKind::NotFound
        );
    }

    #[test]
    fn a_busy_database_is_busy_and_says_where() {
        // What SQLite reports when the busy timeout runs out.
        let busy = rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_BUSY),
            Some("database is locked".to_string()),
        );
        let error = sql_error("/srv/news/storyline.db", "commit story batch", busy);
        assert!(error.is_busy());
        assert_eq!(error.kind(), StoreErrorKind::Busy);
        assert_eq!(
            error.to_string(),
            "database /srv/news/storyline.db: commit story batch: database is locked"
        );
    }
}
