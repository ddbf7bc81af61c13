//! The PostgreSQL side of copying a whole store (`crate::migrate`): every table read a page
//! at a time in the order of its primary key, and the rows that no ordinary write reproduces
//! (brief versions, entity index rows, the clustering state's version, dirty marks) written
//! back as given. The trait methods in `mod.rs` call these.
//!
//! Every listing is `WHERE key > $1 ORDER BY key LIMIT $2` on a primary key (a row
//! comparison for two-column keys, which PostgreSQL reads as one index range); keys are
//! `COLLATE "C"`, so pages come in the SQLite backend's byte order. Imports take their batch
//! as arrays (`unnest`), one statement per table whatever the batch's size.

use super::codec::{
    PgMicros, corrupt, decode_count, decode_json, decode_kind, encode_json, encode_time,
};
use super::session::Session;
use super::{ARTICLE_COLUMNS, PgStore, RawArticle, RawStory, STORY_COLUMNS};
use crate::{
    ClusterStoryRow, ClusterTermRow, NearDuplicateKey, StoreError, StoryEntityRow, StoryProfileRow,
};
use postgres::GenericClient;
use std::collections::{BTreeMap, HashMap};
use storyline_model::{Article, ArticleId, Brief, Story, StoryArticle, StoryId};

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn to_u64(db: &str, what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(db, what, format!("negative value {value}")))
}

pub(super) fn articles_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: u64,
    limit: usize,
) -> Result<Vec<(u64, Article)>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let rows = s.query_map(
        "list articles by insertion order",
        &format!(
            "SELECT {ARTICLE_COLUMNS}, seq FROM articles WHERE seq > $1 ORDER BY seq LIMIT $2"
        ),
        &[&to_i64(after), &limit_param(limit)],
        |row| Ok((row.try_get::<_, i64>(25)?, RawArticle::from_row(row)?)),
    )?;
    rows.into_iter()
        .map(|(seq, raw)| {
            let seq = to_u64(s.db, &format!("article {} seq", raw.id), seq)?;
            Ok((seq, raw.decode(s.db)?))
        })
        .collect()
}

pub(super) fn near_duplicate_keys<C: GenericClient>(
    s: &mut Session<'_, C>,
    ids: &[ArticleId],
) -> Result<Vec<Option<NearDuplicateKey>>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<&str> = ids.iter().map(ArticleId::as_str).collect();
    let rows = s.query_map(
        "read near-duplicate index entries",
        "SELECT g.article_id, g.signature, \
                ARRAY(SELECT b.band_key FROM article_bands b \
                      WHERE b.article_id = g.article_id ORDER BY b.band_key) \
         FROM article_signatures g WHERE g.article_id = ANY($1)",
        &[&wanted],
        |row| {
            Ok((
                row.try_get::<_, String>(0)?,
                row.try_get::<_, Option<Vec<u8>>>(1)?,
                row.try_get::<_, Vec<i64>>(2)?,
            ))
        },
    )?;
    let mut by_id: HashMap<String, NearDuplicateKey> = rows
        .into_iter()
        .map(|(id, signature, bands)| (id, NearDuplicateKey { signature, bands }))
        .collect();
    Ok(ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            if ids[index + 1..].contains(id) {
                by_id.get(id.as_str()).cloned()
            } else {
                by_id.remove(id.as_str())
            }
        })
        .collect())
}

pub(super) fn article_aliases_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<&ArticleId>,
    limit: usize,
) -> Result<Vec<(ArticleId, ArticleId)>, StoreError> {
    let op = "list article aliases";
    let read = |row: &postgres::Row| {
        Ok((
            ArticleId(row.try_get::<_, String>(0)?),
            ArticleId(row.try_get::<_, String>(1)?),
        ))
    };
    match after {
        Some(after) => s.query_map(
            op,
            "SELECT alias_id, article_id FROM article_aliases WHERE alias_id > $1 \
             ORDER BY alias_id LIMIT $2",
            &[&after.as_str(), &limit_param(limit)],
            read,
        ),
        None => s.query_map(
            op,
            "SELECT alias_id, article_id FROM article_aliases ORDER BY alias_id LIMIT $1",
            &[&limit_param(limit)],
            read,
        ),
    }
}

