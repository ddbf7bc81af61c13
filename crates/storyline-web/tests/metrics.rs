//! `GET /metrics` from the real server (`storyline_web::serve` on 127.0.0.1:0) over a store
//! the real pipeline filled, after real requests and a real poll of two broken `file://`
//! feeds. The exposition is read back with a strict parser of the Prometheus text format
//! (`prom_text_format_parser`): every family has its HELP and TYPE, the counters count what
//! happened, raw paths never become labels, the store's sizes are the store's, and the
//! standard process metrics are there and plausible (Linux).

mod web_support;

use chrono::Utc;
use prom_text_format_parser::{Metric, Scrape, Type, ValueType};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use storyline_fetch::{FetchConfig, Fetcher};
use storyline_pipeline::ingest::{PollLimits, poll_feeds};
use storyline_store::{SqliteStore, Store};
use storyline_web::AppState;
use tempfile::TempDir;
use web_support::{Fetched, fill_store, sqlite_state};

/// The families the service exposes whatever happened, with their type.
const ALWAYS_EXPOSED: &[(&str, Type)] = &[
    ("storyline_polls_total", Type::Counter),
    ("storyline_articles_fetched_total", Type::Counter),
    ("storyline_feed_errors_total", Type::Counter),
    ("storyline_briefs_written_total", Type::Counter),
    ("storyline_brief_errors_total", Type::Counter),
    ("storyline_brief_write_seconds", Type::Histogram),
    ("storyline_http_requests_total", Type::Counter),
    ("storyline_http_request_duration_seconds", Type::Histogram),
    ("storyline_store_up", Type::Gauge),
    ("storyline_stories", Type::Gauge),
    ("storyline_briefs", Type::Gauge),
    ("storyline_articles", Type::Gauge),
    ("storyline_feeds", Type::Gauge),
];

/// The standard process metrics, read from /proc on Linux.
const PROCESS_FAMILIES: &[(&str, Type)] = &[
    ("process_cpu_seconds_total", Type::Counter),
    ("process_resident_memory_bytes", Type::Gauge),
    ("process_virtual_memory_bytes", Type::Gauge),
    ("process_start_time_seconds", Type::Gauge),
    ("process_open_fds", Type::Gauge),
    ("process_max_fds", Type::Gauge),
];

