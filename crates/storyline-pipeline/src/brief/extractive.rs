//! The extractive brief writer: builds all six sections from real sentences of the coverage.
//!
//! How it works, in order:
//! 1. Every original (non-copy) article is split into sentences; each usable sentence becomes
//!    a candidate with a TF-IDF vector over the story's sentences and a relevance (cosine to
//!    the story centroid).
//! 2. A candidate's *support* is the set of other outlets whose articles carry a similar
//!    sentence (cosine >= [`SUPPORT_SIMILARITY`]): facts several outlets agree on score higher
//!    and cite every outlet that carries them.
//! 3. Sections are filled by maximal-marginal-relevance selection over the candidates, each
//!    with its own scoring (lead position for "What's happened", analysis cues for "What's
//!    behind the headline?", contrast with the other outlets for "What the papers say").
//!
//! Every sentence is a sentence of a cited article, possibly inside an attribution frame
//! ("The Harbour Times notes that ..."), so the trust checks pass by construction; they still
//! run on the result.

use super::cards;
use super::text::{
    attribute, continue_sentence, is_analysis, is_attributed, is_usable_sentence, join_names,
    opens_with_quote, strip_dateline, without_final_stop, word_count,
};
use super::{BriefContext, Generator, RelatedStory};
use crate::PipelineError;
use crate::checks::{ArticlePassages, SUPPORT_THRESHOLD, claim_stems, support_of_claim};
use crate::timeline::{TimelineDocument, TimelineOptions, build_timeline_weighed};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use storyline_model::{
    Article, BRIEF_SCHEMA_VERSION, Brief, BriefEngine, CheckReport, Citation, DatePrecision,
    EntityCard, GoDeeperLink, GoDeeperQuestion, Section, Sentence, Source, TimelineEntry,
};
use storyline_nlp::clutter::strip_page_furniture;
use storyline_nlp::facts::{self, FactText};
use storyline_nlp::sentences::split_sentences;
use storyline_nlp::terms;
use storyline_nlp::vector::{DocFrequencies, SparseVector, Vocabulary};

/// Two sentences this similar (TF-IDF cosine) state the same fact.
pub const SUPPORT_SIMILARITY: f32 = 0.35;
/// Above this similarity a candidate repeats one already chosen.
const REDUNDANT_SIMILARITY: f32 = 0.5;
/// Candidates below this relevance are off-topic (asides, boilerplate that slipped through).
const MIN_RELEVANCE: f32 = 0.05;
/// A sentence picked after others must bring at least this share of content words none of
/// them has: each adds to what was said, rather than saying it again.
const MIN_NEW_INFORMATION: f32 = 0.5;
/// Two outlets' sentences this alike tell one fact: where their figures for it differ, "What
/// the papers say" reports the disagreement. (At 0.35 the demo corpus paired "prices rose
/// 3.9%" with "house prices rose 6.2%", at 0.36; the race delay on wikinews-dev, a real
/// disagreement, is at 0.45.)
const SAME_FACT_SIMILARITY: f32 = 0.4;
/// Reports further apart than this are not compared for figures: a count that changed
/// between them is news, not a disagreement.
const SAME_TIME_HOURS: i64 = 12;
/// Earlier days of a story "How we got here" tells, at most (besides linked stories).
const DEVELOPMENT_STEPS: usize = 3;
/// How far before its first article a story's coverage may date a step of its own
/// ("the dam was last inspected on 3 March 2024").
const BACKGROUND_DAYS: i64 = 5 * 366;
/// Sentences considered per article: leads and the body's first part carry the news.
const MAX_SENTENCES_PER_ARTICLE: usize = 40;
/// Sentences considered in all. A story of many articles gives each article a smaller share
/// (never below [`MIN_SENTENCES_PER_ARTICLE`]): the candidates are compared pairwise, so a
/// 64-article story at 40 sentences each cost some six times what it costs at this budget,
/// and with dozens of outlets reporting the same events their first paragraphs already hold
/// every fact the sections can use. Stories of up to 16 articles keep 40 each.
const MAX_CANDIDATE_SENTENCES: usize = 640;
/// The least share of an article in a big story: its lead and the paragraphs after it.
const MIN_SENTENCES_PER_ARTICLE: usize = 8;
/// "What's happened" stops at this many sentences or words.
const WHATS_HAPPENED_SENTENCES: usize = 3;
const WHATS_HAPPENED_WORDS: usize = 95;
/// Articles within this span of the newest one count as the latest development.
const LATEST_DEVELOPMENT_HOURS: i64 = 12;
/// Coverage within this span of the newest article is the story's current state: the
/// headline comes from it, and "What's happened" prefers it (a story that runs over days is
/// not summed up by its first day).
const RECENT_COVERAGE_HOURS: i64 = 24;
/// Citations listed after one sentence, at most.
const MAX_CITATIONS: usize = 4;
/// Outlets given their own line in "What the papers say".
const MAX_OUTLETS: usize = 5;
const ATTRIBUTION_VERBS: &[&str] = &["notes", "stresses", "highlights", "points out", "reports"];

/// Version of the extractive method, recorded in every brief it writes.
pub const EXTRACTIVE_VERSION: &str = "1";

/// The default, offline, deterministic brief writer.
#[derive(Debug, Clone, Default)]
pub struct ExtractiveWriter;

impl Generator for ExtractiveWriter {
    fn engine(&self) -> BriefEngine {
        BriefEngine {
            name: "extractive".into(),
            version: EXTRACTIVE_VERSION.into(),
            model: None,
            prompt_version: None,
        }
    }

    fn write(&self, context: &BriefContext) -> Result<Brief, PipelineError> {
        if context.articles.is_empty() {
            return Err(PipelineError::Input {
                input: format!("story {}", context.story.id),
                cause: "has no articles".into(),
            });
        }
        let analysis = Analysis::new(&context.articles);
        let mut used = BTreeSet::new();
        let (whats_happened, lead_doc) = analysis.whats_happened(&mut used);
        let behind = analysis.behind_the_headline(&mut used);
        let papers = analysis.what_the_papers_say(&mut used);
        let cards = cards::entity_cards(analysis.articles, &analysis.outlets, &context.knowledge);
        let timeline = analysis.how_we_got_here(&context.related, context.story.created_at, &used);
        let go_deeper = go_deeper(context, &timeline, &cards);
        let headline = analysis
            .central_headline()
            .or(lead_doc.map(|d| analysis.articles[d].headline.clone()))
            .filter(|h| !h.trim().is_empty())
            .unwrap_or_else(|| context.story.headline.clone());
        Ok(Brief {
            schema_version: BRIEF_SCHEMA_VERSION,
            story_id: context.story.id.clone(),
            version: 0,
            headline,
            generated_at: context.now,
            engine: self.engine(),
            input_articles: context.articles.iter().map(|a| a.id.clone()).collect(),
            sources: analysis.sources(),
            whats_happened,
            behind_the_headline: behind,
            what_the_papers_say: papers,
            how_we_got_here: timeline,
            go_deeper,
            more_on_these_topics: cards,
            checks: CheckReport::default(),
        })
    }
}

