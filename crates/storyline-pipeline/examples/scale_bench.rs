//! Scale benchmark (issue 16): grows a store to N synthetic articles in polls of 1,000, each
//! poll run through the library exactly as `storyline run` runs one, and prints what every
//! poll cost as the archive grows. Used by `bench/scale.sh`, which runs it on SQLite and on
//! a fresh PostgreSQL database.
//!
//! Usage:
//! - `scale_bench describe [--total N] [--per-day N] [--seed S]`: plans the synthetic stream
//!   and prints its realised distribution (events and their sizes, forms, lengths, outlets,
//!   wire copies, and how alike two reports of one event are), nothing else.
//! - `scale_bench jsonl [--total N] [--per-day N] [--seed S]`: writes the stream as one
//!   import file on stdout (for `storyline import`, or to read what the texts look like).
//! - `scale_bench clusters [--total N] [--per-day N] [--seed S]`: runs the clusterer alone,
//!   in memory, over the stream and scores its stories against the generator's events
//!   (BCubed), to check that the stream clusters like news (events found, not lumped).
//! - `scale_bench run (--sqlite DIR | --postgres URL) [--total N] [--poll N] [--fill N]
//!   [--per-day N] [--seed S]`: fills the store, which must be empty, with the same stream.
//!
//! Defaults: 200,000 articles, polls of 1,000, 10,000 articles a day, seed 1.
//!
//! `--fill N` (a multiple of the poll size) makes the polls the summary does not compare
//! (all but the first five, those around 10,000 stored articles and the last five) polls
//! of up to N articles: the store reaches 200,000 articles in a fraction of the time (a
//! story gaining articles in ten polls gets one brief instead of ten), and the polls
//! measured are still polls of `--poll` articles into a store of that size. The stream, and
//! so the stories, are the same; only fewer brief versions are written between the
//! measured polls. Fill polls are printed too, marked, and left out of the summary.
//!
//! A poll is: the poll's articles as JSONL bytes, imported with `import_jsonl` (parse,
//! dates, content hash, near-duplicate lookup, one transaction per 500 lines), then
//! `cluster_pending_cached` with one `ClusterCache` kept across polls (as `storyline run`
//! keeps its clusterer between polls), then `refresh_briefs` with the extractive writer.
//! The import goes through `import_jsonl` rather than `store_batch` because that is what a
//! user's `storyline import` runs and it includes the JSON parsing and date checks; its
//! batches end in `store_batch` anyway. The clock is the stream's own: a poll happens ten
//! minutes after its newest article, so no date is taken as being in the future.
//!
//! Per poll it prints: the articles stored before it; wall seconds of import, clustering,
//! briefs and their total; this process's CPU seconds (a PostgreSQL server's are not
//! counted); the peak resident memory of the poll (`VmHWM`, reset before the poll by
//! writing `5` to `/proc/self/clear_refs`, so each poll's peak is its own; it includes the
//! poll's JSONL input, a few MiB); stories touched (gained articles), briefs written, new
//! stories and wire copies found. Then a summary: mean poll seconds around 10,000 stored
//! articles against the last polls, their ratio (issue 16 asks for at most 1.5× at 200k
//! against 10k), and the trend of peak memory; last, untimed, how the stored stories compare
//! with the generator's events (BCubed), since what a poll costs depends on the stories it
//! finds (look-alike events lumped into one story make bigger briefs).
//!
//! The synthetic stream is described in `scale_support/mod.rs`; generating it is not timed
//! as part of a poll.

#[path = "scale_support/mod.rs"]
mod scale_support;

use chrono::TimeDelta;
use scale_support::{Corpus, Settings};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use storyline_model::{ArticleId, StoryId};
use storyline_pipeline::brief::extractive::ExtractiveWriter;
use storyline_pipeline::brief::refresh_briefs;
use storyline_pipeline::cluster::{ClusterCache, ClusterConfig, Clusterer, cluster_pending_cached};
use storyline_pipeline::dedupe::canonicalize_url;
use storyline_pipeline::ingest::{ImportLimits, article_from_json_line, import_jsonl};
use storyline_store::{PgStore, SqliteStore, Store};

