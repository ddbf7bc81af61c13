//! The trained model: a weight row of [`TAG_COUNT`] scores per feature hash, the transition
//! scores, the feature groups it was trained with and the gazetteer. Tagging extracts the
//! features of a document, sums the rows of each token and decodes with Viterbi.

use super::clusters::Clusters;
use super::consistency::harmonise;
use super::decode::{TRANSITION_LEN, viterbi};
use super::features::{Extractor, FeatureGroups, SentenceFeatures};
use super::gazetteer::Gazetteer;
use super::tags::{TAG_COUNT, Tag};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Feature hashes are already well mixed: hashing them again would only cost time.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

pub type FeatureIndex = HashMap<u64, u32, BuildHasherDefault<PassThroughHasher>>;

/// A trained named-entity model. Build it with [`super::train::train`] or read it with
/// [`Model::from_bytes`].
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) groups: FeatureGroups,
    /// Feature hash → row of `weights`.
    pub(crate) rows: FeatureIndex,
    /// `TAG_COUNT` weights per row.
    pub(crate) weights: Vec<f32>,
    /// See [`TRANSITION_LEN`].
    pub(crate) transitions: Vec<f32>,
    pub(crate) gazetteer: Gazetteer,
    pub(crate) clusters: Clusters,
}

impl Model {
    /// The feature groups this model uses.
    pub fn groups(&self) -> FeatureGroups {
        self.groups
    }

    /// Number of features with weights.
    pub fn feature_count(&self) -> usize {
        self.rows.len()
    }

    /// Number of words with clusters.
    pub fn cluster_words(&self) -> usize {
        self.clusters.len()
    }

    /// Number of phrases in the gazetteer.
    pub fn gazetteer_len(&self) -> usize {
        self.gazetteer.len()
    }

    pub(crate) fn extractor(&self) -> Extractor<'_> {
        Extractor {
            groups: self.groups,
            gazetteer: &self.gazetteer,
            clusters: &self.clusters,
        }
    }

    /// BILOU tags for every token of every sentence of one document. Pass a whole document
    /// at once: how a word is written in other sentences helps (an ALL-CAPS headline above
    /// mixed-case text).
    pub fn tag_document<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<Tag>> {
        let features = self.extractor().document(sentences);
        let mut emissions = Vec::new();
        let mut tags: Vec<Vec<Tag>> = features
            .iter()
            .map(|sentence| {
                self.emissions(sentence, &mut emissions);
                viterbi(&emissions, &self.transitions)
            })
            .collect();
        if self.groups.has(FeatureGroups::VOTE) {
            harmonise(sentences, &mut tags);
        }
        tags
    }

    /// Tag scores of each token of a sentence, into `out`.
    fn emissions(&self, sentence: &SentenceFeatures, out: &mut Vec<f32>) {
        out.clear();
        out.resize(sentence.len() * TAG_COUNT, 0.0);
        for (i, scores) in out.chunks_exact_mut(TAG_COUNT).enumerate() {
            for hash in sentence.token(i) {
                if let Some(&row) = self.rows.get(hash) {
                    let row = row as usize * TAG_COUNT;
                    for (score, weight) in scores.iter_mut().zip(&self.weights[row..]) {
                        *score += weight;
                    }
                }
            }
        }
    }

    /// A model with no features (tags everything O); for tests.
    pub fn empty(groups: FeatureGroups) -> Model {
        Model {
            groups,
            rows: FeatureIndex::default(),
            weights: Vec::new(),
            transitions: vec![0.0; TRANSITION_LEN],
            gazetteer: Gazetteer::default(),
            clusters: Clusters::default(),
        }
    }
}
