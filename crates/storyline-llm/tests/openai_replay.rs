//! [`OpenAiChat`] against a real HTTP server: an axum server on 127.0.0.1:0, on its own
//! thread with its own tokio runtime, that speaks the chat-completions protocol and replays
//! the recorded answers in `tests/fixtures/openai/` (see the README there).
//!
//! Each test gives the server a script (request number and request in, reply out) and then
//! checks both what the client returned and what the server received. Back-offs are a few
//! milliseconds so the whole file runs in about two seconds; the one deliberate wait is a
//! one-second `Retry-After`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use storyline_llm::openai::{OpenAiChat, OpenAiSettings};
use storyline_llm::{
    ChatModel, ChatRequest, LlmError, Message, ResponseFormat, Role, estimate_tokens,
};

// ---------------------------------------------------------------------------------------
// The replay server

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    authorization: Option<String>,
    body: Value,
    arrived: Instant,
}

impl Recorded {
    fn response_format_type(&self) -> Option<&str> {
        self.body
            .get("response_format")
            .and_then(|format| format.get("type"))
            .and_then(Value::as_str)
    }
}

/// What the server answers to one request.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn ok(body: String) -> Self {
        Reply::status(200, body)
    }

    fn status(status: u16, body: String) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Request number (0-based) and request in, reply out.
type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

struct ServerState {
    script: Box<Script>,
    requests: Mutex<Vec<Recorded>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

struct ReplayServer {
    address: std::net::SocketAddr,
    state: Arc<ServerState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ReplayServer {
    fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let state = Arc::new(ServerState {
            script: Box::new(script),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(Arc::clone(&state));
        let (address_sender, address_receiver) = std::sync::mpsc::channel();
        let (shutdown, shutdown_receiver) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                address_sender
                    .send(listener.local_addr().expect("local address"))
                    .expect("send the address");
                tokio::spawn(async move { axum::serve(listener, app).await });
                let _ = shutdown_receiver.await;
            });
            // Handlers still sleeping for a client that gave up are dropped, not awaited.
            runtime.shutdown_timeout(Duration::from_millis(100));
        });
        let address = address_receiver.recv().expect("the server's address");
        ReplayServer {
            address,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The API root, with a trailing slash to check that the client joins paths right.
    fn base_url(&self) -> String {
        format!("http://{}/v1/", self.address)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().expect("requests").clone()
    }

    fn request_count(&self) -> usize {
        self.state.requests.lock().expect("requests").len()
    }

    fn most_in_flight(&self) -> usize {
        self.state.most_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Counts a request in flight until dropped, also when the client hangs up mid-way.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn answer(
    State(state): State<Arc<ServerState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = Recorded {
        path: uri.path().to_string(),
        authorization: headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        arrived: Instant::now(),
    };
    let index = {
        let mut requests = state.requests.lock().expect("requests");
        requests.push(recorded.clone());
        requests.len() - 1
    };
    let now_in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _in_flight = InFlight(&state.in_flight);
    state
        .most_in_flight
        .fetch_max(now_in_flight, Ordering::SeqCst);

    let reply = (state.script)(index, &recorded);
    tokio::time::sleep(reply.delay).await;
    let mut response = (
        StatusCode::from_u16(reply.status).expect("status"),
        reply.body,
    )
        .into_response();
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("header value"),
    );
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    response
}

// ---------------------------------------------------------------------------------------
// Helpers

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/openai/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// `choices[0].message.content` of a recorded answer.
fn fixture_content(name: &str) -> String {
    let answer: Value = serde_json::from_str(&fixture(name)).expect("fixture is JSON");
    answer["choices"][0]["message"]["content"]
        .as_str()
        .expect("fixture has string content")
        .to_string()
}

/// A client for `server` with test-sized timings; `adjust` changes what a test needs.
fn client_for(server: &ReplayServer, adjust: impl FnOnce(&mut OpenAiSettings)) -> OpenAiChat {
    let mut settings = OpenAiSettings::new(server.base_url(), "qwen2.5-7b-instruct");
    settings.timeout = Duration::from_secs(3);
    settings.max_retries = 2;
    settings.initial_backoff = Duration::from_millis(5);
    adjust(&mut settings);
    OpenAiChat::new(settings).expect("valid settings")
}

fn brief_schema() -> Value {
    json!({
        "type": "object",
        "required": ["headline", "whats_happened"],
        "properties": {
            "headline": { "type": "string" },
            "whats_happened": { "type": "array", "items": { "type": "object" } }
        }
    })
}

fn brief_request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::system("You write news briefs as JSON. Cite every sentence."),
            Message::user("[1] Lakeside Courier: Council approves tram extension..."),
        ],
        max_tokens: 700,
        temperature: 0.2,
        response_format: ResponseFormat::Json {
            name: "brief".to_string(),
            schema: brief_schema(),
        },
    }
}

