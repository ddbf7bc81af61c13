//! Tags CoNLL-2003 valid with the trained recogniser and with two peers, on one thread, and
//! writes each one's predictions (the input lines with the tag appended) for
//! `bench/score_ner.py`; prints tokens per second of each. Used by `bench/ner.sh`.
//!
//! Peers: "memorised" tags the phrases that were names in training (the CoNLL shared-task
//! baseline's idea); "rules" is the rule-based `storyline_nlp::entities::mentions`, run on
//! each sentence's tokens joined by spaces, its mentions mapped back to tokens.

use std::path::PathBuf;
use std::time::Instant;
use storyline_nlp::entities::{EntityKind, mentions};
use storyline_nlp::ner::baseline::Memoriser;
use storyline_nlp::ner::conll::{Document, Line, parse, parse_line};
use storyline_nlp::ner::tags::{Kind, Span, Tag, bilou_from_spans};
use storyline_nlp::ner::{self, Model};

fn usage() -> ! {
    eprintln!(
        "usage: ner_bench --train FILE --valid FILE --out-dir DIR [--model FILE] [--repeat N]"
    );
    std::process::exit(2)
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| {
        eprintln!("error: cannot read {}: {err}", path.display());
        std::process::exit(1)
    })
}

/// Runs `tag` over all documents `repeat` times; returns the tags of the last run and the
/// best tokens per second.
fn timed(
    documents: &[Document],
    repeat: usize,
    mut tag: impl FnMut(&Document) -> Vec<Vec<Tag>>,
) -> (Vec<Tag>, f64) {
    let tokens: usize = documents.iter().map(Document::token_count).sum();
    let mut best = 0f64;
    let mut tags = Vec::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        tags = documents.iter().flat_map(&mut tag).flatten().collect();
        best = best.max(tokens as f64 / started.elapsed().as_secs_f64());
    }
    (tags, best)
}

/// The rule-based mentions of one sentence as BILOU tags.
fn rules_tags(tokens: &[String]) -> Vec<Tag> {
    let mut starts = Vec::with_capacity(tokens.len());
    let mut text = String::new();
    for token in tokens {
        if !text.is_empty() {
            text.push(' ');
        }
        starts.push(text.len());
        text.push_str(token);
    }
    let mut spans = Vec::new();
    for mention in mentions(&text) {
        let first = starts.iter().position(|&s| s == mention.start);
        let last = (0..tokens.len()).find(|&i| starts[i] + tokens[i].len() == mention.end);
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let kind = match mention.kind {
            Some(EntityKind::Person) => Kind::Person,
            Some(EntityKind::Organisation | EntityKind::Company) => Kind::Organisation,
            Some(EntityKind::Place) => Kind::Place,
            None => Kind::Other,
        };
        if spans.iter().all(|s: &Span| s.end <= first) {
            spans.push(Span {
                start: first,
                end: last + 1,
                kind,
            });
        }
    }
    bilou_from_spans(tokens.len(), &spans)
}

/// The input lines with each token line's tag appended.
fn write_predictions(valid: &str, tags: &[Tag], path: &PathBuf) {
    let mut out = String::with_capacity(valid.len() * 2);
    let mut tags = tags.iter();
    for (index, line) in valid.lines().enumerate() {
        if let Ok(Line::Token { .. }) = parse_line(line, index + 1) {
            out.push_str(line.trim_end());
            out.push(' ');
            out.push_str(tags.next().expect("a tag per token").iob2());
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    std::fs::write(path, out).unwrap_or_else(|err| {
        eprintln!("error: cannot write {}: {err}", path.display());
        std::process::exit(1)
    });
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut train, mut valid, mut out_dir, mut model_path, mut repeat) =
        (None, None, None, None, 3);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--train" => train = Some(PathBuf::from(value())),
            "--valid" => valid = Some(PathBuf::from(value())),
            "--out-dir" => out_dir = Some(PathBuf::from(value())),
            "--model" => model_path = Some(PathBuf::from(value())),
            "--repeat" => repeat = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let (Some(train), Some(valid), Some(out_dir)) = (train, valid, out_dir) else {
        usage()
    };
    let train_docs = parse(&read(&train), true).unwrap_or_else(|err| {
        eprintln!("error: {}: {err}", train.display());
        std::process::exit(1)
    });
    let valid_text = read(&valid);
    let valid_docs = parse(&valid_text, true).unwrap_or_else(|err| {
        eprintln!("error: {}: {err}", valid.display());
        std::process::exit(1)
    });
    let tokens: usize = valid_docs.iter().map(Document::token_count).sum();

    let started = Instant::now();
    let owned;
    let model: &Model = match &model_path {
        Some(path) => {
            let bytes = std::fs::read(path).unwrap_or_else(|err| {
                eprintln!("error: cannot read {}: {err}", path.display());
                std::process::exit(1)
            });
            owned = Model::from_bytes(&bytes).unwrap_or_else(|err| {
                eprintln!("error: {}: {err}", path.display());
                std::process::exit(1)
            });
            &owned
        }
        None => ner::shipped().unwrap_or_else(|err| {
            eprintln!("error: the shipped model: {err}");
            std::process::exit(1)
        }),
    };
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (ours, ours_speed) = timed(&valid_docs, repeat, |d| model.tag_document(&d.sentences));

    let started = Instant::now();
    let memoriser = Memoriser::learn(&train_docs);
    let learn_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (memorised, memorised_speed) = timed(&valid_docs, repeat, |d| {
        d.sentences
            .iter()
            .map(|s| memoriser.tag_sentence(s))
            .collect()
    });
    let (rules, rules_speed) = timed(&valid_docs, repeat, |d| {
        d.sentences.iter().map(|s| rules_tags(s)).collect()
    });

    for (name, tags) in [
        ("ours", &ours),
        ("memorised", &memorised),
        ("rules", &rules),
    ] {
        write_predictions(&valid_text, tags, &out_dir.join(format!("{name}.txt")));
    }
    println!("tokens {tokens}");
    println!("speed ours {ours_speed:.0} (model loaded in {load_ms:.0} ms)");
    println!("speed memorised {memorised_speed:.0} (learnt in {learn_ms:.0} ms)");
    println!("speed rules {rules_speed:.0}");
}
