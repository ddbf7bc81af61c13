-- 0007: live profile keys.
-- A story merged into another loses its profile's keys, as on SQLite (migration 0006
-- there): the key index then holds live stories only, so counting a key's stories and
-- finding stories by keys read the index alone, with no join to `stories` (whose plan, on
-- a table that grew since it was last analysed, scanned every live story per key).
CREATE FUNCTION storyline_drop_merged_profile_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM story_profile_keys WHERE story_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER profile_keys_dropped_after_merge AFTER UPDATE OF merged_into ON stories
    FOR EACH ROW WHEN (NEW.merged_into IS NOT NULL)
    EXECUTE FUNCTION storyline_drop_merged_profile_keys();
DELETE FROM story_profile_keys k USING stories s
    WHERE s.id = k.story_id AND s.merged_into IS NOT NULL;
