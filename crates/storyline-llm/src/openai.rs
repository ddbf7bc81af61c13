//! [`OpenAiChat`]: a [`ChatModel`] that talks to any OpenAI-compatible chat-completions
//! endpoint (vLLM, llama.cpp server, Ollama, hosted services) with blocking HTTP.
//!
//! One call is: wait for a free slot (at most `max_concurrency` calls in flight per client),
//! POST `{base_url}/chat/completions`, retry transient failures (refused connections,
//! timeouts, 5xx, 429) with doubling back-off and the server's `Retry-After`, then read
//! `choices[0].message.content`. JSON requests ask for `response_format: json_schema`; a
//! server that rejects it is asked again with `json_object`, then without a response format,
//! and the client remembers the downgrade so later calls go straight to what works.
//!
//! Invariants: no call panics on a bad answer or a dead server; every error names the
//! endpoint (never the API key) and the cause in one line; the back-off schedule has no
//! jitter, so a given failure sequence always waits the same time.

use crate::{ChatModel, ChatRequest, ChatResponse, LlmError, ResponseFormat, estimate_tokens};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;
use std::io::Read;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Longest wait between two tries, whatever the doubling reaches.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest wait a server's `Retry-After` can ask for; longer requests are cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Largest answer body read; a chat completion is a few kilobytes, so more is a broken server.
const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;
/// How much of a server's error message goes into an error line.
const CAUSE_CHARS: usize = 200;
/// How much of an unparsable body goes into an error line.
const BODY_EXCERPT_CHARS: usize = 100;

/// Settings of one OpenAI-compatible endpoint. Build with [`OpenAiSettings::new`] and
/// change the fields that differ from its defaults.
#[derive(Clone, PartialEq)]
pub struct OpenAiSettings {
    /// The API root, e.g. `http://127.0.0.1:8080/v1`; `/chat/completions` is appended. A
    /// trailing slash and a query string (some gateways want `?api-version=`) are kept right.
    pub base_url: String,
    /// The model id sent in every request and reported when the server does not name one.
    pub model: String,
    /// Sent as `Authorization: Bearer <key>`. The caller (the config layer) reads it from
    /// its file or environment; this crate never reads the environment.
    pub api_key: Option<String>,
    /// Limit for one HTTP request, connection and whole answer included.
    pub timeout: Duration,
    /// Tries after the first one for transient failures (0: try once).
    pub max_retries: u32,
    /// Wait before the first retry; it doubles on every further retry up to [`MAX_BACKOFF`].
    pub initial_backoff: Duration,
    /// Most calls in flight at once across all threads sharing one [`OpenAiChat`].
    pub max_concurrency: usize,
    /// The model's context window in tokens (prompt plus answer).
    pub context_tokens: u32,
}

impl OpenAiSettings {
    /// Settings for `model` at `base_url` with defaults that suit a local server on modest
    /// hardware: no key, 180 s a request (CPU generation of a few hundred tokens is slow),
    /// 2 retries starting at 500 ms, one call at a time (a single-slot llama.cpp server would
    /// only queue the others while their timeouts run), an 8192-token context.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        OpenAiSettings {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(180),
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_concurrency: 1,
            context_tokens: 8192,
        }
    }
}

// Written by hand so that the key never reaches a log line.
impl fmt::Debug for OpenAiSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_concurrency", &self.max_concurrency)
            .field("context_tokens", &self.context_tokens)
            .finish()
    }
}

/// A client for one OpenAI-compatible chat-completions endpoint.
///
/// It uses reqwest's blocking client, which runs its own small async runtime on a thread of
/// its own. Therefore create and drop an `OpenAiChat` outside async code: doing either on an
/// async runtime's worker thread panics (reqwest refuses to shut a runtime down there). Inside
/// an async program, build it before the runtime starts or in `spawn_blocking`, and make
/// calls from blocking threads too. Share one client between threads (it is `Send + Sync`)
/// so that the concurrency limit and the remembered response-format downgrade apply to all.
pub struct OpenAiChat {
    settings: OpenAiSettings,
    /// The full `.../chat/completions` URL requests go to.
    endpoint: reqwest::Url,
    /// `endpoint` without user name or password, for error lines and logs.
    target: String,
    client: Client,
    slots: CallSlots,
    /// The [`JsonMode`] that JSON requests start at, as its `u8`; it only ever rises.
    json_mode: AtomicU8,
}

