#!/usr/bin/env bash
# Clustering benchmark: Storyline's online clusterer (the shipped default, sentence
# embeddings included when the model is installed) beside three peers on the three shared
# development sets, then a 100,000-article scaling stream.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/clustering.sh
#
# Environment:
#   STORYLINE_BENCH_ECB        full-text set (default ../shared/bench/clustering/ecbplus-dev.jsonl)
#   STORYLINE_BENCH_WIKINEWS   real multi-outlet coverage (default .../wikinews-dev.jsonl)
#   STORYLINE_BENCH_HEADLINES  headline set (default .../uci-headlines.jsonl)
#   STORYLINE_BENCH_SCORER     scorer script (default ../shared/bench/score_clustering.py)
#   STORYLINE_EMBED_MODEL      the MiniLM model directory (scripts/setup-models.sh prints
#                              it); unset, Storyline runs on terms alone and the MiniLM
#                              peer is left out, both said in the output
#   BENCH_ROUNDS               timed passes of each timed run, median reported (default 3)
#   BENCH_SEEDS                shuffle seeds (default "1 2 3 4 5")
#   BENCH_POLL                 articles per poll for the poll-by-poll row (default 50; 0
#                              leaves the row out)
#   STREAM_TOTAL               articles in the scaling stream (default 100000; 0 skips it)
#   STREAM_BLOCK               articles per timed block of the stream (default 10000)
#   STREAM_SHIFT_DAYS          days each copy of the sets is moved later (default 30)
#   CARGO_TARGET_DIR           as usual (default target/)
#
# What it does:
#   1. installs scikit-learn (the peers) with pip when it is missing;
#   2. builds the release examples cluster_stream_bench (storyline-pipeline) and embed_file
#      (storyline-embed);
#   3. Storyline, per set: one pass in file order on ONE core (RAYON_NUM_THREADS=1) that
#      embeds the headlines the default embeds inside its timing, as `storyline cluster`
#      does: the end-to-end speed with every signal the default uses (its embeddings are
#      saved); then one run per shuffle seed (the sets are grouped by story in file order,
#      which flatters any online method) reading the saved embeddings (an embedding does not
#      depend on the order), timed over BENCH_ROUNDS passes: the clusterer's own speed. The
#      quality figure is the mean over the shuffled orders; the same orders are run again
#      as the pipeline runs them, refined at the end of every poll of BENCH_POLL articles
#      (what `storyline run` pays for frequent polls), one pass each;
#   4. the peers (bench/clustering_peer.py), one thread each:
#        tfidf-batch   TF-IDF over title + text, average-linkage agglomerative clustering;
#        tfidf-online  the same vectors, single pass in each shuffled order (mean of seeds);
#        minilm-batch  average linkage over MiniLM embeddings of title + first 200 words;
#      each peer's threshold is chosen HONESTLY, leave-one-set-out: the threshold with the
#      best mean BCubed F1 over the OTHER two sets (as a shipped default would be chosen);
#      its ORACLE figure (the best threshold on the scored set itself) is printed beside it
#      as an upper bound no stream clusterer can reach. The peers' speed is timed at the
#      honest threshold; the MiniLM peer's speed leaves out its embedding (about 6 texts a
#      second with a 200-word lead; Storyline's end-to-end figure includes its own);
#   5. feeds Storyline a stream of STREAM_TOTAL articles made by repeating the full-text and
#      headline sets, each copy with new ids and dates STREAM_SHIFT_DAYS later, and prints
#      articles/second per block of STREAM_BLOCK articles with the story count after it: the
#      cost per article should not grow with the number of stories;
#   6. prints the tables and writes the same figures to target/bench/clustering.json.
#
# Peak memory: Storyline's figure is the bench process (its set parsed in memory, or the
# whole stream, and the model when it embeds); a peer's is its Python process (interpreter,
# numpy, scikit-learn and the n x n distance matrix of the batch peers included).

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

declare -A set_path=(
    [ecb]="${STORYLINE_BENCH_ECB:-../shared/bench/clustering/ecbplus-dev.jsonl}"
    [wikinews]="${STORYLINE_BENCH_WIKINEWS:-../shared/bench/clustering/wikinews-dev.jsonl}"
    [headlines]="${STORYLINE_BENCH_HEADLINES:-../shared/bench/clustering/uci-headlines.jsonl}"
)
set_names=(ecb wikinews headlines)
scorer="${STORYLINE_BENCH_SCORER:-../shared/bench/score_clustering.py}"
rounds="${BENCH_ROUNDS:-3}"
seeds="${BENCH_SEEDS:-1 2 3 4 5}"
poll="${BENCH_POLL:-50}"
stream_total="${STREAM_TOTAL:-100000}"
stream_block="${STREAM_BLOCK:-10000}"
stream_shift_days="${STREAM_SHIFT_DAYS:-30}"
target_dir="${CARGO_TARGET_DIR:-target}"
out_dir="$target_dir/bench"
runs_dir="$out_dir/clustering"
results="$out_dir/clustering.json"
model="${STORYLINE_EMBED_MODEL:-}"

