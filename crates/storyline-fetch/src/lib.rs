//! Polite HTTP and file fetching, feed parsing (RSS, Atom, JSON Feed), OPML import.
//!
//! Data flows in two steps that callers keep apart, so a fetched body can be stored, retried
//! or parsed again without the network:
//!
//! - [`Fetcher::get`] turns a URL (`http`, `https`, `file`) and the [`Validators`] from the
//!   last fetch into a [`FetchOutcome`]: either "not modified" or a [`FetchedBody`]. It
//!   follows redirects by hand, paces requests per host, holds every request to a timeout and
//!   a size cap (after gzip decoding), and refuses loopback and private addresses unless
//!   [`FetchConfig::allow_private_addresses`] is set.
//! - [`parse_feed`] turns feed bytes into a [`ParsedFeed`] of [`FeedItem`]s with plain-text
//!   titles and summaries and absolute links; [`parse_opml`] lists the [`OpmlOutline`]s
//!   (feed subscriptions) of an OPML file.
//!
//! ```no_run
//! use storyline_fetch::{FetchConfig, FetchOutcome, Fetcher, Validators, parse_feed};
//!
//! # async fn poll() -> Result<(), Box<dyn std::error::Error>> {
//! let fetcher = Fetcher::new(FetchConfig::default())?;
//! let url = "https://news.example/feed.xml";
//! match fetcher.get(url, &Validators::default()).await? {
//!     FetchOutcome::NotModified => {}
//!     FetchOutcome::Fetched(response) => {
//!         let feed = parse_feed(
//!             &response.final_url,
//!             &response.body,
//!             response.content_type.as_deref(),
//!         )?;
//!         for item in feed.items {
//!             println!("{} {:?}", item.id, item.title);
//!         }
//!         // Keep response.etag / response.last_modified for the next conditional GET.
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Invariants: parsing does no IO; fetching never parses. Every error ([`FetchError`],
//! [`FeedError`]) displays as one line that starts with the URL or file it concerns.

mod address;
mod body;
mod error;
mod failure;
mod feed;
mod fetch;
mod opml;
mod politeness;
mod robots;
mod text;

pub use error::{FeedError, FetchError};
pub use failure::{FailureKind, ItemFailure};
pub use feed::{FeedItem, ParsedFeed, parse_feed};
pub use fetch::{
    FetchConfig, FetchOutcome, FetchedBody, Fetcher, Validators, install_crypto_provider,
    link_may_be_followed,
};
pub use opml::{OpmlOutline, parse_opml, write_opml};
pub use robots::ROBOTS_AGENT;
