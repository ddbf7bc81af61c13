//! Which stories are related: profiles of every story's entities and key terms, compared to
//! find the earlier stories a brief's "How we got here" and "Go deeper" link to.
//!
//! A story's profile is made when its brief is written and kept in the store with its index
//! keys (entity names, heaviest terms); a story being written finds its candidates through
//! those keys, so the cost follows the stories that share something with it.

use super::memo::{SharedMemo, memoised};
use crate::PipelineError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};
use storyline_model::{Article, ArticleId, Story, StoryId};
use storyline_nlp::clutter::strip_page_furniture;
use storyline_nlp::{entities, sentences, terms};
use storyline_store::{Store, StoryProfileRow};

/// A story related to the one being written, with what they share.
#[derive(Debug, Clone)]
pub struct RelatedStory {
    pub story: Story,
    /// Shared entity names first, then shared key terms.
    pub shared: Vec<String>,
    pub score: f32,
    /// The first sentence of the story's latest brief (or its first article): what it was.
    pub lead: String,
    /// When the related story began.
    pub began: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Profile {
    /// Lowercased entity name → (name as written, mentions), for names mentioned at least
    /// twice.
    entities: BTreeMap<String, (String, u32)>,
    /// Stem → weight (term frequency share over the story's original articles).
    terms: BTreeMap<String, f32>,
    surfaces: BTreeMap<String, String>,
    lead: String,
}

/// Profiles of the stories being written, and the way to their related stories: every live
/// story's profile is kept in the store, found by its entity names and heaviest terms
/// ([`Store::story_profiles_by_keys`]), so finding a story's relatives reads the stories
/// that share something with it, not every story.
#[derive(Debug, Clone, Default)]
pub struct StoryProfiles {
    profiles: BTreeMap<StoryId, Profile>,
}

/// Stories need this much in common to be called related: at least one shared entity and a
/// term overlap, or a strong term overlap alone (tuned on the demo corpus's follow-up story
/// against its look-alike business stories).
const RELATED_MIN_SCORE: f32 = 0.18;

/// A profile's heaviest terms that index it (its entities all do): a story related by term
/// overlap alone (at least 0.3 of the weight) shares some of them.
const INDEXED_TERMS: usize = 40;

/// Stories sharing the most index keys with a story that are compared with it exactly (a
/// brief links six at most).
const RELATED_CANDIDATES: usize = 60;

/// The rarest keys a story shares that its relatives are looked up by.
const RELATED_LOOKUP_KEYS: usize = 24;

/// Index keys: entity names and terms kept apart by a prefix.
fn entity_key(name: &str) -> String {
    format!("e:{name}")
}

fn term_key(stem: &str) -> String {
    format!("t:{stem}")
}

impl Profile {
    fn keys(&self) -> Vec<String> {
        let mut terms: Vec<(&String, f32)> = self.terms.iter().map(|(t, w)| (t, *w)).collect();
        let heaviest =
            |a: &(&String, f32), b: &(&String, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(b.0));
        // The heaviest few of thousands: select them, then sort only those (the order is
        // total, stems being distinct, so they are the ones a full sort puts first).
        if terms.len() > INDEXED_TERMS {
            terms.select_nth_unstable_by(INDEXED_TERMS, heaviest);
            terms.truncate(INDEXED_TERMS);
        }
        terms.sort_by(heaviest);
        self.entities
            .keys()
            .map(|key| entity_key(key))
            .chain(terms.into_iter().map(|(stem, _)| term_key(stem)))
            .collect()
    }