/// Cosine similarity of every pair of `vectors`, row-major and symmetric, 1 on the
/// diagonal. The values are [`SparseVector::cosine`]'s bit for bit: each pair's products are
/// added in ascending term order, as the sorted merge adds them. They are found through
/// postings rather than pair by pair, so a pair sharing no term costs nothing and a pair
/// sharing a few costs a few additions: a 64-article story has some 1,500 candidates, a
/// million pairs, and most of them share little.
fn pairwise_cosines(vectors: &[&SparseVector]) -> Vec<f32> {
    let count = vectors.len();
    let norms: Vec<f32> = vectors.iter().map(|v| v.norm()).collect();
    let terms = vectors
        .iter()
        .flat_map(|v| v.entries().last())
        .map(|&(id, _)| id as usize + 1)
        .max()
        .unwrap_or(0);
    // Each term's (candidate, weight) entries, for the candidates after the current one.
    let mut postings: Vec<Vec<(usize, f32)>> = vec![Vec::new(); terms];
    let mut similarity = vec![0.0f32; count * count];
    let mut dots = vec![0.0f32; count];
    let mut sharing: Vec<usize> = Vec::new();
    let mut shares = vec![false; count];
    for i in (0..count).rev() {
        similarity[i * count + i] = 1.0;
        for &(term, weight) in vectors[i].entries() {
            for &(j, other) in &postings[term as usize] {
                if !shares[j] {
                    shares[j] = true;
                    sharing.push(j);
                }
                dots[j] += weight * other;
            }
        }
        for j in sharing.drain(..) {
            let norm = norms[i] * norms[j];
            let s = if norm > 0.0 {
                (dots[j] / norm).clamp(-1.0, 1.0)
            } else {
                0.0
            };
            similarity[i * count + j] = s;
            similarity[j * count + i] = s;
            dots[j] = 0.0;
            shares[j] = false;
        }
        for &(term, weight) in vectors[i].entries() {
            postings[term as usize].push((i, weight));
        }
    }
    similarity
}

/// One candidate sentence.
struct Candidate {
    /// Index into `Analysis::articles`.
    doc: usize,
    text: String,
    /// Position among the article's usable sentences.
    position: usize,
    vector: SparseVector,
    relevance: f32,
}

/// The story's coverage, prepared once for all sections.
struct Analysis<'a> {
    articles: &'a [Article],
    outlets: Vec<String>,
    candidates: Vec<Candidate>,
    /// Pairwise similarity of candidates (row-major, symmetric).
    similarity: Vec<f32>,
    /// For each candidate: doc index → best similarity, for docs of other outlets that
    /// support it.
    support: Vec<BTreeMap<usize, f32>>,
    /// For each candidate: the number of distinct outlets among its `support` (read by every
    /// section's scoring, for every candidate, at every pick).
    support_outlets: Vec<usize>,
    /// Lowercase words seen lowercased in the coverage: safe to lowercase at a sentence start.
    common_words: BTreeSet<String>,
    /// Lowercased words seen capitalised inside a sentence: names, which keep their capital
    /// when a sentence is continued ("notes that Whitlock ..."); any other word may be
    /// lowercased ("notes that several hundred ...").
    named_words: BTreeSet<String>,
    vocabulary: Vocabulary,
    frequencies: DocFrequencies,
    centroid: SparseVector,
    /// Each candidate's content words as the trust checks read a claim (names and numbers
    /// included, the reporting frame left out): made by the support test, or when a pick
    /// first asks.
    claims: Vec<OnceCell<BTreeSet<String>>>,
}

impl<'a> Analysis<'a> {
    fn new(articles: &'a [Article]) -> Self {
        let outlets: Vec<String> = articles.iter().map(outlet_name).collect();
        let mut vocabulary = Vocabulary::new();
        let mut frequencies = DocFrequencies::new();
        let mut raw: Vec<(usize, String, usize, Vec<u32>)> = Vec::new();
        let mut common_words = BTreeSet::new();
        let mut named_words = BTreeSet::new();
        let originals = articles
            .iter()
            .filter(|a| a.duplicate_of.is_none())
            .count()
            .max(1);
        let sentences_per_article = (MAX_CANDIDATE_SENTENCES / originals)
            .clamp(MIN_SENTENCES_PER_ARTICLE, MAX_SENTENCES_PER_ARTICLE);
        for (doc, article) in articles.iter().enumerate() {
            if article.duplicate_of.is_some() {
                continue;
            }
            let mut sentence_start = true;
            for word in article.article_body.split_whitespace() {
                let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
                if word.chars().next().is_some_and(char::is_lowercase) {
                    if !common_words.contains(bare) {
                        common_words.insert(bare.to_string());
                    }
                } else if !sentence_start && bare.chars().next().is_some_and(char::is_uppercase) {
                    let lower = bare.to_lowercase();
                    if !named_words.contains(&lower) {
                        named_words.insert(lower);
                    }
                }
                sentence_start = word.ends_with(['.', '!', '?', ':', '"', '”']);
            }
            let mut position = 0;
            // Captions, credits, bylines, stamps and datelines are no part of the report.
            let body = strip_page_furniture(&article.article_body);
            for span in split_sentences(&body) {
                if position >= sentences_per_article {
                    break;
                }
                let text = strip_dateline(&span.text).to_string();
                if !is_usable_sentence(&text) {
                    continue;
                }
                let ids: Vec<u32> = terms::analyze(&text, article.in_language.as_deref())
                    .into_iter()
                    .map(|t| vocabulary.intern(&t.stem))
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                frequencies.add_document(ids.iter().copied());
                raw.push((doc, text, position, ids));
                position += 1;
            }
        }
        let tfidf = |ids: &[u32]| {
            let mut counts: BTreeMap<u32, f32> = BTreeMap::new();
            for id in ids {
                *counts.entry(*id).or_insert(0.0) += 1.0;
            }
            SparseVector::from_weights(
                counts
                    .into_iter()
                    .map(|(id, tf)| (id, tf * frequencies.idf(id))),
            )
        };
        let mut centroid = SparseVector::default();
        let mut doc_vectors: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for (doc, _, _, ids) in &raw {
            doc_vectors
                .entry(*doc)
                .or_default()
                .extend(ids.iter().copied());
        }
        for (doc, mut ids) in doc_vectors {
            // The headline says what the article is about: count its terms twice.
            let headline_ids: Vec<u32> = terms::analyze(&articles[doc].headline, None)
                .into_iter()
                .filter_map(|t| vocabulary.get(&t.stem))
                .collect();
            ids.extend(headline_ids.iter().copied());
            ids.extend(headline_ids);
            centroid.add_scaled(&tfidf(&ids), 1.0);
        }
        centroid.normalize();
        let candidates: Vec<Candidate> = raw
            .into_iter()
            .map(|(doc, text, position, ids)| {
                let vector = tfidf(&ids);
                let relevance = vector.cosine(&centroid);
                Candidate {
                    doc,
                    text,
                    position,
                    vector,
                    relevance,
                }
            })
            .collect();
        let count = candidates.len();
        let vectors: Vec<&SparseVector> = candidates.iter().map(|c| &c.vector).collect();
        let similarity = pairwise_cosines(&vectors);
        // Another outlet supports a sentence when it carries a similar sentence *and* its
        // article holds the sentence's numbers and quotations: citing it must not credit it
        // with a figure or a quote it never printed.
        // ... and when that article, on its own, passes the trust checks' support test for
        // the sentence: "A and B both report that ..." must hold for B's own words.
        let no_stems = BTreeSet::new();
        let passages: Vec<OnceCell<Arc<ArticlePassages>>> =
            articles.iter().map(|_| OnceCell::new()).collect();
        // Each article's text as the facts are looked up in, prepared once.
        let texts: Vec<OnceCell<FactText>> = articles.iter().map(|_| OnceCell::new()).collect();
        // Outlets by number: compared for a million pairs in a big story.
        let outlet_numbers: Vec<usize> = {
            let mut numbers: BTreeMap<&str, usize> = BTreeMap::new();
            outlets
                .iter()
                .map(|outlet| {
                    let next = numbers.len();
                    *numbers.entry(outlet.as_str()).or_insert(next)
                })
                .collect()
        };
        let mut support = vec![BTreeMap::new(); count];
        let mut carries_facts: BTreeMap<(usize, usize), bool> = BTreeMap::new();
        // Each candidate's claim words, cut once: for the support test here and for the
        // sections' novelty test later.
        let claims: Vec<OnceCell<BTreeSet<String>>> =
            candidates.iter().map(|_| OnceCell::new()).collect();
        for i in 0..count {
            // The candidate's facts, cut once for all the articles it is tried against.
            let mut sentence_facts: Option<SentenceFacts> = None;
            for j in 0..count {
                let s = similarity[i * count + j];
                if s < SUPPORT_SIMILARITY {
                    continue;
                }
                let (di, dj) = (candidates[i].doc, candidates[j].doc);
                if outlet_numbers[di] == outlet_numbers[dj] {
                    continue;
                }
                let carries = *carries_facts.entry((i, dj)).or_insert_with(|| {
                    sentence_facts
                        .get_or_insert_with(|| SentenceFacts::of(&candidates[i].text))
                        .all_in(texts[dj].get_or_init(|| article_text(&articles[dj])))
                        && support_of_claim(
                            claims[i].get_or_init(|| claim_stems(&candidates[i].text, &no_stems)),
                            &[passages[dj].get_or_init(|| ArticlePassages::of(&articles[dj]))],
                        ) >= SUPPORT_THRESHOLD
                });
                if carries {
                    let best = support[i].entry(dj).or_insert(0.0f32);
                    *best = best.max(s);
                }
            }
        }
        let support_outlets = support
            .iter()
            .map(|docs| {
                docs.keys()
                    .map(|&d| outlets[d].as_str())
                    .collect::<BTreeSet<&str>>()
                    .len()
            })
            .collect();
        Analysis {
            articles,
            outlets,
            claims,
            candidates,
            similarity,
            support,
            support_outlets,
            common_words,
            named_words,
            vocabulary,
            frequencies,
            centroid,
        }
    }