impl fmt::Debug for OpenAiChat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiChat")
            .field("target", &self.target)
            .field("settings", &self.settings)
            .field("json_mode", &self.current_json_mode())
            .finish_non_exhaustive()
    }
}

impl OpenAiChat {
    /// Checks the settings and builds the HTTP client. Fails with [`LlmError::Config`] on a
    /// base URL that is not http(s), an empty model name, a zero timeout or concurrency, or
    /// an API key that cannot go into a header. Must not run on an async worker thread (see
    /// the type's documentation).
    pub fn new(settings: OpenAiSettings) -> Result<Self, LlmError> {
        let endpoint = chat_completions_url(&settings.base_url)?;
        let target = display_url(&endpoint);
        let config_error = |cause: String| LlmError::Config {
            target: target.clone(),
            cause,
        };
        if settings.model.trim().is_empty() {
            return Err(config_error("the model name is empty".to_string()));
        }
        if settings.timeout.is_zero() {
            return Err(config_error("the request timeout is zero".to_string()));
        }
        if settings.max_concurrency == 0 {
            return Err(config_error(
                "max_concurrency is 0; it must be at least 1".to_string(),
            ));
        }

        let mut headers = HeaderMap::new();
        if let Some(key) = &settings.api_key {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", key.trim())).map_err(|_| {
                    config_error("the API key holds characters not allowed in a header".into())
                })?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }

        install_crypto_provider();
        let client = Client::builder()
            .user_agent(concat!("storyline-llm/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            // A POST that follows a redirect may turn into a GET without its body; better to
            // tell the user where the endpoint moved.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| config_error(format!("cannot build the HTTP client: {error}")))?;

        Ok(OpenAiChat {
            slots: CallSlots::new(settings.max_concurrency),
            settings,
            endpoint,
            target,
            client,
            json_mode: AtomicU8::new(JsonMode::Schema as u8),
        })
    }

    /// The settings this client was built with.
    pub fn settings(&self) -> &OpenAiSettings {
        &self.settings
    }

    /// The URL requests are sent to, without credentials.
    pub fn endpoint(&self) -> &str {
        &self.target
    }

    fn current_json_mode(&self) -> JsonMode {
        JsonMode::from_u8(self.json_mode.load(Ordering::Relaxed))
    }

    fn request_body(
        &self,
        request: &ChatRequest,
        json_mode: JsonMode,
    ) -> Result<Vec<u8>, LlmError> {
        let response_format = match &request.response_format {
            ResponseFormat::Text => None,
            ResponseFormat::Json { name, schema } => match json_mode {
                JsonMode::Schema => Some(json!({
                    "type": "json_schema",
                    "json_schema": {
                        "name": schema_name(name),
                        "schema": schema,
                        // Strict mode demands a schema subset (every property required, no
                        // optional fields) many schemas do not meet; the caller validates.
                        "strict": false,
                    },
                })),
                JsonMode::Object => Some(json!({ "type": "json_object" })),
                JsonMode::Plain => None,
            },
        };
        let body = WireRequest {
            model: &self.settings.model,
            messages: request
                .messages
                .iter()
                .map(|message| WireMessage {
                    role: message.role.as_str(),
                    content: &message.content,
                })
                .collect(),
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            response_format,
        };
        serde_json::to_vec(&body).map_err(|error| LlmError::Config {
            target: self.target.clone(),
            cause: format!("cannot encode the request: {error}"),
        })
    }

    /// Sends one body, retrying transient failures; returns the body of a 2xx answer.
    fn post_with_retries(&self, body: &[u8]) -> Result<String, PostError> {
        let tries = self.settings.max_retries.saturating_add(1);
        let mut last_cause = String::new();
        for attempt in 1..=tries {
            let (cause, retry_after) = match self.send_once(body) {
                Attempt::Answered(text) => return Ok(text),
                Attempt::Rejected { status, body } => {
                    return Err(PostError::Rejected { status, body });
                }
                Attempt::Transient { cause, retry_after } => (cause, retry_after),
            };
            if attempt < tries {
                let wait = retry_after
                    .map(|asked| asked.min(MAX_RETRY_AFTER))
                    .unwrap_or_else(|| {
                        backoff_before_retry(self.settings.initial_backoff, attempt)
                    });
                tracing::warn!(
                    endpoint = %self.target,
                    attempt,
                    tries,
                    wait_ms = wait.as_millis() as u64,
                    %cause,
                    "model call failed; retrying"
                );
                std::thread::sleep(wait);
            }
            last_cause = cause;
        }
        Err(PostError::GaveUp(LlmError::Unavailable {
            target: self.target.clone(),
            cause: format!(
                "{last_cause} after {tries} {}",
                if tries == 1 { "try" } else { "tries" }
            ),
        }))
    }

    fn send_once(&self, body: &[u8]) -> Attempt {
        let sent = self
            .client
            .post(self.endpoint.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(body.to_vec())
            .send();
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Transient {
                    cause: describe_transport_error(&error, self.settings.timeout),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_retry_after);
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let text = match read_body(response, self.settings.timeout) {
            Ok(text) => text,
            Err(cause) => {
                return Attempt::Transient {
                    cause,
                    retry_after: None,
                };
            }
        };

        if status.is_success() {
            Attempt::Answered(text)
        } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let honours_retry_after = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            );
            Attempt::Transient {
                cause: status_cause(status, &text),
                retry_after: retry_after.filter(|_| honours_retry_after),
            }
        } else if status.is_redirection() {
            let moved_to = location.unwrap_or_else(|| "an unnamed address".to_string());
            Attempt::Rejected {
                status,
                body: format!("redirected to {moved_to}; set base_url to the new address"),
            }
        } else {
            Attempt::Rejected { status, body: text }
        }
    }

    /// The error for a non-retryable HTTP status: settings problems (key, URL, model) are
    /// [`LlmError::Config`], anything else the server refused is [`LlmError::BadAnswer`].
    fn rejection_error(&self, status: StatusCode, body: &str) -> LlmError {
        let target = self.target.clone();
        if status.is_redirection() {
            return LlmError::Config {
                target,
                cause: format!("{status}: {body}"),
            };
        }
        let cause = status_cause(status, body);
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => LlmError::Config {
                target,
                cause: format!("{cause}; check the API key"),
            },
            StatusCode::NOT_FOUND => LlmError::Config {
                target,
                cause: format!("{cause}; check base_url and the model name"),
            },
            _ => LlmError::BadAnswer { target, cause },
        }
    }

    fn parse_answer(
        &self,
        body: &str,
        request: &ChatRequest,
        started: Instant,
    ) -> Result<ChatResponse, LlmError> {
        let bad_answer = |cause: String| LlmError::BadAnswer {
            target: self.target.clone(),
            cause,
        };
        let answer: Value = serde_json::from_str(body).map_err(|error| {
            bad_answer(format!(
                "the answer is not JSON ({error}): {}",
                excerpt(body, BODY_EXCERPT_CHARS)
            ))
        })?;
        let Some(choice) = answer
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|choices| choices.first())
        else {
            return Err(bad_answer(match server_message(&answer) {
                Some(message) => format!("the server answered with an error: {message}"),
                None => format!(
                    "the answer has no choices: {}",
                    excerpt(body, BODY_EXCERPT_CHARS)
                ),
            }));
        };
        let message = choice.get("message").unwrap_or(&Value::Null);
        let content = match message.get("content") {
            Some(Value::String(text)) => text.clone(),
            // Some servers answer with content parts, as in multimodal requests.
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect(),
            _ => String::new(),
        };
        if content.is_empty() {
            if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
                return Err(bad_answer(format!(
                    "the model refused: {}",
                    one_line(refusal, CAUSE_CHARS)
                )));
            }
            let finish_reason = choice
                .get("finish_reason")
                .and_then(Value::as_str)
                .unwrap_or("none given");
            return Err(bad_answer(format!(
                "the answer has no content (finish_reason: {finish_reason})"
            )));
        }
        let text = match request.response_format {
            ResponseFormat::Json { .. } => strip_code_fence(&content).to_string(),
            ResponseFormat::Text => content,
        };

        let usage = answer.get("usage");
        let usage_count = |field: &str| {
            usage
                .and_then(|usage| usage.get(field))
                .and_then(Value::as_u64)
                .map(|count| u32::try_from(count).unwrap_or(u32::MAX))
        };
        let prompt_tokens = usage_count("prompt_tokens").unwrap_or_else(|| {
            request
                .messages
                .iter()
                .map(|message| estimate_tokens(&message.content))
                .fold(0u32, u32::saturating_add)
        });
        let completion_tokens =
            usage_count("completion_tokens").unwrap_or_else(|| estimate_tokens(&text));
        let model = answer
            .get("model")
            .and_then(Value::as_str)
            .filter(|model| !model.is_empty())
            .unwrap_or(&self.settings.model)
            .to_string();

        Ok(ChatResponse {
            text,
            model,
            prompt_tokens,
            completion_tokens,
            elapsed: started.elapsed(),
        })
    }
}

