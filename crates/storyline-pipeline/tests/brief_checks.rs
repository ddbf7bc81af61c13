//! The trust checks on a real brief: a wrong sentence injected into the extractive engine's
//! brief of the fixture strike story (no citation, an invented quote, a wrong number, an
//! outlet named while another outlet is cited, a source beyond the list, a story cited outside
//! "How we got here") is reported under the right rule and removed by `enforce`, while every
//! real sentence survives; a correct injected sentence passes.

mod briefs_support;

use briefs_support::{PipelineRun, StoredBrief, run_pipeline};
use std::sync::OnceLock;
use storyline_model::{Brief, Citation, DatePrecision, Sentence, StoryId, TimelineEntry};
use storyline_pipeline::checks::{check_brief, enforce};

fn run() -> &'static PipelineRun {
    static RUN: OnceLock<PipelineRun> = OnceLock::new();
    RUN.get_or_init(run_pipeline)
}

/// The strike story's brief: four sources, one of them a wire copy.
fn strike() -> &'static StoredBrief {
    run()
        .briefs
        .iter()
        .find(|b| b.brief.sources.iter().any(|s| s.outlet == "Valley Courier"))
        .expect("the strike story's brief")
}

/// The number of the first source published by `outlet`.
fn source(outlet: &str) -> u32 {
    strike()
        .brief
        .sources
        .iter()
        .find(|s| s.outlet == outlet && s.copy_of.is_none())
        .unwrap_or_else(|| panic!("no original source from {outlet}"))
        .n
}

/// A story other than the strike story (it exists, so only its place makes it wrong).
fn other_story() -> StoryId {
    run()
        .briefs
        .iter()
        .map(|b| b.brief.story_id.clone())
        .find(|id| *id != strike().brief.story_id)
        .expect("a second story")
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    WhatsHappened,
    BehindTheHeadline,
    WhatThePapersSay,
    HowWeGotHere,
}

fn sentence(text: &str, citations: Vec<Citation>) -> Sentence {
    Sentence {
        text: text.to_string(),
        citations,
    }
}

/// `brief` with `sentence` put first in `place`.
fn injected(brief: &Brief, place: Place, sentence: Sentence) -> Brief {
    let mut brief = brief.clone();
    match place {
        Place::WhatsHappened => brief.whats_happened.sentences.insert(0, sentence),
        Place::BehindTheHeadline => brief.behind_the_headline.sentences.insert(0, sentence),
        Place::WhatThePapersSay => brief.what_the_papers_say.sentences.insert(0, sentence),
        Place::HowWeGotHere => {
            let date = brief.sources[0].published.expect("the wire story is dated")
                - chrono::Duration::days(400);
            let entry = TimelineEntry {
                date,
                date_precision: DatePrecision::Day,
                story_id: None,
                sentence,
            };
            brief.how_we_got_here.insert(0, entry);
        }
    }
    brief
}

fn section_name(place: Place) -> &'static str {
    match place {
        Place::WhatsHappened => "whats_happened",
        Place::BehindTheHeadline => "behind_the_headline",
        Place::WhatThePapersSay => "what_the_papers_say",
        Place::HowWeGotHere => "how_we_got_here",
    }
}

/// Injects `text` citing `citations` into `place` of the real strike brief: the checks
/// report exactly that sentence under `rule` (or nothing when `rule` is `None`), and
/// `enforce` removes it and nothing else (or keeps it).
fn check(place: Place, text: &str, citations: Vec<Citation>, rule: Option<&str>) {
    let StoredBrief {
        brief: original,
        articles,
    } = strike();
    let known = &run().story_ids;
    let with_sentence = injected(original, place, sentence(text, citations));

    let report = check_brief(&with_sentence, articles, known);
    let reported: Vec<(&str, &str, &str)> = report
        .failures
        .iter()
        .map(|f| (f.section.as_str(), f.sentence.as_str(), f.rule.as_str()))
        .collect();
    match rule {
        Some(rule) => assert_eq!(
            reported,
            vec![(section_name(place), text, rule)],
            "{text}: {:#?}",
            report.failures
        ),
        None => assert!(reported.is_empty(), "{text}: {:#?}", report.failures),
    }
    assert_eq!(report.passed, rule.is_none());
    assert_eq!(
        report.sentences_checked,
        original.checks.sentences_checked + 1
    );

    let mut brief = with_sentence.clone();
    let enforced = enforce(&mut brief, articles, known);
    assert_eq!(
        enforced.failures, report.failures,
        "enforce and check_brief disagree"
    );
    assert!(enforced.passed, "what enforce leaves must pass");
    assert_eq!(
        brief.checks, enforced,
        "enforce records its report in the brief"
    );
    let expected = if rule.is_some() {
        original
    } else {
        &with_sentence
    };
    assert_eq!(brief.whats_happened, expected.whats_happened, "{text}");
    assert_eq!(
        brief.behind_the_headline, expected.behind_the_headline,
        "{text}"
    );
    assert_eq!(
        brief.what_the_papers_say, expected.what_the_papers_say,
        "{text}"
    );
    assert_eq!(brief.how_we_got_here, expected.how_we_got_here, "{text}");
}

#[test]
fn the_real_brief_passes_its_own_checks() {
    let StoredBrief { brief, articles } = strike();
    let report = check_brief(brief, articles, &run().story_ids);
    assert!(report.passed, "{:#?}", report.failures);
    assert!(
        report.sentences_checked >= 6,
        "only {} sentences checked",
        report.sentences_checked
    );
}

