//! The entities of a story: the trained recogniser ([`crate::ner`]) run over each article of
//! a story, its mentions linked across the articles, their kinds voted and their salience
//! measured, so that cards and questions go to the people, organisations and places the
//! story is about.
//!
//! Per article: [`crate::clutter::strip_boilerplate`] drops what pages wrap around the report (photo credits
//! and captions marked "FILE", live-blog time stamps, datelines, bylines, agency tags,
//! copyright lines); the recogniser tags the headline (unless it is Title Case, where every
//! word looks like a name) and the first [`BODY_BYTES_PER_ARTICLE`] of the body (less in a
//! big story, [`body_bytes_per_article`]); each mention keeps the role its sentence gives it
//! ([`crate::entities::role_of_name`]). An article's mentions ([`ArticleMentions`]) do not
//! depend on the rest of its story, so a caller may keep them between briefs.
//! Names that are boilerplate or an outlet (the story's own sources, the bundled outlet
//! table, news agencies) are dropped: they are who reports, not what is reported.
//!
//! Across articles, mentions with the same normalised words are one form; a shorter form
//! joins a longer one when it is the same person by surname ("Lanza", "Mr. Lanza" → "Adam
//! Lanza"), an acronym of an organisation ("UN" → "United Nations") or the first words of an
//! organisation ("Alibaba" → "Alibaba Group"). A surname shared by two people ("Adam Lanza",
//! "Nancy Lanza") goes, mention by mention, to the person its article names in full first,
//! else to the one the story names most. The canonical name is the longest full form; the kind is the vote of the
//! mentions, full forms counting double.
//!
//! Invariants: deterministic for a given input and model; the output is sorted by salience,
//! then name; every entity has at least one mention; no IO.

use crate::clutter::{strip_boilerplate, without_invisible};
use crate::entities::{role_of_name, slug};
use crate::ner::{Kind, Model};
use crate::sentences::split_sentences;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;
use storyline_model::{OutletTable, name_key};

/// How much of each article's body is read: the top of a report names who it is about, and
/// the recogniser's cost grows with the text.
pub const BODY_BYTES_PER_ARTICLE: usize = 6_000;
/// How much body text a whole story reads, shared evenly when its articles would read more:
/// a 60-article story costs about what a 16-article one does.
pub const BODY_BYTES_PER_STORY: usize = 96_000;
/// Sentences of a body (after the headline) that count as its lead.
const LEAD_SENTENCES: usize = 3;
/// Longer "names" are headlines or lists taken whole.
const MAX_NAME_WORDS: usize = 6;

/// One article of a story, as the entity reader sees it.
#[derive(Debug, Clone, Copy)]
pub struct StoryArticleText<'a> {
    pub headline: &'a str,
    pub body: &'a str,
    /// The outlet's display name ("Reuters"), to tell a source from a subject.
    pub outlet: &'a str,
}

/// A role the coverage gives an entity, and the article that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedRole {
    pub text: String,
    /// Index of the article in the slice given to [`story_entities`].
    pub article: usize,
}

/// One entity of a story.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryEntity {
    /// Slug of `name` ("adam-lanza").
    pub id: String,
    /// The longest full form used.
    pub name: String,
    /// The vote of its mentions.
    pub kind: Kind,
    /// Other forms seen ("Lanza", "Adam Peter Lanza"), without `name`.
    pub aliases: Vec<String>,
    pub mentions: u32,
    /// Indices of the articles that mention it, ascending.
    pub articles: Vec<usize>,
    /// Distinct outlets among those articles.
    pub outlets: u32,
    /// Articles whose headline names it.
    pub headline_articles: u32,
    /// Articles that name it in their first sentences.
    pub lead_articles: u32,
    /// The roles stated about it, in article order.
    pub roles: Vec<StatedRole>,
    /// See [`salience`].
    pub salience: f32,
}

impl StoryEntity {
    /// Whether the story is about it enough for a card or a question: named more than once,
    /// and in a headline or a lead, or by at least a third of the articles (two at least).
    pub fn is_salient(&self, articles_in_story: usize) -> bool {
        let spread = self.articles.len() >= (articles_in_story.div_ceil(3)).max(2);
        self.mentions >= 2 && (self.headline_articles > 0 || self.lead_articles > 0 || spread)
    }
}

