//! Copying a whole store into an empty one, whatever the two backends (`storyline migrate`:
//! mainly the SQLite file into PostgreSQL, but any direction works, since both sides are a
//! `dyn Store`).
//!
//! [`migrate`] reads the source through the paged listings of [`Store`] (`articles_after`,
//! `stories_after`, ...), a batch of [`DEFAULT_BATCH`] rows at a time, and writes each batch
//! into the target in one transaction, so memory holds one batch whatever the archive's
//! size and the cost per batch does not grow as the copy goes on. Rows are written through
//! the ordinary writes where those reproduce them exactly (feeds with their polling state,
//! articles in insertion order with their near-duplicate index entries, aliases, stories,
//! memberships, knowledge-base entries, story profiles), and through the `import_*` methods
//! where they cannot (brief versions, entity index rows, the clustering state's version,
//! dirty marks). The order follows the references: feeds, articles, aliases, the knowledge
//! base, stories, memberships, briefs, entity rows, profiles, the clustering state (its
//! counters last), and the dirty marks last of all (membership writes bump them).
//!
//! Two kinds of reference can point forward in the source's key order, and are written once
//! their target exists: an article whose `duplicate_of` names an article inserted after it
//! (a copy found to be the earlier publication; the link is set as soon as the original is
//! copied, so only such links still waiting are held in memory), and a story merged into a
//! story with a later id (stories are copied without those links first, then a second pass
//! over the stories sets them).
//!
//! Not copied: leases (held by running workers; none should run during a copy), story
//! change numbers and the data generation (each store numbers its own changes; readers of
//! the target start from its numbers), and insertion numbers themselves (the target numbers
//! the articles its own way, in the same order).
//!
//! The source must not be written to during the copy: pages are separate reads. At the end
//! [`verify_copy`] compares the two stores' counts and checks the target's invariants.

use crate::{NearDuplicateKey, Store, StoreError};
use std::collections::HashSet;
use storyline_model::{ArticleId, StoryId};

/// Rows per batch (and per transaction) of [`migrate`].
pub const DEFAULT_BATCH: usize = 1_000;

/// How far a copy has got, reported after each batch and when a kind of row is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationProgress {
    /// What is being copied ("articles", "brief versions", ...).
    pub kind: &'static str,
    /// How many of them so far.
    pub copied: u64,
    /// Whether this kind is finished.
    pub done: bool,
}

/// What [`migrate`] copied, and what [`verify_copy`] found afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    pub feeds: u64,
    pub articles: u64,
    /// Near-duplicate index entries (articles stored before the index have none).
    pub index_entries: u64,
    /// Copy links set after their original was copied (the copy was inserted first).
    pub forward_copy_links: u64,
    pub aliases: u64,
    pub kb_entries: u64,
    /// Stories, merged ones included.
    pub stories: u64,
    /// Merges set in the second pass (merged into a story with a later id).
    pub forward_merges: u64,
    pub memberships: u64,
    pub briefs: u64,
    pub story_entities: u64,
    pub story_profiles: u64,
    pub cluster_terms: u64,
    pub cluster_story_states: u64,
    /// The saved clustering state's version (0: none saved).
    pub cluster_state_version: u64,
    /// Stories whose brief is not current (the same in both stores).
    pub dirty_stories: u64,
    /// What differs between the two stores after the copy, and the target's broken
    /// invariants, one line each: empty when the copy is sound.
    pub problems: Vec<String>,
}

impl MigrationReport {
    /// The copied counts as `(kind, count)`, in copy order, for a summary.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("feeds", self.feeds),
            ("articles", self.articles),
            ("near-duplicate index entries", self.index_entries),
            ("article aliases", self.aliases),
            ("knowledge-base entries", self.kb_entries),
            ("stories", self.stories),
            ("memberships", self.memberships),
            ("brief versions", self.briefs),
            ("entity index rows", self.story_entities),
            ("story profiles", self.story_profiles),
            ("clustering terms", self.cluster_terms),
            ("clustering story states", self.cluster_story_states),
            ("dirty stories", self.dirty_stories),
        ]
    }
}