/// The real server over a filled store, with the state kept to record a poll as
/// `storyline run` does.
struct MetricsServer {
    base: String,
    client: reqwest::Client,
    state: AppState,
    data_dir: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl MetricsServer {
    async fn start() -> MetricsServer {
        storyline_fetch::install_crypto_provider();
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        {
            let mut store = SqliteStore::open(data_dir.path()).expect("open the store");
            fill_store(&mut store, &[]);
        }
        let state = sqlite_state(data_dir.path(), 2, None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("the bound address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(storyline_web::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        MetricsServer {
            base: format!("http://{address}"),
            client,
            state,
            data_dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn get(&self, path: &str) -> Fetched {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response.text().await.expect("a body");
        Fetched {
            status,
            content_type,
            body,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("the server stops on shutdown")
                .expect("the server task")
                .expect("the server ran without I/O error");
        }
    }
}

/// The scrape's families by name.
fn families(scrape: &Scrape) -> BTreeMap<&str, &Metric> {
    scrape
        .metrics
        .iter()
        .map(|metric| (metric.name.as_str(), metric))
        .collect()
}

/// The value of the sample of `family` with exactly these labels and this kind of value
/// (a plain sample, a bucket, or a histogram's `_sum` / `_count`).
fn value(
    families: &BTreeMap<&str, &Metric>,
    family: &str,
    value_type: ValueType,
    labels: &[(&str, &str)],
) -> Option<f64> {
    let metric = families.get(family)?;
    metric
        .samples
        .iter()
        .find(|sample| {
            sample.value.value_type == value_type
                && sample.labels.len() == labels.len()
                && labels.iter().all(|(key, wanted)| {
                    sample
                        .labels
                        .iter()
                        .any(|label| label.key == *key && label.value == *wanted)
                })
        })
        .map(|sample| sample.value.value.as_f64())
}

fn plain(families: &BTreeMap<&str, &Metric>, family: &str) -> Option<f64> {
    value(families, family, ValueType::Sample, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_polls_requests_and_read_the_store() {
    let server = MetricsServer::start().await;
    let mut store = SqliteStore::open(server.data_dir.path()).expect("a second connection");
    let story = store
        .stories()
        .expect("the stories")
        .first()
        .expect("a story")
        .id
        .clone();
    for _ in 0..3 {
        let answer = server.get(&format!("/api/stories/{story}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let missing = server.get("/api/stories/s-missing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unrouted = server.get("/not/a/route/123").await;
    assert_eq!(unrouted.status, StatusCode::NOT_FOUND);

    // A real poll of two broken file:// feeds, recorded as `storyline run` records it.
    let feeds_dir = tempfile::tempdir().expect("a temporary directory");
    let broken = feeds_dir.path().join("broken.xml");
    std::fs::write(&broken, "<rss><channel><title>Half a feed").expect("write a feed");
    let missing_file = feeds_dir.path().join("missing.xml");
    for path in [&broken, &missing_file] {
        let url = format!("file://{}", path.display());
        store
            .add_feed(&storyline_model::Feed::new(url, None, Utc::now()))
            .expect("add a feed");
    }
    let fetcher = Fetcher::new(FetchConfig::default()).expect("a fetcher");
    let report = poll_feeds(
        &mut store,
        &fetcher,
        &PollLimits::default(),
        Utc::now(),
        &|_| {},
    )
    .await
    .expect("a poll");
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    server.state.metrics().record_poll(&report);
    let counts = store.counts().expect("the store's sizes");

    let answer = server.get("/metrics").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, storyline_web::metrics::CONTENT_TYPE);
    assert_eq!(
        answer.content_type, "text/plain; version=0.0.4; charset=utf-8",
        "the format Prometheus servers ask for first"
    );
    let scrape = Scrape::parse(&answer.body)
        .unwrap_or_else(|e| panic!("not the Prometheus text format: {e:?}\n{}", answer.body));

    for metric in &scrape.metrics {
        let help = metric.help_desc.as_deref().unwrap_or_default();
        assert!(!help.is_empty(), "{} has no HELP", metric.name);
        assert_ne!(metric.kind, Type::Untyped, "{} has no TYPE", metric.name);
    }
    let families = families(&scrape);
    assert_eq!(
        families.len(),
        scrape.metrics.len(),
        "each family appears once"
    );
    let process = if cfg!(target_os = "linux") {
        PROCESS_FAMILIES
    } else {
        &[]
    };
    for (name, kind) in ALWAYS_EXPOSED.iter().chain(process) {
        let metric = families
            .get(name)
            .unwrap_or_else(|| panic!("no family {name} in\n{}", answer.body));
        assert_eq!(metric.kind, *kind, "{name}");
    }

    // The store's sizes.
    assert_eq!(plain(&families, "storyline_store_up"), Some(1.0));
    assert_eq!(
        plain(&families, "storyline_stories"),
        Some(counts.stories as f64)
    );
    assert_eq!(
        plain(&families, "storyline_briefs"),
        Some(counts.briefs as f64)
    );
    assert_eq!(
        plain(&families, "storyline_articles"),
        Some(counts.articles as f64)
    );
    assert_eq!(plain(&families, "storyline_feeds"), Some(2.0));

    // The poll.
    assert_eq!(plain(&families, "storyline_polls_total"), Some(1.0));
    let feed_errors = |kind: &str| {
        value(
            &families,
            "storyline_feed_errors_total",
            ValueType::Sample,
            &[("kind", kind)],
        )
    };
    assert_eq!(feed_errors("malformed"), Some(1.0));
    assert_eq!(feed_errors("file"), Some(1.0));
    assert_eq!(feed_errors("timeout"), Some(0.0), "every kind is shown");

    // The requests, under their route templates.
    let requests = |route: &str, status: &str| {
        value(
            &families,
            "storyline_http_requests_total",
            ValueType::Sample,
            &[("route", route), ("method", "GET"), ("status", status)],
        )
    };
    assert_eq!(requests("/api/stories/{id}", "200"), Some(3.0));
    assert_eq!(requests("/api/stories/{id}", "404"), Some(1.0));
    assert_eq!(
        requests("unmatched", "404"),
        Some(1.0),
        "raw paths never become labels"
    );
    let latency = "storyline_http_request_duration_seconds";
    let story_route = [("route", "/api/stories/{id}")];
    assert_eq!(
        value(&families, latency, ValueType::Count, &story_route),
        Some(4.0)
    );
    assert_eq!(
        value(
            &families,
            latency,
            ValueType::Sample,
            &[story_route[0], ("le", "+Inf")]
        ),
        Some(4.0)
    );
    assert!(!answer.body.contains("/not/a/route"), "{}", answer.body);

    if cfg!(target_os = "linux") {
        let resident = plain(&families, "process_resident_memory_bytes").expect("resident memory");
        assert!(
            resident > 1_000_000.0,
            "a server holds more than 1 MB: {resident}"
        );
        let now = Utc::now().timestamp() as f64;
        let started = plain(&families, "process_start_time_seconds").expect("a start time");
        assert!(
            started <= now + 1.0 && started > now - 86_400.0,
            "started within the last day: {started} (now {now})"
        );
        let open = plain(&families, "process_open_fds").expect("open descriptors");
        let limit = plain(&families, "process_max_fds").expect("a descriptor limit");
        // At least the listener, the store's files and the standard streams.
        assert!(open >= 4.0 && limit >= open, "{open} of {limit}");
        assert!(plain(&families, "process_cpu_seconds_total").expect("CPU time") > 0.0);
    }
    server.stop().await;
}
