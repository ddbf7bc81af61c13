//! The conformance suite every [`Store`] backend must pass: the contract written on the
//! trait, checked. Each check of [`CHECKS`] gets a fresh, empty store. The backends'
//! integration tests run each check as a test of its own (`conformance_tests!` in
//! `tests/conformance_support`), so that a failure names its check; [`run_all`] runs them
//! all in one go.
//!
//! The fixtures are invented: a harbour strike in the fictional town of Port Ellery, told by
//! three fictional outlets; the knowledge-base entries are written in the shape of Wikidata's.

use crate::{
    ClusterStateChanges, ClusterStoryRow, ClusterTermRow, NearDuplicateKey, Store, StoreCounts,
    StoreError, StoreErrorKind, StoryEntityRow, StoryProfileMatch, StoryProfileRow,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use storyline_model::{
    Article, ArticleId, BRIEF_SCHEMA_VERSION, Brief, BriefEngine, CheckReport, Citation,
    DescriptionSource, EntityCard, EntityKind, ExtractionStatus, Feed, KbEntity, Outlet, Section,
    Sentence, Source, Story, StoryArticle, StoryId,
};

/// One named check, run against a fresh store.
pub type Check = fn(&mut dyn Store);

/// Every check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("feeds_round_trip_in_order", feeds_round_trip_in_order),
    (
        "adding_a_known_feed_changes_nothing",
        adding_a_known_feed_changes_nothing,
    ),
    (
        "feed_state_updates_keep_added_at",
        feed_state_updates_keep_added_at,
    ),
    ("removing_feeds", removing_feeds),
    (
        "article_aliases_are_known_ids",
        article_aliases_are_known_ids,
    ),
    (
        "articles_round_trip_every_field",
        articles_round_trip_every_field,
    ),
    ("inserting_again_is_a_no_op", inserting_again_is_a_no_op),
    (
        "an_id_repeated_in_a_batch_keeps_the_first",
        an_id_repeated_in_a_batch_keeps_the_first,
    ),
    (
        "a_failing_article_batch_leaves_nothing",
        a_failing_article_batch_leaves_nothing,
    ),
    (
        "duplicate_of_may_name_an_article_of_the_same_batch",
        duplicate_of_may_name_an_article_of_the_same_batch,
    ),
    (
        "articles_by_ids_keep_the_requested_order",
        articles_by_ids_keep_the_requested_order,
    ),
    (
        "article_heads_are_the_articles_without_their_bodies",
        article_heads_are_the_articles_without_their_bodies,
    ),
    (
        "content_hash_finds_the_earliest_inserted",
        content_hash_finds_the_earliest_inserted,
    ),
    (
        "articles_are_ordered_by_effective_time_then_id",
        articles_are_ordered_by_effective_time_then_id,
    ),
    (
        "unclustered_articles_exclude_story_members",
        unclustered_articles_exclude_story_members,
    ),
    ("marking_duplicates", marking_duplicates),
    (
        "stories_upsert_and_list_most_recent_first",
        stories_upsert_and_list_most_recent_first,
    ),
    (
        "renaming_changes_only_a_live_storys_headline",
        renaming_changes_only_a_live_storys_headline,
    ),
    (
        "memberships_upsert_and_move_between_stories",
        memberships_upsert_and_move_between_stories,
    ),
    (
        "a_failing_story_batch_leaves_nothing",
        a_failing_story_batch_leaves_nothing,
    ),
    (
        "resolving_story_ids_and_prefixes",
        resolving_story_ids_and_prefixes,
    ),
    (
        "ambiguous_prefixes_list_their_candidates",
        ambiguous_prefixes_list_their_candidates,
    ),
    (
        "resolving_follows_merge_chains",
        resolving_follows_merge_chains,
    ),
    ("briefs_are_versioned", briefs_are_versioned),
    ("a_brief_needs_its_story", a_brief_needs_its_story),
    (
        "search_finds_words_in_headlines_and_bodies",
        search_finds_words_in_headlines_and_bodies,
    ),
    (
        "search_treats_any_input_as_plain_words",
        search_treats_any_input_as_plain_words,
    ),
    (
        "brief_search_finds_the_latest_shown_text_of_live_stories",
        brief_search_finds_the_latest_shown_text_of_live_stories,
    ),
    (
        "brief_search_treats_any_input_as_plain_words",
        brief_search_treats_any_input_as_plain_words,
    ),
    (
        "generation_grows_with_story_and_brief_writes",
        generation_grows_with_story_and_brief_writes,
    ),
    ("counts_follow_the_contents", counts_follow_the_contents),
    (
        "kb_entries_are_found_by_any_name",
        kb_entries_are_found_by_any_name,
    ),
    (
        "kb_lookup_ranks_label_matches_then_ids",
        kb_lookup_ranks_label_matches_then_ids,
    ),
    (
        "kb_upsert_replaces_fields_and_names",
        kb_upsert_replaces_fields_and_names,
    ),
    (
        "kb_a_failing_batch_leaves_nothing",
        kb_a_failing_batch_leaves_nothing,
    ),
    (
        "kb_ten_thousand_entries_in_one_batch",
        kb_ten_thousand_entries_in_one_batch,
    ),
    (
        "story_entities_index_and_replace",
        story_entities_index_and_replace,
    ),
    (
        "story_entities_need_their_story",
        story_entities_need_their_story,
    ),
    (
        "cluster_state_saves_with_its_memberships_and_refuses_a_stale_base",
        cluster_state_saves_with_its_memberships_and_refuses_a_stale_base,
    ),
    (
        "a_replacing_cluster_save_drops_the_old_state",
        a_replacing_cluster_save_drops_the_old_state,
    ),
    (
        "membership_changes_mark_stories_dirty_until_marked_current",
        membership_changes_mark_stories_dirty_until_marked_current,
    ),
    (
        "story_profiles_are_found_by_shared_keys",
        story_profiles_are_found_by_shared_keys,
    ),
    (
        "story_profiles_save_together_or_not_at_all",
        story_profiles_save_together_or_not_at_all,
    ),
    (
        "a_written_brief_saves_everything_in_one_go",
        a_written_brief_saves_everything_in_one_go,
    ),
    (
        "profile_key_counts_stop_at_the_cap",
        profile_key_counts_stop_at_the_cap,
    ),
    (
        "a_common_key_brings_its_most_recent_stories",
        a_common_key_brings_its_most_recent_stories,
    ),
    (
        "near_duplicate_index_is_written_with_the_articles",
        near_duplicate_index_is_written_with_the_articles,
    ),
    (
        "articles_stored_before_the_index_can_be_indexed_later",
        articles_stored_before_the_index_can_be_indexed_later,
    ),
    (
        "changed_stories_are_listed_after_a_change_number",
        changed_stories_are_listed_after_a_change_number,
    ),
    (
        "invariant_checks_find_what_is_broken",
        invariant_checks_find_what_is_broken,
    ),
    (
        "feed_leases_go_least_recently_fetched_first",
        feed_leases_go_least_recently_fetched_first,
    ),
    (
        "leased_feeds_are_not_handed_out_again_until_the_lease_expires",
        leased_feeds_are_not_handed_out_again_until_the_lease_expires,
    ),
    (
        "only_a_workers_own_feed_leases_are_released",
        only_a_workers_own_feed_leases_are_released,
    ),
    (
        "dirty_story_leases_exclude_other_workers_until_they_expire",
        dirty_story_leases_exclude_other_workers_until_they_expire,
    ),
    (
        "only_a_workers_own_story_leases_are_released",
        only_a_workers_own_story_leases_are_released,
    ),
    (
        "the_clustering_lease_has_one_holder_until_it_expires",
        the_clustering_lease_has_one_holder_until_it_expires,
    ),
    (
        "articles_are_listed_in_insertion_order_a_page_at_a_time",
        articles_are_listed_in_insertion_order_a_page_at_a_time,
    ),
    (
        "near_duplicate_keys_are_read_back_by_id",
        near_duplicate_keys_are_read_back_by_id,
    ),
    (
        "article_aliases_are_listed_by_alias",
        article_aliases_are_listed_by_alias,
    ),
    (
        "every_story_is_listed_by_id_merged_ones_too",
        every_story_is_listed_by_id_merged_ones_too,
    ),
    (
        "memberships_are_listed_by_article",
        memberships_are_listed_by_article,
    ),
    (
        "briefs_are_listed_by_story_and_version_and_imported_with_their_versions",
        briefs_are_listed_by_story_and_version_and_imported_with_their_versions,
    ),
    (
        "story_entities_are_listed_and_imported_as_rows",
        story_entities_are_listed_and_imported_as_rows,
    ),
    (
        "kb_entries_are_listed_by_source_and_id",
        kb_entries_are_listed_by_source_and_id,
    ),
    (
        "cluster_state_is_listed_in_parts_and_imported_with_its_version",
        cluster_state_is_listed_in_parts_and_imported_with_its_version,
    ),
    (
        "story_profiles_are_listed_with_their_keys",
        story_profiles_are_listed_with_their_keys,
    ),
    (
        "dirty_marks_are_listed_and_imported_exactly",
        dirty_marks_are_listed_and_imported_exactly,
    ),
];

/// Runs every check, each on a store fresh from `make`. Panics, naming the check, on the
/// first failure.
pub fn run_all(make: &mut dyn FnMut() -> Box<dyn Store>) {
    for (name, check) in CHECKS {
        let mut store = make();
        eprintln!("store conformance: {name}");
        check(store.as_mut());
    }
}

fn article_aliases_are_known_ids(store: &mut dyn Store) {
    let stored = article("ferry-strike", Some(at(3, 9)), at(3, 10));
    store
        .insert_articles(std::slice::from_ref(&stored))
        .expect("insert");
    let link = aid("feed-link-48213");
    assert!(!store.has_article(&link).expect("has_article"));
    store
        .add_article_aliases(&[(link.clone(), stored.id.clone())])
        .expect("alias");
    assert!(
        store.has_article(&link).expect("has_article"),
        "an alias is a known id"
    );
    // Recording it again, or an alias equal to the article's own id, changes nothing.
    store
        .add_article_aliases(&[
            (link.clone(), stored.id.clone()),
            (stored.id.clone(), stored.id.clone()),
        ])
        .expect("alias again");
    assert_eq!(store.all_articles().expect("all").len(), 1);
    // An alias of an unknown article is refused, and nothing of the batch is recorded.
    let other = aid("other-link");
    let err = store
        .add_article_aliases(&[
            (other.clone(), stored.id.clone()),
            (aid("x"), aid("missing")),
        ])
        .expect_err("unknown article");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(!store.has_article(&other).expect("has_article"));
    // Asked in a batch, the same answers, in the order asked.
    assert_eq!(
        store
            .known_articles(&[other.clone(), stored.id.clone(), link.clone(), other, link])
            .expect("known_articles"),
        vec![false, true, true, false, true]
    );
    assert!(store.known_articles(&[]).expect("none asked").is_empty());
}

// ---------------------------------------------------------------------------------------
// Fixtures

/// 2024-05-`day` at `hour`:00 UTC.
fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, day, hour, 0, 0)
        .single()
        .expect("fixture dates are valid")
}

fn aid(slug: &str) -> ArticleId {
    ArticleId(format!("a-{slug}"))
}

fn sid(id: &str) -> StoryId {
    StoryId(id.to_string())
}

/// A plain article published at `published` (or undated, then fetched at `fetched`).
fn article(slug: &str, published: Option<DateTime<Utc>>, fetched: DateTime<Utc>) -> Article {
    Article {
        id: aid(slug),
        url: format!("https://harbour-times.example/news/{slug}"),
        headline: format!("Port Ellery dockworkers: {slug}"),
        article_body: format!(
            "Dockworkers in Port Ellery walked out on Monday.\nThis report ({slug}) follows \
             the talks between the union and the harbour board."
        ),
        description: None,
        author: Vec::new(),
        date_published: published,
        date_modified: None,
        date_fetched: fetched,
        in_language: Some("en".to_string()),
        outlet: Outlet::from_source(
            &format!("https://harbour-times.example/news/{slug}"),
            "The Harbour Times",
        ),
        image: None,
        feed_url: None,
        content_hash: format!("hash-{slug}"),
        duplicate_of: None,
        extraction: ExtractionStatus::Full,
        extra: serde_json::Map::new(),
    }
}

fn dated(slug: &str, day: u32, hour: u32) -> Article {
    article(slug, Some(at(day, hour)), at(28, 0))
}

/// An article with every optional field filled and awkward text.
fn full_article() -> Article {
    let mut extra = serde_json::Map::new();
    extra.insert("section".into(), serde_json::json!("Local"));
    extra.insert("wordCount".into(), serde_json::json!(412));
    extra.insert(
        "tags".into(),
        serde_json::json!(["strike", "harbour", {"nested": null}]),
    );
    Article {
        id: aid("full"),
        url: "https://valley-courier.example/2024/05/03/harbour-talks?page=2".to_string(),
        headline: "Harbour board offers 4.5% — union says \"not enough\"".to_string(),
        article_body: "The harbour board of Port Ellery offered a 4.5% raise on Friday.\n\
                       Union leader Maren Østby called the offer \"not enough\" and said \
                       the strike would continue into a second week.\n\
                       Ferries to São Brás were cancelled; 年 and emoji 🚢 survive too."
            .to_string(),
        description: Some("Talks resume, but no deal yet.".to_string()),
        author: vec!["Maren Holt".to_string(), "Idris Okafor".to_string()],
        date_published: Some(at(3, 17) + Duration::nanoseconds(123_456_789)),
        date_modified: Some(at(3, 19)),
        date_fetched: at(3, 20),
        in_language: Some("en-GB".to_string()),
        // Every field of the outlet, as a table row would fill it.
        outlet: Outlet {
            id: "valley-courier.example".to_string(),
            name: "Valley Courier".to_string(),
            host: Some("valley-courier.example".to_string()),
            country: Some("NZ".to_string()),
            language: Some("en".to_string()),
            owner: Some("Courier Holdings Ltd".to_string()),
        },
        image: Some("https://valley-courier.example/img/harbour.jpg".to_string()),
        feed_url: Some("https://valley-courier.example/rss".to_string()),
        content_hash: "9f2c4e0a7b1d3c5e9f2c4e0a7b1d3c5e9f2c4e0a7b1d3c5e9f2c4e0a7b1d3c5e"
            .to_string(),
        duplicate_of: None,
        extraction: ExtractionStatus::FeedSummaryOnly {
            reason: "HTTP 403 from valley-courier.example".to_string(),
        },
        extra,
    }
}

fn story(id: &str, headline: &str, updated: DateTime<Utc>) -> Story {
    Story {
        id: sid(id),
        headline: headline.to_string(),
        created_at: at(1, 8),
        updated_at: updated,
        article_count: 2,
        outlet_count: 1,
        merged_into: None,
    }
}

