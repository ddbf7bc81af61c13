-- 0008: one generation per transaction.
-- The data generation was bumped by every statement on stories and memberships and by every
-- story change, so a transaction saving thousands of memberships updated the one generation
-- row thousands of times: each update adds a row version the later ones must step over
-- within the transaction, and a bulk import spent most of its time there (two thirds of the
-- server's active samples in membership inserts). Now the first change of a transaction bumps
-- the generation (and the row stays locked until commit, as before, so numbers become
-- visible in order); later changes of the same transaction take the same number, which
-- readers see all at once at commit. A row whose version was written by this transaction
-- has its id as `xmin`.
CREATE OR REPLACE FUNCTION storyline_bump_generation() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE data_generation SET generation = generation + 1
        WHERE id = 1 AND xmin <> pg_current_xact_id()::xid;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION storyline_story_changed(story text) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    number bigint;
BEGIN
    UPDATE data_generation SET generation = generation + 1
        WHERE id = 1 AND xmin <> pg_current_xact_id()::xid
        RETURNING generation INTO number;
    IF number IS NULL THEN
        SELECT generation INTO number FROM data_generation WHERE id = 1;
    END IF;
    INSERT INTO story_changes (story_id, seq) VALUES (story, number)
        ON CONFLICT (story_id) DO UPDATE SET seq = excluded.seq;
END
$$;
