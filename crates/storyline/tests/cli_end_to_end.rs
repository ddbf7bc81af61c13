//! End-to-end tests of the `storyline` binary: the demo over the sample corpus (grouping,
//! wire copies, the broken feed, every brief complete and cited), re-runs, imports and the
//! reading commands, each on a fresh data directory.

mod cli_support;

use cli_support::{ok, storyline};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use storyline_model::{ArticleId, Citation, StoryId};
use storyline_store::{SqliteStore, Store};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/corpus")
}

/// Gold grouping from the corpus manifests: canonical URL → (story slug, copy-of URL).
fn gold() -> BTreeMap<String, (String, Option<String>)> {
    let mut canonical_of_page = BTreeMap::new();
    let mut gold = BTreeMap::new();
    let manifests = ["world-stories.json", "business-stories.json"];
    let mut entries = Vec::new();
    for manifest in manifests {
        let text = std::fs::read_to_string(corpus().join(manifest)).unwrap();
        let stories: serde_json::Value = serde_json::from_str(&text).unwrap();
        for story in stories.as_array().unwrap() {
            entries.push(story.clone());
            for page in story["pages"].as_array().unwrap() {
                let page = page.as_str().unwrap();
                let html = std::fs::read(corpus().join(page)).unwrap();
                let html = String::from_utf8_lossy(&html);
                let start = html
                    .find("rel=\"canonical\" href=\"")
                    .expect("canonical link")
                    + 22;
                let end = start + html[start..].find('"').unwrap();
                canonical_of_page.insert(page.to_string(), html[start..end].to_string());
            }
        }
    }
    for story in entries {
        let slug = story["story"].as_str().unwrap().to_string();
        let copies: BTreeMap<String, String> = story["wire_copies"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| {
                        (
                            c["page"].as_str().unwrap().to_string(),
                            c["copy_of"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for page in story["pages"].as_array().unwrap() {
            let page = page.as_str().unwrap();
            let copy_of = copies
                .get(page)
                .map(|original| canonical_of_page[original].clone());
            gold.insert(canonical_of_page[page].clone(), (slug.clone(), copy_of));
        }
    }
    gold
}

#[test]
fn demo_groups_the_corpus_and_writes_complete_cited_briefs() {
    let dir = tempfile::tempdir().unwrap();
    let output = storyline(dir.path(), &["demo", "--top", "2"]);
    let stdout = ok(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The broken feed is reported in one line naming it, and the run went on.
    let broken: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("broken-world.xml") && l.starts_with("warning:"))
        .collect();
    assert_eq!(broken.len(), 1, "{stderr}");
    assert!(broken[0].contains("malformed feed"), "{}", broken[0]);
    for heading in [
        "## What's happened",
        "## What's behind the headline?",
        "## What the papers say",
        "## How we got here",
        "## Go deeper",
        "## More on these topics",
        "## Sources",
    ] {
        assert_eq!(stdout.matches(heading).count(), 2, "{heading} in {stdout}");
    }

    let store = SqliteStore::open(dir.path()).unwrap();
    let gold = gold();
    let articles = store.all_articles().unwrap();
    let by_url: BTreeMap<&str, _> = articles.iter().map(|a| (a.url.as_str(), a)).collect();
    // Every gold article is stored, and the section front page is not stored as an article.
    for url in gold.keys() {
        assert!(by_url.contains_key(url.as_str()), "missing {url}");
    }
    assert_eq!(
        articles.len(),
        gold.len(),
        "unexpected extra articles: {:?}",
        by_url
            .keys()
            .filter(|u| !gold.contains_key(**u))
            .collect::<Vec<_>>()
    );

    // Grouping: one story per gold story, and no story mixes two gold stories.
    let mut story_of_slug: BTreeMap<&str, BTreeSet<StoryId>> = BTreeMap::new();
    let mut slugs_of_story: BTreeMap<StoryId, BTreeSet<&str>> = BTreeMap::new();
    for (url, (slug, _)) in &gold {
        let story = store
            .story_of_article(&by_url[url.as_str()].id)
            .unwrap()
            .expect("clustered");
        story_of_slug.entry(slug).or_default().insert(story.clone());
        slugs_of_story.entry(story).or_default().insert(slug);
    }
    for (slug, stories) in &story_of_slug {
        assert_eq!(stories.len(), 1, "{slug} split into {stories:?}");
    }
    for (story, slugs) in &slugs_of_story {
        assert_eq!(slugs.len(), 1, "{story} merges {slugs:?}");
    }

    // Wire copies point at their original and are not counted as outlets.
    for (url, (_, copy_of)) in &gold {
        let expected: Option<ArticleId> = copy_of.as_ref().map(|o| by_url[o.as_str()].id.clone());
        assert_eq!(by_url[url.as_str()].duplicate_of, expected, "{url}");
    }
    for story in store.stories().unwrap() {
        let members = store.story_members(&story.id).unwrap();
        let ids: Vec<ArticleId> = members.iter().map(|m| m.article_id.clone()).collect();
        let members = store.articles(&ids).unwrap();
        let outlets: BTreeSet<&str> = members
            .iter()
            .filter(|a| a.duplicate_of.is_none())
            .map(|a| a.outlet.name.as_str())
            .collect();
        assert_eq!(story.outlet_count as usize, outlets.len(), "{}", story.id);
        assert_eq!(story.article_count as usize, members.len(), "{}", story.id);
    }

    // Every brief: six sections filled, every sentence cited by an existing source, checks passed.
    let known: BTreeSet<StoryId> = store.stories().unwrap().into_iter().map(|s| s.id).collect();
    for story in store.stories().unwrap() {
        let brief = store
            .latest_brief(&story.id)
            .unwrap()
            .expect("every story has a brief");
        assert!(
            brief.checks.passed,
            "{}: {:?}",
            story.id, brief.checks.failures
        );
        assert!(
            (1..=4).contains(&brief.whats_happened.sentences.len()),
            "{}",
            story.id
        );
        assert!(!brief.behind_the_headline.is_empty(), "{}", story.id);
        assert!(
            brief.what_the_papers_say.sentences.len() >= 2,
            "{}",
            story.id
        );
        // Cards say only what is known (a stated role, a knowledge-base entry, a gazetteer
        // line), so a story may have few; every entity question is about one of them.
        assert!(
            (1..=5).contains(&brief.go_deeper.len()),
            "{}: {:?}",
            story.id,
            brief.go_deeper
        );
        assert!(
            (1..=6).contains(&brief.more_on_these_topics.len()),
            "{}",
            story.id
        );
        for question in &brief.go_deeper {
            if let storyline_model::GoDeeperLink::Entity { entity_id, .. } = &question.link {
                assert!(
                    brief
                        .more_on_these_topics
                        .iter()
                        .any(|c| &c.id == entity_id),
                    "{}: {question:?} has no card",
                    story.id
                );
            }
        }
        let sentences = brief
            .whats_happened
            .sentences
            .iter()
            .chain(&brief.behind_the_headline.sentences)
            .chain(&brief.what_the_papers_say.sentences)
            .chain(brief.how_we_got_here.iter().map(|e| &e.sentence));
        for sentence in sentences {
            assert!(
                !sentence.citations.is_empty(),
                "{}: uncited: {}",
                story.id,
                sentence.text
            );
            for citation in &sentence.citations {
                match citation {
                    Citation::Source(n) => assert!(
                        (1..=brief.sources.len() as u32).contains(n),
                        "{}",
                        sentence.text
                    ),
                    Citation::Story(id) => {
                        assert!(known.contains(id) && *id != story.id, "{}", sentence.text)
                    }
                }
            }
        }
        // "What the papers say" names the outlets.
        let papers: String = brief
            .what_the_papers_say
            .sentences
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        let named = brief
            .sources
            .iter()
            .filter(|s| papers.contains(&s.outlet))
            .count();
        assert!(named >= 2, "{}: {papers}", story.id);
    }

    // The follow-up story links back to the story it continues.
    let inquiry = &story_of_slug["setubal-fire-inquiry"];
    let fire = story_of_slug["setubal-port-fire"]
        .iter()
        .next()
        .unwrap()
        .clone();
    let brief = store
        .latest_brief(inquiry.iter().next().unwrap())
        .unwrap()
        .unwrap();
    assert!(
        brief
            .how_we_got_here
            .iter()
            .any(|e| e.story_id.as_ref() == Some(&fire)),
        "{:?}",
        brief.how_we_got_here
    );
}

#[test]
fn rerunning_is_idempotent_and_ids_are_stable() {
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline(dir.path(), &["demo", "--top", "0"]));
    let first = ok(&storyline(dir.path(), &["stories", "--json"]));
    let second_run = ok(&storyline(dir.path(), &["demo", "--top", "0"]));
    assert!(second_run.contains("0 new articles"), "{second_run}");
    assert!(second_run.contains("0 briefs written"), "{second_run}");
    let second = ok(&storyline(dir.path(), &["stories", "--json"]));
    assert_eq!(first, second);

    // A fresh data directory over the same corpus gives the same story ids.
    let other = tempfile::tempdir().unwrap();
    ok(&storyline(other.path(), &["demo", "--top", "0"]));
    let ids = |json: &str| -> BTreeSet<String> {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&first),
        ids(&ok(&storyline(other.path(), &["stories", "--json"])))
    );
}

#[test]
fn reading_commands_print_briefs_and_listings() {
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline(dir.path(), &["demo", "--top", "0"]));
    let stories: serde_json::Value =
        serde_json::from_str(&ok(&storyline(dir.path(), &["stories", "--json"]))).unwrap();
    let first = stories[0]["id"].as_str().unwrap();
    let markdown = ok(&storyline(dir.path(), &["brief", &first[..6]]));
    assert!(markdown.starts_with("# "), "{markdown}");
    assert!(markdown.contains("## More on these topics"));
    let json: serde_json::Value = serde_json::from_str(&ok(&storyline(
        dir.path(),
        &["brief", first, "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json["story_id"], first);
    assert_eq!(json["version"], 1);
    let feeds: serde_json::Value =
        serde_json::from_str(&ok(&storyline(dir.path(), &["feeds", "list", "--json"]))).unwrap();
    assert_eq!(feeds.as_array().unwrap().len(), 11);
    let broken = feeds
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["url"].as_str().unwrap().ends_with("broken-world.xml"))
        .unwrap();
    assert_eq!(broken["error_count"], 1);
    let search = ok(&storyline(dir.path(), &["search", "mackerel"]));
    assert!(
        search.contains("mackerel") || search.contains("Mackerel"),
        "{search}"
    );

    let missing = storyline(dir.path(), &["brief", "szzzz"]);
    assert!(!missing.status.success());
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr).trim(),
        "error: no story szzzz: see `storyline stories`"
    );
}

#[test]
fn import_reports_bad_lines_and_adds_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("articles.jsonl");
    let body = "The harbour board of Port Aldmoor voted on Tuesday to close the old fish market by 2028, a decision that will move 140 traders to a new site two kilometres inland, the board chair Ines Varga said.";
    let lines = [
        serde_json::json!({"id": "1", "url": "https://aldmoor-news.example/market", "title": "Port Aldmoor to close old fish market", "text": body, "published": "2026-11-20T09:00:00Z", "source": "Aldmoor News", "section": "local"}).to_string(),
        "{not json".to_string(),
        serde_json::json!({"id": "3", "source": "Aldmoor News"}).to_string(),
        serde_json::json!({"id": "4", "title": "T", "text": "B", "published": "last week"}).to_string(),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let file_arg = file.to_str().unwrap();
    let output = storyline(dir.path(), &["import", file_arg]);
    let stdout = ok(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("4 lines, 1 imported"), "{stdout}");
    assert!(
        stderr.contains(&format!("{file_arg}:2: invalid JSON")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file_arg}:3: needs a \"title\" or a \"text\"")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file_arg}:4: unrecognised date \"last week\"")),
        "{stderr}"
    );
    let again = ok(&storyline(dir.path(), &["import", file_arg]));
    assert!(again.contains("0 imported"), "{again}");
    assert!(again.contains("1 already present"), "{again}");

    let missing = storyline(dir.path(), &["import", "/nonexistent/file.jsonl"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .starts_with("error: cannot open /nonexistent/file.jsonl: ")
    );
}