fn member(story: &str, slug: &str, score: f32, why: &[&str]) -> StoryArticle {
    StoryArticle {
        story_id: sid(story),
        article_id: aid(slug),
        score,
        why: why.iter().map(|w| w.to_string()).collect(),
    }
}

fn brief(story: &str, headline: &str, generated: DateTime<Utc>) -> Brief {
    let sentence = |text: &str| Sentence {
        text: text.to_string(),
        citations: vec![Citation::Source(1)],
    };
    Brief {
        schema_version: BRIEF_SCHEMA_VERSION,
        story_id: sid(story),
        // Deliberately wrong: the store assigns versions.
        version: 77,
        headline: headline.to_string(),
        generated_at: generated,
        engine: BriefEngine {
            name: "extractive".to_string(),
            version: "0.1.0".to_string(),
            model: None,
            prompt_version: None,
        },
        input_articles: vec![aid("walkout")],
        sources: vec![Source {
            n: 1,
            article_id: aid("walkout"),
            outlet: "The Harbour Times".to_string(),
            title: "Port Ellery dockworkers walk out".to_string(),
            url: "https://harbour-times.example/news/walkout".to_string(),
            published: Some(at(1, 7)),
            copy_of: None,
        }],
        whats_happened: Section {
            sentences: vec![sentence("Dockworkers in Port Ellery walked out on Monday.")],
            fallback_engine: None,
        },
        behind_the_headline: Section::default(),
        what_the_papers_say: Section::default(),
        how_we_got_here: Vec::new(),
        go_deeper: Vec::new(),
        more_on_these_topics: Vec::new(),
        checks: CheckReport {
            passed: true,
            sentences_checked: 1,
            failures: Vec::new(),
        },
    }
}

fn insert(store: &mut dyn Store, articles: &[Article]) -> Vec<bool> {
    store.insert_articles(articles).expect("insert articles")
}

fn ids(articles: &[Article]) -> Vec<&str> {
    articles.iter().map(|a| a.id.as_str()).collect()
}

fn story_ids(stories: &[Story]) -> Vec<&str> {
    stories.iter().map(|s| s.id.as_str()).collect()
}

// ---------------------------------------------------------------------------------------
// Feeds

fn feeds_round_trip_in_order(store: &mut dyn Store) {
    let first = Feed::new("https://valley-courier.example/rss", None, at(1, 9));
    let mut later_https = Feed::new(
        "https://harbour-times.example/feed.xml",
        Some("The Harbour Times".to_string()),
        at(2, 9),
    );
    later_https.etag = Some("\"v1-abc\"".to_string());
    later_https.last_modified = Some("Thu, 02 May 2024 08:00:00 GMT".to_string());
    later_https.last_fetched_at = Some(at(2, 10));
    later_https.last_error = Some("HTTP 503 from harbour-times.example".to_string());
    later_https.error_count = 3;
    let later_file = Feed::new("file:///srv/corpus/ledger.xml", None, at(2, 9));

    assert_eq!(store.feeds().expect("feeds"), Vec::<Feed>::new());
    for feed in [&later_https, &first, &later_file] {
        assert!(store.add_feed(feed).expect("add feed"), "{}", feed.url);
    }
    // By added_at, then URL ("file:" sorts before "https:").
    assert_eq!(
        store.feeds().expect("feeds"),
        vec![first, later_file, later_https]
    );
}

fn adding_a_known_feed_changes_nothing(store: &mut dyn Store) {
    let feed = Feed::new(
        "https://valley-courier.example/rss",
        Some("Courier".into()),
        at(1, 9),
    );
    assert!(store.add_feed(&feed).expect("add"));
    let mut again = feed.clone();
    again.title = Some("Another title".to_string());
    again.added_at = at(5, 9);
    assert!(!store.add_feed(&again).expect("add again"));
    assert_eq!(store.feeds().expect("feeds"), vec![feed]);
}

fn feed_state_updates_keep_added_at(store: &mut dyn Store) {
    let feed = Feed::new("https://valley-courier.example/rss", None, at(1, 9));
    store.add_feed(&feed).expect("add");

    let mut polled = feed.clone();
    polled.title = Some("Valley Courier".to_string());
    polled.etag = Some("W/\"42\"".to_string());
    polled.last_modified = Some("Wed, 01 May 2024 10:00:00 GMT".to_string());
    polled.last_fetched_at = Some(at(1, 10));
    polled.last_error = Some("timed out after 30 s".to_string());
    polled.error_count = 2;
    let mut sent = polled.clone();
    sent.added_at = at(9, 9);
    store.update_feed_state(&sent).expect("update");
    assert_eq!(store.feeds().expect("feeds"), vec![polled.clone()]);

    // Clearing goes through too.
    let mut recovered = polled;
    recovered.last_error = None;
    recovered.error_count = 0;
    recovered.etag = None;
    store.update_feed_state(&recovered).expect("update");
    assert_eq!(store.feeds().expect("feeds"), vec![recovered]);

    let unknown = Feed::new("https://nowhere.example/feed", None, at(1, 9));
    match store.update_feed_state(&unknown) {
        Err(StoreError::NotFound { what }) => assert!(what.contains("nowhere.example"), "{what}"),
        other => panic!("updating an unknown feed gave {other:?}"),
    }
    assert_eq!(store.feeds().expect("feeds").len(), 1);
}

fn removing_feeds(store: &mut dyn Store) {
    let keep = Feed::new("https://valley-courier.example/rss", None, at(1, 9));
    let drop = Feed::new("https://harbour-times.example/feed.xml", None, at(2, 9));
    store.add_feed(&keep).expect("add");
    store.add_feed(&drop).expect("add");
    assert!(store.remove_feed(&drop.url).expect("remove"));
    assert!(!store.remove_feed(&drop.url).expect("remove again"));
    assert!(
        !store
            .remove_feed("https://never-added.example/")
            .expect("remove unknown")
    );
    assert_eq!(store.feeds().expect("feeds"), vec![keep]);
}

// ---------------------------------------------------------------------------------------
// Articles

fn articles_round_trip_every_field(store: &mut dyn Store) {
    let full = full_article();
    let mut bare = article("bare", None, at(4, 6));
    bare.in_language = None;
    bare.extraction = ExtractionStatus::Imported;
    // An outlet known only by name: no host, country, language or owner.
    bare.outlet = Outlet::from_source("", "The Lantern Post");
    assert_eq!(bare.outlet.id, "name:lanternpost");
    let mut copy = dated("copy", 3, 18);
    copy.duplicate_of = Some(full.id.clone());

    assert_eq!(
        insert(store, &[full.clone(), bare.clone(), copy.clone()]),
        [true; 3]
    );
    assert_eq!(store.article(&full.id).expect("read"), Some(full.clone()));
    assert_eq!(store.article(&bare.id).expect("read"), Some(bare.clone()));
    assert_eq!(store.article(&copy.id).expect("read"), Some(copy.clone()));
    assert_eq!(store.article(&aid("missing")).expect("read"), None);
    assert!(store.has_article(&full.id).expect("has"));
    assert!(!store.has_article(&aid("missing")).expect("has"));
    assert_eq!(store.all_articles().expect("all"), vec![full, copy, bare]);
}

fn inserting_again_is_a_no_op(store: &mut dyn Store) {
    let original = dated("walkout", 1, 7);
    assert_eq!(insert(store, std::slice::from_ref(&original)), [true]);
    let mut changed = original.clone();
    changed.headline = "A rewritten headline".to_string();
    changed.content_hash = "hash-rewritten".to_string();
    let fresh = dated("talks", 2, 7);
    assert_eq!(insert(store, &[changed, fresh.clone()]), [false, true]);
    assert_eq!(
        store.article(&original.id).expect("read"),
        Some(original.clone())
    );
    assert_eq!(
        store
            .article_by_content_hash("hash-rewritten")
            .expect("hash"),
        None
    );
    assert_eq!(store.all_articles().expect("all"), vec![original, fresh]);
    assert_eq!(insert(store, &[]), Vec::<bool>::new());
}

fn an_id_repeated_in_a_batch_keeps_the_first(store: &mut dyn Store) {
    let first = dated("walkout", 1, 7);
    let mut second = first.clone();
    second.headline = "Second copy of the same id".to_string();
    assert_eq!(insert(store, &[first.clone(), second]), [true, false]);
    assert_eq!(store.all_articles().expect("all"), vec![first]);
}

fn a_failing_article_batch_leaves_nothing(store: &mut dyn Store) {
    let earlier = dated("earlier", 1, 6);
    insert(store, std::slice::from_ref(&earlier));

    // The last article breaks a rule (an article cannot be a copy of itself): the articles
    // before it in the batch must not be kept either.
    let good = dated("good", 2, 7);
    let mut own_copy = dated("own-copy", 2, 8);
    own_copy.duplicate_of = Some(own_copy.id.clone());
    assert!(store.insert_articles(&[good.clone(), own_copy]).is_err());
    assert!(!store.has_article(&good.id).expect("has"));

    // Same for a copy of an article that exists nowhere.
    let mut dangling = dated("dangling", 2, 9);
    dangling.duplicate_of = Some(aid("never-stored"));
    match store.insert_articles(&[good.clone(), dangling]) {
        Err(StoreError::NotFound { what }) => assert!(what.contains("a-never-stored"), "{what}"),
        other => panic!("a dangling duplicate_of gave {other:?}"),
    }
    assert!(!store.has_article(&good.id).expect("has"));
    assert_eq!(store.all_articles().expect("all"), vec![earlier.clone()]);
    assert_eq!(
        store.search_articles("good", 10).expect("search"),
        Vec::new()
    );

    // The store is still usable afterwards.
    assert_eq!(insert(store, std::slice::from_ref(&good)), [true]);
    assert_eq!(store.all_articles().expect("all"), vec![earlier, good]);
}

fn duplicate_of_may_name_an_article_of_the_same_batch(store: &mut dyn Store) {
    let mut copy_first = dated("wire-copy", 1, 9);
    copy_first.duplicate_of = Some(aid("wire-original"));
    let original = dated("wire-original", 1, 8);
    assert_eq!(insert(store, &[copy_first.clone(), original]), [true, true]);
    assert_eq!(
        store.article(&copy_first.id).expect("read"),
        Some(copy_first)
    );
}

fn articles_by_ids_keep_the_requested_order(store: &mut dyn Store) {
    insert(
        store,
        &[dated("one", 1, 1), dated("two", 2, 2), dated("three", 3, 3)],
    );
    let wanted = [
        aid("three"),
        aid("missing"),
        aid("one"),
        aid("two"),
        aid("one"),
    ];
    let found = store.articles(&wanted).expect("articles");
    assert_eq!(ids(&found), ["a-three", "a-one", "a-two", "a-one"]);
    assert_eq!(store.articles(&[]).expect("articles"), Vec::new());
}

fn article_heads_are_the_articles_without_their_bodies(store: &mut dyn Store) {
    let full = full_article();
    insert(store, &[full.clone(), dated("two", 2, 2)]);
    let wanted = [aid("two"), aid("missing"), full.id.clone(), aid("two")];
    let heads = store.article_heads(&wanted).expect("article heads");
    assert_eq!(ids(&heads), ["a-two", full.id.as_str(), "a-two"]);
    let mut expected = full;
    assert!(!expected.article_body.is_empty());
    expected.article_body = String::new();
    assert_eq!(heads[1], expected, "every field but the body as stored");
    assert!(heads.iter().all(|a| a.article_body.is_empty()));
    assert_eq!(store.article_heads(&[]).expect("none asked"), Vec::new());
}

fn content_hash_finds_the_earliest_inserted(store: &mut dyn Store) {
    // Inserted first, though later in time and in id order.
    let mut first_in = dated("zz-later", 9, 9);
    first_in.content_hash = "shared-hash".to_string();
    let mut second_in = dated("aa-earlier", 1, 1);
    second_in.content_hash = "shared-hash".to_string();
    insert(store, &[first_in]);
    insert(store, &[second_in, dated("other", 2, 2)]);
    assert_eq!(
        store.article_by_content_hash("shared-hash").expect("hash"),
        Some(aid("zz-later"))
    );
    assert_eq!(
        store.article_by_content_hash("hash-other").expect("hash"),
        Some(aid("other"))
    );
    assert_eq!(
        store.article_by_content_hash("no-such-hash").expect("hash"),
        None
    );
}

fn articles_are_ordered_by_effective_time_then_id(store: &mut dyn Store) {
    // Undated articles sort by fetch time; equal times by id; sub-second precision counts.
    let batch = [
        dated("c-noon", 2, 12),
        article("undated-morning", None, at(2, 9)),
        dated("b-noon", 2, 12),
        dated("first", 1, 23),
        article("a-fetched-late-published-early", Some(at(1, 5)), at(30, 0)),
        article(
            "noon-and-a-bit",
            Some(at(2, 12) + Duration::milliseconds(1)),
            at(3, 0),
        ),
    ];
    insert(store, &batch);
    let expected = [
        "a-a-fetched-late-published-early",
        "a-first",
        "a-undated-morning",
        "a-b-noon",
        "a-c-noon",
        "a-noon-and-a-bit",
    ];
    assert_eq!(ids(&store.all_articles().expect("all")), expected);
    assert_eq!(
        ids(&store.unclustered_articles().expect("unclustered")),
        expected
    );
}

fn unclustered_articles_exclude_story_members(store: &mut dyn Store) {
    insert(
        store,
        &[dated("one", 1, 1), dated("two", 2, 2), dated("three", 3, 3)],
    );
    store
        .save_stories(
            &[story("s1", "Strike", at(2, 2))],
            &[member("s1", "two", 1.0, &[])],
        )
        .expect("save");
    assert_eq!(
        ids(&store.unclustered_articles().expect("unclustered")),
        ["a-one", "a-three"]
    );
    assert_eq!(
        ids(&store.all_articles().expect("all")),
        ["a-one", "a-two", "a-three"]
    );
}

fn marking_duplicates(store: &mut dyn Store) {
    let original = dated("original", 1, 7);
    let copy = dated("copy", 1, 8);
    insert(store, &[original.clone(), copy.clone()]);
    store
        .set_duplicate_of(&copy.id, &original.id)
        .expect("mark");
    let stored = store.article(&copy.id).expect("read").expect("present");
    assert_eq!(stored.duplicate_of, Some(original.id.clone()));
    assert_eq!(stored.headline, copy.headline);

    for (id, of, missing) in [
        (aid("ghost"), original.id.clone(), "a-ghost"),
        (copy.id.clone(), aid("ghost-original"), "a-ghost-original"),
    ] {
        match store.set_duplicate_of(&id, &of) {
            Err(StoreError::NotFound { what }) => assert!(what.contains(missing), "{what}"),
            other => panic!("marking {id} as a copy of {of} gave {other:?}"),
        }
    }
    assert!(store.set_duplicate_of(&original.id, &original.id).is_err());
    let unchanged = store.article(&copy.id).expect("read").expect("present");
    assert_eq!(unchanged.duplicate_of, Some(original.id));
}

