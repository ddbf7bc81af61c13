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
        let line = without_gallery_caption(line);
        let line = without_dateline(line).trim();
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A paragraph without the photo caption a gallery counter opens ("1 of 17. A firefighter
/// puts out a burning car in Beersheba November 14, 2012. Israel launched ..."): a page
/// that flattens its gallery into the text puts the caption before the report.
fn without_gallery_caption(line: &str) -> &str {
    let words: Vec<&str> = line.split_whitespace().take(3).collect();
    let counter = matches!(
        words.as_slice(),
        [number, "of", total]
            if number.bytes().all(|b| b.is_ascii_digit())
                && total.ends_with('.')
                && total.trim_end_matches('.').bytes().all(|b| b.is_ascii_digit())
    );
    if !counter {
        return line;
    }
    // The counter is a sentence of its own to the splitter; the caption is the next one.
    let sentences = crate::sentences::split_sentences(line);
    match sentences.get(1) {
        Some(caption) if is_photo_caption(&caption.text) => line[caption.end..].trim_start(),
        _ => line,
    }
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
        // Editorial notes about the page itself.
        "editor's note",
        "editor’s note",
        "editors' note",
        "the following is a transcript",
        "the following is a copy",
        "the following is the text",
        "the following is the full text",
        "below is a transcript",
        "below is the full text",
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
        || words <= 60 && is_caption_line(line)
        || words <= 30 && is_promotion(line, &lower)
}

/// A line that sends the reader elsewhere on the site ("View the history of school
/// shootings with this interactive database", "Watch the video below"): an imperative
/// opening it and a thing a page offers, not a report.
fn is_promotion(line: &str, lower: &str) -> bool {
    const VERBS: &[&str] = &[
        "View",
        "Watch",
        "See",
        "Explore",
        "Listen",
        "Click",
        "Download",
        "Subscribe",
        "Browse",
        "Check",
        "Tap",
        "Join",
        "Get",
    ];
    const OFFERS: &[&str] = &[
        "interactive",
        "database",
        "gallery",
        "slideshow",
        "video",
        "photos",
        "podcast",
        "newsletter",
        " app",
        " here",
        "below",
        "full coverage",
        "live updates",
        "more stories",
    ];
    let first = line.split_whitespace().next().unwrap_or("");
    VERBS.contains(&first) && OFFERS.iter().any(|offer| lower.contains(offer))
}

/// A whole line that is a caption: a caption after a gallery counter with nothing after it,
/// or a caption on its own.
fn is_caption_line(line: &str) -> bool {
    let rest = without_gallery_caption(line);
    if rest.len() != line.len() {
        return rest.is_empty();
    }
    is_photo_caption(line)
}

/// A wire photo's caption, by the marks a caption has and prose does not: a gallery counter
/// opening it ("1 of 2. Psy speaks ..."), a bare agency name closing it ("... in Denver.
/// AP"), "in this photo", or a closing date without a preposition ("... in Seoul August
/// 11, 2012.": prose writes "on August 11").
fn is_photo_caption(line: &str) -> bool {
    // Read on every line of every article a brief reads: the first and last words only, and
    // the line lowercased only when it may hold a photo phrase.
    let mut first = line.split_whitespace();
    let gallery_counter = match (first.next(), first.next(), first.next()) {
        (Some(number), Some("of"), Some(total)) => {
            number.bytes().all(|b| b.is_ascii_digit())
                && total.ends_with('.')
                && total
                    .trim_end_matches('.')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        }
        _ => false,
    };
    let mut last = line.split_whitespace().rev();
    let closing: [Option<&str>; 4] = [last.next(), last.next(), last.next(), last.next()];
    let agency_close = matches!(
        closing,
        [Some("AP" | "AFP" | "Reuters" | "EPA"), Some(before), ..] if before.ends_with('.')
    );
    // "In this Dec. 14, 2012 photo, ..." and "... in this photo taken by an astronaut".
    let this_photo = (line.contains("photo") || line.contains("handout") || line.contains('('))
        && {
            let lower = line.to_lowercase();
            [
                "in this photo",
                "in this file photo",
                "in this handout",
                "(2nd r)",
                "(2nd l)",
                "(3rd r)",
                "(3rd l)",
            ]
            .iter()
            .any(|phrase| lower.contains(phrase))
                || [" (L) ", " (R) ", " (C) "]
                    .iter()
                    .any(|position| line.contains(position))
                || lower.starts_with("in this ")
                    && lower
                        .split_whitespace()
                        .take(7)
                        .any(|word| word.trim_end_matches(',') == "photo")
        };
    let [Some(year), Some(day), Some(month), Some(before)] = closing else {
        return gallery_counter || agency_close || this_photo;
    };
    gallery_counter || agency_close || this_photo || ends_with_bare_date(before, month, day, year)
}

/// True when the last four words are "Month D, YYYY." and the first of them no preposition.
fn ends_with_bare_date(before: &str, month: &str, day: &str, year: &str) -> bool {
    let Some(year) = year.strip_suffix('.') else {
        return false;
    };
    let is_date = crate::facts::year_of(year).is_some()
        && day
            .strip_suffix(',')
            .and_then(crate::facts::day_of)
            .is_some()
        && crate::facts::month_of(&month.trim_end_matches('.').to_lowercase()).is_some()
        && month.starts_with(char::is_uppercase);
    const PREPOSITIONS: &[&str] = &[
        "on", "since", "until", "by", "from", "of", "to", "before", "after", "in", "and",
        "between", "through", "till", "dated", "than", "-", "–",
    ];
    is_date && !PREPOSITIONS.contains(&before.to_lowercase().as_str())
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
    // "WASHINGTON (Reuters) - ...", and "DOHA, 28th November 2012: ..." (a place in
    // capitals, a date with its year, a colon).
    let dated_colon = window.find(": ").filter(|&at| {
        let head = &window[..at];
        head.split_whitespace()
            .last()
            .is_some_and(|word| crate::facts::year_of(word).is_some())
    });
    if let Some(at) = dated_colon {
        let first = line[..at].split([' ', ',']).next().unwrap_or("");
        let letters = first.chars().filter(|c| c.is_alphabetic());
        if letters.clone().count() >= 3 && letters.clone().all(char::is_uppercase) {
            return line[at + 2..].trim_start();
        }
    }
    for dash in [" — ", " – ", " - ", " -- "] {
        if let Some(at) = window.find(dash) {
            let head = &line[..at];
            let first = head.split([' ', ',']).next().unwrap_or("");
            let capitals = first.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && first
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase);
            // "Charlotte, North Carolina (CNN) --": a place in any case, closed by an
            // agency's name in brackets.
            let agency_tag = head.trim_end().strip_suffix(')').and_then(|inner| {
                let tag = &inner[inner.rfind('(')? + 1..];
                let words = tag.split_whitespace().count();
                ((1..=3).contains(&words) && tag.starts_with(char::is_uppercase)).then_some(())
            });
            let placed = agency_tag.is_some() && first.starts_with(char::is_uppercase);
            if (capitals || placed) && head.split_whitespace().count() <= 8 {
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
    fn wire_photo_captions_are_furniture_and_dated_prose_is_not() {
        let body = "1 of 2. The singer Jun-ho speaks before his concert in Daegu May 4, 2013.\n\
                    1 of 9. A firefighter douses a car in Ardmore June 1, 2013. Rockets hit the town.\n\
                    The mayor waves to supporters in Lisbon, Sunday, June 2, 2013, in Lisbon. AP\n\
                    Crews clear debris from a road in Kelmouth June 3, 2013.\n\
                    In this June 1, 2013 photo, a man wades through the flood.\n\
                    Sunlight glints off the station in this photo taken by an astronaut.\n\
                    The concert was first announced on May 4, 2013.\n\
                    The report was published in June 3, 2013.\n\
                    She joined the company from AP.\n\
                    The vote is set for 12 of 15.\n\
                    View the history of school floods with this interactive database.\n\
                    Watch the video below.\n\
                    See how the river rose: a gauge record shows 4 metres.\n\
                    KELMOUTH, 8th September 2025: The council opened a rest centre.\n\
                    Kelmouth, Westshire (Cascade Wire) -- Sandbags ran out by noon.\n\
                    Mayor Ana Ruiz (2nd R) greets volunteers in Kelmouth in this handout picture.\n\
                    NOTE: The council opened a second centre in 2025: at the school.";
        assert_eq!(
            strip_page_furniture(body),
            "Rockets hit the town.\n\
             The concert was first announced on May 4, 2013.\n\
             The report was published in June 3, 2013.\n\
             She joined the company from AP.\n\
             The vote is set for 12 of 15.\n\
             See how the river rose: a gauge record shows 4 metres.\n\
             The council opened a rest centre.\n\
             Sandbags ran out by noon.\n\
             NOTE: The council opened a second centre in 2025: at the school.\n"
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
    fn editorial_notes_about_the_page_are_furniture() {
        let body = "The following is a transcript of a speech by Ana Reyes at the convention.\n\
                    Editor's note: This story was corrected to give the mayor's full name.\n\
                    The following week, Reyes returned to Kelmouth.";
        assert_eq!(
            strip_page_furniture(body),
            "The following week, Reyes returned to Kelmouth.\n"
        );
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
