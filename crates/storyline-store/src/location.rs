//! Where a store lives, as a user names it: a data directory (the embedded SQLite file, the
//! default, no server needed) or a PostgreSQL URL. The one place that turns that name into
//! an open [`Store`], so the binary and the web server pick backends the same way.

use crate::{SqliteStore, Store, StoreError};
use std::path::{Path, PathBuf};

/// A store's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// `storyline.db` in this data directory.
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl StoreLocation {
    /// The store named by `url` when one is given (a `postgres://` URL, or `sqlite:DIR`),
    /// else the SQLite store in `data_dir`. An unknown scheme is an error naming it.
    pub fn from_parts(url: Option<&str>, data_dir: &Path) -> Result<StoreLocation, StoreError> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(StoreLocation::Sqlite(data_dir.to_path_buf()));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(StoreLocation::Postgres(url.to_string()));
        }
        if let Some(dir) = url.strip_prefix("sqlite:") {
            let dir = dir.strip_prefix("//").unwrap_or(dir);
            return Ok(StoreLocation::Sqlite(PathBuf::from(dir)));
        }
        Err(StoreError::Invalid {
            what: format!("database URL {}", StoreLocation::Postgres(url.to_string())),
            cause: "expected postgres://..., postgresql://... or sqlite:DIR".to_string(),
        })
    }

    /// Opens (creating or migrating as needed) the store.
    pub fn open(&self) -> Result<Box<dyn Store>, StoreError> {
        match self {
            StoreLocation::Sqlite(dir) => Ok(Box::new(SqliteStore::open(dir)?)),
            #[cfg(feature = "postgres")]
            StoreLocation::Postgres(url) => Ok(Box::new(crate::PgStore::connect(url)?)),
            #[cfg(not(feature = "postgres"))]
            StoreLocation::Postgres(_) => Err(StoreError::Invalid {
                what: format!("database {self}"),
                cause: "this build has no PostgreSQL support (storyline-store feature \
                        `postgres`)"
                    .to_string(),
            }),
        }
    }

    /// Whether this is the embedded SQLite store.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, StoreLocation::Sqlite(_))
    }
}

/// The location as a user may see it: a URL loses its password.
impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(dir) => write!(f, "{}", dir.join(crate::DB_FILE_NAME).display()),
            StoreLocation::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `url` with any password in its authority replaced by `***`.
fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let credentials = &authority[..at];
    match credentials.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &credentials[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_read_from_urls_and_shown_without_passwords() {
        let dir = Path::new("/srv/storyline");
        assert_eq!(
            StoreLocation::from_parts(None, dir).expect("default"),
            StoreLocation::Sqlite(dir.to_path_buf())
        );
        assert_eq!(
            StoreLocation::from_parts(Some("sqlite:/tmp/x"), dir).expect("sqlite"),
            StoreLocation::Sqlite(PathBuf::from("/tmp/x"))
        );
        let pg = StoreLocation::from_parts(Some("postgres://news:s3cret@db:5432/storyline"), dir)
            .expect("postgres");
        assert_eq!(pg.to_string(), "postgres://news:***@db:5432/storyline");
        assert_eq!(
            StoreLocation::Postgres("postgresql://db/storyline".into()).to_string(),
            "postgresql://db/storyline"
        );
        let err = StoreLocation::from_parts(Some("mysql://u:pw@h/db"), dir).expect_err("unknown");
        assert!(!err.to_string().contains("pw"), "{err}");
        assert!(err.to_string().contains("expected postgres://"), "{err}");
    }
}
