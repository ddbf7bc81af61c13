//! The SQLite side of incremental runs (migration 0006): the clusterer's saved state, brief
//! dirty marks, related-story profiles and the near-duplicate index. The trait methods in
//! `mod.rs` call these.
//!
//! Every read here is by key or through an index, so its cost follows what is asked, not
//! what is stored.

use super::{SqliteStore, sql_error, write_articles, write_stories};
use crate::sqlite::codec::{corrupt, decode_time};
use crate::{
    ClusterStateChanges, ClusterStoryRow, ClusterTermRow, NearDuplicateCandidate, NearDuplicateKey,
    SavedClusterState, StoreError, StoreErrorKind, StoryProfileMatch, StoryProfileRow,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use std::collections::BTreeSet;
use storyline_model::{Article, ArticleId, Story, StoryArticle, StoryId};

/// Keys per `IN (...)` list: well under SQLite's bound-parameter limit.
const KEYS_PER_QUERY: usize = 500;

fn to_u64(label: &str, what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(label, what, format!("negative value {value}")))
}

fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

impl SqliteStore {
    pub(super) fn read_cluster_state_version(&self) -> Result<u64, StoreError> {
        let version: Option<i64> = self
            .conn
            .prepare_cached("SELECT version FROM cluster_meta WHERE id = 1")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)).optional())
            .map_err(|e| self.sql_error("read the clustering state version", e))?;
        version.map_or(Ok(0), |v| {
            to_u64(&self.label, "clustering state version", v)
        })
    }

    pub(super) fn read_cluster_state(&self) -> Result<Option<SavedClusterState>, StoreError> {
        let meta: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT version, meta FROM cluster_meta WHERE id = 1")
            .and_then(|mut stmt| {
                stmt.query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.sql_error("read the clustering state", e))?;
        let Some((version, meta)) = meta else {
            return Ok(None);
        };
        let terms = self.query_rows(
            "read the clustering vocabulary",
            "SELECT id, term, df, surface, proper FROM cluster_terms ORDER BY id",
            [],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, bool>(4)?,
                ))
            },
        )?;
        let terms = terms
            .into_iter()
            .map(|(id, term, df, surface, proper)| {
                let bad = |what: &str, value: i64| {
                    corrupt(&self.label, what, format!("value {value} out of range"))
                };
                Ok(ClusterTermRow {
                    id: u32::try_from(id).map_err(|_| bad("clustering term id", id))?,
                    term,
                    df: u32::try_from(df).map_err(|_| bad("clustering term frequency", df))?,
                    surface,
                    proper,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let stories = self.query_rows(
            "read the resident clustering states",
            "SELECT story_id, seq, state FROM cluster_stories WHERE resident <> 0 ORDER BY seq",
            [],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                ))
            },
        )?;
        let stories = stories
            .into_iter()
            .map(|(story, seq, state)| {
                Ok(ClusterStoryRow {
                    story: StoryId(story),
                    seq: to_u64(&self.label, "clustering story order", seq)?,
                    resident: true,
                    state,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(SavedClusterState {
            version: to_u64(&self.label, "clustering state version", version)?,
            meta,
            terms,
            stories,
        }))
    }

    pub(super) fn read_cluster_story_state(
        &self,
        story: &StoryId,
    ) -> Result<Option<ClusterStoryRow>, StoreError> {
        let row: Option<(i64, bool, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, resident, state FROM cluster_stories WHERE story_id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([story.as_str()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()
            })
            .map_err(|e| {
                self.sql_error(format!("read the clustering state of story {story}"), e)
            })?;
        row.map(|(seq, resident, state)| {
            Ok(ClusterStoryRow {
                story: story.clone(),
                seq: to_u64(&self.label, "clustering story order", seq)?,
                resident,
                state,
            })
        })
        .transpose()
    }

    pub(super) fn write_clustering(
        &mut self,
        stories: &[Story],
        memberships: &[StoryArticle],
        changes: &ClusterStateChanges,
    ) -> Result<u64, StoreError> {
        let label = self.label.clone();
        let err = |op: &str| {
            let label = label.clone();
            let op = op.to_string();
            move |e| sql_error(&label, op, e)
        };
        let tx = self.write_transaction("clustering save")?;
        let saved: i64 = tx
            .query_row("SELECT version FROM cluster_meta WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()
            .map_err(err("read the clustering state version"))?
            .unwrap_or(0);
        if u64::try_from(saved).ok() != Some(changes.base_version) {
            return Err(StoreError::Database {
                db: label.clone(),
                op: "save the clustering state".to_string(),
                kind: StoreErrorKind::Conflict,
                source: format!(
                    "it was loaded as version {} but version {saved} is saved now (another \
                     process clustered meanwhile)",
                    changes.base_version
                )
                .into(),
            });
        }
        write_stories(&tx, &label, stories, memberships)?;
        if changes.replace {
            tx.execute_batch("DELETE FROM cluster_terms; DELETE FROM cluster_stories;")
                .map_err(err("clear the clustering state"))?;
        }
        {
            let mut upsert_term = tx
                .prepare_cached(
                    "INSERT INTO cluster_terms (id, term, df, surface, proper) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET \
                     term = excluded.term, df = excluded.df, surface = excluded.surface, \
                     proper = excluded.proper",
                )
                .map_err(err("prepare clustering term upsert"))?;
            for term in &changes.terms {
                upsert_term
                    .execute(params![
                        term.id,
                        term.term,
                        term.df,
                        term.surface,
                        term.proper
                    ])
                    .map_err(err("save a clustering term"))?;
            }
            let mut upsert_story = tx
                .prepare_cached(
                    "INSERT INTO cluster_stories (story_id, seq, resident, state) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (story_id) DO UPDATE SET \
                     seq = excluded.seq, resident = excluded.resident, state = excluded.state",
                )
                .map_err(err("prepare clustering state upsert"))?;
            for row in &changes.stories {
                let seq = i64::try_from(row.seq).unwrap_or(i64::MAX);
                upsert_story
                    .execute(params![row.story.as_str(), seq, row.resident, row.state])
                    .map_err(|e| {
                        sql_error(
                            &label,
                            format!("save the clustering state of story {}", row.story),
                            e,
                        )
                    })?;
            }
            let mut delete_story = tx
                .prepare_cached("DELETE FROM cluster_stories WHERE story_id = ?1")
                .map_err(err("prepare clustering state delete"))?;
            for story in &changes.dropped {
                delete_story
                    .execute([story.as_str()])
                    .map_err(err("drop a clustering state"))?;
            }
        }
        let version = changes.base_version + 1;
        tx.execute(
            "INSERT INTO cluster_meta (id, version, meta) VALUES (1, ?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, meta = excluded.meta",
            params![i64::try_from(version).unwrap_or(i64::MAX), changes.meta],
        )
        .map_err(err("save the clustering counters"))?;
        tx.commit().map_err(err("commit the clustering save"))?;
        Ok(version)
    }

    pub(super) fn read_stories_changed_after(
        &self,
        after: u64,
    ) -> Result<(Vec<StoryId>, u64), StoreError> {
        let rows = self.query_rows(
            "list changed stories",
            "SELECT story_id, seq FROM story_changes WHERE seq > ?1 ORDER BY story_id",
            [i64::try_from(after).unwrap_or(i64::MAX)],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        )?;
        let mut latest = after;
        let mut ids = Vec::with_capacity(rows.len());
        for (id, seq) in rows {
            latest = latest.max(to_u64(&self.label, "story change number", seq)?);
            ids.push(StoryId(id));
        }
        Ok((ids, latest))
    }

    pub(super) fn read_dirty_stories(
        &self,
        limit: usize,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        let rows = self.query_rows(
            "list stories with a brief to write",
            "SELECT id, brief_dirty FROM stories WHERE brief_dirty <> 0 AND merged_into IS NULL \
             ORDER BY created_at, id LIMIT ?1",
            [i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        )?;
        rows.into_iter()
            .map(|(id, mark)| Ok((StoryId(id), to_u64(&self.label, "dirty mark", mark)?)))
            .collect()
    }

    pub(super) fn write_brief_current(
        &mut self,
        story: &StoryId,
        mark: u64,
    ) -> Result<bool, StoreError> {
        mark_brief_current(&self.conn, &self.label, story, mark)
    }

    /// Saves each of `profiles` in one transaction.
    pub(super) fn write_story_profiles(
        &mut self,
        profiles: &[StoryProfileRow],
    ) -> Result<(), StoreError> {
        if profiles.is_empty() {
            return Ok(());
        }
        let label = self.label.clone();
        let tx = self.write_transaction("story profiles")?;
        for profile in profiles {
            write_story_profile(&tx, &label, profile)?;
        }
        tx.commit()
            .map_err(|e| sql_error(&label, "commit story profiles", e))
    }

    pub(super) fn read_story_profiles_by_keys(
        &self,
        keys: &[String],
        limit: usize,
    ) -> Result<Vec<StoryProfileMatch>, StoreError> {
        // Shared keys per story, counted over each key's most recent stories. The index holds
        // live stories only (a merge drops the keys, and a merged story's profile is saved
        // unindexed), so it is read alone: joined to `stories`, SQLite scanned every live
        // story for each key (2.9 ms a lookup at 480 stories, 0.19 ms without). Its recency
        // index (migration 0009) holds every column read, so a key costs at most
        // PROFILE_KEY_RECENT_STORIES index entries however many stories hold it.
        let mut shared: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        let per_key = i64::try_from(crate::PROFILE_KEY_RECENT_STORIES).unwrap_or(i64::MAX);
        for key in keys.iter().collect::<BTreeSet<_>>() {
            for id in self.query_rows(
                "find related stories",
                "SELECT story_id FROM story_profile_keys WHERE key = ?1 \
                 ORDER BY latest DESC, story_id LIMIT ?2",
                params![key, per_key],
                |row| row.get::<_, String>(0),
            )? {
                *shared.entry(id).or_insert(0) += 1;
            }
        }
        let mut ranked: Vec<(String, i64)> = shared.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(limit);
        let mut found = Vec::with_capacity(ranked.len());
        for (id, shared_keys) in ranked {
            let profile: Option<Vec<u8>> = self
                .conn
                .prepare_cached("SELECT profile FROM story_profiles WHERE story_id = ?1")
                .and_then(|mut stmt| stmt.query_row([&id], |row| row.get(0)).optional())
                .map_err(|e| self.sql_error(format!("read the profile of story {id}"), e))?;
            if let Some(profile) = profile {
                found.push(StoryProfileMatch {
                    story: StoryId(id),
                    profile,
                    shared_keys: u32::try_from(shared_keys).unwrap_or(u32::MAX),
                });
            }
        }
        Ok(found)
    }

    pub(super) fn read_story_profile_key_counts(
        &self,
        keys: &[String],
    ) -> Result<Vec<u64>, StoreError> {
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            // Kept by the triggers of migration 0006: one indexed read per key.
            let count: Option<i64> = self
                .conn
                .prepare_cached("SELECT stories FROM story_profile_key_counts WHERE key = ?1")
                .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
                .map_err(|e| self.sql_error("count stories by profile key", e))?;
            let count = to_u64(&self.label, "profile key count", count.unwrap_or(0))?;
            counts.push(count.min(crate::PROFILE_KEY_COUNT_CAP));
        }
        Ok(counts)
    }

    pub(super) fn write_articles_indexed(
        &mut self,
        articles: &[Article],
        keys: &[NearDuplicateKey],
    ) -> Result<Vec<bool>, StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("article batch")?;
        let inserted = write_articles(&tx, &label, articles)?;
        let entries: Vec<(&ArticleId, &NearDuplicateKey)> = articles
            .iter()
            .zip(&inserted)
            .zip(keys)
            .filter(|((_, new), _)| **new)
            .map(|((article, _), key)| (&article.id, key))
            .collect();
        write_index_entries(&tx, &label, &entries)?;
        tx.commit()
            .map_err(|e| sql_error(&label, "commit article batch", e))?;
        Ok(inserted)
    }

    pub(super) fn read_near_duplicate_candidates(
        &self,
        bands: &[i64],
    ) -> Result<Vec<NearDuplicateCandidate>, StoreError> {
        let mut rows = Vec::new();
        for chunk in bands.chunks(KEYS_PER_QUERY) {
            let sql = format!(
                "SELECT DISTINCT a.seq, a.id, a.url, s.signature, a.duplicate_of, \
                 COALESCE(a.date_published, a.date_fetched) \
                 FROM article_bands b JOIN article_signatures s ON s.article_id = b.article_id \
                 JOIN articles a ON a.id = b.article_id \
                 WHERE b.band_key IN ({}) AND s.signature IS NOT NULL",
                placeholders(chunk.len())
            );
            rows.extend(self.query_rows(
                "find near-duplicate candidates",
                &sql,
                params_from_iter(chunk),
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Vec<u8>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, String>(5)?,
                    ))
                },
            )?);
        }
        rows.sort_by_key(|row| row.0);
        rows.dedup_by_key(|row| row.0);
        rows.into_iter()
            .map(|(_, id, url, signature, duplicate_of, time)| {
                Ok(NearDuplicateCandidate {
                    effective_time: decode_time(&self.label, &format!("article {id} date"), &time)?,
                    id: ArticleId(id),
                    url,
                    signature,
                    duplicate_of: duplicate_of.map(ArticleId),
                })
            })
            .collect()
    }

    pub(super) fn read_articles_missing_index(
        &self,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        self.query_articles(
            "list articles missing from the near-duplicate index",
            "WHERE NOT EXISTS (SELECT 1 FROM article_signatures s WHERE s.article_id = articles.id) \
             ORDER BY seq LIMIT ?1",
            [i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    pub(super) fn write_near_duplicate_index(
        &mut self,
        entries: &[(ArticleId, NearDuplicateKey)],
    ) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("near-duplicate index")?;
        for (id, _) in entries {
            let known = super::exists(&tx, "SELECT 1 FROM articles WHERE id = ?1", id.as_str())
                .map_err(|e| sql_error(&label, format!("look up article {id}"), e))?;
            if !known {
                return Err(StoreError::NotFound {
                    what: format!("article {id}"),
                });
            }
        }
        let entries: Vec<(&ArticleId, &NearDuplicateKey)> =
            entries.iter().map(|(id, key)| (id, key)).collect();
        write_index_entries(&tx, &label, &entries)?;
        tx.commit()
            .map_err(|e| sql_error(&label, "commit the near-duplicate index", e))
    }
}

/// Writes near-duplicate index entries within `tx`; an article already indexed keeps its
/// entry.
fn write_index_entries(
    tx: &rusqlite::Transaction<'_>,
    label: &str,
    entries: &[(&ArticleId, &NearDuplicateKey)],
) -> Result<(), StoreError> {
    let mut signature = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO article_signatures (article_id, signature) VALUES (?1, ?2)",
        )
        .map_err(|e| sql_error(label, "prepare signature insert", e))?;
    let mut band = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO article_bands (band_key, article_id) VALUES (?1, ?2)",
        )
        .map_err(|e| sql_error(label, "prepare band insert", e))?;
    for (id, key) in entries {
        let new = signature
            .execute(params![id.as_str(), key.signature])
            .map_err(|e| sql_error(label, format!("index article {id}"), e))?;
        if new == 0 || key.signature.is_none() {
            continue;
        }
        for band_key in &key.bands {
            band.execute(params![band_key, id.as_str()])
                .map_err(|e| sql_error(label, format!("index article {id}"), e))?;
        }
    }
    Ok(())
}

