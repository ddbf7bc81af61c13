#!/usr/bin/env python3
"""The peer for Storyline's clustering benchmark: scikit-learn TF-IDF + agglomerative
clustering (average linkage, cosine distance) over title + text, in one batch.

Two modes:
  clustering_peer.py IN.jsonl --tune --scorer score_clustering.py
      Builds the average-linkage tree once and cuts it at every distance threshold from 0.30
      to 0.99 (step 0.01), scoring each cut against the gold `cluster` labels of IN with the
      shared scorer's BCubed F1. Prints {"threshold": best, "bcubed_f1": ...}. This is an
      ORACLE threshold: it is chosen on the very set that is then scored, which no stream
      clusterer can do, so the peer's figures are optimistic.
  clustering_peer.py IN.jsonl --threshold T --predictions OUT.jsonl [--rounds N]
      Clusters IN at threshold T, writes {"id","story"} lines for the scorer, and times N
      passes on one thread (articles already parsed and in memory; each pass vectorises,
      computes the distance matrix and clusters). Prints one JSON object: articles/second
      (median pass) and the process's peak resident memory, Python and the libraries
      included. Run it in its own process so the tuning's memory does not count. Speed comes
      by wall-clock time and by the process's CPU time (all threads), which stays put when
      other processes share the cores.

Distances are 1 - cosine of the L2-normalised TF-IDF vectors, given to
AgglomerativeClustering as a precomputed matrix (the same clustering as metric="cosine",
without densifying the term matrix). Batch average linkage does not depend on input order,
so one order is enough.
"""
import argparse
import importlib.util
import json
import os
import pathlib
import resource
import statistics
import sys
import time

# One thread: the benchmark compares single-core speed. Set before numpy loads.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from scipy.cluster.hierarchy import fcluster, linkage  # noqa: E402
from scipy.spatial.distance import squareform  # noqa: E402
from sklearn.cluster import AgglomerativeClustering  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402


def load(path):
    articles = []
    with open(path, encoding="utf8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                articles.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{number}: {error}")
    if len(articles) < 2:
        raise SystemExit(f"{path}: fewer than two articles")
    return articles


def documents(articles):
    return [f"{a.get('title') or ''}\n{a.get('text') or ''}" for a in articles]


def distances(texts):
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    # TfidfVectorizer L2-normalises rows, so the product is the cosine.
    similarity = (vectors @ vectors.T).toarray()
    distance = 1.0 - similarity
    np.clip(distance, 0.0, 2.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    return distance


def cluster(texts, threshold):
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=threshold,
    )
    return model.fit_predict(distances(texts))


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("score_clustering", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tune(articles, scorer_path):
    scorer = load_scorer(scorer_path)
    gold = {str(a["id"]): str(a["cluster"]) for a in articles}
    distance = distances(documents(articles))
    tree = linkage(squareform(distance, checks=False), method="average")
    best = None
    for step in range(30, 100):
        threshold = step / 100
        labels = fcluster(tree, t=threshold, criterion="distance")
        pred = {str(a["id"]): str(label) for a, label in zip(articles, labels)}
        f1 = scorer.score(gold, pred, warn=False)["bcubed"]["f1"]
        if best is None or f1 > best[1]:
            best = (threshold, f1)
    return {"threshold": best[0], "bcubed_f1": round(best[1], 4), "oracle": True}


def timed(articles, threshold, rounds, predictions):
    texts = documents(articles)
    seconds, cpu_seconds = [], []
    labels = None
    for _ in range(max(rounds, 1)):
        cpu_start, start = time.process_time(), time.perf_counter()
        labels = cluster(texts, threshold)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
    with open(predictions, "w", encoding="utf8") as out:
        for article, label in zip(articles, labels):
            out.write(json.dumps({"id": str(article["id"]), "story": f"peer-{label}"}) + "\n")
    median, cpu_median = statistics.median(seconds), statistics.median(cpu_seconds)
    return {
        "peer": f"scikit-learn {sklearn.__version__} TF-IDF + average-linkage (cosine)",
        "threshold": threshold,
        "articles": len(articles),
        "stories": int(len(set(labels.tolist()))),
        "rounds": len(seconds),
        "seconds_median": median,
        "articles_per_second": len(articles) / median,
        "cpu_seconds_median": cpu_median,
        "articles_per_cpu_second": len(articles) / cpu_median,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", type=pathlib.Path)
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--scorer", type=pathlib.Path)
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--predictions", type=pathlib.Path)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    articles = load(args.input)
    if args.tune:
        if not args.scorer:
            parser.error("--tune needs --scorer")
        print(json.dumps(tune(articles, args.scorer)))
    elif args.threshold is not None and args.predictions:
        print(json.dumps(timed(articles, args.threshold, args.rounds, args.predictions)))
    else:
        parser.error("give --tune --scorer S, or --threshold T --predictions OUT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