#[test]
fn wrong_sentences_are_caught_and_removed() {
    use Citation::{Source, Story};
    use Place::*;
    let (wire, harbour, northgate) = (
        source("Cascade Wire"),
        source("Harbour Times"),
        source("Northgate Herald"),
    );
    let beyond = strike().brief.sources.len() as u32 + 1;

    // Controls: correct sentences pass, so the failures below come from the wrongs alone.
    check(
        WhatsHappened,
        "About 2,400 dockworkers at the Port of Kelmouth walked off the job on Monday.",
        vec![Source(wire)],
        None,
    );
    check(
        WhatThePapersSay,
        "Harbour Times notes that 14 vessels were at anchor in Kelmouth Bay by 9am.",
        vec![Source(harbour)],
        None,
    );
    check(
        BehindTheHeadline,
        "Martin Osei called the union's demand “unrealistic in the current climate”.",
        vec![Source(harbour)],
        None,
    );
    check(
        HowWeGotHere,
        "The last strike at the port, in 2019, lasted 11 days.",
        vec![Source(northgate)],
        None,
    );
    check(
        HowWeGotHere,
        "Dockworkers walked out over pay.",
        vec![Story(other_story())],
        None,
    );

    // (a) no citation
    check(
        WhatsHappened,
        "The port reopened on Tuesday morning.",
        vec![],
        Some("no_citation"),
    );
    check(
        HowWeGotHere,
        "The port was built in the 1960s.",
        vec![],
        Some("no_citation"),
    );
    // (b) a quote that is not in the cited article, or in another outlet's article only
    check(
        BehindTheHeadline,
        "Osei said the demand was “a threat to every job on the quay”.",
        vec![Source(harbour)],
        Some("quote_not_found"),
    );
    check(
        WhatsHappened,
        "Whitlock said the members were \"tired of being told to wait\".",
        vec![Source(harbour)],
        Some("quote_not_found"),
    );
    check(
        WhatThePapersSay,
        "Northgate Herald quotes Osei: “fair and affordable”.",
        vec![Source(northgate)],
        Some("quote_not_found"),
    );
    // (c) a number that is not in the cited article
    check(
        WhatsHappened,
        "About 2,900 dockworkers walked off the job on Monday.",
        vec![Source(wire)],
        Some("number_not_found"),
    );
    check(
        BehindTheHeadline,
        "The union is asking for an 8.5% rise.",
        vec![Source(wire), Source(harbour)],
        Some("number_not_found"),
    );
    check(
        HowWeGotHere,
        "The last strike at the port, in 2017, lasted 11 days.",
        vec![Source(northgate)],
        Some("number_not_found"),
    );
    // (d) an outlet of the story named while another outlet's article is cited
    check(
        WhatThePapersSay,
        "Northgate Herald reports that 14 ships were waiting at anchor in Kelmouth Bay.",
        vec![Source(wire)],
        Some("outlet_not_supported"),
    );
    check(
        BehindTheHeadline,
        "Harbour Times says the offer would cost the authority £18m over two years.",
        vec![Source(northgate)],
        Some("outlet_not_supported"),
    );
    // (d2) two outlets credited with one claim that only one of them printed; each of two
    // outlets credited with its own claim passes
    check(
        WhatThePapersSay,
        "Both Harbour Times and Northgate Herald report that two refrigerated ships carrying fruit from South America were at anchor.",
        vec![Source(harbour), Source(northgate)],
        Some("outlet_claim_not_supported"),
    );
    check(
        WhatThePapersSay,
        "Harbour Times notes that picket lines formed at all four gates of the container terminal, while Northgate Herald stresses that the conciliation service was in contact with both parties.",
        vec![Source(harbour), Source(northgate)],
        None,
    );
    // (d3) a sentence its citation does not support: another event, or words scattered
    // over the cited article rather than said in one place
    check(
        WhatsHappened,
        "The city council approved a new airport runway after a long public consultation.",
        vec![Source(wire)],
        Some("not_supported"),
    );
    check(
        BehindTheHeadline,
        "Police arrested the conciliation service's mediator at the ferry terminal.",
        vec![Source(harbour)],
        Some("not_supported"),
    );
    // (e) a source beyond the list, or source 0
    check(
        WhatsHappened,
        "The port handles about 1.1 million containers a year.",
        vec![Source(beyond)],
        Some("unknown_source"),
    );
    check(
        WhatThePapersSay,
        "The port handles about 1.1 million containers a year.",
        vec![Source(wire), Source(beyond)],
        Some("unknown_source"),
    );
    check(
        WhatsHappened,
        "The port handles about 1.1 million containers a year.",
        vec![Source(0)],
        Some("unknown_source"),
    );
    // (f) a story cited outside "How we got here", or a story that does not exist
    check(
        BehindTheHeadline,
        "Dockworkers walked out over pay.",
        vec![Story(other_story())],
        Some("unknown_source"),
    );
    check(
        WhatsHappened,
        "Dockworkers walked out over pay.",
        vec![Source(wire), Story(other_story())],
        Some("unknown_source"),
    );
    check(
        HowWeGotHere,
        "Dockworkers walked out over pay.",
        vec![Story(StoryId("s000000000000".into()))],
        Some("unknown_source"),
    );
}
