//! The JSON API end to end: the real server on 127.0.0.1:0 over a real SQLite store that the
//! real pipeline filled from the pipeline's brief fixtures (JSONL import, clustering,
//! extractive briefs with their trust checks), queried with a real HTTP client.
//!
//! The tour test walks every route of the OpenAPI document, checks each answer against the
//! schema the document gives for its status, and fails if a documented route was not
//! exercised or an exercised one is not documented. The other tests cover ranking, paging,
//! filters, error codes, the admin routes and the security headers (`/metrics` has its own
//! test, `tests/metrics.rs`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Cursor};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use storyline_model::{Story, StoryId};
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::refresh_briefs;
use storyline_pipeline::cluster::{ClusterConfig, cluster_pending};
use storyline_pipeline::ingest::{ImportLimits, import_jsonl};
use storyline_store::{SqliteStore, Store};
use storyline_web::AppState;
use storyline_web::metrics::Metrics;
use tempfile::TempDir;

const ADMIN_TOKEN: &str = "test-admin-token-7f3a";
/// The id of a story made to look merged into the tram story, as clustering records merges.
const MERGED_ID: &str = "s00000000merge";

// ---------------------------------------------------------------------------------------
// The store, filled by the pipeline

/// When the first briefs are written; the held-back article's brief comes an hour later.
fn brief_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 14, 6, 0, 0)
        .single()
        .expect("a valid fixed date")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../storyline-pipeline/tests/fixtures/briefs")
        .join(name)
}

fn read_lines(name: &str) -> Vec<String> {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Cursor::new(text)
        .lines()
        .map(|line| line.expect("a line"))
        .filter(|line| !line.trim().is_empty())
        .collect()
}

