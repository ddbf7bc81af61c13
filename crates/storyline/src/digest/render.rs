//! A [`Digest`] as Markdown, plain text (an email's text part) or HTML (its HTML part).
//!
//! Invariants: every story shows its headline, link, outlet count and the citations of its
//! excerpt, each resolved in the sources listed under it with the number the story page
//! uses; HTML goes through `storyline_web::html::Html`, so article text and titles are
//! escaped and only http(s) source URLs become links.

use super::{Digest, DigestItem};
use chrono::{DateTime, Utc};
use std::fmt::Write;
use storyline_model::{Citation, Sentence, Source};
use storyline_web::html::{Html, http_url};

/// "7 December 2026".
fn day(time: DateTime<Utc>) -> String {
    time.format("%-d %B %Y").to_string()
}

/// "7 December 2026 09:30 UTC".
fn moment(time: DateTime<Utc>) -> String {
    time.format("%-d %B %Y %H:%M UTC").to_string()
}

/// The subject line and page title: "Storyline digest, 7 December 2026: HEADLINE, and 4
/// more" (or "no new stories").
pub fn title(digest: &Digest) -> String {
    let date = day(digest.until);
    match digest.items.as_slice() {
        [] => format!("Storyline digest, {date}: no new stories"),
        [only] => format!("Storyline digest, {date}: {}", only.headline),
        [first, rest @ ..] => format!(
            "Storyline digest, {date}: {}, and {} more",
            first.headline,
            rest.len()
        ),
    }
}

/// The line under the title: what was ranked, over which period.
fn period_line(digest: &Digest) -> String {
    let period = format!("{} to {}", moment(digest.since), moment(digest.until));
    if digest.items.is_empty() {
        return format!("No story with a brief was updated from {period}.");
    }
    format!(
        "The top {} of {} {} updated from {period}, ranked as on the front page.",
        digest.items.len(),
        digest.stories_in_period,
        if digest.stories_in_period == 1 {
            "story"
        } else {
            "stories"
        }
    )
}

/// "5 outlets · 9 articles".
fn coverage_line(item: &DigestItem) -> String {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{} · {}",
        plural(item.outlet_count, "outlet", "outlets"),
        plural(item.article_count, "article", "articles")
    )
}

/// A citation as a marker: `[3]`, or `[story s0123…]` for an earlier story.
fn marker(citation: &Citation) -> String {
    match citation {
        Citation::Source(n) => format!("[{n}]"),
        Citation::Story(id) => format!("[story {id}]"),
    }
}

/// The excerpt as text, each sentence followed by its markers.
fn excerpt_text(sentences: &[Sentence]) -> String {
    let mut out = String::new();
    for sentence in sentences {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(sentence.text.trim());
        let markers: String = sentence.citations.iter().map(marker).collect();
        if !markers.is_empty() {
            out.push(' ');
            out.push_str(&markers);
        }
    }
    out
}

/// `Outlet: “Title”`.
fn source_label(source: &Source) -> String {
    format!("{}: “{}”", source.outlet, source.title)
}

/// The digest as Markdown.
pub fn markdown(digest: &Digest) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", title(digest));
    let _ = writeln!(out, "_{}_\n", period_line(digest));
    for (rank, item) in digest.items.iter().enumerate() {
        let _ = writeln!(out, "## {}. {}\n", rank + 1, item.headline);
        if !item.sentences.is_empty() {
            let _ = writeln!(out, "{}\n", excerpt_text(&item.sentences));
        }
        let _ = writeln!(
            out,
            "{} · updated {} · [read the brief]({})\n",
            coverage_line(item),
            moment(item.updated_at),
            item.url
        );
        for source in &item.sources {
            let _ = writeln!(
                out,
                "- [{}] {} <{}>",
                source.n,
                source_label(source),
                source.url
            );
        }
        if !item.sources.is_empty() {
            out.push('\n');
        }
    }
    out
}

/// The digest as plain text: the email's text part.
pub fn text(digest: &Digest) -> String {
    let mut out = String::new();
    let heading = title(digest);
    let _ = writeln!(out, "{heading}\n{}\n", "=".repeat(heading.chars().count()));
    let _ = writeln!(out, "{}\n", period_line(digest));
    for (rank, item) in digest.items.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", rank + 1, item.headline);
        if !item.sentences.is_empty() {
            let _ = writeln!(out, "   {}", excerpt_text(&item.sentences));
        }
        let _ = writeln!(
            out,
            "   {}, updated {}",
            coverage_line(item).replace(" · ", ", "),
            moment(item.updated_at)
        );
        let _ = writeln!(out, "   Read the brief: {}", item.url);
        for source in &item.sources {
            let _ = writeln!(
                out,
                "   [{}] {} {}",
                source.n,
                source_label(source),
                source.url
            );
        }
        out.push('\n');
    }
    out
}

