//! The conformance suite as one `#[test]` per check, shared by every backend's integration
//! test: `conformance_tests!(make)` expands to one test per check, named after it and run on
//! a fresh store from `make()`, so that a failure names its check and the others still run;
//! plus `every_check_has_its_own_test`, which fails when `conformance::CHECKS` and the list
//! below disagree (a check added to the suite must be added here too).
//!
//! The list is spelled out because a `macro_rules!` cannot read a constant; keeping it in
//! this test-only module keeps `#[macro_export]` out of the library.

use storyline_store::{Store, conformance};

/// What a backend's factory makes for one check: the fresh store, and whatever must outlive
/// it (its temporary directory, its schema), dropped after the store.
pub trait Fixture {
    fn store(&mut self) -> &mut dyn Store;
}

impl<S: Store, Guard> Fixture for (S, Guard) {
    fn store(&mut self) -> &mut dyn Store {
        &mut self.0
    }
}

/// Runs the check called `name` on the fixture's store; `None` (a backend whose tests are
/// switched off) runs nothing.
pub fn run_check(name: &str, fixture: Option<impl Fixture>) {
    let Some(mut fixture) = fixture else {
        return;
    };
    let check = conformance::CHECKS
        .iter()
        .find(|(check, _)| *check == name)
        .map(|(_, check)| *check)
        .unwrap_or_else(|| panic!("conformance::CHECKS has no check called {name}"));
    check(fixture.store());
}

/// Fails, naming them, when a check of `conformance::CHECKS` has no test or a test names no
/// check.
pub fn check_coverage(tested: &[&str]) {
    let missing: Vec<&str> = conformance::CHECKS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !tested.contains(name))
        .collect();
    let unknown: Vec<&str> = tested
        .iter()
        .copied()
        .filter(|name| !conformance::CHECKS.iter().any(|(check, _)| check == name))
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "conformance checks without a test (add them to tests/conformance_support/mod.rs): \
         {missing:?}; tests of no check: {unknown:?}"
    );
}

/// One test per conformance check, each on a store from `$make()` (an `Option` of a
/// [`Fixture`]).
macro_rules! conformance_tests {
    ($make:expr) => {
        conformance_tests!(@tests $make;
            feeds_round_trip_in_order,
            adding_a_known_feed_changes_nothing,
            feed_state_updates_keep_added_at,
            removing_feeds,
            article_aliases_are_known_ids,
            articles_round_trip_every_field,
            inserting_again_is_a_no_op,
            an_id_repeated_in_a_batch_keeps_the_first,
            a_failing_article_batch_leaves_nothing,
            duplicate_of_may_name_an_article_of_the_same_batch,
            articles_by_ids_keep_the_requested_order,
            article_heads_are_the_articles_without_their_bodies,
            content_hash_finds_the_earliest_inserted,
            articles_are_ordered_by_effective_time_then_id,
            unclustered_articles_exclude_story_members,
            marking_duplicates,
            stories_upsert_and_list_most_recent_first,
            renaming_changes_only_a_live_storys_headline,
            memberships_upsert_and_move_between_stories,
            a_failing_story_batch_leaves_nothing,
            resolving_story_ids_and_prefixes,
            ambiguous_prefixes_list_their_candidates,
            resolving_follows_merge_chains,
            briefs_are_versioned,
            a_brief_needs_its_story,
            search_finds_words_in_headlines_and_bodies,
            search_treats_any_input_as_plain_words,
            brief_search_finds_the_latest_shown_text_of_live_stories,
            brief_search_treats_any_input_as_plain_words,
            generation_grows_with_story_and_brief_writes,
            counts_follow_the_contents,
            kb_entries_are_found_by_any_name,
            kb_lookup_ranks_label_matches_then_ids,
            kb_upsert_replaces_fields_and_names,
            kb_a_failing_batch_leaves_nothing,
            kb_ten_thousand_entries_in_one_batch,
            story_entities_index_and_replace,
            story_entities_need_their_story,
            cluster_state_saves_with_its_memberships_and_refuses_a_stale_base,
            a_replacing_cluster_save_drops_the_old_state,
            membership_changes_mark_stories_dirty_until_marked_current,
            story_profiles_are_found_by_shared_keys,
            story_profiles_save_together_or_not_at_all,
            a_written_brief_saves_everything_in_one_go,
            profile_key_counts_stop_at_the_cap,
            a_common_key_brings_its_most_recent_stories,
            near_duplicate_index_is_written_with_the_articles,
            articles_stored_before_the_index_can_be_indexed_later,
            changed_stories_are_listed_after_a_change_number,
            invariant_checks_find_what_is_broken,
            feed_leases_go_least_recently_fetched_first,
            leased_feeds_are_not_handed_out_again_until_the_lease_expires,
            only_a_workers_own_feed_leases_are_released,
            dirty_story_leases_exclude_other_workers_until_they_expire,
            only_a_workers_own_story_leases_are_released,
            the_clustering_lease_has_one_holder_until_it_expires,
            articles_are_listed_in_insertion_order_a_page_at_a_time,
            near_duplicate_keys_are_read_back_by_id,
            article_aliases_are_listed_by_alias,
            every_story_is_listed_by_id_merged_ones_too,
            memberships_are_listed_by_article,
            briefs_are_listed_by_story_and_version_and_imported_with_their_versions,
            story_entities_are_listed_and_imported_as_rows,
            kb_entries_are_listed_by_source_and_id,
            cluster_state_is_listed_in_parts_and_imported_with_its_version,
            story_profiles_are_listed_with_their_keys,
            dirty_marks_are_listed_and_imported_exactly,
        );
    };
    (@tests $make:expr; $($check:ident),+ $(,)?) => {
        $(
            #[test]
            fn $check() {
                crate::conformance_support::run_check(stringify!($check), $make());
            }
        )+

        #[test]
        fn every_check_has_its_own_test() {
            crate::conformance_support::check_coverage(&[$(stringify!($check)),+]);
        }
    };
}
