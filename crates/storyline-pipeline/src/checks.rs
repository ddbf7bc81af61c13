//! The trust checks every brief must pass, whatever engine wrote it.
//!
//! Rules, per sentence: it cites at least one source of the story (or, in "How we got
//! here", an earlier story); every cited source exists; every quoted string appears verbatim
//! in a cited article; every number appears in a cited article; the sentence is *supported*
//! by what it cites (its [`support_score`] is at least [`SUPPORT_THRESHOLD`]); and every
//! outlet the sentence names (in "What's behind the headline?" and "What the papers say") is
//! cited through one of its own articles, which on its own supports the claim. A sentence
//! that fails is removed from the brief and recorded in its [`CheckReport`]; [`explain`]
//! gives every sentence's citations, support and verdict.
//!
//! The support score is lexical on purpose: it is cheap, deterministic and explainable, and
//! it catches what small language models get wrong most (a sentence stitched from another
//! story, a fact moved to the wrong source). See [`support_score`].

use crate::brief::memo::{SharedMemo, memoised};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};
use storyline_model::{Article, Brief, CheckFailure, CheckReport, Citation, Sentence, StoryId};
use storyline_nlp::facts::{self, FactText};
use storyline_nlp::sentences::split_sentences;
use storyline_nlp::terms::analyze;

/// Least [`support_score`] a sentence needs. Sentences copied from an article score 1.0; a
/// faithful paraphrase keeps most content words (measured on the demo corpus: extractive
/// sentences 1.0, the local model's kept sentences 0.6-1.0); a sentence about another event,
/// or a claim pinned on the wrong source, shares few of them (0.1-0.4 on the injected cases
/// of the tests).
pub const SUPPORT_THRESHOLD: f32 = 0.6;

/// Consecutive sentences of an article read as one passage when scoring support: a model
/// may fuse a fact and its context from adjacent sentences.
const SUPPORT_WINDOW: usize = 3;

/// Words of attribution frames ("X notes that", "A and B both report", "according to"):
/// they come from the writer, not from the article, so support does not count them.
const FRAME_WORDS: &[&str] = &[
    "notes",
    "stresses",
    "highlights",
    "points",
    "reports",
    "report",
    "says",
    "writes",
    "adds",
    "according",
    "both",
    "all",
    "agree",
    "agrees",
    "differ",
    "differs",
    "whereas",
    "while",
    "also",
    "meanwhile",
    "focuses",
    "emphasises",
    "emphasizes",
    "describes",
    "quotes",
    "cites",
    "leads",
    "opens",
    "outlets",
    "papers",
    "coverage",
    "however",
    "carried",
    "carries",
    "copy",
    "copies",
    "version",
];

/// Stems of [`FRAME_WORDS`].
fn frame_stems() -> &'static BTreeSet<String> {
    static STEMS: OnceLock<BTreeSet<String>> = OnceLock::new();
    STEMS.get_or_init(|| {
        analyze(&FRAME_WORDS.join(" "), Some("en"))
            .into_iter()
            .map(|t| t.stem)
            .collect()
    })
}

/// An article cut into the passages that support is measured against: its headline, and
/// every run of up to [`SUPPORT_WINDOW`] consecutive body sentences.
///
/// Kept as each sentence's stems (numbered within the article), so that a passage's overlap
/// with a claim is the union of a few sentences' matches, not a set of strings built per
/// passage.
#[derive(Debug, Clone)]
pub struct ArticlePassages {
    /// The article's stems, numbered.
    ids: HashMap<String, u32>,
    /// The headline's stem numbers, sorted, each once.
    headline: Vec<u32>,
    /// Each body sentence's stem numbers, sorted, each once.
    sentences: Vec<Vec<u32>>,
}

