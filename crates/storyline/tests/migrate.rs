//! `storyline_store::migrate` on real stores: a store filled by the real pipeline (import,
//! clustering, briefs over several polls of invented news) copied from SQLite into a fresh
//! PostgreSQL database and back into SQLite, in small batches so every listing crosses many
//! page boundaries; every table must come across as it was, and one more poll must then give
//! the same stories and briefs in all three stores (the clustering state carried over, not
//! rebuilt). A hand-made store covers what the pipeline makes rarely (a copy stored before
//! its original, a merge into a later id, an article stored before the near-duplicate
//! index, non-resident clustering states, exact dirty marks). These tests live with the
//! binary because it already depends on the pipeline and on a PostgreSQL client.
//!
//! PostgreSQL: a fresh database per test (`store_support::Stores`) on
//! `STORYLINE_TEST_POSTGRES` (default the local server), dropped at the end; `skip` skips the
//! PostgreSQL part.

mod cli_support;
mod store_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use store_support::Stores;
use storyline_model::{
    Article, ArticleId, BRIEF_SCHEMA_VERSION, Brief, BriefEngine, CheckReport, Citation,
    ExtractionStatus, Feed, KbEntity, Section, Sentence, Story, StoryArticle, StoryId,
};
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::refresh_briefs;
use storyline_pipeline::cluster::{ClusterConfig, ClusterReport, cluster_pending};
use storyline_pipeline::ingest::{ImportLimits, import_jsonl};
use storyline_store::{
    ClusterStateChanges, ClusterStoryRow, ClusterTermRow, MigrateError, NearDuplicateKey,
    SqliteStore, Store, StoreCounts, StoryEntityRow, StoryProfileRow, migrate_in_batches,
};

// ---------------------------------------------------------------------------------------
// Everything a store holds, read through its listings

/// Every row of a store that a copy must reproduce, each list in its key order.
#[derive(Debug, PartialEq)]
struct Contents {
    counts: StoreCounts,
    kb_count: usize,
    feeds: Vec<Feed>,
    /// In insertion order (the numbers themselves are each store's own).
    articles: Vec<Article>,
    index: Vec<Option<NearDuplicateKey>>,
    aliases: Vec<(ArticleId, ArticleId)>,
    stories: Vec<Story>,
    /// `stories()` order: the live stories as readers list them.
    live: Vec<StoryId>,
    memberships: Vec<StoryArticle>,
    briefs: Vec<Brief>,
    entities: Vec<StoryEntityRow>,
    kb: Vec<KbEntity>,
    cluster_meta: Option<(u64, Vec<u8>)>,
    terms: Vec<ClusterTermRow>,
    states: Vec<ClusterStoryRow>,
    profiles: Vec<StoryProfileRow>,
    marks: Vec<(StoryId, u64)>,
    dirty: Vec<(StoryId, u64)>,
    missing_index: usize,
}

/// Reads every page of a listing: `list(after)` until an empty page, `key` giving the next
/// `after`.
fn pages<T, K>(mut list: impl FnMut(Option<&K>) -> Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut all = Vec::new();
    let mut after: Option<K> = None;
    loop {
        let page = list(after.as_ref());
        let Some(last) = page.last() else {
            return all;
        };
        after = Some(key(last));
        all.extend(page);
    }
}

const PAGE: usize = 13;

fn fail<T>(error: storyline_store::StoreError) -> T {
    panic!("{error}")
}

