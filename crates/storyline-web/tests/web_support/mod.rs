//! Shared by the page and feed tests: a real server (the application router on
//! 127.0.0.1:0) over a real SQLite store that the real pipeline filled from the pipeline's
//! brief fixtures (JSONL import, clustering, extractive briefs with their trust checks),
//! plus one hostile story and one hostile feed, and the checks that nothing hostile came
//! out as markup.
//!
//! The hostile article's title, text and outlet carry a script tag and an attribute-breaking
//! image tag, and its URL is a `javascript:` URL; the hostile feed has a script tag in its
//! title and error and a `javascript:` URL.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use storyline_model::{Feed, StoryId};
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::refresh_briefs;
use storyline_pipeline::cluster::{ClusterConfig, cluster_pending};
use storyline_pipeline::ingest::{ImportLimits, ImportReport, import_jsonl};
use storyline_store::{SqliteStore, Store};
use storyline_web::AppState;
use storyline_web::metrics::Metrics;
use tempfile::TempDir;

pub const SCRIPT: &str = "<script>alert(1)</script>";
pub const IMAGE: &str = "\"><img src=x onerror=alert(1)>";
pub const JAVASCRIPT_URL: &str = "javascript:alert(1)";
/// How [`SCRIPT`] reads once escaped.
pub const SCRIPT_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

/// The hostile article: its own story (a ferry-fare vote, unlike every fixture story).
fn hostile_line() -> String {
    let title = format!("Brackenridge ferry fares {SCRIPT} vote {IMAGE} delayed again");
    let text = format!(
        "Brackenridge council delayed its vote on ferry fares for the third time on Friday, \
         after Brackenridge Mayor Quentin Ashby said the figures {SCRIPT} did not add up.\n\n\
         Councillors were told that the Brackenridge ferry carries 9,300 passengers a day and \
         that fares would rise by 14% under the plan {IMAGE} published in July.\n\n\
         “We will not ask commuters to pay for a budget hole they did not dig,” Mayor Quentin \
         Ashby said after the meeting.\n\n\
         The Brackenridge Ferry Company said it would publish revised figures next week, and \
         that the service would run as normal in the meantime."
    );
    serde_json::json!({
        "id": "hostile-1",
        "url": JAVASCRIPT_URL,
        "title": title,
        "text": text,
        "published": "2025-09-12T09:00:00Z",
        "source": format!("The {IMAGE} Gazette"),
    })
    .to_string()
}

/// An article that joins the Kelmouth deal story: a fourth outlet, later the same day.
/// The server's state over `connections` connections to the SQLite store in `data_dir`, as
/// the binary opens it.
pub fn sqlite_state(
    data_dir: &std::path::Path,
    connections: usize,
    admin_token: Option<String>,
) -> AppState {
    let stores = (0..connections)
        .map(|_| {
            SqliteStore::open(data_dir)
                .map(|store| Box::new(store) as Box<dyn storyline_store::Store>)
                .expect("open the store")
        })
        .collect();
    AppState::new(
        stores,
        data_dir.display().to_string(),
        admin_token,
        Metrics::new(),
    )
    .expect("the server's state")
}

pub fn follow_up_line() -> String {
    serde_json::json!({
        "id": "lp-kelmouth-deal",
        "url": "https://lanternpost.example/2025/09/13/kelmouth-dockworkers-back-at-work",
        "title": "Kelmouth dockworkers back at work after accepting 5.5% pay deal",
        "published": "2025-09-13T18:30:00Z",
        "source": "Lantern Post",
        "text": "Dockworkers at the Port of Kelmouth returned to work on Saturday after \
                 accepting a 5.5% pay rise, ending the five-day strike.\n\n\
                 The Dock and Harbour Workers' Union said 78% of members who voted backed the \
                 deal, which also includes a one-off payment of £1,200 for each worker.\n\n\
                 Union general secretary Dana Whitlock said the agreement showed what standing \
                 together achieves. Martin Osei, chief executive of the Kelmouth Port \
                 Authority, said clearing the backlog of 41 ships was now the priority.\n\n\
                 Shipping lines said it would take about ten days to clear the queue in \
                 Kelmouth Bay."
    })
    .to_string()
}

