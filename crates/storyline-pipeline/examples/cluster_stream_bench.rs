//! Speed and scaling benchmark for the [`Clusterer`] with its default configuration, used
//! by `bench/clustering.sh`. Prints one JSON object on stdout.
//!
//! Usage:
//! - `cluster_stream_bench run IN.jsonl OUT.jsonl [--shuffle SEED] [--rounds N]
//!   [--set name=value ...]`: clusters
//!   the articles of IN (file order, or a deterministic shuffle, then publication order as
//!   `storyline cluster` takes them: `stream_order`), writes `{"id","story"}`
//!   lines for the scorer and reports articles/second (median of N passes, each with a
//!   fresh clusterer; articles already parsed and in memory) and peak memory. `--set`
//!   changes one [`ClusterConfig`] setting (`--set decay_floor=0.6`), for tuning runs;
//!   `--embeddings FILE` gives articles sentence embeddings by id (`{"id", "embedding"}`
//!   lines) through [`Clusterer::assign_embedded`]. Without `--embeddings`, when
//!   `STORYLINE_EMBED_MODEL` names the model, each pass embeds the headlines the default
//!   embeds ([`headline_embeddings`]) inside its timing, as `storyline cluster` does, so the
//!   speed is end to end with every signal the default uses; `--save-embeddings FILE`
//!   writes the embeddings used, for later runs of the same set in other orders (the
//!   embedding of a headline does not depend on the order). `--poll N` ends every N
//!   articles with [`Clusterer::finish`], as `cluster_pending` ends each poll.
//!
//! Every speed comes twice: by wall-clock time, and by CPU time, which stays put when other
//! processes share the cores: the clustering thread's (Linux `/proc/thread-self/schedstat`)
//! in `stream` and `flood`, the whole process's (`/proc/self/stat`, the embedder's threads
//! included) in `run`; the CPU figure is null where that file is missing.
//! - `cluster_stream_bench stream IN.jsonl [IN.jsonl ...] [--total N] [--block B]
//!   [--shift-days D] [--seed S]`: builds a stream of N articles by repeating the inputs,
//!   each copy with new ids and its dates moved D days later than the previous copy's, feeds
//!   it to one clusterer and reports articles/second for each block of B articles and the
//!   story count after it, so a cost per article that grows with the number of stories
//!   shows.
//!
//! - `cluster_stream_bench flood IN.jsonl [IN.jsonl ...] [--sizes 2000,4000,8000,16000]
//!   [--distinct 8000] [--templates one-line,titled,long,named] [--rounds N]`: times the
//!   clusterer (assign in publication order, then `finish`) on floods of near-template items
//!   (one feed's worth of the same item with a running number, each with its own URL, a
//!   minute apart; see [`template_item`]) at each size, and on `--distinct` real articles
//!   built from the inputs as the stream mode builds its stream (the stream's first
//!   articles); reports articles/second of each and, per template, the ratio of its time to
//!   the real articles' time at the same count, with a table on stderr. A flood should cost
//!   per article about what real news costs.
//!
//! Stream dates: a copy spans the dated articles' own span (their offsets from the earliest
//! dated article kept); articles with no date, or whose date lies outside that span (ECB+
//! documents are dated from 1923 to 2013), get times spread evenly over it. Each copy is then
//! in publication order, as the pipeline feeds the clusterer, with ties in a shuffled order.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::time::Instant;
use storyline_model::{Article, ArticleId};
use storyline_pipeline::cluster::{
    ClusterConfig, Clusterer, headline_embeddings, set_embed_model, shared_embedder, stream_order,
};
use storyline_pipeline::ingest::article_from_json_line;
#[path = "bench_input/mod.rs"]
mod bench_input;
use bench_input::{read_articles, shuffle};

fn main() {
    // The model the default clusters with, named as `storyline` is told it.
    set_embed_model(
        std::env::var_os("STORYLINE_EMBED_MODEL")
            .filter(|dir| !dir.is_empty())
            .map(std::path::PathBuf::from),
    );
    if let Err(message) = run() {
        eprintln!("cluster_stream_bench: {message}");
        std::process::exit(1);
    }
}

