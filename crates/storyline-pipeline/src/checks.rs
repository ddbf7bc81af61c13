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
pub fn check_brief(
    brief: &Brief,
    articles: &[Article],
    known_stories: &BTreeSet<StoryId>,
) -> CheckReport {
    let mut checked = brief.clone();
    enforce(&mut checked, articles, known_stories)
}

/// Like [`check_brief`], but removes the failing sentences from `brief` itself.
pub fn enforce(
    brief: &mut Brief,
    articles: &[Article],
    known_stories: &BTreeSet<StoryId>,
) -> CheckReport {
    let outlets: Vec<String> = brief.sources.iter().map(|s| s.outlet.clone()).collect();
    let checker = Checker {
        articles,
        known_stories,
        outlets: &outlets,
    };
    let mut report = CheckReport {
        passed: true,
        sentences_checked: 0,
        failures: Vec::new(),
    };
    let mut run =
        |name: &str, sentences: &mut Vec<Sentence>, names_outlets: bool, may_cite_stories: bool| {
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
    run(
        "whats_happened",
        &mut brief.whats_happened.sentences,
        false,
        false,
    );
    run(
        "behind_the_headline",
        &mut brief.behind_the_headline.sentences,
        true,
        false,
    );
    run(
        "what_the_papers_say",
        &mut brief.what_the_papers_say.sentences,
        true,
        false,
    );
    // Timeline entries are checked one by one and removed by position: two entries may
    // share a text and only one of them fail.
    let mut kept_entries = Vec::with_capacity(brief.how_we_got_here.len());
    for entry in std::mem::take(&mut brief.how_we_got_here) {
        let mut one = vec![entry.sentence.clone()];
        run("how_we_got_here", &mut one, false, true);
        if !one.is_empty() {
            kept_entries.push(entry);
        }
    }
    brief.how_we_got_here = kept_entries;
    report.passed = report.failures.is_empty();
    brief.checks = report.clone();
    report
}

/// True when `text` names `outlet` as a whole phrase: "Post" is not named by "Lantern Post"
/// or "post office".
fn names_outlet(text: &str, outlet: &str) -> bool {
    if outlet.is_empty() {
        return false;
    }
    text.match_indices(outlet).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + outlet.len()..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        !is_word(before) && !is_word(after)
    })
}

struct Checker<'a> {
    articles: &'a [Article],
    known_stories: &'a BTreeSet<StoryId>,
    outlets: &'a [String],
}

type Failure = (&'static str, String);

impl Checker<'_> {
    fn check(
        &self,
        sentence: &Sentence,
        names_outlets: bool,
        may_cite_stories: bool,
    ) -> Result<(), Failure> {
        if sentence.citations.is_empty() {
            return Err(("no_citation", "the sentence cites nothing".into()));
        }
        let mut cited: Vec<&Article> = Vec::new();
        for citation in &sentence.citations {
            match citation {
                Citation::Source(n) => match (*n as usize)
                    .checked_sub(1)
                    .and_then(|i| self.articles.get(i))
                {
                    Some(article) => cited.push(article),
                    None => {
                        return Err((
                            "unknown_source",
                            format!("source [{n}] is not a source of this story"),
                        ));
                    }
                },
                Citation::Story(id) => {
                    if !may_cite_stories {
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
        // A sentence citing only earlier stories summarises them; its facts were checked
        // when their briefs were written.
        if cited.is_empty() {
            return Ok(());
        }
        for quote in facts::quoted_spans(&sentence.text) {
            if !cited.iter().any(|a| {
                facts::contains_verbatim(&a.article_body, &quote)
                    || facts::contains_verbatim(&a.headline, &quote)
            }) {
                return Err((
                    "quote_not_found",
                    format!("“{quote}” is not in any cited article"),
                ));
            }
        }
        for number in facts::numbers(&sentence.text) {
            if !cited.iter().any(|a| {
                facts::contains_number(&a.article_body, &number)
                    || facts::contains_number(&a.headline, &number)
            }) {
                return Err((
                    "number_not_found",
                    format!("{number} is not in any cited article"),
                ));
            }
        }
        if names_outlets {
            // Longest names first, each blanked out once seen, so "Post" is not found inside
            // "The Lantern Post".
            let mut outlets: Vec<&String> = self
                .outlets
                .iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            outlets.sort_by_key(|o| std::cmp::Reverse(o.len()));
            let mut text = sentence.text.clone();
            for outlet in outlets {
                let named = names_outlet(&text, outlet);
                if named {
                    text = text.replace(outlet.as_str(), &" ".repeat(outlet.len()));
                }
                if named
                    && !cited.iter().any(|a| {
                        a.publisher.trim() == outlet
                            || (a.publisher.trim().is_empty()
                                && a.host().as_deref() == Some(outlet.as_str()))
                    })
                {
                    // Naming an outlet that carried a copy of a cited original is supported
                    // by the copy only if the copy is cited too.
                    return Err((
                        "outlet_not_supported",
                        format!("{outlet} is named but none of its articles is cited"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::names_outlet;

    #[test]
    fn outlets_are_named_as_whole_phrases() {
        assert!(names_outlet(
            "The Lantern Post notes that",
            "The Lantern Post"
        ));
        assert!(names_outlet("According to Post, the fire", "Post"));
        assert!(!names_outlet("the post office closed", "Post"));
        assert!(!names_outlet("Postal workers", "Post"));
    }
}
