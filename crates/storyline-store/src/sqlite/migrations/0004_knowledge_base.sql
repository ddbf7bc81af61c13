-- 0004: the imported knowledge base behind entity cards, and which stories mention which
-- entity (for entity pages).
--
-- A knowledge-base entry is keyed by (source, id): two knowledge bases may use the same id.
-- `kb_names` holds every lookup key of an entry (its label and each alias, lowercased as
-- `KbEntity::name_key` does), so that finding entries by any of their names is one range
-- scan of its primary key. The store rewrites an entry's keys whenever it upserts the entry.

CREATE TABLE kb_entities (
    source       TEXT NOT NULL CHECK (source <> ''),
    id           TEXT NOT NULL CHECK (id <> ''),
    name         TEXT NOT NULL CHECK (name <> ''),
    aliases      TEXT NOT NULL DEFAULT '[]',     -- JSON array of names
    description  TEXT NOT NULL,
    kind         TEXT CHECK (kind IN ('person', 'organisation', 'place', 'company')),
    language     TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

CREATE TABLE kb_names (
    name_key     TEXT NOT NULL CHECK (name_key <> ''),
    source       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    -- 1 when this key is the entry's label, 0 when only an alias: label matches rank first.
    is_label     INTEGER NOT NULL CHECK (is_label IN (0, 1)),
    PRIMARY KEY (name_key, source, entity_id),
    FOREIGN KEY (source, entity_id) REFERENCES kb_entities (source, id)
) WITHOUT ROWID;
-- Finds an entry's old keys when it is upserted again.
CREATE INDEX kb_names_by_entity ON kb_names (source, entity_id);

-- The entity cards of each story's latest brief, replaced whenever the brief is rewritten.
CREATE TABLE story_entities (
    story_id     TEXT NOT NULL REFERENCES stories (id),
    entity_id    TEXT NOT NULL CHECK (entity_id <> ''),  -- the card's slug (li-qiang)
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('person', 'organisation', 'place', 'company')),
    mentions     INTEGER NOT NULL CHECK (mentions >= 0),
    PRIMARY KEY (story_id, entity_id)
) WITHOUT ROWID;
-- An entity page: the stories that mention it most, first.
CREATE INDEX story_entities_by_entity ON story_entities (entity_id, mentions DESC, story_id);