pub(super) fn stories_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<&StoryId>,
    limit: usize,
) -> Result<Vec<Story>, StoreError> {
    let op = "list stories by id";
    let raws = match after {
        Some(after) => s.query_map(
            op,
            &format!("SELECT {STORY_COLUMNS} FROM stories WHERE id > $1 ORDER BY id LIMIT $2"),
            &[&after.as_str(), &limit_param(limit)],
            RawStory::from_row,
        )?,
        None => s.query_map(
            op,
            &format!("SELECT {STORY_COLUMNS} FROM stories ORDER BY id LIMIT $1"),
            &[&limit_param(limit)],
            RawStory::from_row,
        )?,
    };
    raws.into_iter().map(|raw| raw.decode(s.db)).collect()
}

pub(super) fn memberships_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<&ArticleId>,
    limit: usize,
) -> Result<Vec<StoryArticle>, StoreError> {
    let op = "list memberships";
    let read = |row: &postgres::Row| {
        Ok((
            row.try_get::<_, String>(0)?,
            row.try_get::<_, String>(1)?,
            row.try_get::<_, f32>(2)?,
            row.try_get::<_, String>(3)?,
        ))
    };
    let rows = match after {
        Some(after) => s.query_map(
            op,
            "SELECT article_id, story_id, score, why::text FROM story_articles \
             WHERE article_id > $1 ORDER BY article_id LIMIT $2",
            &[&after.as_str(), &limit_param(limit)],
            read,
        )?,
        None => s.query_map(
            op,
            "SELECT article_id, story_id, score, why::text FROM story_articles \
             ORDER BY article_id LIMIT $1",
            &[&limit_param(limit)],
            read,
        )?,
    };
    rows.into_iter()
        .map(|(article_id, story_id, score, why)| {
            let what = format!("membership of article {article_id} why");
            Ok(StoryArticle {
                why: decode_json(s.db, &what, &why)?,
                score,
                story_id: StoryId(story_id),
                article_id: ArticleId(article_id),
            })
        })
        .collect()
}

pub(super) fn story_entities_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<(&StoryId, &str)>,
    limit: usize,
) -> Result<Vec<StoryEntityRow>, StoreError> {
    let op = "list the entity index";
    let read = |row: &postgres::Row| {
        Ok((
            row.try_get::<_, String>(0)?,
            row.try_get::<_, String>(1)?,
            row.try_get::<_, String>(2)?,
            row.try_get::<_, String>(3)?,
            row.try_get::<_, i64>(4)?,
        ))
    };
    let rows = match after {
        Some((story, entity)) => s.query_map(
            op,
            "SELECT story_id, entity_id, name, kind, mentions FROM story_entities \
             WHERE (story_id, entity_id) > ($1, $2) ORDER BY story_id, entity_id LIMIT $3",
            &[&story.as_str(), &entity, &limit_param(limit)],
            read,
        )?,
        None => s.query_map(
            op,
            "SELECT story_id, entity_id, name, kind, mentions FROM story_entities \
             ORDER BY story_id, entity_id LIMIT $1",
            &[&limit_param(limit)],
            read,
        )?,
    };
    rows.into_iter()
        .map(|(story, entity_id, name, kind, mentions)| {
            let what = format!("entity {entity_id:?} of story {story}");
            Ok(StoryEntityRow {
                kind: decode_kind(s.db, &what, &kind)?,
                mentions: decode_count(s.db, &what, mentions)?,
                story: StoryId(story),
                entity_id,
                name,
            })
        })
        .collect()
}

pub(super) fn cluster_state_meta<C: GenericClient>(
    s: &mut Session<'_, C>,
) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
    let rows = s.query_map(
        "read the clustering counters",
        "SELECT version, meta FROM cluster_meta WHERE id = 1",
        &[],
        |row| Ok((row.try_get::<_, i64>(0)?, row.try_get::<_, Vec<u8>>(1)?)),
    )?;
    rows.into_iter()
        .next()
        .map(|(version, meta)| Ok((to_u64(s.db, "clustering state version", version)?, meta)))
        .transpose()
}

