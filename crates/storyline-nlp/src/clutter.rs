//! Page furniture in article text: what a page wraps around the report and what no section
//! of a brief, and no entity, should be taken from. Caption and credit lines ("FILE - In this
//! photo ...", "(AP Photo/Jane Doe)"), bylines, time-stamp lines and bracketed live-blog
//! stamps ("[Updated at 7:48 p.m. ET]"), datelines ("NEWTOWN, Conn. (AP) —"), copyright,
//! sharing and "Read more" lines.
//!
//! Two cleaners: [`strip_page_furniture`] drops whole lines and what opens a paragraph (a
//! stamp, a dateline), so every sentence left is verbatim in the body: the brief writer picks
//! sentences from it. [`strip_boilerplate`] also cuts inside paragraphs (parenthesised
//! credits and agency tags, stamps anywhere, soft hyphens): the entity reader uses it, as
//! names need no verbatim text.
//!
//! Invariants: pure functions; the output's lines are in the input's order; a line is
//! dropped only when it is furniture as a whole.

/// The body without what a page wraps around the report: credit and caption lines, bylines,
/// time stamps, copyright and sharing lines, bracketed live-blog stamps, parenthesised
/// credits and agency tags, and a dateline opening a paragraph ("NEWTOWN, Conn. (AP) —").
pub fn strip_boilerplate(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        let line = without_invisible(line);
        let line = line.trim();
        if line.is_empty() || is_boilerplate_line(line) {
            continue;
        }
        let line = without_stamps_and_credits(line);
        let line = without_dateline(&line);
        if !line.trim().is_empty() {
            out.push_str(line.trim());
            out.push('\n');
        }
    }
    out
}

/// Text without soft hyphens and zero-width characters: pages put them inside names
/// ("Netan\u{ad}yahu"), where they split one spelling in two.
pub(crate) fn without_invisible(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
            )
        })
        .collect()
}

