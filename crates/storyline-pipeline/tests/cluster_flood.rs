//! One feed of near-template items (the same item with a running number, a minute apart)
//! must cost the clusterer per article what real news costs, whatever shape the flood takes:
//! the work counters of `Clusterer::stats` stay bounded per article, where the old lookup
//! scored every story holding the template's words and a story's centroid grew with every
//! item. Counters, not timings: timings belong to `cluster_stream_bench flood`.

use chrono::{Duration, TimeZone, Utc};
use storyline_model::{Article, ArticleId, ExtractionStatus};
use storyline_nlp::terms::content_hash;
use storyline_pipeline::cluster::{ClusterConfig, ClusterStats, Clusterer};

/// Items per flood: nearly three days of one item a minute.
const FLOOD: usize = 4_000;

/// Items of the `one-line` flood: its story's centroid gains about two terms per item (the
/// number and those of its character grams not seen yet) and takes no more members at
/// 16,384 terms, after about 8,000 items; the second half of this flood comes after that.
const ONE_LINE_FLOOD: usize = 20_000;

/// Items of the `named` flood: enough for its one story to outgrow what refinement reads of
/// it (1,024 members) well before the second half.
const NAMED_FLOOD: usize = 8_000;

/// Items of the `long` flood, whose every item is a story of its own: fewer, because each
/// costs two lookups of a full text (assignment and refinement), which an unoptimised test
/// build takes its time over; by its second half the old lookup scored over a thousand
/// stories per item here too.
const LONG_FLOOD: usize = 2_000;

