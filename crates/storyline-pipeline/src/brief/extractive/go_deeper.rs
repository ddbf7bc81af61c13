//! "Go deeper": questions a reader may follow from the brief, each linked to what answers
//! it: the story's own timeline, a related story through an entity this story is about, and
//! the entities' own pages.

use super::super::BriefContext;
use super::super::cards;
use storyline_model::{EntityCard, GoDeeperLink, GoDeeperQuestion, TimelineEntry};

/// At most five questions: the timeline, up to two related stories, then entities.
pub(super) fn go_deeper(
    context: &BriefContext,
    timeline: &[TimelineEntry],
    cards: &[EntityCard],
) -> Vec<GoDeeperQuestion> {
    let mut questions = Vec::new();
    if timeline.len() >= 2 {
        questions.push(GoDeeperQuestion {
            question: "How did this story develop?".into(),
            link: GoDeeperLink::Timeline {
                story_id: context.story.id.clone(),
            },
        });
    }
    // A related story earns a question only through an entity this story is about (one of
    // its cards): a shared common word ("Council", "Americans") says nothing of what the
    // link will answer.
    for related in &context.related {
        if questions.len() >= 3 {
            break;
        }
        let Some(topic) = related
            .shared
            .iter()
            .find_map(|name| cards::card_named(cards, name))
        else {
            continue;
        };
        let question = if related.began < context.story.created_at {
            format!("What happened earlier with {}?", topic.name)
        } else {
            format!("What happened next with {}?", topic.name)
        };
        // Two related stories about one entity would ask one question twice.
        if questions.iter().any(|q| q.question == question) {
            continue;
        }
        questions.push(GoDeeperQuestion {
            question,
            link: GoDeeperLink::Story {
                story_id: related.story.id.clone(),
                headline: related.story.headline.clone(),
            },
        });
    }
    questions.extend(cards::entity_questions(cards));
    questions.truncate(5);
    questions
}
