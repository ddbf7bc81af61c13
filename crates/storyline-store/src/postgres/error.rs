//! PostgreSQL failures as [`StoreError`]s: which [`StoreErrorKind`] a server error or a
//! transport failure is, a one-line message for each, and connection strings with their
//! password removed, since errors and logs name the database by its URL.

use crate::{StoreError, StoreErrorKind};
use std::fmt;

/// A `postgres::Error` as the source of a [`StoreError`]. Its own Display says only "db
/// error" or "error connecting to server"; this one says what the server or the socket said,
/// on one line, with the SQLSTATE code.
#[derive(Debug)]
pub(crate) struct PgCause(pub(crate) postgres::Error);

impl fmt::Display for PgCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = self.0.as_db_error() {
            write!(f, "{}", db.message())?;
            if let Some(detail) = db.detail() {
                write!(f, "; {detail}")?;
            }
            if let Some(hint) = db.hint() {
                write!(f, "; hint: {hint}")?;
            }
            return write!(f, " (SQLSTATE {})", db.code().code());
        }
        write!(f, "{}", self.0)?;
        if let Some(cause) = std::error::Error::source(&self.0) {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PgCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Sorts a PostgreSQL failure into the backend-neutral kinds callers act on.
pub(crate) fn error_kind(error: &postgres::Error) -> StoreErrorKind {
    if let Some(code) = error.code() {
        return sqlstate_kind(code.code());
    }
    let io = std::error::Error::source(error).is_some_and(|cause| cause.is::<std::io::Error>());
    if error.is_closed() || io {
        StoreErrorKind::Io
    } else {
        StoreErrorKind::Other
    }
}

/// The kind of a SQLSTATE code (see PostgreSQL's "Error Codes" appendix).
fn sqlstate_kind(code: &str) -> StoreErrorKind {
    match code {
        // serialization_failure, deadlock_detected: the transaction lost a race with another
        // one and was rolled back; unique_violation: a key another writer took. Each is a
        // collision with a concurrent write that a retry of the whole step may get past.
        "40001" | "40P01" | "23505" => StoreErrorKind::Conflict,
        // lock_not_available (our lock_timeout ran out), object_in_use, query_canceled (a
        // statement_timeout), too_many_connections, cannot_connect_now (starting up): the
        // server is busy; the same call may succeed a moment later.
        "55P03" | "55006" | "57014" | "53300" | "57P03" => StoreErrorKind::Busy,
        // data_corrupted, index_corrupted.
        "XX001" | "XX002" => StoreErrorKind::Corrupt,
        // admin_shutdown, crash_shutdown, disk_full, and the classes connection_exception
        // (08) and system_error (58: I/O errors, missing files).
        "57P01" | "57P02" | "53100" => StoreErrorKind::Io,
        _ if code.starts_with("08") || code.starts_with("58") => StoreErrorKind::Io,
        _ => StoreErrorKind::Other,
    }
}

/// `StoreError::Database` for a statement that failed while doing `op`.
pub(crate) fn db_error(db: &str, op: impl Into<String>, error: postgres::Error) -> StoreError {
    StoreError::Database {
        db: db.to_string(),
        op: op.into(),
        kind: error_kind(&error),
        source: Box::new(PgCause(error)),
    }
}

/// `StoreError::Database` of kind corrupt: a row whose columns do not have the types the
/// schema gives them.
pub(crate) fn decode_error(db: &str, op: impl Into<String>, error: postgres::Error) -> StoreError {
    StoreError::Database {
        db: db.to_string(),
        op: op.into(),
        kind: StoreErrorKind::Corrupt,
        source: Box::new(PgCause(error)),
    }
}

/// `StoreError::Open` for a connection that could not be made or set up.
pub(crate) fn open_error(db: &str, error: postgres::Error) -> StoreError {
    StoreError::Open {
        db: db.to_string(),
        // A failure without a SQLSTATE here is the socket's (refused, unreachable, timed out).
        kind: match error.code() {
            Some(code) => sqlstate_kind(code.code()),
            None => StoreErrorKind::Io,
        },
        source: Box::new(PgCause(error)),
    }
}

/// A connection string without its password, for messages: the URL form
/// (`postgres://user:secret@host/db?password=secret`) loses the password of its user info and
/// any `password` parameter; the key-value form (`host=h password='x y'`) its `password`
/// pair.
pub(crate) fn redact(connection: &str) -> String {
    match connection.find("://") {
        Some(scheme_end) => redact_url(connection, scheme_end + 3),
        None => redact_key_values(connection),
    }
}

fn redact_url(url: &str, authority_start: usize) -> String {
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..authority_start].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let user_info = &authority[..at];
            out.push_str(user_info.split(':').next().unwrap_or_default());
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| {
                    let key = pair.split('=').next().unwrap_or_default();
                    !key.eq_ignore_ascii_case("password")
                })
                .collect();
            if !kept.is_empty() {
                out.push('?');
                out.push_str(&kept.join("&"));
            }
        }
        None => out.push_str(tail),
    }
    out
}

/// libpq's `key=value` form: values are bare words or single-quoted with backslash escapes.
fn redact_key_values(text: &str) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            if chars.next_if_eq(&'\'').is_some() {
                value.push('\'');
                while let Some(c) = chars.next() {
                    value.push(c);
                    match c {
                        '\\' => value.extend(chars.next()),
                        '\'' => break,
                        _ => {}
                    }
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    value.push(c);
                }
            }
        }
        if !key.eq_ignore_ascii_case("password") {
            kept.push(format!("{key}={value}"));
        }
    }
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_redact(input: &str, expected: &str) {
        assert_eq!(redact(input), expected, "{input}");
    }

    #[test]
    fn passwords_never_reach_a_message() {
        check_redact(
            "postgres://news:s3cret@db.example:5432/storyline",
            "postgres://news@db.example:5432/storyline",
        );
        check_redact(
            "postgresql://news:p%40ss@db.example/storyline?sslmode=disable&password=again",
            "postgresql://news@db.example/storyline?sslmode=disable",
        );
        check_redact(
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://postgres@127.0.0.1:5432/postgres",
        );
        check_redact(
            "postgres://a:b@h1:5432,h2:5433/db?Password=x",
            "postgres://a@h1:5432,h2:5433/db",
        );
        check_redact("postgres://h/db?password=x", "postgres://h/db");
        check_redact(
            "host=db.example user=news password='it\\'s a \\\\ secret' dbname=storyline",
            "host=db.example user=news dbname=storyline",
        );
        check_redact(
            "host = db.example password = hunter2 port=5433",
            "host=db.example port=5433",
        );
    }

    #[test]
    fn sqlstates_sort_into_kinds() {
        for (code, kind) in [
            ("40001", StoreErrorKind::Conflict),
            ("40P01", StoreErrorKind::Conflict),
            ("23505", StoreErrorKind::Conflict),
            ("55P03", StoreErrorKind::Busy),
            ("57014", StoreErrorKind::Busy),
            ("53300", StoreErrorKind::Busy),
            ("08006", StoreErrorKind::Io),
            ("08001", StoreErrorKind::Io),
            ("57P01", StoreErrorKind::Io),
            ("58030", StoreErrorKind::Io),
            ("53100", StoreErrorKind::Io),
            ("XX001", StoreErrorKind::Corrupt),
            ("23503", StoreErrorKind::Other),
            ("23514", StoreErrorKind::Other),
            ("42P01", StoreErrorKind::Other),
        ] {
            assert_eq!(sqlstate_kind(code), kind, "{code}");
        }
    }
}
