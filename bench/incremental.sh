#!/usr/bin/env bash
# What a poll costs as the archive grows: the same 100 new real articles imported into an
# empty store and into a store of about 7,400 real articles, the same file again (nothing
# new), and the bulk import rate, for the release `storyline` binary and, when PEER_BIN
# names one, for another build (an older release: the peer) in the same run.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/incremental.sh
#
# Environment:
#   STORYLINE_BENCH_DIR   the shared bench folder (default ../shared/bench)
#   PEER_BIN              a second storyline binary measured the same way (default: none)
#   INCREMENTAL_BACKENDS  which stores, in order (default "sqlite postgres"); each run uses
#                         fresh ones: data directories, or databases created on
#   STORYLINE_BENCH_POSTGRES  a PostgreSQL server URL whose user may create databases
#                         (default postgres://postgres@127.0.0.1:5432/postgres; psql needed)
#   CARGO_TARGET_DIR      as usual (default target/)
#
# Inputs (converted with the bench folder's to_import.py, gold labels dropped):
#   base: ECB+ dev (772 full texts) + UCI headlines (6,366) + WikiNews dev but its last 100
#         articles (240 full texts from 146 outlets): 7,378 articles;
#   new:  the last 100 WikiNews dev articles.
# Each figure is the wall time of one `storyline import` (import, dedupe, clustering and
# extractive briefs, as a user runs it) and its peak memory, from GNU time.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/postgres.sh
source bench/postgres.sh
bench_dir="${STORYLINE_BENCH_DIR:-../shared/bench}"
target_dir="${CARGO_TARGET_DIR:-target}"
backends="${INCREMENTAL_BACKENDS:-sqlite postgres}"
server="${STORYLINE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d)"
cleanup() {
    # The databases this run created (made in subshells, so found by their prefix).
    if [[ " $backends " == *" postgres "* ]]; then
        local database
        for database in $(psql "$server" -qtAX -c \
            "SELECT datname FROM pg_database WHERE datname LIKE 'storyline_incremental_$$\_%'" 2>/dev/null); do
            psql "$server" -qX -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 ||
                echo "warning: could not drop database $database" >&2
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if ! command -v /usr/bin/time >/dev/null 2>&1 || ! /usr/bin/time -f %e true 2>/dev/null; then
    echo "== installing GNU time" >&2
    apt-get install -y time >&2
fi

echo "== building the release binary" >&2
cargo build --release -p storyline >&2
ours="$target_dir/release/storyline"

echo "== converting the bench sets" >&2
python3 "$bench_dir/to_import.py" "$bench_dir/clustering/ecbplus-dev.jsonl" >"$work/ecb.jsonl"
python3 "$bench_dir/to_import.py" "$bench_dir/clustering/uci-headlines.jsonl" >"$work/headlines.jsonl"
python3 "$bench_dir/to_import.py" "$bench_dir/clustering/wikinews-dev.jsonl" >"$work/wn.jsonl"
head -n -100 "$work/wn.jsonl" >"$work/wn-base.jsonl"
tail -n 100 "$work/wn.jsonl" >"$work/new.jsonl"
cat "$work/ecb.jsonl" "$work/headlines.jsonl" "$work/wn-base.jsonl" >"$work/base.jsonl"
cat "$work/ecb.jsonl" "$work/headlines.jsonl" >"$work/bulk.jsonl"

# timed NAME BIN STORE FILE LABEL: one import into STORE (a data directory, or a
# postgres:// URL), its seconds and peak KiB (of storyline, not of a PostgreSQL server) on
# one line.
timed() {
    local name="$1" bin="$2" store="$3" file="$4"
    local where=(--data-dir "$store")
    if [[ "$store" == postgres://* || "$store" == postgresql://* ]]; then
        where=(--data-dir "$work/unused" --database "$store")
    fi
    /usr/bin/time -f "%e %M" -o "$work/time" \
        "$bin" "${where[@]}" import "$file" >"$work/out" 2>"$work/err" || {
        cat "$work/err" >&2
        return 1
    }
    read -r seconds kib <"$work/time"
    printf '%-10s %-34s %8.2f s %8d MiB   %s\n' "$name" "$5" "$seconds" "$((kib / 1024))" \
        "$(tail -n 1 "$work/out")"
    echo "$seconds"  >"$work/last"
}

# store NAME: a fresh store called NAME: a data directory, or with BACKEND=postgres a fresh
# database on the benchmark server.
store() {
    if [[ "$BACKEND" == postgres ]]; then
        local database="storyline_incremental_$$_${1//-/_}"
        psql "$server" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null
        database_url "$server" "$database"
    else
        echo "$work/$1"
    fi
}

measure() {
    local name="$1" bin="$2"
    local empty big bulk
    empty="$(store "$name-empty")" big="$(store "$name-big")" bulk="$(store "$name-bulk")"
    timed "$name" "$bin" "$empty" "$work/new.jsonl" "100 new into an empty store"
    local into_empty; into_empty="$(cat "$work/last")"
    timed "$name" "$bin" "$big" "$work/base.jsonl" "7,378 articles into an empty store"
    timed "$name" "$bin" "$big" "$work/new.jsonl" "100 new into 7,378"
    local into_big; into_big="$(cat "$work/last")"
    timed "$name" "$bin" "$big" "$work/new.jsonl" "the same 100 again (nothing new)"
    timed "$name" "$bin" "$bulk" "$work/bulk.jsonl" "bulk: ECB+ dev + UCI headlines"
    local bulk_seconds; bulk_seconds="$(cat "$work/last")"
    local bulk_count; bulk_count="$(wc -l <"$work/bulk.jsonl")"
    python3 - "$name" "$into_empty" "$into_big" "$bulk_seconds" "$bulk_count" <<'PY'
import sys
name, empty, big, bulk, count = sys.argv[1], *map(float, sys.argv[2:])
print(f"{name:<10} 100 new into 7,378 / into empty: {big / empty:.2f}x; "
      f"bulk import {count / bulk:,.0f} articles/s")
PY
}

echo
echo "machine: $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
for BACKEND in $backends; do
    echo "# $BACKEND"
    measure storyline "$ours"
    if [[ -n "${PEER_BIN:-}" ]]; then
        measure peer "$PEER_BIN"
    fi
done
