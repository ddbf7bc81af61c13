//! Knowledge-base import: streams a Wikidata JSON dump or our own JSONL, plain, gzip or bzip2,
//! into [`KbEntity`] entries and upserts them into a [`Store`] in batches.
//!
//! Data flow: [`KbDump::open`] sniffs the compression from the file's magic bytes and the
//! format from its first records, then yields one [`KbRecord`] per line; [`import_kb`] batches
//! the entities ([`KB_BATCH`] per transaction) and counts the rest in a [`KbImportReport`].
//!
//! Formats:
//! - **Wikidata JSON dump**: a JSON array with one entity per line (`[`, `{...},` lines, `]`),
//!   or the same entities one per line without the array. An entity is kept when one of the
//!   configured languages has both a label and a description (the first such language wins;
//!   its aliases come along). Its kind comes from its `P31` (instance of) statements, preferred
//!   rank first, deprecated ones ignored: the first class listed in [`wikidata_class_kind`]
//!   wins. Only the entity's own statements are read, so a class's subclasses are not
//!   followed: the table lists the classes news entities are most often direct instances of.
//! - **JSONL**: `{"id","name","aliases":[..],"description","kind","language"}` per line;
//!   `aliases`, `kind` and `language` may be left out (a missing language is taken to be the
//!   first configured one). Its source name is the file's stem.
//!
//! Invariants: the file is read as a stream, one line in memory at a time (a line is capped at
//! [`MAX_LINE_BYTES`]); a bad line is counted and reported (`FILE:LINE: cause`) and the import
//! goes on; a file in no known format is one error before anything is stored; a read failure
//! mid-way (a truncated download) is an error after the batches before it are stored.

use crate::PipelineError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use storyline_model::{EntityKind, KbEntity};
use storyline_store::Store;

/// Entries upserted per transaction.
pub const KB_BATCH: usize = 5_000;
/// The longest line read; the largest Wikidata entities take a few MiB.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;
/// How many bad lines a report quotes (all are counted).
pub const MAX_QUOTED_BAD_LINES: usize = 5;
/// The source name of entries from a Wikidata dump.
pub const WIKIDATA_SOURCE: &str = "Wikidata";
/// How many leading records may be looked at to recognise a line-per-record format.
const FORMAT_SNIFF_LINES: usize = 20;
/// Enough leading bytes to tell every compression format we recognise.
const MAGIC_BYTES: usize = 8;
/// Buffer between the decompressor and the line splitter.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// How a dump file is compressed, as its first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// What kind of knowledge base a dump holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbFormat {
    /// Wikidata's JSON entity dump (with or without the enclosing array).
    Wikidata,
    /// Our own `{"id","name","aliases","description","kind","language"}` lines.
    Jsonl,
}

impl KbFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            KbFormat::Wikidata => "Wikidata JSON",
            KbFormat::Jsonl => "JSONL",
        }
    }
}

/// Why a well-formed record was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// No label (name) in any configured language.
    Language,
    /// A label, but no description to go with it, in the configured languages.
    NoDescription,
    /// A Wikidata property, lexeme or other non-item entity.
    NotItem,
}

/// One line of a dump, read.
#[derive(Debug, Clone, PartialEq)]
pub enum KbRecord {
    Entity(Box<KbEntity>),
    Skipped(SkipReason),
    /// A line that is not a record: its 1-based number and the cause, in one phrase.
    Bad {
        line: usize,
        cause: String,
    },
}

/// Settings of one import.
#[derive(Debug, Clone, PartialEq)]
pub struct KbImportOptions {
    /// Languages to take names and descriptions in, preferred first (`["en", "pt"]`).
    pub languages: Vec<String>,
    /// Entries per transaction.
    pub batch_size: usize,
}

