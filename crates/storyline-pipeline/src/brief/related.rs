//! Which stories are related: profiles of every story's entities and key terms, compared to
//! find the earlier stories a brief's "How we got here" and "Go deeper" link to.
//!
//! A story's profile is made when its brief is written and kept in the store with its index
//! keys (entity names, heaviest terms); a story being written finds its candidates through
//! those keys, so the cost follows the stories that share something with it.

use crate::PipelineError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{ArticleId, Story, StoryId};
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
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        self.entities
            .keys()
            .map(|key| entity_key(key))
            .chain(
                terms
                    .into_iter()
                    .take(INDEXED_TERMS)
                    .map(|(stem, _)| term_key(stem)),
            )
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

    fn from_row(row: &StoryProfileRow) -> Option<Profile> {
        postcard::from_bytes(&row.profile).ok()
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
        for (id, profile) in &built.profiles {
            store.save_story_profile(&profile.row(id))?;
        }
        Ok(built)
    }

    /// Saves again the profiles of `stories` with the first sentence of their latest brief
    /// as lead (after they were written).
    pub fn refresh_leads(
        &mut self,
        store: &mut dyn Store,
        stories: &[StoryId],
    ) -> Result<(), PipelineError> {
        for id in stories {
            let Some(profile) = self.profiles.get_mut(id) else {
                continue;
            };
            if let Some(brief) = store.latest_brief(id)? {
                profile.lead = brief
                    .whats_happened
                    .sentences
                    .first()
                    .map(|s| s.text.clone())
                    .unwrap_or_default();
                store.save_story_profile(&profile.row(id))?;
            }
        }
        Ok(())
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
            let decoded;
            let other = match self.profiles.get(&row.story) {
                Some(profile) => profile,
                None => match Profile::from_row(&row) {
                    Some(profile) => {
                        decoded = profile;
                        &decoded
                    }
                    None => continue,
                },
            };
            let Some(other_story) = store.story(&row.story)? else {
                continue;
            };
            if other_story.merged_into.is_some() {
                continue;
            }
            if let Some(found) = compare(me, other, other_story, &stories_naming)
                && found.score >= RELATED_MIN_SCORE
            {
                related.push(found);
            }
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

/// The profile of one story from its stored articles and latest brief.
fn profile_story(store: &dyn Store, story: &Story) -> Result<Profile, PipelineError> {
    let members = store.story_members(&story.id)?;
    let ids: Vec<ArticleId> = members.into_iter().map(|m| m.article_id).collect();
    let articles = store.articles(&ids)?;
    let originals: Vec<_> = articles
        .iter()
        .filter(|a| a.duplicate_of.is_none())
        .collect();
    let mut entity_counts: BTreeMap<String, (u32, String)> = BTreeMap::new();
    let mut term_counts: BTreeMap<String, f32> = BTreeMap::new();
    let mut surfaces: BTreeMap<String, String> = BTreeMap::new();
    let mut total = 0.0f32;
    for article in &originals {
        let text = format!("{}\n{}", article.headline, article.article_body);
        for mention in entities::mentions(&text) {
            let key = mention.surface.to_lowercase();
            let entry = entity_counts
                .entry(key)
                .or_insert((0, mention.surface.clone()));
            entry.0 += 1;
        }
        for term in terms::analyze(&text, article.in_language.as_deref()) {
            *term_counts.entry(term.stem.clone()).or_insert(0.0) += 1.0;
            surfaces.entry(term.stem).or_insert(term.surface);
            total += 1.0;
        }
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
        None => originals
            .first()
            .and_then(|a| {
                sentences::split_sentences(&a.article_body)
                    .into_iter()
                    .next()
            })
            // "KELMOUTH, 8 September (Cascade Wire) - " says nothing in a timeline.
            .map(|s| super::text::strip_dateline(&s.text).to_string())
            .unwrap_or_default(),
    };
    Ok(Profile {
        entities,
        terms: term_counts,
        surfaces,
        lead,
    })
}

fn compare(
    me: &Profile,
    other: &Profile,
    other_story: Story,
    stories_naming: &BTreeMap<String, usize>,
) -> Option<RelatedStory> {
    // Shared names, the most specific first (named by the fewest stories: "Arvana" before
    // "Europe"), then the most mentioned on both sides: they say what links the stories.
    let mut shared_weighted: Vec<(usize, u32, String)> = me
        .entities
        .iter()
        .filter_map(|(key, (surface, mine))| {
            other.entities.get(key).map(|(_, theirs)| {
                let naming = stories_naming.get(key).copied().unwrap_or(0);
                (naming, (*mine).min(*theirs), surface.clone())
            })
        })
        .collect();
    shared_weighted.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let shared_entities: Vec<String> = shared_weighted.into_iter().map(|(_, _, s)| s).collect();
    // Weighted term overlap: the sum over shared stems of the smaller weight (a histogram
    // intersection), in [0, 1].
    let mut overlap = 0.0f32;
    let mut shared_terms: Vec<(f32, String)> = Vec::new();
    for (stem, weight) in &me.terms {
        if let Some(theirs) = other.terms.get(stem) {
            let common = weight.min(*theirs);
            overlap += common;
            if let Some(surface) = me.surfaces.get(stem) {
                shared_terms.push((common, surface.clone()));
            }
        }
    }
    let entity_union: BTreeSet<&String> = me.entities.keys().chain(other.entities.keys()).collect();
    let entity_score = if entity_union.is_empty() {
        0.0
    } else {
        shared_entities.len() as f32 / entity_union.len() as f32
    };
    let score = 0.6 * entity_score + 0.4 * overlap;
    if shared_entities.is_empty() && overlap < 0.3 {
        return None;
    }
    shared_terms.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut shared = shared_entities;
    for (_, surface) in shared_terms.into_iter().take(5) {
        if !shared.iter().any(|s| s.eq_ignore_ascii_case(&surface)) {
            shared.push(surface);
        }
    }
    Some(RelatedStory {
        began: other_story.created_at,
        story: other_story,
        shared,
        score,
        lead: other.lead.clone(),
    })
}
