//! Crash safety, checked: `storyline import` and `storyline fetch` killed with SIGKILL at
//! seeded random moments, 50 times each and on each backend (the SQLite file, and a fresh
//! PostgreSQL database on `STORYLINE_TEST_POSTGRES`, default the local server; `skip` skips
//! those), then run to the end. After every kill `storyline
//! check` must find the store sound (every write is one transaction, and a story whose brief
//! is behind is marked dirty), and at the end every input article is stored exactly once and
//! is in exactly one live story.
//!
//! The input is invented news written here: events in made-up places, each told by a few
//! made-up outlets. The fetch test reads it as RSS feeds and article pages on disk (file://
//! feeds a user names, and the pages they link to, are read like the demo corpus).

mod cli_support;
mod store_support;

use cli_support::ok;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use store_support::{
    Item, Rng, Stores, Target, corpus, output, storyline, subscribe, write_feeds, write_jsonl,
};
use storyline_model::ArticleId;

/// Kills per command, as the issue asks.
const KILLS: usize = 50;

/// How long one uninterrupted run of `args` takes on a fresh store in `scratch`: the range
/// the kills are spread over.
fn full_run_time(scratch: &Target, args: &[&str]) -> Duration {
    let started = Instant::now();
    ok(&output(storyline(scratch, args)));
    started.elapsed()
}

/// Starts `args`, kills it with SIGKILL after a seeded delay in `0..span`, then requires
/// `storyline check` to pass on what it left.
fn kill_and_check(data_dir: &Target, args: &[&str], span: Duration, rng: &mut Rng, round: usize) {
    let mut child = storyline(data_dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the storyline binary starts");
    let delay = Duration::from_millis(rng.below(span.as_millis().max(1) as u64));
    std::thread::sleep(delay);
    // Already finished when the delay outlasted the run: that is one of the moments too.
    let _ = child.kill();
    let _ = child.wait();
    let check = output(storyline(data_dir, &["check"]));
    assert!(
        check.status.success(),
        "round {round}: killed after {delay:?}, `storyline check` failed:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// Every expected article stored once, each in exactly one live story, and the check clean.
fn assert_complete(data_dir: &Target, expected: &BTreeSet<ArticleId>) {
    ok(&output(storyline(data_dir, &["check"])));
    let store = data_dir.open();
    let stored: Vec<ArticleId> = store
        .all_articles()
        .expect("articles")
        .into_iter()
        .map(|a| a.id)
        .collect();
    let distinct: BTreeSet<ArticleId> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), distinct.len(), "an article is stored twice");
    let lost: Vec<&ArticleId> = expected.difference(&distinct).collect();
    assert!(lost.is_empty(), "lost {} articles: {lost:?}", lost.len());
    let extra: Vec<&ArticleId> = distinct.difference(expected).collect();
    assert!(extra.is_empty(), "unexpected articles: {extra:?}");
    for id in &distinct {
        let story = store
            .story_of_article(id)
            .expect("membership")
            .unwrap_or_else(|| panic!("article {id} is in no story"));
        let row = store.story(&story).expect("story").expect("its story row");
        assert!(
            row.merged_into.is_none(),
            "article {id} is in merged story {story}"
        );
    }
    assert!(
        store.dirty_stories(1).expect("dirty").is_empty(),
        "a complete run leaves no brief behind"
    );
}

fn stored_ids(items: &[Item], data_dir: &Target, args: &[&str]) -> BTreeSet<ArticleId> {
    // The ids the pipeline gives these articles: whatever one clean run stores.
    ok(&output(storyline(data_dir, args)));
    let store = data_dir.open();
    let ids: BTreeSet<ArticleId> = store
        .all_articles()
        .expect("articles")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids.len(), items.len(), "every input article is stored once");
    ids
}

/// The import test on the stores `stores` makes.
fn import_killed_fifty_times(stores: &mut Stores, input_dir: &Path) {
    let items = corpus(120, 5);
    let input = input_dir.join("articles.jsonl");
    write_jsonl(&items, &input);
    let input = input.to_str().expect("a UTF-8 path");
    let args = ["import", input];
    let span = full_run_time(&stores.fresh("timing"), &args);
    let expected = stored_ids(&items, &stores.fresh("reference"), &args);

    let target = stores.fresh("killed");
    let mut rng = Rng(16);
    for round in 0..KILLS {
        kill_and_check(&target, &args, span, &mut rng, round);
    }
    ok(&output(storyline(&target, &args)));
    assert_complete(&target, &expected);
}

#[test]
fn import_killed_fifty_times_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    import_killed_fifty_times(&mut Stores::sqlite(dir.path()), dir.path());
}

#[test]
fn import_killed_fifty_times_on_postgres_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(mut stores) = Stores::postgres(dir.path(), "import") {
        import_killed_fifty_times(&mut stores, dir.path());
    }
}

/// The fetch test on the stores `stores` makes.
fn fetch_killed_fifty_times(stores: &mut Stores, input_dir: &Path) {
    let items = corpus(60, 9);
    let feeds = write_feeds(&items, input_dir, None);
    let args = ["fetch"];
    let timing = stores.fresh("timing");
    subscribe(&timing, &feeds);
    let span = full_run_time(&timing, &args);
    let reference = stores.fresh("reference");
    subscribe(&reference, &feeds);
    let expected = stored_ids(&items, &reference, &args);

    let target = stores.fresh("killed");
    subscribe(&target, &feeds);
    let mut rng = Rng(23);
    for round in 0..KILLS {
        kill_and_check(&target, &args, span, &mut rng, round);
    }
    ok(&output(storyline(&target, &args)));
    assert_complete(&target, &expected);
}

#[test]
fn fetch_killed_fifty_times_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    fetch_killed_fifty_times(&mut Stores::sqlite(dir.path()), dir.path());
}

#[test]
fn fetch_killed_fifty_times_on_postgres_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(mut stores) = Stores::postgres(dir.path(), "fetch") {
        fetch_killed_fifty_times(&mut stores, dir.path());
    }
}
