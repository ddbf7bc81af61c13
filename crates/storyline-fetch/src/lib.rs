//! Polite HTTP and file fetching, feed parsing (RSS, Atom, JSON Feed), OPML import.
