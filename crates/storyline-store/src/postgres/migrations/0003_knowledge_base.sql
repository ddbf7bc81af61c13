-- 0003: the imported knowledge base behind entity cards, and which stories mention which
-- entity (for entity pages).
--
-- A knowledge-base entry is keyed by (source, id): two knowledge bases may use the same id.
-- `kb_names` holds every lookup key of an entry (its label and each alias, as
-- `KbEntity::name_key` makes them), so that finding entries by any of their names is one
-- range scan of its primary key. The store rewrites an entry's keys whenever it upserts it.

CREATE TABLE kb_entities (
    source              text COLLATE "C" NOT NULL CHECK (source <> ''),
    id                  text COLLATE "C" NOT NULL CHECK (id <> ''),
    name                text NOT NULL CHECK (name <> ''),
    aliases             json NOT NULL,          -- array of names
    description         text NOT NULL,
    kind                text CHECK (kind IN ('person', 'organisation', 'place', 'company')),
    language            text NOT NULL,
    imported_at         timestamptz NOT NULL,
    imported_at_ns      smallint NOT NULL CHECK (imported_at_ns BETWEEN 0 AND 999),
    PRIMARY KEY (source, id)
);

CREATE TABLE kb_names (
    name_key            text COLLATE "C" NOT NULL CHECK (name_key <> ''),
    source              text COLLATE "C" NOT NULL,
    entity_id           text COLLATE "C" NOT NULL,
    -- True when this key is the entry's label, false when only an alias: label matches
    -- rank first.
    is_label            boolean NOT NULL,
    PRIMARY KEY (name_key, source, entity_id),
    FOREIGN KEY (source, entity_id) REFERENCES kb_entities (source, id)
);
-- Finds an entry's old keys when it is upserted again.
CREATE INDEX kb_names_by_entity ON kb_names (source, entity_id);

-- The entity cards of each story's latest brief, replaced whenever the brief is rewritten.
CREATE TABLE story_entities (
    story_id            text COLLATE "C" NOT NULL REFERENCES stories (id),
    entity_id           text COLLATE "C" NOT NULL CHECK (entity_id <> ''),  -- the slug
    name                text NOT NULL,
    kind                text NOT NULL
                        CHECK (kind IN ('person', 'organisation', 'place', 'company')),
    mentions            bigint NOT NULL CHECK (mentions >= 0),
    PRIMARY KEY (story_id, entity_id)
);
-- An entity page: the stories that mention it most, first.
CREATE INDEX story_entities_by_entity ON story_entities (entity_id, mentions DESC, story_id);
