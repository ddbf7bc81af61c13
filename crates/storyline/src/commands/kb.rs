//! `storyline kb import|lookup|stats`: the knowledge base behind entity cards.
//!
//! Import progress goes to stderr (refreshed in place on a terminal, a line every few seconds
//! otherwise); summaries and listings go to stdout.

use super::open_store;
use crate::cli::KbCommand;
use crate::config::Config;
use crate::output::{errln, errout, out, outln};
use anyhow::{Context, Result};
use chrono::Utc;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};
use storyline_model::KbEntity;
use storyline_pipeline::kb::{KbImportOptions, KbImportReport, KbProgress, import_kb};

pub fn run(config: &Config, command: KbCommand, quiet: bool) -> Result<()> {
    match command {
        KbCommand::Import { file, languages } => {
            let languages = languages.unwrap_or_else(|| config.kb.languages.clone());
            import(config, &file, languages, quiet)
        }
        KbCommand::Lookup { name, json } => lookup(config, &name, json),
        KbCommand::Stats { json } => stats(config, json),
    }
}

fn import(config: &Config, file: &Path, languages: Vec<String>, quiet: bool) -> Result<()> {
    let mut store = open_store(config)?;
    let options = KbImportOptions {
        languages,
        ..KbImportOptions::default()
    };
    let started = Instant::now();
    let mut progress = ProgressLine::new(quiet, started);
    let report = import_kb(store.as_mut(), file, &options, Utc::now(), &mut |p| {
        progress.show(p)
    });
    progress.finish();
    let report = report.context("knowledge-base import failed")?;
    let seconds = started.elapsed().as_secs_f64();
    out!("{}", summary(&report, file, &options.languages, seconds))?;
    Ok(())
}

/// The import summary, a few lines.
fn summary(report: &KbImportReport, file: &Path, languages: &[String], seconds: f64) -> String {
    let mut out = format!(
        "imported {} entries from {} ({}, {}) as source \"{}\" in {seconds:.1} s\n",
        report.imported,
        file.display(),
        report.format.as_str(),
        report.compression.as_str(),
        report.source
    );
    out.push_str(&format!(
        "skipped {} without a name in {}, {} without a description, {} not items\n",
        report.skipped_language,
        languages.join(","),
        report.skipped_no_description,
        report.skipped_not_item
    ));
    if report.bad_lines > 0 {
        out.push_str(&format!(
            "{} bad lines skipped; the first:\n",
            report.bad_lines
        ));
        for line in &report.first_bad_lines {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if report.interrupted {
        out.push_str(&format!(
            "interrupted after {} records: import the file again to finish\n",
            report.records
        ));
    }
    out
}

/// One progress line on stderr, at most every half second on a terminal (rewritten in
/// place) and every ten seconds otherwise, so logs stay short on large dumps.
struct ProgressLine {
    quiet: bool,
    interactive: bool,
    started: Instant,
    last_shown: Option<Instant>,
    shown_in_place: bool,
}

impl ProgressLine {
    fn new(quiet: bool, started: Instant) -> Self {
        ProgressLine {
            quiet,
            interactive: std::io::stderr().is_terminal(),
            started,
            last_shown: None,
            shown_in_place: false,
        }
    }

    fn show(&mut self, progress: &KbProgress) {
        if self.quiet {
            return;
        }
        let gap = if self.interactive {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(10)
        };
        let now = Instant::now();
        if self.last_shown.is_some_and(|last| now - last < gap) {
            return;
        }
        self.last_shown = Some(now);
        let seconds = (now - self.started).as_secs_f64().max(1e-3);
        // A pipe has no size to take a percentage of.
        let read = if progress.total_bytes == 0 {
            format!("{:.1} MB", progress.bytes_read as f64 / 1e6)
        } else {
            format!(
                "{:.0}% of {:.1} MB",
                progress.bytes_read as f64 * 100.0 / progress.total_bytes as f64,
                progress.total_bytes as f64 / 1e6
            )
        };
        let line = format!(
            "kb import: {read} read, {} records, {} imported ({:.0} records/s)",
            progress.records,
            progress.imported,
            progress.records as f64 / seconds
        );
        if self.interactive {
            errout!("\r{line}\x1b[K");
            self.shown_in_place = true;
        } else {
            errln!("{line}");
        }
    }

    fn finish(&mut self) {
        if self.shown_in_place {
            errln!();
        }
    }
}

fn lookup(config: &Config, name: &str, json: bool) -> Result<()> {
    let store = open_store(config)?;
    let found = store.kb_lookup(name)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&found)?)?;
    } else if found.is_empty() {
        outln!("no knowledge-base entry is named {name:?}")?;
    } else {
        out!("{}", found.iter().map(describe).collect::<String>())?;
    }
    Ok(())
}

