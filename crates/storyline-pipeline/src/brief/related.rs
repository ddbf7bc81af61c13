//! Which stories are related: profiles of every story's entities and key terms, compared to
//! find the earlier stories a brief's "How we got here" and "Go deeper" link to.

use crate::PipelineError;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{ArticleId, Story, StoryId};
use storyline_nlp::{entities, sentences, terms};
use storyline_store::Store;

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

#[derive(Debug, Clone)]
struct Profile {
    story: Story,
    /// Lowercased entity name → (name as written, mentions), for names mentioned at least
    /// twice.
    entities: BTreeMap<String, (String, u32)>,
    /// Stem → weight (term frequency share over the story's original articles).
    terms: BTreeMap<String, f32>,
    surfaces: BTreeMap<String, String>,
    lead: String,
}

/// Profiles of all live stories, computed once per refresh.
#[derive(Debug, Clone, Default)]
pub struct StoryProfiles {
    profiles: Vec<Profile>,
    /// Lowercased entity name → number of stories that mention it.
    stories_naming: BTreeMap<String, usize>,
}

/// Stories need this much in common to be called related: at least one shared entity and a
/// term overlap, or a strong term overlap alone (tuned on the demo corpus's follow-up story
/// against its look-alike business stories).
const RELATED_MIN_SCORE: f32 = 0.18;

impl StoryProfiles {
    /// Profiles every story in `stories` from its stored articles.
    pub fn build(store: &dyn Store, stories: &[Story]) -> Result<Self, PipelineError> {
        let mut profiles = Vec::with_capacity(stories.len());
        for story in stories {
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
            profiles.push(Profile {
                story: story.clone(),
                entities,
                terms: term_counts,
                surfaces,
                lead,
            });
        }
        let mut stories_naming: BTreeMap<String, usize> = BTreeMap::new();
        for profile in &profiles {
            for key in profile.entities.keys() {
                *stories_naming.entry(key.clone()).or_insert(0) += 1;
            }
        }
        Ok(StoryProfiles {
            profiles,
            stories_naming,
        })
    }

    /// Ids of every profiled story.
    pub fn story_ids(&self) -> impl Iterator<Item = &StoryId> {
        self.profiles.iter().map(|p| &p.story.id)
    }

    /// The entity names (as written) that `story`'s coverage mentions at least twice, most
    /// mentioned first.
    pub fn entity_names(&self, story: &StoryId) -> Vec<String> {
        let Some(me) = self.profiles.iter().find(|p| &p.story.id == story) else {
            return Vec::new();
        };
        let mut names: Vec<(&String, u32)> =
            me.entities.values().map(|(name, n)| (name, *n)).collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        names.into_iter().map(|(name, _)| name.clone()).collect()
    }

    /// The stories most related to `story`, best first, at most `limit`.
    pub fn related_to(&self, story: &StoryId, limit: usize) -> Vec<RelatedStory> {
        let Some(me) = self.profiles.iter().find(|p| &p.story.id == story) else {
            return Vec::new();
        };
        let mut related: Vec<RelatedStory> = self
            .profiles
            .iter()
            .filter(|other| other.story.id != me.story.id)
            .filter_map(|other| compare(me, other, &self.stories_naming))
            .filter(|r| r.score >= RELATED_MIN_SCORE)
            .collect();
        related.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.story.id.cmp(&b.story.id))
        });
        related.truncate(limit);
        related
    }
}

fn compare(
    me: &Profile,
    other: &Profile,
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
        story: other.story.clone(),
        shared,
        score,
        lead: other.lead.clone(),
        began: other.story.created_at,
    })
}
