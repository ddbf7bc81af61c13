//! Page furniture (captions, share bars, related links, notices...) is removed from the
//! extracted body while the article's paragraphs all stay, including when the article sits
//! inside an element whose tag or class names furniture.

use storyline_extract::extract_html;

/// Extracts `tests/fixtures/clean/<name>` and checks that every `kept` snippet is in the
/// body and no `dropped` snippet is.
fn check(name: &str, kept: &[&str], dropped: &[&str]) {
    let path = format!("{}/tests/fixtures/clean/{name}", env!("CARGO_MANIFEST_DIR"));
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let article = extract_html(&html, Some("https://news.example/story"))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let body = &article.article_body;
    assert!(article.is_article, "{name}: not an article: {article:?}");
    for snippet in kept {
        assert!(
            body.contains(snippet),
            "{name}: lost {snippet:?} from\n{body}"
        );
    }
    for snippet in dropped {
        assert!(
            !body.contains(snippet),
            "{name}: kept {snippet:?} in\n{body}"
        );
    }
}

#[test]
fn furniture_inside_the_article_container_goes() {
    check(
        "furniture.html",
        &[
            "Orchards across the lower valley have started picking fruit at night",
            "Night crews begin at nine in the evening",
            "The cooperative's chair, Ottilie Brandt, said",
            "Not every farm can follow.",
            "County officials said a proposal to lend equipment",
            "Pickers interviewed at two farms were divided.",
        ],
        &[
            "Updated 6:55 AM",
            "Posted Nov 19",
            "Photo: Ines Calder",
            "Pickers fill crates",
            "CAPTION-SENTINEL",
            "SHARE-SENTINEL",
            "Related stories",
            "Cooperative buys shared floodlights",
            "NEWSLETTER-SENTINEL",
            "ASIDE-SENTINEL",
            "ROLE-SENTINEL",
            "HIDDEN-SENTINEL",
            "HIDDENATTR-SENTINEL",
            "Farming\nHeat",
            "BIO-SENTINEL",
            "Citation:",
            "All rights reserved",
            "FOOTER-SENTINEL",
        ],
    );
}

#[test]
fn an_article_wrapped_in_a_form_or_a_furniture_class_is_kept() {
    check(
        "wrapped-article.html",
        &[
            "The number four tram line reopened on Monday morning",
            "Engineers replaced the bridge's expansion joints",
            "Commuters had spent the summer on replacement buses",
            "The authority's director, Benedikt Aalto, thanked riders",
            "Trams will run every six minutes at peak times",
        ],
        &["COMMENT-SENTINEL", "BUTTON-SENTINEL"],
    );
}

#[test]
fn paragraphs_written_as_divs_and_line_breaks_are_kept() {
    check(
        "div-paragraphs.html",
        &[
            "The central library will stay open until midnight",
            "The longer hours will be staffed by volunteers",
            "Council member Ruth Okonjo said the idea came from a petition",
            "If the trial goes well, the council will consider",
        ],
        &["SHAREBTN-SENTINEL", "Archive"],
    );
}
