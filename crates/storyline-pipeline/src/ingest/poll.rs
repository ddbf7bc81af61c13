//! Polling feeds ([`poll_feeds`]): many feeds and pages fetched at once within bounds
//! ([`PollLimits`]), each feed's new articles stored as soon as that feed is done.
//!
//! One poll is a small scheduler over two kinds of task: fetching a feed, and fetching one
//! new item's page. Feeds are started in subscription order and get the free request slots
//! first; item pages share what is left, at most [`PollLimits::per_feed_concurrency`] per
//! feed, so one feed with a hundred slow pages cannot take every slot. Per-host politeness
//! is the fetcher's (a minimum gap between requests to one host). Each feed has a time
//! budget from its first request, and the poll has one overall: a task still running when
//! its budget ends is cut off, items not yet started are left for the next poll, and the
//! feed is reported as cut off. At most [`PollLimits::max_items_per_feed`] new items of a
//! feed are read per poll; the rest wait for the next.
//!
//! Invariants: only the scheduler touches the store, and only between tasks (tasks borrow
//! the fetcher alone); a feed's articles are stored in one transaction when the feed is done,
//! before its poll state; a feed's validators (ETag, Last-Modified) are saved only when every
//! new item it listed was read, so a feed cut off or capped is fetched whole again next time
//! and its remaining items are found; items already stored, or taken by another feed of the
//! same poll, are not fetched again.

use super::import::cut_to_cap;
use super::{MAX_TITLE_BYTES, check_dates, first_words, quoted, repair_text, store_batch};
use crate::PipelineError;
use crate::dedupe::{Deduper, canonicalize_url};
use chrono::{DateTime, Utc};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use storyline_extract::extract;
use storyline_fetch::{
    FailureKind, FeedItem, FetchError, FetchOutcome, Fetcher, ItemFailure, Validators, parse_feed,
};
use storyline_model::{Article, ArticleId, ExtractionStatus, Feed, Outlet, OutletHints};
use storyline_store::Store;
use tokio::time::Instant;

/// Bounds of one poll. `Default` suits a few hundred feeds polled every 15 minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollLimits {
    /// Requests in flight at once over all feeds (default 8).
    pub concurrency: usize,
    /// Item pages of one feed in flight at once (default 2): one feed's slow pages can hold
    /// at most this many of the slots.
    pub per_feed_concurrency: usize,
    /// Longest one feed may take from its first request, its item pages included (default
    /// 2 minutes); the items not read by then are read at the next poll.
    pub feed_budget: Duration,
    /// Longest a whole poll may take (default 10 minutes, under the default 15-minute
    /// interval of `storyline run`).
    pub run_budget: Duration,
    /// Most new items of one feed read per poll (default 50); the rest at the next poll.
    pub max_items_per_feed: usize,
}

impl Default for PollLimits {
    fn default() -> Self {
        PollLimits {
            concurrency: 8,
            per_feed_concurrency: 2,
            feed_budget: Duration::from_secs(120),
            run_budget: Duration::from_secs(600),
            max_items_per_feed: 50,
        }
    }
}

/// What one poll of the feeds did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchReport {
    pub feeds: usize,
    pub not_modified: usize,
    pub new_articles: usize,
    /// New articles stored with the feed's summary because their page was unusable.
    pub summary_only: usize,
    pub copies: usize,
    /// New items left for the next poll (over the per-feed cap, or cut off by a budget).
    pub deferred_items: usize,
    /// One per failed feed, page or item, and per feed cut off by its budget.
    pub errors: Vec<ItemFailure>,
    /// Changes made to accepted items, one line each (`URL: what`): a date in the future
    /// taken as the fetch time, a date before any news treated as unknown, items deferred.
    pub notes: Vec<String>,
}

/// Progress of a poll, for a progress bar or log lines.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Polling starts on `total` feeds.
    Start { total: usize },
    /// One feed is done, and its new articles are stored.
    FeedDone {
        url: String,
        new_articles: usize,
        error: Option<String>,
    },
}