fn text_request() -> ChatRequest {
    ChatRequest {
        response_format: ResponseFormat::Text,
        ..brief_request()
    }
}

fn error_line(result: Result<storyline_llm::ChatResponse, LlmError>) -> (LlmError, String) {
    let error = result.expect_err("the call should fail");
    let line = error.to_string();
    assert!(!line.contains('\n'), "error is one line: {line}");
    (error, line)
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn good_answer_comes_back_with_its_usage_and_the_request_is_complete() {
    let server = ReplayServer::start(|_, _| Reply::ok(fixture("brief_answer.json")));
    let chat = client_for(&server, |settings| {
        settings.api_key = Some("sk-test-123".to_string());
    });

    let response = chat.chat(&brief_request()).expect("a good answer");

    assert_eq!(response.text, fixture_content("brief_answer.json"));
    let brief: Value = serde_json::from_str(&response.text).expect("the brief is JSON");
    assert_eq!(brief["whats_happened"][0]["citations"][0]["source"], 1);
    assert_eq!(response.model, "qwen2.5-7b-instruct");
    assert_eq!(
        (response.prompt_tokens, response.completion_tokens),
        (1843, 287)
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.authorization.as_deref(), Some("Bearer sk-test-123"));
    assert_eq!(sent.body["model"], "qwen2.5-7b-instruct");
    assert_eq!(sent.body["max_tokens"], 700);
    assert_eq!(sent.body["temperature"], 0.2, "an f32 0.2 goes out as 0.2");
    assert_eq!(sent.body["messages"][0]["role"], Role::System.as_str());
    assert_eq!(sent.body["messages"][1]["role"], "user");
    assert_eq!(
        sent.body["messages"][1]["content"],
        "[1] Lakeside Courier: Council approves tram extension..."
    );
    assert_eq!(
        sent.body["response_format"],
        json!({
            "type": "json_schema",
            "json_schema": { "name": "brief", "schema": brief_schema(), "strict": false }
        })
    );
}

#[test]
fn without_a_key_no_authorization_and_text_asks_for_no_format() {
    let server = ReplayServer::start(|_, _| Reply::ok(fixture("brief_answer.json")));
    let chat = client_for(&server, |_| {});

    chat.chat(&text_request()).expect("an answer");

    let sent = &server.requests()[0];
    assert_eq!(sent.authorization, None);
    assert!(sent.body.get("response_format").is_none(), "{}", sent.body);
}

#[test]
fn rejected_json_schema_downgrades_to_json_object_and_stays_there() {
    let server = ReplayServer::start(|_, request| match request.response_format_type() {
        Some("json_schema") => Reply::status(400, fixture("error_json_schema_unsupported.json")),
        _ => Reply::ok(fixture("brief_answer.json")),
    });
    let chat = client_for(&server, |_| {});

    let first = chat
        .chat(&brief_request())
        .expect("the downgraded call succeeds");
    assert_eq!(first.text, fixture_content("brief_answer.json"));
    let second = chat
        .chat(&brief_request())
        .expect("the second call succeeds");
    assert_eq!(second.text, first.text);

    let formats: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|request| request.response_format_type().map(str::to_string))
        .collect();
    assert_eq!(
        formats,
        [
            Some("json_schema".to_string()),
            Some("json_object".to_string()),
            // The later call does not pay for the rejected json_schema again.
            Some("json_object".to_string()),
        ]
    );
}