    fn row(&self, story: &StoryId) -> StoryProfileRow {
        StoryProfileRow {
            story: story.clone(),
            // Maps of strings and numbers always encode; postcard, not JSON: a related-story
            // search decodes dozens of profiles of thousands of terms each (JSON took a fifth
            // of a refresh's time).
            profile: postcard::to_stdvec(self).unwrap_or_default(),
            keys: self.keys(),
        }
    }
}

/// A profile as a comparison reads it: entities and terms in key order, borrowing their
/// keys, either from a [`Profile`] or straight from a stored row's bytes. A related-story
/// search compares each brief's story with dozens of stored profiles of thousands of terms;
/// decoding them into maps of owned strings was most of its time. Keys are compared as
/// bytes (their order is the strings' order), so only the lead is checked as UTF-8.
#[derive(Debug, Deserialize)]
struct ProfileView<'a> {
    /// Lowercased name → (name as written, mentions), by key.
    #[serde(borrow)]
    entities: Vec<StoredEntity<'a>>,
    /// Stem → weight, by stem.
    #[serde(borrow)]
    terms: Vec<(&'a [u8], f32)>,
    /// A stored profile's term surfaces, read past.
    _surfaces: Skipped,
    lead: &'a str,
}

/// An entity of a stored profile: lowercased name, then the name as written and its
/// mentions.
type StoredEntity<'a> = (&'a [u8], (&'a [u8], u32));

/// A map of strings read past without keeping or checking it.
#[derive(Debug, Default)]
struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Skipped;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Skipped, A::Error> {
                while seq.next_element::<(&'de [u8], &'de [u8])>()?.is_some() {}
                Ok(Skipped)
            }
        }
        deserializer.deserialize_seq(Entries)
    }
}

impl<'a> ProfileView<'a> {
    /// Reads a stored [`Profile`] in place. Postcard writes a map as its length and then its
    /// entries in key order, which is what a sequence of pairs reads; a profile written some
    /// other way is put in key order here.
    fn decode(bytes: &'a [u8]) -> Option<Self> {
        let mut view: ProfileView<'a> = postcard::from_bytes(bytes).ok()?;
        if !view.entities.is_sorted_by(|a, b| a.0 < b.0) {
            view.entities.sort_by(|a, b| a.0.cmp(b.0));
        }
        if !view.terms.is_sorted_by(|a, b| a.0 < b.0) {
            view.terms.sort_by(|a, b| a.0.cmp(b.0));
        }
        Some(view)
    }
}

/// What a comparison reads of a story's profile, whether it is held ([`Profile`]) or read in
/// place from the store ([`ProfileView`]): keys as bytes, in key order.
trait ProfileSide {
    fn entity_count(&self) -> usize;
    /// Entity key → mentions.
    fn entities(&self) -> impl Iterator<Item = (&[u8], u32)>;
    /// Stem → weight.
    fn terms(&self) -> impl Iterator<Item = (&[u8], f32)>;
    fn lead(&self) -> &str;
}

impl ProfileSide for Profile {
    fn entity_count(&self) -> usize {
        self.entities.len()
    }
    fn entities(&self) -> impl Iterator<Item = (&[u8], u32)> {
        self.entities
            .iter()
            .map(|(key, (_, n))| (key.as_bytes(), *n))
    }
    fn terms(&self) -> impl Iterator<Item = (&[u8], f32)> {
        self.terms.iter().map(|(stem, w)| (stem.as_bytes(), *w))
    }
    fn lead(&self) -> &str {
        &self.lead
    }
}

impl ProfileSide for ProfileView<'_> {
    fn entity_count(&self) -> usize {
        self.entities.len()
    }
    fn entities(&self) -> impl Iterator<Item = (&[u8], u32)> {
        self.entities.iter().map(|&(key, (_, n))| (key, n))
    }
    fn terms(&self) -> impl Iterator<Item = (&[u8], f32)> {
        self.terms.iter().copied()
    }
    fn lead(&self) -> &str {
        self.lead
    }
}

impl StoryProfiles {
    /// Profiles every story in `stories` from its stored articles, without touching the
    /// store's profile index: for reading (a benchmark, `--explain`).
    pub fn build(store: &dyn Store, stories: &[Story]) -> Result<Self, PipelineError> {
        let mut profiles = BTreeMap::new();
        for story in stories {
            profiles.insert(story.id.clone(), profile_story(store, story)?);
        }
        Ok(StoryProfiles { profiles })
    }

