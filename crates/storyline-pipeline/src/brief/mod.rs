//! Brief writing: the [`Generator`] trait, the context a writer gets, and
//! [`refresh_briefs`], which writes a new brief version for every story whose articles
//! changed since its last brief.
//!
//! The default writer is [`extractive::ExtractiveWriter`]: it selects and orders real
//! sentences of the coverage, so every sentence is traceable by construction. Whatever wrote a
//! brief, [`crate::checks::check_brief`] runs on it before it is stored.

mod cards;
pub mod extractive;
pub(crate) mod memo;
pub mod model;
mod related;
mod render;
mod source_no;
mod text;

pub use related::{RelatedStory, StoryProfiles};
pub use render::to_markdown;
use source_no::SourceNo;

use crate::PipelineError;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use storyline_model::{Article, ArticleId, Brief, BriefEngine, KbEntity, Story, StoryId};
use storyline_store::Store;

/// Everything a writer may use for one story.
#[derive(Debug, Clone)]
pub struct BriefContext {
    pub story: Story,
    /// The articles the brief is written from, in publication order: every article of the
    /// story, wire copies included, up to [`BRIEF_ARTICLES`]; beyond that a selection (see
    /// [`brief_articles`]).
    pub articles: Vec<Article>,
    /// Every article of the story, selected or not: what the brief covers
    /// (`Brief::input_articles`), so that it is current until the membership changes.
    pub members: Vec<ArticleId>,
    /// Other stories that share entities and terms with this one, most related first.
    pub related: Vec<RelatedStory>,
    /// The time written into `generated_at` (injected so tests are reproducible).
    pub now: DateTime<Utc>,
    /// Knowledge-base entries for the names the coverage mentions (entity-card
    /// descriptions when the coverage gives no role).
    pub knowledge: Vec<KbEntity>,
}

/// A brief engine: `extractive` here; the language-model engines implement the same trait.
pub trait Generator {
    /// Who wrote the brief (recorded in it).
    fn engine(&self) -> BriefEngine;
    /// Writes a brief for the story. `version` and `checks` are filled in by the caller.
    fn write(&self, context: &BriefContext) -> Result<Brief, PipelineError>;
}

/// Entity names of a story looked up in the knowledge base, most mentioned first.
const KB_NAMES_LOOKED_UP: usize = 24;

/// What [`refresh_briefs`] did.
#[derive(Debug, Clone, Default)]
pub struct BriefReport {
    /// Stories that got a new brief version, with that version.
    pub written: Vec<(StoryId, u32)>,
    /// Stories whose brief was already current.
    pub unchanged: usize,
    /// Stories whose brief could not be written: one line each; the others still were.
    pub errors: Vec<String>,
    /// Seconds each written brief took (engine call and trust checks), in `written` order:
    /// the model latency of the model engines.
    pub write_seconds: Vec<f64>,
}

/// Which dirty stories a refresh visits.
#[derive(Debug, Clone, Copy)]
pub enum DirtyStories<'a> {
    /// Every dirty story, read at once: one process owns the store.
    All,
    /// Stories leased to `worker`, `batch` at a time ([`Store::lease_dirty_stories`]), so
    /// that workers sharing a store write different briefs. A batch is released once its
    /// briefs are written; a lease not released (the worker died) lapses after `lease`.
    Leased {
        worker: &'a str,
        batch: usize,
        lease: Duration,
    },
}

/// Writes a new brief version for every live story whose set of articles differs from the
/// input of its latest brief (or that has none yet). Stories are handled oldest first, so a
/// follow-up's "How we got here" can link to the earlier story's headline.
///
/// Only stories marked dirty are visited: the store marks a story in the transaction that
/// changes its membership ([`Store::dirty_stories`]), and a story is marked current once its
/// brief is written (or found current), unless it changed again meanwhile. So a refresh
/// costs the stories that changed, and a refresh with nothing new reads one index.
pub fn refresh_briefs(
    store: &mut dyn Store,
    writer: &dyn Generator,
    now: DateTime<Utc>,
) -> Result<BriefReport, PipelineError> {
    refresh_briefs_of(store, writer, now, DirtyStories::All)
}

