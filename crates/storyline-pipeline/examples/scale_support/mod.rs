//! A synthetic news stream for `scale_bench`: events drawn with a heavy-tailed size
//! distribution, each with a vocabulary of its own (invented places, people, organisations,
//! figures), reported by several dozen invented outlets in articles of realistic lengths,
//! some of them wire copies, with time advancing at a set number of articles a day.
//!
//! The plan (which event, outlet, form, length and time each article has) is made up front,
//! a few dozen bytes per article; the texts are written on demand, one poll at a time, each
//! from its own seed, so the stream is the same for a seed whatever is read of it and memory
//! does not grow with the stream.
//!
//! What makes it look like news to the pipeline:
//! - event sizes follow a power law (P(s) ∝ s^-2, at most [`MAX_EVENT_SIZE`]): most events
//!   get one to three articles, a few get hundreds, spread over hours to days;
//! - events start uniformly over the stream's span (more in the daytime), so a few thousand
//!   overlap at any time, and events of one kind run in several places at once;
//! - texts of one event share its names and some verbatim facts and quotes (what wire and
//!   outlet reports share), but each article draws its own sentences and wording, so two
//!   reports are related (shared names and terms) and not copies (word 3-shingle Jaccard well
//!   below the dedupe's 0.6); a wire copy is the original's text from another outlet, minutes
//!   to an hour later.

mod words;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use words::{KINDS, Kind};

/// The largest event: a story that runs for a week at 10,000 articles a day.
pub const MAX_EVENT_SIZE: usize = 1_000;
/// Exponent of the event-size power law: with 2.0 about 60% of events are single articles,
/// 85% have at most three, and one in 150 has a hundred or more.
const SIZE_EXPONENT: f64 = 2.0;
/// Share of an event's later articles that are a wire copy of one of its earlier full texts.
const WIRE_SHARE: f64 = 0.08;
/// Forms of an article that is not a copy: full text, a ~40-word summary (a feed item whose
/// page could not be read), or a headline alone.
const FULL_SHARE: f64 = 0.72;
const SUMMARY_SHARE: f64 = 0.18;
/// Median words of a full text and the spread (log-normal): 90% between about 290 and 920.
const FULL_MEDIAN_WORDS: f64 = 520.0;
const FULL_WORDS_SIGMA: f64 = 0.35;
/// An event's articles come this many hours after its first, on average, times size^0.6: a
/// three-article event is over in a few hours, a 500-article one runs for days.
const SPREAD_HOURS: f64 = 2.0;
/// No article comes later than this after its event's first: within the clusterer's
/// retirement horizon (13 days), so an event is one story.
const MAX_SPREAD_DAYS: f64 = 12.0;
const OUTLETS: usize = 48;
const COUNTRIES: usize = 150;
/// Verbatim facts (sentences) an event's reports may share.
const EVENT_FACTS: usize = 10;

/// What the stream is made of.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub total: usize,
    pub per_day: usize,
    pub seed: u64,
}

/// What an article carries besides its headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Full,
    Summary,
    Headline,
}

/// One planned article.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// Order of creation: names the article (its URL) and seeds its text.
    pub serial: u32,
    pub event: u32,
    /// Seconds after [`base_time`].
    pub time: i64,
    pub outlet: u16,
    pub form: Form,
    /// Target length of a full text.
    pub words: u16,
    /// The original's position in the stream, for a wire copy.
    pub copy_of: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub kind: u8,
    pub country: u16,
    pub seed: u64,
    pub start: i64,
}

#[derive(Debug, Clone)]
pub struct Outlet {
    pub name: String,
    pub domain: String,
}

/// The planned stream, in publication order.
pub struct Corpus {
    pub settings: Settings,
    pub events: Vec<Event>,
    pub articles: Vec<Slot>,
    pub outlets: Vec<Outlet>,
    countries: Vec<String>,
}

/// When the stream begins (a Monday).
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .expect("a valid constant date")
}