fn contents(store: &dyn Store) -> Contents {
    let mut articles = Vec::new();
    let mut after = 0;
    loop {
        let page = store.articles_after(after, PAGE).unwrap_or_else(fail);
        let Some(&(last, _)) = page.last() else {
            break;
        };
        assert!(last > after, "insertion numbers grow");
        after = last;
        articles.extend(page.into_iter().map(|(_, article)| article));
    }
    let ids: Vec<ArticleId> = articles.iter().map(|a| a.id.clone()).collect();
    Contents {
        counts: store.counts().unwrap_or_else(fail),
        kb_count: store.kb_count().unwrap_or_else(fail),
        feeds: store.feeds().unwrap_or_else(fail),
        index: store.near_duplicate_keys(&ids).unwrap_or_else(fail),
        articles,
        aliases: pages(
            |after| {
                store
                    .article_aliases_after(after, PAGE)
                    .unwrap_or_else(fail)
            },
            |(alias, _)| alias.clone(),
        ),
        stories: pages(
            |after| store.stories_after(after, PAGE).unwrap_or_else(fail),
            |story| story.id.clone(),
        ),
        live: store
            .stories()
            .unwrap_or_else(fail)
            .into_iter()
            .map(|story| story.id)
            .collect(),
        memberships: pages(
            |after| store.memberships_after(after, PAGE).unwrap_or_else(fail),
            |member| member.article_id.clone(),
        ),
        briefs: pages(
            |after: Option<&(StoryId, u32)>| {
                store
                    .briefs_after(after.map(|(story, version)| (story, *version)), PAGE)
                    .unwrap_or_else(fail)
            },
            |brief| (brief.story_id.clone(), brief.version),
        ),
        entities: pages(
            |after: Option<&(StoryId, String)>| {
                store
                    .story_entities_after(after.map(|(story, slug)| (story, slug.as_str())), PAGE)
                    .unwrap_or_else(fail)
            },
            |row| (row.story.clone(), row.entity_id.clone()),
        ),
        kb: pages(
            |after: Option<&(String, String)>| {
                store
                    .kb_entities_after(after.map(|(s, i)| (s.as_str(), i.as_str())), PAGE)
                    .unwrap_or_else(fail)
            },
            |entry| (entry.source.clone(), entry.id.clone()),
        ),
        cluster_meta: store.cluster_state_meta().unwrap_or_else(fail),
        terms: pages(
            |after: Option<&u32>| {
                store
                    .cluster_terms_after(after.copied(), PAGE)
                    .unwrap_or_else(fail)
            },
            |term| term.id,
        ),
        states: pages(
            |after| {
                store
                    .cluster_story_states_after(after, PAGE)
                    .unwrap_or_else(fail)
            },
            |row| row.story.clone(),
        ),
        profiles: pages(
            |after| store.story_profiles_after(after, PAGE).unwrap_or_else(fail),
            |row| row.story.clone(),
        ),
        marks: pages(
            |after| {
                store
                    .brief_dirty_marks_after(after, PAGE)
                    .unwrap_or_else(fail)
            },
            |(story, _)| story.clone(),
        ),
        dirty: store.dirty_stories(usize::MAX).unwrap_or_else(fail),
        missing_index: store
            .articles_missing_index(usize::MAX)
            .unwrap_or_else(fail)
            .len(),
    }
}

impl Contents {
    /// What readers and the next run can tell apart, where backends may differ in their own
    /// bookkeeping: a merged story's profile (SQLite drops it at the merge, PostgreSQL keeps
    /// it unindexed) and the values of dirty marks (only whether a story is dirty is read).
    fn into_behaviour(mut self) -> Contents {
        let merged: std::collections::HashSet<StoryId> = self
            .stories
            .iter()
            .filter(|story| story.merged_into.is_some())
            .map(|story| story.id.clone())
            .collect();
        self.profiles.retain(|row| !merged.contains(&row.story));
        for (_, mark) in self.marks.iter_mut().chain(self.dirty.iter_mut()) {
            *mark = u64::from(*mark != 0);
        }
        self
    }

