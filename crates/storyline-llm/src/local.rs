//! [`LlamaChat`]: a GGUF model run in-process with llama.cpp (through the `llama-cpp-2`
//! bindings), behind the crate's [`ChatModel`] trait.
//!
//! One call: the messages go through the chat template embedded in the GGUF (ChatML for
//! SmolLM2), llama.cpp's own tokenizer turns the prompt into tokens, a fresh context sized to
//! the call decodes the prompt in batches of at most `max_batch` tokens, then tokens are
//! sampled one by one until an end-of-generation token or `max_tokens`. Temperature 0 is
//! greedy; any other temperature samples with the configured seed, so the same request gives
//! the same answer. A [`ResponseFormat::Json`] request is constrained by a GBNF grammar made
//! from its JSON Schema by llama.cpp's converter (a generic JSON-object grammar where the
//! converter refuses the schema); the grammar checks the token the model picked and masks
//! the whole vocabulary only when it rejects that token.
//!
//! Invariants:
//! - the llama.cpp backend is initialised once per process (a static) and never freed; its
//!   log output is silenced unless the first [`LlamaSettings`] loaded asked for it;
//! - one generation at a time per [`LlamaChat`] (a mutex): the machine has few cores and
//!   llama.cpp's context creation touches the shared model;
//! - nothing here panics on bad input: a missing or non-GGUF file, a prompt over the context
//!   and a grammar dead end are [`LlmError`]s naming the model file.

use crate::{ChatModel, ChatRequest, ChatResponse, LlmError, ResponseFormat};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llama_cpp_2::{LogOptions, SamplerAcceptError, json_schema_to_grammar, send_logs_to_tracing};
use std::fs::File;
use std::io::Read;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Default context window: enough for a brief prompt with a dozen passages and its answer,
/// small enough that the KV cache of a small model stays in the tens of megabytes.
pub const DEFAULT_CONTEXT_TOKENS: u32 = 4096;
/// Default prompt batch: llama.cpp's own default, a good size for CPU matrix kernels.
pub const DEFAULT_MAX_BATCH: u32 = 512;
/// Default sampling seed (any fixed value keeps sampled answers repeatable; `u32::MAX` asks
/// llama.cpp for a random one).
pub const DEFAULT_SEED: u32 = 42;
/// Default CPU threads; see [`LlamaSettings::threads`].
pub const DEFAULT_THREADS: usize = 1;

/// The first bytes of every GGUF file.
const GGUF_MAGIC: &[u8; 4] = b"GGUF";
/// Contexts are sized in steps of this many tokens (llama.cpp pads the KV cache to 256).
const CONTEXT_STEP: u32 = 256;
/// Grammar used when llama.cpp's converter cannot turn the request's schema into a grammar:
/// any JSON object, with bounded runs of whitespace so a small model cannot pad forever.
const ANY_JSON_OBJECT_GRAMMAR: &str = r#"
root    ::= object
object  ::= "{" gap ( member ( "," gap member )* )? "}"
member  ::= string gap ":" gap value gap
value   ::= object | array | string | number | "true" | "false" | "null"
array   ::= "[" gap ( value gap ( "," gap value gap )* )? "]"
string  ::= "\"" ( plain | escape )* "\""
plain   ::= [^"\\\x00-\x1F\x7F]
escape  ::= "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )
number  ::= "-"? ( "0" | [1-9] [0-9]{0,17} ) ( "." [0-9]{1,17} )? ( [eE] [-+]? [0-9]{1,3} )?
gap     ::= [ \t\n]{0,8}
"#;

/// How to load and run a GGUF model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlamaSettings {
    /// The `.gguf` file.
    pub model_path: PathBuf,
    /// Context window in tokens (prompt plus answer); capped at the model's trained context.
    pub context_tokens: u32,
    /// CPU threads for prompt processing and generation. Defaults to 1: the engine runs
    /// beside fetching, clustering and builds on small (2-core) machines, where a second
    /// llama.cpp thread waits on busy cores; measured there, 2 threads were slower at both
    /// prompt processing (83-107 against 136-142 tokens/s) and generation (11-32 against
    /// 53-57 tokens/s). Raise it on a machine with idle cores.
    pub threads: usize,
    /// Most prompt tokens decoded in one batch.
    pub max_batch: u32,
    /// Seed for sampling at temperature above 0.
    pub seed: u32,
    /// Forward llama.cpp's own log lines to `tracing` (target `llama-cpp-2`) instead of
    /// dropping them. Process-wide: the first model loaded decides.
    pub engine_logs: bool,
}

