//! "More on these topics": a card for each salient person, organisation or place of a story,
//! and the "Go deeper" questions about them.
//!
//! The entities come from [`storyline_nlp::story_entities`] (the trained recogniser, mentions
//! linked across the articles, kinds voted, boilerplate and outlets left out). A card says
//! only what is known to be true, from the first of:
//! 1. a role the coverage states about the entity: a title before the name ("Afghan President
//!    Hamid Karzai") or an appositive after it ("Maria Costa, 34, a nurse from Porto"), the
//!    newest article's when several do;
//! 2. the imported knowledge base, when an entry of the same name has a compatible kind;
//! 3. for a place, the bundled gazetteer ([`storyline_nlp::places`]), disambiguated by the
//!    other places the story names.
//!
//! An entity with none of these gets no card: a sentence that merely contains a name does
//! not say who or what it is. The card's kind is the recogniser's vote (an organisation with
//! a company's name or role is a company); a knowledge-base entry of another kind is taken
//! for a namesake and not used.
//!
//! Invariants: deterministic; a card's `description_source` names where its text came from
//! (a source index of the brief, or the knowledge base or gazetteer and its date).

use super::SourceNo;
use super::memo::{SharedMemo, memoised};
use chrono::{TimeZone, Utc};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use storyline_model::{
    Article, DescriptionSource, EntityCard, EntityKind, GoDeeperLink, GoDeeperQuestion, KbEntity,
};
use storyline_nlp::entities;
use storyline_nlp::ner::{self, Kind};
use storyline_nlp::places::{self, Gazetteer};
use storyline_nlp::story_entities::{
    ArticleMentions, StoryArticleText, StoryEntity, body_bytes_per_article, story_entities_of,
};

/// Articles' entity mentions, kept between briefs ([`super::memo`]): the recogniser is most
/// of a card's cost, and a growing story's articles come back poll after poll.
static MENTIONS: SharedMemo<ArticleMentions> = OnceLock::new();
/// Articles whose mentions are kept (a few KB each): more than a poll's dirty stories read
/// (about 5,000 articles in the scale stream), so the next poll finds its stories' older
/// articles.
const MENTIONS_KEPT: usize = 16_384;

/// Entity cards shown.
pub(super) const MAX_CARDS: usize = 6;
/// Place cards among them, at most, and of those one country: a story's people and
/// organisations say more about it than the countries it touches.
const MAX_PLACE_CARDS: usize = 2;
/// Where place descriptions come from, as a card names it, and the month of that data
/// (the package's release; `scripts/make-gazetteer.py` records its version).
const GAZETTEER_SOURCE: &str = "GeoNames gazetteer (CC BY 4.0)";
const GAZETTEER_DATE: (i32, u32, u32) = (2026, 7, 1);
/// A city at least this large is taken for the gazetteer's one of its name without the
/// story naming its country.
const MAJOR_CITY_POPULATION: u64 = 1_000_000;
/// "Go deeper" questions about entities, at most.
pub(super) const MAX_ENTITY_QUESTIONS: usize = 3;

