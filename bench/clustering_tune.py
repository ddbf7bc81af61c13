#!/usr/bin/env python3
"""How the clusterer's settings are chosen: a grid over named `ClusterConfig` settings, scored
on every shared development set at once, with leave-one-set-out figures.

Usage (from the repository root, after `cargo build --release -p storyline-pipeline
--example cluster_stream_bench`):

    bench/clustering_tune.py --grid threshold=0.20,0.22,0.24 --grid decay_floor=0.4,0.45 \
        [--seeds 1,2,3,4,5] [--jobs 2] [--out target/bench/tuning]

The procedure, the same for every setting:
  1. Every combination of the grid's values (the default configuration with those settings
     changed) clusters each development set in each shuffled order (`--seeds`), through
     `cluster_stream_bench run --set name=value`; the run is scored with the shared scorer's
     BCubed F1, and the orders' mean is the combination's figure on that set.
  2. The combination chosen is the one with the best mean over the sets, each set counting
     once whatever its size. A combination that gains on one set by losing on another gains
     only if the gain is larger.
  3. Leave-one-set-out: for each set, the combination that is best on the mean of the OTHER
     sets is scored on it. The gap between that figure and the chosen combination's figure on
     the same set says how much of the choice was fitted to the set: a setting that
     generalises leaves a gap near 0.
  4. The default configuration (no setting changed) is always in the grid, so every table
     shows what a change gains over what ships.

Sentence embeddings: when `STORYLINE_EMBED_MODEL` names the model (as
`scripts/setup-models.sh` prints it), each set is embedded once, as the default clusterer
embeds (its headlines shorter than a full text), and every run reads the file: an embedding
does not depend on the order or on the cluster settings. Without the model, the clusterer
runs on terms alone and the table says so.

Prints one table per set and the leave-one-set-out table, and writes all figures to
OUT/tuning.json.
"""
import argparse
import concurrent.futures
import itertools
import json
import os
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from clustering_peer import load_scorer  # noqa: E402  (the peers' scorer loader)

SHARED = pathlib.Path("../shared/bench")
DEFAULT_SETS = {
    "ecb+ dev": SHARED / "clustering/ecbplus-dev.jsonl",
    "wikinews dev": SHARED / "clustering/wikinews-dev.jsonl",
    "uci headlines": SHARED / "clustering/uci-headlines.jsonl",
}


