//! Sparse term vectors for similarity: [`Vocabulary`] interns terms as `u32` ids,
//! [`DocFrequencies`] learns document frequencies online (one document at a time, as a
//! stream arrives) and gives smoothed IDF weights, and [`SparseVector`] holds weights sorted
//! by term id for linear-time dot products.

use std::collections::HashMap;

/// A sparse vector: `(term id, weight)` pairs sorted by id, each id once, no zero or
/// non-finite weights. Constructors return it L2-normalised; [`SparseVector::add_scaled`]
/// can leave it unnormalised (a centroid), which [`SparseVector::cosine`] allows for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector(Vec<(u32, f32)>);

impl SparseVector {
    /// The L2-normalised vector of `weights`; repeated ids are summed, zero and non-finite
    /// weights dropped.
    pub fn from_weights(weights: impl IntoIterator<Item = (u32, f32)>) -> SparseVector {
        let mut entries: Vec<(u32, f32)> =
            weights.into_iter().filter(|(_, w)| w.is_finite()).collect();
        entries.sort_by_key(|&(id, _)| id);
        let mut merged: Vec<(u32, f32)> = Vec::with_capacity(entries.len());
        for (id, weight) in entries {
            match merged.last_mut() {
                Some((last, sum)) if *last == id => *sum += weight,
                _ => merged.push((id, weight)),
            }
        }
        merged.retain(|&(_, w)| w != 0.0 && w.is_finite());
        let mut vector = SparseVector(merged);
        vector.normalize();
        vector
    }

    /// A vector from entries as [`SparseVector::entries`] gave them (a stored centroid or
    /// member vector), kept as they are, not normalised; `None` unless the ids are strictly
    /// increasing and every weight finite and non-zero.
    pub fn from_entries(entries: Vec<(u32, f32)>) -> Option<SparseVector> {
        let valid = entries.windows(2).all(|pair| pair[0].0 < pair[1].0)
            && entries.iter().all(|&(_, w)| w.is_finite() && w != 0.0);
        valid.then_some(SparseVector(entries))
    }

    pub fn entries(&self) -> &[(u32, f32)] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The weight of `term`, 0 when absent.
    pub fn get(&self, term: u32) -> f32 {
        self.0
            .binary_search_by_key(&term, |&(id, _)| id)
            .map_or(0.0, |i| self.0[i].1)
    }

    pub fn norm(&self) -> f32 {
        self.0.iter().map(|(_, w)| w * w).sum::<f32>().sqrt()
    }

    /// Scales to unit length (a zero vector stays zero).
    pub fn normalize(&mut self) {
        let norm = self.norm();
        if norm > 0.0 && norm.is_finite() {
            for (_, w) in &mut self.0 {
                *w /= norm;
            }
        }
    }

    pub fn dot(&self, other: &SparseVector) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// Cosine similarity, correct whether or not either side is normalised; 0 when either is
    /// empty.
    pub fn cosine(&self, other: &SparseVector) -> f32 {
        let norms = self.norm() * other.norm();
        if norms > 0.0 {
            (self.dot(other) / norms).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }

    /// `self += scale * other`, keeping ids sorted; terms that cancel out are removed.
    pub fn add_scaled(&mut self, other: &SparseVector, scale: f32) {
        if !scale.is_finite() || scale == 0.0 {
            return;
        }
        let mut out = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() || j < b.len() {
            let next = match (a.get(i), b.get(j)) {
                (Some(&(ia, wa)), Some(&(ib, wb))) if ia == ib => {
                    i += 1;
                    j += 1;
                    (ia, wa + scale * wb)
                }
                (Some(&(ia, wa)), Some(&(ib, _))) if ia < ib => {
                    i += 1;
                    (ia, wa)
                }
                (Some(&(ia, wa)), None) => {
                    i += 1;
                    (ia, wa)
                }
                (_, Some(&(ib, wb))) => {
                    j += 1;
                    (ib, scale * wb)
                }
                (None, None) => break,
            };
            if next.1 != 0.0 && next.1.is_finite() {
                out.push(next);
            }
        }
        self.0 = out;
    }

    /// Drops entries whose absolute weight is at most `epsilon` (rounding residue left by
    /// subtracting a vector that was added before).
    pub fn retain_above(&mut self, epsilon: f32) {
        self.0.retain(|&(_, w)| w.abs() > epsilon);
    }

    /// The `n` heaviest entries, heaviest first (ties by term id).
    pub fn top(&self, n: usize) -> Vec<(u32, f32)> {
        let mut entries = self.0.clone();
        entries.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        entries.truncate(n);
        entries
    }
}

/// Interns terms as dense `u32` ids, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
    terms: Vec<String>,
}

impl Vocabulary {
    pub fn new() -> Self {
        Vocabulary::default()
    }