const USAGE: &str = "usage: scale_bench describe [--total N] [--per-day N] [--seed S]\n       scale_bench clusters [--total N] [--per-day N] [--seed S]\n       scale_bench jsonl [--total N] [--per-day N] [--seed S]\n       scale_bench run (--sqlite DIR | --postgres URL) [--total N] [--poll N] [--fill N] [--per-day N] [--seed S]";

/// Polls compared with the end: those within this many polls of 10,000 stored articles.
const AROUND_10K: usize = 2;
/// Polls at the end compared with those around 10,000.
const END_POLLS: usize = 5;

fn main() {
    // The model the default clusters with, named as `storyline` is told it.
    storyline_pipeline::cluster::set_embed_model(
        std::env::var_os("STORYLINE_EMBED_MODEL")
            .filter(|dir| !dir.is_empty())
            .map(std::path::PathBuf::from),
    );
    if let Err(message) = run() {
        eprintln!("scale_bench: {message}");
        std::process::exit(1);
    }
}

struct Options {
    settings: Settings,
    poll: usize,
    /// Articles of the polls between the measured ones (`--fill`).
    fill: Option<usize>,
    sqlite: Option<PathBuf>,
    postgres: Option<String>,
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse(args.get(1..).unwrap_or_default())?;
    match args.first().map(String::as_str) {
        Some("describe") => {
            let corpus = Corpus::generate(options.settings);
            print!("{}", corpus.describe());
            Ok(())
        }
        Some("jsonl") => {
            let corpus = Corpus::generate(options.settings);
            let mut out = std::io::stdout().lock();
            for start in (0..corpus.articles.len()).step_by(options.poll) {
                let end = (start + options.poll).min(corpus.articles.len());
                out.write_all(&corpus.jsonl(start..end))
                    .map_err(|e| format!("stdout: {e}"))?;
            }
            Ok(())
        }
        Some("clusters") => clusters(&Corpus::generate(options.settings), options.poll),
        Some("run") => {
            let (label, store): (String, Box<dyn Store>) =
                match (&options.sqlite, &options.postgres) {
                    (Some(dir), None) => (
                        format!("sqlite {}", dir.display()),
                        Box::new(SqliteStore::open(dir).map_err(|e| e.to_string())?),
                    ),
                    (None, Some(url)) => (
                        "postgres".to_string(),
                        Box::new(PgStore::connect(url).map_err(|e| e.to_string())?),
                    ),
                    _ => return Err(format!("run needs --sqlite DIR or --postgres URL\n{USAGE}")),
                };
            bench(store, &label, &options)
        }
        _ => Err(USAGE.into()),
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        settings: Settings {
            total: 200_000,
            per_day: 10_000,
            seed: 1,
        },
        poll: 1_000,
        fill: None,
        sqlite: None,
        postgres: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--total" => options.settings.total = number()? as usize,
            "--per-day" => options.settings.per_day = number()? as usize,
            "--seed" => options.settings.seed = number()?,
            "--poll" => options.poll = number()? as usize,
            "--fill" => options.fill = Some(number()? as usize),
            "--sqlite" => options.sqlite = Some(PathBuf::from(value)),
            "--postgres" => options.postgres = Some(value.clone()),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if options.settings.total == 0 || options.poll == 0 || options.settings.per_day == 0 {
        return Err("--total, --poll and --per-day must be above 0".into());
    }
    if let Some(fill) = options.fill
        && (fill == 0 || fill % options.poll != 0)
    {
        return Err(format!(
            "--fill must be a multiple of the poll size ({})",
            options.poll
        ));
    }
    Ok(options)
}

/// What one poll cost and did.
struct Row {
    poll: usize,
    before: usize,
    /// Articles in the poll.
    size: usize,
    /// A poll between the measured ones (`--fill`), left out of the summary.
    fill: bool,
    import: f64,
    cluster: f64,
    briefs: f64,
    cpu: f64,
    peak_kib: u64,
    touched: usize,
    written: usize,
    new_stories: usize,
    copies: usize,
}

impl Row {
    fn total(&self) -> f64 {
        self.import + self.cluster + self.briefs
    }
}

fn bench(mut store: Box<dyn Store>, label: &str, options: &Options) -> Result<(), String> {
    let store = store.as_mut();
    let counts = store.counts().map_err(|e| e.to_string())?;
    if counts.articles > 0 {
        return Err(format!(
            "{label}: the store holds {} articles already; the benchmark needs an empty one",
            counts.articles
        ));
    }
    let started = Instant::now();
    let corpus = Corpus::generate(options.settings);
    let planned = started.elapsed().as_secs_f64();
    let total = corpus.articles.len();
    let resettable = reset_peak();
    println!(
        "# {label}: {total} articles in polls of {}, seed {}, {} a day (stream planned in {planned:.1} s)",
        options.poll, options.settings.seed, options.settings.per_day
    );
    println!(
        "# seconds are wall time: import = import_jsonl (parse, dedupe, insert), cluster = \
         cluster_pending_cached, briefs = refresh_briefs (extractive); cpu = this process's CPU \
         seconds in the poll (a PostgreSQL server's not counted)"
    );
    if resettable {
        println!(
            "# peak MiB = VmHWM of this process during the poll: the high-water mark is reset \
             before each poll by writing 5 to /proc/self/clear_refs (the poll's JSONL input \
             included)"
        );
    } else {
        println!(
            "# peak MiB = VmHWM since the process started (/proc/self/clear_refs is not \
             writable here, so the high-water mark cannot be reset per poll)"
        );
    }
    println!(
        "{:>5} {:>7} {:>6} {:>7} {:>7} {:>7} {:>7} {:>6} {:>8} {:>7} {:>7} {:>7} {:>6}",
        "poll",
        "before",
        "size",
        "import",
        "cluster",
        "briefs",
        "total",
        "cpu",
        "peak MiB",
        "touched",
        "written",
        "new st",
        "copies"
    );

    let limits = ImportLimits::default();
    let mut cache = ClusterCache::new();
    let mut rows = Vec::new();
    let mut generating = 0.0;
    for (index, (start, end, fill)) in poll_plan(total, options.poll, options.fill)
        .into_iter()
        .enumerate()
    {
        let generated = Instant::now();
        let input = corpus.jsonl(start..end);
        generating += generated.elapsed().as_secs_f64();
        let now = corpus.time(end - 1) + TimeDelta::minutes(10);

        reset_peak();
        let cpu_before = cpu_seconds();
        let t0 = Instant::now();
        let label = format!("poll {}", index + 1);
        let report = import_jsonl(store, &label, &input[..], now, &limits)
            .map_err(|e| format!("{label}: import: {e}"))?;
        let t1 = Instant::now();
        let clustered = cluster_pending_cached(store, &ClusterConfig::default(), &mut cache)
            .map_err(|e| format!("{label}: clustering: {e}"))?;
        let t2 = Instant::now();
        let briefs = refresh_briefs(store, &ExtractiveWriter, now)
            .map_err(|e| format!("{label}: briefs: {e}"))?;
        let t3 = Instant::now();
        let peak_kib = peak_kib().unwrap_or(0);
        let cpu = cpu_seconds() - cpu_before;
        drop(input);

        // A synthetic line that the importer rejects, or a brief that fails, is a bug of
        // this benchmark or of the pipeline: say so, and go on measuring.
        for problem in report.errors.iter().chain(&briefs.errors).take(3) {
            eprintln!("scale_bench: {label}: {problem}");
        }
        if report.imported + report.already_present != end - start {
            eprintln!(
                "scale_bench: {label}: {} of {} lines imported",
                report.imported,
                end - start
            );
        }
        let row = Row {
            poll: index + 1,
            before: start,
            size: end - start,
            fill,
            import: (t1 - t0).as_secs_f64(),
            cluster: (t2 - t1).as_secs_f64(),
            briefs: (t3 - t2).as_secs_f64(),
            cpu,
            peak_kib,
            touched: clustered.touched.len(),
            written: briefs.written.len(),
            new_stories: clustered.new_stories,
            copies: report.copies,
        };
        println!(
            "{:>5} {:>7} {:>6} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>6.1} {:>8.0} {:>7} {:>7} {:>7} {:>6}",
            row.poll,
            row.before,
            format!("{}{}", row.size, if row.fill { "f" } else { "" }),
            row.import,
            row.cluster,
            row.briefs,
            row.total(),
            row.cpu,
            row.peak_kib as f64 / 1024.0,
            row.touched,
            row.written,
            row.new_stories,
            row.copies
        );
        rows.push(row);
    }

    let counts = store.counts().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "# done: {} articles, {} stories, {} brief versions in {elapsed:.0} s ({:.0} s of it \
         writing the synthetic input); {:.1} articles/s over the polls",
        counts.articles,
        counts.stories,
        counts.briefs,
        generating,
        total as f64 / rows.iter().map(Row::total).sum::<f64>().max(1e-9),
    );
    print!("{}", summary(&rows, options.poll));
    println!("{}", stored_stories(store, &corpus)?);
    Ok(())
}