impl LlamaSettings {
    /// Settings with the defaults above for the model at `model_path`.
    pub fn new(model_path: impl Into<PathBuf>) -> Self {
        LlamaSettings {
            model_path: model_path.into(),
            context_tokens: DEFAULT_CONTEXT_TOKENS,
            threads: DEFAULT_THREADS,
            max_batch: DEFAULT_MAX_BATCH,
            seed: DEFAULT_SEED,
            engine_logs: false,
        }
    }
}

/// A GGUF chat model run in-process. `Send + Sync`, so one loaded model serves every caller
/// (behind an `Arc`); calls run one at a time.
pub struct LlamaChat {
    model: LlamaModel,
    template: LlamaChatTemplate,
    /// The model file's path, as errors name it.
    target: String,
    model_name: String,
    context_tokens: u32,
    threads: i32,
    max_batch: u32,
    seed: u32,
    /// Held for a whole generation: one context, one set of threads at a time.
    generation: Mutex<()>,
}

impl std::fmt::Debug for LlamaChat {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LlamaChat")
            .field("model", &self.target)
            .field("context_tokens", &self.context_tokens)
            .field("threads", &self.threads)
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

impl LlamaChat {
    /// Loads the model. Fails with [`LlmError::Config`] naming the path when the file is
    /// missing, is not GGUF, llama.cpp cannot load it, its chat template is not one llama.cpp
    /// can apply, or a setting is out of range.
    pub fn load(settings: LlamaSettings) -> Result<Self, LlmError> {
        let path = settings.model_path.as_path();
        let target = path.display().to_string();
        let config = |cause: String| LlmError::Config {
            target: target.clone(),
            cause,
        };

        let threads = i32::try_from(settings.threads)
            .ok()
            .filter(|threads| *threads > 0)
            .ok_or_else(|| {
                config(format!(
                    "threads must be 1 or more, not {}",
                    settings.threads
                ))
            })?;
        if settings.max_batch == 0 {
            return Err(config("max_batch must be 1 or more".into()));
        }
        if settings.context_tokens < CONTEXT_STEP {
            return Err(config(format!(
                "context_tokens must be at least {CONTEXT_STEP}, not {}",
                settings.context_tokens
            )));
        }
        check_gguf_magic(path).map_err(config)?;

        let backend = backend(settings.engine_logs).map_err(config)?;
        let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
            .map_err(|error| {
                config(format!(
                    "llama.cpp could not load the model ({error}): the GGUF is damaged or its architecture is not supported"
                ))
            })?;

        let template = chat_template(&model).map_err(config)?;
        let context_tokens = settings
            .context_tokens
            .min(model.n_ctx_train().max(CONTEXT_STEP));
        let model_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| target.clone());

        Ok(LlamaChat {
            model,
            template,
            target,
            model_name,
            context_tokens,
            threads,
            // A batch never needs to hold more than the whole context.
            max_batch: settings.max_batch.min(context_tokens),
            seed: settings.seed,
            generation: Mutex::new(()),
        })
    }

    fn bad_answer(&self, cause: String) -> LlmError {
        LlmError::BadAnswer {
            target: self.target.clone(),
            cause,
        }
    }

