//! Timelines: which days a body of coverage is about, and what happened on each, told in the
//! coverage's own sentences. `storyline timeline` runs it over a file of articles (the
//! Timeline17 task: at most N dates, K sentences each); a brief's "How we got here" reads a
//! story's development from it.
//!
//! The method, in the steps [`build_timeline`] names:
//! 1. **Read**: every sentence gets its terms (stems, weighted by TF-IDF over the sentences)
//!    and the days it mentions ([`storyline_nlp::dates::date_mentions`], resolved against
//!    its article's publication day: "on Tuesday", "June 25").
//! 2. **Rank days**: a day counts the articles published on it plus, with more weight, the
//!    articles published on other days that mention it: a day the coverage keeps going back
//!    to is one its story turned on, while a day's publication volume is partly the news
//!    cycle. Only days inside the span are ranked.
//! 3. **Tell each day**: candidates are the sentences that mention the day and the first
//!    sentences of the articles published on it (that mention no other day). Each is scored
//!    by its similarity to the day's coverage (the centroid of the day's articles and of
//!    those that mention it), and picked greedily, skipping near-repeats of one already
//!    picked for the day or any earlier one. A day left without a candidate is
//!    skipped, and the next-ranked day takes its place.
//!
//! Invariants: deterministic for the same input (ties broken by date, then input order);
//! every sentence in the output is a sentence of the input, unchanged, with the document
//! it came from; every date lies in the requested span; at most `max_dates` dates, at most
//! `sentences_per_date` sentences each. Cost: linear in the input's sentences, plus, per
//! told day, its own articles' sentences.

use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use storyline_nlp::dates::date_mentions;
use storyline_nlp::sentences::split_sentences;
use storyline_nlp::terms;
use storyline_nlp::vector::{SparseVector, Vocabulary};

/// One article as the timeline reads it.
#[derive(Debug, Clone)]
pub struct TimelineDocument {
    /// Whatever identifies the article to the caller (a URL, a corpus id).
    pub id: String,
    /// The day it was published: relative dates in it are resolved against this day. An
    /// article of unknown date counts only through the dates it states in full ("June 25,
    /// 2009"): its own day, and what "on Tuesday" or "June 25" means in it, are not known.
    pub published: Option<NaiveDate>,
    /// Its sentences in order, the headline first when there is one.
    pub sentences: Vec<String>,
}

impl TimelineDocument {
    /// A document from a text: one sentence a line when the text is laid out so, else split
    /// into sentences.
    pub fn from_text(id: impl Into<String>, published: Option<NaiveDate>, text: &str) -> Self {
        let sentences: Vec<String> = if text.contains('\n') {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect()
        } else {
            split_sentences(text)
                .iter()
                .map(|span| text[span.start..span.end].trim().to_string())
                .filter(|sentence| !sentence.is_empty())
                .collect()
        };
        TimelineDocument {
            id: id.into(),
            published,
            sentences,
        }
    }
}

/// What timeline to make.
#[derive(Debug, Clone)]
pub struct TimelineOptions {
    /// First and last day (inclusive) the timeline may date an event, and the span of
    /// publication days read.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub max_dates: usize,
    pub sentences_per_date: usize,
    /// Topic words (lowercased): when given, a sentence must contain one to be told.
    pub keywords: Vec<String>,
}

/// One day of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineDay {
    pub date: NaiveDate,
    /// What happened, most representative first.
    pub sentences: Vec<TimelineSentence>,
    /// Articles published on the day.
    pub published_articles: usize,
    /// Articles published on other days that mention it.
    pub mentioning_articles: usize,
}

/// A sentence of the input told on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineSentence {
    pub text: String,
    /// Index of its document in the input.
    pub document: usize,
    /// Its position in the document.
    pub position: usize,
    /// Whether it names the day itself (rather than being told on it because its article
    /// was published then).
    pub names_the_day: bool,
}

