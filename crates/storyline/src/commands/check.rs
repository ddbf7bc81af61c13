//! `storyline check`: verifies the store's invariants (`Store::check_invariants`) and says
//! which hold; exits 1, naming each broken one with the rows that break it, when any fails.
//! Reads the whole store: it is the tool to run after a crash or a restore, not in a poll.

use super::open_store;
use crate::config::Config;
use crate::output::outln;
use anyhow::{Result, bail};
use std::collections::BTreeMap;
use storyline_store::INVARIANTS;

pub fn run(config: &Config, quiet: bool) -> Result<()> {
    let store = open_store(config)?;
    let violations = store.check_invariants()?;
    let mut by_check: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for violation in violations {
        by_check
            .entry(violation.check)
            .or_default()
            .push(violation.detail);
    }
    for (name, meaning) in INVARIANTS {
        match by_check.get(name) {
            None if !quiet => outln!("ok      {name}: {meaning}")?,
            None => {}
            Some(details) => {
                outln!("FAILED  {name}: {meaning}")?;
                for detail in details {
                    outln!("        - {detail}")?;
                }
            }
        }
    }
    if by_check.is_empty() {
        if !quiet {
            outln!("store is sound: {} checks passed", INVARIANTS.len())?;
        }
        return Ok(());
    }
    let failed: Vec<&str> = by_check.keys().copied().collect();
    bail!(
        "store check failed: {} of {} invariants broken ({})",
        failed.len(),
        INVARIANTS.len(),
        failed.join(", ")
    )
}
