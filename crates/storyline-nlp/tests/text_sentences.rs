//! Sentence splitting on the edge cases of news prose: abbreviations, initials, decimals,
//! ellipses, quotes, paragraphs and CJK terminators.

use storyline_nlp::sentences::split_sentences;

/// Splits `input` and compares the sentence texts with `expected`; also checks that every
/// span's offsets point at its text.
#[track_caller]
fn check(input: &str, expected: &[&str]) {
    let spans = split_sentences(input);
    for span in &spans {
        assert_eq!(
            &input[span.start..span.end],
            span.text,
            "offsets of {span:?}"
        );
    }
    let texts: Vec<&str> = spans.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, expected, "input: {input:?}");
}

#[test]
fn plain_sentences() {
    check(
        "The port reopened. Ships queued overnight.",
        &["The port reopened.", "Ships queued overnight."],
    );
    check(
        "Is it over? Nobody knows! Talks resume today.",
        &["Is it over?", "Nobody knows!", "Talks resume today."],
    );
    check("Really?! Yes.", &["Really?!", "Yes."]);
    check("  No terminator at all  ", &["No terminator at all"]);
    check("", &[]);
    check(" \n \n", &[]);
}

#[test]
fn titles_and_abbreviations_do_not_end_sentences() {
    check(
        "Mr. Okafor met Dr. Lind at St. Mary's. They spoke.",
        &["Mr. Okafor met Dr. Lind at St. Mary's.", "They spoke."],
    );
    check(
        "Gen. Ruiz and Sen. Park arrived on Jan. 5. Talks began.",
        &["Gen. Ruiz and Sen. Park arrived on Jan. 5.", "Talks began."],
    );
    check(
        "Gov. Hale said No. 10 was told, e.g. by aides. Next.",
        &["Gov. Hale said No. 10 was told, e.g. by aides.", "Next."],
    );
    check(
        "It was Arsenal vs. Porto. Fans sang.",
        &["It was Arsenal vs. Porto.", "Fans sang."],
    );
    check(
        "Rep. Alvarez voted no. Sen. Cole abstained.",
        &["Rep. Alvarez voted no.", "Sen. Cole abstained."],
    );
}

#[test]
fn company_suffixes_and_acronyms_end_sentences_only_before_an_opener() {
    check(
        "Harbin Widgets Inc. said profits rose.",
        &["Harbin Widgets Inc. said profits rose."],
    );
    check(
        "She sold shares in Harbin Widgets Inc. The stock fell.",
        &["She sold shares in Harbin Widgets Inc.", "The stock fell."],
    );
    check(
        "The U.S. Senate voted. The U.K. abstained.",
        &["The U.S. Senate voted.", "The U.K. abstained."],
    );
    check(
        "Troops left the U.S. The base closed.",
        &["Troops left the U.S.", "The base closed."],
    );
    check(
        "Kestrel Ltd. and Marlow Corp. merged.",
        &["Kestrel Ltd. and Marlow Corp. merged."],
    );
}

#[test]
fn initials_decimals_and_urls() {
    check(
        "J. K. Rowling spoke. Fans cheered.",
        &["J. K. Rowling spoke.", "Fans cheered."],
    );
    check(
        "Growth was 3.5 per cent. Rates held at 4.25%.",
        &["Growth was 3.5 per cent.", "Rates held at 4.25%."],
    );
    check(
        "See example.org for details. Then vote.",
        &["See example.org for details.", "Then vote."],
    );
}

#[test]
fn sentences_glued_by_a_careless_extractor_are_parted() {
    check(
        "Dates have not been finalized.Wakata has had the station to himself.",
        &[
            "Dates have not been finalized.",
            "Wakata has had the station to himself.",
        ],
    );
    check(
        "She was reported missing on Friday.Alicia Benefield, 19, lives nearby.",
        &[
            "She was reported missing on Friday.",
            "Alicia Benefield, 19, lives nearby.",
        ],
    );
    // Acronyms, abbreviations, names and hosts stay whole.
    check(
        "Shares in Acme Corp.Holdings rose.",
        &["Shares in Acme Corp.Holdings rose."],
    );
    check(
        "Crews from the U.S.Army and news.BBC reported it. Staff at www.example.org.Then left.",
        &[
            "Crews from the U.S.Army and news.BBC reported it.",
            "Staff at www.example.org.Then left.",
        ],
    );
}

#[test]
fn ellipses() {
    check(
        "He paused... Then he left.",
        &["He paused...", "Then he left."],
    );
    check(
        "It was… complicated, she said.",
        &["It was… complicated, she said."],
    );
    check(
        "Wait for it… The results are in.",
        &["Wait for it…", "The results are in."],
    );
}

#[test]
fn closing_quotes_stay_with_their_sentence() {
    check(
        "“We will rebuild,” he said. “It starts now.” Crowds cheered.",
        &[
            "“We will rebuild,” he said.",
            "“It starts now.”",
            "Crowds cheered.",
        ],
    );
    check(
        "He said: \"It is over.\" Then he left.",
        &["He said: \"It is over.\"", "Then he left."],
    );
    check(
        "\"Why now?\" she asked. Nobody replied.",
        &["\"Why now?\" she asked.", "Nobody replied."],
    );
    check(
        "The vote (held in May.) passed. Next item.",
        &["The vote (held in May.) passed.", "Next item."],
    );
}

#[test]
fn paragraphs_never_share_a_sentence() {
    let spans = split_sentences("First para without stop\nSecond para. Two sentences.\n\nThird.");
    let got: Vec<(&str, usize)> = spans
        .iter()
        .map(|s| (s.text.as_str(), s.paragraph))
        .collect();
    assert_eq!(
        got,
        [
            ("First para without stop", 0),
            ("Second para.", 1),
            ("Two sentences.", 1),
            ("Third.", 2)
        ]
    );
}

#[test]
fn cjk_terminators() {
    check(
        "東京で地震があった。被害は小さい。",
        &["東京で地震があった。", "被害は小さい。"],
    );
    check(
        "他说：「我们会回来。」然后离开了！真的吗？",
        &["他说：「我们会回来。」", "然后离开了！", "真的吗？"],
    );
}

#[test]
fn offsets_are_byte_offsets_into_the_input() {
    let input = "Café opens. Zoë smiles.";
    let spans = split_sentences(input);
    assert_eq!(spans[1].start, input.find("Zoë").unwrap_or_default());
    assert_eq!(spans[1].end, input.len());
}
