//! Training: a structured averaged perceptron (Collins 2002) over BILOU tags with Viterbi
//! decoding, sentence order shuffled each epoch by a seeded generator so that a run is
//! reproducible bit for bit.
//!
//! The gazetteer seen in training is built by jackknifing: the names of each document come
//! from the *other* folds only, so the model learns how far a gazetteer match can be trusted
//! for a name it has not seen in the same text (as at tagging time), instead of learning that
//! a match is always right. The shipped model carries the gazetteer of the whole training set.

use super::clusters::Clusters;
use super::conll::Document;
use super::decode::{TRANSITION_LEN, viterbi};
use super::eval::Scores;
use super::features::{Extractor, FeatureGroups, hash_str, mix};
use super::gazetteer::Gazetteer;
use super::model::{FeatureIndex, Model};
use super::tags::{TAG_COUNT, Tag, spans};

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Seed of the sentence order.
    pub seed: u64,
    pub groups: FeatureGroups,
    /// Folds of the jackknifed training gazetteer (1: every document sees every name).
    pub gazetteer_folds: usize,
    /// Word clusters (used when `groups` has CLUSTERS).
    pub clusters: Clusters,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 12,
            seed: 17,
            // CAPS costs 0.1 F1 on valid (mean of four seeds; on its ALL-CAPS sentences
            // too): the document features already tell headlines apart.
            groups: FeatureGroups(FeatureGroups::ALL.0 & !FeatureGroups::CAPS),
            gazetteer_folds: 2,
            clusters: Clusters::default(),
        }
    }
}

/// What one epoch gave.
#[derive(Debug, Clone)]
pub struct EpochReport {
    pub epoch: usize,
    /// Training sentences the current weights got wrong during the epoch.
    pub mistakes: usize,
    /// Scores of the averaged model on the validation documents (when given).
    pub valid: Option<Scores>,
}

/// The gazetteer of the names in `documents`.
pub fn gazetteer_of<'a>(documents: impl IntoIterator<Item = &'a Document>) -> Gazetteer {
    let mut gazetteer = Gazetteer::default();
    for document in documents {
        for (tokens, tags) in document.sentences.iter().zip(&document.tags) {
            for span in spans(tags) {
                let words: Vec<u64> = tokens[span.start..span.end]
                    .iter()
                    .map(|t| hash_str(&t.to_lowercase()))
                    .collect();
                gazetteer.insert(&words, span.kind);
            }
        }
    }
    gazetteer
}

/// One training sentence as feature rows.
struct Example {
    rows: Vec<u32>,
    starts: Vec<u32>,
    gold: Vec<Tag>,
}