    /// The prompt as the model sees it: the messages through the embedded chat template,
    /// ending with the opening of the assistant's turn.
    fn render_prompt(&self, request: &ChatRequest) -> Result<String, LlmError> {
        let messages = request
            .messages
            .iter()
            .map(|message| {
                // A NUL byte cannot cross into C; it carries no meaning in a prompt anyway.
                LlamaChatMessage::new(
                    message.role.as_str().to_owned(),
                    message.content.replace('\0', ""),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| self.bad_answer(format!("message not usable as a prompt: {error}")))?;
        self.model
            .apply_chat_template(&self.template, &messages, true)
            .map_err(|error| self.bad_answer(format!("chat template failed: {error}")))
    }

    /// The prompt's tokens; a beginning-of-sequence token is added only where the model
    /// wants one and the template did not already write it.
    fn tokenize_prompt(&self, prompt: &str) -> Vec<LlamaToken> {
        let vocab = self.model.vocab();
        let template_wrote_bos = vocab
            .text(vocab.bos())
            .and_then(|bos| bos.to_str().ok())
            .is_some_and(|bos| !bos.is_empty() && prompt.starts_with(bos));
        let add_bos = vocab.should_add_bos() && !template_wrote_bos;
        vocab.tokenize(prompt.as_bytes(), add_bos, true)
    }

    /// How tokens are picked for one request: greedy or seeded sampling, constrained by a
    /// grammar for JSON answers.
    fn token_picker(&self, request: &ChatRequest) -> Result<TokenPicker, LlmError> {
        let grammar = match &request.response_format {
            ResponseFormat::Text => None,
            ResponseFormat::Json { schema, .. } => {
                let grammar = grammar_for_schema(schema);
                let sampler = LlamaSampler::grammar(&self.model, &grammar, "root")
                    .or_else(|_| {
                        LlamaSampler::grammar(&self.model, ANY_JSON_OBJECT_GRAMMAR, "root")
                    })
                    .map_err(|error| {
                        self.bad_answer(format!("no JSON grammar could be built: {error}"))
                    })?;
                Some(sampler)
            }
        };
        let choose = if request.temperature > 0.0 {
            // llama.cpp's usual defaults: they keep a small model out of the long tail.
            LlamaSampler::chain(
                [
                    LlamaSampler::top_k(40),
                    LlamaSampler::top_p(0.95, 1),
                    LlamaSampler::min_p(0.05, 1),
                    LlamaSampler::temp(request.temperature),
                    LlamaSampler::dist(self.seed),
                ],
                true,
            )
        } else {
            LlamaSampler::greedy()
        };
        Ok(TokenPicker { grammar, choose })
    }

    /// A fresh context for a call that needs `needed_tokens`, sized to the call. Measured
    /// with SmolLM2-135M on 2 cores: 6-16 ms for 512 tokens, 40-60 ms for 4096, against about
    /// 9 ms to clear a kept 4096-token context; either is a few percent of the shortest call
    /// (about 0.5 s), and a kept context would have to borrow the model from its own struct.
    fn new_context(&self, needed_tokens: u32) -> Result<LlamaContext<'_>, LlmError> {
        let size = needed_tokens
            .div_ceil(CONTEXT_STEP)
            .saturating_mul(CONTEXT_STEP)
            .min(self.context_tokens);
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(size))
            .with_n_batch(self.max_batch)
            .with_n_ubatch(self.max_batch)
            .with_n_threads(self.threads)
            .with_n_threads_batch(self.threads);
        let backend = backend(false).map_err(|cause| self.bad_answer(cause))?;
        self.model
            .new_context(backend, params)
            .map_err(|error| LlmError::Unavailable {
                target: self.target.clone(),
                cause: format!("llama.cpp could not create a {size}-token context: {error}"),
            })
    }

    /// Decodes the prompt in batches; the last token's logits are left for the first sample.
    fn decode_prompt(
        &self,
        context: &mut LlamaContext<'_>,
        batch: &mut LlamaBatch<'_>,
        prompt: &[LlamaToken],
    ) -> Result<(), LlmError> {
        let chunk_size = usize::try_from(self.max_batch).unwrap_or(usize::MAX);
        let last = prompt.len().saturating_sub(1);
        for (chunk_index, chunk) in prompt.chunks(chunk_size).enumerate() {
            batch.clear();
            for (offset, token) in chunk.iter().enumerate() {
                let index = chunk_index * chunk_size + offset;
                let position = i32::try_from(index)
                    .map_err(|_| self.bad_answer("prompt position out of range".into()))?;
                batch
                    .add(*token, position, &[0], index == last)
                    .map_err(|error| self.bad_answer(format!("prompt batch: {error}")))?;
            }
            context
                .decode(batch)
                .map_err(|error| self.bad_answer(format!("prompt decoding failed: {error}")))?;
        }
        Ok(())
    }
}

impl ChatModel for LlamaChat {
    fn model_name(&self) -> String {
        self.model_name.clone()
    }

    fn context_tokens(&self) -> u32 {
        self.context_tokens
    }

