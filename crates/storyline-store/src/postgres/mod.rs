//! The PostgreSQL backend, [`PgStore`]: the same [`Store`] contract as the SQLite file, on a
//! server that several processes and machines can share.
//!
//! It talks to the server through the synchronous `postgres` crate (tokio-postgres run on a
//! private single-threaded runtime per connection). The [`Store`] trait is blocking, and is
//! called from pipeline code that is blocking too; sqlx would need either an async trait,
//! reaching through every caller, or a runtime entered for each call; `postgres` gives the
//! real protocol (binary parameters, prepared statements, kept per connection here) behind
//! plain method calls.
//!
//! One [`PgStore`] is one connection. Every multi-row write is one transaction (READ
//! COMMITTED). Writers of stories, memberships, briefs and entity rows all bump the data
//! generation row, so each takes that row first: they queue in one place rather than
//! deadlock on each other's story rows, and a read-then-write step (a brief's next version)
//! cannot race; articles, feeds and the knowledge base are written side by side. A lock held
//! by another writer is waited for up to 5 s (`lock_timeout`, unless the connection string
//! sets one), then the call fails as busy, as SQLite's busy timeout does.
//!
//! Schema: numbered migrations under `migrations/` (see `migrate.rs`), in the first schema
//! of the connection's `search_path` (`?options=-c%20search_path%3Dname` in the URL picks
//! one). Full-text search needs the `unaccent` extension, which ships with PostgreSQL and
//! which migration 0002 creates when it is missing (a trusted extension: the database's
//! owner may). Connections are plain TCP or Unix sockets: this build has no TLS.
//!
//! PostgreSQL text cannot hold the character U+0000: a value containing it is refused by the
//! server (the write fails, naming its record) where SQLite would store it.

mod check;
mod codec;
mod copy;
mod error;
mod incremental;
mod kb;
mod lease;
mod migrate;
mod search;
mod session;

use crate::outlet_columns::RawOutlet;
use crate::{
    AppliedMigration, BriefHit, ClusterStateChanges, ClusterStoryRow, ClusterTermRow,
    KbSourceSummary, NearDuplicateCandidate, NearDuplicateKey, SavedClusterState, Store,
    StoreCounts, StoreError, StoryEntityRow, StoryProfileMatch, StoryProfileRow, Violation,
};
use chrono::{DateTime, Utc};
use codec::{
    PgMicros, corrupt, decode_count, decode_json, decode_optional_time, decode_time, encode_json,
    encode_optional_time, encode_time,
};
use error::{open_error, redact};
use postgres::{NoTls, Row};
use session::{Connection, Session};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;
use storyline_model::{
    Article, ArticleId, Brief, EntityCard, EntityKind, Feed, KbEntity, Story, StoryArticle, StoryId,
};

/// How many candidates [`StoreError::Ambiguous`] lists at most.
const MAX_AMBIGUOUS_CANDIDATES: usize = 10;

