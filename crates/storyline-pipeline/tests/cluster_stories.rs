//! Story clustering on invented short articles: one event from four outlets is one story,
//! two events of the same kind on the same day are two, ids are stable, and restoring stored
//! memberships then assigning gives the same result as one pass.

use chrono::{Duration, TimeZone, Utc};
use storyline_model::{Article, ArticleId, ExtractionStatus, StoryId};
use storyline_nlp::terms::content_hash;
use storyline_pipeline::cluster::{Assignment, ClusterConfig, Clusterer, cluster_pending};
use storyline_store::{SqliteStore, Store};

fn article(slug: &str, publisher: &str, hours: i64, headline: &str, body: &str) -> Article {
    let base = Utc
        .with_ymd_and_hms(2025, 3, 4, 8, 0, 0)
        .single()
        .expect("valid date");
    let url = format!(
        "https://{}.example/news/{slug}",
        publisher.to_lowercase().replace(' ', "-")
    );
    Article {
        id: ArticleId::from_url(&url),
        url,
        headline: headline.to_string(),
        article_body: body.to_string(),
        description: None,
        author: Vec::new(),
        date_published: Some(base + Duration::hours(hours)),
        date_modified: None,
        date_fetched: base + Duration::hours(hours) + Duration::minutes(3),
        in_language: Some("en".to_string()),
        outlet: storyline_model::Outlet::from_source(
            &format!(
                "https://{}.example/",
                publisher.to_lowercase().replace(' ', "-")
            ),
            publisher,
        ),
        image: None,
        feed_url: None,
        content_hash: content_hash(body),
        duplicate_of: None,
        extraction: ExtractionStatus::Full,
        extra: serde_json::Map::new(),
    }
}

/// (label of the gold story, article), in publication order.
fn stream() -> Vec<(&'static str, Article)> {
    vec![
        (
            "kelsport",
            article(
                "ferry-fire",
                "Harbour Times",
                0,
                "Fire on Northern Star ferry forces evacuation off Kelsport",
                "More than 300 passengers were evacuated from the Northern Star ferry on Tuesday after a fire broke out in its engine room as the vessel approached Kelsport harbour.\nThe Coastal Rescue Service said two crew members were treated for smoke inhalation. Tugboats towed the ship to the outer pier.\nThe operator, Brightwater Lines, suspended its Kelsport crossings until Thursday.",
            ),
        ),
        (
            "bank",
            article(
                "rates-held",
                "Daily Ledger",
                1,
                "Central bank holds interest rate at 4.25% as inflation cools",
                "The Bank of Valdora left its main interest rate at 4.25% on Tuesday, the third meeting in a row without a change.\nGovernor Mira Castell said inflation had fallen to 2.9% in February but wages were still rising quickly.\nMost economists had expected the decision; markets now see a first cut in June.",
            ),
        ),
        (
            "kelsport",
            article(
                "northern-star",
                "Valley Courier",
                2,
                "Passengers evacuated as engine-room blaze hits Kelsport ferry",
                "A blaze in the engine room of the Northern Star forced the evacuation of 312 passengers just outside Kelsport on Tuesday afternoon.\nBrightwater Lines said the fire was put out within an hour and no passengers were hurt; two crew members inhaled smoke.\nInvestigators from the Maritime Safety Board will board the vessel on Wednesday.",
            ),
        ),
        (
            "marrowby",
            article(
                "islander-queen",
                "Coast Gazette",
                3,
                "Cargo ferry Islander Queen catches fire off Marrowby, crew rescued",
                "The Islander Queen, a cargo ferry run by Saltmere Shipping, caught fire off Marrowby on Tuesday evening.\nAll 18 crew members were lifted to safety by a coastguard helicopter after flames spread from the vehicle deck.\nSaltmere Shipping said the ship was carrying timber and farm machinery to the Fenn Islands.",
            ),
        ),
        (
            "kelsport",
            article(
                "kelsport-sailings",
                "Daily Ledger",
                4,
                "Brightwater Lines halts Kelsport sailings after Northern Star fire",
                "Brightwater Lines cancelled all Kelsport sailings until Thursday after the engine-room fire on its Northern Star ferry.\nThe company said the 312 passengers evacuated on Tuesday would get full refunds. The Maritime Safety Board has opened an investigation into the cause of the fire.\nThe Northern Star, built in 2004, passed its last safety inspection in January.",
            ),
        ),
        (
            "bank",
            article(
                "castell-inflation",
                "North Post Radio",
                5,
                "Bank of Valdora keeps rates on hold, Castell signals patience",
                "Governor Mira Castell kept the Bank of Valdora's key rate at 4.25%, saying inflation of 2.9% was not yet low enough to cut.\nThe decision was unanimous. Castell said the bank wanted to see wage growth slow before easing in the summer.",
            ),
        ),
        (
            "kelsport",
            article(
                "what-we-know",
                "North Post Radio",
                6,
                "Northern Star ferry fire: what we know",
                "The fire started in the engine room of the Northern Star as it approached Kelsport on Tuesday with 312 passengers on board.\nAll passengers were taken off safely; two crew members were treated for smoke inhalation.\nBrightwater Lines has suspended Kelsport crossings and the Maritime Safety Board is investigating.",
            ),
        ),
        (
            "marrowby",
            article(
                "marrowby-rescue",
                "Island Herald",
                7,
                "Helicopter crew winches 18 sailors from burning Islander Queen near Marrowby",
                "A coastguard helicopter rescued all 18 crew of the Islander Queen after the Saltmere Shipping cargo ferry caught fire near Marrowby on Tuesday night.\nThe fire began on the vehicle deck, where the ferry carried timber bound for the Fenn Islands.\nThe burning ship was left to drift while tugs from Marrowby tried to reach it.",
            ),
        ),
    ]
}

