//! End-to-end test of the web pages in a real browser: Debian's Chromium, headless, driven
//! through chromedriver with the W3C WebDriver HTTP protocol (a small client below, over
//! reqwest and serde_json; no browser-automation crate).
//!
//! The server is the real application router on 127.0.0.1:0, over a real SQLite store filled
//! by the real pipeline (JSONL import, clustering, extractive briefs) from the pipeline's brief
//! fixtures, plus one hostile story whose titles, texts and URL carry a script tag, an image
//! with an `onerror` handler and a `javascript:` URL. The test reads the front page, follows
//! the first story, checks the brief's six section headings, follows a citation to its
//! source, then opens the hostile story and checks that nothing in it ran or became markup.
//! Screenshots go to `target/browser/`: `story.png` (the story page), `citation.png` (after
//! following a citation) and `hostile.png` (the hostile story).
//!
//! Invariants: the WebDriver session is deleted and chromedriver killed even when a check
//! fails (drop guards); the only script the test executes is its own read-only probe of
//! `window.__pwned` (WebDriver scripts are not subject to the page's CSP; the probe also
//! proves that). Without `chromium` or `chromedriver` the test prints a skip line, unless
//! `STORYLINE_REQUIRE_BROWSER=1` or `CI` is set, where it fails and says what is missing.

mod web_support;

use serde_json::{Value, json};
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use storyline_model::{Article, StoryId};
use storyline_store::{SqliteStore, Store};
use tokio::runtime::{Handle, Runtime};
use web_support::fill_store as fill_with_fixtures;

/// The six `<h2>` headings every story page shows, in this order.
const SECTION_HEADINGS: [&str; 6] = [
    "What's happened",
    "What's behind the headline?",
    "What the papers say",
    "How we got here",
    "Go deeper",
    "More on these topics",
];

/// The payloads of the hostile story. If any of them became markup, the browser would run it
/// (were it not for the CSP) or build an element from it; the test checks for both.
const SCRIPT_PAYLOAD: &str = "<script>document.title='pwned';window.__pwned=1</script>";
const IMG_PAYLOAD: &str = "<img src=x onerror=\"document.title='pwned'\">";
const JAVASCRIPT_URL: &str = "javascript:alert(1)";
/// A word only the hostile articles use, to find their story.
const HOSTILE_MARKER: &str = "Quillfen";

/// The W3C name of the key that holds an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

// ---------------------------------------------------------------------------------------
// Finding the browser

/// Where the browser and its driver are, or why the test cannot run.
struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn find_browser_tools() -> Result<BrowserTools, String> {
    let chromium = std::env::var_os("STORYLINE_CHROMIUM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file()))
        .or_else(|| find_on_path("chromium"));
    let chromedriver = std::env::var_os("STORYLINE_CHROMEDRIVER")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| Some(PathBuf::from("/usr/bin/chromedriver")).filter(|p| p.is_file()))
        .or_else(|| find_on_path("chromedriver"));
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Ok(BrowserTools {
            chromium,
            chromedriver,
        }),
        (chromium, chromedriver) => {
            let missing: Vec<&str> = [
                chromium.is_none().then_some("chromium"),
                chromedriver.is_none().then_some("chromedriver"),
            ]
            .into_iter()
            .flatten()
            .collect();
            Err(format!(
                "{} not found (install Debian's packages: apt-get install -y chromium \
                 chromium-driver; or set STORYLINE_CHROMIUM / STORYLINE_CHROMEDRIVER)",
                missing.join(" and ")
            ))
        }
    }
}

