//! The PostgreSQL side of the knowledge base (`kb_entities` with its name index `kb_names`)
//! and of the entity index of entity pages (`story_entities`); see migration 0003.
//!
//! A knowledge-base batch is written with three statements whatever its size (entries, old
//! names out, new names in), each taking the batch as arrays through `unnest`: an import
//! writes batches of thousands of entries, and a statement per row would be a round trip per
//! row.
//!
//! Invariants: an entry's rows in `kb_names` are rewritten in the same transaction as the
//! entry itself, so they always match its current name and aliases; every key is made by
//! [`KbEntity::name_key`] and blank keys are never stored.

use super::PgStore;
use super::codec::{
    PgMicros, corrupt, decode_count, decode_json, decode_kind, decode_time, encode_json,
    encode_time,
};
use super::error::decode_error;
use super::session::Session;
use crate::{KbSourceSummary, StoreError};
use postgres::{GenericClient, Row};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{EntityCard, EntityKind, KbEntity, StoryId};

const KB_COLUMNS: &str = "e.source, e.id, e.name, e.aliases::text, e.description, e.kind, \
    e.language, e.imported_at, e.imported_at_ns";

/// A `kb_entities` row as stored, before decoding.
struct RawKbEntity {
    source: String,
    id: String,
    name: String,
    aliases: String,
    description: String,
    kind: Option<String>,
    language: String,
    imported_at: (PgMicros, i16),
}

impl RawKbEntity {
    fn from_row(row: &Row) -> Result<Self, postgres::Error> {
        Ok(RawKbEntity {
            source: row.try_get(0)?,
            id: row.try_get(1)?,
            name: row.try_get(2)?,
            aliases: row.try_get(3)?,
            description: row.try_get(4)?,
            kind: row.try_get(5)?,
            language: row.try_get(6)?,
            imported_at: (row.try_get(7)?, row.try_get(8)?),
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
            imported_at: decode_time(
                db,
                &what("imported_at"),
                self.imported_at.0,
                self.imported_at.1,
            )?,
            id: self.id,
            name: self.name,
            description: self.description,
            language: self.language,
            source: self.source,
        })
    }
}

/// The batch as columns, one entry per `(source, id)` (the last occurrence wins), in key
/// order so that two writers of overlapping batches lock rows in the same order and cannot
/// deadlock.
#[derive(Default)]
struct EntityColumns<'a> {
    source: Vec<&'a str>,
    id: Vec<&'a str>,
    name: Vec<&'a str>,
    aliases: Vec<String>,
    description: Vec<&'a str>,
    kind: Vec<Option<&'static str>>,
    language: Vec<&'a str>,
    imported_at: Vec<PgMicros>,
    imported_at_ns: Vec<i16>,
}

/// Every lookup key of the batch's entries: the label's, then each alias's that differs
/// from the keys before it.
#[derive(Default)]
struct NameColumns<'a> {
    key: Vec<String>,
    source: Vec<&'a str>,
    entity_id: Vec<&'a str>,
    is_label: Vec<bool>,
}