/// Articles' passages, shared ([`crate::brief::memo`]) by a brief's writer and its checks,
/// which ask for the same ones.
static PASSAGES: SharedMemo<ArticlePassages> = OnceLock::new();
/// Articles whose passages are kept: a brief's (at most 64) and its neighbours'. Kept
/// longer, they would not pay: a poll's stories read more articles than memory should hold
/// (about 17 KB each), and the next brief of a story comes a poll later, after thousands.
const PASSAGES_KEPT: usize = 256;

impl ArticlePassages {
    /// The passages of `article`, made once and shared.
    pub fn of(article: &Article) -> Arc<Self> {
        memoised(&PASSAGES, PASSAGES_KEPT, article, 0, || {
            ArticlePassages::new(article)
        })
    }

    pub fn new(article: &Article) -> Self {
        let lang = article.in_language.as_deref();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut stems_of = |text: &str| -> Vec<u32> {
            let mut numbers: Vec<u32> = analyze(text, lang)
                .into_iter()
                .map(|t| {
                    let next = ids.len() as u32;
                    *ids.entry(t.stem).or_insert(next)
                })
                .collect();
            numbers.sort_unstable();
            numbers.dedup();
            numbers
        };
        let headline = stems_of(&article.headline);
        let sentences = split_sentences(&article.article_body)
            .iter()
            .map(|s| stems_of(&s.text))
            .collect();
        ArticlePassages {
            ids,
            headline,
            sentences,
        }
    }

    /// How many of `wanted` the best passage holds.
    fn best_overlap(&self, wanted: &BTreeSet<String>) -> usize {
        // The wanted stems this article has at all, by number; the others no passage holds.
        let mut present: Vec<u32> = wanted
            .iter()
            .filter_map(|stem| self.ids.get(stem).copied())
            .collect();
        if present.is_empty() {
            return 0;
        }
        present.sort_unstable();
        if present.len() <= 64 {
            return self.best_overlap_of_few(&present);
        }
        // Which of them each sentence holds, as bits.
        let words = present.len().div_ceil(64);
        let bits_of = |stems: &[u32]| -> Vec<u64> {
            let mut bits = vec![0u64; words];
            for stem in stems {
                if let Ok(at) = present.binary_search(stem) {
                    bits[at / 64] |= 1 << (at % 64);
                }
            }
            bits
        };
        let count = |bits: &[u64]| bits.iter().map(|w| w.count_ones() as usize).sum::<usize>();
        let mut best = count(&bits_of(&self.headline));
        let held: Vec<Vec<u64>> = self.sentences.iter().map(|s| bits_of(s)).collect();
        let mut passage = vec![0u64; words];
        for start in 0..held.len() {
            let end = (start + SUPPORT_WINDOW).min(held.len());
            passage.fill(0);
            for bits in &held[start..end] {
                for (p, b) in passage.iter_mut().zip(bits) {
                    *p |= b;
                }
            }
            best = best.max(count(&passage));
        }
        best
    }

    /// [`ArticlePassages::best_overlap`] for at most 64 present stems (nearly every claim):
    /// each sentence's share of them is one machine word, so nothing is allocated per
    /// sentence. Brief writing asks this thousands of times for a big story.
    fn best_overlap_of_few(&self, present: &[u32]) -> usize {
        debug_assert!(present.len() <= 64);
        let bits_of = |stems: &[u32]| -> u64 {
            stems
                .iter()
                .filter_map(|stem| present.binary_search(stem).ok())
                .fold(0, |bits, at| bits | 1 << at)
        };
        let held: Vec<u64> = self.sentences.iter().map(|s| bits_of(s)).collect();
        let mut best = bits_of(&self.headline).count_ones() as usize;
        for start in 0..held.len() {
            let end = (start + SUPPORT_WINDOW).min(held.len());
            let passage = held[start..end].iter().fold(0, |all, bits| all | bits);
            best = best.max(passage.count_ones() as usize);
        }
        best
    }
}

