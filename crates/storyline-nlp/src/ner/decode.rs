//! Viterbi decoding over BILOU tags: the best-scoring tag sequence that is a valid BILOU
//! sequence (no name left open, no `I` or `L` without its `B`), so every output converts to
//! IOB2 and spans without repair.

use super::tags::{TAG_COUNT, Tag, allowed, may_end};

/// Transition scores: `TAG_COUNT + 1` rows (previous tag, the last row the sentence start)
/// of `TAG_COUNT` columns (next tag).
pub const TRANSITION_LEN: usize = (TAG_COUNT + 1) * TAG_COUNT;

/// The valid transitions, row by row as in [`TRANSITION_LEN`].
fn allowed_table() -> [bool; TRANSITION_LEN] {
    let mut table = [false; TRANSITION_LEN];
    for previous in 0..=TAG_COUNT {
        for next in 0..TAG_COUNT {
            let previous_tag = Tag::from_index(previous);
            let next_tag = Tag::from_index(next).expect("in range");
            table[previous * TAG_COUNT + next] = allowed(previous_tag, next_tag);
        }
    }
    table
}

/// The best valid tag sequence for `emissions` (`TAG_COUNT` scores per token).
pub fn viterbi(emissions: &[f32], transitions: &[f32]) -> Vec<Tag> {
    let len = emissions.len() / TAG_COUNT;
    if len == 0 {
        return Vec::new();
    }
    let allowed = allowed_table();
    let mut score = vec![f32::NEG_INFINITY; len * TAG_COUNT];
    let mut back = vec![0u8; len * TAG_COUNT];
    let start = TAG_COUNT * TAG_COUNT;
    for next in 0..TAG_COUNT {
        if allowed[start + next] {
            score[next] = emissions[next] + transitions[start + next];
        }
    }
    for i in 1..len {
        let (before, current) = score.split_at_mut(i * TAG_COUNT);
        let previous_scores = &before[(i - 1) * TAG_COUNT..];
        for next in 0..TAG_COUNT {
            let mut best = f32::NEG_INFINITY;
            let mut best_previous = 0;
            for (previous, &previous_score) in previous_scores.iter().enumerate() {
                let at = previous * TAG_COUNT + next;
                if !allowed[at] {
                    continue;
                }
                let candidate = previous_score + transitions[at];
                if candidate > best {
                    best = candidate;
                    best_previous = previous;
                }
            }
            current[next] = best + emissions[i * TAG_COUNT + next];
            back[i * TAG_COUNT + next] = best_previous as u8;
        }
    }
    let last = &score[(len - 1) * TAG_COUNT..];
    let mut best_tag = 0;
    let mut best = f32::NEG_INFINITY;
    for (tag, &value) in last.iter().enumerate() {
        let tag_ok = may_end(Tag::from_index(tag).expect("in range"));
        if tag_ok && value > best {
            best = value;
            best_tag = tag;
        }
    }
    let mut path = vec![Tag::OUTSIDE; len];
    for i in (0..len).rev() {
        path[i] = Tag::from_index(best_tag).expect("in range");
        best_tag = back[i * TAG_COUNT + best_tag] as usize;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::tags::{Kind, Part};

    fn emissions(rows: &[&[(Tag, f32)]]) -> Vec<f32> {
        let mut out = vec![0.0; rows.len() * TAG_COUNT];
        for (i, row) in rows.iter().enumerate() {
            for &(tag, value) in *row {
                out[i * TAG_COUNT + tag.index()] = value;
            }
        }
        out
    }

    #[test]
    fn picks_the_best_valid_path() {
        let begin = Tag::new(Kind::Person, Part::Begin);
        let last = Tag::new(Kind::Person, Part::Last);
        let unit = Tag::new(Kind::Place, Part::Unit);
        let scores = emissions(&[&[(begin, 2.0)], &[(last, 2.0)], &[(unit, 1.0)]]);
        let path = viterbi(&scores, &[0.0; TRANSITION_LEN]);
        assert_eq!(path, [begin, last, unit]);
    }

    #[test]
    fn never_leaves_a_name_open() {
        // The locally best tags would be B-PER then O: invalid, so the decoder must choose.
        let begin = Tag::new(Kind::Person, Part::Begin);
        let unit = Tag::new(Kind::Person, Part::Unit);
        let scores = emissions(&[&[(begin, 3.0), (unit, 2.0)], &[(Tag::OUTSIDE, 1.0)]]);
        let path = viterbi(&scores, &[0.0; TRANSITION_LEN]);
        assert_eq!(path, [unit, Tag::OUTSIDE]);
    }

    #[test]
    fn transitions_count() {
        let unit = Tag::new(Kind::Place, Part::Unit);
        let scores = emissions(&[&[(unit, 1.0)], &[(unit, 1.0)]]);
        let mut transitions = [0.0; TRANSITION_LEN];
        transitions[unit.index() * TAG_COUNT + unit.index()] = -5.0;
        let path = viterbi(&scores, &transitions);
        assert_eq!(path.iter().filter(|&&t| t == unit).count(), 1);
    }

    #[test]
    fn empty_sentence() {
        assert!(viterbi(&[], &[0.0; TRANSITION_LEN]).is_empty());
    }
}
