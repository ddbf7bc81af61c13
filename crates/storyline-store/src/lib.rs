//! Storyline's persistence: the [`Store`] trait and its SQLite backend, [`SqliteStore`].
//!
//! The pipeline writes feeds, articles, stories (with their memberships) and versioned briefs
//! through [`Store`]; the server and the CLI read them back through the same trait. Backends
//! are interchangeable: each one runs the same conformance suite (`conformance::run_all`,
//! behind the `conformance` Cargo feature), so the behaviour documented on [`Store`] is the
//! contract, not an accident of SQLite.
//!
//! Beside the news it keeps the imported knowledge base ([`KbEntity`] entries, found by any of
//! their names through [`Store::kb_lookup`]) and the entity index of entity pages (which
//! stories' cards name which entity, [`Store::stories_mentioning`]).
//!
//! Readers get full-text search over articles ([`Store::search_articles`]) and over each
//! story's latest brief ([`Store::search_briefs`]), the store's sizes ([`Store::counts`]), and
//! a generation number that grows with every story or brief write from any process
//! ([`Store::generation`]), on which a server keys its caches.
//!
//! Every table can also be read a page at a time in key order (`articles_after`,
//! `stories_after`, ...) and the rows no ordinary write reproduces written back as given
//! (`import_*`): [`migrate`] copies a whole store into an empty one, whatever the backends.
//!
//! A new backend lives in its own module beside `sqlite/`, implements [`Store`], and calls
//! `conformance::run_all` from its integration test with a factory of fresh stores.
//!
//! Invariants:
//! - every method that writes more than one row does so in one transaction: a failing batch
//!   leaves nothing behind;
//! - articles are immutable once stored (a second insert of the same id is a no-op), except
//!   for [`Store::set_duplicate_of`];
//! - a knowledge-base name matches only through [`KbEntity::name_key`], in every backend;
//! - this crate does not decide anything about clustering or briefs: it stores what it is
//!   given and checks only referential integrity.

use chrono::{DateTime, Utc};
use std::path::PathBuf;
use storyline_model::{
    Article, ArticleId, Brief, EntityCard, EntityKind, Feed, KbEntity, Story, StoryArticle, StoryId,
};

#[cfg(feature = "conformance")]
#[doc(hidden)]
pub mod conformance;
mod incremental;
mod location;
mod migrate;
mod outlet_columns;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

pub use incremental::{
    ClusterStateChanges, ClusterStoryRow, ClusterTermRow, INVARIANTS, NearDuplicateCandidate,
    NearDuplicateKey, SavedClusterState, StoryProfileMatch, StoryProfileRow, Violation,
};
pub use location::StoreLocation;
pub use migrate::{
    DEFAULT_BATCH, MigrateError, MigrationProgress, MigrationReport, migrate, migrate_in_batches,
    target_contents, verify_copy,
};
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use sqlite::{AppliedMigration, DB_FILE_NAME, SqliteStore};

