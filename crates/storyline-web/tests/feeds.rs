//! The Atom and JSON Feed output against the real server over a store filled by the real
//! pipeline: every feed a page announces (the site's, and each entity's) reads back with
//! feed-rs with its titles, links and entries, the two formats of a feed agree, entry ids
//! are stable across fetches and across a new brief version, entity feeds hold the stories
//! that mention the entity, and the hostile article stays escaped inside the entry content.

mod web_support;

use feed_rs::model::{Entry, Feed};
use reqwest::StatusCode;
use scraper::{Html, Selector};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::StoryId;
use storyline_store::{SqliteStore, Store};
use web_support::{SCRIPT, SCRIPT_ESCAPED, Site, assert_inert_html};

const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
const JSON_FEED_TYPE: &str = "application/feed+json; charset=utf-8";

async fn atom(site: &Site, path: &str) -> (String, Feed) {
    let fetched = site.get(path).await;
    assert_eq!(
        fetched.status,
        StatusCode::OK,
        "GET {path}: {}",
        fetched.body
    );
    assert_eq!(fetched.content_type, ATOM_TYPE, "GET {path}");
    let feed = feed_rs::parser::parse(fetched.body.as_bytes())
        .unwrap_or_else(|e| panic!("GET {path}: not Atom: {e}\n{}", fetched.body));
    (fetched.body, feed)
}

async fn json_feed(site: &Site, path: &str) -> serde_json::Value {
    let fetched = site.get(path).await;
    assert_eq!(
        fetched.status,
        StatusCode::OK,
        "GET {path}: {}",
        fetched.body
    );
    assert_eq!(fetched.content_type, JSON_FEED_TYPE, "GET {path}");
    let document: serde_json::Value =
        serde_json::from_str(&fetched.body).unwrap_or_else(|e| panic!("GET {path}: not JSON: {e}"));
    assert_eq!(document["version"], "https://jsonfeed.org/version/1.1");
    for key in ["title", "home_page_url", "feed_url"] {
        assert!(document[key].is_string(), "GET {path}: {key}");
    }
    document
}

