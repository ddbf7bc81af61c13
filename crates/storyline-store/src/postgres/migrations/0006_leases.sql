-- 0006: leases, so that several workers can share one store (issue 16, many workers; the
-- SQLite backend's 0007).
--
-- A lease is a worker's name and the time (milliseconds since the Unix epoch, exclusive) until
-- which it holds something; an expired lease is as good as none, so a dead worker's work comes
-- back by itself. Leases live in their own columns and tables, never in rows that triggers
-- watch: taking a lease must not bump the data generation or mark a story changed (and must
-- not queue behind the generation row, which story writers hold until they commit).
--
-- `feeds.lease_worker`, `feeds.lease_until_ms`: the feed's fetch lease (both NULL when free).
-- `story_leases`: which worker writes which dirty story's brief.
-- `leases`: named leases of one holder each (the clustering pass: `clustering`).

ALTER TABLE feeds ADD COLUMN lease_worker text;
ALTER TABLE feeds ADD COLUMN lease_until_ms bigint;

CREATE TABLE story_leases (
    story_id    text COLLATE "C" PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    worker      text NOT NULL,
    until_ms    bigint NOT NULL
);

CREATE TABLE leases (
    name        text COLLATE "C" PRIMARY KEY,
    worker      text NOT NULL,
    until_ms    bigint NOT NULL
);