    /// The id of `term`, adding it if new. Ids past `u32::MAX` terms saturate (a
    /// vocabulary that large is not a realistic input).
    pub fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        self.ids.insert(term.to_string(), id);
        self.terms.push(term.to_string());
        id
    }

    /// A vocabulary holding `terms`, each with its position as id (a stored vocabulary read
    /// back); `None` when a term is repeated.
    pub fn from_terms(terms: Vec<String>) -> Option<Vocabulary> {
        let mut ids = HashMap::with_capacity(terms.len());
        for (id, term) in terms.iter().enumerate() {
            let id = u32::try_from(id).ok()?;
            if ids.insert(term.clone(), id).is_some() {
                return None;
            }
        }
        Some(Vocabulary { ids, terms })
    }

    pub fn get(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    pub fn term(&self, id: u32) -> Option<&str> {
        self.terms.get(id as usize).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Document frequencies learned online: each added document counts once per distinct term.
#[derive(Debug, Clone, Default)]
pub struct DocFrequencies {
    counts: Vec<u32>,
    n_docs: u32,
}

impl DocFrequencies {
    pub fn new() -> Self {
        DocFrequencies::default()
    }

    /// Frequencies as stored: `counts[id]` documents hold term `id`, of `n_docs` in all.
    pub fn from_counts(counts: Vec<u32>, n_docs: u32) -> DocFrequencies {
        DocFrequencies { counts, n_docs }
    }

    /// Counts one document; repeated ids in `terms` count once.
    pub fn add_document(&mut self, terms: impl IntoIterator<Item = u32>) {
        let mut distinct: Vec<u32> = terms.into_iter().collect();
        distinct.sort_unstable();
        distinct.dedup();
        for id in distinct {
            let index = id as usize;
            if index >= self.counts.len() {
                self.counts.resize(index + 1, 0);
            }
            self.counts[index] = self.counts[index].saturating_add(1);
        }
        self.n_docs = self.n_docs.saturating_add(1);
    }

    /// Documents containing `term`.
    pub fn df(&self, term: u32) -> u32 {
        self.counts.get(term as usize).copied().unwrap_or(0)
    }

    pub fn n_docs(&self) -> u32 {
        self.n_docs
    }

    /// Smoothed inverse document frequency, `ln((1 + n) / (1 + df)) + 1`: positive for every
    /// term, highest for unseen ones, so the first documents of a stream already get usable
    /// weights.
    pub fn idf(&self, term: u32) -> f32 {
        let n = f64::from(self.n_docs);
        let df = f64::from(self.df(term));
        (((1.0 + n) / (1.0 + df)).ln() + 1.0) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(entries: &[(u32, f32)]) -> SparseVector {
        SparseVector::from_weights(entries.iter().copied())
    }

    #[test]
    fn from_weights_sorts_merges_and_normalises() {
        let vector = v(&[(5, 3.0), (1, 2.0), (5, 1.0), (9, 0.0), (2, f32::NAN)]);
        let ids: Vec<u32> = vector.entries().iter().map(|e| e.0).collect();
        assert_eq!(ids, [1, 5]);
        assert!((vector.norm() - 1.0).abs() < 1e-6);
        assert!((vector.get(5) / vector.get(1) - 2.0).abs() < 1e-6);
    }

    #[test]
    fn cosine_of_overlapping_vectors() {
        let a = v(&[(1, 1.0), (2, 1.0)]);
        let b = v(&[(2, 1.0), (3, 1.0)]);
        assert!((a.cosine(&b) - 0.5).abs() < 1e-6);
        assert!((a.cosine(&a) - 1.0).abs() < 1e-6);
        assert_eq!(a.cosine(&SparseVector::default()), 0.0);
    }

    #[test]
    fn add_scaled_merges_and_cancels() {
        let mut centroid = v(&[(1, 1.0)]);
        centroid.add_scaled(&v(&[(0, 3.0), (4, 4.0)]), 2.0);
        assert_eq!(centroid.entries(), &[(0, 1.2), (1, 1.0), (4, 1.6)]);
        centroid.add_scaled(&v(&[(1, 1.0)]), -1.0);
        assert_eq!(centroid.entries(), &[(0, 1.2), (4, 1.6)]);
    }

    #[test]
    fn idf_falls_as_terms_spread() {
        let mut vocabulary = Vocabulary::new();
        let port = vocabulary.intern("port");
        let strike = vocabulary.intern("strike");
        assert_eq!(vocabulary.intern("port"), port);
        let mut df = DocFrequencies::new();
        df.add_document([port, strike, port]);
        df.add_document([port]);
        assert_eq!((df.df(port), df.df(strike), df.n_docs()), (2, 1, 2));
        assert!(df.idf(port) < df.idf(strike));
        assert!(df.idf(strike) < df.idf(vocabulary.intern("unseen")));
        assert!(df.idf(port) > 0.0);
    }
}
