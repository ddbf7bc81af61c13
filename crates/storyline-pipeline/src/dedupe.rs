//! Dedupe: canonical URLs ([`canonicalize_url`]) and copy detection ([`Deduper`]).
//!
//! A copy is an article whose body is the same text as an earlier article from another URL:
//! identical after normalisation (equal content hash) or a near-duplicate (a syndicated wire
//! story re-headlined, trimmed or with a line added). Copies are kept as sources but never
//! counted as independent outlets, so the cost of a false positive (two outlets' own
//! reporting merged into one) is higher than that of a missed copy; the threshold is set
//! accordingly.
//!
//! Stored articles are found through the store's near-duplicate index (each article's
//! signature and LSH band keys, written with it: [`near_duplicate_key`]); a [`Deduper`]
//! holds only the articles of the current run ([`Deduper::original_in`] looks in both), so
//! checking an article costs a few indexed reads, not a pass over the archive.

use crate::PipelineError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use storyline_model::{Article, ArticleId};
use storyline_nlp::minhash::{LshIndex, Signature};
use storyline_store::{NearDuplicateKey, Store};
use unicode_segmentation::UnicodeSegmentation;
use url::Url;

/// Estimated Jaccard similarity of word 3-shingles at or above which a body is a copy.
/// A re-headlined wire story that lost a paragraph and gained a line scores about 0.7–0.9;
/// two outlets writing up the same facts in their own words score under 0.1 (shared names
/// and numbers do not make shared 3-word runs); 0.6 leaves margin on both sides.
pub const NEAR_DUPLICATE_JACCARD: f32 = 0.6;

/// Bodies shorter than this many words are never called copies: headline-only items and
/// one-line feed summaries ("Read the full story on our website") match each other by
/// accident.
pub const MIN_BODY_WORDS: usize = 25;

/// Words of a body its near-duplicate signature is made from. A syndicated copy repeats the
/// original from its first paragraph on, so the first few thousand words decide as well as
/// all of them; the cap bounds the cost of an article at the size cap (8 MiB of text, about
/// 1.4 million words) to that of a long read.
pub const SIGNATURE_WORDS: usize = 5_000;

/// Query parameters that only track where a click came from.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "ref",
    "ref_src",
    "ref_url",
    "cmpid",
    "ocid",
    "_ga",
    "__twitter_impression",
    "amp",
];

/// The canonical form of an article URL, so that the same article reached through a feed, a
/// share link or an AMP page gets one id.
///
/// For `http`/`https` URLs: scheme and host lowercased, default port, fragment and tracking
/// parameters (`utm_*`, `at_*`, `fbclid`, `gclid`, `mc_cid`, `ref`, `cmpid`, `ocid`, `amp`,
/// `outputType=amp`...) removed, AMP variants mapped to the plain page (`amp.` host prefix,
/// trailing `/amp` path segment, `.amp.html`), trailing slash removed, remaining query
/// parameters sorted. Other schemes (`file://` feeds included) and strings that do not parse
/// are returned trimmed and otherwise unchanged. Idempotent.
pub fn canonicalize_url(url: &str) -> String {
    let trimmed = url.trim();
    let Some(mut current) = canonical_pass(trimmed) else {
        return trimmed.to_string();
    };
    // A rebuilt path or host can expose one more variant to strip, or be re-encoded by the
    // parser; a few passes reach the fixed point that idempotence needs.
    for _ in 0..4 {
        match canonical_pass(&current) {
            Some(next) if next != current => current = next,
            _ => break,
        }
    }
    current
}

/// One round of canonicalisation; `None` for strings that are not parseable `http(s)` URLs.
fn canonical_pass(url: &str) -> Option<String> {
    let mut parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return None;
    }
    parsed.set_fragment(None);

    if let Some(host) = parsed.host_str() {
        let mut host = host.to_string();
        while let Some(rest) = host.strip_prefix("amp.") {
            if !rest.contains('.') {
                break;
            }
            host = rest.to_string();
        }
        if Some(host.as_str()) != parsed.host_str() {
            parsed.set_host(Some(&host)).ok()?;
        }
    }

    let path = canonical_path(parsed.path());
    parsed.set_path(&path);

    let query = parsed.query().map(canonical_query);
    parsed.set_query(query.as_deref().filter(|q| !q.is_empty()));
    Some(parsed.to_string())
}

