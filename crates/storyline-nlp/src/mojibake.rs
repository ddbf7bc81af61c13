//! Repair of mojibake: UTF-8 text that was once decoded as Windows-1252 or Latin-1 and
//! encoded again, so "Syria’s" reads "Syriaâ€™s" (or "Syriaâ\u{80}\u{99}s", the Latin-1
//! form) and "Chávez" reads "ChÃ¡vez". Real pages and feeds carry it; a brief quoting it
//! would carry it too, and the garbled words match nothing in other outlets' text.
//!
//! Only a whole sequence that is the double encoding of one character is replaced: a lead
//! character (`Â`..`ô`, bytes 0xC2..0xF4) followed by exactly as many continuation
//! characters (bytes 0x80..0xBF, as Windows-1252 or Latin-1 shows them) as the lead byte
//! announces, which together decode as UTF-8. Text without such a sequence comes back
//! borrowed and unchanged; genuine accented text ("café", "São Paulo") has none.

use std::borrow::Cow;

/// Text with every double-encoded character decoded (see the module summary).
pub fn repair(text: &str) -> Cow<'_, str> {
    // The lead characters are all in U+00C2..U+00F4: text without them needs nothing.
    if !text.chars().any(|c| ('\u{c2}'..='\u{f4}').contains(&c)) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut repaired = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if let Some((decoded, used)) = double_encoded_at(&chars[i..]) {
            repaired.push(decoded);
            i += used;
            changed = true;
        } else {
            repaired.push(chars[i]);
            i += 1;
        }
    }
    if changed {
        Cow::Owned(repaired)
    } else {
        Cow::Borrowed(text)
    }
}

/// The character double-encoded at the start of `chars`, and how many characters it spans.
fn double_encoded_at(chars: &[char]) -> Option<(char, usize)> {
    let lead = byte_of(*chars.first()?)?;
    let length = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    if chars.len() < length {
        return None;
    }
    let mut bytes = vec![lead];
    for &c in &chars[1..length] {
        let byte = byte_of(c)?;
        if !(0x80..=0xBF).contains(&byte) {
            return None;
        }
        bytes.push(byte);
    }
    let decoded = std::str::from_utf8(&bytes).ok()?.chars().next()?;
    Some((decoded, length))
}

/// The byte a character stands for when Windows-1252 (or Latin-1, for the C1 controls it
/// leaves undefined) decoded it; `None` for characters neither can produce.
fn byte_of(c: char) -> Option<u8> {
    let code = c as u32;
    if code <= 0xFF {
        return u8::try_from(code).ok();
    }
    let byte = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_and_latin_1_double_encodings_are_decoded() {
        assert_eq!(repair("Syriaâ€™s conflict"), "Syria’s conflict");
        assert_eq!(repair("Syriaâ\u{80}\u{99}s conflict"), "Syria’s conflict");
        assert_eq!(repair("Hugo ChÃ¡vez"), "Hugo Chávez");
        assert_eq!(
            repair("âthis phenomenon â\u{80}\u{9d}"),
            "âthis phenomenon ”"
        );
        assert_eq!(repair("price: 5 â‚¬"), "price: 5 €");
    }

    #[test]
    fn genuine_text_is_left_alone() {
        for text in [
            "café in São Paulo",
            "Zürich, Kraków, Ærø",
            "plain ASCII",
            "Â£5 is Â",
        ] {
            let repaired = repair(text);
            if text == "Â£5 is Â" {
                assert_eq!(repaired, "£5 is Â");
            } else {
                assert!(matches!(repaired, Cow::Borrowed(_)), "{text}");
            }
        }
        // A lead character before a character that is no continuation stays.
        assert_eq!(repair("Ã and Ã a"), "Ã and Ã a");
    }
}