/// Item `i` of a flood of the given kind (the benchmark's kinds): `one-line` makes one story
/// that grows with every item, `titled` thousands of headline stories that share the
/// template's words, `long` one story of a full text per item, `named` one story of full
/// texts.
fn item(template: &str, i: usize) -> Article {
    let sentence = format!(
        "Summary {i}: officials in district {i} announced measure {i} on schools and roads."
    );
    let (headline, body) = match template {
        "one-line" => (sentence.clone(), sentence),
        "titled" => (format!("Summary {i}"), sentence),
        "long" => (
            format!("Item {i}"),
            (0..8)
                .map(|k| {
                    format!(
                        "Summary {i}{k}: officials in district {i} announced measure {k}{i} on \
                         schools and roads, number {k} of {i}."
                    )
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "named" => (
            format!("Governor Alma Reyes update {i}"),
            format!(
                "Governor Alma Reyes of Port Lindqvist said in update {i} that the harbour \
                 authority, the transport ministry and the city council agreed to fund dredging, \
                 new cranes, flood barriers, rail sidings, customs sheds, a ferry terminal and \
                 training for {i} workers. Critics in Lindqvist warned about costs, delays, \
                 pollution and traffic near schools. Reyes promised audits, hearings and \
                 quarterly reports."
            ),
        ),
        other => panic!("unknown template {other}"),
    };
    let published = Utc
        .with_ymd_and_hms(2025, 5, 1, 0, 0, 0)
        .single()
        .expect("valid date")
        + Duration::minutes(i as i64);
    let url = format!("https://flood.example/{template}/{i}");
    Article {
        id: ArticleId::from_url(&url),
        url,
        headline,
        content_hash: content_hash(&body),
        article_body: body,
        description: None,
        author: Vec::new(),
        date_published: Some(published),
        date_modified: None,
        date_fetched: published,
        in_language: Some("en".to_string()),
        outlet: storyline_model::Outlet::from_source("https://flood-wire.example/", "Flood Wire"),
        image: None,
        feed_url: None,
        duplicate_of: None,
        extraction: ExtractionStatus::Full,
        extra: serde_json::Map::new(),
    }
}

/// What the second half of a flood cost, per article assigned in it.
#[derive(Debug)]
struct Cost {
    /// Stories scored exactly, per lookup.
    scored_per_lookup: f64,
    /// Entries of the term lookup read, per lookup.
    scanned_per_lookup: f64,
    /// Centroid entries rewritten, per article.
    centroid_entries_per_article: f64,
    /// Members looked at by refinement, per article.
    refined_per_article: f64,
    stories: usize,
}

/// Clusters a flood of `n` items and measures its second half (two refinements of a thousand
/// articles each, the last at the end), where a cost that grows with the flood is largest.
fn flood_cost(template: &str, n: usize) -> Cost {
    let items: Vec<Article> = (1..=n).map(|i| item(template, i)).collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let half = n / 2;
    let mut before = ClusterStats::default();
    for (position, article) in items.iter().enumerate() {
        if position == n - half {
            before = clusterer.stats();
        }
        clusterer.assign(article);
    }
    clusterer.finish();
    let after = clusterer.stats();
    let lookups = (after.lookups - before.lookups).max(1) as f64;
    Cost {
        scored_per_lookup: (after.candidates_scored - before.candidates_scored) as f64 / lookups,
        scanned_per_lookup: (after.postings_scanned - before.postings_scanned) as f64 / lookups,
        centroid_entries_per_article: (after.centroid_entries_written
            - before.centroid_entries_written) as f64
            / half as f64,
        refined_per_article: (after.members_refined - before.members_refined) as f64 / half as f64,
        stories: clusterer.story_count(),
    }
}

/// Bounds on a flood's second half. A lookup scores at most 256 stories and reads at most
/// 512 entries of each of an article's 20 heaviest terms; the old lookup scored every story
/// holding a term, over a thousand by this point of the `titled` and `long` floods. A
/// centroid takes no member once it holds 16,384 terms, so adding one rewrites at most that
/// many entries and the article's own; the one story of the `one-line` flood used to be
/// rewritten whole for every item, some 20,000 entries by its second half and growing.
/// Refinement, every 1,000 articles, looks at most at a sample of 1,024 members of a story
/// for the split test and at its newest 1,024 in each of up to three passes of moves: about
/// four per article for a flood of one story, one for a flood of stories of one article. It
/// looked at all of them each time: at least thirteen per article in the second half of the
/// `named` flood.
fn check(template: &str, n: usize) -> Cost {
    let cost = flood_cost(template, n);
    assert!(cost.scored_per_lookup <= 256.0, "{template}: {cost:?}");
    assert!(
        cost.scanned_per_lookup <= 20.0 * 512.0,
        "{template}: {cost:?}"
    );
    assert!(
        cost.centroid_entries_per_article <= 16_384.0 + 1_000.0,
        "{template}: {cost:?}"
    );
    assert!(cost.refined_per_article <= 5.0, "{template}: {cost:?}");
    cost
}

#[test]
fn a_flood_of_one_line_items_stays_cheap_in_one_story() {
    let cost = check("one-line", ONE_LINE_FLOOD);
    assert_eq!(cost.stories, 1, "{cost:?}");
    // Past the cap the story's centroid is not rewritten at all.
    assert_eq!(cost.centroid_entries_per_article, 0.0, "{cost:?}");
}

#[test]
fn a_flood_of_headline_stories_sharing_words_scores_a_bounded_few() {
    let cost = check("titled", FLOOD);
    assert!(cost.stories > FLOOD / 4, "{cost:?}");
}

#[test]
fn a_flood_of_full_texts_each_a_story_scores_a_bounded_few() {
    let cost = check("long", LONG_FLOOD);
    assert!(cost.stories > LONG_FLOOD / 2, "{cost:?}");
}

#[test]
fn a_flood_of_full_texts_in_one_story_refines_a_bounded_few() {
    let cost = check("named", NAMED_FLOOD);
    assert_eq!(cost.stories, 1, "{cost:?}");
}

#[test]
fn a_flood_is_clustered_the_same_way_twice() {
    // Past 512 stories, so that the caps choose which stories are scored.
    let items: Vec<Article> = (1..=1_200).map(|i| item("long", i)).collect();
    let run = || {
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        for article in &items {
            clusterer.assign(article);
        }
        clusterer.finish();
        items
            .iter()
            .map(|a| clusterer.story_of(&a.id).cloned())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}