/// Why a copy did not start or broke off.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The target holds data: a copy never writes over or beside it.
    #[error("it is not empty (it holds {0}); migrate copies into an empty store only")]
    TargetNotEmpty(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `store` holds that makes it unfit as a copy's target ("3 feeds, 1200 articles"),
/// or `None` when it is empty.
pub fn target_contents(store: &dyn Store) -> Result<Option<String>, StoreError> {
    let counts = store.counts()?;
    let mut held = Vec::new();
    let mut note = |count: u64, what: &str| {
        if count > 0 {
            held.push(format!("{count} {what}"));
        }
    };
    note(counts.feeds, "feeds");
    note(counts.articles, "articles");
    // Merged stories are not counted as stories: look for any row.
    let stories = if counts.stories > 0 {
        counts.stories
    } else {
        store.stories_after(None, 1)?.len() as u64
    };
    note(stories, "stories");
    note(counts.briefs, "brief versions");
    note(store.kb_count()? as u64, "knowledge-base entries");
    if store.cluster_state_version()? > 0 {
        held.push("a saved clustering state".to_string());
    }
    Ok((!held.is_empty()).then(|| held.join(", ")))
}

/// Copies everything `from` holds into the empty store `to`, [`DEFAULT_BATCH`] rows per
/// transaction, calling `progress` after each batch; then [`verify_copy`]. A target that is
/// not empty is refused before anything is written.
pub fn migrate(
    from: &dyn Store,
    to: &mut dyn Store,
    progress: &mut dyn FnMut(MigrationProgress),
) -> Result<MigrationReport, MigrateError> {
    migrate_in_batches(from, to, DEFAULT_BATCH, progress)
}

/// [`migrate`] with `batch` rows per transaction (at least 1): small batches let tests cross
/// many page boundaries.
pub fn migrate_in_batches(
    from: &dyn Store,
    to: &mut dyn Store,
    batch: usize,
    progress: &mut dyn FnMut(MigrationProgress),
) -> Result<MigrationReport, MigrateError> {
    if let Some(held) = target_contents(to)? {
        return Err(MigrateError::TargetNotEmpty(held));
    }
    let mut copy = Copier {
        from,
        to,
        batch: batch.max(1),
        progress,
    };
    let mut report = MigrationReport {
        feeds: copy.feeds()?,
        ..MigrationReport::default()
    };
    copy.articles(&mut report)?;
    report.aliases = copy.aliases()?;
    report.kb_entries = copy.kb_entries()?;
    copy.stories(&mut report)?;
    report.memberships = copy.memberships()?;
    report.briefs = copy.briefs()?;
    report.story_entities = copy.story_entities()?;
    report.story_profiles = copy.story_profiles()?;
    copy.cluster_state(&mut report)?;
    report.dirty_stories = copy.dirty_marks()?;
    report.problems = verify_copy(from, to)?;
    Ok(report)
}

/// What differs between `from` and its copy `to` (feeds, articles, live stories, brief
/// versions, knowledge-base entries, the clustering state's version), then each invariant
/// the copy breaks ([`Store::check_invariants`]), one line each; empty when they agree.
pub fn verify_copy(from: &dyn Store, to: &dyn Store) -> Result<Vec<String>, StoreError> {
    let (source, target) = (from.counts()?, to.counts()?);
    let compared = [
        ("feeds", source.feeds, target.feeds),
        ("articles", source.articles, target.articles),
        ("live stories", source.stories, target.stories),
        ("brief versions", source.briefs, target.briefs),
        (
            "knowledge-base entries",
            from.kb_count()? as u64,
            to.kb_count()? as u64,
        ),
        (
            "clustering state version",
            from.cluster_state_version()?,
            to.cluster_state_version()?,
        ),
    ];
    let mut problems: Vec<String> = compared
        .into_iter()
        .filter(|(_, source, target)| source != target)
        .map(|(what, source, target)| {
            format!("{what}: {source} in the source, {target} in the target")
        })
        .collect();
    for violation in to.check_invariants()? {
        problems.push(format!(
            "the target breaks {}: {}",
            violation.check, violation.detail
        ));
    }
    Ok(problems)
}

/// One copy in progress.
struct Copier<'a> {
    from: &'a dyn Store,
    to: &'a mut dyn Store,
    batch: usize,
    progress: &'a mut dyn FnMut(MigrationProgress),
}

