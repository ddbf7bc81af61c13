-- 0002: full-text search over articles and over each story's latest brief.
--
-- The text search configuration `storyline_search` is `simple` (lower-casing, no stemming, no
-- stop words: the same words match as in the SQLite backend's unicode61 tokenizer) with the
-- `unaccent` dictionary in front, so that "sao paulo" finds "São Paulo" and ts_headline still
-- quotes the accented text. `unaccent` ships with PostgreSQL (contrib); it is a trusted
-- extension, so the database's owner may create it. Wherever it was created before, the
-- mapping names its dictionary by schema.
--
-- Only the first 100,000 characters of a body (10,000 of a headline) are indexed: a tsvector
-- holds at most 1 MB, and an article may be 8 MiB of text; real articles are far shorter.

CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION storyline_search (COPY = pg_catalog.simple);
DO $$
BEGIN
    EXECUTE format(
        'ALTER TEXT SEARCH CONFIGURATION storyline_search '
        'ALTER MAPPING FOR hword, hword_part, word WITH %s, simple',
        (SELECT d.oid::regdictionary::text
         FROM pg_ts_dict d JOIN pg_ts_template t ON t.oid = d.dicttemplate
         WHERE t.tmplname = 'unaccent'
         ORDER BY d.oid LIMIT 1));
END
$$;

-- Headline words weigh more than body words in the ranking.
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('storyline_search', left(headline, 10000)), 'A') ||
    setweight(to_tsvector('storyline_search', left(article_body, 100000)), 'B')
) STORED;
CREATE INDEX articles_by_words ON articles USING gin (search);

-- The latest brief of each story, as a reader sees it: its headline, and as `body` every shown
-- sentence, entity description and "Go deeper" question, never the sentences the trust checks
-- dropped. Written by the store in the transaction that saves the brief version (the text is
-- taken from the typed brief, so the compiler follows the model's fields).
CREATE TABLE brief_search (
    story_id            text COLLATE "C" PRIMARY KEY,
    version             bigint NOT NULL,
    headline            text NOT NULL,
    body                text NOT NULL,
    search              tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('storyline_search', left(headline, 10000)), 'A') ||
        setweight(to_tsvector('storyline_search', left(body, 100000)), 'B')
    ) STORED,
    FOREIGN KEY (story_id, version) REFERENCES briefs (story_id, version)
);
CREATE INDEX brief_search_by_words ON brief_search USING gin (search);
