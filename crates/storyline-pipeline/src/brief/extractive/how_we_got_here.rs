//! "How we got here": linked earlier stories, the story's own earlier days as the timeline
//! engine ([`crate::timeline`]) finds them in its coverage, and background the coverage dates
//! before the story began.
//!
//! Invariants: no entry repeats a sentence another section used or tells what is to come;
//! the newest day is left to "What's happened"; a date in a clause set off from the
//! sentence's own event never dates the sentence; entries are in date order.

use super::super::RelatedStory;
use super::SourceNo;
use super::analysis::{Analysis, MIN_RELEVANCE, REDUNDANT_SIMILARITY};
use crate::timeline::{TimelineDocument, TimelineOptions, build_timeline_weighed};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};
use storyline_model::{Citation, DatePrecision, Sentence, TimelineEntry};
use storyline_nlp::facts;

/// Earlier days of a story "How we got here" tells, at most (besides linked stories).
const DEVELOPMENT_STEPS: usize = 3;
/// How far before its first article a story's coverage may date a step of its own
/// ("the dam was last inspected on 3 March 2024").
const BACKGROUND_DAYS: i64 = 5 * 366;

impl Analysis<'_> {
    pub(super) fn how_we_got_here(
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
    pub(super) fn development(&self, used: &BTreeSet<usize>) -> Vec<(usize, TimelineEntry)> {
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
                        citations: vec![SourceNo::of_doc(self.candidates[c].doc).citation()],
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
    pub(super) fn background(
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
                    citations: vec![SourceNo::of_doc(self.candidates[c].doc).citation()],
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

#[cfg(test)]
mod tests {
    use super::*;

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
