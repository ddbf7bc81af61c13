//! The model brief engine end to end against a real HTTP server: the pipeline imports the
//! brief fixtures, clusters them and writes every brief with [`ModelWriter`] over
//! [`OpenAiChat`], whose endpoint is an axum server on 127.0.0.1 replaying recorded answers
//! (`tests/fixtures/model_answers/`). Deliberately wrong answers must be caught sentence by
//! sentence, a malformed answer or a dead server must leave the extractive text in place, and
//! every stored brief must pass the trust checks.

mod briefs_support;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use briefs_support::{StoredBrief, run_pipeline, run_pipeline_with};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use storyline_llm::openai::{OpenAiChat, OpenAiSettings};
use storyline_model::Brief;
use storyline_pipeline::brief::model::{ModelWriter, ModelWriterSettings, PROMPT_VERSION};
use storyline_pipeline::checks::check_brief;

/// What the replay server answers.
#[derive(Clone)]
enum Script {
    /// A chat completion whose content is this recorded answer, with `"@Outlet"` replaced by
    /// that outlet's passage number in the received prompt.
    Answer(String),
    /// Always this HTTP status.
    Status(u16),
}

struct Replay {
    script: Script,
    prompts: Vec<String>,
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model_answers")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Passage numbers by outlet, read from the prompt's "[n] Outlet: headline" lines.
fn passage_numbers(prompt: &str) -> Vec<(String, u32)> {
    prompt
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('[')?;
            let (number, rest) = rest.split_once("] ")?;
            let (outlet, _) = rest.split_once(": ")?;
            Some((outlet.to_string(), number.parse().ok()?))
        })
        .collect()
}

fn fill_in(answer: &str, prompt: &str) -> String {
    let numbers = passage_numbers(prompt);
    let mut filled = answer.to_string();
    for outlet in [
        "Cascade Wire",
        "Harbour Times",
        "Northgate Herald",
        "Valley Courier",
    ] {
        let number = numbers
            .iter()
            .find(|(o, _)| o == outlet)
            .map_or(1, |(_, n)| *n);
        filled = filled.replace(&format!("@{outlet}"), &number.to_string());
    }
    filled
}

type JsonReply = (StatusCode, [(&'static str, &'static str); 1], String);

fn reply(status: StatusCode, body: Value) -> JsonReply {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
}

async fn completions(State(state): State<Arc<Mutex<Replay>>>, body: Bytes) -> JsonReply {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let prompt = body["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut replay = state.lock().expect("replay state");
    replay.prompts.push(prompt.clone());
    match &replay.script {
        Script::Status(code) => reply(
            StatusCode::from_u16(*code).expect("a status code"),
            json!({"error": {"message": "the model is overloaded"}}),
        ),
        Script::Answer(answer) => reply(
            StatusCode::OK,
            json!({
                "id": "chatcmpl-replay",
                "object": "chat.completion",
                "model": "replay-model",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": fill_in(answer, &prompt)}}],
                "usage": {"prompt_tokens": 900, "completion_tokens": 300, "total_tokens": 1200}
            }),
        ),
    }
}

/// Starts the replay server on its own thread and runtime; returns its base URL.
fn serve(state: Arc<Mutex<Replay>>) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            sender
                .send(listener.local_addr().expect("an address"))
                .expect("send the address");
            let app = Router::new()
                .route("/v1/chat/completions", post(completions))
                .with_state(state);
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let address = receiver.recv().expect("the server's address");
    format!("http://{address}/v1")
}

fn writer(base_url: &str) -> ModelWriter {
    let mut settings = OpenAiSettings::new(base_url, "replay-model");
    settings.timeout = Duration::from_secs(5);
    settings.max_retries = 1;
    settings.initial_backoff = Duration::from_millis(5);
    let chat = OpenAiChat::new(settings).expect("a client");
    ModelWriter::new("openai", Arc::new(chat), ModelWriterSettings::default())
}

fn run_with(script: Script) -> (briefs_support::PipelineRun, Vec<String>) {
    let state = Arc::new(Mutex::new(Replay {
        script,
        prompts: Vec::new(),
    }));
    let base_url = serve(state.clone());
    let run = run_pipeline_with(&writer(&base_url));
    let prompts = state.lock().expect("replay state").prompts.clone();
    (run, prompts)
}

fn strike_brief(briefs: &[StoredBrief]) -> &StoredBrief {
    briefs
        .iter()
        .find(|b| {
            b.brief.sources.iter().any(|s| s.outlet == "Harbour Times")
                && b.brief
                    .sources
                    .iter()
                    .any(|s| s.title.contains("walk out over pay"))
        })
        .expect("the strike story's brief")
}

fn rules(brief: &Brief) -> BTreeSet<String> {
    brief
        .checks
        .failures
        .iter()
        .map(|f| f.rule.clone())
        .collect()
}

