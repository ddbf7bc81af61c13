//! Progress reporting: a progress bar when stderr is a terminal, plain log lines otherwise
//! (CI logs, cron, systemd).

use crate::output::errln;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use storyline_pipeline::ingest::Progress;

/// Turns pipeline progress events into a bar or lines.
pub struct Reporter {
    bar: Mutex<Option<ProgressBar>>,
    interactive: bool,
    quiet: bool,
}

impl Reporter {
    pub fn new(quiet: bool) -> Self {
        Reporter {
            bar: Mutex::new(None),
            interactive: std::io::stderr().is_terminal(),
            quiet,
        }
    }

    pub fn handle(&self, event: Progress) {
        if self.quiet {
            return;
        }
        let mut bar = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Progress::Start { total } => {
                if self.interactive {
                    let new = ProgressBar::new(total as u64);
                    if let Ok(style) = ProgressStyle::with_template(
                        "{spinner} polling feeds {pos}/{len} {wide_bar} {msg}",
                    ) {
                        new.set_style(style);
                    }
                    *bar = Some(new);
                } else {
                    errln!("polling {total} feeds");
                }
            }
            Progress::FeedDone {
                url,
                new_articles,
                error,
            } => match bar.as_ref() {
                Some(b) => {
                    b.inc(1);
                    b.set_message(url);
                    if b.position() >= b.length().unwrap_or(0) {
                        b.finish_and_clear();
                    }
                }
                None => match error {
                    Some(_) => errln!("feed {url}: failed"),
                    None => errln!("feed {url}: {new_articles} new articles"),
                },
            },
        }
    }
}