for required in "${set_path[@]}" "$scorer"; do
    if [[ ! -f "$required" ]]; then
        echo "bench/clustering.sh: $required not found (set STORYLINE_BENCH_ECB / STORYLINE_BENCH_WIKINEWS / STORYLINE_BENCH_HEADLINES / STORYLINE_BENCH_SCORER)" >&2
        exit 1
    fi
done
if [[ -n "$model" && ! -f "$model/config.json" ]]; then
    echo "bench/clustering.sh: STORYLINE_EMBED_MODEL=$model holds no config.json (run scripts/setup-models.sh)" >&2
    exit 1
fi

# 1. The peers.
if ! python3 -c 'import sklearn, scipy' 2>/dev/null; then
    echo "== installing scikit-learn" >&2
    python3 -m pip install --quiet scikit-learn
fi

# 2. Storyline and the embedder.
echo "== building cluster_stream_bench and embed_file (release)" >&2
cargo build --release -p storyline-pipeline --example cluster_stream_bench >&2
cargo build --release -p storyline-embed --example embed_file >&2
bench="$target_dir/release/examples/cluster_stream_bench"
embed_file="$target_dir/release/examples/embed_file"

rm -rf "$runs_dir"
mkdir -p "$runs_dir"

score() {
    python3 "$scorer" "$runs_dir/$1.assignments.jsonl" --gold "$2" --json >"$runs_dir/$1.score.json"
}

peers=(tfidf-batch tfidf-online)
[[ -n "$model" ]] && peers+=(minilm-batch)
seed_list="$(echo $seeds | tr ' ' ',')"

# 3 and 4. Quality and speed, per set. Each run leaves NAME.assignments.jsonl,
# NAME.speed.json and NAME.score.json in $runs_dir; each peer NAME.curve.json.
for set_name in "${set_names[@]}"; do
    input="${set_path[$set_name]}"
    embeddings_flag=()
    if [[ -n "$model" ]]; then
        echo "== Storyline on $input: file order, one core, embedding included" >&2
        RAYON_NUM_THREADS=1 STORYLINE_EMBED_MODEL="$model" "$bench" run "$input" \
            "$runs_dir/$set_name-storyline-file.assignments.jsonl" \
            --save-embeddings "$runs_dir/$set_name.headline-embeddings.jsonl" \
            >"$runs_dir/$set_name-storyline-file.speed.json"
        embeddings_flag=(--embeddings "$runs_dir/$set_name.headline-embeddings.jsonl")
    else
        echo "== Storyline on $input: file order, terms alone (no STORYLINE_EMBED_MODEL)" >&2
        STORYLINE_EMBED_MODEL= "$bench" run "$input" \
            "$runs_dir/$set_name-storyline-file.assignments.jsonl" \
            >"$runs_dir/$set_name-storyline-file.speed.json"
    fi
    score "$set_name-storyline-file" "$input"
    for seed in $seeds; do
        echo "== Storyline on $input: shuffle seed $seed ($rounds rounds)" >&2
        name="$set_name-storyline-seed$seed"
        STORYLINE_EMBED_MODEL= "$bench" run "$input" "$runs_dir/$name.assignments.jsonl" \
            --shuffle "$seed" --rounds "$rounds" "${embeddings_flag[@]}" \
            >"$runs_dir/$name.speed.json"
        score "$name" "$input"
        if [[ "$poll" != 0 ]]; then
            name="$set_name-storyline-poll$seed"
            STORYLINE_EMBED_MODEL= "$bench" run "$input" "$runs_dir/$name.assignments.jsonl" \
                --shuffle "$seed" --poll "$poll" "${embeddings_flag[@]}" \
                >"$runs_dir/$name.speed.json"
            score "$name" "$input"
        fi
    done

    if [[ -n "$model" ]]; then
        echo "== MiniLM peer: embedding title + first 200 words of $input" >&2
        "$embed_file" "$model" "$input" "$runs_dir/$set_name.lead-embeddings.jsonl" --lead 200
    fi
    for peer in "${peers[@]}"; do
        echo "== peer $peer on $input: threshold curve" >&2
        python3 bench/clustering_peer.py "$input" --peer "$peer" --curve --scorer "$scorer" \
            --seeds "$seed_list" --embeddings "$runs_dir/$set_name.lead-embeddings.jsonl" \
            >"$runs_dir/$set_name-$peer.curve.json"
    done