impl Default for KbImportOptions {
    fn default() -> Self {
        KbImportOptions {
            languages: vec!["en".to_string()],
            batch_size: KB_BATCH,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct KbImportReport {
    /// The source name the entries were stored under.
    pub source: String,
    pub format: KbFormat,
    pub compression: Compression,
    /// Records read (blank lines and the array's brackets are not records).
    pub records: usize,
    /// Entries upserted (new or updated).
    pub imported: usize,
    pub skipped_language: usize,
    pub skipped_no_description: usize,
    pub skipped_not_item: usize,
    pub bad_lines: usize,
    /// The first [`MAX_QUOTED_BAD_LINES`] bad lines, one `FILE:LINE: cause` each.
    pub first_bad_lines: Vec<String>,
    /// A stop was asked for ([`crate::stop`]): the records read before it are stored, the
    /// rest of the dump was not read (importing it again updates what is stored).
    pub interrupted: bool,
}

/// Progress of an import, reported after each stored batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KbProgress {
    /// Bytes of the file (compressed, as stored on disk) consumed so far.
    pub bytes_read: u64,
    /// The file's size in bytes; 0 for a pipe.
    pub total_bytes: u64,
    pub records: usize,
    pub imported: usize,
}

/// An open dump: an iterator over its records, read as a stream.
pub struct KbDump {
    label: String,
    source: String,
    format: KbFormat,
    compression: Compression,
    languages: Vec<String>,
    imported_at: DateTime<Utc>,
    lines: LineReader,
    /// Lines read while recognising the format, given out first.
    replay: VecDeque<SniffedLine>,
    line_buffer: Vec<u8>,
    bytes_read: Arc<AtomicU64>,
    total_bytes: u64,
    finished: bool,
}

impl fmt::Debug for KbDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KbDump")
            .field("file", &self.label)
            .field("source", &self.source)
            .field("format", &self.format)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

impl KbDump {
    /// Opens `path` and recognises its compression and format. `languages` are the
    /// preferred languages, first first; `imported_at` is stamped on every entry.
    pub fn open(
        path: &Path,
        languages: &[String],
        imported_at: DateTime<Utc>,
    ) -> Result<KbDump, PipelineError> {
        let label = path.display().to_string();
        let input_error = |cause: String| PipelineError::Input {
            input: label.clone(),
            cause,
        };
        let languages: Vec<String> = languages
            .iter()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect();
        if languages.is_empty() {
            return Err(input_error("no language configured to import".to_string()));
        }
        let file = File::open(path).map_err(|e| input_error(format!("cannot open: {e}")))?;
        let total_bytes = file
            .metadata()
            .map_err(|e| input_error(format!("cannot read its size: {e}")))?
            .len();
        let bytes_read = Arc::new(AtomicU64::new(0));
        let mut counted = CountingReader {
            inner: file,
            count: Arc::clone(&bytes_read),
        };
        // A pipe (`/dev/stdin`) may hand out fewer bytes per read than the magic needs.
        let mut magic = Vec::with_capacity(MAGIC_BYTES);
        (&mut counted)
            .take(MAGIC_BYTES as u64)
            .read_to_end(&mut magic)
            .map_err(|e| input_error(format!("cannot read: {e}")))?;
        let compression = sniff_compression(&magic).map_err(input_error)?;
        let raw = BufReader::new(io::Cursor::new(magic).chain(counted));
        let decoded: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(raw),
            // Multi-member readers: parallel compressors write many members, and a reader
            // that stops after the first would silently import only the start of the dump.
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(raw)),
        };
        let mut lines = LineReader {
            inner: BufReader::with_capacity(READ_BUFFER_BYTES, decoded),
            max_line_bytes: MAX_LINE_BYTES,
            line_number: 0,
        };
        let (format, replay) = sniff_format(&mut lines)
            .map_err(|e| input_error(format!("cannot read ({} data): {e}", compression.as_str())))?
            .map_err(input_error)?;
        let source = match format {
            KbFormat::Wikidata => WIKIDATA_SOURCE.to_string(),
            KbFormat::Jsonl => jsonl_source_name(path),
        };
        Ok(KbDump {
            label,
            source,
            format,
            compression,
            languages,
            imported_at,
            lines,
            replay,
            line_buffer: Vec::new(),
            bytes_read,
            total_bytes,
            finished: false,
        })
    }