    /// The candidate's content words, as the trust checks read a claim.
    fn claim(&self, candidate: usize) -> &BTreeSet<String> {
        self.claims[candidate]
            .get_or_init(|| claim_stems(&self.candidates[candidate].text, &BTreeSet::new()))
    }

    /// The share of the candidate's content words that no sentence of `chosen` has: what it
    /// would add. Word overlap rather than similarity, so a restatement in other words
    /// around the same names and numbers ("the first state to ban therapies that attempt to
    /// change minors' sexual orientation" after "the first state to ban controversial 'gay
    /// cure' therapies for children") counts as said.
    fn new_information(&self, candidate: usize, chosen: &BTreeSet<usize>) -> f32 {
        let mine = self.claim(candidate);
        if mine.is_empty() || chosen.is_empty() {
            return 1.0;
        }
        let said = mine
            .iter()
            .filter(|stem| chosen.iter().any(|&c| self.claim(c).contains(*stem)))
            .count();
        1.0 - said as f32 / mine.len() as f32
    }

    /// The original article headline closest to the story centroid: the one that says what
    /// the whole coverage is about (rather than one outlet's angle or a quotation).
    fn central_headline(&self) -> Option<String> {
        // A story that runs over days is headed by its latest day's coverage, not by the
        // first day's "brace for flood".
        let newest = self
            .articles
            .iter()
            .filter(|a| a.duplicate_of.is_none())
            .map(Article::effective_time)
            .max()?;
        let recent_from = newest - Duration::hours(RECENT_COVERAGE_HOURS);
        self.articles
            .iter()
            .enumerate()
            .filter(|(_, a)| a.duplicate_of.is_none() && !a.headline.trim().is_empty())
            .filter(|(_, a)| a.effective_time() >= recent_from)
            .map(|(doc, a)| {
                let ids: Vec<u32> = terms::analyze(&a.headline, a.in_language.as_deref())
                    .into_iter()
                    .filter_map(|t| self.vocabulary.get(&t.stem))
                    .collect();
                let vector = self.tfidf(&ids);
                let quote_penalty = if opens_with_quote(&a.headline) {
                    0.5
                } else {
                    1.0
                };
                (doc, vector.cosine(&self.centroid) * quote_penalty)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(doc, _)| self.articles[doc].headline.clone())
    }

    fn tfidf(&self, ids: &[u32]) -> SparseVector {
        let mut counts: BTreeMap<u32, f32> = BTreeMap::new();
        for id in ids {
            *counts.entry(*id).or_insert(0.0) += 1.0;
        }
        SparseVector::from_weights(
            counts
                .into_iter()
                .map(|(id, tf)| (id, tf * self.frequencies.idf(id))),
        )
    }

    fn sim(&self, a: usize, b: usize) -> f32 {
        self.similarity[a * self.candidates.len() + b]
    }

    fn max_sim_to(&self, candidate: usize, chosen: &BTreeSet<usize>) -> f32 {
        chosen
            .iter()
            .map(|&c| self.sim(candidate, c))
            .fold(0.0, f32::max)
    }

    /// Number of distinct other outlets that carry the candidate's fact.
    fn support_outlets(&self, candidate: usize) -> usize {
        self.support_outlets[candidate]
    }

    /// The candidate's own source plus, per supporting outlet, its best-matching article.
    fn citations(&self, candidate: usize) -> Vec<Citation> {
        let own = self.candidates[candidate].doc;
        let mut by_outlet: BTreeMap<&str, (usize, f32)> = BTreeMap::new();
        for (&doc, &s) in &self.support[candidate] {
            let entry = by_outlet
                .entry(self.outlets[doc].as_str())
                .or_insert((doc, s));
            if s > entry.1 {
                *entry = (doc, s);
            }
        }
        let mut supporters: Vec<(usize, f32)> = by_outlet.into_values().collect();
        supporters.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut docs = vec![own];
        docs.extend(
            supporters
                .into_iter()
                .map(|(d, _)| d)
                .take(MAX_CITATIONS - 1),
        );
        docs.sort_unstable();
        docs.into_iter()
            .map(|d| Citation::Source(d as u32 + 1))
            .collect()
    }

    fn lowercase_ok(&self) -> impl Fn(&str) -> bool + '_ {
        move |word: &str| self.common_words.contains(word) || !self.named_words.contains(word)
    }

    fn sources(&self) -> Vec<Source> {
        let position_of =
            |id: &storyline_model::ArticleId| self.articles.iter().position(|a| &a.id == id);
        self.articles
            .iter()
            .enumerate()
            .map(|(i, a)| Source {
                n: i as u32 + 1,
                article_id: a.id.clone(),
                outlet: self.outlets[i].clone(),
                title: a.headline.clone(),
                url: a.url.clone(),
                published: a.date_published,
                copy_of: a
                    .duplicate_of
                    .as_ref()
                    .and_then(position_of)
                    .map(|p| p as u32 + 1),
            })
            .collect()
    }