fn assign_all(clusterer: &mut Clusterer, articles: &[Article]) -> Vec<Assignment> {
    articles.iter().map(|a| clusterer.assign(a)).collect()
}

/// The predicted partition as lists of gold labels, one list per story in first-seen order.
fn partition(labels: &[&str], assignments: &[Assignment]) -> Vec<Vec<String>> {
    let mut stories: Vec<(StoryId, Vec<String>)> = Vec::new();
    for (label, assignment) in labels.iter().zip(assignments) {
        match stories
            .iter_mut()
            .find(|(id, _)| id == &assignment.story_id)
        {
            Some((_, members)) => members.push(label.to_string()),
            None => stories.push((assignment.story_id.clone(), vec![label.to_string()])),
        }
    }
    stories.into_iter().map(|(_, members)| members).collect()
}

#[test]
fn one_event_from_four_outlets_is_one_story_and_look_alike_events_stay_apart() {
    let (labels, articles): (Vec<&str>, Vec<Article>) = stream().into_iter().unzip();
    let assignments = assign_all(&mut Clusterer::new(ClusterConfig::default()), &articles);
    let k = "kelsport".to_string();
    let b = "bank".to_string();
    let m = "marrowby".to_string();
    assert_eq!(
        partition(&labels, &assignments),
        vec![
            vec![k.clone(), k.clone(), k.clone(), k],
            vec![b.clone(), b],
            vec![m.clone(), m]
        ],
        "{assignments:#?}"
    );
    // Story ids come from the seed article; the seed opens it, the others join it.
    assert_eq!(assignments[0].story_id, StoryId::from_seed(&articles[0].id));
    assert!(assignments[0].is_new_story && !assignments[2].is_new_story);
    // The explanation names what the articles share, proper nouns first.
    assert!(
        assignments[2]
            .why
            .iter()
            .any(|w| w == "Kelsport" || w == "Northern"),
        "{:?}",
        assignments[2].why
    );
}

