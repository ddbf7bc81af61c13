//! Quotes, numbers and past references: the facts the brief trust checks verify.

use storyline_nlp::facts::{
    PastReference, contains_number, contains_verbatim, numbers, past_references, quoted_spans,
};

#[track_caller]
fn check_quotes(input: &str, expected: &[&str]) {
    assert_eq!(quoted_spans(input), expected, "input: {input:?}");
}

#[test]
fn quoted_spans_of_two_words_or_more() {
    check_quotes(
        "He said \"we will rebuild the harbour\" on Monday.",
        &["we will rebuild the harbour"],
    );
    check_quotes(
        "“This is a turning point,” the mayor said.",
        &["This is a turning point"],
    );
    check_quotes(
        "Elle a dit « nous resterons unis » hier.",
        &["nous resterons unis"],
    );
    check_quotes(
        "Er sagte: „Wir bleiben hier“ und ging.",
        &["Wir bleiben hier"],
    );
    check_quotes("The so-called \"reset\" failed.", &[]);
    check_quotes("It's the union's view; they don't agree.", &[]);
    check_quotes("'Single quotes are ignored,' he said.", &[]);
    check_quotes(
        "\"First part,\" he said, \"second part.\"",
        &["First part", "second part."],
    );
    check_quotes("An unclosed \"quote runs on", &[]);
    check_quotes("“Quotes do not\nspan paragraphs” here", &[]);
    check_quotes(
        "彼は「来年また戻ってくる」と語った。",
        &["来年また戻ってくる"],
    );
}

#[track_caller]
fn check_numbers(input: &str, expected: &[&str]) {
    assert_eq!(numbers(input), expected, "input: {input:?}");
}

#[test]
fn numbers_are_normalised() {
    check_numbers("About 1,200 people and 3.5 tonnes.", &["1200", "3.5"]);
    check_numbers("Turnout was 40% and costs rose $2bn.", &["40", "2"]);
    check_numbers("It cost €1.2 million in 2019.", &["1.2", "2019"]);
    check_numbers("Rates rose to 4.50 from 4.25.", &["4.5", "4.25"]);
    check_numbers(
        "Der Preis: 1.200.000 Euro, Inflation 3,5 Prozent.",
        &["1200000", "3.5"],
    );
    check_numbers(
        "On the 5th, in the 1990s, at 10:30, 15km away.",
        &["5", "1990", "10:30", "15"],
    );
    check_numbers(
        "The G7, COVID-19, F-16 jets, H5N1, 5G and 3D printing.",
        &[],
    );
    check_numbers("Between 2019-2021 prices fell 7.", &["2019", "2021", "7"]);
    check_numbers("No digits here.", &[]);
}

#[track_caller]
fn check_contains_number(haystack: &str, number: &str, expected: bool) {
    assert_eq!(
        contains_number(haystack, number),
        expected,
        "{number:?} in {haystack:?}"
    );
}

#[test]
fn contains_number_after_normalisation() {
    check_contains_number("Some 1,200 workers walked out.", "1200", true);
    check_contains_number("Some 1,200 workers walked out.", "1,200", true);
    check_contains_number("Some 1,200 workers walked out.", "120", false);
    check_contains_number("Some 12,000 workers walked out.", "1200", false);
    check_contains_number("Inflation hit 3.50%.", "3.5", true);
    check_contains_number("The fund holds 1,200,000 euros.", "1.2 million", true);
    check_contains_number("The fund holds 1.2 million euros.", "1200000", true);
    check_contains_number("The fund holds 1.2 million euros.", "1.2", true);
    check_contains_number("The deal is worth $2bn.", "2 billion", true);
    check_contains_number("Two people were hurt and 2,000 fled.", "2", false);
    check_contains_number("The G7 met.", "7", false);
    check_contains_number("Nothing numeric.", "not a number", false);
}

#[track_caller]
fn check_verbatim(haystack: &str, quote: &str, expected: bool) {
    assert_eq!(
        contains_verbatim(haystack, quote),
        expected,
        "{quote:?} in {haystack:?}"
    );
}

#[test]
fn verbatim_modulo_typography() {
    let article =
        "“We won’t  back down — not now,” said the minister.\nShe added: \"It's a fight.\"";
    check_verbatim(article, "We won't back down - not now", true);
    check_verbatim(article, "We won’t back down — not now,", true);
    check_verbatim(article, "we won't back down", true);
    check_verbatim(article, "It’s a fight", true);
    check_verbatim(article, "It's a fight.", true);
    check_verbatim(article, "We will not back down", false);
    check_verbatim(article, "back dow", false);
    check_verbatim(article, "won't back down — not now, said", false);
    check_verbatim("The talks…collapsed", "The talks...collapsed", true);
}

fn reference(
    phrase: &str,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
) -> PastReference {
    PastReference {
        phrase: phrase.to_string(),
        year,
        month,
        day,
    }
}