/// [`refresh_briefs`] over the dirty stories `which` selects: all of them, or those this
/// worker can lease, until none is left that it has not tried.
pub fn refresh_briefs_of(
    store: &mut dyn Store,
    writer: &dyn Generator,
    now: DateTime<Utc>,
    which: DirtyStories<'_>,
) -> Result<BriefReport, PipelineError> {
    let mut refresh = Refresh::default();
    match which {
        DirtyStories::All => {
            let dirty = store.dirty_stories(usize::MAX)?;
            for batch in dirty.chunks(PROFILE_BATCH) {
                if crate::stop::requested() {
                    break;
                }
                refresh.write_batch(store, writer, now, batch)?;
            }
        }
        DirtyStories::Leased {
            worker,
            batch,
            lease,
        } => {
            // The mark each story had when this worker last tried it: a story that failed
            // comes back in the next lease with the same mark and is not tried again (it
            // stays dirty for the next refresh); one that changed meanwhile is.
            let mut tried: HashMap<StoryId, u64> = HashMap::new();
            while !crate::stop::requested() {
                let leased = store.lease_dirty_stories(worker, batch.max(1), lease, Utc::now())?;
                let fresh: Vec<(StoryId, u64)> = leased
                    .iter()
                    .filter(|(id, mark)| tried.get(id) != Some(mark))
                    .cloned()
                    .collect();
                let ids: Vec<StoryId> = leased.into_iter().map(|(id, _)| id).collect();
                if fresh.is_empty() {
                    store.release_stories(worker, &ids)?;
                    break;
                }
                tried.extend(fresh.iter().cloned());
                let written = refresh.write_batch(store, writer, now, &fresh);
                // Released whatever happened: a store error ends the refresh, and the
                // stories are better free for another worker than leased until expiry.
                let released = store.release_stories(worker, &ids);
                written?;
                released?;
            }
        }
    }
    let Refresh {
        report,
        written_ids,
        mut profiles,
    } = refresh;
    // Only now do the written stories' profiles take their new brief's lead: every brief of
    // this refresh saw the others as they were when it began.
    profiles.refresh_leads(store, &written_ids)?;
    Ok(report)
}

/// What a refresh has done so far.
#[derive(Default)]
struct Refresh {
    report: BriefReport,
    written_ids: Vec<StoryId>,
    profiles: StoryProfiles,
}

impl Refresh {
    /// Writes the briefs of one batch of dirty stories (with their dirty marks).
    fn write_batch(
        &mut self,
        store: &mut dyn Store,
        writer: &dyn Generator,
        now: DateTime<Utc>,
        batch: &[(StoryId, u64)],
    ) -> Result<(), PipelineError> {
        let mut stories = Vec::with_capacity(batch.len());
        for (id, mark) in batch {
            if let Some(story) = store.story(id)? {
                stories.push((story, *mark));
            }
        }
        let rows: Vec<Story> = stories.iter().map(|(story, _)| story.clone()).collect();
        let profiles = StoryProfiles::update(store, &rows)?;
        let report = &mut self.report;
        for (story, mark) in &stories {
            // Asked to stop: the stories not reached stay dirty for the next refresh.
            if crate::stop::requested() {
                break;
            }
            let Some(context) = story_context(&*store, story, &profiles, now, true)? else {
                report.unchanged += 1;
                store.mark_brief_current(&story.id, *mark)?;
                continue;
            };
            let started = std::time::Instant::now();
            match write_checked(writer, &context) {
                Ok(brief) => {
                    report.write_seconds.push(started.elapsed().as_secs_f64());
                    // The brief, its entity rows, the story named after its headline
                    // (clustering names a story after its first article until then) and
                    // the dirty mark cleared, in one transaction.
                    let version = store.save_written_brief(&brief, *mark)?;
                    report.written.push((story.id.clone(), version));
                    self.written_ids.push(story.id.clone());
                }
                // Left dirty: tried again at the next refresh.
                Err(err) => report.errors.push(format!("story {}: {err}", story.id)),
            }
        }
        self.profiles.extend(profiles);
        Ok(())
    }
}

/// Dirty stories profiled together (profiles are made from the stories' articles).
const PROFILE_BATCH: usize = 256;

