-- 0006: what lets a run touch only what changed.
--
-- `stories.brief_dirty`: 0 when the story's latest brief is current, else a counter bumped by
-- every membership change of the story (a trigger, so the mark is made in the transaction
-- that changes the membership, whoever writes it). A writer reads the counter, writes the
-- brief, and clears the mark only if the counter has not moved since.
--
-- `unclustered_articles`: articles in no story, kept by triggers, so finding the new work
-- reads the new work and not the archive.
--
-- `cluster_meta`, `cluster_terms`, `cluster_stories`: the clusterer's saved state (counters,
-- vocabulary with document frequencies, one opaque state per story), versioned by
-- `cluster_meta.version` so two writers cannot both save on top of the same state.
--
-- `article_signatures`, `article_bands`: the near-duplicate index (a MinHash signature per
-- article, NULL when its body is too short to judge, and its LSH band keys), written with the
-- article.
--
-- `story_profiles`, `story_profile_keys`: what related-story search compares (one opaque
-- profile per story) and its index (entity and term keys → stories).

ALTER TABLE stories ADD COLUMN brief_dirty INTEGER NOT NULL DEFAULT 0;
-- Every live story is looked at once after the upgrade: its brief is rewritten only if its
-- articles changed, and its profile is indexed.
UPDATE stories SET brief_dirty = 1 WHERE merged_into IS NULL;
CREATE INDEX stories_dirty ON stories (created_at, id) WHERE brief_dirty <> 0;

CREATE TRIGGER brief_dirty_after_member_insert AFTER INSERT ON story_articles BEGIN
    UPDATE stories SET brief_dirty = brief_dirty + 1 WHERE id = new.story_id;
END;
CREATE TRIGGER brief_dirty_after_member_update AFTER UPDATE OF story_id ON story_articles BEGIN
    UPDATE stories SET brief_dirty = brief_dirty + 1 WHERE id IN (old.story_id, new.story_id);
END;
CREATE TRIGGER brief_dirty_after_member_delete AFTER DELETE ON story_articles BEGIN
    UPDATE stories SET brief_dirty = brief_dirty + 1 WHERE id = old.story_id;
END;

