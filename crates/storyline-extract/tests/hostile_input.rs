//! Hostile pages generated in the test (nothing stored): each must come back as `Ok` or `Err`
//! within a time and peak-memory bound, and never panic.
//!
//! Every case runs in one test, one after another, so that the process's peak resident memory
//! (`VmHWM`, reset through `/proc/self/clear_refs` before each case) belongs to that case
//! alone. All cases run even when one fails; the failure lists every case out of bounds, and
//! `--nocapture` prints the time and memory of each.
//!
//! The bounds are hang and blow-up guards for a debug build on a busy machine, not
//! benchmarks: a case near them is a bug to look at, not noise.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use storyline_extract::{ExtractError, ExtractedArticle, MAX_INPUT_BYTES, extract};

/// Slowest acceptable case in a debug build.
const TIME_BOUND: Duration = Duration::from_secs(60);

/// Cases slower than this are reported as slow (printed, not failed): the debug build is
/// several times slower than release, where such a page must not stall a worker.
const SLOW: Duration = Duration::from_secs(2);

/// Largest acceptable growth of peak resident memory for one case, in KiB: a fixed allowance
/// plus [`MEMORY_PER_INPUT_BYTE`] times the input. A page at the 20 MB input limit parses
/// into trees of a few hundred MiB; much more than that per input byte means the input is
/// amplified (a small page that makes the parser build a huge tree). The growth measured is
/// a lower bound (the allocator reuses memory freed by earlier cases).
const MEMORY_ALLOWANCE_KIB: u64 = 64 * 1024;
const MEMORY_PER_INPUT_BYTE: u64 = 40;

const MIB: usize = 1024 * 1024;

