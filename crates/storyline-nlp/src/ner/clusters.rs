//! Word clusters: each known lower-case word has a coarse and a fine cluster id, so that a
//! name never seen in training still looks like names of its kind ("Zagreb" near "Vienna").
//! Made by `examples/word_clusters.rs` (k-means over MiniLM's word embeddings) and stored
//! in the model file as hashes of the words.

use super::features::hash_str;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clusters {
    /// Lower-case word hash → (coarse, fine) cluster.
    pub(crate) words: HashMap<u64, (u16, u16)>,
}

impl Clusters {
    /// Reads `word<TAB>coarse<TAB>fine` lines. The error names the 1-based line.
    pub fn parse_tsv(text: &str) -> Result<Clusters, String> {
        let mut words = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let mut columns = line.split('\t');
            let parsed = (|| {
                let word = columns.next().filter(|w| !w.is_empty())?;
                let coarse = columns.next()?.parse().ok()?;
                let fine = columns.next()?.parse().ok()?;
                Some((word, coarse, fine))
            })();
            let (word, coarse, fine) =
                parsed.ok_or_else(|| format!("line {}: expected word, coarse, fine", index + 1))?;
            words.insert(hash_str(&word.to_lowercase()), (coarse, fine));
        }
        Ok(Clusters { words })
    }

    /// The clusters of a word, by the hash of its lower-case form.
    pub fn get(&self, word_hash: u64) -> Option<(u16, u16)> {
        self.words.get(&word_hash).copied()
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The entries in a stable order, for the model file.
    pub(crate) fn sorted_entries(&self) -> Vec<(u64, (u16, u16))> {
        let mut entries: Vec<_> = self.words.iter().map(|(&h, &c)| (h, c)).collect();
        entries.sort_unstable();
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tab_separated_lines() {
        let clusters = Clusters::parse_tsv("vienna\t3\t40\nzagreb\t3\t40\n").expect("parses");
        assert_eq!(clusters.get(hash_str("zagreb")), Some((3, 40)));
        assert_eq!(clusters.get(hash_str("oslo")), None);
        let err = Clusters::parse_tsv("vienna\t3\t40\nzagreb\tthree\n").expect_err("bad");
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
