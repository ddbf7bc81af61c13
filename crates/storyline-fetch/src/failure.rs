//! Typed failures of one feed, page or item ([`ItemFailure`]): what went wrong as a
//! [`FailureKind`] that reports and metrics can count, beside the one-line message people read.
//!
//! The kind is decided where the error is made (each [`FetchError`] and [`FeedError`] variant
//! has one), never read back out of the message text.

use crate::error::{FeedError, FetchError};

/// Why a feed, page or item of a poll failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureKind {
    /// A connection, a request or a whole feed took longer than allowed.
    Timeout,
    /// The server answered with an error status (404, 500, 429...).
    HttpStatus,
    /// The response exceeded the size cap.
    TooLarge,
    /// DNS, connection, TLS, bad or endless redirects.
    Network,
    /// Refused before any request: a private address, a scheme not allowed for a link found
    /// in fetched content, an invalid URL.
    Refused,
    /// The site's robots.txt disallows the URL.
    Robots,
    /// A body that is not a readable feed, or that cannot be decoded.
    Malformed,
    /// A page that is not an article (a section front, an index), or an item with neither a
    /// usable page nor a summary.
    NotArticle,
    /// The feed's time budget of the poll ran out before all its items were read; the rest
    /// are read at the next poll.
    Budget,
    /// A local file that cannot be read.
    File,
    Other,
}

impl FailureKind {
    pub const ALL: [FailureKind; 11] = [
        FailureKind::Timeout,
        FailureKind::HttpStatus,
        FailureKind::TooLarge,
        FailureKind::Network,
        FailureKind::Refused,
        FailureKind::Robots,
        FailureKind::Malformed,
        FailureKind::NotArticle,
        FailureKind::Budget,
        FailureKind::File,
        FailureKind::Other,
    ];

    /// A stable snake_case name (metric label values, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Timeout => "timeout",
            FailureKind::HttpStatus => "http_status",
            FailureKind::TooLarge => "too_large",
            FailureKind::Network => "network",
            FailureKind::Refused => "refused",
            FailureKind::Robots => "robots",
            FailureKind::Malformed => "malformed",
            FailureKind::NotArticle => "not_article",
            FailureKind::Budget => "budget",
            FailureKind::File => "file",
            FailureKind::Other => "other",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed feed, page or item: the URL it concerns, its kind, and the one-line message
/// (`URL: cause`) shown to people. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFailure {
    pub url: String,
    pub kind: FailureKind,
    pub message: String,
}

impl ItemFailure {
    pub fn new(url: impl Into<String>, kind: FailureKind, message: impl Into<String>) -> Self {
        ItemFailure {
            url: url.into(),
            kind,
            message: message.into(),
        }
    }

    /// The same failure with more said after the message ("; kept the feed's summary").
    pub fn with_suffix(mut self, suffix: &str) -> Self {
        self.message.push_str(suffix);
        self
    }
}

impl std::fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl FetchError {
    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        match self {
            FetchError::TimedOut { .. } => FailureKind::Timeout,
            FetchError::Status { .. } => FailureKind::HttpStatus,
            FetchError::TooLarge { .. } => FailureKind::TooLarge,
            FetchError::Resolve { .. }
            | FetchError::Transport { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::BadRedirect { .. } => FailureKind::Network,
            FetchError::InvalidUrl { .. }
            | FetchError::UnsupportedScheme { .. }
            | FetchError::LinkNotFollowed { .. }
            | FetchError::PrivateAddress { .. } => FailureKind::Refused,
            FetchError::RobotsDisallowed { .. } => FailureKind::Robots,
            FetchError::Decode { .. } => FailureKind::Malformed,
            FetchError::File { .. } => FailureKind::File,
            FetchError::Client { .. } => FailureKind::Other,
        }
    }

    /// This error as an [`ItemFailure`] about `url` (the URL asked for, when the error has
    /// none of its own).
    pub fn to_failure(&self, url: &str) -> ItemFailure {
        ItemFailure::new(self.url().unwrap_or(url), self.kind(), self.to_string())
    }
}

impl FeedError {
    pub fn kind(&self) -> FailureKind {
        FailureKind::Malformed
    }

    /// This error as an [`ItemFailure`] about `url`.
    pub fn to_failure(&self, url: &str) -> ItemFailure {
        ItemFailure::new(url, self.kind(), self.to_string())
    }
}