/// The digest as a whole HTML document: the email's HTML part. Styles are inline and
/// minimal, since mail clients drop style sheets.
pub fn html(digest: &Digest) -> String {
    let heading = title(digest);
    let mut page = Html::new();
    page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .element("title", &[], &heading)
        .raw("</head>\n<body style=\"font-family: Georgia, serif; max-width: 40em; margin: auto; line-height: 1.5\">\n")
        .element("h1", &[], &heading)
        .element("p", &[("style", "color: #555")], &period_line(digest))
        .raw("\n");
    for (rank, item) in digest.items.iter().enumerate() {
        page.open("section", &[]).open("h2", &[]);
        page.display(rank + 1).raw(". ");
        page.element("a", &[("href", &item.url)], &item.headline)
            .close("h2");
        if !item.sentences.is_empty() {
            page.open("p", &[]);
            for (i, sentence) in item.sentences.iter().enumerate() {
                if i > 0 {
                    page.raw(" ");
                }
                page.text(sentence.text.trim());
                for citation in &sentence.citations {
                    page.raw(" ");
                    html_citation(&mut page, citation, item);
                }
            }
            page.close("p");
        }
        page.open("p", &[("style", "color: #555")])
            .text(&coverage_line(item))
            .text(" · updated ")
            .time(item.updated_at, &moment(item.updated_at))
            .text(" · ")
            .element("a", &[("href", &item.url)], "read the brief")
            .close("p");
        if !item.sources.is_empty() {
            page.open("ol", &[("style", "font-size: 0.9em")]);
            for source in &item.sources {
                let number = source.n.to_string();
                page.open("li", &[("value", &number)])
                    .text(&source.outlet)
                    .text(": ")
                    .external_link(&source.url, &format!("“{}”", source.title))
                    .close("li");
            }
            page.close("ol");
        }
        page.close("section").raw("\n");
    }
    page.raw("</body></html>\n");
    page.into_string()
}

/// A citation in the HTML excerpt: the source's number, linked to the article itself.
fn html_citation(page: &mut Html, citation: &Citation, item: &DigestItem) {
    match citation {
        Citation::Source(n) => {
            let url = item
                .sources
                .iter()
                .find(|s| s.n == *n)
                .and_then(|s| http_url(&s.url));
            let shown = format!("[{n}]");
            match url {
                Some(url) => page.element("a", &[("href", url)], &shown),
                None => page.text(&shown),
            };
        }
        Citation::Story(id) => {
            page.text(&format!("[story {id}]"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::ArticleId;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn digest() -> Digest {
        let source = |n: u32, title: &str, url: &str| Source {
            n,
            article_id: ArticleId::from_url(url),
            outlet: "Harbour <Times>".to_string(),
            title: title.to_string(),
            url: url.to_string(),
            published: None,
            copy_of: None,
        };
        Digest {
            since: at("2026-12-06T09:30:00Z"),
            until: at("2026-12-07T09:30:00Z"),
            stories_in_period: 7,
            items: vec![DigestItem {
                headline: "Ferry <strikes> & delays".to_string(),
                url: "https://news.example.org/stories/s0123456789ab".to_string(),
                sentences: vec![Sentence {
                    text: "Crews walked out at dawn.".to_string(),
                    citations: vec![Citation::Source(1), Citation::Source(2)],
                }],
                sources: vec![
                    source(1, "Strike \"halts\" ferries", "https://harbour.example/a"),
                    source(2, "Walkout", "javascript:alert(1)"),
                ],
                outlet_count: 3,
                article_count: 1,
                updated_at: at("2026-12-07T08:10:00Z"),
            }],
        }
    }

    #[test]
    fn text_and_markdown_carry_excerpt_citations_sources_and_link() {
        let digest = digest();
        let text = text(&digest);
        assert!(text.starts_with("Storyline digest, 7 December 2026: Ferry <strikes> & delays\n"));
        assert!(text.contains("The top 1 of 7 stories updated from 6 December 2026 09:30 UTC"));
        assert!(text.contains("   Crews walked out at dawn. [1][2]\n"));
        assert!(text.contains("3 outlets, 1 article, updated 7 December 2026 08:10 UTC"));
        assert!(text.contains("Read the brief: https://news.example.org/stories/s0123456789ab"));
        assert!(
            text.contains(
                "[1] Harbour <Times>: “Strike \"halts\" ferries” https://harbour.example/a"
            )
        );
        let markdown = markdown(&digest);
        assert!(markdown.contains("## 1. Ferry <strikes> & delays\n"));
        assert!(
            markdown.contains("[read the brief](https://news.example.org/stories/s0123456789ab)")
        );
    }

    #[test]
    fn html_escapes_untrusted_text_and_links_only_web_urls() {
        let html = html(&digest());
        assert!(html.contains("Ferry &lt;strikes&gt; &amp; delays"));
        assert!(!html.contains("<strikes>"));
        assert!(html.contains("Harbour &lt;Times&gt;"));
        assert!(html.contains("href=\"https://news.example.org/stories/s0123456789ab\""));
        assert!(html.contains("href=\"https://harbour.example/a\""));
        assert!(!html.contains("javascript:"));
    }

    #[test]
    fn an_empty_period_says_so() {
        let mut empty = digest();
        empty.items.clear();
        assert_eq!(
            title(&empty),
            "Storyline digest, 7 December 2026: no new stories"
        );
        assert!(text(&empty).contains("No story with a brief was updated from"));
    }
}
