-- 0003: other ids under which a stored article is known: a feed item's link or guid that differs
-- from the page's canonical URL (tracking redirects, short links). Polling checks them so an
-- item already stored is neither fetched nor stored again.
CREATE TABLE article_aliases (
    alias_id   TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id)
);
CREATE INDEX article_aliases_by_article ON article_aliases (article_id);