    pub fn format(&self) -> KbFormat {
        self.format
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The source name entries are stored under.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Bytes of the file (as stored, compressed or not) consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// The file's size in bytes; 0 for a pipe.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    fn read_record(&self, line_number: usize, line: &[u8]) -> Option<KbRecord> {
        let text = match std::str::from_utf8(line) {
            Ok(text) => text.trim(),
            Err(e) => {
                return Some(KbRecord::Bad {
                    line: line_number,
                    cause: format!("not UTF-8 ({e})"),
                });
            }
        };
        let text = match self.format {
            // The array's brackets and the commas between entities are not records.
            KbFormat::Wikidata => text
                .trim_start_matches('[')
                .trim_end_matches(',')
                .trim_end_matches(']')
                .trim(),
            KbFormat::Jsonl => text,
        };
        if text.is_empty() {
            return None;
        }
        let parsed = match self.format {
            KbFormat::Wikidata => wikidata_entity(text, &self.languages, self.imported_at),
            KbFormat::Jsonl => jsonl_entity(text, &self.source, &self.languages, self.imported_at),
        };
        Some(match parsed {
            Ok(Ok(entity)) => KbRecord::Entity(Box::new(entity)),
            Ok(Err(reason)) => KbRecord::Skipped(reason),
            Err(cause) => KbRecord::Bad {
                line: line_number,
                cause,
            },
        })
    }
}

impl Iterator for KbDump {
    /// A record, or the read failure that ends the dump.
    type Item = Result<KbRecord, PipelineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some((number, line)) = self.replay.pop_front() {
            let record = match line {
                Some(line) => self.read_record(number, &line),
                None => Some(too_long(number)),
            };
            if record.is_some() {
                return record.map(Ok);
            }
        }
        while !self.finished {
            let mut line = std::mem::take(&mut self.line_buffer);
            let read = self.lines.next_line(&mut line);
            let number = self.lines.line_number;
            let record = match read {
                Ok(LineRead::End) => {
                    self.finished = true;
                    None
                }
                Ok(LineRead::Line) => self.read_record(number, &line),
                Ok(LineRead::TooLong) => Some(too_long(number)),
                Err(e) => {
                    self.finished = true;
                    return Some(Err(PipelineError::Input {
                        input: self.label.clone(),
                        cause: format!(
                            "read failed after line {} ({} data): {e}",
                            number.saturating_sub(1),
                            self.compression.as_str()
                        ),
                    }));
                }
            };
            self.line_buffer = line;
            if record.is_some() {
                return record.map(Ok);
            }
        }
        None
    }
}

fn too_long(line: usize) -> KbRecord {
    KbRecord::Bad {
        line,
        cause: format!("longer than {} MiB", MAX_LINE_BYTES / (1024 * 1024)),
    }
}

