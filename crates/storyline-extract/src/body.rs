//! The main text, found by `dom_smoothie` (a port of Mozilla Readability), flattened to plain
//! text with one paragraph per line, plus the signals that tell an article from a page of
//! links.

use crate::ExtractError;
use dom_smoothie::{Config, Readability, ReadabilityError, TextMode};

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
        // metadata.rs has already read the JSON-LD blocks; reading them again costs time.
        disable_json_ld: true,
        ..Config::default()
    };
    // dom_smoothie is third-party code walking hostile input: a panic inside it must become
    // an error for this page, not take down the caller's worker.
    let outcome = std::panic::catch_unwind(|| {
        crate::clean::remove_boilerplate(&document);
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
    let text = drop_boilerplate_lines(&normalise_text(&article.text_content));
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

/// Removes lines that are page furniture wherever they sit in the text: timestamps
/// ("Updated 6:55 AM"), copyright and citation notices, photo credits and captions that end
/// in a credit, and the labels of widgets ("Advertisement", "Image 1 of 8").
pub(crate) fn drop_boilerplate_lines(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !is_boilerplate_line(line))
        .collect();
    if kept.is_empty() {
        return text.to_string();
    }
    kept.join("\n")
}

/// Words above which a line is prose even if it looks like a notice.
const MAX_NOTICE_WORDS: usize = 40;

fn is_boilerplate_line(line: &str) -> bool {
    let words = line.split_whitespace().count();
    if words > MAX_NOTICE_WORDS {
        return false;
    }
    let lower = line.trim().to_lowercase();
    is_timestamp_line(&lower)
        || is_copyright_line(&lower)
        || (lower.starts_with("citation:") && lower.contains("retrieved"))
        || is_credit_line(line, &lower, words)
        || is_widget_label(&lower)
}

/// A line made only of a timestamp and its labels: "Updated 5:27 am CST, Wednesday,
/// November 20, 2019", "Posted: Fri 6:45 PM, Feb 16, 2018 |", "Published 1 day ago".
fn is_timestamp_line(lower: &str) -> bool {
    const LABELS: &[&str] = &[
        "updated",
        "posted",
        "published",
        "last",
        "modified",
        "on",
        "at",
        "|",
        "/",
        "-",
        "—",
        "am",
        "pm",
        "a.m.",
        "a.m",
        "p.m",
        "p.m.",
        "ago",
        "day",
        "days",
        "hour",
        "hours",
        "minute",
        "minutes",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "de",
        "às",
        "em",
        "publicado",
        "atualizado",
        "le",
        "à",
        "publié",
        "mis",
        "jour",
    ];
    const MONTHS_AND_DAYS: &[&str] = &[
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let mut has_digit = false;
    let mut has_label = false;
    for raw in lower.split(|c: char| c.is_whitespace() || c == ';' || c == ',') {
        let word = raw.trim_matches(|c: char| matches!(c, ':' | '.' | ',' | '(' | ')' | '|'));
        if word.is_empty() {
            continue;
        }
        if word.chars().any(|c| c.is_ascii_digit()) {
            // "6:55", "2019", "20th", "10:48", "1:23", "19/11/2019", "6:55am"
            let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
            if !matches!(
                letters.as_str(),
                "" | "st" | "nd" | "rd" | "th" | "am" | "pm" | "h" | "gmt" | "utc"
            ) {
                return false;
            }
            has_digit = true;
        } else if LABELS.contains(&word) || MONTHS_AND_DAYS.contains(&word) {
            has_label |= matches!(
                word,
                "updated"
                    | "posted"
                    | "published"
                    | "modified"
                    | "publicado"
                    | "atualizado"
                    | "publié"
                    | "ago"
            );
        } else if word.len() <= 4
            && word.ends_with('t')
            && word.chars().all(|c| c.is_ascii_alphabetic())
        {
            // Time zones: "cst", "est", "gmt", "bst", "pdt".
        } else {
            return false;
        }
    }
    has_digit && has_label
}

fn is_copyright_line(lower: &str) -> bool {
    let stripped = lower.trim_start_matches(['(', '[']);
    stripped.starts_with('©')
        || stripped.starts_with("copyright")
        || stripped.starts_with("(c) ")
        || stripped.starts_with("image copyright")
        || stripped.starts_with("image: ©")
        || lower.contains("all rights reserved")
        || lower.contains("subject to copyright")
        || lower.contains("contents of this site are ©")
}

/// A photo credit on its own ("Photo: Jane Roe, AP", "Alex Wong | Getty Images") or a
/// caption that ends in one ("... during the vote. Credit: Reuters", "... (Image: GETTY)").
fn is_credit_line(line: &str, lower: &str, words: usize) -> bool {
    const LABELS: &[&str] = &[
        "photo:",
        "photos:",
        "image:",
        "picture:",
        "credit:",
        "image credit:",
        "photo credit:",
        "foto:",
        "imagem:",
        "(photo:",
        "(image:",
        "(credit:",
        "(picture:",
        "(foto:",
        "image caption",
    ];
    if words <= 12 && LABELS.iter().any(|l| lower.starts_with(l)) {
        return true;
    }
    // "...a rabbitCredit: Getty - Contributor": a credit glued or appended at the end,
    // capitalised as a label (a sentence that mentions "credit:" in passing is prose).
    if let Some(at) = line.rfind("Credit:")
        && line[at..].split_whitespace().count() <= 8
    {
        return true;
    }
    let trimmed = line.trim_end();
    if trimmed.ends_with(')')
        && let Some(open) = trimmed.rfind('(')
    {
        let inside = trimmed[open + 1..].to_lowercase();
        let inside = inside.trim_start();
        if inside.starts_with("image:")
            || inside.starts_with("photo:")
            || inside.starts_with("picture:")
            || inside.contains(" photo/")
            || inside.starts_with("photo/")
            || inside.starts_with("ap photo")
            || inside.contains(" via ")
            || inside.ends_with(", file)")
            || matches!(
                inside,
                "ap)" | "reuters)" | "afp)" | "getty images)" | "file)"
            )
        {
            return true;
        }
    }
    // "Natalie Naccache | Bloomberg | Getty Images", "Jason Cipriani/ZDNet".
    words <= 8
        && (lower.ends_with("getty images") || lower.ends_with("/ap") || lower.ends_with(", ap"))
}

/// The labels of page widgets, which carry no words of the article.
fn is_widget_label(lower: &str) -> bool {
    const LABELS: &[&str] = &[
        "advertisement",
        "advert",
        "ad",
        "caption",
        "close",
        "enlarge image",
        "enlarge",
        "continue reading below",
        "story continues below advertisement",
        "share",
        "share this",
        "share this article",
        "sharing is caring!",
        "comments",
        "related",
        "related news",
        "related stories",
        "related articles",
        "you may also like",
        "you may also like...",
        "trending",
        "most read",
        "most popular",
        "read more",
        "this slideshow requires javascript.",
        "view author archive",
        "email the author",
        "follow on twitter",
        "subscribe",
        "latest",
        "highlights",
        "don't miss",
    ];
    let trimmed = lower.trim_end_matches([':', '.', '…']).trim();
    if LABELS.contains(&lower) || LABELS.contains(&trimmed) {
        return true;
    }
    // "Image 1 of 8", "Image 1 of / 8"
    let words: Vec<&str> = lower.split_whitespace().collect();
    matches!(
        words.first(),
        Some(&"image") | Some(&"photo") | Some(&"slide")
    ) && words.len() <= 5
        && words.contains(&"of")
        && words.iter().any(|w| w.chars().all(|c| c.is_ascii_digit()))
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

/// Share of visible characters of an HTML fragment that are link text.
fn link_density(content_html: &str) -> f64 {
    // Readability's output is well-formed serialised HTML (no scripts, comments or raw-text
    // elements), so a scan of its tags is enough: no second parse of the page.
    let bytes = content_html.as_bytes();
    let (mut total, mut linked, mut anchor_depth) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let end = memchr::memchr(b'>', &bytes[i..]).map_or(bytes.len(), |e| i + e + 1);
            let tag = &bytes[i + 1..end.saturating_sub(1).max(i + 1)];
            let name_end = tag
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'/' && tag.first() != Some(&b'/'))
                .unwrap_or(tag.len());
            let name = &tag[..name_end];
            if name.eq_ignore_ascii_case(b"a") {
                anchor_depth += 1;
            } else if name.eq_ignore_ascii_case(b"/a") {
                anchor_depth = anchor_depth.saturating_sub(1);
            }
            i = end;
            continue;
        }
        // Text: count visible characters (an entity such as &amp; counts as one).
        let next_tag = memchr::memchr(b'<', &bytes[i..]).map_or(bytes.len(), |e| i + e);
        let text = &content_html[i..next_tag];
        let visible = visible_chars(text);
        total += visible;
        if anchor_depth > 0 {
            linked += visible;
        }
        i = next_tag;
    }
    if total == 0 {
        return 0.0;
    }
    (linked as f64 / total as f64).min(1.0)
}

