//! Who published an article: the [`Outlet`] type and the one function that decides it,
//! [`Outlet::resolve`].
//!
//! Every place that counts outlets (a story's `outlet_count`, the web list, a brief's choice
//! of each outlet's latest report) compares [`Outlet::id`]; every place that names one shows
//! [`Outlet::name`]. Both come from here, so they cannot disagree.
//!
//! The display name is taken, in order, from the page's own name for itself (`og:site_name`,
//! JSON-LD `publisher`), the feed's title (a section suffix such as "— World" dropped), the
//! bundled table of outlets (`data/outlets.tsv`), and last the host without `www.` or `m.`.
//! The id is the table's host when the table knows the outlet (so `edition.cnn.com` and
//! `www.cnn.com` are one outlet), else the bare host, else, for a record without a usable URL,
//! a key made from the name.

use crate::article::Article;
use crate::host_name::name_from_host;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// One news outlet, as an article's publisher.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Outlet {
    /// What outlets are counted by: the table's host ("cnn.com"), else the article's host
    /// without `www.`/`m.`, else `name:` and the name's loose key.
    pub id: String,
    /// The display name ("The Harbour Times"); never a host with `www.`.
    pub name: String,
    /// The outlet's host without `www.`/`m.` (the table's host when the table knows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// ISO 3166-1 alpha-2 country code, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// BCP 47 language of the outlet's main edition, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The company or body that owns it, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// What is known about an article's publisher when it is stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutletHints<'a> {
    /// The article's URL (canonical or as given).
    pub url: &'a str,
    /// The page's own name for its site (`og:site_name`, JSON-LD `publisher`), or an import
    /// line's `source`. A value that is a host name is used as a host, not as a name.
    pub site_name: Option<&'a str>,
    /// The title of the feed the article came from.
    pub feed_title: Option<&'a str>,
}

/// The name shown when nothing at all names the outlet.
pub const UNKNOWN_OUTLET: &str = "Unknown outlet";

impl Outlet {
    /// Decides who published an article: the only place that does.
    pub fn resolve(hints: &OutletHints<'_>) -> Outlet {
        let site_name = hints.site_name.map(clean_name).filter(|s| !s.is_empty());
        // A "name" that is a host ("www.harbourtimes.example", as imports often carry) says
        // where the article came from, not what the outlet is called.
        let (site_name, named_host) = match site_name {
            Some(name) if looks_like_host(&name) => (None, bare_host(&name.to_lowercase())),
            other => (other, None),
        };
        let host = host_of_url(hints.url).or(named_host);
        let known = host
            .as_deref()
            .and_then(|h| OutletTable::bundled().lookup(h));
        let feed_title = hints
            .feed_title
            .map(feed_title_name)
            .filter(|t| !t.is_empty() && !looks_like_host(t));
        let name = site_name
            .or(feed_title)
            .or_else(|| known.map(|k| k.name.clone()))
            .or_else(|| host.as_deref().and_then(name_from_host))
            .or_else(|| host.clone())
            .unwrap_or_else(|| UNKNOWN_OUTLET.to_string());
        let id = match (known, &host) {
            (Some(known), _) => known.host.clone(),
            (None, Some(host)) => host.clone(),
            (None, None) => format!("name:{}", name_key(&name)),
        };
        Outlet {
            id,
            host: known.map(|k| k.host.clone()).or(host),
            country: known.and_then(|k| k.country.clone()),
            language: known.and_then(|k| k.language.clone()),
            owner: known.and_then(|k| k.owner.clone()),
            name,
        }
    }

    /// The outlet of a record that names its publisher in one string, a name or a host (an
    /// import line's `source`, or a row stored before outlets were resolved).
    pub fn from_source(url: &str, source: &str) -> Outlet {
        Outlet::resolve(&OutletHints {
            url,
            site_name: Some(source),
            feed_title: None,
        })
    }
}

