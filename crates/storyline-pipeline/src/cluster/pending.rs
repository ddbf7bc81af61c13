//! [`cluster_pending`]: clustering over a [`Store`]: load the clusterer (or rebuild it from
//! the stored memberships), assign the unclustered articles, and save the memberships,
//! story rows and state in one transaction.
//!
//! Invariants: a run reads the new articles and the stories they can join, not the archive;
//! re-running with nothing new reads nothing else and changes nothing; a merged story's row
//! points at its survivor.

use super::embedding::{embed_headlines, shared_embedder};
use super::features::clustering_time;
use super::{Assignment, ClusterCache, ClusterConfig, Clusterer};
use crate::PipelineError;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use storyline_embed::Embedder;
use storyline_model::{Article, ArticleId, Story, StoryArticle, StoryId};
use storyline_store::Store;

/// What one [`cluster_pending`] run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterReport {
    /// Articles newly put into a story.
    pub assigned: usize,
    /// Stories opened by this run.
    pub new_stories: usize,
    /// Stories that gained articles, by id.
    pub touched: Vec<StoryId>,
}

/// Assigns every unclustered article of `store` to a story and saves the touched stories
/// with the new memberships and the clusterer's state in one transaction.
///
/// The clusterer is loaded from its saved state (see [`persist`]), so a run reads the new
/// articles and the stories they can join, not the archive; a store without a saved state
/// (one written before it existed, or with other settings) is rebuilt once from its stored
/// memberships. Re-running with nothing new reads nothing else and changes nothing.
pub fn cluster_pending(
    store: &mut dyn Store,
    config: &ClusterConfig,
) -> Result<ClusterReport, PipelineError> {
    cluster_pending_cached(store, config, &mut ClusterCache::new())
}

/// [`cluster_pending`] keeping the clusterer in `cache` between runs of one process: a run
/// loads nothing when the store's saved state is still the one this process saved.
pub fn cluster_pending_cached(
    store: &mut dyn Store,
    config: &ClusterConfig,
    cache: &mut ClusterCache,
) -> Result<ClusterReport, PipelineError> {
    cluster_pending_embedded(store, config, cache, shared_embedder())
}

/// [`cluster_pending_cached`] with the given sentence embedder (or none) instead of the
/// process's ([`shared_embedder`]): the new articles shorter than a full text are embedded
/// by their headlines, in batches, before they are assigned.
pub fn cluster_pending_embedded(
    store: &mut dyn Store,
    config: &ClusterConfig,
    cache: &mut ClusterCache,
    embedder: Option<&Embedder>,
) -> Result<ClusterReport, PipelineError> {
    let pending = store.unclustered_articles()?;
    if pending.is_empty() {
        return Ok(ClusterReport::default());
    }
    let version = store.cluster_state_version()?;
    let (mut clusterer, replace) = match cache.take(version, config) {
        Some(clusterer) => (clusterer, false),
        None => load_clusterer(&*store, config, embedder)?,
    };
    let embeddings = embedder
        .map(|embedder| embed_headlines(embedder, config, &pending))
        .unwrap_or_default();
    match run_clusterer(
        store,
        &mut clusterer,
        &pending,
        &embeddings,
        version,
        replace,
    ) {
        Ok((report, saved_version)) => {
            cache.keep(saved_version, clusterer);
            Ok(report)
        }
        // The clusterer holds changes that were not saved: it is dropped, and the next run
        // loads what the store holds.
        Err(err) => Err(err),
    }
}

/// The clusterer as saved in `store`, or rebuilt from the stored memberships when no usable
/// state is saved (with `embedder`'s embeddings); `true` with a rebuilt one (its state
/// replaces whatever was saved).
pub(super) fn load_clusterer(
    store: &dyn Store,
    config: &ClusterConfig,
    embedder: Option<&Embedder>,
) -> Result<(Clusterer, bool), PipelineError> {
    if let Some(saved) = store.cluster_state()? {
        match Clusterer::from_saved(config.clone(), &saved) {
            Ok(clusterer) => return Ok((clusterer, false)),
            Err(err) => tracing::warn!("{err}; rebuilding it from the stored stories"),
        }
    }
    Ok((rebuild_from_memberships(store, config, embedder)?, true))
}

