//! A subscribed feed and what we remember about polling it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A feed the user subscribed to (RSS 2.0, Atom or JSON Feed; `http(s)://` or `file://`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// The URL exactly as added (after trimming); unique.
    pub url: String,
    /// The feed's own title, once fetched, or the OPML outline's title.
    pub title: Option<String>,
    /// When the feed was added.
    pub added_at: DateTime<Utc>,
    /// Validators from the last successful response, for conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When we last tried to fetch it, and whether that failed (one line).
    pub last_fetched_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Consecutive failures since the last success.
    pub error_count: u32,
}

impl Feed {
    /// A feed that has just been added and never fetched.
    pub fn new(url: impl Into<String>, title: Option<String>, added_at: DateTime<Utc>) -> Self {
        Feed {
            url: url.into(),
            title,
            added_at,
            etag: None,
            last_modified: None,
            last_fetched_at: None,
            last_error: None,
            error_count: 0,
        }
    }
}