done

# The peers' honest thresholds: best mean F1 over the other sets' curves.
python3 - "$runs_dir" "${set_names[*]}" "${peers[*]}" <<'PY'
import json, pathlib, statistics, sys
runs_dir, sets, peers = pathlib.Path(sys.argv[1]), sys.argv[2].split(), sys.argv[3].split()
for peer in peers:
    curves = {s: dict((t, f) for t, f in json.loads(
        (runs_dir / f"{s}-{peer}.curve.json").read_text())["curve"]) for s in sets}
    for held_out in sets:
        others = [s for s in sets if s != held_out]
        honest = max(curves[held_out], key=lambda t: statistics.fmean(curves[o][t] for o in others))
        oracle = max(curves[held_out], key=curves[held_out].get)
        (runs_dir / f"{held_out}-{peer}.threshold.json").write_text(json.dumps({
            "threshold": honest, "chosen_on": others, "curve_f1": curves[held_out][honest],
            "oracle_threshold": oracle, "oracle_f1": curves[held_out][oracle]}))
PY

for set_name in "${set_names[@]}"; do
    input="${set_path[$set_name]}"
    for peer in "${peers[@]}"; do
        threshold="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["threshold"])' \
            "$runs_dir/$set_name-$peer.threshold.json")"
        echo "== peer $peer on $input: threshold $threshold chosen on the other sets ($rounds rounds)" >&2
        python3 bench/clustering_peer.py "$input" --peer "$peer" --threshold "$threshold" \
            --rounds "$rounds" --shuffle "${seeds%% *}" \
            --embeddings "$runs_dir/$set_name.lead-embeddings.jsonl" \
            --predictions "$runs_dir/$set_name-$peer.assignments.jsonl" \
            >"$runs_dir/$set_name-$peer.speed.json"
    done
done

# 5. Scaling.
if [[ "$stream_total" -gt 0 ]]; then
    echo "== Storyline on a stream of $stream_total articles (blocks of $stream_block, copies $stream_shift_days days apart)" >&2
    STORYLINE_EMBED_MODEL= "$bench" stream "${set_path[headlines]}" "${set_path[ecb]}" \
        --total "$stream_total" --block "$stream_block" \
        --shift-days "$stream_shift_days" --seed 1 >"$runs_dir/stream.json"
else
    echo '{"skipped": true}' >"$runs_dir/stream.json"
fi

# 6. Tables and one JSON file.
python3 - "$runs_dir" "$results" "$seeds" "${peers[*]}" "${set_path[ecb]}" \
    "${set_path[wikinews]}" "${set_path[headlines]}" "${model:+yes}" "$poll" <<'PY'
import json
import pathlib
import statistics
import sys

runs_dir, results_path = pathlib.Path(sys.argv[1]), sys.argv[2]
seeds, peers = sys.argv[3].split(), sys.argv[4].split()
inputs = {"ecb": sys.argv[5], "wikinews": sys.argv[6], "headlines": sys.argv[7]}
embedded = sys.argv[8] == "yes"
poll = int(sys.argv[9])
load = lambda name: json.loads((runs_dir / name).read_text())


def figures(name):
    speed, score = load(f"{name}.speed.json"), load(f"{name}.score.json")
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
results = {"embeddings": embedded, "seeds": seeds, "sets": {}}
for set_name, path in inputs.items():
    runs = {"file": figures(f"{set_name}-storyline-file")}
    file_speed = load(f"{set_name}-storyline-file.speed.json")
    runs["file"]["embedded"] = file_speed.get("embedded", 0)
    for seed in seeds:
        runs[f"seed{seed}"] = figures(f"{set_name}-storyline-seed{seed}")
    shuffled = [runs[f"seed{seed}"] for seed in seeds]
    mean = {m: statistics.fmean(r[m] or 0 for r in shuffled) for m in metrics}
    poll_mean = None
    if poll:
        for seed in seeds:
            runs[f"poll{seed}"] = figures(f"{set_name}-storyline-poll{seed}")
        polled = [runs[f"poll{seed}"] for seed in seeds]
        poll_mean = {m: statistics.fmean(r[m] or 0 for r in polled) for m in metrics}
    peer_results = {}
    for peer in peers:
        threshold = load(f"{set_name}-{peer}.threshold.json")
        speed = load(f"{set_name}-{peer}.speed.json")
        peer_results[peer] = {
            "threshold": threshold["threshold"],
            "chosen_on": threshold["chosen_on"],
            # tfidf-online: mean over the shuffled orders; batch peers: order-free.
            "bcubed_f1": threshold["curve_f1"],
            "oracle_threshold": threshold["oracle_threshold"],
            "oracle_bcubed_f1": threshold["oracle_f1"],
            "articles_per_second": speed["articles_per_second"],
            "articles_per_cpu_second": speed["articles_per_cpu_second"],
            "peak_rss_kib": speed["peak_rss_kib"],
            "version": speed["peer"],
        }
    results["sets"][set_name] = {
        "input": path,
        "articles": runs["file"]["articles"],
        "gold_stories": runs["file"]["gold_stories"],
        "storyline": {"runs": runs, "mean_of_shuffles": mean,
                      "poll_articles": poll or None, "mean_of_polled_shuffles": poll_mean},
        "peers": peer_results,
    }
