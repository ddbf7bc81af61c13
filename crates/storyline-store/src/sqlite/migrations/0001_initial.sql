-- 0001: feeds, articles, stories with their memberships, and versioned briefs.
--
-- Timestamps are TEXT in one fixed-width UTC form (2024-05-01T09:30:00.000000000Z), so that
-- comparing the strings compares the times and ORDER BY on them is chronological.
-- Foreign keys between rows written in the same batch are DEFERRABLE INITIALLY DEFERRED:
-- they are checked at COMMIT, so a batch may name a row it inserts later.

CREATE TABLE feeds (
    url             TEXT PRIMARY KEY NOT NULL CHECK (url <> ''),
    title           TEXT,
    added_at        TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    last_fetched_at TEXT,
    last_error      TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0)
);
CREATE INDEX feeds_by_added_at ON feeds (added_at, url);

CREATE TABLE articles (
    -- Insertion order ("earliest-inserted") and the full-text index's rowid. AUTOINCREMENT
    -- so that a number is never reused and VACUUM never renumbers it.
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE CHECK (id <> ''),
    url             TEXT NOT NULL,
    headline        TEXT NOT NULL,
    article_body    TEXT NOT NULL,
    description     TEXT,
    author          TEXT NOT NULL DEFAULT '[]',  -- JSON array of names
    date_published  TEXT,
    date_modified   TEXT,
    date_fetched    TEXT NOT NULL,
    in_language     TEXT,
    publisher       TEXT NOT NULL,
    image           TEXT,
    feed_url        TEXT,
    content_hash    TEXT NOT NULL,
    duplicate_of    TEXT REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    extraction      TEXT NOT NULL,               -- JSON ExtractionStatus
    extra           TEXT NOT NULL DEFAULT '{}',  -- JSON object of unmodelled fields
    CONSTRAINT article_not_own_duplicate CHECK (duplicate_of IS NULL OR duplicate_of <> id)
);
CREATE INDEX articles_by_content_hash ON articles (content_hash, seq);
CREATE INDEX articles_by_effective_time ON articles (COALESCE(date_published, date_fetched), id);
CREATE INDEX articles_by_duplicate_of ON articles (duplicate_of);

CREATE TABLE stories (
    id              TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
    headline        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    article_count   INTEGER NOT NULL CHECK (article_count >= 0),
    outlet_count    INTEGER NOT NULL CHECK (outlet_count >= 0),
    merged_into     TEXT REFERENCES stories (id) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT story_not_merged_into_itself CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX stories_live_by_updated_at ON stories (updated_at DESC, id) WHERE merged_into IS NULL;
CREATE INDEX stories_by_merged_into ON stories (merged_into);

-- An article is in at most one story, hence the key.
CREATE TABLE story_articles (
    article_id      TEXT PRIMARY KEY NOT NULL
                    REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    story_id        TEXT NOT NULL REFERENCES stories (id) DEFERRABLE INITIALLY DEFERRED,
    score           REAL NOT NULL,
    why             TEXT NOT NULL DEFAULT '[]'   -- JSON array of shared terms and entities
);
CREATE INDEX story_articles_by_story ON story_articles (story_id);

CREATE TABLE briefs (
    story_id        TEXT NOT NULL REFERENCES stories (id),
    version         INTEGER NOT NULL CHECK (version >= 1),
    generated_at    TEXT NOT NULL,
    json            TEXT NOT NULL,               -- the Brief, as its published JSON schema
    PRIMARY KEY (story_id, version)
);