/// True where a missing browser must fail the test instead of skipping it.
fn browser_required() -> bool {
    std::env::var("STORYLINE_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
        || std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------
// The store and the server

/// Three articles on one invented event, carrying the payloads in titles, texts and a URL.
/// Dated weeks before the fixtures so the front page ranks them last.
fn hostile_jsonl() -> String {
    let articles = [
        json!({
            "id": "qp-reservoir-vote",
            "url": "https://quillfenpost.example/2025/08/01/reservoir-approved",
            "title": format!("{HOSTILE_MARKER} reservoir approved {SCRIPT_PAYLOAD}"),
            "published": "2025-08-01T09:00:00Z",
            "source": "Quillfen Post",
            "author": "Ada Morrow",
            "text": format!(
                "The {HOSTILE_MARKER} Water Board voted on Thursday to build a £90m reservoir \
                 north of the town, after two dry summers left taps running low.\n\n\
                 Board chair Lena Okafor said the reservoir would hold 14 billion litres. \
                 “We cannot wait for a third dry summer,” she said.\n\n\
                 Campaigners posted the text {SCRIPT_PAYLOAD} on the board's website during \
                 the meeting, officials said.\n\n\
                 Construction is due to start in 2026 and finish in 2029."
            ),
        }),
        json!({
            "id": "fg-reservoir-objections",
            "url": "https://fenlandgazette.example/2025/08/01/reservoir-residents-object",
            "title": format!("{HOSTILE_MARKER} reservoir: residents object {IMG_PAYLOAD}"),
            "published": "2025-08-01T11:30:00Z",
            "source": "Fenland Gazette",
            "author": "Tom Hale",
            "text": format!(
                "Residents of {HOSTILE_MARKER} say the Water Board's £90m reservoir will \
                 flood farmland that families have worked for generations.\n\n\
                 Farmer Joan Pellow said 300 hectares would be lost. “Nobody asked us,” \
                 she said. A banner reading {IMG_PAYLOAD} hung outside the meeting.\n\n\
                 Board chair Lena Okafor said compensation would be paid and the reservoir \
                 would hold 14 billion litres."
            ),
        }),
        json!({
            "id": "mw-reservoir-costs",
            "url": JAVASCRIPT_URL,
            "title": format!("{HOSTILE_MARKER} Water Board defends reservoir costs"),
            "published": "2025-08-01T15:00:00Z",
            "source": "Marsh Weekly",
            "text": format!(
                "The {HOSTILE_MARKER} Water Board defended the £90m cost of its new \
                 reservoir on Thursday, saying two dry summers had shown the need.\n\n\
                 Board chair Lena Okafor said the reservoir would hold 14 billion litres and \
                 serve 60,000 homes. Critics linked to {JAVASCRIPT_URL} in their leaflets.\n\n\
                 The board will borrow £60m and raise the rest from bills over 25 years."
            ),
        }),
    ];
    articles
        .iter()
        .map(|article| format!("{article}\n"))
        .collect()
}

/// Imports the brief fixtures and the hostile story into a fresh store in `data_dir`,
/// clusters, writes extractive briefs, and returns the hostile story's id.
fn fill_store(data_dir: &Path) -> StoryId {
    let mut store = SqliteStore::open(data_dir).expect("open the store");
    let hostile = hostile_jsonl();
    let reports = fill_with_fixtures(&mut store, &[("hostile.jsonl", &hostile)]);
    assert!(
        reports[0].errors.is_empty(),
        "import errors: {:?}",
        reports[0].errors
    );

    // The hostile story is the one holding the article with the script in its title.
    let articles: Vec<Article> = store.all_articles().expect("read the articles");
    let scripted = articles
        .iter()
        .find(|a| a.headline.contains(HOSTILE_MARKER) && a.headline.contains("<script>"))
        .expect("the hostile article with a script in its title was imported");
    let story = store
        .story_of_article(&scripted.id)
        .expect("read the article's story")
        .expect("the hostile article was clustered into a story");
    assert!(
        store
            .latest_brief(&story)
            .expect("read the hostile brief")
            .is_some(),
        "the hostile story {story} has no brief"
    );
    story
}

/// The application on 127.0.0.1:0, served on `runtime` until the guard is dropped.
struct Server {
    base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    fn start(runtime: &Runtime, data_dir: &Path) -> Server {
        let state = web_support::sqlite_state(data_dir, 2, None);
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
        let addr: SocketAddr = listener.local_addr().expect("the listener's address");
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            let served = storyline_web::serve(listener, state, async move {
                let _ = stopped.await;
            })
            .await;
            if let Err(err) = served {
                eprintln!("browser test: the server stopped: {err}");
            }
        });
        Server {
            base: format!("http://{addr}"),
            shutdown: Some(shutdown),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

// ---------------------------------------------------------------------------------------
// A minimal W3C WebDriver client

/// chromedriver on a free local port; killed when dropped.
struct Chromedriver {
    child: Child,
    base: String,
}

impl Chromedriver {
    fn start(path: &Path, runtime: &Runtime, http: &reqwest::Client) -> Chromedriver {
        // chromedriver takes a port, not a socket: pick one the kernel says is free.
        let port = StdTcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("find a free port")
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
        let driver = Chromedriver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let status = runtime.block_on(async {
                let response = http.get(format!("{}/status", driver.base)).send().await?;
                response.json::<Value>().await
            });
            if let Ok(status) = status
                && status["value"]["ready"] == json!(true)
            {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver on port {port} was not ready within 15 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session; deleted (closing the browser) when dropped.
struct Session {
    http: reqwest::Client,
    runtime: Handle,
    /// `http://127.0.0.1:PORT/session/ID`
    base: String,
}

/// A reference to an element of the current page.
#[derive(Debug, Clone)]
struct Element(String);

impl Session {
    fn new(
        driver: &Chromedriver,
        chromium: &Path,
        profile: &Path,
        runtime: &Runtime,
        http: &reqwest::Client,
    ) -> Session {
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--window-size=1280,2000".to_string(),
            // This machine's network is closed: without these Chromium keeps dialling out.
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": args,
                    }
                }
            }
        });
        let created = runtime
            .block_on(send(
                http,
                reqwest::Method::POST,
                &format!("{}/session", driver.base),
                Some(capabilities),
            ))
            .unwrap_or_else(|e| panic!("start a browser session: {e}"));
        let id = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("new session answer without a sessionId: {created}"));
        Session {
            http: http.clone(),
            runtime: runtime.handle().clone(),
            base: format!("{}/session/{id}", driver.base),
        }
    }

    /// Sends one command and returns its `value`, or panics naming the command and the
    /// driver's error.
    fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        self.runtime
            .block_on(send(
                &self.http,
                method,
                &format!("{}{path}", self.base),
                body,
            ))
            .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
    }

    fn navigate(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })));
    }

    fn current_url(&self) -> String {
        string_value(self.command(reqwest::Method::GET, "/url", None))
    }

    fn title(&self) -> String {
        string_value(self.command(reqwest::Method::GET, "/title", None))
    }

    /// Waits (up to 10 s) until the current URL satisfies `done`, for clicks that navigate.
    fn wait_for_url(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.current_url();
            if done(&url) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "the browser did not reach {what}; it is at {url}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn find_all(&self, css: &str) -> Vec<Element> {
        elements(self.command(
            reqwest::Method::POST,
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        ))
    }

    fn find_all_within(&self, parent: &Element, css: &str) -> Vec<Element> {
        elements(self.command(
            reqwest::Method::POST,
            &format!("/element/{}/elements", parent.0),
            Some(json!({ "using": "css selector", "value": css })),
        ))
    }

    fn find(&self, css: &str) -> Element {
        self.find_all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {css:?} on {}", self.current_url()))
    }

    fn click(&self, element: &Element) {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        );
    }

    /// The element's rendered text (what a reader sees).
    fn text(&self, element: &Element) -> String {
        string_value(self.command(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.0),
            None,
        ))
    }

    fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.command(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .as_str()
        .map(str::to_string)
    }

    /// Runs the test's own probe script in the page and returns its result.
    fn probe(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// A PNG of the viewport.
    fn screenshot(&self) -> Vec<u8> {
        let encoded = string_value(self.command(reqwest::Method::GET, "/screenshot", None));
        decode_base64(&encoded).expect("the screenshot is valid base64")
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let deleted =
            self.runtime
                .block_on(send(&self.http, reqwest::Method::DELETE, &self.base, None));
        if let Err(err) = deleted {
            eprintln!("browser test: could not delete the WebDriver session: {err}");
        }
    }
}

