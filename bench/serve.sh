#!/usr/bin/env bash
# HTTP load benchmark of `storyline serve`: requests/second and p50 / p99 latency of three
# read paths under wrk, on the demo store.
#
# Goal: p99 < 20 ms at 64 connections on every endpoint measured.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bench/serve.sh
#
# Environment:
#   BENCH_CONNECTIONS   open connections held by wrk (default 64)
#   BENCH_THREADS       wrk threads (default 2)
#   BENCH_DURATION      per endpoint, in wrk's syntax (default 15s)
#   CARGO_TARGET_DIR    as usual (default target/)
#
# What it does: builds the release binary, fills a temporary data directory with
# `storyline demo --top 0`, starts `storyline serve --addr 127.0.0.1:0` in the background
# (stopped on exit), waits for /healthz, takes the first story of /api/stories, then runs wrk
# (`--latency`) against
#   /api/stories/{id}          the story as JSON
#   /api/stories/{id}/brief    its latest brief as JSON
#   /stories/{id}              the HTML story page
# and prints a table; the same figures go to target/bench/serve.json.
#
# Caveat: wrk runs on the same machine as the server, so on a 2-core box the load generator
# takes CPU from the server: the figures are a floor, not the server's capacity. Each row
# also gives the shares of the machine's CPU time used by the server, by wrk and by everything
# else during the run; a large "other" share (a build running beside it) means the tail
# latency is not the server's alone: rerun on a quiet machine.
#
# Needs: wrk (installed with apt-get when missing and run as root), curl, python3.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

connections="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
duration="${BENCH_DURATION:-15s}"
target_dir="${CARGO_TARGET_DIR:-target}"
goal_p99_ms=20

if ! command -v wrk >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing wrk (apt-get)" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
    else
        echo "serve.sh: wrk is not installed and this is not root: install Debian's wrk" >&2
        exit 1
    fi
fi

echo "== building (release)"
cargo build --release --quiet -p storyline --bin storyline
bin="$target_dir/release/storyline"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== demo store"
if ! "$bin" demo --data-dir "$work/data" --top 0 >"$work/demo.log" 2>&1; then
    echo "serve.sh: storyline demo failed; its output:" >&2
    cat "$work/demo.log" >&2
    exit 1
fi

# Port 0: the server takes a free port and names it in its "Serving http://ADDR/" line.
"$bin" serve --data-dir "$work/data" --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!

base=""
for _ in $(seq 1 100); do
    addr="$(sed -n 's|^Serving http://\([^/]*\)/.*|\1|p' "$work/serve.log" | head -n 1)"
    if [[ -n "$addr" ]] && curl -fsS -o /dev/null "http://$addr/healthz" 2>/dev/null; then
        base="http://$addr"
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "serve.sh: storyline serve exited; its log:" >&2
        cat "$work/serve.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$base" ]]; then
    echo "serve.sh: no \"Serving http://ADDR/\" line with a healthy /healthz within 10 s; log:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
echo "== server: $base (pid $server_pid)"

# The first story id of /api/stories, whether the answer is a list or an object holding one.
story_id="$(curl -fsS "$base/api/stories" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
if isinstance(doc, dict):
    doc = next((v for v in doc.values() if isinstance(v, list)), [])
ids = [s["id"] for s in doc if isinstance(s, dict) and isinstance(s.get("id"), str)]
if not ids:
    sys.exit("serve.sh: /api/stories lists no story")
print(ids[0])
')"
echo "== story: $story_id"

paths=("/api/stories/$story_id" "/api/stories/$story_id/brief" "/stories/$story_id")
for path in "${paths[@]}"; do
    status="$(curl -sS -o /dev/null -w '%{http_code}' "$base$path")"
    if [[ "$status" != 200 ]]; then
        echo "serve.sh: GET $path answered $status, not 200; nothing to measure" >&2
        exit 1
    fi
done

cores="$(nproc)"
echo "== machine: $cores cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== wrk: $connections connections, $threads threads, $duration per endpoint"
echo "   note: wrk shares these $cores cores with the server; figures are a lower bound"