/// The content words of `sentence` that support is measured on: stems, without stop words,
/// attribution-frame words and the stems in `ignore` (outlet names).
pub fn claim_stems(sentence: &str, ignore: &BTreeSet<String>) -> BTreeSet<String> {
    analyze(sentence, None)
        .into_iter()
        .map(|t| t.stem)
        .filter(|stem| !ignore.contains(stem) && !frame_stems().contains(stem))
        .collect()
}

/// The share of `wanted` (from [`claim_stems`]) found in the best single passage of
/// `articles`; 1.0 when nothing is wanted, 0.0 when there is no article.
pub fn support_of_claim(wanted: &BTreeSet<String>, articles: &[&ArticlePassages]) -> f32 {
    if wanted.is_empty() {
        return 1.0;
    }
    let best = articles
        .iter()
        .map(|a| a.best_overlap(wanted))
        .max()
        .unwrap_or(0);
    best as f32 / wanted.len() as f32
}

/// How well `articles` support `sentence`: the share of the sentence's content words
/// ([`claim_stems`]) found in the best single passage ([`ArticlePassages`]) of the articles.
/// Measured on one passage, not the whole article, so that a sentence stitched from words
/// scattered over a long article does not pass.
pub fn support_score(sentence: &str, articles: &[&Article], ignore: &BTreeSet<String>) -> f32 {
    let passages: Vec<Arc<ArticlePassages>> =
        articles.iter().map(|a| ArticlePassages::of(a)).collect();
    let refs: Vec<&ArticlePassages> = passages.iter().map(|p| p.as_ref()).collect();
    support_of_claim(&claim_stems(sentence, ignore), &refs)
}

/// Checks `brief` against the story's `articles` (in source order: source `n` is
/// `articles[n - 1]`) and the ids of stories that exist, without changing it: `passed` is
/// true when no sentence fails.
pub fn check_brief(
    brief: &Brief,
    articles: &[Article],
    known_stories: &BTreeSet<StoryId>,
) -> CheckReport {
    let mut checked = brief.clone();
    // Failures recorded when the brief was written are history, not findings of this check.
    checked.checks.failures.clear();
    let mut report = enforce(&mut checked, articles, known_stories);
    report.passed = report.failures.is_empty();
    report
}

/// Like [`check_brief`], but removes the failing sentences from `brief` itself and records
/// the report in it. What remains passes every check, so the recorded report's `passed` is
/// true; its `failures` list what was dropped.
pub fn enforce(
    brief: &mut Brief,
    articles: &[Article],
    known_stories: &BTreeSet<StoryId>,
) -> CheckReport {
    let outlets: Vec<String> = brief.sources.iter().map(|s| s.outlet.clone()).collect();
    let checker = Checker::new(articles, known_stories, &outlets);
    let mut report = CheckReport {
        passed: true,
        sentences_checked: 0,
        failures: brief.checks.failures.clone(),
    };
    let mut run = |name: &str, sentences: &mut Vec<Sentence>, rules: Rules| {
        sentences.retain(|sentence| {
            report.sentences_checked += 1;
            match checker.check(sentence, rules) {
                Ok(_) => true,
                Err((rule, detail)) => {
                    report.failures.push(CheckFailure {
                        section: name.to_string(),
                        sentence: sentence.text.clone(),
                        rule: rule.to_string(),
                        detail,
                    });
                    false
                }
            }
        });
    };
    for (name, sentences, rules) in prose_sections(brief) {
        run(name, sentences, rules);
    }
    // Timeline entries are checked one by one and removed by position: two entries may
    // share a text and only one of them fail.
    let mut kept_entries = Vec::with_capacity(brief.how_we_got_here.len());
    for entry in std::mem::take(&mut brief.how_we_got_here) {
        let mut one = vec![entry.sentence.clone()];
        run("how_we_got_here", &mut one, Rules::TIMELINE);
        if !one.is_empty() {
            kept_entries.push(entry);
        }
    }
    brief.how_we_got_here = kept_entries;
    brief.checks = report.clone();
    report
}

