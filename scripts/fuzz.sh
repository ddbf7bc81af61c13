#!/usr/bin/env bash
# Bounded fuzzing runs of the cargo-fuzz targets in fuzz/ (extract, feed, opml, jsonl), one
# after another on one core, with one summary line per target.
#
# Usage (from anywhere; paths are relative to the repository root):
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   scripts/fuzz.sh                 # every target for 60 s
#   scripts/fuzz.sh 600 feed jsonl  # two targets for 10 minutes each
#
# Environment:
#   FUZZ_WORK_DIR      where each run's scratch folder goes (default fuzz/target/runs)
#   FUZZ_TIMEOUT       seconds one input may take before it counts as a crash (default 10)
#   FUZZ_RSS_LIMIT_MB  memory (resident, and any one allocation) before an input counts as a
#                      crash (default 2048)
#   FUZZ_MAX_LEN       longest input the fuzzer builds, in bytes (default 16384: room for the
#                      jsonl target's 4 KiB line cap and for feeds of several items)
#   FUZZ_SANITIZER     cargo fuzz --sanitizer (default address; none runs faster but only
#                      panics, hangs and memory blow-ups are found then)
#
# What it does:
#   1. installs cargo-fuzz when it is missing, and builds the targets (libFuzzer needs
#      nightly features, enabled on the stable toolchain with RUSTC_BOOTSTRAP=1);
#   2. for each target, copies fuzz/seeds/<target> into a fresh scratch corpus (the seeds
#      never grow; a run that finds something new keeps it only in the scratch folder), and
#      fuzzes it for SECONDS_PER_TARGET with fuzz/<target>.dict (html.dict for extract);
#   3. prints one line per target: seconds, executions, executions per second, final corpus
#      size, crashes; the crash inputs (crash-*, timeout-*, oom-*) stay in the run's
#      crashes/ folder, named on the line.
#
# A target stops at its first crash, as libFuzzer does; the others still run. Exit status:
# 0 when no target crashed, 1 when one did (or a run failed without leaving an input), 2 for
# bad arguments. Reproduce a crash with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET CRASH_FILE
# and minimise it with `cargo fuzz tmin TARGET CRASH_FILE`; then make it a regression test in
# the crate that owns the code: crates/storyline-extract/tests/fixtures/fuzz/ (extract),
# crates/storyline-fetch/tests/fuzz_regressions.rs (feed, opml),
# crates/storyline-pipeline/tests/fuzz_regressions.rs (jsonl).

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

timeout_s="${FUZZ_TIMEOUT:-10}"
rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}"
max_len="${FUZZ_MAX_LEN:-16384}"
sanitizer="${FUZZ_SANITIZER:-address}"
work_root="${FUZZ_WORK_DIR:-fuzz/target/runs}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz >&2
fi
export RUSTC_BOOTSTRAP=1

if (( $# > 0 )); then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
known="$(cargo fuzz list)"
for target in "${targets[@]}"; do
    if ! grep -qx "$target" <<<"$known"; then
        echo "scripts/fuzz.sh: unknown target $target (known: $(echo $known))" >&2
        exit 2
    fi
done

echo "== building ${targets[*]} (sanitizer: $sanitizer)" >&2
for target in "${targets[@]}"; do
    cargo fuzz build --sanitizer "$sanitizer" "$target" >&2
done
# The binaries are run directly, not through `cargo fuzz run`, which builds again first: with
# others editing the tree, a later target would fuzz newer code than the one built here and
# spend its fuzzing time compiling.
bin_dir="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"
if [[ "$sanitizer" == address ]]; then
    # As cargo fuzz run does: ASan's one-definition-rule check misfires on Rust builds.
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
fi

run_dir="$work_root/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run_dir"
summary="$run_dir/summary.txt"
: >"$summary"
status=0

for target in "${targets[@]}"; do
    dir="$run_dir/$target"
    corpus="$dir/corpus"
    crashes="$dir/crashes"
    log="$dir/fuzz.log"
    mkdir -p "$corpus" "$crashes"
    if [[ -d "fuzz/seeds/$target" ]]; then
        cp -R "fuzz/seeds/$target/." "$corpus/"
    fi
    dict="fuzz/$target.dict"
    [[ "$target" == extract ]] && dict="fuzz/html.dict"
    dict_arg=()
    [[ -f "$dict" ]] && dict_arg=("-dict=$dict")

    echo "== fuzzing $target for ${seconds}s (log: $log)" >&2
    # -timeout, -rss_limit_mb and -malloc_limit_mb turn a hang or a memory blow-up into a
    # crash with its input saved; -artifact_prefix keeps this run's crashes apart from older
    # ones.
    started=$(date +%s)
    fuzz_status=0
    "$bin_dir/$target" -max_total_time="$seconds" -timeout="$timeout_s" \
        -rss_limit_mb="$rss_limit_mb" -malloc_limit_mb="$rss_limit_mb" \
        -max_len="$max_len" "${dict_arg[@]}" -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1 || fuzz_status=$?
    # libFuzzer's own count of seconds when it finished, else the wall clock (a crash).
    elapsed="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)"
    [[ -n "$elapsed" ]] || elapsed=$(( $(date +%s) - started ))

    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)"
    if [[ -z "$runs" ]]; then
        # No final stats (a crash ends the run before they print): the last status line.
        runs="$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -n 1 || true)"
    fi
    corpus_size="$(grep -o 'corp: [0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)"
    [[ -n "$corpus_size" ]] || corpus_size="$(find "$corpus" -type f | wc -l)"
    mapfile -t found < <(find "$crashes" -type f | sort)
    runs="${runs:-0}"
    rate=$(( elapsed > 0 ? runs / elapsed : runs ))

    line="$(printf '%-8s %5ss %12s execs %8s/s  corpus %6s  crashes %s' \
        "$target" "$elapsed" "$runs" "$rate" "$corpus_size" "${#found[@]}")"
    if (( ${#found[@]} > 0 )); then
        line+="  in $crashes/: $(cd "$crashes" && echo *)"
        status=1
    elif [[ "$fuzz_status" != 0 ]]; then
        line+="  FAILED (exit $fuzz_status, no input saved; see $log)"
        status=1
    fi
    echo "$line" | tee -a "$summary" >&2
done

echo
echo "fuzz run $run_dir (${seconds}s per target, sanitizer $sanitizer, timeout ${timeout_s}s, rss ${rss_limit_mb} MiB, max_len $max_len):"
cat "$summary"
exit "$status"