pub(super) fn cluster_terms_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<u32>,
    limit: usize,
) -> Result<Vec<ClusterTermRow>, StoreError> {
    // Term ids are at least 0, so "after none" is "above -1".
    let after = after.map_or(-1, i64::from);
    let rows = s.query_map(
        "list the clustering vocabulary",
        "SELECT id, term, df, surface, proper FROM cluster_terms WHERE id > $1 \
         ORDER BY id LIMIT $2",
        &[&after, &limit_param(limit)],
        |row| {
            Ok((
                row.try_get::<_, i64>(0)?,
                row.try_get::<_, String>(1)?,
                row.try_get::<_, i64>(2)?,
                row.try_get::<_, Option<String>>(3)?,
                row.try_get::<_, bool>(4)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(id, term, df, surface, proper)| {
            let bad = |what: &str, value: i64| corrupt(s.db, what, format!("value {value}"));
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

pub(super) fn cluster_story_states_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<&StoryId>,
    limit: usize,
) -> Result<Vec<ClusterStoryRow>, StoreError> {
    let op = "list the clustering states of stories";
    let read = |row: &postgres::Row| {
        Ok((
            row.try_get::<_, String>(0)?,
            row.try_get::<_, i64>(1)?,
            row.try_get::<_, bool>(2)?,
            row.try_get::<_, Vec<u8>>(3)?,
        ))
    };
    let rows = match after {
        Some(after) => s.query_map(
            op,
            "SELECT story_id, seq, resident, state FROM cluster_stories \
             WHERE story_id > $1 ORDER BY story_id LIMIT $2",
            &[&after.as_str(), &limit_param(limit)],
            read,
        )?,
        None => s.query_map(
            op,
            "SELECT story_id, seq, resident, state FROM cluster_stories \
             ORDER BY story_id LIMIT $1",
            &[&limit_param(limit)],
            read,
        )?,
    };
    rows.into_iter()
        .map(|(story, seq, resident, state)| {
            Ok(ClusterStoryRow {
                seq: to_u64(s.db, "clustering story order", seq)?,
                story: StoryId(story),
                resident,
                state,
            })
        })
        .collect()
}

pub(super) fn story_profiles_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<&StoryId>,
    limit: usize,
) -> Result<Vec<StoryProfileRow>, StoreError> {
    let op = "list story profiles";
    let read = |row: &postgres::Row| {
        Ok(StoryProfileRow {
            story: StoryId(row.try_get::<_, String>(0)?),
            profile: row.try_get(1)?,
            keys: row.try_get(2)?,
        })
    };
    const KEYS: &str = "ARRAY(SELECT k.key FROM story_profile_keys k \
                        WHERE k.story_id = p.story_id ORDER BY k.key)";
    match after {
        Some(after) => s.query_map(
            op,
            &format!(
                "SELECT p.story_id, p.profile, {KEYS} FROM story_profiles p \
                 WHERE p.story_id > $1 ORDER BY p.story_id LIMIT $2"
            ),
            &[&after.as_str(), &limit_param(limit)],
            read,
        ),
        None => s.query_map(
            op,
            &format!(
                "SELECT p.story_id, p.profile, {KEYS} FROM story_profiles p \
                 ORDER BY p.story_id LIMIT $1"
            ),
            &[&limit_param(limit)],
            read,
        ),
    }
}

pub(super) fn brief_dirty_marks_after<C: GenericClient>(
    s: &mut Session<'_, C>,
    after: Option<&StoryId>,
    limit: usize,
) -> Result<Vec<(StoryId, u64)>, StoreError> {
    let op = "list dirty marks";
    let read = |row: &postgres::Row| Ok((row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?));
    let rows = match after {
        Some(after) => s.query_map(
            op,
            "SELECT id, brief_dirty FROM stories WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after.as_str(), &limit_param(limit)],
            read,
        )?,
        None => s.query_map(
            op,
            "SELECT id, brief_dirty FROM stories ORDER BY id LIMIT $1",
            &[&limit_param(limit)],
            read,
        )?,
    };
    rows.into_iter()
        .map(|(id, mark)| Ok((StoryId(id), to_u64(s.db, "dirty mark", mark)?)))
        .collect()
}

/// Names the first story of `stories` that does not exist, if any.
fn first_missing_story<C: GenericClient>(
    s: &mut Session<'_, C>,
    stories: &[&str],
) -> Result<Option<String>, StoreError> {
    let missing: Vec<String> = s.query_map(
        "look up stories",
        "SELECT u.id FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n) \
         WHERE NOT EXISTS (SELECT 1 FROM stories t WHERE t.id = u.id) ORDER BY u.n LIMIT 1",
        &[&stories],
        |row| row.try_get(0),
    )?;
    Ok(missing.into_iter().next())
}

pub(super) fn import_briefs(store: &mut PgStore, briefs: &[Brief]) -> Result<(), StoreError> {
    if briefs.is_empty() {
        return Ok(());
    }
    // Checked and encoded before the transaction starts.
    let mut stories: Vec<&str> = Vec::with_capacity(briefs.len());
    let mut versions: Vec<i64> = Vec::with_capacity(briefs.len());
    let mut generated: Vec<PgMicros> = Vec::with_capacity(briefs.len());
    let mut generated_ns: Vec<i16> = Vec::with_capacity(briefs.len());
    let mut json: Vec<String> = Vec::with_capacity(briefs.len());
    // Each story's lowest version in the batch, which must rise above its stored latest.
    let mut lowest: BTreeMap<&str, u32> = BTreeMap::new();
    let mut previous: HashMap<&str, u32> = HashMap::new();
    for brief in briefs {
        let story = brief.story_id.as_str();
        let version = brief.version;
        let before = previous.insert(story, version);
        if version == 0 || before.is_some_and(|before| version <= before) {
            return Err(StoreError::Invalid {
                what: format!("brief version {version} of story {story}"),
                cause: "a story's versions must rise, from 1".to_string(),
            });
        }
        lowest.entry(story).or_insert(version);
        let (at, ns) = encode_time(&brief.generated_at);
        stories.push(story);
        versions.push(i64::from(version));
        generated.push(at);
        generated_ns.push(ns);
        json.push(encode_json(
            &format!("brief {version} of story {story}"),
            brief,
        )?);
    }
    store.write("brief import", |s| {
        super::lock_generation(s)?;
        let distinct: Vec<&str> = lowest.keys().copied().collect();
        if let Some(story) = first_missing_story(s, &distinct)? {
            return Err(StoreError::NotFound {
                what: format!("story {story} (of an imported brief)"),
            });
        }
        let latest: Vec<(String, i64)> = s.query_map(
            "read the latest brief versions",
            "SELECT story_id, MAX(version) FROM briefs WHERE story_id = ANY($1) GROUP BY story_id",
            &[&distinct],
            |row| Ok((row.try_get(0)?, row.try_get(1)?)),
        )?;
        for (story, latest) in latest {
            let lowest = lowest.get(story.as_str()).copied().unwrap_or(0);
            if i64::from(lowest) <= latest {
                return Err(StoreError::Invalid {
                    what: format!("brief version {lowest} of story {story}"),
                    cause: format!("versions must rise above the latest stored ({latest})"),
                });
            }
        }
        s.execute(
            &format!("import {} brief versions", briefs.len()),
            "INSERT INTO briefs (story_id, version, generated_at, generated_at_ns, json) \
             SELECT story_id, version, generated_at, generated_at_ns, json::json \
             FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::smallint[], \
                         $5::text[]) AS u(story_id, version, generated_at, generated_at_ns, json)",
            &[&stories, &versions, &generated, &generated_ns, &json],
        )?;
        // Each story's search entry becomes its latest version of the batch (the last, since
        // versions rise).
        let mut last: BTreeMap<&str, &Brief> = BTreeMap::new();
        for brief in briefs {
            last.insert(brief.story_id.as_str(), brief);
        }
        for brief in last.into_values() {
            super::search::index_brief(s, brief)?;
        }
        Ok(())
    })
}

pub(super) fn import_story_entities(
    store: &mut PgStore,
    rows: &[StoryEntityRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    // The last row of a (story, slug) wins, as row-by-row upserts would have it; key order
    // keeps two writers from locking rows in opposite orders.
    let mut unique: BTreeMap<(&str, &str), &StoryEntityRow> = BTreeMap::new();
    for row in rows {
        unique.insert((row.story.as_str(), row.entity_id.as_str()), row);
    }
    let stories: Vec<&str> = unique.keys().map(|(story, _)| *story).collect();
    let ids: Vec<&str> = unique.keys().map(|(_, id)| *id).collect();
    let names: Vec<&str> = unique.values().map(|row| row.name.as_str()).collect();
    let kinds: Vec<&str> = unique.values().map(|row| row.kind.as_str()).collect();
    let mentions: Vec<i64> = unique.values().map(|row| i64::from(row.mentions)).collect();
    store.write("entity index import", |s| {
        super::lock_generation(s)?;
        let mut distinct = stories.clone();
        distinct.dedup();
        if let Some(story) = first_missing_story(s, &distinct)? {
            return Err(StoreError::NotFound {
                what: format!("story {story} (of imported entity rows)"),
            });
        }
        s.execute(
            &format!("import {} entity index rows", ids.len()),
            "INSERT INTO story_entities (story_id, entity_id, name, kind, mentions) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) \
             ON CONFLICT (story_id, entity_id) DO UPDATE SET name = excluded.name, \
             kind = excluded.kind, mentions = excluded.mentions",
            &[&stories, &ids, &names, &kinds, &mentions],
        )?;
        Ok(())
    })
}

pub(super) fn import_cluster_state(
    store: &mut PgStore,
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
    let mut unique_terms: BTreeMap<u32, &ClusterTermRow> = BTreeMap::new();
    for term in terms {
        unique_terms.insert(term.id, term);
    }
    let mut unique_stories: BTreeMap<&str, &ClusterStoryRow> = BTreeMap::new();
    for row in stories {
        unique_stories.insert(row.story.as_str(), row);
    }
    store.write("clustering state import", |s| {
        // The lock save_clustering takes: an import and a save do not interleave.
        s.execute(
            "wait for other clustering saves",
            "SELECT pg_advisory_xact_lock(hashtext('storyline clustering ' || current_schema()))",
            &[],
        )?;
        if !unique_terms.is_empty() {
            let ids: Vec<i64> = unique_terms.keys().map(|id| i64::from(*id)).collect();
            let texts: Vec<&str> = unique_terms.values().map(|t| t.term.as_str()).collect();
            let dfs: Vec<i64> = unique_terms.values().map(|t| i64::from(t.df)).collect();
            let surfaces: Vec<Option<&str>> = unique_terms
                .values()
                .map(|t| t.surface.as_deref())
                .collect();
            let proper: Vec<bool> = unique_terms.values().map(|t| t.proper).collect();
            s.execute(
                "import the clustering vocabulary",
                "INSERT INTO cluster_terms (id, term, df, surface, proper) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], \
                                      $5::boolean[]) \
                 ON CONFLICT (id) DO UPDATE SET term = excluded.term, df = excluded.df, \
                 surface = excluded.surface, proper = excluded.proper",
                &[&ids, &texts, &dfs, &surfaces, &proper],
            )?;
        }
        if !unique_stories.is_empty() {
            let ids: Vec<&str> = unique_stories.keys().copied().collect();
            let seqs: Vec<i64> = unique_stories.values().map(|r| to_i64(r.seq)).collect();
            let resident: Vec<bool> = unique_stories.values().map(|r| r.resident).collect();
            let states: Vec<&[u8]> = unique_stories
                .values()
                .map(|r| r.state.as_slice())
                .collect();
            s.execute(
                "import the clustering states of stories",
                "INSERT INTO cluster_stories (story_id, seq, resident, state) \
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::bytea[]) \
                 ON CONFLICT (story_id) DO UPDATE SET seq = excluded.seq, \
                 resident = excluded.resident, state = excluded.state",
                &[&ids, &seqs, &resident, &states],
            )?;
        }
        if let Some((version, meta)) = meta {
            s.execute(
                "import the clustering counters",
                "INSERT INTO cluster_meta (id, version, meta) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, meta = excluded.meta",
                &[&to_i64(version), &meta],
            )?;
        }
        Ok(())
    })
}

pub(super) fn import_brief_dirty_marks(
    store: &mut PgStore,
    marks: &[(StoryId, u64)],
) -> Result<(), StoreError> {
    if marks.is_empty() {
        return Ok(());
    }
    // The last mark of a story wins; key order keeps writers from deadlocking.
    let mut unique: BTreeMap<&str, u64> = BTreeMap::new();
    for (story, mark) in marks {
        unique.insert(story.as_str(), *mark);
    }
    let stories: Vec<&str> = unique.keys().copied().collect();
    let values: Vec<i64> = unique.values().map(|mark| to_i64(*mark)).collect();
    store.write("dirty mark import", |s| {
        // A stories update bumps the data generation (migration 0004): take it first.
        super::lock_generation(s)?;
        if let Some(story) = first_missing_story(s, &stories)? {
            return Err(StoreError::NotFound {
                what: format!("story {story} (of a dirty mark)"),
            });
        }
        s.execute(
            &format!("import {} dirty marks", stories.len()),
            "UPDATE stories t SET brief_dirty = u.mark \
             FROM unnest($1::text[], $2::bigint[]) AS u(id, mark) WHERE t.id = u.id",
            &[&stories, &values],
        )?;
        Ok(())
    })
}
