#!/usr/bin/env bash
# What a poll costs as the archive grows (issue 16): grows a store to SCALE_TOTAL synthetic
# articles in polls of SCALE_POLL, each poll run through the library as `storyline run` runs
# one (import_jsonl, cluster_pending_cached with one cache kept across polls, refresh_briefs
# with the extractive writer), on SQLite (a fresh data dir) and on PostgreSQL (a fresh
# database, dropped at the end). Prints the synthetic stream's distribution once, then per
# backend one line per poll: articles stored before it, seconds of import / clustering /
# briefs, CPU seconds, peak RSS of the poll (VmHWM, reset before each poll through
# /proc/self/clear_refs), stories touched, briefs written; then mean seconds around 10,000
# articles against the last polls, their ratio, the peak RSS trend, and how the stories
# compare with the generator's events (BCubed).
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/scale.sh
#   SCALE_TOTAL=20000 SCALE_BACKENDS=sqlite bench/scale.sh
#
# Environment:
#   SCALE_TOTAL               articles in all (default 200000)
#   SCALE_POLL                articles per poll (default 1000)
#   SCALE_FILL                articles of the polls between the measured ones (the first five,
#                             those around 10,000 stored articles and the last five): default
#                             10000, so 200,000 articles take about an hour and a half on a
#                             small machine instead of most of a day; 0 for polls of
#                             SCALE_POLL throughout. The measured polls are SCALE_POLL either way
#   SCALE_PER_DAY             articles a day of the synthetic stream (default 10000)
#   SCALE_SEED                seed of the synthetic stream (default 1)
#   SCALE_BACKENDS            which stores, in order (default "sqlite postgres")
#   STORYLINE_BENCH_POSTGRES  a PostgreSQL server URL whose user may create databases
#                             (default postgres://postgres@127.0.0.1:5432/postgres); the
#                             benchmark creates storyline_scale_<pid> there and drops it
#   CARGO_TARGET_DIR          as usual (default target/)
#
# Needs psql for the PostgreSQL run (creating and dropping the database).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/postgres.sh
source bench/postgres.sh
total="${SCALE_TOTAL:-200000}"
poll="${SCALE_POLL:-1000}"
fill="${SCALE_FILL:-10000}"
per_day="${SCALE_PER_DAY:-10000}"
seed="${SCALE_SEED:-1}"
backends="${SCALE_BACKENDS:-sqlite postgres}"
server="${STORYLINE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
target_dir="${CARGO_TARGET_DIR:-target}"
database="storyline_scale_$$"
work="$(mktemp -d)"
created=""

cleanup() {
    if [[ -n "$created" ]]; then
        psql "$server" -qX -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null ||
            echo "warning: could not drop database $database on the benchmark server" >&2
    fi
    rm -rf "$work"
}
trap cleanup EXIT

for backend in $backends; do
    case "$backend" in
        sqlite) ;;
        postgres)
            command -v psql >/dev/null || {
                echo "scale.sh: the PostgreSQL run needs psql (apt-get install postgresql-client)," \
                    "or set SCALE_BACKENDS=sqlite" >&2
                exit 2
            }
            ;;
        *)
            echo "scale.sh: unknown backend '$backend' (sqlite or postgres)" >&2
            exit 2
            ;;
    esac
done

echo "== building the benchmark" >&2
cargo build --release -p storyline-pipeline --example scale_bench >&2
bench="$target_dir/release/examples/scale_bench"
stream=(--total "$total" --poll "$poll" --per-day "$per_day" --seed "$seed")
run_options=("${stream[@]}")
if [[ "$fill" != 0 ]]; then
    run_options+=(--fill "$fill")
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(date -u +%Y-%m-%dT%H:%MZ)"
"$bench" describe "${stream[@]}"
for backend in $backends; do
    echo
    started=$SECONDS
    case "$backend" in
        sqlite)
            "$bench" run --sqlite "$work/sqlite" "${run_options[@]}"
            ;;
        postgres)
            psql "$server" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null
            created=1
            "$bench" run --postgres "$(database_url "$server" "$database")" "${run_options[@]}"
            psql "$server" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE $database WITH (FORCE)" >/dev/null
            created=""
            ;;
    esac
    echo "# $backend: $((SECONDS - started)) s wall in all"
done
