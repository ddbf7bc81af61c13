//! `storyline entities`: the trained named-entity recogniser run on files, without a data
//! directory. `--conll FILE` tags CoNLL columns (each token line gets the predicted IOB2 tag
//! appended as its last column); a plain text file gets its names listed with kinds and
//! byte offsets.

use crate::output::{StdoutError, out};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use storyline_nlp::ner::conll::{Line, parse_line};
use storyline_nlp::ner::{self, Model};

/// Find names of people, organisations, places and other things (the trained recogniser).
#[derive(Debug, Args)]
pub struct EntitiesArgs {
    /// A plain text file, read as one document; prints one name a line: start and end byte
    /// offsets, kind, name (tab-separated).
    #[arg(
        value_name = "TEXTFILE",
        required_unless_present = "conll",
        conflicts_with = "conll"
    )]
    pub text: Option<PathBuf>,
    /// Tag CoNLL columns instead: one token a line (first column), blank lines between
    /// sentences, -DOCSTART- between documents.
    #[arg(long, value_name = "FILE")]
    pub conll: Option<PathBuf>,
    /// With --conll: write the tagged columns here instead of stdout.
    #[arg(long, value_name = "FILE", requires = "conll")]
    pub output: Option<PathBuf>,
    /// Print the names of a text file as JSON.
    #[arg(long, conflicts_with = "conll")]
    pub json: bool,
    /// A model file to use instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
}

/// Runs `storyline entities`.
pub fn run(args: &EntitiesArgs) -> Result<()> {
    let owned;
    let model: &Model = match &args.model {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            owned = Model::from_bytes(&bytes).with_context(|| path.display().to_string())?;
            &owned
        }
        None => ner::shipped().context("the shipped entity model")?,
    };
    match (&args.conll, &args.text) {
        (Some(path), _) => tag_conll(model, path, args.output.as_deref()),
        (None, Some(path)) => list_entities(model, path, args.json),
        (None, None) => bail!("give a text file or --conll FILE"),
    }
}

/// The lines of a CoNLL file with the predicted tag appended to each token line.
fn tag_conll(model: &Model, path: &Path, output: Option<&Path>) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(raw)
            .map_err(|_| anyhow!("{}:{}: not UTF-8 text", path.display(), index + 1))?;
        lines.push(line.strip_suffix('\r').unwrap_or(line));
    }
    // A final newline leaves one empty piece that is no line.
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    let mut documents: Vec<Vec<Vec<&str>>> = vec![Vec::new()];
    let mut sentence = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let parsed = parse_line(line, index + 1)
            .map_err(|err| anyhow!("{}:{}: {}", path.display(), err.line, err.message))?;
        match parsed {
            Line::Token { token, .. } => sentence.push(token),
            Line::Blank | Line::DocStart => {
                let document = documents.last_mut().expect("one document at least");
                if !sentence.is_empty() {
                    document.push(std::mem::take(&mut sentence));
                }
                if parsed == Line::DocStart && !document.is_empty() {
                    documents.push(Vec::new());
                }
            }
        }
    }
    documents
        .last_mut()
        .expect("one document at least")
        .push(sentence);
    let mut tags = documents
        .iter()
        .flat_map(|document| model.tag_document(document))
        .flatten();
    let mut tagged = String::with_capacity(bytes.len() + lines.len() * 6);
    for line in &lines {
        if let Ok(Line::Token { .. }) = parse_line(line, 0) {
            let tag = tags.next().expect("a tag for every token");
            let _ = writeln!(tagged, "{} {}", line.trim_end(), tag.iob2());
        } else {
            tagged.push_str(line);
            tagged.push('\n');
        }
    }
    match output {
        Some(file) => {
            std::fs::write(file, tagged).with_context(|| format!("cannot write {}", file.display()))
        }
        None => Ok(out!("{tagged}")?),
    }
}

/// The names of a plain text file, as tab-separated lines or JSON.
fn list_entities(model: &Model, path: &Path, json: bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|err| {
        anyhow!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            err.utf8_error().valid_up_to()
        )
    })?;
    let entities = model.entities(&text);
    let mut printed = String::new();
    if json {
        let list: Vec<serde_json::Value> = entities
            .iter()
            .map(|entity| {
                serde_json::json!({
                    "text": entity.text,
                    "kind": entity.kind.as_str(),
                    "start": entity.start,
                    "end": entity.end,
                })
            })
            .collect();
        printed = serde_json::to_string_pretty(&list).context("cannot write JSON")?;
        printed.push('\n');
    } else {
        for entity in &entities {
            let _ = writeln!(
                printed,
                "{}\t{}\t{}\t{}",
                entity.start,
                entity.end,
                entity.kind.as_str(),
                entity.text
            );
        }
    }
    out!("{printed}").map_err(|err: StdoutError| err.into())
}