    /// The first field that differs from `other`, for a readable failure.
    fn first_difference(&self, other: &Contents) -> String {
        let fields: [(&str, String, String); 19] = [
            (
                "counts",
                format!("{:?}", self.counts),
                format!("{:?}", other.counts),
            ),
            (
                "kb_count",
                format!("{:?}", self.kb_count),
                format!("{:?}", other.kb_count),
            ),
            (
                "feeds",
                format!("{:?}", self.feeds),
                format!("{:?}", other.feeds),
            ),
            (
                "articles",
                format!("{:?}", self.articles),
                format!("{:?}", other.articles),
            ),
            (
                "index",
                format!("{:?}", self.index),
                format!("{:?}", other.index),
            ),
            (
                "aliases",
                format!("{:?}", self.aliases),
                format!("{:?}", other.aliases),
            ),
            (
                "stories",
                format!("{:?}", self.stories),
                format!("{:?}", other.stories),
            ),
            (
                "live",
                format!("{:?}", self.live),
                format!("{:?}", other.live),
            ),
            (
                "memberships",
                format!("{:?}", self.memberships),
                format!("{:?}", other.memberships),
            ),
            (
                "briefs",
                format!("{:?}", self.briefs),
                format!("{:?}", other.briefs),
            ),
            (
                "entities",
                format!("{:?}", self.entities),
                format!("{:?}", other.entities),
            ),
            ("kb", format!("{:?}", self.kb), format!("{:?}", other.kb)),
            (
                "cluster_meta",
                format!("{:?}", self.cluster_meta),
                format!("{:?}", other.cluster_meta),
            ),
            (
                "terms",
                format!("{:?}", self.terms),
                format!("{:?}", other.terms),
            ),
            (
                "states",
                format!("{:?}", self.states),
                format!("{:?}", other.states),
            ),
            (
                "profiles",
                format!("{:?}", self.profiles),
                format!("{:?}", other.profiles),
            ),
            (
                "marks",
                format!("{:?}", self.marks),
                format!("{:?}", other.marks),
            ),
            (
                "dirty",
                format!("{:?}", self.dirty),
                format!("{:?}", other.dirty),
            ),
            (
                "missing_index",
                format!("{:?}", self.missing_index),
                format!("{:?}", other.missing_index),
            ),
        ];
        for (name, mine, theirs) in fields {
            if mine != theirs {
                let at = mine
                    .chars()
                    .zip(theirs.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let around = |text: &str| {
                    text.chars()
                        .skip(at.saturating_sub(200))
                        .take(500)
                        .collect::<String>()
                };
                return format!("{name} differ:\n  {}\n  {}", around(&mine), around(&theirs));
            }
        }
        "no difference".to_string()
    }
}

fn assert_same(source: &Contents, copy: &Contents, what: &str) {
    assert!(source == copy, "{what}: {}", source.first_difference(copy));
}

/// Copies `from` into `to` `batch` rows at a time; the report must find no difference.
fn copy(from: &dyn Store, to: &mut dyn Store, batch: usize) -> storyline_store::MigrationReport {
    let mut events = Vec::new();
    let report = migrate_in_batches(from, to, batch, &mut |event| events.push(event))
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let finished: Vec<&str> = events
        .iter()
        .filter(|event| event.done)
        .map(|event| event.kind)
        .collect();
    assert!(
        finished.contains(&"articles") && finished.contains(&"dirty marks"),
        "{finished:?}"
    );
    report
}

// ---------------------------------------------------------------------------------------
// A store filled by the pipeline

// The invented news of `storyline-pipeline/tests/incremental.rs`, whose stories the
// clusterer is known to keep apart.

const PLACE_STARTS: &[&str] = &[
    "Kel", "Arv", "Tol", "Ell", "Dray", "Sen", "Ors", "Hal", "Quar", "Lind", "Mar", "Oak", "Tel",
    "Voss", "Cal", "Bright", "Est", "Ruv", "Kes", "Mill", "Fen", "Gor", "Wyn", "Bel",
];
const PLACE_ENDS: &[&str] = &[
    "mouth", "ana", "vik", "ery", "moor", "vale", "ford", "brook", "point", "qvist", "aven",
    "hurst", "bay", "berg", "falls", "water", "mere", "ane", "ridge", "brae", "wick", "stead",
    "holm", "ton",
];
const FIRST_NAMES: &[&str] = &[
    "Ilse", "Tomas", "Priya", "Jonah", "Marta", "Otto", "Selene", "Ravi", "Hanne", "Edgar",
    "Nadia", "Bram", "Leona", "Kasper", "Amara", "Felix", "Ingrid", "Mateo", "Signe", "Oren",
    "Dalia", "Pavel", "Rosa", "Viggo",
];
const FAMILY_STARTS: &[&str] = &[
    "Mar", "Vey", "Odu", "Kes", "Lin", "Bran", "Ach", "Dun", "Sol", "Quil", "Fer", "Tol", "Hav",
    "Grim", "Ost", "Pell", "Rud", "Sk", "Thal", "Ulm", "Wend", "Yar", "Zel", "Cor",
];
const FAMILY_ENDS: &[&str] = &[
    "row", "ler", "ya", "sel", "dqvist", "nic", "ter", "more", "lis", "lan", "ow", "ard", "ens",
    "wald", "by", "ing", "stad", "ett", "ova", "ham", "sky", "ach", "ine", "ley",
];

fn pick<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    words[rng.below(words.len())]
}
const OUTLETS: &[&str] = &[
    "Harbour Times",
    "Northgate Herald",
    "Valley Courier",
    "Cascade Wire",
    "Meridian Daily",
    "The Lantern Post",
    "Eastern Ledger",
    "Coastline Review",
];

/// One kind of event: headline, then the body's sentences; `{place}`, `{person}` and `{n}`
/// are the event's own.
struct Kind {
    headline: &'static str,
    sentences: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        headline: "Fire destroys {site} in {place}",
        sentences: &[
            "A fire destroyed the {site} on {street} in {place} overnight, {witness} said.",
            "Some {n} firefighters from {place} fought the blaze at the {site} for six hours.",
            "Fire chief {person} said the cause of the {site} fire on {street} was not known.",
            "Residents of {street} in {place} were told by {person} to keep windows closed.",
            "{witness}, who lives on {street}, said the {site} had been empty since {n}.",
        ],
    },
    Kind {
        headline: "Dockworkers strike at {place} port over pay",
        sentences: &[
            "About {n} dockworkers walked out at the port of {place} over pay, {person} said.",
            "Union leader {person} said talks with the {site} had broken down on {street}.",
            "Ships were queuing outside {place} harbour by the afternoon, {witness} said.",
            "The {site} in {place} said it had offered a raise and called the strike premature.",
            "{witness} warned of delays at {place} if the stoppage lasted past {n} hours.",
        ],
    },
    Kind {
        headline: "Floods cut off villages near {place}",
        sentences: &[
            "Floodwater cut off villages near {place} and the {site} on {street}, {person} said.",
            "Rescue teams from {place} evacuated {n} people by boat, {witness} said.",
            "Regional governor {person} declared a state of emergency around {place}.",
            "The river at {place} rose past the {site} on {street}, {witness} said.",
            "{person} said {n} homes in {place} had no power after the {site} flooded.",
        ],
    },
    Kind {
        headline: "{person} wins mayoral race in {place}",
        sentences: &[
            "{person} won the mayoral election in {place} by {n} votes, {witness} said.",
            "Turnout in {place} was higher than last time, the {site} on {street} said.",
            "{person} promised to repair {street} and the {site} of {place}.",
            "The outgoing mayor of {place} conceded to {person} late on Sunday.",
            "{witness} said the new council of {place} meets at the {site} next month.",
        ],
    },
    Kind {
        headline: "Chemical leak at {place} {site} injures workers",
        sentences: &[
            "A chemical leak at the {site} in {place} injured {n} workers, {person} said.",
            "Plant manager {person} said a valve on {street} had failed at the {site}.",
            "Inspectors sealed off the {site} in {place} and began an investigation.",
            "Neighbours on {street} in {place} reported a sharp smell, {witness} said.",
            "{witness} said the {site} of {place} would stay shut for {n} days.",
        ],
    },
];

