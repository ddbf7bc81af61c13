//! Numbered schema migrations of the PostgreSQL backend: each `migrations/NNNN_name.sql` is
//! applied once, in order, in its own transaction together with its row in
//! `schema_migrations`, so a crash mid-way leaves the schema at the previous version, never
//! between two (PostgreSQL's DDL is transactional).
//!
//! Two processes connecting to a fresh database at once must not both apply a migration:
//! each transaction first takes a transaction-level advisory lock keyed by the schema, so the
//! second waits, then finds the migration recorded. The key includes the schema's name so
//! that stores in different schemas of one database (the tests' fresh schema per check)
//! migrate side by side.

use super::error::db_error;
use crate::{AppliedMigration, StoreError};
use postgres::{Client, Transaction};

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
        name: "search",
        sql: include_str!("migrations/0002_search.sql"),
    },
    Migration {
        version: 3,
        name: "knowledge_base",
        sql: include_str!("migrations/0003_knowledge_base.sql"),
    },
    Migration {
        version: 4,
        name: "generation",
        sql: include_str!("migrations/0004_generation.sql"),
    },
    Migration {
        version: 5,
        name: "incremental_state",
        sql: include_str!("migrations/0005_incremental_state.sql"),
    },
    Migration {
        version: 6,
        name: "leases",
        sql: include_str!("migrations/0006_leases.sql"),
    },
    Migration {
        version: 7,
        name: "live_profile_keys",
        sql: include_str!("migrations/0007_live_profile_keys.sql"),
    },
    Migration {
        version: 8,
        name: "one_generation_per_transaction",
        sql: include_str!("migrations/0008_one_generation_per_transaction.sql"),
    },
    Migration {
        version: 9,
        name: "statement_triggers",
        sql: include_str!("migrations/0009_statement_triggers.sql"),
    },
    Migration {
        version: 10,
        name: "article_outlets",
        sql: include_str!("migrations/0010_article_outlets.sql"),
    },
    Migration {
        version: 11,
        name: "profile_key_recency",
        sql: include_str!("migrations/0011_profile_key_recency.sql"),
    },
];

/// The highest schema version this build understands.
pub(super) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Takes the schema's migration lock for the rest of `tx`.
fn lock(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(hashtext('storyline migrations ' || current_schema()))",
    )
}

/// Brings the schema up to [`latest_version`], applying only what is missing.
pub(super) fn migrate(client: &mut Client, db: &str) -> Result<(), StoreError> {
    let bookkeeping_error = |e| db_error(db, "create schema_migrations", e);
    let mut tx = client.transaction().map_err(bookkeeping_error)?;
    lock(&mut tx).map_err(bookkeeping_error)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .map_err(bookkeeping_error)?;
    tx.commit().map_err(bookkeeping_error)?;

    let found = current_version(client, db)?;
    if found > latest_version() {
        return Err(StoreError::SchemaTooNew {
            db: db.to_string(),
            found,
            supported: latest_version(),
        });
    }

    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        let failed = |source: postgres::Error| StoreError::Migration {
            db: db.to_string(),
            version: migration.version,
            name: migration.name,
            kind: super::error::error_kind(&source),
            source: Box::new(super::error::PgCause(source)),
        };
        let version = i32::try_from(migration.version).unwrap_or(i32::MAX);
        let mut tx = client.transaction().map_err(failed)?;
        lock(&mut tx).map_err(failed)?;
        let already_applied = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[&version],
            )
            .map_err(failed)?
            .is_some();
        if already_applied {
            continue;
        }
        tx.batch_execute(migration.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, &migration.name],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

fn current_version(client: &mut Client, db: &str) -> Result<u32, StoreError> {
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(|e| db_error(db, "read schema version", e))?;
    let version: i32 = row
        .try_get(0)
        .map_err(|e| super::error::decode_error(db, "read schema version", e))?;
    super::codec::decode_count(db, "schema_migrations version", i64::from(version))
}

pub(super) fn applied(client: &mut Client, db: &str) -> Result<Vec<AppliedMigration>, StoreError> {
    let op = "read schema_migrations";
    let rows = client
        .query(
            "SELECT version, name, \
             to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
             FROM schema_migrations ORDER BY version",
            &[],
        )
        .map_err(|e| db_error(db, op, e))?;
    rows.iter()
        .map(|row| {
            let read = || -> Result<(i32, String, String), postgres::Error> {
                Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
            };
            let (version, name, applied_at) =
                read().map_err(|e| super::error::decode_error(db, op, e))?;
            Ok(AppliedMigration {
                version: super::codec::decode_count(
                    db,
                    "schema_migrations version",
                    i64::from(version),
                )?,
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
}
