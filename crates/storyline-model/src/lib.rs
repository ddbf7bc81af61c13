//! Storyline's shared data model.
//!
//! Every stage of the pipeline speaks these types: [`Feed`] (a source we poll),
//! [`Article`] (one extracted news item), [`Story`] (a group of articles about one event),
//! [`Brief`] (the six-section, fully cited summary of a story) and [`EntityCard`] (a person,
//! organisation, place or company the brief explains); [`Outlet`] (who published an article,
//! decided once by [`Outlet::resolve`]).
//!
//! Invariants: this crate does no IO, has no async and knows no wire format other than the
//! serde derive (field names follow schema.org `NewsArticle` where one exists). Identifiers
//! are derived from content ([`ArticleId::from_url`], [`StoryId::from_seed`]) so that
//! re-running the pipeline over the same input yields the same ids.

mod article;
mod brief;
mod feed;
mod host_name;
mod ids;
mod kb;
mod outlet;
mod story;

pub use article::{Article, ExtractionStatus};
pub use brief::{
    BRIEF_SCHEMA_VERSION, Brief, BriefEngine, CheckFailure, CheckReport, Citation, DatePrecision,
    DescriptionSource, EntityCard, EntityKind, GoDeeperLink, GoDeeperQuestion, Section, Sentence,
    Source, TimelineEntry,
};
pub use feed::Feed;
pub use host_name::name_from_host;
pub use ids::{ArticleId, StoryId, short_hash};
pub use kb::KbEntity;
pub use outlet::{
    KnownOutlet, Outlet, OutletHints, OutletTable, UNKNOWN_OUTLET, bare_host, host_of_url,
    independent_outlets, looks_like_host, name_key,
};
pub use story::{Story, StoryArticle};