const SITES: &[&str] = &[
    "warehouse",
    "depot",
    "mill",
    "terminal",
    "granary",
    "tannery",
    "foundry",
    "cannery",
    "brewery",
    "sawmill",
    "refinery",
    "bakery",
    "school",
    "library",
    "market hall",
    "station",
];
const TOPIC_STARTS: &[&str] = &[
    "ven", "mol", "tar", "quin", "sab", "lor", "dest", "pal", "crim", "hov", "brel", "gant", "vor",
    "plin", "sorr", "tuv", "zam", "frel", "kob", "marl", "nest", "osk", "pev", "rull",
];
const TOPIC_ENDS: &[&str] = &[
    "ation", "ment", "ery", "ance", "ing", "ure", "ism", "ity", "age", "ness", "ship", "hood",
    "dom", "ery", "ide", "ile", "ode", "ule", "ine", "ate", "ure", "ock", "ash", "elt",
];
/// Everyday words from which each report writes a few sentences of its own, so two outlets'
/// reports of one event share facts and names but not whole runs of words.
const COMMON: &[&str] = &[
    "people",
    "morning",
    "evening",
    "council",
    "families",
    "week",
    "road",
    "water",
    "town",
    "night",
    "police",
    "report",
    "crowd",
    "office",
    "village",
    "shops",
    "centre",
    "bridge",
    "school",
    "workers",
    "drivers",
    "owners",
    "visitors",
    "neighbours",
    "children",
    "teachers",
    "doctors",
    "nurses",
    "engineers",
    "volunteers",
    "staff",
    "officers",
    "farmers",
    "traders",
    "quickly",
    "slowly",
    "later",
    "earlier",
    "again",
    "still",
    "already",
    "nearly",
    "mostly",
    "saw",
    "heard",
    "told",
    "asked",
    "waited",
    "walked",
    "called",
    "watched",
    "returned",
    "opened",
    "closed",
    "moved",
    "helped",
    "checked",
    "carried",
    "left",
    "found",
    "kept",
    "near",
    "behind",
    "across",
    "along",
    "outside",
    "inside",
    "around",
    "beyond",
    "under",
];
const STREET_ENDS: &[&str] = &[
    "Road", "Street", "Lane", "Avenue", "Quay", "Hill", "Row", "Way",
];

/// Deterministic pseudo-random numbers (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 6, 8, 0, 0)
        .single()
        .expect("a valid date")
}

/// What makes one event's coverage its own.
struct Event {
    place: String,
    person: String,
    witness: String,
    street: String,
    site: &'static str,
    n: usize,
    /// Words only this event's coverage uses (what its people talk about): real events
    /// differ in vocabulary, not only in names.
    topic: Vec<String>,
}

