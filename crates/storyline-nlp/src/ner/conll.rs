//! Reading CoNLL-2003 column text: one token a line (the token first, the tag, when there is
//! one, last), a blank line between sentences, `-DOCSTART-` lines between documents.

use super::tags::{Tag, bilou_from_iob, parse_iob};
use std::fmt;

/// One document: its sentences' tokens and, when read with tags, their BILOU tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub sentences: Vec<Vec<String>>,
    /// Empty when the input had no tags.
    pub tags: Vec<Vec<Tag>>,
}

impl Document {
    pub fn token_count(&self) -> usize {
        self.sentences.iter().map(Vec::len).sum()
    }
}

/// A line that is not CoNLL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConllError {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConllError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ConllError {}

/// What one line of CoNLL text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// A blank line: the end of a sentence.
    Blank,
    /// `-DOCSTART-`: a new document.
    DocStart,
    /// A token line: the token (first column) and the last column.
    Token { token: &'a str, last: &'a str },
}

/// Reads one line (`number` 1-based, for the error).
pub fn parse_line(line: &str, number: usize) -> Result<Line<'_>, ConllError> {
    let mut columns = line.split_whitespace();
    let Some(token) = columns.next() else {
        return Ok(Line::Blank);
    };
    if token == "-DOCSTART-" {
        return Ok(Line::DocStart);
    }
    if line.starts_with(char::is_whitespace) {
        return Err(ConllError {
            line: number,
            message: format!("a token line must start with its token, not a space: {line:?}"),
        });
    }
    let last = columns.last().unwrap_or(token);
    Ok(Line::Token { token, last })
}

/// Reads CoNLL text into documents. With `with_tags`, every token line needs an IOB tag in
/// its last column (`O`, `B-PER`, `I-LOC`, ...).
pub fn parse(text: &str, with_tags: bool) -> Result<Vec<Document>, ConllError> {
    let mut documents = vec![Document::default()];
    let mut tokens: Vec<String> = Vec::new();
    let mut iob = Vec::new();
    let close_sentence =
        |documents: &mut Vec<Document>, tokens: &mut Vec<String>, iob: &mut Vec<_>| {
            if tokens.is_empty() {
                return;
            }
            let document = documents.last_mut().expect("one document at least");
            document.sentences.push(std::mem::take(tokens));
            if with_tags {
                document.tags.push(bilou_from_iob(iob));
            }
            iob.clear();
        };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        match parse_line(line, number)? {
            Line::Blank => close_sentence(&mut documents, &mut tokens, &mut iob),
            Line::DocStart => {
                close_sentence(&mut documents, &mut tokens, &mut iob);
                if !documents.last().expect("one").sentences.is_empty() {
                    documents.push(Document::default());
                }
            }
            Line::Token { token, last } => {
                if with_tags {
                    let tag = (line.split_whitespace().count() >= 2)
                        .then(|| parse_iob(last))
                        .flatten()
                        .ok_or_else(|| ConllError {
                            line: number,
                            message: format!("expected a token and an IOB tag, found {line:?}"),
                        })?;
                    iob.push(tag);
                }
                tokens.push(token.to_string());
            }
        }
    }
    close_sentence(&mut documents, &mut tokens, &mut iob);
    documents.retain(|d| !d.sentences.is_empty());
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_sentences() {
        let text = "-DOCSTART- O\n\nAna B-PER\nsings O\n\nHi O\n-DOCSTART- O\n\nOslo B-LOC\n";
        let documents = parse(text, true).expect("parses");
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].sentences, [vec!["Ana", "sings"], vec!["Hi"]]);
        assert_eq!(documents[1].tags[0][0].iob2(), "B-LOC");
    }

    #[test]
    fn untagged_input_keeps_one_column() {
        let documents = parse("Ana\nsings\n", false).expect("parses");
        assert_eq!(documents[0].sentences, [vec!["Ana", "sings"]]);
        assert!(documents[0].tags.is_empty());
    }

    #[test]
    fn bad_lines_name_their_number() {
        let err = parse("Ana B-PER\nsings\n", true).expect_err("no tag");
        assert_eq!(err.line, 2);
        let err = parse("Ana B-PER\nsings X-FOO\n", true).expect_err("bad tag");
        assert_eq!(err.line, 2);
        let err = parse("Ana\n  sings\n", false).expect_err("indented");
        assert_eq!(err.line, 2);
    }
}