impl Corpus {
    /// Plans `settings.total` articles: events are drawn until that many articles fall
    /// within the span (`total / per_day` days), then the stream is cut to the first
    /// `total` by time.
    pub fn generate(settings: Settings) -> Corpus {
        let mut rng = Rng::new(mix(settings.seed, 0x706c_616e));
        let countries = (0..COUNTRIES)
            .map(|_| {
                let mut name = syllables(&mut rng, 2, 2);
                name.push_str(rng.pick(words::COUNTRY_ENDINGS));
                capitalise(&name)
            })
            .collect();
        let outlets = make_outlets(&mut rng);
        let outlet_cdf = cumulative((0..OUTLETS).map(|i| 1.0 / ((i + 1) as f64).powf(0.8)));
        let size_cdf =
            cumulative((1..=MAX_EVENT_SIZE).map(|s| 1.0 / (s as f64).powf(SIZE_EXPONENT)));
        let span = ((settings.total as f64 / settings.per_day.max(1) as f64) * 86_400.0)
            .max(3_600.0) as i64;

        let mut events = Vec::new();
        let mut planned: Vec<Slot> = Vec::new();
        let mut in_span = 0;
        while in_span < settings.total {
            let event = events.len() as u32;
            let start = daytime_start(&mut rng, span);
            events.push(Event {
                kind: rng.below(KINDS.len()) as u8,
                country: rng.below(COUNTRIES) as u16,
                seed: rng.next_u64(),
                start,
            });
            let size = sample(&size_cdf, &mut rng) + 1;
            let mean = SPREAD_HOURS * 3_600.0 * (size as f64).powf(0.6);
            let mut offsets: Vec<i64> = (1..size)
                .map(|_| rng.exponential(mean).min(MAX_SPREAD_DAYS * 86_400.0) as i64)
                .collect();
            offsets.push(0);
            offsets.sort_unstable();
            let mut originals: Vec<usize> = Vec::new();
            for offset in offsets {
                let serial = planned.len() as u32;
                let mut outlet = sample(&outlet_cdf, &mut rng) as u16;
                let slot = if !originals.is_empty() && rng.chance(WIRE_SHARE) {
                    let original = planned[originals[rng.below(originals.len())]];
                    while outlet == original.outlet {
                        outlet = rng.below(OUTLETS) as u16;
                    }
                    Slot {
                        serial,
                        time: original.time + rng.range(180, 5_400) as i64,
                        outlet,
                        copy_of: Some(original.serial),
                        ..original
                    }
                } else {
                    let roll = rng.unit();
                    let (form, words) = if roll < FULL_SHARE {
                        let words = FULL_MEDIAN_WORDS * (FULL_WORDS_SIGMA * rng.normal()).exp();
                        (Form::Full, words.clamp(150.0, 1_600.0) as u16)
                    } else if roll < FULL_SHARE + SUMMARY_SHARE {
                        (Form::Summary, 40)
                    } else {
                        (Form::Headline, 0)
                    };
                    if form == Form::Full {
                        originals.push(planned.len());
                    }
                    Slot {
                        serial,
                        event,
                        time: start + offset,
                        outlet,
                        form,
                        words,
                        copy_of: None,
                    }
                };
                in_span += usize::from(slot.time < span);
                planned.push(slot);
            }
        }

        let mut articles: Vec<Slot> = planned.iter().copied().filter(|s| s.time < span).collect();
        articles.sort_by_key(|s| (s.time, s.serial));
        articles.truncate(settings.total);
        // Copies point at their original's position; an original is always earlier, so it
        // is in the stream whenever its copy is.
        let mut position = vec![u32::MAX; planned.len()];
        for (at, slot) in articles.iter().enumerate() {
            position[slot.serial as usize] = at as u32;
        }
        for slot in &mut articles {
            slot.copy_of = slot.copy_of.map(|serial| position[serial as usize]);
        }
        Corpus::check_templates();
        Corpus {
            settings,
            events,
            articles,
            outlets,
            countries,
        }
    }

    /// The publication time of the article at `position`.
    pub fn time(&self, position: usize) -> DateTime<Utc> {
        base_time() + chrono::TimeDelta::seconds(self.articles[position].time)
    }

    /// Headline and body of the article at `position` (a copy gets its original's).
    pub fn text(&self, position: usize) -> (String, String) {
        let slot = &self.articles[position];
        let original = slot.copy_of.map_or(slot, |at| &self.articles[at as usize]);
        let writer = Writer::new(self, &self.events[original.event as usize]);
        let mut rng = Rng::new(mix(
            self.settings.seed ^ 0x7465_7874,
            u64::from(original.serial),
        ));
        writer.article(original, &mut rng)
    }