impl Event {
    fn new(rng: &mut Rng) -> Event {
        let name = |rng: &mut Rng| {
            format!(
                "{} {}{}",
                pick(rng, FIRST_NAMES),
                pick(rng, FAMILY_STARTS),
                pick(rng, FAMILY_ENDS)
            )
        };
        let person = name(rng);
        let witness = name(rng);
        Event {
            place: format!("{}{}", pick(rng, PLACE_STARTS), pick(rng, PLACE_ENDS)),
            person,
            witness,
            street: format!(
                "{}{} {}",
                pick(rng, FAMILY_STARTS),
                pick(rng, PLACE_ENDS),
                pick(rng, STREET_ENDS)
            ),
            site: pick(rng, SITES),
            n: 20 + rng.below(9_000),
            topic: (0..4)
                .map(|_| format!("{}{}", pick(rng, TOPIC_STARTS), pick(rng, TOPIC_ENDS)))
                .collect(),
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{place}", &self.place)
            .replace("{person}", &self.person)
            .replace("{witness}", &self.witness)
            .replace("{street}", &self.street)
            .replace("{site}", self.site)
            .replace("{n}", &self.n.to_string())
    }
}

/// `events` events numbered from `first`, one every eight hours, each told by three to five outlets over three
/// days, every seventh told again 40 days later, every fifth carried by a second outlet word
/// for word. Returns JSONL lines with their publication time, in publication order.
fn stream(first: usize, events: usize, seed: u64) -> Vec<(DateTime<Utc>, String)> {
    let mut rng = Rng(seed);
    let mut lines = Vec::new();
    for event in first..first + events {
        let kind = &KINDS[rng.below(KINDS.len())];
        let details = Event::new(&mut rng);
        let place = details.place.as_str();
        let began = start() + Duration::hours(8 * event as i64);
        let tellings = if event % 7 == 3 { 2 } else { 1 };
        for telling in 0..tellings {
            let began = began + Duration::days(40 * telling);
            let outlets = 3 + rng.below(3);
            for report in 0..outlets {
                let outlet = OUTLETS[(event + report * 3) % OUTLETS.len()];
                let published = began + Duration::minutes(rng.below(72 * 60) as i64);
                let mut order: Vec<usize> = (0..kind.sentences.len()).collect();
                for i in (1..order.len()).rev() {
                    order.swap(i, rng.below(i + 1));
                }
                let mut body: Vec<String> = order
                    .iter()
                    .take(3)
                    .map(|&i| details.fill(kind.sentences[i]))
                    .collect();
                for _ in 0..3 {
                    let words: Vec<&str> = (0..9).map(|_| pick(&mut rng, COMMON)).collect();
                    let at = rng.below(body.len() + 1);
                    body.insert(at, format!("Some {}.", words.join(" ")));
                }
                body.insert(
                    1,
                    format!(
                        "Much of the talk in {place} was of the {} and the {}.",
                        details.topic[report % 2],
                        details.topic[2]
                    ),
                );
                body.push(format!(
                    "Officials promised answers on the {} and the {} by {}.",
                    details.topic[3],
                    details.topic[(report + 1) % 2],
                    details.person
                ));
                if telling == 1 {
                    body.insert(
                        0,
                        format!("Forty days on, {place} is still counting the cost."),
                    );
                }
                body.push(format!(
                    "Reporters will follow the story from {place} as it develops."
                ));
                let headline = details.fill(kind.headline);
                let text = body.join(" ");
                let url = format!("https://news.example/{event}/{telling}/{report}");
                lines.push((published, line(&url, &headline, &text, published, outlet)));
                if report == 0 && event % 5 == 1 {
                    let copier = OUTLETS[(event + 5) % OUTLETS.len()];
                    let copied_at = published + Duration::minutes(30);
                    let url = format!("https://copies.example/{event}/{telling}");
                    lines.push((copied_at, line(&url, &headline, &text, copied_at, copier)));
                }
            }
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    lines
}

fn line(url: &str, title: &str, text: &str, published: DateTime<Utc>, source: &str) -> String {
    serde_json::json!({
        "url": url,
        "title": title,
        "text": text,
        "published": published.to_rfc3339(),
        "source": source,
    })
    .to_string()
}

/// One poll: imports `lines`, clusters, and (with `briefs`) writes the dirty stories' briefs.
fn poll(store: &mut dyn Store, lines: &[String], at: DateTime<Utc>, briefs: bool) -> ClusterReport {
    let input = lines.join("\n");
    let report = import_jsonl(
        store,
        "poll",
        input.as_bytes(),
        at,
        &ImportLimits::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let clustered =
        cluster_pending(store, &ClusterConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    if briefs {
        let written =
            refresh_briefs(store, &ExtractiveWriter, at).unwrap_or_else(|e| panic!("{e}"));
        assert!(written.errors.is_empty(), "{:?}", written.errors);
    }
    clustered
}

/// A SQLite store after polls of `lines` every two days, with feeds, aliases and a
/// knowledge base beside it; the last poll's briefs are not written yet, so some stories
/// are dirty.
fn pipeline_store(dir: &std::path::Path, lines: &[(DateTime<Utc>, String)]) -> SqliteStore {
    let mut store = SqliteStore::open(dir).unwrap_or_else(|e| panic!("{e}"));
    let mut polled = Feed::new(
        "https://harbour-times.example/rss",
        Some("Harbour Times".into()),
        start(),
    );
    store.add_feed(&polled).expect("feed");
    polled.etag = Some("\"v7\"".to_string());
    polled.last_modified = Some("Mon, 06 Jan 2025 09:00:00 GMT".to_string());
    polled.last_fetched_at = Some(start() + Duration::minutes(61));
    polled.last_error = Some("HTTP 503 from harbour-times.example".to_string());
    polled.error_count = 2;
    store.update_feed_state(&polled).expect("feed state");
    store
        .add_feed(&Feed::new(
            "file:///srv/feeds/valley.xml",
            None,
            start() + Duration::hours(1),
        ))
        .expect("feed");
    let kb: Vec<KbEntity> = PLACE_STARTS
        .iter()
        .zip(PLACE_ENDS)
        .enumerate()
        .map(|(i, (start_syllable, end))| KbEntity {
            source: if i % 3 == 0 { "local" } else { "Wikidata" }.to_string(),
            id: format!("Q{}", 100 + i * 37),
            name: format!("{start_syllable}{end}"),
            aliases: vec![format!("{start_syllable} {end}")],
            description: format!("Harbour town of {start_syllable}{end}"),
            kind: Some(storyline_model::EntityKind::Place),
            language: "en".into(),
            imported_at: start() - Duration::days(3) + Duration::nanoseconds(i as i64 * 1_001),
        })
        .collect();
    store.upsert_kb_entities(&kb).expect("kb");

    let last = lines.last().map_or(start(), |(at, _)| *at);
    let mut from = start();
    while from <= last {
        let until = from + Duration::days(2);
        let today: Vec<String> = lines
            .iter()
            .filter(|(at, _)| *at >= from && *at < until)
            .map(|(_, line)| line.clone())
            .collect();
        poll(&mut store, &today, until, until <= last);
        from = until;
    }
    let some: Vec<ArticleId> = store
        .articles_after(0, 3)
        .expect("articles")
        .into_iter()
        .map(|(_, article)| article.id)
        .collect();
    let aliases: Vec<(ArticleId, ArticleId)> = some
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                ArticleId(format!("https://feeds.example/item/{i}")),
                id.clone(),
            )
        })
        .collect();
    store.add_article_aliases(&aliases).expect("aliases");
    store
}

#[test]
fn a_pipeline_store_moves_to_postgres_and_back_and_polls_on_alike() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The last reports wait for the poll after the copy: some join stories the copy holds.
    let lines = stream(0, 60, 5);
    let (now, later) = lines.split_at(lines.len() - 25);
    let mut source = pipeline_store(&dir.path().join("source"), now);
    let before = contents(&source);
    assert!(before.counts.articles > 100, "{:?}", before.counts);
    eprintln!(
        "source: {:?}, {} stories ({} merged), {} dirty, {} terms, {} states",
        before.counts,
        before.stories.len(),
        before
            .stories
            .iter()
            .filter(|s| s.merged_into.is_some())
            .count(),
        before.dirty.len(),
        before.terms.len(),
        before.states.len()
    );
    assert!(before.stories.iter().any(|s| s.merged_into.is_some()) || before.stories.len() > 20);
    assert!(
        before.briefs.len() > before.live.len(),
        "some stories have several brief versions"
    );
    assert!(
        !before.dirty.is_empty(),
        "the last poll's stories wait for their briefs"
    );
    assert!(
        before.articles.iter().any(|a| a.duplicate_of.is_some()),
        "wire copies"
    );
    assert!(!before.terms.is_empty() && !before.profiles.is_empty() && !before.entities.is_empty());
    assert!(source.check_invariants().expect("check").is_empty());

    let Some(mut stores) = Stores::postgres(dir.path(), "pipeline") else {
        return;
    };
    let mut postgres = stores.fresh("copy").open();
    let report = copy(&source, postgres.as_mut(), 17);
    assert_eq!(report.articles, before.counts.articles);
    assert_eq!(report.briefs, before.counts.briefs);
    assert_eq!(report.stories as usize, before.stories.len());
    assert_eq!(
        report.dirty_stories as usize,
        before.marks.iter().filter(|(_, m)| *m != 0).count()
    );
    assert_same(
        &before,
        &contents(postgres.as_ref()),
        "SQLite copied into PostgreSQL",
    );

    // And back: any direction works.
    let mut back = SqliteStore::open(&dir.path().join("back")).unwrap_or_else(|e| panic!("{e}"));
    copy(postgres.as_ref(), &mut back, 29);
    assert_same(&before, &contents(&back), "PostgreSQL copied into SQLite");

    // One more poll, the same in all three: the saved state carried over, so each clusters
    // the new articles onto the stories it was given (a rebuilt state would differ in its
    // vocabulary and its stories' states), and writes the same briefs.
    let next: Vec<String> = later.iter().map(|(_, line)| line.clone()).collect();
    let at = later.last().map_or(start(), |(at, _)| *at) + Duration::hours(1);
    let version = before.cluster_meta.as_ref().map_or(0, |(v, _)| *v);
    let clustered = poll(&mut source, &next, at, true);
    let joined = clustered
        .touched
        .iter()
        .filter(|id| before.stories.iter().any(|story| &story.id == *id))
        .count();
    assert!(
        joined > 0,
        "some new reports join stories the copy holds: {clustered:?}"
    );
    assert_eq!(poll(postgres.as_mut(), &next, at, true), clustered);
    assert_eq!(poll(&mut back, &next, at, true), clustered);
    let after = contents(&source);
    assert_eq!(
        after.cluster_meta.as_ref().map(|(v, _)| *v),
        Some(version + 1)
    );
    assert!(after.counts.articles > before.counts.articles);
    assert!(after.dirty.is_empty());
    let after = after.into_behaviour();
    assert_same(
        &after,
        &contents(postgres.as_ref()).into_behaviour(),
        "after a poll, PostgreSQL",
    );
    assert_same(
        &after,
        &contents(&back).into_behaviour(),
        "after a poll, SQLite again",
    );
    assert!(postgres.check_invariants().expect("check").is_empty());
}

// ---------------------------------------------------------------------------------------
// A hand-made store

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, day, hour, 0, 0)
        .single()
        .expect("a valid date")
}

