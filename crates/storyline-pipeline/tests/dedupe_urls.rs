//! Properties of URL canonicalisation: idempotent and total on any input.

use proptest::prelude::*;
use storyline_pipeline::dedupe::canonicalize_url;

fn url_like() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http", "https", "HTTPS", "file", "ftp", "mailto"]);
    let host = prop::sample::select(vec![
        "example.com",
        "WWW.Example.COM",
        "amp.news.example",
        "amp.amp.x.example",
        "[::1]",
        "127.0.0.1",
        "",
    ]);
    let port = prop::sample::select(vec!["", ":80", ":443", ":8080", ":"]);
    let path = "(/[a-zA-Z0-9%._~-]{0,6}){0,4}(/amp|/amp/|\\.amp\\.html|/)?";
    let query = prop::collection::vec(
        prop::sample::select(vec![
            "utm_source=x",
            "id=3",
            "b=2",
            "amp",
            "outputType=amp",
            "fbclid=abc",
            "a=%20b",
            "ref",
            "=",
            "&",
            "q=é",
        ]),
        0..5,
    );
    let fragment = prop::sample::select(vec!["", "#top", "#"]);
    (scheme, host, port, path, query, fragment).prop_map(|(s, h, p, path, q, f)| {
        let query = if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        };
        format!("{s}://{h}{p}{path}{query}{f}")
    })
}

proptest! {
    #[test]
    fn canonicalisation_is_idempotent_on_url_like_strings(url in url_like()) {
        let once = canonicalize_url(&url);
        prop_assert_eq!(canonicalize_url(&once), once);
    }

    #[test]
    fn canonicalisation_is_idempotent_and_total_on_any_string(input in any::<String>()) {
        let once = canonicalize_url(&input);
        prop_assert_eq!(canonicalize_url(&once), once);
    }

    #[test]
    fn tracking_parameters_never_survive(url in url_like()) {
        let canonical = canonicalize_url(&url);
        let parses = url::Url::parse(url.trim()).is_ok_and(|u| u.scheme().starts_with("http"));
        if parses {
            prop_assert!(!canonical.contains("utm_") && !canonical.contains("fbclid") && !canonical.contains('#'));
        }
    }
}
