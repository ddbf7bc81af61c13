#!/usr/bin/env bash
# Named-entity recogniser benchmark: tags CoNLL-2003 valid with the shipped model and with
# two peers in the same run (names memorised from training; the rule-based
# storyline_nlp::entities::mentions), scores each with ../shared/bench/score_ner.py (exact
# spans) and prints F1 per type and overall beside tokens per second on one thread (release
# build). Speed is printed, never asserted. Also checks that `storyline entities --conll`
# writes the same tags as the benchmark.
#
# usage: bench/ner.sh            (BENCH_DIR overrides ../shared/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-../shared/bench}
TRAIN=$BENCH_DIR/entities/conll2003-train.txt
VALID=$BENCH_DIR/entities/conll2003-valid.txt
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# Two builds: `--example` would restrict a joint build to examples, leaving the binary stale.
cargo build -j1 --release -q -p storyline
cargo build -j1 --release -q -p storyline-nlp --example ner_bench
./target/release/examples/ner_bench --train "$TRAIN" --valid "$VALID" --out-dir "$OUT" \
    --repeat 3 >"$OUT/speed.txt"
./target/release/storyline entities --conll "$VALID" --output "$OUT/cli.txt"
if cmp -s "$OUT/cli.txt" "$OUT/ours.txt"; then
    cli_check="same tags as the benchmark"
else
    cli_check="DIFFERENT tags from the benchmark"
fi

for name in ours memorised rules; do
    python3 "$BENCH_DIR/score_ner.py" "$OUT/$name.txt" --gold "$VALID" --json >"$OUT/$name.json"
done

python3 - "$OUT" <<'PY'
import json, sys, re
out = sys.argv[1]
speed = {}
for line in open(f"{out}/speed.txt"):
    m = re.match(r"speed (\S+) (\d+)(.*)", line)
    if m:
        speed[m.group(1)] = (int(m.group(2)), m.group(3).strip())
    elif line.startswith("tokens"):
        tokens = int(line.split()[1])
labels = {"ours": "trained (shipped model)", "memorised": "memorised training names", "rules": "rule-based mentions"}
print(f"CoNLL-2003 valid, {tokens} tokens; exact-span F1 (score_ner.py), one thread")
print(f"{'tagger':26} {'PER':>6} {'ORG':>6} {'LOC':>6} {'MISC':>6} {'ALL':>6} {'P':>6} {'R':>6} {'tokens/s':>10}")
for name in ["ours", "memorised", "rules"]:
    s = json.load(open(f"{out}/{name}.json"))
    row = " ".join(f"{s[t]['f1']:6.3f}" for t in ["PER", "ORG", "LOC", "MISC", "ALL"])
    print(f"{labels[name]:26} {row} {s['ALL']['p']:6.3f} {s['ALL']['r']:6.3f} {speed[name][0]:10,}  {speed[name][1]}")
PY
echo "storyline entities --conll: $cli_check"