#[track_caller]
fn check_past(sentence: &str, expected: &[PastReference]) {
    assert_eq!(
        past_references(sentence),
        expected,
        "sentence: {sentence:?}"
    );
}

#[test]
fn past_references_with_dates() {
    check_past(
        "The plan was unveiled on 3 March.",
        &[reference("on 3 March", None, Some(3), Some(3))],
    );
    check_past(
        "It was signed March 3, 2025, in Lisbon.",
        &[reference("March 3, 2025", Some(2025), Some(3), Some(3))],
    );
    check_past(
        "The law changed in 2019.",
        &[reference("in 2019", Some(2019), None, None)],
    );
    check_past(
        "Prices have risen since January 2024.",
        &[reference("since January 2024", Some(2024), Some(1), None)],
    );
    check_past(
        "Talks broke down in January.",
        &[reference("in January", None, Some(1), None)],
    );
    check_past(
        "On the 21st of June 2016 voters decided.",
        &[reference(
            "21st of June 2016",
            Some(2016),
            Some(6),
            Some(21),
        )],
    );
    check_past(
        "The mill closed in May.",
        &[reference("in May", None, Some(5), None)],
    );
}

#[test]
fn relative_past_references() {
    check_past(
        "Last year the fund lost money.",
        &[reference("Last year", None, None, None)],
    );
    check_past(
        "He resigned last month.",
        &[reference("last month", None, None, None)],
    );
    check_past(
        "Earlier this week the court ruled.",
        &[reference("Earlier this week", None, None, None)],
    );
    check_past(
        "The bridge opened a year ago.",
        &[reference("a year ago", None, None, None)],
    );
    check_past(
        "It closed three decades ago.",
        &[reference("three decades ago", None, None, None)],
    );
    check_past(
        "She had previously denied it.",
        &[reference("previously", None, None, None)],
    );
    check_past(
        "The scheme, first announced in 2021, stalled.",
        &[
            reference("first announced", None, None, None),
            reference("in 2021", Some(2021), None, None),
        ],
    );
    check_past(
        "He has since resigned.",
        &[reference("since", None, None, None)],
    );
}

#[test]
fn no_false_past_references() {
    check_past("Officials may decide today.", &[]);
    check_past("The report runs to 2030 pages.", &[]);
    check_past("The march went ahead peacefully.", &[]);
}

#[test]
fn quantities_are_numbers_with_what_they_count() {
    let found = storyline_nlp::facts::quantities(
        "Police said 26 people, including 20 children, were killed and 1,200 more were \
         evacuated; turnout was 31.4% on 15 November 2026, up from 2019.",
    );
    let read: Vec<(f64, &str, &str)> = found
        .iter()
        .map(|q| (q.value, q.written.as_str(), q.unit.as_str()))
        .collect();
    assert_eq!(
        read,
        [
            (26.0, "26", "people"),
            (20.0, "20", "children"),
            (31.4, "31.4", "percent"),
        ]
    );
}

#[test]
fn dates_years_and_glued_numbers_are_not_quantities() {
    for sentence in [
        "The vote was held on November 15 and again in 2019.",
        "The G7 met for a 26-year-old summit tradition.",
        "Doors open at 10:30 am.",
        "The figure was 26.",
    ] {
        assert_eq!(storyline_nlp::facts::quantities(sentence), [], "{sentence}");
    }
}

#[test]
fn bounded_and_approximate_figures_agree_with_what_they_allow() {
    let first = |sentence: &str| storyline_nlp::facts::quantities(sentence).remove(0);
    let at_least = first("He paid at least 13 percent in taxes.");
    assert!(at_least.agrees_with(&first("He paid 14.1 percent in taxes.")));
    assert!(!at_least.agrees_with(&first("He paid 12 percent in taxes.")));
    let dead = first("At least 28 people are dead.");
    assert!(!dead.agrees_with(&first("The gunman killed 26 people.")));
    let about = first("About 400 people were evacuated.");
    assert!(about.agrees_with(&first("Some 420 people were evacuated.")));
    assert!(!about.agrees_with(&first("Nearly 300 people were evacuated.")));
    assert!(first("Up to 50 homes were lost.").agrees_with(&first("48 homes were lost.")));
}

#[test]
fn a_count_hangs_on_the_nearest_content_word_of_its_clause() {
    let governors = |sentence: &str| -> Vec<String> {
        storyline_nlp::facts::quantities(sentence)
            .into_iter()
            .map(|q| q.governor)
            .collect()
    };
    assert_eq!(
        governors("The start was delayed by about 35 minutes."),
        ["delayed"]
    );
    assert_eq!(
        governors("Turnout reached 64.2% of the electorate, up from 58.1% in 2022."),
        ["reached", ""]
    );
    assert_eq!(governors("At least 28 people are dead."), [""]);
}
