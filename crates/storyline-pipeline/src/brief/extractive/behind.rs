//! "What's behind the headline?": up to three sentences that explain the story rather than
//! restate it: why it happened, what it is weighed against, what is at stake, what officials
//! and experts say, and the background that makes it matter. Each is framed with its outlet
//! ("The Harbour Times notes that ...") unless it already says whose words it reports.
//!
//! A sentence is scored by [`Explanation`]: features read off its words, each named and
//! tested on its own, times its relevance to the story, its support across outlets and its
//! distance from the article's lead (a lead states the news; explanation comes after it).
//!
//! Invariants: a sentence with biographical trivia ("was born in", "graduated from") is never
//! chosen; when the coverage holds sentences that explain, only those are chosen; no sentence
//! repeats one an earlier section used.

use super::super::text::{attribute, is_attributed, opens_with_quote};
use super::analysis::{Analysis, MIN_RELEVANCE};
use super::{ATTRIBUTION_VERBS, SourceNo};
use std::collections::BTreeSet;
use std::sync::LazyLock;
use storyline_model::{Section, Sentence};

/// Sentences "What's behind the headline?" gives, at most.
const BEHIND_SENTENCES: usize = 3;

/// Words and phrases that say why something happened or what it led to.
const CAUSE_MARKERS: &[&str] = &[
    "because",
    "due to",
    "as a result",
    "result of",
    "led to",
    "leading to",
    "caused",
    "causing",
    "prompted",
    "prompting",
    "in response to",
    "triggered",
    "sparked",
    "blamed",
    "owing to",
    "thanks to",
    "so that",
    "in order to",
    "the reason",
    "why",
    "aimed at",
    "aims to",
    "intended to",
];

/// Words that weigh one thing against another.
const CONTRAST_MARKERS: &[&str] = &[
    "but",
    "however",
    "although",
    "though",
    "despite",
    "in spite of",
    "yet",
    "whereas",
    "even as",
    "instead",
    "nevertheless",
    "rather than",
    "on the other hand",
];

/// Words that say what is at stake or what may follow.
const STAKES_MARKERS: &[&str] = &[
    "could",
    "might",
    "would mean",
    "risk",
    "risks",
    "threat",
    "threatens",
    "threatened",
    "means",
    "meaning",
    "impact",
    "consequence",
    "consequences",
    "implications",
    "at stake",
    "concern",
    "concerns",
    "fear",
    "fears",
    "worried",
    "warned",
    "warns",
    "under pressure",
    "pressure on",
    "pressure to",
    "pressure from",
    "first time",
    "unprecedented",
    "likely",
    "unlikely",
    "cost",
    "costs",
    "challenge",
];

/// People whose view explains rather than reports: officials, experts and critics.
const EXPERT_VOICES: &[&str] = &[
    "analyst",
    "analysts",
    "expert",
    "experts",
    "economist",
    "economists",
    "professor",
    "researcher",
    "researchers",
    "scientist",
    "scientists",
    "critics",
    "observers",
    "commentators",
    "official",
    "officials",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "minister",
    "director",
];

/// Words that reach back before the news: what had been, for how long, since when.
const BACKGROUND_MARKERS: &[&str] = &[
    "has been",
    "have been",
    "had been",
    "had",
    "since",
    "for years",
    "for decades",
    "for months",
    "last year",
    "previously",
    "in recent years",
    "long-running",
    "history",
    "amid",
    "earlier this year",
];

/// Biographical trivia: a subject's birth, schooling or family, which explain nothing of
/// the news.
const BIOGRAPHY_MARKERS: &[&str] = &[
    "was born",
    "born in",
    "born on",
    "graduated",
    "is survived by",
    "grew up",
    "attended",
    "studied at",
    "the son of",
    "the daughter of",
    "his wife",
    "her husband",
    "married",
];

/// First-person words: outside a quotation they are the writer's own voice, which an
/// attribution frame ("The Harbour Times notes that as I wandered ...") would garble.
const FIRST_PERSON: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'd",
    "me",
    "my",
    "we",
    "we're",
    "we've",
    "our",
    "ourselves",
];

/// Markers as whole words: " due to ", made once.
type Markers = Vec<String>;

/// Every marker list, padded with a space each side, so [`padded_words`] holds a marker only
/// as whole words.
struct PaddedMarkers {
    cause: Markers,
    contrast: Markers,
    stakes: Markers,
    expert: Markers,
    background: Markers,
    biography: Markers,
    first_person: Markers,
}

static PADDED: LazyLock<PaddedMarkers> = LazyLock::new(|| {
    let pad = |markers: &[&str]| markers.iter().map(|m| format!(" {m} ")).collect();
    PaddedMarkers {
        cause: pad(CAUSE_MARKERS),
        contrast: pad(CONTRAST_MARKERS),
        stakes: pad(STAKES_MARKERS),
        expert: pad(EXPERT_VOICES),
        background: pad(BACKGROUND_MARKERS),
        biography: pad(BIOGRAPHY_MARKERS),
        first_person: pad(FIRST_PERSON),
    }
});

