//! Entity kinds and the BILOU tags the recogniser predicts internally, their IOB2 form (what
//! CoNLL files and the scorer use), the transitions a valid BILOU sequence may take, and the
//! conversion of a tag sequence to entity spans.
//!
//! BILOU rather than IOB2 because the model then learns separately how names begin, go on,
//! end and stand alone; the constrained decoder never emits an invalid sequence, so every
//! sequence converts to IOB2 and back without loss.

use std::fmt;

/// What a recognised name refers to. The CoNLL-2003 types: PER, ORG, LOC, MISC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Person,
    Organisation,
    Place,
    /// Nationalities, events, works, products and other names (CoNLL MISC).
    Other,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Person, Kind::Organisation, Kind::Place, Kind::Other];

    /// The word used in our output ("person", "organisation", "place", "other").
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Organisation => "organisation",
            Kind::Place => "place",
            Kind::Other => "other",
        }
    }

    /// The CoNLL type code (PER, ORG, LOC, MISC).
    pub fn conll(self) -> &'static str {
        match self {
            Kind::Person => "PER",
            Kind::Organisation => "ORG",
            Kind::Place => "LOC",
            Kind::Other => "MISC",
        }
    }

    pub fn from_conll(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.conll() == code)
    }

    fn index(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a token sits in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Begin,
    Inside,
    Last,
    Unit,
}

/// Number of BILOU tags: O plus four parts for each of the four kinds.
pub const TAG_COUNT: usize = 17;

/// One BILOU tag, stored as its index (0 = O; then kind × 4 + part + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(u8);

impl Tag {
    pub const OUTSIDE: Tag = Tag(0);

    pub fn new(kind: Kind, part: Part) -> Tag {
        let part = match part {
            Part::Begin => 0,
            Part::Inside => 1,
            Part::Last => 2,
            Part::Unit => 3,
        };
        Tag(1 + kind.index() * 4 + part)
    }

    /// The tag with this index, if there is one.
    pub fn from_index(index: usize) -> Option<Tag> {
        (index < TAG_COUNT).then_some(Tag(index as u8))
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn kind(self) -> Option<Kind> {
        (self.0 > 0).then(|| Kind::ALL[((self.0 - 1) / 4) as usize])
    }

    pub fn part(self) -> Option<Part> {
        (self.0 > 0).then(|| match (self.0 - 1) % 4 {
            0 => Part::Begin,
            1 => Part::Inside,
            2 => Part::Last,
            _ => Part::Unit,
        })
    }

    /// Whether a name is still open after this tag (B or I).
    fn opens(self) -> bool {
        matches!(self.part(), Some(Part::Begin | Part::Inside))
    }

    /// The IOB2 form: B and U become `B-`, I and L become `I-`.
    pub fn iob2(self) -> &'static str {
        const IOB2: [&str; TAG_COUNT] = [
            "O", "B-PER", "I-PER", "I-PER", "B-PER", "B-ORG", "I-ORG", "I-ORG", "B-ORG", "B-LOC",
            "I-LOC", "I-LOC", "B-LOC", "B-MISC", "I-MISC", "I-MISC", "B-MISC",
        ];
        IOB2[self.index()]
    }
}

/// Whether a valid BILOU sequence may put `next` right after `previous` (`None`: the
/// sentence start).
pub fn allowed(previous: Option<Tag>, next: Tag) -> bool {
    match previous {
        Some(previous) if previous.opens() => {
            next.kind() == previous.kind() && matches!(next.part(), Some(Part::Inside | Part::Last))
        }
        _ => matches!(next.part(), None | Some(Part::Begin | Part::Unit)),
    }
}

/// Whether a sentence may end on `tag` (not inside an open name).
pub fn may_end(tag: Tag) -> bool {
    !tag.opens()
}

/// Reads one IOB2 (or IOB1) tag as written in a CoNLL column: `O`, `B-PER`, `I-LOC`, ...
/// Returns the kind and whether the tag begins a name.
pub fn parse_iob(text: &str) -> Option<Option<(Kind, bool)>> {
    if text == "O" {
        return Some(None);
    }
    let (prefix, code) = text.split_once('-')?;
    let kind = Kind::from_conll(code)?;
    match prefix {
        "B" => Some(Some((kind, true))),
        "I" => Some(Some((kind, false))),
        _ => None,
    }
}

/// BILOU tags for a sentence's IOB tags. An `I-` that does not continue a name of its kind
/// opens one, as the CoNLL scorer reads it.
pub fn bilou_from_iob(iob: &[Option<(Kind, bool)>]) -> Vec<Tag> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, Kind)> = None;
    for (i, tag) in iob.iter().enumerate() {
        let continues = matches!((tag, open), (Some((kind, false)), Some((_, open_kind))) if *kind == open_kind);
        if !continues {
            if let Some((start, kind)) = open.take() {
                spans.push(Span {
                    start,
                    end: i,
                    kind,
                });
            }
            if let Some((kind, _)) = tag {
                open = Some((i, *kind));
            }
        }
    }
    if let Some((start, kind)) = open {
        spans.push(Span {
            start,
            end: iob.len(),
            kind,
        });
    }
    bilou_from_spans(iob.len(), &spans)
}