/// A backend's own error, kept as the source of a [`StoreError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong in a store. Each Display is one line naming the database or
/// the record involved, and the cause.
///
/// Errors raised by a database library (SQLite, PostgreSQL) arrive as [`StoreError::Open`],
/// [`StoreError::Migration`] or [`StoreError::Database`]: the library's error is kept as the
/// source, and the backend sorts it into a [`StoreErrorKind`] so that callers decide what to
/// do (retry, answer 503, report a bug) without knowing which database they talk to.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The database could not be opened or reached. `db` is a file path, or a server URL
    /// without its password.
    #[error("cannot open database {db}: {}", one_line(source))]
    Open {
        db: String,
        kind: StoreErrorKind,
        source: BoxError,
    },
    /// The file system would not switch the database to WAL journal mode (some network file
    /// systems cannot); without it readers would block the writer.
    #[error("cannot open database {}: WAL journal mode refused (still {mode})", path.display())]
    WalUnavailable { path: PathBuf, mode: String },
    #[error(
        "database {db}: migration {version} ({name}) failed: {}",
        one_line(source)
    )]
    Migration {
        db: String,
        version: u32,
        name: &'static str,
        kind: StoreErrorKind,
        source: BoxError,
    },
    #[error(
        "database {db}: schema version {found} is newer than this build understands \
         (up to {supported}); use a newer storyline"
    )]
    SchemaTooNew {
        db: String,
        found: u32,
        supported: u32,
    },
    /// A statement the database refused or could not run.
    #[error("database {db}: {op}: {}", one_line(source))]
    Database {
        db: String,
        /// What we were doing ("insert article a1b2...").
        op: String,
        kind: StoreErrorKind,
        source: BoxError,
    },
    /// A stored row that cannot be decoded (bad JSON, bad timestamp, negative count).
    #[error("database {db}: corrupt {what}: {detail}")]
    Corrupt {
        db: String,
        what: String,
        detail: String,
    },
    /// A value that cannot be encoded for storage.
    #[error("cannot encode {what}: {source}")]
    Encode {
        what: String,
        source: serde_json::Error,
    },
    #[error(
        "story id prefix {prefix:?} is ambiguous: it matches {}",
        candidates.iter().map(StoryId::as_str).collect::<Vec<_>>().join(", ")
    )]
    Ambiguous {
        prefix: String,
        candidates: Vec<StoryId>,
    },
    /// A value the store refuses as given ("knowledge-base entry Wikidata/Q42", "its name is
    /// blank").
    #[error("cannot store {what}: {cause}")]
    Invalid { what: String, cause: String },
    /// A write that refers to a record that does not exist ("feed https://...").
    #[error("{what} not found")]
    NotFound { what: String },
    /// A file the store writes besides its own (a backup) could not be written.
    #[error("cannot {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// What kind of failure a [`StoreError`] is, whichever backend raised it: what a caller
/// needs to choose between retrying, reporting the request and reporting a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreErrorKind {
    /// Another writer held a lock past the wait limit: the same call may succeed a moment
    /// later.
    Busy,
    /// The write collided with another one (a unique key taken, a serialization failure, a
    /// deadlock victim): the data changed under us; retrying the whole step may succeed.
    Conflict,
    /// A record the call names does not exist.
    NotFound,
    /// Stored data that cannot be read as what it should be.
    Corrupt,
    /// The database cannot be reached or written: connection lost, disk full, permission
    /// denied, a file that cannot be opened.
    Io,
    /// Anything else: a rule the data broke, a value that cannot be stored, a bug.
    Other,
}

impl StoreError {
    /// What kind of failure this is; see [`StoreErrorKind`].
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Open { kind, .. }
            | StoreError::Migration { kind, .. }
            | StoreError::Database { kind, .. } => *kind,
            StoreError::CreateDir { .. }
            | StoreError::WalUnavailable { .. }
            | StoreError::Io { .. } => StoreErrorKind::Io,
            StoreError::Corrupt { .. } => StoreErrorKind::Corrupt,
            StoreError::NotFound { .. } => StoreErrorKind::NotFound,
            StoreError::SchemaTooNew { .. }
            | StoreError::Encode { .. }
            | StoreError::Ambiguous { .. }
            | StoreError::Invalid { .. } => StoreErrorKind::Other,
        }
    }

    /// Whether another writer held the database past the busy timeout: the same call may
    /// succeed a moment later (a server answers 503 rather than 500).
    pub fn is_busy(&self) -> bool {
        self.kind() == StoreErrorKind::Busy
    }
}

/// A backend error's message on one line: some libraries add `DETAIL:` and `HINT:` lines,
/// and every [`StoreError`] Display is one line.
fn one_line(source: &BoxError) -> String {
    let text = source.to_string();
    if text.contains(['\n', '\r']) {
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        text
    }
}

/// The persistence contract every backend fulfils.
///
/// Orders are part of the contract. The *effective time* of an article is its
/// `date_published`, else its `date_fetched`; ties are broken by id.
pub trait Store: Send {
    /// Adds a feed keyed by its URL. Returns false, changing nothing, when the URL is already
    /// subscribed.
    fn add_feed(&mut self, feed: &Feed) -> Result<bool, StoreError>;
    /// Returns false when no feed had this URL.
    fn remove_feed(&mut self, url: &str) -> Result<bool, StoreError>;
    /// All feeds, by `added_at`, then URL.
    fn feeds(&self) -> Result<Vec<Feed>, StoreError>;
    /// Stores the polling state of an existing feed: title, etag, last_modified,
    /// last_fetched_at, last_error and error_count (`added_at` is kept).
    /// [`StoreError::NotFound`] when the URL is not subscribed.
    fn update_feed_state(&mut self, feed: &Feed) -> Result<(), StoreError>;