/// Polls every stored feed once, within `limits`: conditional GET, parse, then fetch and
/// extract each new item's page (falling back to the feed's summary); each feed's new
/// articles are stored as soon as it is done, oldest first, then its poll state.
pub async fn poll_feeds(
    store: &mut dyn Store,
    fetcher: &Fetcher,
    limits: &PollLimits,
    now: DateTime<Utc>,
    progress: &dyn Fn(Progress),
) -> Result<FetchReport, PipelineError> {
    let feeds = off_runtime(|| {
        let store: &mut dyn Store = store;
        store.feeds()
    })?;
    poll_these_feeds(store, feeds, fetcher, limits, now, progress).await
}

/// [`poll_feeds`] for the given feeds only (the ones a worker leased): each is polled once,
/// and its poll state stored, as [`poll_feeds`] does for every stored feed.
pub async fn poll_these_feeds(
    store: &mut dyn Store,
    feeds: Vec<Feed>,
    fetcher: &Fetcher,
    limits: &PollLimits,
    now: DateTime<Utc>,
    progress: &dyn Fn(Progress),
) -> Result<FetchReport, PipelineError> {
    let mut poll = Poll {
        feeds: feeds.into_iter().map(FeedPoll::new).collect(),
        limits: limits.clone(),
        now,
        run_deadline: Instant::now() + limits.run_budget,
        report: FetchReport::default(),
        deduper: off_runtime(|| Deduper::for_store(store))?,
        taken: HashSet::new(),
        next_feed: 0,
        next_item_feed: 0,
    };
    poll.report.feeds = poll.feeds.len();
    progress(Progress::Start {
        total: poll.feeds.len(),
    });
    let mut tasks: FuturesUnordered<Task<'_>> = FuturesUnordered::new();
    loop {
        if crate::stop::requested() {
            // Requests in flight are dropped; what the feeds read so far is stored below.
            drop(tasks);
            poll.stop_now();
            break;
        }
        poll.start_tasks(fetcher, &mut tasks, store)?;
        let done = tokio::select! {
            done = tasks.next() => done,
            () = crate::stop::requested_soon() => continue,
        };
        let Some(done) = done else {
            break;
        };
        poll.task_done(done, store)?;
        poll.finish_done_feeds(store, progress)?;
    }
    // Feeds whose budget ran out before their items could start.
    poll.finish_done_feeds(store, progress)?;
    Ok(poll.report)
}

/// A running task: fetching a feed or an item's page.
type Task<'a> = Pin<Box<dyn Future<Output = TaskDone> + 'a>>;

/// What a task came back with.
enum TaskDone {
    Feed {
        feed: usize,
        outcome: Result<FetchOutcome, ItemFailure>,
    },
    Item {
        feed: usize,
        item: Box<FeedItem>,
        /// The article, with the reason it only has the feed's summary; or why the item
        /// was skipped. Boxed: an article is large beside the other variant.
        outcome: Box<Result<(Article, Option<ItemFailure>), ItemFailure>>,
    },
}

/// Where a feed is in the poll.
#[derive(Debug, PartialEq, Eq)]
enum Stage {
    Waiting,
    FetchingFeed,
    /// The feed is read; its new items are being fetched.
    Items,
    /// Stored and recorded.
    Finished,
}

/// One feed's state during the poll.
struct FeedPoll {
    feed: Feed,
    stage: Stage,
    deadline: Option<Instant>,
    /// The budget that set `deadline`, for reports: "the feed's 2 minutes budget" or "the
    /// poll's 10 minutes budget", whichever ends first.
    budget: String,
    pending: VecDeque<FeedItem>,
    in_flight: usize,
    articles: Vec<ItemArticle>,
    /// Why the feed failed as a whole.
    failure: Option<ItemFailure>,
    /// New items not read this poll (over the cap or out of time).
    deferred: usize,
    /// The new validators, saved only when no item was deferred.
    validators: Option<Validators>,
}

