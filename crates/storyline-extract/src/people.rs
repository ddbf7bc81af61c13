//! Cleaning author bylines into person names, and comparing outlet names.

use storyline_model::name_key;

/// Byline prefixes meaning "by" in the languages we see most.
const BY_PREFIXES: &[&str] = &["by ", "por ", "von ", "par ", "di ", "door ", "av ", "af "];

/// Words that, alone, are a job title or a placeholder rather than a name.
const NOT_NAMES: &[&str] = &[
    "staff",
    "staff writer",
    "staff writers",
    "staff reporter",
    "reporter",
    "correspondent",
    "editor",
    "editors",
    "the editors",
    "editorial board",
    "editorial",
    "admin",
    "administrator",
    "anonymous",
    "unknown",
    "guest",
    "contributor",
    "news desk",
    "newsroom",
    "web desk",
    "null",
    "undefined",
];

/// Last words that make a byline fragment a job title rather than a name.
const ROLE_WORDS: &[&str] = &[
    "writer",
    "writers",
    "reporter",
    "reporters",
    "correspondent",
    "correspondents",
    "editor",
    "editors",
    "columnist",
    "contributor",
    "producer",
    "journalist",
    "staff",
];

/// Splits and cleans raw author strings: drops "By ", e-mail addresses, URLs, job titles and
/// the outlet's own name, splits "A and B" / "A, B", and removes duplicates (first spelling
/// kept).
pub(crate) fn clean_authors(raw: &[String], publisher: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for entry in raw {
        // A profile link (`article:author` often holds one) names nobody we can show.
        let entry = entry.trim();
        if entry.contains("://") || entry.starts_with("www.") {
            continue;
        }
        for part in split_byline(entry) {
            let Some(name) = clean_name(&part) else {
                continue;
            };
            if publisher.is_some_and(|p| same_outlet(p, &name)) {
                continue;
            }
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                names.push(name);
            }
        }
    }
    names
}

fn split_byline(entry: &str) -> Vec<String> {
    let collapsed = entry.split_whitespace().collect::<Vec<_>>().join(" ");
    let stripped = strip_by_prefix(&collapsed);
    let mut parts = vec![stripped.to_string()];
    for separator in [
        " and ", " And ", " AND ", " & ", " e ", " y ", " und ", " et ",
    ] {
        parts = parts
            .iter()
            .flat_map(|p| p.split(separator).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    parts
        .iter()
        .flat_map(|p| {
            p.split([',', ';', '|', '\u{2022}', '/'])
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|p| strip_by_prefix(p.trim()).to_string())
        .collect()
}

fn strip_by_prefix(text: &str) -> &str {
    let lower = text.to_lowercase();
    for prefix in BY_PREFIXES {
        if lower.starts_with(prefix) && text.is_char_boundary(prefix.len()) {
            return text[prefix.len()..].trim_start();
        }
    }
    text
}

fn clean_name(part: &str) -> Option<String> {
    let name = part.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '–' | '—' | ':' | '.' | '·')
    });
    if name.is_empty() || name.chars().count() > 60 || name.split_whitespace().count() > 6 {
        return None;
    }
    if name.contains('@') || name.contains("://") || name.starts_with("www.") {
        return None;
    }
    if name.chars().any(|c| c.is_ascii_digit()) || !name.chars().any(char::is_alphabetic) {
        return None;
    }
    let lower = name.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) {
        return None;
    }
    // "AP Auto Writer", "Senior Correspondent": a job title left over from the split.
    let last_word = lower.split_whitespace().last().unwrap_or_default();
    if ROLE_WORDS.contains(&last_word) {
        return None;
    }
    Some(name.to_string())
}

/// True when two strings name the same outlet: "The Harbour Times", "harbour times",
/// "harbourtimes.com" and "HarbourTimes" all match.
pub(crate) fn same_outlet(a: &str, b: &str) -> bool {
    // The model's loose name key, the same one outlet names are compared by everywhere.
    let (a, b) = (name_key(a), name_key(b));
    !a.is_empty() && a == b
}

/// True when `name` is the outlet behind `host`: "Harbour Times" for
/// `www.harbourtimes.example`. The longest host label is taken as the brand, which skips
/// `www`, `news` and country suffixes such as `co.uk`.
pub(crate) fn outlet_of_host(host: &str, name: &str) -> bool {
    let brand = host
        .split('.')
        .max_by_key(|label| label.len())
        .unwrap_or(host);
    same_outlet(brand, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &[&str], publisher: Option<&str>, expected: &[&str]) {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        assert_eq!(clean_authors(&raw, publisher), expected, "input {raw:?}");
    }

    #[test]
    fn bylines_become_names() {
        check(&["By Jane Doe"], None, &["Jane Doe"]);
        check(&["BY  JANE DOE "], None, &["JANE DOE"]);
        check(&["Jane Doe and John Roe"], None, &["Jane Doe", "John Roe"]);
        check(
            &["Jane Doe, John Roe & Ana Lima"],
            None,
            &["Jane Doe", "John Roe", "Ana Lima"],
        );
        check(
            &["Por Ana Lima e Rui Costa"],
            None,
            &["Ana Lima", "Rui Costa"],
        );
        check(
            &["Jane Doe", "jane doe", "John Roe"],
            None,
            &["Jane Doe", "John Roe"],
        );
        check(&["Jane Doe, Staff Writer"], None, &["Jane Doe"]);
        check(&["jane@harbour.example"], None, &[]);
        check(&["https://harbour.example/staff/jane-doe"], None, &[]);
        check(&["The Harbour Times"], Some("Harbour Times"), &[]);
        check(
            &["Jane Doe | The Harbour Times"],
            Some("The Harbour Times"),
            &["Jane Doe"],
        );
        check(&["Updated 3 hours ago"], None, &[]);
        check(&["TOM KRISHER, AP Auto Writer"], None, &["TOM KRISHER"]);
        check(&[""], None, &[]);
    }

    #[test]
    fn outlet_names_match_loosely() {
        assert!(same_outlet("The Harbour Times", "harbourtimes.com"));
        assert!(same_outlet("HARBOUR TIMES", "The Harbour-Times"));
        assert!(!same_outlet("Harbour Times", "Harbour Post"));
        assert!(!same_outlet("", ""));
        assert!(outlet_of_host(
            "www.harbourtimes.example",
            "The Harbour Times"
        ));
        assert!(outlet_of_host("news.harbourtimes.co.uk", "HarbourTimes"));
        assert!(!outlet_of_host("www.harbourtimes.example", "Example"));
    }
}
