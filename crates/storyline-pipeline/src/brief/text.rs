//! Small text helpers for composing brief sentences around real sentences of the coverage:
//! attribution ("The Harbour Times notes that ..."), outlet lists and sentence filters.

use storyline_nlp::terms;

/// Verbs of attribution: a sentence holding one already says whose view it is.
const SPEECH_MARKERS: &[&str] = &[
    " said",
    " says",
    " told",
    "according to",
    " warned",
    " argued",
    " added",
    " noted",
    " wrote",
    " insisted",
    " claimed",
    " stated",
    " announced",
    " conceded",
    " acknowledged",
];

/// Boilerplate lines extractors sometimes leave in article bodies.
const BOILERPLATE: &[&str] = &[
    "additional reporting by",
    "reporting by",
    "editing by",
    "sign up",
    "subscribe",
    "read more",
    "click here",
    "all rights reserved",
    "follow us",
    "newsletter",
    "this article",
    "contributed to this report",
    "photo:",
    "image:",
    "copyright",
];

/// The sentence without a leading wire dateline ("SANTIAGO, Nov 23 (Cascade Wire) – ",
/// "LISBON — "): the rest is still verbatim article text, and reads as a sentence.
pub fn strip_dateline(sentence: &str) -> &str {
    for dash in [" – ", " — ", " - ", " -- "] {
        let Some(at) = sentence.find(dash) else {
            continue;
        };
        if at > 80 {
            continue;
        }
        let prefix = &sentence[..at];
        let first_word: String = prefix.chars().take_while(|c| c.is_alphabetic()).collect();
        let shouts = first_word.chars().count() >= 3 && first_word.chars().all(char::is_uppercase);
        if shouts && !prefix.contains('"') && !prefix.contains('“') {
            let rest = sentence[at + dash.len()..].trim_start();
            if rest.chars().next().is_some_and(char::is_uppercase) {
                return rest;
            }
        }
    }
    sentence
}

/// Number of words in `text`.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// True for a sentence fit to quote in a brief: a complete statement of sensible length,
/// not a question, a heading or site boilerplate.
pub fn is_usable_sentence(text: &str) -> bool {
    let words = word_count(text);
    if !(6..=60).contains(&words) {
        return false;
    }
    let trimmed = text.trim_end_matches(['"', '\'', '”', '’', ')', ' ']);
    if !trimmed.ends_with(['.', '!']) {
        return false;
    }
    let lower = text.to_lowercase();
    if BOILERPLATE.iter().any(|b| lower.contains(b)) {
        return false;
    }
    // "SEAN HANNITY, HOST: Tonight, we ..." or "MARYLAND: Ana Reyes (Independent), ...": a
    // capitalised label before a colon opens a transcript's turn or a list's entry, not a
    // reported sentence.
    if let Some((label, _)) = text.split_once(':') {
        let letters: Vec<char> = label.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.len() >= 2
            && letters.iter().all(|c| c.is_uppercase())
            && label.split_whitespace().count() <= 6
        {
            return false;
        }
    }
    // A sentence in brackets is an aside to the one before it ("(Under the plan, ...)"),
    // and reads wrong inside a frame ("notes that (Under ...").
    if text.starts_with(['(', '[']) {
        return false;
    }
    // Bylines are not content; a sentence opening with a conjunction leans on the one
    // before it and means little alone.
    if ["by ", "but ", "and ", "or ", "yet ", "so ", "nor "]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return false;
    }
    // So does one opening with a pronoun ("It starts with...", "They said...").
    if [
        "it ", "it's ", "he ", "she ", "they ", "this ", "these ", "those ", "its ",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        return false;
    }
    quotes_balanced(text)
}

/// False for a piece of a longer quotation (a closing mark without its opening one, or the
/// reverse): out of its paragraph it misstates who said what.
fn quotes_balanced(text: &str) -> bool {
    let opening = text.matches('“').count();
    let closing = text.matches('”').count();
    let straight = text.matches('"').count();
    opening == closing && straight.is_multiple_of(2)
}

/// True when the sentence opens with a quotation mark.
pub fn opens_with_quote(sentence: &str) -> bool {
    sentence
        .trim_start()
        .starts_with(['"', '“', '‘', '\'', '«'])
}

/// True when the sentence already names whose words or view it reports.
pub fn is_attributed(text: &str) -> bool {
    let lower = text.to_lowercase();
    SPEECH_MARKERS.iter().any(|m| lower.contains(m))
}

/// "`outlet` `verb` that `sentence`", with the sentence's first word lowercased when it is a
/// common word (so proper nouns keep their capital) and its final full stop kept. A
/// sentence that opens with a quotation reads "According to `outlet`, “...”" instead, as
/// "notes that" cannot introduce a quote.
pub fn attribute(
    outlet: &str,
    verb: &str,
    sentence: &str,
    lowercase_ok: &dyn Fn(&str) -> bool,
) -> String {
    if opens_with_quote(sentence) {
        return format!("According to {outlet}, {}", sentence.trim());
    }
    format!(
        "{outlet} {verb} that {}",
        continue_sentence(sentence, lowercase_ok)
    )
}

