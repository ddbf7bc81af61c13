//! Spaces requests to the same host, so that polling many feeds of one outlet (or following
//! its redirects) never hammers it.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out one time slot per request and host: each slot is at least `interval` after the
/// previous one for that host. Slots are reserved under the lock and waited for outside it,
/// so concurrent requests to one host queue up in order while other hosts are not held up.
#[derive(Debug)]
pub(crate) struct HostPacer {
    interval: Duration,
    next_slot: Mutex<HashMap<String, Instant>>,
}

impl HostPacer {
    pub(crate) fn new(interval: Duration) -> HostPacer {
        HostPacer {
            interval,
            next_slot: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request to `host` may be sent.
    pub(crate) async fn wait_turn(&self, host: &str) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next_slot = self.next_slot.lock().await;
            let now = Instant::now();
            // Forget hosts whose slot has passed, so the map stays as small as the set of
            // hosts polled within one interval.
            next_slot.retain(|_, slot| *slot > now);
            let key = host.to_ascii_lowercase();
            let slot = next_slot.get(&key).copied().unwrap_or(now).max(now);
            next_slot.insert(key, slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_to_one_host_but_not_across_hosts() {
        let pacer = HostPacer::new(Duration::from_secs(1));
        let start = Instant::now();
        pacer.wait_turn("news.example").await;
        pacer.wait_turn("other.example").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait_turn("news.example").await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        pacer.wait_turn("NEWS.example").await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_interval_never_waits() {
        let pacer = HostPacer::new(Duration::ZERO);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait_turn("news.example").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
