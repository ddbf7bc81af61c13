//! The SQLite side of copying a whole store (`crate::migrate`): every table read a page at a
//! time in the order of its primary key, and the rows that no ordinary write reproduces
//! (brief versions, entity index rows, the clustering state's version, dirty marks) written
//! back as given. The trait methods in `mod.rs` call these.
//!
//! Every listing is `WHERE key > ? ORDER BY key LIMIT ?` on a primary key (row values for
//! two-column keys), so a page is one index range, whatever page it is.

use super::codec::{
    corrupt, decode_count, decode_json, decode_kind, encode_json, encode_kind, encode_time,
};
use super::{ARTICLE_COLUMNS, RawArticle, SqliteStore, exists, sql_error};
use crate::{ClusterStoryRow, ClusterTermRow, NearDuplicateKey, StoreError, StoryEntityRow};
use rusqlite::{OptionalExtension, params};
use storyline_model::{Article, ArticleId, Brief, StoryArticle, StoryId};

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(label: &str, what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(label, what, format!("negative value {value}")))
}

impl SqliteStore {
    pub(super) fn list_articles_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Article)>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS}, seq FROM articles WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        );
        let rows = self.query_rows(
            "list articles by insertion order",
            &sql,
            params![to_i64(after), to_i64(limit as u64)],
            |row| Ok((row.get::<_, i64>(22)?, RawArticle::from_row(row)?)),
        )?;
        rows.into_iter()
            .map(|(seq, raw)| {
                let seq = to_u64(&self.label, &format!("article {} seq", raw.id), seq)?;
                Ok((seq, raw.decode(&self.label)?))
            })
            .collect()
    }

    pub(super) fn read_near_duplicate_keys(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<Option<NearDuplicateKey>>, StoreError> {
        let mut keys = Vec::with_capacity(ids.len());
        for id in ids {
            let op = format!("read the near-duplicate index entry of article {id}");
            let signature: Option<Option<Vec<u8>>> = self
                .conn
                .prepare_cached("SELECT signature FROM article_signatures WHERE article_id = ?1")
                .and_then(|mut stmt| stmt.query_row([id.as_str()], |row| row.get(0)).optional())
                .map_err(|e| self.sql_error(&op, e))?;
            let Some(signature) = signature else {
                keys.push(None);
                continue;
            };
            let bands = self.query_rows(
                &op,
                "SELECT band_key FROM article_bands WHERE article_id = ?1 ORDER BY band_key",
                [id.as_str()],
                |row| row.get::<_, i64>(0),
            )?;
            keys.push(Some(NearDuplicateKey { signature, bands }));
        }
        Ok(keys)
    }

    pub(super) fn list_article_aliases_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<(ArticleId, ArticleId)>, StoreError> {
        let op = "list article aliases";
        let read = |row: &rusqlite::Row<'_>| {
            Ok((
                ArticleId(row.get::<_, String>(0)?),
                ArticleId(row.get::<_, String>(1)?),
            ))
        };
        let limit = to_i64(limit as u64);
        match after {
            Some(after) => self.query_rows(
                op,
                "SELECT alias_id, article_id FROM article_aliases WHERE alias_id > ?1 \
                 ORDER BY alias_id LIMIT ?2",
                params![after.as_str(), limit],
                read,
            ),
            None => self.query_rows(
                op,
                "SELECT alias_id, article_id FROM article_aliases ORDER BY alias_id LIMIT ?1",
                [limit],
                read,
            ),
        }
    }

    pub(super) fn list_stories_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<crate::Story>, StoreError> {
        let limit = to_i64(limit as u64);
        match after {
            Some(after) => self.query_stories(
                "list stories by id",
                "WHERE id > ?1 ORDER BY id LIMIT ?2",
                params![after.as_str(), limit],
            ),
            None => self.query_stories("list stories by id", "ORDER BY id LIMIT ?1", [limit]),
        }
    }

    pub(super) fn list_memberships_after(
        &self,
        after: Option<&ArticleId>,
        limit: usize,
    ) -> Result<Vec<StoryArticle>, StoreError> {
        let op = "list memberships";
        let read = |row: &rusqlite::Row<'_>| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, f64>(2)?,
                row.get::<_, String>(3)?,
            ))
        };
        let limit = to_i64(limit as u64);
        let rows = match after {
            Some(after) => self.query_rows(
                op,
                "SELECT article_id, story_id, score, why FROM story_articles \
                 WHERE article_id > ?1 ORDER BY article_id LIMIT ?2",
                params![after.as_str(), limit],
                read,
            )?,
            None => self.query_rows(
                op,
                "SELECT article_id, story_id, score, why FROM story_articles \
                 ORDER BY article_id LIMIT ?1",
                [limit],
                read,
            )?,
        };
        rows.into_iter()
            .map(|(article_id, story_id, score, why)| {
                let what = format!("membership of article {article_id} why");
                Ok(StoryArticle {
                    why: decode_json(&self.label, &what, &why)?,
                    // Stored from an f32, so narrowing back is exact.
                    score: score as f32,
                    story_id: StoryId(story_id),
                    article_id: ArticleId(article_id),
                })
            })
            .collect()
    }

    pub(super) fn list_briefs_after(
        &self,
        after: Option<(&StoryId, u32)>,
        limit: usize,
    ) -> Result<Vec<Brief>, StoreError> {
        let op = "list brief versions";
        let limit = to_i64(limit as u64);
        match after {
            Some((story, version)) => self.query_briefs(
                op,
                "(story_id, version) > (?1, ?2) ORDER BY story_id, version LIMIT ?3",
                params![story.as_str(), version, limit],
            ),
            None => self.query_briefs(op, "1 ORDER BY story_id, version LIMIT ?1", [limit]),
        }
    }

    pub(super) fn list_story_entities_after(
        &self,
        after: Option<(&StoryId, &str)>,
        limit: usize,
    ) -> Result<Vec<StoryEntityRow>, StoreError> {
        let op = "list the entity index";
        let read = |row: &rusqlite::Row<'_>| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
            ))
        };
        let limit = to_i64(limit as u64);
        let rows = match after {
            Some((story, entity)) => self.query_rows(
                op,
                "SELECT story_id, entity_id, name, kind, mentions FROM story_entities \
                 WHERE (story_id, entity_id) > (?1, ?2) ORDER BY story_id, entity_id LIMIT ?3",
                params![story.as_str(), entity, limit],
                read,
            )?,
            None => self.query_rows(
                op,
                "SELECT story_id, entity_id, name, kind, mentions FROM story_entities \
                 ORDER BY story_id, entity_id LIMIT ?1",
                [limit],
                read,
            )?,
        };
        rows.into_iter()
            .map(|(story, entity_id, name, kind, mentions)| {
                let what = format!("entity {entity_id:?} of story {story}");
                Ok(StoryEntityRow {
                    kind: decode_kind(&self.label, &what, &kind)?,
                    mentions: decode_count(&self.label, &what, mentions)?,
                    story: StoryId(story),
                    entity_id,
                    name,
                })
            })
            .collect()
    }

    pub(super) fn read_cluster_state_meta(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT version, meta FROM cluster_meta WHERE id = 1")
            .and_then(|mut stmt| {
                stmt.query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.sql_error("read the clustering counters", e))?;
        row.map(|(version, meta)| {
            Ok((
                to_u64(&self.label, "clustering state version", version)?,
                meta,
            ))
        })
        .transpose()
    }

    pub(super) fn list_cluster_terms_after(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> Result<Vec<ClusterTermRow>, StoreError> {
        // Term ids are at least 0, so "after none" is "above -1".
        let after = after.map_or(-1, i64::from);
        let rows = self.query_rows(
            "list the clustering vocabulary",
            "SELECT id, term, df, surface, proper FROM cluster_terms WHERE id > ?1 \
             ORDER BY id LIMIT ?2",
            params![after, to_i64(limit as u64)],
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
        rows.into_iter()
            .map(|(id, term, df, surface, proper)| {
                let bad =
                    |what: &str, value: i64| corrupt(&self.label, what, format!("value {value}"));
                Ok(ClusterTermRow {
                    id: u32::try_from(id).map_err(|_| bad("clustering term id", id))?,
                    df: u32::try_from(df).map_err(|_| bad("clustering term frequency", df))?,
                    term,
                    surface,
                    proper,
                })
            })
            .collect()
    }

    pub(super) fn list_cluster_story_states_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<ClusterStoryRow>, StoreError> {
        let op = "list the clustering states of stories";
        let read = |row: &rusqlite::Row<'_>| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, bool>(2)?,
                row.get::<_, Vec<u8>>(3)?,
            ))
        };
        let limit = to_i64(limit as u64);
        let rows = match after {
            Some(after) => self.query_rows(
                op,
                "SELECT story_id, seq, resident, state FROM cluster_stories \
                 WHERE story_id > ?1 ORDER BY story_id LIMIT ?2",
                params![after.as_str(), limit],
                read,
            )?,
            None => self.query_rows(
                op,
                "SELECT story_id, seq, resident, state FROM cluster_stories \
                 ORDER BY story_id LIMIT ?1",
                [limit],
                read,
            )?,
        };
        rows.into_iter()
            .map(|(story, seq, resident, state)| {
                Ok(ClusterStoryRow {
                    seq: to_u64(&self.label, "clustering story order", seq)?,
                    story: StoryId(story),
                    resident,
                    state,
                })
            })
            .collect()
    }

    pub(super) fn list_story_profiles_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<crate::StoryProfileRow>, StoreError> {
        let op = "list story profiles";
        let read = |row: &rusqlite::Row<'_>| Ok((row.get::<_, String>(0)?, row.get(1)?));
        let limit = to_i64(limit as u64);
        let rows: Vec<(String, Vec<u8>)> = match after {
            Some(after) => self.query_rows(
                op,
                "SELECT story_id, profile FROM story_profiles WHERE story_id > ?1 \
                 ORDER BY story_id LIMIT ?2",
                params![after.as_str(), limit],
                read,
            )?,
            None => self.query_rows(
                op,
                "SELECT story_id, profile FROM story_profiles ORDER BY story_id LIMIT ?1",
                [limit],
                read,
            )?,
        };
        rows.into_iter()
            .map(|(story, profile)| {
                let keys = self.query_rows(
                    "read profile keys",
                    "SELECT key FROM story_profile_keys WHERE story_id = ?1 ORDER BY key",
                    [&story],
                    |row| row.get::<_, String>(0),
                )?;
                Ok(crate::StoryProfileRow {
                    story: StoryId(story),
                    profile,
                    keys,
                })
            })
            .collect()
    }

    pub(super) fn list_brief_dirty_marks_after(
        &self,
        after: Option<&StoryId>,
        limit: usize,
    ) -> Result<Vec<(StoryId, u64)>, StoreError> {
        let op = "list dirty marks";
        let read = |row: &rusqlite::Row<'_>| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?));
        let limit = to_i64(limit as u64);
        let rows = match after {
            Some(after) => self.query_rows(
                op,
                "SELECT id, brief_dirty FROM stories WHERE id > ?1 ORDER BY id LIMIT ?2",
                params![after.as_str(), limit],
                read,
            )?,
            None => self.query_rows(
                op,
                "SELECT id, brief_dirty FROM stories ORDER BY id LIMIT ?1",
                [limit],
                read,
            )?,
        };
        rows.into_iter()
            .map(|(id, mark)| Ok((StoryId(id), to_u64(&self.label, "dirty mark", mark)?)))
            .collect()
    }

    pub(super) fn write_imported_briefs(&mut self, briefs: &[Brief]) -> Result<(), StoreError> {
        if briefs.is_empty() {
            return Ok(());
        }
        let label = self.label.clone();
        let tx = self.write_transaction("brief import")?;
        for brief in briefs {
            let story = brief.story_id.as_str();
            let version = brief.version;
            let failed = |e| {
                sql_error(
                    &label,
                    format!("import brief {version} of story {story}"),
                    e,
                )
            };
            if !exists(&tx, "SELECT 1 FROM stories WHERE id = ?1", story).map_err(failed)? {
                return Err(StoreError::NotFound {
                    what: format!("story {story} (of brief version {version})"),
                });
            }
            let latest: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM briefs WHERE story_id = ?1",
                    [story],
                    |row| row.get(0),
                )
                .map_err(failed)?;
            if version == 0 || i64::from(version) <= latest {
                return Err(StoreError::Invalid {
                    what: format!("brief version {version} of story {story}"),
                    cause: format!("versions must rise above the latest stored ({latest})"),
                });
            }
            let json = encode_json(&format!("brief {version} of story {story}"), brief)?;
            // The search trigger of migration 0005 replaces the story's entry with this one.
            tx.execute(
                "INSERT INTO briefs (story_id, version, generated_at, json) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![story, version, encode_time(&brief.generated_at), json],
            )
            .map_err(failed)?;
        }
        tx.commit()
            .map_err(|e| sql_error(&label, "commit brief import", e))
    }

    pub(super) fn write_imported_story_entities(
        &mut self,
        rows: &[StoryEntityRow],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let label = self.label.clone();
        let tx = self.write_transaction("entity index import")?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO story_entities (story_id, entity_id, name, kind, mentions) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (story_id, entity_id) DO UPDATE \
                     SET name = excluded.name, kind = excluded.kind, \
                     mentions = excluded.mentions",
                )
                .map_err(|e| sql_error(&label, "prepare entity index import", e))?;
            for row in rows {
                let story = row.story.as_str();
                let failed = |e| {
                    sql_error(
                        &label,
                        format!("import entity {:?} of story {story}", row.entity_id),
                        e,
                    )
                };
                if !exists(&tx, "SELECT 1 FROM stories WHERE id = ?1", story).map_err(failed)? {
                    return Err(StoreError::NotFound {
                        what: format!("story {story} (of entity {:?})", row.entity_id),
                    });
                }
                upsert
                    .execute(params![
                        story,
                        row.entity_id,
                        row.name,
                        encode_kind(row.kind),
                        row.mentions
                    ])
                    .map_err(failed)?;
            }
        }
        tx.commit()
            .map_err(|e| sql_error(&label, "commit entity index import", e))
    }

    pub(super) fn write_imported_cluster_state(
        &mut self,
        terms: &[ClusterTermRow],
        stories: &[ClusterStoryRow],
        meta: Option<(u64, &[u8])>,
    ) -> Result<(), StoreError> {
        if let Some((0, _)) = meta {
            return Err(StoreError::Invalid {
                what: "clustering state version 0".to_string(),
                cause: "a saved state's version is at least 1".to_string(),
            });
        }
        let label = self.label.clone();
        let err = |op: &str| {
            let label = label.clone();
            let op = op.to_string();
            move |e| sql_error(&label, op, e)
        };
        let tx = self.write_transaction("clustering state import")?;
        {
            let mut upsert_term = tx
                .prepare_cached(
                    "INSERT INTO cluster_terms (id, term, df, surface, proper) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET \
                     term = excluded.term, df = excluded.df, surface = excluded.surface, \
                     proper = excluded.proper",
                )
                .map_err(err("prepare clustering term import"))?;
            for term in terms {
                upsert_term
                    .execute(params![
                        term.id,
                        term.term,
                        term.df,
                        term.surface,
                        term.proper
                    ])
                    .map_err(err("import a clustering term"))?;
            }
            let mut upsert_story = tx
                .prepare_cached(
                    "INSERT INTO cluster_stories (story_id, seq, resident, state) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (story_id) DO UPDATE SET \
                     seq = excluded.seq, resident = excluded.resident, state = excluded.state",
                )
                .map_err(err("prepare clustering state import"))?;
            for row in stories {
                upsert_story
                    .execute(params![
                        row.story.as_str(),
                        to_i64(row.seq),
                        row.resident,
                        row.state
                    ])
                    .map_err(err("import the clustering state of a story"))?;
            }
        }
        if let Some((version, meta)) = meta {
            tx.execute(
                "INSERT INTO cluster_meta (id, version, meta) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, meta = excluded.meta",
                params![to_i64(version), meta],
            )
            .map_err(err("import the clustering counters"))?;
        }
        tx.commit()
            .map_err(err("commit the clustering state import"))
    }

    pub(super) fn write_imported_dirty_marks(
        &mut self,
        marks: &[(StoryId, u64)],
    ) -> Result<(), StoreError> {
        if marks.is_empty() {
            return Ok(());
        }
        let label = self.label.clone();
        let tx = self.write_transaction("dirty mark import")?;
        {
            let mut update = tx
                .prepare_cached("UPDATE stories SET brief_dirty = ?2 WHERE id = ?1")
                .map_err(|e| sql_error(&label, "prepare dirty mark import", e))?;
            for (story, mark) in marks {
                let changed = update
                    .execute(params![story.as_str(), to_i64(*mark)])
                    .map_err(|e| {
                        sql_error(&label, format!("import the dirty mark of story {story}"), e)
                    })?;
                if changed == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("story {story} (of a dirty mark)"),
                    });
                }
            }
        }
        tx.commit()
            .map_err(|e| sql_error(&label, "commit dirty mark import", e))
    }
}
