//! One connection's statements: a cache of prepared statements and the helpers every query
//! goes through, so that each SQL text is parsed and planned once per connection and every
//! failure becomes a [`StoreError`] naming the database and the operation.

use super::error::{db_error, decode_error};
use crate::StoreError;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, Row, Statement, Transaction};
use std::collections::HashMap;

/// Query parameters, as the client takes them.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The connection and its prepared statements, keyed by SQL text.
pub(super) struct Connection {
    pub(super) client: Client,
    statements: HashMap<String, Statement>,
}

impl Connection {
    pub(super) fn new(client: Client) -> Self {
        Connection {
            client,
            statements: HashMap::new(),
        }
    }

    /// Statements outside a transaction, each committed on its own: for reads.
    pub(super) fn session<'c>(&'c mut self, db: &'c str) -> Session<'c, Client> {
        Session {
            client: &mut self.client,
            statements: &mut self.statements,
            db,
        }
    }

    /// Runs reads in one read-only REPEATABLE READ transaction: they all see the database
    /// as of its first statement, whatever other connections commit meanwhile.
    pub(super) fn snapshot<T>(
        &mut self,
        db: &str,
        op: &str,
        work: impl FnOnce(&mut Session<'_, Transaction<'_>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| db_error(db, format!("begin {op}"), e))?;
        let result = work(&mut Session {
            client: &mut tx,
            statements: &mut self.statements,
            db,
        })?;
        tx.commit()
            .map_err(|e| db_error(db, format!("end {op}"), e))?;
        Ok(result)
    }

    /// Runs `work` in one transaction, committed when it returns `Ok`, rolled back otherwise
    /// (the client rolls back a transaction dropped without a commit). `op` names the batch
    /// in the errors of BEGIN and COMMIT (the COMMIT is where deferred keys are checked).
    pub(super) fn write<T>(
        &mut self,
        db: &str,
        op: &str,
        work: impl FnOnce(&mut Session<'_, Transaction<'_>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| db_error(db, format!("begin {op}"), e))?;
        let result = work(&mut Session {
            client: &mut tx,
            statements: &mut self.statements,
            db,
        })?;
        tx.commit()
            .map_err(|e| db_error(db, format!("commit {op}"), e))?;
        Ok(result)
    }
}

/// Statements on a client or in a transaction, with the connection's statement cache.
pub(super) struct Session<'c, C> {
    client: &'c mut C,
    statements: &'c mut HashMap<String, Statement>,
    pub(super) db: &'c str,
}

impl<C: GenericClient> Session<'_, C> {
    fn statement(&mut self, op: &str, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .prepare(sql)
            .map_err(|e| db_error(self.db, op, e))?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    pub(super) fn query(
        &mut self,
        op: &str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(op, sql)?;
        self.client
            .query(&statement, params)
            .map_err(|e| db_error(self.db, op, e))
    }

    /// Runs a query and reads every row with `read`; a row that cannot be read is corrupt.
    pub(super) fn query_map<T>(
        &mut self,
        op: &str,
        sql: &str,
        params: Params<'_>,
        mut read: impl FnMut(&Row) -> Result<T, postgres::Error>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = self.query(op, sql, params)?;
        rows.iter()
            .map(|row| read(row).map_err(|e| decode_error(self.db, op, e)))
            .collect()
    }

    pub(super) fn query_opt(
        &mut self,
        op: &str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(op, sql)?;
        self.client
            .query_opt(&statement, params)
            .map_err(|e| db_error(self.db, op, e))
    }

    /// The first column of the single row a query returns.
    pub(super) fn query_value<T>(
        &mut self,
        op: &str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<T, StoreError>
    where
        T: for<'r> postgres::types::FromSql<'r>,
    {
        let statement = self.statement(op, sql)?;
        let row = self
            .client
            .query_one(&statement, params)
            .map_err(|e| db_error(self.db, op, e))?;
        row.try_get(0).map_err(|e| decode_error(self.db, op, e))
    }

    pub(super) fn exists(
        &mut self,
        op: &str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<bool, StoreError> {
        Ok(self.query_opt(op, sql, params)?.is_some())
    }

    /// Runs a statement; returns how many rows it changed.
    pub(super) fn execute(
        &mut self,
        op: &str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, StoreError> {
        let statement = self.statement(op, sql)?;
        self.client
            .execute(&statement, params)
            .map_err(|e| db_error(self.db, op, e))
    }
}
