//! Where a store lives, as a user names it: a data directory (the embedded SQLite file, the
//! default, no server needed), a SQLite database file of any name, or a PostgreSQL URL. The
//! one place that turns that name into an open [`Store`], so the binary and the web server
//! pick backends the same way.

use crate::{SqliteStore, Store, StoreError};
use std::path::{Path, PathBuf};

/// A store's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// `storyline.db` in this data directory.
    Sqlite(PathBuf),
    /// A SQLite database file, whatever its name (a backup, a copy's source).
    SqliteFile(PathBuf),
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

    /// A store named on a command line by path or by URL (`storyline migrate --from`,
    /// `--to`): a `postgres://` URL or `sqlite:DIR` as in [`StoreLocation::from_parts`];
    /// else a path: an existing directory is a data directory, an existing file a SQLite
    /// database file (its data directory when it is named `storyline.db`); a path that does
    /// not exist yet is a database file when its name has an extension (`news.db`), else a
    /// data directory.
    pub fn from_path_or_url(input: &str) -> Result<StoreLocation, StoreError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(StoreError::Invalid {
                what: "store location \"\"".to_string(),
                cause: "expected a data directory, a SQLite file or a postgres:// URL".to_string(),
            });
        }
        if input.contains("://") || input.starts_with("sqlite:") {
            return StoreLocation::from_parts(Some(input), Path::new("."));
        }
        let path = PathBuf::from(input);
        if path.is_dir() {
            return Ok(StoreLocation::Sqlite(path));
        }
        if path
            .file_name()
            .is_some_and(|name| name == crate::DB_FILE_NAME)
        {
            let dir = path
                .parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            return Ok(StoreLocation::Sqlite(dir.to_path_buf()));
        }
        if path.is_file() || path.extension().is_some() {
            return Ok(StoreLocation::SqliteFile(path));
        }
        Ok(StoreLocation::Sqlite(path))
    }

    /// The database file of a SQLite store (`None` for PostgreSQL): whether it exists tells
    /// a store that holds something from one that opening would create.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self {
            StoreLocation::Sqlite(dir) => Some(dir.join(crate::DB_FILE_NAME)),
            StoreLocation::SqliteFile(path) => Some(path.clone()),
            StoreLocation::Postgres(_) => None,
        }
    }

    /// Opens (creating or migrating as needed) the store.
    pub fn open(&self) -> Result<Box<dyn Store>, StoreError> {
        match self {
            StoreLocation::Sqlite(dir) => Ok(Box::new(SqliteStore::open(dir)?)),
            StoreLocation::SqliteFile(path) => Ok(Box::new(SqliteStore::open_file(path)?)),
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
        matches!(
            self,
            StoreLocation::Sqlite(_) | StoreLocation::SqliteFile(_)
        )
    }
}

/// The location as a user may see it: a URL loses its password.
impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(dir) => write!(f, "{}", dir.join(crate::DB_FILE_NAME).display()),
            StoreLocation::SqliteFile(path) => write!(f, "{}", path.display()),
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

    #[test]
    fn command_line_inputs_are_paths_or_urls() {
        let scratch = std::env::temp_dir();
        let check = |input: &str, expected: StoreLocation| {
            assert_eq!(
                StoreLocation::from_path_or_url(input).expect("location"),
                expected,
                "{input:?}"
            );
        };
        check(
            "postgres://news@db/storyline",
            StoreLocation::Postgres("postgres://news@db/storyline".into()),
        );
        check(
            "sqlite:/srv/news",
            StoreLocation::Sqlite("/srv/news".into()),
        );
        check(
            &scratch.display().to_string(),
            StoreLocation::Sqlite(scratch.clone()),
        );
        check(
            "/srv/news/storyline.db",
            StoreLocation::Sqlite("/srv/news".into()),
        );
        check("storyline.db", StoreLocation::Sqlite(".".into()));
        check(
            "/backups/news-2024.db",
            StoreLocation::SqliteFile("/backups/news-2024.db".into()),
        );
        check(
            "/nowhere/new-data",
            StoreLocation::Sqlite("/nowhere/new-data".into()),
        );
        assert!(StoreLocation::from_path_or_url("  ").is_err());
        assert!(StoreLocation::from_path_or_url("mysql://h/db").is_err());
        assert_eq!(
            StoreLocation::SqliteFile("/b/x.db".into()).sqlite_file(),
            Some(PathBuf::from("/b/x.db"))
        );
        assert_eq!(
            StoreLocation::Postgres("postgres://h/d".into()).sqlite_file(),
            None
        );
    }
}
