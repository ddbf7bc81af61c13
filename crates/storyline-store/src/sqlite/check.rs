//! `Store::check_invariants` for SQLite: one query per invariant of [`crate::INVARIANTS`],
//! each returning a line per offending row (at most [`ROWS_PER_CHECK`]).

use super::SqliteStore;
use crate::{StoreError, Violation};

/// Offending rows reported per invariant.
const ROWS_PER_CHECK: usize = 10;

/// Each invariant and the queries whose rows (one text column) break it.
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
         FROM story_entities e WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = e.story_id) \
         UNION ALL SELECT 'alias ' || x.alias_id || ' names missing article ' || x.article_id \
         FROM article_aliases x WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = x.article_id) \
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
         UNION ALL SELECT 'clustering state of missing story ' || c.story_id \
         FROM cluster_stories c WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = c.story_id)",
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
                  ORDER BY b.version DESC LIMIT 1) AS brief_json \
             FROM stories s WHERE s.merged_into IS NULL AND s.brief_dirty = 0 \
             AND EXISTS (SELECT 1 FROM story_articles m WHERE m.story_id = s.id)) \
         SELECT 'story ' || story_id || CASE WHEN brief_json IS NULL \
             THEN ' has members but no brief, and is not marked dirty' \
             ELSE '''s latest brief was written from other articles than its members, \
                  and it is not marked dirty' END \
         FROM latest WHERE brief_json IS NULL \
         OR (SELECT COUNT(*) FROM json_each(latest.brief_json, '$.input_articles')) \
             <> (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = latest.story_id) \
         OR EXISTS (SELECT 1 FROM story_articles m WHERE m.story_id = latest.story_id \
             AND m.article_id NOT IN \
                 (SELECT value FROM json_each(latest.brief_json, '$.input_articles')))",
    ),
    (
        "unclustered_in_step",
        "SELECT 'article ' || a.id || ' is in no story but not listed as unclustered' \
         FROM articles a WHERE NOT EXISTS (SELECT 1 FROM story_articles m WHERE m.article_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM unclustered_articles u WHERE u.article_id = a.id) \
         UNION ALL SELECT 'article ' || u.article_id || ' is listed as unclustered but is in a story' \
         FROM unclustered_articles u \
         WHERE EXISTS (SELECT 1 FROM story_articles m WHERE m.article_id = u.article_id)",
    ),
    (
        "search_in_step",
        "SELECT 'story ' || f.story_id || ' has ' || COUNT(*) || ' searchable briefs' \
         FROM briefs_fts f GROUP BY f.story_id HAVING COUNT(*) > 1 \
         UNION ALL SELECT 'story ' || f.story_id || ': brief v' || f.version || \
             ' is searchable, not its latest' \
         FROM briefs_fts f WHERE f.version <> \
             (SELECT MAX(b.version) FROM briefs b WHERE b.story_id = f.story_id) \
         UNION ALL SELECT 'story ' || b.story_id || ': its latest brief is not searchable' \
         FROM (SELECT story_id, MAX(version) AS version FROM briefs GROUP BY story_id) b \
         WHERE NOT EXISTS (SELECT 1 FROM briefs_fts f WHERE f.story_id = b.story_id)",
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

impl SqliteStore {
    pub(super) fn read_invariant_violations(&self) -> Result<Vec<Violation>, StoreError> {
        let mut found = Vec::new();
        let integrity = self.query_rows(
            "check the database's integrity",
            "PRAGMA integrity_check",
            [],
            |row| row.get::<_, String>(0),
        )?;
        for line in integrity.into_iter().filter(|line| line != "ok") {
            found.push(Violation {
                check: "database_integrity",
                detail: line,
            });
        }
        let foreign = self.query_rows(
            "check foreign keys",
            "PRAGMA foreign_key_check",
            [],
            |row| {
                Ok(format!(
                    "a row of {} names a missing {}",
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(2)?
                ))
            },
        )?;
        found.extend(
            foreign
                .into_iter()
                .take(ROWS_PER_CHECK)
                .map(|detail| Violation {
                    check: "dangling_reference",
                    detail,
                }),
        );
        // FTS5's own comparison of each index with the table it indexes.
        for table in ["articles_fts", "briefs_fts"] {
            let sql = format!("INSERT INTO {table} ({table}) VALUES ('integrity-check')");
            if let Err(err) = self.conn.execute(&sql, []) {
                found.push(Violation {
                    check: "search_in_step",
                    detail: format!("{table}: {err}"),
                });
            }
        }
        for (check, sql) in QUERIES {
            let sql = format!("SELECT * FROM ({sql}) LIMIT {ROWS_PER_CHECK}");
            for detail in self.query_rows(&format!("check {check}"), &sql, [], |row| {
                row.get::<_, String>(0)
            })? {
                found.push(Violation { check, detail });
            }
        }
        Ok(found)
    }
}
