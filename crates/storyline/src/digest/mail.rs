//! The daily digest email of `storyline run`: when it is due (`digest.at`), the multipart
//! text + HTML message, and its delivery over SMTP (lettre; TLS or STARTTLS as the
//! `digest.smtp_url` says, credentials from the environment only).
//!
//! Invariants: a digest slot is marked done only once its message was accepted by the
//! server (or there was nothing to send), so a refused or failed send is tried again after
//! the next poll, and a restart never sends a slot twice; the first start with a schedule
//! waits for the next slot instead of sending one already past; the slot record is written
//! under a temporary name and renamed, so a crash leaves the old record or the new one.

use super::Digest;
use super::render;
use crate::commands::archive::write_replacing;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Days, FixedOffset, NaiveTime, TimeZone, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one SMTP conversation may take: a dead server delays the next poll by at most
/// this much.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The record of the last digest slot sent, in the data directory.
pub const STATE_FILE: &str = "digest-state.json";

/// A time of day with its offset from UTC: `07:00` (UTC), `07:00:30`, `07:00+01:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay {
    time: NaiveTime,
    offset: FixedOffset,
}

impl TimeOfDay {
    /// Reads `HH:MM[:SS]` with an optional `Z` or `±HH:MM` offset (UTC without one).
    pub fn parse(text: &str) -> Result<TimeOfDay> {
        let trimmed = text.trim();
        let expected = || {
            format!(
                "digest.at {trimmed:?}: expected a time of day, HH:MM or HH:MM:SS, in UTC \
                 unless an offset follows (\"07:00\", \"07:00+01:00\")"
            )
        };
        let (clock, offset) = match trimmed.find(['+', '-', 'Z', 'z']) {
            Some(at) => (&trimmed[..at], &trimmed[at..]),
            None => (trimmed, ""),
        };
        let time = NaiveTime::parse_from_str(clock, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(clock, "%H:%M"))
            .ok()
            .with_context(expected)?;
        let offset = match offset {
            "" | "Z" | "z" => FixedOffset::east_opt(0).expect("zero offset"),
            signed => {
                let sign = if signed.starts_with('-') { -1 } else { 1 };
                let (hours, minutes) = signed[1..].split_once(':').with_context(expected)?;
                let hours: i32 = hours.parse().ok().with_context(expected)?;
                let minutes: i32 = minutes.parse().ok().with_context(expected)?;
                FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
                    .with_context(expected)?
            }
        };
        Ok(TimeOfDay { time, offset })
    }

    /// The most recent moment at or before `now` that this time of day names.
    pub fn latest_at_or_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local_day = now.with_timezone(&self.offset).date_naive();
        let slot_on = |day: chrono::NaiveDate| {
            self.offset
                .from_local_datetime(&day.and_time(self.time))
                .single()
                .expect("a fixed offset maps every local time once")
                .with_timezone(&Utc)
        };
        let today = slot_on(local_day);
        if today <= now {
            today
        } else {
            slot_on(local_day - Days::new(1))
        }
    }
}

/// Where and how the digest is mailed.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    /// `smtps://host[:port]` (TLS), `smtp://host[:port]?tls=required` (STARTTLS) or
    /// `smtp://host[:port]` (plain, for a relay on the same machine).
    pub smtp_url: String,
    /// From STORYLINE_SMTP_USERNAME and STORYLINE_SMTP_PASSWORD.
    pub credentials: Option<(String, String)>,
}

