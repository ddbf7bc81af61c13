//! Inputs found by fuzzing the JSONL import reader (fuzz/fuzz_targets/jsonl.rs, run by
//! scripts/fuzz.sh), minimised and kept here as bytes so each bug stays fixed.

use chrono::{DateTime, TimeZone, Utc};
use storyline_pipeline::ingest::{ImportLimits, ImportLine, JsonlReader};

fn imported_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn read(input: &[u8], limits: ImportLimits) -> Vec<ImportLine> {
    JsonlReader::new(input, "in.jsonl", limits, imported_at()).collect()
}

/// Cutting a headline or text to its cap looked for a sentence end in a window whose start
/// could fall inside a multi-byte character, and slicing there panicked (import.rs
/// `cut_to_cap`). With the default limits a headline of 257 emoji (1,028 bytes, over the
/// 1,024-byte cap) was enough.
#[test]
fn cuts_inside_multibyte_text_land_on_character_boundaries() {
    let check = |line: String, limits: ImportLimits| {
        let lines = read(line.as_bytes(), limits);
        let [ImportLine::Article { article, notes }] = lines.as_slice() else {
            panic!("{line:?}: {lines:?}");
        };
        assert!(
            article.headline.len() <= limits.max_title_bytes,
            "{article:?}"
        );
        assert!(
            article.article_body.len() <= limits.max_text_bytes,
            "{article:?}"
        );
        assert!(!notes.is_empty(), "the cut is reported: {article:?}");
    };
    check(
        format!(r#"{{"id":"1","title":"{}"}}"#, "😀".repeat(257)),
        ImportLimits::default(),
    );
    let small = ImportLimits {
        max_text_bytes: 10,
        max_title_bytes: 10,
        max_line_bytes: 4096,
    };
    check(format!(r#"{{"id":"1","text":"{}"}}"#, "é".repeat(6)), small);
    check(
        format!(r#"{{"id":"1","title":"{}"}}"#, "éè中".repeat(5)),
        small,
    );
    check(
        format!(
            r#"{{"id":"1","title":"T","text":"{}"}}"#,
            "éè中".repeat(400)
        ),
        ImportLimits {
            max_text_bytes: 1024,
            ..small
        },
    );
}

/// A date the import cannot read is quoted in the report as written, and a JSON string may
/// hold a newline (`\n`), so the report ran over two lines and the second did not start
/// with `FILE:LINE:`.
#[test]
fn a_report_quoting_the_input_stays_on_one_line() {
    let lines = read(
        br#"{"id":"1","title":"T","published":"20 Nov\n2026"}"#,
        ImportLimits::default(),
    );
    let [ImportLine::Rejected(message)] = lines.as_slice() else {
        panic!("{lines:?}");
    };
    assert!(message.starts_with("in.jsonl:1: "), "{message:?}");
    assert!(!message.contains(['\n', '\r']), "{message:?}");
}
