//! [`KbEntity`]: one entry of an imported knowledge base (a Wikidata dump or our own JSONL),
//! the material behind the descriptions of a brief's "More on these topics" cards.
//!
//! Invariants: an entity is identified by `(source, id)`, never by `id` alone (two knowledge
//! bases may both use `Q42`); names are matched through [`KbEntity::name_key`] only, so the
//! importer, the store's name index and the card builder agree on what "the same name" is.

use crate::EntityKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One knowledge-base entry, in the one language chosen for it at import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KbEntity {
    /// The knowledge base's own id: `Q42` for Wikidata, whatever a JSONL file says otherwise.
    pub id: String,
    /// The label in `language`.
    pub name: String,
    /// Other names in `language` (never repeating `name`).
    pub aliases: Vec<String>,
    /// The short description in `language` ("English writer and humorist").
    pub description: String,
    /// `None` when the knowledge base does not say, or says something we do not map.
    pub kind: Option<EntityKind>,
    /// The language of `name`, `aliases` and `description` (`en`, `pt-br`).
    pub language: String,
    /// Which knowledge base: `Wikidata`, or the stem of the imported JSONL file.
    pub source: String,
    /// When the import that wrote this entry ran: how stale the description may be.
    pub imported_at: DateTime<Utc>,
}

impl KbEntity {
    /// The form under which a name or alias is looked up: lowercase, typographic apostrophes
    /// made straight (news copy writes "O’Brien", knowledge bases "O'Brien"), runs of
    /// whitespace made one space, trimmed. Accents are kept: "Jose" and "José" may be
    /// different people.
    pub fn name_key(name: &str) -> String {
        let mut key = String::with_capacity(name.len());
        let mut pending_space = false;
        for ch in name.chars() {
            if ch.is_whitespace() {
                pending_space = !key.is_empty();
                continue;
            }
            if pending_space {
                key.push(' ');
                pending_space = false;
            }
            match ch {
                '\u{2019}' | '\u{2018}' | '\u{02bc}' => key.push('\''),
                _ => key.extend(ch.to_lowercase()),
            }
        }
        key
    }
}

#[cfg(test)]
mod tests {
    use super::KbEntity;

    fn check(name: &str, expected: &str) {
        assert_eq!(KbEntity::name_key(name), expected, "name {name:?}");
    }

    #[test]
    fn name_keys_fold_case_space_and_apostrophes() {
        check("Douglas Adams", "douglas adams");
        check("  Douglas\t\n Adams  ", "douglas adams");
        check("Sinéad O’Connor", "sinéad o'connor");
        check("ISTANBUL", "istanbul");
        check("São Paulo", "são paulo");
        check("   ", "");
        check("", "");
    }
}