/// A clusterer holding every stored membership, restored in publication order: how a store
/// without a saved state (or with a stale one) gets one. Reads the whole archive, once. With
/// an `embedder`, the members that want an embedding and are recent enough to keep one
/// (within the retirement horizon of the newest member, or undated: a retired story's
/// members drop theirs) are embedded again, so the rebuilt clusterer weighs them as the
/// lost one did.
pub(super) fn rebuild_from_memberships(
    store: &dyn Store,
    config: &ClusterConfig,
    embedder: Option<&Embedder>,
) -> Result<Clusterer, PipelineError> {
    let mut membership: HashMap<ArticleId, StoryArticle> = HashMap::new();
    for story in store.stories()? {
        for member in store.story_members(&story.id)? {
            membership.insert(member.article_id.clone(), member);
        }
    }
    let mut clusterer = Clusterer::new(config.clone());
    if membership.is_empty() {
        return Ok(clusterer);
    }
    let mut articles = store.all_articles()?;
    articles.retain(|article| membership.contains_key(&article.id));
    sort_by_time(&mut articles);
    let embeddings = match embedder {
        Some(embedder) => {
            let newest = articles.iter().filter_map(clustering_time).max();
            let horizon =
                chrono::Duration::seconds((clusterer.retirement_horizon_hours() * 3600.0) as i64);
            let recent =
                articles
                    .iter()
                    .filter(|article| match (clustering_time(article), newest) {
                        (Some(time), Some(newest)) => newest - time <= horizon,
                        _ => true,
                    });
            embed_headlines(embedder, config, recent)
        }
        None => HashMap::new(),
    };
    for article in &articles {
        if let Some(stored) = membership.get(&article.id) {
            let embedding = embeddings.get(&article.id).map(Vec::as_slice);
            clusterer.restore_embedded(&stored.story_id, article, stored.score, embedding);
        }
    }
    Ok(clusterer)
}

/// Clusters `pending` (unclustered, by effective time) and saves the result on top of
/// state `version`; returns the report and the saved state's version.
pub(super) fn run_clusterer(
    store: &mut dyn Store,
    clusterer: &mut Clusterer,
    pending: &[Article],
    embeddings: &HashMap<ArticleId, Vec<f32>>,
    version: u64,
    replace: bool,
) -> Result<(ClusterReport, u64), PipelineError> {
    // A copy joins its original's story however old: bring back stories evicted earlier.
    for article in pending {
        let Some(original) = &article.duplicate_of else {
            continue;
        };
        if clusterer.story_of(original).is_some() {
            continue;
        }
        let Some(story) = store.story_of_article(original)? else {
            continue;
        };
        if clusterer.has_story(&story) {
            continue;
        }
        if let Some(row) = store.cluster_story_state(&story)? {
            clusterer.adopt(&row)?;
        }
    }

    let mut report = ClusterReport::default();
    let mut assigned: HashMap<ArticleId, Assignment> = HashMap::new();
    for article in pending {
        let embedding = embeddings.get(&article.id).map(Vec::as_slice);
        let assignment = clusterer.assign_embedded(article, embedding);
        report.assigned += 1;
        if assignment.is_new_story {
            report.new_stories += 1;
        }
        assigned.insert(article.id.clone(), assignment);
    }
    clusterer.finish();

    let MembershipDiff {
        memberships: new_memberships,
        mut touched,
        merges,
    } = membership_diff(clusterer, pending, assigned);
    // Stories merged or emptied during this run (into stories that may have been opened
    // before it) keep their rows, pointing at the survivor, so an old id still leads to the
    // story.
    let mut merged_rows = Vec::new();
    let gone_ids: BTreeSet<StoryId> = merges.iter().map(|(gone, _)| gone.clone()).collect();
    for (gone, keep) in merges {
        let Some(mut row) = store.story(&gone)? else {
            continue;
        };
        if row.merged_into.as_ref() == Some(&keep) {
            continue;
        }
        row.merged_into = Some(keep.clone());
        merged_rows.push(row);
        touched.insert(keep);
    }
    let mut stories = Vec::with_capacity(touched.len() + merged_rows.len());
    for id in touched.iter().filter(|id| !gone_ids.contains(*id)) {
        // Heads only: a story row needs times, outlets and the first headline, and a
        // week-long story's bodies are megabytes.
        let members = store.article_heads(&clusterer.members(id))?;
        let members: Vec<&Article> = members.iter().collect();
        let merged_into = store.story(id)?.and_then(|s| s.merged_into);
        if let Some(story) = story_row(id, &members, merged_into) {
            stories.push(story);
        }
    }
    // Survivors first: a merged row must point at a stored story.
    stories.extend(merged_rows);
    let changes = clusterer.take_changes(version, replace);
    let saved_version = store.save_clustering(&stories, &new_memberships, &changes)?;
    report.touched = touched
        .into_iter()
        .filter(|id| !gone_ids.contains(id))
        .collect();
    Ok((report, saved_version))
}