/// The independent outlets among `articles`: one per [`Outlet::id`], copies of another
/// article (`duplicate_of`) left out, sorted by name. Where one outlet's articles carry
/// different names ("BBC News", "BBC Sport"), the name most of them carry is shown (ties:
/// the first in sort order), so the result does not depend on the order of `articles`.
///
/// A story's stored `outlet_count` is the length of this list and the web's outlet list is
/// this list: the two cannot disagree.
pub fn independent_outlets<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Vec<&'a Outlet> {
    let mut by_id: BTreeMap<&str, BTreeMap<&str, (usize, &'a Outlet)>> = BTreeMap::new();
    for article in articles {
        if article.duplicate_of.is_some() {
            continue;
        }
        let outlet = &article.outlet;
        by_id
            .entry(outlet.id.as_str())
            .or_default()
            .entry(outlet.name.as_str())
            .or_insert((0, outlet))
            .0 += 1;
    }
    let mut outlets: Vec<&Outlet> = by_id
        .into_values()
        .filter_map(|names| {
            // Most articles first; BTreeMap order (name) breaks ties.
            names
                .into_values()
                .rev()
                .max_by_key(|(count, _)| *count)
                .map(|(_, outlet)| outlet)
        })
        .collect();
    outlets.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    outlets
}

/// A row of the bundled outlet table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownOutlet {
    pub host: String,
    pub name: String,
    pub country: Option<String>,
    pub language: Option<String>,
    pub owner: Option<String>,
}

/// Outlets known by host: the bundled `data/outlets.tsv`.
#[derive(Debug, Default)]
pub struct OutletTable {
    by_host: HashMap<String, KnownOutlet>,
}

impl OutletTable {
    /// The table bundled with Storyline, parsed once.
    pub fn bundled() -> &'static OutletTable {
        static TABLE: OnceLock<OutletTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The bundled file is checked by a test; a bad row there is a bug, not input.
            OutletTable::parse(include_str!("../data/outlets.tsv"))
                .unwrap_or_else(|err| panic!("bundled outlets.tsv: {err}"))
        })
    }

    /// Parses the table: `#` comments, then tab-separated `host name country language
    /// owner` rows (the last three may be empty). Errors name the line.
    pub fn parse(text: &str) -> Result<OutletTable, String> {
        let mut by_host = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            if fields.len() < 2 || fields.len() > 5 {
                return Err(format!(
                    "line {number}: expected 2 to 5 tab-separated fields, found {}",
                    fields.len()
                ));
            }
            let host = fields[0].to_ascii_lowercase();
            if !looks_like_host(&host) || bare_host(&host).as_deref() != Some(host.as_str()) {
                return Err(format!(
                    "line {number}: {:?} is not a bare host name",
                    fields[0]
                ));
            }
            if fields[1].is_empty() {
                return Err(format!("line {number}: {host} has no name"));
            }
            let optional = |i: usize| {
                fields
                    .get(i)
                    .filter(|f| !f.is_empty())
                    .map(|f| f.to_string())
            };
            let known = KnownOutlet {
                host: host.clone(),
                name: fields[1].to_string(),
                country: optional(2),
                language: optional(3),
                owner: optional(4),
            };
            if by_host.insert(host.clone(), known).is_some() {
                return Err(format!("line {number}: {host} is listed twice"));
            }
        }
        Ok(OutletTable { by_host })
    }

    /// The outlet behind `host`: the host itself, else the nearest parent domain the table
    /// lists (`edition.cnn.com` → `cnn.com`), never a bare suffix such as `co.uk`.
    pub fn lookup(&self, host: &str) -> Option<&KnownOutlet> {
        let host = bare_host(&host.to_ascii_lowercase())?;
        let mut rest = host.as_str();
        loop {
            if let Some(known) = self.by_host.get(rest) {
                return Some(known);
            }
            let (_, parent) = rest.split_once('.')?;
            if !parent.contains('.') {
                return None;
            }
            rest = parent;
        }
    }

    pub fn len(&self) -> usize {
        self.by_host.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_host.is_empty()
    }

    /// Every row, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &KnownOutlet> {
        self.by_host.values()
    }
}

