//! [`Fetcher`]: gets the bytes behind an `http(s)://` or `file://` URL, politely and safely.
//!
//! One call of [`Fetcher::get`] walks the redirect chain by hand (the HTTP client's own
//! redirect following is off), so every hop is counted, paced per host, held to the timeout,
//! checked against the private-address rule and, when [`FetchConfig::respect_robots`] is on,
//! against the site's robots.txt before anything is sent to it.
//!
//! Which schemes a URL may use depends on where it came from, decided in one place
//! ([`link_may_be_followed`]): a URL the user named (a subscribed feed, a command-line
//! argument) may be `http`, `https` or `file`, through [`Fetcher::get`]; a link found inside
//! fetched content goes through [`Fetcher::get_linked`], which follows `file://` links only
//! out of documents that were themselves local files (the user's own corpus) and never out
//! of anything fetched over the network. Redirects lead only to `http(s)`.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::io::AsyncReadExt;
use url::{Host, Url};

use crate::address::{GuardedResolver, LookupFailed, PrivateAddressRefused, is_non_public};
use crate::body::{BodyCollector, BodyError, ContentEncoding};
use crate::error::{FetchError, describe_io_error};
use crate::politeness::HostPacer;
use crate::robots::{ROBOTS_MAX_BYTES, RobotsCache, RobotsFetch, Verdict};

/// How the fetcher behaves. `Default` gives the values a public deployment should use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// Sent with every request, so publishers can see who we are and how to reach us.
    pub user_agent: String,
    /// Limit for one request from sending it to the end of its body (each redirect hop gets
    /// its own; waiting for the per-host slot does not count).
    pub timeout: Duration,
    /// Limit for establishing the connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Largest body accepted, counted after gzip decoding.
    pub max_body_bytes: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
    /// Whether loopback, private and other non-public addresses may be fetched.
    pub allow_private_addresses: bool,
    /// Hosts (names or IP literals, without port) that may be fetched although they are
    /// private, while every other private address stays refused: an intranet feed server.
    pub allow_private_hosts: Vec<String>,
    /// Minimum gap between two requests to the same host.
    pub per_host_interval: Duration,
    /// Whether each site's robots.txt is fetched (once a day per site) and obeyed.
    pub respect_robots: bool,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: format!(
                "Storyline/{} (+https://example.invalid/storyline; self-hosted news reader)",
                env!("CARGO_PKG_VERSION")
            ),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 8 * 1024 * 1024,
            max_redirects: 5,
            allow_private_addresses: false,
            allow_private_hosts: Vec::new(),
            per_host_interval: Duration::from_secs(1),
            respect_robots: true,
        }
    }
}

/// What we remember from the last successful response, sent back for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// The validators stored for a subscribed feed.
    pub fn from_feed(feed: &storyline_model::Feed) -> Validators {
        Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        }
    }
}

/// The result of a successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// The server answered 304: what we have is still current.
    NotModified,
    Fetched(FetchedBody),
}

/// A response body and the metadata worth keeping from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBody {
    /// Where the body really came from, after redirects.
    pub final_url: String,
    pub status: u16,
    pub content_type: Option<String>,
    /// The body, gzip already decoded; at most `max_body_bytes` long.
    pub body: Vec<u8>,
    /// Validators to send next time (always `None` for `file://`).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Installs rustls' `ring` crypto provider as the process default. Safe to call any number of
/// times; a provider installed earlier by someone else is left in place.
pub fn install_crypto_provider() {
    // An error only means a provider is already installed, which is all we need.
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

/// Fetches URLs under one [`FetchConfig`]. Cheap to share behind an `Arc`; the per-host pacing
/// holds across all calls on one `Fetcher`.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    pacer: HostPacer,
    robots: RobotsCache,
}

/// Why an HTTP chain is walked: content obeys robots.txt and the body cap; robots.txt itself
/// has its own, smaller cap and is of course not checked against itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Content,
    Robots,
}