#[test]
fn server_without_response_format_support_gets_plain_requests() {
    let server = ReplayServer::start(|_, request| match request.response_format_type() {
        Some("json_schema") => Reply::status(400, fixture("error_json_schema_unsupported.json")),
        Some(_) => Reply::status(400, fixture("error_json_object_unsupported.json")),
        None => Reply::ok(fixture("brief_answer.json")),
    });
    let chat = client_for(&server, |_| {});

    chat.chat(&brief_request())
        .expect("the plain call succeeds");
    chat.chat(&brief_request())
        .expect("the second call succeeds");

    let formats: Vec<Option<&str>> = server
        .requests()
        .iter()
        .map(|request| request.response_format_type())
        .map(|format| {
            format.map(|kind| {
                if kind == "json_schema" {
                    "schema"
                } else {
                    "object"
                }
            })
        })
        .collect();
    assert_eq!(formats, [Some("schema"), Some("object"), None, None]);
}

#[test]
fn other_bad_requests_are_not_downgraded_or_retried() {
    let server = ReplayServer::start(|_, _| {
        Reply::status(
            400,
            json!({"error": {"message": "This model's maximum context length is 8192 tokens."}})
                .to_string(),
        )
    });
    let chat = client_for(&server, |_| {});

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::BadAnswer { .. }), "{line}");
    assert!(
        line.contains("400 Bad Request (This model's maximum context length"),
        "{line}"
    );
    assert_eq!(server.request_count(), 1);
}

#[test]
fn code_fence_is_stripped_from_json_answers_only() {
    let server = ReplayServer::start(|_, _| Reply::ok(fixture("brief_answer_fenced.json")));
    let chat = client_for(&server, |_| {});

    let json_answer = chat.chat(&brief_request()).expect("an answer");
    let brief: Value = serde_json::from_str(&json_answer.text).expect("fence stripped");
    assert_eq!(
        brief["headline"],
        "Lakeside council approves tram extension to the harbour district"
    );
    assert_eq!(json_answer.model, "smollm2-1.7b-instruct-q8_0.gguf");
    assert_eq!(
        (json_answer.prompt_tokens, json_answer.completion_tokens),
        (1911, 402)
    );

    let text_answer = chat.chat(&text_request()).expect("an answer");
    assert_eq!(
        text_answer.text,
        fixture_content("brief_answer_fenced.json")
    );
    assert!(text_answer.text.starts_with("```json\n"));
}

#[test]
fn content_is_passed_through_whatever_it_says() {
    let server = ReplayServer::start(|index, _| match index {
        0 => Reply::ok(fixture("malformed_content.json")),
        _ => Reply::ok(fixture("missing_citations.json")),
    });
    let chat = client_for(&server, |_| {});
    let request = brief_request();

    let cut_off = chat
        .chat(&request)
        .expect("broken JSON content is still an answer");
    assert_eq!(cut_off.text, fixture_content("malformed_content.json"));
    assert!(serde_json::from_str::<Value>(&cut_off.text).is_err());
    assert_eq!(
        (cut_off.prompt_tokens, cut_off.completion_tokens),
        (1843, 120)
    );

    let uncited = chat
        .chat(&request)
        .expect("an uncited brief is still an answer");
    assert_eq!(uncited.text, fixture_content("missing_citations.json"));
    assert!(!uncited.text.contains("citations"));
    assert_eq!(uncited.model, "llama3.2:3b");
    // No usage in the answer: both counts are estimates.
    let prompt_estimate: u32 = request
        .messages
        .iter()
        .map(|message| estimate_tokens(&message.content))
        .sum();
    assert_eq!(uncited.prompt_tokens, prompt_estimate);
    assert_eq!(uncited.completion_tokens, estimate_tokens(&uncited.text));
    assert!(uncited.completion_tokens > 50);
}