/// What a run changes in the stored memberships, worked out from the clusterer alone (no
/// store call): the memberships to write, the stories whose rows must be summarised again,
/// and the stories merged away.
#[derive(Debug, Default, PartialEq)]
pub(super) struct MembershipDiff {
    /// The run's new articles with their story, and stored articles that a merge, split or
    /// move put in another story than the one they were saved in.
    pub memberships: Vec<StoryArticle>,
    /// Stories that gained or lost members (merge survivors are added by the caller, which
    /// knows whether the merged story's row still needs pointing at them).
    pub touched: BTreeSet<StoryId>,
    /// (merged story, survivor) for every merge of the clusterer's life that it reports.
    pub merges: Vec<(StoryId, StoryId)>,
}

/// The [`MembershipDiff`] of a run that assigned `pending` (each with its `assigned`
/// assignment) and finished: a new article is written with the score and reason of its
/// latest move, or of its assignment; a stored article that changed story is written with
/// its score in its new story and the reason of its move, or the merge that carried it.
pub(super) fn membership_diff(
    clusterer: &Clusterer,
    pending: &[Article],
    mut assigned: HashMap<ArticleId, Assignment>,
) -> MembershipDiff {
    let mut touched = BTreeSet::new();
    let mut memberships = Vec::new();
    for article in pending {
        let Some(story_id) = clusterer.story_of(&article.id).cloned() else {
            continue;
        };
        let Some(assignment) = assigned.remove(&article.id) else {
            continue;
        };
        let moved = clusterer.reassignment(&article.id);
        memberships.push(StoryArticle {
            story_id: story_id.clone(),
            article_id: article.id.clone(),
            score: moved.map_or(assignment.score, |m| m.score),
            why: moved.map_or(assignment.why, |m| m.why.clone()),
        });
        touched.insert(story_id);
    }
    let pending_ids: BTreeSet<&ArticleId> = pending.iter().map(|a| &a.id).collect();
    let mut scores: HashMap<StoryId, HashMap<ArticleId, f32>> = HashMap::new();
    for (article_id, from) in clusterer.relocated() {
        if pending_ids.contains(article_id) {
            continue;
        }
        let Some(story_id) = clusterer.story_of(article_id).cloned() else {
            continue;
        };
        if &story_id == from {
            continue;
        }
        let score = scores
            .entry(story_id.clone())
            .or_insert_with(|| clusterer.member_scores(&story_id).into_iter().collect())
            .get(article_id)
            .copied()
            .unwrap_or(1.0);
        let moved = clusterer.reassignment(article_id);
        memberships.push(StoryArticle {
            story_id: story_id.clone(),
            article_id: article_id.clone(),
            score,
            why: moved.map_or_else(
                || vec![format!("story {from} merged into {story_id}")],
                |m| m.why.clone(),
            ),
        });
        touched.insert(from.clone());
        touched.insert(story_id);
    }
    MembershipDiff {
        memberships,
        touched,
        merges: clusterer.merges(),
    }
}

