-- 0005: what lets a run touch only what changed (the SQLite backend's 0006).
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
-- `cluster_meta.version`; a save takes a transaction-level advisory lock first, so two
-- writers cannot both save on top of the same version.
--
-- `article_signatures`, `article_bands`: the near-duplicate index (a MinHash signature per
-- article, NULL when its body is too short to judge, and its LSH band keys), written with the
-- article.
--
-- `story_profiles`, `story_profile_keys`: what related-story search compares (one opaque
-- profile per story) and its index (entity and term keys → stories).
--
-- `story_changes`: for each story, the number of its latest change (its row, its
-- memberships, a new brief). The number is the data generation (0004) that the change bumps:
-- taking it locks the generation row until the writer commits, so numbers are handed out in
-- commit order and a reader that has seen number N has seen every change numbered below N.
-- (A sequence, or MAX + 1, would let an earlier number commit after a later one was read.)

ALTER TABLE stories ADD COLUMN brief_dirty bigint NOT NULL DEFAULT 0;
-- Every live story is looked at once after the upgrade: its brief is rewritten only if its
-- articles changed, and its profile is indexed.
UPDATE stories SET brief_dirty = 1 WHERE merged_into IS NULL;
CREATE INDEX stories_dirty ON stories (created_at, created_at_ns, id) WHERE brief_dirty <> 0;

CREATE TABLE unclustered_articles (
    article_id          text COLLATE "C" PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE
);
INSERT INTO unclustered_articles (article_id)
    SELECT id FROM articles a
    WHERE NOT EXISTS (SELECT 1 FROM story_articles m WHERE m.article_id = a.id);

CREATE TABLE story_changes (
    story_id            text COLLATE "C" PRIMARY KEY,
    seq                 bigint NOT NULL
);
CREATE INDEX story_changes_by_seq ON story_changes (seq);
INSERT INTO story_changes (story_id, seq) SELECT id, 1 FROM stories;

-- Numbers a change of `story` (see above).
CREATE FUNCTION storyline_story_changed(story text) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    number bigint;
BEGIN
    UPDATE data_generation SET generation = generation + 1 WHERE id = 1
        RETURNING generation INTO number;
    INSERT INTO story_changes (story_id, seq) VALUES (story, number)
        ON CONFLICT (story_id) DO UPDATE SET seq = excluded.seq;
END
$$;

CREATE FUNCTION storyline_after_story_write() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM storyline_story_changed(NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER story_change_after_story_insert AFTER INSERT ON stories
    FOR EACH ROW EXECUTE FUNCTION storyline_after_story_write();
CREATE TRIGGER story_change_after_story_update
    AFTER UPDATE OF headline, created_at, created_at_ns, updated_at, updated_at_ns,
                    article_count, outlet_count, merged_into ON stories
    FOR EACH ROW EXECUTE FUNCTION storyline_after_story_write();

CREATE FUNCTION storyline_after_member_write() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE stories SET brief_dirty = brief_dirty + 1 WHERE id = OLD.story_id;
        PERFORM storyline_story_changed(OLD.story_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'INSERT' OR NEW.story_id IS DISTINCT FROM OLD.story_id THEN
            UPDATE stories SET brief_dirty = brief_dirty + 1 WHERE id = NEW.story_id;
            PERFORM storyline_story_changed(NEW.story_id);
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        DELETE FROM unclustered_articles WHERE article_id = NEW.article_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO unclustered_articles (article_id) VALUES (OLD.article_id)
            ON CONFLICT (article_id) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER member_after_write
    AFTER INSERT OR UPDATE OF story_id OR DELETE ON story_articles
    FOR EACH ROW EXECUTE FUNCTION storyline_after_member_write();

CREATE FUNCTION storyline_after_article_insert() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO unclustered_articles (article_id) VALUES (NEW.id)
        ON CONFLICT (article_id) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER unclustered_after_article_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION storyline_after_article_insert();

CREATE FUNCTION storyline_after_brief_insert() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM storyline_story_changed(NEW.story_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER story_change_after_brief_insert AFTER INSERT ON briefs
    FOR EACH ROW EXECUTE FUNCTION storyline_after_brief_insert();

CREATE TABLE cluster_meta (
    id                  integer PRIMARY KEY CHECK (id = 1),
    version             bigint NOT NULL CHECK (version >= 1),
    meta                bytea NOT NULL
);
CREATE TABLE cluster_terms (
    id                  bigint PRIMARY KEY CHECK (id >= 0),
    term                text NOT NULL,
    df                  bigint NOT NULL CHECK (df >= 0),
    surface             text,
    proper              boolean NOT NULL DEFAULT false
);
CREATE TABLE cluster_stories (
    story_id            text COLLATE "C" PRIMARY KEY,
    seq                 bigint NOT NULL,
    resident            boolean NOT NULL,
    state               bytea NOT NULL
);
CREATE INDEX cluster_stories_resident ON cluster_stories (seq) WHERE resident;

CREATE TABLE article_signatures (
    article_id          text COLLATE "C" PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    signature           bytea
);
CREATE TABLE article_bands (
    band_key            bigint NOT NULL,
    article_id          text COLLATE "C" NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, article_id)
);
CREATE INDEX article_bands_by_article ON article_bands (article_id);

CREATE TABLE story_profiles (
    story_id            text COLLATE "C" PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    profile             bytea NOT NULL
);
CREATE TABLE story_profile_keys (
    key                 text COLLATE "C" NOT NULL,
    story_id            text COLLATE "C" NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    PRIMARY KEY (key, story_id)
);
CREATE INDEX story_profile_keys_by_story ON story_profile_keys (story_id);
