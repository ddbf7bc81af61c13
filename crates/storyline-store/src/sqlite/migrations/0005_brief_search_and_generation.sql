-- 0005: full-text search over briefs, and a generation counter for readers' caches.
--
-- `briefs_fts` indexes the latest brief version of each story only (the text a reader sees):
-- its rowid is the `briefs` row's rowid, and a trigger replaces the story's previous entry
-- whenever a new version is inserted. The indexed body is every shown sentence (`text`),
-- entity description and "Go deeper" question of the brief's JSON; sentences the trust
-- checks dropped (`checks.failures[].sentence`) are never indexed.
--
-- `data_generation` holds one number that every write to stories, memberships, briefs and the
-- entity index bumps, whoever writes: a server keys its caches of derived views on it, so a
-- `storyline run` in another process invalidates them without any messaging.

CREATE VIRTUAL TABLE briefs_fts USING fts5 (
    story_id UNINDEXED,
    version UNINDEXED,
    headline,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER briefs_fts_after_insert AFTER INSERT ON briefs BEGIN
    DELETE FROM briefs_fts WHERE rowid IN (
        SELECT rowid FROM briefs WHERE story_id = new.story_id AND version < new.version
    );
    INSERT INTO briefs_fts (rowid, story_id, version, headline, body)
    VALUES (
        new.rowid,
        new.story_id,
        new.version,
        COALESCE(json_extract(new.json, '$.headline'), ''),
        COALESCE((SELECT group_concat(value, ' ') FROM json_tree(new.json)
                  WHERE key IN ('text', 'description', 'question') AND type = 'text'), '')
    );
END;

-- Index what a database migrated from 0004 already holds: each story's latest version.
INSERT INTO briefs_fts (rowid, story_id, version, headline, body)
SELECT b.rowid, b.story_id, b.version,
       COALESCE(json_extract(b.json, '$.headline'), ''),
       COALESCE((SELECT group_concat(value, ' ') FROM json_tree(b.json)
                 WHERE key IN ('text', 'description', 'question') AND type = 'text'), '')
FROM briefs b
WHERE b.version = (SELECT MAX(version) FROM briefs WHERE story_id = b.story_id);

CREATE TABLE data_generation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  INTEGER NOT NULL CHECK (generation >= 0)
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER generation_after_story_insert AFTER INSERT ON stories BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_story_update AFTER UPDATE ON stories BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_story_delete AFTER DELETE ON stories BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_member_insert AFTER INSERT ON story_articles BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_member_update AFTER UPDATE ON story_articles BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_member_delete AFTER DELETE ON story_articles BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_brief_insert AFTER INSERT ON briefs BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_brief_update AFTER UPDATE ON briefs BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_brief_delete AFTER DELETE ON briefs BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_entity_insert AFTER INSERT ON story_entities BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_entity_update AFTER UPDATE ON story_entities BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
CREATE TRIGGER generation_after_entity_delete AFTER DELETE ON story_entities BEGIN
    UPDATE data_generation SET generation = generation + 1;
END;