fn texts(section: &storyline_model::Section) -> Vec<&str> {
    section.sentences.iter().map(|s| s.text.as_str()).collect()
}

#[test]
fn wrong_model_sentences_are_caught_and_the_rest_kept() {
    let (run, prompts) = run_with(Script::Answer(fixture("strike-mixed.json")));
    assert_eq!(prompts.len(), run.briefs.len(), "one model call per brief");

    let strike = strike_brief(&run.briefs);
    let brief = &strike.brief;
    assert_eq!(brief.engine.name, "openai");
    assert_eq!(brief.engine.model.as_deref(), Some("replay-model"));
    assert_eq!(brief.engine.prompt_version.as_deref(), Some(PROMPT_VERSION));

    // Each planted mistake is reported under its own rule.
    let found = rules(brief);
    for rule in [
        "quote_not_found",
        "number_not_found",
        "no_citation",
        "unknown_outlet",
        "outlet_claim_not_supported",
    ] {
        assert!(found.contains(rule), "{rule} not caught: {found:?}");
    }
    // The correct sentences stay, as the model wrote them, with their citations.
    assert_eq!(
        texts(&brief.whats_happened),
        vec![
            "About 2,400 dockworkers at the Port of Kelmouth walked off the job on Monday in a dispute over pay."
        ]
    );
    assert_eq!(brief.whats_happened.fallback_engine, None);
    assert_eq!(
        texts(&brief.behind_the_headline),
        vec![
            "The union is asking for a 7% rise, while the Kelmouth Port Authority has offered 3.2%."
        ],
        "the inline marker became a citation"
    );
    assert_eq!(brief.behind_the_headline.sentences[0].citations.len(), 1);
    assert_eq!(
        texts(&brief.what_the_papers_say),
        vec!["Harbour Times reports that 14 vessels were at anchor in Kelmouth Bay by 9am."]
    );

    // The same answer is wrong for every other story: nothing of it survives there, and the
    // extractive text stands in, marked as a fallback.
    for other in run
        .briefs
        .iter()
        .filter(|b| b.brief.story_id != brief.story_id)
    {
        assert!(
            !other.brief.checks.failures.is_empty(),
            "{}: the strike answer passed for another story",
            other.brief.story_id
        );
        assert_eq!(
            other.brief.whats_happened.fallback_engine.as_deref(),
            Some("extractive")
        );
        assert!(!other.brief.whats_happened.is_empty());
    }

    // Whatever the model got wrong, what is stored passes the checks.
    for stored in &run.briefs {
        let report = check_brief(&stored.brief, &stored.articles, &run.story_ids);
        assert!(report.passed, "{:#?}", report.failures);
        assert!(stored.brief.checks.passed);
    }

    // The prompt gives every outlet a numbered passage and never a wire copy.
    let strike_prompt = prompts
        .iter()
        .find(|p| p.contains("Port of Kelmouth") && p.contains("Northgate Herald"))
        .expect("the strike prompt");
    let outlets: Vec<String> = passage_numbers(strike_prompt)
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    for outlet in ["Cascade Wire", "Harbour Times", "Northgate Herald"] {
        assert!(
            outlets.iter().any(|o| o == outlet),
            "{outlet} missing: {outlets:?}"
        );
    }
    assert!(
        !outlets.iter().any(|o| o == "Valley Courier"),
        "a copy was given as a passage"
    );
}

#[test]
fn a_malformed_answer_leaves_the_extractive_brief() {
    let extractive = run_pipeline();
    let (run, _) = run_with(Script::Answer(fixture("not-json.txt")));
    assert_eq!(run.briefs.len(), extractive.briefs.len());
    for (model, plain) in run.briefs.iter().zip(&extractive.briefs) {
        assert_eq!(
            rules(&model.brief),
            BTreeSet::from(["malformed_answer".to_string()])
        );
        assert_eq!(
            texts(&model.brief.whats_happened),
            texts(&plain.brief.whats_happened)
        );
        assert_eq!(
            model.brief.whats_happened.fallback_engine.as_deref(),
            Some("extractive")
        );
        assert_eq!(model.brief.engine.name, "openai");
    }
}

#[test]
fn a_dead_model_server_does_not_stop_the_run() {
    let (run, prompts) = run_with(Script::Status(503));
    // Two tries per brief (one retry), every brief still written.
    assert_eq!(prompts.len(), 2 * run.briefs.len());
    assert!(run.briefs.len() >= 3);
    for stored in &run.briefs {
        let failure = &stored.brief.checks.failures[0];
        assert_eq!(failure.rule, "model_error");
        assert!(
            failure.detail.contains("503") && failure.detail.contains("127.0.0.1"),
            "{}",
            failure.detail
        );
        assert!(!stored.brief.whats_happened.is_empty());
    }
}
