//! The entities of a story, with the shipped recogniser, on invented coverage: one test per
//! failure seen on real pages (linking, kinds, boilerplate, outlets as sources, salience).

use storyline_nlp::ner::{self, Kind};
use storyline_nlp::story_entities::{
    ArticleMentions, StoryArticleText, StoryEntity, body_bytes_per_article, story_entities,
    story_entities_of,
};

fn entities_of(articles: &[(&str, &str, &str)]) -> Vec<StoryEntity> {
    let texts: Vec<StoryArticleText<'_>> = articles
        .iter()
        .map(|(headline, body, outlet)| StoryArticleText {
            headline,
            body,
            outlet,
        })
        .collect();
    story_entities(ner::shipped().expect("the shipped model loads"), &texts)
}

fn find<'e>(entities: &'e [StoryEntity], name: &str) -> &'e StoryEntity {
    entities.iter().find(|e| e.name == name).unwrap_or_else(|| {
        panic!(
            "no entity {name:?} among {:?}",
            entities.iter().map(|e| &e.name).collect::<Vec<_>>()
        )
    })
}

const HARBOUR_ONE: &str = "Police in Kelmouth said on Tuesday that Adam Varga, 24, a \
    warehouse worker from Dunmore, set fire to the harbour office. Varga was arrested at \
    his home. His mother, Nancy Varga, told reporters she had not seen him for a week. \
    Mr. Varga appeared in court on Wednesday.";
const HARBOUR_TWO: &str = "Investigators said Adam Varga acted alone. His mother, Nancy \
    Varga, said her son had been unwell. Varga faces three charges, according to prosecutors.";

#[test]
fn a_surname_goes_to_the_person_an_article_introduces_first() {
    let found = entities_of(&[
        (
            "Man charged over Kelmouth harbour fire",
            HARBOUR_ONE,
            "Kelmouth Gazette",
        ),
        (
            "Harbour fire suspect was unwell, mother says",
            HARBOUR_TWO,
            "Dunmore Post",
        ),
    ]);
    let adam = find(&found, "Adam Varga");
    let nancy = find(&found, "Nancy Varga");
    assert_eq!(adam.kind, Kind::Person);
    assert_eq!(nancy.kind, Kind::Person);
    // "Varga was arrested", "Mr. Varga appeared", "Varga faces": Adam, whom each article
    // introduces first; "Nancy Varga" only where she is named in full.
    assert_eq!(adam.mentions, 5, "{adam:?}");
    assert_eq!(nancy.mentions, 2, "{nancy:?}");
    assert!(adam.aliases.contains(&"Varga".to_string()), "{adam:?}");
    assert!(found.iter().all(|e| e.name != "Varga"));
    assert!(
        adam.roles
            .iter()
            .any(|r| r.text == "a warehouse worker from Dunmore"),
        "{:?}",
        adam.roles
    );
}

#[test]
fn captions_credits_stamps_and_bylines_name_nobody() {
    let body = "By Lena Ostrova, Associated Press\n\
        FILE - In this 2019 photo, the Kelmouth harbour office stands empty. (AP Photo/Jon Reyes)\n\
        [Updated at 7:48 p.m. ET] Saturday brought new charges against the Kelmouth Port \
        Authority, the body that runs the harbour.\n\
        KELMOUTH, Maine (AP) — Prosecutors said the Kelmouth Port Authority ignored warnings.\n\
        Copyright 2024 The Associated Press. All rights reserved.";
    let found = entities_of(&[("Port authority charged", body, "Kelmouth Gazette")]);
    let names: Vec<&str> = found.iter().map(|e| e.name.as_str()).collect();
    for boilerplate in [
        "FILE",
        "AP",
        "AP Photo",
        "Jon Reyes",
        "Lena Ostrova",
        "ET",
        "ET Saturday",
        "Associated Press",
    ] {
        assert!(!names.contains(&boilerplate), "{boilerplate} in {names:?}");
    }
    let authority = find(&found, "Kelmouth Port Authority");
    assert_eq!(authority.kind, Kind::Organisation);
}

#[test]
fn outlets_are_sources_not_subjects() {
    let body = "The mayor of Kelmouth, Ines Duarte, told Reuters the harbour would reopen. \
        Duarte said repairs would take a month, the Kelmouth Gazette reported.";
    let found = entities_of(&[("Kelmouth harbour to reopen", body, "Kelmouth Gazette")]);
    let names: Vec<&str> = found.iter().map(|e| e.name.as_str()).collect();
    assert!(!names.contains(&"Reuters"), "{names:?}");
    assert!(!names.contains(&"Kelmouth Gazette"), "{names:?}");
    assert_eq!(find(&found, "Ines Duarte").kind, Kind::Person);
}

#[test]
fn an_acronym_joins_the_organisation_it_abbreviates() {
    let one = "The United Nations said on Monday that aid had reached Kelmouth. The UN \
        sent forty lorries.";
    let two = "UN officials said more aid would follow.";
    let found = entities_of(&[
        ("Aid reaches Kelmouth", one, "Kelmouth Gazette"),
        ("More aid on the way", two, "Dunmore Post"),
    ]);
    let un = find(&found, "United Nations");
    assert_eq!(un.kind, Kind::Organisation);
    assert!(un.aliases.contains(&"UN".to_string()), "{un:?}");
    assert_eq!(un.articles, vec![0, 1]);
}