/// One WebDriver request; `Err` carries the driver's error code and message.
async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let mut answer: Value = response
        .json()
        .await
        .map_err(|e| format!("HTTP {status}, unreadable answer: {e}"))?;
    let value = answer["value"].take();
    if status.is_success() {
        Ok(value)
    } else {
        Err(format!(
            "HTTP {status}: {}: {}",
            value["error"].as_str().unwrap_or("unknown error"),
            value["message"].as_str().unwrap_or("")
        ))
    }
}

fn string_value(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => panic!("expected a string from WebDriver, got {other}"),
    }
}

fn elements(value: Value) -> Vec<Element> {
    let Value::Array(found) = value else {
        panic!("expected a list of elements from WebDriver, got {value}");
    };
    found
        .iter()
        .map(|reference| {
            let id = reference[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("not an element reference: {reference}"));
            Element(id.to_string())
        })
        .collect()
}

/// Standard base64 (with or without padding); `None` on any other character.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let sextet = |byte: u8| -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let digits: Vec<u8> = text
        .trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace())
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut bits = 0u32;
        for &byte in chunk {
            bits = (bits << 6) | sextet(byte)?;
        }
        bits <<= 6 * (4 - chunk.len() as u32);
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// The text of the page's `<title>` as the server sent it, with the builder's five
/// entities decoded: what `document.title` must be if no script touched it.
fn served_title(html: &str) -> String {
    let start = html.find("<title>").expect("the page has a <title>") + "<title>".len();
    let end = start
        + html[start..]
            .find("</title>")
            .expect("the <title> is closed");
    html[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // crates/storyline-web → the workspace root, whose target/ cargo uses by default.
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest
                .ancestors()
                .nth(2)
                .unwrap_or(manifest)
                .join("target")
        });
    target.join("browser")
}

