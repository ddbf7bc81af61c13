//! `Store::check_invariants` for PostgreSQL: one query per invariant of
//! [`crate::INVARIANTS`], each returning a line per offending row (at most
//! [`ROWS_PER_CHECK`]), read in one snapshot so that a writer running meanwhile cannot make
//! a sound store look broken.
//!
//! `database_integrity` has no query here: PostgreSQL has no online equivalent of SQLite's
//! `integrity_check` without the `amcheck` extension, and its pages carry checksums when the
//! cluster enables them. `search_in_step` checks `brief_search` only: the articles' search
//! column is generated from the row, so it cannot drift.

use super::session::Session;
use crate::{StoreError, Violation};
use postgres::Transaction;

/// Offending rows reported per invariant.
const ROWS_PER_CHECK: usize = 10;

/// Each invariant and the query whose rows (one text column) break it. The foreign keys
/// make most dangling references impossible; the query still looks, since a key can be
/// dropped or a row written around it by hand.
const QUERIES: &[(&str, &str)] = &[
    (
        "dangling_reference",
        "SELECT 'membership of article ' || m.article_id || ' names a missing ' || \
             CASE WHEN a.id IS NULL THEN 'article' ELSE 'story ' || m.story_id END \
         FROM story_articles m LEFT JOIN articles a ON a.id = m.article_id \
         LEFT JOIN stories s ON s.id = m.story_id WHERE a.id IS NULL OR s.id IS NULL \
         UNION ALL SELECT 'brief ' || b.story_id || ' v' || b.version || ' has no story' \
         FROM briefs b WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = b.story_id) \
         UNION ALL SELECT 'entity row ' || e.entity_id || ' names missing story ' || e.story_id \
         FROM story_entities e \
         WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = e.story_id) \
         UNION ALL SELECT 'alias ' || x.alias_id || ' names missing article ' || x.article_id \
         FROM article_aliases x \
         WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = x.article_id) \
         UNION ALL SELECT 'article ' || a.id || ' copies missing article ' || a.duplicate_of \
         FROM articles a WHERE a.duplicate_of IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.id = a.duplicate_of) \
         UNION ALL SELECT 'story ' || s.id || ' is merged into missing story ' || s.merged_into \
         FROM stories s WHERE s.merged_into IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM stories t WHERE t.id = s.merged_into) \
         UNION ALL SELECT 'profile of missing story ' || p.story_id FROM story_profiles p \
         WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = p.story_id) \
         UNION ALL SELECT 'index entry of missing article ' || g.article_id \
         FROM article_signatures g \
         WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = g.article_id) \
         UNION ALL SELECT 'band key of missing article ' || k.article_id \
         FROM article_bands k \
         WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = k.article_id) \
         UNION ALL SELECT 'clustering state of missing story ' || c.story_id \
         FROM cluster_stories c \
         WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = c.story_id)",
    ),
    (
        "membership_in_merged_story",
        "SELECT 'article ' || m.article_id || ' is in story ' || m.story_id || \
             ', which is merged into ' || s.merged_into \
         FROM story_articles m JOIN stories s ON s.id = m.story_id \
         WHERE s.merged_into IS NOT NULL",
    ),
    (
        "merge_chain",
        "WITH RECURSIVE chain (start, current, depth) AS ( \
             SELECT id, merged_into, 1 FROM stories WHERE merged_into IS NOT NULL \
             UNION ALL SELECT c.start, s.merged_into, c.depth + 1 FROM chain c \
             JOIN stories s ON s.id = c.current \
             WHERE s.merged_into IS NOT NULL AND c.depth < 64) \
         SELECT 'story ' || start || ' does not lead to a live story within 64 merges' \
         FROM chain WHERE depth >= 64",
    ),
    (
        "story_counts",
        "SELECT 'story ' || s.id || ' counts ' || s.article_count || ' articles but has ' || \
             (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = s.id) || ' members' \
         FROM stories s WHERE s.merged_into IS NULL \
         AND s.article_count <> (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = s.id)",
    ),
    (
        "brief_current_or_dirty",
        "WITH latest AS ( \
             SELECT s.id AS story_id, \
                 (SELECT b.json FROM briefs b WHERE b.story_id = s.id \
                  ORDER BY b.version DESC LIMIT 1) AS json \
             FROM stories s WHERE s.merged_into IS NULL AND s.brief_dirty = 0 \
             AND EXISTS (SELECT 1 FROM story_articles m WHERE m.story_id = s.id)), \
         inputs AS ( \
             SELECT l.story_id, l.json, \
                 ARRAY(SELECT json_array_elements_text(l.json -> 'input_articles')) AS ids \
             FROM latest l) \
         SELECT 'story ' || i.story_id || CASE WHEN i.json IS NULL \
             THEN ' has members but no brief, and is not marked dirty' \
             ELSE '''s latest brief was written from other articles than its members, \
                  and it is not marked dirty' END \
         FROM inputs i WHERE i.json IS NULL \
         OR cardinality(i.ids) \
             <> (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = i.story_id) \
         OR EXISTS (SELECT 1 FROM story_articles m WHERE m.story_id = i.story_id \
             AND NOT (m.article_id = ANY (i.ids)))",
    ),
    (
        "unclustered_in_step",
        "SELECT 'article ' || a.id || ' is in no story but not listed as unclustered' \
         FROM articles a \
         WHERE NOT EXISTS (SELECT 1 FROM story_articles m WHERE m.article_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM unclustered_articles u WHERE u.article_id = a.id) \
         UNION ALL \
         SELECT 'article ' || u.article_id || ' is listed as unclustered but is in a story' \
         FROM unclustered_articles u \
         WHERE EXISTS (SELECT 1 FROM story_articles m WHERE m.article_id = u.article_id)",
    ),
    (
        "search_in_step",
        "SELECT 'story ' || f.story_id || ': brief v' || f.version || \
             ' is searchable, not its latest' \
         FROM brief_search f WHERE f.version <> \
             (SELECT MAX(b.version) FROM briefs b WHERE b.story_id = f.story_id) \
         UNION ALL SELECT 'story ' || b.story_id || ': its latest brief is not searchable' \
         FROM (SELECT story_id, MAX(version) AS version FROM briefs GROUP BY story_id) b \
         WHERE NOT EXISTS (SELECT 1 FROM brief_search f WHERE f.story_id = b.story_id)",
    ),
    (
        "cluster_state_covers_stories",
        "SELECT 'story ' || s.id || ' has members but no saved clustering state' \
         FROM stories s WHERE s.merged_into IS NULL \
         AND EXISTS (SELECT 1 FROM cluster_meta) \
         AND EXISTS (SELECT 1 FROM story_articles m WHERE m.story_id = s.id) \
         AND NOT EXISTS (SELECT 1 FROM cluster_stories c WHERE c.story_id = s.id)",
    ),
];

/// Runs in one snapshot (see `Connection::snapshot`).
pub(super) fn violations(
    session: &mut Session<'_, Transaction<'_>>,
) -> Result<Vec<Violation>, StoreError> {
    let mut found = Vec::new();
    for (check, sql) in QUERIES {
        let sql = format!("SELECT * FROM ({sql}) AS broken LIMIT {ROWS_PER_CHECK}");
        for detail in session.query_map(&format!("check {check}"), &sql, &[], |row| {
            row.try_get::<_, String>(0)
        })? {
            found.push(Violation { check, detail });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::QUERIES;

    #[test]
    fn every_query_checks_a_known_invariant() {
        for (check, _) in QUERIES {
            assert!(
                crate::INVARIANTS.iter().any(|(name, _)| name == check),
                "{check} is not in INVARIANTS"
            );
        }
    }
}
