//! Property tests: the text functions never panic on arbitrary input and every offset they
//! return is a char boundary that points at the text it claims.

use proptest::prelude::*;
use storyline_nlp::entities::{group_mentions, mentions};
use storyline_nlp::facts::{
    FactText, contains_number, contains_verbatim, numbers, past_references, quoted_spans,
};
use storyline_nlp::language::detect_language;
use storyline_nlp::sentences::split_sentences;

/// Arbitrary strings biased towards the characters the parsers care about.
fn newsy_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("Mr. ".to_string()),
                Just("U.S. ".to_string()),
                Just("Li Qiang".to_string()),
                Just(", the group, ".to_string()),
                Just("\"".to_string()),
                Just("“".to_string()),
                Just("”".to_string()),
                Just("'s ".to_string()),
                Just("1,200.5 ".to_string()),
                Just("。".to_string()),
                Just("… ".to_string()),
                Just("\n".to_string()),
                Just("in March 2019 ".to_string()),
                Just("President ".to_string()),
                Just("é".to_string()),
                Just("-".to_string()),
                Just(". ".to_string()),
                "[A-Za-z0-9 ,.'’?!]{0,12}".prop_map(|s| s),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #[test]
    fn sentences_point_at_their_text(text in newsy_text()) {
        for span in split_sentences(&text) {
            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            prop_assert_eq!(&text[span.start..span.end], span.text.as_str());
            prop_assert!(!span.text.trim().is_empty());
        }
    }

    #[test]
    fn mentions_point_at_their_surface(text in newsy_text()) {
        let found = mentions(&text);
        for m in &found {
            prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            prop_assert_eq!(&text[m.start..m.end], m.surface.as_str());
        }
        let groups = group_mentions(&[found.clone(), found]);
        for group in groups {
            prop_assert!(!group.id.is_empty());
        }
    }

    #[test]
    fn facts_never_panic(text in newsy_text(), other in newsy_text()) {
        let _ = quoted_spans(&text);
        for number in numbers(&text) {
            prop_assert!(contains_number(&text, &number), "{} not found again in {:?}", number, text);
        }
        for quote in quoted_spans(&text) {
            prop_assert!(contains_verbatim(&text, &quote), "{:?} not found again in {:?}", quote, text);
        }
        let _ = contains_verbatim(&text, &other);
        let _ = contains_number(&text, &other);
        // A text prepared once answers as the one-off lookups do.
        let prepared = FactText::new(&text);
        for probe in quoted_spans(&other).iter().chain(numbers(&other).iter()).chain([&other]) {
            prop_assert_eq!(prepared.contains_verbatim(probe), contains_verbatim(&text, probe));
            prop_assert_eq!(prepared.contains_number(probe), contains_number(&text, probe));
        }
        for reference in past_references(&text) {
            prop_assert!(text.contains(&reference.phrase));
        }
        let _ = detect_language(&text);
    }
}