/// Trains on `train`, scoring the averaged model on `valid` after each epoch (when not
/// empty) and calling `report`. Returns the model of the epoch with the best validation F1
/// (the last epoch when there is no validation set).
pub fn train(
    train: &[Document],
    valid: &[Document],
    config: &TrainConfig,
    mut report: impl FnMut(&EpochReport),
) -> Model {
    let full_gazetteer = gazetteer_of(train);
    let folds = config.gazetteer_folds.max(1);
    let fold_gazetteers: Vec<Gazetteer> = (0..folds)
        .map(|fold| {
            if folds == 1 {
                full_gazetteer.clone()
            } else {
                gazetteer_of(
                    train
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % folds != fold)
                        .map(|(_, d)| d),
                )
            }
        })
        .collect();
    let mut index = FeatureIndex::default();
    let mut examples = Vec::new();
    for (doc_index, document) in train.iter().enumerate() {
        let extractor = Extractor {
            groups: config.groups,
            gazetteer: &fold_gazetteers[doc_index % folds],
            clusters: &config.clusters,
        };
        for (features, gold) in extractor
            .document(&document.sentences)
            .into_iter()
            .zip(&document.tags)
        {
            let mut rows = Vec::with_capacity(features.hashes.len());
            for &hash in &features.hashes {
                let next_row = index.len() as u32;
                rows.push(*index.entry(hash).or_insert(next_row));
            }
            examples.push(Example {
                rows,
                starts: features.starts,
                gold: gold.clone(),
            });
        }
    }
    let features = index.len();
    let mut weights = vec![0f32; features * TAG_COUNT];
    let mut totals = vec![0f32; features * TAG_COUNT];
    let mut transitions = vec![0f32; TRANSITION_LEN];
    let mut transition_totals = vec![0f32; TRANSITION_LEN];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut random = config.seed;
    let mut step = 1f32;
    let mut best: Option<(f64, Model)> = None;
    let mut emissions = Vec::new();
    for epoch in 1..=config.epochs {
        shuffle(&mut order, &mut random);
        let mut mistakes = 0;
        for &example_index in &order {
            let example = &examples[example_index];
            let len = example.gold.len();
            emissions.clear();
            emissions.resize(len * TAG_COUNT, 0.0);
            for (i, scores) in emissions.chunks_exact_mut(TAG_COUNT).enumerate() {
                for &row in
                    &example.rows[example.starts[i] as usize..example.starts[i + 1] as usize]
                {
                    let row = row as usize * TAG_COUNT;
                    for (score, weight) in scores.iter_mut().zip(&weights[row..row + TAG_COUNT]) {
                        *score += weight;
                    }
                }
            }
            let predicted = viterbi(&emissions, &transitions);
            if predicted != example.gold {
                mistakes += 1;
                let update = |at: usize, delta: f32, weights: &mut [f32], totals: &mut [f32]| {
                    weights[at] += delta;
                    totals[at] += delta * step;
                };
                for i in 0..len {
                    let (gold, guess) = (example.gold[i].index(), predicted[i].index());
                    if gold != guess {
                        for &row in &example.rows
                            [example.starts[i] as usize..example.starts[i + 1] as usize]
                        {
                            let row = row as usize * TAG_COUNT;
                            update(row + gold, 1.0, &mut weights, &mut totals);
                            update(row + guess, -1.0, &mut weights, &mut totals);
                        }
                    }
                    let gold_previous = if i == 0 {
                        TAG_COUNT
                    } else {
                        example.gold[i - 1].index()
                    };
                    let guess_previous = if i == 0 {
                        TAG_COUNT
                    } else {
                        predicted[i - 1].index()
                    };
                    if (gold_previous, gold) != (guess_previous, guess) {
                        update(
                            gold_previous * TAG_COUNT + gold,
                            1.0,
                            &mut transitions,
                            &mut transition_totals,
                        );
                        update(
                            guess_previous * TAG_COUNT + guess,
                            -1.0,
                            &mut transitions,
                            &mut transition_totals,
                        );
                    }
                }
            }
            step += 1.0;
        }
        // Averaged weights: w - Σ(c·Δ)/c (Daumé's trick).
        let average = |weights: &[f32], totals: &[f32]| -> Vec<f32> {
            weights
                .iter()
                .zip(totals)
                .map(|(w, t)| w - t / step)
                .collect()
        };
        let model = Model {
            groups: config.groups,
            rows: index.clone(),
            weights: average(&weights, &totals),
            transitions: average(&transitions, &transition_totals),
            gazetteer: full_gazetteer.clone(),
            clusters: config.clusters.clone(),
        };
        let scores = (!valid.is_empty()).then(|| evaluate(&model, valid));
        let f1 = scores.as_ref().map_or(epoch as f64, |s| s.f1(None));
        report(&EpochReport {
            epoch,
            mistakes,
            valid: scores,
        });
        if best.as_ref().is_none_or(|(best_f1, _)| f1 > *best_f1) {
            best = Some((f1, model));
        }
    }
    best.map(|(_, model)| model)
        .unwrap_or_else(|| Model::empty(config.groups))
}

/// Scores a model on tagged documents.
pub fn evaluate(model: &Model, documents: &[Document]) -> Scores {
    let mut scores = Scores::default();
    for document in documents {
        let predicted = model.tag_document(&document.sentences);
        for (gold, guess) in document.tags.iter().zip(&predicted) {
            scores.add(gold, guess);
        }
    }
    scores
}

/// Fisher-Yates with a splitmix64 stream.
fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let j = (mix(*state) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}