    /// Profiles `stories` (the stories about to be written) and saves each profile in the
    /// store's index, so the others find them.
    pub fn update(store: &mut dyn Store, stories: &[Story]) -> Result<Self, PipelineError> {
        let built = StoryProfiles::build(&*store, stories)?;
        let rows: Vec<StoryProfileRow> = built
            .profiles
            .iter()
            .map(|(id, profile)| profile.row(id))
            .collect();
        store.save_story_profiles(&rows)?;
        Ok(built)
    }

    /// Saves again the profiles of `stories` with the first sentence of their latest brief
    /// as lead (after they were written).
    pub fn refresh_leads(
        &mut self,
        store: &mut dyn Store,
        stories: &[StoryId],
    ) -> Result<(), PipelineError> {
        let mut changed = Vec::new();
        for id in stories {
            let Some(profile) = self.profiles.get_mut(id) else {
                continue;
            };
            if let Some(brief) = store.latest_brief(id)? {
                let lead = brief
                    .whats_happened
                    .sentences
                    .first()
                    .map(|s| s.text.clone())
                    .unwrap_or_default();
                // The stored profile already says this: nothing to write.
                if lead == profile.lead {
                    continue;
                }
                profile.lead = lead;
                changed.push(profile.row(id));
            }
        }
        Ok(store.save_story_profiles(&changed)?)
    }

    /// Takes in the profiles of `other`.
    pub fn extend(&mut self, other: StoryProfiles) {
        self.profiles.extend(other.profiles);
    }

    /// Ids of the profiled stories.
    pub fn story_ids(&self) -> impl Iterator<Item = &StoryId> {
        self.profiles.keys()
    }

    /// The entity names (as written) that `story`'s coverage mentions at least twice, most
    /// mentioned first.
    pub fn entity_names(&self, story: &StoryId) -> Vec<String> {
        let Some(me) = self.profiles.get(story) else {
            return Vec::new();
        };
        let mut names: Vec<(&String, u32)> =
            me.entities.values().map(|(name, n)| (name, *n)).collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        names.into_iter().map(|(name, _)| name.clone()).collect()
    }

    /// The stories most related to `story` (a profiled one), best first, at most `limit`:
    /// the live stories of the store's index that share the most entity names and heavy
    /// terms with it, compared exactly.
    pub fn related_to(
        &self,
        store: &dyn Store,
        story: &StoryId,
        limit: usize,
    ) -> Result<Vec<RelatedStory>, PipelineError> {
        let Some(me) = self.profiles.get(story) else {
            return Ok(Vec::new());
        };
        // The keys this story shares with the fewest others find its relatives: a key held
        // by thousands of stories ("police") says little and would make the lookup read
        // them all.
        let keys = me.keys();
        let counts = store.story_profile_key_counts(&keys)?;
        let mut by_rarity: Vec<(u64, &String)> = counts
            .iter()
            .copied()
            .zip(&keys)
            .filter(|(count, _)| *count > 1)
            .collect();
        by_rarity.sort();
        let lookup: Vec<String> = by_rarity
            .into_iter()
            .take(RELATED_LOOKUP_KEYS)
            .map(|(_, key)| key.clone())
            .collect();
        let candidates = store.story_profiles_by_keys(&lookup, RELATED_CANDIDATES)?;
        let stories_naming: BTreeMap<String, usize> = keys
            .iter()
            .zip(&counts)
            .filter_map(|(key, count)| {
                let name = key.strip_prefix("e:")?;
                Some((
                    name.to_string(),
                    usize::try_from(*count).unwrap_or(usize::MAX),
                ))
            })
            .collect();
        let mut related = Vec::new();
        for row in candidates {
            if &row.story == story {
                continue;
            }
            // Only a story related enough is read.
            let found = match self.profiles.get(&row.story) {
                Some(profile) => compare(me, profile, &stories_naming),
                None => match ProfileView::decode(&row.profile) {
                    Some(view) => compare(me, &view, &stories_naming),
                    None => continue,
                },
            };
            let Some(Likeness {
                score,
                shared,
                lead,
            }) = found
            else {
                continue;
            };
            let Some(other_story) = store.story(&row.story)? else {
                continue;
            };
            if other_story.merged_into.is_some() {
                continue;
            }
            related.push(RelatedStory {
                began: other_story.created_at,
                story: other_story,
                shared,
                score,
                lead,
            });
        }
        related.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.story.id.cmp(&b.story.id))
        });
        related.truncate(limit);
        Ok(related)
    }
}

