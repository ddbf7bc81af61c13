//! A story's centroid and the sparse dot product behind every similarity the clusterer
//! takes.
//!
//! Invariant: [`Centroid::cosine`] and [`sparse_dot`] give [`SparseVector::cosine`] and
//! [`SparseVector::dot`] to the bit, whichever side they walk.

use super::config::{CENTROID_EPSILON, LOOKUP_RATIO};
use storyline_nlp::vector::SparseVector;

/// A story's centroid (the sum of its members' vectors), its length kept beside it so that
/// an article's cosine with a large story costs the article's length, not the story's.
#[derive(Debug, Default)]
pub(super) struct Centroid {
    pub(super) sum: SparseVector,
    /// `sum.norm()`, refreshed on every change.
    pub(super) norm: f32,
}

impl Centroid {
    pub(super) fn from_sum(sum: SparseVector) -> Centroid {
        let norm = sum.norm();
        Centroid { sum, norm }
    }

    /// `self += scale * vector` (a scale of -1 takes a member out); returns the entries
    /// written, which is what it cost.
    pub(super) fn add(&mut self, vector: &SparseVector, scale: f32) -> usize {
        self.sum.add_scaled(vector, scale);
        if scale < 0.0 {
            // Float residue of terms only the departing vector had.
            self.sum.retain_above(CENTROID_EPSILON);
        }
        self.norm = self.sum.norm();
        self.sum.len()
    }

    pub(super) fn get(&self, term: u32) -> f32 {
        self.sum.get(term)
    }

    /// Dot product with `vector`: when one side is much the longer, the shorter side's
    /// entries are looked up in it. Either way the same products are summed in the same
    /// (term) order as [`SparseVector::dot`], so the result is the same to the bit.
    pub(super) fn dot(&self, vector: &SparseVector) -> f32 {
        sparse_dot(&self.sum, vector)
    }

    /// [`SparseVector::cosine`] of the sum with `vector`, whose norm is `vector_norm`, to
    /// the bit, without reading the whole sum.
    pub(super) fn cosine(&self, vector: &SparseVector, vector_norm: f32) -> f32 {
        let norms = self.norm * vector_norm;
        if norms > 0.0 {
            (self.dot(vector) / norms).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }

    /// [`SparseVector::cosine`] of two sums, to the bit.
    pub(super) fn cosine_with(&self, other: &Centroid) -> f32 {
        let norms = self.norm * other.norm;
        if norms > 0.0 {
            (sparse_dot(&self.sum, &other.sum) / norms).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }
}

/// [`SparseVector::dot`], looking the shorter side's entries up in the longer when that is
/// [`LOOKUP_RATIO`] times longer or more; the same products are summed in the same order, so
/// the result is the same to the bit.
pub(super) fn sparse_dot(a: &SparseVector, b: &SparseVector) -> f32 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() < short.len().saturating_mul(LOOKUP_RATIO) {
        return a.dot(b);
    }
    let mut sum = 0.0;
    for &(term, weight) in short.entries() {
        let other = long.get(term);
        if other != 0.0 {
            // Multiplication commutes exactly; the order of the sum is the terms'.
            sum += weight * other;
        }
    }
    sum
}