// ---------------------------------------------------------------------------------------
// Stories

fn renaming_changes_only_a_live_storys_headline(store: &mut dyn Store) {
    let live = story("s-live", "Strike begins", at(1, 9));
    let mut merged = story("s-merged", "Ferries cancelled", at(2, 9));
    merged.merged_into = Some(live.id.clone());
    store
        .save_stories(&[live.clone(), merged.clone()], &[])
        .expect("save");
    let generation = store.generation().expect("generation");
    assert!(
        store
            .rename_story(&live.id, "Strike enters second week")
            .expect("rename")
    );
    let mut renamed = live.clone();
    renamed.headline = "Strike enters second week".to_string();
    assert_eq!(store.story(&live.id).expect("story"), Some(renamed));
    assert!(
        store.generation().expect("generation") > generation,
        "a rename is a change the web listing must see"
    );
    // A merged or unknown story is left alone.
    assert!(
        !store
            .rename_story(&merged.id, "Ferries back")
            .expect("rename")
    );
    assert_eq!(store.story(&merged.id).expect("story"), Some(merged));
    assert!(
        !store
            .rename_story(&sid("s-missing"), "Nothing")
            .expect("rename")
    );
    assert_eq!(store.story(&sid("s-missing")).expect("story"), None);
}

fn stories_upsert_and_list_most_recent_first(store: &mut dyn Store) {
    let older = story("s-older", "Strike begins", at(1, 9));
    let tie_b = story("s-tie-b", "Ferries cancelled", at(3, 9));
    let tie_a = story("s-tie-a", "Union vote", at(3, 9));
    store
        .save_stories(&[older.clone(), tie_b.clone(), tie_a.clone()], &[])
        .expect("save");
    assert_eq!(
        story_ids(&store.stories().expect("stories")),
        ["s-tie-a", "s-tie-b", "s-older"]
    );

    // Upsert: every field replaced, and the order follows the new updated_at.
    let mut newer = older.clone();
    newer.headline = "Strike enters second week".to_string();
    newer.updated_at = at(4, 9);
    newer.article_count = 7;
    newer.outlet_count = 3;
    store
        .save_stories(std::slice::from_ref(&newer), &[])
        .expect("save");
    assert_eq!(store.story(&newer.id).expect("story"), Some(newer.clone()));
    assert_eq!(
        story_ids(&store.stories().expect("stories")),
        ["s-older", "s-tie-a", "s-tie-b"]
    );

    // A merged story leaves the listing but can still be read.
    let mut merged = tie_b.clone();
    merged.merged_into = Some(newer.id.clone());
    store
        .save_stories(std::slice::from_ref(&merged), &[])
        .expect("save");
    assert_eq!(
        story_ids(&store.stories().expect("stories")),
        ["s-older", "s-tie-a"]
    );
    assert_eq!(store.story(&tie_b.id).expect("story"), Some(merged));
    assert_eq!(store.story(&sid("s-missing")).expect("story"), None);
}

fn memberships_upsert_and_move_between_stories(store: &mut dyn Store) {
    insert(
        store,
        &[
            dated("late", 3, 9),
            dated("early", 1, 9),
            dated("mid", 2, 9),
        ],
    );
    let strike = story("s-strike", "Strike", at(3, 9));
    let ferries = story("s-ferries", "Ferries", at(2, 9));
    let members = [
        member("s-strike", "late", 0.61, &["dockworkers", "Port Ellery"]),
        member("s-strike", "early", 1.0, &[]),
        member("s-ferries", "mid", 0.5, &["ferry"]),
    ];
    store
        .save_stories(&[strike.clone(), ferries.clone()], &members)
        .expect("save");
    assert_eq!(
        store.story_members(&strike.id).expect("members"),
        vec![members[1].clone(), members[0].clone()],
        "members are ordered by the article's effective time"
    );
    assert_eq!(
        store.story_of_article(&aid("mid")).expect("of"),
        Some(ferries.id.clone())
    );
    assert_eq!(store.story_of_article(&aid("unknown")).expect("of"), None);

    // Saving a membership again moves the article and replaces score and reasons.
    let moved = member("s-strike", "mid", 0.42, &["harbour board"]);
    store
        .save_stories(&[], std::slice::from_ref(&moved))
        .expect("save");
    assert_eq!(
        store.story_of_article(&aid("mid")).expect("of"),
        Some(strike.id.clone())
    );
    assert_eq!(
        store.story_members(&strike.id).expect("members"),
        vec![members[1].clone(), moved, members[0].clone()]
    );
    assert_eq!(
        store.story_members(&ferries.id).expect("members"),
        Vec::new()
    );
    assert_eq!(
        store.story_members(&sid("s-missing")).expect("members"),
        Vec::new()
    );
}

fn a_failing_story_batch_leaves_nothing(store: &mut dyn Store) {
    insert(store, &[dated("walkout", 1, 7)]);
    let kept = story("s-kept", "Strike", at(1, 9));
    store
        .save_stories(std::slice::from_ref(&kept), &[])
        .expect("save");

    let mut renamed = kept.clone();
    renamed.headline = "Renamed in a batch that fails".to_string();
    let fresh = story("s-fresh", "Ferries", at(2, 9));
    let cases: [(&str, Vec<Story>, Vec<StoryArticle>, &str); 3] = [
        (
            "membership of an unknown article",
            vec![renamed.clone(), fresh.clone()],
            vec![
                member("s-fresh", "walkout", 1.0, &[]),
                member("s-fresh", "ghost", 0.7, &[]),
            ],
            "a-ghost",
        ),
        (
            "membership in an unknown story",
            vec![fresh.clone()],
            vec![member("s-nowhere", "walkout", 1.0, &[])],
            "s-nowhere",
        ),
        (
            "merged into an unknown story",
            vec![renamed.clone(), {
                let mut merged = fresh.clone();
                merged.merged_into = Some(sid("s-vanished"));
                merged
            }],
            Vec::new(),
            "s-vanished",
        ),
    ];
    for (case, stories, memberships, missing) in cases {
        match store.save_stories(&stories, &memberships) {
            Err(StoreError::NotFound { what }) => assert!(what.contains(missing), "{case}: {what}"),
            other => panic!("{case}: gave {other:?}"),
        }
        assert_eq!(
            store.stories().expect("stories"),
            vec![kept.clone()],
            "{case}"
        );
        assert_eq!(
            store.story_of_article(&aid("walkout")).expect("of"),
            None,
            "{case}"
        );
    }
}

fn resolving_story_ids_and_prefixes(store: &mut dyn Store) {
    let stories = [
        story("s3f9a01c2b7d4", "Strike", at(1, 9)),
        story("s3f9a77e01c55", "Ferries", at(2, 9)),
        story("s8c21d0e9f6a3", "Budget", at(3, 9)),
        // An id that is a prefix of another must still resolve exactly.
        story("s8c2", "Short id", at(3, 9)),
    ];
    store.save_stories(&stories, &[]).expect("save");
    let check = |input: &str, expected: Option<&str>| {
        let got = store
            .resolve_story(input)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(
            got.as_ref().map(StoryId::as_str),
            expected,
            "resolving {input:?}"
        );
    };
    check("s3f9a01c2b7d4", Some("s3f9a01c2b7d4"));
    check("s3f9a0", Some("s3f9a01c2b7d4"));
    check("s3f9a7", Some("s3f9a77e01c55"));
    check("  s8c21  ", Some("s8c21d0e9f6a3"));
    check("s8c2", Some("s8c2"));
    check("s3f9a01c2b7d4X", None);
    check("s0", None);
    check("S3F9A0", None);
    check("", None);
    check("   ", None);
    check("%", None);
    check("s3f9a0_", None);
}

fn ambiguous_prefixes_list_their_candidates(store: &mut dyn Store) {
    let stories = [
        story("s3f9a01c2b7d4", "Strike", at(1, 9)),
        story("s3f9a77e01c55", "Ferries", at(2, 9)),
        story("s8c21d0e9f6a3", "Budget", at(3, 9)),
    ];
    store.save_stories(&stories, &[]).expect("save");
    match store.resolve_story("s3f9a") {
        Err(StoreError::Ambiguous { prefix, candidates }) => {
            assert_eq!(prefix, "s3f9a");
            assert_eq!(candidates, vec![sid("s3f9a01c2b7d4"), sid("s3f9a77e01c55")]);
        }
        other => panic!("an ambiguous prefix gave {other:?}"),
    }
    assert!(matches!(
        store.resolve_story("s"),
        Err(StoreError::Ambiguous { .. })
    ));
}

fn resolving_follows_merge_chains(store: &mut dyn Store) {
    let mut first = story("s3f9a01c2b7d4", "Strike", at(1, 9));
    let mut second = story("s3f9a77e01c55", "Ferries", at(2, 9));
    let last = story("s8c21d0e9f6a3", "Harbour dispute", at(3, 9));
    first.merged_into = Some(second.id.clone());
    second.merged_into = Some(last.id.clone());
    // The chain's target comes last in the batch: references are checked at the end.
    store
        .save_stories(&[first, second, last], &[])
        .expect("save");
    for input in [
        "s3f9a01c2b7d4",
        "s3f9a0",
        "s3f9a77e01c55",
        "s8c21",
        "s3f9a",
        "s3",
    ] {
        assert_eq!(
            store
                .resolve_story(input)
                .unwrap_or_else(|e| panic!("{input:?}: {e}")),
            Some(sid("s8c21d0e9f6a3")),
            "resolving {input:?}; a prefix whose matches merge into one story is not ambiguous"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Briefs

fn briefs_are_versioned(store: &mut dyn Store) {
    let strike = story("s-strike", "Strike", at(1, 9));
    let other = story("s-other", "Budget", at(1, 9));
    store
        .save_stories(&[strike.clone(), other.clone()], &[])
        .expect("save");
    assert_eq!(store.latest_brief(&strike.id).expect("latest"), None);
    assert_eq!(
        store.brief_versions(&strike.id).expect("versions"),
        Vec::new()
    );

    let drafts = [
        brief("s-strike", "Dockworkers walk out", at(1, 10)),
        brief("s-strike", "Strike enters second day", at(2, 10)),
        brief("s-strike", "Harbour board makes an offer", at(3, 10)),
    ];
    for (index, draft) in drafts.iter().enumerate() {
        assert_eq!(
            store.save_brief(draft).expect("save brief") as usize,
            index + 1
        );
    }
    let expected = |index: usize| {
        let mut stored = drafts[index].clone();
        stored.version = index as u32 + 1;
        stored
    };
    assert_eq!(
        store.latest_brief(&strike.id).expect("latest"),
        Some(expected(2))
    );
    assert_eq!(
        store.brief(&strike.id, 1).expect("brief"),
        Some(expected(0))
    );
    assert_eq!(
        store.brief(&strike.id, 2).expect("brief"),
        Some(expected(1))
    );
    assert_eq!(store.brief(&strike.id, 4).expect("brief"), None);
    assert_eq!(store.brief(&strike.id, 0).expect("brief"), None);
    assert_eq!(
        store.brief_versions(&strike.id).expect("versions"),
        vec![(1, at(1, 10)), (2, at(2, 10)), (3, at(3, 10))]
    );

    // Each story counts its own versions.
    assert_eq!(
        store
            .save_brief(&brief("s-other", "Budget passes", at(4, 10)))
            .expect("save"),
        1
    );
    assert_eq!(
        store.brief_versions(&other.id).expect("versions"),
        vec![(1, at(4, 10))]
    );
    assert_eq!(store.brief_versions(&strike.id).expect("versions").len(), 3);
}

fn a_brief_needs_its_story(store: &mut dyn Store) {
    match store.save_brief(&brief("s-nowhere", "Orphan", at(1, 10))) {
        Err(StoreError::NotFound { what }) => assert!(what.contains("s-nowhere"), "{what}"),
        other => panic!("a brief for an unknown story gave {other:?}"),
    }
    assert_eq!(
        store.brief_versions(&sid("s-nowhere")).expect("versions"),
        Vec::new()
    );
}

// ---------------------------------------------------------------------------------------
// Search

fn search_finds_words_in_headlines_and_bodies(store: &mut dyn Store) {
    let mut ferries = dated("ferries", 2, 9);
    ferries.headline = "Ferries to the islands cancelled".to_string();
    ferries.article_body =
        "All sailings from Port Ellery were called off as the walkout spread.".to_string();
    insert(store, &[full_article(), ferries, dated("walkout", 1, 7)]);

    let hits = |query: &str, limit: usize| -> Vec<String> {
        let found = store
            .search_articles(query, limit)
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
        found.into_iter().map(|(id, _)| id.0).collect()
    };
    assert_eq!(hits("islands", 10), ["a-ferries"], "a headline word");
    assert_eq!(hits("SAILINGS", 10), ["a-ferries"], "a body word, any case");
    assert_eq!(hits("sao bras", 10), ["a-full"], "accents folded");
    assert_eq!(hits("Østby offer", 10), ["a-full"], "all words must match");
    assert_eq!(hits("Ellery", 10).len(), 3);
    assert_eq!(hits("Ellery", 2).len(), 2);
    assert_eq!(hits("Ellery", 0), Vec::<String>::new());
    assert_eq!(hits("submarine", 10), Vec::<String>::new());
    assert_eq!(hits("", 10), Vec::<String>::new());

    let found = store.search_articles("sailings", 10).expect("search");
    let snippet = &found.first().expect("a hit").1;
    assert!(
        snippet.contains("sailings from Port Ellery"),
        "snippet {snippet:?}"
    );
}

fn search_treats_any_input_as_plain_words(store: &mut dyn Store) {
    let mut quoted = dated("quoted", 1, 9);
    quoted.article_body = "The union said \"not enough\" AND walked out (again).".to_string();
    insert(store, &[quoted]);
    for query in [
        "\"",
        "\"not",
        "enough\"",
        "AND",
        "OR NOT",
        "NOT",
        "*",
        "walk*",
        "(again",
        "again)",
        "article_body:union",
        "NEAR(union walked)",
        "^union",
        "union -walked",
        "{headline}",
        "'; DROP TABLE articles; --",
        "\u{0}",
        "🚢",
    ] {
        if let Err(e) = store.search_articles(query, 5) {
            panic!("searching {query:?} failed: {e}");
        }
    }
    let found = store.search_articles("\"not enough\"", 5).expect("search");
    assert_eq!(found.len(), 1, "quotes are text, the words still match");
    assert_eq!(store.all_articles().expect("all").len(), 1);
}

fn brief_hits(store: &dyn Store, query: &str, limit: usize) -> Vec<(String, u32)> {
    store
        .search_briefs(query, limit)
        .unwrap_or_else(|e| panic!("brief search {query:?}: {e}"))
        .into_iter()
        .map(|hit| (hit.story_id.0, hit.version))
        .collect()
}

fn brief_search_finds_the_latest_shown_text_of_live_stories(store: &mut dyn Store) {
    let strike = story("s-strike", "Strike", at(1, 9));
    let ferries = story("s-ferries", "Ferries", at(2, 9));
    store
        .save_stories(&[strike.clone(), ferries.clone()], &[])
        .expect("save");
    let mut first = brief("s-strike", "Dockworkers walk out", at(1, 10));
    first.whats_happened.sentences[0].text = "Pickets gathered at the sawmill gate.".to_string();
    store.save_brief(&first).expect("save brief");
    assert_eq!(
        brief_hits(store, "sawmill", 10),
        [("s-strike".to_string(), 1)]
    );

    // A new version replaces the old text: only the latest version is searched.
    let mut second = brief("s-strike", "Harbour board makes an offer", at(2, 10));
    second.more_on_these_topics = vec![card("port-ellery", "Port Ellery", EntityKind::Place, 3)];
    second.more_on_these_topics[0].description =
        "A fishing town on the Cardigan coast.".to_string();
    second.checks.failures = vec![storyline_model::CheckFailure {
        section: "whats_happened".to_string(),
        sentence: "The offer was worth 9 million crowns.".to_string(),
        rule: "number_not_found".to_string(),
        detail: "9 million".to_string(),
    }];
    store.save_brief(&second).expect("save brief");
    assert_eq!(brief_hits(store, "sawmill", 10), Vec::new());
    let found = store.search_briefs("offer", 10).expect("search");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].story_id.as_str(), found[0].version),
        ("s-strike", 2)
    );
    assert_eq!(found[0].headline, "Harbour board makes an offer");
    assert!(!found[0].snippet.is_empty(), "{found:?}");
    assert_eq!(
        brief_hits(store, "walked Monday", 10),
        [("s-strike".to_string(), 2)],
        "a sentence of the body"
    );
    assert_eq!(
        brief_hits(store, "CARDIGAN", 10),
        [("s-strike".to_string(), 2)],
        "an entity description, any case"
    );
    assert_eq!(
        brief_hits(store, "crowns", 10),
        Vec::new(),
        "a dropped sentence is not shown, so not found"
    );

    store
        .save_brief(&brief(
            "s-ferries",
            "Ferries cancelled as walkout spreads",
            at(2, 11),
        ))
        .expect("save brief");
    assert_eq!(brief_hits(store, "Ellery", 10).len(), 2);
    assert_eq!(brief_hits(store, "Ellery", 1).len(), 1);
    assert_eq!(brief_hits(store, "Ellery", 0), Vec::new());
    assert_eq!(brief_hits(store, "", 10), Vec::new());

    // A story merged into another leaves the results; the survivor stays.
    let mut merged = ferries.clone();
    merged.merged_into = Some(strike.id.clone());
    store
        .save_stories(std::slice::from_ref(&merged), &[])
        .expect("merge");
    assert_eq!(brief_hits(store, "ferries", 10), Vec::new());
    assert_eq!(
        brief_hits(store, "Ellery", 10),
        [("s-strike".to_string(), 2)]
    );
}