/// What one article brings to its story's profile: its names (lowercased key, the name as
/// first written, mentions) and its terms (stem, first surface, occurrences), each in order
/// of first appearance, and its count of terms. Kept per article ([`super::memo`]): a
/// week-long story is profiled again at every update from the same articles, and reading
/// them again was an eighth of a late poll of `bench/scale.sh`. The strings live in one
/// buffer, so a full text's few hundred distinct stems take some 8 KB.
struct ArticleProfile {
    /// Every key, name, stem and surface, one after another.
    text: String,
    /// (start in `text`, key length, name length, mentions).
    names: Vec<(u32, u32, u32, u32)>,
    /// (start in `text`, stem length, surface length, occurrences).
    terms: Vec<(u32, u32, u32, u32)>,
    words: u32,
}

/// Articles whose profile reading is kept (some 8 KB each, so about 32 MB): the stories of
/// a late `bench/scale.sh` poll read a few thousand articles, most of them read at the poll
/// before.
const ARTICLE_PROFILES_KEPT: usize = 4_096;

static ARTICLE_PROFILES: SharedMemo<ArticleProfile> = OnceLock::new();

/// Collects (string pair → count) entries in order of first appearance into one buffer.
#[derive(Default)]
struct PairCounts {
    entries: Vec<(u32, u32, u32, u32)>,
    at: HashMap<String, usize>,
}

impl PairCounts {
    /// Counts `key` once more; a new key is written to `text` followed by `shown`.
    fn count(&mut self, text: &mut String, key: String, shown: &str) {
        if let Some(&at) = self.at.get(&key) {
            self.entries[at].3 += 1;
            return;
        }
        let start = text.len() as u32;
        text.push_str(&key);
        text.push_str(shown);
        self.entries
            .push((start, key.len() as u32, shown.len() as u32, 1));
        self.at.insert(key, self.entries.len() - 1);
    }
}

impl ArticleProfile {
    fn of(article: &Article) -> Arc<Self> {
        memoised(&ARTICLE_PROFILES, ARTICLE_PROFILES_KEPT, article, 0, || {
            Self::read(article)
        })
    }

    fn read(article: &Article) -> Self {
        let text = format!("{}\n{}", article.headline, article.article_body);
        let mut buffer = String::new();
        let mut names = PairCounts::default();
        // Names only: a profile needs no kinds.
        for name in entities::mention_names(&text) {
            names.count(&mut buffer, name.to_lowercase(), &name);
        }
        let mut terms = PairCounts::default();
        let mut words = 0u32;
        for term in terms::analyze(&text, article.in_language.as_deref()) {
            words += 1;
            terms.count(&mut buffer, term.stem, &term.surface);
        }
        buffer.shrink_to_fit();
        let mut names = names.entries;
        let mut terms = terms.entries;
        names.shrink_to_fit();
        terms.shrink_to_fit();
        ArticleProfile {
            text: buffer,
            names,
            terms,
            words,
        }
    }

    /// (key, shown, count) of `entries`, read out of the buffer.
    fn pairs<'a>(
        &'a self,
        entries: &'a [(u32, u32, u32, u32)],
    ) -> impl Iterator<Item = (&'a str, &'a str, u32)> + 'a {
        entries.iter().map(|&(start, key, shown, count)| {
            let (start, key, shown) = (start as usize, key as usize, shown as usize);
            (
                &self.text[start..start + key],
                &self.text[start + key..start + key + shown],
                count,
            )
        })
    }
}

