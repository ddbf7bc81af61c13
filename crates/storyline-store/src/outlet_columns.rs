//! An article's outlet as both backends store it: its name in `publisher`, the rest in the
//! nullable `outlet_*` columns (migration 0008 on SQLite, 0010 on PostgreSQL).
//!
//! Rows stored before those columns existed have them NULL; their outlet is resolved again
//! from the stored publisher and URL when read ([`RawOutlet::decode`]), with the same
//! function that resolves new articles, so an old row reads as it would have been stored
//! today and nothing has to be rewritten by the migration.

use storyline_model::Outlet;

/// The `outlet_*` columns of an `articles` row.
pub(crate) struct RawOutlet {
    pub(crate) id: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) owner: Option<String>,
}

impl RawOutlet {
    /// The stored outlet, or for a row from before the columns, the one its publisher and
    /// URL resolve to.
    pub(crate) fn decode(self, url: &str, publisher: String) -> Outlet {
        match self.id {
            Some(id) => Outlet {
                id,
                name: publisher,
                host: self.host,
                country: self.country,
                language: self.language,
                owner: self.owner,
            },
            None => Outlet::from_source(url, &publisher),
        }
    }
}
