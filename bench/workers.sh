#!/usr/bin/env bash
# Throughput of `storyline run --worker` with 1, 2 and 4 workers on PostgreSQL (issue 16):
# the same synthetic news (bench/scale.sh's generator: invented events, outlets and
# vocabulary) served as RSS feeds and article pages by a local HTTP server that holds every
# answer back WORKERS_LATENCY_MS, as remote sites do; for each worker count a fresh
# database, subscribed to every feed, then that many workers started at once for one poll
# each (fetch, extract, dedupe, cluster, extractive briefs). Prints per run: wall seconds,
# articles stored, articles per second, the speed-up over one worker, briefs written, and the
# clustering passes with their seconds summed (the serial part: one pass at a time through
# the clustering lease), the workers' CPU seconds (user + system, GNU time) and the cores
# they kept busy on average (CPU seconds / wall seconds), beside the machine's core count:
# workers share its cores, so a CPU-bound poll cannot speed up beyond them.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/workers.sh
#   WORKERS_ARTICLES=1000 WORKERS_COUNTS="1 2" bench/workers.sh
#
# Environment:
#   WORKERS_ARTICLES          articles served (default 3000)
#   WORKERS_COUNTS            worker counts to run, in order (default "1 2 4")
#   WORKERS_LATENCY_MS        delay of every HTTP answer (default 100)
#   WORKERS_PER_FEED          items per feed (default 40, under the 50 a poll reads per feed)
#   STORYLINE_BENCH_POSTGRES  a PostgreSQL server URL whose user may create databases
#                             (default postgres://postgres@127.0.0.1:5432/postgres)
#   CARGO_TARGET_DIR          as usual (default target/)
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/postgres.sh
source bench/postgres.sh
articles="${WORKERS_ARTICLES:-3000}"
counts="${WORKERS_COUNTS:-1 2 4}"
latency="${WORKERS_LATENCY_MS:-100}"
per_feed="${WORKERS_PER_FEED:-40}"
server="${STORYLINE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
target_dir="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
site_pid=""
databases=()

cleanup() {
    if [[ -n "$site_pid" ]]; then kill "$site_pid" 2>/dev/null || true; fi
    for database in "${databases[@]}"; do
        psql "$server" -qX -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 ||
            echo "warning: could not drop database $database" >&2
    done
    rm -rf "$work"
}
trap cleanup EXIT

if ! /usr/bin/time -f %e true 2>/dev/null; then
    echo "== installing GNU time" >&2
    apt-get install -y time >&2
fi
command -v psql >/dev/null || {
    echo "workers.sh: needs psql (apt-get install postgresql-client)" >&2
    exit 2
}

echo "== building the release binary and the generator" >&2
cargo build --release -p storyline >&2
cargo build --release -p storyline-pipeline --example scale_bench >&2
storyline="$target_dir/release/storyline"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$target_dir/release/examples/scale_bench" jsonl --total "$articles" --poll "$articles" >"$work/articles.jsonl"
python3 bench/workers_site.py write --dir "$work/site" --base "$base" --per-feed "$per_feed" <"$work/articles.jsonl"
python3 bench/workers_site.py serve --dir "$work/site" --port "$port" --latency-ms "$latency" &
site_pid=$!
for _ in $(seq 1 50); do
    curl -fsS "$base/feeds.opml" >/dev/null 2>&1 && break
    sleep 0.1
done

feeds="$(grep -c xmlUrl "$work/site/feeds.opml")"
echo "machine: $(nproc) cores; $articles articles in $feeds feeds, every answer after $latency ms; $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-8s %8s %9s %11s %9s %8s %16s %8s %6s\n' workers seconds articles articles/s speed-up briefs "clustering s (n)" "CPU s" cores
one_rate=""
for count in $counts; do
    database="storyline_workers_$$_$count"
    psql "$server" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null
    databases+=("$database")
    export STORYLINE_DATABASE_URL
    STORYLINE_DATABASE_URL="$(database_url "$server" "$database")"
    "$storyline" --data-dir "$work/unused" feeds import "$work/site/feeds.opml" >/dev/null
    started=$(date +%s.%N)
    pids=()
    for n in $(seq 1 "$count"); do
        STORYLINE_FETCH_ALLOW_PRIVATE_ADDRESSES=true STORYLINE_FETCH_PER_HOST_INTERVAL_MS=0 \
            RUST_LOG=off /usr/bin/time -o "$work/w$count-$n.cpu" -f "%U %S" "$storyline" --data-dir "$work/unused" run --worker --worker-id "w$n" \
            --no-serve --max-polls 1 --interval 86400 >"$work/w$count-$n.out" 2>"$work/w$count-$n.err" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || { cat "$work"/w"$count"-*.err >&2; exit 1; }
    done
    finished=$(date +%s.%N)
    grep -h ': polled' "$work"/w"$count"-*.out >&2
    stored="$(psql "$STORYLINE_DATABASE_URL" -qtAX -c 'SELECT count(*) FROM articles')"
    python3 - "$count" "$started" "$finished" "$stored" "${one_rate:-0}" "$work"/w"$count"-*.out <<'EOF'
import re, sys
count, started, finished, stored, one_rate = sys.argv[1:6]
seconds = float(finished) - float(started)
rate = int(stored) / seconds
briefs = passes = 0
cluster_seconds = 0.0
for path in sys.argv[6:]:
    for line in open(path):
        m = re.search(r"(\d+) briefs written.*?(\d+) clustering passes \(([\d.]+) s\)", line)
        if m:
            briefs += int(m.group(1)); passes += int(m.group(2)); cluster_seconds += float(m.group(3))
speed = rate / float(one_rate) if float(one_rate) > 0 else 1.0
cpu = 0.0
for path in sys.argv[6:]:
    with open(path[: -len(".out")] + ".cpu") as times:
        cpu += sum(float(x) for x in times.read().split()[-2:])
print(f"{count:<8} {seconds:8.1f} {int(stored):9d} {rate:11.1f} {speed:8.2f}x {briefs:8d} {cluster_seconds:10.1f} ({passes}) {cpu:8.1f} {cpu / seconds:6.2f}")
with open(sys.argv[6].rsplit("/", 1)[0] + f"/rate-{count}", "w") as f:
    f.write(f"{rate}")
EOF
    if [[ -z "$one_rate" ]]; then one_rate="$(cat "$work/rate-$count")"; fi
done