/// The profile of one story from its stored articles and latest brief. A story of more than
/// [`super::BRIEF_ARTICLES`] articles is profiled from the ones its brief is written from
/// ([`super::read_brief_articles`]: its first reports, each outlet's latest, the newest, and
/// an even spread over the rest, chosen without reading the other bodies): analysing every
/// article of a week-long story each time it changed made its every update cost more than
/// the last.
fn profile_story(store: &dyn Store, story: &Story) -> Result<Profile, PipelineError> {
    let members = store.story_members(&story.id)?;
    let ids: Vec<ArticleId> = members.into_iter().map(|m| m.article_id).collect();
    let articles = super::read_brief_articles(store, &ids)?;
    let originals: Vec<_> = articles
        .iter()
        .filter(|a| a.duplicate_of.is_none())
        .collect();
    let mut entity_counts: BTreeMap<String, (u32, String)> = BTreeMap::new();
    let mut term_counts: BTreeMap<String, f32> = BTreeMap::new();
    let mut surfaces: BTreeMap<String, String> = BTreeMap::new();
    let mut total = 0.0f32;
    for article in &originals {
        let read = ArticleProfile::of(article);
        for (key, name, count) in read.pairs(&read.names) {
            if let Some(entry) = entity_counts.get_mut(key) {
                entry.0 += count;
            } else {
                entity_counts.insert(key.to_string(), (count, name.to_string()));
            }
        }
        for (stem, surface, count) in read.pairs(&read.terms) {
            // A stem's surface is the first one seen.
            if let Some(weight) = term_counts.get_mut(stem) {
                *weight += count as f32;
            } else {
                surfaces.insert(stem.to_string(), surface.to_string());
                term_counts.insert(stem.to_string(), count as f32);
            }
        }
        total += read.words as f32;
    }
    if total > 0.0 {
        for weight in term_counts.values_mut() {
            *weight /= total;
        }
    }
    let entities = entity_counts
        .into_iter()
        .filter(|(_, (count, _))| *count >= 2)
        .map(|(key, (count, surface))| (key, (surface, count)))
        .collect();
    let lead = match store.latest_brief(&story.id)? {
        Some(brief) => brief
            .whats_happened
            .sentences
            .first()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        // Captions, stamps and bylines say nothing in a timeline either, nor does
        // "KELMOUTH, 8 September (Cascade Wire) - " or a fragment ("A young rising star."):
        // the first sentence a brief could quote.
        None => originals
            .first()
            .and_then(|a| {
                sentences::split_sentences(&strip_page_furniture(&a.article_body))
                    .into_iter()
                    .map(|s| super::text::strip_dateline(&s.text).to_string())
                    .find(|s| super::text::is_usable_sentence(s))
            })
            .unwrap_or_default(),
    };
    Ok(Profile {
        entities,
        terms: term_counts,
        surfaces,
        lead,
    })
}