impl ChatModel for OpenAiChat {
    fn model_name(&self) -> String {
        self.settings.model.clone()
    }

    fn context_tokens(&self) -> u32 {
        self.settings.context_tokens
    }

    fn count_tokens(&self, text: &str) -> u32 {
        estimate_tokens(text)
    }

    fn max_concurrency(&self) -> usize {
        self.settings.max_concurrency
    }

    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        if !request.temperature.is_finite() || request.temperature < 0.0 {
            return Err(LlmError::Config {
                target: self.target.clone(),
                cause: format!(
                    "temperature {} is not a finite number of at least 0",
                    request.temperature
                ),
            });
        }
        let _slot = self.slots.acquire();
        let wants_json = matches!(request.response_format, ResponseFormat::Json { .. });
        let mut json_mode = self.current_json_mode();
        loop {
            let body = self.request_body(request, json_mode)?;
            match self.post_with_retries(&body) {
                Ok(answer) => return self.parse_answer(&answer, request, started),
                Err(PostError::GaveUp(error)) => return Err(error),
                Err(PostError::Rejected { status, body }) => {
                    let downgrade = json_mode
                        .next()
                        .filter(|_| wants_json && rejects_response_format(status, &body));
                    let Some(next_mode) = downgrade else {
                        return Err(self.rejection_error(status, &body));
                    };
                    tracing::info!(
                        endpoint = %self.target,
                        rejected = json_mode.label(),
                        next = next_mode.label(),
                        "the server does not take this response_format; asking again without it"
                    );
                    // fetch_max: a concurrent call may already have gone further down.
                    self.json_mode.fetch_max(next_mode as u8, Ordering::Relaxed);
                    json_mode = next_mode;
                }
            }
        }
    }
}