/// How the stored stories compare with the generator's events (BCubed): the check that the
/// polls measured news-like stories, not a few giant ones. Read after the last poll, untimed.
fn stored_stories(store: &dyn Store, corpus: &Corpus) -> Result<String, String> {
    let event_of: HashMap<ArticleId, u32> = (0..corpus.articles.len())
        .map(|at| {
            let id = ArticleId::from_url(&canonicalize_url(&corpus.url(at)));
            (id, corpus.articles[at].event)
        })
        .collect();
    let (mut gold, mut found) = (Vec::new(), Vec::new());
    let mut stories = 0;
    for (index, story) in store
        .stories()
        .map_err(|e| e.to_string())?
        .iter()
        .enumerate()
    {
        let members = store.story_members(&story.id).map_err(|e| e.to_string())?;
        stories += usize::from(!members.is_empty());
        for member in members {
            if let Some(&event) = event_of.get(&member.article_id) {
                gold.push(event);
                found.push(index);
            }
        }
    }
    let events = gold.iter().collect::<HashSet<_>>().len();
    let (precision, recall, f1) = bcubed(&gold, &found);
    Ok(format!(
        "# stories against the generator's events: {} articles in {stories} stories for \
         {events} events; BCubed precision {precision:.3}, recall {recall:.3}, F1 {f1:.3}",
        gold.len()
    ))
}