    /// The article's address: outlet, date, kind and serial (not its headline, so that the
    /// address, and the id the importer derives from it, are known without the text).
    pub fn url(&self, position: usize) -> String {
        let slot = &self.articles[position];
        let published = self.time(position);
        let kind = KINDS[self.events[slot.event as usize].kind as usize].name;
        format!(
            "https://{}/{}/{:02}/{:02}/{}-{}",
            self.outlets[slot.outlet as usize].domain,
            published.year(),
            published.month(),
            published.day(),
            slug(kind),
            slot.serial
        )
    }

    /// The import lines (`{"id","url","title","text","published","source"}`) of the
    /// articles in `range`.
    pub fn jsonl(&self, range: Range<usize>) -> Vec<u8> {
        let mut out = Vec::new();
        for position in range {
            let slot = &self.articles[position];
            let (title, text) = self.text(position);
            let outlet = &self.outlets[slot.outlet as usize];
            let published = self.time(position);
            let url = self.url(position);
            let mut line = serde_json::json!({
                "id": slot.serial.to_string(),
                "url": url,
                "title": title,
                "published": published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "source": outlet.name,
            });
            if !text.is_empty() {
                line["text"] = serde_json::Value::String(text);
            }
            serde_json::to_writer(&mut out, &line).expect("JSON into memory");
            out.push(b'\n');
        }
        out
    }

    /// Checks every template of `words.rs` (brackets balanced, every `{slot}` known), so
    /// that a typo stops the benchmark at its start rather than in its third hour, when the
    /// option holding it is first drawn.
    fn check_templates() {
        let mut templates: Vec<&str> = Vec::new();
        for kind in KINDS {
            templates.extend(kind.roles);
            templates.extend([kind.org, kind.thing]);
            for list in [kind.goals, kind.headlines, kind.leads, kind.body] {
                templates.extend(list);
            }
        }
        for list in [
            words::HEADLINES,
            words::GENERIC,
            words::QUOTE_OPENINGS,
            words::QUOTE_CLOSINGS,
            words::WHEN,
            words::OFFICIALS,
        ] {
            templates.extend(list);
        }
        for template in templates {
            let mut depth = 0i32;
            for (at, byte) in template.bytes().enumerate() {
                match byte {
                    b'[' | b'<' => depth += 1,
                    b']' | b'>' | b'}' => depth -= 1,
                    b'{' => {
                        depth += 1;
                        let name = template[at + 1..].split('}').next().unwrap_or("");
                        assert!(
                            FIXED_SLOTS.contains(&name) || DRAWN_SLOTS.contains(&name),
                            "unknown slot {{{name}}} in {template:?}"
                        );
                    }
                    _ => {}
                }
                assert!(depth >= 0, "unbalanced brackets in {template:?}");
            }
            assert!(depth == 0, "unbalanced brackets in {template:?}");
        }
    }

    /// The realised distribution: events and their sizes, forms, lengths, outlets, copies,
    /// and how alike two reports of one event are (and two of one kind, different events).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let n = self.articles.len();
        let Some(last) = self.articles.last() else {
            return "empty stream\n".into();
        };
        let days = last.time as f64 / 86_400.0;
        let _ = writeln!(
            out,
            "stream: {n} articles, seed {}, {} to {} ({days:.1} days, {:.0} articles a day)",
            self.settings.seed,
            self.time(0).format("%Y-%m-%d %H:%M"),
            self.time(n - 1).format("%Y-%m-%d %H:%M"),
            n as f64 / days.max(1.0 / 24.0),
        );

