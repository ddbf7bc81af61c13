-- 0007: leases, so that several workers can share one store (issue 16, many workers).
--
-- A lease is a worker's name and the time (milliseconds since the Unix epoch, exclusive) until
-- which it holds something; an expired lease is as good as none, so a dead worker's work comes
-- back by itself. Leases live in their own columns and tables, never in rows that triggers
-- watch: taking a lease must not bump the data generation or mark a story changed.
--
-- `feeds.lease_worker`, `feeds.lease_until_ms`: the feed's fetch lease (both NULL when free).
-- `story_leases`: which worker writes which dirty story's brief.
-- `leases`: named leases of one holder each (the clustering pass: `clustering`).

ALTER TABLE feeds ADD COLUMN lease_worker TEXT;
ALTER TABLE feeds ADD COLUMN lease_until_ms INTEGER;

CREATE TABLE story_leases (
    story_id    TEXT PRIMARY KEY NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    worker      TEXT NOT NULL,
    until_ms    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE leases (
    name        TEXT PRIMARY KEY NOT NULL,
    worker      TEXT NOT NULL,
    until_ms    INTEGER NOT NULL
) WITHOUT ROWID;