const USAGE: &str = "usage: cluster_stream_bench run IN.jsonl OUT.jsonl [--shuffle SEED] [--rounds N] [--set name=value ...] [--embeddings FILE | --save-embeddings FILE] [--poll N]\n       cluster_stream_bench stream IN.jsonl [IN.jsonl ...] [--total N] [--block B] [--shift-days D] [--seed S]\n       cluster_stream_bench flood IN.jsonl [IN.jsonl ...] [--sizes N,N,...] [--distinct N] [--templates T,T,...] [--rounds N]";

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (positional, flags) = split_flags(args.get(1..).unwrap_or_default())?;
    match args.first().map(String::as_str) {
        Some("run") => run_file(&positional, &flags),
        Some("stream") => run_stream(&positional, &flags),
        Some("flood") => run_flood(&positional, &flags),
        _ => Err(USAGE.into()),
    }
}

/// Positional arguments, and `--name value` pairs.
type Flags = Vec<(String, String)>;

fn split_flags(args: &[String]) -> Result<(Vec<String>, Flags), String> {
    let mut positional = Vec::new();
    let mut flags = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if let Some(name) = arg.strip_prefix("--") {
            let value = rest.next().ok_or(format!("--{name} needs a value"))?;
            flags.push((name.to_string(), value.clone()));
        } else {
            positional.push(arg.clone());
        }
    }
    Ok((positional, flags))
}

fn flag<T: std::str::FromStr>(flags: &Flags, name: &str, default: T) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    match flags.iter().rev().find(|(n, _)| n == name) {
        Some((_, value)) => value.parse().map_err(|e| format!("--{name} {value}: {e}")),
        None => Ok(default),
    }
}

fn check_flags(flags: &Flags, known: &[&str]) -> Result<(), String> {
    match flags.iter().find(|(n, _)| !known.contains(&n.as_str())) {
        Some((name, _)) => Err(format!("unknown flag --{name}\n{USAGE}")),
        None => Ok(()),
    }
}

/// Sentence embeddings by article id, from `{"id", "embedding"}` lines (as
/// `storyline-embed`'s `embed_file` example writes them).
fn read_embeddings(path: &str) -> Result<HashMap<String, Vec<f32>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut embeddings = HashMap::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", number + 1))?;
        let id = match value.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(format!("{path}:{}: no id", number + 1)),
        };
        let embedding: Vec<f32> = value
            .get("embedding")
            .and_then(|v| v.as_array())
            .ok_or(format!("{path}:{}: no embedding", number + 1))?
            .iter()
            .map(|x| x.as_f64().unwrap_or(0.0) as f32)
            .collect();
        embeddings.insert(id, embedding);
    }
    Ok(embeddings)
}

/// Writes the `embeddings` of `articles` as `{"id", "embedding"}` lines, in the articles'
/// order, for [`read_embeddings`].
fn write_embeddings(
    path: &str,
    articles: &[Article],
    embeddings: &HashMap<String, Vec<f32>>,
) -> Result<(), String> {
    let out = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = BufWriter::new(out);
    for article in articles {
        if let Some(vector) = embeddings.get(&article.id.0) {
            let line = serde_json::json!({"id": article.id.0, "embedding": vector});
            writeln!(out, "{line}").map_err(|e| format!("{path}: {e}"))?;
        }
    }
    out.flush().map_err(|e| format!("{path}: {e}"))
}

/// The default configuration with each `--set name=value` applied, in order.
fn configured(flags: &Flags) -> Result<ClusterConfig, String> {
    let mut config = ClusterConfig::default();
    for (_, setting) in flags.iter().filter(|(name, _)| name == "set") {
        let (name, value) = setting
            .split_once('=')
            .ok_or(format!("--set {setting}: expected name=value"))?;
        config.set(name, value)?;
    }
    Ok(config)
}

