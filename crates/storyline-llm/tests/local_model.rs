//! The in-process llama.cpp back end (`local` feature) against a real GGUF model: the
//! SmolLM2-135M-Instruct weights that `scripts/setup-models.sh` installs and names in
//! `STORYLINE_LOCAL_MODEL`.
//!
//! Without that variable the model tests print a skip line and pass, unless
//! `STORYLINE_REQUIRE_MODELS=1` (CI), where they fail. The load-error tests need no model.
//! Run: `eval "export $(scripts/setup-models.sh | tr '\n' ' ')"` then
//! `cargo test -p storyline-llm --features local -- --nocapture`; for clean speed figures run
//! `local_model_speed` alone (`STORYLINE_LOCAL_THREADS` sets its thread count).
#![cfg(feature = "local")]

use serde_json::json;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use storyline_llm::local::{LlamaChat, LlamaSettings};
use storyline_llm::{ChatModel, ChatRequest, LlmError, Message, ResponseFormat};

/// The model file, or `None` (after a skip line) when it is not configured and not required.
fn model_path(test: &str) -> Option<PathBuf> {
    match std::env::var_os("STORYLINE_LOCAL_MODEL") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            assert!(
                std::env::var("STORYLINE_REQUIRE_MODELS").as_deref() != Ok("1"),
                "{test}: STORYLINE_REQUIRE_MODELS=1 but STORYLINE_LOCAL_MODEL is not set (run scripts/setup-models.sh)"
            );
            eprintln!(
                "skipped {test}: STORYLINE_LOCAL_MODEL is not set (run scripts/setup-models.sh)"
            );
            None
        }
    }
}

/// One model shared by the tests of this binary (its calls run one at a time anyway).
fn shared_model(test: &str) -> Option<&'static LlamaChat> {
    static MODEL: OnceLock<LlamaChat> = OnceLock::new();
    let path = model_path(test)?;
    Some(MODEL.get_or_init(|| {
        LlamaChat::load(LlamaSettings::new(path)).expect("the configured model loads")
    }))
}

fn request(messages: Vec<Message>, max_tokens: u32, temperature: f32) -> ChatRequest {
    ChatRequest {
        messages,
        max_tokens,
        temperature,
        response_format: ResponseFormat::Text,
    }
}

fn capital_question() -> Vec<Message> {
    vec![
        Message::system("You are a concise assistant."),
        Message::user("What is the capital of France? Answer in one sentence."),
    ]
}

#[test]
fn llama_chat_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LlamaChat>();
}

#[test]
fn plain_chat_answers_text_and_repeats_itself_at_temperature_zero() {
    let Some(model) = shared_model("plain_chat") else {
        return;
    };
    let greedy = request(capital_question(), 48, 0.0);
    let first = model.chat(&greedy).expect("first answer");
    let second = model.chat(&greedy).expect("second answer");
    eprintln!("plain answer: {:?}", first.text);

    assert!(!first.text.trim().is_empty(), "empty answer");
    assert!(
        !first.text.contains("<|im_end|>") && !first.text.contains("<|im_start|>"),
        "template tokens leaked into the answer: {:?}",
        first.text
    );
    assert_eq!(first.text, second.text, "greedy answers differ");
    assert_eq!(first.completion_tokens, second.completion_tokens);
    assert!(
        first.prompt_tokens > 10,
        "prompt tokens: {}",
        first.prompt_tokens
    );
    assert!(first.completion_tokens >= 1 && first.completion_tokens <= 48);
    assert!(first.elapsed > Duration::ZERO);
    assert_eq!(first.model, model.model_name());
    assert!(
        model.model_name().ends_with(".gguf"),
        "{}",
        model.model_name()
    );
}

#[test]
fn sampled_chat_repeats_itself_with_the_same_seed() {
    let Some(model) = shared_model("sampled_chat") else {
        return;
    };
    let sampled = request(
        vec![Message::user("Write one sentence about a harbour at dawn.")],
        32,
        0.9,
    );
    let first = model.chat(&sampled).expect("first answer");
    let second = model.chat(&sampled).expect("second answer");
    assert!(!first.text.trim().is_empty(), "empty answer");
    assert_eq!(first.text, second.text, "seeded answers differ");
}