/// The keys of `mine` that `theirs` holds too (both in key order), in `mine`'s order, with
/// both values: one walk over both, one comparison per step.
fn merge<'m, 't, M, T>(
    mine: &'m BTreeMap<String, M>,
    theirs: &mut impl Iterator<Item = (&'t [u8], T)>,
) -> Vec<(&'m String, &'m M, T)> {
    let mut shared = Vec::new();
    let mut next = theirs.next();
    for (key, value) in mine {
        while let Some((their_key, _)) = &next {
            match their_key.cmp(&key.as_bytes()) {
                std::cmp::Ordering::Less => next = theirs.next(),
                std::cmp::Ordering::Equal => {
                    if let Some((_, their_value)) = next.take() {
                        shared.push((key, value, their_value));
                    }
                    next = theirs.next();
                    break;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        if next.is_none() {
            break;
        }
    }
    shared
}

/// What a related story shares with the story being written.
struct Likeness {
    score: f32,
    /// Shared entity names, then shared key terms.
    shared: Vec<String>,
    /// The related story's lead.
    lead: String,
}

/// How related the story of `other` is to `me`, or `None` below [`RELATED_MIN_SCORE`].
fn compare(
    me: &Profile,
    other: &impl ProfileSide,
    stories_naming: &BTreeMap<String, usize>,
) -> Option<Likeness> {
    // Shared names, the most specific first (named by the fewest stories: "Arvana" before
    // "Europe"), then the most mentioned on both sides: they say what links the stories.
    // Both sides are in key order, so one merged walk finds them.
    let mut shared_weighted: Vec<(usize, u32, &str)> = Vec::new();
    let mut theirs = other.entities();
    for (key, (surface, mine), n) in merge(&me.entities, &mut theirs) {
        let naming = stories_naming.get(key).copied().unwrap_or(0);
        shared_weighted.push((naming, (*mine).min(n), surface.as_str()));
    }
    // Weighted term overlap: the sum over shared stems of the smaller weight (a histogram
    // intersection), in [0, 1]; summed in `me`'s stem order.
    let mut overlap = 0.0f32;
    let mut shared_terms: Vec<(f32, &str)> = Vec::new();
    let mut theirs = other.terms();
    for (stem, weight, w) in merge(&me.terms, &mut theirs) {
        let common = weight.min(w);
        overlap += common;
        if let Some(surface) = me.surfaces.get(stem) {
            shared_terms.push((common, surface.as_str()));
        }
    }
    // Distinct names of both (each side's keys are distinct).
    let entity_union = me.entities.len() + other.entity_count() - shared_weighted.len();
    let entity_score = if entity_union == 0 {
        0.0
    } else {
        shared_weighted.len() as f32 / entity_union as f32
    };
    let score = 0.6 * entity_score + 0.4 * overlap;
    if shared_weighted.is_empty() && overlap < 0.3 {
        return None;
    }
    if score < RELATED_MIN_SCORE {
        return None;
    }
    shared_weighted.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    let mut shared: Vec<String> = shared_weighted
        .into_iter()
        .map(|(_, _, s)| s.to_string())
        .collect();
    shared_terms.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    for (_, surface) in shared_terms.into_iter().take(5) {
        if !shared.iter().any(|s| s.eq_ignore_ascii_case(surface)) {
            shared.push(surface.to_string());
        }
    }
    Some(Likeness {
        score,
        shared,
        lead: other.lead().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let entities = [
            ("ellery dock", ("Ellery Dock", 3)),
            ("arvana", ("Arvana", 2)),
        ]
        .into_iter()
        .map(|(k, (name, n))| (k.to_string(), (name.to_string(), n)))
        .collect();
        let terms: BTreeMap<String, f32> = [("strike", 0.25), ("dock", 0.5), ("ärger", 0.125)]
            .into_iter()
            .map(|(t, w)| (t.to_string(), w))
            .collect();
        let surfaces = terms
            .keys()
            .map(|t| (t.clone(), t.to_uppercase()))
            .collect();
        Profile {
            entities,
            terms,
            surfaces,
            lead: "Dock workers struck in Arvana.".into(),
        }
    }

    #[test]
    fn an_articles_profile_reading_counts_each_name_and_term_with_its_first_form() {
        let article = crate::test_support::article(
            "https://example.org/port-strike",
            "Example",
            "Dock strike in Arvana",
            "Workers at Ellery Dock went on strike on Monday. The ELLERY DOCK union said \
             striking workers would stay out. Officials at Ellery Dock in Arvana expect talks.",
        );
        let read = ArticleProfile::read(&article);
        let text = format!("{}\n{}", article.headline, article.article_body);
        // Every mention and every term counted once, under its first form.
        let mut names: Vec<(String, String, u32)> = Vec::new();
        for name in entities::mention_names(&text) {
            let key = name.to_lowercase();
            match names.iter_mut().find(|(k, _, _)| *k == key) {
                Some(entry) => entry.2 += 1,
                None => names.push((key, name, 1)),
            }
        }
        let mut terms: Vec<(String, String, u32)> = Vec::new();
        let analysed = terms::analyze(&text, article.in_language.as_deref());
        for term in &analysed {
            match terms.iter_mut().find(|(stem, _, _)| *stem == term.stem) {
                Some(entry) => entry.2 += 1,
                None => terms.push((term.stem.clone(), term.surface.clone(), 1)),
            }
        }
        let owned = |pairs: Vec<(&str, &str, u32)>| -> Vec<(String, String, u32)> {
            pairs
                .into_iter()
                .map(|(a, b, n)| (a.to_string(), b.to_string(), n))
                .collect()
        };
        assert_eq!(owned(read.pairs(&read.names).collect()), names);
        assert_eq!(owned(read.pairs(&read.terms).collect()), terms);
        assert_eq!(read.words as usize, analysed.len());
        assert!(
            names
                .iter()
                .any(|(key, _, n)| key == "ellery dock" && *n >= 2)
        );
        assert!(terms.iter().any(|(_, _, n)| *n >= 2));
    }

    #[test]
    fn a_stored_profile_reads_in_place_as_it_was_written() {
        let profile = profile();
        let bytes = postcard::to_stdvec(&profile).unwrap();
        let stored = ProfileView::decode(&bytes).unwrap();
        assert_eq!(
            stored.entities().collect::<Vec<_>>(),
            profile.entities().collect::<Vec<_>>()
        );
        assert_eq!(
            stored.terms().collect::<Vec<_>>(),
            profile.terms().collect::<Vec<_>>()
        );
        assert_eq!(stored.entity_count(), 2);
        assert_eq!(stored.lead(), profile.lead());
        assert_eq!(
            stored.terms.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            ["dock".as_bytes(), b"strike", "ärger".as_bytes()]
        );
        assert!(ProfileView::decode(&bytes[..bytes.len() - 3]).is_none());
    }

    #[test]
    fn merging_finds_the_keys_both_hold() {
        let mine: BTreeMap<String, u32> = ["a", "c", "e", "g"]
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i as u32))
            .collect();
        let check = |theirs: &[&str], expected: &[(&str, u32, usize)]| {
            let mut iter = theirs.iter().enumerate().map(|(i, k)| (k.as_bytes(), i));
            let shared: Vec<(&str, u32, usize)> = merge(&mine, &mut iter)
                .into_iter()
                .map(|(k, m, t)| (k.as_str(), *m, t))
                .collect();
            assert_eq!(shared, expected, "{theirs:?}");
        };
        check(&["b", "c", "d", "g", "h"], &[("c", 1, 1), ("g", 3, 3)]);
        check(
            &["a", "c", "e", "g"],
            &[("a", 0, 0), ("c", 1, 1), ("e", 2, 2), ("g", 3, 3)],
        );
        check(&[], &[]);
        check(&["0", "h"], &[]);
        check(&["g"], &[("g", 3, 0)]);
    }

    #[test]
    fn a_story_shares_its_names_and_terms() {
        let me = profile();
        let mut other = profile();
        other.entities.remove("arvana");
        other.terms.insert("ferry".into(), 0.125);
        let naming = BTreeMap::from([("ellery dock".to_string(), 2)]);
        let bytes = postcard::to_stdvec(&other).unwrap();
        let stored = ProfileView::decode(&bytes).unwrap();
        for found in [
            compare(&me, &other, &naming),
            compare(&me, &stored, &naming),
        ] {
            let found = found.unwrap();
            // One of two names shared; terms overlap 0.875.
            let expected = 0.6 * 0.5 + 0.4 * 0.875;
            assert!((found.score - expected).abs() < 1e-6, "{}", found.score);
            assert_eq!(found.shared, ["Ellery Dock", "DOCK", "STRIKE", "ÄRGER"]);
            assert_eq!(found.lead, other.lead);
        }
    }
}