/// Marks the story's brief current if its dirty mark is still `mark`; whether it did.
pub(super) fn mark_brief_current(
    conn: &Connection,
    label: &str,
    story: &StoryId,
    mark: u64,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached("UPDATE stories SET brief_dirty = 0 WHERE id = ?1 AND brief_dirty = ?2")
        .and_then(|mut stmt| {
            stmt.execute(params![
                story.as_str(),
                i64::try_from(mark).unwrap_or(i64::MAX)
            ])
        })
        .map_err(|e| sql_error(label, format!("mark the brief of story {story} current"), e))?;
    Ok(changed == 1)
}

/// Replaces a story's profile and its keys, within the caller's transaction.
fn write_story_profile(
    tx: &Connection,
    label: &str,
    profile: &StoryProfileRow,
) -> Result<(), StoreError> {
    let story = profile.story.as_str();
    let err = |op: String| move |e| sql_error(label, op, e);
    let found: Option<(Option<String>, String)> = tx
        .prepare_cached("SELECT merged_into, updated_at FROM stories WHERE id = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([story], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .map_err(err(format!("look up story {story}")))?;
    let Some((merged_into, latest)) = found else {
        return Err(StoreError::NotFound {
            what: format!("story {story}"),
        });
    };
    tx.prepare_cached(
        "INSERT INTO story_profiles (story_id, profile) VALUES (?1, ?2) \
         ON CONFLICT (story_id) DO UPDATE SET profile = excluded.profile",
    )
    .and_then(|mut stmt| stmt.execute(params![story, profile.profile]))
    .map_err(err(format!("save the profile of story {story}")))?;
    // A merged story is no story of its own: its profile is kept, unindexed, so the key
    // counts (kept by triggers) stay counts of live stories.
    if merged_into.is_some() {
        tx.prepare_cached("DELETE FROM story_profile_keys WHERE story_id = ?1")
            .and_then(|mut stmt| stmt.execute([story]))
            .map_err(err(format!("clear the profile keys of story {story}")))?;
        return Ok(());
    }
    // Only the keys that changed are deleted or inserted (each fires a count trigger); a
    // story written again mostly keeps its names and heaviest terms, and the rest only
    // take the story's new time.
    let stored: BTreeSet<String> = tx
        .prepare_cached("SELECT key FROM story_profile_keys WHERE story_id = ?1")
        .and_then(|mut stmt| {
            stmt.query_map([story], |row| row.get(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(err(format!("read the profile keys of story {story}")))?;
    let wanted: BTreeSet<&str> = profile.keys.iter().map(String::as_str).collect();
    {
        let mut delete = tx
            .prepare_cached("DELETE FROM story_profile_keys WHERE story_id = ?1 AND key = ?2")
            .map_err(err("prepare profile key delete".to_string()))?;
        for key in stored.iter().filter(|key| !wanted.contains(key.as_str())) {
            delete
                .execute(params![story, key])
                .map_err(err(format!("drop a profile key of story {story}")))?;
        }
    }
    tx.prepare_cached(
        "UPDATE story_profile_keys SET latest = ?2 WHERE story_id = ?1 AND latest <> ?2",
    )
    .and_then(|mut stmt| stmt.execute(params![story, latest]))
    .map_err(err(format!("date the profile keys of story {story}")))?;
    let mut insert = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO story_profile_keys (key, story_id, latest) \
             VALUES (?1, ?2, ?3)",
        )
        .map_err(err("prepare profile key insert".to_string()))?;
    for key in wanted.iter().filter(|key| !stored.contains(**key)) {
        insert
            .execute(params![key, story, latest])
            .map_err(err(format!("save a profile key of story {story}")))?;
    }
    Ok(())
}