/// The time the first briefs are written at, fixed so runs are reproducible.
pub fn brief_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 14, 6, 0, 0)
        .single()
        .expect("a valid fixed date")
}

fn fixture_files() -> Vec<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../storyline-pipeline/tests/fixtures/briefs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the brief fixtures in {}",
        dir.display()
    );
    files
}

/// Imports the pipeline's brief fixtures and then each `(label, JSONL text)` extra into
/// `store`, clusters, and writes extractive briefs (the real pipeline, as `storyline import`
/// runs it). Fails the test on any fixture import error or brief error; returns the extras'
/// import reports for the caller to judge.
pub fn fill_store(store: &mut SqliteStore, extras: &[(&str, &str)]) -> Vec<ImportReport> {
    let imported_at = brief_time() - Duration::hours(12);
    for path in fixture_files() {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let label = path.display().to_string();
        let report = import_jsonl(
            store,
            &label,
            BufReader::new(file),
            imported_at,
            &ImportLimits::default(),
        )
        .unwrap_or_else(|e| panic!("import {label}: {e}"));
        assert!(
            report.errors.is_empty(),
            "import errors: {:?}",
            report.errors
        );
    }
    let reports = extras
        .iter()
        .map(|(label, jsonl)| {
            import_jsonl(
                store,
                label,
                jsonl.as_bytes(),
                imported_at,
                &ImportLimits::default(),
            )
            .unwrap_or_else(|e| panic!("import {label}: {e}"))
        })
        .collect();
    cluster_pending(store, &ClusterConfig::default()).expect("clustering");
    let briefs = refresh_briefs(store, &ExtractiveWriter, brief_time()).expect("briefs");
    assert!(
        briefs.errors.is_empty(),
        "brief errors: {:?}",
        briefs.errors
    );
    reports
}

/// A running server over a filled store.
pub struct Site {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    /// The story of the hostile article.
    pub hostile_story: StoryId,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A fetched response.
pub struct Fetched {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Site {
    /// Fills a fresh store and starts the server.
    pub async fn start() -> Site {
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let hostile_story = {
            let mut store = SqliteStore::open(data_dir.path()).expect("open the store");
            let hostile = hostile_line();
            let reports = fill_store(&mut store, &[("hostile", &hostile)]);
            assert_eq!(
                reports[0].imported, 1,
                "the hostile article is imported: {:?}",
                reports[0]
            );

            let added = brief_time() - Duration::days(2);
            store
                .add_feed(&Feed::new(
                    "https://harbourtimes.example/feed.xml",
                    Some("Harbour Times".to_string()),
                    added,
                ))
                .expect("add a feed");
            let mut hostile_feed = Feed::new(JAVASCRIPT_URL, Some(format!("Feed {SCRIPT}")), added);
            store.add_feed(&hostile_feed).expect("add the hostile feed");
            hostile_feed.last_fetched_at = Some(brief_time());
            hostile_feed.last_error = Some(format!("HTTP 500 {IMAGE} {SCRIPT}"));
            hostile_feed.error_count = 3;
            store
                .update_feed_state(&hostile_feed)
                .expect("record the feed's failure");

            let hostile_id = storyline_model::ArticleId::from_url(JAVASCRIPT_URL);
            let stored = store
                .article(&hostile_id)
                .expect("read the hostile article")
                .expect("the hostile article is stored under its URL's id");
            assert_eq!(
                stored.url, JAVASCRIPT_URL,
                "the javascript: URL is stored as given"
            );
            store
                .story_of_article(&hostile_id)
                .expect("read its story")
                .expect("the hostile article is in a story")
        };

        let state = sqlite_state(data_dir.path(), 2, None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("the bound address");
        let app = storyline_web::router(state);
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the server runs");
        });
        // reqwest is built without a crypto provider; plain HTTP still needs one installed.
        storyline_fetch::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Site {
            base: format!("http://{address}"),
            client,
            data_dir,
            hostile_story,
            server,
        }
    }

    /// GETs `path_and_query` (already percent-encoded where needed).
    pub async fn get(&self, path_and_query: &str) -> Fetched {
        self.get_with_host(path_and_query, None).await
    }