pub(super) fn upsert(store: &mut PgStore, entities: &[KbEntity]) -> Result<usize, StoreError> {
    if entities.is_empty() {
        return Ok(0);
    }
    // Everything is checked and encoded before the transaction starts: a refused entry
    // leaves nothing written.
    let mut last: BTreeMap<(&str, &str), &KbEntity> = BTreeMap::new();
    for entity in entities {
        if KbEntity::name_key(&entity.name).is_empty() {
            return Err(StoreError::Invalid {
                what: format!("knowledge-base entry {}/{}", entity.source, entity.id),
                cause: format!("its name {:?} is blank", entity.name),
            });
        }
        last.insert((&entity.source, &entity.id), entity);
    }
    let mut rows = EntityColumns::default();
    let mut names = NameColumns::default();
    for entity in last.into_values() {
        let key = format!("{}/{}", entity.source, entity.id);
        let (imported_at, imported_at_ns) = encode_time(&entity.imported_at);
        rows.source.push(&entity.source);
        rows.id.push(&entity.id);
        rows.name.push(&entity.name);
        rows.aliases
            .push(encode_json(&format!("aliases of {key}"), &entity.aliases)?);
        rows.description.push(&entity.description);
        rows.kind.push(entity.kind.map(EntityKind::as_str));
        rows.language.push(&entity.language);
        rows.imported_at.push(imported_at);
        rows.imported_at_ns.push(imported_at_ns);

        let mut seen = BTreeSet::new();
        let label = KbEntity::name_key(&entity.name);
        let aliases = entity.aliases.iter().map(|alias| KbEntity::name_key(alias));
        for (index, name_key) in std::iter::once(label).chain(aliases).enumerate() {
            if name_key.is_empty() || !seen.insert(name_key.clone()) {
                continue;
            }
            names.key.push(name_key);
            names.source.push(&entity.source);
            names.entity_id.push(&entity.id);
            names.is_label.push(index == 0);
        }
    }
    store.write("knowledge-base batch", |s| {
        s.execute(
            &format!("save {} knowledge-base entries", rows.id.len()),
            "INSERT INTO kb_entities (source, id, name, aliases, description, kind, language, \
             imported_at, imported_at_ns) \
             SELECT source, id, name, aliases::json, description, kind, language, \
                    imported_at, imported_at_ns \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                         $6::text[], $7::text[], $8::timestamptz[], $9::smallint[]) \
                  AS u(source, id, name, aliases, description, kind, language, imported_at, \
                       imported_at_ns) \
             ON CONFLICT (source, id) DO UPDATE SET name = excluded.name, \
             aliases = excluded.aliases, description = excluded.description, \
             kind = excluded.kind, language = excluded.language, \
             imported_at = excluded.imported_at, imported_at_ns = excluded.imported_at_ns",
            &[
                &rows.source,
                &rows.id,
                &rows.name,
                &rows.aliases,
                &rows.description,
                &rows.kind,
                &rows.language,
                &rows.imported_at,
                &rows.imported_at_ns,
            ],
        )?;
        s.execute(
            "forget the old names of knowledge-base entries",
            "DELETE FROM kb_names n USING unnest($1::text[], $2::text[]) AS u(source, id) \
             WHERE n.source = u.source AND n.entity_id = u.id",
            &[&rows.source, &rows.id],
        )?;
        s.execute(
            "record the names of knowledge-base entries",
            "INSERT INTO kb_names (name_key, source, entity_id, is_label) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[])",
            &[&names.key, &names.source, &names.entity_id, &names.is_label],
        )?;
        Ok(())
    })?;
    Ok(entities.len())
}

pub(super) fn lookup<C: GenericClient>(
    session: &mut Session<'_, C>,
    name: &str,
) -> Result<Vec<KbEntity>, StoreError> {
    let key = KbEntity::name_key(name);
    if key.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {KB_COLUMNS} FROM kb_names n \
         JOIN kb_entities e ON e.source = n.source AND e.id = n.entity_id \
         WHERE n.name_key = $1 \
         ORDER BY n.is_label DESC, length(e.id), e.id, e.source"
    );
    let raws = session.query_map(
        &format!("look up knowledge-base name {name:?}"),
        &sql,
        &[&key],
        RawKbEntity::from_row,
    )?;
    raws.into_iter().map(|raw| raw.decode(session.db)).collect()
}

/// Up to `limit` entries after `after` (source, id), in primary-key order.
pub(super) fn entries_after<C: GenericClient>(
    session: &mut Session<'_, C>,
    after: Option<(&str, &str)>,
    limit: usize,
) -> Result<Vec<KbEntity>, StoreError> {
    let op = "list knowledge-base entries";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let raws = match after {
        Some((source, id)) => session.query_map(
            op,
            &format!(
                "SELECT {KB_COLUMNS} FROM kb_entities e WHERE (e.source, e.id) > ($1, $2) \
                 ORDER BY e.source, e.id LIMIT $3"
            ),
            &[&source, &id, &limit],
            RawKbEntity::from_row,
        )?,
        None => session.query_map(
            op,
            &format!("SELECT {KB_COLUMNS} FROM kb_entities e ORDER BY e.source, e.id LIMIT $1"),
            &[&limit],
            RawKbEntity::from_row,
        )?,
    };
    raws.into_iter().map(|raw| raw.decode(session.db)).collect()
}

pub(super) fn count<C: GenericClient>(session: &mut Session<'_, C>) -> Result<usize, StoreError> {
    let count: i64 = session.query_value(
        "count knowledge-base entries",
        "SELECT COUNT(*) FROM kb_entities",
        &[],
    )?;
    usize::try_from(count).map_err(|_| {
        corrupt(
            session.db,
            "knowledge-base entry count",
            format!("{count} is not a count"),
        )
    })
}

