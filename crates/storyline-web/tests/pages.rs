//! The web pages against the real server over a store filled by the real pipeline: the
//! front page, a story's brief (six sections, citations that lead to their sources, the
//! coverage chart, version history), entity pages (the stories that mention the entity, and
//! what the newest brief's card says it is), search, feed health, the 404 page, and a
//! hostile article and feed that must come out escaped everywhere.

mod web_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use storyline_model::{
    ArticleId, Brief, DescriptionSource, EntityCard, EntityKind, Story, StoryId,
};
use storyline_store::Store;
use storyline_web::html::{EXTERNAL_REL, escape};
use web_support::{SCRIPT_ESCAPED, Site, assert_hostile_escaped, assert_inert_html};

/// The section headings, exactly as the story page writes them.
const SECTION_HEADINGS: [&str; 6] = [
    "<h2>What's happened</h2>",
    "<h2>What's behind the headline?</h2>",
    "<h2>What the papers say</h2>",
    "<h2>How we got here</h2>",
    "<h2>Go deeper</h2>",
    "<h2>More on these topics</h2>",
];

/// Front page size budget (bytes): it must load fast on a phone.
const FRONT_PAGE_BUDGET: usize = 60 * 1024;
/// Story page size budget (bytes), chart and history included.
const STORY_PAGE_BUDGET: usize = 120 * 1024;

fn latest_briefs(site: &Site) -> Vec<Brief> {
    let store = site.store();
    store
        .stories()
        .expect("list stories")
        .iter()
        .map(|story| {
            store
                .latest_brief(&story.id)
                .expect("read a brief")
                .unwrap_or_else(|| panic!("story {} has a brief", story.id))
        })
        .collect()
}