    fn count_tokens(&self, text: &str) -> u32 {
        // llama.cpp counts in i32; a text near that size is far past any context anyway.
        if text.len() >= i32::MAX as usize / 2 {
            return u32::MAX;
        }
        let tokens = self.model.vocab().tokenize(text.as_bytes(), false, false);
        u32::try_from(tokens.len()).unwrap_or(u32::MAX)
    }

    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        // A panic in an earlier call cannot leave the unit value in a bad state.
        let _one_at_a_time = self
            .generation
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());

        if request.max_tokens == 0 {
            return Err(self.bad_answer("max_tokens must be 1 or more".into()));
        }
        let prompt = self.render_prompt(request)?;
        // llama.cpp's tokenizer takes an i32 length; a prompt that large fits no context.
        if prompt.len() >= i32::MAX as usize / 2 {
            return Err(self.bad_answer(format!(
                "prompt of {} bytes does not fit the {}-token context",
                prompt.len(),
                self.context_tokens
            )));
        }
        let prompt_tokens = self.tokenize_prompt(&prompt);
        if prompt_tokens.is_empty() {
            return Err(self.bad_answer("the chat template produced an empty prompt".into()));
        }
        let prompt_count = u32::try_from(prompt_tokens.len()).unwrap_or(u32::MAX);
        let needed = prompt_count.saturating_add(request.max_tokens);
        if needed > self.context_tokens {
            return Err(self.bad_answer(format!(
                "prompt of {prompt_count} tokens plus up to {} answer tokens does not fit the {}-token context",
                request.max_tokens, self.context_tokens
            )));
        }

        let mut picker = self.token_picker(request)?;
        let mut context = self.new_context(needed)?;
        let batch_capacity = usize::try_from(self.max_batch).unwrap_or(usize::MAX);
        let mut batch = LlamaBatch::new(batch_capacity, 1);
        self.decode_prompt(&mut context, &mut batch, &prompt_tokens)?;

        let vocab = self.model.vocab();
        let mut answer_bytes = Vec::new();
        let mut completion_count = 0u32;
        let mut position = i32::try_from(prompt_tokens.len())
            .map_err(|_| self.bad_answer("prompt position out of range".into()))?;
        // The logits to sample from: the prompt's last token, then each generated token.
        let mut logits_index = batch.n_tokens() - 1;
        loop {
            let token = picker
                .pick(&context, logits_index)
                .ok_or_else(|| self.bad_answer("the sampler selected no token".into()))?;
            if vocab.is_eog(token) {
                break;
            }
            picker.accept(token).map_err(|error| {
                self.bad_answer(format!(
                    "the output grammar reached a dead end after {completion_count} tokens: {error}"
                ))
            })?;
            completion_count += 1;
            vocab.token_to_piece_into(token, &mut answer_bytes, false, None);
            if completion_count >= request.max_tokens {
                break;
            }
            batch.clear();
            batch
                .add(token, position, &[0], true)
                .map_err(|error| self.bad_answer(format!("generation batch: {error}")))?;
            position += 1;
            context
                .decode(&mut batch)
                .map_err(|error| self.bad_answer(format!("generation failed: {error}")))?;
            logits_index = 0;
        }

        Ok(ChatResponse {
            text: String::from_utf8_lossy(&answer_bytes).into_owned(),
            model: self.model_name.clone(),
            prompt_tokens: prompt_count,
            completion_tokens: completion_count,
            elapsed: started.elapsed(),
        })
    }
}

/// Picks each next token. With a grammar, the token is first chosen from the raw logits and
/// only checked against the grammar; the grammar runs over the whole vocabulary only when it
/// rejects that token. Checking one token is much cheaper than masking ~49k, and a model
/// that follows the format needs the full pass rarely.
struct TokenPicker {
    grammar: Option<LlamaSampler>,
    /// Greedy, or the seeded sampling chain.
    choose: LlamaSampler,
}

impl TokenPicker {
    /// The next token from the logits at `logits_index`, or `None` if nothing was selected.
    /// Works on copies of the logits, so that llama.cpp's C++ exceptions (a grammar that can
    /// accept nothing) stay inside the error shim of [`TokenPicker::accept`].
    fn pick(&mut self, context: &LlamaContext<'_>, logits_index: i32) -> Option<LlamaToken> {
        let mut candidates = context.token_data_array_ith(logits_index);
        candidates.apply_sampler(&mut self.choose);
        let chosen = *candidates.data.get(candidates.selected?)?;
        let Some(grammar) = self.grammar.as_mut() else {
            return Some(chosen.id());
        };
        let mut probe = LlamaTokenDataArray::new(vec![chosen], false);
        probe.apply_sampler(grammar);
        if probe
            .data
            .first()
            .is_some_and(|data| data.logit().is_finite())
        {
            return Some(chosen.id());
        }
        let mut candidates = context.token_data_array_ith(logits_index);
        candidates.apply_sampler(grammar);
        candidates.apply_sampler(&mut self.choose);
        candidates.selected_token()
    }

