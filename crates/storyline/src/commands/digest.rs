//! `storyline digest` (print the period's top stories, or email them now with `--send`)
//! and [`DailyDigest`], the once-a-day email that `storyline run` sends after the first poll
//! at or past `digest.at`.
//!
//! Invariant: a digest that cannot be built or sent never stops `run`: the cause is logged on
//! one line and the same slot is tried again after the next poll.

use super::store_location;
use crate::cli::{DigestArgs, DigestFormat};
use crate::config::Config;
use crate::digest::mail::{self, DigestSchedule, Due, MailSettings, TimeOfDay};
use crate::digest::{self, Digest, DigestRequest, render};
use crate::output::{errln, outln};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use storyline_web::AppState;
use storyline_web::metrics::Metrics;

/// `storyline digest [--since PERIOD] [--limit N] [--format md|html|text] [--send]`.
pub fn run(config: &Config, args: DigestArgs, quiet: bool) -> Result<()> {
    let now = Utc::now();
    let since_text = args.since.unwrap_or_else(|| config.digest.since.clone());
    let since = digest::parse_since(&since_text, now)?;
    let limit = args.limit.unwrap_or(config.digest.limit);
    if limit == 0 {
        bail!("--limit must be at least 1");
    }
    let runtime = super::ingest::runtime()?;
    let digest = build(config, &runtime, since, now, limit, &base_url(config))?;
    if args.send {
        let settings = mail_settings(config)?;
        mail::send(&settings, &mail::message(&settings, &digest)?)?;
        if !quiet {
            outln!(
                "sent the digest ({} stories) to {}",
                digest.items.len(),
                recipients(&settings)
            )?;
        }
        return Ok(());
    }
    let shown = match args.format {
        DigestFormat::Md => render::markdown(&digest),
        DigestFormat::Text => render::text(&digest),
        DigestFormat::Html => render::html(&digest),
    };
    outln!("{}", shown.trim_end())?;
    Ok(())
}

/// The base of story links: `serve.public_url`, else the configured listening address.
pub fn base_url(config: &Config) -> String {
    match config.serve.public_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => url.trim_end_matches('/').to_string(),
        _ => {
            let address = config.serve.addr.trim();
            // A server on every interface is reached on this machine through loopback.
            let address = address
                .strip_prefix("0.0.0.0:")
                .map(|port| format!("127.0.0.1:{port}"))
                .unwrap_or_else(|| address.to_string());
            format!("http://{address}")
        }
    }
}

/// The digest of the stories updated between `since` and `until`, over a connection of its
/// own (the listing's ranking needs the web crate's state).
fn build(
    config: &Config,
    runtime: &tokio::runtime::Runtime,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
    base_url: &str,
) -> Result<Digest> {
    let location = store_location(config)?;
    let store = location
        .open()
        .with_context(|| format!("cannot open the store {location}"))?;
    let state = AppState::new(vec![store], location.to_string(), None, Metrics::new())?;
    digest::build(
        runtime,
        &state,
        &DigestRequest {
            since,
            until,
            limit,
            base_url: base_url.to_string(),
        },
    )
}

fn mail_settings(config: &Config) -> Result<MailSettings> {
    let Some(url) = config.digest.smtp_url.as_deref() else {
        bail!(
            "digest.smtp_url (or STORYLINE_DIGEST_SMTP_URL) is not set: name the SMTP server to send through"
        );
    };
    MailSettings::new(
        &config.digest.from,
        &config.digest.to,
        url,
        config.digest.smtp_credentials.clone(),
    )
}

fn recipients(settings: &MailSettings) -> String {
    settings
        .to
        .iter()
        .map(|mailbox| mailbox.email.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The daily digest email of `storyline run`.
pub struct DailyDigest {
    schedule: DigestSchedule,
    settings: MailSettings,
    base_url: String,
}

impl DailyDigest {
    /// The schedule when `digest.at` is set (its settings checked now, so a mistake stops
    /// `run` at the start rather than at the first send); `None` otherwise.
    pub fn from_config(
        config: &Config,
        base_url: String,
        now: DateTime<Utc>,
    ) -> Result<Option<DailyDigest>> {
        let Some(at) = config.digest.at.as_deref() else {
            return Ok(None);
        };
        let at = TimeOfDay::parse(at)?;
        digest::parse_since(&config.digest.since, now)
            .map_err(|err| anyhow::anyhow!("digest.since: {err}"))?;
        let settings = mail_settings(config)?;
        let schedule = DigestSchedule::open(at, &config.data_dir, now)?;
        Ok(Some(DailyDigest {
            schedule,
            settings,
            base_url,
        }))
    }

    /// When the next digest goes out, as `run` announces it.
    pub fn next_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.schedule.due(now) {
            Due::Slot(_) => now,
            Due::No => self.schedule.next_after(now),
        }
    }

    /// After a poll: sends the digest if one is owed. A failure is a warning, and the same
    /// slot is owed again after the next poll.
    pub fn after_poll(
        &mut self,
        config: &Config,
        runtime: &tokio::runtime::Runtime,
        quiet: bool,
    ) -> Result<()> {
        let now = Utc::now();
        let Due::Slot(slot) = self.schedule.due(now) else {
            return Ok(());
        };
        let slot_name = slot.format("%-d %B %Y %H:%M UTC");
        match self.send(config, runtime, now) {
            Ok(stories) => {
                self.schedule.mark_sent(slot, Utc::now())?;
                if !quiet {
                    if stories == 0 {
                        outln!(
                            "digest of {slot_name}: no story with a brief in the period, nothing sent"
                        )?;
                    } else {
                        outln!(
                            "digest of {slot_name} sent to {} ({stories} stories)",
                            recipients(&self.settings)
                        )?;
                    }
                }
            }
            Err(err) => errln!(
                "warning: digest of {slot_name} not sent: {err:#}; trying again after the next poll"
            ),
        }
        Ok(())
    }

    /// Builds and sends one digest; the number of stories in it (0: nothing was sent).
    fn send(
        &self,
        config: &Config,
        runtime: &tokio::runtime::Runtime,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let since = digest::parse_since(&config.digest.since, now)?;
        let digest = build(
            config,
            runtime,
            since,
            now,
            config.digest.limit,
            &self.base_url,
        )?;
        if digest.items.is_empty() {
            return Ok(0);
        }
        mail::send(&self.settings, &mail::message(&self.settings, &digest)?)?;
        Ok(digest.items.len())
    }
}
