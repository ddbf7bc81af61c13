-- 0001: feeds, articles with their aliases, stories with their memberships, and versioned
-- briefs.
--
-- Times: a `timestamptz` holds microseconds, the model nanoseconds. Each time is a
-- `timestamptz` column (readable in psql, usable in date arithmetic and range scans) and a
-- `_ns` column with the nanoseconds below the microsecond (0-999), so a round trip is exact
-- and ORDER BY (time, time_ns) is chronological.
-- Ids, URLs and other ordered keys are COLLATE "C": byte order, like SQLite's BINARY, whatever
-- the database's default collation, so both backends list ties in the same order and an id
-- prefix is one index range.
-- JSON columns are `json`, not `jsonb`: the text is kept byte for byte (jsonb refuses the
-- escape \u0000 that an article's unmodelled fields may hold), and still checked as JSON.
-- Counts are `bigint`: the model's counts are u32, which `integer` cannot hold whole.
-- Foreign keys between rows written in the same batch are DEFERRABLE INITIALLY DEFERRED:
-- they are checked at COMMIT, so a batch may name a row it inserts later.

CREATE TABLE feeds (
    url                 text COLLATE "C" PRIMARY KEY CHECK (url <> ''),
    title               text,
    added_at            timestamptz NOT NULL,
    added_at_ns         smallint NOT NULL CHECK (added_at_ns BETWEEN 0 AND 999),
    etag                text,
    last_modified       text,
    last_fetched_at     timestamptz,
    last_fetched_at_ns  smallint CHECK (last_fetched_at_ns BETWEEN 0 AND 999),
    last_error          text,
    error_count         bigint NOT NULL DEFAULT 0 CHECK (error_count >= 0),
    CHECK ((last_fetched_at IS NULL) = (last_fetched_at_ns IS NULL))
);
CREATE INDEX feeds_by_added_at ON feeds (added_at, added_at_ns, url);

CREATE TABLE articles (
    -- Insertion order ("earliest-inserted"); never reused.
    seq                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  text COLLATE "C" NOT NULL UNIQUE CHECK (id <> ''),
    url                 text NOT NULL,
    headline            text NOT NULL,
    article_body        text NOT NULL,
    description         text,
    author              json NOT NULL,          -- array of names
    date_published      timestamptz,
    date_published_ns   smallint CHECK (date_published_ns BETWEEN 0 AND 999),
    date_modified       timestamptz,
    date_modified_ns    smallint CHECK (date_modified_ns BETWEEN 0 AND 999),
    date_fetched        timestamptz NOT NULL,
    date_fetched_ns     smallint NOT NULL CHECK (date_fetched_ns BETWEEN 0 AND 999),
    in_language         text,
    publisher           text NOT NULL,
    image               text,
    feed_url            text,
    content_hash        text NOT NULL,
    duplicate_of        text COLLATE "C" REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    extraction          json NOT NULL,          -- ExtractionStatus
    extra               json NOT NULL,          -- object of unmodelled fields
    -- The effective time (published, else fetched) that every article listing orders by.
    effective_at        timestamptz NOT NULL
                        GENERATED ALWAYS AS (COALESCE(date_published, date_fetched)) STORED,
    effective_ns        smallint NOT NULL GENERATED ALWAYS AS (
                            CASE WHEN date_published IS NULL THEN date_fetched_ns
                                 ELSE date_published_ns END) STORED,
    CONSTRAINT article_not_own_duplicate CHECK (duplicate_of IS NULL OR duplicate_of <> id),
    CHECK ((date_published IS NULL) = (date_published_ns IS NULL)),
    CHECK ((date_modified IS NULL) = (date_modified_ns IS NULL))
);
CREATE INDEX articles_by_content_hash ON articles (content_hash, seq);
CREATE INDEX articles_by_effective_time ON articles (effective_at, effective_ns, id);
CREATE INDEX articles_by_duplicate_of ON articles (duplicate_of);

-- Other ids under which a stored article is known (a feed item's tracking link).
CREATE TABLE article_aliases (
    alias_id            text COLLATE "C" PRIMARY KEY,
    article_id          text COLLATE "C" NOT NULL REFERENCES articles (id)
);
CREATE INDEX article_aliases_by_article ON article_aliases (article_id);

CREATE TABLE stories (
    id                  text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
    headline            text NOT NULL,
    created_at          timestamptz NOT NULL,
    created_at_ns       smallint NOT NULL CHECK (created_at_ns BETWEEN 0 AND 999),
    updated_at          timestamptz NOT NULL,
    updated_at_ns       smallint NOT NULL CHECK (updated_at_ns BETWEEN 0 AND 999),
    article_count       bigint NOT NULL CHECK (article_count >= 0),
    outlet_count        bigint NOT NULL CHECK (outlet_count >= 0),
    merged_into         text COLLATE "C" REFERENCES stories (id) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT story_not_merged_into_itself CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX stories_live_by_updated_at ON stories (updated_at DESC, updated_at_ns DESC, id)
    WHERE merged_into IS NULL;
CREATE INDEX stories_by_merged_into ON stories (merged_into);

-- An article is in at most one story, hence the key.
CREATE TABLE story_articles (
    article_id          text COLLATE "C" PRIMARY KEY
                        REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    story_id            text COLLATE "C" NOT NULL
                        REFERENCES stories (id) DEFERRABLE INITIALLY DEFERRED,
    score               real NOT NULL,          -- the model's f32, exactly
    why                 json NOT NULL           -- array of shared terms and entities
);
CREATE INDEX story_articles_by_story ON story_articles (story_id);

CREATE TABLE briefs (
    story_id            text COLLATE "C" NOT NULL REFERENCES stories (id),
    version             bigint NOT NULL CHECK (version >= 1),
    generated_at        timestamptz NOT NULL,
    generated_at_ns     smallint NOT NULL CHECK (generated_at_ns BETWEEN 0 AND 999),
    json                json NOT NULL,          -- the Brief, as its published JSON schema
    PRIMARY KEY (story_id, version)
);