/// The context a writer gets for `story`: its articles in publication order and its related
/// stories. With `only_if_changed`, `None` when the latest brief already covers exactly the
/// story's current articles.
pub fn story_context(
    store: &dyn Store,
    story: &Story,
    profiles: &StoryProfiles,
    now: DateTime<Utc>,
    only_if_changed: bool,
) -> Result<Option<BriefContext>, PipelineError> {
    let members = store.story_members(&story.id)?;
    let member_ids: BTreeSet<ArticleId> = members.iter().map(|m| m.article_id.clone()).collect();
    if only_if_changed && let Some(latest) = store.latest_brief(&story.id)? {
        let previous: BTreeSet<ArticleId> = latest.input_articles.iter().cloned().collect();
        if previous == member_ids {
            return Ok(None);
        }
    }
    let ids: Vec<ArticleId> = members.iter().map(|m| m.article_id.clone()).collect();
    let articles = read_brief_articles(store, &ids)?;
    // Most-mentioned names first; a story names a few dozen at most, and each lookup is one
    // indexed query.
    let mut knowledge: Vec<KbEntity> = Vec::new();
    for name in profiles
        .entity_names(&story.id)
        .iter()
        .take(KB_NAMES_LOOKED_UP)
    {
        for entry in store.kb_lookup(name)? {
            if !knowledge
                .iter()
                .any(|k| k.id == entry.id && k.source == entry.source)
            {
                knowledge.push(entry);
            }
        }
    }
    Ok(Some(BriefContext {
        story: story.clone(),
        articles,
        members: ids,
        related: profiles.related_to(store, &story.id, 6)?,
        now,
        knowledge,
    }))
}

/// The articles a brief of the story with these members is written from
/// ([`brief_articles`]), with their bodies, in publication order. Beyond
/// [`BRIEF_ARTICLES`] members the choice is made on their heads ([`Store::article_heads`]),
/// and only the chosen articles' bodies are read: a story's size costs a row per member,
/// not its texts.
pub fn read_brief_articles(
    store: &dyn Store,
    members: &[ArticleId],
) -> Result<Vec<Article>, PipelineError> {
    let by_publication = |a: &Article, b: &Article| {
        a.effective_time()
            .cmp(&b.effective_time())
            .then(a.id.cmp(&b.id))
    };
    if members.len() <= BRIEF_ARTICLES {
        let mut articles = store.articles(members)?;
        articles.sort_by(by_publication);
        return Ok(articles);
    }
    let mut heads = store.article_heads(members)?;
    heads.sort_by(by_publication);
    let chosen: Vec<ArticleId> = brief_articles(heads).into_iter().map(|a| a.id).collect();
    Ok(store.articles(&chosen)?)
}

/// Most articles a brief is written from. A long-running story gathers hundreds (the
/// synthetic stream of `bench/scale.sh` has events of 400 and more); reading them all would
/// make a story's every update cost more than the last, and a poll touching the big stories
/// of the day cost what the archive holds of them.
pub const BRIEF_ARTICLES: usize = 64;
/// Of those, the first reports of the story: how it began.
const FIRST_REPORTS: usize = 4;

/// The articles a brief is written from, out of a story's articles in publication order:
/// all of them up to [`BRIEF_ARTICLES`]; beyond, the originals before wire copies, and of
/// them the first reports, the latest report of each outlet (what each paper says now), the
/// newest reports, then reports spread evenly over the rest (how the story developed),
/// returned in publication order. Deterministic: the same articles give the same selection.
pub fn brief_articles(articles: Vec<Article>) -> Vec<Article> {
    if articles.len() <= BRIEF_ARTICLES {
        return articles;
    }
    let originals: Vec<usize> = (0..articles.len())
        .filter(|&i| articles[i].duplicate_of.is_none())
        .collect();
    let mut chosen = vec![false; articles.len()];
    if originals.len() <= BRIEF_ARTICLES {
        // Every original, then the newest copies.
        originals.iter().for_each(|&i| chosen[i] = true);
        let room = BRIEF_ARTICLES - originals.len();
        let newest_copies: Vec<usize> = (0..articles.len())
            .rev()
            .filter(|&i| !chosen[i])
            .take(room)
            .collect();
        newest_copies.into_iter().for_each(|i| chosen[i] = true);
    } else {
        // Marks article `i` chosen; true if it was not already.
        let take = |i: usize, chosen: &mut [bool]| !std::mem::replace(&mut chosen[i], true);
        let mut count = 0;
        for &i in originals.iter().take(FIRST_REPORTS) {
            count += usize::from(take(i, &mut chosen));
        }
        let mut outlets: BTreeSet<String> = BTreeSet::new();
        for &i in originals.iter().rev() {
            if count >= BRIEF_ARTICLES / 2 {
                break;
            }
            if outlets.insert(crate::cluster::outlet_key(&articles[i])) {
                count += usize::from(take(i, &mut chosen));
            }
        }
        for &i in originals.iter().rev() {
            if count >= BRIEF_ARTICLES * 3 / 4 {
                break;
            }
            count += usize::from(take(i, &mut chosen));
        }
        let rest: Vec<usize> = originals.iter().copied().filter(|&i| !chosen[i]).collect();
        let spread = BRIEF_ARTICLES.saturating_sub(count).min(rest.len());
        for step in 0..spread {
            chosen[rest[step * rest.len() / spread]] = true;
        }
    }
    articles
        .into_iter()
        .zip(chosen)
        .filter_map(|(article, keep)| keep.then_some(article))
        .collect()
}