/// Imports the dump at `path` into `store`: entries upserted by `(source, id)` in batches of
/// `options.batch_size`, each in one transaction; `progress` hears after every batch.
pub fn import_kb(
    store: &mut dyn Store,
    path: &Path,
    options: &KbImportOptions,
    imported_at: DateTime<Utc>,
    progress: &mut dyn FnMut(&KbProgress),
) -> Result<KbImportReport, PipelineError> {
    let mut dump = KbDump::open(path, &options.languages, imported_at)?;
    let mut report = KbImportReport {
        source: dump.source().to_string(),
        format: dump.format(),
        compression: dump.compression(),
        records: 0,
        imported: 0,
        skipped_language: 0,
        skipped_no_description: 0,
        skipped_not_item: 0,
        bad_lines: 0,
        first_bad_lines: Vec::new(),
        interrupted: false,
    };
    let batch_size = options.batch_size.max(1);
    let mut batch: Vec<KbEntity> = Vec::with_capacity(batch_size);
    let mut flush = |batch: &mut Vec<KbEntity>,
                     report: &mut KbImportReport,
                     dump: &KbDump|
     -> Result<(), PipelineError> {
        report.imported += store.upsert_kb_entities(batch)?;
        batch.clear();
        progress(&KbProgress {
            bytes_read: dump.bytes_read(),
            total_bytes: dump.total_bytes(),
            records: report.records,
            imported: report.imported,
        });
        Ok(())
    };
    while let Some(record) = dump.next() {
        // Asked to stop: the batch in hand is stored below; the rest waits.
        if crate::stop::requested() {
            report.interrupted = true;
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(read_failure) => {
                // What was read before the failure is good: keep it, then say what broke.
                if !batch.is_empty() {
                    flush(&mut batch, &mut report, &dump)?;
                }
                return Err(read_failure);
            }
        };
        report.records += 1;
        match record {
            KbRecord::Entity(entity) => {
                batch.push(*entity);
                if batch.len() >= batch_size {
                    flush(&mut batch, &mut report, &dump)?;
                }
            }
            KbRecord::Skipped(SkipReason::Language) => report.skipped_language += 1,
            KbRecord::Skipped(SkipReason::NoDescription) => report.skipped_no_description += 1,
            KbRecord::Skipped(SkipReason::NotItem) => report.skipped_not_item += 1,
            KbRecord::Bad { line, cause } => {
                report.bad_lines += 1;
                if report.first_bad_lines.len() < MAX_QUOTED_BAD_LINES {
                    report
                        .first_bad_lines
                        .push(format!("{}:{line}: {cause}", path.display()));
                }
            }
        }
    }
    if !batch.is_empty() {
        flush(&mut batch, &mut report, &dump)?;
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// Sniffing

fn sniff_compression(magic: &[u8]) -> Result<Compression, String> {
    let starts = |prefix: &[u8]| magic.starts_with(prefix);
    if magic.is_empty() {
        return Err("empty file: not a knowledge-base dump".to_string());
    }
    if starts(&[0x1f, 0x8b]) {
        return Ok(Compression::Gzip);
    }
    // "BZh" and the block size digit.
    if magic.len() >= 4 && starts(b"BZh") && (b'1'..=b'9').contains(&magic[3]) {
        return Ok(Compression::Bzip2);
    }
    let unsupported = if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some("xz")
    } else if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else if starts(b"PK\x03\x04") {
        Some("zip")
    } else if starts(b"7z\xbc\xaf\x27\x1c") {
        Some("7z")
    } else {
        None
    };
    match unsupported {
        Some(name) => Err(format!(
            "{name}-compressed: only plain, gzip and bzip2 dumps are read (decompress it first)"
        )),
        None => Ok(Compression::None),
    }
}

/// A line read while recognising the format: its number, and its bytes unless it was too
/// long to keep.
type SniffedLine = (usize, Option<Vec<u8>>);
/// A recognised format, with the lines read to recognise it (to be given out again).
type Sniffed = (KbFormat, VecDeque<SniffedLine>);

/// The format of a decompressed dump, from its first records. The outer error is a read
/// failure; the inner one says why the content is no known format.
fn sniff_format(lines: &mut LineReader) -> io::Result<Result<Sniffed, String>> {
    let mut replay = VecDeque::new();
    loop {
        let mut line = Vec::new();
        match lines.next_line(&mut line)? {
            LineRead::End => break,
            LineRead::TooLong => {
                replay.push_back((lines.line_number, None));
                continue;
            }
            LineRead::Line => {}
        }
        let number = lines.line_number;
        let first = line.iter().copied().find(|b| !b.is_ascii_whitespace());
        match first {
            None => continue,
            Some(b'[') => {
                replay.push_back((number, Some(line)));
                return Ok(Ok((KbFormat::Wikidata, replay)));
            }
            Some(b'{') => {
                let decided = record_format(&line);
                replay.push_back((number, Some(line)));
                if let Some(format) = decided {
                    return Ok(Ok((format, replay)));
                }
                if replay.len() >= FORMAT_SNIFF_LINES {
                    break;
                }
            }
            Some(other) => {
                let shown = if other.is_ascii_graphic() {
                    format!("{:?}", other as char)
                } else {
                    format!("byte 0x{other:02x}")
                };
                return Ok(Err(format!(
                    "not a knowledge-base dump: line {number} starts with {shown}, expected a \
                     Wikidata JSON dump or JSONL records (plain, gzip or bzip2)"
                )));
            }
        }
    }
    Ok(Err(if replay.is_empty() {
        "no records: not a knowledge-base dump".to_string()
    } else {
        format!(
            "not a knowledge-base dump: none of its first {} lines is a Wikidata entity \
             (with \"labels\") or a JSONL record (with \"name\")",
            replay.len()
        )
    }))
}

/// Which format one `{...}` line belongs to, if it parses and says.
fn record_format(line: &[u8]) -> Option<KbFormat> {
    #[derive(Deserialize)]
    struct Keys {
        labels: Option<IgnoredAny>,
        claims: Option<IgnoredAny>,
        name: Option<IgnoredAny>,
    }
    let text = std::str::from_utf8(line).ok()?.trim().trim_end_matches(',');
    let keys: Keys = serde_json::from_str(text).ok()?;
    if keys.labels.is_some() || keys.claims.is_some() {
        Some(KbFormat::Wikidata)
    } else if keys.name.is_some() {
        Some(KbFormat::Jsonl)
    } else {
        None
    }
}

/// A JSONL file's source name: its file name without compression and JSON extensions.
fn jsonl_source_name(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for extension in [".gz", ".bz2", ".jsonl", ".ndjson", ".json"] {
        if let Some(stripped) = name.strip_suffix(extension)
            && !stripped.is_empty()
        {
            name = stripped.to_string();
        }
    }
    if name.is_empty() {
        "jsonl".to_string()
    } else {
        name
    }
}

// ---------------------------------------------------------------------------------------
// Reading lines

/// Counts the bytes read from the file, for progress.
struct CountingReader {
    inner: File,
    count: Arc<AtomicU64>,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

enum LineRead {
    End,
    Line,
    /// A line longer than the limit: skipped to its end, not kept.
    TooLong,
}

struct LineReader {
    inner: BufReader<Box<dyn Read + Send>>,
    /// Longer lines are skipped ([`MAX_LINE_BYTES`] outside tests).
    max_line_bytes: usize,
    /// The number of the line last read (1-based).
    line_number: usize,
}

impl LineReader {
    /// Reads the next line (without its newline) into `line`, which is cleared first.
    fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<LineRead> {
        line.clear();
        let mut read_any = false;
        let mut too_long = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if !read_any {
                    return Ok(LineRead::End);
                }
                break;
            }
            read_any = true;
            let (taken, consumed, done) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..end], end + 1, true),
                None => (available, available.len(), false),
            };
            if !too_long {
                if line.len() + taken.len() > self.max_line_bytes {
                    too_long = true;
                    line.clear();
                } else {
                    line.extend_from_slice(taken);
                }
            }
            self.inner.consume(consumed);
            if done {
                break;
            }
        }
        self.line_number += 1;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(if too_long {
            LineRead::TooLong
        } else {
            LineRead::Line
        })
    }
}