/// How much more an article published on another day weighs when it mentions a day than an
/// article published on the day: a reference back is a sign the day mattered.
const LATER_MENTION_WEIGHT: f32 = 2.0;
/// A mention by an article published the same day counts as its publication does.
const SAME_DAY_MENTION_WEIGHT: f32 = 0.0;
/// The first sentences of an article published on a day are candidates to tell it: news
/// puts what happened first. (Timeline17 dev, 6 tasks: 3 gives date F1 0.748, 5 gives 0.727
/// with ROUGE-1 0.152 against 0.155; see issue 18's note.)
const LEAD_SENTENCES: usize = 3;
/// Sentences shorter or longer than this (in words) are not told: fragments, or run-on
/// lists.
const MIN_WORDS: usize = 5;
const MAX_WORDS: usize = 80;
/// Similarity above which a candidate repeats a sentence already told.
const REPEAT_SIMILARITY: f32 = 0.5;

/// One sentence, read.
struct ReadSentence {
    document: usize,
    position: usize,
    words: usize,
    /// Days in the span it mentions.
    days: Vec<NaiveDate>,
    vector: SparseVector,
    has_keyword: bool,
}

/// The timeline of `documents` under `options`: at most `max_dates` days in date order.
pub fn build_timeline(
    documents: &[TimelineDocument],
    options: &TimelineOptions,
) -> Vec<TimelineDay> {
    build_timeline_weighed(documents, options, None)
}

/// The term vector of sentence `position` of document `index`, from a caller that has
/// already weighed its sentences' terms (in a vocabulary of its own: only cosines between
/// them are taken); `None` for a sentence it did not weigh.
pub type SentenceVectors<'a> = &'a dyn Fn(usize, usize) -> Option<SparseVector>;

/// [`build_timeline`] with the sentences' term vectors given by the caller instead of
/// weighed here: a brief's writer has weighed its candidate sentences already, and a
/// 64-article story has hundreds of them.
pub fn build_timeline_weighed(
    documents: &[TimelineDocument],
    options: &TimelineOptions,
    vectors: Option<SentenceVectors<'_>>,
) -> Vec<TimelineDay> {
    let in_span = |day: NaiveDate| options.start <= day && day <= options.end;
    let sentences = read_sentences(documents, options, in_span, vectors);
    let ranked = rank_days(documents, &sentences, in_span);
    tell_days(documents, &sentences, &ranked, options)
}

/// Step 1: terms and mentioned days of every sentence of the documents published in span.
fn read_sentences(
    documents: &[TimelineDocument],
    options: &TimelineOptions,
    in_span: impl Fn(NaiveDate) -> bool,
    given: Option<SentenceVectors<'_>>,
) -> Vec<ReadSentence> {
    let mut vocabulary = Vocabulary::new();
    let mut document_frequency: Vec<u32> = Vec::new();
    // Sentences with their term counts, weighted once every document frequency is known.
    let mut counted: Vec<(ReadSentence, Vec<(u32, f32)>)> = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        if document.published.is_some_and(|day| !in_span(day)) {
            continue;
        }
        for (position, text) in document.sentences.iter().enumerate() {
            let mut counts: BTreeMap<u32, f32> = BTreeMap::new();
            let analysed = if given.is_some() {
                Vec::new()
            } else {
                terms::analyze(text, None)
            };
            for term in analysed {
                *counts.entry(vocabulary.intern(&term.stem)).or_insert(0.0) += 1.0;
            }
            for &term in counts.keys() {
                let slot = term as usize;
                if document_frequency.len() <= slot {
                    document_frequency.resize(slot + 1, 0);
                }
                document_frequency[slot] += 1;
            }
            let mut days: Vec<NaiveDate> =
                date_mentions(text, document.published.unwrap_or(options.end))
                    .into_iter()
                    .filter(|mention| document.published.is_some() || !mention.resolved)
                    .map(|mention| mention.date)
                    .filter(|&day| in_span(day))
                    .collect();
            days.dedup();
            let lower = text.to_lowercase();
            let has_keyword = options.keywords.is_empty()
                || options
                    .keywords
                    .iter()
                    .any(|keyword| lower.contains(keyword.as_str()));
            let sentence = ReadSentence {
                document: index,
                position,
                words: text.split_whitespace().count(),
                days,
                vector: SparseVector::default(),
                has_keyword,
            };
            counted.push((sentence, counts.into_iter().collect()));
        }
    }
    // Smoothed inverse document frequency over sentences: a word in every sentence still
    // weighs a little.
    let sentence_count = counted.len() as f32;
    let idf = |term: u32| {
        let df = document_frequency[term as usize] as f32;
        ((1.0 + sentence_count) / (1.0 + df)).ln() + 1.0
    };
    counted
        .into_iter()
        .map(|(mut sentence, counts)| {
            sentence.vector = match given {
                Some(vector_of) => vector_of(sentence.document, sentence.position)
                    .map(|vector| SparseVector::from_weights(vector.entries().iter().copied()))
                    .unwrap_or_default(),
                None => SparseVector::from_weights(
                    counts
                        .into_iter()
                        .map(|(term, count)| (term, count * idf(term))),
                ),
            };
            sentence
        })
        .collect()
}