/// The body without the lines a page wraps around the report (captions and credits,
/// bylines, time-stamp lines, copyright and sharing lines), a time stamp in brackets opening
/// a paragraph ("[Updated at 7:48 p.m. ET]") and a dateline opening one ("WASHINGTON
/// (Reuters) -"). Unlike [`strip_boilerplate`] it never cuts inside a paragraph, so every
/// sentence of the result is verbatim in the body: for picking sentences to quote.
pub fn strip_page_furniture(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        let line = line.trim();
        if line.is_empty() || is_boilerplate_line(line) {
            continue;
        }
        let line = without_leading_stamp(line);
        let line = without_dateline(line).trim();
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A paragraph without a bracketed stamp or credit that opens it.
fn without_leading_stamp(line: &str) -> &str {
    let Some(rest) = line.strip_prefix(['[', '(']) else {
        return line;
    };
    let close = if line.starts_with('[') { ']' } else { ')' };
    match rest.find(close) {
        Some(end) if is_stamp_or_credit(&rest[..end]) => rest[end + 1..].trim_start(),
        _ => line,
    }
}

fn is_boilerplate_line(line: &str) -> bool {
    let lower = line.to_lowercase();
    let words = line.split_whitespace().count();
    const LINE_OPENERS: &[&str] = &[
        "file -",
        "file –",
        "file —",
        "file:",
        "file photo",
        "updated ",
        "updated:",
        "posted ",
        "posted:",
        "published ",
        "published:",
        "last updated",
        "last modified",
        "reporting by",
        "editing by",
        "writing by",
        "additional reporting",
        "compiled by",
        "copyright",
        "©",
        "(c) ",
        "all rights reserved",
        "follow us",
        "follow @",
        "read more",
        "related:",
        "see also",
        "image caption",
        "image copyright",
        "media caption",
        "photo:",
        "photograph:",
        "picture:",
        "pictured:",
        "caption:",
        "credit:",
        "watch:",
        "click here",
        "sign up",
        "share this",
        "email this",
        "this story has been",
        "this article was",
    ];
    if let Some(opener) = LINE_OPENERS
        .iter()
        .find(|opener| lower.starts_with(*opener))
    {
        // "FILE" opens a caption in capitals only; "File" may open a sentence. "Updated",
        // "Posted" and "Published" make a stamp only with a date or time after them.
        if opener.starts_with("file") {
            return line.starts_with("FILE");
        }
        if ["updated", "posted", "published"]
            .iter()
            .any(|w| opener.starts_with(w))
        {
            return line.chars().any(|c| c.is_ascii_digit());
        }
        return true;
    }
    // A byline: "By Jane Smith" or "By Jane Smith and Li Wei, Reuters".
    if let Some(rest) = line
        .strip_prefix("By ")
        .or_else(|| line.strip_prefix("BY "))
    {
        let capitalised = rest
            .split_whitespace()
            .filter(|w| w.starts_with(char::is_uppercase))
            .count();
        if words <= 10 && capitalised * 2 >= rest.split_whitespace().count() {
            return true;
        }
    }
    // A short line carrying a picture credit is a caption.
    const CREDITS: &[&str] = &[
        "ap photo",
        "getty images",
        "/afp",
        "afp/",
        "/reuters",
        "reuters/",
        "photo by",
        "photo credit",
        "photograph by",
        "epa/",
        "/epa",
        "pa wire",
        "shutterstock",
    ];
    words <= 60 && CREDITS.iter().any(|credit| lower.contains(credit))
        || line.contains('@') && words <= 12
}

/// A line without bracketed time stamps ("[Updated at 7:48 p.m. ET]") and parenthesised
/// credits or agency tags ("(AP Photo/Jessica Hill)", "(Reuters)", "(CNN)").
fn without_stamps_and_credits(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find(['[', '(']) {
        let close_char = if rest[open..].starts_with('[') {
            ']'
        } else {
            ')'
        };
        let Some(close) = rest[open..].find(close_char).map(|c| open + c) else {
            break;
        };
        let inside = &rest[open + 1..close];
        out.push_str(&rest[..open]);
        if !is_stamp_or_credit(inside) {
            out.push_str(&rest[open..=close]);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn is_stamp_or_credit(inside: &str) -> bool {
    let lower = inside.to_lowercase();
    let has_clock = inside.chars().any(|c| c.is_ascii_digit())
        && (lower.contains("a.m") || lower.contains("p.m") || lower.contains(':'));
    let stamp_word = [
        "updated",
        "posted",
        "published",
        "et",
        "gmt",
        "bst",
        "edt",
        "est",
    ]
    .iter()
    .any(|w| lower.split(|c: char| !c.is_alphanumeric()).any(|t| t == *w));
    if has_clock && stamp_word || lower.starts_with("updated") {
        return true;
    }
    let credit = [
        "photo", "getty", "reuters", "afp", "ap/", "/ap", "epa", "credit",
    ]
    .iter()
    .any(|w| lower.contains(w));
    // "(AP)", "(CNN)", "(AFP)": an agency tag is a short capitalised token.
    let tag = inside.len() <= 8
        && inside
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '.' || c == ' ')
        && inside.chars().any(|c| c.is_ascii_uppercase())
        && inside.len() >= 2;
    (credit && inside.split_whitespace().count() <= 8) || tag
}

/// A paragraph without its dateline: up to a dash within the first 80 bytes when what
/// precedes it starts with a word in capitals ("WASHINGTON", "NEWTOWN, Conn.").
fn without_dateline(line: &str) -> &str {
    let mut window_end = line.len().min(80);
    while !line.is_char_boundary(window_end) {
        window_end -= 1;
    }
    let window = &line[..window_end];
    for dash in [" — ", " – ", " - ", " -- "] {
        if let Some(at) = window.find(dash) {
            let head = &line[..at];
            let first = head.split([' ', ',']).next().unwrap_or("");
            let capitals = first.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && first
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase);
            if capitals && head.split_whitespace().count() <= 8 {
                return line[at + dash.len()..].trim_start();
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_a_byline_and_a_stamp_are_stripped() {
        let body = "By Jane Smith and Li Wei\n\
                    FILE - In this 2012 photo, a crowd gathers. (AP Photo/Jessica Hill)\n\
                    [Updated at 7:48 p.m. ET] Saturday brought more rain to Porto.\n\
                    NEWTOWN, Conn. (AP) — Police said the school would reopen.\n\
                    Copyright 2012 The Associated Press. All rights reserved.";
        let clean = strip_boilerplate(body);
        assert_eq!(
            clean,
            "Saturday brought more rain to Porto.\nPolice said the school would reopen.\n"
        );
    }

    #[test]
    fn page_furniture_goes_and_sentences_stay_verbatim() {
        let body = "By Jane Smith\n\
                    FILE - In this 2012 photo, a crowd gathers. (AP Photo/Jessica Hill)\n\
                    [Updated at 7:48 p.m. ET] Saturday brought more rain to Porto.\n\
                    WASHINGTON (Reuters) - The Environmental Protection Agency (EPA) said so.\n\
                    Updated guidance from the ministry came out.";
        let clean = strip_page_furniture(body);
        assert_eq!(
            clean,
            "Saturday brought more rain to Porto.\n\
             The Environmental Protection Agency (EPA) said so.\n\
             Updated guidance from the ministry came out.\n"
        );
        for line in clean.lines() {
            assert!(body.contains(line), "{line}");
        }
    }

    #[test]
    fn soft_hyphens_leave_names_whole() {
        assert_eq!(
            strip_boilerplate("Mr Netan\u{ad}yahu spoke."),
            "Mr Netanyahu spoke.\n"
        );
    }

    #[test]
    fn a_sentence_opening_with_file_is_kept() {
        assert_eq!(
            strip_boilerplate("File sharing grew fast."),
            "File sharing grew fast.\n"
        );
    }
}