/// The cards of a story whose articles are `articles` (the brief's sources, in order) from
/// the outlets named `outlets`.
pub(super) fn entity_cards(
    articles: &[Article],
    outlets: &[String],
    knowledge: &[KbEntity],
) -> Vec<EntityCard> {
    let originals: Vec<usize> = (0..articles.len())
        .filter(|&d| articles[d].duplicate_of.is_none())
        .collect();
    let texts: Vec<StoryArticleText<'_>> = originals
        .iter()
        .map(|&d| StoryArticleText {
            headline: &articles[d].headline,
            body: &articles[d].article_body,
            outlet: &outlets[d],
        })
        .collect();
    // The model is embedded in the binary; a build whose copy cannot be read writes briefs
    // without cards rather than failing them.
    let Ok(model) = ner::shipped() else {
        return Vec::new();
    };
    // Each article's mentions depend on the article and the story's size step only, so an
    // update of a story reads just its new articles.
    let body_bytes = body_bytes_per_article(texts.len());
    let mentions: Vec<Arc<ArticleMentions>> = originals
        .iter()
        .zip(&texts)
        .map(|(&d, text)| {
            memoised(
                &MENTIONS,
                MENTIONS_KEPT,
                &articles[d],
                body_bytes as u64,
                || ArticleMentions::find(model, text, body_bytes),
            )
        })
        .collect();
    let mentions: Vec<&ArticleMentions> = mentions.iter().map(|m| m.as_ref()).collect();
    let found = story_entities_of(&texts, &mentions);
    let places: Vec<&str> = found
        .iter()
        .filter(|e| e.kind == Kind::Place)
        .map(|e| e.name.as_str())
        .collect();
    let mut cards: Vec<EntityCard> = Vec::new();
    let mut shown: Vec<&StoryEntity> = Vec::new();
    for entity in found
        .iter()
        .filter(|e| e.kind != Kind::Other && e.is_salient(texts.len()))
    {
        // A name inside a more salient one ("Sora" beside "Arvana Sora") is the same topic.
        if shown
            .iter()
            .any(|other| overlapping_names(&entity.name, &other.name))
        {
            continue;
        }
        let places_shown = cards.iter().filter(|c| c.kind == EntityKind::Place).count();
        if entity.kind == Kind::Place
            && (places_shown >= MAX_PLACE_CARDS
                || is_country(&entity.name) && cards.iter().any(|c| is_country(&c.name)))
        {
            continue;
        }
        let Some(card) = card(entity, articles, &originals, knowledge, &places) else {
            continue;
        };
        shown.push(entity);
        cards.push(card);
        if cards.len() >= MAX_CARDS {
            break;
        }
    }
    cards
}

/// Whether the gazetteer knows `name` as a country.
fn is_country(name: &str) -> bool {
    Gazetteer::shipped()
        .candidates(name)
        .iter()
        .any(|p| p.kind == places::PlaceKind::Country)
}

fn overlapping_names(a: &str, b: &str) -> bool {
    // Compared without plural and possessive endings: "Social Democrat" is "Social
    // Democrats".
    let words = |name: &str| {
        name.to_lowercase()
            .split_whitespace()
            .map(|w| w.trim_end_matches("'s").trim_end_matches('s').to_string())
            .collect::<Vec<_>>()
    };
    let (mine, theirs) = (words(a), words(b));
    mine.iter().all(|w| theirs.contains(w)) || theirs.iter().all(|w| mine.contains(w))
}

/// The card's kind: the recogniser's, an organisation that its words or role show to be a
/// company becoming one.
fn card_kind(entity: &StoryEntity) -> Option<EntityKind> {
    match entity.kind {
        Kind::Person => Some(EntityKind::Person),
        Kind::Place => Some(EntityKind::Place),
        Kind::Organisation => {
            // A company's suffix ("Inc", "plc") or a role whose head is a business ("the
            // energy giant", "a private equity firm"); "the Islamist group" is no company.
            let company = entities::classify(&entity.name, None, "") == EntityKind::Company
                || entity.roles.iter().any(|role| {
                    let words: Vec<String> = role
                        .text
                        .split_whitespace()
                        .map(|w| {
                            w.trim_matches(|c: char| !c.is_alphanumeric())
                                .to_lowercase()
                        })
                        .collect();
                    head_noun(&words).is_some_and(|head| COMPANY_NOUNS.contains(&head))
                });
            Some(if company {
                EntityKind::Company
            } else {
                EntityKind::Organisation
            })
        }
        Kind::Other => None,
    }
}