#[test]
fn story_ids_are_stable_across_runs() {
    let articles: Vec<Article> = stream().into_iter().map(|(_, a)| a).collect();
    let first = assign_all(&mut Clusterer::new(ClusterConfig::default()), &articles);
    let second = assign_all(&mut Clusterer::new(ClusterConfig::default()), &articles);
    assert_eq!(first, second);
}

#[test]
fn restore_then_assign_equals_one_pass() {
    let articles: Vec<Article> = stream().into_iter().map(|(_, a)| a).collect();
    let one_pass = assign_all(&mut Clusterer::new(ClusterConfig::default()), &articles);
    for split in 0..articles.len() {
        let mut resumed = Clusterer::new(ClusterConfig::default());
        for (article, assignment) in articles[..split].iter().zip(&one_pass) {
            resumed.restore(&assignment.story_id, article);
        }
        let rest = assign_all(&mut resumed, &articles[split..]);
        assert_eq!(rest, one_pass[split..], "split at {split}");
    }
}

#[test]
fn a_copy_joins_its_originals_story() {
    let articles: Vec<Article> = stream().into_iter().map(|(_, a)| a).collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let assignments = assign_all(&mut clusterer, &articles);
    // A wire copy with an unrelated-looking headline still goes where its original went.
    let mut copy = article(
        "bank-copy",
        "Weekly Digest",
        9,
        "Markets wait for June",
        &articles[1].article_body,
    );
    copy.duplicate_of = Some(articles[1].id.clone());
    let assignment = clusterer.assign(&copy);
    assert_eq!(assignment.story_id, assignments[1].story_id);
    assert!(!assignment.is_new_story);
}

#[test]
fn the_same_kind_of_news_weeks_later_opens_a_new_story() {
    let articles: Vec<Article> = stream().into_iter().map(|(_, a)| a).collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let assignments = assign_all(&mut clusterer, &articles);
    let mut later = articles[1].clone();
    later.url = "https://daily-ledger.example/news/rates-held-again".to_string();
    later.id = ArticleId::from_url(&later.url);
    later.date_published = later.date_published.map(|t| t + Duration::days(42));
    let assignment = clusterer.assign(&later);
    assert_ne!(assignment.story_id, assignments[1].story_id);
    assert!(assignment.is_new_story);
}

#[test]
fn cluster_pending_saves_stories_and_resumes_where_it_stopped() {
    let mut articles: Vec<Article> = stream().into_iter().map(|(_, a)| a).collect();
    // The Daily Ledger's sailing story is also run, unchanged, by a partner site: a copy.
    let mut copy = article(
        "ferry-copy",
        "Partner Site",
        4,
        "Kelsport sailings halted",
        &articles[4].article_body,
    );
    copy.duplicate_of = Some(articles[4].id.clone());
    articles.push(copy);

    let mut store = SqliteStore::open_in_memory().expect("in-memory store");
    store
        .insert_articles(&articles[..5])
        .expect("insert first batch");
    let first = cluster_pending(&mut store, &ClusterConfig::default()).expect("first run");
    assert_eq!((first.assigned, first.new_stories), (5, 3));

    store
        .insert_articles(&articles[5..])
        .expect("insert second batch");
    let second = cluster_pending(&mut store, &ClusterConfig::default()).expect("second run");
    assert_eq!((second.assigned, second.new_stories), (4, 0));
    let again = cluster_pending(&mut store, &ClusterConfig::default()).expect("idempotent run");
    assert_eq!(
        (again.assigned, again.new_stories, again.touched.len()),
        (0, 0, 0)
    );

    // The same memberships as one pass over everything.
    let one_pass = assign_all(&mut Clusterer::new(ClusterConfig::default()), &articles);
    for (article, assignment) in articles.iter().zip(&one_pass) {
        assert_eq!(
            store
                .story_of_article(&article.id)
                .expect("lookup")
                .as_ref(),
            Some(&assignment.story_id)
        );
    }

    let kelsport = store
        .story(&StoryId::from_seed(&articles[0].id))
        .expect("read")
        .expect("story saved");
    assert_eq!(
        kelsport.headline,
        "Fire on Northern Star ferry forces evacuation off Kelsport"
    );
    assert_eq!(kelsport.article_count, 5);
    // Four outlets; the partner site's copy is not an independent outlet.
    assert_eq!(kelsport.outlet_count, 4);
    assert_eq!(kelsport.created_at, articles[0].effective_time());
    assert_eq!(kelsport.updated_at, articles[6].effective_time());
}