impl FeedPoll {
    fn new(feed: Feed) -> FeedPoll {
        FeedPoll {
            feed,
            stage: Stage::Waiting,
            deadline: None,
            budget: String::new(),
            pending: VecDeque::new(),
            in_flight: 0,
            articles: Vec::new(),
            failure: None,
            deferred: 0,
            validators: None,
        }
    }
}

/// A new article and the ids its feed item is known by (link and guid).
struct ItemArticle {
    article: Article,
    feed_item_ids: Vec<ArticleId>,
}

/// The scheduler's state.
struct Poll {
    feeds: Vec<FeedPoll>,
    limits: PollLimits,
    now: DateTime<Utc>,
    run_deadline: Instant,
    report: FetchReport,
    deduper: Deduper,
    /// Ids of the items taken by a feed this poll, so another feed listing the same article
    /// does not fetch it again.
    taken: HashSet<ArticleId>,
    /// The next feed to start.
    next_feed: usize,
    /// Where the round-robin over feeds' items resumes.
    next_item_feed: usize,
}

impl Poll {
    /// Starts tasks while request slots are free: feeds first, in subscription order, then
    /// item pages round-robin over the feeds that have some, each feed below its own limit.
    /// Items of a feed whose budget has run out are deferred instead.
    fn start_tasks<'a>(
        &mut self,
        fetcher: &'a Fetcher,
        tasks: &mut FuturesUnordered<Task<'a>>,
        store: &mut dyn Store,
    ) -> Result<(), PipelineError> {
        let now = Instant::now();
        self.defer_items_out_of_time(now);
        while tasks.len() < self.limits.concurrency.max(1) {
            if self.next_feed < self.feeds.len() {
                let index = self.next_feed;
                self.next_feed += 1;
                tasks.push(self.start_feed(fetcher, index, now));
                continue;
            }
            let Some(index) = self.next_feed_with_items() else {
                break;
            };
            let Some(item) = self.take_new_item(index, store)? else {
                continue;
            };
            tasks.push(self.start_item(fetcher, index, item));
        }
        Ok(())
    }

    fn start_feed<'a>(&mut self, fetcher: &'a Fetcher, index: usize, now: Instant) -> Task<'a> {
        let state = &mut self.feeds[index];
        state.stage = Stage::FetchingFeed;
        let feed_deadline = now + self.limits.feed_budget;
        let (deadline, budget) = if self.run_deadline < feed_deadline {
            let budget = describe_duration(self.limits.run_budget);
            (self.run_deadline, format!("the poll's {budget} budget"))
        } else {
            let budget = describe_duration(self.limits.feed_budget);
            (feed_deadline, format!("the feed's {budget} budget"))
        };
        state.deadline = Some(deadline);
        state.budget = budget.clone();
        let url = state.feed.url.clone();
        let validators = Validators::from_feed(&state.feed);
        Box::pin(async move {
            let fetched = tokio::time::timeout_at(deadline, fetcher.get(&url, &validators)).await;
            let outcome = match fetched {
                Ok(Ok(outcome)) => Ok(outcome),
                Ok(Err(error)) => Err(error.to_failure(&url)),
                Err(_elapsed) => Err(out_of_time(&url, &budget)),
            };
            TaskDone::Feed {
                feed: index,
                outcome,
            }
        })
    }

    fn start_item<'a>(&mut self, fetcher: &'a Fetcher, index: usize, item: FeedItem) -> Task<'a> {
        let state = &mut self.feeds[index];
        state.in_flight += 1;
        let deadline = state.deadline.unwrap_or(self.run_deadline);
        let feed = state.feed.clone();
        let now = self.now;
        let budget = state.budget.clone();
        Box::pin(async move {
            let fetched =
                tokio::time::timeout_at(deadline, article_from_item(fetcher, &feed, &item, now))
                    .await
                    .map(|built| built.map(|(article, failure)| (repair_text(article), failure)));
            let outcome = fetched.unwrap_or_else(|_elapsed| {
                Err(out_of_time(
                    item.url.as_deref().unwrap_or(&item.id),
                    &budget,
                ))
            });
            TaskDone::Item {
                feed: index,
                item: Box::new(item),
                outcome: Box::new(outcome),
            }
        })
    }

    /// The next feed, round-robin, with an item waiting and a free slot of its own.
    fn next_feed_with_items(&mut self) -> Option<usize> {
        let count = self.feeds.len();
        for step in 0..count {
            let index = (self.next_item_feed + step) % count;
            let state = &self.feeds[index];
            if state.stage == Stage::Items
                && !state.pending.is_empty()
                && state.in_flight < self.limits.per_feed_concurrency.max(1)
            {
                self.next_item_feed = (index + 1) % count;
                return Some(index);
            }
        }
        None
    }

    /// The feed's next item not yet stored nor taken by another feed; `None` when the item
    /// at the front was skipped for that reason.
    fn take_new_item(
        &mut self,
        index: usize,
        store: &mut dyn Store,
    ) -> Result<Option<FeedItem>, PipelineError> {
        let Some(item) = self.feeds[index].pending.pop_front() else {
            return Ok(None);
        };
        let ids = feed_item_ids(&item);
        for id in &ids {
            if self.taken.contains(id)
                || off_runtime(|| {
                    let store: &mut dyn Store = store;
                    store.has_article(id)
                })?
            {
                return Ok(None);
            }
        }
        self.taken.extend(ids);
        Ok(Some(item))
    }

    /// A stop was asked for and the requests in flight dropped: every feed that was reading
    /// its items leaves the rest (waiting or dropped) for the next poll, which fetches the
    /// feed whole (no validators are saved for a feed with items left). Feeds not yet read
    /// are left untouched, to be polled next time.
    fn stop_now(&mut self) {
        for state in &mut self.feeds {
            if state.stage == Stage::Items {
                state.deferred += state.pending.len() + state.in_flight;
                state.pending.clear();
                state.in_flight = 0;
            }
        }
    }

    /// Leaves the waiting items of every feed whose budget has run out for the next poll.
    fn defer_items_out_of_time(&mut self, now: Instant) {
        for state in &mut self.feeds {
            if state.deadline.is_some_and(|deadline| deadline <= now) && !state.pending.is_empty() {
                state.deferred += state.pending.len();
                state.pending.clear();
            }
        }
    }

    /// Takes in what a task came back with.
    fn task_done(&mut self, done: TaskDone, store: &mut dyn Store) -> Result<(), PipelineError> {
        match done {
            TaskDone::Feed { feed, outcome } => self.feed_fetched(feed, outcome, store),
            TaskDone::Item {
                feed,
                item,
                outcome,
            } => {
                let state = &mut self.feeds[feed];
                state.in_flight -= 1;
                match *outcome {
                    Ok((mut article, page_failure)) => {
                        if let Some(failure) = page_failure {
                            self.report.summary_only += 1;
                            self.report.errors.push(failure);
                        }
                        let url = article.url.clone();
                        // A page's or feed's "headline" of a megabyte is a mistake or an attack;
                        // it would be shown whole wherever the story is listed.
                        let cut = cut_to_cap(&mut article.headline, MAX_TITLE_BYTES, "headline");
                        self.report.notes.extend(
                            cut.into_iter()
                                .chain(check_dates(&mut article, self.now))
                                .map(|note| format!("{url}: {note}")),
                        );
                        state.articles.push(ItemArticle {
                            article,
                            feed_item_ids: feed_item_ids(&item),
                        });
                    }
                    Err(failure) if failure.kind == FailureKind::Budget => {
                        state.deferred += 1;
                    }
                    Err(failure) => self.report.errors.push(failure),
                }
                Ok(())
            }
        }
    }

    /// A feed's body arrived (or did not): parse it and queue its new items.
    fn feed_fetched(
        &mut self,
        index: usize,
        outcome: Result<FetchOutcome, ItemFailure>,
        store: &mut dyn Store,
    ) -> Result<(), PipelineError> {
        let state = &mut self.feeds[index];
        state.stage = Stage::Items;
        let body = match outcome {
            Ok(FetchOutcome::NotModified) => {
                self.report.not_modified += 1;
                return Ok(());
            }
            Ok(FetchOutcome::Fetched(body)) => body,
            Err(failure) => {
                state.failure = Some(failure);
                return Ok(());
            }
        };
        let feed_url = state.feed.url.clone();
        let parsed = guarded(&feed_url, "feed parser", || {
            parse_feed(&feed_url, &body.body, body.content_type.as_deref())
                .map_err(|error| error.to_failure(&feed_url))
        });
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(failure) => {
                state.failure = Some(failure);
                return Ok(());
            }
        };
        if parsed.title.is_some() {
            state.feed.title = parsed.title.clone();
        }
        let mut new_items = Vec::new();
        // An item listed twice (the same link or guid) is one item.
        let mut listed: HashSet<ArticleId> = HashSet::new();
        for item in parsed.items {
            let ids = feed_item_ids(&item);
            let repeated = !ids.is_empty() && ids.iter().all(|id| listed.contains(id));
            listed.extend(ids);
            if !repeated && !already_stored(store, &item)? {
                new_items.push(item);
            }
        }
        let cap = self.limits.max_items_per_feed;
        if new_items.len() > cap {
            let left = new_items.len() - cap;
            state.deferred += left;
            self.report.notes.push(format!(
                "{}: {} new items, {cap} read this poll and {left} left for the next",
                state.feed.url,
                new_items.len()
            ));
            // Feeds list their newest items first: those are read now.
            new_items.truncate(cap);
        }
        state.pending = new_items.into();
        state.validators = Some(Validators {
            etag: body.etag,
            last_modified: body.last_modified,
        });
        Ok(())
    }

    /// Stores and records every feed that has nothing left to do.
    fn finish_done_feeds(
        &mut self,
        store: &mut dyn Store,
        progress: &dyn Fn(Progress),
    ) -> Result<(), PipelineError> {
        for index in 0..self.feeds.len() {
            let state = &self.feeds[index];
            let done =
                state.stage == Stage::Items && state.pending.is_empty() && state.in_flight == 0;
            if done {
                self.finish_feed(index, store, progress)?;
            }
        }
        Ok(())
    }

    /// Stores a done feed's articles in one transaction, then its poll state.
    fn finish_feed(
        &mut self,
        index: usize,
        store: &mut dyn Store,
        progress: &dyn Fn(Progress),
    ) -> Result<(), PipelineError> {
        let state = &mut self.feeds[index];
        state.stage = Stage::Finished;
        let found = std::mem::take(&mut state.articles);
        let aliases: Vec<(ArticleId, ArticleId)> = found
            .iter()
            .flat_map(|found| {
                let stored_as = &found.article.id;
                found
                    .feed_item_ids
                    .iter()
                    .filter(move |alias| *alias != stored_as)
                    .map(move |alias| (alias.clone(), stored_as.clone()))
            })
            .collect();
        let articles: Vec<Article> = found.into_iter().map(|found| found.article).collect();
        let deduper = &mut self.deduper;
        let (new, copies) = off_runtime(|| store_batch(store, deduper, articles))?;
        self.report.new_articles += new;
        self.report.copies += copies;
        // The item's own link and guid become aliases of the stored article, so the next poll
        // knows the item even when its link is a tracking redirect to the canonical page.
        off_runtime(|| store.add_article_aliases(&aliases))?;

        let state = &mut self.feeds[index];
        if state.deferred > 0 && state.failure.is_none() {
            self.report.deferred_items += state.deferred;
            if state
                .deadline
                .is_some_and(|deadline| deadline <= Instant::now())
            {
                state.failure = Some(ItemFailure::new(
                    state.feed.url.clone(),
                    FailureKind::Budget,
                    format!(
                        "{}: cut off by {} with {} new items not read; they are read at the next poll",
                        state.feed.url, state.budget, state.deferred
                    ),
                ));
            }
        }
        let feed = &mut state.feed;
        feed.last_fetched_at = Some(self.now);
        match &state.failure {
            Some(failure) => {
                feed.error_count = feed.error_count.saturating_add(1);
                feed.last_error = Some(failure.message.clone());
                self.report.errors.push(failure.clone());
            }
            None => {
                feed.error_count = 0;
                feed.last_error = None;
            }
        }
        // Validators only once everything the feed listed is read: a feed cut off or capped
        // must be fetched whole at the next poll to find the items it still lists.
        if state.deferred == 0
            && let Some(validators) = state.validators.take()
        {
            feed.etag = validators.etag;
            feed.last_modified = validators.last_modified;
        }
        // Saved after its articles: a crash in between means the next poll fetches the feed
        // again instead of skipping its items.
        off_runtime(|| store.update_feed_state(feed))?;
        progress(Progress::FeedDone {
            url: feed.url.clone(),
            new_articles: new,
            error: state
                .failure
                .as_ref()
                .map(|failure| failure.message.clone()),
        });
        Ok(())
    }
}