fn brief_search_treats_any_input_as_plain_words(store: &mut dyn Store) {
    store
        .save_stories(&[story("s-strike", "Strike", at(1, 9))], &[])
        .expect("save");
    let mut quoted = brief("s-strike", "Union says \"not enough\"", at(1, 10));
    quoted.whats_happened.sentences[0].text =
        "The union said \"not enough\" AND walked out (again).".to_string();
    store.save_brief(&quoted).expect("save brief");
    for query in [
        "\"",
        "AND",
        "OR NOT",
        "*",
        "walk*",
        "(again",
        "body:union",
        "NEAR(union walked)",
        "^union",
        "union -walked",
        "'; DROP TABLE briefs; --",
        "\u{0}",
        "🚢",
    ] {
        if let Err(e) = store.search_briefs(query, 5) {
            panic!("searching briefs for {query:?} failed: {e}");
        }
    }
    assert_eq!(brief_hits(store, "\"not enough\"", 5).len(), 1);
}

fn generation_grows_with_story_and_brief_writes(store: &mut dyn Store) {
    let mut last = store.generation().expect("generation");
    let mut grew = |store: &mut dyn Store, what: &str| {
        let now = store.generation().expect("generation");
        assert!(now > last, "{what}: generation {now} after {last}");
        last = now;
    };
    insert(store, &[dated("walkout", 1, 7)]);
    let strike = story("s-strike", "Strike", at(1, 9));
    store
        .save_stories(std::slice::from_ref(&strike), &[])
        .expect("save");
    grew(store, "a new story");
    store
        .save_stories(&[], &[member("s-strike", "walkout", 1.0, &[])])
        .expect("save");
    grew(store, "a membership");
    store
        .save_brief(&brief("s-strike", "Dockworkers walk out", at(1, 10)))
        .expect("save brief");
    grew(store, "a brief");
    store
        .set_story_entities(
            &strike.id,
            &[card("port-ellery", "Port Ellery", EntityKind::Place, 2)],
        )
        .expect("index");
    grew(store, "the entity index");
    let mut renamed = strike.clone();
    renamed.headline = "Strike spreads".to_string();
    store
        .save_stories(std::slice::from_ref(&renamed), &[])
        .expect("save");
    grew(store, "a story update");

    // Reading changes nothing.
    let before = store.generation().expect("generation");
    store.stories().expect("stories");
    store.latest_brief(&strike.id).expect("brief");
    store.search_briefs("strike", 5).expect("search");
    assert_eq!(store.generation().expect("generation"), before);
}

fn counts_follow_the_contents(store: &mut dyn Store) {
    assert_eq!(store.counts().expect("counts"), StoreCounts::default());
    store
        .add_feed(&Feed::new(
            "https://harbour-times.example/feed.xml",
            None,
            at(1, 6),
        ))
        .expect("add feed");
    insert(store, &[dated("walkout", 1, 7), dated("talks", 2, 7)]);
    let strike = story("s-strike", "Strike", at(1, 9));
    let mut talks = story("s-talks", "Talks", at(2, 9));
    store
        .save_stories(&[strike.clone(), talks.clone()], &[])
        .expect("save");
    for generated in [at(1, 10), at(2, 10)] {
        store
            .save_brief(&brief("s-strike", "Strike", generated))
            .expect("save brief");
    }
    store
        .save_brief(&brief("s-talks", "Talks", at(2, 11)))
        .expect("save brief");
    talks.merged_into = Some(strike.id.clone());
    store
        .save_stories(std::slice::from_ref(&talks), &[])
        .expect("merge");
    assert_eq!(
        store.counts().expect("counts"),
        StoreCounts {
            feeds: 1,
            articles: 2,
            stories: 1,
            briefs: 3,
        }
    );
}

// ---------------------------------------------------------------------------------------
// Knowledge base

/// A knowledge-base entry of `source`, imported on 2024-05-02 at 06:00.
fn kb(source: &str, id: &str, name: &str, aliases: &[&str], kind: Option<EntityKind>) -> KbEntity {
    KbEntity {
        id: id.to_string(),
        name: name.to_string(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        description: format!("{name}, as {source} describes it"),
        kind,
        language: "en".to_string(),
        source: source.to_string(),
        imported_at: at(2, 6),
    }
}

fn kb_ids(found: &[KbEntity]) -> Vec<String> {
    found
        .iter()
        .map(|e| format!("{}/{}", e.source, e.id))
        .collect()
}

fn kb_entries_are_found_by_any_name(store: &mut dyn Store) {
    let mut union = kb(
        "Wikidata",
        "Q1200",
        "Port Ellery Dockworkers’ Union",
        &["PEDU", "Dockers Union", "PEDU"],
        Some(EntityKind::Organisation),
    );
    union.language = "pt-br".to_string();
    let harbour = kb(
        "Wikidata",
        "Q77",
        "Port Ellery",
        &[],
        Some(EntityKind::Place),
    );
    let unknown_kind = kb("local-names", "n-1", "Mara Quist", &["M. Quist"], None);
    let written = store
        .upsert_kb_entities(&[union.clone(), harbour.clone(), unknown_kind.clone()])
        .expect("upsert");
    assert_eq!(written, 3);
    assert_eq!(store.kb_count().expect("count"), 3);

    // Every field round-trips, and any name finds the entry: case, spacing and typographic
    // apostrophes do not matter.
    for name in [
        "Port Ellery Dockworkers' Union",
        "  port ellery   DOCKWORKERS’ union ",
        "pedu",
        "Dockers Union",
    ] {
        assert_eq!(
            store.kb_lookup(name).expect("lookup"),
            vec![union.clone()],
            "{name}"
        );
    }
    assert_eq!(
        store.kb_lookup("m. quist").expect("lookup"),
        vec![unknown_kind]
    );
    assert_eq!(
        store.kb_lookup("PORT ELLERY").expect("lookup"),
        vec![harbour]
    );
    // Exact names only: no prefix, no substring, nothing for blanks.
    for miss in ["Port", "Ellery", "Dockers", "", "   "] {
        assert_eq!(
            store.kb_lookup(miss).expect("lookup"),
            Vec::new(),
            "{miss:?}"
        );
    }

    let sources = store.kb_sources().expect("sources");
    let summary: Vec<(&str, usize)> = sources
        .iter()
        .map(|s| (s.source.as_str(), s.entities))
        .collect();
    assert_eq!(summary, [("Wikidata", 2), ("local-names", 1)]);
    assert!(sources.iter().all(|s| s.last_imported_at == at(2, 6)));
}

fn kb_lookup_ranks_label_matches_then_ids(store: &mut dyn Store) {
    let entries = [
        // An alias match with the smallest id still comes after every label match.
        kb(
            "Wikidata",
            "Q7",
            "Ellery Harbour Authority",
            &["Ellery"],
            None,
        ),
        kb("Wikidata", "Q1001", "Ellery", &[], Some(EntityKind::Place)),
        kb("Wikidata", "Q90", "Ellery", &[], Some(EntityKind::Person)),
        kb("Wikidata", "Q91", "ellery", &[], None),
        // The same id in another knowledge base is another entry.
        kb("atlas", "Q90", "Ellery", &[], Some(EntityKind::Place)),
    ];
    store.upsert_kb_entities(&entries).expect("upsert");
    assert_eq!(store.kb_count().expect("count"), 5);
    assert_eq!(
        kb_ids(&store.kb_lookup("Ellery").expect("lookup")),
        [
            "Wikidata/Q90",
            "atlas/Q90",
            "Wikidata/Q91",
            "Wikidata/Q1001",
            "Wikidata/Q7"
        ]
    );
}

fn kb_upsert_replaces_fields_and_names(store: &mut dyn Store) {
    let first = kb(
        "Wikidata",
        "Q5001",
        "Harbour Board",
        &["Port Authority", "The Board"],
        Some(EntityKind::Organisation),
    );
    store
        .upsert_kb_entities(std::slice::from_ref(&first))
        .expect("upsert");

    let mut second = kb(
        "Wikidata",
        "Q5001",
        "Port Ellery Harbour Board",
        &["Harbour Board", "Port Authority"],
        Some(EntityKind::Company),
    );
    second.description = "Statutory company running the port of Port Ellery".to_string();
    second.imported_at = at(9, 6);
    // The batch repeats the entry: its last occurrence wins.
    let written = store
        .upsert_kb_entities(&[first.clone(), second.clone()])
        .expect("upsert again");
    assert_eq!(written, 2);
    assert_eq!(store.kb_count().expect("count"), 1);
    for name in [
        "Port Ellery Harbour Board",
        "harbour board",
        "port authority",
    ] {
        assert_eq!(
            store.kb_lookup(name).expect("lookup"),
            vec![second.clone()],
            "{name}"
        );
    }
    assert_eq!(
        store.kb_lookup("The Board").expect("lookup"),
        Vec::new(),
        "a dropped alias no longer finds the entry"
    );
    let sources = store.kb_sources().expect("sources");
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].last_imported_at, at(9, 6));
}

fn kb_a_failing_batch_leaves_nothing(store: &mut dyn Store) {
    let kept = kb(
        "Wikidata",
        "Q1",
        "Port Ellery",
        &[],
        Some(EntityKind::Place),
    );
    store
        .upsert_kb_entities(std::slice::from_ref(&kept))
        .expect("upsert");
    let mut renamed = kept.clone();
    renamed.name = "Renamed in a failing batch".to_string();
    let blank = kb("Wikidata", "Q2", "  ", &[], None);
    let err = store
        .upsert_kb_entities(&[
            renamed,
            kb("Wikidata", "Q3", "Valley Courier", &[], None),
            blank,
        ])
        .expect_err("a blank name is refused");
    let message = err.to_string();
    assert!(message.contains("Wikidata/Q2"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert_eq!(store.kb_count().expect("count"), 1);
    assert_eq!(store.kb_lookup("port ellery").expect("lookup"), vec![kept]);
    assert_eq!(
        store.kb_lookup("Valley Courier").expect("lookup"),
        Vec::new()
    );
}

fn kb_ten_thousand_entries_in_one_batch(store: &mut dyn Store) {
    let kinds = [
        Some(EntityKind::Person),
        Some(EntityKind::Organisation),
        Some(EntityKind::Place),
        Some(EntityKind::Company),
        None,
    ];
    let entries: Vec<KbEntity> = (0..10_000)
        .map(|n| {
            let name = format!("Entity {n}");
            let alias = format!("E{n}");
            kb("Wikidata", &format!("Q{n}"), &name, &[&alias], kinds[n % 5])
        })
        .collect();
    assert_eq!(store.upsert_kb_entities(&entries).expect("upsert"), 10_000);
    assert_eq!(store.kb_count().expect("count"), 10_000);
    for n in [0, 1, 4_999, 9_999] {
        assert_eq!(
            store.kb_lookup(&format!("e{n}")).expect("lookup"),
            vec![entries[n].clone()]
        );
    }
    // Upserting the same ids again updates them in place.
    let renamed: Vec<KbEntity> = entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.description = format!("updated {}", e.id);
            e
        })
        .collect();
    assert_eq!(store.upsert_kb_entities(&renamed).expect("upsert"), 10_000);
    assert_eq!(store.kb_count().expect("count"), 10_000);
    assert_eq!(
        store.kb_lookup("Entity 7321").expect("lookup"),
        vec![renamed[7321].clone()]
    );
}

