-- 0004: a generation counter for readers' caches.
--
-- `data_generation` holds one number that every write to stories, memberships, briefs and
-- the entity index bumps, whoever writes: a server keys its caches of derived views on it,
-- so a `storyline run` on another machine invalidates them without any messaging.
--
-- A row updated inside the writing transaction, not a sequence: a sequence's next value is
-- visible before the transaction commits, so a reader could take the new number, then read
-- the old data and cache it under the new number for good. The updated row becomes visible
-- with the data, at COMMIT. The row lock it takes serialises writers of stories and briefs
-- for the rest of their transaction, which these short batches afford.
-- Statement-level triggers bump it once per statement, however many rows it touched.

CREATE TABLE data_generation (
    id                  integer PRIMARY KEY CHECK (id = 1),
    generation          bigint NOT NULL CHECK (generation >= 0)
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);

-- SET search_path FROM CURRENT: the function finds this schema's table whatever the calling
-- session's path.
CREATE FUNCTION storyline_bump_generation() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE data_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER generation_after_story_write
    AFTER INSERT OR UPDATE OR DELETE ON stories
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_bump_generation();
CREATE TRIGGER generation_after_member_write
    AFTER INSERT OR UPDATE OR DELETE ON story_articles
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_bump_generation();
CREATE TRIGGER generation_after_brief_write
    AFTER INSERT OR UPDATE OR DELETE ON briefs
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_bump_generation();
CREATE TRIGGER generation_after_entity_write
    AFTER INSERT OR UPDATE OR DELETE ON story_entities
    FOR EACH STATEMENT EXECUTE FUNCTION storyline_bump_generation();