    /// Advances the grammar past `token`; fails when the grammar cannot accept it.
    fn accept(&mut self, token: LlamaToken) -> Result<(), SamplerAcceptError> {
        match self.grammar.as_mut() {
            Some(grammar) => grammar.try_accept(token),
            None => Ok(()),
        }
    }
}

/// The process's llama.cpp backend, initialised on first use. llama.cpp may be initialised
/// only once per process, so it lives in a static and is never freed.
fn backend(engine_logs: bool) -> Result<&'static LlamaBackend, String> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            // Before initialising, so that even the start-up lines are routed.
            send_logs_to_tracing(LogOptions::default().with_logs_enabled(engine_logs));
            LlamaBackend::init()
                .map_err(|error| format!("llama.cpp backend failed to start: {error}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks that `path` is a readable file that starts with the GGUF magic, so that a wrong
/// path gets a clear message rather than llama.cpp's generic load failure.
fn check_gguf_magic(path: &Path) -> Result<(), String> {
    let mut file = File::open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => "model file not found".to_owned(),
        _ => format!("model file cannot be opened: {error}"),
    })?;
    if file.metadata().is_ok_and(|metadata| metadata.is_dir()) {
        return Err("model path is a directory, not a GGUF file".into());
    }
    let mut magic = [0u8; 4];
    match file.read_exact(&mut magic) {
        Ok(()) if &magic == GGUF_MAGIC => Ok(()),
        Ok(()) | Err(_) => Err("not a GGUF model file (it does not start with \"GGUF\")".into()),
    }
}

/// The chat template embedded in the GGUF, checked by applying it once. Models without one
/// get ChatML, the most common format among small instruct models.
fn chat_template(model: &LlamaModel) -> Result<LlamaChatTemplate, String> {
    let template = match model.chat_template(None) {
        Ok(template) => template,
        Err(_) => LlamaChatTemplate::new("chatml")
            .map_err(|error| format!("chat template not usable: {error}"))?,
    };
    let probe = LlamaChatMessage::new("user".into(), "hello".into())
        .map_err(|error| format!("chat template not usable: {error}"))?;
    model
        .apply_chat_template(&template, &[probe], true)
        .map_err(|error| {
            format!("the model's chat template is not one llama.cpp can apply ({error})")
        })?;
    Ok(template)
}

/// A GBNF grammar for answers that follow `schema`: llama.cpp's converter (it handles
/// objects with required properties, arrays with `maxItems`, strings, integers, enums),
/// or any JSON object where the converter refuses the schema.
fn grammar_for_schema(schema: &serde_json::Value) -> String {
    let schema_text = schema.to_string();
    match json_schema_to_grammar(&schema_text) {
        Ok(grammar) if !schema.is_null() => grammar,
        _ => ANY_JSON_OBJECT_GRAMMAR.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_becomes_a_grammar_that_names_its_properties() {
        let grammar = grammar_for_schema(&json!({
            "type": "object",
            "properties": {
                "whats_happened": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                "count": {"type": "integer"}
            },
            "required": ["whats_happened", "count"]
        }));
        assert!(grammar.contains("root ::="), "{grammar}");
        assert!(grammar.contains("whats_happened"), "{grammar}");
    }

    #[test]
    fn unusable_schema_falls_back_to_any_json_object() {
        assert_eq!(
            grammar_for_schema(&serde_json::Value::Null),
            ANY_JSON_OBJECT_GRAMMAR
        );
        assert_eq!(
            grammar_for_schema(&json!({"$ref": "#/nowhere"})),
            ANY_JSON_OBJECT_GRAMMAR
        );
    }

    #[test]
    fn gguf_magic_is_checked() {
        let dir = std::env::temp_dir().join(format!("storyline-llm-magic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let short = dir.join("short.gguf");
        std::fs::write(&short, b"GG").expect("write");
        let good = dir.join("good.gguf");
        std::fs::write(&good, b"GGUF\x03\x00\x00\x00").expect("write");
        assert!(check_gguf_magic(&short).is_err());
        assert!(check_gguf_magic(&good).is_ok());
        assert_eq!(
            check_gguf_magic(&dir.join("absent.gguf")),
            Err("model file not found".to_owned())
        );
        assert!(check_gguf_magic(&dir).is_err());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