// ---------------------------------------------------------------------------------------
// Wikidata entities

/// The kind of an entity that is a direct instance (`P31`) of the Wikidata class `class`, or
/// `None` for classes we do not map. The list is the documented contract of the importer.
pub fn wikidata_class_kind(class: &str) -> Option<EntityKind> {
    use EntityKind::{Company, Organisation, Person, Place};
    Some(match class {
        "Q5" => Person, // human
        "Q4830453"      // business
        | "Q783794"     // company
        | "Q6881511"    // enterprise
        | "Q891723"     // public company
        | "Q167037" => Company, // corporation
        "Q43229"        // organization
        | "Q7278"       // political party
        | "Q327333"     // government agency
        | "Q192350"     // ministry
        | "Q79913"      // non-governmental organization
        | "Q163740"     // nonprofit organization
        | "Q847017"     // sports club
        | "Q476028"     // association football club
        | "Q3918"       // university
        | "Q245065"     // intergovernmental organization
        | "Q484652" => Organisation, // international organization
        "Q6256"         // country
        | "Q3624078"    // sovereign state
        | "Q515"        // city
        | "Q1549591"    // big city
        | "Q5119"       // capital
        | "Q3957"       // town
        | "Q532"        // village
        | "Q486972"     // human settlement
        | "Q15284"      // municipality
        | "Q82794"      // geographic region
        | "Q56061"      // administrative territorial entity
        | "Q23442"      // island
        | "Q4022" => Place, // river
        _ => return None,
    })
}

/// A string of the line, borrowed when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

/// `{"language": "en", "value": "..."}`.
#[derive(Deserialize)]
struct Term<'a> {
    #[serde(borrow)]
    value: Text<'a>,
}

