//! The PostgreSQL side of incremental runs (migration 0005): the clusterer's saved state,
//! story change numbers, brief dirty marks, related-story profiles and the near-duplicate
//! index. The trait methods in `mod.rs` call these.
//!
//! Every read here is by key or through an index, so its cost follows what is asked, not
//! what is stored; lists of keys travel as one array parameter (`= ANY($1)`, `unnest`), so a
//! lookup of many keys is one statement.

use super::codec::{PgMicros, corrupt, decode_time};
use super::error::decode_error;
use super::session::Session;
use super::{PgStore, write_articles, write_stories};
use crate::{
    ClusterStateChanges, ClusterStoryRow, ClusterTermRow, NearDuplicateCandidate, NearDuplicateKey,
    SavedClusterState, StoreError, StoreErrorKind, StoryProfileMatch, StoryProfileRow,
};
use postgres::{GenericClient, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use storyline_model::{Article, ArticleId, Story, StoryArticle, StoryId};

fn to_u64(db: &str, what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(db, what, format!("negative value {value}")))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn read_version<C: GenericClient>(session: &mut Session<'_, C>) -> Result<u64, StoreError> {
    let op = "read the clustering state version";
    let row = session.query_opt(op, "SELECT version FROM cluster_meta WHERE id = 1", &[])?;
    let version: Option<i64> = row
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(|e| decode_error(session.db, op, e))?;
    version.map_or(Ok(0), |v| to_u64(session.db, "clustering state version", v))
}

pub(super) fn cluster_state_version<C: GenericClient>(
    session: &mut Session<'_, C>,
) -> Result<u64, StoreError> {
    read_version(session)
}

/// Reads in one snapshot (see `PgStore::snapshot`), so the counters, the vocabulary and the
/// story states are those of one saved version, never half of the next.
pub(super) fn cluster_state(
    session: &mut Session<'_, Transaction<'_>>,
) -> Result<Option<SavedClusterState>, StoreError> {
    let op = "read the clustering state";
    let row = session.query_opt(
        op,
        "SELECT version, meta FROM cluster_meta WHERE id = 1",
        &[],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let read =
        || -> Result<(i64, Vec<u8>), postgres::Error> { Ok((row.try_get(0)?, row.try_get(1)?)) };
    let (version, meta) = read().map_err(|e| decode_error(session.db, op, e))?;
    let terms = session.query_map(
        "read the clustering vocabulary",
        "SELECT id, term, df, surface, proper FROM cluster_terms ORDER BY id",
        &[],
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
    let db = session.db;
    let terms = terms
        .into_iter()
        .map(|(id, term, df, surface, proper)| {
            let bad =
                |what: &str, value: i64| corrupt(db, what, format!("value {value} out of range"));
            Ok(ClusterTermRow {
                id: u32::try_from(id).map_err(|_| bad("clustering term id", id))?,
                term,
                df: u32::try_from(df).map_err(|_| bad("clustering term frequency", df))?,
                surface,
                proper,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let stories = session.query_map(
        "read the resident clustering states",
        "SELECT story_id, seq, state FROM cluster_stories WHERE resident ORDER BY seq",
        &[],
        |row| {
            Ok((
                row.try_get::<_, String>(0)?,
                row.try_get::<_, i64>(1)?,
                row.try_get::<_, Vec<u8>>(2)?,
            ))
        },
    )?;
    let stories = stories
        .into_iter()
        .map(|(story, seq, state)| {
            Ok(ClusterStoryRow {
                story: StoryId(story),
                seq: to_u64(db, "clustering story order", seq)?,
                resident: true,
                state,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(SavedClusterState {
        version: to_u64(db, "clustering state version", version)?,
        meta,
        terms,
        stories,
    }))
}

pub(super) fn cluster_story_state<C: GenericClient>(
    session: &mut Session<'_, C>,
    story: &StoryId,
) -> Result<Option<ClusterStoryRow>, StoreError> {
    let rows = session.query_map(
        &format!("read the clustering state of story {story}"),
        "SELECT seq, resident, state FROM cluster_stories WHERE story_id = $1",
        &[&story.as_str()],
        |row| {
            Ok((
                row.try_get::<_, i64>(0)?,
                row.try_get::<_, bool>(1)?,
                row.try_get::<_, Vec<u8>>(2)?,
            ))
        },
    )?;
    rows.into_iter()
        .next()
        .map(|(seq, resident, state)| {
            Ok(ClusterStoryRow {
                story: story.clone(),
                seq: to_u64(session.db, "clustering story order", seq)?,
                resident,
                state,
            })
        })
        .transpose()
}

pub(super) fn save_clustering(
    store: &mut PgStore,
    stories: &[Story],
    memberships: &[StoryArticle],
    changes: &ClusterStateChanges,
) -> Result<u64, StoreError> {
    store.write("clustering save", |s| {
        // One clustering save at a time per schema: the version read below cannot change
        // before this transaction ends (a row lock could not cover the first save, when
        // there is no row yet).
        s.execute(
            "wait for other clustering saves",
            "SELECT pg_advisory_xact_lock(hashtext('storyline clustering ' || current_schema()))",
            &[],
        )?;
        super::lock_generation(s)?;
        let saved = read_version(s)?;
        if saved != changes.base_version {
            return Err(StoreError::Database {
                db: s.db.to_string(),
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
        write_stories(s, stories, memberships)?;
        if changes.replace {
            s.execute(
                "clear the clustering vocabulary",
                "DELETE FROM cluster_terms",
                &[],
            )?;
            s.execute(
                "clear the clustering states",
                "DELETE FROM cluster_stories",
                &[],
            )?;
        }
        if !changes.terms.is_empty() {
            // The last occurrence of an id wins, as a row-by-row upsert would have it.
            let mut terms: BTreeMap<u32, &ClusterTermRow> = BTreeMap::new();
            for term in &changes.terms {
                terms.insert(term.id, term);
            }
            let ids: Vec<i64> = terms.keys().map(|id| i64::from(*id)).collect();
            let texts: Vec<&str> = terms.values().map(|t| t.term.as_str()).collect();
            let dfs: Vec<i64> = terms.values().map(|t| i64::from(t.df)).collect();
            let surfaces: Vec<Option<&str>> =
                terms.values().map(|t| t.surface.as_deref()).collect();
            let proper: Vec<bool> = terms.values().map(|t| t.proper).collect();
            s.execute(
                "save the clustering vocabulary",
                "INSERT INTO cluster_terms (id, term, df, surface, proper) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], \
                                      $5::boolean[]) \
                 ON CONFLICT (id) DO UPDATE SET term = excluded.term, df = excluded.df, \
                 surface = excluded.surface, proper = excluded.proper",
                &[&ids, &texts, &dfs, &surfaces, &proper],
            )?;
        }
        if !changes.stories.is_empty() {
            let mut rows: BTreeMap<&str, &ClusterStoryRow> = BTreeMap::new();
            for row in &changes.stories {
                rows.insert(row.story.as_str(), row);
            }
            let ids: Vec<&str> = rows.keys().copied().collect();
            let seqs: Vec<i64> = rows.values().map(|r| to_i64(r.seq)).collect();
            let resident: Vec<bool> = rows.values().map(|r| r.resident).collect();
            let states: Vec<&[u8]> = rows.values().map(|r| r.state.as_slice()).collect();
            s.execute(
                "save the clustering states of stories",
                "INSERT INTO cluster_stories (story_id, seq, resident, state) \
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::bytea[]) \
                 ON CONFLICT (story_id) DO UPDATE SET seq = excluded.seq, \
                 resident = excluded.resident, state = excluded.state",
                &[&ids, &seqs, &resident, &states],
            )?;
        }
        if !changes.dropped.is_empty() {
            let dropped: Vec<&str> = changes.dropped.iter().map(StoryId::as_str).collect();
            s.execute(
                "drop clustering states",
                "DELETE FROM cluster_stories WHERE story_id = ANY($1)",
                &[&dropped],
            )?;
        }
        let version = changes.base_version + 1;
        s.execute(
            "save the clustering counters",
            "INSERT INTO cluster_meta (id, version, meta) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, meta = excluded.meta",
            &[&to_i64(version), &changes.meta],
        )?;
        Ok(version)
    })
}

pub(super) fn stories_changed_after<C: GenericClient>(
    session: &mut Session<'_, C>,
    after: u64,
) -> Result<(Vec<StoryId>, u64), StoreError> {
    let rows = session.query_map(
        "list changed stories",
        "SELECT story_id, seq FROM story_changes WHERE seq > $1 ORDER BY story_id",
        &[&to_i64(after)],
        |row| Ok((row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?)),
    )?;
    let mut latest = after;
    let mut ids = Vec::with_capacity(rows.len());
    for (id, seq) in rows {
        latest = latest.max(to_u64(session.db, "story change number", seq)?);
        ids.push(StoryId(id));
    }
    Ok((ids, latest))
}

pub(super) fn dirty_stories<C: GenericClient>(
    session: &mut Session<'_, C>,
    limit: usize,
) -> Result<Vec<(StoryId, u64)>, StoreError> {
    let rows = session.query_map(
        "list stories with a brief to write",
        "SELECT id, brief_dirty FROM stories WHERE brief_dirty <> 0 AND merged_into IS NULL \
         ORDER BY created_at, created_at_ns, id LIMIT $1",
        &[&i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| Ok((row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?)),
    )?;
    rows.into_iter()
        .map(|(id, mark)| Ok((StoryId(id), to_u64(session.db, "dirty mark", mark)?)))
        .collect()
}

pub(super) fn mark_brief_current<C: GenericClient>(
    session: &mut Session<'_, C>,
    story: &StoryId,
    mark: u64,
) -> Result<bool, StoreError> {
    let changed = session.execute(
        &format!("mark the brief of story {story} current"),
        "UPDATE stories SET brief_dirty = 0 WHERE id = $1 AND brief_dirty = $2",
        &[&story.as_str(), &to_i64(mark)],
    )?;
    Ok(changed == 1)
}

/// Replaces a story's profile and its keys, within a transaction.
pub(super) fn write_story_profile(
    s: &mut Session<'_, Transaction<'_>>,
    profile: &StoryProfileRow,
) -> Result<(), StoreError> {
    let story = profile.story.as_str();
    let keys: Vec<&str> = profile
        .keys
        .iter()
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Shared lock: a merge of this story waits for this write, and its trigger then
    // drops the keys written here; a merge committed before is seen here.
    let merged: Vec<bool> = s.query_map(
        &format!("look up story {story}"),
        "SELECT merged_into IS NOT NULL FROM stories WHERE id = $1 FOR SHARE",
        &[&story],
        |row| row.try_get(0),
    )?;
    let Some(&merged) = merged.first() else {
        return Err(StoreError::NotFound {
            what: format!("story {story}"),
        });
    };
    s.execute(
        &format!("save the profile of story {story}"),
        "INSERT INTO story_profiles (story_id, profile) VALUES ($1, $2) \
         ON CONFLICT (story_id) DO UPDATE SET profile = excluded.profile",
        &[&story, &profile.profile],
    )?;
    s.execute(
        &format!("clear the profile keys of story {story}"),
        "DELETE FROM story_profile_keys WHERE story_id = $1",
        &[&story],
    )?;
    // A merged story is no story of its own: its profile is kept, unindexed (migration
    // 0007 keeps the index to live stories).
    if !merged {
        s.execute(
            &format!("save the profile keys of story {story}"),
            "INSERT INTO story_profile_keys (key, story_id, latest) \
             SELECT key, $2, (SELECT updated_at FROM stories WHERE id = $2) \
             FROM unnest($1::text[]) AS u(key)",
            &[&keys, &story],
        )?;
    }
    Ok(())
}

pub(super) fn story_profiles_by_keys<C: GenericClient>(
    session: &mut Session<'_, C>,
    keys: &[String],
    limit: usize,
) -> Result<Vec<StoryProfileMatch>, StoreError> {
    if keys.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    // Each key's most recent stories (migration 0011's index, read alone per key), then the
    // stories holding the most of the keys: a key costs at most PROFILE_KEY_RECENT_STORIES
    // index entries however many stories hold it.
    let distinct: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let per_key = i64::try_from(crate::PROFILE_KEY_RECENT_STORIES).unwrap_or(i64::MAX);
    let ranked: Vec<(String, i64)> = session.query_map(
        "find related stories",
        "SELECT r.story_id, COUNT(*) FROM unnest($1::text[]) AS u(key) \
         CROSS JOIN LATERAL (SELECT k.story_id FROM story_profile_keys k WHERE k.key = u.key \
                             ORDER BY k.latest DESC, k.story_id LIMIT $3) r \
         GROUP BY r.story_id ORDER BY COUNT(*) DESC, r.story_id LIMIT $2",
        &[
            &distinct,
            &i64::try_from(limit).unwrap_or(i64::MAX),
            &per_key,
        ],
        |row| Ok((row.try_get(0)?, row.try_get(1)?)),
    )?;
    let ids: Vec<&str> = ranked.iter().map(|(id, _)| id.as_str()).collect();
    let rows = session.query_map(
        "read related story profiles",
        "SELECT p.story_id, p.profile FROM story_profiles p WHERE p.story_id = ANY($1)",
        &[&ids],
        |row| Ok((row.try_get::<_, String>(0)?, row.try_get::<_, Vec<u8>>(1)?)),
    )?;
    let mut by_story: HashMap<String, Vec<u8>> = rows.into_iter().collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(story, shared_keys)| {
            let profile = by_story.remove(&story)?;
            Some(StoryProfileMatch {
                story: StoryId(story),
                profile,
                shared_keys: u32::try_from(shared_keys).unwrap_or(u32::MAX),
            })
        })
        .collect())
}

pub(super) fn story_profile_key_counts<C: GenericClient>(
    session: &mut Session<'_, C>,
    keys: &[String],
) -> Result<Vec<u64>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // No count table here (SQLite keeps one by triggers): concurrent workers writing
    // profiles would queue, or deadlock, on the rows of common keys. Each count reads at most
    // the cap's worth of the key's index entries instead (live stories' only: migration
    // 0007).
    let cap = i64::try_from(crate::PROFILE_KEY_COUNT_CAP).unwrap_or(i64::MAX);
    let counts = session.query_map(
        "count stories by profile key",
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM story_profile_keys k \
                 WHERE k.key = u.key LIMIT $2) AS held) \
         FROM unnest($1::text[]) WITH ORDINALITY AS u(key, n) ORDER BY u.n",
        &[&keys, &cap],
        |row| row.try_get::<_, i64>(0),
    )?;
    counts
        .into_iter()
        .map(|count| to_u64(session.db, "profile key count", count))
        .collect()
}

pub(super) fn insert_articles_indexed(
    store: &mut PgStore,
    articles: &[Article],
    keys: &[NearDuplicateKey],
) -> Result<Vec<bool>, StoreError> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    store.write("article batch", |s| {
        let inserted = write_articles(s, articles)?;
        let entries: Vec<(&ArticleId, &NearDuplicateKey)> = articles
            .iter()
            .zip(&inserted)
            .zip(keys)
            .filter(|((_, new), _)| **new)
            .map(|((article, _), key)| (&article.id, key))
            .collect();
        write_index_entries(s, &entries)?;
        Ok(inserted)
    })
}

pub(super) fn near_duplicate_candidates<C: GenericClient>(
    session: &mut Session<'_, C>,
    bands: &[i64],
) -> Result<Vec<NearDuplicateCandidate>, StoreError> {
    if bands.is_empty() {
        return Ok(Vec::new());
    }
    let rows = session.query_map(
        "find near-duplicate candidates",
        "SELECT a.id, a.url, s.signature, a.duplicate_of, a.effective_at, a.effective_ns \
         FROM articles a JOIN article_signatures s ON s.article_id = a.id \
         WHERE s.signature IS NOT NULL \
           AND a.id IN (SELECT b.article_id FROM article_bands b WHERE b.band_key = ANY($1)) \
         ORDER BY a.seq",
        &[&bands],
        |row| {
            Ok((
                row.try_get::<_, String>(0)?,
                row.try_get::<_, String>(1)?,
                row.try_get::<_, Vec<u8>>(2)?,
                row.try_get::<_, Option<String>>(3)?,
                row.try_get::<_, PgMicros>(4)?,
                row.try_get::<_, i16>(5)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(id, url, signature, duplicate_of, at, ns)| {
            Ok(NearDuplicateCandidate {
                effective_time: decode_time(session.db, &format!("article {id} date"), at, ns)?,
                id: ArticleId(id),
                url,
                signature,
                duplicate_of: duplicate_of.map(ArticleId),
            })
        })
        .collect()
}

pub(super) fn index_near_duplicates(
    store: &mut PgStore,
    entries: &[(ArticleId, NearDuplicateKey)],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    store.write("near-duplicate index", |s| {
        for (id, _) in entries {
            if !super::article_exists(s, id.as_str())? {
                return Err(StoreError::NotFound {
                    what: format!("article {id}"),
                });
            }
        }
        let entries: Vec<(&ArticleId, &NearDuplicateKey)> =
            entries.iter().map(|(id, key)| (id, key)).collect();
        write_index_entries(s, &entries)
    })
}

/// Writes near-duplicate index entries within a transaction, in two statements whatever
/// their number; an article already indexed keeps its entry.
fn write_index_entries(
    s: &mut Session<'_, Transaction<'_>>,
    entries: &[(&ArticleId, &NearDuplicateKey)],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
    let signatures: Vec<Option<&[u8]>> = entries
        .iter()
        .map(|(_, key)| key.signature.as_deref())
        .collect();
    let op = super::batch_op(
        "index",
        "article",
        "articles",
        entries.len(),
        entries[0].0.as_str(),
    );
    let new: Vec<String> = s.query_map(
        &op,
        "INSERT INTO article_signatures (article_id, signature) \
         SELECT article_id, signature FROM unnest($1::text[], $2::bytea[]) \
             AS u(article_id, signature) \
         ON CONFLICT (article_id) DO NOTHING RETURNING article_id",
        &[&ids, &signatures],
        |row| row.try_get(0),
    )?;
    // Bands only for the entries written now, with a signature to compare.
    // An id repeated among the entries was written by its first occurrence only.
    let mut new: HashSet<&str> = new.iter().map(String::as_str).collect();
    let mut band_keys: Vec<i64> = Vec::new();
    let mut band_articles: Vec<&str> = Vec::new();
    for (id, key) in entries {
        if !new.remove(id.as_str()) || key.signature.is_none() {
            continue;
        }
        band_keys.extend(&key.bands);
        band_articles.extend(std::iter::repeat_n(id.as_str(), key.bands.len()));
    }
    if !band_keys.is_empty() {
        s.execute(
            &op,
            "INSERT INTO article_bands (band_key, article_id) \
             SELECT * FROM unnest($1::bigint[], $2::text[]) \
             ON CONFLICT DO NOTHING",
            &[&band_keys, &band_articles],
        )?;
    }
    Ok(())
}
