-- 0011: profile keys ordered by how recent their story is (issue 16), as migration 0009 on
-- SQLite.
--
-- A related-story search reads, for each key it looks up, the stories holding that key. In an
-- archive of years a common key is held by tens of thousands of stories, so reading them all
-- made every brief cost what the archive holds. Each key row now carries its story's newest
-- article time (`stories.updated_at` when the profile was saved), and a search reads a bounded
-- number of rows per key, the most recent first, from the index below alone.

ALTER TABLE story_profile_keys ADD COLUMN latest timestamptz;
UPDATE story_profile_keys k SET latest = s.updated_at FROM stories s WHERE s.id = k.story_id;
ALTER TABLE story_profile_keys ALTER COLUMN latest SET NOT NULL;
CREATE INDEX story_profile_keys_by_recency ON story_profile_keys (key, latest DESC, story_id);
