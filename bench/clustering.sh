#!/usr/bin/env bash
# Clustering benchmark: Storyline's online clusterer (default configuration) against a
# batch scikit-learn peer on the same labelled sets, then a 100,000-article scaling stream.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/clustering.sh
#
# Environment:
#   STORYLINE_BENCH_ECB        full-text set (default ../shared/bench/clustering/ecbplus-dev.jsonl)
#   STORYLINE_BENCH_HEADLINES  headline set (default ../shared/bench/clustering/uci-headlines.jsonl)
#   STORYLINE_BENCH_SCORER     scorer script (default ../shared/bench/score_clustering.py)
#   BENCH_ROUNDS               timed passes per run, median reported, each side (default 3)
#   BENCH_SEEDS                shuffle seeds, besides file order (default "1 2 3")
#   PEER_THRESHOLD_ECB, PEER_THRESHOLD_HEADLINES
#                              the peer's distance threshold per set; unset: tuned on the
#                              set itself (an ORACLE threshold, labelled so in the output)
#   STREAM_TOTAL               articles in the scaling stream (default 100000)
#   STREAM_BLOCK               articles per timed block of the stream (default 10000)
#   STREAM_SHIFT_DAYS          days each copy of the sets is moved later (default 30)
#   CARGO_TARGET_DIR           as usual (default target/)
#
# What it does:
#   1. installs scikit-learn (the peer) with pip when it is missing;
#   2. builds the release example cluster_stream_bench of storyline-pipeline;
#   3. for each set, runs Storyline single-threaded in file order and in one shuffled order
#      per seed (the sets are grouped by story in file order, which flatters any online
#      method), scores each run with the scorer (BCubed P/R/F1, pairwise F1, ARI, NMI) and
#      reads articles/second (median of BENCH_ROUNDS passes, articles parsed and in memory,
#      a fresh clusterer each pass) and peak memory;
#      (articles/second come by wall-clock time and by the clustering thread's CPU time,
#      which is what to compare on a machine whose cores other processes share);
#   4. runs the peer, bench/clustering_peer.py: TF-IDF over title + text, average-linkage
#      agglomerative clustering on cosine distance with a distance threshold, one thread,
#      timed the same way; batch clustering does not depend on order, so once per set;
#   5. feeds Storyline a stream of STREAM_TOTAL articles made by repeating both sets, each
#      copy with new ids and dates STREAM_SHIFT_DAYS later (far enough that a copy's
#      stories have retired before the next copy arrives: a full text's decay stops at a
#      floor, so within the retirement horizon of about 13 days an identical copy would
#      join its original's story; past it, a copy's stories of full texts resume their
#      originals through the archive of retired stories, while the headline copies keep
#      the number of stories growing), and prints articles/second per block of
#      STREAM_BLOCK articles with the story count after it: the cost per article should not
#      grow with the number of stories;
#   6. prints the tables and writes the same figures to target/bench/clustering.json.
#
# Peak memory: Storyline's figure is the bench process (its set parsed in memory, or the
# whole stream); the peer's is its Python process (interpreter, numpy, scikit-learn and the
# n x n distance matrix included), measured in a process of its own, apart from the tuning.

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

ecb_set="${STORYLINE_BENCH_ECB:-../shared/bench/clustering/ecbplus-dev.jsonl}"
headline_set="${STORYLINE_BENCH_HEADLINES:-../shared/bench/clustering/uci-headlines.jsonl}"
scorer="${STORYLINE_BENCH_SCORER:-../shared/bench/score_clustering.py}"
rounds="${BENCH_ROUNDS:-3}"
seeds="${BENCH_SEEDS:-1 2 3}"
stream_total="${STREAM_TOTAL:-100000}"
stream_block="${STREAM_BLOCK:-10000}"
stream_shift_days="${STREAM_SHIFT_DAYS:-30}"
target_dir="${CARGO_TARGET_DIR:-target}"
out_dir="$target_dir/bench"
runs_dir="$out_dir/clustering"
results="$out_dir/clustering.json"

for required in "$ecb_set" "$headline_set" "$scorer"; do
    if [[ ! -f "$required" ]]; then
        echo "bench/clustering.sh: $required not found (set STORYLINE_BENCH_ECB / STORYLINE_BENCH_HEADLINES / STORYLINE_BENCH_SCORER)" >&2
        exit 1
    fi
done