fn card(
    entity: &StoryEntity,
    articles: &[Article],
    originals: &[usize],
    knowledge: &[KbEntity],
    places: &[&str],
) -> Option<EntityCard> {
    let kind = card_kind(entity)?;
    // A one-word "person" that the gazetteer knows as a country, a region or a large city
    // ("Homs") is as likely a place the recogniser mistook: no card rather than a wrong one.
    if kind == EntityKind::Person
        && !entity.name.contains(' ')
        && Gazetteer::shipped()
            .candidates(&entity.name)
            .iter()
            .any(|p| p.kind != places::PlaceKind::City || p.population >= 100_000)
    {
        return None;
    }
    let aliases: Vec<String> = entity
        .aliases
        .iter()
        .filter(|a| **a != entity.name)
        .cloned()
        .collect();
    let with = |description: String, description_source: DescriptionSource| EntityCard {
        id: entity.id.clone(),
        name: entity.name.clone(),
        kind,
        aliases: aliases.clone(),
        description,
        description_source,
        mentions: entity.mentions,
    };
    // The role that says most wins; then the newest article's: current coverage beats
    // older wording.
    let stated = entity
        .roles
        .iter()
        .filter_map(|role| {
            let doc = *originals.get(role.article)?;
            describe_role(&entity.name, &role.text, kind).map(|text| (text, doc))
        })
        .max_by(|a, b| {
            // More words that are not determiners tell more ("Homs governor" beats "The
            // governor"); past four, length says nothing more.
            let telling = |text: &str| {
                text.split(": ")
                    .nth(1)
                    .unwrap_or(text)
                    .split_whitespace()
                    .filter(|w| !matches!(w.to_lowercase().as_str(), "the" | "a" | "an"))
                    .count()
                    .min(4)
            };
            telling(&a.0)
                .cmp(&telling(&b.0))
                .then(
                    articles[a.1]
                        .effective_time()
                        .cmp(&articles[b.1].effective_time()),
                )
                .then(b.1.cmp(&a.1))
        });
    if let Some((description, doc)) = stated {
        return Some(with(
            description,
            DescriptionSource::Coverage {
                source: SourceNo::of_doc(doc).get(),
                seen_at: articles[doc].effective_time(),
            },
        ));
    }
    if let Some(entry) = knowledge_entry(entity, kind, knowledge) {
        return Some(with(
            knowledge_description(&entity.name, &entry.description),
            DescriptionSource::KnowledgeBase {
                name: entry.source.clone(),
                imported_at: entry.imported_at,
            },
        ));
    }
    if kind == EntityKind::Place {
        let context: Vec<&str> = places
            .iter()
            .copied()
            .filter(|p| *p != entity.name)
            .collect();
        let gazetteer = Gazetteer::shipped();
        let place = gazetteer.resolve(&entity.name, &context)?;
        // A town is only taken for the one of that name in the gazetteer when the story
        // names its country or region, or when it is a major city: an unknown "Riverside"
        // is not the one in California.
        if place.kind == places::PlaceKind::City && place.population < MAJOR_CITY_POPULATION {
            let named: BTreeSet<&str> = context
                .iter()
                .flat_map(|name| gazetteer.candidates(name))
                .filter(|p| p.kind != places::PlaceKind::City)
                .map(|p| p.name.as_str())
                .collect();
            let located = [&place.country, &place.region]
                .into_iter()
                .flatten()
                .any(|area| named.contains(area.as_str()));
            if !located {
                return None;
            }
        }
        // "DOHA" from a dateline reads as the gazetteer writes it.
        let shown = if entity.name.to_uppercase() == entity.name
            && place.name.to_lowercase() == entity.name.to_lowercase()
        {
            place.name.clone()
        } else {
            entity.name.clone()
        };
        let mut card = with(
            format!("{shown}: {}", places::describe(place)),
            DescriptionSource::KnowledgeBase {
                name: GAZETTEER_SOURCE.into(),
                imported_at: Utc
                    .with_ymd_and_hms(
                        GAZETTEER_DATE.0,
                        GAZETTEER_DATE.1,
                        GAZETTEER_DATE.2,
                        0,
                        0,
                        0,
                    )
                    .single()?,
            },
        );
        card.name = shown;
        return Some(card);
    }
    None
}