#[test]
fn feeds_are_added_listed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let feed = corpus().join("feeds/harbour-times-world.xml");
    let feed = feed.to_str().unwrap();
    assert!(ok(&storyline(dir.path(), &["feeds", "add", feed])).starts_with("added file://"));
    assert!(ok(&storyline(dir.path(), &["feeds", "add", feed])).starts_with("already subscribed"));
    let listed = ok(&storyline(dir.path(), &["feeds", "list"]));
    assert!(listed.contains("never fetched"), "{listed}");
    let url = listed.split('\t').next().unwrap().to_string();
    ok(&storyline(dir.path(), &["feeds", "remove", &url]));
    let gone = storyline(dir.path(), &["feeds", "remove", &url]);
    assert!(!gone.status.success());
    let bad = storyline(dir.path(), &["feeds", "add", "ftp://example.org/feed"]);
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr).trim(),
        "error: ftp://example.org/feed: unsupported URL scheme ftp (use http, https or file)"
    );
    let opml = ok(&storyline(
        dir.path(),
        &[
            "feeds",
            "import",
            corpus().join("feeds.opml").to_str().unwrap(),
        ],
    ));
    assert!(opml.contains("11 feeds added"), "{opml}");
}

#[test]
fn run_polls_on_an_interval_and_stops_after_max_polls() {
    let dir = tempfile::tempdir().unwrap();
    ok(&storyline(
        dir.path(),
        &[
            "feeds",
            "import",
            corpus().join("feeds.opml").to_str().unwrap(),
        ],
    ));
    let stdout = ok(&storyline(
        dir.path(),
        &[
            "run",
            "--interval",
            "1",
            "--max-polls",
            "2",
            "--addr",
            "127.0.0.1:0",
        ],
    ));
    let polls: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("polled 11 feeds"))
        .collect();
    assert_eq!(polls.len(), 2, "{stdout}");
    assert!(polls[0].contains("43 new articles"), "{}", polls[0]);
    assert!(polls[1].contains("0 new articles"), "{}", polls[1]);
    let stories: serde_json::Value =
        serde_json::from_str(&ok(&storyline(dir.path(), &["stories", "--json"]))).unwrap();
    assert_eq!(stories.as_array().unwrap().len(), 10);
}