    /// Picks by maximal marginal relevance from `pool`: each step takes the best
    /// `score * (1 - redundancy)` among candidates not redundant with `chosen`.
    fn pick(
        &self,
        pool: &[usize],
        score: &dyn Fn(usize) -> f32,
        chosen: &BTreeSet<usize>,
    ) -> Option<usize> {
        pool.iter()
            .copied()
            .filter(|c| !chosen.contains(c))
            .filter(|&c| self.max_sim_to(c, chosen) < REDUNDANT_SIMILARITY)
            .filter(|&c| self.new_information(c, chosen) >= MIN_NEW_INFORMATION)
            .map(|c| (c, score(c) * (1.0 - self.max_sim_to(c, chosen))))
            .filter(|(_, s)| *s > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(c, _)| c)
    }

    fn whats_happened(&self, used: &mut BTreeSet<usize>) -> (Section, Option<usize>) {
        let lead_score = |c: usize| {
            let candidate = &self.candidates[c];
            // The lead sentence states the news; agreement across outlets confirms it.
            let position_weight = [1.0, 0.7, 0.55, 0.45]
                .get(candidate.position)
                .copied()
                .unwrap_or(0.0);
            // A short standfirst ("X's government has a majority of four.") says less than a
            // full lead sentence.
            let fullness = (word_count(&candidate.text) as f32 / 20.0).min(1.0);
            candidate.relevance
                * (1.0 + 0.3 * self.support_outlets(c) as f32)
                * position_weight
                * fullness
        };
        let leads: Vec<usize> = (0..self.candidates.len())
            .filter(|&c| {
                self.candidates[c].position < 4 && self.candidates[c].relevance >= MIN_RELEVANCE
            })
            .collect();
        let pool: Vec<usize> = if leads.is_empty() {
            (0..self.candidates.len()).collect()
        } else {
            leads
        };
        let newest = self
            .candidates
            .iter()
            .map(|c| self.articles[c.doc].effective_time())
            .max();
        // The pool's candidates from articles at most `hours` older than the newest one.
        let within = |hours: i64| -> Vec<usize> {
            pool.iter()
                .copied()
                .filter(|&c| {
                    newest.is_some_and(|n| {
                        self.articles[self.candidates[c].doc].effective_time()
                            >= n - Duration::hours(hours)
                    })
                })
                .collect()
        };
        let latest = within(LATEST_DEVELOPMENT_HOURS);
        let mut chosen = BTreeSet::new();
        let mut order = Vec::new();
        if let Some(first) = self
            .pick(&latest, &lead_score, &chosen)
            .or_else(|| self.pick(&pool, &lead_score, &chosen))
        {
            chosen.insert(first);
            order.push(first);
        }
        let mut words: usize = order
            .iter()
            .map(|&c| word_count(&self.candidates[c].text))
            .sum();
        let recent = within(RECENT_COVERAGE_HOURS);
        while order.len() < WHATS_HAPPENED_SENTENCES && words < WHATS_HAPPENED_WORDS {
            let Some(next) = self
                .pick(&recent, &lead_score, &chosen)
                .or_else(|| self.pick(&pool, &lead_score, &chosen))
            else {
                break;
            };
            chosen.insert(next);
            order.push(next);
            words += word_count(&self.candidates[next].text);
        }
        used.extend(chosen.iter().copied());
        let sentences = order
            .iter()
            .map(|&c| Sentence {
                text: self.candidates[c].text.clone(),
                citations: self.citations(c),
            })
            .collect();
        (
            Section {
                sentences,
                fallback_engine: None,
            },
            order.first().map(|&c| self.candidates[c].doc),
        )
    }