/// Honorifics say nothing about who someone is.
const HONORIFICS: &[&str] = &["mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "mx"];
/// Words that show an "appositive" is really a clause ("Centre Party, the Social Democrats
/// dropped ...") rather than a description.
#[rustfmt::skip]
const CLAUSE_WORDS: &[&str] = &[
    "is", "was", "are", "were", "has", "had", "have", "will", "would", "said", "says", "told",
    "did", "does", "could", "should", "can", "may", "might", "be", "been", "dropped", "won",
    "lost", "agreed", "called", "gave", "gives", "took", "made", "which", "who", "that",
    "majority", "minority", "percent",
];
/// Nouns that say nothing about who someone is when they stand alone ("a man", "the
/// group").
#[rustfmt::skip]
const EMPTY_NOUNS: &[&str] = &[
    "man", "woman", "person", "people", "group", "source", "sources", "official", "officials",
    "one", "member", "resident", "friend", "family", "company", "firm", "organisation",
    "organization", "body", "place", "area", "city", "town", "country", "spokesman", "spokeswoman",
    "spokesperson", "statement", "report",
];

/// Words that point back into the sentence a role was taken from.
#[rustfmt::skip]
const PRONOUNS: &[&str] = &[
    "his", "her", "their", "its", "our", "my", "your", "this", "these", "those", "him", "them",
];
/// Head nouns that make a role a place's (facilities included: "Scotland's largest prison").
#[rustfmt::skip]
const PLACE_NOUNS: &[&str] = &[
    "capital", "city", "town", "village", "state", "province", "region", "country", "nation",
    "district", "island", "islands", "port", "county", "neighbourhood", "neighborhood", "suburb",
    "territory", "enclave", "strip", "kingdom", "republic", "peninsula", "archipelago", "valley",
    "municipality", "prefecture", "borough", "hometown", "resort", "area", "border", "coast",
    "commonwealth", "emirate",
    "prison", "jail", "airport", "station", "stadium", "arena", "building", "hotel", "factory",
    "plant", "mine", "base", "camp", "park", "bridge", "square", "street", "road", "tower",
    "palace", "cathedral", "temple", "venue", "site",
];
/// Head nouns that make a role an organisation's (or a company's).
#[rustfmt::skip]
const ORGANISATION_NOUNS: &[&str] = &[
    "group", "company", "firm", "party", "agency", "organisation", "organization", "body", "bank",
    "union", "network", "ministry", "department", "council", "committee", "commission", "court",
    "club", "team", "band", "university", "college", "school", "newspaper", "paper", "magazine",
    "channel", "broadcaster", "website", "site", "service", "brand", "maker", "manufacturer",
    "carrier", "airline", "government", "movement", "militia", "faction", "wing", "alliance",
    "coalition", "federation", "association", "institute", "institution", "foundation", "charity",
    "fund", "authority", "regulator", "watchdog", "operator", "retailer", "chain", "giant",
    "conglomerate", "startup", "start-up", "lender", "insurer", "exchange", "lab", "laboratory",
    "outlet", "publisher", "studio", "label", "platform", "app", "microblog", "force", "forces",
    "army", "navy", "police", "office", "administration", "cabinet", "parliament", "assembly",
    "senate", "congress", "board", "panel", "tribunal", "unit", "division", "subsidiary",
    "business", "corporation", "cartel", "gang", "syndicate", "consortium", "league", "society",
    "church", "denomination", "order", "orchestra", "choir", "museum", "hospital", "clinic",
    "academy", "think-tank", "tank", "campaign", "programme", "program", "mission", "agency's",
    "network's", "developer",
];

/// Head nouns that make an organisation a company.
#[rustfmt::skip]
const COMPANY_NOUNS: &[&str] = &[
    "company", "firm", "carmaker", "automaker", "maker", "lender", "bank", "retailer", "airline",
    "carrier", "insurer", "chipmaker", "manufacturer", "start-up", "startup", "corporation",
    "conglomerate", "giant", "miner", "utility", "multinational", "telco", "chain", "brand",
    "business", "subsidiary", "operator", "developer", "supplier", "producer", "exporter",
];

/// The head noun of a role's words: the last before a preposition or clause ("capital of
/// Yunnan province" → "capital").
fn head_noun(content: &[String]) -> Option<&str> {
    let end = content
        .iter()
        .position(|w| {
            matches!(
                w.as_str(),
                "of" | "from"
                    | "in"
                    | "for"
                    | "at"
                    | "with"
                    | "on"
                    | "to"
                    | "who"
                    | "since"
                    | "after"
                    | "near"
                    | "behind"
                    | "under"
                    | "over"
                    | "and"
            )
        })
        .unwrap_or(content.len());
    content[..end].last().map(String::as_str)
}

/// Whether a role's head noun fits the entity's kind: a person is no district or agency; a
/// place is described by a place noun, an organisation by a body's (a title before an
/// organisation's name is never a role, see [`describe_role`]).
fn fits_kind(content: &[String], kind: EntityKind) -> bool {
    let Some(head) = head_noun(content) else {
        return false;
    };
    let head = head.trim_end_matches("'s").trim_end_matches('’');
    let place = PLACE_NOUNS.contains(&head);
    let body = ORGANISATION_NOUNS.contains(&head);
    match kind {
        EntityKind::Person => !place && !body,
        EntityKind::Place => place,
        EntityKind::Organisation | EntityKind::Company => body,
    }
}

/// True when a role seen in the coverage can describe an entity: a short noun phrase, not
/// an honorific and not a clause.
pub(super) fn is_plausible_role(role: &str) -> bool {
    let words: Vec<String> = role
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 8 {
        return false;
    }
    if words
        .iter()
        .all(|w| HONORIFICS.contains(&w.trim_end_matches('.')))
    {
        return false;
    }
    if words
        .iter()
        .any(|w| CLAUSE_WORDS.contains(&w.as_str()) || w.chars().any(|c| c.is_ascii_digit()))
    {
        return false;
    }
    // A quotation or a headline fragment is not a description.
    let opens_single_quote = role.starts_with('\'') || role.contains(" '");
    !role.contains(['"', '“', '”', '‘']) && !opens_single_quote
}

/// A card description from a role seen in the coverage, or None when the role says too
/// little or is no role: "X: The port authority's chief executive." from an appositive, "X:
/// Finance Minister." from a title. A title needs two
/// words at least ("Afghan President", not "President"); an appositive more than a
/// determiner and an empty noun ("a man"). Only people have titles: before an
/// organisation or a place, capitalised words are part of a longer name.
pub(super) fn describe_role(name: &str, role: &str, kind: EntityKind) -> Option<String> {
    let role = role.trim().trim_end_matches([',', ';', ':']);
    if !is_plausible_role(role) {
        return None;
    }
    let words: Vec<&str> = role
        .split_whitespace()
        .filter(|w| !HONORIFICS.contains(&w.trim_end_matches('.').to_lowercase().as_str()))
        .collect();
    let first = *words.first()?;
    let first_lower = first.to_lowercase();
    let determiner = matches!(first_lower.as_str(), "a" | "an" | "the");
    let possessive = first.ends_with("'s") || first.ends_with("’s");
    let is_appositive = determiner || possessive;
    let content: Vec<String> = words
        .iter()
        .skip(usize::from(determiner))
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .collect();
    let role = words.join(" ");
    // "the home state of his wife" needs the sentence around it to be understood.
    if content.iter().any(|w| PRONOUNS.contains(&w.as_str())) || !fits_kind(&content, kind) {
        return None;
    }
    if is_appositive {
        if content.is_empty() || content.len() == 1 && EMPTY_NOUNS.contains(&content[0].as_str()) {
            return None;
        }
        // "Name: A household name in Britain." rather than "Name is ...": the coverage's
        // appositive carries no tense, and its subject may have died or moved on.
        return Some(format!(
            "{name}: {}.",
            capitalised(role.trim_end_matches('.'))
        ));
    }
    // "comedian" alone says who someone is; "President" alone does not say of what, nor
    // "leader" of whom.
    let single_ok = words.len() == 1 && entities::is_occupation(&content[0]);
    if kind != EntityKind::Person || words.len() < 2 && !single_ok {
        return None;
    }
    // "Lt." keeps its period: an abbreviation ends the description.
    let role = capitalised(&role);
    Some(if role.ends_with('.') {
        format!("{name}: {role}")
    } else {
        format!("{name}: {role}.")
    })
}

/// `text` with its first letter in capitals: a description starts a sentence.
fn capitalised(text: &str) -> String {
    let mut letters = text.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
}

/// The knowledge-base entry for an entity: one whose name or alias matches the entity's
/// name or one of its aliases, of the same kind (or none), preferring the lookup's order.
/// An entry of another kind is a namesake: a person called "Paris" is not the city.
fn knowledge_entry<'k>(
    entity: &StoryEntity,
    kind: EntityKind,
    knowledge: &'k [KbEntity],
) -> Option<&'k KbEntity> {
    let keys: BTreeSet<String> = std::iter::once(&entity.name)
        .chain(entity.aliases.iter())
        .map(|n| KbEntity::name_key(n))
        .collect();
    let compatible = |other: EntityKind| {
        other == kind
            || matches!(
                (other, kind),
                (EntityKind::Company, EntityKind::Organisation)
                    | (EntityKind::Organisation, EntityKind::Company)
            )
    };
    knowledge.iter().find(|entry| {
        entry.kind.is_none_or(compatible)
            && std::iter::once(&entry.name)
                .chain(entry.aliases.iter())
                .any(|n| keys.contains(&KbEntity::name_key(n)))
    })
}

