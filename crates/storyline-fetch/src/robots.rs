//! robots.txt: the rules each site sets for crawlers, fetched once per origin and cached
//! ([`RobotsCache`]), parsed by `robotxt` (RFC 9309).
//!
//! What a fetch of robots.txt means follows RFC 9309 §2.3.1: a file read is obeyed; a 4xx
//! answer (no file) or a redirect chain too long allows everything; a server error (5xx, or
//! 429 "slow down") disallows everything for a short while, then the file is asked for again.
//! A site that cannot be reached at all (refused, timed out, a private address) is not a
//! robots question: that failure is the request's own, and nothing is cached.
//! The rules apply to the group of our product token ([`ROBOTS_AGENT`]), else to `*`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use robotxt::{AccessResult, Robots};
use tokio::time::Instant;
use url::Url;

/// The product token that robots.txt groups are matched against: the first word of our
/// User-Agent.
pub const ROBOTS_AGENT: &str = "Storyline";

/// How long rules that were read (or found absent) are kept: a day, as RFC 9309 suggests.
const RULES_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long an unreachable robots.txt disallows its site before it is asked for again:
/// a little under the default poll interval, so the next poll tries again.
const UNREACHABLE_TTL: Duration = Duration::from_secs(10 * 60);

/// The largest robots.txt read; RFC 9309 asks crawlers to parse at least 500 KiB.
pub(crate) const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// What the fetch of one origin's robots.txt gave.
#[derive(Debug)]
pub(crate) enum RobotsFetch {
    /// The file's bytes.
    Read(Vec<u8>),
    /// No file (a 4xx answer, or a redirect chain too long): everything is allowed.
    Absent,
    /// A server error, said in a few words: everything is disallowed for now.
    Unreachable(String),
}

/// The rules of one origin, until `expires`.
#[derive(Debug)]
struct Cached {
    rules: Robots,
    /// Why everything is disallowed when the file was unreachable.
    unreachable: Option<String>,
    expires: Instant,
}

/// The verdict for one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed,
    /// Disallowed: the robots.txt URL, and the reason when the file could not be read.
    Disallowed {
        robots: String,
    },
}

/// Rules per origin (`scheme://host:port`). Each origin has its own async lock, so
/// concurrent requests to one site wait for a single fetch of its robots.txt while other
/// sites go on.
#[derive(Debug, Default)]
pub(crate) struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