fn import(store: &mut SqliteStore, label: &str, lines: &[String]) {
    let text = lines.join("\n");
    let report = import_jsonl(
        store,
        label,
        Cursor::new(text),
        brief_time() - Duration::hours(12),
        &ImportLimits::default(),
    )
    .unwrap_or_else(|e| panic!("import {label}: {e}"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

fn cluster_and_brief(store: &mut SqliteStore, at: DateTime<Utc>) {
    cluster_pending(store, &ClusterConfig::default()).expect("clustering");
    let report = refresh_briefs(store, &ExtractiveWriter, at).expect("briefs");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// The three fixture stories, by what they are about.
#[derive(Debug, Clone)]
struct Stories {
    /// Ardmore airport tram: two brief versions (its third article arrived later).
    tram: StoryId,
    /// Kelmouth strike: has a wire copy (Valley Courier).
    strike: StoryId,
    /// Kelmouth deal, five days later.
    deal: StoryId,
}

/// Imports the fixtures, holding back the tram story's last article so that its story gets
/// a second brief version, and records a merged story pointing at the tram story.
fn fill_store(dir: &Path) -> Stories {
    let mut store = SqliteStore::open(dir).expect("open the store");
    let tram = read_lines("ardmore-tram.jsonl");
    let (first_tram, last_tram) = tram.split_at(tram.len() - 1);
    import(&mut store, "ardmore-tram.jsonl", first_tram);
    import(
        &mut store,
        "kelmouth-strike.jsonl",
        &read_lines("kelmouth-strike.jsonl"),
    );
    import(
        &mut store,
        "kelmouth-deal.jsonl",
        &read_lines("kelmouth-deal.jsonl"),
    );
    cluster_and_brief(&mut store, brief_time());
    import(&mut store, "ardmore-tram.jsonl (late)", last_tram);
    cluster_and_brief(&mut store, brief_time() + Duration::hours(1));

    let mut by_outlet = BTreeMap::new();
    for story in store.stories().expect("stories") {
        let members = store.story_members(&story.id).expect("members");
        let ids: Vec<_> = members.iter().map(|m| m.article_id.clone()).collect();
        for article in store.articles(&ids).expect("articles") {
            by_outlet
                .entry(article.outlet.name.clone())
                .or_insert_with(BTreeSet::new)
                .insert(story.id.clone());
        }
    }
    let only = |outlet: &str| -> StoryId {
        let stories = &by_outlet[outlet];
        assert_eq!(stories.len(), 1, "{outlet}: {stories:?}");
        stories.iter().next().cloned().expect("one story")
    };
    let tram = only("Lantern Post");
    let strike = only("Valley Courier");
    let all: BTreeSet<StoryId> = store
        .stories()
        .expect("stories")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(all.len(), 3, "the fixtures tell three stories: {all:?}");
    let deal = all
        .iter()
        .find(|id| **id != tram && **id != strike)
        .cloned()
        .expect("the deal story");
    assert_eq!(store.brief_versions(&tram).expect("versions").len(), 2);

    let survivor = store.story(&tram).expect("story").expect("the tram story");
    store
        .save_stories(
            &[Story {
                id: StoryId(MERGED_ID.to_string()),
                headline: "Ardmore tram vote scheduled".to_string(),
                merged_into: Some(tram.clone()),
                article_count: 0,
                outlet_count: 0,
                ..survivor
            }],
            &[],
        )
        .expect("record a merged story");
    Stories { tram, strike, deal }
}

// ---------------------------------------------------------------------------------------
// The server and the client

struct TestServer {
    base: String,
    client: reqwest::Client,
    stories: Stories,
    /// (method, route template) of every request made through [`TestServer::call`].
    exercised: Mutex<BTreeSet<(String, String)>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    dir: TempDir,
}

/// An answer: status, headers and the body parsed as JSON where it is JSON.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error answer with this status and code.
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty() && !message.contains('\n'), "{body}");
    }
}

async fn start(admin_token: Option<&str>) -> TestServer {
    storyline_fetch::install_crypto_provider();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stories = fill_store(dir.path());
    let stores = (0..2)
        .map(|_| Box::new(SqliteStore::open(dir.path()).expect("open the store")) as Box<dyn Store>)
        .collect();
    let state = AppState::new(
        stores,
        "test store",
        admin_token.map(str::to_string),
        Metrics::new(),
    )
    .expect("open the server state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let address = listener.local_addr().expect("the bound address");
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(storyline_web::serve(listener, state, async move {
        let _ = stop.await;
    }));
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    TestServer {
        base: format!("http://{address}"),
        client,
        stories,
        exercised: Mutex::new(BTreeSet::new()),
        shutdown: Some(shutdown),
        task: Some(task),
        dir,
    }
}

impl TestServer {
    /// Sends a request; `route` is the template it exercises (for the coverage check).
    async fn call(
        &self,
        method: Method,
        route: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        self.exercised
            .lock()
            .expect("the coverage set")
            .insert((method.as_str().to_lowercase(), route.to_string()));
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    async fn get(&self, route: &str, path: &str) -> Answer {
        self.call(Method::GET, route, path, None, None).await
    }

    /// Sends raw bytes with a content type (for bodies the client would not build).
    async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let response = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("a response");
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("the server stops on shutdown")
                .expect("the server task");
            result.expect("the server ran without I/O error");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The OpenAPI document as an oracle

/// `~` and `/` escaped for a JSON pointer segment.
fn pointer_segment(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointer (in `document`) of the schema documented for this answer, following a
/// `$ref` to a component response. `None` when the answer has no JSON body documented.
fn response_schema_pointer(
    document: &Value,
    route: &str,
    method: &str,
    status: u16,
) -> Option<String> {
    let operation = format!(
        "/paths/{}/{method}/responses/{status}",
        pointer_segment(route)
    );
    let response = document
        .pointer(&operation)
        .unwrap_or_else(|| panic!("{method} {route} does not document status {status}"));
    let base = match response.get("$ref").and_then(Value::as_str) {
        Some(target) => target.trim_start_matches('#').to_string(),
        None => operation,
    };
    let schema = format!("{base}/content/application~1json/schema");
    document.pointer(&schema).map(|_| schema)
}

/// The ways `body` breaks the schema the document gives for this answer (none when the
/// answer documents no JSON body).
fn schema_errors(
    document: &Value,
    route: &str,
    method: &str,
    status: u16,
    body: &Value,
) -> Vec<String> {
    let Some(pointer) = response_schema_pointer(document, route, method, status) else {
        return Vec::new();
    };
    // The whole document as the root resource, so every `#/components/...` ref resolves.
    let mut root = document.clone();
    // A `$ref` is a URI: braces of route templates must be percent-encoded.
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    root["$ref"] = json!(format!("#{fragment}"));
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"));
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Asserts that `body` matches the schema the document gives for this answer.
fn check_against_document(document: &Value, route: &str, method: &str, status: u16, body: &Value) {
    let errors = schema_errors(document, route, method, status, body);
    assert!(
        errors.is_empty(),
        "{method} {route} {status} does not match the document: {errors:#?}\n{body:#}"
    );
}

/// Every `$ref` string in the document.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => refs(child, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (route, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            operations.insert((method.clone(), route.clone()));
        }
    }
    operations
}

/// Checks an answer against the document and returns its JSON body (`Null` for none).
fn checked(document: &Value, route: &str, method: &str, answer: &Answer) -> Value {
    let is_json = answer
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    let body = if is_json { answer.json() } else { Value::Null };
    if is_json {
        check_against_document(document, route, method, answer.status.as_u16(), &body);
    } else {
        // Documented all the same.
        response_schema_pointer(document, route, method, answer.status.as_u16());
    }
    body
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_answers_as_documented() {
    let server = start(Some(ADMIN_TOKEN)).await;
    let Stories { tram, strike, deal } = server.stories.clone();

    let answer = server.get("/api/openapi.json", "/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        document["openapi"]
    );
    let mut targets = Vec::new();
    refs(&document, &mut targets);
    assert!(targets.len() > 40, "{targets:?}");
    for target in &targets {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("a $ref outside the document: {target}"));
        assert!(
            document.pointer(pointer).is_some(),
            "$ref {target} points nowhere"
        );
    }
    for (name, schema) in document["components"]["schemas"]
        .as_object()
        .expect("component schemas")
    {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("component schema {name} is not a 2020-12 schema: {e}");
        }
    }
    // Every operation documents at least one success answer.
    for (method, route) in documented_operations(&document) {
        let responses = document["paths"][&route][&method]["responses"]
            .as_object()
            .expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{method} {route}"
        );
    }

    let check =
        |route: &str, method: &str, answer: &Answer| checked(&document, route, method, answer);
    // The oracle can fail: a body of the wrong shape does not pass.
    assert!(
        !schema_errors(
            &document,
            "/api/stories/{id}",
            "get",
            200,
            &json!({ "id": 5 })
        )
        .is_empty()
    );
    assert!(
        !schema_errors(
            &document,
            "/api/stories/{id}",
            "get",
            404,
            &json!({ "error": {} })
        )
        .is_empty()
    );

    // Stories.
    let page = check(
        "/api/stories",
        "get",
        &server.get("/api/stories", "/api/stories").await,
    );
    assert_eq!(page["total"], 3, "{page:#}");
    let listed: BTreeSet<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([tram.as_str(), strike.as_str(), deal.as_str()]),
        "the merged story is not listed"
    );

    let route = "/api/stories/{id}";
    let detail = check(
        route,
        "get",
        &server.get(route, &format!("/api/stories/{tram}")).await,
    );
    assert_eq!(detail["id"], tram.as_str());
    assert_eq!(detail["brief_version"], 2);
    assert_eq!(detail["articles"].as_array().map(Vec::len), Some(3));
    assert!(
        detail["outlets"]
            .as_array()
            .is_some_and(|o| o.contains(&json!("Lantern Post")))
    );
    let strike_detail = check(
        route,
        "get",
        &server.get(route, &format!("/api/stories/{strike}")).await,
    );
    let copies = strike_detail["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .filter(|a| a["duplicateOf"].is_string())
        .count();
    assert_eq!(copies, 1, "the Valley Courier wire copy");
    // The outlets listed are the ones counted: the copy's outlet is neither (issue 17: the
    // stored count and the list once disagreed on exactly this story).
    let outlets = strike_detail["outlets"].as_array().expect("outlets");
    assert_eq!(
        Some(outlets.len() as u64),
        strike_detail["outlet_count"].as_u64(),
        "{outlets:?}"
    );
    assert!(!outlets.contains(&json!("Valley Courier")), "{outlets:?}");
    for story in [&tram, &strike, &deal] {
        let detail = server.get(route, &format!("/api/stories/{story}")).await;
        let detail = check(route, "get", &detail);
        assert_eq!(
            detail["outlets"].as_array().map(|o| o.len() as u64),
            detail["outlet_count"].as_u64(),
            "{story}"
        );
        assert!(!detail.to_string().contains("www."), "{story}");
    }

    let route = "/api/stories/{id}/brief";
    let latest = server
        .get(route, &format!("/api/stories/{tram}/brief"))
        .await;
    let brief = check(route, "get", &latest);
    assert_eq!(brief["version"], 2);
    assert_eq!(brief["story_id"], tram.as_str());
    assert_eq!(
        latest.header("content-location"),
        Some(format!("/api/stories/{tram}/brief?version=2").as_str())
    );
    let first = server
        .get(route, &format!("/api/stories/{tram}/brief?version=1"))
        .await;
    assert_eq!(check(route, "get", &first)["version"], 1);
    assert_eq!(
        first.header("cache-control"),
        Some("public, max-age=86400, immutable")
    );
    // Served from the cache the second time: the same bytes.
    let again = server
        .get(route, &format!("/api/stories/{tram}/brief?version=1"))
        .await;
    assert_eq!(again.text, first.text);

    let route = "/api/stories/{id}/brief/versions";
    let versions = check(
        route,
        "get",
        &server
            .get(route, &format!("/api/stories/{tram}/brief/versions"))
            .await,
    );
    assert_eq!(versions["latest"], 2);
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2));

    // Entities: one named in the tram brief's cards.
    let entity_id = detail["entities"][0]["id"]
        .as_str()
        .expect("the tram brief has entity cards")
        .to_string();
    let route = "/api/entities/{id}";
    let entity = check(
        route,
        "get",
        &server
            .get(route, &format!("/api/entities/{entity_id}"))
            .await,
    );
    assert_eq!(entity["id"], entity_id.as_str());
    assert!(
        entity["stories"]
            .as_array()
            .expect("stories")
            .iter()
            .any(|s| s["id"] == tram.as_str()),
        "{entity:#}"
    );

    // Search.
    let results = check(
        "/api/search",
        "get",
        &server
            .get("/api/search", "/api/search?q=Kelmouth%20dockworkers")
            .await,
    );
    assert!(!results["articles"].as_array().expect("articles").is_empty());
    assert!(!results["briefs"].as_array().expect("briefs").is_empty());

    // Feeds: add, list, remove.
    let added = server
        .call(
            Method::POST,
            "/api/feeds",
            "/api/feeds",
            Some(ADMIN_TOKEN),
            Some(json!({ "url": "https://news.example/rss.xml", "title": "Example News" })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let feed = check("/api/feeds", "post", &added);
    let feed_id = feed["id"].as_str().expect("a feed id").to_string();
    let list = check(
        "/api/feeds",
        "get",
        &server.get("/api/feeds", "/api/feeds").await,
    );
    assert_eq!(list["feeds"][0]["id"], feed_id.as_str());
    let removed = server
        .call(
            Method::DELETE,
            "/api/feeds/{id}",
            &format!("/api/feeds/{feed_id}"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    check("/api/feeds/{id}", "delete", &removed);

    // Service routes.
    let health = check("/healthz", "get", &server.get("/healthz", "/healthz").await);
    assert_eq!(health, json!({ "status": "ok" }));
    let metrics = server.get("/metrics", "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    check("/metrics", "get", &metrics);

    let exercised = server.exercised.lock().expect("the coverage set").clone();
    assert_eq!(
        exercised,
        documented_operations(&document),
        "exercised routes and documented routes differ"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_is_ranked_paged_and_filtered() {
    let server = start(None).await;
    let Stories { tram, strike, deal } = server.stories.clone();
    let route = "/api/stories";
    let all = server.get(route, "/api/stories").await.json();
    let items = all["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 3);
    assert_eq!(all["next_cursor"], Value::Null);

    // The documented score, recomputed from each item's own fields.
    let ranked_at: DateTime<Utc> = all["ranked_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("ranked_at");
    let mut previous = f64::INFINITY;
    for item in &items {
        let updated: DateTime<Utc> = item["updated_at"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("updated_at");
        let outlets = item["outlet_count"].as_f64().expect("outlets").max(1.0);
        let recent = item["articles_last_24h"].as_f64().expect("recent");
        let hours = ((ranked_at - updated).num_milliseconds() as f64 / 3.6e6).max(0.0);
        let expected = (outlets + recent.ln_1p()) * 0.5f64.powf(hours / 18.0);
        let score = item["score"].as_f64().expect("score");
        assert!(
            (score - expected).abs() <= expected * 1e-9,
            "{item:#}: expected {expected}"
        );
        assert!(score <= previous, "best first: {items:#?}");
        previous = score;
        assert!(
            item["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{item:#}"
        );
    }
    // Fixture dates are long past, so recency dominates: the newest story (the deal, 13 Sep)
    // ranks first.
    assert_eq!(items[0]["id"], deal.as_str());

    // Pages of one, by cursor, make up the same order; offset agrees.
    let mut by_cursor = Vec::new();
    let mut path = "/api/stories?limit=1".to_string();
    loop {
        let page = server.get(route, &path).await.json();
        assert_eq!(page["limit"], 1);
        assert_eq!(page["total"], 3);
        by_cursor.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/stories?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let ids = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&by_cursor), ids(&items));
    let second = server
        .get(route, "/api/stories?offset=1&limit=1")
        .await
        .json();
    assert_eq!(
        ids(second["items"].as_array().expect("items")),
        ids(&items[1..2])
    );
    let beyond = server.get(route, "/api/stories?offset=10").await.json();
    assert_eq!(beyond["items"], json!([]));
    assert_eq!(beyond["total"], 3);

    // Filters.
    let listed = |page: Value| -> BTreeSet<String> {
        ids(page["items"].as_array().expect("items"))
            .into_iter()
            .collect()
    };
    let only =
        |ids: &[&StoryId]| -> BTreeSet<String> { ids.iter().map(|id| id.to_string()).collect() };
    assert_eq!(
        listed(
            server
                .get(route, "/api/stories?outlet=lantern%20post")
                .await
                .json()
        ),
        only(&[&tram])
    );
    assert_eq!(
        listed(
            server
                .get(route, "/api/stories?outlet=Valley%20Courier")
                .await
                .json()
        ),
        only(&[&strike])
    );
    assert_eq!(
        listed(server.get(route, "/api/stories?language=en").await.json()).len(),
        3
    );
    assert!(listed(server.get(route, "/api/stories?language=fr").await.json()).is_empty());
    assert_eq!(
        listed(
            server
                .get(route, "/api/stories?from=2025-09-12")
                .await
                .json()
        ),
        only(&[&deal])
    );
    assert_eq!(
        listed(server.get(route, "/api/stories?to=2025-09-08").await.json()),
        only(&[&strike])
    );
    assert_eq!(
        listed(
            server
                .get(
                    route,
                    "/api/stories?from=2025-09-09T00:00:00Z&to=2025-09-12"
                )
                .await
                .json()
        ),
        only(&[&tram])
    );
    // An entity filter gives exactly the stories of the entity's page.
    let detail = server
        .get("/api/stories/{id}", &format!("/api/stories/{deal}"))
        .await
        .json();
    let entity_id = detail["entities"][0]["id"]
        .as_str()
        .expect("an entity card");
    let entity = server
        .get("/api/entities/{id}", &format!("/api/entities/{entity_id}"))
        .await
        .json();
    let of_entity: BTreeSet<String> = entity["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    assert!(of_entity.contains(deal.as_str()));
    assert_eq!(
        listed(
            server
                .get(route, &format!("/api/stories?entity={entity_id}"))
                .await
                .json()
        ),
        of_entity
    );
    assert!(
        listed(
            server
                .get(route, "/api/stories?entity=nobody-at-all")
                .await
                .json()
        )
        .is_empty()
    );

    // Bad parameters name themselves.
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("cursor=zzz", "cursor"),
        ("cursor=c1-1&offset=2", "cursor"),
        ("from=yesterday", "from"),
        ("to=2025-13-40", "to"),
        ("from=2025-09-12&to=2025-09-01", "from"),
    ] {
        let answer = server.get(route, &format!("/api/stories?{query}")).await;
        answer.assert_error(400, "invalid_parameter");
        let message = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            message.starts_with(&format!("parameter {parameter}:")),
            "{query}: {message}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_and_briefs_resolve_prefixes_merges_and_versions() {
    let server = start(None).await;
    let tram = server.stories.tram.clone();
    let story = "/api/stories/{id}";
    let brief = "/api/stories/{id}/brief";

    // A unique prefix and a merged id answer with the surviving story, and say so.
    for asked in [&tram.as_str()[..7], MERGED_ID] {
        let answer = server.get(story, &format!("/api/stories/{asked}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{asked}: {}", answer.text);
        assert_eq!(answer.json()["id"], tram.as_str());
        assert_eq!(
            answer.header("content-location"),
            Some(format!("/api/stories/{tram}").as_str())
        );
        let answer = server
            .get(brief, &format!("/api/stories/{asked}/brief?version=1"))
            .await;
        assert_eq!(answer.json()["story_id"], tram.as_str());
        assert_eq!(answer.header("cache-control"), Some("no-cache"));
    }
    let exact = server.get(story, &format!("/api/stories/{tram}")).await;
    assert_eq!(exact.header("content-location"), None);

    server
        .get(story, "/api/stories/s-no-such-story")
        .await
        .assert_error(404, "not_found");
    server
        .get(brief, "/api/stories/s-no-such-story/brief")
        .await
        .assert_error(404, "not_found");
    server
        .get(
            "/api/stories/{id}/brief/versions",
            "/api/stories/s-no-such-story/brief/versions",
        )
        .await
        .assert_error(404, "not_found");
    // "s" starts every story id.
    server
        .get(story, "/api/stories/s")
        .await
        .assert_error(400, "ambiguous_id");

    for bad in ["0", "-1", "two", "1.5", "99999999999"] {
        server
            .get(brief, &format!("/api/stories/{tram}/brief?version={bad}"))
            .await
            .assert_error(400, "invalid_parameter");
    }
    server
        .get(brief, &format!("/api/stories/{tram}/brief?version=3"))
        .await
        .assert_error(404, "not_found");
    server
        .get("/api/entities/{id}", "/api/entities/nobody-at-all")
        .await
        .assert_error(404, "not_found");

    // Unknown API routes and methods answer in JSON; other paths get the 404 page.
    server
        .get("(none)", "/api/no-such-route")
        .await
        .assert_error(404, "not_found");
    let wrong_method = server
        .call(Method::DELETE, "(none)", "/api/stories", None, None)
        .await;
    wrong_method.assert_error(405, "method_not_allowed");
    assert_eq!(wrong_method.header("allow"), Some("GET,HEAD"));
    let page = server.get("(none)", "/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        page.headers
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_articles_and_briefs_with_highlights() {
    let server = start(None).await;
    let route = "/api/search";
    let results = server
        .get(route, "/api/search?q=tram%20AIRPORT")
        .await
        .json();
    assert_eq!(results["query"], "tram AIRPORT");
    let articles = results["articles"].as_array().expect("articles");
    let briefs = results["briefs"].as_array().expect("briefs");
    assert!(!articles.is_empty() && !briefs.is_empty(), "{results:#}");
    assert!(
        briefs
            .iter()
            .all(|b| b["story_id"] == server.stories.tram.as_str()),
        "{results:#}"
    );
    assert!(
        briefs.iter().all(|b| b["version"] == 2),
        "only the latest version"
    );
    for hit in articles.iter().chain(briefs) {
        let fragments = hit["highlighted"].as_array().expect("fragments");
        let joined: String = fragments
            .iter()
            .filter_map(|f| f["text"].as_str())
            .collect();
        assert_eq!(joined, hit["snippet"].as_str().unwrap_or_default());
        let marked: BTreeSet<String> = fragments
            .iter()
            .filter(|f| f["match"] == true)
            .filter_map(|f| f["text"].as_str().map(str::to_lowercase))
            .collect();
        assert!(!marked.is_empty(), "{hit:#}");
        assert!(
            marked.is_subset(&BTreeSet::from(["tram".to_string(), "airport".to_string()])),
            "{marked:?}"
        );
    }
    let one = server
        .get(route, "/api/search?q=Kelmouth&limit=1")
        .await
        .json();
    assert_eq!(one["articles"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["briefs"].as_array().map(Vec::len), Some(1));
    let none = server.get(route, "/api/search?q=zeppelin").await.json();
    assert_eq!(none["articles"], json!([]));
    assert_eq!(none["briefs"], json!([]));
    // Query syntax is text: no error, no injection.
    let quoted = server
        .get(route, "/api/search?q=%22tram%22%20OR%20NEAR(x")
        .await;
    assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.text);

    for query in [
        "",
        "?q=",
        "?q=%20%20",
        "?q=***%20--",
        &format!("?q={}", "a".repeat(300)),
    ] {
        server
            .get(route, &format!("/api/search{query}"))
            .await
            .assert_error(400, "invalid_query");
    }
    server
        .get(route, "/api/search?q=tram&limit=0")
        .await
        .assert_error(400, "invalid_parameter");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_administration_needs_the_token() {
    let server = start(Some(ADMIN_TOKEN)).await;
    let route = "/api/feeds";
    let new_feed = json!({ "url": "https://news.example/rss.xml" });
    server
        .call(Method::POST, route, route, None, Some(new_feed.clone()))
        .await
        .assert_error(401, "unauthorized");
    let wrong = server
        .call(
            Method::POST,
            route,
            route,
            Some("not-the-token"),
            Some(new_feed.clone()),
        )
        .await;
    wrong.assert_error(401, "unauthorized");
    assert_eq!(
        wrong.header("www-authenticate"),
        Some("Bearer realm=\"storyline\"")
    );
    assert_eq!(
        server.get(route, route).await.json(),
        json!({ "feeds": [] })
    );

    let created = server
        .call(
            Method::POST,
            route,
            route,
            Some(ADMIN_TOKEN),
            Some(new_feed.clone()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let feed = created.json();
    assert_eq!(feed["url"], "https://news.example/rss.xml");
    assert_eq!(feed["title"], Value::Null);
    let again = server
        .call(
            Method::POST,
            route,
            route,
            Some(ADMIN_TOKEN),
            Some(new_feed.clone()),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "subscribing twice changes nothing"
    );
    assert_eq!(again.json()["id"], feed["id"]);

    for (body, code) in [
        (json!({ "url": "file:///etc/passwd" }), "invalid_body"),
        (json!({ "url": "not a url" }), "invalid_body"),
        (
            json!({ "url": "https://x.example/f", "colour": "red" }),
            "invalid_body",
        ),
        (json!({ "title": "no url" }), "invalid_body"),
    ] {
        server
            .call(Method::POST, route, route, Some(ADMIN_TOKEN), Some(body))
            .await
            .assert_error(400, code);
    }
    server
        .post_raw(route, "application/json", b"{\"url\": ".to_vec())
        .await
        .assert_error(400, "invalid_body");
    server
        .post_raw(
            route,
            "text/plain",
            b"https://news.example/rss.xml".to_vec(),
        )
        .await
        .assert_error(415, "unsupported_media_type");
    let huge = format!("{{\"url\": \"https://x.example/{}\"}}", "a".repeat(40_000));
    server
        .post_raw(route, "application/json", huge.into_bytes())
        .await
        .assert_error(413, "too_large");

    let id = feed["id"].as_str().expect("an id");
    let one = "/api/feeds/{id}";
    let path = format!("/api/feeds/{id}");
    server
        .call(Method::DELETE, one, &path, None, None)
        .await
        .assert_error(401, "unauthorized");
    let removed = server
        .call(Method::DELETE, one, &path, Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    server
        .call(Method::DELETE, one, &path, Some(ADMIN_TOKEN), None)
        .await
        .assert_error(404, "not_found");
    server.stop().await;

    // Without a configured token the admin routes are off, whatever the client sends.
    let server = start(None).await;
    server
        .call(
            Method::POST,
            route,
            route,
            Some(ADMIN_TOKEN),
            Some(new_feed),
        )
        .await
        .assert_error(403, "admin_disabled");
    server
        .call(
            Method::DELETE,
            one,
            "/api/feeds/f0123456789abcdef",
            Some(ADMIN_TOKEN),
            None,
        )
        .await
        .assert_error(403, "admin_disabled");
    server.stop().await;
}

/// An invented follow-up that joins the Kelmouth deal story: a fourth outlet, that evening.
fn deal_follow_up_line() -> String {
    json!({
        "id": "lp-kelmouth-deal-evening",
        "url": "https://lanternpost.example/2025/09/13/kelmouth-dockworkers-back-pay-deal",
        "title": "Kelmouth dockworkers back 5.5% pay deal as the port reopens",
        "published": "2025-09-13T18:30:00Z",
        "source": "Lantern Post",
        "text": "Dockworkers at the Port of Kelmouth have accepted a 5.5% pay rise, ending the \
                 five-day strike that stranded container ships in the bay.\n\nThe Dock and \
                 Harbour Workers' Union said 78% of the members who voted backed the deal, \
                 which also brings a one-off payment of £1,200 for each worker.\n\nThe \
                 Kelmouth Port Authority said the first ships would berth over the weekend, \
                 with refrigerated cargo first, and that tugboat crews from Pellmoor would \
                 help clear the queue.\n\nUnion general secretary Dana Whitlock said the \
                 members had shown what standing together achieves."
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_follow_writes_made_by_another_connection() {
    let server = start(None).await;
    let deal = server.stories.deal.clone();
    let story = "/api/stories/{id}";
    let before = server
        .get(story, &format!("/api/stories/{deal}"))
        .await
        .json();
    assert_eq!(before["article_count"], 3);
    assert_eq!(before["brief_version"], 1);
    let listed = server.get("/api/stories", "/api/stories").await.json();
    assert_eq!(listed["items"][0]["id"], deal.as_str());
    assert_eq!(listed["items"][0]["article_count"], 3);

    // What `storyline run` in another process does: import, cluster, brief.
    let mut store = SqliteStore::open(server.dir.path()).expect("a second connection");
    import(&mut store, "follow-up", &[deal_follow_up_line()]);
    cluster_and_brief(&mut store, brief_time() + Duration::hours(2));

    let after = server
        .get(story, &format!("/api/stories/{deal}"))
        .await
        .json();
    assert_eq!(after["article_count"], 4, "{after:#}");
    assert_eq!(after["brief_version"], 2);
    assert!(
        after["outlets"]
            .as_array()
            .is_some_and(|o| o.contains(&json!("Lantern Post")))
    );
    let listed = server.get("/api/stories", "/api/stories").await.json();
    assert_eq!(listed["items"][0]["article_count"], 4);
    assert_eq!(listed["items"][0]["brief_version"], 2);
    let brief = server
        .get(
            "/api/stories/{id}/brief",
            &format!("/api/stories/{deal}/brief"),
        )
        .await;
    assert_eq!(brief.json()["version"], 2);
    let found = server
        .get("/api/search", "/api/search?q=Pellmoor")
        .await
        .json();
    assert_eq!(
        found["articles"].as_array().map(Vec::len),
        Some(1),
        "{found:#}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let server = start(Some(ADMIN_TOKEN)).await;
    let tram = server.stories.tram.clone();
    let answers = [
        server
            .get("/api/stories/{id}", &format!("/api/stories/{tram}"))
            .await,
        server
            .get("/api/stories/{id}/brief", "/api/stories/nope/brief")
            .await,
        server.get("(none)", "/api/nothing-here").await,
        server.get("(none)", "/nothing-here").await,
        server
            .call(Method::PUT, "(none)", "/api/stories", None, None)
            .await,
        server
            .call(Method::POST, "/api/feeds", "/api/feeds", None, None)
            .await,
        server.get("/metrics", "/metrics").await,
        server.get("/healthz", "/healthz").await,
        server.get("/", "/").await,
    ];
    for answer in &answers {
        assert_eq!(
            answer.header("content-security-policy"),
            Some(storyline_web::CONTENT_SECURITY_POLICY),
            "{} {:?}",
            answer.status,
            answer.headers
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    }
    server.stop().await;
}