#[test]
fn the_starter_feed_list_is_valid_opml_with_many_outlets() {
    let dir = tempfile::tempdir().unwrap();
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/starter.opml");
    let stdout = ok(&storyline(
        dir.path(),
        &["feeds", "import", starter.to_str().unwrap()],
    ));
    let added: usize = stdout
        .split(": ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(added >= 30, "{stdout}");
    let feeds: serde_json::Value =
        serde_json::from_str(&ok(&storyline(dir.path(), &["feeds", "list", "--json"]))).unwrap();
    let hosts: BTreeSet<String> = feeds
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["url"].as_str()?.split('/').nth(2).map(str::to_string))
        .collect();
    assert!(hosts.len() >= 30, "{hosts:?}");
    assert!(
        feeds
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["url"].as_str().unwrap().starts_with("http"))
    );
}

#[test]
fn extract_prints_schema_org_json_and_flags_non_articles() {
    let dir = tempfile::tempdir().unwrap();
    let pages = corpus().join("pages/harbour-times");
    let stdout = ok(&storyline(
        dir.path(),
        &["extract", pages.to_str().unwrap(), "--jobs", "2"],
    ));
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let files = std::fs::read_dir(&pages).unwrap().count();
    assert_eq!(lines.len(), files);
    let index: Vec<&serde_json::Value> = lines.iter().filter(|l| l["isArticle"] == false).collect();
    assert_eq!(index.len(), 1, "only the section front is not an article");
    for article in lines.iter().filter(|l| l["isArticle"] == true) {
        assert!(
            article["articleBody"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .count()
                > 150
        );
        assert_eq!(article["publisher"], "The Harbour Times");
        assert!(
            article["url"]
                .as_str()
                .unwrap()
                .starts_with("https://harbourtimes.example/")
        );
        assert!(
            article["datePublished"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-")
        );
    }
    let out = dir.path().join("out");
    ok(&storyline(
        dir.path(),
        &[
            "extract",
            pages.to_str().unwrap(),
            "--output-dir",
            out.to_str().unwrap(),
        ],
    ));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), files);
    let bad = storyline(dir.path(), &["extract", "/nonexistent.html"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).starts_with("error: cannot read /nonexistent.html")
    );
}

