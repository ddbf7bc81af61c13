//! Leases of the PostgreSQL backend (migration 0006): feeds, dirty stories and the clustering
//! pass, each held by a worker's name until a time in milliseconds.
//!
//! Concurrent workers run these in READ COMMITTED transactions. Feeds are picked with
//! `FOR UPDATE SKIP LOCKED`, so a worker skips the feeds another one is leasing instead of
//! queueing behind it; a feed whose lease another worker committed after this statement's
//! snapshot is re-checked on the new row version (PostgreSQL re-evaluates the WHERE clause of
//! a row it locks after a concurrent update) and left out. Stories are picked the same way,
//! locking the candidate story rows (`FOR NO KEY UPDATE`, which leaves foreign-key checks of
//! memberships alone), but the lease itself is a row of `story_leases` written by an upsert
//! whose WHERE clause sees the latest committed lease: that upsert, not the pick, decides, so
//! a story is never handed to two workers even when a pick read an old snapshot. A lease
//! transaction never touches the rows the generation triggers watch, so it never waits for
//! the generation row that story writers hold (no deadlock with them).

use super::PgStore;
use super::codec::corrupt;
use crate::{CLUSTERING_LEASE, StoreError, lease_until_ms, leased_in_order};
use chrono::{DateTime, Utc};
use std::time::Duration;
use storyline_model::{Feed, StoryId};

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl PgStore {
    pub(super) fn write_feed_leases(
        &mut self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Feed>, StoreError> {
        let until = lease_until_ms(now, lease);
        let urls: Vec<String> = self.run(|s| {
            s.query_map(
                "lease feeds",
                "WITH picked AS ( \
                   SELECT url FROM feeds WHERE lease_worker IS NULL OR lease_until_ms <= $3 \
                   ORDER BY last_fetched_at NULLS FIRST, last_fetched_at_ns, added_at, \
                   added_at_ns, url LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 UPDATE feeds f SET lease_worker = $1, lease_until_ms = $2 \
                 FROM picked WHERE f.url = picked.url RETURNING f.url",
                &[&worker, &until, &now.timestamp_millis(), &to_i64(limit)],
                |row| row.try_get(0),
            )
        })?;
        if urls.is_empty() {
            return Ok(Vec::new());
        }
        Ok(leased_in_order(crate::Store::feeds(self)?, &urls))
    }

    pub(super) fn write_feed_releases(
        &mut self,
        worker: &str,
        urls: &[String],
    ) -> Result<(), StoreError> {
        self.run(|s| {
            s.execute(
                "release feeds",
                "UPDATE feeds SET lease_worker = NULL, lease_until_ms = NULL \
                 WHERE url = ANY($1) AND lease_worker = $2",
                &[&urls, &worker],
            )
        })?;
        Ok(())
    }

    pub(super) fn write_story_leases(
        &mut self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        let until = lease_until_ms(now, lease);
        let now_ms = now.timestamp_millis();
        let op = "lease stories with a brief to write";
        let (picked, leased) = self.write(op, |s| {
            let picked: Vec<(String, i64)> = s.query_map(
                op,
                "SELECT s.id, s.brief_dirty FROM stories s \
                 LEFT JOIN story_leases l ON l.story_id = s.id \
                 WHERE s.brief_dirty <> 0 AND s.merged_into IS NULL \
                 AND (l.story_id IS NULL OR l.worker = $1 OR l.until_ms <= $2) \
                 ORDER BY s.created_at, s.created_at_ns, s.id LIMIT $3 \
                 FOR NO KEY UPDATE OF s SKIP LOCKED",
                &[&worker, &now_ms, &to_i64(limit)],
                |row| Ok((row.try_get(0)?, row.try_get(1)?)),
            )?;
            if picked.is_empty() {
                return Ok((picked, Vec::new()));
            }
            let ids: Vec<&str> = picked.iter().map(|(id, _)| id.as_str()).collect();
            let leased: Vec<String> = s.query_map(
                op,
                "INSERT INTO story_leases (story_id, worker, until_ms) \
                 SELECT id, $2, $3 FROM unnest($1::text[]) AS id \
                 ON CONFLICT (story_id) DO UPDATE SET worker = EXCLUDED.worker, \
                 until_ms = EXCLUDED.until_ms \
                 WHERE story_leases.worker = EXCLUDED.worker OR story_leases.until_ms <= $4 \
                 RETURNING story_id",
                &[&ids, &worker, &until, &now_ms],
                |row| row.try_get(0),
            )?;
            Ok((picked, leased))
        })?;
        let leased: std::collections::HashSet<String> = leased.into_iter().collect();
        picked
            .into_iter()
            .filter(|(id, _)| leased.contains(id))
            .map(|(id, mark)| {
                let mark = u64::try_from(mark).map_err(|_| {
                    corrupt(
                        &self.label,
                        &format!("story {id} dirty mark"),
                        format!("negative: {mark}"),
                    )
                })?;
                Ok((StoryId(id), mark))
            })
            .collect()
    }

    pub(super) fn write_story_releases(
        &mut self,
        worker: &str,
        ids: &[StoryId],
    ) -> Result<(), StoreError> {
        let ids: Vec<&str> = ids.iter().map(StoryId::as_str).collect();
        self.run(|s| {
            s.execute(
                "release stories",
                "DELETE FROM story_leases WHERE story_id = ANY($1) AND worker = $2",
                &[&ids, &worker],
            )
        })?;
        Ok(())
    }

    pub(super) fn write_clustering_lock(
        &mut self,
        worker: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = self.run(|s| {
            s.execute(
                "take the clustering lease",
                "INSERT INTO leases (name, worker, until_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET worker = EXCLUDED.worker, \
                 until_ms = EXCLUDED.until_ms \
                 WHERE leases.worker = EXCLUDED.worker OR leases.until_ms <= $4",
                &[
                    &CLUSTERING_LEASE,
                    &worker,
                    &lease_until_ms(now, lease),
                    &now.timestamp_millis(),
                ],
            )
        })?;
        Ok(changed == 1)
    }

    pub(super) fn write_clustering_unlock(&mut self, worker: &str) -> Result<(), StoreError> {
        self.run(|s| {
            s.execute(
                "release the clustering lease",
                "DELETE FROM leases WHERE name = $1 AND worker = $2",
                &[&CLUSTERING_LEASE, &worker],
            )
        })?;
        Ok(())
    }
}
