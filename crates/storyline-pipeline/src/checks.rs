//! The trust checks every brief must pass, whatever engine wrote it.
//!
//! Rules, per sentence: it cites at least one source of the story (or, in "How we got
//! here", an earlier story); every cited source exists; every quoted string appears verbatim
//! in a cited article; every number appears in a cited article; every outlet the sentence
//! names (in "What the papers say") is cited through one of its own articles. A sentence that
//! fails is removed from the brief and recorded in its [`CheckReport`].

use std::collections::BTreeSet;
use storyline_model::{Article, Brief, CheckFailure, CheckReport, Citation, Sentence, StoryId};
use storyline_nlp::facts;

/// Checks `brief` against the story's `articles` (in source order: source `n` is
/// `articles[n - 1]`) and the ids of stories that exist; removes failing sentences from the
/// brief and returns the report.
pub fn check_brief(brief: &Brief, articles: &[Article], known_stories: &BTreeSet<StoryId>) -> CheckReport {
    let mut checked = brief.clone();
    enforce(&mut checked, articles, known_stories)
}

/// Like [`check_brief`], but removes the failing sentences from `brief` itself.
pub fn enforce(brief: &mut Brief, articles: &[Article], known_stories: &BTreeSet<StoryId>) -> CheckReport {
    let outlets: Vec<String> = brief.sources.iter().map(|s| s.outlet.clone()).collect();
    let checker = Checker { articles, known_stories, outlets: &outlets };
    let mut report = CheckReport { passed: true, sentences_checked: 0, failures: Vec::new() };
    let mut run = |name: &str, sentences: &mut Vec<Sentence>, names_outlets: bool, may_cite_stories: bool| {
        sentences.retain(|sentence| {
            report.sentences_checked += 1;
            match checker.check(sentence, names_outlets, may_cite_stories) {
                Ok(()) => true,
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
    run("whats_happened", &mut brief.whats_happened.sentences, false, false);
    run("behind_the_headline", &mut brief.behind_the_headline.sentences, true, false);
    run("what_the_papers_say", &mut brief.what_the_papers_say.sentences, true, false);
    let mut timeline: Vec<Sentence> = brief.how_we_got_here.iter().map(|e| e.sentence.clone()).collect();
    let before: Vec<String> = timeline.iter().map(|s| s.text.clone()).collect();
    run("how_we_got_here", &mut timeline, false, true);
    let kept: BTreeSet<&String> = timeline.iter().map(|s| &s.text).collect();
    if kept.len() != before.len() {
        brief.how_we_got_here.retain(|e| kept.contains(&e.sentence.text));
    }
    report.passed = report.failures.is_empty();
    brief.checks = report.clone();
    report
}

struct Checker<'a> {
    articles: &'a [Article],
    known_stories: &'a BTreeSet<StoryId>,
    outlets: &'a [String],
}

type Failure = (&'static str, String);

impl Checker<'_> {
    fn check(&self, sentence: &Sentence, names_outlets: bool, may_cite_stories: bool) -> Result<(), Failure> {
        if sentence.citations.is_empty() {
            return Err(("no_citation", "the sentence cites nothing".into()));
        }
        let mut cited: Vec<&Article> = Vec::new();
        for citation in &sentence.citations {
            match citation {
                Citation::Source(n) => match (*n as usize).checked_sub(1).and_then(|i| self.articles.get(i)) {
                    Some(article) => cited.push(article),
                    None => return Err(("unknown_source", format!("source [{n}] is not a source of this story"))),
                },
                Citation::Story(id) => {
                    if !may_cite_stories {
                        return Err(("unknown_source", format!("story {id} may only be cited in \"How we got here\"")));
                    }
                    if !self.known_stories.contains(id) {
                        return Err(("unknown_source", format!("story {id} does not exist")));
                    }
                }
            }
        }
        // A sentence citing only earlier stories summarises them; its facts were checked
        // when their briefs were written.
        if cited.is_empty() {
            return Ok(());
        }
        for quote in facts::quoted_spans(&sentence.text) {
            if !cited.iter().any(|a| facts::contains_verbatim(&a.article_body, &quote) || facts::contains_verbatim(&a.headline, &quote)) {
                return Err(("quote_not_found", format!("“{quote}” is not in any cited article")));
            }
        }
        for number in facts::numbers(&sentence.text) {
            if !cited.iter().any(|a| facts::contains_number(&a.article_body, &number) || facts::contains_number(&a.headline, &number)) {
                return Err(("number_not_found", format!("{number} is not in any cited article")));
            }
        }
        if names_outlets {
            for outlet in self.outlets.iter().collect::<BTreeSet<_>>() {
                if sentence.text.contains(outlet.as_str()) && !cited.iter().any(|a| a.publisher.trim() == outlet || (a.publisher.trim().is_empty() && a.host().as_deref() == Some(outlet.as_str()))) {
                    // Naming an outlet that carried a copy of a cited original is supported
                    // by the copy only if the copy is cited too.
                    return Err(("outlet_not_supported", format!("{outlet} is named but none of its articles is cited")));
                }
            }
        }
        Ok(())
    }
}
