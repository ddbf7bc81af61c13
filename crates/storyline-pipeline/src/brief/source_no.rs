//! [`SourceNo`]: a brief's 1-based source number, kept apart from the 0-based index of the
//! article in the story's list, so the `± 1` between them is written once.

use storyline_model::Citation;

/// The number a brief gives an article among its sources: article `i` of the story's list
/// (0-based) is source `i + 1`, written "[i + 1]" after the sentences it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SourceNo(u32);

impl SourceNo {
    /// The source number of the article at `doc` in the story's list.
    pub fn of_doc(doc: usize) -> Self {
        SourceNo(u32::try_from(doc).map_or(u32::MAX, |n| n.saturating_add(1)))
    }

    /// The source a citation's number names, if it is at least 1.
    pub fn from_number(number: u32) -> Option<Self> {
        (number >= 1).then_some(SourceNo(number))
    }

    /// The article's index in the story's list.
    pub fn doc(self) -> usize {
        self.0 as usize - 1
    }

    /// The number as the brief writes it.
    pub fn get(self) -> u32 {
        self.0
    }

    /// A citation of this source.
    pub fn citation(self) -> Citation {
        Citation::Source(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_article_is_source_one() {
        assert_eq!(SourceNo::of_doc(0).get(), 1);
        assert_eq!(SourceNo::of_doc(6).citation(), Citation::Source(7));
        assert_eq!(SourceNo::from_number(7).map(SourceNo::doc), Some(6));
        assert_eq!(SourceNo::from_number(0), None);
    }
}