        let mut sizes: HashMap<u32, usize> = HashMap::new();
        for slot in &self.articles {
            *sizes.entry(slot.event).or_default() += 1;
        }
        let mut size_list: Vec<usize> = sizes.values().copied().collect();
        size_list.sort_unstable();
        let events = size_list.len();
        let small = size_list.iter().filter(|&&s| s <= 3).count();
        let big: Vec<usize> = size_list.iter().copied().filter(|&s| s >= 100).collect();
        let _ = writeln!(
            out,
            "events: {events} of {} kinds in {COUNTRIES} countries; articles per event p50 {} \
             p90 {} p99 {} max {}; {:.0}% of events have 1-3 articles; {} have 100+ ({:.0}% of \
             articles)",
            KINDS.len(),
            percentile(&size_list, 0.5),
            percentile(&size_list, 0.9),
            percentile(&size_list, 0.99),
            size_list.last().copied().unwrap_or(0),
            100.0 * small as f64 / events as f64,
            big.len(),
            100.0 * big.iter().sum::<usize>() as f64 / n as f64,
        );
        let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        let _ = writeln!(out, "kinds: {}", names.join(", "));
        let mut per_day: HashMap<i64, HashSet<u32>> = HashMap::new();
        for slot in &self.articles {
            per_day
                .entry(slot.time / 86_400)
                .or_default()
                .insert(slot.event);
        }
        let mean_live =
            per_day.values().map(HashSet::len).sum::<usize>() as f64 / per_day.len() as f64;
        let _ = writeln!(
            out,
            "overlap: {mean_live:.0} events have articles on an average day"
        );

        let copies = self.articles.iter().filter(|s| s.copy_of.is_some()).count();
        let count = |form| {
            self.articles
                .iter()
                .filter(|s| s.copy_of.is_none() && s.form == form)
                .count()
        };
        let share = |k: usize| 100.0 * k as f64 / n as f64;
        let _ = writeln!(
            out,
            "forms: {:.1}% full texts, {:.1}% summaries, {:.1}% headlines only, {:.1}% wire copies \
             of a full text ({copies})",
            share(count(Form::Full)),
            share(count(Form::Summary)),
            share(count(Form::Headline)),
            share(copies),
        );
        let mut outlet_counts = vec![0usize; self.outlets.len()];
        for slot in &self.articles {
            outlet_counts[slot.outlet as usize] += 1;
        }
        let _ = writeln!(
            out,
            "outlets: {} (the busiest {:.1}% of articles, the quietest {:.1}%)",
            self.outlets.len(),
            share(outlet_counts.iter().copied().max().unwrap_or(0)),
            share(outlet_counts.iter().copied().min().unwrap_or(0)),
        );

        // Lengths and likeness from a sample of written texts.
        let mut rng = Rng::new(mix(self.settings.seed, 0x7361_6d70));
        let fulls: Vec<usize> = (0..n)
            .filter(|&i| self.articles[i].form == Form::Full && self.articles[i].copy_of.is_none())
            .collect();
        let mut lengths: Vec<usize> = (0..fulls.len().min(400))
            .map(|_| word_count(&self.text(fulls[rng.below(fulls.len())]).1))
            .collect();
        lengths.sort_unstable();
        let summaries: Vec<usize> = (0..n)
            .filter(|&i| self.articles[i].form == Form::Summary)
            .take(200)
            .map(|i| word_count(&self.text(i).1))
            .collect();
        let _ = writeln!(
            out,
            "lengths: full texts p5 {} p50 {} p95 {} words ({:.0}% within 250-900); summaries \
             mean {:.0} words",
            percentile(&lengths, 0.05),
            percentile(&lengths, 0.5),
            percentile(&lengths, 0.95),
            100.0
                * lengths
                    .iter()
                    .filter(|&&w| (250..=900).contains(&w))
                    .count() as f64
                / lengths.len().max(1) as f64,
            summaries.iter().sum::<usize>() as f64 / summaries.len().max(1) as f64,
        );