/// Four headlines of one eruption and a join threshold strict enough that the third opens a
/// story of its own, which the merge check joins back when it doubles.
fn volcano_in_two_seeds() -> (ClusterConfig, Vec<Article>) {
    let config = ClusterConfig {
        short_threshold: 0.6,
        short_merge_threshold: 0.3,
        ..ClusterConfig::default()
    };
    let headlines = [
        "Tarsk volcano erupts, Orvik villages evacuated",
        "Tarsk volcano erupts, Orvik villages evacuated overnight",
        "Orvik evacuated as Tarsk lava flows south",
        "Orvik evacuated as Tarsk lava flows south",
    ];
    let articles = headlines
        .iter()
        .enumerate()
        .map(|(i, headline)| article(&format!("tarsk-{i}"), "Wire", i as i64, headline, ""))
        .collect();
    (config, articles)
}

#[test]
fn two_seeds_of_one_story_merge_and_the_old_id_resolves() {
    // Headlines only; a strict join threshold makes the two halves open separate stories,
    // and the merge check when the second one doubles in size joins them.
    let (config, articles) = volcano_in_two_seeds();
    let mut clusterer = Clusterer::new(config);
    let assignments = assign_all(&mut clusterer, &articles);
    assert!(assignments[2].is_new_story, "{assignments:?}");
    let first = clusterer.story_of(&articles[0].id).cloned();
    for article in &articles {
        assert_eq!(clusterer.story_of(&article.id).cloned(), first);
    }
    assert_eq!(clusterer.members(&assignments[2].story_id).len(), 4);
    assert_eq!(clusterer.story_count(), 2);
}

#[test]
fn a_merge_across_runs_is_stored_and_the_old_id_still_resolves() {
    let (config, articles) = volcano_in_two_seeds();
    let mut store = SqliteStore::open_in_memory().expect("store");
    // First run: one article of each seed, two stories of one article each (a story of one
    // article does not look for a merge at the end of a run).
    store
        .insert_articles(&[articles[0].clone(), articles[2].clone()])
        .expect("insert");
    cluster_pending(&mut store, &config).expect("first run");
    let before: Vec<StoryId> = store
        .stories()
        .expect("stories")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(before.len(), 2, "{before:?}");
    // Second run: each seed gains its second article, and the two merge.
    store
        .insert_articles(&[articles[1].clone(), articles[3].clone()])
        .expect("insert");
    cluster_pending(&mut store, &config).expect("second run");
    let after = store.stories().expect("stories");
    assert_eq!(after.len(), 1, "{after:?}");
    let survivor = after[0].id.clone();
    assert_eq!(after[0].article_count, 4);
    for id in &before {
        assert_eq!(
            store.resolve_story(id.as_str()).expect("resolve"),
            Some(survivor.clone())
        );
    }
    for a in &articles {
        assert_eq!(
            store.story_of_article(&a.id).expect("story of"),
            Some(survivor.clone())
        );
    }
    // A third run changes nothing.
    let report = cluster_pending(&mut store, &config).expect("third run");
    assert_eq!(report.assigned, 0);
    assert_eq!(store.stories().expect("stories").len(), 1);
}

/// Hours between the two title fights of [`two_title_fights`].
const WEEK_HOURS: i64 = 7 * 24;