/// What a sentence does to explain a story, read off its words.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Explanation {
    /// Says why or what followed ("because", "due to", "led to", "prompted").
    pub cause: bool,
    /// Weighs one thing against another ("but", "however", "despite").
    pub contrast: bool,
    /// Says what is at stake or may come ("could", "risk", "means", "concerns").
    pub stakes: bool,
    /// Reports whose words or view it gives (a speech verb, "according to").
    pub attributed: bool,
    /// Gives an official's, expert's or critic's view: attributed, and names such a voice.
    pub expert: bool,
    /// Reaches back before the news ("had been", "since", "for years", "last year").
    pub background: bool,
    /// Tells a subject's birth, schooling or family.
    pub biography: bool,
    /// Speaks in a voice the reader cannot place: the writer's "I" or "we" outside a
    /// quotation, or a quotation no one is said to have spoken.
    pub unplaced_voice: bool,
}

impl Explanation {
    /// Reads the features of `sentence`.
    pub fn of(sentence: &str) -> Self {
        let words = padded_words(sentence);
        let has = |markers: &Markers| markers.iter().any(|m| words.contains(m.as_str()));
        let attributed = is_attributed(sentence);
        let own_words = padded_words(&outside_quotations(sentence));
        Explanation {
            cause: has(&PADDED.cause),
            contrast: has(&PADDED.contrast),
            // "may" in lower case is the modal; the month is "May".
            stakes: has(&PADDED.stakes) || sentence.contains(" may "),
            attributed,
            expert: attributed && has(&PADDED.expert),
            background: has(&PADDED.background),
            biography: has(&PADDED.biography),
            unplaced_voice: (opens_with_quote(sentence) && !attributed)
                || PADDED
                    .first_person
                    .iter()
                    .any(|w| own_words.contains(w.as_str())),
        }
    }

    /// True when the sentence explains: it gives a cause, a contrast, what is at stake or an
    /// expert's view, and is fit to show.
    pub fn explains(&self) -> bool {
        (self.cause || self.contrast || self.stakes || self.expert) && self.fit()
    }

    /// True when the sentence may be shown at all: no biographical trivia, and a voice the
    /// reader can place.
    pub fn fit(&self) -> bool {
        !self.biography && !self.unplaced_voice
    }

    /// How much the sentence explains: 1 plus a share for each feature. A cause counts most
    /// (it is what "behind the headline" asks); what is at stake and an expert's view next;
    /// a contrast and background give context; an attribution alone little.
    pub fn weight(&self) -> f32 {
        let features = [
            (self.cause, 1.0),
            (self.stakes, 0.75),
            (self.expert, 0.75),
            (self.contrast, 0.5),
            (self.background, 0.5),
            (self.attributed, 0.25),
        ];
        1.0 + features
            .iter()
            .filter(|(present, _)| *present)
            .map(|(_, share)| share)
            .sum::<f32>()
    }
}

/// The sentence's words, lowercased and joined by single spaces, with a space at each end,
/// so a marker is found as whole words (" due to ") and never inside one ("butter").
fn padded_words(sentence: &str) -> String {
    let mut padded = String::with_capacity(sentence.len() + 2);
    padded.push(' ');
    for word in sentence
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
    {
        padded.push_str(&word.to_lowercase());
        padded.push(' ');
    }
    padded
}

/// The sentence without its quotations (“...” or "..."): the words its writer speaks in.
fn outside_quotations(sentence: &str) -> String {
    let mut outside = String::with_capacity(sentence.len());
    let mut quoted = false;
    for c in sentence.chars() {
        match c {
            '“' => quoted = true,
            '”' => quoted = false,
            '"' => quoted = !quoted,
            _ if !quoted => outside.push(c),
            _ => {}
        }
    }
    outside
}

/// How far a sentence stands from its article's lead, as a weight: the lead states the
/// news, the sentence after it mostly adds detail, and explanation comes after that.
fn distance_from_lead(position: usize) -> f32 {
    match position {
        0 => 0.3,
        1 => 0.6,
        _ => 1.0,
    }
}

