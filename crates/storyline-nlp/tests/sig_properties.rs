//! Properties of the similarity primitives: term analysis, content hashes, MinHash
//! signatures and sparse vectors, on arbitrary input.

use proptest::prelude::*;
use storyline_nlp::minhash::{LshIndex, Signature};
use storyline_nlp::terms::{analyze, content_hash};
use storyline_nlp::vector::SparseVector;

fn sparse() -> impl Strategy<Value = SparseVector> {
    prop::collection::vec((0u32..50, -5.0f32..5.0), 0..20).prop_map(SparseVector::from_weights)
}

proptest! {
    #[test]
    fn analyze_never_panics_and_yields_lowercase_stems(text in any::<String>(), lang in prop::option::of("[a-z]{2}")) {
        for term in analyze(&text, lang.as_deref()) {
            prop_assert!(!term.stem.is_empty());
            prop_assert_eq!(term.stem.to_lowercase(), term.stem.clone());
        }
    }

    #[test]
    fn content_hash_ignores_spacing_and_case(words in prop::collection::vec("[a-zA-Z0-9]{1,8}", 1..20), gap in "[ \n\t.,;-]{1,4}") {
        let plain = words.join(" ");
        let spaced = words.join(&gap).to_uppercase();
        prop_assert_eq!(content_hash(&plain), content_hash(&spaced));
    }

    #[test]
    fn signature_jaccard_is_symmetric_and_one_on_itself(a in "[a-z ]{0,200}", b in "[a-z ]{0,200}") {
        let (sa, sb) = (Signature::from_text(&a), Signature::from_text(&b));
        prop_assert_eq!(sa.jaccard(&sb), sb.jaccard(&sa));
        prop_assert!((0.0..=1.0).contains(&sa.jaccard(&sb)));
        if sa.shingle_count() > 0 {
            prop_assert_eq!(sa.jaccard(&sa), 1.0);
            let mut index = LshIndex::new();
            index.insert(7, &sa);
            prop_assert_eq!(index.candidates(&sa), vec![7]);
        }
    }

    #[test]
    fn cosine_is_bounded_and_symmetric(a in sparse(), b in sparse()) {
        let (ab, ba) = (a.cosine(&b), b.cosine(&a));
        prop_assert!((-1.0..=1.0).contains(&ab));
        prop_assert!((ab - ba).abs() < 1e-5);
        prop_assert!(a.entries().windows(2).all(|w| w[0].0 < w[1].0));
        if !a.is_empty() {
            prop_assert!((a.norm() - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn add_scaled_is_elementwise(a in sparse(), b in sparse(), scale in -3.0f32..3.0) {
        let mut sum = a.clone();
        sum.add_scaled(&b, scale);
        prop_assert!(sum.entries().windows(2).all(|w| w[0].0 < w[1].0));
        for term in 0..50 {
            let expected = a.get(term) + scale * b.get(term);
            prop_assert!((sum.get(term) - expected).abs() < 1e-5);
        }
    }
}