// ---------------------------------------------------------------------------------------
// Entity index

fn card(id: &str, name: &str, kind: EntityKind, mentions: u32) -> EntityCard {
    EntityCard {
        id: id.to_string(),
        name: name.to_string(),
        kind,
        aliases: Vec::new(),
        description: format!("{name} in the coverage"),
        description_source: DescriptionSource::Coverage {
            source: 1,
            seen_at: at(1, 9),
        },
        mentions,
    }
}

fn story_entities_index_and_replace(store: &mut dyn Store) {
    let strike = story("s-strike", "Strike", at(3, 9));
    let ferries = story("s-ferries", "Ferries", at(2, 9));
    let vote = story("s-vote", "Vote", at(4, 9));
    store
        .save_stories(&[strike.clone(), ferries.clone(), vote.clone()], &[])
        .expect("save");
    let union = |mentions| {
        card(
            "dockworkers-union",
            "Dockworkers' Union",
            EntityKind::Organisation,
            mentions,
        )
    };
    store
        .set_story_entities(
            &strike.id,
            &[
                union(7),
                card("port-ellery", "Port Ellery", EntityKind::Place, 4),
            ],
        )
        .expect("index strike");
    store
        .set_story_entities(&ferries.id, &[union(2)])
        .expect("index ferries");
    // A repeated slug is one row: the first card's name and kind, the mentions added up.
    store
        .set_story_entities(
            &vote.id,
            &[
                union(5),
                card("dockworkers-union", "Union", EntityKind::Company, 2),
            ],
        )
        .expect("index vote");
    assert_eq!(
        store
            .stories_mentioning("dockworkers-union")
            .expect("mentioning"),
        vec![
            (sid("s-strike"), 7),
            (sid("s-vote"), 7),
            (sid("s-ferries"), 2)
        ],
        "most mentions first, then by story id"
    );
    assert_eq!(
        store.entity("dockworkers-union").expect("entity"),
        Some(("Dockworkers' Union".to_string(), EntityKind::Organisation))
    );
    assert_eq!(
        store.stories_mentioning("port-ellery").expect("mentioning"),
        vec![(sid("s-strike"), 4)]
    );
    assert_eq!(
        store.stories_mentioning("nobody").expect("mentioning"),
        Vec::new()
    );
    assert_eq!(store.entity("nobody").expect("entity"), None);

    // Rewriting a story's cards replaces its rows.
    store
        .set_story_entities(
            &strike.id,
            &[card(
                "harbour-board",
                "Harbour Board",
                EntityKind::Organisation,
                3,
            )],
        )
        .expect("re-index strike");
    assert_eq!(
        store.stories_mentioning("port-ellery").expect("mentioning"),
        Vec::new()
    );
    assert_eq!(store.entity("port-ellery").expect("entity"), None);
    assert_eq!(
        store
            .stories_mentioning("dockworkers-union")
            .expect("mentioning"),
        vec![(sid("s-vote"), 7), (sid("s-ferries"), 2)]
    );

    // A story merged into another leaves the entity pages.
    let mut merged = vote.clone();
    merged.merged_into = Some(ferries.id.clone());
    store
        .save_stories(std::slice::from_ref(&merged), &[])
        .expect("merge");
    assert_eq!(
        store
            .stories_mentioning("dockworkers-union")
            .expect("mentioning"),
        vec![(sid("s-ferries"), 2)]
    );
    store.set_story_entities(&ferries.id, &[]).expect("clear");
    assert_eq!(store.entity("dockworkers-union").expect("entity"), None);
}

fn story_entities_need_their_story(store: &mut dyn Store) {
    let err = store
        .set_story_entities(
            &sid("s-missing"),
            &[card("port-ellery", "Port Ellery", EntityKind::Place, 1)],
        )
        .expect_err("unknown story");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert_eq!(
        store.stories_mentioning("port-ellery").expect("mentioning"),
        Vec::new()
    );
}

// ---------------------------------------------------------------------------------------
// Incremental state: clustering state, dirty marks, profiles, near-duplicate index, changes.

fn term(id: u32, term: &str, df: u32) -> ClusterTermRow {
    ClusterTermRow {
        id,
        term: term.to_string(),
        df,
        surface: id.is_multiple_of(2).then(|| term.to_uppercase()),
        proper: id.is_multiple_of(2),
    }
}

fn state_row(story: &str, seq: u64, resident: bool, state: &[u8]) -> ClusterStoryRow {
    ClusterStoryRow {
        story: sid(story),
        seq,
        resident,
        state: state.to_vec(),
    }
}

/// Two articles, one story holding them: what a first clustering run saves.
fn first_clustering(store: &mut dyn Store) -> u64 {
    insert(store, &[dated("one", 1, 8), dated("two", 1, 9)]);
    let changes = ClusterStateChanges {
        base_version: 0,
        replace: true,
        meta: b"counters v1".to_vec(),
        terms: vec![term(0, "dock", 2), term(1, "strike", 2)],
        stories: vec![
            state_row("s-strike", 0, true, &[1, 2, 3]),
            state_row("s-old", 1, false, &[9]),
        ],
        dropped: Vec::new(),
    };
    let mut old = story("s-old", "Old", at(1, 9));
    old.merged_into = Some(sid("s-strike"));
    store
        .save_clustering(
            &[story("s-strike", "Strike", at(1, 9)), old],
            &[
                member("s-strike", "one", 1.0, &["dock"]),
                member("s-strike", "two", 0.5, &["strike"]),
            ],
            &changes,
        )
        .expect("first clustering save")
}

fn cluster_state_saves_with_its_memberships_and_refuses_a_stale_base(store: &mut dyn Store) {
    assert_eq!(store.cluster_state_version().expect("version"), 0);
    assert_eq!(store.cluster_state().expect("state"), None);
    assert_eq!(first_clustering(store), 1);
    assert_eq!(store.cluster_state_version().expect("version"), 1);
    let saved = store
        .cluster_state()
        .expect("state")
        .expect("a saved state");
    assert_eq!(saved.version, 1);
    assert_eq!(saved.meta, b"counters v1");
    assert_eq!(saved.terms, vec![term(0, "dock", 2), term(1, "strike", 2)]);
    // Only resident states are loaded; the other is read by id.
    assert_eq!(
        saved.stories,
        vec![state_row("s-strike", 0, true, &[1, 2, 3])]
    );
    assert_eq!(
        store.cluster_story_state(&sid("s-old")).expect("state"),
        Some(state_row("s-old", 1, false, &[9]))
    );
    assert_eq!(
        store.story_of_article(&aid("one")).expect("member"),
        Some(sid("s-strike"))
    );

    // Terms upserted by id, states upserted and dropped.
    let second = ClusterStateChanges {
        base_version: 1,
        replace: false,
        meta: b"counters v2".to_vec(),
        terms: vec![term(1, "strike", 3), term(2, "ferry", 1)],
        stories: vec![state_row("s-strike", 0, true, &[4])],
        dropped: vec![sid("s-old")],
    };
    assert_eq!(
        store
            .save_clustering(&[], &[], &second)
            .expect("second save"),
        2
    );
    let saved = store
        .cluster_state()
        .expect("state")
        .expect("a saved state");
    assert_eq!(
        saved.terms,
        vec![
            term(0, "dock", 2),
            term(1, "strike", 3),
            term(2, "ferry", 1)
        ]
    );
    assert_eq!(saved.stories, vec![state_row("s-strike", 0, true, &[4])]);
    assert_eq!(
        store.cluster_story_state(&sid("s-old")).expect("state"),
        None
    );

    // A save on top of a version that is no longer current changes nothing.
    insert(store, &[dated("three", 2, 8)]);
    let stale = ClusterStateChanges {
        base_version: 1,
        meta: b"stale".to_vec(),
        ..ClusterStateChanges::default()
    };
    let err = store
        .save_clustering(
            &[story("s-strike", "Strike", at(2, 8))],
            &[member("s-strike", "three", 1.0, &[])],
            &stale,
        )
        .expect_err("a stale base is refused");
    assert_eq!(err.kind(), StoreErrorKind::Conflict, "{err}");
    assert_eq!(store.cluster_state_version().expect("version"), 2);
    assert_eq!(store.story_of_article(&aid("three")).expect("member"), None);
}

fn a_replacing_cluster_save_drops_the_old_state(store: &mut dyn Store) {
    first_clustering(store);
    let replace = ClusterStateChanges {
        base_version: 1,
        replace: true,
        meta: b"rebuilt".to_vec(),
        terms: vec![term(0, "harbour", 1)],
        stories: vec![state_row("s-new", 5, true, &[7])],
        dropped: Vec::new(),
    };
    assert_eq!(
        store.save_clustering(&[], &[], &replace).expect("replace"),
        2
    );
    let saved = store
        .cluster_state()
        .expect("state")
        .expect("a saved state");
    assert_eq!(saved.terms, vec![term(0, "harbour", 1)]);
    assert_eq!(saved.stories, vec![state_row("s-new", 5, true, &[7])]);
    assert_eq!(
        store.cluster_story_state(&sid("s-old")).expect("state"),
        None
    );
}

fn membership_changes_mark_stories_dirty_until_marked_current(store: &mut dyn Store) {
    assert!(store.dirty_stories(10).expect("dirty").is_empty());
    insert(
        store,
        &[dated("one", 1, 8), dated("two", 1, 9), dated("three", 2, 9)],
    );
    let mut older = story("s-older", "Older", at(1, 9));
    older.created_at = at(1, 7);
    store
        .save_stories(
            &[story("s-strike", "Strike", at(1, 9)), older],
            &[
                member("s-strike", "one", 1.0, &[]),
                member("s-older", "two", 1.0, &[]),
            ],
        )
        .expect("save");
    let dirty = store.dirty_stories(10).expect("dirty");
    let ids: Vec<&str> = dirty.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, vec!["s-older", "s-strike"], "oldest first");
    assert_eq!(store.dirty_stories(1).expect("dirty").len(), 1);

    // Marked current with the mark it was read with.
    let (_, mark) = dirty[1].clone();
    assert!(
        store
            .mark_brief_current(&sid("s-strike"), mark)
            .expect("mark")
    );
    let ids: Vec<StoryId> = store
        .dirty_stories(10)
        .expect("dirty")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, vec![sid("s-older")]);

    // A membership change after the mark was read keeps the story dirty.
    let (_, older_mark) = store.dirty_stories(10).expect("dirty")[0].clone();
    store
        .save_stories(&[], &[member("s-older", "three", 1.0, &[])])
        .expect("save");
    assert!(
        !store
            .mark_brief_current(&sid("s-older"), older_mark)
            .expect("mark")
    );
    // Moving an article marks the story it left and the one it joined.
    let (_, older_mark) = store.dirty_stories(10).expect("dirty")[0].clone();
    assert!(
        store
            .mark_brief_current(&sid("s-older"), older_mark)
            .expect("mark")
    );
    store
        .save_stories(&[], &[member("s-strike", "three", 1.0, &[])])
        .expect("move");
    let ids: Vec<StoryId> = store
        .dirty_stories(10)
        .expect("dirty")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, vec![sid("s-older"), sid("s-strike")]);

    // A merged story is not listed.
    let mut merged = story("s-older", "Older", at(1, 9));
    merged.merged_into = Some(sid("s-strike"));
    store.save_stories(&[merged], &[]).expect("merge");
    let ids: Vec<StoryId> = store
        .dirty_stories(10)
        .expect("dirty")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, vec![sid("s-strike")]);
}