/// Runs a parser over fetched bytes, turning a panic into a failure of this input: the
/// parsers (feed-rs, quick-xml, html5ever) are third-party code fed hostile bytes, and one
/// feed must never take the poll down. The panic is still printed, as a bug to report.
fn guarded<T>(
    url: &str,
    parser: &str,
    parse: impl FnOnce() -> Result<T, ItemFailure>,
) -> Result<T, ItemFailure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(|_panic| {
        Err(ItemFailure::new(
            url,
            FailureKind::Malformed,
            format!("{url}: the {parser} failed on this input (a bug worth reporting)"),
        ))
    })
}

fn out_of_time(url: &str, budget: &str) -> ItemFailure {
    ItemFailure::new(
        url,
        FailureKind::Budget,
        format!("{url}: not done within {budget}"),
    )
}

fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 120.0 {
        format!("{:.0}-minute", seconds / 60.0)
    } else {
        format!("{seconds:.0} s")
    }
}

/// The article ids a feed item's link and URL guid map to.
fn feed_item_ids(item: &FeedItem) -> Vec<ArticleId> {
    let mut ids: Vec<ArticleId> = [item.url.as_deref(), Some(item.id.as_str())]
        .into_iter()
        .flatten()
        .filter(|candidate| candidate.contains("://"))
        .map(|candidate| ArticleId::from_url(&canonicalize_url(candidate)))
        .collect();
    ids.dedup();
    ids
}