/// Writes one brief and runs the trust checks on it: failing sentences are removed and
/// recorded, so a stored brief always carries its check report.
///
/// A brief may cite as stories only the story itself and the related stories it was given.
pub fn write_checked(
    writer: &dyn Generator,
    context: &BriefContext,
) -> Result<Brief, PipelineError> {
    let mut brief = writer.write(context)?;
    // A brief covers the whole story, though written from a selection of a long one.
    brief.input_articles = context.members.clone();
    let known_stories: BTreeSet<StoryId> = std::iter::once(context.story.id.clone())
        .chain(context.related.iter().map(|r| r.story.id.clone()))
        .collect();
    crate::checks::enforce(&mut brief, &context.articles, &known_stories);
    Ok(brief)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Report `n` of a story, by one of `outlets` outlets, `n` hours after the first; a wire
    /// copy of report 0 when `copy`.
    fn report(n: usize, outlets: usize, copy: bool) -> Article {
        let url = format!("https://outlet{}.example/news/{n}", n % outlets);
        Article {
            date_published: Some(
                Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap()
                    + chrono::Duration::hours(n as i64),
            ),
            content_hash: format!("hash-{n}"),
            duplicate_of: copy.then(|| ArticleId::from_url("https://outlet0.example/news/0")),
            ..crate::test_support::article(
                &url,
                &format!("Outlet {}", n % outlets),
                &format!("Report {n}"),
                &format!("Report {n} of the story."),
            )
        }
    }

    fn numbers(articles: &[Article]) -> Vec<usize> {
        articles
            .iter()
            .map(|a| a.headline["Report ".len()..].parse().unwrap())
            .collect()
    }

    #[test]
    fn a_short_story_is_written_from_every_article() {
        let articles: Vec<Article> = (0..BRIEF_ARTICLES)
            .map(|n| report(n, 5, n % 7 == 3))
            .collect();
        assert_eq!(
            numbers(&brief_articles(articles)),
            (0..BRIEF_ARTICLES).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_long_story_keeps_its_first_reports_every_outlets_latest_and_the_newest() {
        // 300 reports by 40 outlets, every tenth a wire copy.
        let articles: Vec<Article> = (0..300).map(|n| report(n, 40, n % 10 == 9)).collect();
        let chosen = brief_articles(articles.clone());
        let picked = numbers(&chosen);
        assert_eq!(chosen.len(), BRIEF_ARTICLES);
        assert!(
            picked.windows(2).all(|w| w[0] < w[1]),
            "in publication order"
        );
        assert!(
            chosen.iter().all(|a| a.duplicate_of.is_none()),
            "no wire copies"
        );
        assert_eq!(picked[..FIRST_REPORTS], [0, 1, 2, 3]);
        assert!(
            picked.contains(&298) && picked.contains(&297),
            "the newest reports"
        );
        // The newest original of each of the 32 outlets taken (half the selection).
        let latest_of_outlets: BTreeSet<String> = chosen
            .iter()
            .filter(|a| numbers(std::slice::from_ref(a))[0] >= 300 - 40)
            .map(|a| a.outlet.name.clone())
            .collect();
        assert!(latest_of_outlets.len() >= 28, "{latest_of_outlets:?}");
        // Spread over the middle: something from each third of the story.
        for third in 0..3 {
            assert!(picked.iter().any(|n| n / 100 == third), "{picked:?}");
        }
        assert_eq!(brief_articles(articles), chosen, "deterministic");
    }

    #[test]
    fn copies_fill_what_the_originals_leave() {
        // 70 reports, 60 of them copies: the 10 originals and the 54 newest copies.
        let articles: Vec<Article> = (0..70).map(|n| report(n, 5, n % 7 != 0)).collect();
        let chosen = brief_articles(articles);
        assert_eq!(chosen.len(), BRIEF_ARTICLES);
        assert_eq!(
            chosen.iter().filter(|a| a.duplicate_of.is_none()).count(),
            10
        );
        let picked = numbers(&chosen);
        assert!(!picked.contains(&1) && picked.contains(&69));
    }
}