fn profile(story: &str, keys: &[&str]) -> StoryProfileRow {
    StoryProfileRow {
        story: sid(story),
        profile: format!("profile of {story}").into_bytes(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
    }
}

fn story_profiles_save_together_or_not_at_all(store: &mut dyn Store) {
    store
        .save_stories(
            &[story("s-a", "A", at(1, 9)), story("s-b", "B", at(1, 9))],
            &[],
        )
        .expect("stories");
    store
        .save_story_profiles(&[
            profile("s-a", &["union"]),
            profile("s-b", &["union", "ferry"]),
        ])
        .expect("profiles");
    let found = store
        .story_profiles_by_keys(&["union".to_string()], 10)
        .expect("by keys");
    let ids: Vec<&str> = found.iter().map(|p| p.story.as_str()).collect();
    assert_eq!(ids, vec!["s-a", "s-b"]);
    // One unknown story refuses the whole batch: s-a keeps its keys.
    let err = store
        .save_story_profiles(&[
            profile("s-a", &["harbour"]),
            profile("s-gone", &["harbour"]),
        ])
        .expect_err("unknown story");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(
        store
            .story_profiles_by_keys(&["harbour".to_string()], 10)
            .expect("by keys")
            .is_empty()
    );
    assert_eq!(
        store
            .story_profile_key_counts(&["union".to_string()])
            .expect("counts"),
        vec![2]
    );
    store.save_story_profiles(&[]).expect("nothing to save");
}

fn a_written_brief_saves_everything_in_one_go(store: &mut dyn Store) {
    insert(store, &[dated("one", 1, 8), dated("two", 1, 9)]);
    store
        .save_stories(
            &[story("s-strike", "Port Ellery dockworkers: one", at(1, 9))],
            &[member("s-strike", "one", 1.0, &[])],
        )
        .expect("save");
    let (_, mark) = store.dirty_stories(10).expect("dirty")[0].clone();
    let mut written = brief("s-strike", "Dockworkers walk out", at(1, 10));
    written.more_on_these_topics = vec![card("port-ellery", "Port Ellery", EntityKind::Place, 3)];
    assert_eq!(store.save_written_brief(&written, mark).expect("save"), 1);
    let saved = store
        .latest_brief(&sid("s-strike"))
        .expect("read")
        .expect("saved");
    assert_eq!(
        (saved.version, saved.headline.as_str()),
        (1, "Dockworkers walk out")
    );
    let renamed = store.story(&sid("s-strike")).expect("read").expect("story");
    assert_eq!(renamed.headline, "Dockworkers walk out");
    assert_eq!(
        store.stories_mentioning("port-ellery").expect("entities"),
        vec![(sid("s-strike"), 3)]
    );
    assert!(store.dirty_stories(10).expect("dirty").is_empty());

    // A membership change after the mark was read: the brief is saved, the story stays
    // dirty, and the entity rows are replaced.
    let (_, stale) = {
        store
            .save_stories(&[], &[member("s-strike", "two", 1.0, &[])])
            .expect("grow");
        store.dirty_stories(10).expect("dirty")[0].clone()
    };
    store
        .save_stories(&[], &[member("s-strike", "two", 0.5, &[])])
        .expect("save again");
    let mut second = brief("s-strike", "Dockworkers walk out", at(1, 11));
    second.more_on_these_topics = vec![card(
        "harbour-board",
        "Harbour Board",
        EntityKind::Organisation,
        2,
    )];
    assert_eq!(store.save_written_brief(&second, stale).expect("save"), 2);
    assert_eq!(
        store.dirty_stories(10).expect("dirty").len(),
        1,
        "still dirty"
    );
    assert!(
        store
            .stories_mentioning("port-ellery")
            .expect("entities")
            .is_empty()
    );
    assert_eq!(
        store.stories_mentioning("harbour-board").expect("entities"),
        vec![(sid("s-strike"), 2)]
    );

    // A merged story keeps its headline.
    let mut merged = story("s-old", "Old strike", at(1, 9));
    store
        .save_stories(std::slice::from_ref(&merged), &[])
        .expect("old");
    merged.merged_into = Some(sid("s-strike"));
    store.save_stories(&[merged], &[]).expect("merge");
    store
        .save_written_brief(&brief("s-old", "Renamed", at(1, 12)), 0)
        .expect("save");
    assert_eq!(
        store
            .story(&sid("s-old"))
            .expect("read")
            .expect("story")
            .headline,
        "Old strike"
    );

    // An unknown story: nothing saved.
    let mut unknown = brief("s-gone", "Gone", at(1, 12));
    unknown.more_on_these_topics = vec![card("ghost-town", "Ghost Town", EntityKind::Place, 1)];
    let err = store
        .save_written_brief(&unknown, 1)
        .expect_err("unknown story");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(store.latest_brief(&sid("s-gone")).expect("read").is_none());
    assert!(
        store
            .stories_mentioning("ghost-town")
            .expect("entities")
            .is_empty()
    );
}

fn story_profiles_are_found_by_shared_keys(store: &mut dyn Store) {
    let stories = [
        story("s-a", "A", at(1, 9)),
        story("s-b", "B", at(1, 9)),
        story("s-c", "C", at(1, 9)),
    ];
    store.save_stories(&stories, &[]).expect("stories");
    store
        .save_story_profile(&profile("s-a", &["e:ellery", "t:dock", "t:strike"]))
        .expect("a");
    store
        .save_story_profile(&profile("s-b", &["e:ellery", "t:ferry"]))
        .expect("b");
    store
        .save_story_profile(&profile("s-c", &["t:strike", "t:dock"]))
        .expect("c");
    let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let found: Vec<String> = store
        .story_profiles_by_keys(&keys(&["e:ellery", "t:dock", "t:strike"]), 10)
        .expect("lookup")
        .into_iter()
        .map(|row| row.story.0)
        .collect();
    // Most shared keys first, then by id.
    assert_eq!(found, vec!["s-a", "s-c", "s-b"]);
    let one = store
        .story_profiles_by_keys(&keys(&["t:ferry"]), 10)
        .expect("lookup");
    assert_eq!(
        one,
        vec![StoryProfileMatch {
            story: sid("s-b"),
            profile: profile("s-b", &[]).profile,
            shared_keys: 1,
        }]
    );
    assert_eq!(
        store
            .story_profiles_by_keys(&keys(&["t:strike", "t:dock"]), 1)
            .expect("lookup")
            .len(),
        1
    );
    assert_eq!(
        store
            .story_profile_key_counts(&keys(&["e:ellery", "t:dock", "t:none"]))
            .expect("counts"),
        vec![2, 2, 0]
    );
    // Saving again replaces the keys; a merged story is not found.
    store
        .save_story_profile(&profile("s-a", &["t:harbour"]))
        .expect("again");
    assert_eq!(
        store
            .story_profile_key_counts(&keys(&["e:ellery"]))
            .expect("counts"),
        vec![1]
    );
    let mut merged = story("s-b", "B", at(1, 9));
    merged.merged_into = Some(sid("s-c"));
    store.save_stories(&[merged], &[]).expect("merge");
    assert!(
        store
            .story_profiles_by_keys(&keys(&["t:ferry"]), 10)
            .expect("lookup")
            .is_empty()
    );
    assert_eq!(
        store
            .story_profile_key_counts(&keys(&["e:ellery"]))
            .expect("counts"),
        vec![0]
    );
    let err = store
        .save_story_profile(&profile("s-missing", &["t:x"]))
        .expect_err("needs its story");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

fn profile_key_counts_stop_at_the_cap(store: &mut dyn Store) {
    let cap = crate::PROFILE_KEY_COUNT_CAP as usize;
    let stories: Vec<Story> = (0..=cap)
        .map(|n| story(&format!("s-{n:04}"), "Story", at(1, 9)))
        .collect();
    store.save_stories(&stories, &[]).expect("stories");
    for (n, story) in stories.iter().enumerate() {
        let mut keys = vec!["t:common"];
        if n < 3 {
            keys.push("t:rare");
        }
        store
            .save_story_profile(&profile(story.id.as_str(), &keys))
            .expect("profile");
    }
    let keys: Vec<String> = ["t:common", "t:rare"]
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        store.story_profile_key_counts(&keys).expect("counts"),
        vec![crate::PROFILE_KEY_COUNT_CAP, 3]
    );
}

fn a_common_key_brings_its_most_recent_stories(store: &mut dyn Store) {
    let per_key = crate::PROFILE_KEY_RECENT_STORIES;
    // More stories hold "t:common" than one key brings; the oldest also holds "t:rare".
    // Ids run against time, so an order by id alone would bring the oldest.
    let stories: Vec<Story> = (0..per_key + 4)
        .map(|n| {
            let updated = at(1, 0) + chrono::Duration::minutes(n as i64);
            story(&format!("s-{:04}", 9999 - n), "Story", updated)
        })
        .collect();
    store.save_stories(&stories, &[]).expect("stories");
    let rows: Vec<StoryProfileRow> = stories
        .iter()
        .enumerate()
        .map(|(n, story)| {
            let keys: &[&str] = if n == 0 {
                &["t:common", "t:rare"]
            } else {
                &["t:common"]
            };
            profile(story.id.as_str(), keys)
        })
        .collect();
    store.save_story_profiles(&rows).expect("profiles");
    let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let found: Vec<String> = store
        .story_profiles_by_keys(&keys(&["t:common"]), per_key * 2)
        .expect("lookup")
        .into_iter()
        .map(|row| row.story.0)
        .collect();
    let mut newest: Vec<String> = stories
        .iter()
        .rev()
        .take(per_key)
        .map(|s| s.id.0.clone())
        .collect();
    newest.sort();
    assert_eq!(
        found, newest,
        "the key's {per_key} most recent stories, by id"
    );
    // The oldest story is still found through a key few stories hold.
    let found = store
        .story_profiles_by_keys(&keys(&["t:common", "t:rare"]), per_key * 2)
        .expect("lookup");
    assert_eq!(found.len(), per_key + 1);
    assert!(found.iter().any(|row| row.story == stories[0].id));
}

fn key(signature: &[u8], bands: &[i64]) -> NearDuplicateKey {
    NearDuplicateKey {
        signature: Some(signature.to_vec()),
        bands: bands.to_vec(),
    }
}

fn near_duplicate_index_is_written_with_the_articles(store: &mut dyn Store) {
    let mut copy = dated("copy", 1, 9);
    copy.duplicate_of = Some(aid("wire"));
    let short = dated("short", 1, 10);
    let inserted = store
        .insert_articles_indexed(
            &[dated("wire", 1, 8), copy, short],
            &[
                key(b"wire-signature", &[11, 12]),
                key(b"copy-signature", &[12, 13]),
                NearDuplicateKey {
                    signature: None,
                    bands: vec![12],
                },
            ],
        )
        .expect("insert");
    assert_eq!(inserted, vec![true, true, true]);
    let found = store
        .near_duplicate_candidates(&[12, 99])
        .expect("candidates");
    let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
    // In insertion order; an article without a signature is never a candidate.
    assert_eq!(ids, vec!["a-wire", "a-copy"]);
    assert_eq!(found[0].signature, b"wire-signature");
    assert_eq!(found[0].url, "https://harbour-times.example/news/wire");
    assert_eq!(found[0].effective_time, at(1, 8));
    assert_eq!(found[1].duplicate_of, Some(aid("wire")));
    assert_eq!(
        store
            .near_duplicate_candidates(&[13])
            .expect("candidates")
            .len(),
        1
    );
    assert!(
        store
            .near_duplicate_candidates(&[])
            .expect("none")
            .is_empty()
    );
    // Every inserted article counts as indexed, the short one too.
    assert!(
        store
            .articles_missing_index(10)
            .expect("missing")
            .is_empty()
    );
    // A second insert of a known id writes no second entry.
    let again = store
        .insert_articles_indexed(&[dated("wire", 1, 8)], &[key(b"other", &[77])])
        .expect("again");
    assert_eq!(again, vec![false]);
    assert!(
        store
            .near_duplicate_candidates(&[77])
            .expect("candidates")
            .is_empty()
    );
}

fn articles_stored_before_the_index_can_be_indexed_later(store: &mut dyn Store) {
    insert(
        store,
        &[
            dated("old-1", 1, 8),
            dated("old-2", 1, 9),
            dated("old-3", 1, 10),
        ],
    );
    let missing: Vec<ArticleId> = store
        .articles_missing_index(2)
        .expect("missing")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(missing, vec![aid("old-1"), aid("old-2")], "insertion order");
    store
        .index_near_duplicates(&[
            (aid("old-1"), key(b"one", &[5])),
            (
                aid("old-2"),
                NearDuplicateKey {
                    signature: None,
                    bands: Vec::new(),
                },
            ),
        ])
        .expect("index");
    let missing: Vec<ArticleId> = store
        .articles_missing_index(10)
        .expect("missing")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(missing, vec![aid("old-3")]);
    // An entry already written is kept.
    store
        .index_near_duplicates(&[(aid("old-1"), key(b"replaced", &[6]))])
        .expect("index");
    let found = store
        .near_duplicate_candidates(&[5, 6])
        .expect("candidates");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].signature, b"one");
    let err = store
        .index_near_duplicates(&[(aid("unknown"), key(b"x", &[1]))])
        .expect_err("an unknown article");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

fn changed_stories_are_listed_after_a_change_number(store: &mut dyn Store) {
    let (ids, start) = store.stories_changed_after(0).expect("changes");
    assert!(ids.is_empty());
    insert(store, &[dated("one", 1, 8), dated("two", 1, 9)]);
    store
        .save_stories(
            &[story("s-a", "A", at(1, 9)), story("s-b", "B", at(1, 9))],
            &[member("s-a", "one", 1.0, &[])],
        )
        .expect("save");
    let (ids, after_save) = store.stories_changed_after(start).expect("changes");
    assert_eq!(ids, vec![sid("s-a"), sid("s-b")]);
    assert!(after_save > start);
    let (ids, same) = store.stories_changed_after(after_save).expect("changes");
    assert!(ids.is_empty());
    assert_eq!(same, after_save);
    // A membership and a brief each change their story only.
    store
        .save_stories(&[], &[member("s-b", "two", 1.0, &[])])
        .expect("member");
    let (ids, after_member) = store.stories_changed_after(after_save).expect("changes");
    assert_eq!(ids, vec![sid("s-b")]);
    store
        .save_brief(&brief("s-a", "A", at(2, 8)))
        .expect("brief");
    let (ids, _) = store.stories_changed_after(after_member).expect("changes");
    assert_eq!(ids, vec![sid("s-a")]);
}

fn invariant_checks_find_what_is_broken(store: &mut dyn Store) {
    let checks = |store: &dyn Store| -> Vec<&'static str> {
        let mut names: Vec<&str> = store
            .check_invariants()
            .expect("check")
            .into_iter()
            .map(|v| v.check)
            .collect();
        names.dedup();
        names
    };
    assert!(checks(store).is_empty(), "an empty store is sound");
    // A sound store: a story with its members, its brief written from them.
    insert(store, &[dated("one", 1, 8), dated("two", 1, 9)]);
    first_clustering(store);
    let mut written = brief("s-strike", "Strike", at(1, 10));
    written.input_articles = vec![aid("one"), aid("two")];
    store.save_brief(&written).expect("brief");
    let (_, mark) = store.dirty_stories(10).expect("dirty")[0].clone();
    assert!(
        store
            .mark_brief_current(&sid("s-strike"), mark)
            .expect("mark")
    );
    store
        .save_story_profile(&profile("s-strike", &["t:dock"]))
        .expect("profile");
    let violations = store.check_invariants().expect("check");
    assert!(violations.is_empty(), "{violations:?}");
    for (name, _) in crate::INVARIANTS {
        assert!(!name.is_empty());
    }

    // A third article joins: the story is dirty, which is allowed.
    insert(store, &[dated("three", 1, 11)]);
    let mut grown = story("s-strike", "Strike", at(1, 11));
    grown.article_count = 3;
    store
        .save_stories(&[grown], &[member("s-strike", "three", 1.0, &[])])
        .expect("grow");
    assert!(checks(store).is_empty(), "{:?}", store.check_invariants());
    // Marked current without a brief of its members, and miscounted: both are found.
    let (_, mark) = store.dirty_stories(10).expect("dirty")[0].clone();
    assert!(
        store
            .mark_brief_current(&sid("s-strike"), mark)
            .expect("mark")
    );
    let mut miscounted = story("s-strike", "Strike", at(1, 11));
    miscounted.article_count = 7;
    store.save_stories(&[miscounted], &[]).expect("miscount");
    let found = checks(store);
    assert!(found.contains(&"story_counts"), "{found:?}");
    let violations = store.check_invariants().expect("check");
    assert!(
        violations
            .iter()
            .any(|v| v.check == "story_counts" && v.detail.contains("s-strike")),
        "{violations:?}"
    );
    // The story is not dirty now (the rename did not touch its members), and its brief
    // names two of its three articles.
    assert!(found.contains(&"brief_current_or_dirty"), "{found:?}");
    // A story whose members have no saved clustering state.
    insert(store, &[dated("four", 2, 8)]);
    store
        .save_stories(
            &[story("s-other", "Other", at(2, 8))],
            &[member("s-other", "four", 1.0, &[])],
        )
        .expect("other");
    assert!(checks(store).contains(&"cluster_state_covers_stories"));
}

// ---------------------------------------------------------------------------------------
// Leases

const WORKER_A: &str = "worker-a";
const WORKER_B: &str = "worker-b";
const LEASE: std::time::Duration = std::time::Duration::from_secs(300);

fn urls(feeds: &[Feed]) -> Vec<&str> {
    feeds.iter().map(|f| f.url.as_str()).collect()
}

fn story_id_list(leased: &[(StoryId, u64)]) -> Vec<&str> {
    leased.iter().map(|(id, _)| id.as_str()).collect()
}