/// The host of `url`, lowercased, without port, user info, `www.` or `m.`; an archived copy
/// (`web.archive.org/web/2014.../http://...`) gives the original's host. `None` for a URL
/// without a host and for the reserved `.invalid` names that stand in for a missing URL.
pub fn host_of_url(url: &str) -> Option<String> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = authority.split(':').next()?.trim_end_matches('.');
    let host = host.to_ascii_lowercase();
    if host == "web.archive.org" || host == "archive.org" {
        let path = &rest[rest.find('/').unwrap_or(rest.len())..];
        if let Some(inner) = path.strip_prefix("/web/")
            && let Some((_, original)) = inner.split_once('/')
        {
            return host_of_url(original).or_else(|| host_of_url(&format!("http://{original}")));
        }
    }
    if host.ends_with(".invalid") || host == "invalid" {
        return None;
    }
    bare_host(&host)
}

/// `host` without the prefixes that name a copy of the same site (`www.`, `www2.`, `m.`,
/// `mobile.`, `amp.`), provided something with a dot is left; `None` when it is not a host.
pub fn bare_host(host: &str) -> Option<String> {
    let mut host = host.trim().trim_end_matches('.');
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return None;
    }
    while let Some((first, rest)) = host.split_once('.') {
        let is_copy = first == "m"
            || first == "mobile"
            || first == "amp"
            || first
                .strip_prefix("www")
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        if !is_copy || !rest.contains('.') {
            break;
        }
        host = rest;
    }
    Some(host.to_string())
}

/// True when `text` is a host name rather than a name ("www.example.com", "example.co.uk"):
/// one word of letters, digits, dots and hyphens with a dot in it and a final label of
/// letters. "Salon.com" counts as a host; "Golem.de" too, and the table names them.
pub fn looks_like_host(text: &str) -> bool {
    let text = text.trim().trim_end_matches('.');
    let Some((_, tld)) = text.rsplit_once('.') else {
        return false;
    };
    tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !text.split('.').any(str::is_empty)
}

