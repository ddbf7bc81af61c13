//! Trains the named-entity model on CoNLL-2003 train, picks the epoch on valid and writes the
//! model file (see `storyline_nlp::ner` for the command that made the shipped one).
//!
//! `--ablation` instead trains once with every feature group and once without each group,
//! and prints the validation F1 of each, to show what each group adds.

use std::path::PathBuf;
use std::time::Instant;
use storyline_nlp::ner::clusters::Clusters;
use storyline_nlp::ner::conll::{Document, parse};
use storyline_nlp::ner::features::FeatureGroups;
use storyline_nlp::ner::train::{TrainConfig, train};

struct Options {
    train: PathBuf,
    valid: PathBuf,
    output: Option<PathBuf>,
    config: TrainConfig,
    prune: f32,
    ablation: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: train_ner --train FILE --valid FILE [--output FILE] [--epochs N] [--seed N] \
         [--folds N] [--prune W] [--clusters FILE.tsv] [--without GROUP,...] [--ablation]\n\
         groups: shape, affix, context, caps, gazetteer, document, clusters"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut train = None;
    let mut valid = None;
    let mut output = None;
    let mut config = TrainConfig::default();
    let mut prune = 0.01;
    let mut ablation = false;
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--train" => train = Some(PathBuf::from(value())),
            "--valid" => valid = Some(PathBuf::from(value())),
            "--output" => output = Some(PathBuf::from(value())),
            "--epochs" => config.epochs = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => config.seed = value().parse().unwrap_or_else(|_| usage()),
            "--folds" => config.gazetteer_folds = value().parse().unwrap_or_else(|_| usage()),
            "--prune" => prune = value().parse().unwrap_or_else(|_| usage()),
            "--without" => {
                for name in value().split(',') {
                    let (_, bit) = FeatureGroups::NAMES
                        .iter()
                        .find(|(n, _)| *n == name)
                        .unwrap_or_else(|| usage());
                    config.groups.0 &= !bit;
                }
            }
            "--clusters" => {
                let path = value();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
                    eprintln!("error: cannot read {path}: {err}");
                    std::process::exit(1)
                });
                config.clusters = Clusters::parse_tsv(&text).unwrap_or_else(|err| {
                    eprintln!("error: {path}: {err}");
                    std::process::exit(1)
                });
            }
            "--ablation" => ablation = true,
            _ => usage(),
        }
    }
    Options {
        train: train.unwrap_or_else(|| usage()),
        valid: valid.unwrap_or_else(|| usage()),
        output,
        config,
        prune,
        ablation,
    }
}

fn read(path: &PathBuf) -> Vec<Document> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| {
        eprintln!("error: cannot read {}: {err}", path.display());
        std::process::exit(1)
    });
    parse(&text, true).unwrap_or_else(|err| {
        eprintln!("error: {}: {err}", path.display());
        std::process::exit(1)
    })
}

fn main() {
    let options = options();
    let train_docs = read(&options.train);
    let valid_docs = read(&options.valid);
    let tokens: usize = train_docs.iter().map(Document::token_count).sum();
    eprintln!(
        "train: {} documents, {tokens} tokens; valid: {} documents",
        train_docs.len(),
        valid_docs.len()
    );
    if options.ablation {
        let mut runs = vec![("chosen groups".to_string(), options.config.groups.0)];
        for (name, bit) in FeatureGroups::NAMES {
            let groups = options.config.groups.0;
            if groups & bit != 0 {
                runs.push((format!("without {name}"), groups & !bit));
            } else {
                runs.push((format!("with {name}"), groups | bit));
            }
        }
        runs.push(("word only".to_string(), 0));
        for (label, groups) in runs {
            let config = TrainConfig {
                groups: FeatureGroups(groups),
                ..options.config.clone()
            };
            let mut best = (0, String::new(), 0.0);
            train(&train_docs, &valid_docs, &config, |report| {
                if let Some(scores) = &report.valid
                    && scores.f1(None) > best.2
                {
                    best = (report.epoch, scores.summary(), scores.f1(None));
                }
            });
            println!("{label:20} best epoch {:2}: {}", best.0, best.1);
        }
        return;
    }
    let started = Instant::now();
    let model = train(&train_docs, &valid_docs, &options.config, |report| {
        let valid = report
            .valid
            .as_ref()
            .map(|s| s.summary())
            .unwrap_or_default();
        eprintln!(
            "epoch {:2}: {:5} sentences wrong; valid {valid} ({:.1} s)",
            report.epoch,
            report.mistakes,
            started.elapsed().as_secs_f64()
        );
    });
    eprintln!(
        "trained in {:.1} s: {} features, {} gazetteer phrases",
        started.elapsed().as_secs_f64(),
        model.feature_count(),
        model.gazetteer_len()
    );
    if let Some(output) = &options.output {
        let bytes = model.to_bytes(options.prune);
        std::fs::write(output, &bytes).unwrap_or_else(|err| {
            eprintln!("error: cannot write {}: {err}", output.display());
            std::process::exit(1)
        });
        let reread = storyline_nlp::ner::Model::from_bytes(&bytes).expect("reads back");
        let scores = storyline_nlp::ner::train::evaluate(&reread, &valid_docs);
        eprintln!(
            "wrote {} ({} bytes, {} features after pruning at {}); valid as stored: {}",
            output.display(),
            bytes.len(),
            reread.feature_count(),
            options.prune,
            scores.summary()
        );
    }
}
