-- 0009: profile keys ordered by how recent their story is (issue 16).
--
-- A related-story search reads, for each key it looks up, the stories holding that key. In an
-- archive of years a common key is held by tens of thousands of stories, so reading them all
-- made every brief cost what the archive holds. Each key row now carries its story's newest
-- article time (`stories.updated_at` when the profile was saved), and a search reads a bounded
-- number of rows per key, the most recent first, through the index below, which holds every
-- column it needs (a WITHOUT ROWID table's index carries the primary key, so `story_id` too).

ALTER TABLE story_profile_keys ADD COLUMN latest TEXT NOT NULL DEFAULT '';
UPDATE story_profile_keys
SET latest = (SELECT s.updated_at FROM stories s WHERE s.id = story_profile_keys.story_id);
CREATE INDEX story_profile_keys_by_recency ON story_profile_keys (key, latest DESC);