/// Strips AMP path variants and trailing slashes until nothing changes.
fn canonical_path(path: &str) -> String {
    let mut path = path.to_string();
    loop {
        let before = path.clone();
        while path.len() > 1 && path.ends_with('/') {
            path.pop();
        }
        if let Some(stripped) = path.strip_suffix("/amp") {
            path = stripped.to_string();
        }
        if let Some(stripped) = path.strip_suffix(".amp.html") {
            path = format!("{stripped}.html");
        }
        if path == before {
            break;
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}

/// The query without tracking parameters, remaining pairs sorted (raw, as encoded).
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_tracking_param(pair))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs.join("&")
}

fn is_tracking_param(pair: &str) -> bool {
    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_")
        || key.starts_with("at_")
        || TRACKING_PARAMS.contains(&key.as_str())
        || (key == "outputtype" && value.eq_ignore_ascii_case("amp"))
}

/// One indexed article.
#[derive(Debug, Clone)]
struct Indexed {
    id: ArticleId,
    url: String,
    signature: Signature,
}

/// Finds the article an incoming article copies, among the articles added so far.
///
/// Feed it articles in publication order ([`Deduper::add`]): the original of a group of
/// copies is the one added first, and a copy of a copy resolves to that first original.
#[derive(Debug, Default)]
pub struct Deduper {
    /// Content hash → first article with it.
    by_hash: HashMap<String, (ArticleId, String)>,
    indexed: Vec<Indexed>,
    lsh: LshIndex<usize>,
    /// Copy → the original it was resolved to (already flattened).
    original: HashMap<ArticleId, ArticleId>,
    /// Effective time (publication, else fetch) of every article added, so a late-arriving
    /// earlier publication can be told from a copy ([`Deduper::effective_time`]).
    times: HashMap<ArticleId, DateTime<Utc>>,
}

impl Deduper {
    pub fn new() -> Self {
        Deduper::default()
    }

    /// A deduper knowing `articles`, added by effective time then id (the order copies are
    /// resolved in), with their recorded `duplicate_of` links kept.
    pub fn from_articles(articles: &[Article]) -> Self {
        let mut ordered: Vec<&Article> = articles.iter().collect();
        ordered.sort_by(|a, b| {
            a.effective_time()
                .cmp(&b.effective_time())
                .then_with(|| a.id.cmp(&b.id))
        });
        let mut deduper = Deduper::new();
        for article in ordered {
            deduper.add(article);
        }
        deduper
    }

    /// Number of articles added.
    pub fn len(&self) -> usize {
        self.indexed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indexed.is_empty()
    }

    /// The original `article` copies and the similarity (1.0 for an identical body), or
    /// `None`. Only articles from a different URL count; the result is always an original,
    /// never a copy.
    pub fn original_of(&self, article: &Article) -> Option<(ArticleId, f32)> {
        self.original_of_signed(article, &body_signature(&article.article_body))
    }

    /// [`Deduper::original_of`] with the article's [`body_signature`] already made.
    pub fn original_of_signed(
        &self,
        article: &Article,
        signature: &Signature,
    ) -> Option<(ArticleId, f32)> {
        if word_count(&article.article_body) < MIN_BODY_WORDS {
            return None;
        }
        if let Some((id, url)) = self.by_hash.get(&article.content_hash)
            && url != &article.url
            && id != &article.id
        {
            return Some((self.root_of(id), 1.0));
        }
        let mut best: Option<(usize, f32)> = None;
        for position in self.lsh.candidates(signature) {
            let Some(candidate) = self.indexed.get(position) else {
                continue;
            };
            if candidate.url == article.url || candidate.id == article.id {
                continue;
            }
            let similarity = signature.jaccard(&candidate.signature);
            // Strictly greater: on a tie the earlier-added article wins.
            if similarity >= NEAR_DUPLICATE_JACCARD && best.is_none_or(|(_, s)| similarity > s) {
                best = Some((position, similarity));
            }
        }
        let (position, similarity) = best?;
        let candidate = self.indexed.get(position)?;
        Some((self.root_of(&candidate.id), similarity))
    }

