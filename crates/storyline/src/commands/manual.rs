//! `storyline completions SHELL` and `storyline man`: shell completion scripts and manual
//! pages generated from the clap definitions in `cli.rs` (clap_complete, clap_mangen), so
//! they always list the commands and flags this build has.

use crate::cli::Cli;
use crate::output::{errln, out};
use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// The command's name in scripts and pages, whatever the binary file is called.
const NAME: &str = "storyline";

/// `storyline completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<()> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, NAME, &mut script);
    out!("{}", String::from_utf8_lossy(&script))?;
    Ok(())
}

/// `storyline man [--output DIR]`: storyline(1) on stdout, or it and one page per command
/// (storyline-import(1), ...) written into `output`.
pub fn man(output: Option<&Path>, quiet: bool) -> Result<()> {
    let command = Cli::command().name(NAME);
    let Some(directory) = output else {
        out!("{}", render(command)?)?;
        return Ok(());
    };
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let mut pages = vec![(NAME.to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("{NAME}-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in &pages {
        let path = directory.join(format!("{name}.1"));
        std::fs::write(&path, render(page.clone())?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !quiet {
        errln!(
            "wrote {} manual pages into {}",
            pages.len(),
            directory.display()
        );
    }
    Ok(())
}

fn render(command: clap::Command) -> Result<String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .context("cannot render the manual page")?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}
