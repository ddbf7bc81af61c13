//! The language-model brief engines (`local`, `openai`): a [`ChatModel`] writes the three
//! prose sections from numbered passages of the story's articles; everything it writes goes
//! through the trust checks, and a section left with no passing sentence falls back to the
//! extractive engine.
//!
//! How a brief is made:
//! 1. The extractive engine writes the whole brief first: sources, timeline, "Go deeper",
//!    entity cards, and the fallback text of every prose section.
//! 2. Passages are selected to fit the model's context window ([`select_passages`]): every
//!    outlet's first original article gets its headline and lead before any outlet gets more,
//!    then sentences are added round-robin. A passage's number is the article's source number
//!    in the brief, so the model's citations need no translation.
//! 3. The prompt comes from the versioned template files in `prompts/` ([`PROMPT_VERSION`]);
//!    the answer is asked for as JSON following `prompts/brief-v1.answer.schema.json`.
//! 4. The answer is parsed leniently ([`parse_answer`]: a code fence or text around the JSON
//!    object, citation markers inside the text, numbers given as strings), each sentence is
//!    checked, failures are dropped and recorded in the brief's check report.
//!
//! Invariants: a model failure (unreachable server, malformed answer, invented outlet) never
//! fails the brief: it is recorded (`model_error`, `malformed_answer`, `unknown_outlet`) and
//! the extractive text stands in; the headline is always a real article's headline; every
//! brief records engine, model and prompt version.

use super::extractive::ExtractiveWriter;
use super::text::{attribute, strip_dateline};
use super::{BriefContext, Generator, SourceNo};
use crate::PipelineError;
use crate::checks;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use storyline_llm::{ChatModel, ChatRequest, ChatResponse, Message, ResponseFormat};
use storyline_model::{Article, Brief, BriefEngine, CheckFailure, Citation, Section, Sentence};
use storyline_nlp::sentences::split_sentences;

/// Version of the prompt templates in `prompts/`; recorded in every brief. Change it with
/// any change to the templates or the answer schema.
pub const PROMPT_VERSION: &str = "brief-v1";
/// Version of this writer's method (passage selection, parsing, fallback), recorded in every
/// brief.
pub const MODEL_WRITER_VERSION: &str = "1";

const SYSTEM_TEMPLATE: &str = include_str!("../../prompts/brief-v1.system.txt");
const USER_TEMPLATE: &str = include_str!("../../prompts/brief-v1.user.txt");
const ANSWER_SCHEMA: &str = include_str!("../../prompts/brief-v1.answer.schema.json");

/// Sentences kept per section, whatever the model returns.
const MAX_SECTION_SENTENCES: usize = 3;
const MAX_PAPERS_SENTENCES: usize = 4;
/// Tokens kept free between the prompt and the answer budget: token counts of remote
/// models are estimates.
const PROMPT_MARGIN_TOKENS: u32 = 64;

/// Settings of the model writer.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelWriterSettings {
    /// Most tokens the model may answer with (default 768: three short sections of JSON).
    pub max_answer_tokens: u32,
    /// Sampling temperature (default 0: repeatable briefs).
    pub temperature: f32,
}

impl Default for ModelWriterSettings {
    fn default() -> Self {
        ModelWriterSettings {
            max_answer_tokens: 768,
            temperature: 0.0,
        }
    }
}

/// A brief engine backed by a language model.
pub struct ModelWriter {
    /// `local` or `openai`, recorded in the brief.
    engine_name: String,
    chat: Arc<dyn ChatModel>,
    settings: ModelWriterSettings,
}

impl std::fmt::Debug for ModelWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelWriter")
            .field("engine_name", &self.engine_name)
            .field("model", &self.chat.model_name())
            .field("settings", &self.settings)
            .finish()
    }
}

/// One numbered passage given to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// The article's source number in the brief.
    pub source: u32,
    pub outlet: String,
    pub headline: String,
    /// Lead sentences, in article order.
    pub sentences: Vec<String>,
}