    /// Inserts a batch in one transaction. Per article: true if inserted, false if its id
    /// already existed (the stored article is left unchanged); an id repeated within the batch
    /// counts as existing from its second occurrence on. On any error nothing is inserted.
    /// A `duplicate_of` must name an article stored before or in the same batch.
    fn insert_articles(&mut self, articles: &[Article]) -> Result<Vec<bool>, StoreError>;
    fn article(&self, id: &ArticleId) -> Result<Option<Article>, StoreError>;
    /// The articles with these ids, in the order of `ids`; unknown ids are skipped.
    fn articles(&self, ids: &[ArticleId]) -> Result<Vec<Article>, StoreError>;
    /// [`Store::articles`] without the bodies: every field as stored except `article_body`,
    /// which is empty. What ordering a story, counting its outlets and choosing the articles
    /// a brief is written from read: a week-long story's bodies are megabytes, read again at
    /// its every update. Never hand these to a brief writer or a check.
    fn article_heads(&self, ids: &[ArticleId]) -> Result<Vec<Article>, StoreError> {
        let mut articles = self.articles(ids)?;
        for article in &mut articles {
            article.article_body = String::new();
        }
        Ok(articles)
    }
    /// True when an article with this id is stored, or when the id is an alias of one.
    fn has_article(&self, id: &ArticleId) -> Result<bool, StoreError>;
    /// [`Store::has_article`] for each of `ids`, in their order. A backend behind a network
    /// answers a batch in one query (an import asks this of every line it reads).
    fn known_articles(&self, ids: &[ArticleId]) -> Result<Vec<bool>, StoreError> {
        ids.iter().map(|id| self.has_article(id)).collect()
    }
    /// Records other ids of stored articles, as `(alias, article)` pairs, in one transaction.
    /// An alias that is already recorded, or that is itself a stored article's id, is left
    /// as it is. [`StoreError::NotFound`] when an article is unknown (nothing is recorded).
    fn add_article_aliases(&mut self, aliases: &[(ArticleId, ArticleId)])
    -> Result<(), StoreError>;
    /// The earliest-inserted article with this content hash.
    fn article_by_content_hash(&self, hash: &str) -> Result<Option<ArticleId>, StoreError>;
    /// Every article, by effective time, then id.
    fn all_articles(&self) -> Result<Vec<Article>, StoreError>;
    /// The articles that belong to no story, by effective time, then id.
    fn unclustered_articles(&self) -> Result<Vec<Article>, StoreError>;
    /// Marks `id` as a copy of `original`. [`StoreError::NotFound`] when either is unknown.
    fn set_duplicate_of(&mut self, id: &ArticleId, original: &ArticleId) -> Result<(), StoreError>;
    /// Full-text search over headlines and bodies, best match first, at most `limit` hits,
    /// each with a plain-text snippet of the matching passage. The query is plain words (all
    /// must match); no query syntax is interpreted, so any user input is safe.
    fn search_articles(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(ArticleId, String)>, StoreError>;

    /// In one transaction: upserts `stories` by id (every field replaced) and `memberships`
    /// by article id (an article is in at most one story; saving it again moves it). Stories
    /// named by `merged_into` or by a membership, and articles named by a membership, must
    /// exist after the batch; otherwise nothing is saved.
    fn save_stories(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
    ) -> Result<(), StoreError>;
    /// Sets the headline of a live story and nothing else; false (changing nothing) when the
    /// story is unknown or merged. How a brief names its story: saving the whole row the
    /// writer read could undo what a clustering pass of another worker saved meanwhile.
    fn rename_story(&mut self, id: &StoryId, headline: &str) -> Result<bool, StoreError>;
    /// Stories not merged into another, most recently updated first, then by id.
    fn stories(&self) -> Result<Vec<Story>, StoreError>;
    /// One story, merged or not.
    fn story(&self, id: &StoryId) -> Result<Option<Story>, StoreError>;
    /// The memberships of a story, by the article's effective time, then article id.
    fn story_members(&self, id: &StoryId) -> Result<Vec<StoryArticle>, StoreError>;
    /// The story the article is a member of, as recorded (merges are not followed).
    fn story_of_article(&self, id: &ArticleId) -> Result<Option<StoryId>, StoreError>;
    /// Resolves a user-typed story reference: an exact id, else a unique id prefix, then
    /// follows `merged_into` to the story that absorbed it. A prefix whose matches all lead
    /// to the same story is not ambiguous; otherwise [`StoreError::Ambiguous`] lists the
    /// stories they lead to (at most 10). Matching is exact (case-sensitive); blank → `None`.
    fn resolve_story(&self, id_or_prefix: &str) -> Result<Option<StoryId>, StoreError>;

    /// Stores a new brief version for `brief.story_id`: version = latest + 1 (the given
    /// `version` is ignored and replaced, in the stored JSON too). Returns the version.
    /// [`StoreError::NotFound`] when the story does not exist.
    fn save_brief(&mut self, brief: &Brief) -> Result<u32, StoreError>;
    fn latest_brief(&self, story: &StoryId) -> Result<Option<Brief>, StoreError>;
    fn brief(&self, story: &StoryId, version: u32) -> Result<Option<Brief>, StoreError>;
    /// Every version of a story's brief with its generation time, oldest version first.
    fn brief_versions(&self, story: &StoryId) -> Result<Vec<(u32, DateTime<Utc>)>, StoreError>;
    /// Full-text search over the latest brief of every story not merged into another: its
    /// headline and every shown sentence, entity description and "Go deeper" question
    /// (never the sentences the trust checks dropped). Best match first, at most `limit`
    /// hits. The query is read as plain words, exactly as in [`Store::search_articles`].
    fn search_briefs(&self, query: &str, limit: usize) -> Result<Vec<BriefHit>, StoreError>;

    /// A number that grows whenever stories, memberships, briefs or the entity index are
    /// written, by this connection, another one or another process; other writes (feeds,
    /// articles, the knowledge base) may leave it as it is. Readers key caches of views
    /// derived from stories and briefs on it: read it *before* the data, so a cached view is
    /// never older than its key.
    fn generation(&self) -> Result<u64, StoreError>;
    /// How many feeds, articles, live stories (not merged into another) and brief versions
    /// are stored.
    fn counts(&self) -> Result<StoreCounts, StoreError>;

    /// Upserts knowledge-base entries by `(source, id)` in one transaction: every field is
    /// replaced, and the entry's lookup names become exactly its `name` and `aliases` (names
    /// it had before and lost are no longer found). An entry repeated in the batch ends as
    /// its last occurrence. Returns how many entries were written (`entities.len()`). On any
    /// error nothing is written.
    fn upsert_kb_entities(&mut self, entities: &[KbEntity]) -> Result<usize, StoreError>;
    /// The entries whose name or one of whose aliases has the same [`KbEntity::name_key`] as
    /// `name`, from every source: entries whose *name* matches first, then by id in natural
    /// order (shorter first, so `Q90` before `Q1001`: on Wikidata the older, better-known
    /// item), then by id text, then by source. A blank `name` finds nothing.
    fn kb_lookup(&self, name: &str) -> Result<Vec<KbEntity>, StoreError>;
    /// How many knowledge-base entries are stored, all sources together.
    fn kb_count(&self) -> Result<usize, StoreError>;
    /// One summary per knowledge-base source, by source name.
    fn kb_sources(&self) -> Result<Vec<KbSourceSummary>, StoreError>;

    /// Replaces the entity index rows of `story` with its `cards` (slug id, name, kind,
    /// mentions), in one transaction. A slug repeated among the cards is stored once, with
    /// the first card's name and kind and the mentions added up. [`StoreError::NotFound`]
    /// when the story does not exist.
    fn set_story_entities(
        &mut self,
        story: &StoryId,
        cards: &[EntityCard],
    ) -> Result<(), StoreError>;
    /// The version of the saved clustering state: 0 when none is saved. Cheap: a process
    /// that kept its clusterer in memory compares it with the version it saved.
    fn cluster_state_version(&self) -> Result<u64, StoreError>;
    /// The saved clustering state: counters, the whole vocabulary by id and the resident
    /// story states by `seq`; `None` when none is saved.
    fn cluster_state(&self) -> Result<Option<SavedClusterState>, StoreError>;
    /// One story's saved clustering state, resident or not.
    fn cluster_story_state(&self, story: &StoryId) -> Result<Option<ClusterStoryRow>, StoreError>;
    /// In one transaction: what [`Store::save_stories`] does with `stories` and
    /// `memberships`, and the clustering state `changes` (terms and story states upserted,
    /// `dropped` states deleted, the counters replaced; with `replace`, every saved term and
    /// state dropped first). Returns the new version, `changes.base_version + 1`.
    /// An error of kind [`StoreErrorKind::Conflict`] when the saved version is not
    /// `changes.base_version` (another writer saved since it was loaded); nothing is saved
    /// then.
    fn save_clustering(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
        changes: &ClusterStateChanges,
    ) -> Result<u64, StoreError>;

    /// Verifies the store's invariants ([`INVARIANTS`]) and returns what breaks them (at
    /// most ten rows per invariant); empty when the store is sound. Reads the whole store:
    /// for `storyline check`, not for a poll.
    fn check_invariants(&self) -> Result<Vec<Violation>, StoreError>;

    /// The stories changed (their row, memberships or a new brief) after change number
    /// `after`, by id, and the latest change number (`after` itself when nothing changed): a
    /// reader that keeps a view of the stories re-reads these and asks again from there.
    fn stories_changed_after(&self, after: u64) -> Result<(Vec<StoryId>, u64), StoreError>;

    /// Live stories whose brief is not current (a membership changed since it was written),
    /// oldest first (`created_at`, then id), at most `limit`, each with its dirty mark.
    fn dirty_stories(&self, limit: usize) -> Result<Vec<(StoryId, u64)>, StoreError>;
    /// Marks the story's brief current, if its dirty mark is still `mark` (no membership
    /// changed since it was read); returns whether it did.
    fn mark_brief_current(&mut self, story: &StoryId, mark: u64) -> Result<bool, StoreError>;

    /// Replaces a story's related-story profile and its keys.
    /// [`StoreError::NotFound`] when the story does not exist.
    fn save_story_profile(&mut self, profile: &StoryProfileRow) -> Result<(), StoreError>;
    /// [`Store::save_story_profile`] for each of `profiles`, in one transaction: all are
    /// saved or, on any error, none.
    fn save_story_profiles(&mut self, profiles: &[StoryProfileRow]) -> Result<(), StoreError>;
    /// Everything a newly written brief changes, in one transaction: saves `brief` as its
    /// story's next version ([`Store::save_brief`]), replaces the story's entity index rows
    /// with the brief's cards ([`Store::set_story_entities`]), renames the story after the
    /// brief's headline when it is live and named otherwise ([`Store::rename_story`]), and
    /// marks its brief current if its dirty mark is still `mark`
    /// ([`Store::mark_brief_current`]). Returns the version saved. On any error (the story is
    /// unknown: [`StoreError::NotFound`]) nothing is saved.
    fn save_written_brief(&mut self, brief: &Brief, mark: u64) -> Result<u32, StoreError>;
    /// The profiles of live stories (not merged into another) holding any of `keys`: those
    /// holding the most of them first (ties by story id), at most `limit`. Each key brings
    /// at most [`PROFILE_KEY_RECENT_STORIES`] stories, those whose newest article (when their
    /// profile was saved) is the most recent (ties by story id): a common key's list grows
    /// with the archive, and reading it whole would make the call cost what the archive holds.
    fn story_profiles_by_keys(
        &self,
        keys: &[String],
        limit: usize,
    ) -> Result<Vec<StoryProfileMatch>, StoreError>;
    /// For each of `keys`, how many live stories' profiles hold it, counted up to
    /// [`PROFILE_KEY_COUNT_CAP`] (a key held by more is as common as one held by that many:
    /// the count only ranks keys by rarity, and counting a common key's whole list would
    /// make the call cost what the archive holds).
    fn story_profile_key_counts(&self, keys: &[String]) -> Result<Vec<u64>, StoreError>;

    /// [`Store::insert_articles`], writing each inserted article's near-duplicate index
    /// entry (`keys[i]` for `articles[i]`; `keys` may be shorter: the rest are not indexed)
    /// in the same transaction.
    fn insert_articles_indexed(
        &mut self,
        articles: &[Article],
        keys: &[NearDuplicateKey],
    ) -> Result<Vec<bool>, StoreError>;
    /// The indexed articles with a signature that share any of `bands`, by insertion order.
    fn near_duplicate_candidates(
        &self,
        bands: &[i64],
    ) -> Result<Vec<NearDuplicateCandidate>, StoreError>;
    /// Up to `limit` stored articles with no near-duplicate index entry yet (stored before
    /// the index existed), by insertion order.
    fn articles_missing_index(&self, limit: usize) -> Result<Vec<Article>, StoreError>;
    /// Writes index entries of stored articles, in one transaction; an article that already
    /// has one keeps it.
    fn index_near_duplicates(
        &mut self,
        entries: &[(ArticleId, NearDuplicateKey)],
    ) -> Result<(), StoreError>;

    /// The stories (not merged into another) whose cards include the entity with this slug,
    /// with its mentions there: most mentions first, then by story id.
    fn stories_mentioning(&self, entity_id: &str) -> Result<Vec<(StoryId, u32)>, StoreError>;
    /// The name and kind under which a slug is shown: those of the row with the most
    /// mentions among stories not merged into another (ties by story id). `None` when no
    /// such story mentions it.
    fn entity(&self, entity_id: &str) -> Result<Option<(String, EntityKind)>, StoreError>;

    // Leases: how several workers (`storyline run --worker`, in several processes or on
    // several machines) share one store. A lease is held by a worker's name until a time
    // (exclusive: at `until` it is free again); it is a row in the store, not a lock of a
    // connection, so a worker that dies, hangs or loses its connection gives its work back
    // when the lease expires, and a lease means the same on every backend. The clock is the
    // caller's `now` (workers on several machines must keep their clocks roughly in step;
    // an error of a few seconds only shortens or lengthens a lease). A lease spares wasted
    // work; it is never what keeps the data sound (the store's own checks do that:
    // `mark_brief_current`'s dirty mark, `save_clustering`'s version).

    /// Leases up to `limit` feeds to `worker` until `now + lease`, in one transaction: feeds
    /// whose lease is free or expired (a feed still leased, even to `worker` itself, is not
    /// handed out again), least recently fetched first: never fetched first, then by
    /// `last_fetched_at`, then `added_at`, then URL; returned in that order. Concurrent
    /// callers never get the same feed while its lease holds (PostgreSQL: `FOR UPDATE SKIP
    /// LOCKED`, so they skip each other's rows instead of queueing; SQLite: one writer at a
    /// time). Leasing changes nothing else about a feed ([`Store::feeds`] and
    /// [`Store::update_feed_state`] work as before, leased or not).
    fn lease_feeds(
        &mut self,
        worker: &str,
        limit: usize,
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Feed>, StoreError>;
    /// Ends `worker`'s leases of these feeds; a feed leased to another worker, not leased or
    /// unknown is left as it is.
    fn release_feeds(&mut self, worker: &str, urls: &[String]) -> Result<(), StoreError>;

    /// [`Store::dirty_stories`] shared among workers: up to `limit` live stories whose brief
    /// is not current, oldest first (`created_at`, then id), each with its dirty mark,
    /// skipping those leased to another worker until after `now`; the ones returned are
    /// leased to `worker` until `now + lease` (a story already leased to `worker` is returned
    /// again and its lease renewed), in one transaction. Concurrent callers never get the same
    /// story while its lease holds. The dirty mark still decides whether a brief is current:
    /// [`Store::mark_brief_current`] keeps its meaning, and does not end the lease.
    fn lease_dirty_stories(
        &mut self,
        worker: &str,
        limit: usize,
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<(StoryId, u64)>, StoreError>;
    /// Ends `worker`'s leases of these stories; other workers' leases are left as they are.
    fn release_stories(&mut self, worker: &str, ids: &[StoryId]) -> Result<(), StoreError>;

    /// Takes or renews the clustering lease: true when it was free, expired or already
    /// `worker`'s, which then holds it until `now + lease`; false (changing nothing) while
    /// another worker holds it. One clustering pass at a time: concurrent passes would load
    /// the same saved state and all but one would lose their save to a version conflict, so
    /// the lease only spares that wasted work (the version check keeps the state sound even
    /// when an expired holder is still running). A lease row rather than a PostgreSQL session
    /// advisory lock: an advisory lock lives as long as its connection, so a hung worker with
    /// an open connection would hold it forever, a connection pooler in transaction mode
    /// would lose or share it, and SQLite has no equivalent; a row expires by time and
    /// behaves the same on both backends.
    fn try_lock_clustering(
        &mut self,
        worker: &str,
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Ends `worker`'s clustering lease; a lease held by another worker is left as it is.
    fn unlock_clustering(&mut self, worker: &str) -> Result<(), StoreError>;

    // The whole store, a page at a time, and rows written back exactly as another store held
    // them: what `migrate` (a store copied to another backend) is built on. Each listing is
    // keyset-paginated: at most `limit` rows whose key comes after `after` (`None`: from the
    // first), in key order, read through the key's index, so a page costs the same at the
    // start and at the end of any archive and a reader holds one page. Key orders are byte
    // orders, the same on every backend. Pages are separate reads: a row written between two
    // pages may or may not be seen, so a copy is taken of a store that no one writes to.
    // (Leases and story change numbers are the store's own bookkeeping and are not listed.)

    /// Up to `limit` articles inserted after the one numbered `after` (0: from the first), in
    /// insertion order, each with its insertion number. The numbers are this store's own:
    /// they grow with every insert and may skip; a store that was given the same articles in
    /// the same order numbers them its own way but orders them the same.
    fn articles_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Article)>, StoreError>;
    /// The near-duplicate index entry of each of `ids`, in the order of `ids`: `None` for an
    /// article that has none (stored before the index, or unknown); an entry without a
    /// signature has no bands; bands come in ascending order.
    fn near_duplicate_keys(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<Option<NearDuplicateKey>>, StoreError>;
    /// Up to `limit` recorded aliases after the alias `after`, by alias, as `(alias,
    /// article)` pairs ([`Store::add_article_aliases`]).
    fn article_aliases_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<(ArticleId, ArticleId)>, StoreError>;
    /// Up to `limit` stories after the story `after`, by id, merged ones included.
    fn stories_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<Story>, StoreError>;
    /// Up to `limit` memberships after the one of article `after`, by article id.
    fn memberships_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<StoryArticle>, StoreError>;
    /// Up to `limit` brief versions after `after` (story, version), by story id, then
    /// version: every version of every story, merged ones included.
    fn briefs_after(
        &self,
        after: Option<(&StoryId, u32)>,
        limit: usize,
    ) -> Result<Vec<Brief>, StoreError>;
    /// Up to `limit` rows of the entity index after `after` (story, slug), by story id, then
    /// slug.
    fn story_entities_after(
        &self,
        after: Option<(&StoryId, &str)>,
        limit: usize,
    ) -> Result<Vec<StoryEntityRow>, StoreError>;
    /// Up to `limit` knowledge-base entries after `after` (source, id), by source, then id.
    fn kb_entities_after(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<KbEntity>, StoreError>;
    /// The saved clustering state's version and counters, without its vocabulary and story
    /// states ([`Store::cluster_state`] reads those too); `None` when none is saved.
    fn cluster_state_meta(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError>;
    /// Up to `limit` terms of the saved vocabulary with an id above `after`, by id.
    fn cluster_terms_after(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> Result<Vec<ClusterTermRow>, StoreError>;
    /// Up to `limit` saved story states after the story `after`, by story id, resident or
    /// not.
    fn cluster_story_states_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<ClusterStoryRow>, StoreError>;
    /// Up to `limit` related-story profiles after the story `after`, by story id, each with
    /// its keys as stored, in ascending order (a backend may keep none for a merged story:
    /// [`Store::story_profiles_by_keys`] never finds one).
    fn story_profiles_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<StoryProfileRow>, StoreError>;
    /// Up to `limit` stories after the story `after`, by id, merged ones included, each with
    /// its dirty mark (0: its brief is current; see [`Store::dirty_stories`]).
    fn brief_dirty_marks_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<(StoryId, u64)>, StoreError>;

    /// Stores brief versions as another store held them, in one transaction: each under its
    /// own `version` (where [`Store::save_brief`] assigns latest + 1), JSON and generation
    /// time as given. A story's versions must come in ascending order, each above the latest
    /// it already has, so that the search index holds its latest; a version that is 0 or not
    /// above the story's latest is [`StoreError::Invalid`], a story that does not exist
    /// [`StoreError::NotFound`], and nothing is stored then.
    fn import_briefs(&mut self, briefs: &[Brief]) -> Result<(), StoreError>;
    /// Writes entity index rows as another store held them, in one transaction: each row
    /// upserted by (story, slug), the story's other rows kept (where
    /// [`Store::set_story_entities`] replaces a story's rows with what it derives from whole
    /// cards). [`StoreError::NotFound`] when a story does not exist; nothing is written then.
    fn import_story_entities(&mut self, rows: &[StoryEntityRow]) -> Result<(), StoreError>;
    /// Writes saved clustering state as another store held it, in one transaction: `terms`
    /// upserted by id and `stories` by story (as [`Store::save_clustering`] does), and with
    /// `meta`, the version and counters set to exactly `(version, meta)`. Unlike
    /// [`Store::save_clustering`] it checks no base version, bumps none and writes no story
    /// rows, so a state copied in parts, its counters last, ends with the source's version.
    /// A version of 0 is [`StoreError::Invalid`].
    fn import_cluster_state(
        &mut self,
        terms: &[ClusterTermRow],
        stories: &[ClusterStoryRow],
        meta: Option<(u64, &[u8])>,
    ) -> Result<(), StoreError>;
    /// Sets stories' dirty marks to exactly these values (0: brief current), in one
    /// transaction: membership writes only ever bump a mark and [`Store::mark_brief_current`]
    /// only clears one it read, so neither can reproduce another store's marks.
    /// [`StoreError::NotFound`] when a story does not exist; nothing is written then.
    fn import_brief_dirty_marks(&mut self, marks: &[(StoryId, u64)]) -> Result<(), StoreError>;
}

/// Where [`Store::story_profile_key_counts`] stops counting.
pub const PROFILE_KEY_COUNT_CAP: u64 = 64;

/// How many stories one key brings to [`Store::story_profiles_by_keys`]: the most recent.
pub const PROFILE_KEY_RECENT_STORIES: usize = 256;

/// A lease's end, in milliseconds since the Unix epoch, as the backends store it.
pub(crate) fn lease_until_ms(now: DateTime<Utc>, lease: std::time::Duration) -> i64 {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    now.timestamp_millis().saturating_add(lease_ms)
}

/// The feeds of `all` whose URL is in `leased`, in lease order: never fetched first, then by
/// `last_fetched_at`, `added_at` and URL.
pub(crate) fn leased_in_order(all: Vec<Feed>, leased: &[String]) -> Vec<Feed> {
    let leased: std::collections::HashSet<&str> = leased.iter().map(String::as_str).collect();
    let mut feeds: Vec<Feed> = all
        .into_iter()
        .filter(|feed| leased.contains(feed.url.as_str()))
        .collect();
    // `None < Some(_)`: never fetched sorts first.
    feeds.sort_by(|a, b| {
        (a.last_fetched_at, a.added_at, &a.url).cmp(&(b.last_fetched_at, b.added_at, &b.url))
    });
    feeds
}

/// The name of the clustering lease's row in the `leases` table.
pub(crate) const CLUSTERING_LEASE: &str = "clustering";

/// One brief found by [`Store::search_briefs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BriefHit {
    pub story_id: StoryId,
    /// The latest version, the one searched.
    pub version: u32,
    pub headline: String,
    /// A plain-text passage around the matching words.
    pub snippet: String,
}

/// One row of the entity index: how a story's latest cards name an entity
/// ([`Store::set_story_entities`] writes them, [`Store::story_entities_after`] lists them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryEntityRow {
    pub story: StoryId,
    /// The card's slug (`li-qiang`).
    pub entity_id: String,
    pub name: String,
    pub kind: EntityKind,
    pub mentions: u32,
}

/// What [`Store::counts`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub feeds: u64,
    pub articles: u64,
    /// Stories not merged into another.
    pub stories: u64,
    /// Brief versions, all stories together.
    pub briefs: u64,
}

/// What [`Store::kb_sources`] says about one knowledge-base source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbSourceSummary {
    /// `Wikidata`, or the stem of an imported JSONL file.
    pub source: String,
    pub entities: usize,
    /// The latest `imported_at` among its entries.
    pub last_imported_at: DateTime<Utc>,
}