#[test]
fn cluster_streams_jsonl_into_stable_stories_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("articles.jsonl");
    let article = |id: &str, title: &str, text: &str, date: &str| {
        serde_json::json!({"id": id, "title": title, "text": text, "date": date, "source": format!("outlet-{id}")}).to_string()
    };
    let quake = "A magnitude 6.1 earthquake struck near the town of Velcro Ridge on Tuesday, damaging the old bridge and cutting power to 12,000 homes, the regional civil protection agency said.";
    let budget = "The city council of Ardmore approved a budget of 410 million for next year on Tuesday after a six-hour debate over tram fares and library opening hours.";
    let lines = [
        article(
            "1",
            "Earthquake hits Velcro Ridge",
            quake,
            "2026-11-20T08:00:00Z",
        ),
        article(
            "2",
            "Ardmore council passes budget",
            budget,
            "2026-11-20T09:00:00Z",
        ),
        article(
            "3",
            "Velcro Ridge earthquake damages bridge, cuts power",
            quake,
            "2026-11-20T10:00:00Z",
        ),
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let run = || {
        let stdout = ok(&storyline(
            dir.path(),
            &["cluster", "--input", input.to_str().unwrap()],
        ));
        stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first.len(), 3);
    assert_eq!(first[0]["story"], first[2]["story"]);
    assert_ne!(first[0]["story"], first[1]["story"]);
    assert!(!first[2]["why"].as_array().unwrap().is_empty());
    assert_eq!(first, run(), "the same input gives the same stories");
}
