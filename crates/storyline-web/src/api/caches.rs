//! What the API keeps between requests: the rendered JSON of brief versions (a stored
//! version never changes), the rendered story details of the current store generation, and
//! the [`Catalog`] of live stories behind the listing, brought up to date from the stories
//! changed since it was made.
//!
//! Invariants: every cache is bounded or holds one entry per live story; a cached answer is
//! never older than the store generation the request read first.

use crate::error::ApiError;
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use storyline_model::{
    Article, ArticleId, Brief, Story, StoryArticle, StoryId, independent_outlets,
};
use storyline_store::Store;

/// Cache sizes (entries).
const BRIEF_CACHE_ENTRIES: usize = 512;
const STORY_CACHE_ENTRIES: usize = 1024;

/// A map that forgets its oldest entries beyond `capacity`.
struct BoundedMap<K, V> {
    capacity: usize,
    entries: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Clone + Eq + Hash, V: Clone> BoundedMap<K, V> {
    fn new(capacity: usize) -> Self {
        BoundedMap {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key).cloned()
    }

    fn insert(&mut self, key: K, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
            while self.order.len() > self.capacity {
                if let Some(oldest) = self.order.pop_front() {
                    self.entries.remove(&oldest);
                }
            }
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

/// Rendered story details, valid for one store generation.
struct GenerationMap {
    generation: u64,
    stories: BoundedMap<StoryId, Bytes>,
}

/// The API's in-memory caches, owned by [`AppState`].
pub(crate) struct ApiCaches {
    /// Rendered JSON of brief versions: a stored version never changes.
    briefs: Mutex<BoundedMap<(StoryId, u32), Bytes>>,
    stories: Mutex<GenerationMap>,
    catalog: Mutex<Option<Arc<Catalog>>>,
}

impl Default for ApiCaches {
    fn default() -> Self {
        ApiCaches {
            briefs: Mutex::new(BoundedMap::new(BRIEF_CACHE_ENTRIES)),
            stories: Mutex::new(GenerationMap {
                generation: u64::MAX,
                stories: BoundedMap::new(STORY_CACHE_ENTRIES),
            }),
            catalog: Mutex::new(None),
        }
    }
}

/// A cache lock; a panic while one was held leaves a cache that is still consistent (every
/// update is a single insert), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ApiCaches {
    pub(super) fn brief(&self, story: &StoryId, version: u32) -> Option<Bytes> {
        lock(&self.briefs).get(&(story.clone(), version))
    }

    pub(super) fn put_brief(&self, story: StoryId, version: u32, json: Bytes) {
        lock(&self.briefs).insert((story, version), json);
    }

    pub(super) fn story(&self, generation: u64, story: &StoryId) -> Option<Bytes> {
        let cache = lock(&self.stories);
        if cache.generation == generation {
            cache.stories.get(story)
        } else {
            None
        }
    }

    pub(super) fn put_story(&self, generation: u64, story: StoryId, json: Bytes) {
        let mut cache = lock(&self.stories);
        if cache.generation != generation {
            // Only move forward: a slow request that read an older generation must not
            // throw away entries of a newer one.
            if cache.generation != u64::MAX && generation < cache.generation {
                return;
            }
            cache.stories.clear();
            cache.generation = generation;
        }
        cache.stories.insert(story, json);
    }

    /// The catalog of `generation`: the cached one, brought up to date from `store` when it
    /// is older (only the stories changed since are read again), or built whole the first
    /// time. The lock is held while updating so that concurrent requests wait for one update
    /// instead of each making their own.
    pub(super) fn catalog(
        &self,
        store: &dyn Store,
        generation: u64,
    ) -> Result<Arc<Catalog>, ApiError> {
        let mut cached = lock(&self.catalog);
        if let Some(catalog) = cached.as_ref()
            && catalog.generation >= generation
        {
            return Ok(Arc::clone(catalog));
        }
        let catalog = match cached.as_ref() {
            Some(older) => Arc::new(older.updated(store, generation)?),
            None => Arc::new(Catalog::build(store, generation)?),
        };
        *cached = Some(Arc::clone(&catalog));
        Ok(catalog)
    }
}

/// What the listing needs of every live story, kept per store generation and updated from
/// the stories that changed ([`Store::stories_changed_after`]).
pub(crate) struct Catalog {
    generation: u64,
    /// The store's change number this catalog reflects.
    change: u64,
    /// Live stories, most recently updated first, then by id.
    pub(super) stories: Vec<StoryDigest>,
}

#[derive(Clone)]
pub(super) struct StoryDigest {
    pub(super) story: Story,
    pub(super) headline: String,
    pub(super) summary: Option<String>,
    pub(super) brief_version: Option<u32>,
    /// Its independent outlets' names (`independent_outlets`: copies left out, one per
    /// outlet), sorted: as many as the story's `outlet_count`.
    pub(super) outlets: Vec<String>,
    /// The lowercased names of every outlet that ran one of its articles, copies included:
    /// what `?outlet=` matches, since a paper that ran the wire copy did run the story.
    pub(super) carried_by: BTreeSet<String>,
    /// Distinct article languages, sorted.
    pub(super) languages: Vec<String>,
    /// Effective times of its articles, oldest first.
    article_times: Vec<DateTime<Utc>>,
}

impl Catalog {
    /// Reads every live story: the first time only.
    fn build(store: &dyn Store, generation: u64) -> Result<Catalog, ApiError> {
        // The change number first: whatever changes while the stories are read is read
        // again at the next update.
        let (_, change) = store.stories_changed_after(0)?;
        let stories = store.stories()?;
        let mut digests = Vec::with_capacity(stories.len());
        for story in stories {
            digests.push(StoryDigest::read(store, story)?);
        }
        Ok(Catalog {
            generation,
            change,
            stories: digests,
        })
    }

    /// This catalog with the stories changed since it was made read again (merged ones
    /// dropped, new ones added).
    fn updated(&self, store: &dyn Store, generation: u64) -> Result<Catalog, ApiError> {
        let (changed, change) = store.stories_changed_after(self.change)?;
        let changed: BTreeSet<StoryId> = changed.into_iter().collect();
        let mut stories: Vec<StoryDigest> = self
            .stories
            .iter()
            .filter(|digest| !changed.contains(&digest.story.id))
            .cloned()
            .collect();
        for id in &changed {
            if let Some(story) = store.story(id)?
                && story.merged_into.is_none()
            {
                stories.push(StoryDigest::read(store, story)?);
            }
        }
        stories.sort_by(|a, b| {
            b.story
                .updated_at
                .cmp(&a.story.updated_at)
                .then_with(|| a.story.id.cmp(&b.story.id))
        });
        Ok(Catalog {
            generation,
            change,
            stories,
        })
    }
}

impl StoryDigest {
    fn read(store: &dyn Store, story: Story) -> Result<StoryDigest, ApiError> {
        let brief = store.latest_brief(&story.id)?;
        let members = store.story_members(&story.id)?;
        let articles = member_articles(store, &members)?;
        Ok(StoryDigest::new(story, brief.as_ref(), &articles))
    }

    fn new(story: Story, brief: Option<&Brief>, articles: &[Article]) -> Self {
        let outlets: Vec<String> = independent_outlets(articles)
            .into_iter()
            .map(|o| o.name.clone())
            .collect();
        let carried_by = articles
            .iter()
            .map(|a| a.outlet.name.to_lowercase())
            .collect();
        let languages: BTreeSet<String> = articles
            .iter()
            .filter_map(|a| a.in_language.clone())
            .collect();
        let mut article_times: Vec<DateTime<Utc>> =
            articles.iter().map(Article::effective_time).collect();
        article_times.sort();
        StoryDigest {
            headline: brief.map_or_else(|| story.headline.clone(), |b| b.headline.clone()),
            summary: brief.and_then(first_sentence),
            brief_version: brief.map(|b| b.version),
            outlets,
            carried_by,
            languages: languages.into_iter().collect(),
            article_times,
            story,
        }
    }

    pub(super) fn articles_since(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> usize {
        self.article_times
            .iter()
            .filter(|time| **time > since && **time <= now)
            .count()
    }
}

/// The first sentence of "What's happened".
pub(super) fn first_sentence(brief: &Brief) -> Option<String> {
    brief
        .whats_happened
        .sentences
        .first()
        .map(|s| s.text.clone())
}

/// The articles of `members`, in membership order.
pub(super) fn member_articles(
    store: &dyn Store,
    members: &[StoryArticle],
) -> Result<Vec<Article>, ApiError> {
    let ids: Vec<ArticleId> = members.iter().map(|m| m.article_id.clone()).collect();
    Ok(store.articles(&ids)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_maps_forget_the_oldest() {
        let mut map = BoundedMap::new(2);
        map.insert(1, "a");
        map.insert(2, "b");
        map.insert(1, "a2");
        map.insert(3, "c");
        assert_eq!(map.get(&1), None);
        assert_eq!(map.get(&2), Some("b"));
        assert_eq!(map.get(&3), Some("c"));
    }
}