impl Copier<'_> {
    fn report(&mut self, kind: &'static str, copied: u64, done: bool) {
        (self.progress)(MigrationProgress { kind, copied, done });
    }

    /// Feeds with their polling state (`add_feed` writes every field). Feeds are few: they
    /// are read in one list.
    fn feeds(&mut self) -> Result<u64, StoreError> {
        let mut copied = 0;
        for feed in self.from.feeds()? {
            self.to.add_feed(&feed)?;
            copied += 1;
        }
        self.report("feeds", copied, true);
        Ok(copied)
    }

    /// Articles in insertion order, each batch in one transaction with its near-duplicate
    /// index entries; copy links that point forward wait for their original.
    fn articles(&mut self, report: &mut MigrationReport) -> Result<(), StoreError> {
        let kind = "articles";
        let mut after = 0;
        // (copy, original) links whose original is not copied yet.
        let mut waiting: Vec<(ArticleId, ArticleId)> = Vec::new();
        loop {
            let page = self.from.articles_after(after, self.batch)?;
            let Some(&(last, _)) = page.last() else {
                break;
            };
            after = last;
            let mut articles: Vec<_> = page.into_iter().map(|(_, article)| article).collect();
            let ids: Vec<ArticleId> = articles.iter().map(|a| a.id.clone()).collect();
            let keys = self.from.near_duplicate_keys(&ids)?;
            let in_page: HashSet<&ArticleId> = ids.iter().collect();
            for article in &mut articles {
                let Some(original) = &article.duplicate_of else {
                    continue;
                };
                if !in_page.contains(original) && !self.to.has_article(original)? {
                    waiting.push((article.id.clone(), original.clone()));
                    article.duplicate_of = None;
                }
            }
            // Entries travel with the insert up to the first article without one (the
            // insert takes keys for a prefix of its articles); the others follow.
            let leading = keys.iter().take_while(|key| key.is_some()).count();
            let with_insert: Vec<NearDuplicateKey> =
                keys[..leading].iter().flatten().cloned().collect();
            let inserted = self.to.insert_articles_indexed(&articles, &with_insert)?;
            report.articles += inserted.iter().filter(|new| **new).count() as u64;
            let later: Vec<(ArticleId, NearDuplicateKey)> = ids[leading..]
                .iter()
                .zip(&keys[leading..])
                .filter_map(|(id, key)| key.clone().map(|key| (id.clone(), key)))
                .collect();
            if !later.is_empty() {
                self.to.index_near_duplicates(&later)?;
            }
            report.index_entries += (with_insert.len() + later.len()) as u64;
            let (arrived, still): (Vec<_>, Vec<_>) = waiting
                .into_iter()
                .partition(|(_, original)| in_page.contains(original));
            waiting = still;
            for (copy, original) in arrived {
                self.to.set_duplicate_of(&copy, &original)?;
                report.forward_copy_links += 1;
            }
            self.report(kind, report.articles, false);
        }
        if let Some((copy, original)) = waiting.first() {
            return Err(StoreError::NotFound {
                what: format!(
                    "article {original} in the source (duplicate_of of article {copy}; was \
                     the source written to during the copy?)"
                ),
            });
        }
        self.report(kind, report.articles, true);
        Ok(())
    }

    fn aliases(&mut self) -> Result<u64, StoreError> {
        let kind = "article aliases";
        let (mut after, mut copied) = (None::<ArticleId>, 0);
        loop {
            let page = self
                .from
                .article_aliases_after(after.as_ref(), self.batch)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            self.to.add_article_aliases(&page)?;
            copied += page.len() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(copied)
    }

    fn kb_entries(&mut self) -> Result<u64, StoreError> {
        let kind = "knowledge-base entries";
        let (mut after, mut copied) = (None::<(String, String)>, 0);
        loop {
            let key = after.as_ref().map(|(s, i)| (s.as_str(), i.as_str()));
            let page = self.from.kb_entities_after(key, self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some((last.source.clone(), last.id.clone()));
            self.to.upsert_kb_entities(&page)?;
            copied += page.len() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(copied)
    }

    /// Stories by id. A merge into a story of a later page is left out of the first pass
    /// (the story it names does not exist yet) and set by a second pass over the stories.
    fn stories(&mut self, report: &mut MigrationReport) -> Result<(), StoreError> {
        let kind = "stories";
        let mut after: Option<StoryId> = None;
        loop {
            let mut page = self.from.stories_after(after.as_ref(), self.batch)?;
            let Some(last) = page.last().map(|story| story.id.clone()) else {
                break;
            };
            for story in &mut page {
                if story
                    .merged_into
                    .as_ref()
                    .is_some_and(|target| target.as_str() > last.as_str())
                {
                    story.merged_into = None;
                    report.forward_merges += 1;
                }
            }
            self.to.save_stories(&page, &[])?;
            report.stories += page.len() as u64;
            after = Some(last);
            self.report(kind, report.stories, false);
        }
        if report.forward_merges > 0 {
            // Every story merged into a later id: a superset of those left out, and saving
            // one again with the same fields changes nothing.
            let mut after: Option<StoryId> = None;
            loop {
                let page = self.from.stories_after(after.as_ref(), self.batch)?;
                let Some(last) = page.last().map(|story| story.id.clone()) else {
                    break;
                };
                let merged: Vec<_> = page
                    .into_iter()
                    .filter(|story| {
                        story
                            .merged_into
                            .as_ref()
                            .is_some_and(|target| target.as_str() > story.id.as_str())
                    })
                    .collect();
                if !merged.is_empty() {
                    self.to.save_stories(&merged, &[])?;
                }
                after = Some(last);
            }
        }
        self.report(kind, report.stories, true);
        Ok(())
    }

    fn memberships(&mut self) -> Result<u64, StoreError> {
        let kind = "memberships";
        let (mut after, mut copied) = (None::<ArticleId>, 0);
        loop {
            let page = self.from.memberships_after(after.as_ref(), self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.article_id.clone());
            self.to.save_stories(&[], &page)?;
            copied += page.len() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(copied)
    }

    fn briefs(&mut self) -> Result<u64, StoreError> {
        let kind = "brief versions";
        let (mut after, mut copied) = (None::<(StoryId, u32)>, 0);
        loop {
            let key = after.as_ref().map(|(story, version)| (story, *version));
            let page = self.from.briefs_after(key, self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some((last.story_id.clone(), last.version));
            self.to.import_briefs(&page)?;
            copied += page.len() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(copied)
    }

    fn story_entities(&mut self) -> Result<u64, StoreError> {
        let kind = "entity index rows";
        let (mut after, mut copied) = (None::<(StoryId, String)>, 0);
        loop {
            let key = after
                .as_ref()
                .map(|(story, entity)| (story, entity.as_str()));
            let page = self.from.story_entities_after(key, self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some((last.story.clone(), last.entity_id.clone()));
            self.to.import_story_entities(&page)?;
            copied += page.len() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(copied)
    }

    /// Profiles with their keys, one transaction each (`save_story_profile` writes one
    /// story's), after the stories' merges are set: a backend may keep no keys for a merged
    /// story.
    fn story_profiles(&mut self) -> Result<u64, StoreError> {
        let kind = "story profiles";
        let (mut after, mut copied) = (None::<StoryId>, 0);
        loop {
            let page = self.from.story_profiles_after(after.as_ref(), self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.story.clone());
            for profile in &page {
                self.to.save_story_profile(profile)?;
            }
            copied += page.len() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(copied)
    }

    /// The vocabulary and every story's state, resident or not, then the counters with the
    /// source's version: until those are written the target has no saved state, so a copy
    /// broken off halfway is never loaded as a whole one.
    fn cluster_state(&mut self, report: &mut MigrationReport) -> Result<(), StoreError> {
        let mut after: Option<u32> = None;
        loop {
            let page = self.from.cluster_terms_after(after, self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.id);
            self.to.import_cluster_state(&page, &[], None)?;
            report.cluster_terms += page.len() as u64;
            self.report("clustering terms", report.cluster_terms, false);
        }
        self.report("clustering terms", report.cluster_terms, true);
        let mut after: Option<StoryId> = None;
        loop {
            let page = self
                .from
                .cluster_story_states_after(after.as_ref(), self.batch)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.story.clone());
            self.to.import_cluster_state(&[], &page, None)?;
            report.cluster_story_states += page.len() as u64;
            self.report(
                "clustering story states",
                report.cluster_story_states,
                false,
            );
        }
        self.report("clustering story states", report.cluster_story_states, true);
        if let Some((version, meta)) = self.from.cluster_state_meta()? {
            self.to
                .import_cluster_state(&[], &[], Some((version, &meta)))?;
            report.cluster_state_version = version;
        }
        Ok(())
    }

    /// Every story's dirty mark, as the source holds it: last, since copying memberships
    /// bumped the target's.
    fn dirty_marks(&mut self) -> Result<u64, StoreError> {
        let kind = "dirty marks";
        let (mut after, mut copied, mut dirty) = (None::<StoryId>, 0, 0);
        loop {
            let page = self
                .from
                .brief_dirty_marks_after(after.as_ref(), self.batch)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            self.to.import_brief_dirty_marks(&page)?;
            copied += page.len() as u64;
            dirty += page.iter().filter(|(_, mark)| *mark != 0).count() as u64;
            self.report(kind, copied, false);
        }
        self.report(kind, copied, true);
        Ok(dirty)
    }
}