#[test]
fn json_request_returns_json_with_the_required_keys() {
    let Some(model) = shared_model("json_request") else {
        return;
    };
    let schema = json!({
        "type": "object",
        "properties": {
            "whats_happened": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 3
            },
            "outlets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "says": {"type": "string"}
                    },
                    "required": ["name", "says"]
                }
            }
        },
        "required": ["whats_happened", "outlets"]
    });
    let mut json_request = request(
        vec![
            Message::system("You summarise news as JSON."),
            Message::user(
                "The city council of Riverton voted 7-2 on Tuesday to close the old harbour \
                 bridge for repairs. The Riverton Post says repairs take six months; \
                 Harbour Radio says the mayor promised a free ferry meanwhile. Summarise.",
            ),
        ],
        400,
        0.0,
    );
    json_request.response_format = ResponseFormat::Json {
        name: "brief".into(),
        schema,
    };
    let answer = model.chat(&json_request).expect("JSON answer");
    eprintln!(
        "JSON answer ({} tokens in {:.2?}): {}",
        answer.completion_tokens, answer.elapsed, answer.text
    );

    let value: serde_json::Value = serde_json::from_str(&answer.text)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", answer.text));
    let happened = value["whats_happened"]
        .as_array()
        .unwrap_or_else(|| panic!("whats_happened is not an array: {value}"));
    assert!(happened.len() <= 3, "maxItems ignored: {value}");
    assert!(happened.iter().all(serde_json::Value::is_string), "{value}");
    let outlets = value["outlets"]
        .as_array()
        .unwrap_or_else(|| panic!("outlets is not an array: {value}"));
    for outlet in outlets {
        assert!(outlet["name"].is_string(), "outlet without name: {value}");
        assert!(outlet["says"].is_string(), "outlet without says: {value}");
    }
}

#[test]
fn prompt_over_the_context_is_a_clear_error() {
    let Some(model) = shared_model("prompt_over_context") else {
        return;
    };
    let long_text = "The harbour bridge stays closed for repairs. ".repeat(800);
    assert!(model.count_tokens(&long_text) > model.context_tokens());
    let error = model
        .chat(&request(vec![Message::user(long_text)], 64, 0.0))
        .expect_err("a prompt over the context must fail");
    let message = error.to_string();
    assert!(matches!(error, LlmError::BadAnswer { .. }), "{error:?}");
    assert!(
        message.contains("does not fit the 4096-token context"),
        "{message}"
    );
    assert!(
        message.contains(".gguf"),
        "error does not name the model: {message}"
    );
    assert!(!message.contains('\n'), "error is not one line: {message}");

    // A prompt that fits, but not with the answer room asked for, fails the same way.
    let short = request(capital_question(), 4090, 0.0);
    assert!(matches!(
        model.chat(&short),
        Err(LlmError::BadAnswer { .. })
    ));
}

#[test]
fn token_counts_come_from_the_model_tokenizer() {
    let Some(model) = shared_model("token_counts") else {
        return;
    };
    // SmolLM2's byte-level BPE: "Hello", ",", " world", "!".
    assert_eq!(model.count_tokens("Hello, world!"), 4);
    assert_eq!(model.count_tokens(""), 0);
    assert_eq!(model.context_tokens(), 4096);
    let answer = model
        .chat(&request(vec![Message::user("Say hello.")], 8, 0.0))
        .expect("answer");
    // The template adds the role markers around the user's two tokens.
    assert!(answer.prompt_tokens > model.count_tokens("Say hello."));
    assert!(answer.completion_tokens >= 1);
}

#[test]
fn context_is_capped_at_the_models_trained_context() {
    let Some(path) = model_path("context_cap") else {
        return;
    };
    let mut settings = LlamaSettings::new(path);
    settings.context_tokens = 1_000_000;
    let model = LlamaChat::load(settings).expect("loads");
    // SmolLM2-135M was trained with an 8192-token context.
    assert_eq!(model.context_tokens(), 8192);
}