/// How much the story is about an entity: headlines weigh most, then leads, then how many
/// articles and outlets name it; raw mention counts only break near-ties (a long article
/// repeating a name is one voice).
pub fn salience(
    headline_articles: u32,
    lead_articles: u32,
    articles: usize,
    outlets: u32,
    mentions: u32,
) -> f32 {
    3.0 * headline_articles as f32
        + 2.0 * lead_articles as f32
        + articles as f32
        + outlets as f32
        + (1.0 + mentions as f32).ln()
}

/// One mention found in one article.
#[derive(Debug, Clone)]
struct Found {
    article: usize,
    /// Position in the article's text, to find the full form an article names first.
    at: usize,
    surface: String,
    words: Vec<String>,
    kind: Kind,
    in_lead: bool,
    role: Option<String>,
}

/// The entities of a story's articles, most salient first.
pub fn story_entities(model: &Model, articles: &[StoryArticleText<'_>]) -> Vec<StoryEntity> {
    let body_bytes = body_bytes_per_article(articles.len());
    let mentions: Vec<ArticleMentions> = articles
        .iter()
        .map(|article| ArticleMentions::find(model, article, body_bytes))
        .collect();
    let mentions: Vec<&ArticleMentions> = mentions.iter().collect();
    story_entities_of(articles, &mentions)
}

/// [`story_entities`] from mentions already found, one [`ArticleMentions`] per article in
/// the same order (each found with [`body_bytes_per_article`] of the story's size): a
/// caller that keeps an article's mentions between briefs reads each article once.
pub fn story_entities_of(
    articles: &[StoryArticleText<'_>],
    mentions: &[&ArticleMentions],
) -> Vec<StoryEntity> {
    debug_assert_eq!(articles.len(), mentions.len());
    let outlet_names = outlet_name_keys(articles);
    let mut found: Vec<Found> = Vec::new();
    for (index, mentions) in mentions.iter().enumerate() {
        found.extend(
            mentions
                .0
                .iter()
                // A story's own outlets are its sources, not its subjects.
                .filter(|m| !outlet_names.contains(&name_key(&m.surface)))
                .map(|m| Found {
                    article: index,
                    at: m.at as usize,
                    surface: m.surface.to_string(),
                    words: name_words(&m.surface),
                    kind: m.kind,
                    in_lead: m.in_lead,
                    role: m.role.as_deref().map(str::to_string),
                }),
        );
    }
    link(articles, found)
}

/// Story sizes at which each article's share of [`BODY_BYTES_PER_STORY`] steps down. The
/// share changes at these sizes only, so an article's mentions, found once, serve the story
/// as it grows (until the next step) instead of being read again at every new article.
const BODY_SHARE_STEPS: [usize; 7] = [16, 20, 24, 32, 40, 48, 64];

/// How much of each article's body a story of `articles` reads: [`BODY_BYTES_PER_ARTICLE`]
/// up to 16 articles, then [`BODY_BYTES_PER_STORY`] shared by the next step of
/// [`BODY_SHARE_STEPS`] at or above the story's size (so the story reads at most that much).
pub fn body_bytes_per_article(articles: usize) -> usize {
    let step = BODY_SHARE_STEPS
        .iter()
        .copied()
        .find(|&step| step >= articles)
        .unwrap_or(articles);
    BODY_BYTES_PER_ARTICLE.min(BODY_BYTES_PER_STORY / step.max(1))
}

/// The entity mentions of one article, read from its headline and the first `body_bytes`
/// of its body: what [`story_entities_of`] links across a story. Independent of the story
/// the article is in, so it may be kept and reused; compact, as callers keep thousands.
#[derive(Debug, Clone, Default)]
pub struct ArticleMentions(Vec<KeptMention>);

/// A [`Found`] as kept: its name words are made again when it is linked.
#[derive(Debug, Clone)]
struct KeptMention {
    at: u32,
    surface: Box<str>,
    kind: Kind,
    in_lead: bool,
    role: Option<Box<str>>,
}

impl ArticleMentions {
    pub fn find(model: &Model, article: &StoryArticleText<'_>, body_bytes: usize) -> Self {
        let mut kept: Vec<KeptMention> = article_mentions(model, article, body_bytes)
            .into_iter()
            .map(|found| KeptMention {
                at: u32::try_from(found.at).unwrap_or(u32::MAX),
                surface: found.surface.into_boxed_str(),
                kind: found.kind,
                in_lead: found.in_lead,
                role: found.role.map(String::into_boxed_str),
            })
            .collect();
        // The collect may reuse the larger `Found` buffer; what is kept should not.
        kept.shrink_to_fit();
        ArticleMentions(kept)
    }

    /// Mentions found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Keys of the story's own outlets' names.
fn outlet_name_keys(articles: &[StoryArticleText<'_>]) -> HashSet<String> {
    articles
        .iter()
        .map(|a| name_key(a.outlet))
        .filter(|key| !key.is_empty())
        .collect()
}

/// Keys of the names of the bundled table's outlets and of the news agencies: built once
/// per process, as every brief asks.
fn known_outlet_keys() -> &'static HashSet<String> {
    static KNOWN: OnceLock<HashSet<String>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        OutletTable::bundled()
            .iter()
            .map(|outlet| name_key(&outlet.name))
            .chain(NEWS_AGENCIES.iter().map(|name| name_key(name)))
            .filter(|key| !key.is_empty())
            .collect()
    })
}

/// Agencies and picture desks named in credits and bylines, beside the outlet table.
const NEWS_AGENCIES: &[&str] = &[
    "AP",
    "Associated Press",
    "AFP",
    "Agence France-Presse",
    "Agence France Presse",
    "Reuters",
    "Thomson Reuters",
    "Getty",
    "Getty Images",
    "EPA",
    "PA",
    "PA Media",
    "Press Association",
    "UPI",
    "Xinhua",
    "dpa",
    "ANSA",
    "EFE",
    "Kyodo",
    "Yonhap",
    "Bloomberg News",
    "CNN Wire",
    "Shutterstock",
    "AP Photo",
];

/// Ranks and offices the recogniser may take into a person's name. Royal and noble titles
/// stay: "Prince Harry" and "Lord Patten" are how they are named.
#[rustfmt::skip]
const RANKS: &[&str] = &[
    "lt", "col", "sgt", "gen", "capt", "maj", "cpl", "pte", "pvt", "adm", "gov", "sen", "rep",
    "rev", "insp", "det", "supt", "cmdr", "lieutenant", "colonel", "sergeant", "captain",
    "general", "major", "corporal", "admiral", "commander", "president", "senator", "governor",
    "mayor", "minister", "premier", "chancellor", "judge", "detective", "inspector", "officer",
    "constable", "ambassador", "secretary", "chairman", "coach", "prof", "professor", "dr",
];

/// Names that are page furniture, time zones or credit words, never a subject.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "file", "photo", "photos", "video", "image", "images", "caption", "update", "updated", "live",
    "breaking", "exclusive", "et", "gmt", "est", "edt", "pt", "pst", "pdt", "bst", "cet", "cest",
    "utc", "ct", "cst", "cdt", "mt", "mst", "mdt", "editing", "reporting", "writing", "copyright",
    "advertisement", "related", "click", "share", "tweet", "email",
];

