#!/usr/bin/env bash
# Extraction benchmark: Storyline against Python trafilatura on the same pages, then a
# bounded fuzzing run of storyline_extract::extract.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/extraction.sh
#
# Environment:
#   STORYLINE_BENCH_DEV   dev set folder holding html/ and ground-truth.json
#                         (default ../shared/bench/extraction/dev)
#   STORYLINE_BENCH_SCORER  scorer script (default ../shared/bench/score_extraction.py)
#   BENCH_ROUNDS          timed passes over the pages, each side (default 3)
#   FUZZ_SECONDS          fuzzing time in seconds; 0 skips fuzzing (default 60)
#   CARGO_TARGET_DIR      as usual (default target/)
#
# What it does:
#   1. installs trafilatura (the peer) with pip when it is missing;
#   2. builds the release examples extract_dir and bench of storyline-extract;
#   3. extracts every page with both, scores both with the scorer (F1, precision, recall),
#      times both on one thread with every page already in memory (a warm-up pass first),
#      times Storyline on all cores, and reads the peak resident memory of each process;
#   4. prints one table and writes the same figures to target/bench/extraction.json;
#   5. fuzzes the extract target for FUZZ_SECONDS (cargo-fuzz, nightly features through
#      RUSTC_BOOTSTRAP=1) from the seeds in fuzz/seeds/extract and reports crashes, which
#      libFuzzer leaves in fuzz/artifacts/extract/. Skipped, with a message, when cargo-fuzz
#      cannot be installed or built. A crash input belongs in
#      crates/storyline-extract/tests/fixtures/fuzz/, where tests/hostile_input.rs replays it.
#
# Peak memory: Storyline's figure is the bench process (all pages in memory, one-thread and
# all-core passes); trafilatura's is the peer process (all pages in memory, one thread,
# Python interpreter included).

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

dev_set="${STORYLINE_BENCH_DEV:-../shared/bench/extraction/dev}"
scorer="${STORYLINE_BENCH_SCORER:-../shared/bench/score_extraction.py}"
rounds="${BENCH_ROUNDS:-3}"
fuzz_seconds="${FUZZ_SECONDS:-60}"
target_dir="${CARGO_TARGET_DIR:-target}"
out_dir="$target_dir/bench"
results="$out_dir/extraction.json"

pages_dir="$dev_set/html"
gold="$dev_set/ground-truth.json"
for required in "$pages_dir" "$gold" "$scorer"; do
    if [[ ! -e "$required" ]]; then
        echo "bench/extraction.sh: $required not found (set STORYLINE_BENCH_DEV / STORYLINE_BENCH_SCORER)" >&2
        exit 1
    fi
done

# 1. The peer.
if ! python3 -c 'import trafilatura, lxml_html_clean' 2>/dev/null; then
    echo "== installing trafilatura" >&2
    python3 -m pip install --quiet trafilatura lxml_html_clean
fi

# 2. Storyline.
echo "== building storyline-extract examples (release)" >&2
cargo build --release -p storyline-extract --example extract_dir --example bench >&2
examples="$target_dir/release/examples"

# 3. Quality and speed.
mkdir -p "$out_dir"
storyline_predictions="$out_dir/storyline-predictions"
peer_predictions="$out_dir/trafilatura-predictions"
rm -rf "$storyline_predictions" "$peer_predictions"

echo "== Storyline: extracting and scoring" >&2
"$examples/extract_dir" "$pages_dir" "$storyline_predictions" 2>"$out_dir/storyline-extract.log"
python3 "$scorer" "$storyline_predictions" --gold "$gold" --json >"$out_dir/storyline-score.json"

echo "== Storyline: timing ($rounds rounds)" >&2
"$examples/bench" "$pages_dir" "$rounds" >"$out_dir/storyline-speed.json"

echo "== trafilatura: extracting, scoring and timing ($rounds rounds)" >&2
python3 bench/trafilatura_peer.py "$pages_dir" --rounds "$rounds" \
    --predictions "$peer_predictions" >"$out_dir/trafilatura-speed.json"
python3 "$scorer" "$peer_predictions" --gold "$gold" --json >"$out_dir/trafilatura-score.json"

# 4. One table, one JSON file.
python3 - "$out_dir" "$results" "$pages_dir" <<'PY'
import json
import pathlib
import sys

out_dir, results_path, pages_dir = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
load = lambda name: json.loads((out_dir / name).read_text())
story_score, story_speed = load("storyline-score.json"), load("storyline-speed.json")
peer_score, peer_speed = load("trafilatura-score.json"), load("trafilatura-speed.json")