/// Four feeds: two never fetched (added on days 1 and 4), two fetched (days 5 and 3).
fn add_lease_feeds(store: &mut dyn Store) {
    let never_early = Feed::new("https://a.example/never-early", None, at(1, 9));
    let mut fetched_late = Feed::new("https://b.example/fetched-late", None, at(1, 8));
    fetched_late.last_fetched_at = Some(at(5, 9));
    let mut fetched_early = Feed::new("https://c.example/fetched-early", None, at(2, 9));
    fetched_early.last_fetched_at = Some(at(3, 9));
    let never_late = Feed::new("https://d.example/never-late", None, at(4, 9));
    for feed in [&fetched_late, &never_late, &fetched_early, &never_early] {
        assert!(store.add_feed(feed).expect("add feed"));
    }
}

fn feed_leases_go_least_recently_fetched_first(store: &mut dyn Store) {
    add_lease_feeds(store);
    let before = store.feeds().expect("feeds");
    let first = store
        .lease_feeds(WORKER_A, 2, LEASE, at(10, 9))
        .expect("lease");
    assert_eq!(
        urls(&first),
        vec![
            "https://a.example/never-early",
            "https://d.example/never-late"
        ],
        "never fetched first, by added_at"
    );
    let rest = store
        .lease_feeds(WORKER_A, 10, LEASE, at(10, 9))
        .expect("lease");
    assert_eq!(
        urls(&rest),
        vec![
            "https://c.example/fetched-early",
            "https://b.example/fetched-late"
        ],
        "then least recently fetched"
    );
    // A lease changes nothing a reader of the feeds sees, and their state can be saved.
    assert_eq!(store.feeds().expect("feeds"), before);
    let listed = before.iter().find(|f| f.url == first[0].url);
    assert_eq!(Some(&first[0]), listed, "a leased feed is returned whole");
    let mut fetched = first[0].clone();
    fetched.last_fetched_at = Some(at(10, 9));
    store
        .update_feed_state(&fetched)
        .expect("update leased feed");
}

fn leased_feeds_are_not_handed_out_again_until_the_lease_expires(store: &mut dyn Store) {
    add_lease_feeds(store);
    let now = at(10, 9);
    let a = store.lease_feeds(WORKER_A, 1, LEASE, now).expect("lease");
    assert_eq!(urls(&a), vec!["https://a.example/never-early"]);
    let b = store.lease_feeds(WORKER_B, 10, LEASE, now).expect("lease");
    assert_eq!(b.len(), 3, "every feed but worker A's");
    assert!(!urls(&b).contains(&"https://a.example/never-early"));
    // Nothing is left for anyone, the holders included, while the leases hold.
    assert!(
        store
            .lease_feeds(WORKER_A, 10, LEASE, now)
            .expect("lease")
            .is_empty()
    );
    let almost = now + Duration::milliseconds(300_000 - 1);
    assert!(
        store
            .lease_feeds("worker-c", 10, LEASE, almost)
            .expect("lease")
            .is_empty()
    );
    // At the lease's end every feed comes back, in lease order.
    let expired = now + Duration::seconds(300);
    let again = store
        .lease_feeds("worker-c", 10, LEASE, expired)
        .expect("lease");
    assert_eq!(
        urls(&again),
        vec![
            "https://a.example/never-early",
            "https://d.example/never-late",
            "https://c.example/fetched-early",
            "https://b.example/fetched-late"
        ]
    );
}

fn only_a_workers_own_feed_leases_are_released(store: &mut dyn Store) {
    add_lease_feeds(store);
    let now = at(10, 9);
    let a = store.lease_feeds(WORKER_A, 2, LEASE, now).expect("lease");
    let a_urls: Vec<String> = a.iter().map(|f| f.url.clone()).collect();
    // Worker B releasing A's feeds (and an unknown one) changes nothing.
    let mut foreign = a_urls.clone();
    foreign.push("https://unknown.example/feed".to_string());
    store.release_feeds(WORKER_B, &foreign).expect("release");
    let b = store.lease_feeds(WORKER_B, 10, LEASE, now).expect("lease");
    assert_eq!(b.len(), 2, "only the two feeds A does not hold");
    // A releases one of its own: it is free at once.
    store
        .release_feeds(WORKER_A, &a_urls[..1])
        .expect("release");
    let c = store
        .lease_feeds("worker-c", 10, LEASE, now)
        .expect("lease");
    assert_eq!(urls(&c), vec![a_urls[0].as_str()]);
}

/// Three dirty stories, created on days 1, 2 and 3.
fn add_dirty_stories(store: &mut dyn Store) {
    insert(
        store,
        &[dated("one", 1, 8), dated("two", 1, 9), dated("three", 2, 9)],
    );
    let mut stories = Vec::new();
    for (day, id) in [(3, "s-third"), (1, "s-first"), (2, "s-second")] {
        let mut story = story(id, id, at(day, 9));
        story.created_at = at(day, 9);
        stories.push(story);
    }
    store
        .save_stories(
            &stories,
            &[
                member("s-first", "one", 1.0, &[]),
                member("s-second", "two", 1.0, &[]),
                member("s-third", "three", 1.0, &[]),
            ],
        )
        .expect("save");
}

fn dirty_story_leases_exclude_other_workers_until_they_expire(store: &mut dyn Store) {
    add_dirty_stories(store);
    let now = at(10, 9);
    let a = store
        .lease_dirty_stories(WORKER_A, 2, LEASE, now)
        .expect("lease");
    assert_eq!(
        story_id_list(&a),
        vec!["s-first", "s-second"],
        "oldest first"
    );
    let dirty = store.dirty_stories(10).expect("dirty");
    assert_eq!(a, dirty[..2].to_vec(), "with their dirty marks");
    let b = store
        .lease_dirty_stories(WORKER_B, 10, LEASE, now)
        .expect("lease");
    assert_eq!(story_id_list(&b), vec!["s-third"]);
    // A worker gets its own leases again (renewed); the other's stay out of reach.
    let a_again = store
        .lease_dirty_stories(WORKER_A, 10, LEASE, now + Duration::seconds(60))
        .expect("lease");
    assert_eq!(story_id_list(&a_again), vec!["s-first", "s-second"]);
    // B's lease (taken at `now`) has ended, A's (renewed a minute later) has not.
    let c = store
        .lease_dirty_stories("worker-c", 10, LEASE, now + Duration::seconds(300))
        .expect("lease");
    assert_eq!(story_id_list(&c), vec!["s-third"]);
    // A brief made current leaves the lease list; its lease does not keep it dirty.
    let (_, mark) = a_again[0].clone();
    assert!(
        store
            .mark_brief_current(&sid("s-first"), mark)
            .expect("mark")
    );
    let later = store
        .lease_dirty_stories("worker-c", 10, LEASE, now + Duration::seconds(360))
        .expect("lease");
    assert_eq!(story_id_list(&later), vec!["s-second", "s-third"]);
}

fn only_a_workers_own_story_leases_are_released(store: &mut dyn Store) {
    add_dirty_stories(store);
    let now = at(10, 9);
    let a = store
        .lease_dirty_stories(WORKER_A, 10, LEASE, now)
        .expect("lease");
    assert_eq!(a.len(), 3);
    store
        .release_stories(WORKER_B, &[sid("s-first"), sid("s-unknown")])
        .expect("release");
    assert!(
        store
            .lease_dirty_stories(WORKER_B, 10, LEASE, now)
            .expect("lease")
            .is_empty()
    );
    store
        .release_stories(WORKER_A, &[sid("s-second")])
        .expect("release");
    let b = store
        .lease_dirty_stories(WORKER_B, 10, LEASE, now)
        .expect("lease");
    assert_eq!(story_id_list(&b), vec!["s-second"]);
    // Leases change no story: the dirty list is as it was.
    assert_eq!(store.dirty_stories(10).expect("dirty"), a);
}

fn the_clustering_lease_has_one_holder_until_it_expires(store: &mut dyn Store) {
    let now = at(10, 9);
    assert!(
        store
            .try_lock_clustering(WORKER_A, LEASE, now)
            .expect("lock")
    );
    assert!(
        !store
            .try_lock_clustering(WORKER_B, LEASE, now)
            .expect("lock")
    );
    // The holder renews it: B still waits at the first lease's end.
    let renewed = now + Duration::seconds(200);
    assert!(
        store
            .try_lock_clustering(WORKER_A, LEASE, renewed)
            .expect("lock")
    );
    let first_end = now + Duration::seconds(300);
    assert!(
        !store
            .try_lock_clustering(WORKER_B, LEASE, first_end)
            .expect("lock")
    );
    // Only the holder's unlock frees it.
    store.unlock_clustering(WORKER_B).expect("unlock");
    assert!(
        !store
            .try_lock_clustering(WORKER_B, LEASE, first_end)
            .expect("lock")
    );
    store.unlock_clustering(WORKER_A).expect("unlock");
    assert!(
        store
            .try_lock_clustering(WORKER_B, LEASE, first_end)
            .expect("lock")
    );
    // An expired lease is taken over.
    let expired = first_end + Duration::seconds(300);
    assert!(
        !store
            .try_lock_clustering(WORKER_A, LEASE, expired - Duration::milliseconds(1))
            .expect("lock")
    );
    assert!(
        store
            .try_lock_clustering(WORKER_A, LEASE, expired)
            .expect("lock")
    );
    assert!(
        !store
            .try_lock_clustering(WORKER_B, LEASE, expired)
            .expect("lock")
    );
}

// ---------------------------------------------------------------------------------------
// Copying a store: every table a page at a time, and the imports of what no ordinary write
// reproduces.

fn articles_only(page: &[(u64, Article)]) -> Vec<Article> {
    page.iter().map(|(_, article)| article.clone()).collect()
}

fn articles_are_listed_in_insertion_order_a_page_at_a_time(store: &mut dyn Store) {
    assert!(store.articles_after(0, 10).expect("page").is_empty());
    // Inserted out of publication order: the listing follows insertion.
    let later = dated("later", 5, 9);
    let full = full_article();
    let earlier = dated("earlier", 1, 9);
    insert(store, &[later.clone(), full.clone()]);
    insert(store, &[earlier.clone(), later.clone()]);
    let first = store.articles_after(0, 2).expect("first page");
    assert_eq!(articles_only(&first), vec![later, full.clone()]);
    assert!(first[0].0 < first[1].0, "numbers grow: {first:?}");
    let second = store.articles_after(first[1].0, 2).expect("second page");
    assert_eq!(articles_only(&second), vec![earlier.clone()]);
    assert!(second[0].0 > first[1].0);
    assert!(
        store
            .articles_after(second[0].0, 2)
            .expect("past the end")
            .is_empty()
    );
    let middle = store
        .articles_after(first[0].0, 10)
        .expect("from the middle");
    assert_eq!(articles_only(&middle), vec![full, earlier]);
    assert!(store.articles_after(0, 0).expect("limit 0").is_empty());
}

fn near_duplicate_keys_are_read_back_by_id(store: &mut dyn Store) {
    let short_key = NearDuplicateKey {
        signature: None,
        bands: vec![5],
    };
    store
        .insert_articles_indexed(
            &[dated("a", 1, 8), dated("b", 1, 9), dated("short", 1, 10)],
            &[key(b"sig-a", &[30, -4, 7]), key(b"sig-b", &[7]), short_key],
        )
        .expect("insert indexed");
    insert(store, &[dated("unindexed", 1, 11)]);
    let wanted = [
        aid("b"),
        aid("missing"),
        aid("a"),
        aid("unindexed"),
        aid("short"),
        aid("a"),
    ];
    let no_signature = NearDuplicateKey {
        signature: None,
        bands: Vec::new(),
    };
    assert_eq!(
        store.near_duplicate_keys(&wanted).expect("keys"),
        vec![
            Some(key(b"sig-b", &[7])),
            None,
            Some(key(b"sig-a", &[-4, 7, 30])),
            None,
            Some(no_signature),
            Some(key(b"sig-a", &[-4, 7, 30])),
        ],
        "in the order asked, bands ascending, none kept without a signature"
    );
    assert!(store.near_duplicate_keys(&[]).expect("none").is_empty());
}

fn article_aliases_are_listed_by_alias(store: &mut dyn Store) {
    assert!(
        store
            .article_aliases_after(None, 10)
            .expect("aliases")
            .is_empty()
    );
    insert(store, &[dated("one", 1, 8), dated("two", 1, 9)]);
    store
        .add_article_aliases(&[
            (aid("z-link"), aid("one")),
            (aid("b-link"), aid("two")),
            (aid("m-link"), aid("one")),
        ])
        .expect("aliases");
    assert_eq!(
        store.article_aliases_after(None, 2).expect("first page"),
        vec![(aid("b-link"), aid("two")), (aid("m-link"), aid("one"))]
    );
    assert_eq!(
        store
            .article_aliases_after(Some(&aid("m-link")), 2)
            .expect("second page"),
        vec![(aid("z-link"), aid("one"))]
    );
    assert!(
        store
            .article_aliases_after(Some(&aid("z-link")), 2)
            .expect("past the end")
            .is_empty()
    );
    assert!(
        store
            .article_aliases_after(None, 0)
            .expect("limit 0")
            .is_empty()
    );
}

fn every_story_is_listed_by_id_merged_ones_too(store: &mut dyn Store) {
    assert!(store.stories_after(None, 10).expect("stories").is_empty());
    let live = story("s-c", "Strike", at(2, 9));
    let mut merged = story("s-a", "Walkout", at(1, 9));
    merged.merged_into = Some(sid("s-c"));
    let other = story("s-b", "Ferries", at(3, 9));
    store
        .save_stories(&[live.clone(), merged.clone(), other.clone()], &[])
        .expect("save");
    assert_eq!(
        store.stories_after(None, 2).expect("first page"),
        vec![merged, other]
    );
    assert_eq!(
        store.stories_after(Some(&sid("s-b")), 2).expect("second"),
        vec![live]
    );
    assert!(
        store
            .stories_after(Some(&sid("s-c")), 2)
            .expect("past the end")
            .is_empty()
    );
}

fn memberships_are_listed_by_article(store: &mut dyn Store) {
    insert(
        store,
        &[
            dated("one", 1, 8),
            dated("two", 1, 9),
            dated("three", 1, 10),
        ],
    );
    let two = member("s-y", "two", 0.25, &["dock", "Ellery"]);
    let one = member("s-x", "one", 1.0, &[]);
    let three = member("s-x", "three", 0.123_456_79, &["x"]);
    store
        .save_stories(
            &[story("s-x", "X", at(1, 9)), story("s-y", "Y", at(1, 9))],
            &[two.clone(), one.clone(), three.clone()],
        )
        .expect("save");
    assert!(
        store
            .memberships_after(None, 0)
            .expect("limit 0")
            .is_empty()
    );
    // By article id: a-one, a-three, a-two.
    assert_eq!(
        store.memberships_after(None, 2).expect("first page"),
        vec![one, three]
    );
    assert_eq!(
        store
            .memberships_after(Some(&aid("three")), 2)
            .expect("second page"),
        vec![two]
    );
    assert!(
        store
            .memberships_after(Some(&aid("two")), 2)
            .expect("past the end")
            .is_empty()
    );
}

