//! Language detection: two-letter codes for clear texts, nothing for short or unclear ones.

use storyline_nlp::language::detect_language;

#[track_caller]
fn check(text: &str, expected: Option<&str>) {
    assert_eq!(detect_language(text), expected, "text: {text:?}");
}

#[test]
fn detects_clear_texts() {
    check(
        "The harbour authority said the new ferry terminal would open next spring after years of delays.",
        Some("en"),
    );
    check(
        "Le gouvernement a annoncé mardi une nouvelle réforme des retraites, malgré les manifestations.",
        Some("fr"),
    );
    check(
        "Die Regierung hat am Dienstag angekündigt, dass die neue Brücke im Frühjahr eröffnet wird.",
        Some("de"),
    );
    check(
        "El gobierno anunció el martes que el nuevo puerto abrirá en primavera después de años de retrasos.",
        Some("es"),
    );
    check(
        "東京都は火曜日、新しい港湾施設が来年の春に開業すると発表した。",
        Some("ja"),
    );
    check(
        "Правительство во вторник объявило, что новый мост откроется весной.",
        Some("ru"),
    );
}

#[test]
fn short_or_empty_texts_are_unknown() {
    check("", None);
    check("OK", None);
    check("12 34 56 78 90 !!", None);
}
