//! Leases of the SQLite backend (migration 0007): feeds, dirty stories and the clustering
//! pass, each held by a worker's name until a time in milliseconds. SQLite has one writer at a
//! time, so each lease is taken in one IMMEDIATE transaction: a second worker's transaction
//! starts after the first committed and sees its leases.

use super::{SqliteStore, sql_error};
use crate::{CLUSTERING_LEASE, StoreError, lease_until_ms, leased_in_order};
use chrono::{DateTime, Utc};
use rusqlite::params;
use std::time::Duration;
use storyline_model::{Feed, StoryId};

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl SqliteStore {
    pub(super) fn write_feed_leases(
        &mut self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Feed>, StoreError> {
        let label = self.label.clone();
        let op = "lease feeds";
        let err = |e| sql_error(&label, op, e);
        let tx = self.write_transaction(op)?;
        let urls: Vec<String> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT url FROM feeds WHERE lease_worker IS NULL OR lease_until_ms <= ?1 \
                     ORDER BY last_fetched_at, added_at, url LIMIT ?2",
                )
                .map_err(err)?;
            stmt.query_map(params![now.timestamp_millis(), to_i64(limit)], |row| {
                row.get::<_, String>(0)
            })
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?
        };
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE feeds SET lease_worker = ?1, lease_until_ms = ?2 WHERE url = ?3",
                )
                .map_err(err)?;
            let until = lease_until_ms(now, lease);
            for url in &urls {
                stmt.execute(params![worker, until, url]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
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
        let label = self.label.clone();
        let op = "release feeds";
        let err = |e| sql_error(&label, op, e);
        let tx = self.write_transaction(op)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE feeds SET lease_worker = NULL, lease_until_ms = NULL \
                     WHERE url = ?1 AND lease_worker = ?2",
                )
                .map_err(err)?;
            for url in urls {
                stmt.execute(params![url, worker]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    pub(super) fn write_story_leases(
        &mut self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        let label = self.label.clone();
        let op = "lease stories with a brief to write";
        let err = |e| sql_error(&label, op, e);
        let tx = self.write_transaction(op)?;
        let rows: Vec<(String, i64)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT s.id, s.brief_dirty FROM stories s \
                     LEFT JOIN story_leases l ON l.story_id = s.id \
                     WHERE s.brief_dirty <> 0 AND s.merged_into IS NULL \
                     AND (l.story_id IS NULL OR l.worker = ?1 OR l.until_ms <= ?2) \
                     ORDER BY s.created_at, s.id LIMIT ?3",
                )
                .map_err(err)?;
            stmt.query_map(
                params![worker, now.timestamp_millis(), to_i64(limit)],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?
        };
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO story_leases (story_id, worker, until_ms) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (story_id) DO UPDATE SET worker = excluded.worker, \
                     until_ms = excluded.until_ms",
                )
                .map_err(err)?;
            let until = lease_until_ms(now, lease);
            for (id, _) in &rows {
                stmt.execute(params![id, worker, until]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        rows.into_iter()
            .map(|(id, mark)| {
                let mark = u64::try_from(mark).map_err(|_| {
                    super::codec::corrupt(
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
        let label = self.label.clone();
        let op = "release stories";
        let err = |e| sql_error(&label, op, e);
        let tx = self.write_transaction(op)?;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM story_leases WHERE story_id = ?1 AND worker = ?2")
                .map_err(err)?;
            for id in ids {
                stmt.execute(params![id.as_str(), worker]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    pub(super) fn write_clustering_lock(
        &mut self,
        worker: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO leases (name, worker, until_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (name) DO UPDATE SET worker = excluded.worker, \
                 until_ms = excluded.until_ms \
                 WHERE leases.worker = excluded.worker OR leases.until_ms <= ?4",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    CLUSTERING_LEASE,
                    worker,
                    lease_until_ms(now, lease),
                    now.timestamp_millis()
                ])
            })
            .map_err(|e| self.sql_error("take the clustering lease", e))?;
        Ok(changed == 1)
    }

    pub(super) fn write_clustering_unlock(&mut self, worker: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM leases WHERE name = ?1 AND worker = ?2")
            .and_then(|mut stmt| stmt.execute(params![CLUSTERING_LEASE, worker]))
            .map_err(|e| self.sql_error("release the clustering lease", e))?;
        Ok(())
    }
}
