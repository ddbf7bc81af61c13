//! The bundled place gazetteer on real names from news: lookup, aliases, accents,
//! disambiguation by the other places a story names, descriptions, and junk input.

use proptest::prelude::*;
use storyline_nlp::places::{Gazetteer, PlaceKind, describe};

/// Resolves `name` among the places in `context` and compares the description of the
/// result (`None` when nothing is resolved) with `expected`.
#[track_caller]
fn check(name: &str, context: &[&str], expected: Option<&str>) {
    let found = Gazetteer::shipped().resolve(name, context);
    assert_eq!(
        found.map(describe).as_deref(),
        expected,
        "{name:?} with {context:?}: {found:?}"
    );
}

#[test]
fn countries_are_found_and_described() {
    check(
        "Portugal",
        &[],
        Some("A country in Europe bordering Spain; its capital is Lisbon."),
    );
    check(
        "portugal",
        &[],
        Some("A country in Europe bordering Spain; its capital is Lisbon."),
    );
    let place = Gazetteer::shipped().resolve("Portugal", &[]).unwrap();
    assert_eq!(place.kind, PlaceKind::Country);
    assert_eq!(place.continent.as_deref(), Some("Europe"));
    assert_eq!(place.capital.as_deref(), Some("Lisbon"));
    assert_eq!(place.neighbours, ["Spain"]);
    // City-states do not repeat their own name as their capital.
    check("Singapore", &[], Some("A country in Asia."));
}

#[test]
fn countries_name_their_land_neighbours() {
    check(
        "Andorra",
        &[],
        Some("A country in Europe bordering France and Spain; its capital is Andorra la Vella."),
    );
    // GeoNames' US-Cuba pair (the Guantánamo Bay base fence) is left out of the table.
    check(
        "United States",
        &[],
        Some("A country in North America bordering Canada and Mexico; its capital is Washington."),
    );
    check(
        "Belgium",
        &[],
        Some(
            "A country in Europe bordering France, Germany, Luxembourg and the Netherlands; \
             its capital is Brussels.",
        ),
    );
    // More than four: the four most populous, largest first, and a count of the rest.
    check(
        "Germany",
        &[],
        Some(
            "A country in Europe bordering France, Poland, the Netherlands, Belgium and 5 others; \
             its capital is Berlin.",
        ),
    );
    check(
        "China",
        &[],
        Some(
            "A country in Asia bordering India, Pakistan, Russia, Vietnam and 10 others; \
             its capital is Beijing.",
        ),
    );
    let china = Gazetteer::shipped().resolve("China", &[]).unwrap();
    assert_eq!(china.neighbours.len(), 14);
    assert!(china.neighbours.is_sorted(), "{:?}", china.neighbours);
    // Island nations: no neighbours, nothing said about them.
    check(
        "Japan",
        &[],
        Some("A country in Asia; its capital is Tokyo."),
    );
    check(
        "Cuba",
        &[],
        Some("A country in North America; its capital is Havana."),
    );
    // Only countries carry neighbours.
    let texas = Gazetteer::shipped().resolve("Texas", &[]).unwrap();
    assert!(texas.neighbours.is_empty());
}

#[test]
fn contested_capitals_are_not_stated() {
    check(
        "Israel",
        &[],
        Some("A country in Asia bordering Egypt, Syria, Jordan, Lebanon and 1 other."),
    );
    check("Palestinian Territory", &[], Some("A territory in Asia."));
    check("Western Sahara", &[], Some("A territory in Africa."));
    // The data keeps GeoNames' value; only the description leaves it out.
    let israel = Gazetteer::shipped().resolve("Israel", &[]).unwrap();
    assert_eq!(israel.capital.as_deref(), Some("Jerusalem"));
}

#[test]
fn aliases_name_their_country() {
    for alias in [
        "U.S.",
        "US",
        "USA",
        "United States of America",
        "the United States",
    ] {
        let place = Gazetteer::shipped().resolve(alias, &[]);
        assert_eq!(
            place.map(|p| p.name.as_str()),
            Some("United States"),
            "{alias}"
        );
    }
    for (alias, name) in [
        ("U.K.", "United Kingdom"),
        ("Britain", "United Kingdom"),
        ("Holland", "The Netherlands"),
        ("Netherlands", "The Netherlands"),
        ("Czech Republic", "Czechia"),
        ("Côte d'Ivoire", "Ivory Coast"),
        ("Burma", "Myanmar"),
        ("Kiev", "Kyiv"),
        ("Bombay", "Mumbai"),
        ("Washington, D.C.", "Washington"),
    ] {
        let place = Gazetteer::shipped().resolve(alias, &[]);
        assert_eq!(place.map(|p| p.name.as_str()), Some(name), "{alias}");
    }
}

#[test]
fn territories_are_not_called_countries() {
    check(
        "Puerto Rico",
        &[],
        Some("A territory in North America; its capital is San Juan."),
    );
    check("Hong Kong", &[], Some("A territory in Asia."));
}