fn aid(slug: &str) -> ArticleId {
    ArticleId(format!("a-{slug}"))
}

fn sid(id: &str) -> StoryId {
    StoryId(id.to_string())
}

fn article(slug: &str, day: u32) -> Article {
    Article {
        id: aid(slug),
        url: format!("https://harbour-times.example/{slug}"),
        headline: format!("Port Ellery: {slug}"),
        article_body: format!("Dockworkers in Port Ellery walked out. Report {slug}."),
        description: Some(format!("About {slug}")),
        author: vec!["Maren Holt".into()],
        date_published: Some(at(day, 9) + Duration::nanoseconds(123_456_789)),
        date_modified: None,
        date_fetched: at(day, 10),
        in_language: Some("en".into()),
        outlet: storyline_model::Outlet::from_source(
            "https://harbour-times.example/",
            "The Harbour Times",
        ),
        image: None,
        feed_url: Some("https://harbour-times.example/rss".into()),
        content_hash: format!("hash-{slug}"),
        duplicate_of: None,
        extraction: ExtractionStatus::Full,
        extra: serde_json::Map::new(),
    }
}

fn story(id: &str, merged_into: Option<&str>, articles: u32) -> Story {
    Story {
        id: sid(id),
        headline: format!("Story {id}"),
        created_at: at(1, 8),
        updated_at: at(2, 8) + Duration::nanoseconds(7),
        article_count: articles,
        outlet_count: 1,
        merged_into: merged_into.map(sid),
    }
}

