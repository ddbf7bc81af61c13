//! Extraction speed over a folder of HTML pages held in memory: pages per second on one
//! thread and on all cores, with the peak resident memory.
//!
//! Usage: `cargo run --release -p storyline-extract --example bench -- DIR [ROUNDS]`.
//! Prints one JSON object, for `bench/extraction.sh` to put beside the peer's figures.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bench DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut pages: Vec<Vec<u8>> = Vec::new();
    let mut entries: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(err) => {
            eprintln!("{dir}: {err}");
            std::process::exit(1);
        }
    };
    entries.sort();
    for path in entries {
        if path.extension().is_some_and(|e| e == "html" || e == "htm") {
            match std::fs::read(&path) {
                Ok(bytes) => pages.push(bytes),
                Err(err) => eprintln!("{}: {err}", path.display()),
            }
        }
    }
    if pages.is_empty() {
        eprintln!("{dir}: no .html pages");
        std::process::exit(1);
    }
    // One warm-up pass so both measurements start from the same state.
    let failures = pages
        .iter()
        .filter(|p| storyline_extract::extract(p, None, None).is_err())
        .count();

    let start = Instant::now();
    for _ in 0..rounds {
        for page in &pages {
            let _ = std::hint::black_box(storyline_extract::extract(page, None, None));
        }
    }
    let single = (pages.len() * rounds) as f64 / start.elapsed().as_secs_f64();

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..threads {
            let pages = &pages;
            scope.spawn(move || {
                for _ in 0..rounds {
                    for page in pages.iter().skip(worker).step_by(threads) {
                        let _ = std::hint::black_box(storyline_extract::extract(page, None, None));
                    }
                }
            });
        }
    });
    let parallel = (pages.len() * rounds) as f64 / start.elapsed().as_secs_f64();
    println!(
        "{{\"pages\": {}, \"rounds\": {rounds}, \"failures\": {failures}, \"pages_per_second_1_thread\": {single:.1}, \"threads\": {threads}, \"pages_per_second_all_threads\": {parallel:.1}, \"peak_rss_kib\": {}}}",
        pages.len(),
        peak_rss_kib().map_or("null".to_string(), |k| k.to_string())
    );
}

/// Peak resident set size of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