impl MailSettings {
    /// Checks the addresses and the URL; one line naming the setting on error.
    pub fn new(
        from: &str,
        to: &[String],
        smtp_url: &str,
        credentials: Option<(String, String)>,
    ) -> Result<MailSettings> {
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|err| anyhow::anyhow!("digest.from {from:?}: not an email address ({err})"))?;
        let to = to
            .iter()
            .map(|address| {
                address.trim().parse::<Mailbox>().map_err(|err| {
                    anyhow::anyhow!("digest.to {address:?}: not an email address ({err})")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if to.is_empty() {
            bail!("digest.to is empty: name at least one address to send the digest to");
        }
        let url = url::Url::parse(smtp_url.trim())
            .map_err(|err| anyhow::anyhow!("digest.smtp_url {smtp_url:?}: {err}"))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            bail!("digest.smtp_url {smtp_url:?}: the scheme must be smtp or smtps");
        }
        if url.password().is_some() {
            bail!("digest.smtp_url: the password goes in STORYLINE_SMTP_PASSWORD, not in the URL");
        }
        Ok(MailSettings {
            from,
            to,
            smtp_url: smtp_url.trim().to_string(),
            credentials,
        })
    }

    /// The SMTP URL as logs show it (it never holds a password: [`MailSettings::new`]).
    pub fn server(&self) -> &str {
        &self.smtp_url
    }
}

/// The digest as an email: text and HTML alternatives of the same content.
pub fn message(settings: &MailSettings, digest: &Digest) -> Result<Message> {
    let mut builder = Message::builder()
        .from(settings.from.clone())
        .subject(render::title(digest));
    for recipient in &settings.to {
        builder = builder.to(recipient.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            render::text(digest),
            render::html(digest),
        ))
        .context("cannot build the digest email")
}

/// Sends `message` through the configured server; the error names the server and the cause.
pub fn send(settings: &MailSettings, message: &Message) -> Result<()> {
    let server = settings.server();
    let mut transport = SmtpTransport::from_url(server)
        .with_context(|| format!("digest.smtp_url {server}"))?
        .timeout(Some(SMTP_TIMEOUT));
    if let Some((user, password)) = &settings.credentials {
        transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
    }
    transport
        .build()
        .send(message)
        .with_context(|| format!("{server} did not take the digest"))?;
    Ok(())
}

/// What is remembered between runs: the last slot whose digest went out.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SlotRecord {
    last_slot: DateTime<Utc>,
    /// When it was accepted by the server (`None` for the slot recorded at the first start).
    sent_at: Option<DateTime<Utc>>,
}

/// The daily schedule of `storyline run`.
#[derive(Debug)]
pub struct DigestSchedule {
    at: TimeOfDay,
    record_path: PathBuf,
    last_slot: DateTime<Utc>,
}

/// What [`DigestSchedule::due`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing to send before the next slot.
    No,
    /// This slot's digest is owed (first time or retried).
    Slot(DateTime<Utc>),
}

impl DigestSchedule {
    /// The schedule at `at`, remembering slots in `data_dir`. A first start records the
    /// latest past slot as done, so the first digest goes out at the next `at`.
    pub fn open(at: TimeOfDay, data_dir: &Path, now: DateTime<Utc>) -> Result<DigestSchedule> {
        let record_path = data_dir.join(STATE_FILE);
        let last_slot = match std::fs::read(&record_path) {
            Ok(bytes) => {
                serde_json::from_slice::<SlotRecord>(&bytes)
                    .with_context(|| {
                        format!(
                            "{}: not a digest record (delete it to start the schedule afresh)",
                            record_path.display()
                        )
                    })?
                    .last_slot
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let first = at.latest_at_or_before(now);
                write_record(
                    &record_path,
                    &SlotRecord {
                        last_slot: first,
                        sent_at: None,
                    },
                )?;
                first
            }
            Err(err) => {
                return Err(err).with_context(|| format!("cannot read {}", record_path.display()));
            }
        };
        Ok(DigestSchedule {
            at,
            record_path,
            last_slot,
        })
    }

    /// Whether a digest is owed at `now`: the latest slot, once, however many were missed
    /// while the process was down.
    pub fn due(&self, now: DateTime<Utc>) -> Due {
        let slot = self.at.latest_at_or_before(now);
        if slot > self.last_slot {
            Due::Slot(slot)
        } else {
            Due::No
        }
    }

    /// Records `slot` as done (sent at `sent_at`).
    pub fn mark_sent(&mut self, slot: DateTime<Utc>, sent_at: DateTime<Utc>) -> Result<()> {
        write_record(
            &self.record_path,
            &SlotRecord {
                last_slot: slot,
                sent_at: Some(sent_at),
            },
        )?;
        self.last_slot = slot;
        Ok(())
    }