/// The mentions of one article (their `article` index is 0 until the story's is set).
fn article_mentions(
    model: &Model,
    article: &StoryArticleText<'_>,
    body_bytes: usize,
) -> Vec<Found> {
    let headline = without_invisible(article.headline);
    let headline = strip_headline_label(headline.trim());
    let body = strip_boilerplate(article.body);
    let body = prefix_at_sentence_end(&body, body_bytes);
    // A Title Case headline makes every word look like a name; its names are counted
    // later by matching the names the bodies give.
    let tag_headline = !is_title_case(headline);
    let text = if tag_headline {
        format!("{headline}\n{body}")
    } else {
        body.to_string()
    };
    let sentences = split_sentences(&text);
    let lead_end = sentences
        .get(LEAD_SENTENCES + usize::from(tag_headline))
        .map_or(text.len(), |s| s.start);
    let mut out = Vec::new();
    for entity in model.entities(&text) {
        let Some((mut surface, mut offset)) = clean_surface(&entity.text) else {
            continue;
        };
        // "Connecticut State Police Lt.": a rank closing a name opens the next one.
        while let Some((rest, last)) = surface.rsplit_once(' ') {
            if !RANKS.contains(&last.trim_end_matches('.').to_lowercase().as_str()) {
                break;
            }
            surface = rest.to_string();
        }
        if entity.kind == Kind::Person {
            // "Lt Col Anukarn Thammavijarn": the rank is a role, not part of the name.
            while let Some((first, rest)) = surface.split_once(' ') {
                if !RANKS.contains(&first.trim_end_matches('.').to_lowercase().as_str()) {
                    break;
                }
                offset += first.len() + 1;
                surface = rest.to_string();
            }
        }
        let words = name_words(&surface);
        if words.is_empty() || words.len() > MAX_NAME_WORDS || is_not_a_subject(&surface, &words) {
            continue;
        }
        if known_outlet_keys().contains(&name_key(&surface)) {
            continue;
        }
        let start = entity.start + offset;
        let end = start + surface.len();
        let role = sentences
            .iter()
            .find(|s| s.start <= start && end <= s.end)
            .and_then(|s| role_of_name(&text[s.start..s.end], start - s.start, end - s.start));
        out.push(Found {
            article: 0,
            at: start,
            surface,
            words,
            kind: entity.kind,
            in_lead: start < lead_end,
            role,
        });
    }
    out
}