impl Passage {
    fn render(&self) -> String {
        format!(
            "[{}] {}: {}\n{}",
            self.source,
            self.outlet,
            self.headline.trim(),
            self.sentences.join(" ")
        )
    }
}

/// The answer the model is asked for (prompts/brief-v1.answer.schema.json). Missing keys
/// read as empty sections.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ModelAnswer {
    #[serde(default)]
    pub whats_happened: Vec<ModelSentence>,
    #[serde(default)]
    pub behind_the_headline: Vec<ModelSentence>,
    #[serde(default)]
    pub what_the_papers_say: Vec<ModelSentence>,
}

/// One sentence of the model's answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ModelSentence {
    /// Set in "What the papers say".
    #[serde(default)]
    pub outlet: Option<String>,
    #[serde(default)]
    pub text: String,
    /// Source numbers; small models write them as numbers, strings or "[2]".
    #[serde(default)]
    pub sources: Vec<serde_json::Value>,
}

/// A brief and what the model call cost (`None` when the model was not reached).
#[derive(Debug, Clone)]
pub struct ModelBrief {
    pub brief: Brief,
    pub usage: Option<ChatResponse>,
}

impl ModelWriter {
    pub fn new(
        engine_name: impl Into<String>,
        chat: Arc<dyn ChatModel>,
        settings: ModelWriterSettings,
    ) -> Self {
        ModelWriter {
            engine_name: engine_name.into(),
            chat,
            settings,
        }
    }

    /// Writes a brief and returns the model call's usage with it (for benchmarks and logs).
    pub fn write_with_usage(&self, context: &BriefContext) -> Result<ModelBrief, PipelineError> {
        let mut brief = ExtractiveWriter.write(context)?;
        brief.engine = self.engine();
        let request = self.request(context, &brief);
        let answer = self.chat.chat(&request);
        let (response, parsed) = match answer {
            Err(err) => {
                fall_back_entirely(&mut brief, "model_error", err.to_string());
                return Ok(ModelBrief { brief, usage: None });
            }
            Ok(response) => {
                let parsed = parse_answer(&response.text);
                (response, parsed)
            }
        };
        brief.engine.model = Some(response.model.clone()).filter(|m| !m.is_empty());
        match parsed {
            Err(cause) => fall_back_entirely(&mut brief, "malformed_answer", cause),
            Ok(answer) => merge_answer(&mut brief, &answer, &context.articles),
        }
        Ok(ModelBrief {
            brief,
            usage: Some(response),
        })
    }

    /// The chat request for `context`, whose extractive brief is `brief` (for the sources).
    pub fn request(&self, context: &BriefContext, brief: &Brief) -> ChatRequest {
        let outlets = distinct_outlets(brief);
        let fixed = fill(USER_TEMPLATE, &brief.headline, &outlets.join(", "), "");
        let used = self.chat.count_tokens(SYSTEM_TEMPLATE) + self.chat.count_tokens(&fixed);
        let budget = self
            .chat
            .context_tokens()
            .saturating_sub(self.settings.max_answer_tokens)
            .saturating_sub(used)
            .saturating_sub(PROMPT_MARGIN_TOKENS);
        let passages = select_passages(&context.articles, brief, budget, &|text| {
            self.chat.count_tokens(text)
        });
        let rendered: Vec<String> = passages.iter().map(Passage::render).collect();
        let user = fill(
            USER_TEMPLATE,
            &brief.headline,
            &outlets.join(", "),
            &rendered.join("\n\n"),
        );
        let numbers: Vec<u32> = passages.iter().map(|p| p.source).collect();
        ChatRequest {
            messages: vec![Message::system(SYSTEM_TEMPLATE.trim()), Message::user(user)],
            max_tokens: self.settings.max_answer_tokens,
            temperature: self.settings.temperature,
            response_format: ResponseFormat::Json {
                name: "storyline_brief".into(),
                schema: story_answer_schema(&outlets, &numbers),
            },
        }
    }
}

