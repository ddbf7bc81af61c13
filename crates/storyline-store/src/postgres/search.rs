//! Full-text search on PostgreSQL: articles through their generated `search` column, briefs
//! through `brief_search` (each live story's latest version, written here when a brief is
//! saved); see migration 0002.
//!
//! The user's words are read by `plainto_tsquery` with the `storyline_search` configuration:
//! every word must match, punctuation and operators are plain text, accents are folded, so
//! no input can be a syntax error. Hits are ranked by `ts_rank` (headline words weigh more),
//! ties by insertion order (articles) or story id (briefs). A snippet is `ts_headline`'s
//! passage without markup, from the body when every word is in the body, else from the
//! headline, with "…" where it cuts the text.

use super::error::decode_error;
use super::session::Session;
use crate::{BriefHit, StoreError};
use postgres::GenericClient;
use storyline_model::{ArticleId, Brief, StoryId};

/// `ts_headline` options: no highlighting (snippets are plain text), one passage of about
/// 24 words, as the SQLite backend's snippets; short words are kept at its ends ("All
/// sailings ... called off").
const HEADLINE_OPTIONS: &str =
    "StartSel=\"\", StopSel=\"\", MaxWords=24, MinWords=12, ShortWord=0, MaxFragments=1";

/// The user's query as the server may take it: PostgreSQL text cannot hold U+0000. `None`
/// when no word is left to search for (`plainto_tsquery` would find nothing anyway).
fn searchable(query: &str) -> Option<String> {
    query
        .chars()
        .any(char::is_alphanumeric)
        .then(|| query.replace('\0', " "))
}

/// Puts "…" where a snippet cuts its source text, as SQLite's `snippet()` does.
fn mark_cuts(snippet: String, starts_source: bool, ends_source: bool) -> String {
    let mut out = String::with_capacity(snippet.len() + 6);
    if !starts_source {
        out.push('…');
    }
    out.push_str(snippet.trim());
    if !ends_source {
        out.push('…');
    }
    out
}

/// From a CTE `shown` with the columns `source` (the text searched) and `passage`
/// (`ts_headline`'s, which leaves out the punctuation around its first and last word), the
/// select-list columns of a snippet: the passage with that punctuation back ("union."
/// rather than "union"), whether it starts its source, whether it ends it (no letter or
/// digit left out before or after).
const SNIPPET_COLUMNS: &str = "\
    CASE WHEN at = 0 THEN passage \
         ELSE COALESCE(substring(left(source, at - 1) FROM '[^[:alnum:][:space:]]*$'), '') \
              || passage \
              || COALESCE(substring(substr(source, at + length(passage)) \
                                    FROM '^[^[:alnum:][:space:]]*'), '') END, \
    at > 0 AND left(source, at - 1) !~ '[[:alnum:]]', \
    at > 0 AND substr(source, at + length(passage)) !~ '[[:alnum:]]'";

/// The passage of each hit and where it lies in its source (0: not found verbatim).
const PASSAGE: &str = "btrim(ts_headline('storyline_search', source, q, '{options}'))";

pub(super) fn articles<C: GenericClient>(
    session: &mut Session<'_, C>,
    query: &str,
    limit: usize,
) -> Result<Vec<(ArticleId, String)>, StoreError> {
    let Some(words) = searchable(query) else {
        return Ok(Vec::new());
    };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let op = format!("search articles for {query:?}");
    let sql = format!(
        "WITH hits AS ( \
             SELECT a.seq, a.id, a.headline, a.article_body, a.search, q, \
                    ts_rank(a.search, q) AS rank \
             FROM articles a, plainto_tsquery('storyline_search', $1) q \
             WHERE a.search @@ q \
             ORDER BY rank DESC, a.seq LIMIT $2 \
         ), sourced AS ( \
             SELECT seq, id, rank, q, \
                    CASE WHEN ts_filter(search, '{{b}}') @@ q THEN left(article_body, 100000) \
                         ELSE left(headline, 10000) END AS source \
             FROM hits \
         ), passages AS ( \
             SELECT seq, id, rank, source, {passage} AS passage FROM sourced \
         ), shown AS ( \
             SELECT seq, id, rank, source, passage, strpos(source, passage) AS at \
             FROM passages \
         ) \
         SELECT id, {SNIPPET_COLUMNS} FROM shown ORDER BY rank DESC, seq",
        passage = PASSAGE.replace("{options}", HEADLINE_OPTIONS),
    );
    let rows = session.query(&op, &sql, &[&words, &limit])?;
    rows.iter()
        .map(|row| {
            let read = || -> Result<(String, String, bool, bool), postgres::Error> {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ))
            };
            let (id, snippet, starts, ends) =
                read().map_err(|e| decode_error(session.db, &op, e))?;
            Ok((ArticleId(id), mark_cuts(snippet, starts, ends)))
        })
        .collect()
}

