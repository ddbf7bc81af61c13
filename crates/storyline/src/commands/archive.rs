//! `storyline export` (the archive's articles as import lines) and `storyline backup` (a
//! consistent copy of the whole store while it runs): the user's data out.
//!
//! Invariant: neither leaves a partial file under the name asked for. Both write under a
//! temporary name beside it and rename once complete; an export to `-` streams to stdout.

use super::{open_store, store_location};
use crate::config::Config;
use crate::output::{errln, outln};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use std::io::{BufWriter, Write};
use std::path::Path;
use storyline_pipeline::ingest::{ExportRange, export_jsonl};
use storyline_store::{SqliteStore, StoreLocation};

/// `storyline export --output FILE [--since DATE] [--until DATE]`.
pub fn export(
    config: &Config,
    output: &Path,
    since: Option<&str>,
    until: Option<&str>,
    quiet: bool,
) -> Result<()> {
    let range = ExportRange {
        since: since.map(|d| parse_bound("--since", d)).transpose()?,
        until: until.map(|d| parse_bound("--until", d)).transpose()?,
    };
    let store = open_store(config)?;
    let report = if output == Path::new("-") {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let report = export_jsonl(store.as_ref(), range, &mut out)?;
        out.flush().context("cannot write the export to stdout")?;
        report
    } else {
        write_replacing(output, |out| Ok(export_jsonl(store.as_ref(), range, out)?))?
    };
    if !quiet {
        errln!(
            "exported {} articles to {}{}",
            report.articles,
            output.display(),
            if report.skipped > 0 {
                format!(" ({} outside the dates asked for)", report.skipped)
            } else {
                String::new()
            }
        );
    }
    if report.ids_not_kept > 0 {
        errln!(
            "warning: {} articles without a URL were stored under a source that cannot be given back; importing the export gives them new ids",
            report.ids_not_kept
        );
    }
    Ok(())
}

/// `storyline backup --output FILE`.
pub fn backup(config: &Config, output: &Path, quiet: bool) -> Result<()> {
    let location = store_location(config)?;
    let file = match &location {
        StoreLocation::Postgres(url) => {
            // A PostgreSQL store is backed up with PostgreSQL's own tool, which takes one
            // consistent snapshot while other sessions write.
            outln!(
                "pg_dump --format=custom --file={} '{}'",
                shell_quote(&output.display().to_string()),
                url.replace('\'', "'\\''")
            )?;
            if !quiet {
                errln!(
                    "a PostgreSQL store is backed up by pg_dump: run the line above (restore with pg_restore --dbname=URL {})",
                    output.display()
                );
            }
            return Ok(());
        }
        _ => location
            .sqlite_file()
            .expect("a store that is not PostgreSQL is a SQLite file"),
    };
    if !file.is_file() {
        bail!("no store to back up: {} does not exist", file.display());
    }
    if output.is_dir() {
        bail!(
            "cannot back up to {}: it is a directory (name the file to write)",
            output.display()
        );
    }
    let store = SqliteStore::open_file(&file)
        .with_context(|| format!("cannot open the store {location}"))?;
    let bytes = store.backup_to(output)?;
    if !quiet {
        errln!(
            "backed up {} to {} ({:.1} MiB); to restore, put it in a data directory as storyline.db and run with --data-dir DIR",
            file.display(),
            output.display(),
            bytes as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

/// Writes `path` through `write`, under a temporary name beside it renamed into place once
/// `write` has succeeded and the bytes are on disk: a failure leaves any earlier file there
/// as it was.
pub(crate) fn write_replacing<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    let directory = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".storyline-");
    // An ordinary file's mode, not the private one temporary files get.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let staging = builder
        .tempfile_in(directory)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = BufWriter::new(staging.as_file());
    let value = write(&mut out)?;
    out.flush()
        .and_then(|()| staging.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(out);
    staging
        .persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(value)
}

/// A date bound: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_bound(flag: &str, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .with_context(|| format!("{flag} {text:?}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// `text` quoted for a POSIX shell when it needs it.
fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_are_days_or_times_and_say_what_is_wrong() {
        assert_eq!(
            parse_bound("--since", "2026-11-20").unwrap().to_rfc3339(),
            "2026-11-20T00:00:00+00:00"
        );
        assert_eq!(
            parse_bound("--until", "2026-11-20T10:30:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-20T08:30:00+00:00"
        );
        let error = parse_bound("--since", "yesterday").unwrap_err();
        assert!(
            error.to_string().starts_with("--since \"yesterday\""),
            "{error}"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_earlier_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "earlier\n").unwrap();
        let failed: Result<()> = write_replacing(&path, |out| {
            out.write_all(b"half")?;
            bail!("the store went away")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier\n");
        write_replacing(&path, |out| Ok(out.write_all(b"whole\n")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole\n");
        // Nothing else is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