/// Non-whitespace characters of serialised HTML text, an entity counting as one.
fn visible_chars(text: &str) -> usize {
    let mut count = 0;
    let mut in_entity = false;
    for c in text.chars() {
        match c {
            '&' => {
                in_entity = true;
                count += 1;
            }
            ';' if in_entity => in_entity = false,
            c if in_entity && (c.is_ascii_alphanumeric() || c == '#') => {}
            c => {
                in_entity = false;
                if !c.is_whitespace() {
                    count += 1;
                }
            }
        }
    }
    count
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
    fn boilerplate_lines() {
        let check = |line: &str, expected: bool| {
            assert_eq!(is_boilerplate_line(line), expected, "line {line:?}");
        };
        check("Updated 5:27 am CST, Wednesday, November 20, 2019", true);
        check("Updated Nov 19, 6:55 AM;Posted Nov 19, 6:51 AM", true);
        check("Posted: Fri 6:45 PM, Feb 16, 2018 |", true);
        check("Published 1 day ago", true);
        check("Updated at 1:23 p.m.", true);
        check("© 2024 The Lowland Ledger", true);
        check("Copyright 2024 Example Media. All rights reserved.", true);
        check(
            "Citation: Orchards (2024, July 9) retrieved 10 July 2024 from https://x.example/a",
            true,
        );
        check("Photo: Ines Calder, Ledger", true);
        check("Pickers fill crates at night.Credit: Ines Calder", true);
        check("Pickers rest after midnight (Image: Ledger)", true);
        check(
            "Pickers load crates in Marrow Bend. (AP Photo/Ines Calder, File)",
            true,
        );
        check("Advertisement", true);
        check("Image 1 of 8", true);
        check("You may also like...", true);
        check(
            "Updated rules take effect on 1 May 2024 for all growers in the valley.",
            false,
        );
        check("The council posted 12 notices.", false);
        check("She said the credit: was not enough.", false);
        check(
            "Growers shared a copyright-free photo of the orchard with the council.",
            false,
        );
        check("Share prices rose 4% on Tuesday.", false);
        check(&format!("© {}", "word ".repeat(45)), false);
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