/// True when the item's link or guid already names a stored article (directly or as an
/// alias recorded by an earlier poll).
fn already_stored(store: &mut dyn Store, item: &FeedItem) -> Result<bool, PipelineError> {
    for id in feed_item_ids(item) {
        if off_runtime(|| {
            let store: &mut dyn Store = store;
            store.has_article(&id)
        })? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Builds the article for a feed item: from its extracted page when that works, else (the
/// page could not be fetched or read) from the feed's own summary, with the reason. Err when
/// the page is not an article, or when neither page nor summary is usable.
async fn article_from_item(
    fetcher: &Fetcher,
    feed: &Feed,
    item: &FeedItem,
    now: DateTime<Utc>,
) -> Result<(Article, Option<ItemFailure>), ItemFailure> {
    let link = item.url.clone().ok_or_else(|| {
        ItemFailure::new(
            feed.url.clone(),
            FailureKind::NotArticle,
            format!("{}: item {} has no link", feed.url, quoted(&item.id)),
        )
    })?;
    let page = match fetcher
        .get_linked(&link, &feed.url, &Validators::default())
        .await
    {
        Ok(FetchOutcome::Fetched(body)) => {
            let extracted = guarded(&link, "article extractor", || {
                extract(
                    &body.body,
                    body.content_type.as_deref(),
                    Some(&body.final_url),
                )
                .map_err(|err| {
                    ItemFailure::new(
                        link.clone(),
                        FailureKind::Malformed,
                        format!("{link}: {err}"),
                    )
                })
            });
            match extracted {
                Ok(extracted) if extracted.is_article => Ok(extracted),
                // A section front or index page is not news: the item is skipped, not stored
                // with its summary (it would open a story of its own).
                Ok(extracted) => {
                    return Err(ItemFailure::new(
                        link.clone(),
                        FailureKind::NotArticle,
                        format!(
                            "{link}: not an article ({}): item skipped",
                            extracted
                                .not_article_reason
                                .unwrap_or_else(|| "no main text".into())
                        ),
                    ));
                }
                Err(failure) => Err(failure),
            }
        }
        Ok(FetchOutcome::NotModified) => Err(ItemFailure::new(
            link.clone(),
            FailureKind::HttpStatus,
            format!("{link}: unexpected 304"),
        )),
        // A link that may not be followed from this feed (a `file://` link in a remote feed)
        // names nothing we could cite: the item is skipped, its summary with it.
        Err(err @ FetchError::LinkNotFollowed { .. }) => {
            return Err(err.to_failure(&link).with_suffix(": item skipped"));
        }
        Err(err) => Err(err.to_failure(&link)),
    };
    match page {
        Ok(page) => {
            let canonical = canonicalize_url(page.url.as_deref().unwrap_or(&link));
            let article = Article {
                id: ArticleId::from_url(&canonical),
                url: canonical.clone(),
                headline: page
                    .headline
                    .or_else(|| item.title.clone())
                    .unwrap_or_default(),
                article_body: page.article_body,
                description: page.description.or_else(|| item.summary.clone()),
                author: if page.author.is_empty() {
                    item.authors.clone()
                } else {
                    page.author
                },
                date_published: page.date_published.or(item.published),
                date_modified: page.date_modified,
                date_fetched: now,
                in_language: page.in_language,
                outlet: Outlet::resolve(&OutletHints {
                    url: &canonical,
                    site_name: page.publisher.as_deref(),
                    feed_title: feed.title.as_deref(),
                }),
                image: page.image,
                feed_url: Some(feed.url.clone()),
                content_hash: String::new(),
                duplicate_of: None,
                extraction: ExtractionStatus::Full,
                extra: serde_json::Map::new(),
            };
            Ok((article, None))
        }
        Err(failure) => {
            let Some(summary) = item.summary.clone().filter(|s| !s.trim().is_empty()) else {
                return Err(failure.with_suffix(", and the item has no summary either: skipped"));
            };
            let failure = failure.with_suffix("; kept the feed's summary");
            let canonical = canonicalize_url(if item.id.contains("://") {
                &item.id
            } else {
                &link
            });
            let article = Article {
                id: ArticleId::from_url(&canonical),
                url: canonical.clone(),
                headline: item
                    .title
                    .clone()
                    .unwrap_or_else(|| first_words(&summary, 12)),
                article_body: summary.clone(),
                description: Some(summary),
                author: item.authors.clone(),
                date_published: item.published,
                date_modified: None,
                date_fetched: now,
                in_language: None,
                outlet: Outlet::resolve(&OutletHints {
                    url: &canonical,
                    site_name: None,
                    feed_title: feed.title.as_deref(),
                }),
                image: None,
                feed_url: Some(feed.url.clone()),
                content_hash: String::new(),
                duplicate_of: None,
                extraction: ExtractionStatus::FeedSummaryOnly {
                    reason: failure.message.clone(),
                },
                extra: serde_json::Map::new(),
            };
            Ok((article, Some(failure)))
        }
    }
}

/// Runs a store call off the thread that drives the poll's async runtime. A store call
/// blocks (SQLite's disk I/O), and the PostgreSQL client drives a runtime of its own, which
/// tokio refuses on a thread already driving one. A scoped thread costs some tens of
/// microseconds, and a poll makes a few store calls per feed.
fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| scope.spawn(work).join())
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