/// How a JSON request asks the server for JSON, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum JsonMode {
    /// `response_format: {type: json_schema, json_schema: {name, schema, strict: false}}`.
    Schema = 0,
    /// `response_format: {type: json_object}`: valid JSON, any shape.
    Object = 1,
    /// No `response_format`: the prompt alone asks for JSON.
    Plain = 2,
}

impl JsonMode {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => JsonMode::Schema,
            1 => JsonMode::Object,
            _ => JsonMode::Plain,
        }
    }

    fn next(self) -> Option<Self> {
        match self {
            JsonMode::Schema => Some(JsonMode::Object),
            JsonMode::Object => Some(JsonMode::Plain),
            JsonMode::Plain => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            JsonMode::Schema => "json_schema",
            JsonMode::Object => "json_object",
            JsonMode::Plain => "no response_format",
        }
    }
}

#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    max_tokens: u32,
    /// An `f32` serialised as such, so 0.2 goes out as `0.2`, not `0.20000000298023224`.
    temperature: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<Value>,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

/// The outcome of one HTTP exchange.
enum Attempt {
    /// A 2xx answer's body.
    Answered(String),
    /// Worth another try: a transport failure, 429 or 5xx.
    Transient {
        cause: String,
        retry_after: Option<Duration>,
    },
    /// A status that retrying will not change; `body` is the server's answer.
    Rejected { status: StatusCode, body: String },
}

enum PostError {
    Rejected { status: StatusCode, body: String },
    GaveUp(LlmError),
}

/// A counting semaphore: at most `limit` holders of a [`CallSlot`] at once.
struct CallSlots {
    limit: usize,
    in_use: Mutex<usize>,
    freed: Condvar,
}