impl Generator for ModelWriter {
    fn engine(&self) -> BriefEngine {
        BriefEngine {
            name: self.engine_name.clone(),
            version: MODEL_WRITER_VERSION.into(),
            model: Some(self.chat.model_name()),
            prompt_version: Some(PROMPT_VERSION.into()),
        }
    }

    fn write(&self, context: &BriefContext) -> Result<Brief, PipelineError> {
        self.write_with_usage(context).map(|written| written.brief)
    }
}

/// The JSON Schema of the answer (prompts/brief-v1.answer.schema.json).
pub fn answer_schema() -> serde_json::Value {
    // The file is ours and checked by a test; an unreadable schema would be a build defect.
    serde_json::from_str(ANSWER_SCHEMA).unwrap_or(serde_json::Value::Null)
}

/// The answer schema narrowed to this story: outlets and source numbers can only be the
/// story's own. Servers and llama.cpp grammars that enforce schemas then cannot produce an
/// invented outlet or a source number outside the passages; the checks still run.
fn story_answer_schema(outlets: &[String], numbers: &[u32]) -> serde_json::Value {
    let mut schema = answer_schema();
    for section in [
        "whats_happened",
        "behind_the_headline",
        "what_the_papers_say",
    ] {
        let items = &mut schema["properties"][section]["items"]["properties"];
        if !numbers.is_empty() {
            items["sources"]["items"] = serde_json::json!({ "enum": numbers });
        }
        if section == "what_the_papers_say" && !outlets.is_empty() {
            items["outlet"] = serde_json::json!({ "enum": outlets });
        }
    }
    schema
}

fn fill(template: &str, headline: &str, outlets: &str, passages: &str) -> String {
    template
        .replace("{{headline}}", headline.trim())
        .replace("{{outlets}}", outlets)
        .replace("{{passages}}", passages)
}

/// Outlets of the brief's original sources, in source order.
fn distinct_outlets(brief: &Brief) -> Vec<String> {
    let mut outlets: Vec<String> = Vec::new();
    for source in brief.sources.iter().filter(|s| s.copy_of.is_none()) {
        if !outlets.contains(&source.outlet) {
            outlets.push(source.outlet.clone());
        }
    }
    outlets
}