    /// A deduper for a run over `store`: empty (stored articles are found through the
    /// store's index), after indexing any stored article the index lacks (stored before it
    /// existed), a thousand at a time.
    pub fn for_store(store: &mut dyn Store) -> Result<Deduper, PipelineError> {
        loop {
            let missing = store.articles_missing_index(BACKFILL_BATCH)?;
            if missing.is_empty() {
                return Ok(Deduper::new());
            }
            let entries: Vec<(ArticleId, NearDuplicateKey)> = missing
                .iter()
                .map(|article| {
                    let signature = body_signature(&article.article_body);
                    (article.id.clone(), near_duplicate_key(article, &signature))
                })
                .collect();
            store.index_near_duplicates(&entries)?;
            if missing.len() < BACKFILL_BATCH {
                return Ok(Deduper::new());
            }
        }
    }

    /// The original `article` copies, among the stored articles (through `store`'s index)
    /// and those added to this deduper, with the similarity and the original's effective
    /// time. Stored articles come first, so on a tie the earlier-stored one wins.
    pub fn original_in(
        &self,
        store: &dyn Store,
        article: &Article,
        signature: &Signature,
    ) -> Result<Option<Original>, PipelineError> {
        if word_count(&article.article_body) < MIN_BODY_WORDS {
            return Ok(None);
        }
        let effective_time = |id: &ArticleId| -> Result<Option<DateTime<Utc>>, PipelineError> {
            if let Some(time) = self.times.get(id) {
                return Ok(Some(*time));
            }
            Ok(store.article(id)?.map(|a| a.effective_time()))
        };
        let original =
            |id: ArticleId, similarity: f32| -> Result<Option<Original>, PipelineError> {
                let id = self.root_of(&id);
                let time = effective_time(&id)?;
                Ok(Some(Original {
                    id,
                    similarity,
                    effective_time: time,
                }))
            };
        // The same text: the earliest stored article with this hash, else this run's.
        if let Some(id) = store.article_by_content_hash(&article.content_hash)?
            && id != article.id
            && let Some(stored) = store.article(&id)?
            && stored.url != article.url
        {
            return original(stored.duplicate_of.unwrap_or(stored.id), 1.0);
        }
        if let Some((id, url)) = self.by_hash.get(&article.content_hash)
            && url != &article.url
            && id != &article.id
        {
            return original(id.clone(), 1.0);
        }
        let mut best: Option<(ArticleId, f32)> = None;
        for candidate in store.near_duplicate_candidates(&signature.band_keys())? {
            if candidate.url == article.url || candidate.id == article.id {
                continue;
            }
            let Some(other) = Signature::from_bytes(&candidate.signature) else {
                continue;
            };
            let similarity = signature.jaccard(&other);
            if similarity >= NEAR_DUPLICATE_JACCARD
                && best.as_ref().is_none_or(|(_, s)| similarity > *s)
            {
                best = Some((candidate.duplicate_of.unwrap_or(candidate.id), similarity));
            }
        }
        for position in self.lsh.candidates(signature) {
            let Some(candidate) = self.indexed.get(position) else {
                continue;
            };
            if candidate.url == article.url || candidate.id == article.id {
                continue;
            }
            let similarity = signature.jaccard(&candidate.signature);
            if similarity >= NEAR_DUPLICATE_JACCARD
                && best.as_ref().is_none_or(|(_, s)| similarity > *s)
            {
                best = Some((candidate.id.clone(), similarity));
            }
        }
        match best {
            Some((id, similarity)) => original(id, similarity),
            None => Ok(None),
        }
    }

    /// Remembers `article` so later copies of it are found. Its `duplicate_of`, if set, is
    /// followed so that copies of it resolve to its original.
    pub fn add(&mut self, article: &Article) {
        self.add_signed(article, body_signature(&article.article_body));
    }

    /// [`Deduper::add`] with the article's [`body_signature`] already made.
    pub fn add_signed(&mut self, article: &Article, signature: Signature) {
        self.times
            .insert(article.id.clone(), article.effective_time());
        if let Some(original) = &article.duplicate_of
            && original != &article.id
        {
            let root = self.root_of(original);
            self.original.insert(article.id.clone(), root);
        }
        if word_count(&article.article_body) < MIN_BODY_WORDS {
            return;
        }
        self.by_hash
            .entry(article.content_hash.clone())
            .or_insert_with(|| (article.id.clone(), article.url.clone()));
        self.lsh.insert(self.indexed.len(), &signature);
        self.indexed.push(Indexed {
            id: article.id.clone(),
            url: article.url.clone(),
            signature,
        });
    }

    /// The effective time of an added article.
    pub fn effective_time(&self, id: &ArticleId) -> Option<DateTime<Utc>> {
        self.times.get(id).copied()
    }