/// What a case must give back.
#[derive(Clone, Copy)]
enum Expect {
    /// `Ok` or `Err`: the page is absurd, only the bounds matter.
    Anything,
    /// Refused as too large, before parsing.
    TooLarge,
    /// Refused as binary data.
    Binary,
    /// `Ok`, and the main text holds this sentence.
    BodyContains(&'static str),
}

struct Case {
    name: &'static str,
    build: fn() -> Vec<u8>,
    expect: Expect,
}

/// A sentence long enough that a page made of it is an article.
const SENTENCE: &str =
    "The harbour council met again on Tuesday and agreed to review the ferry timetable in detail.";

fn paragraphs(count: usize) -> String {
    (0..count)
        .map(|i| format!("<p>{i}. {SENTENCE}</p>"))
        .collect()
}

fn article_page(inner: &str) -> Vec<u8> {
    format!(
        "<html><head><title>Hostile</title></head><body>{inner}<article>{}</article></body></html>",
        paragraphs(8)
    )
    .into_bytes()
}

/// `open` repeated `depth` times around a short text, closed by `close` repeated as often
/// (when `close` is empty the tags are left open, as a truncated page would).
fn nested(open: &str, close: &str, depth: usize) -> Vec<u8> {
    let mut page = String::from("<html><body>");
    page.push_str(&open.repeat(depth));
    page.push_str("deep text");
    page.push_str(&close.repeat(depth));
    page.push_str("</body></html>");
    page.into_bytes()
}

#[test]
fn page_of_50_mb() {
    run_case(Case {
        name: "50 MB page",
        build: || {
            let mut page = article_page("");
            let filler = paragraphs(1000);
            while page.len() < 50 * MIB {
                page.extend_from_slice(filler.as_bytes());
            }
            page
        },
        expect: Expect::TooLarge,
    });
}

#[test]
fn page_just_under_the_limit() {
    run_case(Case {
        name: "page just under the 20 MB limit",
        build: || {
            let filler = paragraphs(1000);
            let mut page = String::from("<html><body><article>");
            while page.len() + filler.len() + 100 < MAX_INPUT_BYTES {
                page.push_str(&filler);
            }
            page.push_str("</article></body></html>");
            page.into_bytes()
        },
        expect: Expect::Anything,
    });
}

#[test]
fn nested_divs() {
    run_case(Case {
        name: "100,000 nested <div>s",
        build: || nested("<div>", "</div>", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn nested_tables() {
    run_case(Case {
        name: "100,000 nested <table>s",
        build: || nested("<table><tr><td>", "</td></tr></table>", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn nested_tables_never_closed() {
    run_case(Case {
        name: "100,000 nested <table>s, never closed",
        build: || nested("<table><tr><td>", "", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn nested_list_items() {
    run_case(Case {
        name: "100,000 nested <li>s",
        build: || nested("<ul><li>", "</li></ul>", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn list_items_never_closed() {
    run_case(Case {
        name: "100,000 <li>s, never closed",
        build: || nested("<li>", "", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn nested_spans() {
    run_case(Case {
        name: "100,000 nested <span>s",
        build: || nested("<span>", "</span>", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn nested_paragraphs_in_divs() {
    run_case(Case {
        name: "100,000 nested <p>s in <div>s (implied ends)",
        build: || nested("<div><p>", "", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn deep_inline_formatting() {
    run_case(Case {
        name: "deep inline formatting <b><i>...",
        build: || nested("<b><i>", "</i></b>", 50_000),
        expect: Expect::Anything,
    });
}

#[test]
fn deep_inline_formatting_never_closed() {
    run_case(Case {
        name: "deep inline formatting, never closed",
        build: || nested("<b><i><u><s>", "", 25_000),
        expect: Expect::Anything,
    });
}

#[test]
fn distinct_open_bold_tags() {
    run_case(Case {
        name: "100,000 distinct open <b>s (no Noah's Ark limit)",
        build: || {
            let tags: String = (0..100_000).map(|i| format!("<b id=b{i}>")).collect();
            article_page(&tags)
        },
        expect: Expect::Anything,
    });
}

#[test]
fn unclosed_links() {
    run_case(Case {
        name: "100,000 unclosed <a>s (adoption agency)",
        build: || nested("<a href=x>", "", 100_000),
        expect: Expect::Anything,
    });
}

#[test]
fn misnested_formatting_reopened() {
    run_case(Case {
        // Formatting elements closed by a block's end tag are reopened in every following
        // block: 400 of them times 5,000 blocks is 2,000,000 elements from 62 KB.
        name: "misnested formatting reopened in 5,000 blocks",
        build: || {
            let mut page = String::from("<html><body><div>");
            for i in 0..400 {
                page.push_str(&format!("<b id=f{i}>"));
            }
            page.push_str("</div>");
            page.push_str(&"<div>x</div>".repeat(5000));
            page.push_str("</body></html>");
            page.into_bytes()
        },
        expect: Expect::Anything,
    });
}

#[test]
fn only_scripts() {
    run_case(Case {
        name: "only <script>s, 8 MB",
        build: || {
            let script = format!(
                "<script>var s = \"{}\"; if (a < b && c > d) {{ document.write('<div>'); }}</script>\n",
                "x".repeat(100_000)
            );
            let mut page = String::from("<html><head>");
            page.push_str(&script.repeat(80));
            page.push_str("</head><body></body></html>");
            page.into_bytes()
        },
        expect: Expect::Anything,
    });
}

#[test]
fn unclosed_script() {
    run_case(Case {
        name: "one <script> of 8 MB, never closed",
        build: || {
            let mut page = String::from("<html><body><script>");
            page.push_str(&"if (a<b) { x = '<p>'; } ".repeat(8 * MIB / 24));
            page.into_bytes()
        },
        expect: Expect::Anything,
    });
}

#[test]
fn million_attributes() {
    run_case(Case {
        name: "1,000,000 attributes on one element",
        build: || {
            let attributes: String = (0..1_000_000).map(|i| format!(" a{i}=\"{i}\"")).collect();
            article_page(&format!("<div{attributes}>text</div>"))
        },
        expect: Expect::BodyContains(SENTENCE),
    });
}

#[test]
fn million_copies_of_one_attribute() {
    run_case(Case {
        name: "1,000,000 copies of one attribute",
        build: || article_page(&format!("<div{}>text</div>", " class=x".repeat(1_000_000))),
        expect: Expect::BodyContains(SENTENCE),
    });
}

#[test]
fn invalid_utf8() {
    run_case(Case {
        name: "invalid UTF-8 sequences throughout",
        build: || {
            let mut page = b"<html><head><meta charset=\"utf-8\"></head><body><article>".to_vec();
            for i in 0..20_000 {
                page.extend_from_slice(format!("<p>{i} caf").as_bytes());
                page.extend_from_slice(b"\xC3\x28 \xA0\xA1 \xE2\x28\xA1 \xF0\x28\x8C\x28 \xED\xA0\x80 \xF8\x88\x80\x80\x80 ");
                page.extend_from_slice(SENTENCE.as_bytes());
                page.extend_from_slice(b"</p>");
            }
            page.extend_from_slice(b"</article></body></html>");
            page
        },
        expect: Expect::Anything,
    });
}

#[test]
fn nul_bytes_at_the_start() {
    run_case(Case {
        name: "NUL bytes at the start",
        build: || {
            let mut page = article_page("");
            page.splice(6..6, *b"\0\0\0\0");
            page
        },
        expect: Expect::Binary,
    });
}

#[test]
fn nul_bytes_after_sniffing_window() {
    run_case(Case {
        name: "NUL bytes after the binary sniffing window",
        build: || {
            let mut inner = "<p>padding paragraph before the nulls.</p>".repeat(1000);
            inner.push_str("<p>nul\0nul\0\0</p>");
            inner.push_str(&paragraphs(8));
            article_page(&inner)
        },
        expect: Expect::Anything,
    });
}

#[test]
fn unclosed_comment() {
    run_case(Case {
        name: "unclosed <!-- comment of 5 MB",
        build: || {
            let mut page = article_page("<!--");
            page.extend(std::iter::repeat_n(b'-', 5 * MIB / 2));
            page.extend("<div>comment</div> ".repeat(5 * MIB / 2 / 19).bytes());
            page
        },
        expect: Expect::Anything,
    });
}

#[test]
fn long_text_node_without_spaces() {
    run_case(Case {
        name: "5 MB text node without spaces",
        build: || {
            let mut page = String::from("<html><body><article><p>");
            page.push_str(&"Harbourferry".repeat(5 * MIB / 12));
            page.push_str("</p></article></body></html>");
            page.into_bytes()
        },
        expect: Expect::Anything,
    });
}

#[test]
fn many_less_than_signs() {
    run_case(Case {
        name: "5 MB of '<' characters",
        build: || {
            let mut page = article_page("");
            page.extend(std::iter::repeat_n(b'<', 5 * MIB));
            page
        },
        expect: Expect::Anything,
    });
}

#[test]
fn many_character_references() {
    run_case(Case {
        name: "500,000 entities and character references",
        build: || {
            let body = "&amp;&#x1F600;&#0;&#xD800;&nosuch;&lt".repeat(500_000 / 6);
            article_page(&format!("<p>{body}</p>"))
        },
        expect: Expect::BodyContains(SENTENCE),
    });
}

#[test]
fn deep_json_ld() {
    run_case(Case {
        name: "JSON-LD nested 100,000 deep",
        build: || {
            let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
            article_page(&format!(
                "<script type=\"application/ld+json\">{json}</script><script type=\"application/ld+json\">{{\"a\":{}1{}}}</script>",
                "{\"a\":".repeat(50_000),
                "}".repeat(50_000)
            ))
        },
        expect: Expect::BodyContains(SENTENCE),
    });
}

#[test]
fn many_meta_tags() {
    run_case(Case {
        name: "200,000 <meta> tags",
        build: || {
            let metas: String = (0..200_000)
                .map(|i| format!("<meta property=\"article:author\" content=\"Writer {i}\">"))
                .collect();
            article_page(&metas)
        },
        expect: Expect::Anything,
    });
}

#[test]
fn more_elements_than_max_elements() {
    run_case(Case {
        name: "200,000 empty elements (above MAX_ELEMENTS)",
        build: || article_page(&"<i></i>".repeat(200_000)),
        expect: Expect::Anything,
    });
}

/// Peak resident memory of this process since the last reset, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak to the current resident memory (Linux: `5` in `clear_refs`). False where
/// that is not possible; memory is then not measured.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Why the outcome does not match the expectation, if it does not.
fn mismatch(expect: Expect, got: &Result<ExtractedArticle, ExtractError>) -> Option<String> {
    let ok = match (expect, got) {
        (Expect::Anything, _) => true,
        (Expect::TooLarge, Err(ExtractError::TooLarge { .. })) => true,
        (Expect::Binary, Err(ExtractError::Binary)) => true,
        (Expect::BodyContains(text), Ok(article)) => article.article_body.contains(text),
        _ => false,
    };
    (!ok).then(|| describe(got))
}

fn describe(got: &Result<ExtractedArticle, ExtractError>) -> String {
    match got {
        Ok(article) => format!(
            "Ok (article: {}, body {} bytes)",
            article.is_article,
            article.article_body.len()
        ),
        Err(error) => format!("Err({error})"),
    }
}

/// Cases run one at a time so that the peak memory measured is the case's own.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs one case on its own thread (a worker's default stack) and fails when it panics,
/// exceeds a bound or gives the wrong outcome. A case that overruns [`TIME_BOUND`] is left
/// running and the test fails at once, so a hang cannot stall the whole test run.
fn run_case(case: Case) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let input = (case.build)();
    let input_kib = input.len() / 1024;
    // The input is allocated before the reset: only extraction is measured.
    let measure_memory = reset_peak_rss();
    let baseline = peak_rss_kib().unwrap_or(0);
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let outcome = extract(&input, None, None);
        let _ = sender.send(outcome);
    });
    let outcome = match receiver.recv_timeout(TIME_BOUND) {
        Ok(outcome) => outcome,
        Err(RecvTimeoutError::Timeout) => {
            panic!("{}: still running after {TIME_BOUND:?}", case.name)
        }
        Err(RecvTimeoutError::Disconnected) => {
            let _ = worker.join();
            panic!("{}: extract panicked", case.name)
        }
    };
    let elapsed = started.elapsed();
    let _ = worker.join();
    let growth = peak_rss_kib()
        .filter(|_| measure_memory)
        .map(|peak| peak.saturating_sub(baseline));
    let memory_text = growth.map_or_else(
        || "memory not measured".to_string(),
        |kib| format!("+{kib} KiB peak"),
    );
    let slow = if elapsed > SLOW { "  SLOW" } else { "" };
    println!(
        "{}: {input_kib} KiB in, {elapsed:.2?}, {memory_text}, {}{slow}",
        case.name,
        describe(&outcome)
    );
    if let Some(got) = mismatch(case.expect, &outcome) {
        panic!("{}: unexpected outcome {got}", case.name);
    }
    let bound_kib = MEMORY_ALLOWANCE_KIB + MEMORY_PER_INPUT_BYTE * input_kib as u64;
    if let Some(kib) = growth.filter(|&kib| kib > bound_kib) {
        panic!(
            "{}: peak memory grew by {kib} KiB for {input_kib} KiB of input (bound {bound_kib} KiB)",
            case.name
        );
    }
}

/// Inputs that once crashed the fuzz target (`tests/fixtures/fuzz/`), and the fuzz seeds
/// (`fuzz/seeds/extract/`), replayed the way the fuzz target reads them: bare, then with the
/// first line as charset and page URL.
#[test]
fn fuzz_crashes_and_seeds_replay_without_panicking() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let folders = [
        manifest.join("tests/fixtures/fuzz"),
        manifest.join("../../fuzz/seeds/extract"),
    ];
    let mut replayed = 0;
    for folder in &folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.is_file()) {
            let data = std::fs::read(path).expect("fixture is readable");
            let started = Instant::now();
            let _ = extract(&data, None, None);
            let (header, page) = match data.iter().take(200).position(|&b| b == b'\n') {
                Some(end) => match std::str::from_utf8(&data[..end]) {
                    Ok(header) => (header, &data[end + 1..]),
                    Err(_) => ("", &data[..]),
                },
                None => ("", &data[..]),
            };
            let mut words = header.split_ascii_whitespace();
            let content_type = format!("text/html; charset={}", words.next().unwrap_or(""));
            let _ = extract(page, Some(&content_type), words.next());
            assert!(
                started.elapsed() < TIME_BOUND,
                "{}: took {:.2?}",
                path.display(),
                started.elapsed()
            );
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no fuzz inputs found in {folders:?}");
}