/// Chooses what of the story's original articles fits in `budget` tokens: first every
/// outlet's first article (headline and first sentence), then the other articles' headlines
/// and first sentences, then one more sentence of each article per round, outlets taking
/// turns. Copies are left out (their outlet is credited through the original). Passages come
/// back in source order.
pub fn select_passages(
    articles: &[Article],
    brief: &Brief,
    budget: u32,
    count_tokens: &dyn Fn(&str) -> u32,
) -> Vec<Passage> {
    // (source index, outlet, sentences) of each original, outlets' first articles first.
    let mut originals: Vec<(usize, String, Vec<String>)> = Vec::new();
    let mut seen_outlets: BTreeSet<String> = BTreeSet::new();
    let mut later: Vec<(usize, String, Vec<String>)> = Vec::new();
    for (index, article) in articles.iter().enumerate() {
        if article.duplicate_of.is_some() {
            continue;
        }
        let outlet = brief
            .sources
            .get(index)
            .map_or_else(|| article.outlet.name.clone(), |s| s.outlet.clone());
        let sentences: Vec<String> = split_sentences(&article.article_body)
            .into_iter()
            .map(|s| strip_dateline(&s.text).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if seen_outlets.insert(outlet.clone()) {
            originals.push((index, outlet, sentences));
        } else {
            later.push((index, outlet, sentences));
        }
    }
    originals.extend(later);

    let mut taken: Vec<Option<Passage>> = vec![None; originals.len()];
    let mut used = 0u32;
    let mut round = 0usize;
    loop {
        let mut grew = false;
        for (slot, (index, outlet, sentences)) in originals.iter().enumerate() {
            let Some(sentence) = sentences.get(round) else {
                continue;
            };
            let passage = taken[slot].get_or_insert_with(|| Passage {
                source: SourceNo::of_doc(*index).get(),
                outlet: outlet.clone(),
                headline: articles[*index].headline.clone(),
                sentences: Vec::new(),
            });
            let mut cost = count_tokens(sentence) + 1;
            if passage.sentences.is_empty() {
                cost += count_tokens(&passage.headline) + count_tokens(outlet) + 4;
            }
            if used + cost > budget {
                if passage.sentences.is_empty() {
                    taken[slot] = None;
                }
                continue;
            }
            used += cost;
            passage.sentences.push(sentence.clone());
            grew = true;
        }
        if !grew {
            break;
        }
        round += 1;
    }
    let mut passages: Vec<Passage> = taken.into_iter().flatten().collect();
    passages.sort_by_key(|p| p.source);
    passages
}

/// Reads the model's answer: the JSON object itself, or the first `{` to the last `}` of
/// the text (small models add prose or a code fence around it), or, when the answer was cut
/// off at the token limit, its complete sentences ([`close_truncated_json`]).
pub fn parse_answer(text: &str) -> Result<ModelAnswer, String> {
    let trimmed = text.trim();
    let Some(start) = trimmed.find('{') else {
        return Err(format!(
            "the answer holds no JSON object: \"{}\"",
            preview(trimmed)
        ));
    };
    let from_brace = &trimmed[start..];
    let whole = from_brace
        .rfind('}')
        .map(|end| &from_brace[..=end])
        .and_then(|candidate| serde_json::from_str::<ModelAnswer>(candidate).ok());
    if let Some(answer) = whole {
        return Ok(answer);
    }
    if let Some(answer) = close_truncated_json(from_brace)
        .and_then(|closed| serde_json::from_str::<ModelAnswer>(&closed).ok())
    {
        return Ok(answer);
    }
    let err = serde_json::from_str::<ModelAnswer>(from_brace)
        .err()
        .map_or_else(String::new, |e| format!(" ({e})"));
    Err(format!(
        "the answer is not the brief JSON{err}: \"{}\"",
        preview(trimmed)
    ))
}

/// The longest prefix of a cut-off JSON text that ends with a complete object inside an
/// array (one whole sentence of the answer), with the brackets still open closed. `None`
/// when no such object was completed.
pub fn close_truncated_json(text: &str) -> Option<String> {
    let mut open: Vec<char> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    // (byte end of a completed object whose parent is an array, closers needed after it)
    let mut best: Option<(usize, String)> = None;
    for (at, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => open.push('}'),
            '[' => open.push(']'),
            '}' | ']' => {
                if open.pop() != Some(c) {
                    return best.map(|(end, closers)| format!("{}{closers}", &text[..end]));
                }
                if c == '}' && open.last() == Some(&']') {
                    let closers: String = open.iter().rev().collect();
                    best = Some((at + 1, closers));
                }
            }
            _ => {}
        }
    }
    best.map(|(end, closers)| format!("{}{closers}", &text[..end]))
}

fn preview(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(120) {
        Some((at, _)) => format!("{}...", &one_line[..at]),
        None => one_line,
    }
}

/// Records `rule` and shows the extractive text in every prose section.
fn fall_back_entirely(brief: &mut Brief, rule: &str, detail: String) {
    brief.checks.failures.push(CheckFailure {
        section: "brief".into(),
        sentence: String::new(),
        rule: rule.into(),
        detail,
    });
    for section in [
        &mut brief.whats_happened,
        &mut brief.behind_the_headline,
        &mut brief.what_the_papers_say,
    ] {
        if !section.is_empty() {
            section.fallback_engine = Some("extractive".into());
        }
    }
}