results="$work/results.jsonl"
: >"$results"
for path in "${paths[@]}"; do
    # Runs wrk and accounts the machine's CPU time during the run: the server's, wrk's, and
    # everyone else's (a build, say), which skews the tail and is reported beside it.
    python3 - "$base" "$path" "$story_id" "$server_pid" "$connections" "$threads" \
        "$duration" >>"$results" <<'PY'
import json, os, re, resource, subprocess, sys
base, path, story_id, server_pid, connections, threads, duration = sys.argv[1:]
def machine_ticks():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])
def server_ticks():
    # Fields after the parenthesised name; utime and stime are the 14th and 15th overall.
    rest = open(f"/proc/{server_pid}/stat").read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])
def children_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
hz = os.sysconf("SC_CLK_TCK")
busy0, total0, server0, wrk0 = *machine_ticks(), server_ticks(), children_seconds()
run = subprocess.run(
    ["wrk", "-c", connections, "-t", threads, "-d", duration, "--latency", base + path],
    capture_output=True, text=True)
busy1, total1, server1, wrk1 = *machine_ticks(), server_ticks(), children_seconds()
out = run.stdout
if run.returncode != 0:
    sys.exit(f"serve.sh: wrk failed on {path}: {run.stderr.strip()}")
# wrk prints latencies with their own unit (us, ms, s): convert to milliseconds.
def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
def percentile(p):
    m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
    return ms(m.group(1)) if m else None
rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
if not rps:
    sys.exit(f"serve.sh: cannot read wrk's output for {path}:\n{out}")
total = re.search(r"(\d+) requests in", out)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errors = re.search(r"Socket errors: (.*)", out)
# Shares of all the machine's CPU time (every core) during the run.
all_ticks = max(total1 - total0, 1)
server_share = (server1 - server0) / all_ticks
wrk_share = (wrk1 - wrk0) * hz / all_ticks
other_share = max((busy1 - busy0) / all_ticks - server_share - wrk_share, 0.0)
print(json.dumps({
    "endpoint": path.replace(story_id, "{id}"),
    "path": path,
    "requests_per_second": float(rps.group(1)),
    "p50_ms": percentile(50),
    "p99_ms": percentile(99),
    "requests": int(total.group(1)) if total else None,
    "non_2xx": int(bad.group(1)) if bad else 0,
    "socket_errors": errors.group(1).strip() if errors else None,
    "cpu_share": {"server": round(server_share, 3), "wrk": round(wrk_share, 3),
                  "other": round(other_share, 3)},
}))
PY
done

mkdir -p "$target_dir/bench"
python3 - "$results" "$target_dir/bench/serve.json" "$connections" "$threads" "$duration" \
    "$cores" "$goal_p99_ms" <<'PY'
import json, platform, sys, time
results_path, json_path, connections, threads, duration, cores, goal = sys.argv[1:]
rows = [json.loads(line) for line in open(results_path) if line.strip()]
goal = float(goal)
print()
print(f"{'endpoint':<26} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}   CPU: server  wrk  other"
      f"   goal p99 < {goal:g} ms")
for r in rows:
    ok = r["p99_ms"] is not None and r["p99_ms"] < goal and r["non_2xx"] == 0
    verdict = "met" if ok else "MISSED"
    if r["non_2xx"]:
        verdict += f" ({r['non_2xx']} non-2xx)"
    if r["socket_errors"]:
        verdict += f" (socket errors: {r['socket_errors']})"
    cpu = r["cpu_share"]
    print(f"{r['endpoint']:<26} {r['requests_per_second']:>8.0f} {r['p50_ms']:>7.2f} "
          f"{r['p99_ms']:>7.2f}   {cpu['server']:>11.0%} {cpu['wrk']:>4.0%} {cpu['other']:>6.0%}"
          f"   {verdict}")
print(f"\nwrk ran on the same {cores} cores as the server (CPU columns: shares of all "
      f"{cores} cores during each run). Where 'other' is more than a few per cent, other "
      "work on the machine competed and the tail is not the server's alone.")
report = {
    "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {"cores": int(cores), "arch": platform.machine()},
    "load": {"connections": int(connections), "threads": int(threads), "duration": duration,
             "tool": "wrk", "same_machine_as_server": True},
    "goal": {"p99_ms_below": goal},
    "endpoints": rows,
}
with open(json_path, "w") as f:
    json.dump(report, f, indent=2)
    f.write("\n")
print(f"written: {json_path}")
PY
