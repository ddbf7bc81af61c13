//! `storyline feeds add|import|list|remove|export`.

use super::open_store;
use crate::cli::FeedsCommand;
use crate::config::Config;
use crate::output::{errln, outln};
use anyhow::{Context, Result, bail};
use chrono::Utc;
use std::path::Path;
use storyline_fetch::{OpmlOutline, parse_opml, write_opml};
use storyline_model::Feed;
use storyline_store::Store;

pub fn run(config: &Config, command: FeedsCommand) -> Result<()> {
    let mut store = open_store(config)?;
    match command {
        FeedsCommand::Add { urls } => {
            for url in urls {
                let url = normalise_feed_url(&url)?;
                if store.add_feed(&Feed::new(url.clone(), None, Utc::now()))? {
                    outln!("added {url}")?;
                } else {
                    outln!("already subscribed: {url}")?;
                }
            }
        }
        FeedsCommand::Import { file } => {
            let (added, existing) = import_opml(store.as_mut(), &file)?;
            outln!(
                "imported {}: {added} feeds added, {existing} already subscribed",
                file.display()
            )?;
        }
        FeedsCommand::List { json } => {
            let feeds = store.feeds()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&feeds)?)?;
            } else if feeds.is_empty() {
                outln!(
                    "no feeds yet: add some with `storyline feeds add URL` or `storyline feeds import FILE.opml`"
                )?;
            } else {
                for feed in feeds {
                    let status = match (&feed.last_fetched_at, &feed.last_error) {
                        (None, _) => "never fetched".to_string(),
                        (Some(_), Some(error)) => {
                            format!("failing ({}x): {error}", feed.error_count)
                        }
                        (Some(at), None) => {
                            format!("ok, fetched {}", at.format("%Y-%m-%d %H:%M UTC"))
                        }
                    };
                    outln!(
                        "{}\t{}\t{status}",
                        feed.url,
                        feed.title.as_deref().unwrap_or("-")
                    )?;
                }
            }
        }
        FeedsCommand::Export { output } => {
            let feeds: Vec<OpmlOutline> = store
                .feeds()?
                .into_iter()
                .map(|feed| OpmlOutline {
                    url: feed.url,
                    title: feed.title,
                })
                .collect();
            let created = Utc::now().to_rfc2822();
            let document = write_opml("Storyline subscriptions", &created, &feeds);
            match output {
                Some(path) => {
                    super::archive::write_replacing(&path, |out| {
                        Ok(out.write_all(document.as_bytes())?)
                    })?;
                    errln!("exported {} feeds to {}", feeds.len(), path.display());
                }
                None => outln!("{}", document.trim_end())?,
            }
        }
        FeedsCommand::Remove { url } => {
            let url = normalise_feed_url(&url)?;
            if !store.remove_feed(&url)? {
                bail!("not subscribed: {url}");
            }
            outln!("removed {url}")?;
        }
    }
    Ok(())
}

/// The largest OPML file read: a list of twenty thousand subscriptions is under 4 MiB.
const MAX_OPML_BYTES: u64 = 16 * 1024 * 1024;

/// Subscribes to every feed of an OPML file; relative `xmlUrl`s resolve against the file's
/// own location. An outline whose URL is unusable (an unsupported scheme such as
/// `javascript:`, or no URL at all) is reported as a warning and skipped; the others are
/// subscribed. Returns (added, already present).
pub fn import_opml(store: &mut dyn Store, file: &Path) -> Result<(usize, usize)> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > MAX_OPML_BYTES {
        bail!(
            "{}: {} MiB is over the {} MiB an OPML file may be",
            file.display(),
            size / (1024 * 1024),
            MAX_OPML_BYTES / (1024 * 1024)
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let base = std::fs::canonicalize(file)
        .ok()
        .and_then(|p| url::Url::from_file_path(p).ok())
        .with_context(|| format!("{}: cannot make a file URL of it", file.display()))?;
    let outlines = parse_opml(&file.display().to_string(), &bytes)?;
    let (mut added, mut existing) = (0, 0);
    for outline in outlines {
        let url = match outline_feed_url(&base, &outline.url) {
            Ok(url) => url,
            Err(cause) => {
                errln!("warning: {}: outline {cause}: skipped", file.display());
                continue;
            }
        };
        if store.add_feed(&Feed::new(url, outline.title, Utc::now()))? {
            added += 1;
        } else {
            existing += 1;
        }
    }
    Ok((added, existing))
}

/// The feed URL of an OPML outline, resolved against the file's own URL: http(s) or file,
/// as `feeds add` accepts; otherwise the reason, naming the URL.
fn outline_feed_url(base: &url::Url, written: &str) -> Result<String, String> {
    // Quoted escaped and cut: the file is anyone's, and the warning is one line.
    let shown: String = written.chars().take(200).collect();
    let url = match url::Url::parse(written) {
        Ok(url) => url,
        Err(_) => base
            .join(written)
            .map_err(|error| format!("{shown:?}: bad feed URL: {error}"))?,
    };
    match url.scheme() {
        "http" | "https" | "file" => Ok(url.to_string()),
        other => Err(format!(
            "{shown:?}: unsupported URL scheme {other} (use http, https or file)"
        )),
    }
}

/// Accepts http(s):// and file:// URLs, and turns a local path into a file:// URL.
fn normalise_feed_url(input: &str) -> Result<String> {
    let input = input.trim();
    if let Ok(url) = url::Url::parse(input) {
        return match url.scheme() {
            "http" | "https" | "file" => Ok(url.to_string()),
            other => bail!("{input}: unsupported URL scheme {other} (use http, https or file)"),
        };
    }
    let path = std::fs::canonicalize(input)
        .with_context(|| format!("{input}: not a URL, and no such file"))?;
    url::Url::from_file_path(&path)
        .map(|u| u.to_string())
        .map_err(|_| anyhow::anyhow!("{input}: cannot make a file URL of it"))
}
