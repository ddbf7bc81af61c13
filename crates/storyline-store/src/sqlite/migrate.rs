//! Numbered schema migrations: each `migrations/NNNN_name.sql` is applied once, in order, in
//! its own transaction together with its row in `schema_migrations`, so a crash mid-way
//! leaves the database at the previous version, never between two.

use super::codec::encode_time;
use super::{error_kind, sql_error};
use crate::StoreError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// A migration known to this build.
struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

/// In version order; a new migration gets the next number and is never edited afterwards
/// (databases in the field have already applied the old text).
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "article_search",
        sql: include_str!("migrations/0002_article_search.sql"),
    },
    Migration {
        version: 3,
        name: "article_aliases",
        sql: include_str!("migrations/0003_article_aliases.sql"),
    },
    Migration {
        version: 4,
        name: "knowledge_base",
        sql: include_str!("migrations/0004_knowledge_base.sql"),
    },
    Migration {
        version: 5,
        name: "brief_search_and_generation",
        sql: include_str!("migrations/0005_brief_search_and_generation.sql"),
    },
    Migration {
        version: 6,
        name: "incremental_state",
        sql: include_str!("migrations/0006_incremental_state.sql"),
    },
    Migration {
        version: 7,
        name: "leases",
        sql: include_str!("migrations/0007_leases.sql"),
    },
    Migration {
        version: 8,
        name: "article_outlets",
        sql: include_str!("migrations/0008_article_outlets.sql"),
    },
    Migration {
        version: 9,
        name: "profile_key_recency",
        sql: include_str!("migrations/0009_profile_key_recency.sql"),
    },
];

/// The highest schema version this build understands.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// A migration recorded in a database's `schema_migrations` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    pub version: u32,
    pub name: String,
    /// When it was applied (RFC 3339, UTC).
    pub applied_at: String,
}

/// Brings the schema up to [`latest_version`], applying only what is missing.
pub(crate) fn migrate(conn: &mut Connection, db: &str) -> Result<(), StoreError> {
    let bookkeeping_error = |source| sql_error(db, "create schema_migrations", source);
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY NOT NULL,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )
    .map_err(bookkeeping_error)?;

    let found = current_version(conn, db)?;
    if found > latest_version() {
        return Err(StoreError::SchemaTooNew {
            db: db.to_string(),
            found,
            supported: latest_version(),
        });
    }

    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        let failed = |source: rusqlite::Error| StoreError::Migration {
            db: db.to_string(),
            version: migration.version,
            name: migration.name,
            kind: error_kind(&source),
            source: Box::new(source),
        };
        // IMMEDIATE takes the write lock before reading, so two processes opening the same
        // fresh database cannot both apply a migration: the second waits, then sees it done.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let already_applied = tx
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |_| Ok(()),
            )
            .optional()
            .map_err(failed)?
            .is_some();
        if already_applied {
            continue;
        }
        tx.execute_batch(migration.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![
                migration.version,
                migration.name,
                encode_time(&chrono::Utc::now())
            ],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

fn current_version(conn: &Connection, db: &str) -> Result<u32, StoreError> {
    let version: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )
        .map_err(|source| sql_error(db, "read schema version", source))?;
    super::codec::decode_count(db, "schema_migrations version", version)
}

pub(crate) fn applied(conn: &Connection, db: &str) -> Result<Vec<AppliedMigration>, StoreError> {
    let sql_error = |source| sql_error(db, "read schema_migrations", source);
    let mut stmt = conn
        .prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        .map_err(sql_error)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(sql_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_error)?;
    rows.into_iter()
        .map(|(version, name, applied_at)| {
            Ok(AppliedMigration {
                version: super::codec::decode_count(db, "schema_migrations version", version)?,
                name,
                applied_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_one_by_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
            assert!(
                migration
                    .sql
                    .starts_with(&format!("-- {:04}:", migration.version)),
                "migration {} must open with its number",
                migration.name
            );
        }
    }

    #[test]
    fn a_failing_migration_leaves_the_previous_version() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        migrate(&mut conn, ":memory:").expect("migrate");
        // Pretend the schema is one version older, with 0002's table half there.
        conn.execute_batch("DELETE FROM schema_migrations WHERE version >= 2")
            .expect("rewind");
        let err = migrate(&mut conn, ":memory:").expect_err("0002 cannot run twice");
        assert!(
            err.to_string()
                .starts_with("database :memory:: migration 2 (article_search) failed:"),
            "{err}"
        );
        assert_eq!(current_version(&conn, ":memory:").ok(), Some(1));
    }
}
