//! Renders a brief as Markdown in the shape of the reference brief: headline, the six
//! sections with numbered citations, then the numbered sources.

use chrono::{DateTime, Utc};
use std::fmt::Write;
use storyline_model::{
    Brief, Citation, DatePrecision, DescriptionSource, GoDeeperLink, Section, Sentence,
};

/// The brief as Markdown. Citation `[n]` refers to the n-th entry of the Sources list;
/// `[story sXXXX]` to an earlier story.
pub fn to_markdown(brief: &Brief) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", brief.headline);
    let _ = writeln!(
        out,
        "_Story {} · brief version {} · {} · {} sources_\n",
        brief.story_id,
        brief.version,
        date_time(brief.generated_at),
        brief.sources.len()
    );
    section(&mut out, "What's happened", &brief.whats_happened);
    section(
        &mut out,
        "What's behind the headline?",
        &brief.behind_the_headline,
    );
    section(&mut out, "What the papers say", &brief.what_the_papers_say);

    let _ = writeln!(out, "## How we got here\n");
    if brief.how_we_got_here.is_empty() {
        let _ = writeln!(out, "_No earlier coverage of this story in the archive._\n");
    }
    for entry in &brief.how_we_got_here {
        let date = match entry.date_precision {
            DatePrecision::Day => entry.date.format("%-d %B %Y").to_string(),
            DatePrecision::Month => entry.date.format("%B %Y").to_string(),
            DatePrecision::Year => entry.date.format("%Y").to_string(),
        };
        let _ = writeln!(out, "- **{date}**: {}", sentence(&entry.sentence));
    }
    out.push('\n');

    let _ = writeln!(out, "## Go deeper\n");
    if brief.go_deeper.is_empty() {
        let _ = writeln!(out, "_Nothing related in the archive yet._\n");
    }
    for question in &brief.go_deeper {
        let target = match &question.link {
            GoDeeperLink::Story { story_id, headline } => format!("story {story_id}: {headline}"),
            GoDeeperLink::Entity { entity_id, name } => format!("entity {entity_id}: {name}"),
            GoDeeperLink::Timeline { story_id } => format!("timeline of story {story_id}"),
        };
        let _ = writeln!(out, "- {} → {target}", question.question);
    }
    out.push('\n');

    let _ = writeln!(out, "## More on these topics\n");
    for card in &brief.more_on_these_topics {
        let source = match &card.description_source {
            DescriptionSource::Coverage { source, seen_at } => {
                format!(
                    "from the coverage [{source}], {}",
                    seen_at.format("%-d %B %Y")
                )
            }
            DescriptionSource::KnowledgeBase { name, imported_at } => {
                format!("from {name}, imported {}", imported_at.format("%-d %B %Y"))
            }
        };
        let _ = writeln!(
            out,
            "- **{}** ({}): {} _({source})_",
            card.name,
            card.kind.as_str(),
            card.description
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## Sources\n");
    for source in &brief.sources {
        let when = source
            .published
            .map(date_time)
            .unwrap_or_else(|| "undated".into());
        let copy = source
            .copy_of
            .map(|n| format!(" (copy of [{n}])"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}. {}: “{}”, {when}{copy}. <{}>",
            source.n, source.outlet, source.title, source.url
        );
    }
    if !brief.checks.failures.is_empty() {
        let _ = writeln!(
            out,
            "\n_{} sentence(s) failed the trust checks and were left out._",
            brief.checks.failures.len()
        );
    }
    out
}

fn section(out: &mut String, title: &str, section: &Section) {
    let _ = writeln!(out, "## {title}\n");
    if section.sentences.is_empty() {
        let _ = writeln!(out, "_Nothing to report from the coverage._\n");
        return;
    }
    let text: Vec<String> = section.sentences.iter().map(sentence).collect();
    let _ = writeln!(out, "{}\n", text.join(" "));
    if let Some(engine) = &section.fallback_engine {
        let _ = writeln!(
            out,
            "_(written by the {engine} engine after the trust checks failed)_\n"
        );
    }
}

fn sentence(sentence: &Sentence) -> String {
    let marks: String = sentence
        .citations
        .iter()
        .map(|c| match c {
            Citation::Source(n) => format!("[{n}]"),
            Citation::Story(id) => format!("[story {id}]"),
        })
        .collect();
    format!("{} {marks}", sentence.text)
}

fn date_time(time: DateTime<Utc>) -> String {
    time.format("%-d %B %Y %H:%M UTC").to_string()
}