/// The verdict on one sentence of a brief, for `storyline brief --explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceCheck {
    pub section: &'static str,
    pub sentence: Sentence,
    /// The support score against the cited articles (`None` when it cites only stories or
    /// failed before support was measured).
    pub support: Option<f32>,
    /// `None` when every check passed; otherwise the failed rule and why.
    pub failure: Option<(String, String)>,
}

/// Runs the checks on every sentence of `brief` (nothing removed) and says, for each, what
/// it cites, how well that supports it, and whether it passes.
pub fn explain(
    brief: &Brief,
    articles: &[Article],
    known_stories: &BTreeSet<StoryId>,
) -> Vec<SentenceCheck> {
    let outlets: Vec<String> = brief.sources.iter().map(|s| s.outlet.clone()).collect();
    let checker = Checker::new(articles, known_stories, &outlets);
    let mut brief = brief.clone();
    let mut checks = Vec::new();
    let mut record = |section: &'static str, sentence: &Sentence, rules: Rules| {
        let (support, failure) = match checker.check(sentence, rules) {
            Ok(support) => (support, None),
            Err((rule, detail)) => (
                checker.support_of(sentence),
                Some((rule.to_string(), detail)),
            ),
        };
        checks.push(SentenceCheck {
            section,
            sentence: sentence.clone(),
            support,
            failure,
        });
    };
    let timeline: Vec<Sentence> = brief
        .how_we_got_here
        .iter()
        .map(|e| e.sentence.clone())
        .collect();
    for (name, sentences, rules) in prose_sections(&mut brief) {
        for sentence in sentences.iter() {
            record(name, sentence, rules);
        }
    }
    for sentence in &timeline {
        record("how_we_got_here", sentence, Rules::TIMELINE);
    }
    checks
}

/// Which rules apply in a section.
#[derive(Debug, Clone, Copy)]
struct Rules {
    /// Outlets named in the text must be cited and support the claim themselves.
    names_outlets: bool,
    /// Earlier stories may be cited.
    may_cite_stories: bool,
}

impl Rules {
    const PLAIN: Rules = Rules {
        names_outlets: false,
        may_cite_stories: false,
    };
    const ATTRIBUTED: Rules = Rules {
        names_outlets: true,
        may_cite_stories: false,
    };
    const TIMELINE: Rules = Rules {
        names_outlets: false,
        may_cite_stories: true,
    };
}

/// The three prose sections with their names and rules, in reading order.
fn prose_sections(brief: &mut Brief) -> [(&'static str, &mut Vec<Sentence>, Rules); 3] {
    [
        (
            "whats_happened",
            &mut brief.whats_happened.sentences,
            Rules::PLAIN,
        ),
        (
            "behind_the_headline",
            &mut brief.behind_the_headline.sentences,
            Rules::ATTRIBUTED,
        ),
        (
            "what_the_papers_say",
            &mut brief.what_the_papers_say.sentences,
            Rules::ATTRIBUTED,
        ),
    ]
}

struct Checker<'a> {
    articles: &'a [Article],
    known_stories: &'a BTreeSet<StoryId>,
    /// Outlet names of the brief's sources, distinct, longest first (so "Post" is not found
    /// inside "The Lantern Post").
    outlets: Vec<String>,
    /// Stems of the outlet names: naming an outlet is not a claim its article must carry.
    outlet_stems: BTreeSet<String>,
    /// Each article's passages, cut when first needed.
    passages: Vec<std::cell::OnceCell<Arc<ArticlePassages>>>,
    /// Each article's body and headline prepared for quote and number lookups, when first
    /// needed.
    facts: Vec<std::cell::OnceCell<[FactText; 2]>>,
}

