//! The Atom and JSON Feed output against the real server over a store filled by the real
//! pipeline: both parse (Atom with feed-rs), entry ids are stable across fetches and across
//! a new brief version, entity feeds hold the stories that mention the entity, and the
//! hostile article stays escaped inside the entry content.

mod web_support;

use feed_rs::model::Feed;
use reqwest::StatusCode;
use std::collections::BTreeSet;
use storyline_store::Store;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_feeds_hold_the_stories_that_mention_the_entity() {
    let site = Site::start().await;
    let store = site.store();
    let entity = store
        .stories()
        .expect("stories")
        .iter()
        .filter_map(|s| store.latest_brief(&s.id).expect("a brief"))
        .flat_map(|b| b.more_on_these_topics)
        .map(|card| card.id)
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