fn briefs_are_listed_by_story_and_version_and_imported_with_their_versions(store: &mut dyn Store) {
    store
        .save_stories(
            &[
                story("s-a", "A", at(1, 9)),
                story("s-b", "B", at(1, 9)),
                story("s-c", "C", at(1, 9)),
            ],
            &[],
        )
        .expect("stories");
    store
        .save_brief(&brief("s-b", "B one", at(2, 9)))
        .expect("b1");
    store
        .save_brief(&brief("s-a", "A one", at(2, 9)))
        .expect("a1");
    store
        .save_brief(&brief("s-a", "A two", at(3, 9)))
        .expect("a2");
    let stored = |story: &str, version: u32| {
        store
            .brief(&sid(story), version)
            .expect("brief")
            .expect("stored")
    };
    let (a1, a2, b1) = (stored("s-a", 1), stored("s-a", 2), stored("s-b", 1));
    assert_eq!(
        store.briefs_after(None, 2).expect("first page"),
        vec![a1, a2.clone()]
    );
    assert_eq!(
        store
            .briefs_after(Some((&sid("s-a"), 2)), 2)
            .expect("second page"),
        vec![b1.clone()]
    );
    assert_eq!(
        store
            .briefs_after(Some((&sid("s-a"), 1)), 10)
            .expect("from the middle"),
        vec![a2, b1]
    );
    assert!(
        store
            .briefs_after(Some((&sid("s-b"), 1)), 10)
            .expect("past the end")
            .is_empty()
    );

    // Imported versions keep their numbers, their JSON and their times; the search index
    // holds the story's latest.
    let with_version = |headline: &str, version: u32, day: u32| {
        let mut copied = brief("s-c", headline, at(day, 9));
        copied.version = version;
        copied
    };
    let v3 = with_version("Ferry talks resume", 3, 4);
    let v7 = with_version("Harbour reopens", 7, 5);
    store
        .import_briefs(&[v3.clone(), v7.clone()])
        .expect("import");
    assert_eq!(
        store.brief_versions(&sid("s-c")).expect("versions"),
        vec![(3, at(4, 9)), (7, at(5, 9))]
    );
    assert_eq!(store.brief(&sid("s-c"), 3).expect("v3"), Some(v3));
    assert_eq!(store.latest_brief(&sid("s-c")).expect("latest"), Some(v7));
    assert_eq!(
        brief_hits(store, "reopens", 10),
        vec![("s-c".to_string(), 7)]
    );
    assert!(brief_hits(store, "resume", 10).is_empty());
    assert_eq!(
        store
            .save_brief(&brief("s-c", "C next", at(6, 9)))
            .expect("save after import"),
        8
    );

    // A version not above the story's latest, or 0, or of a missing story, stores nothing.
    let mut fine = brief("s-a", "A three", at(6, 9));
    fine.version = 3;
    let refused = [
        with_version("Too old", 5, 6),
        with_version("Zero", 0, 6),
        brief("s-missing", "Nobody's", at(6, 9)),
    ];
    for bad in refused {
        let err = store
            .import_briefs(&[fine.clone(), bad.clone()])
            .expect_err("refused");
        let expected = if bad.story_id == sid("s-missing") {
            matches!(err, StoreError::NotFound { .. })
        } else {
            matches!(err, StoreError::Invalid { .. })
        };
        assert!(
            expected,
            "version {} of {}: {err}",
            bad.version, bad.story_id
        );
    }
    let mut backwards = brief("s-b", "B three", at(6, 9));
    backwards.version = 3;
    let mut then_two = backwards.clone();
    then_two.version = 2;
    let err = store
        .import_briefs(&[backwards, then_two])
        .expect_err("a story's versions must rise within a batch too");
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    assert_eq!(
        store.brief_versions(&sid("s-a")).expect("versions").len(),
        2
    );
    assert_eq!(store.counts().expect("counts").briefs, 6);
}

fn entity_row(
    story: &str,
    id: &str,
    name: &str,
    kind: EntityKind,
    mentions: u32,
) -> StoryEntityRow {
    StoryEntityRow {
        story: sid(story),
        entity_id: id.to_string(),
        name: name.to_string(),
        kind,
        mentions,
    }
}

fn story_entities_are_listed_and_imported_as_rows(store: &mut dyn Store) {
    store
        .save_stories(
            &[story("s-a", "A", at(1, 9)), story("s-b", "B", at(1, 9))],
            &[],
        )
        .expect("stories");
    store
        .set_story_entities(
            &sid("s-b"),
            &[
                card("li-qiang", "Li Qiang", EntityKind::Person, 3),
                card("port-ellery", "Port Ellery", EntityKind::Place, 2),
            ],
        )
        .expect("b cards");
    store
        .set_story_entities(
            &sid("s-a"),
            &[card("port-ellery", "Port Ellery", EntityKind::Place, 1)],
        )
        .expect("a cards");
    let ellery_a = entity_row("s-a", "port-ellery", "Port Ellery", EntityKind::Place, 1);
    let li = entity_row("s-b", "li-qiang", "Li Qiang", EntityKind::Person, 3);
    let ellery_b = entity_row("s-b", "port-ellery", "Port Ellery", EntityKind::Place, 2);
    assert_eq!(
        store.story_entities_after(None, 2).expect("first page"),
        vec![ellery_a, li.clone()]
    );
    assert_eq!(
        store
            .story_entities_after(Some((&sid("s-b"), "li-qiang")), 2)
            .expect("second page"),
        vec![ellery_b.clone()]
    );
    assert!(
        store
            .story_entities_after(Some((&sid("s-b"), "port-ellery")), 2)
            .expect("past the end")
            .is_empty()
    );

    // Imported rows join the story's others; a row with the same slug is replaced.
    let board = entity_row(
        "s-a",
        "harbour-board",
        "Harbour Board",
        EntityKind::Organisation,
        4,
    );
    let ellery_a = entity_row("s-a", "port-ellery", "Port Ellery", EntityKind::Place, 5);
    store
        .import_story_entities(&[board.clone(), ellery_a.clone()])
        .expect("import");
    assert_eq!(
        store.story_entities_after(None, 10).expect("all"),
        vec![board.clone(), ellery_a, li.clone(), ellery_b.clone()]
    );
    assert_eq!(
        store.stories_mentioning("port-ellery").expect("mentioning"),
        vec![(sid("s-a"), 5), (sid("s-b"), 2)]
    );
    assert_eq!(
        store.entity("harbour-board").expect("entity"),
        Some(("Harbour Board".to_string(), EntityKind::Organisation))
    );
    let err = store
        .import_story_entities(&[
            entity_row("s-b", "new", "New", EntityKind::Place, 1),
            entity_row("s-missing", "x", "X", EntityKind::Place, 1),
        ])
        .expect_err("needs its story");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert_eq!(store.story_entities_after(None, 10).expect("all").len(), 4);
}

fn kb_entries_are_listed_by_source_and_id(store: &mut dyn Store) {
    assert!(store.kb_entities_after(None, 10).expect("kb").is_empty());
    let paris = kb(
        "Wikidata",
        "Q90",
        "Paris",
        &["Paree"],
        Some(EntityKind::Place),
    );
    let gandhi = kb(
        "Wikidata",
        "Q1001",
        "Mahatma Gandhi",
        &[],
        Some(EntityKind::Person),
    );
    let local = kb("local", "Q90", "Paris, the local one", &[], None);
    store
        .upsert_kb_entities(&[local.clone(), paris.clone(), gandhi.clone()])
        .expect("upsert");
    // Byte order: "Q1001" < "Q90", "Wikidata" < "local".
    assert_eq!(
        store.kb_entities_after(None, 2).expect("first page"),
        vec![gandhi, paris]
    );
    assert_eq!(
        store
            .kb_entities_after(Some(("Wikidata", "Q90")), 2)
            .expect("second page"),
        vec![local]
    );
    assert!(
        store
            .kb_entities_after(Some(("local", "Q90")), 2)
            .expect("past the end")
            .is_empty()
    );
}

fn cluster_state_is_listed_in_parts_and_imported_with_its_version(store: &mut dyn Store) {
    assert_eq!(store.cluster_state_meta().expect("meta"), None);
    assert!(
        store
            .cluster_terms_after(None, 10)
            .expect("terms")
            .is_empty()
    );
    assert!(
        store
            .cluster_story_states_after(None, 10)
            .expect("states")
            .is_empty()
    );
    assert_eq!(first_clustering(store), 1);
    assert_eq!(
        store.cluster_state_meta().expect("meta"),
        Some((1, b"counters v1".to_vec()))
    );
    assert_eq!(
        store.cluster_terms_after(None, 1).expect("first term"),
        vec![term(0, "dock", 2)]
    );
    assert_eq!(
        store.cluster_terms_after(Some(0), 5).expect("the rest"),
        vec![term(1, "strike", 2)]
    );
    assert!(
        store
            .cluster_terms_after(Some(1), 5)
            .expect("past the end")
            .is_empty()
    );
    // Resident or not, by story id.
    assert_eq!(
        store.cluster_story_states_after(None, 1).expect("first"),
        vec![state_row("s-old", 1, false, &[9])]
    );
    assert_eq!(
        store
            .cluster_story_states_after(Some(&sid("s-old")), 5)
            .expect("the rest"),
        vec![state_row("s-strike", 0, true, &[1, 2, 3])]
    );
    assert!(
        store
            .cluster_story_states_after(Some(&sid("s-strike")), 5)
            .expect("past the end")
            .is_empty()
    );

    // Parts without counters leave the version alone.
    store
        .import_cluster_state(
            &[term(2, "ferry", 1), term(1, "strike", 5)],
            &[state_row("s-new", 7, false, &[8])],
            None,
        )
        .expect("import parts");
    assert_eq!(store.cluster_state_version().expect("version"), 1);
    let saved = store.cluster_state().expect("state").expect("saved");
    assert_eq!(
        saved.terms,
        vec![
            term(0, "dock", 2),
            term(1, "strike", 5),
            term(2, "ferry", 1)
        ]
    );
    assert_eq!(
        store.cluster_story_state(&sid("s-new")).expect("state"),
        Some(state_row("s-new", 7, false, &[8]))
    );
    // Counters set the version exactly; the next save builds on it.
    store
        .import_cluster_state(&[], &[], Some((41, b"copied counters")))
        .expect("import counters");
    assert_eq!(
        store.cluster_state_meta().expect("meta"),
        Some((41, b"copied counters".to_vec()))
    );
    let next = ClusterStateChanges {
        base_version: 41,
        meta: b"next".to_vec(),
        ..ClusterStateChanges::default()
    };
    assert_eq!(store.save_clustering(&[], &[], &next).expect("save"), 42);
    let err = store
        .import_cluster_state(&[term(9, "x", 1)], &[], Some((0, b"")))
        .expect_err("version 0");
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    assert_eq!(store.cluster_state_version().expect("version"), 42);
    assert_eq!(
        store.cluster_terms_after(Some(2), 5).expect("terms"),
        vec![]
    );
}

fn story_profiles_are_listed_with_their_keys(store: &mut dyn Store) {
    assert!(
        store
            .story_profiles_after(None, 10)
            .expect("profiles")
            .is_empty()
    );
    store
        .save_stories(
            &[
                story("s-a", "A", at(1, 9)),
                story("s-b", "B", at(1, 9)),
                story("s-c", "C", at(1, 9)),
            ],
            &[],
        )
        .expect("stories");
    for row in [
        profile("s-c", &["t:strike", "e:ellery"]),
        profile("s-a", &["t:dock"]),
        profile("s-b", &["e:ellery"]),
    ] {
        store.save_story_profile(&row).expect("profile");
    }
    assert_eq!(
        store.story_profiles_after(None, 2).expect("first page"),
        vec![profile("s-a", &["t:dock"]), profile("s-b", &["e:ellery"])]
    );
    assert_eq!(
        store
            .story_profiles_after(Some(&sid("s-b")), 2)
            .expect("second page"),
        vec![profile("s-c", &["e:ellery", "t:strike"])],
        "keys in ascending order"
    );
    assert!(
        store
            .story_profiles_after(Some(&sid("s-c")), 2)
            .expect("past the end")
            .is_empty()
    );
}

fn dirty_marks_are_listed_and_imported_exactly(store: &mut dyn Store) {
    insert(store, &[dated("one", 1, 8), dated("two", 1, 9)]);
    let mut merged = story("s-c", "C", at(1, 9));
    merged.merged_into = Some(sid("s-a"));
    store
        .save_stories(
            &[
                story("s-a", "A", at(1, 9)),
                story("s-b", "B", at(1, 9)),
                merged,
            ],
            &[
                member("s-a", "one", 1.0, &[]),
                member("s-b", "two", 1.0, &[]),
            ],
        )
        .expect("save");
    let marks = store.brief_dirty_marks_after(None, 10).expect("marks");
    let dirty = store.dirty_stories(10).expect("dirty");
    assert_eq!(
        &marks[..2],
        &dirty[..],
        "the live stories' marks as dirty_stories has them"
    );
    assert_eq!(
        marks[2],
        (sid("s-c"), 0),
        "a story with no members is current"
    );
    assert_eq!(
        store.brief_dirty_marks_after(None, 1).expect("first page"),
        marks[..1].to_vec()
    );
    assert_eq!(
        store
            .brief_dirty_marks_after(Some(&sid("s-a")), 5)
            .expect("the rest"),
        marks[1..].to_vec()
    );

    store
        .import_brief_dirty_marks(&[(sid("s-a"), 0), (sid("s-b"), 17), (sid("s-c"), 3)])
        .expect("import");
    assert_eq!(
        store.brief_dirty_marks_after(None, 10).expect("marks"),
        vec![(sid("s-a"), 0), (sid("s-b"), 17), (sid("s-c"), 3)]
    );
    assert_eq!(
        store.dirty_stories(10).expect("dirty"),
        vec![(sid("s-b"), 17)],
        "a current story and a merged one are not listed"
    );
    assert!(store.mark_brief_current(&sid("s-b"), 17).expect("mark"));
    let err = store
        .import_brief_dirty_marks(&[(sid("s-a"), 5), (sid("s-missing"), 1)])
        .expect_err("needs its story");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert_eq!(
        store.brief_dirty_marks_after(None, 1).expect("marks"),
        vec![(sid("s-a"), 0)]
    );
}