/// The sentence as the continuation of a longer one: first word lowercased when it is a
/// stop word or `lowercase_ok` says the word is common in the coverage.
pub fn continue_sentence(sentence: &str, lowercase_ok: &dyn Fn(&str) -> bool) -> String {
    // "notes that However, ..." reads wrong: a connective that tied the sentence to the one
    // before it in its article ties it to nothing here.
    let sentence = [
        "However, ",
        "But ",
        "And ",
        "Meanwhile, ",
        "Still, ",
        "Also, ",
    ]
    .iter()
    .find_map(|connective| sentence.trim().strip_prefix(connective))
    .unwrap_or(sentence)
    .trim();
    let first_word: String = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .next()
        .unwrap_or("")
        .to_string();
    // "UN", "U.S.", "McCain": a word with a capital after its first letter keeps its case.
    let is_acronym = sentence
        .split_whitespace()
        .next()
        .is_some_and(|token| token.chars().skip(1).any(char::is_uppercase));
    if first_word.is_empty() || is_acronym || first_word == "I" {
        return sentence.to_string();
    }
    let lower = first_word.to_lowercase();
    // "Transport Minister Helen Achterberg", "New Delhi": a capitalised word followed by
    // another is the start of a name, unless it is a function word ("The Hague" is still
    // "the Hague" mid-sentence).
    let next_is_capitalised = sentence
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.chars().next())
        .is_some_and(char::is_uppercase);
    let is_function_word = terms::is_stopword(&lower);
    if is_function_word || (lowercase_ok(&lower) && !next_is_capitalised) {
        let mut chars = sentence.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        sentence.to_string()
    }
}

/// The sentence without its final full stop, to join it with another.
pub fn without_final_stop(sentence: &str) -> &str {
    sentence
        .trim_end()
        .strip_suffix('.')
        .unwrap_or(sentence.trim_end())
}

/// "A", "A and B", "A, B and C".
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> bool {
        false
    }

    #[test]
    fn attribution_lowercases_only_common_first_words() {
        let check = |sentence: &str, expected: &str| {
            assert_eq!(attribute("The Ledger", "notes", sentence, &never), expected);
        };
        check(
            "The fire began at dawn.",
            "The Ledger notes that the fire began at dawn.",
        );
        check(
            "Tomas Berg resigned.",
            "The Ledger notes that Tomas Berg resigned.",
        );
        check(
            "NATO met on Monday.",
            "The Ledger notes that NATO met on Monday.",
        );
        check(
            "“We ran,” she said.",
            "According to The Ledger, “We ran,” she said.",
        );
        check(
            "U.S. flight controllers planned to load new software.",
            "The Ledger notes that U.S. flight controllers planned to load new software.",
        );
        check(
            "However, Tomas Berg said the plan was secret.",
            "The Ledger notes that Tomas Berg said the plan was secret.",
        );
    }

    #[test]
    fn datelines_are_stripped() {
        let check = |input: &str, expected: &str| assert_eq!(strip_dateline(input), expected);
        check(
            "SANTIAGO, Nov 23 (Cascade Wire) – Chile's court ruled.",
            "Chile's court ruled.",
        );
        check(
            "GOTHENBURG, Sweden, Nov 19 (Wire) - Arvana is recalling cars.",
            "Arvana is recalling cars.",
        );
        check("LISBON — The port reopened.", "The port reopened.");
        check("The port reopened – partly.", "The port reopened – partly.");
        check(
            "NATO said – at length – nothing.",
            "NATO said – at length – nothing.",
        );
    }

    #[test]
    fn sentence_filters() {
        assert!(is_usable_sentence(
            "The port will stay closed until Friday, officials said."
        ));
        assert!(!is_usable_sentence("Read more about the port."));
        assert!(!is_usable_sentence("What happens next?"));
        assert!(!is_usable_sentence("Too short."));
        assert!(!is_usable_sentence(
            "ANA REYES, HOST: Tonight, we are waiting for the mayor to speak."
        ));
        assert!(is_usable_sentence(
            "The NATO summit had one aim: to agree on the new budget rules."
        ));
        assert!(!is_usable_sentence(
            "(Under the plan, the council would keep its powers over schools.)"
        ));
        assert!(!is_usable_sentence(
            "But we picked the town for its engineers, not the subsidy."
        ));
        assert!(!is_usable_sentence(
            "It starts with an output of 8,000 wafers a month."
        ));
        assert!(!is_usable_sentence(
            "The city has trained radio engineers for forty years.”"
        ));
        assert!(is_usable_sentence(
            "“The city has trained radio engineers,” she said."
        ));
        assert!(is_attributed("The fire was contained, the mayor said."));
        assert_eq!(
            join_names(&["A".into(), "B".into(), "C".into()]),
            "A, B and C"
        );
    }
}