# 1. The peer.
if ! python3 -c 'import sklearn, scipy' 2>/dev/null; then
    echo "== installing scikit-learn" >&2
    python3 -m pip install --quiet scikit-learn
fi

# 2. Storyline.
echo "== building storyline-pipeline example cluster_stream_bench (release)" >&2
cargo build --release -p storyline-pipeline --example cluster_stream_bench >&2
bench="$target_dir/release/examples/cluster_stream_bench"

rm -rf "$runs_dir"
mkdir -p "$runs_dir"

# 3 and 4. Quality and speed, per set. Each run leaves NAME.assignments.jsonl,
# NAME.speed.json and NAME.score.json in $runs_dir.
score() {
    python3 "$scorer" "$runs_dir/$1.assignments.jsonl" --gold "$2" --json >"$runs_dir/$1.score.json"
}

for set_name in ecb headlines; do
    if [[ "$set_name" == ecb ]]; then
        input="$ecb_set"
        peer_threshold="${PEER_THRESHOLD_ECB:-}"
    else
        input="$headline_set"
        peer_threshold="${PEER_THRESHOLD_HEADLINES:-}"
    fi

    echo "== Storyline on $input: file order and seeds $seeds ($rounds rounds each)" >&2
    "$bench" run "$input" "$runs_dir/$set_name-storyline-file.assignments.jsonl" \
        --rounds "$rounds" >"$runs_dir/$set_name-storyline-file.speed.json"
    score "$set_name-storyline-file" "$input"
    for seed in $seeds; do
        name="$set_name-storyline-seed$seed"
        "$bench" run "$input" "$runs_dir/$name.assignments.jsonl" --shuffle "$seed" \
            --rounds "$rounds" >"$runs_dir/$name.speed.json"
        score "$name" "$input"
    done

    if [[ -z "$peer_threshold" ]]; then
        echo "== peer on $input: tuning the threshold on the set itself (oracle)" >&2
        python3 bench/clustering_peer.py "$input" --tune --scorer "$scorer" \
            >"$runs_dir/$set_name-peer.tuning.json"
        peer_threshold="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["threshold"])' \
            "$runs_dir/$set_name-peer.tuning.json")"
    else
        echo "{\"threshold\": $peer_threshold, \"oracle\": false}" >"$runs_dir/$set_name-peer.tuning.json"
    fi
    echo "== peer on $input: threshold $peer_threshold ($rounds rounds)" >&2
    python3 bench/clustering_peer.py "$input" --threshold "$peer_threshold" --rounds "$rounds" \
        --predictions "$runs_dir/$set_name-peer.assignments.jsonl" >"$runs_dir/$set_name-peer.speed.json"
    score "$set_name-peer" "$input"
done

# 5. Scaling.
echo "== Storyline on a stream of $stream_total articles (blocks of $stream_block, copies $stream_shift_days days apart)" >&2
"$bench" stream "$headline_set" "$ecb_set" --total "$stream_total" --block "$stream_block" \
    --shift-days "$stream_shift_days" --seed 1 >"$runs_dir/stream.json"

# 6. Tables and one JSON file.
python3 - "$runs_dir" "$results" "$ecb_set" "$headline_set" "$seeds" <<'PY'
import json
import pathlib
import statistics
import sys

runs_dir, results_path = pathlib.Path(sys.argv[1]), sys.argv[2]
inputs = {"ecb": sys.argv[3], "headlines": sys.argv[4]}
seeds = sys.argv[5].split()
load = lambda name: json.loads((runs_dir / name).read_text())


def figures(name):
    score, speed = load(f"{name}.score.json"), load(f"{name}.speed.json")
    return {
        "bcubed_p": score["bcubed"]["p"],
        "bcubed_r": score["bcubed"]["r"],
        "bcubed_f1": score["bcubed"]["f1"],
        "pairwise_f1": score["standard"]["f1"],
        "ari": score["standard"]["ari"],
        "nmi": score["nmi"],
        "stories": score["n_pred_clusters"],
        "gold_stories": score["n_gold_clusters"],
        "articles": score["n_docs"],
        "articles_per_second": speed["articles_per_second"],
        "articles_per_cpu_second": speed["articles_per_cpu_second"],
        "peak_rss_kib": speed["peak_rss_kib"],
    }