stream = load("stream.json")
if not stream.get("skipped"):
    rates = [b["articles_per_cpu_second"] or b["articles_per_second"] for b in stream["blocks"]]
    stream["first_to_last_block_speed_ratio"] = rates[-1] / rates[0] if rates else None
results["stream"] = stream
pathlib.Path(results_path).write_text(json.dumps(results, indent=2) + "\n")

print("\nClustering benchmark, BCubed F1 (mean of shuffled orders "
      f"{', '.join(seeds)} where order matters); one thread each.")
print("Storyline: the shipped default" + (", headline embeddings included" if embedded else
      ", terms alone (STORYLINE_EMBED_MODEL unset: no embeddings, no MiniLM peer)") + ".")
print("Peers' thresholds chosen leave-one-set-out (best mean F1 on the other sets); the "
      "oracle column is the best threshold on the scored set itself (an upper bound).")
for set_name, s in results["sets"].items():
    mine = s["storyline"]["mean_of_shuffles"]
    first = s["storyline"]["runs"]["file"]
    print(f"\n{s['input']}: {s['articles']} articles, {s['gold_stories']} gold stories")
    print(f"{'':<46}{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}{'oracle':>8}{'stories':>9}"
          f"{'art/s wall':>12}{'art/s CPU':>11}{'peak MiB':>10}")
    print(f"{'Storyline (shuffled, clustering)':<46}{mine['bcubed_p']:>7.3f}"
          f"{mine['bcubed_r']:>7.3f}{mine['bcubed_f1']:>7.3f}{'':>8}{mine['stories']:>9.0f}"
          f"{mine['articles_per_second']:>12.0f}{mine['articles_per_cpu_second']:>11.0f}"
          f"{mine['peak_rss_kib'] / 1024:>10.1f}")
    polled = s["storyline"]["mean_of_polled_shuffles"]
    if polled:
        print(f"{f'Storyline (shuffled, polls of {poll})':<46}{polled['bcubed_p']:>7.3f}"
              f"{polled['bcubed_r']:>7.3f}{polled['bcubed_f1']:>7.3f}{'':>8}"
              f"{polled['stories']:>9.0f}{polled['articles_per_second']:>12.0f}"
              f"{polled['articles_per_cpu_second']:>11.0f}{polled['peak_rss_kib'] / 1024:>10.1f}")
    label = (f"Storyline end to end, 1 core ({first['embedded']} embedded)" if embedded
             else "Storyline file order")
    print(f"{label:<46}{first['bcubed_p']:>7.3f}{first['bcubed_r']:>7.3f}"
          f"{first['bcubed_f1']:>7.3f}{'':>8}{first['stories']:>9.0f}"
          f"{first['articles_per_second']:>12.0f}{first['articles_per_cpu_second'] or 0:>11.0f}"
          f"{first['peak_rss_kib'] / 1024:>10.1f}")
    for peer, p in s["peers"].items():
        name = f"{peer} (t={p['threshold']:.2f})"
        print(f"{name:<46}{'':>7}{'':>7}{p['bcubed_f1']:>7.3f}{p['oracle_bcubed_f1']:>8.3f}"
              f"{'':>9}{p['articles_per_second']:>12.0f}{p['articles_per_cpu_second'] or 0:>11.0f}"
              f"{p['peak_rss_kib'] / 1024:>10.1f}")
for peer, p in next(iter(results["sets"].values()))["peers"].items():
    print(p["version"])

if not stream.get("skipped"):
    print(f"\nScaling stream: {stream['articles']} articles, {stream['copies']} copies of the "
          f"full-text and headline sets ({stream['articles_per_copy']} articles each) "
          f"{stream['shift_days']} days apart")
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