def read_jsonl(path):
    with open(path, encoding="utf8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def parse_grid(specs):
    grid = []
    for spec in specs:
        name, sep, values = spec.partition("=")
        if not sep or not values:
            raise SystemExit(f"--grid {spec}: expected name=value,value,...")
        grid.append((name, values.split(",")))
    return grid


def combinations(grid):
    """Every combination of the grid's values, the default (no change) first."""
    combos = [()]
    names = [name for name, _ in grid]
    for values in itertools.product(*(values for _, values in grid)):
        combos.append(tuple(zip(names, values)))
    return combos


def label(combo):
    return "default" if not combo else " ".join(f"{n}={v}" for n, v in combo)


def embed_sets(bench, sets, out_dir):
    """One embeddings file per set, made by the default's own embedding path."""
    files = {}
    if not os.environ.get("STORYLINE_EMBED_MODEL"):
        return files
    for name, path in sets.items():
        target = out_dir / f"{slug(name)}.embeddings.jsonl"
        if not target.exists():
            print(f"== embedding {path}", file=sys.stderr)
            subprocess.run(
                [bench, "run", str(path), str(out_dir / f"{slug(name)}.embed-run.jsonl"),
                 "--save-embeddings", str(target)],
                check=True, stdout=subprocess.DEVNULL)
        files[name] = target
    return files


def slug(name):
    return "".join(c if c.isalnum() else "-" for c in name)


def run_one(bench, scorer, gold, path, embeddings, combo, seed, out_dir):
    out = out_dir / f"run-{os.getpid()}-{abs(hash((str(path), combo, seed)))}.jsonl"
    command = [bench, "run", str(path), str(out), "--shuffle", str(seed)]
    for name, value in combo:
        command += ["--set", f"{name}={value}"]
    if embeddings:
        command += ["--embeddings", str(embeddings)]
    env = dict(os.environ, STORYLINE_EMBED_MODEL="")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    pred = {str(r["id"]): str(r["story"]) for r in read_jsonl(out)}
    out.unlink()
    return scorer.score(gold, pred, warn=False)["bcubed"]["f1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", action="append", default=[],
                        help="name=value,value,... (a ClusterConfig setting)")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("target/bench/tuning"))
    parser.add_argument("--scorer", type=pathlib.Path, default=SHARED / "score_clustering.py")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=PATH",
                        help="a development set (default: the three shared ones)")
    parser.add_argument("--embeddings", action="append", default=[], metavar="NAME=PATH",
                        help="a set's embeddings file, instead of embedding it as the "
                             "default does (to try settings that embed more)")
    parser.add_argument("--bench", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "release/examples/cluster_stream_bench"))
    args = parser.parse_args()

    sets = dict(DEFAULT_SETS)
    if args.set:
        sets = dict(spec.split("=", 1) for spec in args.set)
        sets = {name: pathlib.Path(path) for name, path in sets.items()}
    for name, path in sets.items():
        if not path.exists():
            raise SystemExit(f"clustering_tune: {name}: {path} not found")
    if not os.path.exists(args.bench):
        raise SystemExit(f"clustering_tune: {args.bench} not found (build the example first)")
    seeds = [int(s) for s in args.seeds.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    scorer = load_scorer(args.scorer)
    golds = {name: {str(a["id"]): str(a["cluster"]) for a in read_jsonl(path)}
             for name, path in sets.items()}
    embeddings = embed_sets(args.bench, sets, args.out)
    for spec in args.embeddings:
        name, _, path = spec.partition("=")
        if name not in sets or not os.path.exists(path):
            raise SystemExit(f"clustering_tune: --embeddings {spec}: no such set or file")
        embeddings[name] = pathlib.Path(path)
    combos = combinations(parse_grid(args.grid))

    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for combo in combos:
            for name, path in sets.items():
                for seed in seeds:
                    jobs[(combo, name, seed)] = pool.submit(
                        run_one, args.bench, scorer, golds[name], path,
                        embeddings.get(name), combo, seed, args.out)
        f1 = {key: future.result() for key, future in jobs.items()}

    mean = {(combo, name): statistics.fmean(f1[(combo, name, s)] for s in seeds)
            for combo in combos for name in sets}

    def best_on(names):
        return max(combos, key=lambda c: statistics.fmean(mean[(c, n)] for n in names))

    chosen = best_on(list(sets))
    loso = {}
    for held_out in sets:
        others = [n for n in sets if n != held_out]
        pick = best_on(others)
        loso[held_out] = {"chosen_on_others": label(pick),
                          "held_out_f1": mean[(pick, held_out)],
                          "chosen_f1": mean[(chosen, held_out)]}

    names = list(sets)
    width = max(len(label(c)) for c in combos) + 2
    print(f"\nBCubed F1, mean of shuffled orders {seeds}; embeddings: "
          f"{'yes' if embeddings else 'no (STORYLINE_EMBED_MODEL unset)'}")
    print(f"{'setting':<{width}}" + "".join(f"{n:>15}" for n in names) + f"{'mean':>8}")
    for combo in sorted(combos, key=lambda c: -statistics.fmean(mean[(c, n)] for n in names)):
        marks = " <- chosen" if combo == chosen else ""
        marks += " (ships)" if not combo else ""
        print(f"{label(combo):<{width}}" + "".join(f"{mean[(combo, n)]:>15.3f}" for n in names)
              + f"{statistics.fmean(mean[(combo, n)] for n in names):>8.3f}{marks}")
    print("\nLeave-one-set-out: chosen on the other sets, scored on the one left out")
    for held_out, row in loso.items():
        print(f"  {held_out:<15} {row['held_out_f1']:.3f} with {row['chosen_on_others']} "
              f"(chosen on all: {row['chosen_f1']:.3f}, gap "
              f"{row['chosen_f1'] - row['held_out_f1']:+.3f})")

    results = {
        "seeds": seeds,
        "embeddings": bool(embeddings),
        "sets": {n: str(p) for n, p in sets.items()},
        "grid": [{"setting": label(c), "f1": {n: mean[(c, n)] for n in names},
                  "f1_per_order": {n: [f1[(c, n, s)] for s in seeds] for n in names}}
                 for c in combos],
        "chosen": label(chosen),
        "leave_one_set_out": loso,
    }
    (args.out / "tuning.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out / 'tuning.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