        let mut by_event: HashMap<u32, Vec<usize>> = HashMap::new();
        for &i in &fulls {
            by_event.entry(self.articles[i].event).or_default().push(i);
        }
        let mut multi: Vec<&Vec<usize>> = by_event.values().filter(|v| v.len() >= 2).collect();
        multi.sort_by_key(|v| v[0]);
        let mut same = Vec::new();
        for _ in 0..(if multi.is_empty() { 0 } else { 300 }) {
            let members = multi[rng.below(multi.len())];
            let a = members[rng.below(members.len())];
            let b = members[rng.below(members.len())];
            if a != b {
                same.push(self.jaccard(a, b));
            }
        }
        let mut look_alike = Vec::new();
        for _ in 0..(if fulls.len() < 2 { 0 } else { 300 }) {
            let a = fulls[rng.below(fulls.len())];
            let kind = self.events[self.articles[a].event as usize].kind;
            // The nearest full text of the same kind from another event, within a day.
            let found = fulls.iter().copied().find(|&b| {
                let (x, y) = (&self.articles[a], &self.articles[b]);
                x.event != y.event
                    && self.events[y.event as usize].kind == kind
                    && (x.time - y.time).abs() < 86_400
                    && b > a
            });
            if let Some(b) = found {
                look_alike.push(self.jaccard(a, b));
            }
        }
        let _ = writeln!(
            out,
            "likeness (word 3-shingle Jaccard, the dedupe calls 0.6 a copy): two reports of one \
             event {}; same kind, different events within a day {}",
            summary(&mut same),
            summary(&mut look_alike),
        );
        out
    }

    fn jaccard(&self, a: usize, b: usize) -> f64 {
        let set = |i| -> HashSet<u64> {
            storyline_nlp::minhash::shingle_hashes(&self.text(i).1)
                .into_iter()
                .collect()
        };
        let (x, y) = (set(a), set(b));
        let union = x.union(&y).count();
        if union == 0 {
            return 0.0;
        }
        x.intersection(&y).count() as f64 / union as f64
    }
}

/// `mean m (p10 a, p90 b, n pairs)`.
fn summary(values: &mut [f64]) -> String {
    if values.is_empty() {
        return "n/a".into();
    }
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    format!(
        "mean {mean:.2} (p10 {:.2}, p90 {:.2}, {} pairs)",
        at(0.1),
        at(0.9),
        values.len()
    )
}

fn percentile(sorted: &[usize], q: f64) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Slots an event fixes when it is made (`Writer::new`).
const FIXED_SLOTS: &[&str] = &[
    "country", "partner", "place", "district", "brand", "brand2", "n0", "n1", "n2", "mag", "pct",
    "money", "day", "site", "site2", "adj", "p0", "p1", "p2", "s0", "s1", "s2", "r0", "r1", "r2",
    "org", "thing",
];
/// Slots drawn afresh on each use (`Writer::fill`).
const DRAWN_SLOTS: &[&str] = &["when", "noun", "kw", "goal", "official", "month"];

/// Writes one event's articles: its vocabulary, fixed when the event is made, and the
/// sentences of each article, drawn with the article's own generator.
struct Writer {
    kind: &'static Kind,
    event_seed: u64,
    fixed: HashMap<&'static str, String>,
    /// Sentences written once for the event, with the template each came from: what its
    /// reports repeat word for word (figures, statements, wire wording).
    facts: Vec<(usize, String)>,
}

