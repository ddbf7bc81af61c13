-- 0009: membership and article triggers per statement.
-- A membership write marked its story dirty and numbered its change row by row: a batch of
-- thousands of memberships in a few stories updated each story row (and its change row)
-- once per member, every update adding a row version the next one had to step over. The
-- same work is now done once per statement over its transition tables: each story a
-- statement touches is marked dirty once and numbered once. `brief_dirty` stays a counter
-- that any change moves on (one step per statement instead of one per row: a reader only
-- compares it with the mark it read). Likewise new articles enter `unclustered_articles`
-- in one insert per statement.

-- Numbers a change of each of `changed` (as storyline_story_changed does for one story).
CREATE FUNCTION storyline_stories_changed(changed text[]) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    number bigint;
BEGIN
    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
    UPDATE data_generation SET generation = generation + 1
        WHERE id = 1 AND xmin <> pg_current_xact_id()::xid
        RETURNING generation INTO number;
    IF number IS NULL THEN
        SELECT generation INTO number FROM data_generation WHERE id = 1;
    END IF;
    INSERT INTO story_changes (story_id, seq)
        SELECT DISTINCT s, number FROM unnest(changed) AS s
        ON CONFLICT (story_id) DO UPDATE SET seq = excluded.seq;
END
$$;

-- The one-story form, kept for the story and brief row triggers, is now the same work.
CREATE OR REPLACE FUNCTION storyline_story_changed(story text) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM storyline_stories_changed(ARRAY[story]);
END
$$;

-- Marks each of `moved` (stories that gained or lost members) dirty once and numbers its
-- change.
CREATE FUNCTION storyline_members_moved(moved text[]) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE stories SET brief_dirty = brief_dirty + 1
        WHERE id IN (SELECT DISTINCT s FROM unnest(moved) AS s);
    PERFORM storyline_stories_changed(
        ARRAY(SELECT DISTINCT s FROM unnest(moved) AS s ORDER BY s));
END
$$;

CREATE FUNCTION storyline_after_members_inserted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM storyline_members_moved(ARRAY(SELECT story_id FROM new_members));
    DELETE FROM unclustered_articles u USING new_members n WHERE u.article_id = n.article_id;
    RETURN NULL;
END
$$;

-- An update of a membership (the upsert that saves it again, or moves it) marks the story
-- it left and the story it joined, as the row trigger did for an update of story_id.
CREATE FUNCTION storyline_after_members_updated() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM storyline_members_moved(ARRAY(
        SELECT story_id FROM old_members UNION SELECT story_id FROM new_members));
    RETURN NULL;
END
$$;

CREATE FUNCTION storyline_after_members_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM storyline_members_moved(ARRAY(SELECT story_id FROM old_members));
    INSERT INTO unclustered_articles (article_id)
        SELECT article_id FROM old_members
        ON CONFLICT (article_id) DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER member_after_write ON story_articles;
DROP FUNCTION storyline_after_member_write();
CREATE TRIGGER members_after_insert AFTER INSERT ON story_articles
    REFERENCING NEW TABLE AS new_members
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_after_members_inserted();
CREATE TRIGGER members_after_update AFTER UPDATE ON story_articles
    REFERENCING OLD TABLE AS old_members NEW TABLE AS new_members
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_after_members_updated();
CREATE TRIGGER members_after_delete AFTER DELETE ON story_articles
    REFERENCING OLD TABLE AS old_members
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_after_members_deleted();

CREATE FUNCTION storyline_after_articles_inserted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO unclustered_articles (article_id)
        SELECT id FROM new_articles
        ON CONFLICT (article_id) DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER unclustered_after_article_insert ON articles;
DROP FUNCTION storyline_after_article_insert();
CREATE TRIGGER unclustered_after_articles_insert AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_after_articles_inserted();
