//! `storyline backup` on SQLite: a consistent copy of the whole database file, taken with
//! SQLite's online backup API while other processes keep writing.
//!
//! Invariants: the copy is one snapshot (every page is copied in one step, inside one read
//! transaction; in WAL mode writers carry on meanwhile, and a step that meets a lock waits
//! and tries again); it is written under a temporary name beside the target and renamed
//! into place only once complete, so a failed or interrupted backup leaves no file under
//! the target's name.

use super::{SqliteStore, open_error, sql_error};
use crate::StoreError;
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a backup waits for a writer's lock before it gives up.
const BACKUP_LOCK_WAIT: Duration = Duration::from_secs(60);

/// Pause between two tries while a writer holds the lock.
const BACKUP_RETRY_PAUSE: Duration = Duration::from_millis(50);

impl SqliteStore {
    /// Copies the whole database to a new SQLite file at `target` (replacing one there),
    /// consistent as of one moment, while other connections may write. Returns the copy's
    /// size in bytes.
    pub fn backup_to(&self, target: &Path) -> Result<u64, StoreError> {
        let label = target.display().to_string();
        let directory = target
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let io_error = |op: &str, source: std::io::Error| StoreError::Io {
            what: format!("{op} {label}"),
            source,
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".storyline-backup-").suffix(".db");
        // The copy is as private as the store it copies (temporary files are owner-only).
        if let Some(permissions) = self
            .path
            .as_deref()
            .and_then(|path| std::fs::metadata(path).ok())
            .map(|metadata| metadata.permissions())
        {
            builder.permissions(permissions);
        }
        let staging = builder
            .tempfile_in(directory)
            .map_err(|e| io_error("create a temporary file for", e))?;
        {
            let mut copy = Connection::open(staging.path()).map_err(|e| open_error(&label, e))?;
            let backup = Backup::new(&self.conn, &mut copy)
                .map_err(|e| sql_error(&label, "start the backup", e))?;
            let started = Instant::now();
            loop {
                // -1: every page in one step, so the copy is one snapshot (a step that
                // copies part of the file would restart whenever another process writes).
                match backup
                    .step(-1)
                    .map_err(|e| sql_error(&label, "copy the database", e))?
                {
                    StepResult::Done => break,
                    StepResult::More => continue,
                    StepResult::Busy | StepResult::Locked
                        if started.elapsed() < BACKUP_LOCK_WAIT =>
                    {
                        std::thread::sleep(BACKUP_RETRY_PAUSE)
                    }
                    // A state rusqlite may add later counts as busy too.
                    _ => {
                        return Err(StoreError::Io {
                            what: format!("back up to {label}"),
                            source: std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                format!(
                                    "the database stayed locked for {} s",
                                    BACKUP_LOCK_WAIT.as_secs()
                                ),
                            ),
                        });
                    }
                }
            }
            drop(backup);
            // The copy keeps the source's WAL mode; its log is folded in and removed when
            // this connection closes, so the one file holds everything.
            copy.close()
                .map_err(|(_, e)| sql_error(&label, "close the copy", e))?;
        }
        staging
            .as_file()
            .sync_all()
            .map_err(|e| io_error("write", e))?;
        staging
            .persist(target)
            .map_err(|e| io_error("rename the backup to", e.error))?;
        let size = std::fs::metadata(target)
            .map_err(|e| io_error("read", e))?
            .len();
        Ok(size)
    }
}
