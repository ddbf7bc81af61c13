//! The shipped named-entity model on sentences written for these tests (invented names,
//! mixed case and ALL-CAPS headlines): it loads, finds the names a reader would, with the
//! right kinds and offsets, and refuses a damaged copy of itself.

use storyline_nlp::ner::{self, Kind, Model};

/// Checks that every `(name, kind)` in `expected` is found in `text`, exactly, with offsets
/// that point at it, and that nothing in `absent` is taken for a name.
fn check(text: &str, expected: &[(&str, Kind)], absent: &[&str]) {
    let model = ner::shipped().expect("the shipped model loads");
    let found = model.entities(text);
    for entity in &found {
        assert_eq!(&text[entity.start..entity.end], entity.text);
    }
    for (name, kind) in expected {
        assert!(
            found.iter().any(|e| e.text == *name && e.kind == *kind),
            "{name} ({kind}) not found in {text:?}; found {found:?}"
        );
    }
    for word in absent {
        assert!(
            found.iter().all(|e| !e.text.contains(word)),
            "{word} taken for a name in {found:?}"
        );
    }
}

#[test]
fn the_shipped_model_loads() {
    let model = ner::shipped().expect("loads");
    assert!(model.feature_count() > 10_000);
    assert!(model.gazetteer_len() > 1_000);
}

#[test]
fn people_places_and_organisations_in_mixed_case() {
    check(
        "Mira Kovalik, the prime minister of Zorbland, met NATO officials in Brussels on \
         Tuesday. The U.S. ambassador, Mr. John Dawson, said the European Union's plan was \
         \"a good start\".",
        &[
            ("Mira Kovalik", Kind::Person),
            ("NATO", Kind::Organisation),
            ("Brussels", Kind::Place),
            ("U.S.", Kind::Place),
            ("John Dawson", Kind::Person),
            ("European Union", Kind::Organisation),
        ],
        &["Tuesday", "ambassador", "The"],
    );
}

#[test]
fn companies_are_organisations() {
    check(
        "Shares of Zentrix Corp rose 4 percent in New York on Monday after the company said \
         it would buy Brightwell Ltd for $2 billion.",
        &[
            ("Zentrix Corp", Kind::Organisation),
            ("New York", Kind::Place),
            ("Brightwell Ltd", Kind::Organisation),
        ],
        &["Shares", "Monday"],
    );
}

#[test]
fn nationalities_are_other_names() {
    check(
        "The German striker scored twice as the French side lost in the Champions League.",
        &[("German", Kind::Other), ("French", Kind::Other)],
        &["striker"],
    );
}

#[test]
fn an_all_caps_headline_does_not_make_every_word_a_name() {
    check(
        "POLAND BEAT ITALY 2-1 IN WARSAW",
        &[
            ("POLAND", Kind::Place),
            ("ITALY", Kind::Place),
            ("WARSAW", Kind::Place),
        ],
        &["BEAT", "IN"],
    );
}

#[test]
fn a_headline_learns_from_the_text_below_it() {
    check(
        "KOVALIK WINS ELECTION IN ZORBLAND\n\nMira Kovalik won the presidential election in \
         Zorbland on Sunday, beating Tomas Brennick of the Green Alliance.",
        &[
            ("KOVALIK", Kind::Person),
            ("ZORBLAND", Kind::Place),
            ("Mira Kovalik", Kind::Person),
            ("Tomas Brennick", Kind::Person),
            ("Green Alliance", Kind::Organisation),
        ],
        &["WINS", "ELECTION", "Sunday"],
    );
}

#[test]
fn conll_tokens_get_iob2_tags() {
    let model = ner::shipped().expect("loads");
    let sentences = vec![vec![
        "Anna", "Petrova", "flew", "from", "Oslo", "to", "Madrid", ".",
    ]];
    let tags = model.tag_document(&sentences);
    let iob2: Vec<&str> = tags[0].iter().map(|t| t.iob2()).collect();
    assert_eq!(
        iob2,
        ["B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-LOC", "O"]
    );
}

#[test]
fn a_damaged_model_file_is_refused_in_one_line() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/ner-conll2003.bin");
    let mut bytes = std::fs::read(path).expect("the model file is in the repository");
    assert!(Model::from_bytes(&bytes).is_ok());
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let err = Model::from_bytes(&bytes).expect_err("damaged");
    assert_eq!(
        err.to_string(),
        "entity model is corrupt: checksum mismatch"
    );
    let err = Model::from_bytes(&bytes[..100]).expect_err("cut short");
    assert!(!err.to_string().contains('\n'));
}