/// The name without what the recogniser may take along: a possessive, an honorific,
/// a leading "the", surrounding punctuation. Returns the name and its offset in `raw`.
fn clean_surface(raw: &str) -> Option<(String, usize)> {
    let mut start = 0;
    let mut name = raw;
    for honorific in [
        "Mr. ", "Mrs. ", "Ms. ", "Dr. ", "Mx. ", "Mr ", "Mrs ", "Ms ", "Dr ", "Mx ", "Miss ",
        "the ", "The ",
    ] {
        if let Some(rest) = name.strip_prefix(honorific) {
            start += honorific.len();
            name = rest;
            break;
        }
    }
    let name = name
        .strip_suffix("'s")
        .or_else(|| name.strip_suffix("’s"))
        .unwrap_or(name);
    let trimmed_start = name.trim_start_matches(|c: char| !c.is_alphanumeric());
    start += name.len() - trimmed_start.len();
    let name = trimmed_start.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '.');
    // A trailing period belongs to an initial or an abbreviation ("U.S.", "Jr."), not to a
    // sentence: keep it only after a one-letter or dotted word.
    let name = match name.strip_suffix('.') {
        Some(stem) => {
            let last = stem.rsplit([' ', '.']).next().unwrap_or("");
            if last.chars().count() <= 2 || stem.contains('.') {
                name
            } else {
                stem
            }
        }
        None => name,
    };
    // A lone capital after the name is the start of the next word cut off ("Snoop Dogg M").
    let name = match name.rsplit_once(' ') {
        Some((head, last)) if last.chars().count() == 1 && last.chars().all(char::is_uppercase) => {
            head
        }
        _ => name,
    };
    (!name.is_empty()).then(|| (name.to_string(), start))
}

/// Lower-case words of a name, without periods ("U.S." → ["us"]) and possessives.
fn name_words(name: &str) -> Vec<String> {
    name.split_whitespace()
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '&')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

/// Page furniture, time zones, one letter, a clock time or a word run together with the
/// next ("PoliceLt": a lower-case letter followed by a capital inside a word that is no
/// known mixed-case form).
fn is_not_a_subject(surface: &str, words: &[String]) -> bool {
    if words.len() == 1 && NOT_NAMES.contains(&words[0].as_str()) {
        return true;
    }
    if surface.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return true;
    }
    if surface.chars().any(|c| c.is_ascii_digit()) && surface.contains(':') {
        return true;
    }
    surface.split_whitespace().any(is_run_together)
}