/// Two title fights of one champion a week apart (two look-alike events: same boxer, same
/// belts, different opponents and cities), four reports each, assigned in an order that
/// alternates between them. Reports of one fight are published within a few hours: groups
/// told in the same news cycle do not split on names.
fn two_title_fights() -> Vec<(&'static str, Article)> {
    let menck = [
        "Halvar Oskel stopped Dario Menck in the seventh round in Brenna on Saturday to keep his WBA and IBF heavyweight belts. Menck, 38, was knocked down twice before referee Piet Ambrose waved the fight off. Oskel said the Brenna crowd had carried him through a slow start.",
        "Dario Menck never found his range against Halvar Oskel. The champion floored the veteran challenger with a left hook in the sixth and finished him in the seventh at the Brenna Arena. Menck's trainer Lasse Horn said his fighter would talk about retirement with his family.",
        "In Brenna, Halvar Oskel retained the WBA and IBF titles with a stoppage of Dario Menck. Ringside judges had Oskel ahead on every card when referee Piet Ambrose stepped in. Menck had not fought for a title since losing in Tallow four years ago.",
        "Oskel's jab controlled the fight from the first bell and Menck, bleeding over the left eye, was saved by referee Piet Ambrose in round seven. Promoter Ines Varga said 14,000 tickets were sold at the Brenna Arena and hinted at a rematch clause she does not expect to use.",
    ];
    let brunn = [
        "Halvar Oskel knocked out Tavi Brunn in the third round in Korsholm to defend his WBA and IBF heavyweight belts. Brunn, the unbeaten Olympic champion, went down from a right hand and could not beat the count of referee Sol Radek. Oskel called Brunn the hardest puncher he had faced.",
        "Tavi Brunn's unbeaten record ended in Korsholm. The 27-year-old challenger rocked Halvar Oskel in the second round but was caught by a counter right in the third, and referee Sol Radek counted him out. Brunn's manager Edda Lind said they would ask for a rematch in Korsholm.",
        "Korsholm's Harbour Hall saw Halvar Oskel keep the WBA and IBF titles with a third-round knockout of Tavi Brunn. The Olympic champion had won all 19 of his professional fights. Referee Sol Radek said Brunn was unable to continue after the count.",
        "Brunn had promised to take the belts home to Korsholm, and for two rounds the Harbour Hall believed him. Oskel weathered the storm, landed a right hand in the third and Brunn stayed down. His manager Edda Lind blamed a short training camp for the defeat.",
    ];
    let mut articles = Vec::new();
    for (i, (a, b)) in menck.iter().zip(brunn.iter()).enumerate() {
        let hours = i as i64;
        articles.push((
            "menck",
            article(
                &format!("oskel-menck-{i}"),
                ["Ring Post", "Daily Ledger", "Sports Wire", "Evening Herald"][i],
                hours,
                "Oskel stops Menck to keep heavyweight titles",
                a,
            ),
        ));
        articles.push((
            "brunn",
            article(
                &format!("oskel-brunn-{i}"),
                ["Fight Desk", "Morning Star", "Boxing Review", "City Times"][i],
                WEEK_HOURS + hours,
                "Oskel knocks out Brunn to keep heavyweight titles",
                b,
            ),
        ));
    }
    articles
}

/// A join threshold so low that every report of both fights lands in one story when it
/// arrives: the case the end-of-stream refinement is there to repair. The reports are
/// short (27 to 33 distinct terms), so full-text length starts at 20 terms.
fn joins_everything() -> ClusterConfig {
    ClusterConfig {
        threshold: 0.01,
        short_threshold: 0.01,
        short_terms: 8,
        long_terms: 20,
        ..ClusterConfig::default()
    }
}