/// Every `href="#source-N"` citation of a page, as N.
fn cited_sources(body: &str) -> Vec<u32> {
    let marker = "<a class=\"citation\" href=\"#source-";
    body.match_indices(marker)
        .map(|(at, _)| {
            let rest = &body[at + marker.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let n: u32 = digits.parse().expect("a source number");
            assert!(
                rest[digits.len()..].starts_with(&format!("\">[{n}]</a>")),
                "citation {n} reads [{n}]"
            );
            n
        })
        .collect()
}

/// The `<li id="source-N">...</li>` element of a page.
fn source_item(body: &str, n: u32) -> Option<&str> {
    let start = body.find(&format!("<li id=\"source-{n}\">"))?;
    let end = body[start..].find("</li>")?;
    Some(&body[start..start + end])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn front_page_lists_ranked_stories_within_budget() {
    let site = Site::start().await;
    let body = site.page("/").await;
    assert_inert_html("front page", &body);
    assert!(
        body.len() < FRONT_PAGE_BUDGET,
        "front page is {} bytes",
        body.len()
    );
    let briefs = latest_briefs(&site);
    assert_eq!(briefs.len(), 4, "three fixture stories and the hostile one");
    for brief in &briefs {
        let link = format!("<a href=\"/stories/{}\">", brief.story_id);
        assert!(body.contains(&link), "front page links {}", brief.story_id);
        let first = &brief.whats_happened.sentences[0].text;
        let shown = storyline_web::html::escape(first);
        assert!(body.contains(shown.as_ref()), "front page shows {first:?}");
    }
    assert!(
        body.contains("<time datetime=\"2025-09-13T"),
        "a machine-readable update time"
    );
    assert!(body.contains("3 outlets"), "outlet counts");
    assert!(
        body.contains("href=\"/static/style.css\""),
        "the stylesheet"
    );

    // The order is the API's ranking.
    let api = site.get("/api/stories?limit=20").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let listing: serde_json::Value = serde_json::from_str(&api.body).expect("JSON");
    let ranked: Vec<&str> = listing["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("an id"))
        .collect();
    let positions: Vec<usize> = ranked
        .iter()
        .map(|id| {
            body.find(&format!("<a href=\"/stories/{id}\">"))
                .unwrap_or_else(|| panic!("{id} on the front page"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "front page order {positions:?} follows the API's {ranked:?}"
    );

    // One page of four stories: page 2 does not exist, a junk page number is page 1.
    assert_eq!(site.get("/?page=2").await.status, StatusCode::NOT_FOUND);
    let junk = site.page("/?page=junk").await;
    assert!(junk.contains(&format!("<a href=\"/stories/{}\">", ranked[0])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_page_shows_the_brief_with_working_citations() {
    let site = Site::start().await;
    for brief in latest_briefs(&site) {
        let path = format!("/stories/{}", brief.story_id);
        let body = site.page(&path).await;
        let what = format!("story page {path}");
        assert_inert_html(&what, &body);
        assert!(
            body.len() < STORY_PAGE_BUDGET,
            "{what} is {} bytes",
            body.len()
        );

        // The six headings, in order.
        let positions: Vec<usize> = SECTION_HEADINGS
            .iter()
            .map(|h| body.find(h).unwrap_or_else(|| panic!("{what}: {h}")))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{what}: section order"
        );

        // Every citation leads to a listed source; every source links its article.
        let cited = cited_sources(&body);
        assert!(!cited.is_empty(), "{what}: citations");
        for n in &cited {
            assert!(
                source_item(&body, *n).is_some(),
                "{what}: [{n}] has no source"
            );
        }
        for source in &brief.sources {
            let item = source_item(&body, source.n)
                .unwrap_or_else(|| panic!("{what}: source {}", source.n));
            if source.url.starts_with("https://") {
                let link = format!(
                    "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">",
                    storyline_web::html::escape(&source.url)
                );
                assert!(
                    item.contains(&link),
                    "{what}: source {} links {link}",
                    source.n
                );
            }
        }

        // Entity cards link their pages, with their provenance.
        for card in &brief.more_on_these_topics {
            assert!(
                body.contains(&format!("<a href=\"/entities/{}\">", card.id)),
                "{what}: card {}",
                card.id
            );
        }
        for card in &brief.more_on_these_topics {
            let provenance = match &card.description_source {
                storyline_model::DescriptionSource::Coverage { .. } => {
                    "from the coverage, ".to_string()
                }
                storyline_model::DescriptionSource::KnowledgeBase { name, .. } => {
                    format!("from {}, imported ", storyline_web::html::escape(name))
                }
            };
            assert!(
                body.contains(&provenance),
                "{what}: card {} provenance",
                card.id
            );
        }
        assert!(
            body.contains("written by the extractive engine"),
            "{what}: the engine"
        );

        // The chart is well-formed SVG with a bar per article bucket and the outlets named.
        let start = body.find("<svg").expect("a chart");
        let end = body[start..].find("</svg>").expect("the chart ends") + start + "</svg>".len();
        let svg = &body[start..end];
        let mut reader = quick_xml::Reader::from_str(svg);
        let (mut rects, mut texts) = (0, String::new());
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(tag)) if tag.name().as_ref() == "rect" => {
                    rects += 1
                }
                Ok(quick_xml::events::Event::Text(text)) => {
                    texts.push_str(&text.into_inner());
                    texts.push('\n');
                }
                Ok(_) => {}
                Err(e) => panic!(
                    "{what}: the SVG does not parse at {}: {e}",
                    reader.buffer_position()
                ),
            }
        }
        assert!(rects >= 2, "{what}: bars and legend swatches");
        for source in brief.sources.iter().filter(|s| !s.outlet.contains('<')) {
            assert!(
                texts.contains(&source.outlet),
                "{what}: legend names {}",
                source.outlet
            );
        }
        assert!(
            body.contains("Version 1</strong> (shown)"),
            "{what}: version history"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_links_earlier_stories_and_go_deeper_links_resolve() {
    let site = Site::start().await;
    let mut checked_links = 0;
    for brief in latest_briefs(&site) {
        let body = site.page(&format!("/stories/{}", brief.story_id)).await;
        for entry in &brief.how_we_got_here {
            let date = entry.date.format("%Y").to_string();
            assert!(
                body.contains(&format!("<time datetime=\"{date}")),
                "timeline date {date}"
            );
            if let Some(earlier) = &entry.story_id {
                assert!(body.contains(&format!("href=\"/stories/{earlier}\"")));
            }
        }
        // Every site link of the page answers (no dangling story, entity or anchor page).
        let document = scraper::Html::parse_document(&body);
        let selector = scraper::Selector::parse("#go-deeper a, #more-on-these-topics h3 a")
            .expect("a selector");
        for link in document.select(&selector) {
            let href = link.value().attr("href").expect("an href");
            let path = href.split('#').next().expect("a path");
            assert_eq!(site.get(path).await.status, StatusCode::OK, "{href}");
            checked_links += 1;
        }
    }
    assert!(checked_links >= 8, "followed {checked_links} links");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_history_lists_what_changed() {
    let site = Site::start().await;
    let (story, version) = site.add_follow_up();
    assert_eq!(version, 2);
    let path = format!("/stories/{story}");
    let body = site.page(&path).await;
    assert!(body.contains("Version 2</strong> (shown)"), "{body}");
    assert!(body.contains(&format!("<a href=\"{path}?version=1\">Version 1</a>")));
    assert!(
        body.contains("1 source added (Lantern Post)"),
        "what changed: {body}"
    );
    assert!(body.contains("sentences changed") || body.contains("sentence changed"));

    let old = site.page(&format!("{path}?version=1")).await;
    assert!(old.contains("You are reading version 1 of this brief"));
    assert!(old.contains("Version 1</strong> (shown)"));
    let new_source = "<span class=\"outlet\">Lantern Post</span>";
    assert!(
        body.contains(new_source),
        "version 2 lists the Lantern Post source"
    );
    assert!(
        !old.contains(new_source),
        "version 1 has no Lantern Post source"
    );
    for bad in ["?version=9", "?version=0", "?version=x"] {
        let fetched = site.get(&format!("{path}{bad}")).await;
        assert_eq!(fetched.status, StatusCode::NOT_FOUND, "{bad}");
        assert_inert_html(bad, &fetched.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_404_pages_and_prefixes_redirect() {
    let site = Site::start().await;
    for path in [
        "/stories/s000000000000",
        "/entities/nobody-at-all",
        "/no/such/page",
    ] {
        let fetched = site.get(path).await;
        assert_eq!(fetched.status, StatusCode::NOT_FOUND, "{path}");
        assert!(fetched.content_type.starts_with("text/html"), "{path}");
        assert!(fetched.body.contains("<h1>Not found</h1>"), "{path}");
    }
    let story = &site.hostile_story;
    let fetched = site
        .get(&format!("/stories/{}", &story.as_str()[..8]))
        .await;
    assert_eq!(fetched.status, StatusCode::SEE_OTHER);
    let css = site.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.content_type, "text/css; charset=utf-8");
    assert!(css.body.contains("prefers-color-scheme: dark"));
    let icon = site.get("/static/favicon.svg").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.content_type, "image/svg+xml");
    let mut reader = quick_xml::Reader::from_str(&icon.body);
    let mut elements = Vec::new();
    loop {
        match reader.read_event().expect("the icon is well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(tag) | quick_xml::events::Event::Empty(tag) => {
                elements.push(tag.name().as_ref().to_string())
            }
            _ => {}
        }
    }
    assert_eq!(
        elements.first().map(String::as_str),
        Some("svg"),
        "{elements:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_pages_list_the_stories_that_mention_them() {
    let site = Site::start().await;
    let store = site.store();
    let briefs = latest_briefs(&site);
    // The card most stories share: a page that lists several is the better check.
    let card = briefs
        .iter()
        .flat_map(|b| &b.more_on_these_topics)
        .max_by_key(|c| {
            let shared = store.stories_mentioning(&c.id).map_or(0, |s| s.len());
            (shared, std::cmp::Reverse(c.id.clone()))
        })
        .expect("a card");
    let mentioning: BTreeSet<StoryId> = store
        .stories_mentioning(&card.id)
        .expect("the entity index")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(!mentioning.is_empty());
    let body = site.page(&format!("/entities/{}", card.id)).await;
    assert_inert_html("entity page", &body);
    assert!(body.contains(&format!("<h1>{}</h1>", card.name)));
    for story in &mentioning {
        // Linked by the headline of its latest brief, as the story page and the API show it.
        let headline = store
            .latest_brief(story)
            .expect("read")
            .expect("a brief")
            .headline;
        let link = format!(
            "<a href=\"/stories/{story}\">{}</a>",
            storyline_web::html::escape(&headline)
        );
        assert!(body.contains(&link), "{link}");
    }
    assert!(body.contains(&format!("href=\"/feeds/entities/{}.atom\"", card.id)));
}

/// A story of no articles, saved with a brief of its own: `template`'s sources (so the cards'
/// source numbers lead somewhere), `headline`, and `cards`.
fn save_story_with_cards(
    store: &mut dyn Store,
    template: &Brief,
    seed_url: &str,
    headline: &str,
    updated_at: DateTime<Utc>,
    cards: Vec<EntityCard>,
) -> StoryId {
    let id = StoryId::from_seed(&ArticleId::from_url(seed_url));
    let story = Story {
        id: id.clone(),
        headline: headline.to_string(),
        created_at: updated_at - Duration::hours(6),
        updated_at,
        article_count: 1,
        outlet_count: 1,
        merged_into: None,
    };
    store.save_stories(&[story], &[]).expect("save the story");
    let mut brief = template.clone();
    brief.story_id = id.clone();
    brief.headline = headline.to_string();
    brief.generated_at = updated_at;
    brief.more_on_these_topics = cards;
    store.save_brief(&brief).expect("save its brief");
    // As the pipeline's `save_written_brief` does: the entity index follows the cards.
    store
        .set_story_entities(&id, &brief.more_on_these_topics)
        .expect("index its cards");
    id
}

/// A card described (or not, with an empty `description`) from source 1 of its brief.
fn coverage_card(id: &str, name: &str, description: &str, seen_at: DateTime<Utc>) -> EntityCard {
    EntityCard {
        id: id.to_string(),
        name: name.to_string(),
        kind: EntityKind::Person,
        aliases: vec!["Captain Marlow".to_string(), "Marlow".to_string()],
        description: description.to_string(),
        description_source: DescriptionSource::Coverage { source: 1, seen_at },
        mentions: 3,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_pages_say_who_the_entity_is_from_the_newest_card() {
    let site = Site::start().await;
    let mut store = site.store();
    let template = latest_briefs(&site)
        .into_iter()
        .find(|b| b.story_id != site.hostile_story && !b.sources.is_empty())
        .expect("a fixture brief with sources");
    let source = template.sources[0].clone();
    let day = |d: u32| {
        Utc.with_ymd_and_hms(2025, 9, d, 10, 0, 0)
            .single()
            .expect("a valid date")
    };
    // Two stories name the same harbour pilot, a day apart; neither says what the silt
    // board is.
    let older = save_story_with_cards(
        &mut store,
        &template,
        "https://harbourtimes.example/2025/09/11/pilot-boat",
        "Kelmouth pilot boat refitted",
        day(11),
        vec![
            coverage_card(
                "ines-marlow",
                "Ines Marlow",
                "Ines Marlow is a pilot.",
                day(11),
            ),
            coverage_card("silt-board", "Silt Board", "", day(11)),
        ],
    );
    let newer = save_story_with_cards(
        &mut store,
        &template,
        "https://harbourtimes.example/2025/09/13/pilot-guides-ships",
        "Pilot guides the first ships out of Kelmouth",
        day(13),
        vec![
            coverage_card(
                "ines-marlow",
                "Ines Marlow",
                "Ines Marlow is Kelmouth's chief harbour pilot.",
                day(13),
            ),
            coverage_card("silt-board", "Silt Board", "", day(13)),
        ],
    );

    let body = site.page("/entities/ines-marlow").await;
    assert_inert_html("described entity", &body);
    let kind_line = "<p class=\"kind\">person</p>";
    let description = "<p class=\"description\">Ines Marlow is Kelmouth's chief harbour pilot.</p>";
    assert!(
        body.contains(&format!("{kind_line}{description}")),
        "the newest card's description follows the kind line: {body}"
    );
    let provenance = format!(
        "<p class=\"provenance\">as described by <a href=\"{}\" rel=\"{EXTERNAL_REL}\">{}</a> \
         in <a href=\"/stories/{newer}\">Pilot guides the first ships out of Kelmouth</a>, \
         <time datetime=\"2025-09-13T10:00:00Z\">13 September 2025</time></p>",
        escape(&source.url),
        escape(&source.outlet),
    );
    assert!(body.contains(&provenance), "{provenance} in {body}");
    assert!(body.contains("<p class=\"meta\">Also called Captain Marlow, Marlow.</p>"));
    assert!(
        !body.contains("Ines Marlow is a pilot."),
        "the older story's card is not shown"
    );
    assert!(body.contains(&format!("<a href=\"/stories/{older}\">")));

    let undescribed = site.page("/entities/silt-board").await;
    assert_inert_html("undescribed entity", &undescribed);
    assert!(undescribed.contains("<h1>Silt Board</h1>"));
    assert!(
        !undescribed.contains("class=\"description\"") && !undescribed.contains("as described"),
        "no description without one: {undescribed}"
    );
    for story in [&older, &newer] {
        assert!(undescribed.contains(&format!("<a href=\"/stories/{story}\">")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_highlights_matches_and_shows_their_stories() {
    let site = Site::start().await;
    let empty = site.page("/search").await;
    assert!(empty.contains("<form class=\"search\" method=\"get\" action=\"/search\""));

    let body = site.page("/search?q=Dockworkers+pay").await;
    assert_inert_html("search", &body);
    assert!(
        body.to_lowercase().contains("<mark>dockworkers</mark>"),
        "{body}"
    );
    assert!(body.contains("<mark>pay</mark>"));
    assert!(
        body.contains("value=\"Dockworkers pay\""),
        "the query stays in the box"
    );
    let store = site.store();
    let kelmouth: Vec<StoryId> = store
        .stories()
        .expect("stories")
        .into_iter()
        .filter(|s| s.headline.contains("Kelmouth"))
        .map(|s| s.id)
        .collect();
    assert!(
        kelmouth
            .iter()
            .any(|id| body.contains(&format!("<a href=\"/stories/{id}\">"))),
        "search results link their stories"
    );

    let nothing = site.page("/search?q=zeppelin").await;
    assert!(nothing.contains("Nothing found for"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_escaped_on_every_page() {
    let site = Site::start().await;
    let story = site.hostile_story.clone();
    assert_hostile_escaped("front page", &site.page("/").await);
    let story_page = site.page(&format!("/stories/{story}")).await;
    assert_hostile_escaped("hostile story", &story_page);
    // The javascript: article is listed as a source, but as text, not as a link.
    assert!(story_page.contains("<span class=\"unlinked\">Brackenridge ferry fares"));

    let brief = site
        .store()
        .latest_brief(&story)
        .expect("read")
        .expect("the hostile story's brief");
    let card = brief
        .more_on_these_topics
        .first()
        .expect("the hostile story names someone");
    assert_hostile_escaped(
        "entity page",
        &site.page(&format!("/entities/{}", card.id)).await,
    );

    let search = site.page("/search?q=Brackenridge+ferry").await;
    assert_hostile_escaped("search results", &search);
    assert!(search.contains("<mark>Brackenridge</mark>"));
    // The query itself is echoed escaped, in the box and in the title.
    let query = site
        .page("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")
        .await;
    assert_hostile_escaped("hostile query", &query);

    let feeds = site.page("/feeds").await;
    assert_hostile_escaped("feed health", &feeds);
    assert!(feeds.contains(
        "<a href=\"https://harbourtimes.example/feed.xml\" rel=\"noopener noreferrer nofollow\">"
    ));
    assert!(feeds.contains("Failing (3 times in a row)"));
    assert!(feeds.contains(SCRIPT_ESCAPED));
}
