-- 0008: each article's outlet (issue 17, outlet identity).
--
-- `publisher` keeps the outlet's display name; these columns hold the rest of
-- storyline_model::Outlet: the id outlets are counted by, the host, and the country,
-- language and owner the bundled outlet table gives. All are NULL on rows stored before this
-- migration: such a row's outlet is resolved again from its publisher and URL when read, so
-- adding the columns is the whole migration and no row is rewritten.

ALTER TABLE articles ADD COLUMN outlet_id TEXT;
ALTER TABLE articles ADD COLUMN outlet_host TEXT;
ALTER TABLE articles ADD COLUMN outlet_country TEXT;
ALTER TABLE articles ADD COLUMN outlet_language TEXT;
ALTER TABLE articles ADD COLUMN outlet_owner TEXT;