#[test]
fn a_story_of_two_look_alike_events_splits_when_the_stream_ends() {
    let labelled = two_title_fights();
    let (labels, articles): (Vec<&str>, Vec<Article>) = labelled.into_iter().unzip();
    let mut clusterer = Clusterer::new(joins_everything());
    let assignments = assign_all(&mut clusterer, &articles);
    assert!(
        assignments.iter().skip(1).all(|a| !a.is_new_story),
        "{assignments:#?}"
    );
    clusterer.finish();
    let finished: Vec<Assignment> = articles
        .iter()
        .zip(&assignments)
        .map(|(article, assigned)| Assignment {
            story_id: clusterer.story_of(&article.id).cloned().expect("assigned"),
            ..assigned.clone()
        })
        .collect();
    let m = "menck".to_string();
    let b = "brunn".to_string();
    assert_eq!(
        partition(&labels, &finished),
        vec![
            vec![m.clone(), m.clone(), m.clone(), m],
            vec![b.clone(), b.clone(), b.clone(), b]
        ],
        "{finished:#?}"
    );
    // The part holding the first article keeps the story's id; the other is named after
    // its own first article and says where it came from.
    assert_eq!(finished[0].story_id, assignments[0].story_id);
    assert_eq!(finished[1].story_id, StoryId::from_seed(&articles[1].id));
    let moved = clusterer.reassignment(&articles[1].id).expect("moved");
    assert_eq!(moved.from, assignments[0].story_id);
    assert!(clusterer.reassignment(&articles[0].id).is_none());
}

#[test]
fn cluster_pending_stores_a_split_and_a_second_run_changes_nothing() {
    let labelled = two_title_fights();
    let articles: Vec<Article> = labelled.iter().map(|(_, a)| a.clone()).collect();
    let mut store = SqliteStore::open_in_memory().expect("store");
    store.insert_articles(&articles).expect("insert");
    let report = cluster_pending(&mut store, &joins_everything()).expect("first run");
    assert_eq!(report.assigned, 8);
    let stories = store.stories().expect("stories");
    assert_eq!(stories.len(), 2, "{stories:#?}");
    assert!(stories.iter().all(|s| s.article_count == 4), "{stories:#?}");
    for (label, article) in &labelled {
        let story = store
            .story_of_article(&article.id)
            .expect("story of")
            .expect("stored");
        let expected = if *label == "menck" {
            &articles[0]
        } else {
            &articles[1]
        };
        assert_eq!(
            Some(story),
            store.story_of_article(&expected.id).expect("story of"),
            "{label}"
        );
    }
    let again = cluster_pending(&mut store, &joins_everything()).expect("second run");
    assert_eq!(again.assigned, 0);
    assert!(again.touched.is_empty(), "{again:?}");
    assert_eq!(store.stories().expect("stories"), stories);
}

/// The Northern Star fire: two full reports on the day, then, six months later, two on the
/// inquiry's findings that retell it.
fn fire_and_inquiry() -> (Vec<Article>, Vec<Article>) {
    let fire = vec![
        article(
            "star-fire-day",
            "Harbour Times",
            0,
            "Engine-room fire on Northern Star ferry forces evacuation off Kelsport",
            "More than 300 passengers were evacuated from the Brightwater Lines ferry Northern Star on Tuesday after a fire broke out in its engine room as the vessel approached Kelsport harbour.\nThe Coastal Rescue Service said two crew members were treated for smoke inhalation. Tugboats towed the ship to the outer pier, where Kelsport firefighters put out the last of the blaze.\nThe Maritime Safety Board opened an inquiry into the fire and Brightwater Lines suspended its Kelsport crossings.",
        ),
        article(
            "star-fire-evening",
            "Valley Courier",
            3,
            "Northern Star passengers describe smoke and calm evacuation off Kelsport",
            "Passengers on the Northern Star said smoke filled the lower deck minutes before the crew began the evacuation off Kelsport on Tuesday.\nBrightwater Lines said the engine-room fire was out within an hour and that two crew members were treated for smoke inhalation. The Coastal Rescue Service brought 312 passengers ashore at the outer pier.\nThe Maritime Safety Board said its inquiry would examine the ferry's fuel lines and fire alarms.",
        ),
    ];
    let inquiry = vec![
        article(
            "star-inquiry-report",
            "Harbour Times",
            24 * 180,
            "Northern Star fire inquiry blames leaking fuel line in engine room",
            "A leaking fuel line started the engine-room fire on the Brightwater Lines ferry Northern Star off Kelsport in March, the Maritime Safety Board said in its inquiry report on Thursday.\nThe fire forced the evacuation of 312 passengers; the Coastal Rescue Service brought them ashore at the outer pier and two crew members were treated for smoke inhalation.\nThe board said the fire alarms in the engine room had worked, and told Brightwater Lines to inspect the fuel lines of its Kelsport ferries.",
        ),
        article(
            "star-inquiry-reaction",
            "Valley Courier",
            24 * 180 + 4,
            "Brightwater Lines to inspect fuel lines after Northern Star fire inquiry",
            "Brightwater Lines will inspect the fuel lines of every Kelsport ferry after the Maritime Safety Board found that a leaking line caused the engine-room fire on the Northern Star in March.\nThe inquiry report said the crew began the evacuation of 312 passengers quickly and that the Coastal Rescue Service reached the ferry within minutes; two crew members were treated for smoke inhalation.\nKelsport crossings have run since April.",
        ),
    ];
    (fire, inquiry)
}

