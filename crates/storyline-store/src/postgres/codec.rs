//! How model values become PostgreSQL parameters and back: times as a `timestamptz` plus the
//! nanoseconds below its microsecond, JSON columns, entity kinds and counts, each decode
//! failure reported as [`StoreError::Corrupt`] naming the row.
//!
//! Times go over the wire as PostgreSQL's own binary `timestamptz` (microseconds since
//! 2000-01-01 UTC, [`PgMicros`]) rather than through the client's chrono support: a stored
//! value outside chrono's range (written by hand in psql, or `infinity`) must come back as a
//! corrupt row, not a panic in a library's arithmetic.

use crate::StoreError;
use bytes::BytesMut;
use chrono::{DateTime, Utc};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use serde::Serialize;
use serde::de::DeserializeOwned;
use storyline_model::EntityKind;

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `timestamptz` as PostgreSQL sends and receives it: microseconds since 2000-01-01 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PgMicros(i64);

impl ToSql for PgMicros {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgMicros {
    fn from_sql(
        _ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let bytes: [u8; 8] = raw
            .try_into()
            .map_err(|_| format!("a timestamptz of {} bytes", raw.len()))?;
        Ok(PgMicros(i64::from_be_bytes(bytes)))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

/// A model time as its two columns: the microsecond, and the nanoseconds below it (0-999).
/// Only times before 4713 BC fail (PostgreSQL refuses them when they arrive): chrono reaches
/// 262,143 years either side of the epoch, `timestamptz` 4713 BC to 294,276 AD.
pub(super) fn encode_time(time: &DateTime<Utc>) -> (PgMicros, i16) {
    let subsec = i64::from(time.timestamp_subsec_nanos());
    // Cannot overflow: chrono's range is ±8.3e18 µs, i64's ±9.2e18.
    let unix_micros = time
        .timestamp()
        .saturating_mul(1_000_000)
        .saturating_add(subsec / 1_000);
    let below_micro = i16::try_from(subsec % 1_000).unwrap_or(0);
    (
        PgMicros(unix_micros.saturating_sub(PG_EPOCH_MICROS)),
        below_micro,
    )
}

pub(super) fn encode_optional_time(
    time: Option<&DateTime<Utc>>,
) -> (Option<PgMicros>, Option<i16>) {
    match time.map(encode_time) {
        Some((at, ns)) => (Some(at), Some(ns)),
        None => (None, None),
    }
}

pub(super) fn decode_time(
    db: &str,
    what: &str,
    at: PgMicros,
    ns: i16,
) -> Result<DateTime<Utc>, StoreError> {
    let bad = |detail: String| corrupt(db, what, detail);
    if !(0..1_000).contains(&ns) {
        return Err(bad(format!("{ns} nanoseconds below the microsecond")));
    }
    let unix_micros =
        at.0.checked_add(PG_EPOCH_MICROS)
            .ok_or_else(|| bad("an infinite or out-of-range timestamp".to_string()))?;
    let seconds = unix_micros.div_euclid(1_000_000);
    let nanos = unix_micros.rem_euclid(1_000_000) * 1_000 + i64::from(ns);
    u32::try_from(nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(seconds, nanos))
        .ok_or_else(|| bad(format!("timestamp {unix_micros} µs is out of range")))
}

pub(super) fn decode_optional_time(
    db: &str,
    what: &str,
    at: Option<PgMicros>,
    ns: Option<i16>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    match (at, ns) {
        (Some(at), Some(ns)) => decode_time(db, what, at, ns).map(Some),
        (None, None) => Ok(None),
        _ => Err(corrupt(
            db,
            what,
            "a time without its nanoseconds, or nanoseconds without a time".to_string(),
        )),
    }
}

pub(super) fn encode_json<T: Serialize + ?Sized>(
    what: &str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode {
        what: what.to_string(),
        source,
    })
}

pub(super) fn decode_json<T: DeserializeOwned>(
    db: &str,
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(db, what, format!("bad JSON: {e}")))
}

/// Counts are `bigint` columns; the model's are u32.
pub(super) fn decode_count(db: &str, what: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(db, what, format!("{value} is not a valid count")))
}

pub(super) fn decode_kind(db: &str, what: &str, text: &str) -> Result<EntityKind, StoreError> {
    [
        EntityKind::Person,
        EntityKind::Organisation,
        EntityKind::Place,
        EntityKind::Company,
    ]
    .into_iter()
    .find(|kind| kind.as_str() == text)
    .ok_or_else(|| corrupt(db, what, format!("unknown entity kind {text:?}")))
}

pub(super) fn corrupt(db: &str, what: &str, detail: String) -> StoreError {
    StoreError::Corrupt {
        db: db.to_string(),
        what: what.to_string(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn check_round_trip(time: DateTime<Utc>) {
        let (at, ns) = encode_time(&time);
        assert_eq!(
            decode_time("db", "test", at, ns).ok(),
            Some(time),
            "{time:?}"
        );
    }

    #[test]
    fn times_round_trip_to_the_nanosecond() {
        let base = Utc
            .with_ymd_and_hms(2024, 5, 3, 17, 0, 0)
            .single()
            .unwrap_or_default();
        check_round_trip(base);
        check_round_trip(base + chrono::Duration::nanoseconds(123_456_789));
        check_round_trip(base + chrono::Duration::nanoseconds(1));
        check_round_trip(base - chrono::Duration::nanoseconds(1));
        check_round_trip(DateTime::<Utc>::UNIX_EPOCH);
        check_round_trip(DateTime::<Utc>::UNIX_EPOCH - chrono::Duration::nanoseconds(999));
        let pg_epoch = Utc
            .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(encode_time(&pg_epoch), (PgMicros(0), 0));
        check_round_trip(pg_epoch - chrono::Duration::nanoseconds(1));
        let far = Utc
            .with_ymd_and_hms(12345, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default();
        check_round_trip(far + chrono::Duration::nanoseconds(7));
        let ancient = Utc
            .with_ymd_and_hms(-4000, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default();
        check_round_trip(ancient + chrono::Duration::nanoseconds(999_999_999));
    }

    #[test]
    fn column_order_is_time_order() {
        let base = DateTime::<Utc>::UNIX_EPOCH;
        let times = [
            base - chrono::Duration::days(40_000),
            base - chrono::Duration::nanoseconds(1),
            base,
            base + chrono::Duration::nanoseconds(1),
            base + chrono::Duration::nanoseconds(999),
            base + chrono::Duration::microseconds(1),
            base + chrono::Duration::days(20_000),
        ];
        let encoded: Vec<(i64, i16)> = times
            .iter()
            .map(|t| {
                let (at, ns) = encode_time(t);
                (at.0, ns)
            })
            .collect();
        assert!(
            encoded.windows(2).all(|pair| pair[0] < pair[1]),
            "{encoded:?}"
        );
    }

    #[test]
    fn impossible_stored_times_are_corrupt_rows() {
        let message = |at: i64, ns: i16| {
            decode_time("news", "article a1 date_fetched", PgMicros(at), ns)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // PostgreSQL's 'infinity' and '-infinity'.
        assert!(
            message(i64::MAX, 0).starts_with("database news: corrupt article a1 date_fetched:"),
            "{}",
            message(i64::MAX, 0)
        );
        assert!(!message(i64::MIN, 0).is_empty());
        assert!(!message(0, 1_000).is_empty());
        assert!(!message(0, -1).is_empty());
        assert!(
            decode_optional_time("news", "t", Some(PgMicros(0)), None).is_err(),
            "a time without its nanoseconds"
        );
    }
}
