-- 0002: full-text search over article headlines and bodies.
--
-- An external-content FTS5 table: the text lives once, in `articles`; triggers keep the
-- index in step with every insert, update and delete. Diacritics are folded so that a query
-- typed without accents ("sao paulo") finds "São Paulo".

CREATE VIRTUAL TABLE articles_fts USING fts5 (
    headline,
    article_body,
    content = 'articles',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, headline, article_body)
    VALUES (new.seq, new.headline, new.article_body);
END;

CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, article_body)
    VALUES ('delete', old.seq, old.headline, old.article_body);
END;

CREATE TRIGGER articles_fts_after_update AFTER UPDATE OF headline, article_body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, article_body)
    VALUES ('delete', old.seq, old.headline, old.article_body);
    INSERT INTO articles_fts (rowid, headline, article_body)
    VALUES (new.seq, new.headline, new.article_body);
END;

-- Index whatever a database migrated from 0001 already holds.
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