/// Unrelated one-line items, one every two hours: enough of them to retire quiet stories.
fn unrelated_items(count: usize, start_hours: i64) -> Vec<Article> {
    // Made-up words, two per item, so that no two items share a term.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut word = move || -> String {
        (0..9)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (b'a' + (state % 26) as u8) as char
            })
            .collect()
    };
    (0..count)
        .map(|i| {
            let headline = format!("{} {}", word(), word());
            article(
                &format!("item-{i}"),
                "Local Wire",
                start_hours + 2 * i as i64,
                &headline,
                "",
            )
        })
        .collect()
}

#[test]
fn a_story_that_resumes_months_later_rejoins_its_past_even_after_retiring() {
    let (fire, inquiry) = fire_and_inquiry();
    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let fire_story = assign_all(&mut clusterer, &fire)[0].story_id.clone();
    assert_eq!(clusterer.members(&fire_story).len(), 2);
    // Six months of other news, more than enough for the lookup to be rebuilt without the
    // fire story.
    assign_all(&mut clusterer, &unrelated_items(2_100, 6));
    // The inquiry's first report is too late to join a story retired months ago...
    let first = clusterer.assign(&inquiry[0]);
    assert!(first.is_new_story, "{first:?}");
    // ...but the second makes a story of full texts that finds its past and merges into it.
    clusterer.assign(&inquiry[1]);
    for article in fire.iter().chain(&inquiry) {
        assert_eq!(clusterer.story_of(&article.id), Some(&fire_story));
    }
    assert!(
        clusterer
            .merges()
            .contains(&(first.story_id.clone(), fire_story.clone())),
        "{:?}",
        clusterer.merges()
    );
}

#[test]
fn headline_stories_do_not_resume_months_later() {
    let headlines = |hours: i64, slug: &str| {
        vec![
            article(
                &format!("{slug}-1"),
                "Wire",
                hours,
                "Kelsport ferry crossings suspended after fire",
                "",
            ),
            article(
                &format!("{slug}-2"),
                "Herald",
                hours + 1,
                "Kelsport ferry crossings suspended after fire",
                "",
            ),
        ]
    };
    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let spring = headlines(0, "spring");
    assign_all(&mut clusterer, &spring);
    assign_all(&mut clusterer, &unrelated_items(2_100, 6));
    let autumn = headlines(24 * 180, "autumn");
    assign_all(&mut clusterer, &autumn);
    clusterer.finish();
    let spring_story = clusterer.story_of(&spring[0].id).cloned();
    assert_eq!(clusterer.story_of(&spring[1].id).cloned(), spring_story);
    assert_eq!(
        clusterer.story_of(&autumn[0].id),
        clusterer.story_of(&autumn[1].id)
    );
    assert_ne!(clusterer.story_of(&autumn[0].id).cloned(), spring_story);
}