impl CallSlots {
    fn new(limit: usize) -> Self {
        CallSlots {
            limit,
            in_use: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Blocks until a slot is free. The count stays right even if a holder panicked (the
    /// guard's drop runs during unwinding), so a poisoned lock is safe to use.
    fn acquire(&self) -> CallSlot<'_> {
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        while *in_use >= self.limit {
            in_use = self
                .freed
                .wait(in_use)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *in_use += 1;
        CallSlot { slots: self }
    }
}

struct CallSlot<'a> {
    slots: &'a CallSlots,
}

impl Drop for CallSlot<'_> {
    fn drop(&mut self) {
        let mut in_use = self
            .slots
            .in_use
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *in_use = in_use.saturating_sub(1);
        self.slots.freed.notify_one();
    }
}

/// reqwest is built without a rustls crypto provider and panics on its first https client
/// unless one is installed; ring's is the workspace's choice. Installing twice is harmless
/// (the second attempt reports the first and changes nothing).
fn install_crypto_provider() {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

/// `{base_url}/chat/completions`, keeping any query string, or a Config error naming the URL.
fn chat_completions_url(base_url: &str) -> Result<reqwest::Url, LlmError> {
    let base_url = base_url.trim();
    let config_error = |cause: &str| LlmError::Config {
        target: if base_url.is_empty() {
            "(empty base_url)".to_string()
        } else {
            base_url.to_string()
        },
        cause: cause.to_string(),
    };
    let mut url = reqwest::Url::parse(base_url).map_err(|error| {
        config_error(&format!(
            "not a valid base URL ({error}); expected e.g. http://127.0.0.1:8080/v1"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(config_error(&format!(
            "scheme {:?} is not supported; use http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(config_error("the base URL has no host"));
    }
    let path = format!("{}/chat/completions", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_fragment(None);
    Ok(url)
}

/// The URL without user name and password, for messages.
fn display_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    // Both calls fail only for URLs that cannot have credentials, which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// OpenAI requires schema names of at most 64 letters, digits, `_` or `-`.
fn schema_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "response".to_string()
    } else {
        cleaned
    }
}

/// Wait before retry number `retry` (1-based): `initial`, then doubling, capped.
fn backoff_before_retry(initial: Duration, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    initial.saturating_mul(factor).min(MAX_BACKOFF)
}

/// `Retry-After` in seconds (integer or decimal). The HTTP-date form is ignored: the
/// back-off applies instead, which is safer than trusting two clocks to agree.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    if seconds.is_finite() && seconds >= 0.0 {
        Some(Duration::from_secs_f64(
            seconds.min(MAX_RETRY_AFTER.as_secs_f64()),
        ))
    } else {
        None
    }
}

/// Whether a rejection is about the `response_format` we sent (so asking without it may work).
fn rejects_response_format(status: StatusCode, body: &str) -> bool {
    if !matches!(
        status,
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        return false;
    }
    let body = body.to_ascii_lowercase();
    [
        "response_format",
        "response format",
        "json_schema",
        "json_object",
    ]
    .iter()
    .any(|needle| body.contains(needle))
}

/// "500 Internal Server Error", plus the server's own message when it gave one.
fn status_cause(status: StatusCode, body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|answer| server_message(&answer))
        .or_else(|| {
            // A plain-text error page is still worth quoting; an HTML one is noise.
            let trimmed = body.trim();
            (!trimmed.is_empty() && !trimmed.starts_with('<'))
                .then(|| one_line(trimmed, CAUSE_CHARS))
        });
    match message {
        Some(message) => format!("{status} ({message})"),
        None => status.to_string(),
    }
}

/// The error message in an answer, in the shapes servers use: `{"error": {"message": ..}}`
/// (OpenAI, llama.cpp), `{"error": ".."}` (Ollama), `{"message": ..}` (vLLM),
/// `{"detail": ..}` (FastAPI-based servers).
fn server_message(answer: &Value) -> Option<String> {
    let message = match answer.get("error") {
        Some(Value::String(text)) => Some(text.as_str()),
        Some(error) => error.get("message").and_then(Value::as_str),
        None => None,
    }
    .or_else(|| answer.get("message").and_then(Value::as_str))
    .or_else(|| answer.get("detail").and_then(Value::as_str))?;
    Some(one_line(message, CAUSE_CHARS))
}

/// Content without a Markdown code fence around it. Leaves text that already starts like
/// JSON alone; otherwise returns the inside of the first fenced block, if any.
fn strip_code_fence(content: &str) -> &str {
    let trimmed = content.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return trimmed;
    }
    let Some(fence_start) = trimmed.find("```") else {
        return trimmed;
    };
    let after_fence = &trimmed[fence_start + 3..];
    // The rest of the opening line is the language tag ("json", "JSON", nothing).
    let Some(line_end) = after_fence.find('\n') else {
        return trimmed;
    };
    let inside = &after_fence[line_end + 1..];
    match inside.find("```") {
        Some(fence_end) => inside[..fence_end].trim(),
        // An answer cut off by max_tokens has no closing fence; keep what is there.
        None => inside.trim(),
    }
}

/// Reads at most [`MAX_BODY_BYTES`]; a read error is a transport failure (worth a retry).
fn read_body(response: reqwest::blocking::Response, timeout: Duration) -> Result<String, String> {
    let mut bytes = Vec::new();
    response
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            let inner = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<reqwest::Error>());
            match inner {
                Some(transport) => describe_transport_error(transport, timeout),
                None if error.kind() == std::io::ErrorKind::TimedOut => {
                    format!("timed out ({timeout:?} limit) reading the answer")
                }
                None => format!("reading the answer failed: {error}"),
            }
        })?;
    if bytes.len() as u64 > MAX_BODY_BYTES {
        return Err(format!("the answer is larger than {MAX_BODY_BYTES} bytes"));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One line for a transport failure. reqwest's own message repeats the URL (which the error
/// already names) and hides the cause in its source chain, so this takes the innermost cause.
fn describe_transport_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("timed out ({timeout:?} limit)");
    }
    let mut innermost: &dyn std::error::Error = error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let cause = one_line(&innermost.to_string(), CAUSE_CHARS);
    if error.is_connect() {
        format!("cannot connect ({cause})")
    } else {
        cause
    }
}