#[test]
fn missing_model_file_is_a_config_error_naming_the_path() {
    let path = std::env::temp_dir().join("storyline-no-such-model.gguf");
    let error = LlamaChat::load(LlamaSettings::new(&path)).expect_err("missing file");
    assert!(matches!(error, LlmError::Config { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("{}: model file not found", path.display())
    );
}

#[test]
fn non_gguf_file_is_a_config_error_naming_the_path() {
    let dir = std::env::temp_dir().join(format!("storyline-llm-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("not-a-model.gguf");
    std::fs::write(&path, "{\"this\": \"is JSON, not GGUF\"}").expect("write");
    let error = LlamaChat::load(LlamaSettings::new(&path)).expect_err("non-GGUF file");
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert!(matches!(error, LlmError::Config { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("not a GGUF model file"), "{message}");
}

#[test]
fn truncated_gguf_is_a_config_error_naming_the_path() {
    // Right magic, nothing after it: llama.cpp itself must refuse it, without a crash.
    let dir = std::env::temp_dir().join(format!("storyline-llm-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("truncated.gguf");
    std::fs::write(&path, b"GGUF\x03\x00\x00\x00").expect("write");
    let error = LlamaChat::load(LlamaSettings::new(&path)).expect_err("truncated file");
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert!(matches!(error, LlmError::Config { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(&path.display().to_string()),
        "{error}"
    );
}

#[test]
fn bad_settings_are_config_errors() {
    let mut settings = LlamaSettings::new("model.gguf");
    settings.threads = 0;
    let error = LlamaChat::load(settings).expect_err("zero threads");
    assert!(
        error.to_string().contains("threads must be 1 or more"),
        "{error}"
    );
}

/// Prompt-processing and generation speed, printed (timings never decide a test).
#[test]
fn local_model_speed() {
    let Some(path) = model_path("local_model_speed") else {
        return;
    };
    let mut settings = LlamaSettings::new(path);
    if let Some(threads) = std::env::var("STORYLINE_LOCAL_THREADS")
        .ok()
        .and_then(|threads| threads.parse().ok())
    {
        settings.threads = threads;
    }
    let threads = settings.threads;
    // Its own instance, so the other tests' calls do not queue in front of it.
    let model = LlamaChat::load(settings).expect("loads");

    let passage = "The council voted to close the old harbour bridge for six months of \
                   repairs, and the mayor promised a free ferry in the meantime. ";
    // Warm-up: the first call pages the memory-mapped weights in.
    model
        .chat(&request(vec![Message::user(passage)], 4, 0.0))
        .expect("warm-up call");
    let long_prompt = request(vec![Message::user(passage.repeat(40))], 1, 0.0);
    let prompt_only = model.chat(&long_prompt).expect("prompt-only call");
    let prompt_rate = f64::from(prompt_only.prompt_tokens) / prompt_only.elapsed.as_secs_f64();

    let short_prompt = vec![Message::user("Count from one to one hundred in words.")];
    let first_token = model
        .chat(&request(short_prompt.clone(), 1, 0.0))
        .expect("first-token call");
    let generation = model
        .chat(&request(short_prompt, 128, 0.0))
        .expect("generation call");
    let generated = generation.completion_tokens.saturating_sub(1).max(1);
    let generation_time = generation.elapsed.saturating_sub(first_token.elapsed);
    let generation_rate = f64::from(generated) / generation_time.as_secs_f64();

    eprintln!(
        "local model speed ({threads} thread(s)): prompt {} tokens in {:.2?} = {prompt_rate:.0} tokens/s; \
         generation {generated} tokens in {generation_time:.2?} = {generation_rate:.1} tokens/s",
        prompt_only.prompt_tokens, prompt_only.elapsed
    );
    assert!(prompt_only.prompt_tokens > 1000);
    assert!(generation.completion_tokens > 1);
}