pub(super) fn briefs<C: GenericClient>(
    session: &mut Session<'_, C>,
    query: &str,
    limit: usize,
) -> Result<Vec<BriefHit>, StoreError> {
    let Some(words) = searchable(query) else {
        return Ok(Vec::new());
    };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let op = format!("search briefs for {query:?}");
    let sql = format!(
        "WITH hits AS ( \
             SELECT f.story_id, f.version, f.headline, f.body, f.search, q, \
                    ts_rank(f.search, q) AS rank \
             FROM brief_search f JOIN stories s ON s.id = f.story_id, \
                  plainto_tsquery('storyline_search', $1) q \
             WHERE f.search @@ q AND s.merged_into IS NULL \
             ORDER BY rank DESC, f.story_id LIMIT $2 \
         ), sourced AS ( \
             SELECT story_id, version, headline, rank, q, \
                    CASE WHEN ts_filter(search, '{{b}}') @@ q THEN left(body, 100000) \
                         ELSE left(headline, 10000) END AS source \
             FROM hits \
         ), passages AS ( \
             SELECT story_id, version, headline, rank, source, {passage} AS passage \
             FROM sourced \
         ), shown AS ( \
             SELECT story_id, version, headline, rank, source, passage, \
                    strpos(source, passage) AS at \
             FROM passages \
         ) \
         SELECT story_id, version, headline, {SNIPPET_COLUMNS} \
         FROM shown ORDER BY rank DESC, story_id",
        passage = PASSAGE.replace("{options}", HEADLINE_OPTIONS),
    );
    let rows = session.query(&op, &sql, &[&words, &limit])?;
    rows.iter()
        .map(|row| {
            type Raw = (String, i64, String, String, bool, bool);
            let read = || -> Result<Raw, postgres::Error> {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                    row.try_get(5)?,
                ))
            };
            let (story_id, version, headline, snippet, starts, ends) =
                read().map_err(|e| decode_error(session.db, &op, e))?;
            let what = format!("brief search entry of story {story_id}");
            Ok(BriefHit {
                version: super::codec::decode_count(session.db, &what, version)?,
                story_id: StoryId(story_id),
                headline,
                snippet: mark_cuts(snippet, starts, ends),
            })
        })
        .collect()
}

/// What a reader of a brief sees besides its headline, in reading order: every shown
/// sentence (the three sections, then "How we got here"), each "Go deeper" question and each
/// entity description. The sentences the trust checks dropped are never part of it. This is
/// the SQLite backend's rule (the brief JSON's `text`, `question` and `description` strings),
/// taken from the typed brief.
fn brief_body(brief: &Brief) -> String {
    let sections = [
        &brief.whats_happened,
        &brief.behind_the_headline,
        &brief.what_the_papers_say,
    ];
    let parts = sections
        .into_iter()
        .flat_map(|section| section.sentences.iter().map(|s| s.text.as_str()))
        .chain(
            brief
                .how_we_got_here
                .iter()
                .map(|e| e.sentence.text.as_str()),
        )
        .chain(brief.go_deeper.iter().map(|q| q.question.as_str()))
        .chain(
            brief
                .more_on_these_topics
                .iter()
                .map(|c| c.description.as_str()),
        );
    let mut body = String::new();
    for part in parts.filter(|part| !part.is_empty()) {
        if !body.is_empty() {
            body.push(' ');
        }
        body.push_str(part);
    }
    body
}

/// Makes `brief` (just stored) its story's entry in `brief_search`, replacing the previous
/// version's. Runs in the transaction that stored it.
pub(super) fn index_brief<C: GenericClient>(
    session: &mut Session<'_, C>,
    brief: &Brief,
) -> Result<(), StoreError> {
    let story = brief.story_id.as_str();
    // Search text is derived data: a U+0000 (which PostgreSQL text cannot hold) becomes a
    // space rather than failing the brief, whose JSON keeps it escaped.
    let headline = brief.headline.replace('\0', " ");
    let body = brief_body(brief).replace('\0', " ");
    session.execute(
        &format!("index brief {} of story {story}", brief.version),
        "INSERT INTO brief_search (story_id, version, headline, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (story_id) DO UPDATE SET version = excluded.version, \
         headline = excluded.headline, body = excluded.body",
        &[&story, &i64::from(brief.version), &headline, &body],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_without_words_search_nothing() {
        assert_eq!(
            searchable("harbour strike").as_deref(),
            Some("harbour strike")
        );
        assert_eq!(searchable("\u{0}union\u{0}").as_deref(), Some(" union "));
        for blank in ["", "   ", "\u{0}", "*", "- ( ) \"", "🚢"] {
            assert_eq!(searchable(blank), None, "{blank:?}");
        }
    }

    #[test]
    fn cut_snippets_are_marked() {
        assert_eq!(mark_cuts("whole text".into(), true, true), "whole text");
        assert_eq!(mark_cuts(" middle ".into(), false, false), "…middle…");
        assert_eq!(mark_cuts("the start".into(), true, false), "the start…");
        assert_eq!(mark_cuts("the end".into(), false, true), "…the end");
    }
}