/// What a ranked day rests on.
struct RankedDay {
    day: NaiveDate,
    score: f32,
    published: BTreeSet<usize>,
    mentioning: BTreeSet<usize>,
}

/// Step 2: the days in span, most important first.
fn rank_days(
    documents: &[TimelineDocument],
    sentences: &[ReadSentence],
    in_span: impl Fn(NaiveDate) -> bool,
) -> Vec<RankedDay> {
    let mut published: BTreeMap<NaiveDate, BTreeSet<usize>> = BTreeMap::new();
    for (index, document) in documents.iter().enumerate() {
        if let Some(day) = document.published.filter(|&day| in_span(day)) {
            published.entry(day).or_default().insert(index);
        }
    }
    let mut mentioning: BTreeMap<NaiveDate, BTreeSet<usize>> = BTreeMap::new();
    for sentence in sentences {
        for &day in &sentence.days {
            mentioning.entry(day).or_default().insert(sentence.document);
        }
    }
    let days: BTreeSet<NaiveDate> = published.keys().chain(mentioning.keys()).copied().collect();
    let mut ranked: Vec<RankedDay> = days
        .into_iter()
        .map(|day| {
            let published = published.remove(&day).unwrap_or_default();
            let mentioning = mentioning.remove(&day).unwrap_or_default();
            let same_day = mentioning
                .iter()
                .filter(|&&document| documents[document].published == Some(day))
                .count();
            let later = mentioning.len() - same_day;
            let score = published.len() as f32
                + SAME_DAY_MENTION_WEIGHT * same_day as f32
                + LATER_MENTION_WEIGHT * later as f32;
            RankedDay {
                day,
                score,
                published,
                mentioning,
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.day.cmp(&b.day)));
    ranked
}

/// Step 3: the sentences that tell each ranked day, until `max_dates` days are told.
fn tell_days(
    documents: &[TimelineDocument],
    sentences: &[ReadSentence],
    ranked: &[RankedDay],
    options: &TimelineOptions,
) -> Vec<TimelineDay> {
    let mut by_document: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut naming: HashMap<NaiveDate, Vec<usize>> = HashMap::new();
    for (index, sentence) in sentences.iter().enumerate() {
        by_document
            .entry(sentence.document)
            .or_default()
            .push(index);
        for &day in &sentence.days {
            naming.entry(day).or_default().push(index);
        }
    }
    let mut told: Vec<TimelineDay> = Vec::new();
    let mut told_vectors: Vec<usize> = Vec::new();
    for ranked_day in ranked {
        if told.len() >= options.max_dates {
            break;
        }
        let day = ranked_day.day;
        // The day's coverage: its articles and those that mention it.
        let mut sums: HashMap<u32, f32> = HashMap::new();
        for document in ranked_day.published.union(&ranked_day.mentioning) {
            for &index in by_document.get(document).into_iter().flatten() {
                for &(term, weight) in sentences[index].vector.entries() {
                    *sums.entry(term).or_insert(0.0) += weight;
                }
            }
        }
        let centroid = SparseVector::from_weights(sums);
        let mut candidates: BTreeSet<usize> = BTreeSet::new();
        for document in &ranked_day.published {
            for &index in by_document.get(document).into_iter().flatten() {
                let sentence = &sentences[index];
                let about_this_day = sentence.days.is_empty() || sentence.days.contains(&day);
                if sentence.position < LEAD_SENTENCES && about_this_day {
                    candidates.insert(index);
                }
            }
        }
        candidates.extend(naming.get(&day).into_iter().flatten().copied());
        let mut scored: Vec<(f32, usize)> = candidates
            .into_iter()
            .filter(|&index| {
                let sentence = &sentences[index];
                sentence.has_keyword && (MIN_WORDS..=MAX_WORDS).contains(&sentence.words)
            })
            .map(|index| (sentences[index].vector.cosine(&centroid), index))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut chosen: Vec<usize> = Vec::new();
        for (_, index) in scored {
            if chosen.len() >= options.sentences_per_date {
                break;
            }
            let vector = &sentences[index].vector;
            let repeats = chosen
                .iter()
                .chain(&told_vectors)
                .any(|&other| sentences[other].vector.cosine(vector) > REPEAT_SIMILARITY);
            if !repeats {
                chosen.push(index);
            }
        }
        if chosen.is_empty() {
            continue;
        }
        told_vectors.extend(&chosen);
        told.push(TimelineDay {
            date: day,
            sentences: chosen
                .into_iter()
                .map(|index| {
                    let sentence = &sentences[index];
                    TimelineSentence {
                        text: documents[sentence.document].sentences[sentence.position].clone(),
                        document: sentence.document,
                        position: sentence.position,
                        names_the_day: sentence.days.contains(&day),
                    }
                })
                .collect(),
            published_articles: ranked_day.published.len(),
            mentioning_articles: ranked_day
                .mentioning
                .iter()
                .filter(|&&document| documents[document].published != Some(day))
                .count(),
        });
    }
    told.sort_by_key(|entry| entry.date);
    told
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn document(id: &str, published: &str, sentences: &[&str]) -> TimelineDocument {
        TimelineDocument {
            id: id.to_string(),
            published: Some(day(published)),
            sentences: sentences.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A dam story over a week: the breach on 3 June, an inquiry opened on 5 June, a
    /// quiet day in between, and a follow-up on 9 June that looks back at the breach.
    fn dam_story() -> Vec<TimelineDocument> {
        vec![
            document(
                "a1",
                "2025-06-03",
                &[
                    "The Orran dam breached before dawn and flooded three villages downstream.",
                    "Rescue crews pulled forty people from rooftops in the valley.",
                ],
            ),
            document(
                "a2",
                "2025-06-03",
                &[
                    "Floodwater from the breached Orran dam swept through three villages.",
                    "The regional governor declared an emergency across the valley.",
                ],
            ),
            document(
                "a3",
                "2025-06-04",
                &["Volunteers handed out water and blankets at the school shelter in Orran."],
            ),
            document(
                "a4",
                "2025-06-05",
                &[
                    "Prosecutors opened an inquiry into the dam operator on Thursday.",
                    "The operator said its inspections had found no weakness in the wall.",
                ],
            ),
            document(
                "a5",
                "2025-06-09",
                &[
                    "Engineers said cracks were reported months before the dam breached on June 3.",
                    "The inquiry opened on June 5 has asked for the operator's inspection records.",
                    "Families returned to mud-filled homes along the river this weekend.",
                ],
            ),
        ]
    }

    fn options(max_dates: usize, sentences_per_date: usize) -> TimelineOptions {
        TimelineOptions {
            start: day("2025-06-01"),
            end: day("2025-06-30"),
            max_dates,
            sentences_per_date,
            keywords: Vec::new(),
        }
    }

    #[test]
    fn days_the_coverage_goes_back_to_rank_first() {
        let timeline = build_timeline(&dam_story(), &options(2, 2));
        let days: Vec<NaiveDate> = timeline.iter().map(|entry| entry.date).collect();
        // The breach (two articles that day, one later mention) and the inquiry (one
        // article, one later mention) outrank the shelter day and the follow-up's own day.
        assert_eq!(days, [day("2025-06-03"), day("2025-06-05")]);
        assert_eq!(timeline[0].published_articles, 2);
        assert_eq!(timeline[0].mentioning_articles, 1);
    }

    #[test]
    fn a_day_is_told_by_its_own_sentences_unchanged_and_without_repeats() {
        let documents = dam_story();
        let timeline = build_timeline(&documents, &options(5, 3));
        for entry in &timeline {
            assert!(entry.sentences.len() <= 3);
            for sentence in &entry.sentences {
                assert_eq!(
                    documents[sentence.document].sentences[sentence.position],
                    sentence.text
                );
            }
        }
        let breach = &timeline[0];
        assert_eq!(breach.date, day("2025-06-03"));
        let texts: Vec<&str> = breach.sentences.iter().map(|s| s.text.as_str()).collect();
        // The two leads say one thing; only one of them is told.
        let leads = texts
            .iter()
            .filter(|text| text.contains("three villages"))
            .count();
        assert_eq!(leads, 1, "{texts:?}");
        // The follow-up's look back names the day and is told on it, not on 9 June.
        assert!(
            breach
                .sentences
                .iter()
                .any(|s| s.names_the_day && s.text.starts_with("Engineers")),
            "{texts:?}"
        );
    }

    #[test]
    fn the_span_and_the_keywords_bound_what_is_told() {
        let mut narrow = options(10, 2);
        narrow.start = day("2025-06-04");
        narrow.end = day("2025-06-06");
        let timeline = build_timeline(&dam_story(), &narrow);
        assert!(
            timeline
                .iter()
                .all(|entry| (narrow.start..=narrow.end).contains(&entry.date))
        );
        assert!(timeline.iter().any(|entry| entry.date == day("2025-06-05")));

        let mut inquiry_only = options(10, 2);
        inquiry_only.keywords = vec!["inquiry".to_string()];
        let timeline = build_timeline(&dam_story(), &inquiry_only);
        assert!(!timeline.is_empty());
        assert!(
            timeline
                .iter()
                .flat_map(|entry| &entry.sentences)
                .all(|s| s.text.to_lowercase().contains("inquiry"))
        );
    }

    #[test]
    fn an_undated_article_counts_only_through_the_dates_it_states_in_full() {
        let mut documents = dam_story();
        documents.push(TimelineDocument {
            id: "undated".to_string(),
            published: None,
            sentences: vec![
                "Divers searched the reservoir on Saturday for a missing fisherman.".to_string(),
                "The dam's owner was fined on June 4, 2025 for a late inspection report."
                    .to_string(),
            ],
        });
        let timeline = build_timeline(&documents, &options(10, 3));
        let told: Vec<&TimelineSentence> =
            timeline.iter().flat_map(|entry| &entry.sentences).collect();
        // "on Saturday" cannot be placed; "June 4, 2025" can.
        assert!(
            !told.iter().any(|s| s.text.starts_with("Divers")),
            "{told:?}"
        );
        let fourth = timeline
            .iter()
            .find(|entry| entry.date == day("2025-06-04"))
            .expect("4 June is told");
        assert!(
            fourth.sentences.iter().any(|s| s.text.contains("fined")),
            "{fourth:?}"
        );
    }

    #[test]
    fn the_same_input_gives_the_same_timeline() {
        let documents = dam_story();
        assert_eq!(
            build_timeline(&documents, &options(3, 2)),
            build_timeline(&documents, &options(3, 2))
        );
        assert!(build_timeline(&[], &options(3, 2)).is_empty());
    }

    #[test]
    fn running_text_is_split_into_sentences() {
        let document = TimelineDocument::from_text(
            "b1",
            Some(day("2025-06-03")),
            "The dam breached before dawn. Three villages were flooded.",
        );
        assert_eq!(
            document.sentences,
            [
                "The dam breached before dawn.",
                "Three villages were flooded."
            ]
        );
    }
}
