//! Per-article analyses kept between briefs: a story that gains one article has its brief
//! written again from all of its articles, and without this each of them would be split,
//! stemmed and run through the entity recogniser again at every update (issue 16: a poll's
//! brief phase grew with the size of the stories it touched, not with what was new).
//!
//! Each kind of analysis (an article's entity mentions for the cards, its names and terms
//! for its story's profile, its passages for the support test) has its own bounded memo,
//! shared by the process: `storyline run` writes briefs poll after poll in one process, and
//! a brief's writer and its checks ask for the same article's passages.
//!
//! Invariants: an analysis is a pure function of what its key covers (the article's id, a
//! fingerprint of its headline, body and language, and the analysis's own parameter), so a
//! memoised result is the one computing it again would give, and briefs do not depend on
//! what the memo holds. Each memo holds at most the entries its module sets (a few thousand
//! articles): memory is bounded whatever the archive holds. Computing happens outside the lock; two threads asking for
//! one missing entry both compute it and keep the same value.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use storyline_model::Article;

/// What identifies one analysis of one article's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MemoKey {
    article: String,
    /// Fingerprint of the headline, body and language the analysis reads: an article
    /// fetched again with a changed text gets a new analysis.
    text: u64,
    /// The analysis's own parameter (how much of the body it reads, say).
    parameter: u64,
}

impl MemoKey {
    fn of(article: &Article, parameter: u64) -> Self {
        let mut hasher = DefaultHasher::new();
        article.headline.hash(&mut hasher);
        article.article_body.hash(&mut hasher);
        article.in_language.hash(&mut hasher);
        MemoKey {
            article: article.id.0.clone(),
            text: hasher.finish(),
            parameter,
        }
    }
}

/// A bounded map from article analyses to their results, oldest use evicted first.
pub(crate) struct Memo<T> {
    entries: HashMap<MemoKey, (Arc<T>, u64)>,
    /// Use counter: each lookup stamps its entry, so eviction can find the least recent.
    clock: u64,
    capacity: usize,
}

impl<T> Memo<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Memo {
            entries: HashMap::new(),
            clock: 0,
            capacity: capacity.max(1),
        }
    }

    fn get(&mut self, key: &MemoKey) -> Option<Arc<T>> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(value, used)| {
            *used = clock;
            Arc::clone(value)
        })
    }

    /// Keeps `value` for `key`, or the value another caller kept first.
    fn insert(&mut self, key: MemoKey, value: Arc<T>) -> Arc<T> {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.evict_older_half();
        }
        self.clock += 1;
        let clock = self.clock;
        let (kept, used) = self.entries.entry(key).or_insert((value, clock));
        *used = clock;
        Arc::clone(kept)
    }

    /// Drops the less recently used half at once, so eviction's sort is paid once per
    /// `capacity / 2` insertions rather than at each.
    fn evict_older_half(&mut self) {
        let mut stamps: Vec<u64> = self.entries.values().map(|(_, used)| *used).collect();
        let middle = stamps.len() / 2;
        let (_, &mut cut, _) = stamps.select_nth_unstable(middle);
        self.entries.retain(|_, (_, used)| *used > cut);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A process-wide memo of one kind of analysis (a `static` of the module that analyses).
pub(crate) type SharedMemo<T> = OnceLock<Mutex<Memo<T>>>;

/// The analysis of `article` with `parameter`, from `memo` (holding at most `capacity`
/// articles) or made by `analyse` (and kept).
pub(crate) fn memoised<T>(
    memo: &'static SharedMemo<T>,
    capacity: usize,
    article: &Article,
    parameter: u64,
    analyse: impl FnOnce() -> T,
) -> Arc<T> {
    let key = MemoKey::of(article, parameter);
    let memo = memo.get_or_init(|| Mutex::new(Memo::new(capacity)));
    // A panic while the lock was held left nothing half-done: entries are inserted whole.
    let found = memo
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&key);
    if let Some(found) = found {
        return found;
    }
    let value = Arc::new(analyse());
    memo.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, body: &str) -> Article {
        crate::test_support::article(
            &format!("https://example.org/{id}"),
            "Example",
            "Headline",
            body,
        )
    }

    #[test]
    fn a_memo_keeps_at_most_its_capacity_and_the_recently_used() {
        let mut memo: Memo<usize> = Memo::new(4);
        for n in 0..4 {
            memo.insert(MemoKey::of(&article(&n.to_string(), "a"), 0), Arc::new(n));
        }
        // Article 0 is used again, so it is among the newer half when room is made.
        assert!(memo.get(&MemoKey::of(&article("0", "a"), 0)).is_some());
        memo.insert(MemoKey::of(&article("4", "a"), 0), Arc::new(4));
        assert!(memo.len() <= 4);
        assert!(memo.get(&MemoKey::of(&article("0", "a"), 0)).is_some());
        assert!(memo.get(&MemoKey::of(&article("4", "a"), 0)).is_some());
        assert!(memo.get(&MemoKey::of(&article("1", "a"), 0)).is_none());
    }

    #[test]
    fn a_changed_text_or_parameter_is_another_analysis() {
        static MEMO: SharedMemo<String> = OnceLock::new();
        let first = memoised(&MEMO, 8, &article("x", "one"), 1, || "one".to_string());
        let again = memoised(&MEMO, 8, &article("x", "one"), 1, || {
            "recomputed".to_string()
        });
        assert_eq!((first.as_str(), again.as_str()), ("one", "one"));
        let edited = memoised(&MEMO, 8, &article("x", "two"), 1, || "two".to_string());
        assert_eq!(edited.as_str(), "two");
        let other = memoised(&MEMO, 8, &article("x", "one"), 2, || "other".to_string());
        assert_eq!(other.as_str(), "other");
    }
}