/// An entry in two or three lines.
fn describe(entity: &KbEntity) -> String {
    let mut out = format!(
        "{}  {}  {}: {}\n",
        entity.id,
        entity.kind.map_or("-", |k| k.as_str()),
        entity.name,
        entity.description
    );
    if !entity.aliases.is_empty() {
        out.push_str(&format!("    also: {}\n", entity.aliases.join("; ")));
    }
    out.push_str(&format!(
        "    {}, {}, imported {}\n",
        entity.source,
        entity.language,
        entity.imported_at.format("%Y-%m-%d %H:%M UTC")
    ));
    out
}

#[derive(Serialize)]
struct Stats {
    total: usize,
    sources: Vec<SourceStats>,
}

#[derive(Serialize)]
struct SourceStats {
    source: String,
    entities: usize,
    last_imported_at: String,
}

fn stats(config: &Config, json: bool) -> Result<()> {
    let store = open_store(config)?;
    let stats = Stats {
        total: store.kb_count()?,
        sources: store
            .kb_sources()?
            .into_iter()
            .map(|s| SourceStats {
                source: s.source,
                entities: s.entities,
                last_imported_at: s.last_imported_at.to_rfc3339(),
            })
            .collect(),
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&stats)?)?;
        return Ok(());
    }
    let mut text = format!("{} knowledge-base entries\n", stats.total);
    if stats.sources.is_empty() {
        text.push_str(
            "import one with `storyline kb import FILE` (a Wikidata JSON dump or JSONL)\n",
        );
    }
    for source in &stats.sources {
        text.push_str(&format!(
            "  {}: {} entries, last imported {}\n",
            source.source,
            source.entities,
            &source.last_imported_at[..16.min(source.last_imported_at.len())].replace('T', " ")
        ));
    }
    out!("{text}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use storyline_model::EntityKind;
    use storyline_pipeline::kb::{Compression, KbFormat};

    #[test]
    fn summaries_name_counts_and_first_bad_lines() {
        let report = KbImportReport {
            source: "Wikidata".to_string(),
            format: KbFormat::Wikidata,
            compression: Compression::Bzip2,
            records: 10,
            imported: 6,
            skipped_language: 1,
            skipped_no_description: 2,
            skipped_not_item: 0,
            bad_lines: 1,
            first_bad_lines: vec!["dump.json.bz2:4: invalid Wikidata entity: EOF".to_string()],
            interrupted: false,
        };
        let languages = ["en".to_string(), "pt".to_string()];
        assert_eq!(
            summary(&report, Path::new("dump.json.bz2"), &languages, 2.04),
            "imported 6 entries from dump.json.bz2 (Wikidata JSON, bzip2) as source \
             \"Wikidata\" in 2.0 s\n\
             skipped 1 without a name in en,pt, 2 without a description, 0 not items\n\
             1 bad lines skipped; the first:\n  dump.json.bz2:4: invalid Wikidata entity: EOF\n"
        );
    }

    #[test]
    fn entries_are_described_with_their_provenance() {
        let entity = KbEntity {
            id: "Q42".to_string(),
            name: "Douglas Adams".to_string(),
            aliases: vec!["Douglas Noël Adams".to_string()],
            description: "English writer".to_string(),
            kind: Some(EntityKind::Person),
            language: "en".to_string(),
            source: "Wikidata".to_string(),
            imported_at: Utc
                .with_ymd_and_hms(2024, 5, 2, 6, 0, 0)
                .single()
                .unwrap_or_default(),
        };
        assert_eq!(
            describe(&entity),
            "Q42  person  Douglas Adams: English writer\n    also: Douglas Noël Adams\n    \
             Wikidata, en, imported 2024-05-02 06:00 UTC\n"
        );
    }
}
