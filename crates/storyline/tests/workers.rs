//! Many workers, checked: four `storyline run --worker` processes poll the same feeds (RSS
//! and article pages served by a local HTTP server) into one store, on PostgreSQL (a fresh
//! database on `STORYLINE_TEST_POSTGRES`, default the local server; `skip` skips it) and on
//! one SQLite file. Afterwards every feed was polled once, every article is stored exactly
//! once and is in exactly one live story, no story is empty or left without its brief,
//! `storyline check` passes, and the stories agree with a single worker's run of the same
//! feeds (B³ F1 ≥ 0.98 between the two partitions).

mod cli_support;
mod store_support;

use cli_support::ok;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use store_support::{
    Stores, Target, corpus, output, serve_dir, storyline, subscribe, write_feeds, write_jsonl,
};
use storyline_model::{ArticleId, StoryId};

const WORKERS: usize = 4;

/// `storyline run --worker` for one poll of every due feed, fetching from the local server.
fn worker(target: &Target, name: &str) -> Command {
    let mut command = storyline(
        target,
        &[
            "run",
            "--worker",
            "--worker-id",
            name,
            "--no-serve",
            "--max-polls",
            "1",
            "--interval",
            "3600",
        ],
    );
    command
        .env("STORYLINE_FETCH_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("STORYLINE_FETCH_PER_HOST_INTERVAL_MS", "0")
        // Two feeds leased at a time, so the six feeds are shared among the workers.
        .env("STORYLINE_FETCH_CONCURRENCY", "2");
    command
}

/// Runs `count` workers at once on `target`; their outputs, checked for success.
fn run_workers(target: &Target, count: usize) -> Vec<String> {
    let children: Vec<_> = (0..count)
        .map(|n| {
            worker(target, &format!("w{n}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the storyline binary starts")
        })
        .collect();
    children
        .into_iter()
        .map(|child| ok(&child.wait_with_output().expect("the worker ends")))
        .collect()
}

/// The numbers a worker printed for its poll: feeds polled and new articles.
fn polled(outputs: &[String]) -> (usize, usize) {
    let number_before = |line: &str, word: &str| -> usize {
        let words: Vec<&str> = line.split_whitespace().collect();
        words
            .windows(2)
            .find(|pair| pair[1].trim_end_matches([',', ';', ':']) == word)
            .and_then(|pair| pair[0].parse().ok())
            .unwrap_or_else(|| panic!("no count of {word} in {line:?}"))
    };
    let mut feeds = 0;
    let mut articles = 0;
    for output in outputs {
        let line = output
            .lines()
            .find(|line| line.contains(": polled "))
            .unwrap_or_else(|| panic!("no poll line in {output:?}"));
        feeds += number_before(line, "feeds");
        let after = line.split("feeds").nth(1).expect("the rest of the line");
        articles += number_before(after, "new");
    }
    (feeds, articles)
}

/// The live story of each stored article fetched from `base` (the history imported
/// before is left out: it is the same in every run); checks on the way that every article is stored once and
/// in exactly one live story, no live story is empty, and no brief is left behind.
fn partition(target: &Target, base: &str) -> BTreeMap<ArticleId, StoryId> {
    ok(&output(storyline(target, &["check"])));
    let store = target.open();
    let articles = store.all_articles().expect("articles");
    let ids: BTreeSet<&ArticleId> = articles.iter().map(|a| &a.id).collect();
    assert_eq!(ids.len(), articles.len(), "an article is stored twice");
    let mut stories: BTreeMap<ArticleId, StoryId> = BTreeMap::new();
    for article in &articles {
        let story = store
            .story_of_article(&article.id)
            .expect("membership")
            .unwrap_or_else(|| panic!("article {} is in no story", article.id));
        let row = store.story(&story).expect("story").expect("its story row");
        assert!(
            row.merged_into.is_none(),
            "article {} is in merged story {story}",
            article.id
        );
        if article.url.starts_with(base) {
            stories.insert(article.id.clone(), story);
        }
    }
    for story in store.stories().expect("stories") {
        let members = store.story_members(&story.id).expect("members");
        assert!(
            !members.is_empty(),
            "live story {} has no articles",
            story.id
        );
        assert!(
            store.latest_brief(&story.id).expect("brief").is_some(),
            "story {} has no brief",
            story.id
        );
    }
    assert!(
        store.dirty_stories(1).expect("dirty").is_empty(),
        "a finished run leaves no brief behind"
    );
    stories
}

/// The articles of each story of a partition.
fn by_story(partition: &BTreeMap<ArticleId, StoryId>) -> BTreeMap<&StoryId, BTreeSet<&ArticleId>> {
    let mut stories: BTreeMap<&StoryId, BTreeSet<&ArticleId>> = BTreeMap::new();
    for (article, story) in partition {
        stories.entry(story).or_default().insert(article);
    }
    stories
}

/// The invented event of each stored article (its page is `pages/<item index>.html`), as
/// a partition to compare the stories with.
fn events(
    target: &Target,
    base: &str,
    items: &[store_support::Item],
) -> BTreeMap<ArticleId, StoryId> {
    let store = target.open();
    store
        .all_articles()
        .expect("articles")
        .into_iter()
        .filter(|article| article.url.starts_with(base))
        .map(|article| {
            let index: usize = article
                .url
                .rsplit('/')
                .next()
                .and_then(|file| file.strip_suffix(".html"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("an article of the corpus: {}", article.url));
            let event = items[index].url.split('/').nth(3).expect("event number");
            (article.id, StoryId(format!("event-{event}")))
        })
        .collect()
}

/// B³ F1 between two partitions of the same articles.
fn bcubed_f1(a: &BTreeMap<ArticleId, StoryId>, b: &BTreeMap<ArticleId, StoryId>) -> f64 {
    let (ca, cb) = (by_story(a), by_story(b));
    let (mut precision, mut recall) = (0.0, 0.0);
    for (article, story) in a {
        let mine = &ca[story];
        let theirs = &cb[&b[article]];
        let shared = mine.intersection(theirs).count() as f64;
        precision += shared / mine.len() as f64;
        recall += shared / theirs.len() as f64;
    }
    let n = a.len() as f64;
    let (precision, recall) = (precision / n, recall / n);
    2.0 * precision * recall / (precision + recall)
}

fn four_workers_agree_with_one(stores: &mut Stores, dir: &Path) {
    // The store has a history, as a running install has: last month's news, imported. (On
    // an empty store the first clustering pass sees only the articles of whichever feeds
    // came in first, and their few documents make common words look rare: how that pass
    // splits the news depends on which feeds those were, worker or not.)
    let mut history = corpus(60, 77);
    for item in &mut history {
        item.published = item.published.replace("2025-03-", "2025-02-");
        item.url = item.url.replace("news.example/", "news.example/archive/");
    }
    let history_file = dir.join("history.jsonl");
    write_jsonl(&history, &history_file);
    let history_file = history_file.to_str().expect("a UTF-8 path");

    let items = corpus(40, 31);
    let site = dir.join("site");
    std::fs::create_dir_all(&site).expect("site dir");
    let base = serve_dir(site.clone(), Duration::from_millis(20));
    let feeds = write_feeds(&items, &site, Some(&base));
    let prepare = |target: &Target| {
        ok(&output(storyline(target, &["import", history_file])));
        subscribe(target, &feeds);
    };

    let single = stores.fresh("single");
    prepare(&single);
    let (feeds_polled, fetched) = polled(&run_workers(&single, 1));
    assert_eq!(
        (feeds_polled, fetched),
        (feeds.len(), items.len()),
        "one worker polls every feed once and stores every article"
    );
    let one = partition(&single, &base);

    let shared = stores.fresh("four");
    prepare(&shared);
    let outputs = run_workers(&shared, WORKERS);
    let (feeds_polled, fetched) = polled(&outputs);
    assert_eq!(
        feeds_polled,
        feeds.len(),
        "each feed polled by exactly one worker: {outputs:?}"
    );
    assert_eq!(
        fetched,
        items.len(),
        "each article fetched and stored by one worker only: {outputs:?}"
    );
    let four = partition(&shared, &base);
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        four.keys().collect::<Vec<_>>(),
        "the same articles"
    );
    let agreement = bcubed_f1(&one, &four);
    let gold = events(&shared, &base, &items);
    eprintln!(
        "against the events: one worker B³ F1 {:.4}, {WORKERS} workers {:.4}",
        bcubed_f1(&gold, &one),
        bcubed_f1(&gold, &four)
    );
    eprintln!(
        "{WORKERS} workers against one: B³ F1 {agreement:.4} ({} articles, {} and {} stories)",
        one.len(),
        one.values().collect::<BTreeSet<_>>().len(),
        four.values().collect::<BTreeSet<_>>().len()
    );
    assert!(
        agreement >= 0.98,
        "the workers' stories differ from one worker's: B³ F1 {agreement:.4}"
    );
}

#[test]
fn four_workers_on_postgres_agree_with_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(mut stores) = Stores::postgres(dir.path(), "workers") {
        four_workers_agree_with_one(&mut stores, dir.path());
    }
}

#[test]
fn four_workers_on_one_sqlite_file_agree_with_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    four_workers_agree_with_one(&mut Stores::sqlite(dir.path()), dir.path());
}