/// "Li Qiang: Premier of the People's Republic of China." from a knowledge-base description,
/// which is usually a lowercase noun phrase ("premier of the People's Republic of China").
fn knowledge_description(name: &str, description: &str) -> String {
    format!(
        "{name}: {}.",
        capitalised(description.trim().trim_end_matches('.'))
    )
}

/// The card that `name` (a name another story shares with this one) refers to: its name or
/// an alias, or a word run of its name ("Abbas" → "Mahmoud Abbas"), ignoring case.
pub(super) fn card_named<'c>(cards: &'c [EntityCard], name: &str) -> Option<&'c EntityCard> {
    let wanted: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    if wanted.is_empty() {
        return None;
    }
    cards.iter().find(|card| {
        std::iter::once(&card.name)
            .chain(card.aliases.iter())
            .any(|form| {
                let words: Vec<String> = form.split_whitespace().map(str::to_lowercase).collect();
                words
                    .windows(wanted.len())
                    .any(|run| run == wanted.as_slice())
            })
    })
}

/// Questions about the story's most salient entities, each answered by the entity's page
/// (its card, and the stories that name it): "Who is X?" for a person, "What is X?" for an
/// organisation or company, "Where is X?" for a town or region. People and organisations
/// come first; a country gets no question (where it is, nobody asks).
pub(super) fn entity_questions(cards: &[EntityCard]) -> Vec<GoDeeperQuestion> {
    let mut ordered: Vec<&EntityCard> = cards
        .iter()
        .filter(|c| c.kind != EntityKind::Place)
        .collect();
    ordered.extend(
        cards
            .iter()
            .filter(|c| c.kind == EntityKind::Place && !is_country(&c.name)),
    );
    ordered
        .into_iter()
        .take(MAX_ENTITY_QUESTIONS)
        .map(|card| GoDeeperQuestion {
            question: match card.kind {
                EntityKind::Person => format!("Who is {}?", card.name),
                EntityKind::Place => format!("Where is {}?", with_article(&card.name)),
                EntityKind::Organisation | EntityKind::Company => {
                    format!("What is {}?", with_article(&card.name))
                }
            },
            link: GoDeeperLink::Entity {
                entity_id: card.id.clone(),
                name: card.name.clone(),
            },
        })
        .collect()
}