fn member(story: &str, slug: &str, score: f32) -> StoryArticle {
    StoryArticle {
        story_id: sid(story),
        article_id: aid(slug),
        score,
        why: vec!["dock".into(), format!("{slug}")],
    }
}

fn brief(story: &str, headline: &str, input: &[&str]) -> Brief {
    let sentence = Sentence {
        text: "Dockworkers in Port Ellery walked out.".to_string(),
        citations: vec![Citation::Source(1)],
    };
    Brief {
        schema_version: BRIEF_SCHEMA_VERSION,
        story_id: sid(story),
        version: 0,
        headline: headline.to_string(),
        generated_at: at(3, 9) + Duration::nanoseconds(5),
        engine: BriefEngine {
            name: "extractive".to_string(),
            version: "0.1.0".to_string(),
            model: None,
            prompt_version: None,
        },
        input_articles: input.iter().map(|slug| aid(slug)).collect(),
        sources: Vec::new(),
        whats_happened: Section {
            sentences: vec![sentence],
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

/// Everything the pipeline rarely makes, by hand: the copy `early` stored before its
/// original `late`; `s-a` merged into `s-m`, merged into `s-z` (later ids); `legacy` stored
/// before the near-duplicate index, between indexed articles; a non-resident clustering
/// state; a current story and a dirty one.
fn hand_made_store() -> SqliteStore {
    let mut store = SqliteStore::open_in_memory().expect("store");
    let key = |signature: &[u8], bands: &[i64]| NearDuplicateKey {
        signature: Some(signature.to_vec()),
        bands: bands.to_vec(),
    };
    store
        .insert_articles_indexed(
            &[article("first", 1), article("early", 2)],
            &[key(b"s1", &[3, 1]), key(b"s2", &[2])],
        )
        .expect("insert");
    store
        .insert_articles(&[article("legacy", 1)])
        .expect("insert");
    let mut late = article("late", 1);
    late.content_hash = "hash-early".into();
    let short = NearDuplicateKey {
        signature: None,
        bands: Vec::new(),
    };
    store
        .insert_articles_indexed(&[late, article("other", 3)], &[key(b"s2", &[2]), short])
        .expect("insert");
    store
        .set_duplicate_of(&aid("early"), &aid("late"))
        .expect("copy link");
    store
        .add_article_aliases(&[(aid("link-1"), aid("late")), (aid("link-0"), aid("first"))])
        .expect("aliases");
    store
        .save_stories(
            &[
                story("s-z", None, 3),
                story("s-m", Some("s-z"), 0),
                story("s-a", Some("s-m"), 0),
                story("s-b", None, 2),
            ],
            &[
                member("s-z", "first", 1.0),
                member("s-z", "early", 0.75),
                member("s-z", "late", 0.5),
                member("s-b", "legacy", 0.25),
                member("s-b", "other", 0.125),
            ],
        )
        .expect("stories");
    for (story, headline, input) in [
        ("s-z", "Strike", &["first", "early"][..]),
        ("s-z", "Strike widens", &["first", "early", "late"][..]),
        ("s-b", "Ferries", &["legacy", "other"][..]),
    ] {
        store
            .save_brief(&brief(story, headline, input))
            .expect("brief");
    }
    let dirty = store.dirty_stories(10).expect("dirty");
    let mark = dirty
        .iter()
        .find(|(id, _)| id == &sid("s-b"))
        .expect("s-b")
        .1;
    assert!(
        store
            .mark_brief_current(&sid("s-b"), mark)
            .expect("current")
    );
    store
        .set_story_entities(
            &sid("s-b"),
            &[storyline_model::EntityCard {
                id: "port-ellery".into(),
                name: "Port Ellery".into(),
                kind: storyline_model::EntityKind::Place,
                aliases: Vec::new(),
                description: "A harbour town".into(),
                description_source: storyline_model::DescriptionSource::Coverage {
                    source: 1,
                    seen_at: at(1, 9),
                },
                mentions: 4,
            }],
        )
        .expect("entities");
    for (story, keys) in [
        ("s-z", vec!["t:dock", "e:ellery"]),
        ("s-b", vec!["t:ferry"]),
    ] {
        store
            .save_story_profile(&StoryProfileRow {
                story: sid(story),
                profile: format!("profile {story}").into_bytes(),
                keys: keys.into_iter().map(String::from).collect(),
            })
            .expect("profile");
    }
    let state = |story: &str, seq: u64, resident: bool| ClusterStoryRow {
        story: sid(story),
        seq,
        resident,
        state: format!("state {story}").into_bytes(),
    };
    let changes = ClusterStateChanges {
        base_version: 0,
        replace: true,
        meta: b"counters".to_vec(),
        terms: (0..40)
            .map(|id| ClusterTermRow {
                id,
                term: format!("term{id}"),
                df: id * 3,
                surface: (id % 2 == 0).then(|| format!("Term{id}")),
                proper: id % 5 == 0,
            })
            .collect(),
        stories: vec![state("s-z", 2, true), state("s-b", 1, false)],
        dropped: Vec::new(),
    };
    assert_eq!(store.save_clustering(&[], &[], &changes).expect("state"), 1);
    let again = ClusterStateChanges {
        base_version: 1,
        meta: b"counters 2".to_vec(),
        ..ClusterStateChanges::default()
    };
    assert_eq!(store.save_clustering(&[], &[], &again).expect("state"), 2);
    store
        .add_feed(&Feed::new(
            "https://harbour-times.example/rss",
            None,
            at(1, 7),
        ))
        .expect("feed");
    store
}

#[test]
fn what_the_pipeline_rarely_makes_is_copied_exactly() {
    let source = hand_made_store();
    assert!(source.check_invariants().expect("check").is_empty());
    let before = contents(&source);
    assert_eq!(before.missing_index, 1, "legacy is not indexed");
    assert_eq!(before.dirty.len(), 1, "s-z is dirty, s-b current");
    for batch in [1, 2, 1_000] {
        let mut target = SqliteStore::open_in_memory().expect("target");
        let report = copy(&source, &mut target, batch);
        // Inserted as first, early, legacy, late, other: `early` waits for `late` unless
        // both are in one batch.
        assert_eq!(
            report.forward_copy_links,
            u64::from(batch < 4),
            "batch {batch}"
        );
        assert_eq!(report.cluster_state_version, 2);
        assert_same(&before, &contents(&target), &format!("batch {batch}"));
        assert_eq!(
            target.article_by_content_hash("hash-early").expect("hash"),
            Some(aid("early")),
            "the earliest inserted keeps its place"
        );
        assert_eq!(
            target.resolve_story("s-a").expect("resolve"),
            Some(sid("s-z"))
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(mut stores) = Stores::postgres(dir.path(), "hand_made") {
        let mut postgres = stores.fresh("copy").open();
        copy(&source, postgres.as_mut(), 2);
        assert_same(&before, &contents(postgres.as_ref()), "into PostgreSQL");
    }
}

#[test]
fn a_target_that_is_not_empty_is_refused_before_anything_is_written() {
    let source = hand_made_store();
    let mut target = SqliteStore::open_in_memory().expect("target");
    target
        .add_feed(&Feed::new("https://elsewhere.example/rss", None, at(1, 1)))
        .expect("feed");
    let generation = target.generation().expect("generation");
    let err = migrate_in_batches(&source, &mut target, 10, &mut |_| {}).expect_err("refused");
    assert!(matches!(err, MigrateError::TargetNotEmpty(_)), "{err}");
    assert!(err.to_string().contains("1 feeds"), "{err}");
    assert_eq!(target.counts().expect("counts").articles, 0);
    assert_eq!(target.generation().expect("generation"), generation);

    // A store holding only a merged story, or only a clustering state, is not empty either.
    let mut states = SqliteStore::open_in_memory().expect("target");
    states
        .import_cluster_state(&[], &[], Some((3, b"meta")))
        .expect("state");
    let err = migrate_in_batches(&source, &mut states, 10, &mut |_| {}).expect_err("refused");
    assert!(err.to_string().contains("clustering state"), "{err}");
}