/// "PoliceLt", "SmithAP": a word of three or more lower-case letters running into a
/// two- or three-letter capitalised tail, where a page lost the space before an
/// abbreviation. "McDonald", "SpaceX", "BlackRock" and "YouTube" are names.
fn is_run_together(word: &str) -> bool {
    let letters: Vec<char> = word.chars().collect();
    (3..letters.len()).any(|at| {
        let tail = &letters[at..];
        letters[at].is_uppercase()
            && letters[at - 3..at].iter().all(|c| c.is_lowercase())
            && (2..=3).contains(&tail.len())
            && tail.iter().all(|c| c.is_alphabetic())
    })
}

/// A headline without a desk label ("LIVE:", "UPDATE 2-", "VIDEO -", "EXCLUSIVE:").
fn strip_headline_label(headline: &str) -> &str {
    const LABELS: &[&str] = &[
        "live",
        "update",
        "updated",
        "video",
        "photos",
        "watch",
        "breaking",
        "exclusive",
        "analysis",
        "opinion",
        "editorial",
        "listen",
        "podcast",
        "factbox",
        "explainer",
    ];
    let label_end = headline
        .find([':', '-', '–', '—', '|'])
        .filter(|&at| at <= 16);
    if let Some(at) = label_end {
        let label = headline[..at].trim();
        let word = label.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
        if LABELS.contains(&word.to_lowercase().as_str()) {
            return headline[at..]
                .trim_start_matches([':', '-', '–', '—', '|', ' '])
                .trim();
        }
    }
    headline
}

/// Whether most of a headline's longer words are capitalised ("Gunman Kills 26 At School").
fn is_title_case(headline: &str) -> bool {
    let words: Vec<&str> = headline
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() > 3)
        .collect();
    if words.len() < 3 {
        return false;
    }
    let capitalised = words
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        })
        .count();
    capitalised * 10 >= words.len() * 8
}

/// The longest prefix of `text` of at most `limit` bytes that ends a sentence (or a word,
/// when no sentence ends early enough).
fn prefix_at_sentence_end(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    match head.rfind(['.', '!', '?', '\n']) {
        Some(at) if at > limit / 2 => &text[..=at],
        _ => head.rfind(' ').map_or(head, |at| &head[..at]),
    }
}

// ---------------------------------------------------------------------------------------------
// Linking.

/// All mentions with the same words.
#[derive(Debug, Clone)]
struct Form {
    words: Vec<String>,
    /// Spellings as written and how often each.
    spellings: BTreeMap<String, u32>,
    votes: [u32; 4],
    mentions: Vec<usize>,
}

impl Form {
    fn kind(&self) -> Kind {
        vote(&self.votes)
    }

    /// The most frequent spelling (one not in capitals throughout, where there is one),
    /// then the first in order; a name of several words in capitals ("LOS ANGELES", from a
    /// dateline) in title case.
    fn display(&self) -> String {
        let shouting = |s: &str| {
            s.contains(' ')
                && s.chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase)
        };
        let best = self
            .spellings
            .iter()
            .max_by(|a, b| {
                (!shouting(a.0))
                    .cmp(&!shouting(b.0))
                    .then(a.1.cmp(b.1))
                    .then(b.0.cmp(a.0))
            })
            .map_or("", |(s, _)| s.as_str());
        if shouting(best) {
            best.split(' ')
                .map(|word| {
                    let mut chars = word.chars();
                    chars.next().map_or(String::new(), |first| {
                        first
                            .to_uppercase()
                            .chain(chars.flat_map(char::to_lowercase))
                            .collect()
                    })
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            best.to_string()
        }
    }
}

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Person => 0,
        Kind::Organisation => 1,
        Kind::Place => 2,
        Kind::Other => 3,
    }
}

/// The kind with the most votes; ties go to the earlier of person, organisation, place.
fn vote(votes: &[u32; 4]) -> Kind {
    let mut best = 0;
    for k in 1..4 {
        if votes[k] > votes[best] {
            best = k;
        }
    }
    Kind::ALL[best]
}