/// How long a connection attempt may take when the connection string sets no limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL implementation of [`Store`]: one connection to one schema.
pub struct PgStore {
    /// In a `RefCell` because the client needs `&mut` for every query while [`Store`]'s
    /// readers take `&self`; a store is used by one thread at a time (`Send`, not `Sync`).
    conn: RefCell<Connection>,
    /// How errors name this database: its connection string without the password.
    label: String,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:5432/db`, or libpq's
    /// `host=... dbname=...` form) and brings its schema up to date. Errors name the URL
    /// without its password.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let label = redact(url);
        let mut config: postgres::Config = url.parse().map_err(|e| StoreError::Open {
            db: label.clone(),
            kind: crate::StoreErrorKind::Other,
            source: Box::new(error::PgCause(e)),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("storyline");
        }
        // Notices ("text-search query doesn't contain lexemes") are not errors; the default
        // callback would log each one.
        config.notice_callback(|_| {});
        let mut client = config.connect(NoTls).map_err(|e| open_error(&label, e))?;
        // Wait for another writer's locks as SQLite waits for its write lock, then fail as
        // busy rather than hang; a lock_timeout given in the URL's options wins.
        let lock_timeout: String = client
            .query_one("SHOW lock_timeout", &[])
            .and_then(|row| row.try_get(0))
            .map_err(|e| open_error(&label, e))?;
        if lock_timeout == "0" {
            client
                .batch_execute("SET lock_timeout = '5s'")
                .map_err(|e| open_error(&label, e))?;
        }
        migrate::migrate(&mut client, &label)?;
        Ok(PgStore {
            conn: RefCell::new(Connection::new(client)),
            label,
        })
    }

    /// The connection string without its password, as errors name it.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The migrations recorded in this schema, oldest first.
    pub fn applied_migrations(&self) -> Result<Vec<AppliedMigration>, StoreError> {
        migrate::applied(&mut self.conn.borrow_mut().client, &self.label)
    }

    /// The highest schema version this build applies.
    pub fn schema_version() -> u32 {
        migrate::latest_version()
    }

    /// Runs statements on the connection outside a transaction, each committed on its own:
    /// reads, and writes of a single statement.
    fn run<T>(
        &self,
        work: impl FnOnce(&mut Session<'_, postgres::Client>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.borrow_mut();
        work(&mut conn.session(&self.label))
    }

    /// Runs `work` in one transaction; see [`Connection::write`].
    fn write<T>(
        &mut self,
        op: &str,
        work: impl FnOnce(&mut Session<'_, postgres::Transaction<'_>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.get_mut().write(&self.label, op, work)
    }

    fn query_articles(
        &self,
        op: &str,
        sql_after_from: &str,
        params: session::Params<'_>,
    ) -> Result<Vec<Article>, StoreError> {
        self.query_article_columns(op, ARTICLE_COLUMNS, sql_after_from, params)
    }

    /// [`PgStore::query_articles`] with its own column list: [`ARTICLE_COLUMNS`] or
    /// [`ARTICLE_HEAD_COLUMNS`].
    fn query_article_columns(
        &self,
        op: &str,
        columns: &str,
        sql_after_from: &str,
        params: session::Params<'_>,
    ) -> Result<Vec<Article>, StoreError> {
        let sql = format!("SELECT {columns} FROM articles {sql_after_from}");
        let raws = self.run(|s| s.query_map(op, &sql, params, RawArticle::from_row))?;
        raws.into_iter()
            .map(|raw| raw.decode(&self.label))
            .collect()
    }

    /// The articles with these ids in the order asked, repeats included, read with
    /// `columns` in one query; `what` ends the error label (" without their bodies").
    fn articles_with(
        &self,
        ids: &[ArticleId],
        columns: &str,
        what: &str,
    ) -> Result<Vec<Article>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<&str> = ids.iter().map(ArticleId::as_str).collect();
        let found = self.query_article_columns(
            &format!("read {} articles{what}", ids.len()),
            columns,
            "WHERE id = ANY($1)",
            &[&wanted],
        )?;
        let mut by_id: HashMap<String, Article> = found
            .into_iter()
            .map(|article| (article.id.0.clone(), article))
            .collect();
        // In the order asked for, repeats included: the last request of an id takes the
        // stored value, the earlier ones a copy. Requests are counted first: a story's
        // thousand members must not cost a million comparisons.
        let mut requests: HashMap<&str, usize> = HashMap::new();
        for id in ids {
            *requests.entry(id.as_str()).or_insert(0) += 1;
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let left = requests.get_mut(id.as_str()).map_or(0, |left| {
                *left -= 1;
                *left
            });
            let article = if left > 0 {
                by_id.get(id.as_str()).cloned()
            } else {
                by_id.remove(id.as_str())
            };
            out.extend(article);
        }
        Ok(out)
    }

    fn query_stories(
        &self,
        op: &str,
        sql_after_from: &str,
        params: session::Params<'_>,
    ) -> Result<Vec<Story>, StoreError> {
        let sql = format!("SELECT {STORY_COLUMNS} FROM stories {sql_after_from}");
        let raws = self.run(|s| s.query_map(op, &sql, params, RawStory::from_row))?;
        raws.into_iter()
            .map(|raw| raw.decode(&self.label))
            .collect()
    }

    fn query_briefs(
        &self,
        op: &str,
        sql_after_where: &str,
        params: session::Params<'_>,
    ) -> Result<Vec<Brief>, StoreError> {
        let sql =
            format!("SELECT story_id, version, json::text FROM briefs WHERE {sql_after_where}");
        let rows = self.run(|s| {
            s.query_map(op, &sql, params, |row| {
                Ok((
                    row.try_get::<_, String>(0)?,
                    row.try_get::<_, i64>(1)?,
                    row.try_get::<_, String>(2)?,
                ))
            })
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
    fn follow_merges(
        session: &mut Session<'_, postgres::Client>,
        start: StoryId,
    ) -> Result<StoryId, StoreError> {
        let mut seen = BTreeSet::new();
        let mut current = start;
        loop {
            if !seen.insert(current.clone()) {
                return Err(corrupt(
                    session.db,
                    &format!("story {current}"),
                    "merged_into forms a cycle".to_string(),
                ));
            }
            let op = format!("read story {current}");
            let row = session.query_opt(
                &op,
                "SELECT merged_into FROM stories WHERE id = $1",
                &[&current.as_str()],
            )?;
            let next: Option<Option<String>> = row
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(|e| error::decode_error(session.db, &op, e))?;
            match next {
                Some(Some(target)) => current = StoryId(target),
                Some(None) => return Ok(current),
                None => {
                    return Err(corrupt(
                        session.db,
                        &format!("story {current}"),
                        "a merged_into chain leads to a missing story".to_string(),
                    ));
                }
            }
        }
    }
}

/// Whether a story with this id exists; with `lock`, the row is also locked until the end of
/// the transaction, so that what depends on it (its next brief version, its entity rows) is
/// written by one writer at a time.
fn story_exists<C: postgres::GenericClient>(
    session: &mut Session<'_, C>,
    id: &str,
    lock: bool,
) -> Result<bool, StoreError> {
    let sql = if lock {
        "SELECT 1 FROM stories WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT 1 FROM stories WHERE id = $1"
    };
    session.exists(&format!("look up story {id}"), sql, &[&id])
}

fn article_exists<C: postgres::GenericClient>(
    session: &mut Session<'_, C>,
    id: &str,
) -> Result<bool, StoreError> {
    session.exists(
        &format!("look up article {id}"),
        "SELECT 1 FROM articles WHERE id = $1",
        &[&id],
    )
}

/// Locks the data generation row (migration 0004) for the rest of the transaction. Every
/// transaction that writes stories, memberships, briefs or entity rows bumps that row in a
/// trigger; taking it first, before any story row, makes such writers queue in one place
/// instead of each holding a story row the other needs (a deadlock).
fn lock_generation(s: &mut Session<'_, postgres::Transaction<'_>>) -> Result<(), StoreError> {
    s.execute(
        "wait for other writers of stories",
        "SELECT 1 FROM data_generation WHERE id = 1 FOR UPDATE",
        &[],
    )?;
    Ok(())
}

/// Saves `brief` as its story's next version and indexes it for search, within a
/// transaction that holds the data generation lock. Returns the version.
fn write_brief(
    s: &mut Session<'_, postgres::Transaction<'_>>,
    brief: &Brief,
) -> Result<u32, StoreError> {
    let story = brief.story_id.as_str();
    // Locking the story row makes "latest + 1" safe against a concurrent writer.
    if !story_exists(s, story, true)? {
        return Err(StoreError::NotFound {
            what: format!("story {story} (of a brief)"),
        });
    }
    let latest: i64 = s.query_value(
        &format!("read brief versions of story {story}"),
        "SELECT COALESCE(MAX(version), 0) FROM briefs WHERE story_id = $1",
        &[&story],
    )?;
    let what = format!("brief versions of story {story}");
    let version = decode_count(s.db, &what, latest)?
        .checked_add(1)
        .ok_or_else(|| corrupt(s.db, &what, "the version counter is exhausted".into()))?;
    let mut stored = brief.clone();
    stored.version = version;
    let json = encode_json(&format!("brief of story {story}"), &stored)?;
    let (generated, generated_ns) = encode_time(&stored.generated_at);
    s.execute(
        &format!("save brief {version} of story {story}"),
        "INSERT INTO briefs (story_id, version, generated_at, generated_at_ns, json) \
         VALUES ($1, $2, $3, $4, $5::text::json)",
        &[
            &story,
            &i64::from(version),
            &generated,
            &generated_ns,
            &json,
        ],
    )?;
    search::index_brief(s, &stored)?;
    Ok(version)
}

/// Names a live story after its brief's headline; false when it is unknown, merged, or so
/// named already (an unchanged row is not written again).
fn write_story_name(
    s: &mut Session<'_, postgres::Transaction<'_>>,
    id: &StoryId,
    headline: &str,
) -> Result<bool, StoreError> {
    let renamed = s.execute(
        &format!("rename story {id}"),
        "UPDATE stories SET headline = $2 \
         WHERE id = $1 AND merged_into IS NULL AND headline IS DISTINCT FROM $2",
        &[&id.as_str(), &headline],
    )?;
    Ok(renamed == 1)
}

/// `articles` columns in the order [`RawArticle::from_row`] reads them, with `$body` in the
/// body's place: one list, so the full and the body-less selections cannot drift apart.
macro_rules! article_columns {
    ($body:literal) => {
        concat!(
            "id, url, headline, ",
            $body,
            ", description, author::text, date_published, date_published_ns, date_modified, \
             date_modified_ns, date_fetched, date_fetched_ns, in_language, publisher, image, \
             feed_url, content_hash, duplicate_of, extraction::text, extra::text, outlet_id, \
             outlet_host, outlet_country, outlet_language, outlet_owner"
        )
    };
}

const ARTICLE_COLUMNS: &str = article_columns!("article_body");

/// [`ARTICLE_COLUMNS`] with an empty body in the body's place, for [`Store::article_heads`].
const ARTICLE_HEAD_COLUMNS: &str = article_columns!("''::text AS article_body");

const STORY_COLUMNS: &str = "id, headline, created_at, created_at_ns, updated_at, \
    updated_at_ns, article_count, outlet_count, merged_into";

/// The order of article listings: effective time to the nanosecond, then id.
const ARTICLE_ORDER: &str = "ORDER BY effective_at, effective_ns, id";

/// An `articles` row as stored, before decoding.
struct RawArticle {
    id: String,
    url: String,
    headline: String,
    article_body: String,
    description: Option<String>,
    author: String,
    date_published: (Option<PgMicros>, Option<i16>),
    date_modified: (Option<PgMicros>, Option<i16>),
    date_fetched: (PgMicros, i16),
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
    fn from_row(row: &Row) -> Result<Self, postgres::Error> {
        Ok(RawArticle {
            id: row.try_get(0)?,
            url: row.try_get(1)?,
            headline: row.try_get(2)?,
            article_body: row.try_get(3)?,
            description: row.try_get(4)?,
            author: row.try_get(5)?,
            date_published: (row.try_get(6)?, row.try_get(7)?),
            date_modified: (row.try_get(8)?, row.try_get(9)?),
            date_fetched: (row.try_get(10)?, row.try_get(11)?),
            in_language: row.try_get(12)?,
            publisher: row.try_get(13)?,
            image: row.try_get(14)?,
            feed_url: row.try_get(15)?,
            content_hash: row.try_get(16)?,
            duplicate_of: row.try_get(17)?,
            extraction: row.try_get(18)?,
            extra: row.try_get(19)?,
            outlet: RawOutlet {
                id: row.try_get(20)?,
                host: row.try_get(21)?,
                country: row.try_get(22)?,
                language: row.try_get(23)?,
                owner: row.try_get(24)?,
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
                self.date_published.0,
                self.date_published.1,
            )?,
            date_modified: decode_optional_time(
                db,
                &what("date_modified"),
                self.date_modified.0,
                self.date_modified.1,
            )?,
            date_fetched: decode_time(
                db,
                &what("date_fetched"),
                self.date_fetched.0,
                self.date_fetched.1,
            )?,
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
    created_at: (PgMicros, i16),
    updated_at: (PgMicros, i16),
    article_count: i64,
    outlet_count: i64,
    merged_into: Option<String>,
}

impl RawStory {
    fn from_row(row: &Row) -> Result<Self, postgres::Error> {
        Ok(RawStory {
            id: row.try_get(0)?,
            headline: row.try_get(1)?,
            created_at: (row.try_get(2)?, row.try_get(3)?),
            updated_at: (row.try_get(4)?, row.try_get(5)?),
            article_count: row.try_get(6)?,
            outlet_count: row.try_get(7)?,
            merged_into: row.try_get(8)?,
        })
    }

    fn decode(self, db: &str) -> Result<Story, StoreError> {
        let what = |column: &str| format!("story {} {column}", self.id);
        Ok(Story {
            created_at: decode_time(
                db,
                &what("created_at"),
                self.created_at.0,
                self.created_at.1,
            )?,
            updated_at: decode_time(
                db,
                &what("updated_at"),
                self.updated_at.0,
                self.updated_at.1,
            )?,
            article_count: decode_count(db, &what("article_count"), self.article_count)?,
            outlet_count: decode_count(db, &what("outlet_count"), self.outlet_count)?,
            headline: self.headline,
            merged_into: self.merged_into.map(StoryId),
            id: StoryId(self.id),
        })
    }
}

/// The smallest string greater than every string that starts with `prefix`, in code point
/// order (which is `COLLATE "C"` order for UTF-8): the prefix with its last character
/// incremented, dropping trailing characters that cannot be. `None` when every string
/// starting with the prefix's first character qualifies (a prefix of U+10FFFF only).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Inserts a batch of articles within a transaction; per article, whether it was new (see
/// [`Store::insert_articles`]).
fn write_articles(
    s: &mut Session<'_, postgres::Transaction<'_>>,
    articles: &[Article],
) -> Result<Vec<bool>, StoreError> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    // One statement for the batch (a row-by-row insert spent its time in round trips):
    // the rows go in as parallel arrays, in batch order, so `seq` follows the batch.
    let count = articles.len();
    let mut ids = Vec::with_capacity(count);
    let mut urls = Vec::with_capacity(count);
    let mut headlines = Vec::with_capacity(count);
    let mut bodies = Vec::with_capacity(count);
    let mut descriptions = Vec::with_capacity(count);
    let mut authors = Vec::with_capacity(count);
    let (mut published, mut published_ns) = (Vec::with_capacity(count), Vec::with_capacity(count));
    let (mut modified, mut modified_ns) = (Vec::with_capacity(count), Vec::with_capacity(count));
    let (mut fetched, mut fetched_ns) = (Vec::with_capacity(count), Vec::with_capacity(count));
    let mut languages = Vec::with_capacity(count);
    let mut publishers = Vec::with_capacity(count);
    let mut images = Vec::with_capacity(count);
    let mut feed_urls = Vec::with_capacity(count);
    let mut hashes = Vec::with_capacity(count);
    let mut originals = Vec::with_capacity(count);
    let mut extractions = Vec::with_capacity(count);
    let mut extras = Vec::with_capacity(count);
    let mut outlet_ids = Vec::with_capacity(count);
    let mut outlet_hosts = Vec::with_capacity(count);
    let mut outlet_countries = Vec::with_capacity(count);
    let mut outlet_languages = Vec::with_capacity(count);
    let mut outlet_owners = Vec::with_capacity(count);
    for article in articles {
        let what = |column: &str| format!("article {} {column}", article.id);
        let (at, ns) = encode_optional_time(article.date_published.as_ref());
        published.push(at);
        published_ns.push(ns);
        let (at, ns) = encode_optional_time(article.date_modified.as_ref());
        modified.push(at);
        modified_ns.push(ns);
        let (at, ns) = encode_time(&article.date_fetched);
        fetched.push(at);
        fetched_ns.push(ns);
        ids.push(article.id.as_str());
        urls.push(article.url.as_str());
        headlines.push(article.headline.as_str());
        bodies.push(article.article_body.as_str());
        descriptions.push(article.description.as_deref());
        authors.push(encode_json(&what("author"), &article.author)?);
        languages.push(article.in_language.as_deref());
        publishers.push(article.outlet.name.as_str());
        outlet_ids.push(article.outlet.id.as_str());
        outlet_hosts.push(article.outlet.host.as_deref());
        outlet_countries.push(article.outlet.country.as_deref());
        outlet_languages.push(article.outlet.language.as_deref());
        outlet_owners.push(article.outlet.owner.as_deref());
        images.push(article.image.as_deref());
        feed_urls.push(article.feed_url.as_deref());
        hashes.push(article.content_hash.as_str());
        originals.push(article.duplicate_of.as_ref().map(ArticleId::as_str));
        extractions.push(encode_json(&what("extraction"), &article.extraction)?);
        extras.push(encode_json(&what("extra"), &article.extra)?);
    }
    let new_ids: Vec<String> = s.query_map(
        &batch_op(
            "insert",
            "article",
            "articles",
            count,
            articles[0].id.as_str(),
        ),
        "INSERT INTO articles (id, url, headline, article_body, description, author, \
             date_published, date_published_ns, date_modified, date_modified_ns, date_fetched, \
             date_fetched_ns, in_language, publisher, image, feed_url, content_hash, \
             duplicate_of, extraction, extra, outlet_id, outlet_host, outlet_country, \
             outlet_language, outlet_owner) \
         SELECT id, url, headline, article_body, description, author::json, date_published, \
             date_published_ns, date_modified, date_modified_ns, date_fetched, \
             date_fetched_ns, in_language, publisher, image, feed_url, content_hash, \
             duplicate_of, extraction::json, extra::json, outlet_id, outlet_host, \
             outlet_country, outlet_language, outlet_owner \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::timestamptz[], $8::smallint[], $9::timestamptz[], $10::smallint[], \
             $11::timestamptz[], $12::smallint[], $13::text[], $14::text[], $15::text[], \
             $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], \
             $22::text[], $23::text[], $24::text[], $25::text[]) \
             WITH ORDINALITY AS u(id, url, headline, article_body, description, author, \
             date_published, date_published_ns, date_modified, date_modified_ns, date_fetched, \
             date_fetched_ns, in_language, publisher, image, feed_url, content_hash, \
             duplicate_of, extraction, extra, outlet_id, outlet_host, outlet_country, \
             outlet_language, outlet_owner, ord) \
         ORDER BY ord \
         ON CONFLICT (id) DO NOTHING RETURNING id",
        &[
            &ids,
            &urls,
            &headlines,
            &bodies,
            &descriptions,
            &authors,
            &published,
            &published_ns,
            &modified,
            &modified_ns,
            &fetched,
            &fetched_ns,
            &languages,
            &publishers,
            &images,
            &feed_urls,
            &hashes,
            &originals,
            &extractions,
            &extras,
            &outlet_ids,
            &outlet_hosts,
            &outlet_countries,
            &outlet_languages,
            &outlet_owners,
        ],
        |row| row.try_get(0),
    )?;
    // An id repeated within the batch was inserted by its first occurrence only.
    let mut fresh: HashSet<&str> = new_ids.iter().map(String::as_str).collect();
    let inserted: Vec<bool> = ids.iter().map(|id| fresh.remove(id)).collect();
    // The deferred foreign key would catch a dangling duplicate_of at COMMIT too, but
    // without saying which article: check first, by name.
    for (article, _) in articles.iter().zip(&inserted).filter(|(_, new)| **new) {
        if let Some(original) = &article.duplicate_of
            && !article_exists(s, original.as_str())?
        {
            return Err(StoreError::NotFound {
                what: format!(
                    "article {original} (duplicate_of of article {})",
                    article.id
                ),
            });
        }
    }
    Ok(inserted)
}

/// Names a batch statement's work in its errors: "save story s-1", or for several rows
/// "save 40 stories from s-1".
fn batch_op(verb: &str, one: &str, many: &str, count: usize, first: &str) -> String {
    if count == 1 {
        format!("{verb} {one} {first}")
    } else {
        format!("{verb} {count} {many} from {first}")
    }
}

/// Upserts stories and memberships within a transaction, naming any dangling reference (see
/// [`Store::save_stories`]).
fn write_stories(
    s: &mut Session<'_, postgres::Transaction<'_>>,
    stories: &[Story],
    memberships: &[StoryArticle],
) -> Result<(), StoreError> {
    // One statement each for the stories and the memberships, whatever their number. An
    // upsert may not touch a row twice, so a repeated id keeps its last row, as saving the
    // rows one by one would.
    let mut rows: BTreeMap<&str, &Story> = BTreeMap::new();
    for story in stories {
        rows.insert(story.id.as_str(), story);
    }
    if !rows.is_empty() {
        let count = rows.len();
        let ids: Vec<&str> = rows.keys().copied().collect();
        let headlines: Vec<&str> = rows.values().map(|r| r.headline.as_str()).collect();
        let (created, created_ns): (Vec<PgMicros>, Vec<i16>) =
            rows.values().map(|r| encode_time(&r.created_at)).unzip();
        let (updated, updated_ns): (Vec<PgMicros>, Vec<i16>) =
            rows.values().map(|r| encode_time(&r.updated_at)).unzip();
        let articles: Vec<i64> = rows.values().map(|r| i64::from(r.article_count)).collect();
        let outlets: Vec<i64> = rows.values().map(|r| i64::from(r.outlet_count)).collect();
        let merged: Vec<Option<&str>> = rows
            .values()
            .map(|r| r.merged_into.as_ref().map(StoryId::as_str))
            .collect();
        s.execute(
            &batch_op("save", "story", "stories", count, ids[0]),
            "INSERT INTO stories (id, headline, created_at, created_at_ns, updated_at, \
                 updated_at_ns, article_count, outlet_count, merged_into) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::smallint[], \
                 $5::timestamptz[], $6::smallint[], $7::bigint[], $8::bigint[], $9::text[]) \
             ON CONFLICT (id) DO UPDATE SET headline = excluded.headline, \
                 created_at = excluded.created_at, created_at_ns = excluded.created_at_ns, \
                 updated_at = excluded.updated_at, updated_at_ns = excluded.updated_at_ns, \
                 article_count = excluded.article_count, \
                 outlet_count = excluded.outlet_count, merged_into = excluded.merged_into",
            &[
                &ids,
                &headlines,
                &created,
                &created_ns,
                &updated,
                &updated_ns,
                &articles,
                &outlets,
                &merged,
            ],
        )?;
    }
    let mut members: BTreeMap<&str, &StoryArticle> = BTreeMap::new();
    for member in memberships {
        members.insert(member.article_id.as_str(), member);
    }
    if !members.is_empty() {
        let count = members.len();
        let articles: Vec<&str> = members.keys().copied().collect();
        let story_ids: Vec<&str> = members.values().map(|m| m.story_id.as_str()).collect();
        let scores: Vec<f32> = members.values().map(|m| m.score).collect();
        let whys = members
            .values()
            .map(|m| {
                encode_json(
                    &format!("membership of article {} why", m.article_id),
                    &m.why,
                )
            })
            .collect::<Result<Vec<String>, StoreError>>()?;
        s.execute(
            &batch_op(
                "save",
                "membership of article",
                "memberships of articles",
                count,
                articles[0],
            ),
            "INSERT INTO story_articles (article_id, story_id, score, why) \
             SELECT article_id, story_id, score, why::json \
             FROM unnest($1::text[], $2::text[], $3::real[], $4::text[]) \
                 AS u(article_id, story_id, score, why) \
             ON CONFLICT (article_id) DO UPDATE \
             SET story_id = excluded.story_id, score = excluded.score, why = excluded.why",
            &[&articles, &story_ids, &scores, &whys],
        )?;
    }
    // Name the dangling reference before the deferred foreign keys reject the COMMIT.
    for story in stories {
        if let Some(target) = &story.merged_into
            && !story_exists(s, target.as_str(), false)?
        {
            return Err(StoreError::NotFound {
                what: format!("story {target} (merged_into of story {})", story.id),
            });
        }
    }
    if memberships.is_empty() {
        return Ok(());
    }
    let articles: Vec<&str> = memberships.iter().map(|m| m.article_id.as_str()).collect();
    let story_ids: Vec<&str> = memberships.iter().map(|m| m.story_id.as_str()).collect();
    let dangling = s.query_opt(
        &format!("check {} memberships", memberships.len()),
        "SELECT u.article_id, u.story_id, \
             EXISTS (SELECT 1 FROM stories s WHERE s.id = u.story_id) \
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(article_id, story_id, ord) \
         WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = u.story_id) \
            OR NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = u.article_id) \
         ORDER BY u.ord LIMIT 1",
        &[&articles, &story_ids],
    )?;
    let Some(row) = dangling else {
        return Ok(());
    };
    let read = |row: &Row| -> Result<(String, String, bool), postgres::Error> {
        Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
    };
    let (article, story, story_found) =
        read(&row).map_err(|e| error::decode_error(s.db, "check memberships", e))?;
    Err(StoreError::NotFound {
        what: if story_found {
            format!("article {article} (member of story {story})")
        } else {
            format!("story {story} (of a membership of article {article})")
        },
    })
}

impl Store for PgStore {
    fn add_feed(&mut self, feed: &Feed) -> Result<bool, StoreError> {
        let (added_at, added_at_ns) = encode_time(&feed.added_at);
        let (fetched, fetched_ns) = encode_optional_time(feed.last_fetched_at.as_ref());
        let changed = self.run(|s| {
            s.execute(
                &format!("add feed {}", feed.url),
                "INSERT INTO feeds (url, title, added_at, added_at_ns, etag, last_modified, \
                 last_fetched_at, last_fetched_at_ns, last_error, error_count) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (url) DO NOTHING",
                &[
                    &feed.url,
                    &feed.title,
                    &added_at,
                    &added_at_ns,
                    &feed.etag,
                    &feed.last_modified,
                    &fetched,
                    &fetched_ns,
                    &feed.last_error,
                    &i64::from(feed.error_count),
                ],
            )
        })?;
        Ok(changed == 1)
    }

    fn remove_feed(&mut self, url: &str) -> Result<bool, StoreError> {
        let changed = self.run(|s| {
            s.execute(
                &format!("remove feed {url}"),
                "DELETE FROM feeds WHERE url = $1",
                &[&url],
            )
        })?;
        Ok(changed == 1)
    }

    fn feeds(&self) -> Result<Vec<Feed>, StoreError> {
        type RawFeed = (
            String,
            Option<String>,
            PgMicros,
            i16,
            Option<String>,
            Option<String>,
            Option<PgMicros>,
            Option<i16>,
            Option<String>,
            i64,
        );
        let rows: Vec<RawFeed> = self.run(|s| {
            s.query_map(
                "list feeds",
                "SELECT url, title, added_at, added_at_ns, etag, last_modified, \
                 last_fetched_at, last_fetched_at_ns, last_error, error_count FROM feeds \
                 ORDER BY added_at, added_at_ns, url",
                &[],
                |row| {
                    Ok((
                        row.try_get(0)?,
                        row.try_get(1)?,
                        row.try_get(2)?,
                        row.try_get(3)?,
                        row.try_get(4)?,
                        row.try_get(5)?,
                        row.try_get(6)?,
                        row.try_get(7)?,
                        row.try_get(8)?,
                        row.try_get(9)?,
                    ))
                },
            )
        })?;
        rows.into_iter()
            .map(
                |(
                    url,
                    title,
                    added,
                    added_ns,
                    etag,
                    last_modified,
                    fetched,
                    fetched_ns,
                    error,
                    errors,
                )| {
                    let what = |column: &str| format!("feed {url} {column}");
                    Ok(Feed {
                        added_at: decode_time(&self.label, &what("added_at"), added, added_ns)?,
                        last_fetched_at: decode_optional_time(
                            &self.label,
                            &what("last_fetched_at"),
                            fetched,
                            fetched_ns,
                        )?,
                        error_count: decode_count(&self.label, &what("error_count"), errors)?,
                        url,
                        title,
                        etag,
                        last_modified,
                        last_error: error,
                    })
                },
            )
            .collect()
    }

    fn update_feed_state(&mut self, feed: &Feed) -> Result<(), StoreError> {
        let (fetched, fetched_ns) = encode_optional_time(feed.last_fetched_at.as_ref());
        let changed = self.run(|s| {
            s.execute(
                &format!("update feed {}", feed.url),
                "UPDATE feeds SET title = $2, etag = $3, last_modified = $4, \
                 last_fetched_at = $5, last_fetched_at_ns = $6, last_error = $7, \
                 error_count = $8 WHERE url = $1",
                &[
                    &feed.url,
                    &feed.title,
                    &feed.etag,
                    &feed.last_modified,
                    &fetched,
                    &fetched_ns,
                    &feed.last_error,
                    &i64::from(feed.error_count),
                ],
            )
        })?;
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
            "WHERE id = $1",
            &[&id.as_str()],
        )?;
        Ok(found.pop())
    }

    fn articles(&self, ids: &[ArticleId]) -> Result<Vec<Article>, StoreError> {
        self.articles_with(ids, ARTICLE_COLUMNS, "")
    }

    fn article_heads(&self, ids: &[ArticleId]) -> Result<Vec<Article>, StoreError> {
        self.articles_with(ids, ARTICLE_HEAD_COLUMNS, " without their bodies")
    }

    fn has_article(&self, id: &ArticleId) -> Result<bool, StoreError> {
        self.run(|s| {
            s.exists(
                &format!("look up article {id}"),
                "SELECT 1 FROM articles WHERE id = $1 \
                 UNION ALL SELECT 1 FROM article_aliases WHERE alias_id = $1",
                &[&id.as_str()],
            )
        })
    }

    fn known_articles(&self, ids: &[ArticleId]) -> Result<Vec<bool>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let texts: Vec<&str> = ids.iter().map(ArticleId::as_str).collect();
        let known: Vec<i64> = self.run(|s| {
            s.query_map(
                &format!("look up {} articles", ids.len()),
                "SELECT u.ord FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord) \
                 WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = u.id) \
                    OR EXISTS (SELECT 1 FROM article_aliases x WHERE x.alias_id = u.id)",
                &[&texts],
                |row| row.try_get(0),
            )
        })?;
        let mut found = vec![false; ids.len()];
        for ordinal in known {
            // Ordinals count from 1.
            if let Some(slot) = usize::try_from(ordinal - 1)
                .ok()
                .and_then(|i| found.get_mut(i))
            {
                *slot = true;
            }
        }
        Ok(found)
    }

    fn add_article_aliases(
        &mut self,
        aliases: &[(ArticleId, ArticleId)],
    ) -> Result<(), StoreError> {
        if aliases.is_empty() {
            return Ok(());
        }
        self.write("article aliases", |s| {
            for (alias, article) in aliases {
                if !article_exists(s, article.as_str())? {
                    return Err(StoreError::NotFound {
                        what: format!("article {article}"),
                    });
                }
                if alias == article {
                    continue;
                }
                s.execute(
                    &format!("record alias {alias} of {article}"),
                    "INSERT INTO article_aliases (alias_id, article_id) \
                     SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM articles WHERE id = $1) \
                     ON CONFLICT (alias_id) DO NOTHING",
                    &[&alias.as_str(), &article.as_str()],
                )?;
            }
            Ok(())
        })
    }

    fn article_by_content_hash(&self, hash: &str) -> Result<Option<ArticleId>, StoreError> {
        let op = format!("look up content hash {hash}");
        self.run(|s| {
            let row = s.query_opt(
                &op,
                "SELECT id FROM articles WHERE content_hash = $1 ORDER BY seq LIMIT 1",
                &[&hash],
            )?;
            row.map(|row| row.try_get::<_, String>(0).map(ArticleId))
                .transpose()
                .map_err(|e| error::decode_error(s.db, &op, e))
        })
    }

    fn all_articles(&self) -> Result<Vec<Article>, StoreError> {
        self.query_articles("list articles", ARTICLE_ORDER, &[])
    }

    fn unclustered_articles(&self) -> Result<Vec<Article>, StoreError> {
        self.query_articles(
            "list unclustered articles",
            // The triggers of migration 0005 keep the table of articles in no story, so this
            // reads the new work, not the archive.
            &format!("WHERE id IN (SELECT article_id FROM unclustered_articles) {ARTICLE_ORDER}"),
            &[],
        )
    }

    fn set_duplicate_of(&mut self, id: &ArticleId, original: &ArticleId) -> Result<(), StoreError> {
        self.write("duplicate marking", |s| {
            if !article_exists(s, original.as_str())? {
                return Err(StoreError::NotFound {
                    what: format!("article {original}"),
                });
            }
            let changed = s.execute(
                &format!("mark article {id} as a copy of {original}"),
                "UPDATE articles SET duplicate_of = $2 WHERE id = $1",
                &[&id.as_str(), &original.as_str()],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: format!("article {id}"),
                });
            }
            Ok(())
        })
    }

    fn search_articles(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(ArticleId, String)>, StoreError> {
        self.run(|s| search::articles(s, query, limit))
    }

    fn save_stories(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
    ) -> Result<(), StoreError> {
        if stories.is_empty() && memberships.is_empty() {
            return Ok(());
        }
        self.write("story batch", |s| {
            lock_generation(s)?;
            write_stories(s, stories, memberships)
        })
    }

    fn rename_story(&mut self, id: &StoryId, headline: &str) -> Result<bool, StoreError> {
        self.write("story rename", |s| {
            lock_generation(s)?;
            let live = s.execute(
                &format!("rename story {id}"),
                "UPDATE stories SET headline = $2 WHERE id = $1 AND merged_into IS NULL",
                &[&id.as_str(), &headline],
            )?;
            Ok(live == 1)
        })
    }

    fn stories(&self) -> Result<Vec<Story>, StoreError> {
        self.query_stories(
            "list stories",
            "WHERE merged_into IS NULL ORDER BY updated_at DESC, updated_at_ns DESC, id",
            &[],
        )
    }

    fn story(&self, id: &StoryId) -> Result<Option<Story>, StoreError> {
        let mut found = self.query_stories(
            &format!("read story {id}"),
            "WHERE id = $1",
            &[&id.as_str()],
        )?;
        Ok(found.pop())
    }

    fn story_members(&self, id: &StoryId) -> Result<Vec<StoryArticle>, StoreError> {
        let rows = self.run(|s| {
            s.query_map(
                &format!("list members of story {id}"),
                "SELECT m.article_id, m.score, m.why::text FROM story_articles m \
                 JOIN articles a ON a.id = m.article_id WHERE m.story_id = $1 \
                 ORDER BY a.effective_at, a.effective_ns, a.id",
                &[&id.as_str()],
                |row| {
                    Ok((
                        row.try_get::<_, String>(0)?,
                        row.try_get::<_, f32>(1)?,
                        row.try_get::<_, String>(2)?,
                    ))
                },
            )
        })?;
        rows.into_iter()
            .map(|(article_id, score, why)| {
                let what = format!("membership of article {article_id} why");
                Ok(StoryArticle {
                    story_id: id.clone(),
                    why: decode_json(&self.label, &what, &why)?,
                    score,
                    article_id: ArticleId(article_id),
                })
            })
            .collect()
    }

    fn story_of_article(&self, id: &ArticleId) -> Result<Option<StoryId>, StoreError> {
        let op = format!("look up story of article {id}");
        self.run(|s| {
            let row = s.query_opt(
                &op,
                "SELECT story_id FROM story_articles WHERE article_id = $1",
                &[&id.as_str()],
            )?;
            row.map(|row| row.try_get::<_, String>(0).map(StoryId))
                .transpose()
                .map_err(|e| error::decode_error(s.db, &op, e))
        })
    }

    fn resolve_story(&self, id_or_prefix: &str) -> Result<Option<StoryId>, StoreError> {
        let wanted = id_or_prefix.trim();
        if wanted.is_empty() {
            return Ok(None);
        }
        let op = format!("resolve story {wanted:?}");
        self.run(|s| {
            if story_exists(s, wanted, false)? {
                return Self::follow_merges(s, StoryId(wanted.to_string())).map(Some);
            }
            // The ids starting with the prefix are one range of the primary key (byte
            // order); read it a page at a time, since a short prefix may match every story
            // while a dozen distinct targets already settle the answer.
            let upper = prefix_upper_bound(wanted);
            let mut after = wanted.to_string();
            let mut first_page = true;
            let mut resolved = BTreeSet::new();
            'pages: loop {
                let from = if first_page { ">=" } else { ">" };
                let ids: Vec<String> = match &upper {
                    Some(upper) => s.query_map(
                        &op,
                        &format!(
                            "SELECT id FROM stories WHERE id {from} $1 AND id < $2 \
                             ORDER BY id LIMIT 64"
                        ),
                        &[&after, upper],
                        |row| row.try_get(0),
                    )?,
                    None => s.query_map(
                        &op,
                        &format!("SELECT id FROM stories WHERE id {from} $1 ORDER BY id LIMIT 64"),
                        &[&after],
                        |row| row.try_get(0),
                    )?,
                };
                first_page = false;
                let Some(last) = ids.last() else {
                    break;
                };
                after = last.clone();
                let full_page = ids.len() == 64;
                for id in ids {
                    if !id.starts_with(wanted) {
                        break 'pages;
                    }
                    resolved.insert(Self::follow_merges(s, StoryId(id))?);
                    if resolved.len() > MAX_AMBIGUOUS_CANDIDATES {
                        break 'pages;
                    }
                }
                if !full_page {
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
        })
    }

    fn save_brief(&mut self, brief: &Brief) -> Result<u32, StoreError> {
        self.write("brief save", |s| {
            lock_generation(s)?;
            write_brief(s, brief)
        })
    }

    fn latest_brief(&self, story: &StoryId) -> Result<Option<Brief>, StoreError> {
        let mut found = self.query_briefs(
            &format!("read latest brief of story {story}"),
            "story_id = $1 ORDER BY version DESC LIMIT 1",
            &[&story.as_str()],
        )?;
        Ok(found.pop())
    }

    fn brief(&self, story: &StoryId, version: u32) -> Result<Option<Brief>, StoreError> {
        let mut found = self.query_briefs(
            &format!("read brief {version} of story {story}"),
            "story_id = $1 AND version = $2",
            &[&story.as_str(), &i64::from(version)],
        )?;
        Ok(found.pop())
    }

    fn brief_versions(&self, story: &StoryId) -> Result<Vec<(u32, DateTime<Utc>)>, StoreError> {
        let rows = self.run(|s| {
            s.query_map(
                &format!("list brief versions of story {story}"),
                "SELECT version, generated_at, generated_at_ns FROM briefs \
                 WHERE story_id = $1 ORDER BY version",
                &[&story.as_str()],
                |row| {
                    Ok((
                        row.try_get::<_, i64>(0)?,
                        row.try_get::<_, PgMicros>(1)?,
                        row.try_get::<_, i16>(2)?,
                    ))
                },
            )
        })?;
        rows.into_iter()
            .map(|(version, at, ns)| {
                let what = format!("brief {story} version {version}");
                Ok((
                    decode_count(&self.label, &what, version)?,
                    decode_time(&self.label, &what, at, ns)?,
                ))
            })
            .collect()
    }

    fn search_briefs(&self, query: &str, limit: usize) -> Result<Vec<BriefHit>, StoreError> {
        self.run(|s| search::briefs(s, query, limit))
    }

    fn generation(&self) -> Result<u64, StoreError> {
        let generation: i64 = self.run(|s| {
            s.query_value(
                "read the data generation",
                "SELECT generation FROM data_generation WHERE id = 1",
                &[],
            )
        })?;
        u64::try_from(generation).map_err(|_| {
            corrupt(
                &self.label,
                "data generation",
                format!("negative value {generation}"),
            )
        })
    }

    fn counts(&self) -> Result<StoreCounts, StoreError> {
        let rows = self.run(|s| {
            s.query_map(
                "count rows",
                "SELECT (SELECT COUNT(*) FROM feeds), (SELECT COUNT(*) FROM articles), \
                 (SELECT COUNT(*) FROM stories WHERE merged_into IS NULL), \
                 (SELECT COUNT(*) FROM briefs)",
                &[],
                |row| {
                    Ok([
                        row.try_get::<_, i64>(0)?,
                        row.try_get::<_, i64>(1)?,
                        row.try_get::<_, i64>(2)?,
                        row.try_get::<_, i64>(3)?,
                    ])
                },
            )
        })?;
        // COUNT(*) is never negative; a failed conversion would be a server bug.
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let [feeds, articles, stories, briefs] = rows.first().copied().unwrap_or_default();
        Ok(StoreCounts {
            feeds: count(feeds),
            articles: count(articles),
            stories: count(stories),
            briefs: count(briefs),
        })
    }

    fn upsert_kb_entities(&mut self, entities: &[KbEntity]) -> Result<usize, StoreError> {
        kb::upsert(self, entities)
    }

    fn kb_lookup(&self, name: &str) -> Result<Vec<KbEntity>, StoreError> {
        self.run(|s| kb::lookup(s, name))
    }

    fn kb_count(&self) -> Result<usize, StoreError> {
        self.run(kb::count)
    }

    fn kb_sources(&self) -> Result<Vec<KbSourceSummary>, StoreError> {
        self.run(kb::sources)
    }

    fn set_story_entities(
        &mut self,
        story: &StoryId,
        cards: &[EntityCard],
    ) -> Result<(), StoreError> {
        self.write("entity index update", |s| {
            lock_generation(s)?;
            kb::replace_story_entities(s, story, cards)
        })
    }

    fn cluster_state_version(&self) -> Result<u64, StoreError> {
        self.run(incremental::cluster_state_version)
    }

    fn cluster_state(&self) -> Result<Option<SavedClusterState>, StoreError> {
        self.conn.borrow_mut().snapshot(
            &self.label,
            "clustering state read",
            incremental::cluster_state,
        )
    }

    fn cluster_story_state(&self, story: &StoryId) -> Result<Option<ClusterStoryRow>, StoreError> {
        self.run(|s| incremental::cluster_story_state(s, story))
    }

    fn save_clustering(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
        changes: &ClusterStateChanges,
    ) -> Result<u64, StoreError> {
        incremental::save_clustering(self, stories, memberships, changes)
    }

    fn stories_changed_after(&self, after: u64) -> Result<(Vec<StoryId>, u64), StoreError> {
        self.run(|s| incremental::stories_changed_after(s, after))
    }

    fn dirty_stories(&self, limit: usize) -> Result<Vec<(StoryId, u64)>, StoreError> {
        self.run(|s| incremental::dirty_stories(s, limit))
    }

    fn mark_brief_current(&mut self, story: &StoryId, mark: u64) -> Result<bool, StoreError> {
        self.write("brief mark", |s| {
            lock_generation(s)?;
            incremental::mark_brief_current(s, story, mark)
        })
    }

    fn save_story_profile(&mut self, profile: &StoryProfileRow) -> Result<(), StoreError> {
        self.write("story profile", |s| {
            incremental::write_story_profile(s, profile)
        })
    }

    fn save_story_profiles(&mut self, profiles: &[StoryProfileRow]) -> Result<(), StoreError> {
        if profiles.is_empty() {
            return Ok(());
        }
        self.write("story profiles", |s| {
            profiles
                .iter()
                .try_for_each(|profile| incremental::write_story_profile(s, profile))
        })
    }

    fn save_written_brief(&mut self, brief: &Brief, mark: u64) -> Result<u32, StoreError> {
        self.write("written brief", |s| {
            lock_generation(s)?;
            let version = write_brief(s, brief)?;
            kb::replace_story_entities(s, &brief.story_id, &brief.more_on_these_topics)?;
            write_story_name(s, &brief.story_id, &brief.headline)?;
            incremental::mark_brief_current(s, &brief.story_id, mark)?;
            Ok(version)
        })
    }

    fn story_profiles_by_keys(
        &self,
        keys: &[String],
        limit: usize,
    ) -> Result<Vec<StoryProfileMatch>, StoreError> {
        self.run(|s| incremental::story_profiles_by_keys(s, keys, limit))
    }

    fn story_profile_key_counts(&self, keys: &[String]) -> Result<Vec<u64>, StoreError> {
        self.run(|s| incremental::story_profile_key_counts(s, keys))
    }

    fn insert_articles_indexed(
        &mut self,
        articles: &[Article],
        keys: &[NearDuplicateKey],
    ) -> Result<Vec<bool>, StoreError> {
        incremental::insert_articles_indexed(self, articles, keys)
    }

    fn near_duplicate_candidates(
        &self,
        bands: &[i64],
    ) -> Result<Vec<NearDuplicateCandidate>, StoreError> {
        self.run(|s| incremental::near_duplicate_candidates(s, bands))
    }

    fn articles_missing_index(&self, limit: usize) -> Result<Vec<Article>, StoreError> {
        self.query_articles(
            "list articles missing from the near-duplicate index",
            "WHERE NOT EXISTS (SELECT 1 FROM article_signatures s \
             WHERE s.article_id = articles.id) ORDER BY seq LIMIT $1",
            &[&i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    fn index_near_duplicates(
        &mut self,
        entries: &[(ArticleId, NearDuplicateKey)],
    ) -> Result<(), StoreError> {
        incremental::index_near_duplicates(self, entries)
    }

    fn check_invariants(&self) -> Result<Vec<Violation>, StoreError> {
        self.conn
            .borrow_mut()
            .snapshot(&self.label, "invariant check", check::violations)
    }

    fn stories_mentioning(&self, entity_id: &str) -> Result<Vec<(StoryId, u32)>, StoreError> {
        self.run(|s| kb::stories_mentioning(s, entity_id))
    }

    fn entity(&self, entity_id: &str) -> Result<Option<(String, EntityKind)>, StoreError> {
        self.run(|s| kb::entity_shown_as(s, entity_id))
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
        self.run(|s| copy::articles_after(s, after, limit))
    }

    fn near_duplicate_keys(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<Option<NearDuplicateKey>>, StoreError> {
        self.run(|s| copy::near_duplicate_keys(s, ids))
    }

    fn article_aliases_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<(ArticleId, ArticleId)>, StoreError> {
        self.run(|s| copy::article_aliases_after(s, after, limit))
    }

    fn stories_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<Story>, StoreError> {
        self.run(|s| copy::stories_after(s, after, limit))
    }

    fn memberships_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<StoryArticle>, StoreError> {
        self.run(|s| copy::memberships_after(s, after, limit))
    }

    fn briefs_after(
        &self,
        after: Option<(&StoryId, u32)>,
        limit: usize,
    ) -> Result<Vec<Brief>, StoreError> {
        let op = "list brief versions";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match after {
            Some((story, version)) => self.query_briefs(
                op,
                "(story_id, version) > ($1, $2) ORDER BY story_id, version LIMIT $3",
                &[&story.as_str(), &i64::from(version), &limit],
            ),
            None => self.query_briefs(op, "true ORDER BY story_id, version LIMIT $1", &[&limit]),
        }
    }

    fn story_entities_after(
        &self,
        after: Option<(&StoryId, &str)>,
        limit: usize,
    ) -> Result<Vec<StoryEntityRow>, StoreError> {
        self.run(|s| copy::story_entities_after(s, after, limit))
    }

    fn kb_entities_after(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<KbEntity>, StoreError> {
        self.run(|s| kb::entries_after(s, after, limit))
    }

    fn cluster_state_meta(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        self.run(copy::cluster_state_meta)
    }

    fn cluster_terms_after(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> Result<Vec<ClusterTermRow>, StoreError> {
        self.run(|s| copy::cluster_terms_after(s, after, limit))
    }

    fn cluster_story_states_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<ClusterStoryRow>, StoreError> {
        self.run(|s| copy::cluster_story_states_after(s, after, limit))
    }

    fn story_profiles_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<StoryProfileRow>, StoreError> {
        self.run(|s| copy::story_profiles_after(s, after, limit))
    }

    fn brief_dirty_marks_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        self.run(|s| copy::brief_dirty_marks_after(s, after, limit))
    }

    fn import_briefs(&mut self, briefs: &[Brief]) -> Result<(), StoreError> {
        copy::import_briefs(self, briefs)
    }

    fn import_story_entities(&mut self, rows: &[StoryEntityRow]) -> Result<(), StoreError> {
        copy::import_story_entities(self, rows)
    }

    fn import_cluster_state(
        &mut self,
        terms: &[ClusterTermRow],
        stories: &[ClusterStoryRow],
        meta: Option<(u64, &[u8])>,
    ) -> Result<(), StoreError> {
        copy::import_cluster_state(self, terms, stories, meta)
    }

    fn import_brief_dirty_marks(&mut self, marks: &[(StoryId, u64)]) -> Result<(), StoreError> {
        copy::import_brief_dirty_marks(self, marks)
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn prefix_ranges_end_where_the_prefix_stops_matching() {
        assert_eq!(prefix_upper_bound("s3f9a").as_deref(), Some("s3f9b"));
        assert_eq!(prefix_upper_bound("s%").as_deref(), Some("s&"));
        assert_eq!(
            prefix_upper_bound("a\u{d7ff}").as_deref(),
            Some("a\u{e000}")
        );
        assert_eq!(
            prefix_upper_bound("ab\u{10ffff}").as_deref(),
            Some("ac"),
            "a last character that cannot grow is dropped"
        );
        assert_eq!(prefix_upper_bound("\u{10ffff}"), None);
        for prefix in ["s3f9a", "z", "é", "a\u{d7ff}"] {
            let upper = prefix_upper_bound(prefix).unwrap_or_default();
            for id in [prefix.to_string(), format!("{prefix}\u{10ffff}\u{10ffff}")] {
                assert!(id.as_str() < upper.as_str(), "{id:?} < {upper:?}");
            }
        }
    }
}
