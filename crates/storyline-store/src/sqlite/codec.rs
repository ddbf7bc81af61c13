//! How model values become SQLite column values and back: timestamps, JSON columns, entity
//! kinds and counts, each decode failure reported as [`StoreError::Corrupt`] naming the row.

use crate::StoreError;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use storyline_model::EntityKind;

/// Fixed-width UTC form: for years 0000-9999 (all that RFC 3339 can express) string order is
/// time order, which the `ORDER BY` clauses and indexes rely on.
const TIME_WRITE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.9fZ";
/// Accepts any number of fractional digits, and the signed years `%Y` writes outside
/// 0000-9999, so every `DateTime<Utc>` we write reads back unchanged.
const TIME_READ_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.fZ";

pub(crate) fn encode_time(time: &DateTime<Utc>) -> String {
    time.format(TIME_WRITE_FORMAT).to_string()
}

pub(crate) fn decode_time(db: &str, what: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    NaiveDateTime::parse_from_str(text, TIME_READ_FORMAT)
        .map(|naive| naive.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)))
        .map_err(|e| corrupt(db, what, format!("bad timestamp {text:?}: {e}")))
}

pub(crate) fn decode_optional_time(
    db: &str,
    what: &str,
    text: Option<&str>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| decode_time(db, what, t)).transpose()
}

pub(crate) fn encode_json<T: Serialize + ?Sized>(
    what: &str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode {
        what: what.to_string(),
        source,
    })
}

pub(crate) fn decode_json<T: DeserializeOwned>(
    db: &str,
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(db, what, format!("bad JSON: {e}")))
}

/// SQLite integers are i64; our counts are u32.
pub(crate) fn decode_count(db: &str, what: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(db, what, format!("{value} is not a valid count")))
}

/// The stored form of an entity kind: its serde name (`person`, `organisation`, ...).
pub(crate) fn encode_kind(kind: EntityKind) -> &'static str {
    kind.as_str()
}

pub(crate) fn decode_kind(db: &str, what: &str, text: &str) -> Result<EntityKind, StoreError> {
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

pub(crate) fn corrupt(db: &str, what: &str, detail: String) -> StoreError {
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

    fn check_round_trip(time: DateTime<Utc>, expected_text: &str) {
        let text = encode_time(&time);
        assert_eq!(text, expected_text);
        assert_eq!(decode_time("t.db", "test", &text).ok(), Some(time));
    }

    #[test]
    fn timestamps_round_trip_in_fixed_width() {
        let base = Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).single();
        let base = base.unwrap_or_default();
        check_round_trip(base, "2024-05-01T09:30:00.000000000Z");
        check_round_trip(
            base + chrono::Duration::nanoseconds(1_500),
            "2024-05-01T09:30:00.000001500Z",
        );
        check_round_trip(
            DateTime::<Utc>::UNIX_EPOCH,
            "1970-01-01T00:00:00.000000000Z",
        );
        // Out of RFC 3339's range, but a hostile feed date can get here: it must read back.
        let far = Utc
            .with_ymd_and_hms(12345, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default();
        check_round_trip(far, "+12345-01-02T03:04:05.000000000Z");
    }

    #[test]
    fn string_order_is_time_order() {
        let early = encode_time(&DateTime::<Utc>::UNIX_EPOCH);
        let later = encode_time(&(DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::milliseconds(1)));
        let much_later = encode_time(&(DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(1)));
        assert!(early < later && later < much_later);
    }

    #[test]
    fn other_rfc3339_forms_are_read() {
        let read = |text: &str| {
            decode_time("t.db", "test", text)
                .map(|t| encode_time(&t))
                .ok()
        };
        assert_eq!(
            read("2024-05-01T11:30:00+02:00").as_deref(),
            Some("2024-05-01T09:30:00.000000000Z")
        );
        assert_eq!(
            read("2024-05-01T09:30:00Z").as_deref(),
            Some("2024-05-01T09:30:00.000000000Z")
        );
        assert_eq!(read("yesterday"), None);
    }

    #[test]
    fn corrupt_values_name_the_row() {
        let err = decode_time("news.db", "article a1 date_fetched", "soon").err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with(
                "database news.db: corrupt article a1 date_fetched: bad timestamp \"soon\""
            ),
            "{message}"
        );
        assert!(decode_count("news.db", "story s1 article_count", -1).is_err());
        assert!(decode_json::<Vec<String>>("news.db", "why", "[1,").is_err());
        assert!(decode_kind("news.db", "entity li-qiang kind", "deity").is_err());
    }

    #[test]
    fn entity_kinds_round_trip() {
        for kind in [
            EntityKind::Person,
            EntityKind::Organisation,
            EntityKind::Place,
            EntityKind::Company,
        ] {
            assert_eq!(
                decode_kind("t.db", "test", encode_kind(kind)).ok(),
                Some(kind)
            );
        }
    }
}