#[test]
fn regions_outside_the_us_are_not_read_as_cities() {
    check("England", &[], Some("Part of the United Kingdom."));
    // Also a city in California.
    check("Ontario", &[], None);
    check("Ontario", &["Canada"], Some("Part of Canada."));
    check(
        "Ontario",
        &["California"],
        Some("A city in California, United States."),
    );
}

#[test]
fn us_states_and_cities() {
    check("Texas", &[], Some("A US state."));
    check(
        "District of Columbia",
        &[],
        Some("The federal district of the United States."),
    );
    check(
        "Dallas",
        &[],
        Some("A city of over 1 million people in Texas, United States."),
    );
    check(
        "Washington, D.C.",
        &[],
        Some("A city in District of Columbia, United States."),
    );
    let dallas = Gazetteer::shipped().resolve("Dallas", &[]).unwrap();
    assert_eq!(dallas.region.as_deref(), Some("Texas"));
    assert_eq!(dallas.continent.as_deref(), Some("North America"));
}

#[test]
fn cities_elsewhere_name_their_country() {
    check("Porto", &[], Some("A city in Portugal."));
    check(
        "Quezon City",
        &[],
        Some("A city of over 3 million people in the Philippines."),
    );
}

#[test]
fn context_picks_among_places_of_one_name() {
    let paris_texas = Some("A town in Texas, United States.");
    let paris_france = Some("A city of over 2 million people in France.");
    check("Paris", &["Texas"], paris_texas);
    check("Paris", &["Dallas", "Texas"], paris_texas);
    check("Paris", &[], paris_france);
    check("Paris", &["France", "Berlin"], paris_france);
    // Naming only the country does not overturn the plain reading of a name.
    check("Paris", &["United States"], None);
    // ...but settles a name that is open without it.
    check("Victoria", &["Canada"], Some("A city in Canada."));
    // A state named in the context, directly or through one of its cities.
    check("Georgia", &["Atlanta"], Some("A US state."));
    check("Georgia", &["United States"], Some("A US state."));
    check(
        "Portland",
        &["Maine"],
        Some("A town in Maine, United States."),
    );
    // The name itself in the context is no evidence.
    check("Springfield", &["Springfield"], None);
}

#[test]
fn ambiguous_names_resolve_to_nothing() {
    // Country and US state.
    check("Georgia", &[], None);
    // A state and a larger city outside it.
    check("Washington", &[], None);
    // Cities of similar size: Springfield, Missouri / Massachusetts / Illinois; Lincoln,
    // Nebraska / England; Reading, England / Pennsylvania.
    check("Springfield", &[], None);
    check("Springfield", &["United States"], None);
    check("Lincoln", &[], None);
    check("Reading", &[], None);
    assert!(Gazetteer::shipped().candidates("Springfield").len() >= 3);
}

#[test]
fn dominant_cities_resolve_without_context() {
    check(
        "Birmingham",
        &[],
        Some("A city of over 1 million people in the United Kingdom."),
    );
    check("Portland", &[], Some("A city in Oregon, United States."));
}

#[test]
fn accents_case_and_saint_forms_are_folded() {
    let g = Gazetteer::shipped();
    for name in ["Sao Paulo", "São Paulo", "SAO PAULO", "são  paulo"] {
        let found = g.candidates(name);
        assert_eq!(
            found.first().map(|p| p.name.as_str()),
            Some("São Paulo"),
            "{name}"
        );
    }
    let saint = g.candidates("Saint Petersburg");
    assert!(!saint.is_empty());
    assert_eq!(g.candidates("St. Petersburg"), saint);
    assert_eq!(g.candidates("St Petersburg"), saint);
    assert_eq!(
        g.resolve("St. Petersburg", &[])
            .and_then(|p| p.country.as_deref()),
        Some("Russia")
    );
    assert_eq!(g.candidates("Hague"), g.candidates("The Hague"));
}

#[test]
fn candidates_list_areas_first_then_cities_by_size() {
    let found = Gazetteer::shipped().candidates("Georgia");
    let kinds: Vec<PlaceKind> = found.iter().map(|p| p.kind).collect();
    assert_eq!(kinds[..2], [PlaceKind::Country, PlaceKind::Region]);
    let paris = Gazetteer::shipped().candidates("Paris");
    assert!(paris.len() >= 2);
    assert!(paris.windows(2).all(|w| w[0].population >= w[1].population));
}

#[test]
fn junk_input_finds_nothing() {
    let g = Gazetteer::shipped();
    let long = "Paris ".repeat(1_000);
    for name in ["", "   ", "\t\n", ".", "the", "—", "xqzzyv", long.as_str()] {
        assert!(g.candidates(name).is_empty(), "{name:?}");
        assert_eq!(g.resolve(name, &[name, "", "Texas"]), None, "{name:?}");
    }
    check(
        "Paris",
        &["", "   ", long.as_str()],
        Some("A city of over 2 million people in France."),
    );
}

proptest! {
    #[test]
    fn any_text_is_safe(name in "\\PC{0,40}", other in "\\PC{0,40}") {
        let g = Gazetteer::shipped();
        for place in g.candidates(&name) {
            prop_assert!(!place.name.is_empty());
            prop_assert!(describe(place).ends_with('.'));
        }
        let _ = g.resolve(&name, &[&other, &name]);
    }
}