fn link(articles: &[StoryArticleText<'_>], found: Vec<Found>) -> Vec<StoryEntity> {
    // Forms by their words.
    let mut forms: Vec<Form> = Vec::new();
    let mut form_of_words: HashMap<Vec<String>, usize> = HashMap::new();
    for (m, mention) in found.iter().enumerate() {
        let f = *form_of_words
            .entry(mention.words.clone())
            .or_insert_with(|| {
                forms.push(Form {
                    words: mention.words.clone(),
                    spellings: BTreeMap::new(),
                    votes: [0; 4],
                    mentions: Vec::new(),
                });
                forms.len() - 1
            });
        let form = &mut forms[f];
        *form.spellings.entry(mention.surface.clone()).or_insert(0) += 1;
        form.votes[kind_index(mention.kind)] += 1;
        form.mentions.push(m);
    }
    // Longest forms first: each shorter form looks for the longer ones it may belong to.
    let mut order: Vec<usize> = (0..forms.len()).collect();
    order.sort_by(|&a, &b| {
        forms[b]
            .words
            .len()
            .cmp(&forms[a].words.len())
            .then(forms[b].mentions.len().cmp(&forms[a].mentions.len()))
            .then(forms[a].words.cmp(&forms[b].words))
    });
    // Group heads are forms; every mention ends in one group.
    let mut heads: Vec<usize> = Vec::new();
    let mut group_of_mention: Vec<usize> = vec![usize::MAX; found.len()];
    let mut guessed: Vec<bool> = vec![false; found.len()];
    for &f in &order {
        let candidates: Vec<usize> = (0..heads.len())
            .filter(|&g| belongs(&forms[f], &forms[heads[g]], &found))
            .collect();
        match candidates.as_slice() {
            [] => {
                heads.push(f);
                for &m in &forms[f].mentions {
                    group_of_mention[m] = heads.len() - 1;
                }
            }
            [only] => {
                for &m in &forms[f].mentions {
                    group_of_mention[m] = *only;
                }
            }
            many => {
                for &m in &forms[f].mentions {
                    group_of_mention[m] = pick_for_mention(m, many, &heads, &forms, &found);
                    // A guess: the entity gets the mention, not the role stated with it
                    // ("President Obama" is not Michelle Obama's title).
                    guessed[m] = true;
                }
            }
        }
    }
    merge_spelling_variants(&heads, &forms, &mut group_of_mention);
    let mut entities: Vec<StoryEntity> = (0..heads.len())
        .filter_map(|g| {
            let members: Vec<usize> = (0..found.len())
                .filter(|&m| group_of_mention[m] == g)
                .collect();
            build_entity(articles, &found, &forms[heads[g]], &members, &guessed)
        })
        .collect();
    entities.sort_by(|a, b| b.salience.total_cmp(&a.salience).then(a.name.cmp(&b.name)));
    // Two groups can end with one slug ("U.S." and "US" spelled apart): keep the first.
    let mut seen = BTreeSet::new();
    entities.retain(|e| seen.insert(e.id.clone()));
    entities
}

/// Joins people whose full names differ by a letter in a given name ("Ahmad Jabari",
/// "Ahmed Jabari"): outlets transliterate differently. The group with more mentions keeps
/// the mentions of the other.
fn merge_spelling_variants(heads: &[usize], forms: &[Form], group_of_mention: &mut [usize]) {
    let size = |groups: &[usize], g: usize| groups.iter().filter(|&&x| x == g).count();
    for a in 0..heads.len() {
        for b in (a + 1)..heads.len() {
            let (x, y) = (&forms[heads[a]], &forms[heads[b]]);
            let variants = x.kind() == Kind::Person
                && y.kind() == Kind::Person
                && x.words.len() >= 2
                && x.words.len() == y.words.len()
                && x.words.last() == y.words.last()
                && x.words
                    .iter()
                    .zip(&y.words)
                    .all(|(p, q)| p == q || p.chars().count() >= 4 && edit_distance(p, q) <= 1);
            if !variants {
                continue;
            }
            let (keep, gone) = if size(group_of_mention, b) > size(group_of_mention, a) {
                (b, a)
            } else {
                (a, b)
            };
            for g in group_of_mention.iter_mut() {
                if *g == gone {
                    *g = keep;
                }
            }
        }
    }
}

/// Levenshtein distance between two short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Whether the shorter form `short` names what the longer form `long` names.
fn belongs(short: &Form, long: &Form, found: &[Found]) -> bool {
    if short.words.len() >= long.words.len() {
        return false;
    }
    let long_kind = long.kind();
    match long_kind {
        Kind::Person => {
            let surname = short.words.len() == 1
                && long.words.last() == short.words.first()
                && short.words[0].chars().count() > 1;
            let inner = short.words.len() >= 2 && contains_sequence(&long.words, &short.words);
            if !(surname || inner) {
                return false;
            }
            // A short form tagged another kind ("Lanza" as a place) is the person only where
            // the article naming it also names the person in full.
            if short.kind() == Kind::Person {
                return true;
            }
            let long_articles: BTreeSet<usize> =
                long.mentions.iter().map(|&m| found[m].article).collect();
            short
                .mentions
                .iter()
                .all(|&m| long_articles.contains(&found[m].article))
        }
        Kind::Organisation | Kind::Place | Kind::Other => {
            if short.kind() == Kind::Person {
                return false;
            }
            let content: Vec<&String> = long
                .words
                .iter()
                .filter(|w| !matches!(w.as_str(), "of" | "the" | "and" | "for" | "&" | "on" | "in"))
                .collect();
            // "UN" → "United Nations", "U.S." → "United States".
            if short.words.len() == 1 && content.len() >= 2 {
                let initials: String = content.iter().filter_map(|w| w.chars().next()).collect();
                let acronym = &short.words[0];
                let written_as_acronym = short.spellings.keys().any(|s| {
                    s.chars()
                        .filter(|c| c.is_alphabetic())
                        .all(char::is_uppercase)
                });
                if written_as_acronym && *acronym == initials {
                    return true;
                }
            }
            // "Alibaba" → "Alibaba Group": an organisation's first words.
            long_kind == Kind::Organisation
                && short.kind() == Kind::Organisation
                && long.words.starts_with(&short.words)
        }
    }
}

fn contains_sequence(long: &[String], short: &[String]) -> bool {
    !short.is_empty() && long.windows(short.len()).any(|window| window == short)
}

/// The group a short mention joins when its form fits several: the one its article names
/// in full first, else the one the story names most (then the first found). News writes
/// the main person of a report by surname after introducing them, and repeats the full
/// name of a relative who shares it ("Adam Lanza ... his mother, Nancy Lanza ... Lanza
/// shot"), so the first introduced is the surname's usual referent.
fn pick_for_mention(
    mention: usize,
    candidates: &[usize],
    heads: &[usize],
    forms: &[Form],
    found: &[Found],
) -> usize {
    let me = &found[mention];
    let first_in_article = |g: usize| {
        forms[heads[g]]
            .mentions
            .iter()
            .filter(|&&m| found[m].article == me.article)
            .map(|&m| found[m].at)
            .min()
    };
    let introduced = candidates
        .iter()
        .filter_map(|&g| first_in_article(g).map(|at| (g, at)))
        .min_by_key(|&(g, at)| (at, g));
    if let Some((g, _)) = introduced {
        return g;
    }
    candidates
        .iter()
        .copied()
        .max_by(|&a, &b| {
            forms[heads[a]]
                .mentions
                .len()
                .cmp(&forms[heads[b]].mentions.len())
                .then(b.cmp(&a))
        })
        .unwrap_or(candidates[0])
}

fn build_entity(
    articles: &[StoryArticleText<'_>],
    found: &[Found],
    head: &Form,
    members: &[usize],
    guessed: &[bool],
) -> Option<StoryEntity> {
    if members.is_empty() {
        return None;
    }
    let name = head.display();
    let mut votes = [0u32; 4];
    let mut spellings: Vec<String> = Vec::new();
    let mut in_articles = BTreeSet::new();
    let mut lead_articles = BTreeSet::new();
    let mut roles: Vec<StatedRole> = Vec::new();
    for &m in members {
        let mention = &found[m];
        // Full forms count double: a surname alone is weaker evidence of a kind.
        let weight = if mention.words == head.words { 2 } else { 1 };
        votes[kind_index(mention.kind)] += weight;
        if mention.surface != name && !spellings.contains(&mention.surface) {
            spellings.push(mention.surface.clone());
        }
        in_articles.insert(mention.article);
        if mention.in_lead {
            lead_articles.insert(mention.article);
        }
        if let Some(role) = mention.role.as_ref().filter(|_| !guessed[m]) {
            let stated = StatedRole {
                text: role.clone(),
                article: mention.article,
            };
            if !roles.contains(&stated) {
                roles.push(stated);
            }
        }
    }
    roles.sort_by_key(|r| r.article);
    let mut forms_lower: Vec<String> = std::iter::once(name.to_lowercase())
        .chain(spellings.iter().map(|s| s.to_lowercase()))
        .filter(|s| s.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect();
    forms_lower.sort();
    forms_lower.dedup();
    let headline_articles = articles
        .iter()
        .filter(|a| {
            let headline = a.headline.to_lowercase();
            forms_lower.iter().any(|f| contains_word_run(&headline, f))
        })
        .count() as u32;
    let outlets: BTreeSet<String> = in_articles
        .iter()
        .map(|&a| articles[a].outlet.to_lowercase())
        .collect();
    let mentions = members.len() as u32;
    let salience = salience(
        headline_articles,
        lead_articles.len() as u32,
        in_articles.len(),
        outlets.len() as u32,
        mentions,
    );
    Some(StoryEntity {
        id: slug(&name),
        kind: vote(&votes),
        name,
        aliases: spellings,
        mentions,
        articles: in_articles.into_iter().collect(),
        outlets: outlets.len() as u32,
        headline_articles,
        lead_articles: lead_articles.len() as u32,
        roles,
        salience,
    })
}

/// Whether `needle` occurs in `haystack` with no letter or digit right before or after it.
fn contains_word_run(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_reads_its_budget_in_steps() {
        assert_eq!(body_bytes_per_article(1), BODY_BYTES_PER_ARTICLE);
        assert_eq!(body_bytes_per_article(16), BODY_BYTES_PER_ARTICLE);
        // 17 to 20 articles share the story's budget as 20 would.
        assert_eq!(body_bytes_per_article(17), BODY_BYTES_PER_STORY / 20);
        assert_eq!(body_bytes_per_article(20), BODY_BYTES_PER_STORY / 20);
        assert_eq!(body_bytes_per_article(33), BODY_BYTES_PER_STORY / 40);
        assert_eq!(body_bytes_per_article(64), BODY_BYTES_PER_STORY / 64);
        // Never more than the story's budget in all.
        for articles in 1..=200 {
            assert!(articles * body_bytes_per_article(articles) <= BODY_BYTES_PER_STORY);
        }
    }

    #[test]
    fn headline_labels_go_and_title_case_is_seen() {
        assert_eq!(
            strip_headline_label("UPDATE 2-Rain floods Porto"),
            "Rain floods Porto"
        );
        assert_eq!(
            strip_headline_label("LIVE: Rain floods Porto"),
            "Rain floods Porto"
        );
        assert_eq!(
            strip_headline_label("Porto: rain floods the city"),
            "Porto: rain floods the city"
        );
        assert!(is_title_case(
            "Gunman Kills Twenty Children At Connecticut School"
        ));
        assert!(!is_title_case("Gunman kills 26 at a Connecticut school"));
    }

    #[test]
    fn surfaces_lose_honorifics_and_possessives() {
        assert_eq!(clean_surface("Mr. Lanza's"), Some(("Lanza".into(), 4)));
        assert_eq!(clean_surface("U.S."), Some(("U.S.".into(), 0)));
        assert_eq!(clean_surface("Police."), Some(("Police".into(), 0)));
        assert!(is_not_a_subject(
            "Connecticut State PoliceLt",
            &name_words("Connecticut State PoliceLt")
        ));
        assert!(!is_not_a_subject("McDonald", &name_words("McDonald")));
        assert!(is_not_a_subject("ET", &name_words("ET")));
    }
}
