//! Counters and histograms of the running service, and their Prometheus exposition
//! (`GET /metrics`), kept and encoded by the `prometheus-client` crate.
//!
//! What is counted: new articles and failed feeds of each poll ([`Metrics::record_poll`], by
//! the [`FailureKind`] each failure carries from where it was made), briefs written and how
//! long each took ([`Metrics::record_briefs`]), and every HTTP request by route, method and
//! status with its latency ([`Metrics::record_http`], fed by the middleware in `lib.rs`).
//! Sizes of the store (stories, briefs, articles, feeds) are gauges read from the store at
//! scrape time, not kept here. On Linux the standard `process_*` metrics (resident and
//! virtual memory, CPU seconds, open and maximum file descriptors, start time) are read from
//! `/proc/self` at scrape time too (`metrics/process.rs`); elsewhere they are left out.
//!
//! The exposition is the Prometheus text format 0.0.4 ([`CONTENT_TYPE`]), which every
//! Prometheus server and agent reads; the family names are the ones this service has always
//! exposed (`storyline_polls_total`, `storyline_http_request_duration_seconds`, ...): the
//! crate adds the `_total` of counters and the `_seconds` of the unit, so they are
//! registered without them.
//!
//! Invariants: a route label is the route *template* (`/api/stories/{id}`) or `unmatched`,
//! never a raw path, so the number of series stays bounded whatever clients request; label
//! values are escaped by the encoder; recording never fails and never blocks on the store.

#[cfg(target_os = "linux")]
mod process;

use axum::http::Method;
use prometheus_client::encoding::{EncodeLabelSet, prometheus_text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use storyline_pipeline::brief::BriefReport;
use storyline_pipeline::ingest::{FailureKind, FetchReport};
use storyline_store::StoreCounts;

/// The `Content-Type` of what [`Metrics::render`] returns: the Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Upper bounds (seconds) of the brief-writing histogram: the extractive engine takes
/// milliseconds, a model engine seconds to minutes.
const BRIEF_WRITE_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Upper bounds (seconds) of the HTTP latency histogram.
const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// Builds one route's latency histogram; a plain `fn` so the family's type can name it.
fn http_latency_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS.iter().copied())
}

/// A negative or NaN duration cannot come from a monotonic clock; it is counted as 0 rather
/// than dropped, so `_count` still matches the number of requests or briefs.
fn observed_seconds(seconds: f64) -> f64 {
    if seconds.is_finite() && seconds > 0.0 {
        seconds
    } else {
        0.0
    }
}

