//! Language detection: the ISO 639-1 code of a text, via `whatlang`, only when the guess can be
//! trusted.
//!
//! A wrong language is worse than none (it picks the wrong stemmer and stop words), so short
//! texts and uncertain guesses yield `None` and callers fall back to markup or a default.

use whatlang::Lang;

/// Below this many letters a trigram guess is noise (a headline fragment, a byline).
const MIN_LETTERS: usize = 10;

/// Minimum whatlang confidence by text length (letters). Whatlang's own "reliable" bar (0.9)
/// rejects most clear English sentences (a plain 95-letter news sentence scores about 0.4), so
/// longer texts get a lower bar: a wrong guess on a long text is much rarer.
const CONFIDENCE_BY_LENGTH: &[(usize, f64)] = &[(200, 0.15), (60, 0.3), (MIN_LETTERS, 0.9)];

/// The ISO 639-1 code (`en`, `fr`, `zh`...) of `text`'s language, or `None` when the text is
/// too short, the guess is unreliable, or the language has no two-letter code.
pub fn detect_language(text: &str) -> Option<&'static str> {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters < MIN_LETTERS {
        return None;
    }
    let info = whatlang::detect(text)?;
    let needed = CONFIDENCE_BY_LENGTH
        .iter()
        .find(|(min_letters, _)| letters >= *min_letters)
        .map_or(1.0, |&(_, confidence)| confidence);
    let trusted = info.is_reliable() || info.confidence() >= needed;
    if !trusted {
        return None;
    }
    iso_639_1(info.lang())
}

/// Two-letter code of a whatlang language; `None` for the few without one.
fn iso_639_1(lang: Lang) -> Option<&'static str> {
    let code = match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    };
    Some(code)
}
