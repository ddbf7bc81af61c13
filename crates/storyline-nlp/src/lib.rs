//! Text primitives shared by dedupe, clustering and the brief writers: word terms and
//! stemming, sentence splitting, language detection, named entities with their roles,
//! facts worth checking (numbers, quotes, dates), MinHash near-duplicate signatures and sparse
//! term vectors.
//!
//! Invariants: pure functions and plain data; no IO, no clock, no global mutable state. Every
//! function is deterministic for a given input.

pub mod clutter;
pub mod dates;
pub mod entities;
pub mod facts;
pub mod language;
pub mod minhash;
pub mod mojibake;
pub mod ner;
pub mod places;
pub mod sentences;
pub mod story_entities;
pub mod terms;
pub mod vector;