metrics = ["bcubed_p", "bcubed_r", "bcubed_f1", "pairwise_f1", "ari", "nmi",
           "stories", "articles_per_second", "articles_per_cpu_second", "peak_rss_kib"]
results = {"sets": {}}
for set_name, path in inputs.items():
    runs = {"file": figures(f"{set_name}-storyline-file")}
    for seed in seeds:
        runs[f"seed{seed}"] = figures(f"{set_name}-storyline-seed{seed}")
    shuffled = [runs[f"seed{seed}"] for seed in seeds]
    mean = ({m: statistics.fmean(r[m] or 0 for r in shuffled) for m in metrics}
            if shuffled else None)
    tuning = load(f"{set_name}-peer.tuning.json")
    peer = figures(f"{set_name}-peer")
    peer.update({"threshold": tuning["threshold"], "oracle_threshold": tuning["oracle"],
                 "version": load(f"{set_name}-peer.speed.json")["peer"]})
    results["sets"][set_name] = {
        "input": path,
        "articles": runs["file"]["articles"],
        "gold_stories": runs["file"]["gold_stories"],
        "storyline": {"runs": runs, "mean_of_shuffles": mean},
        "peer": peer,
    }
stream = load("stream.json")
rates = [b["articles_per_cpu_second"] or b["articles_per_second"] for b in stream["blocks"]]
stream["first_to_last_block_speed_ratio"] = rates[-1] / rates[0] if rates else None
results["stream"] = stream
results["rounds"] = load("ecb-storyline-file.speed.json")["rounds"]
pathlib.Path(results_path).write_text(json.dumps(results, indent=2) + "\n")

header = (f"{'':<26}{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}{'pairF1':>8}{'ARI':>7}{'NMI':>7}"
          f"{'stories':>9}{'art/s wall':>12}{'art/s CPU':>11}{'peak MiB':>10}")


def row(label, f):
    return (f"{label:<26}{f['bcubed_p']:>7.3f}{f['bcubed_r']:>7.3f}{f['bcubed_f1']:>7.3f}"
            f"{f['pairwise_f1']:>8.3f}{f['ari']:>7.3f}{f['nmi']:>7.3f}{f['stories']:>9.0f}"
            f"{f['articles_per_second']:>12.0f}{f['articles_per_cpu_second'] or 0:>11.0f}"
            f"{f['peak_rss_kib'] / 1024:>10.1f}")


print(f"\nClustering benchmark: one thread, median of {results['rounds']} timed passes per run; "
      "art/s CPU counts only the CPU time the clustering got (the cores may be shared)")
for set_name, s in results["sets"].items():
    print(f"\n{s['input']}: {s['articles']} articles, {s['gold_stories']} gold stories")
    print(header)
    for order, f in s["storyline"]["runs"].items():
        label = "file order" if order == "file" else f"shuffle seed {order[4:]}"
        print(row(f"Storyline {label}", f))
    if s["storyline"]["mean_of_shuffles"]:
        print(row("Storyline mean of shuffles", s["storyline"]["mean_of_shuffles"]))
    p = s["peer"]
    kind = "oracle" if p["oracle_threshold"] else "given"
    print(row(f"peer ({kind} t={p['threshold']:.2f})", p))
print(f"\npeer: {results['sets']['ecb']['peer']['version']}; an oracle threshold was tuned on the "
      "scored set itself (best BCubed F1 over 0.30-0.99), so its figures are optimistic")

print(f"\nScaling stream: {stream['articles']} articles, {stream['copies']} copies of both sets "
      f"({stream['articles_per_copy']} articles each) {stream['shift_days']} days apart")
print(f"{'block':>6}{'articles':>10}{'art/s wall':>12}{'art/s CPU':>11}{'stories after':>15}")
for b in stream["blocks"]:
    print(f"{b['block']:>6}{b['articles']:>10}{b['articles_per_second']:>12.0f}"
          f"{b['articles_per_cpu_second'] or 0:>11.0f}{b['stories_after']:>15}")
print(f"overall {stream['articles_per_second']:.0f} articles/s wall, "
      f"{stream['articles_per_cpu_second'] or 0:.0f} per CPU second; final story count "
      f"{stream['final_stories']}; last/first block speed (CPU) "
      f"{stream['first_to_last_block_speed_ratio']:.2f}; "
      f"peak memory {stream['peak_rss_kib'] / 1024:.1f} MiB")
print(f"results: {results_path}")
PY
