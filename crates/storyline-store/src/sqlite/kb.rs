//! The SQLite side of the knowledge base (`kb_entities` with its name index `kb_names`) and of
//! the entity index of entity pages (`story_entities`); see migration 0004.
//!
//! Invariants: an entry's rows in `kb_names` are rewritten in the same transaction as the
//! entry itself, so they always match its current name and aliases; every key is made by
//! [`KbEntity::name_key`] and blank keys are never stored.

use super::codec::{
    corrupt, decode_json, decode_kind, decode_time, encode_json, encode_kind, encode_time,
};
use super::{SqliteStore, exists, sql_error};
use crate::{KbSourceSummary, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};
use storyline_model::{EntityCard, EntityKind, KbEntity, StoryId};

const KB_COLUMNS: &str =
    "e.source, e.id, e.name, e.aliases, e.description, e.kind, e.language, e.imported_at";

/// A `kb_entities` row as stored, before decoding.
struct RawKbEntity {
    source: String,
    id: String,
    name: String,
    aliases: String,
    description: String,
    kind: Option<String>,
    language: String,
    imported_at: String,
}

impl RawKbEntity {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawKbEntity {
            source: row.get(0)?,
            id: row.get(1)?,
            name: row.get(2)?,
            aliases: row.get(3)?,
            description: row.get(4)?,
            kind: row.get(5)?,
            language: row.get(6)?,
            imported_at: row.get(7)?,
        })
    }

    fn decode(self, db: &str) -> Result<KbEntity, StoreError> {
        let what =
            |column: &str| format!("knowledge-base entry {}/{} {column}", self.source, self.id);
        Ok(KbEntity {
            aliases: decode_json(db, &what("aliases"), &self.aliases)?,
            kind: self
                .kind
                .as_deref()
                .map(|kind| decode_kind(db, &what("kind"), kind))
                .transpose()?,
            imported_at: decode_time(db, &what("imported_at"), &self.imported_at)?,
            id: self.id,
            name: self.name,
            description: self.description,
            language: self.language,
            source: self.source,
        })
    }
}

