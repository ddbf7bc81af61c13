-- 0010: each article's outlet (issue 17, outlet identity); SQLite's 0008.
--
-- `publisher` keeps the outlet's display name; these columns hold the rest of
-- storyline_model::Outlet: the id outlets are counted by, the host, and the country,
-- language and owner the bundled outlet table gives. All are NULL on rows stored before this
-- migration: such a row's outlet is resolved again from its publisher and URL when read, so
-- adding the columns (no default, so no table rewrite) is the whole migration.

ALTER TABLE articles ADD COLUMN outlet_id text;
ALTER TABLE articles ADD COLUMN outlet_host text;
ALTER TABLE articles ADD COLUMN outlet_country text;
ALTER TABLE articles ADD COLUMN outlet_language text;
ALTER TABLE articles ADD COLUMN outlet_owner text;