impl Writer {
    fn new(corpus: &Corpus, event: &Event) -> Self {
        let kind = &KINDS[event.kind as usize];
        let mut rng = Rng::new(event.seed);
        let countries = &corpus.countries;
        let mut writer = Writer {
            kind,
            event_seed: event.seed,
            fixed: HashMap::new(),
            facts: Vec::new(),
        };
        let country = event.country as usize;
        let partner = (country + 1 + rng.below(COUNTRIES - 1)) % COUNTRIES;
        let mut place = syllables(&mut rng, 2, 3);
        place.push_str(rng.pick(words::PLACE_ENDINGS));
        let district = rng
            .pick(words::DISTRICT_PATTERNS)
            .replace("{}", &capitalise(&syllables(&mut rng, 2, 2)));
        let money = if rng.chance(0.3) {
            format!("{}.{} billion crowns", rng.range(1, 9), rng.range(1, 9))
        } else {
            format!("{} million crowns", rng.range(2, 900))
        };
        let day = (event.start.div_euclid(86_400) % 7) as usize;
        let values = [
            ("country", countries[country].clone()),
            ("partner", countries[partner].clone()),
            ("place", capitalise(&place)),
            ("district", district),
            ("brand", capitalise(&syllables(&mut rng, 2, 2))),
            ("brand2", capitalise(&syllables(&mut rng, 2, 2))),
            ("n0", rng.range(3, 99).to_string()),
            ("n1", rng.range(40, 900).to_string()),
            ("n2", thousands(rng.range(1_200, 90_000))),
            ("mag", format!("{}.{}", rng.range(5, 7), rng.range(0, 9))),
            ("pct", format!("{}.{}", rng.range(3, 60), rng.range(1, 9))),
            ("money", money),
            ("day", words::WEEKDAYS[day].to_string()),
            ("site", rng.pick(words::SITES).to_string()),
            ("site2", rng.pick(words::SITES).to_string()),
            ("adj", rng.pick(words::ADJECTIVES).to_string()),
        ];
        writer.fixed.extend(values);
        for index in 0..3 {
            let mut given = syllables(&mut rng, 1, 2);
            given.push_str(rng.pick(words::GIVEN_ENDINGS));
            let surname = capitalise(&syllables(&mut rng, 2, 3));
            let full = format!("{} {surname}", capitalise(&given));
            writer.fixed.insert(person_slot(index), full);
            writer.fixed.insert(surname_slot(index), surname);
        }
        // Written after the names they may hold.
        let org = writer.sentence_raw(kind.org, &mut rng);
        writer.fixed.insert("org", org);
        let thing = writer.sentence_raw(kind.thing, &mut rng);
        writer.fixed.insert("thing", thing);
        for (index, role) in kind.roles.iter().enumerate() {
            let role = writer.sentence_raw(role, &mut rng);
            writer.fixed.insert(role_slot(index), role);
        }
        // Each from a template of its own, so an article never holds a fact and a fresh
        // sentence from one template.
        let mut templates: Vec<usize> = (0..writer.templates()).collect();
        writer.facts = (0..EVENT_FACTS.min(templates.len()))
            .map(|_| {
                let template = templates.swap_remove(rng.below(templates.len()));
                let text = writer.sentence(writer.template(template), &mut rng);
                (template, text)
            })
            .collect();
        writer
    }

    /// Headline and body.
    fn article(&self, slot: &Slot, rng: &mut Rng) -> (String, String) {
        let headline = if rng.chance(0.5) {
            rng.pick(words::HEADLINES)
        } else {
            rng.pick(self.kind.headlines)
        };
        let headline = self.sentence(headline, rng);
        let lead = self.sentence(rng.pick(self.kind.leads), rng);
        let body = match slot.form {
            Form::Headline => String::new(),
            // A feed's summary: the lead, and a second sentence when the lead is short.
            Form::Summary => {
                let lead_words = word_count(&lead);
                if lead_words < 30 {
                    format!("{lead} {}", self.sentence(rng.pick(self.kind.body), rng))
                } else {
                    lead
                }
            }
            Form::Full => self.full_text(lead, usize::from(slot.words), rng),
        };
        (headline, body)
    }

    /// The lead, then sentences until `target` words: the kind's own (15%), the event's
    /// verbatim facts (20%), quotes (20%), context that fits any event (the rest: look-alike
    /// events share a kind's words, and news spends most words on people, places and
    /// context), no template used twice (quotes fill in when a pool runs dry); short
    /// paragraphs, the lead alone in the first.
    fn full_text(&self, lead: String, target: usize, rng: &mut Rng) -> String {
        let body = self.kind.body.len();
        let mut used = vec![false; self.templates()];
        let mut facts: Vec<usize> = (0..self.facts.len()).collect();
        let mut openings = Vec::new();
        let mut words = word_count(&lead);
        let mut seen: HashSet<String> = HashSet::new();
        let mut paragraphs = vec![lead];
        let mut paragraph: Vec<String> = Vec::new();
        let mut retries = 0;
        while words < target {
            let roll = rng.unit();
            let drawn = if roll < 0.15 {
                self.fresh(&mut used, 0..body, rng)
            } else if roll < 0.35 {
                facts.retain(|&f| !used[self.facts[f].0]);
                (!facts.is_empty()).then(|| {
                    let (template, text) = &self.facts[facts.swap_remove(rng.below(facts.len()))];
                    used[*template] = true;
                    text.clone()
                })
            } else if roll < 0.65 {
                None
            } else {
                let all = used.len();
                self.fresh(&mut used, body..all, rng)
            };
            let sentence = drawn.unwrap_or_else(|| self.quote(&mut openings, rng));
            // A quote said twice reads as a template; a few tries find another.
            if !seen.insert(sentence.clone()) && retries < 20 {
                retries += 1;
                continue;
            }
            words += word_count(&sentence);
            paragraph.push(sentence);
            if paragraph.len() > rng.below(3) {
                paragraphs.push(paragraph.join(" "));
                paragraph.clear();
            }
        }
        if !paragraph.is_empty() {
            paragraphs.push(paragraph.join(" "));
        }
        paragraphs.join("\n\n")
    }

