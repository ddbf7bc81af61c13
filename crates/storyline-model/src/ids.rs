//! Content-derived identifiers for articles and stories.
//!
//! Ids are short hex digests, not database sequence numbers, so that two runs over the same
//! input (or two workers over the same feed) agree on them without coordination.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The first `hex_len` hex digits of the SHA-256 of `input`.
pub fn short_hash(input: &str, hex_len: usize) -> String {
    let digest = Sha256::digest(input.as_bytes());
    let mut out = String::with_capacity(hex_len);
    for byte in digest.iter() {
        if out.len() >= hex_len {
            break;
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out.truncate(hex_len);
    out
}

/// Identifies an article: `a` followed by 16 hex digits of its canonical URL's hash
/// (or of the import line's own `id` when it has no URL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(pub String);

impl ArticleId {
    /// The id of the article whose canonical URL is `canonical_url`.
    pub fn from_url(canonical_url: &str) -> Self {
        ArticleId(format!("a{}", short_hash(canonical_url, 16)))
    }

    /// The id for an imported record that has no URL, keyed by its source and its own id.
    pub fn from_external(source: &str, external_id: &str) -> Self {
        ArticleId(format!(
            "a{}",
            short_hash(&format!("{source}\u{1f}{external_id}"), 16)
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Identifies a story: `s` followed by 12 hex digits of the id of the article that opened
/// it. Because clustering is deterministic and runs in publication order, the same input
/// always opens the same stories with the same seeds, hence the same ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoryId(pub String);

impl StoryId {
    /// The id of a story opened by `seed`.
    pub fn from_seed(seed: &ArticleId) -> Self {
        StoryId(format!("s{}", short_hash(seed.as_str(), 12)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_prefixed() {
        let a = ArticleId::from_url("https://example.com/news/1");
        assert_eq!(a, ArticleId::from_url("https://example.com/news/1"));
        assert_eq!(a.as_str().len(), 17);
        assert!(a.as_str().starts_with('a'));
        let s = StoryId::from_seed(&a);
        assert_eq!(s.as_str().len(), 13);
        assert_ne!(ArticleId::from_url("https://example.com/news/2"), a);
    }
}