#[derive(Debug)]
struct Inner {
    /// Holds a handle on each metric below (they share their values with it) and, on Linux,
    /// the process collector.
    registry: Registry,
    polls: Counter,
    articles_fetched: Counter,
    feed_errors: Family<FailureLabels, Counter>,
    briefs_written: Counter,
    brief_errors: Counter,
    brief_write_seconds: Histogram,
    http_requests: Family<RequestLabels, Counter>,
    http_request_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

/// The service's metrics; clones share the same counters (the run loop records polls, the
/// server's middleware records requests).
#[derive(Debug, Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let polls = Counter::default();
        registry.register(
            "storyline_polls",
            "Feed polls run by this process",
            polls.clone(),
        );
        let articles_fetched = Counter::default();
        registry.register(
            "storyline_articles_fetched",
            "New articles stored by feed polls",
            articles_fetched.clone(),
        );
        let feed_errors = Family::<FailureLabels, Counter>::default();
        // Every kind is shown from the start, at 0, so a rate over a new kind has a baseline.
        for kind in FailureKind::ALL {
            drop(feed_errors.get_or_create(&FailureLabels {
                kind: kind.as_str(),
            }));
        }
        registry.register(
            "storyline_feed_errors",
            "Failed feeds, pages and items of polls, by kind",
            feed_errors.clone(),
        );
        let briefs_written = Counter::default();
        registry.register(
            "storyline_briefs_written",
            "Brief versions written by this process",
            briefs_written.clone(),
        );
        let brief_errors = Counter::default();
        registry.register(
            "storyline_brief_errors",
            "Stories whose brief could not be written",
            brief_errors.clone(),
        );
        let brief_write_seconds = Histogram::new(BRIEF_WRITE_BUCKETS.iter().copied());
        registry.register_with_unit(
            "storyline_brief_write",
            "Time to write one brief (engine call and trust checks)",
            Unit::Seconds,
            brief_write_seconds.clone(),
        );
        let http_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "storyline_http_requests",
            "HTTP requests answered, by route, method and status",
            http_requests.clone(),
        );
        let http_request_duration: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(http_latency_histogram);
        registry.register_with_unit(
            "storyline_http_request_duration",
            "Time to answer an HTTP request, by route",
            Unit::Seconds,
            http_request_duration.clone(),
        );
        #[cfg(target_os = "linux")]
        registry.register_collector(Box::new(process::ProcessCollector));
        Metrics {
            inner: Arc::new(Inner {
                registry,
                polls,
                articles_fetched,
                feed_errors,
                briefs_written,
                brief_errors,
                brief_write_seconds,
                http_requests,
                http_request_duration,
            }),
        }
    }

    /// Records one poll: its new articles and each error line, by kind.
    pub fn record_poll(&self, report: &FetchReport) {
        let inner = &self.inner;
        inner.polls.inc();
        inner.articles_fetched.inc_by(report.new_articles as u64);
        for failure in &report.errors {
            inner
                .feed_errors
                .get_or_create(&FailureLabels {
                    kind: failure.kind.as_str(),
                })
                .inc();
        }
    }

    /// Records the briefs a refresh wrote, with the time each took, and its failures.
    pub fn record_briefs(&self, report: &BriefReport) {
        let inner = &self.inner;
        inner.briefs_written.inc_by(report.written.len() as u64);
        inner.brief_errors.inc_by(report.errors.len() as u64);
        for seconds in &report.write_seconds {
            inner
                .brief_write_seconds
                .observe(observed_seconds(*seconds));
        }
    }

    /// Records one answered HTTP request. `route` is the matched route template, or `None`
    /// when no route matched.
    pub fn record_http(&self, route: Option<&str>, method: &Method, status: u16, seconds: f64) {
        let route = route.unwrap_or("unmatched").to_string();
        self.inner
            .http_requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method: method.as_str().to_string(),
                status,
            })
            .inc();
        self.inner
            .http_request_duration
            .get_or_create(&RouteLabels { route })
            .observe(observed_seconds(seconds));
    }

    /// The exposition, in the format [`CONTENT_TYPE`] names. `store` holds the store's
    /// sizes, or `None` when the store could not be read (then `storyline_store_up` is 0 and
    /// the size gauges are left out).
    pub fn render(&self, store: Option<&StoreCounts>) -> String {
        // The store's gauges exist only for this scrape, so they get a registry of their own,
        // encoded after the long-lived one.
        let mut store_registry = Registry::default();
        store_registry.register(
            "storyline_store_up",
            "Whether the store answered this scrape (1) or not (0)",
            ConstGauge::new(u64::from(store.is_some())),
        );
        if let Some(counts) = store {
            for (name, help, value) in [
                (
                    "storyline_stories",
                    "Stories not merged into another",
                    counts.stories,
                ),
                ("storyline_briefs", "Brief versions stored", counts.briefs),
                ("storyline_articles", "Articles stored", counts.articles),
                ("storyline_feeds", "Feeds subscribed", counts.feeds),
            ] {
                store_registry.register(name, help, ConstGauge::new(value));
            }
        }
        let mut out = String::with_capacity(8192);
        // Writing into a String cannot fail, and neither can the crate's encoders of these
        // metric types; an error would only cut the exposition short, which a scrape shows.
        let encoded = prometheus_text::encode(&mut out, &self.inner.registry)
            .and_then(|()| prometheus_text::encode(&mut out, &store_registry));
        if let Err(error) = encoded {
            tracing::warn!("metrics: the exposition could not be encoded: {error}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_pipeline::ingest::ItemFailure;

    fn sample_store() -> StoreCounts {
        StoreCounts {
            feeds: 3,
            articles: 40,
            stories: 9,
            briefs: 12,
        }
    }

    #[test]
    fn every_failure_kind_is_shown_before_it_happens() {
        let text = Metrics::new().render(None);
        for kind in FailureKind::ALL {
            let line = format!(
                "storyline_feed_errors_total{{kind=\"{}\"}} 0\n",
                kind.as_str()
            );
            assert!(text.contains(&line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn polls_briefs_and_requests_show_in_the_exposition() {
        let metrics = Metrics::new();
        metrics.record_poll(&FetchReport {
            feeds: 3,
            new_articles: 7,
            errors: vec![
                ItemFailure::new("https://a.example/f", FailureKind::HttpStatus, "HTTP 500"),
                ItemFailure::new("https://b.example/f", FailureKind::Timeout, "timed out"),
                // The kind counts, not the words of the message.
                ItemFailure::new("https://c.example/f", FailureKind::HttpStatus, "timed out"),
            ],
            ..FetchReport::default()
        });
        metrics.record_briefs(&BriefReport {
            written: vec![(storyline_model::StoryId("s1".into()), 1)],
            write_seconds: vec![0.02],
            ..BriefReport::default()
        });
        metrics.record_http(Some("/api/stories/{id}"), &Method::GET, 200, 0.003);
        metrics.record_http(Some("/api/stories/{id}"), &Method::GET, 404, f64::NAN);
        metrics.record_http(None, &Method::GET, 404, 0.001);
        let text = metrics.render(Some(&sample_store()));
        for expected in [
            "# TYPE storyline_polls_total counter\n",
            "storyline_polls_total 1\n",
            "storyline_articles_fetched_total 7\n",
            "storyline_feed_errors_total{kind=\"http_status\"} 2\n",
            "storyline_feed_errors_total{kind=\"timeout\"} 1\n",
            "storyline_feed_errors_total{kind=\"malformed\"} 0\n",
            "storyline_briefs_written_total 1\n",
            "# TYPE storyline_brief_write_seconds histogram\n",
            "storyline_brief_write_seconds_bucket{le=\"0.01\"} 0\n",
            "storyline_brief_write_seconds_bucket{le=\"0.025\"} 1\n",
            "storyline_brief_write_seconds_bucket{le=\"+Inf\"} 1\n",
            "storyline_brief_write_seconds_count 1\n",
            "storyline_store_up 1\n",
            "storyline_stories 9\n",
            "storyline_briefs 12\n",
            "storyline_articles 40\n",
            "storyline_feeds 3\n",
            "storyline_http_requests_total{route=\"/api/stories/{id}\",method=\"GET\",status=\"200\"} 1\n",
            "storyline_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n",
            // The NaN duration is counted, as 0, in the lowest bucket.
            "storyline_http_request_duration_seconds_bucket{route=\"/api/stories/{id}\",le=\"0.0005\"} 1\n",
            "storyline_http_request_duration_seconds_count{route=\"/api/stories/{id}\"} 2\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let without_store = metrics.render(None);
        assert!(without_store.contains("storyline_store_up 0\n"));
        assert!(!without_store.contains("storyline_stories "));
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::new();
        metrics.record_http(Some("/odd\"route\\\n"), &Method::GET, 200, 0.001);
        let text = metrics.render(None);
        assert!(
            text.contains("route=\"/odd\\\"route\\\\\\n\""),
            "the route is escaped in\n{text}"
        );
    }
}