/// A map keyed by language. Wikidata writes an empty one as `[]`, which is accepted too.
struct ByLanguage<'a, T>(Vec<(Text<'a>, T)>);

impl<T> Default for ByLanguage<'_, T> {
    fn default() -> Self {
        ByLanguage(Vec::new())
    }
}

impl<'a, T> ByLanguage<'a, T> {
    fn get(&self, language: &str) -> Option<&T> {
        self.0
            .iter()
            .find(|(key, _)| key.0 == language)
            .map(|(_, value)| value)
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for ByLanguage<'a, T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<'a, T>(PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for MapVisitor<'a, T> {
            type Value = ByLanguage<'a, T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object keyed by language")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((language, value)) = map.next_entry::<Text<'a>, T>()? {
                    entries.push((language, value));
                }
                Ok(ByLanguage(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ByLanguage(Vec::new()))
            }
        }
        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}

/// The parts of a Wikidata entity the importer reads; everything else is skipped unparsed.
#[derive(Deserialize)]
struct WikidataEntity<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(rename = "type", borrow, default)]
    entity_type: Option<Text<'a>>,
    /// Every item has it (maybe empty); its absence means the line is something else.
    #[serde(borrow, default)]
    labels: Option<ByLanguage<'a, Term<'a>>>,
    #[serde(borrow, default)]
    descriptions: ByLanguage<'a, Term<'a>>,
    #[serde(borrow, default)]
    aliases: ByLanguage<'a, Vec<Term<'a>>>,
    #[serde(borrow, default)]
    claims: Claims<'a>,
}

/// Only `P31`; an entity without statements has `"claims": []`, read as none.
#[derive(Default)]
struct Claims<'a> {
    instance_of: Vec<Statement<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Claims<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ClaimsVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ClaimsVisitor<'a> {
            type Value = Claims<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of statements keyed by property")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut claims = Claims::default();
                while let Some(property) = map.next_key::<Text<'a>>()? {
                    if property.0 == "P31" {
                        claims.instance_of = map.next_value()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(claims)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Claims::default())
            }
        }
        deserializer.deserialize_any(ClaimsVisitor(PhantomData))
    }
}

#[derive(Deserialize)]
struct Statement<'a> {
    #[serde(borrow)]
    mainsnak: Snak<'a>,
    #[serde(borrow, default)]
    rank: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Snak<'a> {
    #[serde(borrow, default)]
    datavalue: Option<DataValue<'a>>,
}

#[derive(Deserialize)]
struct DataValue<'a> {
    /// Any shape: for an item it is `{"entity-type","numeric-id","id"}`; other shapes (which
    /// a P31 value should never have) must not make the whole entity unreadable.
    #[serde(borrow)]
    value: ItemRef<'a>,
}

/// The `id` of an item value, when the value is one.
#[derive(Default)]
struct ItemRef<'a>(Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for ItemRef<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ItemVisitor<'a> {
            type Value = ItemRef<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a statement value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut id = None;
                while let Some(key) = map.next_key::<Text<'a>>()? {
                    if key.0 == "id" {
                        id = map.next_value::<Option<Text<'a>>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(ItemRef(id))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ItemRef(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ItemRef(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ItemRef(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ItemRef(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ItemRef(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ItemRef(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ItemRef(None))
            }
        }
        deserializer.deserialize_any(ItemVisitor(PhantomData))
    }
}

