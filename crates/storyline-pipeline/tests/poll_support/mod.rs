//! Shared by the poll tests: a real HTTP server on 127.0.0.1 that records what it is asked,
//! canned answers (fixed, chunked, never), fixtures with the server's address filled in, and
//! store helpers. Each test file uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, TimeZone, Utc};
use storyline_fetch::{FetchConfig, Fetcher};
use storyline_model::{Article, ArticleId, Feed};
use storyline_pipeline::dedupe::canonicalize_url;
use storyline_store::{SqliteStore, Store};
use tokio::net::TcpListener;

pub const RSS: &str = "application/rss+xml; charset=utf-8";
pub const HTML: &str = "text/html; charset=utf-8";

/// Long enough for a local page, short enough to keep the hanging-page test fast.
pub const PAGE_TIMEOUT: Duration = Duration::from_millis(500);

/// Every request the test server received, in order: `path?query` and the headers.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<(String, HeaderMap)>>>);

impl RequestLog {
    pub fn record(&self, request: &Request) {
        let target = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_string(), |pq| pq.to_string());
        self.0
            .lock()
            .expect("request log lock")
            .push((target, request.headers().clone()));
    }

    pub fn targets(&self) -> Vec<String> {
        let entries = self.0.lock().expect("request log lock");
        entries.iter().map(|(target, _)| target.clone()).collect()
    }

    /// The headers of each request for `path` (query ignored), oldest first.
    pub fn headers_for(&self, path: &str) -> Vec<HeaderMap> {
        let entries = self.0.lock().expect("request log lock");
        entries
            .iter()
            .filter(|(target, _)| target.split('?').next() == Some(path))
            .map(|(_, headers)| headers.clone())
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().expect("request log lock").clear();
    }
}

/// Serves `routes(base_url)` on a free port of 127.0.0.1; returns the base URL (no trailing
/// slash) and the log of the requests it receives. The routes get the base URL because the
/// fixtures link to the server itself.
pub async fn serve(routes: impl FnOnce(&str) -> Router) -> (String, RequestLog) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let log = RequestLog::default();
    let recorder = log.clone();
    let router = routes(&base).layer(middleware::from_fn(move |request: Request, next: Next| {
        recorder.record(&request);
        next.run(request)
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, log)
}

/// A fixture file with `{BASE}` replaced by the server's base URL.
pub fn fixture(name: &str, base: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .replace("{BASE}", base)
}

/// Answers every GET with `body` and this `Content-Type` (and a `Content-Length`).
pub fn reply(content_type: &'static str, body: impl Into<Vec<u8>>) -> MethodRouter {
    let body: Vec<u8> = body.into();
    get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, content_type)], body) }
    })
}

/// Like [`reply`], but chunked in 256-byte pieces with no `Content-Length`, so a size cap can
/// only be enforced while reading.
pub fn reply_chunked(content_type: &'static str, body: impl Into<Vec<u8>>) -> MethodRouter {
    let body: Vec<u8> = body.into();
    get(move || {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            body.chunks(256).map(|chunk| Ok(chunk.to_vec())).collect();
        async move {
            (
                [(header::CONTENT_TYPE, content_type)],
                Body::from_stream(futures_util::stream::iter(chunks)),
            )
        }
    })
}

/// Accepts the request and never answers.
pub fn never_answers() -> MethodRouter {
    get(std::future::pending::<StatusCode>)
}

pub fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable, "the fixture only uses windows-1252 characters");
    bytes.into_owned()
}

pub fn fetcher_with(timeout: Duration, max_body_bytes: u64) -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private_addresses: true,
        per_host_interval: Duration::ZERO,
        timeout,
        connect_timeout: timeout,
        max_body_bytes,
        ..FetchConfig::default()
    })
    .expect("client builds")
}

pub fn fetcher() -> Fetcher {
    fetcher_with(PAGE_TIMEOUT, 1024 * 1024)
}

/// 12 March 2026 at `hour:minute` UTC, the day of the invented news.
pub fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 12, hour, minute, 0)
        .single()
        .expect("valid time")
}

pub fn on_11_march(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 11, hour, minute, 0)
        .single()
        .expect("valid time")
}

/// A store in `dir` subscribed to `urls`, added one minute apart so they are polled in this
/// order.
pub fn store_with_feeds(dir: &Path, urls: &[&str]) -> SqliteStore {
    let mut store = SqliteStore::open(dir).expect("store opens");
    for (index, url) in urls.iter().enumerate() {
        let added_at = at(0, 0) + chrono::Duration::minutes(index as i64);
        assert!(
            store
                .add_feed(&Feed::new(*url, None, added_at))
                .expect("add feed")
        );
    }
    store
}

/// The stored article whose (canonical) URL is `url`.
pub fn stored(store: &SqliteStore, url: &str) -> Article {
    store
        .article(&ArticleId::from_url(&canonicalize_url(url)))
        .expect("article lookup")
        .unwrap_or_else(|| panic!("no article stored for {url}"))
}

pub fn feed_row(store: &SqliteStore, url: &str) -> Feed {
    store
        .feeds()
        .expect("feeds")
        .into_iter()
        .find(|feed| feed.url == url)
        .unwrap_or_else(|| panic!("feed {url} is not subscribed"))
}