/// Puts the model's sentences into `brief` (which holds the extractive sections): each
/// section keeps the model's sentences that pass the trust checks, or, when none does, the
/// extractive text marked as a fallback. Every dropped sentence is recorded.
fn merge_answer(brief: &mut Brief, answer: &ModelAnswer, articles: &[Article]) {
    let outlets = distinct_outlets(brief);
    let mut failures: Vec<CheckFailure> = Vec::new();
    let mut scratch = brief.clone();
    scratch.how_we_got_here.clear();
    scratch.checks = Default::default();
    scratch.whats_happened = model_section(&answer.whats_happened, MAX_SECTION_SENTENCES);
    scratch.behind_the_headline = model_section(&answer.behind_the_headline, MAX_SECTION_SENTENCES);
    let mut papers = Vec::new();
    for sentence in answer.what_the_papers_say.iter().take(MAX_PAPERS_SENTENCES) {
        match papers_sentence(sentence, &outlets) {
            Ok(Some(sentence)) => papers.push(sentence),
            Ok(None) => {}
            Err(failure) => failures.push(failure),
        }
    }
    scratch.what_the_papers_say = Section {
        sentences: papers,
        fallback_engine: None,
    };
    let report = checks::enforce(&mut scratch, articles, &BTreeSet::new());
    failures.extend(report.failures);
    for (model, fallback) in [
        (scratch.whats_happened, &mut brief.whats_happened),
        (scratch.behind_the_headline, &mut brief.behind_the_headline),
        (scratch.what_the_papers_say, &mut brief.what_the_papers_say),
    ] {
        if model.is_empty() {
            if !fallback.is_empty() {
                fallback.fallback_engine = Some("extractive".into());
            }
        } else {
            *fallback = model;
        }
    }
    brief.checks.failures.extend(failures);
}

/// The model's sentences of one prose section, citation markers moved out of the text,
/// empty and repeated sentences left out.
fn model_section(sentences: &[ModelSentence], limit: usize) -> Section {
    let mut out: Vec<Sentence> = Vec::new();
    for sentence in sentences.iter().take(limit) {
        let converted = to_sentence(sentence);
        if converted.text.is_empty() || out.iter().any(|s| s.text == converted.text) {
            continue;
        }
        out.push(converted);
    }
    Section {
        sentences: out,
        fallback_engine: None,
    }
}

/// A "What the papers say" sentence: the outlet must be one of the story's outlets, and the
/// text must name it (an outlet's claim without its name would read as plain fact).
fn papers_sentence(
    sentence: &ModelSentence,
    outlets: &[String],
) -> Result<Option<Sentence>, CheckFailure> {
    let mut converted = to_sentence(sentence);
    if converted.text.is_empty() {
        return Ok(None);
    }
    let Some(claimed) = sentence
        .outlet
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    else {
        return Ok(Some(converted));
    };
    let Some(outlet) = outlets
        .iter()
        .find(|o| o.eq_ignore_ascii_case(claimed))
        .or_else(|| {
            // "Harbour Times" for "The Harbour Times" and the like.
            let bare = |s: &str| s.trim_start_matches("The ").to_lowercase();
            outlets.iter().find(|o| bare(o) == bare(claimed))
        })
    else {
        return Err(CheckFailure {
            section: "what_the_papers_say".into(),
            sentence: converted.text,
            rule: "unknown_outlet".into(),
            detail: format!("\"{claimed}\" is not one of the story's outlets"),
        });
    };
    if !converted.text.contains(outlet.as_str()) {
        converted.text = attribute(outlet, "reports", &converted.text, &|_| false);
    }
    Ok(Some(converted))
}