/// The kind from an entity's `P31` statements: preferred rank first, deprecated ignored,
/// the first mapped class wins.
fn kind_of(statements: &[Statement<'_>]) -> Option<EntityKind> {
    fn rank<'s>(statement: &'s Statement<'_>) -> Option<&'s str> {
        statement.rank.as_ref().map(|r| r.0.as_ref())
    }
    let mapped = |wanted: &dyn Fn(Option<&str>) -> bool| {
        statements
            .iter()
            .filter(|s| wanted(rank(s)))
            .filter_map(|s| s.mainsnak.datavalue.as_ref()?.value.0.as_ref())
            .find_map(|class| wikidata_class_kind(&class.0))
    };
    mapped(&|rank| rank == Some("preferred"))
        .or_else(|| mapped(&|rank| rank != Some("preferred") && rank != Some("deprecated")))
}

/// One Wikidata line: the entity, a reason to skip it, or why it cannot be read.
fn wikidata_entity(
    line: &str,
    languages: &[String],
    imported_at: DateTime<Utc>,
) -> Result<Result<KbEntity, SkipReason>, String> {
    let entity: WikidataEntity<'_> =
        serde_json::from_str(line).map_err(|e| format!("invalid Wikidata entity: {e}"))?;
    let id = entity.id.0.trim();
    if id.is_empty() {
        return Err("invalid Wikidata entity: blank id".to_string());
    }
    // Dumps always say the type; filtered copies may drop it, but an item keeps its labels.
    let is_item = match &entity.entity_type {
        Some(kind) => kind.0 == "item",
        None => entity.labels.is_some(),
    };
    let Some(labels) = entity.labels.as_ref().filter(|_| is_item) else {
        return match entity.entity_type {
            Some(_) if !is_item => Ok(Err(SkipReason::NotItem)),
            _ => Err(format!("invalid Wikidata entity {id}: no \"labels\"")),
        };
    };
    let present = |term: Option<&Term<'_>>| {
        term.map(|t| t.value.0.trim())
            .filter(|value| !value.is_empty())
            .map(str::to_string)
    };
    let mut labelled = false;
    for language in languages {
        let Some(name) = present(labels.get(language)) else {
            continue;
        };
        labelled = true;
        let Some(description) = present(entity.descriptions.get(language)) else {
            continue;
        };
        let aliases = entity
            .aliases
            .get(language)
            .map(|terms| distinct_aliases(&name, terms.iter().map(|t| t.value.0.as_ref())))
            .unwrap_or_default();
        return Ok(Ok(KbEntity {
            id: id.to_string(),
            name,
            aliases,
            description,
            kind: kind_of(&entity.claims.instance_of),
            language: language.clone(),
            source: WIKIDATA_SOURCE.to_string(),
            imported_at,
        }));
    }
    Ok(Err(if labelled {
        SkipReason::NoDescription
    } else {
        SkipReason::Language
    }))
}

/// Trimmed, non-blank aliases, each name once (by lookup key), none the same as `name`.
fn distinct_aliases<'t>(name: &str, aliases: impl Iterator<Item = &'t str>) -> Vec<String> {
    let mut keys = vec![KbEntity::name_key(name)];
    let mut kept = Vec::new();
    for alias in aliases.map(str::trim) {
        let key = KbEntity::name_key(alias);
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
            kept.push(alias.to_string());
        }
    }
    kept
}

// ---------------------------------------------------------------------------------------
// JSONL records