/// The clusterer alone over the stream, scored against the events.
fn clusters(corpus: &Corpus, poll: usize) -> Result<(), String> {
    let started = Instant::now();
    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let mut ids = Vec::with_capacity(corpus.articles.len());
    for start in (0..corpus.articles.len()).step_by(poll) {
        let end = (start + poll).min(corpus.articles.len());
        let now = corpus.time(end - 1) + TimeDelta::minutes(10);
        let input = corpus.jsonl(start..end);
        for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let line = std::str::from_utf8(line).map_err(|e| e.to_string())?;
            let article = article_from_json_line(line, now)?;
            clusterer.assign(&article);
            ids.push(article.id);
        }
    }
    clusterer.finish();
    let mut keys: HashMap<&StoryId, usize> = HashMap::new();
    let found: Vec<usize> = ids
        .iter()
        .map(|id| {
            let story = clusterer.story_of(id).expect("every article assigned");
            let next = keys.len();
            *keys.entry(story).or_insert(next)
        })
        .collect();
    let events: Vec<u32> = corpus.articles.iter().map(|s| s.event).collect();
    let (precision, recall, f1) = bcubed(&events, &found);
    println!(
        "clusterer alone: {} articles, {} events, {} stories; BCubed precision {precision:.3}, \
         recall {recall:.3}, F1 {f1:.3}; {:.1} s",
        ids.len(),
        events.iter().collect::<HashSet<_>>().len(),
        keys.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// BCubed precision, recall and F1 of the partition `found` against `gold` (one label per
/// article in both).
fn bcubed(gold: &[u32], found: &[usize]) -> (f64, f64, f64) {
    let mut pairs: HashMap<(u32, usize), f64> = HashMap::new();
    let mut gold_sizes: HashMap<u32, f64> = HashMap::new();
    let mut found_sizes: HashMap<usize, f64> = HashMap::new();
    for (&g, &f) in gold.iter().zip(found) {
        *pairs.entry((g, f)).or_default() += 1.0;
        *gold_sizes.entry(g).or_default() += 1.0;
        *found_sizes.entry(f).or_default() += 1.0;
    }
    let n = gold.len().max(1) as f64;
    let (mut precision, mut recall) = (0.0, 0.0);
    for (&(g, f), &both) in &pairs {
        precision += both * both / found_sizes[&f];
        recall += both * both / gold_sizes[&g];
    }
    let (precision, recall) = (precision / n, recall / n);
    let f1 = 2.0 * precision * recall / (precision + recall).max(1e-12);
    (precision, recall, f1)
}

/// Which articles each poll takes, as `(start, end, fill)`: polls of `poll` articles, except
/// that with `fill` the runs of polls the summary does not compare (see [`measured`]) are
/// joined into polls of up to `fill` articles.
fn poll_plan(total: usize, poll: usize, fill: Option<usize>) -> Vec<(usize, usize, bool)> {
    let mut plan: Vec<(usize, usize, bool)> = Vec::new();
    for start in (0..total).step_by(poll) {
        let end = (start + poll).min(total);
        let joinable = fill.is_some() && !measured(start, total, poll);
        match plan.last_mut() {
            Some(last)
                if joinable && last.2 && last.1 == start && end - last.0 <= fill.unwrap_or(0) =>
            {
                last.1 = end;
            }
            _ => plan.push((start, end, joinable)),
        }
    }
    plan
}

/// Whether the poll of `poll` articles that starts after `before` stored articles is one the
/// summary compares: the first [`END_POLLS`], those within [`AROUND_10K`] polls of 10,000
/// stored articles, and the last [`END_POLLS`].
fn measured(before: usize, total: usize, poll: usize) -> bool {
    let window = AROUND_10K * poll;
    before < END_POLLS * poll
        || (before + window >= 10_000 && before <= 10_000 + window)
        || before + END_POLLS * poll >= total
}

/// Seconds around 10,000 stored articles against the last polls, and peak memory's trend
/// (polls of `--fill` left out).
fn summary(rows: &[Row], poll: usize) -> String {
    let rows: Vec<&Row> = rows.iter().filter(|r| !r.fill).collect();
    let rows = rows.as_slice();
    let mut out = String::new();
    let window = AROUND_10K * poll;
    let early: Vec<&Row> = rows
        .iter()
        .filter(|r| r.before + window >= 10_000 && r.before <= 10_000 + window)
        .copied()
        .collect();
    let end: Vec<&Row> = rows
        .iter()
        .skip(rows.len().saturating_sub(END_POLLS))
        .copied()
        .collect();
    let overlap = match (early.last(), end.first()) {
        (Some(last_early), Some(first_end)) => last_early.poll >= first_end.poll,
        _ => true,
    };
    if overlap {
        out.push_str(
            "# seconds: too few polls to compare the polls around 10,000 articles with the last \
             ones (needs at least 18,000 articles at polls of 1,000)\n",
        );
    } else {
        let (a, b) = (means(&early), means(&end));
        out.push_str(&format!(
            "# seconds around 10k: polls {}-{} ({}-{} stored before): mean {:.2} s (import \
             {:.2}, cluster {:.2}, briefs {:.2})\n",
            early[0].poll,
            early[early.len() - 1].poll,
            early[0].before,
            early[early.len() - 1].before,
            a[0],
            a[1],
            a[2],
            a[3]
        ));
        out.push_str(&format!(
            "# seconds at the end: polls {}-{} ({}-{} stored before): mean {:.2} s (import \
             {:.2}, cluster {:.2}, briefs {:.2})\n",
            end[0].poll,
            end[end.len() - 1].poll,
            end[0].before,
            end[end.len() - 1].before,
            b[0],
            b[1],
            b[2],
            b[3]
        ));
        let ratio = |i: usize| b[i] / a[i].max(1e-9);
        out.push_str(&format!(
            "# ratio end / around 10k: {:.2}x (import {:.2}x, cluster {:.2}x, briefs {:.2}x); \
             issue 16 asks for at most 1.5x at 200k\n",
            ratio(0),
            ratio(1),
            ratio(2),
            ratio(3)
        ));
    }

    let mib = |kib: u64| kib as f64 / 1024.0;
    let max_of = |rows: &[&Row]| rows.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    let first: Vec<&Row> = rows.iter().take(END_POLLS).copied().collect();
    let busiest = rows.iter().max_by_key(|r| r.peak_kib);
    out.push_str(&format!(
        "# peak RSS (the highest of each group): polls {} {:.0} MiB, around 10k {}, polls {} \
         {:.0} MiB; highest {:.0} MiB (poll {})",
        span(&first),
        mib(max_of(&first)),
        if early.is_empty() {
            "n/a".to_string()
        } else {
            format!("{:.0} MiB", mib(max_of(&early)))
        },
        span(&end),
        mib(max_of(&end)),
        busiest.map_or(0.0, |r| mib(r.peak_kib)),
        busiest.map_or(0, |r| r.poll),
    ));
    // The slope over the second half: past the warm-up, memory that grows with the archive
    // shows as a steady rise per article stored.
    let half = &rows[rows.len() / 2..];
    if half.len() >= 3 {
        let xs: Vec<f64> = half.iter().map(|r| r.before as f64).collect();
        let ys: Vec<f64> = half.iter().map(|r| mib(r.peak_kib)).collect();
        let mx = xs.iter().sum::<f64>() / xs.len() as f64;
        let my = ys.iter().sum::<f64>() / ys.len() as f64;
        let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
        out.push_str(&format!(
            "; trend over the second half {:+.1} MiB per 10,000 articles",
            sxy / sxx.max(1e-9) * 10_000.0
        ));
    }
    out.push('\n');
    out
}

/// `first-last` poll numbers of a group.
fn span(rows: &[&Row]) -> String {
    match (rows.first(), rows.last()) {
        (Some(first), Some(last)) if first.poll != last.poll => {
            format!("{}-{}", first.poll, last.poll)
        }
        (Some(only), _) => only.poll.to_string(),
        _ => "none".into(),
    }
}

/// Mean total, import, cluster and brief seconds.
fn means(rows: &[&Row]) -> [f64; 4] {
    let n = rows.len().max(1) as f64;
    let sum = |f: fn(&Row) -> f64| rows.iter().map(|r| f(r)).sum::<f64>() / n;
    [
        sum(Row::total),
        sum(|r| r.import),
        sum(|r| r.cluster),
        sum(|r| r.briefs),
    ]
}

/// Resets this process's peak resident memory (`VmHWM`) to its current size; false where
/// the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` of this process, in KiB.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User and system CPU seconds of this process, all threads (`/proc/self/stat`, in clock
/// ticks of 1/100 s, the value Linux reports to user space on every architecture).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which may hold spaces: state is the first, utime the
    // 12th and stime the 13th.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
