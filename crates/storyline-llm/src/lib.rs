//! Language-model back ends behind one [`ChatModel`] trait: a chat request in, the model's
//! text out. The brief engines (`storyline-pipeline`'s model writer) build the prompt, parse
//! the answer and check every sentence; this crate only moves text to and from a model.
//!
//! Back ends: [`openai::OpenAiChat`], any OpenAI-compatible chat-completions endpoint (vLLM,
//! llama.cpp server, Ollama, hosted services); and, with the `local` feature,
//! `local::LlamaChat`, a GGUF model run in-process with llama.cpp.
//!
//! Invariants: a back end never panics on a bad answer or a dead server: every failure is an
//! [`LlmError`] whose message names the endpoint or model file and the cause, in one line;
//! calls are blocking (the pipeline is synchronous; callers that hold an async runtime run
//! them on a blocking thread).

pub mod openai;

#[cfg(feature = "local")]
pub mod local;

use std::time::Duration;
use thiserror::Error;

/// Who speaks in a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One message of a chat prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// What the caller wants back.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// Free text.
    Text,
    /// A JSON value that follows this JSON Schema. Back ends enforce it where they can
    /// (`response_format` of type `json_schema` or `json_object` on servers that support it,
    /// a grammar in llama.cpp); the caller still validates the answer.
    Json {
        name: String,
        schema: serde_json::Value,
    },
}

/// One chat-completion request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampling temperature; 0 asks for greedy, repeatable output.
    pub temperature: f32,
    pub response_format: ResponseFormat,
}

/// The model's answer and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub text: String,
    /// The model's name as the back end reports it (the server's `model` field, or the GGUF
    /// file's name).
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Wall-clock time of the call, retries and waits included.
    pub elapsed: Duration,
}

/// A language model that answers chat requests.
pub trait ChatModel: Send + Sync {
    /// A short name for logs and for the brief's `engine.model` (model id or file name).
    fn model_name(&self) -> String;
    /// The most tokens of prompt plus answer the model can take.
    fn context_tokens(&self) -> u32;
    /// Roughly how many tokens `text` is for this model (the prompt builder uses it to fit
    /// passages into the context window).
    fn count_tokens(&self, text: &str) -> u32;
    /// How many calls may run at once (1 for an in-process model).
    fn max_concurrency(&self) -> usize {
        1
    }
    /// Answers one request.
    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
}

/// A failed model call. Display is one line naming the endpoint or model and the cause.
#[derive(Debug, Error)]
pub enum LlmError {
    /// The model or endpoint is not usable at all (bad URL, missing file, bad settings):
    /// retrying will not help.
    #[error("{target}: {cause}")]
    Config { target: String, cause: String },
    /// The call failed after its retries (timeouts, refused connections, 5xx, 429).
    #[error("{target}: {cause}")]
    Unavailable { target: String, cause: String },
    /// The server answered, but not with a usable completion (malformed body, no choices,
    /// an error object, a refusal to follow the response format).
    #[error("{target}: {cause}")]
    BadAnswer { target: String, cause: String },
}

/// Rough token count for back ends without a tokenizer at hand: about four characters of
/// English a token, never less than one token a word.
pub fn estimate_tokens(text: &str) -> u32 {
    let chars = text.chars().count();
    let words = text.split_whitespace().count();
    u32::try_from((chars / 4).max(words)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_estimate_counts_words_and_characters() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("a b c d e"), 5);
        assert_eq!(estimate_tokens(&"x".repeat(400)), 100);
    }
}