CREATE TABLE unclustered_articles (
    article_id      TEXT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO unclustered_articles (article_id)
    SELECT id FROM articles a
    WHERE NOT EXISTS (SELECT 1 FROM story_articles m WHERE m.article_id = a.id);
CREATE TRIGGER unclustered_after_article_insert AFTER INSERT ON articles BEGIN
    INSERT INTO unclustered_articles (article_id) SELECT new.id
    WHERE NOT EXISTS (SELECT 1 FROM unclustered_articles WHERE article_id = new.id);
END;
CREATE TRIGGER unclustered_after_member_insert AFTER INSERT ON story_articles BEGIN
    DELETE FROM unclustered_articles WHERE article_id = new.article_id;
END;
CREATE TRIGGER unclustered_after_member_delete AFTER DELETE ON story_articles BEGIN
    INSERT INTO unclustered_articles (article_id) SELECT old.article_id
    WHERE NOT EXISTS (SELECT 1 FROM unclustered_articles WHERE article_id = old.article_id);
END;

CREATE TABLE cluster_meta (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    version         INTEGER NOT NULL CHECK (version >= 1),
    meta            BLOB NOT NULL
);
CREATE TABLE cluster_terms (
    id              INTEGER PRIMARY KEY CHECK (id >= 0),
    term            TEXT NOT NULL,
    df              INTEGER NOT NULL CHECK (df >= 0),
    surface         TEXT,
    proper          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE cluster_stories (
    story_id        TEXT PRIMARY KEY NOT NULL,
    seq             INTEGER NOT NULL,
    resident        INTEGER NOT NULL,
    state           BLOB NOT NULL
);
CREATE INDEX cluster_stories_resident ON cluster_stories (seq) WHERE resident <> 0;

CREATE TABLE article_signatures (
    article_id      TEXT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    signature       BLOB
) WITHOUT ROWID;
CREATE TABLE article_bands (
    band_key        INTEGER NOT NULL,
    article_id      TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, article_id)
) WITHOUT ROWID;
CREATE INDEX article_bands_by_article ON article_bands (article_id);

CREATE TABLE story_profiles (
    story_id        TEXT PRIMARY KEY NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    profile         BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE story_profile_keys (
    key             TEXT NOT NULL,
    story_id        TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    PRIMARY KEY (key, story_id)
) WITHOUT ROWID;
CREATE INDEX story_profile_keys_by_story ON story_profile_keys (story_id);

-- (Trigger bodies test for an existing row rather than use INSERT OR REPLACE / OR IGNORE:
-- inside a trigger the outer statement's conflict policy overrides the inner one.)
--
-- `story_changes`: for each story, the number of its latest change (its row, its
-- memberships, a new brief), from a counter of its own, so a reader holding a view of the
-- stories as of change N re-reads only the stories changed after N.
CREATE TABLE story_changes (
    story_id        TEXT PRIMARY KEY NOT NULL,
    seq             INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX story_changes_by_seq ON story_changes (seq);
INSERT INTO story_changes (story_id, seq) SELECT id, 1 FROM stories;
CREATE TRIGGER story_change_after_story_insert AFTER INSERT ON stories BEGIN
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = new.id;
    INSERT INTO story_changes (story_id, seq)
    SELECT new.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = new.id);
END;
CREATE TRIGGER story_change_after_story_update
AFTER UPDATE OF headline, created_at, updated_at, article_count, outlet_count, merged_into
ON stories BEGIN
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = new.id;
    INSERT INTO story_changes (story_id, seq)
    SELECT new.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = new.id);
END;
CREATE TRIGGER story_change_after_member_insert AFTER INSERT ON story_articles BEGIN
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = new.story_id;
    INSERT INTO story_changes (story_id, seq)
    SELECT new.story_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = new.story_id);
END;
CREATE TRIGGER story_change_after_member_update AFTER UPDATE OF story_id ON story_articles BEGIN
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = old.story_id;
    INSERT INTO story_changes (story_id, seq)
    SELECT old.story_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = old.story_id);
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = new.story_id;
    INSERT INTO story_changes (story_id, seq)
    SELECT new.story_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = new.story_id);
END;
CREATE TRIGGER story_change_after_member_delete AFTER DELETE ON story_articles BEGIN
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = old.story_id;
    INSERT INTO story_changes (story_id, seq)
    SELECT old.story_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = old.story_id);
END;
CREATE TRIGGER story_change_after_brief_insert AFTER INSERT ON briefs BEGIN
    UPDATE story_changes SET seq = (SELECT MAX(seq) FROM story_changes) + 1
    WHERE story_id = new.story_id;
    INSERT INTO story_changes (story_id, seq)
    SELECT new.story_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM story_changes)
    WHERE NOT EXISTS (SELECT 1 FROM story_changes WHERE story_id = new.story_id);
END;

-- How many live stories' profiles hold each key, kept by triggers, so a related-story search
-- can pick the rarest keys it shares without counting long lists; a story merged into
-- another loses its profile (it is no longer a story of its own).
CREATE TABLE story_profile_key_counts (
    key             TEXT PRIMARY KEY NOT NULL,
    stories         INTEGER NOT NULL CHECK (stories >= 0)
) WITHOUT ROWID;
CREATE TRIGGER profile_key_count_after_insert AFTER INSERT ON story_profile_keys BEGIN
    UPDATE story_profile_key_counts SET stories = stories + 1 WHERE key = new.key;
    INSERT INTO story_profile_key_counts (key, stories) SELECT new.key, 1
    WHERE NOT EXISTS (SELECT 1 FROM story_profile_key_counts WHERE key = new.key);
END;
CREATE TRIGGER profile_key_count_after_delete AFTER DELETE ON story_profile_keys BEGIN
    UPDATE story_profile_key_counts SET stories = stories - 1 WHERE key = old.key;
END;
CREATE TRIGGER profile_dropped_after_merge AFTER UPDATE OF merged_into ON stories
WHEN new.merged_into IS NOT NULL BEGIN
    DELETE FROM story_profile_keys WHERE story_id = new.id;
    DELETE FROM story_profiles WHERE story_id = new.id;
END;