fn atom_ids(feed: &Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

fn json_ids(document: &serde_json::Value) -> Vec<String> {
    document["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("an item id").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_feed_parses_with_one_entry_per_story() {
    let site = Site::start().await;
    let (_, feed) = atom(&site, "/feeds/briefs.atom").await;
    let stories = site.store().stories().expect("stories");
    assert_eq!(feed.entries.len(), stories.len());
    let expected: BTreeSet<String> = stories
        .iter()
        .map(|s| format!("{}/stories/{}", site.base, s.id))
        .collect();
    let ids: BTreeSet<String> = atom_ids(&feed).into_iter().collect();
    assert_eq!(ids, expected, "entry ids are the stories' URLs");
    for entry in &feed.entries {
        let title = entry.title.as_ref().expect("a title");
        assert!(!title.content.is_empty());
        let content = entry.content.as_ref().expect("content");
        let html = content.body.as_deref().expect("an HTML body");
        assert_inert_html(&entry.id, html);
        assert!(html.contains("<h2>What's happened</h2>"), "{}", entry.id);
        // Citations are absolute, so they work inside a feed reader.
        assert!(
            html.contains(&format!(
                "<a class=\"citation\" href=\"{}#source-1\">[1]</a>",
                entry.id
            )),
            "{}",
            entry.id
        );
        assert_eq!(entry.links[0].href, entry.id, "the entry links its story");
        assert!(entry.updated.is_some() && entry.published.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_ids_are_stable_across_fetches_and_brief_versions() {
    let site = Site::start().await;
    let (first_body, first) = atom(&site, "/feeds/briefs.atom").await;
    let (second_body, second) = atom(&site, "/feeds/briefs.atom").await;
    assert_eq!(
        first_body, second_body,
        "two fetches give the same document"
    );
    let json_before = json_feed(&site, "/feeds/briefs.json").await;
    assert_eq!(
        json_ids(&json_before),
        atom_ids(&first),
        "JSON Feed and Atom agree"
    );

    let (story, version) = site.add_follow_up();
    assert_eq!(version, 2);
    let (_, after) = atom(&site, "/feeds/briefs.atom").await;
    let before_ids: BTreeSet<String> = atom_ids(&second).into_iter().collect();
    let after_ids: BTreeSet<String> = atom_ids(&after).into_iter().collect();
    assert_eq!(
        before_ids, after_ids,
        "a new version updates its entry in place"
    );

    // The updated story comes first, with its new time; its first publication is kept.
    let story_url = format!("{}/stories/{story}", site.base);
    let updated = &after.entries[0];
    assert_eq!(updated.id, story_url, "the updated story leads the feed");
    let old = second
        .entries
        .iter()
        .find(|e| e.id == story_url)
        .expect("the story was in the feed before");
    assert!(updated.updated > old.updated, "its updated time moved");
    assert_eq!(
        updated.published, old.published,
        "its published time did not"
    );
    let html = updated
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .expect("content");
    assert!(
        html.contains("Lantern Post"),
        "the content is the new version"
    );

    let json_after = json_feed(&site, "/feeds/briefs.json").await;
    assert_eq!(json_ids(&json_after), atom_ids(&after));
    assert_eq!(
        json_after["items"][0]["date_modified"],
        "2025-09-14T07:00:00Z"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_follow_the_host_header() {
    let site = Site::start().await;
    let fetched = site
        .get_with_host("/feeds/briefs.json", Some("news.example:9000"))
        .await;
    let document: serde_json::Value = serde_json::from_str(&fetched.body).expect("JSON");
    assert_eq!(document["home_page_url"], "http://news.example:9000/");
    assert_eq!(
        document["feed_url"],
        "http://news.example:9000/feeds/briefs.json"
    );
    for id in json_ids(&document) {
        assert!(id.starts_with("http://news.example:9000/stories/s"), "{id}");
    }
}

/// The ids of every entity a story's latest brief has a card for.
fn briefed_entities(store: &dyn Store) -> BTreeSet<String> {
    store
        .stories()
        .expect("stories")
        .iter()
        .filter_map(|s| store.latest_brief(&s.id).expect("a brief"))
        .flat_map(|b| b.more_on_these_topics)
        .map(|card| card.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_feeds_hold_the_stories_that_mention_the_entity() {
    let site = Site::start().await;
    let store = site.store();
    let entity = briefed_entities(&store)
        .into_iter()
        .max_by_key(|id| store.stories_mentioning(id).expect("the index").len())
        .expect("an entity");
    let mentioning: BTreeSet<String> = store
        .stories_mentioning(&entity)
        .expect("the index")
        .into_iter()
        .map(|(id, _)| format!("{}/stories/{id}", site.base))
        .collect();

    let (_, feed) = atom(&site, &format!("/feeds/entities/{entity}.atom")).await;
    let ids: BTreeSet<String> = atom_ids(&feed).into_iter().collect();
    assert_eq!(ids, mentioning, "entity {entity}");
    let document = json_feed(&site, &format!("/feeds/entities/{entity}.json")).await;
    let ids: BTreeSet<String> = json_ids(&document).into_iter().collect();
    assert_eq!(ids, mentioning);
    assert_eq!(
        document["home_page_url"],
        format!("{}/entities/{entity}", site.base)
    );

    for missing in [
        "/feeds/entities/nobody-at-all.atom",
        "/feeds/entities/nobody-at-all.json",
        &format!("/feeds/entities/{entity}.rss"),
    ] {
        assert_eq!(
            site.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_article_stays_escaped_in_both_feeds() {
    let site = Site::start().await;
    let hostile_url = format!("{}/stories/{}", site.base, site.hostile_story);

    let (raw, feed) = atom(&site, "/feeds/briefs.atom").await;
    assert!(!raw.contains(SCRIPT), "no raw script tag in the XML");
    assert!(!raw.contains("<img"), "no raw image tag in the XML");
    let entry = feed
        .entries
        .iter()
        .find(|e| e.id == hostile_url)
        .expect("the hostile story's entry");
    // Once parsed, the title is the plain text it was; the content is our escaped HTML.
    let title = &entry.title.as_ref().expect("a title").content;
    assert!(title.contains(SCRIPT), "the title is text: {title}");
    let html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .expect("content");
    assert_inert_html("Atom content", html);
    assert!(
        html.contains(SCRIPT_ESCAPED),
        "the hostile text is in the content, escaped"
    );
    assert!(
        !html.contains("javascript:"),
        "the javascript: URL is never a link"
    );

    let document = json_feed(&site, "/feeds/briefs.json").await;
    let item = document["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["id"] == hostile_url.as_str())
        .expect("the hostile story's item");
    let html = item["content_html"].as_str().expect("content_html");
    assert_inert_html("JSON Feed content", html);
    assert!(html.contains(SCRIPT_ESCAPED));
    assert!(!html.contains("javascript:"));
}

/// A feed as a page announces it in its head: `<link rel="alternate" type=... title=...
/// href=...>`.
#[derive(Debug, Clone)]
struct Announced {
    /// The page it was found on first, which is the page the feed follows.
    page: String,
    media_type: String,
    title: String,
    href: String,
}

fn announced_feeds(page: &str, html: &str) -> Vec<Announced> {
    let document = Html::parse_document(html);
    let selector = Selector::parse("head link[rel=alternate]").expect("a selector");
    document
        .select(&selector)
        .map(|link| {
            let attribute = |name: &str| {
                link.value()
                    .attr(name)
                    .unwrap_or_else(|| panic!("{page}: a feed link without {name}"))
                    .to_string()
            };
            Announced {
                page: page.to_string(),
                media_type: attribute("type"),
                title: attribute("title"),
                href: attribute("href"),
            }
        })
        .collect()
}

/// Fetches an announced feed, checks it is served as announced, and parses it with feed-rs
/// (which reads Atom and JSON Feed alike).
async fn fetch_announced(site: &Site, feed: &Announced) -> Feed {
    let fetched = site.get(&feed.href).await;
    assert_eq!(fetched.status, StatusCode::OK, "GET {}", feed.href);
    assert_eq!(
        fetched.content_type,
        format!("{}; charset=utf-8", feed.media_type),
        "GET {}",
        feed.href
    );
    feed_rs::parser::parse(fetched.body.as_bytes())
        .unwrap_or_else(|e| panic!("GET {}: does not parse: {e}\n{}", feed.href, fetched.body))
}

/// The stories a feed should hold: those among `candidates` with a brief.
fn with_briefs(store: &SqliteStore, candidates: impl IntoIterator<Item = StoryId>) -> Vec<StoryId> {
    candidates
        .into_iter()
        .filter(|id| store.latest_brief(id).expect("a brief lookup").is_some())
        .collect()
}

/// Checks one entry against the store: its id and link are the story's URL, its title the
/// brief's headline, its times the brief's, and its content the rendered brief.
fn check_entry(site: &Site, store: &SqliteStore, what: &str, entry: &Entry) {
    let story = entry
        .id
        .strip_prefix(&format!("{}/stories/", site.base))
        .unwrap_or_else(|| panic!("{what}: the entry id {} is not a story URL", entry.id));
    let story = StoryId(story.to_string());
    let brief = store
        .latest_brief(&story)
        .expect("a brief lookup")
        .unwrap_or_else(|| panic!("{what}: {story} has no brief"));
    let title = entry.title.as_ref().expect("a title");
    assert_eq!(title.content, brief.headline, "{what}: {story}");
    let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        links,
        [entry.id.as_str()],
        "{what}: the entry links its story"
    );
    assert_eq!(entry.updated, Some(brief.generated_at), "{what}: {story}");
    let first_written = store
        .brief_versions(&story)
        .expect("the versions")
        .first()
        .map(|(_, at)| *at);
    assert_eq!(entry.published, first_written, "{what}: {story}");
    let html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .unwrap_or_else(|| panic!("{what}: {story} has no content"));
    assert_inert_html(what, html);
    assert!(html.contains("<h2>What's happened</h2>"), "{what}: {story}");
    assert!(entry.summary.is_some(), "{what}: {story} has a summary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_announced_feed_reads_back_with_its_titles_links_and_entries() {
    let site = Site::start().await;
    let store = site.store();
    let entities = briefed_entities(&store);
    assert!(!entities.is_empty(), "the briefs name entities");

    // Read the feeds as a reader discovers them: from the pages' heads.
    let mut pages = vec!["/".to_string()];
    pages.extend(entities.iter().map(|id| format!("/entities/{id}")));
    let mut announced: BTreeMap<String, Announced> = BTreeMap::new();
    for page in &pages {
        for feed in announced_feeds(page, &site.page(page).await) {
            announced.entry(feed.href.clone()).or_insert(feed);
        }
    }
    assert_eq!(
        announced.len(),
        2 * pages.len(),
        "an Atom and a JSON Feed for the site and for each entity: {:#?}",
        announced.keys()
    );

    // The two formats of each feed, by the path they share.
    let mut pairs: BTreeMap<&str, (Option<&Announced>, Option<&Announced>)> = BTreeMap::new();
    for feed in announced.values() {
        if let Some(path) = feed.href.strip_suffix(".atom") {
            assert_eq!(feed.media_type, "application/atom+xml", "{}", feed.href);
            pairs.entry(path).or_default().0 = Some(feed);
        } else if let Some(path) = feed.href.strip_suffix(".json") {
            assert_eq!(feed.media_type, "application/feed+json", "{}", feed.href);
            pairs.entry(path).or_default().1 = Some(feed);
        } else {
            panic!("a feed that is neither .atom nor .json: {}", feed.href);
        }
    }
    assert_eq!(pairs.len(), pages.len());

    for (path, pair) in &pairs {
        let (Some(atom_link), Some(json_link)) = pair else {
            panic!("{path}: not announced in both formats: {pair:?}");
        };
        assert_eq!(atom_link.page, json_link.page, "{path}");
        let title = atom_link
            .title
            .strip_suffix(" (Atom)")
            .unwrap_or_else(|| panic!("{path}: {}", atom_link.title));
        assert_eq!(
            json_link.title.strip_suffix(" (JSON Feed)"),
            Some(title),
            "{path}"
        );
        let page_url = format!("{}{}", site.base, atom_link.page);
        let atom_url = format!("{}{}", site.base, atom_link.href);
        let json_url = format!("{}{}", site.base, json_link.href);

        let atom = fetch_announced(&site, atom_link).await;
        let json = fetch_announced(&site, json_link).await;
        for (what, feed) in [(&atom_link.href, &atom), (&json_link.href, &json)] {
            let feed_title = feed.title.as_ref().expect("a feed title");
            assert_eq!(feed_title.content, title, "{what}");
            assert!(
                feed.description
                    .as_ref()
                    .is_some_and(|d| !d.content.is_empty()),
                "{what}: a description"
            );
            assert_eq!(
                feed.authors
                    .iter()
                    .map(|a| a.name.as_deref())
                    .collect::<Vec<_>>(),
                [Some("Storyline")],
                "{what}"
            );
        }
        assert_eq!(atom.id, atom_url, "the Atom feed's id is its URL");
        let atom_links: BTreeSet<(Option<&str>, &str, Option<String>)> = atom
            .links
            .iter()
            .map(|l| (l.rel.as_deref(), l.href.as_str(), l.media_type.clone()))
            .collect();
        assert_eq!(
            atom_links,
            BTreeSet::from([
                (
                    Some("self"),
                    atom_url.as_str(),
                    Some("application/atom+xml".to_string())
                ),
                (
                    Some("alternate"),
                    page_url.as_str(),
                    Some("text/html".to_string())
                ),
            ]),
            "{path}"
        );
        // JSON Feed: home_page_url, then feed_url.
        let json_links: Vec<&str> = json.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(json_links, [page_url.as_str(), json_url.as_str()], "{path}");

        // The entries: the stories the feed follows, the same in both formats.
        let expected: BTreeSet<String> = match atom_link.page.strip_prefix("/entities/") {
            None => with_briefs(
                &store,
                store.stories().expect("stories").into_iter().map(|s| s.id),
            ),
            Some(entity) => with_briefs(
                &store,
                store
                    .stories_mentioning(entity)
                    .expect("the index")
                    .into_iter()
                    .map(|(id, _)| id),
            ),
        }
        .into_iter()
        .map(|id| format!("{}/stories/{id}", site.base))
        .collect();
        assert!(!expected.is_empty(), "{path}");
        assert_eq!(
            atom_ids(&atom).into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{path}"
        );
        assert_eq!(
            atom_ids(&json),
            atom_ids(&atom),
            "{path}: same entries, same order"
        );
        for (atom_entry, json_entry) in atom.entries.iter().zip(&json.entries) {
            check_entry(&site, &store, &atom_link.href, atom_entry);
            check_entry(&site, &store, &json_link.href, json_entry);
            let text = |entry: &Entry| {
                (
                    entry.summary.as_ref().map(|s| s.content.clone()),
                    entry.content.as_ref().and_then(|c| c.body.clone()),
                )
            };
            assert_eq!(text(atom_entry), text(json_entry), "{}", atom_entry.id);
        }
        // The Atom feed is as new as its newest entry.
        assert_eq!(
            atom.updated,
            atom.entries.iter().filter_map(|e| e.updated).max(),
            "{path}"
        );
    }
}