/// The model's sentence with inline markers ("[2]", "[1, 3]") removed from the text and
/// added to its citations, in source order without repeats.
fn to_sentence(sentence: &ModelSentence) -> Sentence {
    let (text, mut numbers) = strip_markers(&sentence.text);
    for value in &sentence.sources {
        let number = match value {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s
                .trim()
                .trim_matches(|c| c == '[' || c == ']')
                .parse::<u64>()
                .ok(),
            _ => None,
        };
        if let Some(n) = number.and_then(|n| u32::try_from(n).ok()) {
            numbers.push(n);
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    Sentence {
        text,
        citations: numbers.into_iter().map(Citation::Source).collect(),
    }
}

/// Removes bracketed citation markers made only of digits, commas and spaces, returning the
/// cleaned text (whitespace tidied) and the numbers found.
fn strip_markers(text: &str) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(text.len());
    let mut numbers = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        let inside = &rest[open + 1..close];
        let is_marker = !inside.trim().is_empty()
            && inside
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ');
        if is_marker {
            out.push_str(&rest[..open]);
            numbers.extend(
                inside
                    .split(',')
                    .filter_map(|part| part.trim().parse::<u32>().ok()),
            );
        } else {
            out.push_str(&rest[..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    let tidied = out
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" .", ".")
        .replace(" ,", ",");
    (tidied, numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_move_to_citations() {
        let (text, numbers) = strip_markers("The port reopened [1]. Talks resume [2, 3] today.");
        assert_eq!(text, "The port reopened. Talks resume today.");
        assert_eq!(numbers, vec![1, 2, 3]);
        let (text, numbers) = strip_markers("A [sic] quote [x] stays");
        assert_eq!(text, "A [sic] quote [x] stays");
        assert!(numbers.is_empty());
    }

    #[test]
    fn answers_are_read_leniently() {
        let fenced = "Here is the brief:\n```json\n{\"whats_happened\": [{\"text\": \"Cranes moved [2].\", \"sources\": [\"1\"]}]}\n```";
        let answer = parse_answer(fenced).expect("parses");
        let sentence = to_sentence(&answer.whats_happened[0]);
        assert_eq!(sentence.text, "Cranes moved.");
        assert_eq!(
            sentence.citations,
            vec![Citation::Source(1), Citation::Source(2)]
        );
        assert!(answer.behind_the_headline.is_empty());
        assert!(parse_answer("I cannot help with that.").is_err());
        // Cut off at the token limit inside the second sentence: the first one is kept.
        let cut = r#"{"whats_happened": [{"text": "Cranes moved [1].", "sources": [1]}, {"text": "Talks res"#;
        let answer = parse_answer(cut).expect("the complete sentence is read");
        assert_eq!(answer.whats_happened.len(), 1);
        assert_eq!(
            close_truncated_json(r#"{"a": [{"t": "x}]"}, {"t": "#).as_deref(),
            Some(r#"{"a": [{"t": "x}]"}]}"#)
        );
        assert_eq!(close_truncated_json(r#"{"a": [{"t": "#), None);
        let err = parse_answer("{\"whats_happened\": \"not a list\"}").unwrap_err();
        assert!(err.contains("not the brief JSON"), "{err}");
    }

    #[test]
    fn the_schema_names_only_the_story_s_outlets_and_sources() {
        let schema = story_answer_schema(&["Harbour Times".to_string()], &[1, 3]);
        let papers = &schema["properties"]["what_the_papers_say"]["items"]["properties"];
        assert_eq!(
            papers["outlet"]["enum"],
            serde_json::json!(["Harbour Times"])
        );
        assert_eq!(
            papers["sources"]["items"]["enum"],
            serde_json::json!([1, 3])
        );
        let lead = &schema["properties"]["whats_happened"]["items"]["properties"];
        assert_eq!(lead["sources"]["items"]["enum"], serde_json::json!([1, 3]));
    }

    #[test]
    fn the_answer_schema_file_is_valid_json() {
        let schema = answer_schema();
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"].as_array().map(Vec::len), Some(3));
    }
}
