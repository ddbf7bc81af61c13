#!/usr/bin/env bash
# Brief-writing benchmark: briefs/second of the extractive engine, and tokens/second and
# seconds per brief of the local model engine (llama.cpp, SmolLM2-135M-Instruct by default),
# on the demo corpus and on the developing-story corpus (demo/developing).
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/briefs.sh
#
# Environment:
#   STORYLINE_LOCAL_MODEL   a .gguf file; unset: scripts/setup-models.sh installs SmolLM2 and
#                           its path is used. Set to "none" to measure the extractive engine only.
#   BENCH_ROUNDS            extractive passes over every story (default 20)
#   BENCH_THREADS           llama.cpp threads (default 2)
#   BENCH_MAX_STORIES       stories written by the model per corpus (default: all)
#   CARGO_TARGET_DIR        as usual (default target/)
#
# What it does: builds the release binary and the example brief_bench (with the local-llm
# feature when a model is used), builds one store per corpus in a temporary directory
# (`storyline demo`, `storyline import`), then runs brief_bench on each. Nothing is written
# to the stores by the benchmark itself.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

rounds="${BENCH_ROUNDS:-20}"
threads="${BENCH_THREADS:-2}"
max_stories="${BENCH_MAX_STORIES:-1000000}"
target_dir="${CARGO_TARGET_DIR:-target}"
model="${STORYLINE_LOCAL_MODEL:-}"

if [ -z "$model" ]; then
    model="$(bash scripts/setup-models.sh | tail -n 1 | sed -n 's/^STORYLINE_LOCAL_MODEL=//p')"
fi
features=()
model_args=()
if [ -n "$model" ] && [ "$model" != "none" ]; then
    features=(--features local-llm)
    model_args=(--model "$model" --threads "$threads" --max-stories "$max_stories")
fi

echo "== building (release${features:+, ${features[*]}})"
cargo build --release --quiet -p storyline "${features[@]}" --bin storyline --example brief_bench

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$target_dir/release/storyline" demo --data-dir "$work/demo" --top 0 >/dev/null
"$target_dir/release/storyline" import demo/developing/developing.jsonl --data-dir "$work/developing" >/dev/null

echo "== machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
for corpus in demo developing; do
    echo
    echo "== corpus: $corpus"
    "$target_dir/release/examples/brief_bench" "$work/$corpus" --rounds "$rounds" "${model_args[@]}"
done