#[derive(Deserialize)]
struct JsonlRecord {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

/// A JSONL `kind`: our four names, `organization` too, any case; blank means unknown.
fn jsonl_kind(kind: Option<&str>) -> Result<Option<EntityKind>, String> {
    let Some(kind) = kind.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    match kind.to_lowercase().as_str() {
        "person" => Ok(Some(EntityKind::Person)),
        "organisation" | "organization" => Ok(Some(EntityKind::Organisation)),
        "place" => Ok(Some(EntityKind::Place)),
        "company" => Ok(Some(EntityKind::Company)),
        _ => Err(format!(
            "unknown kind {kind:?} (expected person, organisation, place or company)"
        )),
    }
}

fn jsonl_entity(
    line: &str,
    source: &str,
    languages: &[String],
    imported_at: DateTime<Utc>,
) -> Result<Result<KbEntity, SkipReason>, String> {
    let record: JsonlRecord =
        serde_json::from_str(line).map_err(|e| format!("invalid record: {e}"))?;
    let id = record.id.trim();
    if id.is_empty() {
        return Err("invalid record: blank \"id\"".to_string());
    }
    let name = record.name.trim();
    if name.is_empty() {
        return Err(format!("invalid record {id}: blank \"name\""));
    }
    let kind = jsonl_kind(record.kind.as_deref()).map_err(|e| format!("record {id}: {e}"))?;
    let language = match record.language.as_deref().map(str::trim) {
        None | Some("") => languages.first().cloned().unwrap_or_default(),
        Some(language) => language.to_lowercase(),
    };
    if !languages.contains(&language) {
        return Ok(Err(SkipReason::Language));
    }
    let Some(description) = record
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    else {
        return Ok(Err(SkipReason::NoDescription));
    };
    Ok(Ok(KbEntity {
        id: id.to_string(),
        name: name.to_string(),
        aliases: distinct_aliases(name, record.aliases.iter().map(String::as_str)),
        description: description.to_string(),
        kind,
        language,
        source: source.to_string(),
        imported_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_is_read_from_magic_bytes() {
        assert_eq!(
            sniff_compression(&[0x1f, 0x8b, 8, 0]),
            Ok(Compression::Gzip)
        );
        assert_eq!(sniff_compression(b"BZh91AY&SY"), Ok(Compression::Bzip2));
        assert_eq!(sniff_compression(b"BZhx"), Ok(Compression::None));
        assert_eq!(sniff_compression(b"[\n{"), Ok(Compression::None));
        let xz = sniff_compression(&[0xfd, b'7', b'z', b'X', b'Z', 0x00, 0]);
        assert!(xz.is_err_and(|e| e.starts_with("xz-compressed: ")));
        assert!(sniff_compression(b"").is_err());
    }

    #[test]
    fn long_lines_are_skipped_and_line_ends_trimmed() {
        let text = b"abc\nxxxxxxxxxx\nde\r\n\nlast".to_vec();
        let mut reader = LineReader {
            // A small buffer, so lines span several reads.
            inner: BufReader::with_capacity(3, Box::new(io::Cursor::new(text))),
            max_line_bytes: 5,
            line_number: 0,
        };
        let mut line = Vec::new();
        let mut seen = Vec::new();
        loop {
            let read = reader.next_line(&mut line).expect("in-memory read");
            let shown = match read {
                LineRead::End => break,
                LineRead::TooLong => "<too long>".to_string(),
                LineRead::Line => String::from_utf8_lossy(&line).into_owned(),
            };
            seen.push(format!("{}:{shown}", reader.line_number));
        }
        assert_eq!(seen, ["1:abc", "2:<too long>", "3:de", "4:", "5:last"]);
    }

    #[test]
    fn jsonl_source_names_drop_extensions() {
        let check = |file: &str, expected: &str| {
            assert_eq!(jsonl_source_name(Path::new(file)), expected, "{file}");
        };
        check("/data/newsroom-people.jsonl", "newsroom-people");
        check("newsroom-people.jsonl.gz", "newsroom-people");
        check("places.ndjson.bz2", "places");
        check("registry", "registry");
        check(".jsonl", ".jsonl");
    }

    #[test]
    fn items_without_labels_are_bad_lines_not_skips() {
        let languages = ["en".to_string()];
        let read = |line: &str| wikidata_entity(line, &languages, DateTime::UNIX_EPOCH);
        assert_eq!(
            read(r#"{"id":"np-1","name":"Mara Quist","description":"Harbourmaster"}"#),
            Err("invalid Wikidata entity np-1: no \"labels\"".to_string())
        );
        assert_eq!(
            read(r#"{"type":"lexeme","id":"L7","lemmas":{}}"#),
            Ok(Err(SkipReason::NotItem))
        );
        assert_eq!(
            read(r#"{"type":"item","id":"Q1","labels":[],"descriptions":[]}"#),
            Ok(Err(SkipReason::Language))
        );
    }

    #[test]
    fn kinds_of_classes() {
        assert_eq!(wikidata_class_kind("Q5"), Some(EntityKind::Person));
        assert_eq!(wikidata_class_kind("Q891723"), Some(EntityKind::Company));
        assert_eq!(wikidata_class_kind("Q7278"), Some(EntityKind::Organisation));
        assert_eq!(wikidata_class_kind("Q1549591"), Some(EntityKind::Place));
        assert_eq!(wikidata_class_kind("Q11424"), None);
        assert_eq!(
            jsonl_kind(Some(" Organization ")),
            Ok(Some(EntityKind::Organisation))
        );
        assert_eq!(jsonl_kind(Some("")), Ok(None));
        assert!(jsonl_kind(Some("deity")).is_err());
    }
}
