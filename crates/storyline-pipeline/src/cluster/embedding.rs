//! The clusterer's sentence embeddings: which articles get one, and the process's embedder.
//!
//! Only articles shorter than a full text are embedded (fewer distinct words in their
//! headline and lead than [`ClusterConfig::long_terms`]): the embedding's weight in a
//! similarity falls to 0 at full-text length ([`ClusterConfig::embedding_weight`]), and an
//! embedding costs what about 150 headlines a second on one core allow, so full texts, which
//! gain nothing, cost nothing.
//!
//! Invariants: an article's embedding is its headline's alone, so it does not depend on the
//! batch or on the order articles arrive in; a failed batch leaves its articles without
//! embeddings (they cluster by their terms) and is reported once, never stopping a run.

use super::ClusterConfig;
use super::features::lead_text;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;
use storyline_embed::Embedder;
use storyline_model::{Article, ArticleId};

/// Headlines embedded per batch: texts of similar length, so padding costs little.
const EMBED_BATCH: usize = 32;

/// The model directory [`shared_embedder`] loads, as the process's configuration gives it
/// ([`set_embed_model`]).
static EMBED_MODEL: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Names the sentence-embedding model the process clusters with (a model directory, as
/// `scripts/setup-models.sh` prints it; `None`: no embeddings). Set once, at start-up,
/// before anything clusters; returns false, changing nothing, when it was set already or a
/// clustering has already asked for the embedder.
pub fn set_embed_model(dir: Option<PathBuf>) -> bool {
    EMBED_MODEL.set(dir).is_ok()
}

/// The embedder of the model [`set_embed_model`] named, loaded once per process; `None`
/// when none was named, or the model does not load (said once, as a warning: clustering
/// then goes by terms).
pub fn shared_embedder() -> Option<&'static Embedder> {
    static EMBEDDER: OnceLock<Option<Embedder>> = OnceLock::new();
    EMBEDDER
        .get_or_init(|| {
            let dir = EMBED_MODEL.get_or_init(|| None).as_ref()?;
            match Embedder::load(dir) {
                Ok(embedder) => Some(embedder),
                Err(error) => {
                    tracing::warn!("{error}; clustering without embeddings");
                    None
                }
            }
        })
        .as_ref()
}

/// True when `article` is shorter than a full text: its headline and lead hold fewer
/// distinct words than `config.long_terms`.
pub(super) fn wants_embedding(config: &ClusterConfig, article: &Article) -> bool {
    if article.duplicate_of.is_some() || article.headline.trim().is_empty() {
        return false;
    }
    if config.embedding_long_weight > 0.0 {
        return true;
    }
    let lead = lead_text(
        &article.article_body,
        config.lead_paragraphs,
        config.lead_words,
    );
    let words: BTreeSet<String> = article
        .headline
        .split_whitespace()
        .chain(lead.split_whitespace())
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|word| word.chars().count() > 2)
        .collect();
    words.len() < config.long_terms
}

/// The headline embeddings of the `articles` that want one, by id, from the process's
/// embedder ([`shared_embedder`]); none without it. For callers that assign articles
/// themselves ([`super::Clusterer::assign_embedded`]), as `storyline cluster` does.
pub fn headline_embeddings(
    config: &ClusterConfig,
    articles: &[Article],
) -> HashMap<ArticleId, Vec<f32>> {
    shared_embedder()
        .map(|embedder| embed_headlines(embedder, config, articles))
        .unwrap_or_default()
}

/// The headline embeddings of the `articles` that want one, by id. A batch the embedder
/// fails on is skipped with a warning.
pub(super) fn embed_headlines<'a>(
    embedder: &Embedder,
    config: &ClusterConfig,
    articles: impl IntoIterator<Item = &'a Article>,
) -> HashMap<ArticleId, Vec<f32>> {
    let mut wanted: Vec<&Article> = articles
        .into_iter()
        .filter(|article| wants_embedding(config, article))
        .collect();
    wanted.sort_by_key(|article| (article.headline.len(), article.id.clone()));
    let mut embeddings = HashMap::new();
    for batch in wanted.chunks(EMBED_BATCH) {
        let headlines: Vec<&str> = batch.iter().map(|a| a.headline.as_str()).collect();
        match embedder.embed(&headlines) {
            Ok(vectors) => {
                for (article, vector) in batch.iter().zip(vectors) {
                    embeddings.insert(article.id.clone(), vector);
                }
            }
            Err(error) => tracing::warn!(
                "{error}: {} articles from {} cluster without embeddings",
                batch.len(),
                batch[0].id
            ),
        }
    }
    embeddings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_and_summaries_want_an_embedding_and_full_texts_do_not() {
        let config = ClusterConfig::default();
        let headline = crate::test_support::article(
            "https://news.example/a",
            "Wire",
            "Port strike halts Kelmouth ferries",
            "",
        );
        assert!(wants_embedding(&config, &headline));
        let body: String = (0..60).map(|i| format!("word{i} ")).collect();
        let full = crate::test_support::article("https://news.example/b", "Wire", "Strike", &body);
        assert!(!wants_embedding(&config, &full));
        let copy = Article {
            duplicate_of: Some(headline.id.clone()),
            ..headline.clone()
        };
        assert!(!wants_embedding(&config, &copy));
    }
}
