//! The main text, found by `dom_smoothie` (a port of Mozilla Readability), flattened to plain
//! text with one paragraph per line, plus the signals that tell an article from a page of
//! links.

use crate::ExtractError;
use dom_smoothie::{Config, Readability, ReadabilityError, TextMode};
use scraper::{Html, Selector};
use std::sync::LazyLock;

/// Pages with more elements than this are refused: real articles have a few thousand, and
/// Readability's scoring passes grow with the element count.
pub const MAX_ELEMENTS: usize = 200_000;

/// What Readability found.
#[derive(Debug, Default)]
pub(crate) struct Body {
    /// Plain text, paragraphs separated by `\n`, whitespace collapsed.
    pub text: String,
    /// Share of the text's characters that sit inside links (0.0 to 1.0).
    pub link_density: f64,
    pub title: Option<String>,
    pub byline: Option<String>,
    pub site_name: Option<String>,
}

/// Runs Readability over the parsed page (which it consumes: Readability rewrites the
/// tree). `Ok(None)` means it found no main content at all.
pub(crate) fn extract_body(
    document: dom_query::Document,
    page_url: Option<&str>,
) -> Result<Option<Body>, ExtractError> {
    let config = Config {
        text_mode: TextMode::Formatted,
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    // dom_smoothie is third-party code walking hostile input: a panic inside it must become
    // an error for this page, not take down the caller's worker.
    let outcome = std::panic::catch_unwind(|| {
        let mut readability = Readability::with_document(document, page_url, Some(config))?;
        readability.parse()
    });
    let article = match outcome {
        Ok(Ok(article)) => article,
        Ok(Err(ReadabilityError::GrabFailed)) => return Ok(None),
        Ok(Err(ReadabilityError::TooManyElements(found, _))) => {
            return Err(ExtractError::TooManyElements { elements: found });
        }
        Ok(Err(ReadabilityError::BadDocumentURL)) => {
            return Err(ExtractError::BadPageUrl {
                url: page_url.unwrap_or_default().to_string(),
            });
        }
        Err(_) => return Err(ExtractError::ExtractorPanicked),
    };
    let text = normalise_text(&article.text_content);
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(Body {
        link_density: link_density(&article.content),
        text,
        title: Some(article.title).filter(|t| !t.trim().is_empty()),
        byline: article.byline.filter(|b| !b.trim().is_empty()),
        site_name: article.site_name.filter(|s| !s.trim().is_empty()),
    }))
}

/// One paragraph per line: whitespace runs collapsed, invisible characters dropped, blank
/// lines removed.
pub(crate) fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let cleaned: String = line
            .chars()
            .filter(|c| {
                !matches!(
                    c,
                    '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{AD}'
                )
            })
            .collect();
        let mut words = cleaned.split_whitespace();
        let Some(first) = words.next() else {
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}

/// How many lines at the top of the text may be byline or dateline furniture.
const HEADER_LINES: usize = 3;

/// Removes byline ("By Jane Doe", "Por Ana Lima") and dateline ("Published 2 May 2023",
/// "22/01/2024 18h40") lines from the top and the bottom of the text: Readability keeps them
/// when the page does not mark them with a byline class, and they are not article prose.
pub(crate) fn drop_byline_and_date_lines(text: &str, authors: &[String]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let is_furniture = |line: &str| is_byline(line, authors) || is_dateline(line);
    let mut start = 0;
    while start < HEADER_LINES && start + 1 < lines.len() && is_furniture(lines[start]) {
        start += 1;
    }
    let mut end = lines.len();
    if end > start + 1 && is_furniture(lines[end - 1]) {
        end -= 1;
    }
    if start == 0 && end == lines.len() {
        return text.to_string();
    }
    lines[start..end].join("\n")
}

fn is_byline(line: &str, authors: &[String]) -> bool {
    if line.split_whitespace().count() > 12 {
        return false;
    }
    let lower = line.to_lowercase();
    let by_prefix = ["by ", "por ", "von ", "par ", "door "]
        .iter()
        .any(|p| lower.starts_with(p));
    let names_author = authors.iter().any(|a| lower.contains(&a.to_lowercase()));
    by_prefix || names_author
}

fn is_dateline(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || words.len() > 8 {
        return false;
    }
    let without_label = words
        .iter()
        .skip_while(|w| {
            let w = w.trim_end_matches(':').to_lowercase();
            matches!(
                w.as_str(),
                "published"
                    | "updated"
                    | "posted"
                    | "on"
                    | "publicado"
                    | "atualizado"
                    | "em"
                    | "publié"
                    | "le"
                    | "veröffentlicht"
                    | "am"
                    | "last"
            )
        })
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if crate::dates::parse_date(&without_label).is_some() {
        return true;
    }
    // Numeric datelines in local orders ("22/01/2024 18h40", "01.22.2024 | 6:40 PM"): a
    // plausible year and little else than digits and punctuation.
    let has_year = line
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() == 4 && run.parse::<u32>().is_ok_and(|y| (1990..=2100).contains(&y)));
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    has_year && letters * 3 < line.chars().count()
}

static LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("a").unwrap_or_else(|error| panic!("invalid built-in selector: {error}"))
});

/// Share of visible characters of an HTML fragment that are link text.
/// True for a section front or index whose links readability kept as text: many short
/// lines (headlines, teasers, timestamps) among which paragraphs of running text are rare
/// (a long teaser now and then). In an article, prose paragraphs are the bulk of the lines.
pub fn is_list_of_teasers(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() < 12 {
        return false;
    }
    let running = lines.iter().filter(|line| is_running_text(line)).count();
    (running as f64) < 0.15 * lines.len() as f64
}

/// A paragraph of prose: 25 words or more (or, for text written without spaces, 50
/// characters or more).
fn is_running_text(line: &str) -> bool {
    let words = line.split_whitespace().count();
    words >= 25 || (words < 5 && line.chars().count() >= 50)
}

fn link_density(content_html: &str) -> f64 {
    let fragment = Html::parse_fragment(content_html);
    let visible = |text: &str| text.chars().filter(|c| !c.is_whitespace()).count();
    let total: usize = fragment.root_element().text().map(visible).sum();
    if total == 0 {
        return 0.0;
    }
    let linked: usize = fragment
        .select(&LINKS)
        // A link nested in a link would be counted twice; HTML forbids it and the parser
        // splits them, so a plain sum is right.
        .map(|a| a.text().map(visible).sum::<usize>())
        .sum();
    (linked as f64 / total as f64).min(1.0)
}

/// Words in a text, counting CJK ideographs and kana (written without spaces) at two
/// characters per word, roughly their average word length.
pub(crate) fn word_count(text: &str) -> usize {
    let mut words = 0usize;
    let mut cjk_chars = 0usize;
    for token in text.split_whitespace() {
        let cjk_in_token = token.chars().filter(|&c| is_cjk(c)).count();
        cjk_chars += cjk_in_token;
        if cjk_in_token < token.chars().count() {
            words += 1;
        }
    }
    words + cjk_chars.div_ceil(2)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_one_paragraph_per_line() {
        assert_eq!(normalise_text("  a  b \n\n\n c\u{200B}d \t\n"), "a b\ncd");
        assert_eq!(normalise_text("\n \u{a0} \n"), "");
    }

    #[test]
    fn byline_and_date_lines_are_dropped() {
        let check = |text: &str, authors: &[&str], expected: &str| {
            let authors: Vec<String> = authors.iter().map(|a| a.to_string()).collect();
            assert_eq!(
                drop_byline_and_date_lines(text, &authors),
                expected,
                "text {text:?}"
            );
        };
        check(
            "By Jane Doe\nBody one.\nBody two.",
            &[],
            "Body one.\nBody two.",
        );
        check("Published 2 May 2023\nBody.", &[], "Body.");
        check(
            "Por Ana Lima\n22/01/2024 18h40\nCorpo.\nMais.",
            &["Ana Lima"],
            "Corpo.\nMais.",
        );
        check("Jane Doe\nBody.\nJane Doe", &["Jane Doe"], "Body.");
        check(
            "Jane Doe, the mayor, said on Tuesday that the council would review the harbour plan.\nMore.",
            &["Jane Doe"],
            "Jane Doe, the mayor, said on Tuesday that the council would review the harbour plan.\nMore.",
        );
        check(
            "Body one.\nIn 2023 the council met.\nBody three.",
            &[],
            "Body one.\nIn 2023 the council met.\nBody three.",
        );
        check(
            "By itself this line is long enough to be prose and not a byline at all, surely.\nB.",
            &[],
            "By itself this line is long enough to be prose and not a byline at all, surely.\nB.",
        );
        check("By Jane Doe", &[], "By Jane Doe");
    }

    #[test]
    fn words_in_spaced_and_unspaced_scripts() {
        assert_eq!(word_count("the ferry strike ended"), 4);
        assert_eq!(word_count("東京都は新しい計画を発表した"), 7);
        assert_eq!(word_count("서울시는 새 계획을 발표했다"), 4);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn link_share() {
        assert!(link_density("<p>plain text only</p>") < 0.01);
        let teaser =
            "Ferry strike strands islanders\nCrews walked out over rosters.\n23 Nov 04.40\n";
        assert!(is_list_of_teasers(&teaser.repeat(5)));
        let prose = "word ".repeat(30);
        let article = format!("{}{}", teaser.repeat(2), format!("{prose}\n").repeat(8));
        assert!(!is_list_of_teasers(&article));
        assert!(!is_list_of_teasers("Short.\nArticle."));
        assert!(link_density("<ul><li><a>one link</a></li><li><a>two links</a></li></ul>") > 0.99);
        let mixed = link_density("<p>half text <a>half link</a></p>");
        assert!((0.4..0.6).contains(&mixed), "{mixed}");
    }
}