    /// Templates a sentence may come from: the kind's body, then the generic ones.
    fn templates(&self) -> usize {
        self.kind.body.len() + words::GENERIC.len()
    }

    fn template(&self, index: usize) -> &'static str {
        let body = self.kind.body;
        if index < body.len() {
            body[index]
        } else {
            words::GENERIC[index - body.len()]
        }
    }

    /// A sentence from a template of `range` not used yet, marked used; `None` when all are.
    fn fresh(&self, used: &mut [bool], range: Range<usize>, rng: &mut Rng) -> Option<String> {
        let free: Vec<usize> = range.filter(|&i| !used[i]).collect();
        if free.is_empty() {
            return None;
        }
        let index = free[rng.below(free.len())];
        used[index] = true;
        Some(self.sentence(self.template(index), rng))
    }

    /// A quote from one of the event's people, in one of the shapes reports use. `openings`
    /// lists the quote openings not used yet in this article (refilled when empty), so that
    /// one person does not say one thing twice.
    fn quote(&self, openings: &mut Vec<usize>, rng: &mut Rng) -> String {
        if openings.is_empty() {
            openings.extend(0..words::QUOTE_OPENINGS.len());
        }
        let opening = openings.swap_remove(rng.below(openings.len()));
        let opening = self.sentence_raw(words::QUOTE_OPENINGS[opening], rng);
        let who = rng.below(3);
        let closing = self.sentence_raw(rng.pick(words::QUOTE_CLOSINGS), rng);
        let said = rng.pick(words::SAID);
        let person = &self.fixed[person_slot(who)];
        let surname = &self.fixed[surname_slot(who)];
        let role = &self.fixed[role_slot(who)];
        let text = match rng.below(4) {
            0 => format!("“{opening}, {closing},” {person} {said}."),
            1 => format!("“{opening},” {surname} {said}."),
            2 => format!("{person}, the {role}, {said}: “{opening}.”"),
            _ => format!(
                "“{opening},” said {person}, the {role}. “{}.”",
                capitalise(&closing)
            ),
        };
        tidy(&text)
    }

    /// `template` written out and tidied as a sentence.
    fn sentence(&self, template: &str, rng: &mut Rng) -> String {
        tidy(&self.sentence_raw(template, rng))
    }

    fn sentence_raw(&self, template: &str, rng: &mut Rng) -> String {
        let mut out = String::new();
        self.expand(template, rng, &mut out);
        out
    }

    /// Expands `[a|b]` choices (drawn per use), `<a|b>` and `<label:a|b>` choices (the
    /// event's own: fixed per event, the same wherever the same options or label appear, so
    /// two events of one kind word things differently and one event's reports agree) and
    /// `{slot}`s, recursively (choices and fills may hold all three).
    fn expand(&self, template: &str, rng: &mut Rng, out: &mut String) {
        let mut rest = template;
        while let Some(at) = rest.find(['[', '<', '{']) {
            out.push_str(&rest[..at]);
            let open = rest.as_bytes()[at];
            let close = matching(rest, at)
                .unwrap_or_else(|| panic!("unclosed {} in {template:?}", open as char));
            let inner = &rest[at + 1..close];
            match open {
                b'[' => {
                    let options = split_options(inner);
                    self.expand(options[rng.below(options.len())], rng, out);
                }
                b'<' => {
                    let (key, options) = match inner.split_once(':') {
                        Some((label, options)) if !label.contains(['|', ' ']) => (label, options),
                        _ => (inner, inner),
                    };
                    let options = split_options(options);
                    let pick = mix(self.event_seed, text_hash(key)) % options.len() as u64;
                    self.expand(options[pick as usize], rng, out);
                }
                _ => self.fill(inner, rng, out),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
    }

    fn fill(&self, slot: &str, rng: &mut Rng, out: &mut String) {
        if let Some(value) = self.fixed.get(slot) {
            out.push_str(value);
            return;
        }
        let template: &str = match slot {
            "when" => rng.pick(words::WHEN),
            // The kind's own word now and then, else one of three the event's reports use
            // (a strike's pickets, another strike's commuters).
            "noun" if rng.chance(0.2) => self.kind.nouns[0],
            "noun" => {
                let nouns = self.kind.nouns;
                nouns[(mix(self.event_seed, rng.range(1, 3)) % nouns.len() as u64) as usize]
            }
            "goal" => rng.pick(self.kind.goals),
            "official" => rng.pick(words::OFFICIALS),
            "kw" => self.kind.nouns[0],
            "month" => rng.pick(words::MONTHS),
            _ => panic!("unknown slot {{{slot}}} in a template"),
        };
        self.expand(template, rng, out);
    }
}

/// Where the bracket opened at `at` closes, counting brackets nested inside it.
fn matching(text: &str, at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, byte) in text.bytes().enumerate().skip(at) {
        match byte {
            b'[' | b'<' | b'{' => depth += 1,
            b']' | b'>' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The options of a choice: split at the `|`s outside nested brackets.
fn split_options(inner: &str) -> Vec<&str> {
    let mut options = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, byte) in inner.bytes().enumerate() {
        match byte {
            b'[' | b'<' | b'{' => depth += 1,
            b']' | b'>' | b'}' => depth = depth.saturating_sub(1),
            b'|' if depth == 0 => {
                options.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    options.push(&inner[start..]);
    options
}

fn person_slot(index: usize) -> &'static str {
    ["p0", "p1", "p2"][index]
}

fn surname_slot(index: usize) -> &'static str {
    ["s0", "s1", "s2"][index]
}

fn role_slot(index: usize) -> &'static str {
    ["r0", "r1", "r2"][index]
}

/// Spaces left by empty choices removed, the first letter capitalised.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if matches!(word, "," | "." | ":") || word.starts_with([',', '.']) {
            out.push_str(word);
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    capitalise(&out.replace(",,", ",").replace(",.", "."))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A name of `low` to `high` syllables, in lower case.
fn syllables(rng: &mut Rng, low: u64, high: u64) -> String {
    let count = rng.range(low, high);
    (0..count).map(|_| rng.pick(words::SYLLABLES)).collect()
}

fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn slug(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// Several dozen outlets: papers named after invented towns, and a few wire agencies.
fn make_outlets(rng: &mut Rng) -> Vec<Outlet> {
    let mut names = HashSet::new();
    let mut outlets = Vec::new();
    while outlets.len() < OUTLETS {
        let town = capitalise(&syllables(rng, 2, 2));
        let noun = rng.pick(words::OUTLET_NOUNS);
        let name = match outlets.len() % 8 {
            0 => format!("{town} Press Agency"),
            1 | 2 => format!("The {town} {noun}"),
            3 => format!("{noun} of {town}"),
            _ => format!("{town} {noun}"),
        };
        if !names.insert(name.clone()) {
            continue;
        }
        let domain = format!("{}.example", slug(&name).replace('-', ""));
        outlets.push(Outlet { name, domain });
    }
    outlets
}

/// A start within `span` seconds, three times likelier in the day (07:00-21:00) than at
/// night, as news is.
fn daytime_start(rng: &mut Rng, span: i64) -> i64 {
    loop {
        let at = rng.range(0, span as u64 - 1) as i64;
        let hour = at % 86_400 / 3_600;
        let weight = if (7..21).contains(&hour) { 1.0 } else { 0.33 };
        if rng.chance(weight) {
            return at;
        }
    }
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    let mut cdf: Vec<f64> = weights
        .map(|w| {
            total += w;
            total
        })
        .collect();
    for value in &mut cdf {
        *value /= total;
    }
    cdf
}

/// An index drawn with the weights `cdf` was made from.
fn sample(cdf: &[f64], rng: &mut Rng) -> usize {
    let roll = rng.unit();
    cdf.partition_point(|&c| c < roll).min(cdf.len() - 1)
}

/// FNV-1a: a fixed hash of a choice's text (std's hasher is seeded per process).
fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn mix(a: u64, b: u64) -> u64 {
    Rng::new(a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15)).next_u64()
}

/// SplitMix64: small, fast, and the same sequence for a seed on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is far below anything measured here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}