fn run_file(positional: &[String], flags: &Flags) -> Result<(), String> {
    check_flags(
        flags,
        &[
            "shuffle",
            "rounds",
            "set",
            "embeddings",
            "save-embeddings",
            "poll",
        ],
    )?;
    let config = configured(flags)?;
    let given = match flags.iter().rev().find(|(n, _)| n == "embeddings") {
        Some((_, path)) => Some(read_embeddings(path)?),
        None => None,
    };
    // Embedded in each pass, inside its timing, when no file gives them.
    let embeds_in_pass = given.is_none() && shared_embedder().is_some();
    let [input, output] = positional else {
        return Err(USAGE.into());
    };
    let rounds: usize = flag(flags, "rounds", 1)?;
    let poll: usize = flag(flags, "poll", 0)?;
    let mut articles = read_articles(input)?;
    let seed = flags.iter().any(|(n, _)| n == "shuffle");
    if seed {
        shuffle(&mut articles, flag(flags, "shuffle", 0)?);
    }
    // Fed as `storyline cluster` feeds them: in publication order.
    let articles = stream_order(articles);

    let mut seconds = Vec::new();
    let mut cpu_seconds = Vec::new();
    let mut assignments = Vec::new();
    let mut stories = 0;
    let mut embeddings = given.unwrap_or_default();
    for _ in 0..rounds.max(1) {
        let cpu_started = process_cpu_seconds();
        let started = Instant::now();
        if embeds_in_pass {
            embeddings = headline_embeddings(&config, &articles)
                .into_iter()
                .map(|(id, vector)| (id.0, vector))
                .collect();
        }
        let mut clusterer = Clusterer::new(config.clone());
        for (number, article) in articles.iter().enumerate() {
            let embedding = embeddings.get(&article.id.0).map(Vec::as_slice);
            clusterer.assign_embedded(article, embedding);
            // As `cluster_pending` ends each poll: with `finish`.
            if poll > 0 && (number + 1) % poll == 0 {
                clusterer.finish();
            }
        }
        clusterer.finish();
        seconds.push(started.elapsed().as_secs_f64());
        // Reported with the story each article ended in: stories merge later in the stream.
        assignments = articles
            .iter()
            .map(|a| {
                clusterer
                    .story_of(&a.id)
                    .map(|s| s.0.clone())
                    .unwrap_or_default()
            })
            .collect();
        if let (Some(before), Some(after)) = (cpu_started, process_cpu_seconds()) {
            cpu_seconds.push(after - before);
        }
        stories = clusterer.story_count();
    }
    let median = median_of(&mut seconds).unwrap_or_default();
    let cpu_median = median_of(&mut cpu_seconds);

    let out = std::fs::File::create(output).map_err(|e| format!("{output}: {e}"))?;
    let mut out = BufWriter::new(out);
    for (article, story) in articles.iter().zip(&assignments) {
        let line = serde_json::json!({"id": article.id.0, "story": story});
        writeln!(out, "{line}").map_err(|e| format!("{output}: {e}"))?;
    }
    out.flush().map_err(|e| format!("{output}: {e}"))?;

    if let Some((_, path)) = flags.iter().rev().find(|(n, _)| n == "save-embeddings") {
        write_embeddings(path, &articles, &embeddings)?;
    }

    let report = serde_json::json!({
        "articles": articles.len(),
        "stories": stories,
        "embedded": embeddings.len(),
        "embedded_in_pass": embeds_in_pass,
        "rounds": seconds.len(),
        "seconds_median": median,
        "articles_per_second": articles.len() as f64 / median.max(1e-9),
        "cpu_seconds_median": cpu_median,
        "articles_per_cpu_second": cpu_median.map(|s| articles.len() as f64 / s.max(1e-9)),
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{report}");
    Ok(())
}

fn run_stream(positional: &[String], flags: &Flags) -> Result<(), String> {
    check_flags(flags, &["total", "block", "shift-days", "seed"])?;
    if positional.is_empty() {
        return Err(USAGE.into());
    }
    let total: usize = flag(flags, "total", 100_000)?;
    let block: usize = flag(flags, "block", 10_000)?.max(1);
    let shift_days: i64 = flag(flags, "shift-days", 30)?;
    let seed: u64 = flag(flags, "seed", 1)?;

    let mut originals = Vec::new();
    for input in positional {
        originals.extend(read_articles(input)?);
    }
    if originals.is_empty() {
        return Err(format!("{}: no articles", positional.join(", ")));
    }
    let per_copy = originals.len();
    let stream = build_stream(&originals, total, shift_days, seed);
    drop(originals);

    let mut clusterer = Clusterer::new(ClusterConfig::default());
    let mut blocks = Vec::new();
    let cpu_started = thread_cpu_seconds();
    let started = Instant::now();
    for (number, chunk) in stream.chunks(block).enumerate() {
        let cpu_started = thread_cpu_seconds();
        let block_started = Instant::now();
        for article in chunk {
            clusterer.assign(article);
        }
        let seconds = block_started.elapsed().as_secs_f64();
        let cpu_seconds = cpu_started
            .zip(thread_cpu_seconds())
            .map(|(before, after)| after - before);
        blocks.push(serde_json::json!({
            "block": number + 1,
            "articles": chunk.len(),
            "seconds": seconds,
            "articles_per_second": chunk.len() as f64 / seconds.max(1e-9),
            "cpu_seconds": cpu_seconds,
            "articles_per_cpu_second": cpu_seconds.map(|s| chunk.len() as f64 / s.max(1e-9)),
            "stories_after": clusterer.story_count(),
        }));
    }
    clusterer.finish();
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = cpu_started
        .zip(thread_cpu_seconds())
        .map(|(before, after)| after - before);
    let report = serde_json::json!({
        "articles": stream.len(),
        "block": block,
        "shift_days": shift_days,
        "articles_per_copy": per_copy,
        "copies": stream.len().div_ceil(per_copy),
        "seconds": seconds,
        "articles_per_second": stream.len() as f64 / seconds.max(1e-9),
        "cpu_seconds": cpu_seconds,
        "articles_per_cpu_second": cpu_seconds.map(|s| stream.len() as f64 / s.max(1e-9)),
        "final_stories": clusterer.story_count(),
        "blocks": blocks,
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{report}");
    Ok(())
}

fn run_flood(positional: &[String], flags: &Flags) -> Result<(), String> {
    check_flags(flags, &["sizes", "distinct", "templates", "rounds"])?;
    if positional.is_empty() {
        return Err(USAGE.into());
    }
    let sizes: Vec<usize> = flag(flags, "sizes", "2000,4000,8000,16000".to_string())?
        .split(',')
        .map(|n| n.trim().parse().map_err(|e| format!("--sizes {n}: {e}")))
        .collect::<Result<_, String>>()?;
    let distinct: usize = flag(flags, "distinct", 8_000)?;
    let templates: Vec<String> = flag(flags, "templates", TEMPLATES.join(","))?
        .split(',')
        .map(|t| t.trim().to_string())
        .collect();
    if let Some(unknown) = templates.iter().find(|t| !TEMPLATES.contains(&t.as_str())) {
        return Err(format!(
            "--templates: unknown template {unknown} (known: {})",
            TEMPLATES.join(", ")
        ));
    }
    let rounds: usize = flag(flags, "rounds", 1)?;

    let mut originals = Vec::new();
    for input in positional {
        originals.extend(read_articles(input)?);
    }
    if originals.is_empty() {
        return Err(format!("{}: no articles", positional.join(", ")));
    }
    // The scaling stream's opening: real articles, a copy of the inputs 30 days after the
    // previous one once they run out (by then the first copy's stories have retired).
    let real = build_stream(&originals, distinct, 30, 1);
    drop(originals);

    let mut runs = Vec::new();
    let mut time = |label: String, articles: &[Article]| {
        let (seconds, cpu_seconds, stories) = time_clustering(articles, rounds);
        let rate = |s: f64| articles.len() as f64 / s.max(1e-9);
        runs.push(serde_json::json!({
            "input": label,
            "articles": articles.len(),
            "seconds": seconds,
            "articles_per_second": rate(seconds),
            "cpu_seconds": cpu_seconds,
            "articles_per_cpu_second": cpu_seconds.map(rate),
            "stories": stories,
        }));
    };
    time("distinct".into(), &real);
    for template in &templates {
        for &n in &sizes {
            time(template.clone(), &template_flood(template, n)?);
        }
    }

    // Each template's flood of the real set's size against the real set: CPU time when
    // known (the cores may be shared).
    let seconds_of = |run: &serde_json::Value| {
        run["cpu_seconds"]
            .as_f64()
            .or_else(|| run["seconds"].as_f64())
            .unwrap_or_default()
    };
    let ratios: serde_json::Map<String, serde_json::Value> = templates
        .iter()
        .filter_map(|template| {
            let flood = runs.iter().skip(1).find(|r| {
                r["input"].as_str() == Some(template)
                    && r["articles"].as_u64() == Some(real.len() as u64)
            })?;
            let ratio = seconds_of(flood) / seconds_of(&runs[0]).max(1e-9);
            Some((template.clone(), ratio.into()))
        })
        .collect();

    eprintln!(
        "{:<10}{:>9}{:>10}{:>11}{:>12}{:>11}{:>9}",
        "input", "articles", "seconds", "CPU s", "art/s wall", "art/s CPU", "stories"
    );
    for run in &runs {
        eprintln!(
            "{:<10}{:>9}{:>10.2}{:>11.2}{:>12.0}{:>11.0}{:>9}",
            run["input"].as_str().unwrap_or_default(),
            run["articles"].as_u64().unwrap_or_default(),
            run["seconds"].as_f64().unwrap_or_default(),
            run["cpu_seconds"].as_f64().unwrap_or_default(),
            run["articles_per_second"].as_f64().unwrap_or_default(),
            run["articles_per_cpu_second"].as_f64().unwrap_or_default(),
            run["stories"].as_u64().unwrap_or_default(),
        );
    }
    for (template, ratio) in &ratios {
        eprintln!(
            "{template} / distinct time at {} articles: {:.2}",
            real.len(),
            ratio.as_f64().unwrap_or_default()
        );
    }
    let report = serde_json::json!({
        "rounds": rounds.max(1),
        "runs": runs,
        "template_to_distinct_time_ratio": ratios,
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{report}");
    Ok(())
}

/// Median wall and CPU seconds of `rounds` passes of a fresh clusterer over `articles`
/// (assign each, then `finish`), and the story count.
fn time_clustering(articles: &[Article], rounds: usize) -> (f64, Option<f64>, usize) {
    let mut seconds = Vec::new();
    let mut cpu_seconds = Vec::new();
    let mut stories = 0;
    for _ in 0..rounds.max(1) {
        let cpu_started = thread_cpu_seconds();
        let started = Instant::now();
        let mut clusterer = Clusterer::new(ClusterConfig::default());
        for article in articles {
            clusterer.assign(article);
        }
        clusterer.finish();
        seconds.push(started.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu_started, thread_cpu_seconds()) {
            cpu_seconds.push(after - before);
        }
        stories = clusterer.story_count();
    }
    (
        median_of(&mut seconds).unwrap_or_default(),
        median_of(&mut cpu_seconds),
        stories,
    )
}

/// The near-template floods, by name (see [`template_item`]).
const TEMPLATES: &[&str] = &["one-line", "titled", "long", "named"];

/// Headline and text of item `i` of a near-template flood. Each kind stresses another part
/// of the clusterer:
/// - `one-line`: the issue's item, "Summary i: officials in district i announced measure i
///   on schools and roads.", as headline and text; the items make one story that grows with
///   every item (its centroid gains each item's number);
/// - `titled`: the same sentence under the headline "Summary i"; once the template's words
///   are in every item their weight sinks, and the items open thousands of stories that all
///   hold those words;
/// - `long`: a full text of eight such sentences, each with its own numbers; full texts must
///   share two names to meet, so every item opens a story of its own;
/// - `named`: a full text naming the same governor and port with one running number; the
///   items make one story of full texts, which refinement tests for a split and for moves.
fn template_item(template: &str, i: usize) -> (String, String) {
    let sentence = format!(
        "Summary {i}: officials in district {i} announced measure {i} on schools and roads."
    );
    match template {
        "titled" => (format!("Summary {i}"), sentence),
        "long" => (
            format!("Item {i}"),
            (0..8)
                .map(|k| {
                    format!(
                        "Summary {i}{k}: officials in district {i} announced measure {k}{i} on \
                         schools and roads, number {k} of {i}."
                    )
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "named" => (
            format!("Governor Alma Reyes update {i}"),
            format!(
                "Governor Alma Reyes of Port Lindqvist said in update {i} that the harbour \
                 authority, the transport ministry and the city council agreed to fund dredging, \
                 new cranes, flood barriers, rail sidings, customs sheds, a ferry terminal and \
                 training for {i} workers. Critics in Lindqvist warned about costs, delays, \
                 pollution and traffic near schools. Reyes promised audits, hearings and \
                 quarterly reports."
            ),
        ),
        _ => (sentence.clone(), sentence),
    }
}

/// `n` items of a near-template flood as one feed would list them, read by the pipeline's
/// own import parser, each item with its own URL and published a minute after the one
/// before.
fn template_flood(template: &str, n: usize) -> Result<Vec<Article>, String> {
    let start = Utc
        .with_ymd_and_hms(2024, 5, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let articles = (1..=n)
        .map(|i| {
            let (headline, text) = template_item(template, i);
            let published = start + Duration::minutes(i as i64);
            let line = serde_json::json!({
                "title": headline,
                "text": text,
                "url": format!("https://flood.example/{template}/{i}"),
                "source": "flood.example",
                "date": published.to_rfc3339(),
            });
            article_from_json_line(&line.to_string(), start)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(stream_order(articles))
}

/// Repeats `originals` until `total` articles: copy `c` has ids suffixed `#copyC` and times
/// `c * shift_days` later than copy 0, and is in publication order.
fn build_stream(originals: &[Article], total: usize, shift_days: i64, seed: u64) -> Vec<Article> {
    let dated: Vec<DateTime<Utc>> = originals.iter().filter_map(|a| a.date_published).collect();
    // The span of the bulk of dated articles: a week around their median, so that a few
    // very old or future dates do not stretch a copy over decades.
    let mut sorted = dated.clone();
    sorted.sort();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or_else(|| {
        Utc.with_ymd_and_hms(2014, 3, 10, 0, 0, 0)
            .single()
            .unwrap_or_default()
    });
    let low = sorted
        .iter()
        .copied()
        .find(|d| *d >= median - Duration::days(3))
        .unwrap_or(median);
    let high = sorted
        .iter()
        .rev()
        .copied()
        .find(|d| *d <= median + Duration::days(3))
        .unwrap_or(median);
    let span = (high - low).max(Duration::hours(1));

    // Copy-0 times: dated articles inside the span keep theirs; the rest are spread evenly
    // over it in a shuffled order.
    let mut order: Vec<usize> = (0..originals.len()).collect();
    shuffle(&mut order, seed);
    let outside: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| !matches!(originals[i].date_published, Some(d) if d >= low && d <= high))
        .collect();
    let mut times: Vec<DateTime<Utc>> = originals
        .iter()
        .map(|a| a.date_published.unwrap_or(low))
        .collect();
    for (rank, &i) in outside.iter().enumerate() {
        let fraction = (rank as f64 + 0.5) / outside.len() as f64;
        times[i] = low + Duration::seconds((span.num_seconds() as f64 * fraction) as i64);
    }
    // Stable sort of the shuffled order: ties stay shuffled.
    order.sort_by_key(|&i| times[i]);

    let mut stream = Vec::with_capacity(total);
    let mut copy = 0i64;
    while stream.len() < total {
        let shift = Duration::days(shift_days * copy);
        for &i in &order {
            if stream.len() == total {
                break;
            }
            let mut article = originals[i].clone();
            article.id = ArticleId(format!("{}#copy{copy}", article.id.0));
            article.date_published = Some(times[i] + shift);
            stream.push(article);
        }
        copy += 1;
    }
    stream
}

fn median_of(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// CPU time this thread has run, in seconds (Linux `/proc/thread-self/schedstat`, whose
/// first field is nanoseconds on a CPU), or None elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds as f64 / 1e9)
}

/// CPU time of the whole process so far, every thread's (Linux `/proc/self/stat`, user plus
/// system, in clock ticks of 1/100 s), or null where that file is missing: the embedder's
/// work runs on its own threads, which the clustering thread's figure does not see.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Peak resident memory of this process (Linux `VmHWM`), or null elsewhere.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