pub(super) fn sources<C: GenericClient>(
    session: &mut Session<'_, C>,
) -> Result<Vec<KbSourceSummary>, StoreError> {
    // The latest import time to the nanosecond: the latest microsecond, then the largest
    // nanoseconds among the entries of that microsecond.
    let rows = session.query_map(
        "summarise knowledge-base sources",
        "SELECT s.source, s.entities, s.latest, \
                (SELECT MAX(imported_at_ns) FROM kb_entities k \
                 WHERE k.source = s.source AND k.imported_at = s.latest) \
         FROM (SELECT source, COUNT(*) AS entities, MAX(imported_at) AS latest \
               FROM kb_entities GROUP BY source) s \
         ORDER BY s.source",
        &[],
        |row| {
            Ok((
                row.try_get::<_, String>(0)?,
                row.try_get::<_, i64>(1)?,
                row.try_get::<_, PgMicros>(2)?,
                row.try_get::<_, i16>(3)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(source, entities, latest, latest_ns)| {
            let what = format!("knowledge-base source {source}");
            Ok(KbSourceSummary {
                entities: usize::try_from(entities).map_err(|_| {
                    corrupt(session.db, &what, format!("{entities} is not a count"))
                })?,
                last_imported_at: decode_time(session.db, &what, latest, latest_ns)?,
                source,
            })
        })
        .collect()
}

pub(super) fn replace_story_entities<C: GenericClient>(
    session: &mut Session<'_, C>,
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
    // Locking the story row keeps two writers of the same story's cards apart.
    if !super::story_exists(session, story.as_str(), true)? {
        return Err(StoreError::NotFound {
            what: format!("story {story} (of entity cards)"),
        });
    }
    let op = format!("index the entities of story {story}");
    session.execute(
        &op,
        "DELETE FROM story_entities WHERE story_id = $1",
        &[&story.as_str()],
    )?;
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = rows.iter().map(|row| row.0).collect();
    let names: Vec<&str> = rows.iter().map(|row| row.1).collect();
    let kinds: Vec<&str> = rows.iter().map(|row| row.2.as_str()).collect();
    let mentions: Vec<i64> = rows.iter().map(|row| i64::from(row.3)).collect();
    session.execute(
        &op,
        "INSERT INTO story_entities (story_id, entity_id, name, kind, mentions) \
         SELECT $1, entity_id, name, kind, mentions \
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) \
              AS u(entity_id, name, kind, mentions)",
        &[&story.as_str(), &ids, &names, &kinds, &mentions],
    )?;
    Ok(())
}

pub(super) fn stories_mentioning<C: GenericClient>(
    session: &mut Session<'_, C>,
    entity_id: &str,
) -> Result<Vec<(StoryId, u32)>, StoreError> {
    let rows = session.query_map(
        &format!("list stories mentioning entity {entity_id:?}"),
        "SELECT se.story_id, se.mentions FROM story_entities se \
         JOIN stories s ON s.id = se.story_id \
         WHERE se.entity_id = $1 AND s.merged_into IS NULL \
         ORDER BY se.mentions DESC, se.story_id",
        &[&entity_id],
        |row| Ok((row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?)),
    )?;
    rows.into_iter()
        .map(|(story, mentions)| {
            let what = format!("entity {entity_id:?} mentions in story {story}");
            Ok((StoryId(story), decode_count(session.db, &what, mentions)?))
        })
        .collect()
}

pub(super) fn entity_shown_as<C: GenericClient>(
    session: &mut Session<'_, C>,
    entity_id: &str,
) -> Result<Option<(String, EntityKind)>, StoreError> {
    let op = format!("read entity {entity_id:?}");
    let row = session.query_opt(
        &op,
        "SELECT se.name, se.kind FROM story_entities se \
         JOIN stories s ON s.id = se.story_id \
         WHERE se.entity_id = $1 AND s.merged_into IS NULL \
         ORDER BY se.mentions DESC, se.story_id LIMIT 1",
        &[&entity_id],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let read =
        || -> Result<(String, String), postgres::Error> { Ok((row.try_get(0)?, row.try_get(1)?)) };
    let (name, kind) = read().map_err(|e| decode_error(session.db, &op, e))?;
    let what = format!("entity {entity_id:?} kind");
    Ok(Some((name, decode_kind(session.db, &what, &kind)?)))
}
