//! The crate's two error enums: one for fetching bytes, one for parsing feeds and OPML.
//!
//! Every message is one line that starts with the input (URL or file) and then says what went
//! wrong, so a run log can show a failing feed without any further context.

use std::net::IpAddr;
use std::time::Duration;

/// Why a fetch failed. `Display` is `"URL: cause"` on one line.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The text could not be parsed as an absolute URL.
    #[error("{url}: invalid URL: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// A scheme other than `http`, `https` or `file` (also for redirect targets).
    #[error("{url}: unsupported URL scheme {scheme}")]
    UnsupportedScheme { url: String, scheme: String },

    /// A link found inside fetched content whose scheme may not be followed from there: only
    /// `http(s)` links are followed out of anything fetched over the network (a `file://`
    /// link in a remote feed would read this machine's files).
    #[error(
        "{url}: not following a {scheme} link found in {found_in} (only http and https links are followed from fetched content)"
    )]
    LinkNotFollowed {
        url: String,
        scheme: String,
        found_in: String,
    },

    /// The site's robots.txt disallows the URL for our user agent.
    #[error("{url}: disallowed by {robots}")]
    RobotsDisallowed { url: String, robots: String },

    /// The host (or a redirect target's host) resolves to a loopback, private, link-local or
    /// otherwise non-public address, and the configuration does not allow that.
    #[error(
        "{url}: refusing to fetch private address {address} (set fetch.allow_private_addresses to allow)"
    )]
    PrivateAddress { url: String, address: IpAddr },

    /// The host name did not resolve.
    #[error("{url}: cannot resolve host {host}: {reason}")]
    Resolve {
        url: String,
        host: String,
        reason: String,
    },

    /// The connection attempt or the whole request took longer than allowed.
    #[error("{url}: timed out after {}", format_duration(*after))]
    TimedOut { url: String, after: Duration },

    /// The server answered with a status that is not success, redirect or "not modified".
    #[error("{url}: HTTP {}", format_status(*status))]
    Status { url: String, status: u16 },

    /// The (decoded) body exceeded the configured cap.
    #[error("{url}: response larger than the {} limit", format_bytes(*limit))]
    TooLarge { url: String, limit: u64 },

    /// The redirect chain was longer than allowed (loops end here too).
    #[error("{url}: more than {max} redirects")]
    TooManyRedirects { url: String, max: usize },

    /// A redirect status without a usable `Location` header.
    #[error("{url}: redirect without a usable Location header: {reason}")]
    BadRedirect { url: String, reason: String },

    /// The body used a `Content-Encoding` we did not ask for, or was corrupt.
    #[error("{url}: cannot decode body: {reason}")]
    Decode { url: String, reason: String },

    /// Connecting, sending or receiving failed (refused, reset, TLS, ...).
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },

    /// A `file://` URL that cannot be read (missing, a directory, no permission).
    #[error("{url}: cannot read: {reason}")]
    File { url: String, reason: String },

    /// The HTTP client itself could not be built (TLS set-up).
    #[error("cannot build the HTTP client: {reason}")]
    Client { reason: String },
}

impl FetchError {
    /// The URL the caller asked for, where the error concerns one.
    pub fn url(&self) -> Option<&str> {
        match self {
            FetchError::InvalidUrl { url, .. }
            | FetchError::UnsupportedScheme { url, .. }
            | FetchError::LinkNotFollowed { url, .. }
            | FetchError::RobotsDisallowed { url, .. }
            | FetchError::PrivateAddress { url, .. }
            | FetchError::Resolve { url, .. }
            | FetchError::TimedOut { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::BadRedirect { url, .. }
            | FetchError::Decode { url, .. }
            | FetchError::Transport { url, .. }
            | FetchError::File { url, .. } => Some(url),
            FetchError::Client { .. } => None,
        }
    }

    /// The same error about another URL: a failure met on the way to `url` (its site's
    /// robots.txt could not be reached) reported as `url`'s own.
    pub fn for_url(mut self, url: &str) -> FetchError {
        match &mut self {
            FetchError::InvalidUrl { url: own, .. }
            | FetchError::UnsupportedScheme { url: own, .. }
            | FetchError::LinkNotFollowed { url: own, .. }
            | FetchError::RobotsDisallowed { url: own, .. }
            | FetchError::PrivateAddress { url: own, .. }
            | FetchError::Resolve { url: own, .. }
            | FetchError::TimedOut { url: own, .. }
            | FetchError::Status { url: own, .. }
            | FetchError::TooLarge { url: own, .. }
            | FetchError::TooManyRedirects { url: own, .. }
            | FetchError::BadRedirect { url: own, .. }
            | FetchError::Decode { url: own, .. }
            | FetchError::Transport { url: own, .. }
            | FetchError::File { url: own, .. } => *own = url.to_string(),
            FetchError::Client { .. } => {}
        }
        self
    }

    /// Whether trying again later might succeed (network trouble, timeouts, 5xx, 429), as
    /// opposed to a problem with the input or the configuration.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::TimedOut { .. }
            | FetchError::Transport { .. }
            | FetchError::Resolve { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// A parser's message made fit for a one-line error: line breaks and other control
/// characters (a quoted tag name may span lines) become spaces, and a message longer than a
/// line is cut, since parsers quote the input and the input is hostile.
pub(crate) fn one_line_reason(reason: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut line: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_CHARS)
        .collect();
    if reason.chars().nth(MAX_CHARS).is_some() {
        line.push('…');
    }
    line
}

/// Why a feed or OPML document could not be parsed. `Display` is `"SOURCE: cause"`.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Not RSS, Atom or JSON Feed, or broken XML/JSON.
    #[error("{origin}: malformed feed: {reason}")]
    MalformedFeed { origin: String, reason: String },

    /// Broken XML in an OPML document.
    #[error("{origin}: malformed OPML: {reason}")]
    MalformedOpml { origin: String, reason: String },

    /// Well-formed XML whose root element is not `<opml>`.
    #[error("{origin}: not an OPML document (root element is <{root}>)")]
    NotOpml { origin: String, root: String },
}

/// "2s", "300ms", "1.5s": short and exact enough for a log line.
pub(crate) fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

/// "8 MiB", "64 KiB", "1500 bytes".
pub(crate) fn format_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// "404 Not Found", or just the number for codes without a standard reason.
fn format_status(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// An I/O error's message without the "(os error N)" suffix that means nothing to a reader.
pub(crate) fn describe_io_error(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let check = |millis: u64, expected: &str| {
            assert_eq!(format_duration(Duration::from_millis(millis)), expected)
        };
        check(300, "300ms");
        check(0, "0ms");
        check(2000, "2s");
        check(20_000, "20s");
        check(1500, "1.5s");
    }

    #[test]
    fn sizes_read_naturally() {
        let check = |bytes: u64, expected: &str| assert_eq!(format_bytes(bytes), expected);
        check(8 * 1024 * 1024, "8 MiB");
        check(64 * 1024, "64 KiB");
        check(1500, "1500 bytes");
        check(0, "0 bytes");
    }

    #[test]
    fn statuses_name_their_reason() {
        assert_eq!(format_status(404), "404 Not Found");
        assert_eq!(format_status(500), "500 Internal Server Error");
        assert_eq!(format_status(599), "599");
    }
}
