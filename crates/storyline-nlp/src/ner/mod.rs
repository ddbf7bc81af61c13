//! A trained named-entity recogniser: people, organisations, places and other names (the
//! four CoNLL-2003 types) in English news text, mixed case or ALL CAPS.
//!
//! Data flows: text → [`tokenize`] (or CoNLL columns → [`conll`]) → [`features`] (hashes of
//! word, shape, affix, context, gazetteer and document features) → [`Model`] (a weight row per
//! feature hash) → [`decode`] (Viterbi over BILOU [`tags`]) → spans. [`train`] fits the
//! weights with a structured averaged perceptron; [`format`] reads and writes the model file;
//! [`baseline`] is the "tag what was a name in training" peer of the benchmark.
//!
//! # The shipped model
//!
//! `models/ner-conll2003.bin` is embedded in the binary ([`shipped`]). It was made with
//!
//! ```text
//! cargo run --release -p storyline-nlp --example train_ner -- \
//!     --train ../shared/bench/entities/conll2003-train.txt \
//!     --valid ../shared/bench/entities/conll2003-valid.txt \
//!     --output crates/storyline-nlp/models/ner-conll2003.bin
//! ```
//!
//! (seed 17, all feature groups, gazetteer jackknifed over 2 folds, the epoch with the best
//! validation F1 of 12 kept). Figures on CoNLL-2003 valid: see the module's commit message
//! and `bench/ner.sh`.
//!
//! Invariants: no IO (the model comes in as bytes); tagging is deterministic; the decoder only
//! emits valid BILOU sequences.

pub mod baseline;
pub mod conll;
pub mod decode;
pub mod eval;
pub mod features;
pub mod format;
pub mod gazetteer;
pub mod model;
pub mod tags;
pub mod tokenize;
pub mod train;

pub use model::Model;
pub use tags::{Kind, Tag};

use crate::sentences::split_sentences;
use std::sync::OnceLock;

/// Why a model file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NerError {
    #[error("not a storyline entity model (wrong magic bytes)")]
    NotAModel,
    #[error("entity model format version {found}, this build reads version {expected}")]
    Version { found: u32, expected: u32 },
    #[error("entity model is corrupt: {0}")]
    Corrupt(String),
}

static SHIPPED_BYTES: &[u8] = include_bytes!("../../models/ner-conll2003.bin");

/// The model shipped with Storyline, read on first use.
pub fn shipped() -> Result<&'static Model, NerError> {
    static SHIPPED: OnceLock<Result<Model, NerError>> = OnceLock::new();
    SHIPPED
        .get_or_init(|| Model::from_bytes(SHIPPED_BYTES))
        .as_ref()
        .map_err(Clone::clone)
}

/// A name found in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// The name as written.
    pub text: String,
    pub kind: Kind,
    /// Byte offsets in the text.
    pub start: usize,
    pub end: usize,
}

impl Model {
    /// The names in a plain text, taken as one document (sentences split on punctuation and
    /// line breaks).
    pub fn entities(&self, text: &str) -> Vec<Entity> {
        let sentences: Vec<Vec<tokenize::Token<'_>>> = split_sentences(text)
            .iter()
            .map(|sentence| {
                tokenize::tokenize(&text[sentence.start..sentence.end])
                    .into_iter()
                    .map(|token| tokenize::Token {
                        start: token.start + sentence.start,
                        end: token.end + sentence.start,
                        ..token
                    })
                    .collect()
            })
            .filter(|tokens: &Vec<_>| !tokens.is_empty())
            .collect();
        let words: Vec<Vec<&str>> = sentences
            .iter()
            .map(|tokens| tokens.iter().map(|t| t.text).collect())
            .collect();
        let tags = self.tag_document(&words);
        let mut found = Vec::new();
        for (tokens, tags) in sentences.iter().zip(&tags) {
            for span in tags::spans(tags) {
                let (start, end) = (tokens[span.start].start, tokens[span.end - 1].end);
                found.push(Entity {
                    text: text[start..end].to_string(),
                    kind: span.kind,
                    start,
                    end,
                });
            }
        }
        found
    }
}