#[test]
fn headlines_and_leads_make_an_entity_salient() {
    let one = "Ines Duarte, the mayor of Kelmouth, opened the new harbour on Friday. The \
        works took two years. Several contractors took part, among them Brightwater Dredging. \
        A band played.";
    let two = "Kelmouth's mayor Ines Duarte cut the ribbon at the harbour. Guests came from \
        across the region. Duarte thanked the workers.";
    let found = entities_of(&[
        ("Duarte opens Kelmouth harbour", one, "Kelmouth Gazette"),
        ("New harbour opens", two, "Dunmore Post"),
    ]);
    let mayor = find(&found, "Ines Duarte");
    assert!(mayor.is_salient(2));
    assert_eq!(mayor.headline_articles, 1);
    assert_eq!(mayor.lead_articles, 2);
    assert_eq!(
        found[0].name, "Ines Duarte",
        "most salient first: {found:?}"
    );
    // Named once, late in one article: not what the story is about.
    if let Some(dredger) = found.iter().find(|e| e.name == "Brightwater Dredging") {
        assert!(!dredger.is_salient(2), "{dredger:?}");
    }
}

#[test]
fn a_title_case_headline_is_not_a_name() {
    let body = "Flooding closed the Kelmouth ring road on Monday, police said.";
    let found = entities_of(&[(
        "Heavy Rain Closes Ring Road Across Whole Region",
        body,
        "Kelmouth Gazette",
    )]);
    assert!(
        found.iter().all(|e| e.name.split_whitespace().count() <= 3),
        "{found:?}"
    );
}

proptest::proptest! {
    /// Any text, however broken (stray brackets, dashes inside multi-byte characters, lone
    /// capitals, control characters), is read without a panic, and every entity found has a
    /// mention, a name and a slug.
    #[test]
    fn any_text_is_read_without_a_panic(
        headline in "\\PC{0,80}",
        body in proptest::collection::vec(
            proptest::prop_oneof![
                "\\PC{0,120}",
                "[A-Z][a-z]{2,8} [A-Z][a-z]{2,8}, [a-z ]{0,30}",
                "[A-Z]{3,10}, [A-Z][a-z]+\\. \\([A-Z]{2,4}\\) [—–-] ",
                "\\[[^\\]]{0,30}\\]",
                "\\([^)]{0,30}\\)",
            ],
            0..12,
        ),
        outlet in "\\PC{0,20}",
    ) {
        let body = body.join(" ");
        let found = entities_of(&[(&headline, &body, &outlet)]);
        for entity in &found {
            proptest::prop_assert!(entity.mentions >= 1);
            proptest::prop_assert!(!entity.name.is_empty());
            proptest::prop_assert!(!entity.articles.is_empty());
        }
    }
}

#[test]
fn a_descriptor_before_a_name_is_its_role() {
    let body = "Aid workers said the Kelmouth relief agency Harbourside Aid had run out of \
        blankets. Harbourside Aid asked for donations.";
    let found = entities_of(&[(
        "Harbourside Aid runs out of blankets",
        body,
        "Kelmouth Gazette",
    )]);
    let charity = find(&found, "Harbourside Aid");
    assert!(
        charity
            .roles
            .iter()
            .any(|r| r.text == "the Kelmouth relief agency"),
        "{:?}",
        charity.roles
    );
}

#[test]
fn an_appositive_before_a_name_is_its_role() {
    let body = "The gunman, Adam Varga, set fire to the harbour office on Tuesday. Police \
        said Varga acted alone.";
    let found = entities_of(&[("Harbour office fire: man held", body, "Kelmouth Gazette")]);
    let adam = find(&found, "Adam Varga");
    assert!(
        adam.roles.iter().any(|r| r.text == "The gunman"),
        "{:?}",
        adam.roles
    );
}

#[test]
fn an_articles_mentions_kept_serve_any_story_it_is_in() {
    let model = ner::shipped().expect("the shipped model loads");
    let gazette = "The Kelmouth Gazette said the harbour office of Ines Duarte would reopen. \
        Duarte, the mayor, said repairs would take a month.";
    let texts = [
        StoryArticleText {
            headline: "Harbour office to reopen",
            body: HARBOUR_ONE,
            outlet: "Harbour Herald",
        },
        StoryArticleText {
            headline: "Varga acted alone, police say",
            body: HARBOUR_TWO,
            outlet: "Kelmouth Gazette",
        },
        StoryArticleText {
            headline: "Mayor promises quick repairs",
            body: gazette,
            outlet: "Coast Radio",
        },
    ];
    // Found once, as a caller keeping them would, at the body share of the larger story.
    let bytes = body_bytes_per_article(texts.len());
    let kept: Vec<ArticleMentions> = texts
        .iter()
        .map(|text| ArticleMentions::find(model, text, bytes))
        .collect();
    assert!(kept.iter().all(|m| !m.is_empty()));
    // The third article names the Gazette: what the story is about where the Gazette is not
    // among its sources, a source where it is; kept mentions serve both.
    for story in [[0, 2], [2, 1]] {
        let articles: Vec<StoryArticleText<'_>> = story.iter().map(|&i| texts[i]).collect();
        let mentions: Vec<&ArticleMentions> = story.iter().map(|&i| &kept[i]).collect();
        assert_eq!(
            story_entities_of(&articles, &mentions),
            story_entities(model, &articles),
            "story of articles {story:?}"
        );
    }
}
