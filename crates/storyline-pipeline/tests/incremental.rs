//! Incremental runs give what one process holding everything in memory gives: the same
//! stream of polls, clustered with the clusterer kept in memory between polls (what a
//! long-running `storyline run` does) and with the clusterer loaded from the store at every
//! poll in a freshly opened store (what a `storyline fetch` per poll does), ends in the same
//! stories, memberships, saved state and briefs. And a poll with nothing new changes
//! nothing.
//!
//! The stream is invented news written by a generator here: events of a few kinds in made-up
//! places, each told by several made-up outlets over a few days, some told again weeks later
//! (a trial after a fire) and some carried word for word by a second outlet (wire copies),
//! long enough that stories retire, are filed in the archive, resume, and are evicted.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use storyline_model::{ArticleId, Story, StoryId};
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::refresh_briefs;
use storyline_pipeline::cluster::{
    ClusterCache, ClusterConfig, cluster_pending, cluster_pending_cached,
};
use storyline_pipeline::ingest::{ImportLimits, import_jsonl};
use storyline_store::{SqliteStore, Store};

/// Syllables that make place and family names: 24 × 24 of each, so events rarely share
/// their names, as real events rarely do.
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

/// `events` events, one every eight hours, each told by three to five outlets over three
/// days, every seventh told again 40 days later, every fifth carried by a second outlet word
/// for word. Returns JSONL lines with their publication time, in publication order.
fn stream(events: usize, seed: u64) -> Vec<(DateTime<Utc>, String)> {
    let mut rng = Rng(seed);
    let mut lines = Vec::new();
    for event in 0..events {
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

/// The stream cut into polls: each poll takes the lines published before its time, a poll
/// every `hours` hours, so a poll holds what a feed poll would find.
fn polls(lines: &[(DateTime<Utc>, String)], hours: i64) -> Vec<Vec<String>> {
    let mut polls = Vec::new();
    let mut cutoff = start() + Duration::hours(hours);
    let mut current = Vec::new();
    for (published, line) in lines {
        while *published >= cutoff {
            polls.push(std::mem::take(&mut current));
            cutoff += Duration::hours(hours);
        }
        current.push(line.clone());
    }
    polls.push(current);
    polls.retain(|poll| !poll.is_empty());
    polls
}

/// Imports one poll's lines and clusters them; `cache` is the clusterer kept in memory, or
/// none to load it from the store.
fn run_poll(
    store: &mut dyn Store,
    poll: &[String],
    at: DateTime<Utc>,
    cache: Option<&mut ClusterCache>,
    briefs: bool,
) {
    let input = poll.join("\n");
    let report = import_jsonl(
        store,
        "poll",
        input.as_bytes(),
        at,
        &ImportLimits::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let config = ClusterConfig::default();
    match cache {
        Some(cache) => cluster_pending_cached(store, &config, cache),
        None => cluster_pending(store, &config),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    if briefs {
        let report = refresh_briefs(store, &ExtractiveWriter, at).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }
}

/// Everything a run leaves: every story row (merged ones too) with its members and latest
/// brief, and the saved clustering state.
/// A story as stored: its row, its members with their score and reasons, its latest brief
/// as JSON.
type StoredStory = (Story, Vec<(ArticleId, String)>, Option<String>);

#[derive(Debug, PartialEq)]
struct Outcome {
    stories: BTreeMap<StoryId, StoredStory>,
    state_version: u64,
    state: Option<String>,
}

fn outcome(store: &dyn Store) -> Outcome {
    let mut stories = BTreeMap::new();
    let mut ids: Vec<StoryId> = Vec::new();
    for article in store.all_articles().expect("articles") {
        if let Some(story) = store.story_of_article(&article.id).expect("membership") {
            ids.push(story);
        }
    }
    ids.extend(store.stories().expect("stories").into_iter().map(|s| s.id));
    ids.sort();
    ids.dedup();
    for id in ids {
        let story = store.story(&id).expect("story").expect("a stored story");
        let members = store
            .story_members(&id)
            .expect("members")
            .into_iter()
            .map(|m| (m.article_id, format!("{:.6} {:?}", m.score, m.why)))
            .collect();
        let brief = store
            .latest_brief(&id)
            .expect("brief")
            .map(|b| serde_json::to_string(&b).expect("brief JSON"));
        stories.insert(id, (story, members, brief));
    }
    let state = store
        .cluster_state()
        .expect("state")
        .map(|s| format!("{:?} {:?} {:?}", s.meta, s.terms, s.stories));
    Outcome {
        stories,
        state_version: store.cluster_state_version().expect("version"),
        state,
    }
}

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `polls` twice: one store and one clusterer kept between polls; and a store opened
/// afresh for every poll, its clusterer loaded from it. Returns both outcomes.
fn both_ways(polls: &[Vec<String>], briefs: bool) -> (Outcome, Outcome) {
    let kept_dir = tempfile::tempdir().expect("temp dir");
    let loaded_dir = tempfile::tempdir().expect("temp dir");
    let mut kept = open(kept_dir.path());
    let mut cache = ClusterCache::new();
    for (number, poll) in polls.iter().enumerate() {
        let at = start() + Duration::hours(6 * number as i64);
        run_poll(&mut kept, poll, at, Some(&mut cache), briefs);
        let mut loaded = open(loaded_dir.path());
        run_poll(&mut loaded, poll, at, None, briefs);
    }
    (outcome(&kept), outcome(&open(loaded_dir.path())))
}

#[test]
fn polls_clustered_from_the_saved_state_equal_one_process_holding_it_in_memory() {
    // About 2,600 articles over seven months: refinement every 1,000, pruning every 2,000,
    // stories retiring and resuming, copies of evicted stories.
    let lines = stream(620, 7);
    assert!(lines.len() > 2_400, "{} lines", lines.len());
    let polls = polls(&lines, 24 * 4);
    let (kept, loaded) = both_ways(&polls, false);
    assert!(
        kept.stories.len() > 300,
        "{} stories: {:?}",
        kept.stories.len(),
        kept.stories
            .values()
            .map(|(story, members, _)| (story.headline.clone(), members.len()))
            .collect::<Vec<_>>()
    );
    assert_eq!(kept.state_version, polls.len() as u64);
    assert!(kept == loaded, "the two runs differ");
}

#[test]
fn briefs_written_from_dirty_stories_equal_those_of_one_process() {
    let lines = stream(90, 11);
    let polls = polls(&lines, 24);
    let (kept, loaded) = both_ways(&polls, true);
    let briefed = kept
        .stories
        .values()
        .filter(|(story, _, brief)| story.merged_into.is_none() && brief.is_some())
        .count();
    let live = kept
        .stories
        .values()
        .filter(|(story, _, _)| story.merged_into.is_none())
        .count();
    assert_eq!(briefed, live, "every live story has a brief");
    assert!(kept == loaded, "the two runs differ");
}

#[test]
fn a_poll_with_nothing_new_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = open(dir.path());
    let lines = stream(30, 3);
    let all: Vec<String> = lines.into_iter().map(|(_, line)| line).collect();
    run_poll(&mut store, &all, start(), None, true);
    let generation = store.generation().expect("generation");
    let version = store.cluster_state_version().expect("version");
    assert!(store.dirty_stories(10).expect("dirty").is_empty());
    // The same lines again: all known, nothing clustered, no brief written.
    run_poll(&mut store, &all, start() + Duration::hours(1), None, true);
    assert_eq!(store.generation().expect("generation"), generation);
    assert_eq!(store.cluster_state_version().expect("version"), version);
}