/// A name as a token range `start..end` of a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// BILOU tags for `len` tokens holding the given non-overlapping spans.
pub fn bilou_from_spans(len: usize, spans: &[Span]) -> Vec<Tag> {
    let mut tags = vec![Tag::OUTSIDE; len];
    for span in spans {
        if span.end - span.start == 1 {
            tags[span.start] = Tag::new(span.kind, Part::Unit);
            continue;
        }
        for (i, tag) in tags.iter_mut().enumerate().take(span.end).skip(span.start) {
            let part = if i == span.start {
                Part::Begin
            } else if i + 1 == span.end {
                Part::Last
            } else {
                Part::Inside
            };
            *tag = Tag::new(span.kind, part);
        }
    }
    tags
}

/// The names in a tag sequence. A sequence the decoder could not produce (a name left open,
/// an `I` after `O`) is read leniently: every run of one kind is one name.
pub fn spans(tags: &[Tag]) -> Vec<Span> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Kind)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let continues = matches!((tag.part(), open), (Some(Part::Inside | Part::Last), Some((_, kind))) if tag.kind() == Some(kind));
        if !continues {
            if let Some((start, kind)) = open.take() {
                found.push(Span {
                    start,
                    end: i,
                    kind,
                });
            }
            if let Some(kind) = tag.kind() {
                open = Some((i, kind));
            }
        }
        if matches!(tag.part(), Some(Part::Last | Part::Unit))
            && let Some((start, kind)) = open.take()
        {
            found.push(Span {
                start,
                end: i + 1,
                kind,
            });
        }
    }
    if let Some((start, kind)) = open {
        found.push(Span {
            start,
            end: tags.len(),
            kind,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iob(tags: &[&str]) -> Vec<Option<(Kind, bool)>> {
        tags.iter()
            .map(|t| parse_iob(t).expect("valid tag"))
            .collect()
    }

    fn iob2(tags: &[Tag]) -> Vec<&'static str> {
        tags.iter().map(|t| t.iob2()).collect()
    }

    #[test]
    fn iob2_round_trips_through_bilou() {
        let cases: [&[&str]; 4] = [
            &["B-PER", "I-PER", "O", "B-LOC"],
            &["B-ORG", "I-ORG", "I-ORG", "B-ORG", "O"],
            &["O", "O"],
            &["B-MISC", "B-MISC", "I-MISC"],
        ];
        for case in cases {
            assert_eq!(iob2(&bilou_from_iob(&iob(case))), case);
        }
    }

    #[test]
    fn bilou_marks_units_and_ends() {
        let tags = bilou_from_iob(&iob(&["B-PER", "I-PER", "I-PER", "O", "B-LOC"]));
        let parts: Vec<_> = tags.iter().map(|t| t.part()).collect();
        assert_eq!(
            parts,
            [
                Some(Part::Begin),
                Some(Part::Inside),
                Some(Part::Last),
                None,
                Some(Part::Unit)
            ]
        );
    }

    #[test]
    fn a_stray_inside_tag_opens_a_name() {
        let tags = bilou_from_iob(&iob(&["O", "I-ORG", "I-ORG", "I-LOC"]));
        assert_eq!(iob2(&tags), ["O", "B-ORG", "I-ORG", "B-LOC"]);
    }

    #[test]
    fn spans_of_a_sequence() {
        let tags = bilou_from_iob(&iob(&["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]));
        let found = spans(&tags);
        assert_eq!(
            found,
            [
                Span {
                    start: 0,
                    end: 2,
                    kind: Kind::Person
                },
                Span {
                    start: 3,
                    end: 4,
                    kind: Kind::Place
                },
                Span {
                    start: 4,
                    end: 5,
                    kind: Kind::Place
                },
            ]
        );
    }

    #[test]
    fn transitions_follow_bilou() {
        let begin = Tag::new(Kind::Person, Part::Begin);
        let last = Tag::new(Kind::Person, Part::Last);
        let other_last = Tag::new(Kind::Place, Part::Last);
        assert!(allowed(None, begin));
        assert!(!allowed(None, last));
        assert!(allowed(Some(begin), last));
        assert!(!allowed(Some(begin), other_last));
        assert!(!allowed(Some(begin), Tag::OUTSIDE));
        assert!(allowed(Some(last), Tag::OUTSIDE));
        assert!(!may_end(begin));
        assert!(may_end(last));
    }

    #[test]
    fn malformed_tags_are_rejected() {
        assert_eq!(parse_iob("B-FOO"), None);
        assert_eq!(parse_iob("X-PER"), None);
        assert_eq!(parse_iob("PER"), None);
    }
}