impl SqliteStore {
    pub(super) fn write_kb_entities(&mut self, entities: &[KbEntity]) -> Result<usize, StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("knowledge-base batch")?;
        {
            let mut upsert_entity = tx
                .prepare_cached(
                    "INSERT INTO kb_entities (source, id, name, aliases, description, kind, \
                     language, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (source, id) DO UPDATE SET name = excluded.name, \
                     aliases = excluded.aliases, description = excluded.description, \
                     kind = excluded.kind, language = excluded.language, \
                     imported_at = excluded.imported_at",
                )
                .map_err(|e| sql_error(&label, "prepare knowledge-base upsert", e))?;
            let mut forget_names = tx
                .prepare_cached("DELETE FROM kb_names WHERE source = ?1 AND entity_id = ?2")
                .map_err(|e| sql_error(&label, "prepare knowledge-base name removal", e))?;
            // OR IGNORE: the label goes in first, so an alias equal to it (after folding)
            // keeps the key marked as a label.
            let mut add_name = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO kb_names (name_key, source, entity_id, is_label) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| sql_error(&label, "prepare knowledge-base name insert", e))?;
            for entity in entities {
                let key = format!("{}/{}", entity.source, entity.id);
                let failed = |e| sql_error(&label, format!("save knowledge-base entry {key}"), e);
                let aliases = encode_json(&format!("aliases of {key}"), &entity.aliases)?;
                upsert_entity
                    .execute(params![
                        entity.source,
                        entity.id,
                        entity.name,
                        aliases,
                        entity.description,
                        entity.kind.map(encode_kind),
                        entity.language,
                        encode_time(&entity.imported_at),
                    ])
                    .map_err(failed)?;
                forget_names
                    .execute([&entity.source, &entity.id])
                    .map_err(failed)?;
                let label_key = KbEntity::name_key(&entity.name);
                if label_key.is_empty() {
                    return Err(StoreError::Invalid {
                        what: format!("knowledge-base entry {key}"),
                        cause: format!("its name {:?} is blank", entity.name),
                    });
                }
                add_name
                    .execute(params![label_key, entity.source, entity.id, 1])
                    .map_err(failed)?;
                for alias in &entity.aliases {
                    let alias_key = KbEntity::name_key(alias);
                    if !alias_key.is_empty() {
                        add_name
                            .execute(params![alias_key, entity.source, entity.id, 0])
                            .map_err(failed)?;
                    }
                }
            }
        }
        tx.commit()
            .map_err(|e| sql_error(&label, "commit knowledge-base batch", e))?;
        Ok(entities.len())
    }

    pub(super) fn find_kb_entities(&self, name: &str) -> Result<Vec<KbEntity>, StoreError> {
        let key = KbEntity::name_key(name);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {KB_COLUMNS} FROM kb_names n \
             JOIN kb_entities e ON e.source = n.source AND e.id = n.entity_id \
             WHERE n.name_key = ?1 \
             ORDER BY n.is_label DESC, length(e.id), e.id, e.source"
        );
        let raws = self.query_rows(
            &format!("look up knowledge-base name {name:?}"),
            &sql,
            [key],
            RawKbEntity::from_row,
        )?;
        raws.into_iter()
            .map(|raw| raw.decode(&self.label))
            .collect()
    }

    /// Up to `limit` entries after `after` (source, id), in primary-key order.
    pub(super) fn list_kb_entities_after(
        &self,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<KbEntity>, StoreError> {
        let op = "list knowledge-base entries";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let raws = match after {
            Some((source, id)) => self.query_rows(
                op,
                &format!(
                    "SELECT {KB_COLUMNS} FROM kb_entities e WHERE (e.source, e.id) > (?1, ?2) \
                     ORDER BY e.source, e.id LIMIT ?3"
                ),
                params![source, id, limit],
                RawKbEntity::from_row,
            )?,
            None => self.query_rows(
                op,
                &format!("SELECT {KB_COLUMNS} FROM kb_entities e ORDER BY e.source, e.id LIMIT ?1"),
                [limit],
                RawKbEntity::from_row,
            )?,
        };
        raws.into_iter()
            .map(|raw| raw.decode(&self.label))
            .collect()
    }

    pub(super) fn count_kb_entities(&self) -> Result<usize, StoreError> {
        let count: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM kb_entities", [], |row| row.get(0))
            .map_err(|e| self.sql_error("count knowledge-base entries", e))?;
        usize::try_from(count).map_err(|_| {
            corrupt(
                &self.label,
                "knowledge-base entry count",
                format!("{count} is not a count"),
            )
        })
    }

    pub(super) fn summarise_kb_sources(&self) -> Result<Vec<KbSourceSummary>, StoreError> {
        let rows = self.query_rows(
            "summarise knowledge-base sources",
            "SELECT source, COUNT(*), MAX(imported_at) FROM kb_entities \
             GROUP BY source ORDER BY source",
            [],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(source, entities, last_imported_at)| {
                let what = format!("knowledge-base source {source}");
                Ok(KbSourceSummary {
                    entities: usize::try_from(entities).map_err(|_| {
                        corrupt(&self.label, &what, format!("{entities} is not a count"))
                    })?,
                    last_imported_at: decode_time(&self.label, &what, &last_imported_at)?,
                    source,
                })
            })
            .collect()
    }

    pub(super) fn replace_story_entities(
        &mut self,
        story: &StoryId,
        cards: &[EntityCard],
    ) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.write_transaction("entity index update")?;
        write_story_entities(&tx, &label, story, cards)?;
        tx.commit()
            .map_err(|e| sql_error(&label, format!("commit entities of story {story}"), e))
    }

    pub(super) fn stories_naming(
        &self,
        entity_id: &str,
    ) -> Result<Vec<(StoryId, u32)>, StoreError> {
        let rows = self.query_rows(
            &format!("list stories mentioning entity {entity_id:?}"),
            "SELECT se.story_id, se.mentions FROM story_entities se \
             JOIN stories s ON s.id = se.story_id \
             WHERE se.entity_id = ?1 AND s.merged_into IS NULL \
             ORDER BY se.mentions DESC, se.story_id",
            [entity_id],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        )?;
        rows.into_iter()
            .map(|(story, mentions)| {
                let what = format!("entity {entity_id:?} mentions in story {story}");
                Ok((
                    StoryId(story),
                    super::codec::decode_count(&self.label, &what, mentions)?,
                ))
            })
            .collect()
    }

    pub(super) fn entity_shown_as(
        &self,
        entity_id: &str,
    ) -> Result<Option<(String, EntityKind)>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT se.name, se.kind FROM story_entities se \
                 JOIN stories s ON s.id = se.story_id \
                 WHERE se.entity_id = ?1 AND s.merged_into IS NULL \
                 ORDER BY se.mentions DESC, se.story_id LIMIT 1",
                [entity_id],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(|e| self.sql_error(format!("read entity {entity_id:?}"), e))?;
        row.map(|(name, kind)| {
            let what = format!("entity {entity_id:?} kind");
            Ok((name, decode_kind(&self.label, &what, &kind)?))
        })
        .transpose()
    }
}

/// Replaces the entity index rows of `story` with its `cards`, within the caller's
/// transaction.
pub(super) fn write_story_entities(
    tx: &Connection,
    label: &str,
    story: &StoryId,
    cards: &[EntityCard],
) -> Result<(), StoreError> {
    // One row per slug: the first card names it, mentions add up.
    let mut rows: Vec<(&str, &str, EntityKind, u32)> = Vec::with_capacity(cards.len());
    for card in cards {
        match rows.iter_mut().find(|row| row.0 == card.id) {
            Some(row) => row.3 = row.3.saturating_add(card.mentions),
            None => rows.push((&card.id, &card.name, card.kind, card.mentions)),
        }
    }
    let found = exists(tx, "SELECT 1 FROM stories WHERE id = ?1", story.as_str())
        .map_err(|e| sql_error(label, format!("look up story {story}"), e))?;
    if !found {
        return Err(StoreError::NotFound {
            what: format!("story {story} (of entity cards)"),
        });
    }
    let failed = |e| sql_error(label, format!("index the entities of story {story}"), e);
    tx.prepare_cached("DELETE FROM story_entities WHERE story_id = ?1")
        .and_then(|mut stmt| stmt.execute([story.as_str()]))
        .map_err(failed)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO story_entities (story_id, entity_id, name, kind, mentions) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(failed)?;
    for (entity_id, name, kind, mentions) in rows {
        insert
            .execute(params![
                story.as_str(),
                entity_id,
                name,
                encode_kind(kind),
                mentions
            ])
            .map_err(|e| {
                sql_error(
                    label,
                    format!("index entity {entity_id:?} of story {story}"),
                    e,
                )
            })?;
    }
    Ok(())
}
