//! The embedder against the real all-MiniLM-L6-v2 weights that `scripts/setup-models.sh`
//! installs and names in `STORYLINE_EMBED_MODEL` (the model directory).
//!
//! Without that variable the model tests print a skip line and pass, unless
//! `STORYLINE_REQUIRE_MODELS=1` (CI), where they fail. The load-error tests need no model.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use storyline_embed::{DIMENSIONS, EmbedError, Embedder, cosine};

/// The model directory, or `None` (after a skip line) when it is not configured and not
/// required.
fn model_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("STORYLINE_EMBED_MODEL") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            assert!(
                std::env::var("STORYLINE_REQUIRE_MODELS").as_deref() != Ok("1"),
                "{test}: STORYLINE_REQUIRE_MODELS=1 but STORYLINE_EMBED_MODEL is not set (run scripts/setup-models.sh)"
            );
            eprintln!(
                "skipped {test}: STORYLINE_EMBED_MODEL is not set (run scripts/setup-models.sh)"
            );
            None
        }
    }
}

/// One embedder shared by the tests of this binary.
fn shared(test: &str) -> Option<&'static Embedder> {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    let dir = model_dir(test)?;
    Some(EMBEDDER.get_or_init(|| Embedder::load(&dir).expect("the model loads")))
}

#[test]
fn embeddings_have_unit_length_and_the_right_size() {
    let Some(embedder) = shared("embeddings_have_unit_length_and_the_right_size") else {
        return;
    };
    let vectors = embedder
        .embed(&["Floodwater breached the levee at Brennford.", ""])
        .unwrap();
    assert_eq!(vectors.len(), 2);
    for vector in &vectors {
        assert_eq!(vector.len(), DIMENSIONS);
        let length: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((length - 1.0).abs() < 1e-4, "{length}");
        assert!(vector.iter().all(|x| x.is_finite()));
    }
    assert!(embedder.embed(&[]).unwrap().is_empty());
}

#[test]
fn one_event_told_two_ways_is_closer_than_another_event() {
    let Some(embedder) = shared("one_event_told_two_ways_is_closer_than_another_event") else {
        return;
    };
    let texts = [
        "Ferry workers strike at the port of Kelmouth, halting sailings to the islands",
        "Sailings to the islands cancelled as Kelmouth ferry crews walk out",
        "Central bank raises interest rates by a quarter point to curb inflation",
    ];
    let vectors = embedder.embed(&texts).unwrap();
    let same = cosine(&vectors[0], &vectors[1]);
    let other = cosine(&vectors[0], &vectors[2]);
    assert!(
        same > 0.5 && other < 0.3 && same > other + 0.3,
        "{same} {other}"
    );
}

#[test]
fn a_text_embeds_the_same_alone_or_in_a_batch() {
    let Some(embedder) = shared("a_text_embeds_the_same_alone_or_in_a_batch") else {
        return;
    };
    let short = "Dam breach floods the Ardley valley";
    let long = "The Kelmouth dam breached on Tuesday morning, flooding the Ardley valley and \
                forcing 1,400 residents from their homes; engineers said water had been seeping \
                through the eastern wall since Sunday.";
    let alone = embedder.embed(&[short]).unwrap();
    let batched = embedder.embed(&[long, short]).unwrap();
    assert!(cosine(&alone[0], &batched[1]) > 0.9999);
    // A text far over the token limit is cut, not refused.
    let huge = "flood ".repeat(2_000);
    assert_eq!(
        embedder.embed(&[huge.as_str()]).unwrap()[0].len(),
        DIMENSIONS
    );
}

#[test]
fn a_missing_or_broken_model_is_named() {
    let missing = Embedder::load(Path::new("/nonexistent/minilm")).unwrap_err();
    assert!(matches!(missing, EmbedError::Load { .. }));
    assert!(
        missing
            .to_string()
            .contains("/nonexistent/minilm/config.json"),
        "{missing}"
    );
    let dir = std::env::temp_dir().join(format!("storyline-embed-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), "{ not json").unwrap();
    let broken = Embedder::load(&dir).unwrap_err();
    assert!(broken.to_string().contains("config.json"), "{broken}");
    std::fs::remove_dir_all(&dir).ok();
}