ratio = story_speed["pages_per_second_1_thread"] / peer_speed["pages_per_second_1_thread"]
results = {
    "pages_dir": pages_dir,
    "pages": story_score["pages"],
    "rounds": story_speed["rounds"],
    "storyline": {
        "f1": story_score["f1"],
        "precision": story_score["precision"],
        "recall": story_score["recall"],
        "pages_per_second_1_thread": story_speed["pages_per_second_1_thread"],
        "threads": story_speed["threads"],
        "pages_per_second_all_threads": story_speed["pages_per_second_all_threads"],
        "peak_rss_kib": story_speed["peak_rss_kib"],
        "extraction_errors": story_speed["failures"],
    },
    "trafilatura": {
        "version": peer_speed["peer"],
        "f1": peer_score["f1"],
        "precision": peer_score["precision"],
        "recall": peer_score["recall"],
        "pages_per_second_1_thread": peer_speed["pages_per_second_1_thread"],
        "peak_rss_kib": peer_speed["peak_rss_kib"],
    },
    "speed_ratio_1_thread": round(ratio, 2),
}
pathlib.Path(results_path).write_text(json.dumps(results, indent=2) + "\n")

s, t = results["storyline"], results["trafilatura"]
threads = s["threads"]
rows = [
    ("F1", f"{s['f1']:.3f}", f"{t['f1']:.3f}"),
    ("precision", f"{s['precision']:.3f}", f"{t['precision']:.3f}"),
    ("recall", f"{s['recall']:.3f}", f"{t['recall']:.3f}"),
    ("pages/s, 1 thread", f"{s['pages_per_second_1_thread']:.1f}", f"{t['pages_per_second_1_thread']:.1f}"),
    (f"pages/s, {threads} threads", f"{s['pages_per_second_all_threads']:.1f}", "-"),
    ("peak memory (KiB)", str(s["peak_rss_kib"]), str(t["peak_rss_kib"])),
]
print(f"\nExtraction benchmark: {results['pages']} pages from {pages_dir}, {results['rounds']} timed rounds")
print(f"{'':<22}{'Storyline':>12}{t['version']:>22}")
for label, story, peer in rows:
    print(f"{label:<22}{story:>12}{peer:>22}")
print(f"speed ratio Storyline/trafilatura, 1 thread: {ratio:.2f}x")
if s["extraction_errors"]:
    print(f"Storyline refused {s['extraction_errors']} pages (see {out_dir}/storyline-extract.log)")
print(f"results: {results_path}")
PY

# 5. Fuzzing.
echo
if [[ "$fuzz_seconds" == "0" ]]; then
    echo "fuzz: skipped (FUZZ_SECONDS=0)"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz" >&2
    if ! cargo install --quiet --locked cargo-fuzz >&2; then
        echo "fuzz: skipped: cargo-fuzz could not be installed"
        exit 0
    fi
fi
export RUSTC_BOOTSTRAP=1
echo "== building the fuzz target" >&2
if ! cargo fuzz build extract >&2; then
    echo "fuzz: skipped: the fuzz target did not build (cargo fuzz needs nightly features; RUSTC_BOOTSTRAP=1 was set)"
    exit 0
fi
artifacts="fuzz/artifacts/extract"
mkdir -p "$artifacts" fuzz/corpus/extract
before="$(find "$artifacts" -type f | sort)"
fuzz_log="$out_dir/fuzz.log"
echo "== fuzzing extract for ${fuzz_seconds}s (log: $fuzz_log)" >&2
# The first corpus folder receives new inputs (ignored by git); the seeds stay read-only.
# -timeout: one input taking longer than 10 s counts as a crash (a hang).
fuzz_status=0
cargo fuzz run extract fuzz/corpus/extract fuzz/seeds/extract -- \
    -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
    -dict=fuzz/html.dict -print_final_stats=1 >"$fuzz_log" 2>&1 || fuzz_status=$?
new_artifacts="$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | sed '/^$/d')"
runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$fuzz_log" | grep -o '[0-9]*$' || true)"
if [[ -n "$new_artifacts" ]]; then
    echo "fuzz: CRASHES after ${runs:-?} runs (exit $fuzz_status); inputs:"
    echo "$new_artifacts" | sed 's/^/  /'
    echo "  copy each into crates/storyline-extract/tests/fixtures/fuzz/ so tests/hostile_input.rs replays it"
    python3 - "$results" "$fuzz_seconds" "${runs:-0}" $new_artifacts <<'PY'
import json, sys
path, seconds, runs, crashes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
results = json.load(open(path))
results["fuzz"] = {"seconds": seconds, "runs": runs, "crashes": crashes}
open(path, "w").write(json.dumps(results, indent=2) + "\n")
PY
    exit 1
elif [[ "$fuzz_status" != "0" ]]; then
    echo "fuzz: cargo fuzz failed (exit $fuzz_status) without a crash input; see $fuzz_log"
    exit 1
fi
echo "fuzz: no crashes in ${fuzz_seconds}s, ${runs:-?} runs"
python3 - "$results" "$fuzz_seconds" "${runs:-0}" <<'PY'
import json, sys
path, seconds, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
results = json.load(open(path))
results["fuzz"] = {"seconds": seconds, "runs": runs, "crashes": []}
open(path, "w").write(json.dumps(results, indent=2) + "\n")
PY