    /// Makes `new_root` the original of `old_root` and of every copy resolved to it (an
    /// earlier publication of the text arrived after it); returns those articles, which now
    /// resolve to `new_root`.
    pub fn reroot(&mut self, old_root: &ArticleId, new_root: &ArticleId) -> Vec<ArticleId> {
        if old_root == new_root {
            return Vec::new();
        }
        let mut moved: Vec<ArticleId> = self
            .original
            .iter()
            .filter(|(_, root)| *root == old_root)
            .map(|(copy, _)| copy.clone())
            .collect();
        // Sorted: the map's order must not reach the caller's writes.
        moved.sort();
        moved.insert(0, old_root.clone());
        for copy in &moved {
            self.original.insert(copy.clone(), new_root.clone());
        }
        moved
    }

    fn root_of(&self, id: &ArticleId) -> ArticleId {
        self.original.get(id).unwrap_or(id).clone()
    }
}

/// What an article's entry in the store's near-duplicate index holds: its signature and
/// band keys, or neither when its body is too short to be judged a copy.
pub fn near_duplicate_key(article: &Article, signature: &Signature) -> NearDuplicateKey {
    if word_count(&article.article_body) < MIN_BODY_WORDS || signature.shingle_count() == 0 {
        return NearDuplicateKey {
            signature: None,
            bands: Vec::new(),
        };
    }
    NearDuplicateKey {
        signature: Some(signature.to_bytes()),
        bands: signature.band_keys(),
    }
}

/// An article's original as [`Deduper::original_in`] finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    pub id: ArticleId,
    /// Estimated Jaccard similarity; 1.0 for the same text.
    pub similarity: f32,
    /// The original's publication time, else its fetch time (`None` if it vanished).
    pub effective_time: Option<DateTime<Utc>>,
}

/// Stored articles indexed per transaction when an older store gets its index.
const BACKFILL_BATCH: usize = 1_000;

/// The near-duplicate signature of a body: the word 3-shingles of its first
/// [`SIGNATURE_WORDS`] words.
pub fn body_signature(body: &str) -> Signature {
    let end = body
        .unicode_word_indices()
        .nth(SIGNATURE_WORDS)
        .map_or(body.len(), |(at, _)| at);
    Signature::from_text(&body[..end])
}

/// Words of `text`, counted only as far as [`MIN_BODY_WORDS`]: that is all the callers ask.
fn word_count(text: &str) -> usize {
    text.unicode_words().take(MIN_BODY_WORDS).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(canonicalize_url(input), expected, "input: {input}");
        assert_eq!(
            canonicalize_url(expected),
            expected,
            "not idempotent: {expected}"
        );
    }

    #[test]
    fn canonical_urls() {
        check(
            "HTTPS://News.Example.COM:443/a/b/?utm_source=x&id=2&b=1#top",
            "https://news.example.com/a/b?b=1&id=2",
        );
        check("http://example.com:80/", "http://example.com/");
        check("http://example.com:8080/x", "http://example.com:8080/x");
        check(
            "https://example.com/story?fbclid=1&gclid=2&mc_cid=3&mc_eid=4",
            "https://example.com/story",
        );
        check(
            "https://example.com/story?ref=rss&ref_src=tw&cmpid=a&ocid=b",
            "https://example.com/story",
        );
        check(
            "https://example.com/story?at_medium=rss&at_campaign=x&page=2",
            "https://example.com/story?page=2",
        );
        check(
            "https://example.com/story?amp&outputType=amp",
            "https://example.com/story",
        );
        check(
            "https://example.com/story?outputType=print",
            "https://example.com/story?outputType=print",
        );
        check(
            "https://example.com/world/story-123/amp",
            "https://example.com/world/story-123",
        );
        check(
            "https://example.com/world/story-123/amp/",
            "https://example.com/world/story-123",
        );
        check(
            "https://example.com/world/story-123.amp.html",
            "https://example.com/world/story-123.html",
        );
        check(
            "https://amp.example.com/world/story",
            "https://example.com/world/story",
        );
        check(
            "https://example.com/campaign/amplifier",
            "https://example.com/campaign/amplifier",
        );
        check("  https://example.com/a  ", "https://example.com/a");
        check(
            "file:///home/me/Feeds/Local.xml",
            "file:///home/me/Feeds/Local.xml",
        );
        check("not a url ", "not a url");
        check("mailto:desk@example.com", "mailto:desk@example.com");
    }
}
