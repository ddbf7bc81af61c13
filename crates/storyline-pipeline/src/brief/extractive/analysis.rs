//! The story's coverage prepared once for every section: candidate sentences with their
//! TF-IDF vectors and relevance, their pairwise similarity, which other outlets support
//! each, and the selection and citation helpers the sections share.
//!
//! Invariants: a candidate is a sentence of an original (non-copy) article, cleaned of page
//! furniture and of its dateline, in the order the article tells it; `similarity` is
//! symmetric with 1 on the diagonal; a candidate's support names only other outlets whose own
//! article carries its numbers and quotations and passes the trust checks' support test.

use super::super::text::{is_usable_sentence, strip_dateline};
use super::SourceNo;
use crate::checks::{ArticlePassages, SUPPORT_THRESHOLD, claim_stems, support_of_claim};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use storyline_model::{Article, Citation, Source};
use storyline_nlp::clutter::strip_page_furniture;
use storyline_nlp::facts::{self, FactText};
use storyline_nlp::sentences::split_sentences;
use storyline_nlp::terms;
use storyline_nlp::vector::{DocFrequencies, SparseVector, Vocabulary};

/// Two sentences this similar (TF-IDF cosine) state the same fact.
pub const SUPPORT_SIMILARITY: f32 = 0.35;
/// Above this similarity a candidate repeats one already chosen.
pub(super) const REDUNDANT_SIMILARITY: f32 = 0.5;
/// Candidates below this relevance are off-topic (asides, boilerplate that slipped through).
pub(super) const MIN_RELEVANCE: f32 = 0.05;
/// A sentence picked after others must bring at least this share of content words none of
/// them has: each adds to what was said, rather than saying it again.
pub(super) const MIN_NEW_INFORMATION: f32 = 0.5;
/// Sentences considered per article: leads and the body's first part carry the news.
pub(super) const MAX_SENTENCES_PER_ARTICLE: usize = 40;
/// Sentences considered in all. A story of many articles gives each article a smaller share
/// (never below [`MIN_SENTENCES_PER_ARTICLE`]): the candidates are compared pairwise, so a
/// 64-article story at 40 sentences each cost some six times what it costs at this budget,
/// and with dozens of outlets reporting the same events their first paragraphs already hold
/// every fact the sections can use. Stories of up to 16 articles keep 40 each.
pub(super) const MAX_CANDIDATE_SENTENCES: usize = 640;
/// The least share of an article in a big story: its lead and the paragraphs after it.
pub(super) const MIN_SENTENCES_PER_ARTICLE: usize = 8;
/// Citations listed after one sentence, at most.
const MAX_CITATIONS: usize = 4;

/// One candidate sentence.
pub(super) struct Candidate {
    /// Index into `Analysis::articles`.
    pub doc: usize,
    pub text: String,
    /// Position among the article's usable sentences.
    pub position: usize,
    pub vector: SparseVector,
    pub relevance: f32,
}

/// The story's coverage, prepared once for all sections.
pub(super) struct Analysis<'a> {
    pub articles: &'a [Article],
    /// Each article's outlet name, by article index.
    pub outlets: Vec<String>,
    pub candidates: Vec<Candidate>,
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
    pub vocabulary: Vocabulary,
    frequencies: DocFrequencies,
    pub centroid: SparseVector,
    /// Each candidate's content words as the trust checks read a claim (names and numbers
    /// included, the reporting frame left out): made by the support test, or when a pick
    /// first asks.
    claims: Vec<OnceCell<BTreeSet<String>>>,
}

/// What reading the articles yields: the sentences worth considering, as term ids, and the
/// words' capitalisation in the coverage.
struct Reading {
    /// (article index, sentence, position among the article's usable sentences, term ids).
    sentences: Vec<(usize, String, usize, Vec<u32>)>,
    vocabulary: Vocabulary,
    frequencies: DocFrequencies,
    common_words: BTreeSet<String>,
    named_words: BTreeSet<String>,
}