    fn behind_the_headline(&self, used: &mut BTreeSet<usize>) -> Section {
        let analysis_pool: Vec<usize> = (0..self.candidates.len())
            .filter(|&c| {
                self.candidates[c].relevance >= MIN_RELEVANCE
                    && is_analysis(&self.candidates[c].text)
            })
            .collect();
        // Without analysis in the coverage, the most relevant context beyond the lead is the
        // best available account of why the story matters.
        let pool: Vec<usize> = if analysis_pool.is_empty() {
            (0..self.candidates.len())
                .filter(|&c| self.candidates[c].position >= 2)
                .collect()
        } else {
            analysis_pool
        };
        let score = |c: usize| {
            let candidate = &self.candidates[c];
            let later = if candidate.position >= 2 { 1.0 } else { 0.6 };
            candidate.relevance * (1.0 + 0.3 * self.support_outlets(c) as f32) * later
        };
        let mut chosen = used.clone();
        let mut picked = Vec::new();
        while picked.len() < 3 {
            let Some(next) = self.pick(&pool, &score, &chosen) else {
                break;
            };
            chosen.insert(next);
            picked.push(next);
        }
        used.extend(picked.iter().copied());
        let lowercase_ok = self.lowercase_ok();
        let sentences = picked
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let candidate = &self.candidates[c];
                let text = if is_attributed(&candidate.text) {
                    candidate.text.clone()
                } else {
                    let verb = ATTRIBUTION_VERBS[i % ATTRIBUTION_VERBS.len()];
                    attribute(
                        &self.outlets[candidate.doc],
                        verb,
                        &candidate.text,
                        &lowercase_ok,
                    )
                };
                Sentence {
                    text,
                    citations: vec![Citation::Source(candidate.doc as u32 + 1)],
                }
            })
            .collect();
        Section {
            sentences,
            fallback_engine: None,
        }
    }

    fn what_the_papers_say(&self, used: &mut BTreeSet<usize>) -> Section {
        let lowercase_ok = self.lowercase_ok();
        let mut sentences = Vec::new();
        // Outlets with an original article, in order of first publication.
        let mut outlet_order: Vec<&str> = Vec::new();
        for (doc, article) in self.articles.iter().enumerate() {
            if article.duplicate_of.is_none() && !outlet_order.contains(&self.outlets[doc].as_str())
            {
                outlet_order.push(&self.outlets[doc]);
            }
        }
        if outlet_order.len() >= 2 {
            // Common ground: the fact most outlets carry.
            let agreed = (0..self.candidates.len())
                .filter(|&c| {
                    self.support_outlets(c) >= 1 && self.candidates[c].relevance >= MIN_RELEVANCE
                })
                .max_by(|&a, &b| {
                    let key =
                        |c: usize| self.support_outlets(c) as f32 + self.candidates[c].relevance;
                    key(a).total_cmp(&key(b)).then(b.cmp(&a))
                });
            if let Some(c) = agreed {
                let citations = self.citations(c);
                let names: Vec<String> = citations
                    .iter()
                    .filter_map(|cite| match cite {
                        Citation::Source(n) => Some(self.outlets[*n as usize - 1].clone()),
                        Citation::Story(_) => None,
                    })
                    .fold(Vec::new(), |mut acc, name| {
                        if !acc.contains(&name) {
                            acc.push(name);
                        }
                        acc
                    });
                let body = continue_sentence(&self.candidates[c].text, &lowercase_ok);
                let text = if names.len() == 2 {
                    format!("Both {} report that {body}", join_names(&names))
                } else {
                    format!("{} all report that {body}", join_names(&names))
                };
                sentences.push(Sentence { text, citations });
                used.insert(c);
            }
        }
        // Where two outlets give one figure differently, the brief says so.
        if let Some((c, d)) = self.figure_disagreement(used) {
            let (first, second) = (&self.candidates[c], &self.candidates[d]);
            let text = format!(
                "The reports give different figures: {}, while {}",
                without_final_stop(&attribute(
                    &self.outlets[first.doc],
                    "reports",
                    &first.text,
                    &lowercase_ok
                )),
                attribute(
                    &self.outlets[second.doc],
                    "reports",
                    &second.text,
                    &lowercase_ok
                )
            );
            let citations = both_sources(first.doc, second.doc);
            sentences.push(Sentence { text, citations });
            used.insert(c);
            used.insert(d);
        }
        // What each outlet says that the others do not.
        let mut contrasts: Vec<(usize, usize)> = Vec::new(); // (outlet index, candidate)
        for (index, outlet) in outlet_order.iter().enumerate().take(MAX_OUTLETS) {
            let best = (0..self.candidates.len())
                .filter(|&c| self.outlets[self.candidates[c].doc] == *outlet && !used.contains(&c))
                .filter(|&c| self.candidates[c].relevance >= MIN_RELEVANCE)
                .map(|c| {
                    let others = (0..self.candidates.len())
                        .filter(|&o| self.outlets[self.candidates[o].doc] != *outlet)
                        .map(|o| self.sim(c, o))
                        .fold(0.0, f32::max);
                    let quote_bonus = if facts::quoted_spans(&self.candidates[c].text).is_empty() {
                        1.0
                    } else {
                        1.2
                    };
                    (
                        c,
                        self.candidates[c].relevance.sqrt() * (1.0 - others) * quote_bonus,
                    )
                })
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((c, _)) = best {
                used.insert(c);
                contrasts.push((index, c));
            }
        }
        let mut verbs = ATTRIBUTION_VERBS.iter().cycle();
        let mut pending = contrasts.into_iter().peekable();
        while let Some((outlet, c)) = pending.next() {
            let first = &self.candidates[c];
            let verb = verbs.next().copied().unwrap_or("notes");
            // "X notes that ..., while Y stresses that ..." for two short reported sentences;
            // quotations keep a sentence of their own.
            let paired = pending.peek().copied().filter(|&(_, d)| {
                let second = &self.candidates[d].text;
                word_count(&first.text) <= 28
                    && word_count(second) <= 28
                    && !opens_with_quote(&first.text)
                    && !opens_with_quote(second)
            });
            match paired {
                Some((other_outlet, d)) => {
                    pending.next();
                    let second = &self.candidates[d];
                    let other_verb = verbs.next().copied().unwrap_or("stresses");
                    let text = format!(
                        "{}, while {}",
                        without_final_stop(&attribute(
                            outlet_order[outlet],
                            verb,
                            &first.text,
                            &lowercase_ok
                        )),
                        attribute(
                            outlet_order[other_outlet],
                            other_verb,
                            &second.text,
                            &lowercase_ok
                        )
                    );
                    let citations = both_sources(first.doc, second.doc);
                    sentences.push(Sentence { text, citations });
                }
                None => sentences.push(Sentence {
                    text: attribute(outlet_order[outlet], verb, &first.text, &lowercase_ok),
                    citations: vec![Citation::Source(first.doc as u32 + 1)],
                }),
            }
        }
        if outlet_order.len() == 1 {
            let docs: Vec<Citation> = (0..self.articles.len())
                .filter(|&d| self.articles[d].duplicate_of.is_none())
                .map(|d| Citation::Source(d as u32 + 1))
                .collect();
            sentences.insert(
                0,
                Sentence {
                    text: format!(
                        "{} is so far the only outlet with its own report on this story.",
                        outlet_order[0]
                    ),
                    citations: docs,
                },
            );
        }
        sentences.extend(self.wire_copy_sentences());
        Section {
            sentences,
            fallback_engine: None,
        }
    }

    /// Two reports by different outlets, published within [`SAME_TIME_HOURS`] of each other
    /// (or of unknown date), that tell one thing (sentences at least [`SAME_FACT_SIMILARITY`] alike) with one count
    /// given differently ("26 people" in one, "27 people" in the other): the most alike such
    /// pair, earlier report first. Reports hours apart are not compared: a toll that rose is
    /// news, not a disagreement. Copies are not outlets of their own.
    fn figure_disagreement(&self, used: &BTreeSet<usize>) -> Option<(usize, usize)> {
        let with_figures: Vec<(usize, Option<DateTime<Utc>>, Vec<facts::Quantity>)> =
            (0..self.candidates.len())
                .filter(|&c| !used.contains(&c) && self.candidates[c].relevance >= MIN_RELEVANCE)
                .filter_map(|c| {
                    let article = &self.articles[self.candidates[c].doc];
                    if article.duplicate_of.is_some() {
                        return None;
                    }
                    let published = article.date_published;
                    let figures = facts::quantities(&self.candidates[c].text);
                    (!figures.is_empty()).then_some((c, published, figures))
                })
                .collect();
        let mut best: Option<(f32, usize, usize)> = None;
        for (index, (c, c_time, c_figures)) in with_figures.iter().enumerate() {
            for (d, d_time, d_figures) in &with_figures[index + 1..] {
                let (c_doc, d_doc) = (self.candidates[*c].doc, self.candidates[*d].doc);
                // An undated report may be of any time: it is compared.
                let apart = match (c_time, d_time) {
                    (Some(c_time), Some(d_time)) => (*c_time - *d_time).num_hours().abs(),
                    _ => 0,
                };
                if self.outlets[c_doc] == self.outlets[d_doc] || apart > SAME_TIME_HOURS {
                    continue;
                }
                // The cheap test first: most pairs are not alike enough to compare figures.
                let similarity = self.sim(*c, *d);
                if similarity < SAME_FACT_SIMILARITY
                    || best.is_some_and(|(top, ..)| similarity <= top)
                {
                    continue;
                }
                let (c_text, d_text) = (&self.candidates[*c].text, &self.candidates[*d].text);
                let differs = c_figures.iter().any(|a| {
                    d_figures
                        .iter()
                        .any(|b| one_figure_differs(a, b, c_text, d_text))
                });
                if differs {
                    let (earlier, later) = if (*c_time, *c) <= (*d_time, *d) {
                        (*c, *d)
                    } else {
                        (*d, *c)
                    };
                    best = Some((similarity, earlier, later));
                }
            }
        }
        best.map(|(_, earlier, later)| (earlier, later))
    }

    /// "Meridian Daily and The Lantern Post carried Cascade Wire's report." for each original
    /// that others republished: copies are sources, not independent outlets.
    fn wire_copy_sentences(&self) -> Vec<Sentence> {
        let mut copies_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (doc, article) in self.articles.iter().enumerate() {
            if let Some(original) = &article.duplicate_of
                && let Some(o) = self.articles.iter().position(|a| &a.id == original)
            {
                copies_of.entry(o).or_default().push(doc);
            }
        }
        copies_of
            .into_iter()
            .map(|(original, copies)| {
                let mut names: Vec<String> = Vec::new();
                for &c in &copies {
                    if !names.contains(&self.outlets[c]) {
                        names.push(self.outlets[c].clone());
                    }
                }
                let mut citations: Vec<Citation> = std::iter::once(original)
                    .chain(copies.iter().copied())
                    .map(|d| Citation::Source(d as u32 + 1))
                    .collect();
                citations.sort_by_key(|c| match c {
                    Citation::Source(n) => *n,
                    Citation::Story(_) => 0,
                });
                Sentence {
                    text: format!(
                        "{} carried {}'s report.",
                        join_names(&names),
                        self.outlets[original]
                    ),
                    citations,
                }
            })
            .collect()
    }

    fn how_we_got_here(
        &self,
        related: &[RelatedStory],
        story_began: DateTime<Utc>,
        used: &BTreeSet<usize>,
    ) -> Vec<TimelineEntry> {
        let mut entries: Vec<TimelineEntry> = related
            .iter()
            .filter(|r| r.began < story_began && !r.lead.is_empty())
            .take(3)
            .map(|r| TimelineEntry {
                date: r.began,
                date_precision: DatePrecision::Day,
                story_id: Some(r.story.id.clone()),
                sentence: Sentence {
                    text: r.lead.clone(),
                    citations: vec![Citation::Story(r.story.id.clone())],
                },
            })
            .collect();
        let development = self.development(used);
        let room = DEVELOPMENT_STEPS.saturating_sub(development.len());
        let background = self.background(used, story_began, &development, room);
        entries.extend(development.into_iter().map(|(_, entry)| entry));
        entries.extend(background);
        entries.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then(a.sentence.text.cmp(&b.sentence.text))
        });
        entries
    }

    /// The story's own development: the earlier days its coverage turns on, found by the
    /// timeline engine ([`crate::timeline`]) over the candidate sentences, one sentence a
    /// day. A day counts the articles published on it and, more, those that go back to it
    /// ("the dam breached on June 3", "on Tuesday"); the newest day is left out, being what
    /// "What's happened" tells. Sentences other sections used, ones about what is to come
    /// and ones too far from the story's subject are not told.
    fn development(&self, used: &BTreeSet<usize>) -> Vec<(usize, TimelineEntry)> {
        // An article without a publication date is dated by when it was stored, which says
        // nothing of the days its text means by "Tuesday" or "June 25".
        let days: Vec<Option<NaiveDate>> = self
            .articles
            .iter()
            .map(|article| article.date_published.map(|time| time.date_naive()))
            .collect();
        let stored: Vec<NaiveDate> = self
            .articles
            .iter()
            .map(|article| article.effective_time().date_naive())
            .collect();
        let known = || days.iter().flatten().copied();
        let (Some(oldest), Some(newest)) = (
            known().min().or(stored.iter().copied().min()),
            known().max().or(stored.iter().copied().max()),
        ) else {
            return Vec::new();
        };
        // Each article's candidates at their positions; a sentence that may not be told is
        // left empty, so the others keep their place (the engine prefers an article's lead).
        let mut documents: Vec<TimelineDocument> = days
            .iter()
            .enumerate()
            .map(|(doc, &published)| TimelineDocument {
                id: doc.to_string(),
                published,
                sentences: Vec::new(),
            })
            .collect();
        let mut candidate_at: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for (c, candidate) in self.candidates.iter().enumerate() {
            let sentences = &mut documents[candidate.doc].sentences;
            if sentences.len() <= candidate.position {
                sentences.resize(candidate.position + 1, String::new());
            }
            let tellable = !used.contains(&c)
                && candidate.relevance >= MIN_RELEVANCE
                && !speaks_of_the_future(&candidate.text);
            if tellable {
                sentences[candidate.position] = candidate.text.clone();
                candidate_at.insert((candidate.doc, candidate.position), c);
            }
        }
        let options = TimelineOptions {
            start: oldest - Duration::days(BACKGROUND_DAYS),
            end: newest,
            // One more than the steps shown: the newest day is dropped.
            max_dates: DEVELOPMENT_STEPS + 1,
            sentences_per_date: 1,
            keywords: Vec::new(),
        };
        let mut steps: Vec<(usize, TimelineEntry)> = Vec::new();
        // The candidates' own vectors: weighed once for the whole brief.
        let vector_of = |doc: usize, position: usize| {
            let &c = candidate_at.get(&(doc, position))?;
            Some(self.candidates[c].vector.clone())
        };
        for entry in build_timeline_weighed(&documents, &options, Some(&vector_of)) {
            if entry.date >= newest || steps.len() >= DEVELOPMENT_STEPS {
                continue;
            }
            let Some(told) = entry.sentences.first() else {
                continue;
            };
            let Some(&c) = candidate_at.get(&(told.document, told.position)) else {
                continue;
            };
            let Some(midnight) = entry.date.and_hms_opt(0, 0, 0) else {
                continue;
            };
            steps.push((
                c,
                TimelineEntry {
                    date: Utc.from_utc_datetime(&midnight),
                    date_precision: DatePrecision::Day,
                    story_id: None,
                    sentence: Sentence {
                        text: self.candidates[c].text.clone(),
                        citations: vec![Citation::Source(self.candidates[c].doc as u32 + 1)],
                    },
                },
            ));
        }
        steps
    }

    /// Background the coverage dates before the story began, to the day or the month
    /// ("announced the project in June 2024"), for what room the story's own development
    /// left: at most `room` steps, one a date, none repeating a step already told. A date in
    /// a clause set off from the sentence's own event ("Milas, who graduated in 2009,
    /// told ...") does not date the sentence, and is not read.
    fn background(
        &self,
        used: &BTreeSet<usize>,
        story_began: DateTime<Utc>,
        development: &[(usize, TimelineEntry)],
        room: usize,
    ) -> Vec<TimelineEntry> {
        let told: BTreeSet<usize> = development.iter().map(|(c, _)| *c).collect();
        let mut entries = Vec::new();
        // Background sentences that date an earlier step of the story.
        let mut dated: Vec<(usize, DateTime<Utc>, DatePrecision)> = Vec::new();
        for (c, candidate) in self.candidates.iter().enumerate() {
            if used.contains(&c) || told.contains(&c) || candidate.relevance < MIN_RELEVANCE {
                continue;
            }
            let article = &self.articles[candidate.doc];
            let written = article.effective_time();
            // Without a publication date, "in April" could be any April: only a reference
            // that states its year is read.
            let dated_article = article.date_published.is_some();
            // "will take effect on Jan. 1" names a date to come, not a step that led here.
            if speaks_of_the_future(&candidate.text) {
                continue;
            }
            // The most precise date a sentence gives is the one its event happened on ("won
            // 24.1% on 15 November, up from 14.8% in 2022" is about 15 November).
            let Some((date, precision)) = facts::past_references(&candidate.text)
                .iter()
                .filter(|r| !in_set_off_clause(&candidate.text, &r.phrase))
                .filter(|r| dated_article || r.year.is_some())
                .filter_map(|r| reference_date(r, written))
                .min_by_key(|(d, p)| (*p, *d))
            else {
                continue;
            };
            // A year alone places nothing in a story's development: on real coverage it is
            // mostly a year some background clause happens to give ("the contours of 2004").
            if precision != DatePrecision::Year && date < story_began - Duration::days(1) {
                dated.push((c, date, precision));
            }
        }
        dated.sort_by(|a, b| {
            self.candidates[b.0]
                .relevance
                .total_cmp(&self.candidates[a.0].relevance)
                .then(a.0.cmp(&b.0))
        });
        let mut chosen: BTreeSet<usize> = told.clone();
        let mut dates_taken: BTreeSet<(DateTime<Utc>, DatePrecision)> = development
            .iter()
            .map(|(_, entry)| (entry.date, entry.date_precision))
            .collect();
        for (c, date, precision) in dated {
            if entries.len() >= room {
                break;
            }
            // One step per date: outlets recalling the same past event word it differently.
            if self.max_sim_to(c, &chosen) >= REDUNDANT_SIMILARITY
                || !dates_taken.insert((date, precision))
            {
                continue;
            }
            chosen.insert(c);
            entries.push(TimelineEntry {
                date,
                date_precision: precision,
                story_id: None,
                sentence: Sentence {
                    text: self.candidates[c].text.clone(),
                    citations: vec![Citation::Source(self.candidates[c].doc as u32 + 1)],
                },
            });
        }
        entries
    }
}

