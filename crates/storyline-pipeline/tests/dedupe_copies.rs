//! Copy detection on invented articles: a wire story and its edited republications must be
//! found, independent write-ups of the same event must not.

use chrono::{Duration, TimeZone, Utc};
use storyline_model::{Article, ArticleId, ExtractionStatus};
use storyline_nlp::terms::content_hash;
use storyline_pipeline::dedupe::{Deduper, NEAR_DUPLICATE_JACCARD};

const WIRE_HEADLINE: &str = "Valdora parliament passes river water-sharing law";
const WIRE: [&str; 6] = [
    "MERIDIA (Northwire) - Valdora's parliament on Thursday passed a law that splits the water of the Orsa river between farms, towns and the hydropower dam, ending two years of dispute between the northern and southern provinces.",
    "The bill was approved by 118 votes to 64 after a night-long debate. It caps what the Tessel dam may hold back in dry months and gives farmers a guaranteed share of the flow from April to September.",
    "Agriculture minister Ilse Baranek said the law would protect some 40,000 smallholders who lost harvests during the drought of last summer. \"Nobody will again watch their fields die while the reservoir is full,\" she told lawmakers.",
    "The opposition Civic Union voted against, arguing that the caps would raise electricity prices in the cities. Its leader, Tomas Reyl, said the party would ask the constitutional court to review the law.",
    "Water disputes along the Orsa have grown since the Tessel dam opened in 2019. Southern provinces say upstream irrigation has left their canals half empty for three summers in a row.",
    "The law takes effect in May, once it is signed by President Aurel Danic, who has said he supports it.",
];

fn body(paragraphs: &[&str]) -> String {
    paragraphs.join("\n")
}

fn article(url: &str, publisher: &str, minutes: i64, headline: &str, body: &str) -> Article {
    let base = Utc
        .with_ymd_and_hms(2025, 4, 10, 9, 0, 0)
        .single()
        .expect("valid date");
    Article {
        id: ArticleId::from_url(url),
        url: url.to_string(),
        headline: headline.to_string(),
        article_body: body.to_string(),
        description: None,
        author: Vec::new(),
        date_published: Some(base + Duration::minutes(minutes)),
        date_modified: None,
        date_fetched: base + Duration::minutes(minutes + 5),
        in_language: Some("en".to_string()),
        outlet: storyline_model::Outlet::from_source(url, publisher),
        image: None,
        feed_url: None,
        content_hash: content_hash(body),
        duplicate_of: None,
        extraction: ExtractionStatus::Full,
        extra: serde_json::Map::new(),
    }
}

fn wire() -> Article {
    article(
        "https://northwire.example/valdora-water-law",
        "Northwire",
        0,
        WIRE_HEADLINE,
        &body(&WIRE),
    )
}

/// The republication: new headline, the fifth paragraph dropped, a local line added.
fn republished() -> Article {
    let mut paragraphs: Vec<&str> = WIRE.to_vec();
    paragraphs.remove(4);
    paragraphs
        .push("The Meridia Evening Star will follow the court challenge in the coming weeks.");
    article(
        "https://eveningstar.example/news/water-law-vote",
        "Meridia Evening Star",
        45,
        "Farmers win guaranteed share of Orsa water as law passes",
        &body(&paragraphs),
    )
}

/// The same event written up by another outlet in its own words.
fn independent() -> Article {
    let text = "Lawmakers in Valdora approved the Orsa water-sharing law late on Thursday, 118 to 64, after debating through the night.\n\
        Under the new rules the Tessel dam must release more water to farms between April and September, and its reservoir may hold back less in dry months.\n\
        Ilse Baranek, the agriculture minister, told parliament that smallholders would no longer see their fields die beside a full reservoir. About 40,000 farms lost crops in last summer's drought.\n\
        The Civic Union opposed the bill. Tomas Reyl, who leads the party, warned that city households would pay more for electricity and said the law would be challenged in the constitutional court.\n\
        President Aurel Danic is expected to sign it; it would take effect in May.";
    article(
        "https://valleycourier.example/2025/04/10/orsa-law",
        "Valley Courier",
        90,
        "Orsa water law approved after all-night debate",
        text,
    )
}

#[test]
fn republished_wire_story_is_a_copy_of_the_wire() {
    let deduper = Deduper::from_articles(&[wire()]);
    let (original, similarity) = deduper.original_of(&republished()).expect("copy detected");
    assert_eq!(original, wire().id);
    assert!(
        (NEAR_DUPLICATE_JACCARD..1.0).contains(&similarity),
        "{similarity}"
    );
}

#[test]
fn independent_report_of_the_same_event_is_not_a_copy() {
    let deduper = Deduper::from_articles(&[wire(), republished()]);
    assert_eq!(deduper.original_of(&independent()), None);
}

#[test]
fn identical_body_with_other_spacing_matches_by_hash() {
    let deduper = Deduper::from_articles(&[wire()]);
    let reflowed = body(&WIRE).replace('\n', "\n\n").replace(", ", " ,  ");
    let copy = article(
        "https://other.example/a",
        "Other",
        10,
        "Water law passes",
        &reflowed,
    );
    assert_eq!(deduper.original_of(&copy), Some((wire().id, 1.0)));
}

#[test]
fn the_same_url_is_not_its_own_copy() {
    let deduper = Deduper::from_articles(&[wire()]);
    assert_eq!(deduper.original_of(&wire()), None);
}

#[test]
fn a_copy_of_a_copy_points_to_the_first_original() {
    let mut deduper = Deduper::new();
    deduper.add(&wire());
    let mut first_copy = republished();
    first_copy.duplicate_of = deduper.original_of(&first_copy).map(|(id, _)| id);
    deduper.add(&first_copy);
    // A second republication of the first copy, closer to it than to the wire.
    let mut text = first_copy.article_body.clone();
    text.push_str("\nReaders can send questions about the law to the newsroom.");
    let second = article(
        "https://weekly.example/orsa",
        "Weekly",
        120,
        "Water law: what changes",
        &text,
    );
    assert_eq!(
        deduper.original_of(&second).map(|(id, _)| id),
        Some(wire().id)
    );
    // The chain is kept when the deduper is rebuilt from stored articles.
    let rebuilt = Deduper::from_articles(&[first_copy, wire()]);
    assert_eq!(
        rebuilt.original_of(&second).map(|(id, _)| id),
        Some(wire().id)
    );
}

#[test]
fn earliest_added_article_is_the_original() {
    let later_copy = article("https://late.example/x", "Late", 300, "Copy", &body(&WIRE));
    let deduper = Deduper::from_articles(&[later_copy.clone(), wire()]);
    let third = article(
        "https://third.example/y",
        "Third",
        400,
        "Copy",
        &body(&WIRE),
    );
    assert_eq!(
        deduper.original_of(&third).map(|(id, _)| id),
        Some(wire().id)
    );
}

#[test]
fn short_bodies_are_never_copies() {
    let teaser = "Read the full story on our website.";
    let deduper = Deduper::from_articles(&[article("https://a.example/1", "A", 0, "One", teaser)]);
    assert_eq!(
        deduper.original_of(&article("https://b.example/2", "B", 5, "Two", teaser)),
        None
    );
    assert_eq!(
        deduper.original_of(&article("https://b.example/3", "B", 5, "Three", "")),
        None
    );
}