/// `text` on one line, cut to `max_chars` characters with an ellipsis.
fn one_line(text: &str, max_chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let mut cut: String = flat.chars().take(max_chars).collect();
        cut.push('…');
        cut
    }
}

/// The start of a body for an error line, quoted so an empty or odd body is visible.
fn excerpt(body: &str, max_chars: usize) -> String {
    format!("{:?}", one_line(body, max_chars))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_joins_base_url_and_path() {
        let check = |base: &str, expected: &str| {
            let url = chat_completions_url(base).expect(base);
            assert_eq!(url.as_str(), expected, "base_url {base}");
        };
        check(
            "http://127.0.0.1:8080/v1",
            "http://127.0.0.1:8080/v1/chat/completions",
        );
        check(
            "http://127.0.0.1:8080/v1/",
            "http://127.0.0.1:8080/v1/chat/completions",
        );
        check(
            "https://example.invalid",
            "https://example.invalid/chat/completions",
        );
        check(
            "https://example.invalid/openai/v1?api-version=2",
            "https://example.invalid/openai/v1/chat/completions?api-version=2",
        );
        check(
            " http://localhost:11434/v1 ",
            "http://localhost:11434/v1/chat/completions",
        );
    }

    #[test]
    fn bad_base_urls_are_config_errors() {
        for base in [
            "",
            "localhost:8080/v1",
            "ftp://example.invalid/v1",
            "file:///tmp/x",
            "http://",
        ] {
            let error = chat_completions_url(base).expect_err(base);
            assert!(matches!(error, LlmError::Config { .. }), "{base}: {error}");
        }
    }

    #[test]
    fn credentials_never_reach_messages() {
        let url = chat_completions_url("https://user:secret@example.invalid/v1").expect("url");
        assert_eq!(
            display_url(&url),
            "https://example.invalid/v1/chat/completions"
        );
        let mut settings = OpenAiSettings::new("http://127.0.0.1:1/v1", "m");
        settings.api_key = Some("sk-secret".into());
        assert!(!format!("{settings:?}").contains("sk-secret"));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let initial = Duration::from_millis(500);
        let waits: Vec<_> = (1..=8)
            .map(|retry| backoff_before_retry(initial, retry))
            .collect();
        let millis: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
        assert_eq!(millis, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(backoff_before_retry(initial, u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn retry_after_takes_seconds_and_caps_them() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("86400"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }

    #[test]
    fn code_fences_are_stripped() {
        let check = |content: &str, expected: &str| {
            assert_eq!(strip_code_fence(content), expected, "content {content:?}");
        };
        check("{\"a\":1}", "{\"a\":1}");
        check("  [1, 2]\n", "[1, 2]");
        check("```json\n{\"a\":1}\n```", "{\"a\":1}");
        check("```JSON\n{\"a\":1}\n```\n", "{\"a\":1}");
        check("```\n{\"a\":1}\n```", "{\"a\":1}");
        check(
            "Here is the brief:\n\n```json\n{\"a\":1}\n```\nHope it helps.",
            "{\"a\":1}",
        );
        check("```json\n{\"a\":", "{\"a\":");
        check("no fence at all", "no fence at all");
        // A fence inside a JSON string stays: the text starts like JSON.
        check("{\"code\":\"```x```\"}", "{\"code\":\"```x```\"}");
    }

    #[test]
    fn server_messages_in_every_shape() {
        let check = |body: &str, expected: Option<&str>| {
            let answer: Value = serde_json::from_str(body).expect(body);
            assert_eq!(server_message(&answer).as_deref(), expected, "body {body}");
        };
        check(
            r#"{"error":{"message":"bad key","type":"auth"}}"#,
            Some("bad key"),
        );
        check(r#"{"error":"model not loaded"}"#, Some("model not loaded"));
        check(
            r#"{"object":"error","message":"too long","code":400}"#,
            Some("too long"),
        );
        check(r#"{"detail":"Not Found"}"#, Some("Not Found"));
        check(r#"{"choices":[]}"#, None);
    }

    #[test]
    fn status_causes_quote_the_server() {
        assert_eq!(
            status_cause(StatusCode::TOO_MANY_REQUESTS, ""),
            "429 Too Many Requests"
        );
        assert_eq!(
            status_cause(StatusCode::BAD_GATEWAY, "<html><body>nginx</body></html>"),
            "502 Bad Gateway"
        );
        assert_eq!(
            status_cause(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":{"message":"out of\nmemory"}}"#
            ),
            "500 Internal Server Error (out of memory)"
        );
        assert_eq!(
            status_cause(StatusCode::SERVICE_UNAVAILABLE, "Loading model"),
            "503 Service Unavailable (Loading model)"
        );
    }

    #[test]
    fn response_format_rejections_are_recognised() {
        let schema_error =
            r#"{"error":{"message":"'response_format.type' must be 'json_object' or 'text'"}}"#;
        assert!(rejects_response_format(
            StatusCode::BAD_REQUEST,
            schema_error
        ));
        assert!(rejects_response_format(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unsupported Response Format"
        ));
        assert!(!rejects_response_format(
            StatusCode::BAD_REQUEST,
            r#"{"error":"context length exceeded"}"#
        ));
        assert!(!rejects_response_format(
            StatusCode::INTERNAL_SERVER_ERROR,
            schema_error
        ));
    }

    #[test]
    fn schema_names_follow_openai_rules() {
        assert_eq!(schema_name("brief"), "brief");
        assert_eq!(schema_name("story brief v1"), "story_brief_v1");
        assert_eq!(schema_name(""), "response");
        assert_eq!(schema_name(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn call_slots_never_exceed_their_limit() {
        let slots = CallSlots::new(2);
        let peak = Mutex::new((0usize, 0usize)); // (now, highest)
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let _slot = slots.acquire();
                    {
                        let mut counts = peak.lock().expect("counts");
                        counts.0 += 1;
                        counts.1 = counts.1.max(counts.0);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    peak.lock().expect("counts").0 -= 1;
                });
            }
        });
        let (now, highest) = *peak.lock().expect("counts");
        assert_eq!(now, 0);
        assert_eq!(highest, 2);
        assert_eq!(*slots.in_use.lock().expect("in_use"), 0);
    }
}