type Failure = (&'static str, String);

impl<'a> Checker<'a> {
    fn new(
        articles: &'a [Article],
        known_stories: &'a BTreeSet<StoryId>,
        outlets: &[String],
    ) -> Self {
        let mut distinct: Vec<String> = outlets
            .iter()
            .filter(|o| !o.trim().is_empty())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        distinct.sort_by_key(|o| std::cmp::Reverse(o.len()));
        let outlet_stems = distinct
            .iter()
            .flat_map(|o| analyze(o, None))
            .map(|t| t.stem)
            .collect();
        Checker {
            articles,
            known_stories,
            outlets: distinct,
            outlet_stems,
            passages: articles
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            facts: articles
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }

    /// The body and headline of the article at `index`, prepared for fact lookups.
    fn facts_of(&self, index: usize) -> &[FactText; 2] {
        self.facts[index].get_or_init(|| {
            let article = &self.articles[index];
            [
                FactText::new(&article.article_body),
                FactText::new(&article.headline),
            ]
        })
    }

    /// Support of `sentence` by the given articles (indexes into `self.articles`).
    fn support(&self, sentence: &str, articles: &[usize]) -> f32 {
        let passages: Vec<&ArticlePassages> = articles
            .iter()
            .filter_map(|&i| {
                let article = self.articles.get(i)?;
                Some(
                    self.passages[i]
                        .get_or_init(|| ArticlePassages::of(article))
                        .as_ref(),
                )
            })
            .collect();
        support_of_claim(&claim_stems(sentence, &self.outlet_stems), &passages)
    }

    /// Indexes of the cited articles of `sentence` (story citations and unknown sources left
    /// out).
    fn cited(&self, sentence: &Sentence) -> Vec<usize> {
        sentence
            .citations
            .iter()
            .filter_map(|citation| match citation {
                Citation::Source(n) => (*n as usize)
                    .checked_sub(1)
                    .filter(|&i| i < self.articles.len()),
                Citation::Story(_) => None,
            })
            .collect()
    }

    /// The support score of `sentence` against its cited articles, if it cites any.
    fn support_of(&self, sentence: &Sentence) -> Option<f32> {
        let cited = self.cited(sentence);
        (!cited.is_empty()).then(|| self.support(&sentence.text, &cited))
    }

    /// Passes or fails one sentence; a pass returns its support score (`None` when it cites
    /// only earlier stories).
    fn check(&self, sentence: &Sentence, rules: Rules) -> Result<Option<f32>, Failure> {
        if sentence.citations.is_empty() {
            return Err(("no_citation", "the sentence cites nothing".into()));
        }
        for citation in &sentence.citations {
            match citation {
                Citation::Source(n) => {
                    if (*n as usize)
                        .checked_sub(1)
                        .and_then(|i| self.articles.get(i))
                        .is_none()
                    {
                        return Err((
                            "unknown_source",
                            format!("source [{n}] is not a source of this story"),
                        ));
                    }
                }
                Citation::Story(id) => {
                    if !rules.may_cite_stories {
                        return Err((
                            "unknown_source",
                            format!("story {id} may only be cited in \"How we got here\""),
                        ));
                    }
                    if !self.known_stories.contains(id) {
                        return Err(("unknown_source", format!("story {id} does not exist")));
                    }
                }
            }
        }
        let cited_indexes = self.cited(sentence);
        // A sentence citing only earlier stories summarises them; its facts were checked
        // when their briefs were written.
        if cited_indexes.is_empty() {
            return Ok(None);
        }
        let cited: Vec<&[FactText; 2]> = cited_indexes.iter().map(|&i| self.facts_of(i)).collect();
        for quote in facts::quoted_spans(&sentence.text) {
            if !cited
                .iter()
                .any(|texts| texts.iter().any(|text| text.contains_verbatim(&quote)))
            {
                return Err((
                    "quote_not_found",
                    format!("“{quote}” is not in any cited article"),
                ));
            }
        }
        for number in facts::numbers(&sentence.text) {
            if !cited
                .iter()
                .any(|texts| texts.iter().any(|text| text.contains_number(&number)))
            {
                return Err((
                    "number_not_found",
                    format!("{number} is not in any cited article"),
                ));
            }
        }
        let support = self.support(&sentence.text, &cited_indexes);
        if support < SUPPORT_THRESHOLD {
            return Err((
                "not_supported",
                format!(
                    "support {support:.2} < {SUPPORT_THRESHOLD}: the cited articles do not carry \
                     enough of its content words"
                ),
            ));
        }
        if rules.names_outlets {
            for (outlet, claim) in outlet_claims(&sentence.text, &self.outlets) {
                let own: Vec<usize> = cited_indexes
                    .iter()
                    .copied()
                    .filter(|&i| is_from_outlet(&self.articles[i], outlet))
                    .collect();
                if own.is_empty() {
                    // Naming an outlet that carried a copy of a cited original is supported
                    // by the copy only if the copy is cited too.
                    return Err((
                        "outlet_not_supported",
                        format!("{outlet} is named but none of its articles is cited"),
                    ));
                }
                let own_support = self.support(claim, &own);
                if own_support < SUPPORT_THRESHOLD {
                    return Err((
                        "outlet_claim_not_supported",
                        format!(
                            "{outlet}'s own articles support its claim only {own_support:.2} \
                             (< {SUPPORT_THRESHOLD})"
                        ),
                    ));
                }
            }
        }
        Ok(Some(support))
    }
}

/// The outlets `text` names, each with the claim the text attributes to it: the words from
/// its name to the next outlet's name ("A notes that X, while B stresses that Y" gives A → X
/// and B → Y). An outlet followed directly by another ("Both A and B report that X") shares
/// the next one's claim. `outlets` must be longest first, so "Post" is not found inside "The
/// Lantern Post".
fn outlet_claims<'t, 'o>(text: &'t str, outlets: &'o [String]) -> Vec<(&'o str, &'t str)> {
    let mut blanked = text.to_string();
    let mut named: Vec<(usize, usize, &str)> = Vec::new();
    for outlet in outlets {
        let Some(at) = outlet_position(&blanked, outlet) else {
            continue;
        };
        named.push((at, at + outlet.len(), outlet.as_str()));
        blanked = blanked.replace(outlet.as_str(), &" ".repeat(outlet.len()));
    }
    named.sort_unstable();
    let mut claims: Vec<(&str, &str)> = Vec::with_capacity(named.len());
    for (index, &(_, end, outlet)) in named.iter().enumerate() {
        let until = named.get(index + 1).map_or(text.len(), |next| next.0);
        claims.push((outlet, text.get(end..until).unwrap_or("")));
    }
    // Claims without content words ("and", "," between two names) take the next claim.
    for index in (0..claims.len()).rev() {
        if claim_stems(claims[index].1, &BTreeSet::new()).is_empty()
            && let Some(&(_, next)) = claims.get(index + 1)
        {
            claims[index].1 = next;
        }
    }
    claims
}

/// Byte offset of the first whole-phrase mention of `outlet` in `text`.
fn outlet_position(text: &str, outlet: &str) -> Option<usize> {
    if outlet.is_empty() {
        return None;
    }
    text.match_indices(outlet).map(|(at, _)| at).find(|&at| {
        let before = text[..at].chars().next_back();
        let after = text[at + outlet.len()..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        !is_word(before) && !is_word(after)
    })
}

/// True when `article` was published by the outlet named `outlet` (its display name, the
/// name every brief writer uses for it).
fn is_from_outlet(article: &Article, outlet: &str) -> bool {
    article.outlet.name == outlet
}

#[cfg(test)]
mod tests {
    use super::{ArticlePassages, SUPPORT_WINDOW, analyze, outlet_claims, outlet_position};
    use std::collections::BTreeSet;
    use storyline_model::Article;
    use storyline_nlp::sentences::split_sentences;

    fn article(headline: &str, body: &str) -> Article {
        crate::test_support::article(
            "https://harbour-times.example/news/strike",
            "Harbour Times",
            headline,
            body,
        )
    }

    /// The best overlap as first written: every passage a set of stems.
    fn best_overlap_of_sets(article: &Article, wanted: &BTreeSet<String>) -> usize {
        let stems_of = |text: &str| -> BTreeSet<String> {
            analyze(text, Some("en"))
                .into_iter()
                .map(|t| t.stem)
                .collect()
        };
        let sentences: Vec<BTreeSet<String>> = split_sentences(&article.article_body)
            .iter()
            .map(|s| stems_of(&s.text))
            .collect();
        let mut passages = vec![stems_of(&article.headline)];
        for start in 0..sentences.len() {
            let end = (start + SUPPORT_WINDOW).min(sentences.len());
            passages.push(sentences[start..end].iter().flatten().cloned().collect());
        }
        passages
            .iter()
            .map(|p| wanted.iter().filter(|s| p.contains(*s)).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn passages_overlap_as_sets_of_stems_would() {
        let body = "Dock workers at Ellery walked out on Monday. The union wants a 6% raise. \
                    Ships queued outside the harbour overnight. The port authority said talks \
                    would resume. Ferries to Arvana were cancelled. Shipping firms warned of \
                    delays, and the minister urged both sides to return to talks.";
        let articles = [
            article("Ellery dock strike halts ships", body),
            article("Strike", ""),
            article("", body),
        ];
        let claims = [
            "Dock workers at Ellery walked out.",
            "Ships queued while the union wants a raise and ferries were cancelled.",
            "The minister urged talks as ferries to Arvana were cancelled.",
            "Ellery strike",
            "Nothing here matches anything whatsoever.",
            "",
        ];
        for article in &articles {
            let passages = ArticlePassages::new(article);
            for claim in claims {
                let wanted: BTreeSet<String> =
                    analyze(claim, None).into_iter().map(|t| t.stem).collect();
                assert_eq!(
                    passages.best_overlap(&wanted),
                    best_overlap_of_sets(article, &wanted),
                    "{claim:?} against {:?}",
                    article.headline
                );
            }
        }
        // Claims wider than one word of bits.
        let long_body: String = (0..40)
            .map(|i| format!("Harbour{i} crews unloaded cargo{i} from vessel{i} at berth{i}. "))
            .collect();
        let long = article("Cargo", &long_body);
        let passages = ArticlePassages::new(&long);
        for claim in [long_body.as_str(), &long_body[long_body.len() / 3..]] {
            let wanted: BTreeSet<String> =
                analyze(claim, None).into_iter().map(|t| t.stem).collect();
            assert!(wanted.len() > 64, "{}", wanted.len());
            assert_eq!(
                passages.best_overlap(&wanted),
                best_overlap_of_sets(&long, &wanted)
            );
        }
    }

    #[test]
    fn outlets_are_named_as_whole_phrases() {
        assert_eq!(
            outlet_position("The Lantern Post notes that", "The Lantern Post"),
            Some(0)
        );
        assert_eq!(
            outlet_position("According to Post, the fire", "Post"),
            Some(13)
        );
        assert_eq!(outlet_position("the post office closed", "Post"), None);
        assert_eq!(outlet_position("Postal workers", "Post"), None);
    }

    #[test]
    fn each_outlet_gets_its_own_claim() {
        let outlets = vec![
            "The Lantern Post".to_string(),
            "Harbour Times".to_string(),
            "Post".to_string(),
        ];
        assert_eq!(
            outlet_claims(
                "Harbour Times notes that the vote passed, while The Lantern Post stresses the cost.",
                &outlets
            ),
            vec![
                ("Harbour Times", " notes that the vote passed, while "),
                ("The Lantern Post", " stresses the cost."),
            ]
        );
        assert_eq!(
            outlet_claims(
                "Both Harbour Times and The Lantern Post report that the vote passed.",
                &outlets
            ),
            vec![
                ("Harbour Times", " report that the vote passed."),
                ("The Lantern Post", " report that the vote passed."),
            ]
        );
        assert!(outlet_claims("The post office closed.", &outlets).is_empty());
    }
}