/// Which other outlets carry each candidate's fact, and the claim words cut on the way.
struct Support {
    by_candidate: Vec<BTreeMap<usize, f32>>,
    claims: Vec<OnceCell<BTreeSet<String>>>,
}

impl<'a> Analysis<'a> {
    /// Prepares the coverage in four steps: read the articles' sentences, weigh them against
    /// the story's centroid, compare every pair, and find which outlets support each.
    pub fn new(articles: &'a [Article]) -> Self {
        let outlets: Vec<String> = articles.iter().map(outlet_name).collect();
        let reading = read_sentences(articles);
        let tfidf = |ids: &[u32]| weigh(ids, &reading.frequencies);
        let centroid = story_centroid(articles, &reading, &tfidf);
        let candidates: Vec<Candidate> = reading
            .sentences
            .iter()
            .map(|(doc, text, position, ids)| {
                let vector = tfidf(ids);
                let relevance = vector.cosine(&centroid);
                Candidate {
                    doc: *doc,
                    text: text.clone(),
                    position: *position,
                    vector,
                    relevance,
                }
            })
            .collect();
        let vectors: Vec<&SparseVector> = candidates.iter().map(|c| &c.vector).collect();
        let similarity = pairwise_cosines(&vectors);
        let support = find_support(articles, &outlets, &candidates, &similarity);
        let support_outlets = support
            .by_candidate
            .iter()
            .map(|docs| {
                docs.keys()
                    .map(|&d| outlets[d].as_str())
                    .collect::<BTreeSet<&str>>()
                    .len()
            })
            .collect();
        let Reading {
            vocabulary,
            frequencies,
            common_words,
            named_words,
            ..
        } = reading;
        Analysis {
            articles,
            outlets,
            claims: support.claims,
            candidates,
            similarity,
            support: support.by_candidate,
            support_outlets,
            common_words,
            named_words,
            vocabulary,
            frequencies,
            centroid,
        }
    }

    /// The candidate's content words, as the trust checks read a claim.
    pub fn claim(&self, candidate: usize) -> &BTreeSet<String> {
        self.claims[candidate]
            .get_or_init(|| claim_stems(&self.candidates[candidate].text, &BTreeSet::new()))
    }

    /// The share of the candidate's content words that no sentence of `chosen` has: what it
    /// would add. Word overlap rather than similarity, so a restatement in other words
    /// around the same names and numbers ("the first state to ban therapies that attempt to
    /// change minors' sexual orientation" after "the first state to ban controversial 'gay
    /// cure' therapies for children") counts as said.
    pub fn new_information(&self, candidate: usize, chosen: &BTreeSet<usize>) -> f32 {
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

    /// A TF-IDF vector over the story's sentences for `ids`, as the candidates' are made.
    pub fn tfidf(&self, ids: &[u32]) -> SparseVector {
        weigh(ids, &self.frequencies)
    }

    /// Similarity of candidates `a` and `b`.
    pub fn sim(&self, a: usize, b: usize) -> f32 {
        self.similarity[a * self.candidates.len() + b]
    }

    /// The highest similarity of `candidate` to any of `chosen` (0 when none).
    pub fn max_sim_to(&self, candidate: usize, chosen: &BTreeSet<usize>) -> f32 {
        chosen
            .iter()
            .map(|&c| self.sim(candidate, c))
            .fold(0.0, f32::max)
    }

    /// Number of distinct other outlets that carry the candidate's fact.
    pub fn support_outlets(&self, candidate: usize) -> usize {
        self.support_outlets[candidate]
    }

    /// The candidate's own source plus, per supporting outlet, its best-matching article.
    pub fn citations(&self, candidate: usize) -> Vec<Citation> {
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
            .map(|d| SourceNo::of_doc(d).citation())
            .collect()
    }

    /// Whether a word may be lowercased when a sentence is continued after a frame.
    pub fn lowercase_ok(&self) -> impl Fn(&str) -> bool + '_ {
        move |word: &str| self.common_words.contains(word) || !self.named_words.contains(word)
    }

