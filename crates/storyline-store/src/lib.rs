//! The Store trait and its SQLite backend, with numbered migrations.