    /// The next slot after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.at.latest_at_or_before(now + chrono::Duration::days(1))
    }
}

/// Writes the record through the archive commands' `write_replacing` (a temporary name beside
/// it, synced, then renamed), creating the data directory on first use.
fn write_record(path: &Path, record: &SlotRecord) -> Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let bytes = serde_json::to_vec_pretty(record).context("cannot encode the digest record")?;
    write_replacing(path, |out| {
        out.write_all(&bytes)
            .with_context(|| format!("cannot write {}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn times_of_day_read_with_and_without_offsets() {
        let seven = TimeOfDay::parse("07:00").unwrap();
        assert_eq!(
            seven.latest_at_or_before(at("2026-12-07T09:30:00Z")),
            at("2026-12-07T07:00:00Z")
        );
        assert_eq!(
            seven.latest_at_or_before(at("2026-12-07T06:59:59Z")),
            at("2026-12-06T07:00:00Z")
        );
        assert_eq!(
            seven.latest_at_or_before(at("2026-12-07T07:00:00Z")),
            at("2026-12-07T07:00:00Z")
        );
        let paris = TimeOfDay::parse("07:00:30+01:00").unwrap();
        assert_eq!(
            paris.latest_at_or_before(at("2026-12-07T09:30:00Z")),
            at("2026-12-07T06:00:30Z")
        );
        let west = TimeOfDay::parse("23:30-05:00").unwrap();
        assert_eq!(
            west.latest_at_or_before(at("2026-12-07T09:30:00Z")),
            at("2026-12-07T04:30:00Z")
        );
        for bad in ["7am", "25:00", "07:00+1", "", "07:00+xx:00"] {
            let error = TimeOfDay::parse(bad).unwrap_err().to_string();
            assert!(error.starts_with("digest.at "), "{bad}: {error}");
        }
    }

    #[test]
    fn a_slot_is_owed_once_and_the_first_start_waits_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let seven = TimeOfDay::parse("07:00").unwrap();
        let start = at("2026-12-07T09:30:00Z");
        let mut schedule = DigestSchedule::open(seven, dir.path(), start).unwrap();
        assert_eq!(schedule.due(start), Due::No);
        assert_eq!(schedule.next_after(start), at("2026-12-08T07:00:00Z"));
        // Down for two days: the latest slot is owed, once.
        let later = at("2026-12-10T08:00:00Z");
        assert_eq!(schedule.due(later), Due::Slot(at("2026-12-10T07:00:00Z")));
        // Not sent (refused): still owed after a restart.
        let reopened = DigestSchedule::open(seven, dir.path(), later).unwrap();
        assert_eq!(reopened.due(later), Due::Slot(at("2026-12-10T07:00:00Z")));
        schedule
            .mark_sent(at("2026-12-10T07:00:00Z"), later)
            .unwrap();
        assert_eq!(schedule.due(later), Due::No);
        let reopened = DigestSchedule::open(seven, dir.path(), later).unwrap();
        assert_eq!(reopened.due(later), Due::No);
    }

    #[test]
    fn settings_name_the_bad_value() {
        let to = vec!["reader@example.org".to_string()];
        let ok = MailSettings::new(
            "Storyline <news@example.org>",
            &to,
            "smtp://127.0.0.1:2525",
            None,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let cases = [
            (
                "not an address",
                to.clone(),
                "smtp://127.0.0.1",
                "digest.from ",
            ),
            (
                "news@example.org",
                vec!["nobody".to_string()],
                "smtp://127.0.0.1",
                "digest.to ",
            ),
            (
                "news@example.org",
                vec![],
                "smtp://127.0.0.1",
                "digest.to is empty",
            ),
            (
                "news@example.org",
                to.clone(),
                "http://127.0.0.1",
                "digest.smtp_url ",
            ),
            (
                "news@example.org",
                to.clone(),
                "smtps://u:secret@mail.example.org",
                "digest.smtp_url: the password",
            ),
        ];
        for (from, to, url, start) in cases {
            let error = MailSettings::new(from, &to, url, None)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(start), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
    }
}