/// `articles` in the order a stream of them is clustered: publication order, an undated
/// article keeping its place after the dated one before it (at the start when none is), ties
/// in input order. `storyline cluster` and the clustering benchmark both order this way.
pub fn stream_order(articles: Vec<Article>) -> Vec<Article> {
    let mut last_dated: Option<DateTime<Utc>> = None;
    let mut keyed: Vec<(Option<DateTime<Utc>>, usize, Article)> = articles
        .into_iter()
        .enumerate()
        .map(|(index, article)| {
            if article.date_published.is_some() {
                last_dated = article.date_published;
            }
            (last_dated, index, article)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, _, article)| article).collect()
}

pub(super) fn sort_by_time(articles: &mut [Article]) {
    articles.sort_by(|a, b| {
        a.effective_time()
            .cmp(&b.effective_time())
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// The summary row of a story from its members; `None` for a story without members.
pub fn story_row(
    id: &StoryId,
    members: &[&Article],
    merged_into: Option<StoryId>,
) -> Option<Story> {
    let mut ordered: Vec<&Article> = members.to_vec();
    ordered.sort_by(|a, b| {
        a.effective_time()
            .cmp(&b.effective_time())
            .then_with(|| a.id.cmp(&b.id))
    });
    let first = ordered.first()?;
    let last = ordered.last()?;
    let headline_source = ordered
        .iter()
        .find(|a| a.duplicate_of.is_none())
        .unwrap_or(first);
    // The same list the web shows, so the stored count and the list agree.
    let outlets = storyline_model::independent_outlets(ordered.iter().copied());
    // A story's times are its articles' publication times: an article of unknown date has
    // only the time it was stored (an import's time for a whole file), which says nothing of
    // when the story happened. Only a story with no dated article falls back on it.
    let published = || ordered.iter().filter_map(|a| a.date_published);
    Some(Story {
        id: id.clone(),
        headline: headline_source.headline.clone(),
        created_at: published().min().unwrap_or(first.effective_time()),
        updated_at: published().max().unwrap_or(last.effective_time()),
        article_count: u32::try_from(ordered.len()).unwrap_or(u32::MAX),
        outlet_count: u32::try_from(outlets.len()).unwrap_or(u32::MAX),
        merged_into,
    })
}

/// Who published an article, for a story's outlet count and a brief's choice of each
/// outlet's latest report: the stored outlet's id, what every outlet count compares.
pub(crate) fn outlet_key(article: &Article) -> String {
    article.outlet.id.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A report of the Kelmouth dam breach by `outlet`, published `hour` hours into 3 June
    /// 2025.
    fn breach_report(outlet: &str, hour: u32) -> Article {
        Article {
            date_published: Some(Utc.with_ymd_and_hms(2025, 6, 3, hour, 0, 0).unwrap()),
            ..crate::test_support::article(
                &format!("https://{outlet}.example/news/kelmouth-dam"),
                outlet,
                "Kelmouth dam breach floods Ardley valley",
                "The Kelmouth dam breached on Tuesday morning, flooding the Ardley valley and \
                 forcing 1,400 residents of Ardley and Brennford from their homes. Engineers \
                 from the Rivers Authority said water had been seeping through the dam's \
                 eastern wall since Sunday. Mayor Ines Okafor said the Ardley school would \
                 open as a shelter.",
            )
        }
    }

    fn assign_all(
        clusterer: &mut Clusterer,
        pending: &[Article],
    ) -> HashMap<ArticleId, Assignment> {
        let assigned = pending
            .iter()
            .map(|article| (article.id.clone(), clusterer.assign(article)))
            .collect();
        clusterer.finish();
        assigned
    }

    #[test]
    fn new_articles_are_written_with_their_story() {
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        let pending = [breach_report("ledger", 9), breach_report("courier", 10)];
        let assigned = assign_all(&mut clusterer, &pending);
        let diff = membership_diff(&clusterer, &pending, assigned);
        let story = clusterer
            .story_of(&pending[0].id)
            .cloned()
            .expect("a story");
        assert_eq!(clusterer.story_of(&pending[1].id), Some(&story));
        assert_eq!(diff.touched, BTreeSet::from([story.clone()]));
        assert!(diff.merges.is_empty());
        let written: Vec<(&ArticleId, &StoryId)> = diff
            .memberships
            .iter()
            .map(|m| (&m.article_id, &m.story_id))
            .collect();
        assert_eq!(
            written,
            vec![(&pending[0].id, &story), (&pending[1].id, &story)]
        );
        // The opening article scores 1; the one that joined says what it shares.
        assert_eq!(diff.memberships[0].score, 1.0);
        assert!(
            !diff.memberships[1].why.is_empty(),
            "{:?}",
            diff.memberships[1]
        );
    }

    #[test]
    fn a_stored_article_carried_by_a_merge_is_written_again() {
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        // Two stored stories of one event, opened apart (a shuffled stream does this).
        let (first, second) = (breach_report("ledger", 9), breach_report("courier", 10));
        let first_story = StoryId::from_seed(&first.id);
        let second_story = StoryId::from_seed(&second.id);
        clusterer.restore(&first_story, &first);
        clusterer.restore(&second_story, &second);
        let _ = clusterer.take_changes(0, false);
        let pending = [breach_report("herald", 11), breach_report("post", 12)];
        let assigned = assign_all(&mut clusterer, &pending);
        let diff = membership_diff(&clusterer, &pending, assigned);
        assert_eq!(diff.merges.len(), 1, "{diff:?}");
        let (gone, keep) = diff.merges[0].clone();
        let carried = if gone == first_story { &first } else { &second };
        assert_eq!(clusterer.story_of(&carried.id), Some(&keep));
        let written = diff
            .memberships
            .iter()
            .find(|m| m.article_id == carried.id)
            .expect("the carried article is written again");
        assert_eq!(written.story_id, keep);
        assert!(diff.touched.contains(&gone) && diff.touched.contains(&keep));
        // The new articles are written too, once each.
        for article in &pending {
            let count = diff
                .memberships
                .iter()
                .filter(|m| m.article_id == article.id)
                .count();
            assert_eq!(count, 1);
        }
    }

    #[test]
    fn a_storys_times_are_its_articles_publication_times() {
        let dated = |day: u32| Article {
            date_published: Some(Utc.with_ymd_and_hms(2012, 12, day, 12, 0, 0).unwrap()),
            ..crate::test_support::article(
                &format!("https://a.example/{day}"),
                "A",
                "Shooting",
                "Body.",
            )
        };
        // Imported without a date: stored on 1 April 2025, which is not when it happened.
        let undated = crate::test_support::article("https://b.example/x", "B", "Shooting", "Body.");
        let (first, last) = (dated(14), dated(15));
        let members = [&first, &undated, &last];
        let row = story_row(&StoryId::from_seed(&first.id), &members, None).expect("a story");
        assert_eq!(row.created_at, first.date_published.unwrap());
        assert_eq!(row.updated_at, last.date_published.unwrap());
        // With no dated article, the stored time is all there is.
        let row = story_row(&StoryId::from_seed(&undated.id), &[&undated], None).unwrap();
        assert_eq!(row.updated_at, undated.date_fetched);
    }
}