impl Analysis<'_> {
    pub(super) fn behind_the_headline(&self, used: &mut BTreeSet<usize>) -> Section {
        let on_topic = |c: usize| self.candidates[c].relevance >= MIN_RELEVANCE;
        // Only sentences that may still be chosen are read.
        let features: Vec<Explanation> = (0..self.candidates.len())
            .map(|c| {
                if on_topic(c) && !used.contains(&c) {
                    Explanation::of(&self.candidates[c].text)
                } else {
                    Explanation::default()
                }
            })
            .collect();
        let explaining: Vec<usize> = (0..self.candidates.len())
            .filter(|&c| on_topic(c) && features[c].explains())
            .collect();
        // Without explanation in the coverage, the most relevant context beyond the lead is
        // the best available account of why the story matters: one sentence of it, as more
        // would be detail, and "What the papers say" needs the outlets' sentences too.
        let most = if explaining.is_empty() {
            1
        } else {
            BEHIND_SENTENCES
        };
        let pool: Vec<usize> = if explaining.is_empty() {
            (0..self.candidates.len())
                .filter(|&c| on_topic(c) && self.candidates[c].position >= 2 && features[c].fit())
                .collect()
        } else {
            explaining
        };
        let score = |c: usize| {
            let candidate = &self.candidates[c];
            candidate.relevance
                * (1.0 + 0.3 * self.support_outlets(c) as f32)
                * distance_from_lead(candidate.position)
                * features[c].weight()
        };
        let mut chosen = used.clone();
        let mut picked = Vec::new();
        while picked.len() < most {
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
                let text = if features[c].attributed {
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
                    citations: vec![SourceNo::of_doc(candidate.doc).citation()],
                }
            })
            .collect();
        Section {
            sentences,
            fallback_engine: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::report_at;
    use super::*;

    #[test]
    fn a_cause_is_read_as_whole_words() {
        let cause = Explanation::of("The line closed because the embankment had slipped.");
        assert!(cause.cause && cause.explains());
        assert!(Explanation::of("Fares rose due to higher fuel prices.").cause);
        // "Because" inside another word, or none at all, is no cause.
        let plain = Explanation::of("The butter factory reopened on the harbour road.");
        assert_eq!(plain, Explanation::default());
        assert!(!plain.explains());
    }

    #[test]
    fn a_contrast_is_read() {
        let contrast = Explanation::of("Sales rose, but margins fell for a third quarter.");
        assert!(contrast.contrast && !contrast.cause);
        assert!(Explanation::of("Despite the rain, the count went ahead.").contrast);
    }

    #[test]
    fn what_is_at_stake_is_read() {
        let stakes = Explanation::of("The closure could cost exporters millions of dollars.");
        assert!(stakes.stakes && stakes.explains());
        // The month May is not the modal "may".
        assert!(!Explanation::of("The count began in May with 40 volunteers.").stakes);
        assert!(Explanation::of("Residents may not return for another week.").stakes);
    }

    #[test]
    fn an_expert_voice_must_be_attributed() {
        let expert = Explanation::of("Analysts said the merger leaves two carriers on the route.");
        assert!(expert.attributed && expert.expert && expert.explains());
        // Officials named without their words are a fact, not a view.
        let named = Explanation::of("Officials closed the bridge to traffic on Monday.");
        assert!(!named.expert && !named.explains());
    }

    #[test]
    fn background_gives_weight_but_does_not_explain_alone() {
        let background = Explanation::of("The bridge had been closed twice since 2019.");
        assert!(background.background && !background.explains());
        let with_cause =
            Explanation::of("The bridge had been closed since 2019 because of cracks.");
        assert!(
            with_cause.weight() > Explanation::of("The bridge closed because of cracks.").weight()
        );
    }

    #[test]
    fn biographical_trivia_never_explains() {
        let birth = Explanation::of(
            "Marlow, who was born in Kelmouth in 1961, could not be reached because he was abroad.",
        );
        assert!(birth.biography && birth.cause && !birth.explains());
        assert!(Explanation::of("She graduated from Ardmore High School in 2009.").biography);
    }

    #[test]
    fn a_voice_the_reader_cannot_place_is_not_shown() {
        let writer =
            Explanation::of("As I wandered the streets, people were helpful despite the war.");
        assert!(writer.contrast && writer.unplaced_voice && !writer.explains());
        let orphan = Explanation::of("\"I'm not sure I could have held him off much longer.\"");
        assert!(orphan.unplaced_voice);
        // A quoted "we" with its speaker named is a placed voice.
        let quoted = Explanation::of(
            "“We could lose the harvest,” said Tomas Ferreira, who farms near the dam.",
        );
        assert!(!quoted.unplaced_voice && quoted.explains());
        // "US" is a country, not "us".
        assert!(!Explanation::of("The US could impose tariffs on steel.").unplaced_voice);
    }

    #[test]
    fn the_section_prefers_a_cause_past_the_lead_and_skips_biography() {
        let courier = "A gunman killed six people at Ardmore Elementary School on Friday. \
            Police sealed the streets around the school within minutes. \
            The gunman, who was born in Ardmore in 1992, graduated from the same school. \
            The district had cut its security budget in 2023 because enrolment fell, \
            officials said. \
            Parents gathered at a fire station near the school until the evening.";
        let times = "Six people died in a shooting at Ardmore Elementary School on Friday. \
            Experts said the attack could renew pressure on the state to fund school guards. \
            The school reopened its gym as a meeting point for families on Friday night.";
        let articles = [
            report_at("Ardmore Courier", 9, courier),
            report_at("Valley Times", 10, times),
        ];
        let analysis = Analysis::new(&articles);
        let section = analysis.behind_the_headline(&mut BTreeSet::new());
        let texts: Vec<&str> = section.sentences.iter().map(|s| s.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.contains("because enrolment fell")),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("could renew pressure")),
            "{texts:?}"
        );
        assert!(!texts.iter().any(|t| t.contains("was born")), "{texts:?}");
        // Sentences that explain nothing are not chosen while some explain.
        assert!(
            !texts.iter().any(|t| t.contains("fire station")),
            "{texts:?}"
        );
    }
}