    /// The brief's numbered sources: every article, copies pointing to their original.
    pub fn sources(&self) -> Vec<Source> {
        let position_of =
            |id: &storyline_model::ArticleId| self.articles.iter().position(|a| &a.id == id);
        self.articles
            .iter()
            .enumerate()
            .map(|(i, a)| Source {
                n: SourceNo::of_doc(i).get(),
                article_id: a.id.clone(),
                outlet: self.outlets[i].clone(),
                title: a.headline.clone(),
                url: a.url.clone(),
                published: a.date_published,
                copy_of: a
                    .duplicate_of
                    .as_ref()
                    .and_then(position_of)
                    .map(|p| SourceNo::of_doc(p).get()),
            })
            .collect()
    }

    /// Picks by maximal marginal relevance from `pool`: each step takes the best
    /// `score * (1 - redundancy)` among candidates not redundant with `chosen`.
    pub fn pick(
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
}

/// Reads each original article's sentences, up to its share of the candidate budget: page
/// furniture and datelines are cut, unusable sentences skipped, and every kept sentence is
/// analysed into term ids. Also notes how the coverage capitalises its words.
fn read_sentences(articles: &[Article]) -> Reading {
    let mut vocabulary = Vocabulary::new();
    let mut frequencies = DocFrequencies::new();
    let mut sentences: Vec<(usize, String, usize, Vec<u32>)> = Vec::new();
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
            sentences.push((doc, text, position, ids));
            position += 1;
        }
    }
    Reading {
        sentences,
        vocabulary,
        frequencies,
        common_words,
        named_words,
    }
}

/// The TF-IDF vector of a sentence's term ids.
fn weigh(ids: &[u32], frequencies: &DocFrequencies) -> SparseVector {
    let mut counts: BTreeMap<u32, f32> = BTreeMap::new();
    for id in ids {
        *counts.entry(*id).or_insert(0.0) += 1.0;
    }
    SparseVector::from_weights(
        counts
            .into_iter()
            .map(|(id, tf)| (id, tf * frequencies.idf(id))),
    )
}

/// The story's centroid: the normalised sum of each article's read sentences, its headline's
/// terms counted twice (the headline says what the article is about).
fn story_centroid(
    articles: &[Article],
    reading: &Reading,
    tfidf: &dyn Fn(&[u32]) -> SparseVector,
) -> SparseVector {
    let mut centroid = SparseVector::default();
    let mut doc_terms: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (doc, _, _, ids) in &reading.sentences {
        doc_terms
            .entry(*doc)
            .or_default()
            .extend(ids.iter().copied());
    }
    for (doc, mut ids) in doc_terms {
        let headline_ids: Vec<u32> = terms::analyze(&articles[doc].headline, None)
            .into_iter()
            .filter_map(|t| reading.vocabulary.get(&t.stem))
            .collect();
        ids.extend(headline_ids.iter().copied());
        ids.extend(headline_ids);
        centroid.add_scaled(&tfidf(&ids), 1.0);
    }
    centroid.normalize();
    centroid
}

/// Finds, for each candidate, the other outlets' articles that support it. Another outlet
/// supports a sentence when it carries a similar sentence *and* its article holds the
/// sentence's numbers and quotations (citing it must not credit it with a figure or a quote
/// it never printed) *and* that article, on its own, passes the trust checks' support test
/// for the sentence ("A and B both report that ..." must hold for B's own words).
fn find_support(
    articles: &[Article],
    outlets: &[String],
    candidates: &[Candidate],
    similarity: &[f32],
) -> Support {
    let count = candidates.len();
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
    let mut by_candidate = vec![BTreeMap::new(); count];
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
                let best = by_candidate[i].entry(dj).or_insert(0.0f32);
                *best = best.max(s);
            }
        }
    }
    Support {
        by_candidate,
        claims,
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

/// The outlet's display name, as decided when the article was stored.
fn outlet_name(article: &Article) -> String {
    article.outlet.name.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

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
}
