//! Counters and histograms of the running service, and their Prometheus text exposition
//! (`GET /metrics`).
//!
//! What is counted: new articles and failed feeds of each poll ([`Metrics::record_poll`], by
//! the [`FailureKind`] each failure carries from where it was made), briefs written and how long each took
//! ([`Metrics::record_briefs`]), and every HTTP request by route, method and status with its
//! latency ([`Metrics::record_http`], fed by the middleware in `lib.rs`). Sizes of the store
//! (stories, briefs, articles, feeds) are gauges read from the store at scrape time, not kept
//! here.
//!
//! Invariants: a route label is the route *template* (`/api/stories/{id}`) or `unmatched`,
//! never a raw path, so the number of series stays bounded whatever clients request; label
//! values are escaped; recording never fails and never blocks on the store.

use axum::http::Method;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use storyline_pipeline::brief::BriefReport;
use storyline_pipeline::ingest::{FailureKind, FetchReport};
use storyline_store::StoreCounts;

/// Upper bounds (seconds) of the brief-writing histogram: the extractive engine takes
/// milliseconds, a model engine seconds to minutes.
const BRIEF_WRITE_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Upper bounds (seconds) of the HTTP latency histogram.
const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The counter slot of a failure kind: its place in [`FailureKind::ALL`].
fn failure_index(kind: FailureKind) -> usize {
    FailureKind::ALL
        .iter()
        .position(|candidate| *candidate == kind)
        .unwrap_or(FailureKind::ALL.len() - 1)
}

/// A fixed-bucket histogram.
#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    /// Observations per bucket (not cumulative); the last slot is `+Inf`.
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, value: f64) {
        // A negative or NaN duration cannot happen with a monotonic clock; count it as 0.
        let value = if value.is_finite() && value > 0.0 {
            value
        } else {
            0.0
        };
        let slot = self
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(self.bounds.len());
        self.counts[slot] += 1;
        self.sum += value;
        self.count += 1;
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines; `labels` are extra labels
    /// (`route="..."`) put before `le`.
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let separator = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{separator}le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{separator}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// Request counts and latencies, by route.
#[derive(Debug, Default)]
struct HttpStats {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency.
    latency: BTreeMap<String, Histogram>,
}

#[derive(Debug)]
struct Inner {
    polls: AtomicU64,
    articles_fetched: AtomicU64,
    feed_errors: [AtomicU64; FailureKind::ALL.len()],
    briefs_written: AtomicU64,
    brief_errors: AtomicU64,
    brief_write_seconds: Mutex<Histogram>,
    http: Mutex<HttpStats>,
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

/// Locks a metrics mutex; a panic elsewhere while it was held leaves numbers that are still
/// worth reporting, so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            inner: Arc::new(Inner {
                polls: AtomicU64::new(0),
                articles_fetched: AtomicU64::new(0),
                feed_errors: Default::default(),
                briefs_written: AtomicU64::new(0),
                brief_errors: AtomicU64::new(0),
                brief_write_seconds: Mutex::new(Histogram::new(BRIEF_WRITE_BUCKETS)),
                http: Mutex::new(HttpStats::default()),
            }),
        }
    }

    /// Records one poll: its new articles and each error line, by kind.
    pub fn record_poll(&self, report: &FetchReport) {
        let inner = &self.inner;
        inner.polls.fetch_add(1, Ordering::Relaxed);
        inner
            .articles_fetched
            .fetch_add(report.new_articles as u64, Ordering::Relaxed);
        for failure in &report.errors {
            inner.feed_errors[failure_index(failure.kind)].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records the briefs a refresh wrote, with the time each took, and its failures.
    pub fn record_briefs(&self, report: &BriefReport) {
        self.inner
            .briefs_written
            .fetch_add(report.written.len() as u64, Ordering::Relaxed);
        self.inner
            .brief_errors
            .fetch_add(report.errors.len() as u64, Ordering::Relaxed);
        let mut histogram = lock(&self.inner.brief_write_seconds);
        for seconds in &report.write_seconds {
            histogram.observe(*seconds);
        }
    }

    /// Records one answered HTTP request. `route` is the matched route template, or `None`
    /// when no route matched.
    pub fn record_http(&self, route: Option<&str>, method: &Method, status: u16, seconds: f64) {
        let route = route.unwrap_or("unmatched");
        let mut http = lock(&self.inner.http);
        *http
            .requests
            .entry((route.to_string(), method.as_str().to_string(), status))
            .or_insert(0) += 1;
        match http.latency.get_mut(route) {
            Some(histogram) => histogram.observe(seconds),
            None => {
                let mut histogram = Histogram::new(HTTP_BUCKETS);
                histogram.observe(seconds);
                http.latency.insert(route.to_string(), histogram);
            }
        }
    }

    /// The Prometheus text exposition (format 0.0.4). `store` holds the store's sizes, or
    /// `None` when the store could not be read (then `storyline_store_up` is 0 and the size
    /// gauges are left out).
    pub fn render(&self, store: Option<&StoreCounts>) -> String {
        let inner = &self.inner;
        let mut out = String::with_capacity(4096);
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {value}");
        };
        let gauge = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        };
        counter(
            &mut out,
            "storyline_polls_total",
            "Feed polls run by this process.",
            inner.polls.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "storyline_articles_fetched_total",
            "New articles stored by feed polls.",
            inner.articles_fetched.load(Ordering::Relaxed),
        );
        out.push_str(
            "# HELP storyline_feed_errors_total Failed feeds, pages and items of polls, by kind.\n\
             # TYPE storyline_feed_errors_total counter\n",
        );
        for kind in FailureKind::ALL {
            let _ = writeln!(
                out,
                "storyline_feed_errors_total{{kind=\"{}\"}} {}",
                kind.as_str(),
                inner.feed_errors[failure_index(kind)].load(Ordering::Relaxed)
            );
        }
        counter(
            &mut out,
            "storyline_briefs_written_total",
            "Brief versions written by this process.",
            inner.briefs_written.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "storyline_brief_errors_total",
            "Stories whose brief could not be written.",
            inner.brief_errors.load(Ordering::Relaxed),
        );
        out.push_str(
            "# HELP storyline_brief_write_seconds Time to write one brief (engine call and trust \
             checks).\n# TYPE storyline_brief_write_seconds histogram\n",
        );
        lock(&inner.brief_write_seconds).write(&mut out, "storyline_brief_write_seconds", "");

        gauge(
            &mut out,
            "storyline_store_up",
            "Whether the store answered this scrape (1) or not (0).",
            u64::from(store.is_some()),
        );
        if let Some(counts) = store {
            gauge(
                &mut out,
                "storyline_stories",
                "Stories not merged into another.",
                counts.stories,
            );
            gauge(
                &mut out,
                "storyline_briefs",
                "Brief versions stored.",
                counts.briefs,
            );
            gauge(
                &mut out,
                "storyline_articles",
                "Articles stored.",
                counts.articles,
            );
            gauge(
                &mut out,
                "storyline_feeds",
                "Feeds subscribed.",
                counts.feeds,
            );
        }

        let http = lock(&inner.http);
        out.push_str(
            "# HELP storyline_http_requests_total HTTP requests answered, by route, method and \
             status.\n# TYPE storyline_http_requests_total counter\n",
        );
        for ((route, method, status), count) in &http.requests {
            let _ = writeln!(
                out,
                "storyline_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                escape_label(route),
                escape_label(method)
            );
        }
        out.push_str(
            "# HELP storyline_http_request_duration_seconds Time to answer an HTTP request, by \
             route.\n# TYPE storyline_http_request_duration_seconds histogram\n",
        );
        for (route, histogram) in &http.latency {
            histogram.write(
                &mut out,
                "storyline_http_request_duration_seconds",
                &format!("route=\"{}\"", escape_label(route)),
            );
        }
        out
    }
}