#[test]
fn rate_limit_with_retry_after_waits_and_then_succeeds() {
    let server = ReplayServer::start(|index, _| match index {
        0 => Reply::status(429, fixture("error_rate_limit.json")).with_header("retry-after", "1"),
        _ => Reply::ok(fixture("brief_answer.json")),
    });
    let chat = client_for(&server, |_| {});
    let started = Instant::now();

    let response = chat.chat(&brief_request()).expect("the retry succeeds");

    assert_eq!(response.text, fixture_content("brief_answer.json"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // The back-off is 5 ms: only the server's Retry-After explains a one-second gap.
    let gap = requests[1].arrived - requests[0].arrived;
    assert!(gap >= Duration::from_millis(990), "waited only {gap:?}");
    assert!(
        response.elapsed >= gap,
        "elapsed {:?} counts the wait",
        response.elapsed
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn persistent_rate_limit_names_the_status_and_the_tries() {
    let server = ReplayServer::start(|_, _| Reply::status(429, String::new()));
    let chat = client_for(&server, |_| {});

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::Unavailable { .. }), "{line}");
    assert!(
        line.contains("429 Too Many Requests after 3 tries"),
        "{line}"
    );
    assert!(line.starts_with(&format!("http://{}/v1/chat/completions: ", server.address)));
    assert_eq!(server.request_count(), 3);
}

#[test]
fn persistent_server_error_backs_off_doubling_then_gives_up() {
    let server = ReplayServer::start(|_, _| Reply::status(500, fixture("error_server.json")));
    let chat = client_for(&server, |settings| {
        settings.max_retries = 3;
        settings.initial_backoff = Duration::from_millis(40);
    });

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::Unavailable { .. }), "{line}");
    assert!(
        line.ends_with(
            "500 Internal Server Error (the model runner stopped unexpectedly: out of memory) \
             after 4 tries"
        ),
        "{line}"
    );
    let arrivals: Vec<Instant> = server.requests().iter().map(|r| r.arrived).collect();
    assert_eq!(arrivals.len(), 4);
    for (gap_index, expected_ms) in [40u64, 80, 160].into_iter().enumerate() {
        let gap = arrivals[gap_index + 1] - arrivals[gap_index];
        assert!(
            gap >= Duration::from_millis(expected_ms - 5),
            "retry {} came after {gap:?}, expected about {expected_ms} ms",
            gap_index + 1
        );
    }
}

#[test]
fn slow_server_times_out_quickly() {
    let server = ReplayServer::start(|_, _| {
        Reply::ok(fixture("brief_answer.json")).after(Duration::from_secs(5))
    });
    let chat = client_for(&server, |settings| {
        settings.timeout = Duration::from_millis(200);
        settings.max_retries = 1;
    });
    let started = Instant::now();

    let (error, line) = error_line(chat.chat(&brief_request()));

    let took = started.elapsed();
    assert!(matches!(error, LlmError::Unavailable { .. }), "{line}");
    assert!(
        line.contains("timed out (200ms limit) after 2 tries"),
        "{line}"
    );
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn refused_connection_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let mut settings = OpenAiSettings::new(format!("http://127.0.0.1:{port}/v1"), "m");
    settings.max_retries = 1;
    settings.initial_backoff = Duration::from_millis(5);
    let chat = OpenAiChat::new(settings).expect("valid settings");

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::Unavailable { .. }), "{line}");
    assert!(line.contains("cannot connect ("), "{line}");
    assert!(line.ends_with("after 2 tries"), "{line}");
}

#[test]
fn malformed_body_is_a_bad_answer_quoting_its_start() {
    let server = ReplayServer::start(|_, _| Reply::ok(fixture("truncated_body.txt")));
    let chat = client_for(&server, |_| {});

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::BadAnswer { .. }), "{line}");
    assert!(line.contains(&format!("http://{}/v1/chat/completions", server.address)));
    assert!(line.contains("the answer is not JSON"), "{line}");
    assert!(line.contains(r#"\"id\": \"chatcmpl-9f1c2a7b\""#), "{line}");
    assert!(
        !line.contains("logprobs"),
        "only the first 100 characters: {line}"
    );
    assert_eq!(server.request_count(), 1, "a bad answer is not retried");
}

#[test]
fn refusal_is_a_bad_answer_quoting_it() {
    let server = ReplayServer::start(|_, _| Reply::ok(fixture("refusal.json")));
    let chat = client_for(&server, |_| {});

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::BadAnswer { .. }), "{line}");
    assert!(
        line.ends_with(
            "the model refused: I'm sorry, I can't help with summarising this material."
        ),
        "{line}"
    );
}

#[test]
fn error_object_in_a_success_answer_is_a_bad_answer() {
    let server = ReplayServer::start(|_, _| Reply::ok(fixture("error_server.json")));
    let chat = client_for(&server, |_| {});

    let (error, line) = error_line(chat.chat(&brief_request()));

    assert!(matches!(error, LlmError::BadAnswer { .. }), "{line}");
    assert!(
        line.contains("the model runner stopped unexpectedly"),
        "{line}"
    );
}