/// What one HTTP request in a redirect chain led to.
enum Hop {
    Redirect(Url),
    NotModified,
    Body(FetchedBody),
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.as_str())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            // A proxy would resolve the target itself and defeat the private-address check.
            .no_proxy()
            .dns_resolver(GuardedResolver {
                allow_private_addresses: config.allow_private_addresses,
                exempt_hosts: config
                    .allow_private_hosts
                    .iter()
                    .map(|host| host.trim().to_ascii_lowercase())
                    .collect(),
            })
            .build()
            .map_err(|error| FetchError::Client {
                reason: root_cause(&error),
            })?;
        Ok(Fetcher {
            pacer: HostPacer::new(config.per_host_interval),
            robots: RobotsCache::default(),
            client,
            config,
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url` (`http`, `https` or `file`), a URL the user named: a subscribed feed, a
    /// command-line argument. Validators make an HTTP request conditional; they are ignored
    /// for files. For a link found inside fetched content use [`Fetcher::get_linked`].
    pub async fn get(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let requested = url.trim();
        let parsed = parse_url(requested)?;
        match parsed.scheme() {
            "http" | "https" => {
                self.get_http(requested, parsed, validators, Purpose::Content)
                    .await
            }
            "file" => self.read_file(requested, &parsed).await,
            other => Err(FetchError::UnsupportedScheme {
                url: requested.to_string(),
                scheme: other.to_string(),
            }),
        }
    }

    /// Fetches a link found inside the document fetched from `found_in` (a feed item's
    /// link), when [`link_may_be_followed`] allows it; otherwise fails with
    /// [`FetchError::LinkNotFollowed`] before anything is read.
    pub async fn get_linked(
        &self,
        url: &str,
        found_in: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let requested = url.trim();
        let parsed = parse_url(requested)?;
        if !link_may_be_followed(&parsed, found_in) {
            return Err(FetchError::LinkNotFollowed {
                url: requested.to_string(),
                scheme: parsed.scheme().to_string(),
                found_in: found_in.to_string(),
            });
        }
        self.get(requested, validators).await
    }

    async fn get_http(
        &self,
        requested: &str,
        start: Url,
        validators: &Validators,
        purpose: Purpose,
    ) -> Result<FetchOutcome, FetchError> {
        let mut current = start;
        let mut redirects_followed = 0;
        loop {
            self.check_literal_address(requested, &current)?;
            if purpose == Purpose::Content {
                self.check_robots(requested, &current).await?;
            }
            let host = current.host_str().unwrap_or_default().to_string();
            self.pacer.wait_turn(&host).await;
            tracing::debug!(url = %current, "fetching");
            let hop = tokio::time::timeout(
                self.config.timeout,
                self.request_once(requested, &current, validators, purpose),
            )
            .await
            .map_err(|_elapsed| FetchError::TimedOut {
                url: requested.to_string(),
                after: self.config.timeout,
            })??;
            match hop {
                Hop::NotModified => return Ok(FetchOutcome::NotModified),
                Hop::Body(body) => return Ok(FetchOutcome::Fetched(body)),
                Hop::Redirect(next) => {
                    redirects_followed += 1;
                    if redirects_followed > self.config.max_redirects {
                        return Err(FetchError::TooManyRedirects {
                            url: requested.to_string(),
                            max: self.config.max_redirects,
                        });
                    }
                    tracing::debug!(from = %current, to = %next, "redirected");
                    current = next;
                }
            }
        }
    }

    /// Refuses IP-literal hosts in non-public ranges; names are checked by the resolver.
    fn check_literal_address(&self, requested: &str, url: &Url) -> Result<(), FetchError> {
        if self.config.allow_private_addresses || self.is_exempt_host(url) {
            return Ok(());
        }
        let literal = match url.host() {
            Some(Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
            Some(Host::Domain(_)) | None => None,
        };
        match literal {
            Some(address) if is_non_public(address) => Err(FetchError::PrivateAddress {
                url: requested.to_string(),
                address,
            }),
            _ => Ok(()),
        }
    }

    /// Fails with [`FetchError::RobotsDisallowed`] when `url`'s site disallows it to us.
    async fn check_robots(&self, requested: &str, url: &Url) -> Result<(), FetchError> {
        if !self.config.respect_robots {
            return Ok(());
        }
        let verdict = self
            .robots
            .check(url, |robots_url| self.fetch_robots(robots_url))
            .await
            .map_err(|error| error.for_url(requested))?;
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Disallowed { robots } => Err(FetchError::RobotsDisallowed {
                url: requested.to_string(),
                robots,
            }),
        }
    }

    /// Reads a site's robots.txt and says what the answer means (RFC 9309 §2.3.1); an error
    /// when the site cannot be reached at all.
    async fn fetch_robots(&self, robots_url: Url) -> Result<RobotsFetch, FetchError> {
        let requested = robots_url.to_string();
        let no_validators = Validators::default();
        // Boxed: the chain for content checks robots.txt, which walks a chain of its own.
        let chain =
            Box::pin(self.get_http(&requested, robots_url, &no_validators, Purpose::Robots));
        Ok(match chain.await {
            Ok(FetchOutcome::Fetched(body)) => RobotsFetch::Read(body.body),
            // Nothing was asked conditionally, so a 304 is a server's confusion: no file.
            Ok(FetchOutcome::NotModified) => RobotsFetch::Absent,
            // 429 asks us to slow down: a server error in all but number.
            Err(FetchError::Status { status, .. }) if status >= 500 || status == 429 => {
                RobotsFetch::Unreachable(format!("HTTP {status}"))
            }
            Err(FetchError::Status { .. }) => RobotsFetch::Absent,
            // RFC 9309: a file not reached within five redirects may be taken as absent; one
            // over the cap cannot be read whole, and a site that large is not steering us. A
            // redirect elsewhere that cannot be followed says no more than a 404.
            Err(
                FetchError::TooManyRedirects { .. }
                | FetchError::TooLarge { .. }
                | FetchError::BadRedirect { .. }
                | FetchError::UnsupportedScheme { .. },
            ) => RobotsFetch::Absent,
            Err(error) => return Err(error),
        })
    }

    /// Whether `url`'s host is one of [`FetchConfig::allow_private_hosts`].
    fn is_exempt_host(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.config.allow_private_hosts.iter().any(|exempt| {
            exempt
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(host)
        })
    }

    async fn request_once(
        &self,
        requested: &str,
        url: &Url,
        validators: &Validators,
        purpose: Purpose,
    ) -> Result<Hop, FetchError> {
        let mut request = self
            .client
            .get(url.clone())
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(
                header::ACCEPT,
                "application/rss+xml, application/atom+xml, application/feed+json, \
                 application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
            );
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag.as_str());
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, last_modified.as_str());
        }
        let response = request.send().await.map_err(|error| {
            // A connection that was made, then answered with something that is not
            // HTTP, did not fail to connect.
            let doing = if error.is_connect() {
                "cannot connect"
            } else {
                "request failed"
            };
            self.transport_error(requested, &error, doing)
        })?;

        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Hop::NotModified);
        }
        if is_followed_redirect(status) {
            return redirect_target(requested, url, response.headers()).map(Hop::Redirect);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: requested.to_string(),
                status: status.as_u16(),
            });
        }

        let headers = response.headers();
        let content_type = header_text(headers, header::CONTENT_TYPE);
        let etag = header_text(headers, header::ETAG);
        let last_modified = header_text(headers, header::LAST_MODIFIED);
        let encoding =
            ContentEncoding::from_header(header_text(headers, header::CONTENT_ENCODING).as_deref())
                .map_err(|error| self.body_error(requested, error, self.config.max_body_bytes))?;
        let limit = match purpose {
            Purpose::Content => self.config.max_body_bytes,
            Purpose::Robots => ROBOTS_MAX_BYTES.min(self.config.max_body_bytes),
        };
        // Content-Length of a gzip body is the compressed size, which says little about the
        // decoded size; the streaming cap handles that case.
        if encoding == ContentEncoding::Identity
            && response
                .content_length()
                .is_some_and(|length| length > limit)
        {
            return Err(FetchError::TooLarge {
                url: requested.to_string(),
                limit,
            });
        }

        let mut collector = BodyCollector::new(encoding, limit);
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| {
                self.transport_error(
                    requested,
                    &error,
                    "connection failed while reading the body",
                )
            })?;
            collector
                .push(&chunk)
                .map_err(|error| self.body_error(requested, error, limit))?;
        }
        let body = collector
            .finish()
            .map_err(|error| self.body_error(requested, error, limit))?;
        Ok(Hop::Body(FetchedBody {
            final_url: url.to_string(),
            status: status.as_u16(),
            content_type,
            body,
            etag,
            last_modified,
        }))
    }

    async fn read_file(&self, requested: &str, url: &Url) -> Result<FetchOutcome, FetchError> {
        let file_error = |reason: String| FetchError::File {
            url: requested.to_string(),
            reason,
        };
        let path = url
            .to_file_path()
            .map_err(|()| file_error("not a local file path".to_string()))?;
        let metadata = tokio::fs::metadata(&path)
            .await
            .map_err(|error| file_error(describe_io_error(&error)))?;
        if metadata.is_dir() {
            return Err(file_error("is a directory".to_string()));
        }
        let limit = self.config.max_body_bytes;
        let too_large = || FetchError::TooLarge {
            url: requested.to_string(),
            limit,
        };
        if metadata.len() > limit {
            return Err(too_large());
        }
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|error| file_error(describe_io_error(&error)))?;
        // The file may have grown since the metadata call, so the cap is enforced on the read.
        let mut body = Vec::new();
        file.take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .await
            .map_err(|error| file_error(describe_io_error(&error)))?;
        if body.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(FetchOutcome::Fetched(FetchedBody {
            final_url: url.to_string(),
            status: 200,
            content_type: content_type_from_extension(&path).map(str::to_string),
            body,
            etag: None,
            last_modified: None,
        }))
    }

    fn transport_error(&self, requested: &str, error: &reqwest::Error, doing: &str) -> FetchError {
        if let Some(refused) = find_in_chain::<PrivateAddressRefused>(error) {
            return FetchError::PrivateAddress {
                url: requested.to_string(),
                address: refused.0,
            };
        }
        if let Some(failed) = find_in_chain::<LookupFailed>(error) {
            return FetchError::Resolve {
                url: requested.to_string(),
                host: failed.host.clone(),
                reason: failed.reason.clone(),
            };
        }
        if error.is_timeout() {
            // The only reqwest-level timeout we set is the connect timeout; the overall one
            // is enforced around the whole hop.
            return FetchError::TimedOut {
                url: requested.to_string(),
                after: self.config.connect_timeout,
            };
        }
        FetchError::Transport {
            url: requested.to_string(),
            reason: format!("{doing}: {}", root_cause(error)),
        }
    }

    fn body_error(&self, requested: &str, error: BodyError, limit: u64) -> FetchError {
        match error {
            BodyError::TooLarge => FetchError::TooLarge {
                url: requested.to_string(),
                limit,
            },
            BodyError::Decode(reason) => FetchError::Decode {
                url: requested.to_string(),
                reason,
            },
        }
    }
}

/// Whether a link found in the document fetched from `found_in` may be followed: `http(s)`
/// links always; `file://` links only out of a document that was itself a local file (a
/// corpus the user pointed us at), never out of anything fetched over the network, where a
/// `file://` link would make us read, store and serve this machine's files.
pub fn link_may_be_followed(link: &Url, found_in: &str) -> bool {
    match link.scheme() {
        "http" | "https" => true,
        "file" => Url::parse(found_in.trim()).is_ok_and(|parent| parent.scheme() == "file"),
        _ => false,
    }
}

fn parse_url(requested: &str) -> Result<Url, FetchError> {
    Url::parse(requested).map_err(|error| FetchError::InvalidUrl {
        url: requested.to_string(),
        reason: error.to_string(),
    })
}

fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// The absolute URL a redirect points to; only `http(s)` targets are followed, so a redirect
/// cannot make us read a local file.
fn redirect_target(requested: &str, current: &Url, headers: &HeaderMap) -> Result<Url, FetchError> {
    let bad_redirect = |reason: String| FetchError::BadRedirect {
        url: requested.to_string(),
        reason,
    };
    let location = headers
        .get(header::LOCATION)
        .ok_or_else(|| bad_redirect("no Location header".to_string()))?
        .to_str()
        .map_err(|_| bad_redirect("Location is not plain text".to_string()))?;
    let target = current
        .join(location.trim())
        .map_err(|error| bad_redirect(format!("{location}: {error}")))?;
    match target.scheme() {
        "http" | "https" => Ok(target),
        other => Err(FetchError::UnsupportedScheme {
            url: requested.to_string(),
            scheme: other.to_string(),
        }),
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value: &HeaderValue| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

/// The innermost error's message: reqwest's own top level repeats the URL and says little.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let text = innermost.to_string();
    match text.find(" (os error ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

fn find_in_chain<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(candidate) = current {
        if let Some(found) = candidate.downcast_ref::<T>() {
            return Some(found);
        }
        current = candidate.source();
    }
    None
}

/// A content type for local files, from the extension, so callers can treat them like HTTP
/// responses.
fn content_type_from_extension(path: &Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "xml" | "opml" => "application/xml",
        "rss" => "application/rss+xml",
        "atom" => "application/atom+xml",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        _ => return None,
    })
}