/// Escapes a label value as the exposition format requires (`\`, `"`, newline).
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_pipeline::ingest::ItemFailure;

    #[test]
    fn every_failure_kind_has_its_own_counter() {
        let indexes: std::collections::BTreeSet<usize> =
            FailureKind::ALL.into_iter().map(failure_index).collect();
        assert_eq!(indexes.len(), FailureKind::ALL.len());
        assert!(indexes.iter().all(|&index| index < FailureKind::ALL.len()));
    }

    #[test]
    fn histograms_are_cumulative_and_count_everything() {
        let mut histogram = Histogram::new(&[0.1, 1.0]);
        for value in [0.05, 0.1, 0.5, 7.0, f64::NAN] {
            histogram.observe(value);
        }
        let mut out = String::new();
        histogram.write(&mut out, "t", "route=\"/x\"");
        assert_eq!(
            out,
            "t_bucket{route=\"/x\",le=\"0.1\"} 3\n\
             t_bucket{route=\"/x\",le=\"1\"} 4\n\
             t_bucket{route=\"/x\",le=\"+Inf\"} 5\n\
             t_sum{route=\"/x\"} 7.65\n\
             t_count{route=\"/x\"} 5\n"
        );
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
        metrics.record_http(Some("/api/stories/{id}"), &Method::GET, 404, 0.001);
        metrics.record_http(None, &Method::GET, 404, 0.001);
        let text = metrics.render(Some(&StoreCounts {
            feeds: 3,
            articles: 40,
            stories: 9,
            briefs: 12,
        }));
        for expected in [
            "storyline_articles_fetched_total 7\n",
            "storyline_feed_errors_total{kind=\"http_status\"} 2\n",
            "storyline_feed_errors_total{kind=\"timeout\"} 1\n",
            "storyline_feed_errors_total{kind=\"malformed\"} 0\n",
            "storyline_briefs_written_total 1\n",
            "storyline_brief_write_seconds_bucket{le=\"0.025\"} 1\n",
            "storyline_brief_write_seconds_count 1\n",
            "storyline_stories 9\n",
            "storyline_briefs 12\n",
            "storyline_http_requests_total{route=\"/api/stories/{id}\",method=\"GET\",status=\"200\"} 1\n",
            "storyline_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n",
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
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