/// True when `phrase` lies in a clause the sentence sets off with commas that opens with a
/// relative pronoun or a participle (", who graduated in 2009,", ", opened in 2009,"): it
/// dates what that clause says of someone or something, not the sentence's own event.
fn in_set_off_clause(sentence: &str, phrase: &str) -> bool {
    let Some(at) = sentence.find(phrase) else {
        return false;
    };
    let Some(opened) = sentence[..at].rfind(',') else {
        return false;
    };
    // The clause must close again before the sentence ends: ", who ... in 2009, told".
    if !sentence[at + phrase.len()..].contains(',') {
        return false;
    }
    let first = sentence[opened + 1..]
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_lowercase();
    let relative = ["who", "whose", "which", "where", "whom"].contains(&first.as_str());
    let participle = first.len() > 4 && (first.ends_with("ed") || first.ends_with("en"));
    relative || participle
}

/// Citations of two articles (by index), in source order: a sentence joining two outlets'
/// reports cites both.
fn both_sources(a: usize, b: usize) -> Vec<Citation> {
    [a.min(b), a.max(b)]
        .into_iter()
        .map(|doc| Citation::Source(doc as u32 + 1))
        .collect()
}

/// True when `a` and `b` count one thing differently: the same unit hung on the same word
/// ("delayed by 35 minutes", "delayed about 30 minutes"), values that cannot both be true
/// ("at least 28" against "26"; "at least 13" and "14.1" agree), and neither sentence giving
/// the other's value anywhere ("reach 20,000 wafers ... from 8,000" against "starts at 8,000
/// wafers ... reach 20,000" is one plan told two ways).
fn one_figure_differs(
    a: &facts::Quantity,
    b: &facts::Quantity,
    a_sentence: &str,
    b_sentence: &str,
) -> bool {
    if a.unit != b.unit || a.governor.is_empty() || a.agrees_with(b) {
        return false;
    }
    let stem = |word: &str| {
        terms::analyze(word, None)
            .into_iter()
            .next()
            .map(|term| term.stem)
    };
    if stem(&a.governor) != stem(&b.governor) {
        return false;
    }
    let numbers_of = |sentence: &str| facts::numbers(sentence);
    let (in_a, in_b) = (numbers_of(a_sentence), numbers_of(b_sentence));
    let normalised = |q: &facts::Quantity| facts::numbers(&q.written);
    !normalised(a).iter().any(|n| in_b.contains(n))
        && !normalised(b).iter().any(|n| in_a.contains(n))
}