/// A loose key for comparing outlet names: "The Harbour Times", "harbour times",
/// "harbourtimes.com" and "HarbourTimes" all give "harbourtimes".
pub fn name_key(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let lower = lower.strip_prefix("www.").unwrap_or(&lower);
    let lower = [".com", ".co.uk", ".org", ".net", ".news", ".io"]
        .iter()
        .find_map(|tld| lower.strip_suffix(tld))
        .unwrap_or(lower);
    let lower = lower.strip_prefix("the ").unwrap_or(lower);
    lower.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Whitespace collapsed; a leading `www.` dropped from a name that is a host.
fn clean_name(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    // Names longer than this are sentences or page titles, not what an outlet calls itself.
    if name.chars().count() > 80 {
        return String::new();
    }
    name
}

/// The outlet's part of a feed title: "The Harbour Times — World" → "The Harbour Times",
/// "NYT > Top Stories" → "NYT". Only spaced separators count, so "Folha de S.Paulo" and
/// "Times-Picayune" stay whole.
fn feed_title_name(title: &str) -> String {
    let title = clean_name(title);
    let cut = [" — ", " – ", " - ", " | ", " > ", " :: ", ": "]
        .iter()
        .filter_map(|sep| title.find(sep))
        .min();
    match cut {
        Some(at) if at >= 2 => title[..at].trim().to_string(),
        _ => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str, site: Option<&str>, feed: Option<&str>) -> Outlet {
        Outlet::resolve(&OutletHints {
            url,
            site_name: site,
            feed_title: feed,
        })
    }

    #[test]
    fn hosts_are_bare() {
        let check = |url: &str, expected: Option<&str>| {
            assert_eq!(host_of_url(url).as_deref(), expected, "{url}");
        };
        check("https://www.Harbour.example/x", Some("harbour.example"));
        check("https://m.harbour.example/x", Some("harbour.example"));
        check(
            "https://www2.harbour.example:8443/x",
            Some("harbour.example"),
        );
        check(
            "http://user@news.harbour.example./x?q",
            Some("news.harbour.example"),
        );
        check("https://www.example/x", Some("www.example"));
        check("https://example.invalid/42", None);
        check("not a url", None);
        check(
            "https://web.archive.org/web/20140101000000/http://www.harbour.example/x",
            Some("harbour.example"),
        );
        check(
            "https://web.archive.org/web/2014id_/harbour.example/x",
            Some("harbour.example"),
        );
    }

    #[test]
    fn hostlike_names_are_recognised() {
        for host in [
            "www.harbour.example",
            "harbour.co.uk",
            "Salon.com",
            "a-b.example",
        ] {
            assert!(looks_like_host(host), "{host}");
        }
        for name in [
            "The Harbour Times",
            "Folha de S.Paulo",
            "CNN",
            "1.5",
            "St. Louis Today",
        ] {
            assert!(!looks_like_host(name), "{name}");
        }
    }

    #[test]
    fn feed_titles_lose_their_section() {
        assert_eq!(
            feed_title_name("The Harbour Times — World"),
            "The Harbour Times"
        );
        assert_eq!(
            feed_title_name("Harbour Post > Top Stories"),
            "Harbour Post"
        );
        assert_eq!(feed_title_name("Times-Picayune"), "Times-Picayune");
        assert_eq!(feed_title_name("  Lantern   Post "), "Lantern Post");
    }

    #[test]
    fn names_come_from_the_best_source() {
        let table =
            OutletTable::parse("harbourtimes.example\tThe Harbour Times\tGB\ten\n").unwrap();
        assert_eq!(
            table
                .lookup("edition.harbourtimes.example")
                .map(|k| k.name.as_str()),
            Some("The Harbour Times")
        );
        assert_eq!(table.lookup("harbourtimes.co.uk"), None);
        let o = resolve(
            "https://www.meridian.example/a",
            Some("Meridian Daily"),
            Some("Meridian Feed — World"),
        );
        assert_eq!(
            (o.id.as_str(), o.name.as_str()),
            ("meridian.example", "Meridian Daily")
        );
        let o = resolve(
            "https://www.meridian.example/a",
            None,
            Some("Meridian Feed — World"),
        );
        assert_eq!(o.name, "Meridian Feed");
        let o = resolve(
            "https://www.meridian.example/a",
            Some("www.meridian.example"),
            None,
        );
        // A host named nowhere else is read for its words ...
        assert_eq!(o.name, "Meridian");
        let o = resolve("https://www.northharbourpost.example/a", None, None);
        assert_eq!(o.name, "North Harbour Post");
        // ... and kept as it is where they cannot be read (a coined place name).
        let o = resolve("https://www.kelmouthharbourpost.example/a", None, None);
        assert_eq!(o.name, "kelmouthharbourpost.example");
        let o = resolve(
            "https://example.invalid/1",
            Some("www.northgate.example"),
            None,
        );
        assert_eq!(
            (o.id.as_str(), o.name.as_str()),
            ("northgate.example", "North Gate")
        );
        let o = resolve("", Some("The Lantern Post"), None);
        assert_eq!((o.id.as_str(), o.host), ("name:lanternpost", None));
        let o = resolve("", None, None);
        assert_eq!(o.name, UNKNOWN_OUTLET);
    }

    #[test]
    fn bad_table_rows_name_their_line() {
        let err = OutletTable::parse("# c\nwww.a.example\tA\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = OutletTable::parse("a.example\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        let err = OutletTable::parse("a.example\tA\na.example\tB\n").unwrap_err();
        assert!(err.contains("twice"), "{err}");
    }

    #[test]
    fn bundled_table_parses_and_is_large() {
        let table = OutletTable::bundled();
        assert!(table.len() >= 300, "{} outlets", table.len());
        for known in table.iter() {
            assert!(!known.name.contains("www."), "{}", known.host);
        }
    }

    #[test]
    fn name_keys_match_loosely() {
        assert_eq!(name_key("The Harbour Times"), name_key("harbourtimes.com"));
        assert_eq!(name_key("HARBOUR TIMES"), name_key("The Harbour-Times"));
        assert_ne!(name_key("Harbour Times"), name_key("Harbour Post"));
    }
}