/// One bridge closure the same morning: three outlets quote the engineer who found the
/// crack, three the authority's spokesman (under `spokesman_headline`); each group names
/// someone the other does not. Undated when `dated` is false (as feeds without publication
/// times give them).
fn bridge_closure(spokesman_headline: &str, dated: bool) -> Vec<Article> {
    let engineer = [
        "Engineer Talia Morrow found a crack in a main girder of the Kessling Bridge on Monday night, and the bridge was closed to all traffic at dawn. Morrow said the crack ran for two metres along the girder and that the bridge could not carry lorries safely.",
        "The Kessling Bridge is shut after engineer Talia Morrow reported a two-metre crack in a girder during a night inspection. Morrow told reporters the closure would last until the girder had been scanned and braced, which she expected to take weeks.",
        "Talia Morrow, the engineer who inspected the Kessling Bridge, said the crack she found in a main girder was the worst she had seen on the river crossings. Drivers were sent on a twenty-minute diversion through Hallam after the bridge closed.",
    ];
    let spokesman = [
        "The Kessling Bridge closed at dawn on Tuesday after a crack was found in a main girder, the Kessling Bridge Authority said. Spokesman Ivo Brandt said buses would be diverted through Hallam and that the authority would publish a repair timetable by Friday.",
        "Ivo Brandt, speaking for the Kessling Bridge Authority, said the bridge would stay closed to all traffic until engineers had braced the cracked girder. Brandt said ferries across the river would run every half hour while the bridge is shut.",
        "Commuters queued for the river ferries after the Kessling Bridge closed on Tuesday. The authority's spokesman, Ivo Brandt, said the cracked girder was found during a routine night inspection and that the closure could last weeks.",
    ];
    let mut articles = Vec::new();
    for (i, (a, b)) in engineer.iter().zip(spokesman.iter()).enumerate() {
        let hours = i as i64;
        articles.push(article(
            &format!("bridge-engineer-{i}"),
            ["Ring Post", "Daily Ledger", "Evening Herald"][i],
            hours,
            "Kessling Bridge closed after crack found in girder",
            a,
        ));
        articles.push(article(
            &format!("bridge-authority-{i}"),
            ["Morning Star", "City Times", "Valley Courier"][i],
            hours,
            spokesman_headline,
            b,
        ));
    }
    if !dated {
        for article in &mut articles {
            article.date_published = None;
        }
    }
    articles
}

/// Clusters `articles` with every report joining on arrival, refines, and checks that they
/// all end in the first article's story.
fn assert_one_story_after_refining(articles: &[Article]) {
    let mut clusterer = Clusterer::new(joins_everything());
    let assignments = assign_all(&mut clusterer, articles);
    clusterer.finish();
    for article in articles {
        assert_eq!(
            clusterer.story_of(&article.id),
            Some(&assignments[0].story_id),
            "{}",
            article.url
        );
    }
}

#[test]
fn one_event_told_with_different_names_in_one_news_cycle_stays_one_story() {
    // The two groups' centroids are a little less alike than merging stories (0.59): only
    // the same-cycle rule keeps them together.
    assert_one_story_after_refining(&bridge_closure(
        "Kessling Bridge shut as cracked girder is inspected",
        true,
    ));
}

#[test]
fn one_undated_event_told_with_different_names_stays_one_story() {
    // Without times the same-cycle rule cannot tell; with the spokesman's outlets under a
    // headline closer to the engineer's, the two groups' centroids are as close as two
    // stories that merge (0.65), so the split would only be undone.
    assert_one_story_after_refining(&bridge_closure(
        "Kessling Bridge closed after cracked girder is found",
        false,
    ));
}