/// "the" before a name that takes it in a sentence: "the United Nations", "the West Bank",
/// "the Gaza Strip", "the Islamic State", "the Federal Reserve".
fn with_article(name: &str) -> String {
    let first = name.split_whitespace().next().unwrap_or("");
    let last = name.split_whitespace().last().unwrap_or("");
    let takes_the = name.contains(' ')
        && (matches!(
            first,
            "United"
                | "Republic"
                | "Democratic"
                | "European"
                | "Federal"
                | "National"
                | "Islamic"
                | "West"
                | "Gaza"
                | "International"
                | "World"
                | "Supreme"
                | "High"
                | "Royal"
        ) || matches!(
            last,
            "Islands"
                | "Republic"
                | "Kingdom"
                | "Emirates"
                | "States"
                | "Strip"
                | "Bank"
                | "Nations"
                | "Union"
                | "Council"
                | "Commission"
                | "Department"
                | "Ministry"
                | "Party"
                | "Agency"
                | "Committee"
                | "Court"
                | "Organisation"
                | "Organization"
                | "Office"
                | "Reserve"
                | "Parliament"
                | "Senate"
                | "Assembly"
                | "Authority"
                | "Association"
                | "Federation"
                | "Foundation"
                | "Institute"
                | "Service"
        ));
    if takes_the && !name.starts_with("The ") {
        format!("the {name}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_that_describe_and_roles_that_do_not() {
        for role in [
            "Finance Minister",
            "the port authority's chief executive",
            "a nurse",
            "Chinese Premier",
            "the e-commerce group",
        ] {
            assert!(is_plausible_role(role), "{role}");
        }
        for role in [
            "Mr",
            "Dr.",
            "a majority of four seats",
            "the Social Democrats dropped a proposed wealth tax",
            "a handshake ends the 'mackerel war'",
            "a handshake ends the “mackerel war”",
            "42",
            "",
        ] {
            assert!(!is_plausible_role(role), "{role}");
        }
    }

    #[test]
    fn a_role_must_fit_the_kind_and_stand_alone() {
        let check = |name: &str, role: &str, kind: EntityKind, fits: bool| {
            assert_eq!(
                describe_role(name, role, kind).is_some(),
                fits,
                "{name} / {role} / {kind:?}"
            );
        };
        // A district or an agency is no person: the recogniser's kind was wrong.
        check(
            "Gangnam",
            "Seoul's ritziest district",
            EntityKind::Person,
            false,
        );
        check(
            "Roscosmos",
            "the Russian federal space agency",
            EntityKind::Person,
            false,
        );
        // A place is described by a place noun, an organisation by a body's.
        check(
            "Kunming",
            "the capital of Yunnan province",
            EntityKind::Place,
            true,
        );
        check("Nevada", "the Democratic leader", EntityKind::Place, false);
        check("Kansas", "the most of any driver", EntityKind::Place, false);
        check(
            "SANA",
            "the state news agency",
            EntityKind::Organisation,
            true,
        );
        check(
            "PSY",
            "the K-Pop sensation of the moment",
            EntityKind::Organisation,
            false,
        );
        // A pronoun needs the sentence the role came from.
        check(
            "Mississippi",
            "the home state of his wife",
            EntityKind::Place,
            false,
        );
        // An occupation says who someone is on its own; "President" or "leader" does not.
        check("Gary Glitter", "singer", EntityKind::Person, true);
        check("Barack Obama", "President", EntityKind::Person, false);
        check("Hamid Karzai", "leader", EntityKind::Person, false);
    }

    #[test]
    fn a_shared_name_finds_its_card() {
        let card = |name: &str, aliases: &[&str]| EntityCard {
            id: name.to_lowercase().replace(' ', "-"),
            name: name.into(),
            kind: EntityKind::Person,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            description: String::new(),
            description_source: DescriptionSource::Coverage {
                source: 1,
                seen_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            },
            mentions: 2,
        };
        let cards = vec![card("Mahmoud Abbas", &["Abbas"]), card("Ines Duarte", &[])];
        assert_eq!(
            card_named(&cards, "abbas").map(|c| c.name.as_str()),
            Some("Mahmoud Abbas")
        );
        assert_eq!(
            card_named(&cards, "Duarte").map(|c| c.name.as_str()),
            Some("Ines Duarte")
        );
        assert!(card_named(&cards, "Council").is_none());
        assert!(card_named(&cards, "").is_none());
    }

    #[test]
    fn names_that_read_with_the() {
        assert_eq!(with_article("United Nations"), "the United Nations");
        assert_eq!(with_article("Gaza Strip"), "the Gaza Strip");
        assert_eq!(with_article("Hamas"), "Hamas");
        assert_eq!(with_article("The Hague"), "The Hague");
    }

    #[test]
    fn role_descriptions_read_as_sentences() {
        let check = |name: &str, role: &str, kind: EntityKind, expected: Option<&str>| {
            assert_eq!(
                describe_role(name, role, kind).as_deref(),
                expected,
                "{name} / {role}"
            );
        };
        check(
            "Tomas Berg",
            "the port authority's chief executive",
            EntityKind::Person,
            Some("Tomas Berg: The port authority's chief executive."),
        );
        check(
            "Hamid Karzai",
            "Afghan President",
            EntityKind::Person,
            Some("Hamid Karzai: Afghan President."),
        );
        check(
            "Paul Vance",
            "Connecticut State Police Lt.",
            EntityKind::Person,
            Some("Paul Vance: Connecticut State Police Lt."),
        );
        check(
            "Alibaba",
            "the e-commerce group",
            EntityKind::Company,
            Some("Alibaba: The e-commerce group."),
        );
        // Too little, or no role at all.
        check("Hamid Karzai", "leader", EntityKind::Person, None);
        check("Viktor Almgren", "Mr", EntityKind::Person, None);
        check("Hamas", "senior", EntityKind::Organisation, None);
        check("Times", "former", EntityKind::Organisation, None);
        check("Ana Ruiz", "a woman", EntityKind::Person, None);
        // Capitalised words before an organisation's name are part of a longer name.
        check(
            "Police",
            "Connecticut State",
            EntityKind::Organisation,
            None,
        );
    }
}