/// True when the sentence is about what is to come ("will", "is due to", "plans to").
fn speaks_of_the_future(sentence: &str) -> bool {
    let lower = format!(" {} ", sentence.to_lowercase());
    [
        " will ",
        " won't ",
        " is due to ",
        " are due to ",
        " expected to ",
        " set to ",
        " plans to ",
        " planned to ",
        " scheduled to ",
        " scheduled for ",
        " next ",
        // What was said would or could happen, or what people can do from now on
        // ("owners can check ... from Friday"), is not a step that happened.
        " would ",
        " could ",
        " can ",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
}

/// The text an article's facts are looked up in: its headline and its body.
fn article_text(article: &Article) -> FactText {
    FactText::new(&format!("{}\n{}", article.headline, article.article_body))
}

/// The numbers and quotations of a sentence: what an article citing it must carry.
struct SentenceFacts {
    numbers: Vec<String>,
    quotes: Vec<String>,
}

impl SentenceFacts {
    fn of(sentence: &str) -> Self {
        SentenceFacts {
            numbers: facts::numbers(sentence),
            quotes: facts::quoted_spans(sentence),
        }
    }

    /// True when every number and quotation appears in `text` (from [`article_text`]).
    fn all_in(&self, text: &FactText) -> bool {
        self.numbers.iter().all(|n| text.contains_number(n))
            && self.quotes.iter().all(|q| text.contains_verbatim(q))
    }
}

/// The date a past reference points to, and how precisely, given when the sentence was
/// written ("in March" written in November 2026 means March 2026).
fn reference_date(
    reference: &facts::PastReference,
    written: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DatePrecision)> {
    let lower = reference.phrase.to_lowercase();
    let (year, month, day, precision) = match (reference.year, reference.month, reference.day) {
        (Some(y), Some(m), Some(d)) => (y, m, d, DatePrecision::Day),
        (Some(y), Some(m), None) => (y, m, 1, DatePrecision::Month),
        (Some(y), None, _) => (y, 1, 1, DatePrecision::Year),
        (None, Some(m), Some(d)) => {
            let y = if m > written.month() {
                written.year() - 1
            } else {
                written.year()
            };
            (y, m, d, DatePrecision::Day)
        }
        (None, Some(m), None) => {
            let y = if m > written.month() {
                written.year() - 1
            } else {
                written.year()
            };
            (y, m, 1, DatePrecision::Month)
        }
        (None, None, _) if lower.contains("last year") || lower.contains("a year ago") => {
            (written.year() - 1, 1, 1, DatePrecision::Year)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(0, 0, 0)?;
    let date = Utc.from_utc_datetime(&date);
    (date <= written).then_some((date, precision))
}

/// The outlet's display name, as decided when the article was stored.
fn outlet_name(article: &Article) -> String {
    article.outlet.name.clone()
}

fn go_deeper(
    context: &BriefContext,
    timeline: &[TimelineEntry],
    cards: &[EntityCard],
) -> Vec<GoDeeperQuestion> {
    let mut questions = Vec::new();
    if timeline.len() >= 2 {
        questions.push(GoDeeperQuestion {
            question: "How did this story develop?".into(),
            link: GoDeeperLink::Timeline {
                story_id: context.story.id.clone(),
            },
        });
    }
    // A related story earns a question only through an entity this story is about (one of
    // its cards): a shared common word ("Council", "Americans") says nothing of what the
    // link will answer.
    for related in &context.related {
        if questions.len() >= 3 {
            break;
        }
        let Some(topic) = related
            .shared
            .iter()
            .find_map(|name| cards::card_named(cards, name))
        else {
            continue;
        };
        let question = if related.began < context.story.created_at {
            format!("What happened earlier with {}?", topic.name)
        } else {
            format!("What happened next with {}?", topic.name)
        };
        // Two related stories about one entity would ask one question twice.
        if questions.iter().any(|q| q.question == question) {
            continue;
        }
        questions.push(GoDeeperQuestion {
            question,
            link: GoDeeperLink::Story {
                story_id: related.story.id.clone(),
                headline: related.story.headline.clone(),
            },
        });
    }
    questions.extend(cards::entity_questions(cards));
    questions.truncate(5);
    questions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Article `n` of `sentences` distinct sentences, from outlet `n`.
    fn long_report(n: usize, sentences: usize) -> Article {
        let url = format!("https://outlet{n}.example/news/flood");
        let body: Vec<String> = (0..sentences)
            .map(|s| format!("Paragraph {s} of report {n} describes the river flood in Kelmouth."))
            .collect();
        Article {
            date_published: Some(
                Utc.with_ymd_and_hms(2025, 3, 1, n as u32 % 24, 0, 0)
                    .unwrap(),
            ),
            date_fetched: Utc.with_ymd_and_hms(2025, 3, 2, 0, 0, 0).unwrap(),
            content_hash: format!("hash-{n}"),
            ..crate::test_support::article(
                &url,
                &format!("Outlet {n}"),
                &format!("Kelmouth flood report {n}"),
                &body.join(" "),
            )
        }
    }

    #[test]
    fn a_big_story_shares_the_sentence_budget_from_each_lead() {
        // A small story keeps up to 40 sentences of each article.
        let small: Vec<Article> = (0..4).map(|n| long_report(n, 50)).collect();
        let analysis = Analysis::new(&small);
        assert_eq!(analysis.candidates.len(), 4 * MAX_SENTENCES_PER_ARTICLE);
        // A big one gives each article an even share of the budget, its first sentences.
        let big: Vec<Article> = (0..64).map(|n| long_report(n, 50)).collect();
        let analysis = Analysis::new(&big);
        assert_eq!(analysis.candidates.len(), MAX_CANDIDATE_SENTENCES);
        for doc in 0..big.len() {
            let positions: Vec<usize> = analysis
                .candidates
                .iter()
                .filter(|c| c.doc == doc)
                .map(|c| c.position)
                .collect();
            assert_eq!(
                positions,
                (0..MAX_CANDIDATE_SENTENCES / 64).collect::<Vec<_>>()
            );
        }
        // A very big one still keeps each article's first paragraphs.
        let huge: Vec<Article> = (0..100).map(|n| long_report(n, 50)).collect();
        let analysis = Analysis::new(&huge);
        assert_eq!(analysis.candidates.len(), 100 * MIN_SENTENCES_PER_ARTICLE);
    }

    /// A report by `outlet`, `hour` hours into 14 March 2025, of `body`.
    fn report_at(outlet: &str, hour: u32, body: &str) -> Article {
        Article {
            date_published: Some(Utc.with_ymd_and_hms(2025, 3, 14, 0, 0, 0).unwrap())
                .map(|day| day + Duration::hours(i64::from(hour))),
            ..crate::test_support::article(
                &format!("https://{}.example/news/school", outlet.replace(' ', "")),
                outlet,
                "Shooting at Ardmore school",
                body,
            )
        }
    }

    fn papers_of(articles: &[Article]) -> Vec<String> {
        let analysis = Analysis::new(articles);
        let mut used = BTreeSet::new();
        analysis
            .what_the_papers_say(&mut used)
            .sentences
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn outlets_giving_one_figure_differently_are_said_to_differ() {
        let courier = "Police said the gunman killed 28 people at Ardmore Elementary School, \
                       including 20 children. The school had 600 pupils.";
        let times = "Police said the gunman killed 26 people at Ardmore Elementary School, \
                     including 20 children. Parents gathered at a fire station nearby.";
        let articles = [
            report_at("Ardmore Courier", 9, courier),
            report_at("Valley Times", 11, times),
        ];
        let papers = papers_of(&articles);
        let differ: Vec<&String> = papers
            .iter()
            .filter(|s| s.starts_with("The reports give different figures"))
            .collect();
        assert_eq!(differ.len(), 1, "{papers:?}");
        assert!(
            differ[0].contains("Ardmore Courier reports that police said the gunman killed 28")
                && differ[0].contains("Valley Times reports that police said the gunman killed 26"),
            "{differ:?}"
        );

        // A bound the other figure meets agrees, and reports a day apart tell a toll that
        // changed.
        let mut agreeing = articles.clone();
        agreeing[0] = report_at(
            "Ardmore Courier",
            9,
            &courier.replace("killed 28", "killed at least 25"),
        );
        let mut later = articles.clone();
        later[1].date_published = later[1].date_published.map(|t| t + Duration::hours(30));
        for articles in [agreeing, later] {
            let papers = papers_of(&articles);
            assert!(
                !papers
                    .iter()
                    .any(|s| s.starts_with("The reports give different figures")),
                "{papers:?}"
            );
        }
    }

    #[test]
    fn a_sentence_saying_again_what_was_said_adds_nothing() {
        let articles = [
            report_at(
                "Ardmore Courier",
                9,
                "Tolvia has become the first state to ban therapies that try to change the \
                 sexual orientation of minors, after the governor signed the bill on Sunday.",
            ),
            report_at(
                "Valley Times",
                10,
                "Tolvia became the first state to ban controversial therapies that try to \
                 change the sexual orientation of minors. Opponents said they would challenge \
                 the law in the federal courts within weeks.",
            ),
        ];
        let analysis = Analysis::new(&articles);
        let at = |start: &str| {
            analysis
                .candidates
                .iter()
                .position(|c| c.text.starts_with(start))
                .expect("a candidate")
        };
        let said = BTreeSet::from([at("Tolvia has become")]);
        assert!(analysis.new_information(at("Tolvia became"), &said) < MIN_NEW_INFORMATION);
        assert!(analysis.new_information(at("Opponents"), &said) >= MIN_NEW_INFORMATION);
        // What's happened tells the ban once, then what is new.
        let (section, _) = analysis.whats_happened(&mut BTreeSet::new());
        let bans = section
            .sentences
            .iter()
            .filter(|s| s.text.contains("first state"))
            .count();
        assert_eq!(bans, 1, "{:?}", section.sentences);
    }

    #[test]
    fn a_date_in_a_clause_set_off_from_the_event_does_not_date_the_sentence() {
        let milas = "Joshua Milas, who graduated from the high school in 2009, told reporters.";
        assert!(in_set_off_clause(milas, "in 2009"));
        let terminal = "The terminal, opened in 2009, handles 420,000 containers a year.";
        assert!(in_set_off_clause(terminal, "in 2009"));
        // The sentence's own event, and a clause that runs to the sentence's end.
        let announced = "Solvane announced the project in June 2024, and broke ground later.";
        assert!(!in_set_off_clause(announced, "in June 2024"));
        let trailing = "Work began on the access roads, which opened in 2025.";
        assert!(!in_set_off_clause(trailing, "in 2025"));
    }

    #[test]
    fn future_steps_are_not_history() {
        assert!(speaks_of_the_future(
            "The agreement will take effect on Jan. 1."
        ));
        assert!(speaks_of_the_future("The plant is due to open next March."));
        assert!(!speaks_of_the_future("The dispute began in 2009."));
        assert!(speaks_of_the_future(
            "Mokoena said the wind was expected to ease Thursday afternoon."
        ));
        assert!(speaks_of_the_future(
            "Owners can check their car's number on the website from Friday."
        ));
    }
}