fn save_screenshot(session: &Session, name: &str) -> PathBuf {
    let png = session.screenshot();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let path = dir.join(name);
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

// ---------------------------------------------------------------------------------------
// The test

#[test]
fn reader_follows_a_story_and_its_citations_and_hostile_text_stays_text() {
    let tools = match find_browser_tools() {
        Ok(tools) => tools,
        Err(missing) if browser_required() => panic!("browser test: {missing}"),
        Err(missing) => {
            eprintln!("browser test skipped: {missing}");
            return;
        }
    };
    let started = Instant::now();
    storyline_fetch::install_crypto_provider();

    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let profile_dir = tempfile::tempdir().expect("a temporary browser profile");
    let hostile_story = fill_store(data_dir.path());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let server = Server::start(&runtime, data_dir.path());
    // Dropped in reverse order: the session closes before chromedriver is killed.
    let driver = Chromedriver::start(&tools.chromedriver, &runtime, &http);
    let browser = Session::new(
        &driver,
        &tools.chromium,
        profile_dir.path(),
        &runtime,
        &http,
    );

    // The front page lists the top stories.
    browser.navigate(&format!("{}/", server.base));
    let story_links = browser.find_all("ol.stories li h2 a");
    let hrefs: Vec<String> = story_links
        .iter()
        .filter_map(|link| browser.attribute(link, "href"))
        .collect();
    assert!(
        story_links.len() >= 3,
        "the front page should list the fixture stories and the hostile one, found {hrefs:?}"
    );
    let hostile_path = format!("/stories/{hostile_story}");
    assert!(
        hrefs.iter().any(|href| href.ends_with(&hostile_path)),
        "the front page does not list the hostile story {hostile_path}: {hrefs:?}"
    );
    let first_headline = browser.text(&story_links[0]);
    assert!(
        !first_headline.trim().is_empty(),
        "the first story link has no text"
    );
    let first_href = browser
        .attribute(&story_links[0], "href")
        .expect("the first story link has an href");
    assert!(
        first_href.contains("/stories/"),
        "the first story link goes to {first_href}, not a story page"
    );

    // Following it opens the story page with the brief's six sections.
    browser.click(&story_links[0]);
    let story_url = browser.wait_for_url("a story page", |url| url.contains("/stories/"));
    let headings: Vec<String> = browser
        .find_all("h2")
        .iter()
        .map(|h| browser.text(h).trim().to_string())
        .collect();
    let mut expected = SECTION_HEADINGS.iter();
    let mut next = expected.next();
    for heading in &headings {
        if next.is_some_and(|want| want == heading) {
            next = expected.next();
        }
    }
    assert!(
        next.is_none(),
        "{story_url} should show the six section headings in order {SECTION_HEADINGS:?}; its \
         <h2> headings are {headings:?}"
    );
    assert!(
        browser.title().contains(first_headline.trim()),
        "the story page's title {:?} does not name the story {first_headline:?}",
        browser.title()
    );

    let story_png = save_screenshot(&browser, "story.png");

    // A citation moves the reader to its source, which links out to the article.
    let citation = browser.find("a.citation");
    let citation_href = browser
        .attribute(&citation, "href")
        .expect("the citation has an href");
    let label = browser.text(&citation);
    let n: u32 = citation_href
        .rsplit_once("#source-")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("citation {label} points to {citation_href}, not #source-N"));
    assert_eq!(label.trim(), format!("[{n}]"), "the citation's label");
    browser.click(&citation);
    let anchor = format!("#source-{n}");
    let moved_to = browser.wait_for_url(&anchor, |url| url.ends_with(&anchor));
    assert!(
        moved_to.starts_with(&story_url),
        "the citation left the story page: {moved_to}"
    );
    let source = browser.find(&format!("li[id=\"source-{n}\"]"));
    let targeted = browser.find_all(":target");
    assert_eq!(
        targeted.len(),
        1,
        "exactly one element is the fragment's target"
    );
    assert_eq!(
        browser.attribute(&targeted[0], "id").as_deref(),
        Some(format!("source-{n}").as_str()),
        "the browser's :target is not source {n}"
    );
    let outbound: Vec<String> = browser
        .find_all_within(&source, "a[href]")
        .iter()
        .filter_map(|a| browser.attribute(a, "href"))
        .filter(|href| href.starts_with("https://") || href.starts_with("http://"))
        .filter(|href| !href.starts_with(&server.base))
        .collect();
    assert!(
        !outbound.is_empty(),
        "source {n} has no link to its article: {:?}",
        browser.text(&source)
    );
    let citation_png = save_screenshot(&browser, "citation.png");

    // The hostile story: its payloads are shown as text and none of them ran.
    let hostile_url = format!("{}/stories/{}", server.base, hostile_story);
    let (policy, raw_page) = runtime
        .block_on(async {
            let response = http.get(&hostile_url).send().await?.error_for_status()?;
            let policy = response
                .headers()
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            Ok::<_, reqwest::Error>((policy, response.text().await?))
        })
        .unwrap_or_else(|e| panic!("GET {hostile_url}: {e}"));
    // The second line of defence: even an escaping bug must not let a script run.
    let policy = policy.expect("the story page has a Content-Security-Policy");
    let blocks_scripts = policy.contains("script-src 'none'")
        || (policy.contains("default-src 'none'") && !policy.contains("script-src"));
    assert!(blocks_scripts, "the CSP lets scripts run: {policy}");
    browser.navigate(&hostile_url);
    let title = browser.title();
    assert_ne!(
        title, "pwned",
        "a script from an article ran and set the title"
    );
    assert_eq!(
        title,
        served_title(&raw_page),
        "the document title changed after the page was served"
    );
    // WebDriver's own scripts are not bound by the page's CSP: the probe must run and
    // report `undefined`, and `typeof document` proves it ran at all.
    let probe = browser.probe("return [typeof window.__pwned, typeof document];");
    assert_eq!(
        probe,
        json!(["undefined", "object"]),
        "the probe of window.__pwned ran and found a value, or did not run"
    );
    assert!(
        browser.find_all("script").is_empty(),
        "an article's script became a <script> element"
    );
    assert!(
        browser
            .find_all("img[onerror], [onerror], [onclick]")
            .is_empty(),
        "an article's markup became an element with an event handler"
    );
    assert!(
        browser
            .find_all("a[href^=\"javascript\" i], [src^=\"javascript\" i]")
            .is_empty(),
        "a javascript: URL became a link"
    );
    let main_text = browser.text(&browser.find("main"));
    assert!(
        main_text.contains(SCRIPT_PAYLOAD),
        "the script payload should be shown as text on {hostile_url}; the page reads:\n\
         {main_text}"
    );
    assert!(
        !main_text.contains("&lt;"),
        "the page shows escaped entities as text (escaped twice)"
    );
    let hostile_png = save_screenshot(&browser, "hostile.png");

    eprintln!(
        "browser test: passed in {:.1} s; screenshots {}, {} and {}",
        started.elapsed().as_secs_f64(),
        story_png.display(),
        citation_png.display(),
        hostile_png.display()
    );
}