#[test]
fn wrong_key_and_wrong_path_are_config_errors_without_retries() {
    let server = ReplayServer::start(|_, _| Reply::status(401, fixture("error_invalid_key.json")));
    let chat = client_for(&server, |settings| {
        settings.api_key = Some("sk-wrong".into())
    });
    let (error, line) = error_line(chat.chat(&brief_request()));
    assert!(matches!(error, LlmError::Config { .. }), "{line}");
    assert!(
        line.contains("401 Unauthorized (Incorrect API key"),
        "{line}"
    );
    assert!(line.ends_with("check the API key"), "{line}");
    assert_eq!(server.request_count(), 1);

    let mut settings = OpenAiSettings::new(format!("http://{}/api", server.address), "m");
    settings.max_retries = 2;
    let wrong_path = OpenAiChat::new(settings).expect("valid settings");
    let (error, line) = error_line(wrong_path.chat(&brief_request()));
    assert!(matches!(error, LlmError::Config { .. }), "{line}");
    assert!(line.contains("404 Not Found"), "{line}");
    assert_eq!(
        server.request_count(),
        1,
        "the 404 never reached the replay route"
    );
}

#[test]
fn concurrency_is_limited_across_threads() {
    let most_in_flight = |max_concurrency: usize| {
        let server = ReplayServer::start(|_, _| {
            Reply::ok(fixture("brief_answer.json")).after(Duration::from_millis(60))
        });
        let chat = client_for(&server, |settings| {
            settings.max_concurrency = max_concurrency
        });
        assert_eq!(chat.max_concurrency(), max_concurrency);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| chat.chat(&brief_request()).expect("an answer"));
            }
        });
        assert_eq!(server.request_count(), 8);
        server.most_in_flight()
    };

    assert_eq!(
        most_in_flight(2),
        2,
        "at most 2 in flight, and the 2 do overlap"
    );
    // The same server without the limit sees more at once, so the count above is real.
    assert!(most_in_flight(8) > 2);
}

#[test]
fn bad_settings_are_config_errors_naming_the_input() {
    for base_url in ["ftp://127.0.0.1/v1", "127.0.0.1:8080/v1", "", "http://"] {
        let error = OpenAiChat::new(OpenAiSettings::new(base_url, "m")).expect_err(base_url);
        let line = error.to_string();
        assert!(
            matches!(error, LlmError::Config { .. }),
            "{base_url}: {line}"
        );
        let named = if base_url.is_empty() {
            "(empty base_url)"
        } else {
            base_url
        };
        assert!(line.starts_with(named), "{base_url}: {line}");
    }

    let scheme_error = OpenAiChat::new(OpenAiSettings::new("ftp://127.0.0.1/v1", "m"))
        .expect_err("ftp")
        .to_string();
    assert!(scheme_error.contains("use http or https"), "{scheme_error}");

    let mut no_slots = OpenAiSettings::new("http://127.0.0.1:8080/v1", "m");
    no_slots.max_concurrency = 0;
    let error = OpenAiChat::new(no_slots).expect_err("zero concurrency");
    assert!(
        error.to_string().contains("max_concurrency is 0"),
        "{error}"
    );

    let error = OpenAiChat::new(OpenAiSettings::new("http://127.0.0.1:8080/v1", " "))
        .expect_err("empty model");
    assert!(error.to_string().contains("model name is empty"), "{error}");

    let mut bad_key = OpenAiSettings::new("http://127.0.0.1:8080/v1", "m");
    bad_key.api_key = Some("sk-line\nbreak".into());
    let error = OpenAiChat::new(bad_key).expect_err("key with a newline");
    assert!(
        !error.to_string().contains("sk-line"),
        "the key stays out: {error}"
    );
}

#[test]
fn trait_reports_the_settings() {
    let mut settings = OpenAiSettings::new("https://127.0.0.1:8443/v1", "gpt-4o-mini");
    settings.context_tokens = 128_000;
    settings.max_concurrency = 4;
    let chat = OpenAiChat::new(settings).expect("https settings build a client");
    assert_eq!(chat.model_name(), "gpt-4o-mini");
    assert_eq!(chat.context_tokens(), 128_000);
    assert_eq!(chat.max_concurrency(), 4);
    assert_eq!(
        chat.count_tokens("one two three"),
        estimate_tokens("one two three")
    );
    assert_eq!(
        chat.endpoint(),
        "https://127.0.0.1:8443/v1/chat/completions"
    );
}
