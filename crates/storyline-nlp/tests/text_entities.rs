//! Named-entity mentions with roles, classification and alias grouping across texts.

use storyline_nlp::entities::{EntityKind, Mention, classify, group_mentions, mentions};

/// The mentions of `input` as "surface|role" strings (role empty when none).
#[track_caller]
fn check(input: &str, expected: &[&str]) {
    let found = mentions(input);
    for m in &found {
        assert_eq!(&input[m.start..m.end], m.surface, "offsets of {m:?}");
    }
    let got: Vec<String> = found
        .iter()
        .map(|m| format!("{}|{}", m.surface, m.role.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(got, expected, "input: {input:?}");
}

#[test]
fn capitalised_runs_without_sentence_openers() {
    check(
        "The European Central Bank raised rates.",
        &["European Central Bank|"],
    );
    check(
        "But on Monday Maria Okonkwo left Lagos.",
        &["Maria Okonkwo|", "Lagos|"],
    );
    check(
        "Officials said the Bank of England would act.",
        &["Bank of England|"],
    );
    check("On Monday, talks resumed in Geneva.", &["Geneva|"]);
    check(
        "Flights from Rolls-Royce and O'Brien Logistics resumed.",
        &["Rolls-Royce|", "O'Brien Logistics|"],
    );
    check(
        "Alibaba's shares rose after Alibaba's report.",
        &["Alibaba|", "Alibaba|"],
    );
    check(
        "Talks with Bashar al-Assad stalled in March.",
        &["Bashar al-Assad|"],
    );
    check(
        "Reporters met J. K. Rowling in Edinburgh.",
        &["J. K. Rowling|", "Edinburgh|"],
    );
}

#[test]
fn bodies_named_with_and_or_a_plural_possessive_stay_whole() {
    check(
        "Members of the Dock and Harbour Workers' Union voted on Friday.",
        &["Dock and Harbour Workers' Union|"],
    );
    check(
        "The National Teachers' Association backed the deal.",
        &["National Teachers' Association|"],
    );
    check(
        "Officials from Britain and France met in Calais.",
        &["Britain|", "France|", "Calais|"],
    );
    check(
        "Officials met Jonas and Maria Okonkwo in Lagos.",
        &["Jonas|", "Maria Okonkwo|", "Lagos|"],
    );
}

#[test]
fn titles_become_roles() {
    check("Premier Li Qiang arrived.", &["Li Qiang|Premier"]);
    check(
        "Chinese Premier Li Qiang arrived.",
        &["Li Qiang|Chinese Premier"],
    );
    check(
        "It was French President Emmanuel Macron who spoke.",
        &["Emmanuel Macron|French President"],
    );
    check(
        "Prime Minister Ana Ferreira resigned.",
        &["Ana Ferreira|Prime Minister"],
    );
    check(
        "Yesterday former President Tomas Varga died.",
        &["Tomas Varga|former President"],
    );
    check(
        "Secretary of State Dana Whitfield flew in.",
        &["Dana Whitfield|Secretary of State"],
    );
    check(
        "Marlow Systems CEO Priya Natarajan quit.",
        &["Marlow Systems|", "Priya Natarajan|Marlow Systems CEO"],
    );
    check("Shares of General Motors fell.", &["General Motors|"]);
    check("The Justice Department sued.", &["Justice Department|"]);
    check("The President said nothing.", &[]);
}

#[test]
fn roles_before_the_name_in_lower_case() {
    check(
        "The deal, said chief executive Eddie Tran, is done.",
        &["Eddie Tran|chief executive"],
    );
    check(
        "Harbin Widgets chairman Joe Marsh spoke.",
        &["Harbin Widgets|", "Joe Marsh|Harbin Widgets chairman"],
    );
}

#[test]
fn appositives_become_roles() {
    check(
        "Li Qiang, China's premier, said the economy was stable.",
        &["Li Qiang|China's premier", "China|"],
    );
    check(
        "Alibaba, the e-commerce group, reported results.",
        &["Alibaba|the e-commerce group"],
    );
    check(
        "Maria Silva, 42, a nurse, was hurt.",
        &["Maria Silva|a nurse"],
    );
    check(
        "Visitors came from France, Germany, the UK and Italy.",
        &["France|", "Germany|", "UK|", "Italy|"],
    );
    check("Maria Silva, 42, said she would stay.", &["Maria Silva|"]);
}

#[track_caller]
fn check_kind(name: &str, role: Option<&str>, context: &str, expected: EntityKind) {
    assert_eq!(
        classify(name, role, context),
        expected,
        "{name:?} role {role:?}"
    );
}

#[test]
fn classification_per_kind() {
    use EntityKind::*;
    check_kind("Li Qiang", Some("Premier"), "", Person);
    check_kind("Maria Silva", Some("a nurse"), "", Person);
    check_kind("Emily Hartley", None, "", Person);
    // A given name before a place word reads as a place: "Victoria Park".
    check_kind("Victoria Park", None, "", Place);
    check_kind(
        "Okafor Nwosu",
        None,
        "Okafor Nwosu arrived. Nwosu said he was tired.",
        Person,
    );
    check_kind("Alibaba", Some("the e-commerce group"), "", Company);
    check_kind("Harbin Widgets Inc", None, "", Company);
    check_kind("Deutsche Bank", None, "", Company);
    check_kind("Cathay Airlines", None, "", Company);
    check_kind("Kestrel Holdings", None, "", Company);
    check_kind("European Central Bank", None, "", Organisation);
    check_kind("Ministry of Finance", None, "", Organisation);
    check_kind("Labour Party", None, "", Organisation);
    check_kind("NATO", None, "", Organisation);
    check_kind("University of Lagos", None, "", Organisation);
    check_kind("Paris", None, "", Place);
    check_kind("Hong Kong", None, "", Place);
    check_kind("Sichuan Province", None, "", Place);
    check_kind("South China Sea", None, "", Place);
    check_kind("Rift Valley", None, "", Place);
    check_kind("Quillon", None, "", Organisation);
}

fn mention(surface: &str, role: Option<&str>, kind: Option<EntityKind>) -> Mention {
    Mention {
        surface: surface.to_string(),
        start: 0,
        end: surface.len(),
        kind,
        role: role.map(str::to_string),
    }
}

#[test]
fn alias_grouping_across_documents() {
    let docs = vec![
        mentions("Premier Li Qiang visited Alibaba on Tuesday. Li praised the firm."),
        mentions(
            "Li Qiang, China's premier, met the European Central Bank president. The ECB was cautious.",
        ),
        mentions("Alibaba Group said Li had toured its Hangzhou campus."),
    ];
    let groups = group_mentions(&docs);
    let li = groups
        .iter()
        .find(|g| g.name == "Li Qiang")
        .expect("Li Qiang grouped");
    assert_eq!(li.id, "li-qiang");
    assert_eq!(li.kind, EntityKind::Person);
    assert_eq!(li.mentions, 4);
    assert_eq!(li.first_doc, 0);
    assert!(li.aliases.contains(&"Li".to_string()), "{:?}", li.aliases);
    assert!(
        li.aliases.contains(&"Premier Li Qiang".to_string()),
        "{:?}",
        li.aliases
    );
    assert_eq!(
        li.roles,
        [
            ("Premier".to_string(), 0),
            ("China's premier".to_string(), 1)
        ]
    );
    let alibaba = groups
        .iter()
        .find(|g| g.name == "Alibaba Group")
        .expect("Alibaba grouped");
    assert_eq!(alibaba.mentions, 2);
    assert_eq!(alibaba.kind, EntityKind::Company);
    let ecb = groups
        .iter()
        .find(|g| g.name == "European Central Bank")
        .expect("ECB grouped");
    assert_eq!(ecb.aliases, ["ECB"]);
    assert_eq!(ecb.kind, EntityKind::Organisation);
    assert_eq!(groups[0].name, "Li Qiang", "most mentioned first");
}

#[test]
fn ambiguous_short_forms_stay_apart() {
    let docs = vec![vec![
        mention("Li Qiang", None, Some(EntityKind::Person)),
        mention("Li Wei", None, Some(EntityKind::Person)),
        mention("Li", None, None),
        mention("New York Times", None, Some(EntityKind::Company)),
        mention("New York", None, Some(EntityKind::Place)),
        mention("new york", None, Some(EntityKind::Place)),
    ]];
    let groups = group_mentions(&docs);
    let names: Vec<(&str, u32)> = groups
        .iter()
        .map(|g| (g.name.as_str(), g.mentions))
        .collect();
    assert_eq!(
        names,
        [
            ("New York", 2),
            ("Li", 1),
            ("Li Qiang", 1),
            ("Li Wei", 1),
            ("New York Times", 1)
        ]
    );
}

#[test]
fn slugs_fold_accents_and_never_come_out_empty() {
    let groups = group_mentions(&[vec![
        mention("José Álvarez", None, Some(EntityKind::Person)),
        mention("&&", None, None),
    ]]);
    let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    assert!(ids.contains(&"jose-alvarez"), "{ids:?}");
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
}

#[test]
fn nationality_adjectives_and_currency_codes_are_not_entities() {
    let text = "The German regulator fined the Finnish firm SEK 4bn. Finnish officials said the SUV recall would continue, Anna Berg said in Berlin.";
    let names: Vec<String> = storyline_nlp::entities::mentions(text)
        .into_iter()
        .map(|m| m.surface)
        .collect();
    for not_entity in ["German", "Finnish", "SEK", "SUV"] {
        assert!(
            !names.iter().any(|n| n == not_entity),
            "{not_entity} in {names:?}"
        );
    }
    assert!(names.iter().any(|n| n == "Anna Berg"), "{names:?}");
    assert!(names.iter().any(|n| n == "Berlin"), "{names:?}");
}