impl RobotsCache {
    /// The verdict for `url`, fetching its origin's robots.txt with `fetch` when the cached
    /// rules are missing or stale. `fetch` gets the robots.txt URL; its error (the site cannot
    /// be reached) is returned as it is and nothing is cached.
    pub(crate) async fn check<F, Fut, E>(&self, url: &Url, fetch: F) -> Result<Verdict, E>
    where
        F: FnOnce(Url) -> Fut,
        Fut: std::future::Future<Output = Result<RobotsFetch, E>>,
    {
        let Ok(robots_url) = robotxt::robots_url(url) else {
            // Not http(s) with a host: robots.txt does not apply.
            return Ok(Verdict::Allowed);
        };
        let origin = url.origin().ascii_serialization();
        let slot = {
            let mut origins = self
                .origins
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(origins.entry(origin).or_default())
        };
        let mut cached = slot.lock().await;
        let now = Instant::now();
        if cached.as_ref().is_none_or(|entry| entry.expires <= now) {
            let (rules, unreachable, ttl) = match fetch(robots_url.clone()).await? {
                RobotsFetch::Read(bytes) => (
                    Robots::from_access(AccessResult::Successful(&bytes), ROBOTS_AGENT),
                    None,
                    RULES_TTL,
                ),
                RobotsFetch::Absent => (
                    Robots::from_access(AccessResult::Unavailable, ROBOTS_AGENT),
                    None,
                    RULES_TTL,
                ),
                RobotsFetch::Unreachable(reason) => (
                    Robots::from_access(AccessResult::Unreachable, ROBOTS_AGENT),
                    Some(reason),
                    UNREACHABLE_TTL,
                ),
            };
            *cached = Some(Cached {
                rules,
                unreachable,
                expires: Instant::now() + ttl,
            });
        }
        let entry = cached.as_ref().expect("filled above");
        if entry.rules.is_url_allowed(url) {
            return Ok(Verdict::Allowed);
        }
        let robots = match &entry.unreachable {
            Some(reason) => format!(
                "{robots_url} (unreachable: {reason}; asked again within {} minutes)",
                UNREACHABLE_TTL.as_secs() / 60
            ),
            None => robots_url.to_string(),
        };
        Ok(Verdict::Disallowed { robots })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn url(text: &str) -> Url {
        Url::parse(text).expect("valid URL")
    }

    #[tokio::test(start_paused = true)]
    async fn rules_are_fetched_once_per_origin_and_obeyed() {
        let cache = RobotsCache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = |_robots: Url| {
            fetches.fetch_add(1, Ordering::SeqCst);
            async {
                Ok::<_, ()>(RobotsFetch::Read(
                    b"User-agent: *\nDisallow: /private\n\nUser-agent: storyline\nDisallow: /drafts/\n"
                        .to_vec(),
                ))
            }
        };
        assert_eq!(
            cache
                .check(&url("https://news.example/world/1"), fetch)
                .await,
            Ok(Verdict::Allowed)
        );
        // Our own group applies, not `*`: /private is allowed to us, /drafts/ is not.
        assert_eq!(
            cache
                .check(&url("https://news.example/private/2"), fetch)
                .await,
            Ok(Verdict::Allowed)
        );
        assert_eq!(
            cache
                .check(&url("https://news.example/drafts/3"), fetch)
                .await,
            Ok(Verdict::Disallowed {
                robots: "https://news.example/robots.txt".into()
            })
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // Another origin (scheme or port) has its own rules.
        let _ = cache.check(&url("http://news.example/x"), fetch).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        // Stale after a day.
        tokio::time::advance(RULES_TTL + Duration::from_secs(1)).await;
        let _ = cache.check(&url("https://news.example/x"), fetch).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn absent_allows_and_unreachable_disallows_for_a_while() {
        let cache = RobotsCache::default();
        let absent = |_robots: Url| async { Ok::<_, ()>(RobotsFetch::Absent) };
        assert_eq!(
            cache.check(&url("https://a.example/x"), absent).await,
            Ok(Verdict::Allowed)
        );
        let down =
            |_robots: Url| async { Ok::<_, ()>(RobotsFetch::Unreachable("HTTP 503".into())) };
        assert_eq!(
            cache.check(&url("https://b.example/x"), down).await,
            Ok(Verdict::Disallowed {
                robots: "https://b.example/robots.txt (unreachable: HTTP 503; asked again within 10 minutes)"
                    .into()
            })
        );
        tokio::time::advance(UNREACHABLE_TTL + Duration::from_secs(1)).await;
        assert_eq!(
            cache.check(&url("https://b.example/x"), absent).await,
            Ok(Verdict::Allowed)
        );
        // A site that cannot be reached caches nothing: the next request asks again.
        let refused = |_robots: Url| async { Err::<RobotsFetch, _>("connection refused") };
        assert_eq!(
            cache.check(&url("https://c.example/x"), refused).await,
            Err("connection refused")
        );
        assert_eq!(
            cache.check(&url("https://c.example/x"), absent).await,
            Ok(Verdict::Allowed)
        );
    }

    #[tokio::test]
    async fn file_urls_are_not_subject_to_robots() {
        let cache = RobotsCache::default();
        let never = |_robots: Url| async { unreachable!("no robots.txt for files") };
        assert_eq!(
            cache.check(&url("file:///tmp/feed.xml"), never).await,
            Ok::<_, ()>(Verdict::Allowed)
        );
    }
}