    /// The same, with a `Host` header of our choosing.
    pub async fn get_with_host(&self, path_and_query: &str, host: Option<&str>) -> Fetched {
        let mut request = self.client.get(format!("{}{path_and_query}", self.base));
        if let Some(host) = host {
            request = request.header(reqwest::header::HOST, host);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path_and_query}: {e}"));
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("GET {path_and_query}: body: {e}"));
        Fetched {
            status,
            content_type,
            body,
        }
    }

    /// GETs a page that must exist and be HTML.
    pub async fn page(&self, path_and_query: &str) -> String {
        let fetched = self.get(path_and_query).await;
        assert_eq!(
            fetched.status,
            StatusCode::OK,
            "GET {path_and_query}: {}",
            fetched.body
        );
        assert_eq!(
            fetched.content_type, "text/html; charset=utf-8",
            "GET {path_and_query}"
        );
        fetched.body
    }

    /// A store connection of the test's own, beside the server's.
    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(self.data_dir.path()).expect("open the store")
    }

    /// Imports the follow-up article, clusters and writes briefs an hour after the first
    /// ones; returns the story it joined and that story's new brief version.
    pub fn add_follow_up(&self) -> (StoryId, u32) {
        let mut store = self.store();
        let line = follow_up_line();
        let report = import_jsonl(
            &mut store,
            "follow-up",
            line.as_bytes(),
            brief_time(),
            &ImportLimits::default(),
        )
        .expect("import the follow-up");
        assert_eq!(report.imported, 1, "{report:?}");
        cluster_pending(&mut store, &ClusterConfig::default()).expect("clustering");
        let briefs = refresh_briefs(
            &mut store,
            &ExtractiveWriter,
            brief_time() + Duration::hours(1),
        )
        .expect("briefs");
        assert!(
            briefs.errors.is_empty(),
            "brief errors: {:?}",
            briefs.errors
        );
        let article = storyline_model::ArticleId::from_url(
            "https://lanternpost.example/2025/09/13/kelmouth-dockworkers-back-at-work",
        );
        let story = store
            .story_of_article(&article)
            .expect("read its story")
            .expect("the follow-up is in a story");
        let version = briefs
            .written
            .iter()
            .find(|(id, _)| *id == story)
            .map(|(_, version)| *version)
            .expect("the story the follow-up joined got a new brief");
        (story, version)
    }
}

/// Checks an HTML page of ours: parsed by a real HTML parser, it has no script, no image,
/// no inline style, no event-handler attribute, and every link is ours, an `http(s)` URL or
/// a fragment. `what` names the page in failures.
pub fn assert_inert_html(what: &str, body: &str) {
    let document = scraper::Html::parse_document(body);
    for node in document.tree.nodes() {
        let Some(element) = node.value().as_element() else {
            continue;
        };
        let name = element.name();
        assert!(
            !matches!(name, "script" | "img" | "iframe" | "object" | "embed"),
            "{what}: a <{name}> element came out: {body}"
        );
        for (attribute, value) in element.attrs() {
            assert!(
                !attribute.to_ascii_lowercase().starts_with("on"),
                "{what}: event handler {attribute}={value:?} on <{name}>"
            );
            assert_ne!(attribute, "style", "{what}: inline style on <{name}>");
            if matches!(attribute, "href" | "src" | "action") {
                assert!(
                    value.starts_with('/')
                        || value.starts_with('#')
                        || value.starts_with("http://")
                        || value.starts_with("https://"),
                    "{what}: <{name} {attribute}={value:?}> is neither ours nor http(s)"
                );
            }
        }
    }
}

/// [`assert_inert_html`], and the hostile script tag shows up as text (so the page did
/// carry the hostile input; a page that lost it would prove nothing).
pub fn assert_hostile_escaped(what: &str, body: &str) {
    assert_inert_html(what, body);
    assert!(
        body.contains(SCRIPT_ESCAPED),
        "{what}: the hostile title is not shown (escaped) at all"
    );
    assert!(!body.contains(SCRIPT), "{what}: a raw script tag: {body}");
    assert!(!body.contains("<img"), "{what}: a raw image tag");
    assert!(
        !body.to_ascii_lowercase().contains("href=\"javascript:"),
        "{what}: a javascript: link"
    );
}
