#!/usr/bin/env python3
"""Peers for Storyline's clustering benchmark: clusterers built from scikit-learn, numpy and
scipy, scored and timed on the same labelled sets as Storyline.

Three peers, chosen by --peer (default tfidf-batch):
  tfidf-batch   TF-IDF over title + text, agglomerative clustering (average linkage, cosine
                distance) of the whole set in one batch. Its threshold is a DISTANCE
                (1 - cosine): a pair is merged below it.
  tfidf-online  The same TF-IDF vectors, clustered in one pass in stream order: each article
                joins the existing cluster whose centroid is most similar to it when that
                cosine is at least the threshold, and opens a new cluster otherwise. The
                centroid is the sum of the members' vectors; the cosine is taken against that
                sum normalised. Its threshold is a SIMILARITY (a cosine): an article joins at
                or above it. Ties go to the older cluster. The IDF is fitted on the whole set
                before the pass, which a real stream cannot do, so this flatters the peer a
                little. The cosine to a centroid is computed from the article's cosines to
                the earlier articles (sum(c) . x = the sum of m . x over the members m of c,
                with |sum(c)| kept up to date as members join), a block of rows of the
                article-by-article cosine matrix at a time; the result is the same as keeping
                the sums, without a clusters-by-vocabulary matrix.
  minilm-batch  Batch average linkage as tfidf-batch, over cosine distances of sentence
                embeddings read from --embeddings FILE (`{"id", "embedding"}` lines, as
                storyline-embed's `embed_file` example writes them; normalised here). Every
                article needs an embedding. Computing the embeddings is not timed.

Article order (tfidf-online; the batch peers do not depend on it): file order, or with
--shuffle SEED the file shuffled as Storyline's benchmark shuffles it (Fisher-Yates with
SplitMix64, `shuffle` in crates/storyline-pipeline/examples/bench_input/mod.rs), then put
in publication order as Storyline's `stream_order` does: stable by publication time, an
undated article taking the time of the dated one before it (the start when none is). The
time comes from the line's `published`, else `datePublished`, else `date` (the first
that is a non-blank string), read as Storyline's importer reads it: RFC 3339, RFC 2822,
`YYYY-MM-DD[ T]HH:MM:SS`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD` (UTC). The same seed gives the
same order as `cluster_stream_bench run IN OUT --shuffle SEED` (checked against its output
on the benchmark sets; RFC 2822 is parsed by Python's email.utils, whose leniency may differ
from chrono's on odd inputs).

Modes (every peer):
  clustering_peer.py IN.jsonl [--peer P] --curve --scorer score_clustering.py
          [--shuffle SEED | --seeds 1,2,3] [--embeddings FILE]
      Scores a range of thresholds against the gold `cluster` labels of IN with the shared
      scorer's BCubed F1 and prints {"peer", "curve": [[threshold, f1], ...]}. Batch peers:
      distance thresholds 0.30 to 0.99 (step 0.01), all cut from one average-linkage tree.
      tfidf-online: similarity thresholds 0.02 to 0.95 (step 0.01), F1 averaged over the
      orders of the given seeds (file order when none is given).
  clustering_peer.py IN.jsonl [--peer P] --tune --scorer score_clustering.py [...]
      The best threshold of the curve: {"threshold", "bcubed_f1", "oracle": true}. This is
      an ORACLE threshold: it is chosen on the very set that is then scored, which no stream
      clusterer can do, so the peer's figures are optimistic.
  clustering_peer.py IN.jsonl [--peer P] --threshold T --predictions OUT.jsonl [--rounds N]
          [--shuffle SEED] [--embeddings FILE]
      Clusters IN at threshold T, writes {"id","story"} lines for the scorer, and times N
      passes on one thread (articles already parsed, ordered and in memory, embeddings
      already read; each pass vectorises or normalises, computes the cosines and clusters).
      Prints one JSON object: the peer and its library versions, articles/second (median
      pass) and the process's peak resident memory, Python and the libraries included. Run
      it in its own process so the tuning's memory does not count. Speed comes by wall-clock
      time and by the process's CPU time (all threads), which stays put when other processes
      share the cores.

Batch distances are 1 - cosine of L2-normalised vectors, given to AgglomerativeClustering as
a precomputed matrix (the same clustering as metric="cosine", without densifying the term
matrix). Batch average linkage does not depend on input order, so one order is enough.
"""
import argparse
import datetime
import email.utils
import importlib.util
import json
import math
import os
import pathlib
import re
import resource
import statistics
import sys
import time

# One thread: the benchmark compares single-core speed. Set before numpy loads.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from scipy.cluster.hierarchy import fcluster, linkage  # noqa: E402
from scipy.spatial.distance import squareform  # noqa: E402
from sklearn.cluster import AgglomerativeClustering  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

PEERS = ("tfidf-batch", "tfidf-online", "minilm-batch")
BATCH_THRESHOLDS = [step / 100 for step in range(30, 100)]
ONLINE_THRESHOLDS = [step / 100 for step in range(2, 96)]
# Rows of the article-by-article cosine matrix computed at a time by tfidf-online.
BLOCK = 256
MASK64 = (1 << 64) - 1


def load(path):
    articles = []
    with open(path, encoding="utf8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                article = json.loads(line)
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{number}: {error}")
            if not isinstance(article, dict) or article.get("id") is None:
                raise SystemExit(f"{path}:{number}: expected a JSON object with an id")
            article["_line"] = number
            articles.append(article)
    if len(articles) < 2:
        raise SystemExit(f"{path}: fewer than two articles")
    return articles


def documents(articles):
    return [f"{a.get('title') or ''}\n{a.get('text') or ''}" for a in articles]


def article_id(article):
    return str(article["id"])


# --- Storyline's order --------------------------------------------------------------------

RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)
RFC2822_SHAPE = re.compile(r"(?:[A-Za-z]{3}\s*,\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d")
NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def nanoseconds(moment):
    """Nanoseconds since the Unix epoch of an aware datetime, in integers."""
    delta = moment - EPOCH
    return ((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000


def parse_date(text):
    """Nanoseconds since the epoch (UTC) of a date as Storyline's importer reads it, or None."""
    match = RFC3339.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        fraction, zone = match.group(7) or "", match.group(8)
        try:
            moment = datetime.datetime(year, month, day, hour, minute, second,
                                       tzinfo=datetime.timezone.utc)
        except ValueError:
            moment = None
        if moment is not None:
            offset = 0
            if zone not in ("Z", "z"):
                sign = -1 if zone[0] == "-" else 1
                offset = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
            return (nanoseconds(moment) + int(fraction[:9].ljust(9, "0"))
                    - offset * 1_000_000_000)
    if RFC2822_SHAPE.match(text):
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.timezone.utc)
            return nanoseconds(moment)
    for pattern in NAIVE_FORMATS:
        try:
            moment = datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
        return nanoseconds(moment.replace(tzinfo=datetime.timezone.utc))
    return None


def publication_time(article, path):
    """The article's publication time in nanoseconds since the epoch, or None if undated."""
    for name in ("published", "datePublished", "date"):
        value = article.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise SystemExit(f'{path}:{article["_line"]}: field "{name}" must be a string')
        value = value.strip()
        if not value:
            continue
        moment = parse_date(value)
        if moment is None:
            raise SystemExit(f"{path}:{article['_line']}: unrecognised date {value!r}")
        return moment
    return None


def splitmix64_shuffle(items, seed):
    """Shuffles `items` in place as Storyline's benchmark does (Fisher-Yates, SplitMix64)."""
    state = seed & MASK64
    for i in range(len(items) - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        j = z % (i + 1)
        items[i], items[j] = items[j], items[i]


def stream_order(articles, seed, path):
    """Indices of `articles` in the order Storyline's benchmark clusters them with `seed`
    (None: no shuffle): shuffled, then stable by publication time, an undated article
    keeping the time of the dated one before it (before every dated one when none is)."""
    order = list(range(len(articles)))
    if seed is not None:
        splitmix64_shuffle(order, seed)
    keys, last = [], None
    for index in order:
        moment = publication_time(articles[index], path)
        if moment is not None:
            last = moment
        keys.append((0, 0) if last is None else (1, last))
    ranked = sorted(range(len(order)), key=keys.__getitem__)
    return [order[position] for position in ranked]


# --- Vectors and cosines ------------------------------------------------------------------


def tfidf(texts):
    # TfidfVectorizer L2-normalises rows, so a product of rows is their cosine.
    return TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)


def load_embeddings(path, articles):
    """The articles' embeddings, one row each in article order, from `{"id", "embedding"}`
    lines. Exits when an article has none."""
    found = {}
    with open(path, encoding="utf8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                found[str(record["id"])] = record["embedding"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise SystemExit(f"{path}:{number}: expected {{\"id\", \"embedding\"}}: {error}")
    missing = [article_id(a) for a in articles if article_id(a) not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise SystemExit(f"{path}: no embedding for {len(missing)} article id(s): {shown}")
    rows = [found[article_id(a)] for a in articles]
    if len({len(row) for row in rows}) != 1 or not rows[0]:
        raise SystemExit(f"{path}: embeddings of different or zero lengths")
    return np.asarray(rows, dtype=np.float64)


def normalised(matrix):
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def cosine_distances(vectors):
    """1 - cosine between the rows of L2-normalised `vectors` (sparse or dense)."""
    similarity = vectors @ vectors.T
    if hasattr(similarity, "toarray"):
        similarity = similarity.toarray()
    distance = 1.0 - similarity
    np.clip(distance, 0.0, 2.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    return distance


# --- Batch peers --------------------------------------------------------------------------


def batch_distances(peer, data):
    """The distance matrix of one timed pass: `data` is the texts (tfidf-batch) or the raw
    embedding matrix (minilm-batch)."""
    if peer == "tfidf-batch":
        return cosine_distances(tfidf(data))
    return cosine_distances(normalised(data))


def batch_labels(peer, data, threshold):
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=threshold,
    )
    return model.fit_predict(batch_distances(peer, data))


def batch_curve(peer, data, articles, scorer):
    gold = gold_labels(articles)
    tree = linkage(squareform(batch_distances(peer, data), checks=False), method="average")
    curve = []
    for threshold in BATCH_THRESHOLDS:
        labels = fcluster(tree, t=threshold, criterion="distance")
        curve.append((threshold, bcubed_f1(scorer, gold, articles, labels)))
    return curve


# --- Online peer --------------------------------------------------------------------------


class OnlineClusters:
    """Single-pass centroid clustering fed one article at a time: its cosines to the
    earlier articles and its own squared norm."""

    def __init__(self, size, threshold):
        self.threshold = threshold
        self.labels = np.zeros(size, dtype=np.intp)
        self.squared = np.zeros(size)  # |sum of members|^2 per cluster
        self.norms = np.zeros(size)  # |sum of members|, inf for an all-zero sum
        self.count = 0  # clusters so far
        self.seen = 0  # articles so far

    def add(self, cosines, squared_norm):
        i, k = self.seen, self.count
        self.seen += 1
        if k:
            # sum(c) . x for every cluster c, from x's cosines to the members.
            dots = np.bincount(self.labels[:i], weights=cosines, minlength=k)
            similarity = dots / self.norms[:k]
            best = int(np.argmax(similarity))
            if similarity[best] >= self.threshold:
                self.labels[i] = best
                self.squared[best] += 2.0 * dots[best] + squared_norm
                self.norms[best] = math.sqrt(self.squared[best]) or math.inf
                return
        self.labels[i] = k
        self.squared[k] = squared_norm
        self.norms[k] = math.sqrt(squared_norm) or math.inf
        self.count += 1


def earlier_cosines(vectors):
    """For each row i of L2-normalised sparse `vectors`, its cosines to rows 0..i-1 and its
    squared norm, computed a block of rows at a time."""
    vectors = vectors.tocsr()
    squared = np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel()
    for start in range(0, vectors.shape[0], BLOCK):
        end = min(start + BLOCK, vectors.shape[0])
        block = (vectors[start:end] @ vectors[:end].T).toarray()
        for row in range(end - start):
            yield block[row, :start + row], squared[start + row]


def online_run(vectors, thresholds):
    """Labels of tfidf-online at each threshold, for `vectors` in processing order."""
    runs = [OnlineClusters(vectors.shape[0], t) for t in thresholds]
    for cosines, squared_norm in earlier_cosines(vectors):
        for run in runs:
            run.add(cosines, squared_norm)
    return [run.labels for run in runs]


def online_curve(articles, seeds, scorer, path):
    gold = gold_labels(articles)
    vectors = tfidf(documents(articles)).tocsr()  # order-free: rows are permuted below
    totals = np.zeros(len(ONLINE_THRESHOLDS))
    for seed in seeds:
        order = stream_order(articles, seed, path)
        ordered = [articles[i] for i in order]
        for position, labels in enumerate(online_run(vectors[order], ONLINE_THRESHOLDS)):
            totals[position] += bcubed_f1(scorer, gold, ordered, labels)
    return list(zip(ONLINE_THRESHOLDS, (totals / len(seeds)).tolist()))


# --- Scoring and timing -------------------------------------------------------------------


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("score_clustering", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gold_labels(articles):
    return {article_id(a): str(a["cluster"]) for a in articles}


def bcubed_f1(scorer, gold, articles, labels):
    pred = {article_id(a): str(label) for a, label in zip(articles, labels)}
    return scorer.score(gold, pred, warn=False)["bcubed"]["f1"]


def curve(args, articles, embeddings):
    scorer = load_scorer(args.scorer)
    if args.peer == "tfidf-online":
        return online_curve(articles, args.seeds, scorer, args.input)
    data = documents(articles) if args.peer == "tfidf-batch" else embeddings
    return batch_curve(args.peer, data, articles, scorer)


def describe(peer):
    if peer == "tfidf-batch":
        return f"tfidf-batch: scikit-learn {sklearn.__version__} TF-IDF + average-linkage (cosine)"
    if peer == "tfidf-online":
        return (f"tfidf-online: scikit-learn {sklearn.__version__} TF-IDF + single-pass centroid"
                f" clustering (cosine; numpy {np.__version__})")
    return ("minilm-batch: precomputed sentence embeddings +"
            f" scikit-learn {sklearn.__version__} average-linkage (cosine; scipy"
            f" {scipy.__version__})")


def timed(args, articles, embeddings):
    seed = args.shuffle
    if args.peer == "tfidf-online":
        articles = [articles[i] for i in stream_order(articles, seed, args.input)]
        texts = documents(articles)

        def one_pass():
            return online_run(tfidf(texts), [args.threshold])[0]
    else:
        data = documents(articles) if args.peer == "tfidf-batch" else embeddings

        def one_pass():
            return batch_labels(args.peer, data, args.threshold)

    seconds, cpu_seconds = [], []
    labels = None
    for _ in range(max(args.rounds, 1)):
        cpu_start, start = time.process_time(), time.perf_counter()
        labels = one_pass()
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
    with open(args.predictions, "w", encoding="utf8") as out:
        for article, label in zip(articles, labels):
            out.write(json.dumps({"id": article_id(article), "story": f"peer-{label}"}) + "\n")
    median, cpu_median = statistics.median(seconds), statistics.median(cpu_seconds)
    report = {
        "peer": describe(args.peer),
        "threshold": args.threshold,
        "articles": len(articles),
        "stories": int(len(set(labels.tolist()))),
        "rounds": len(seconds),
        "seconds_median": median,
        "articles_per_second": len(articles) / median,
        "cpu_seconds_median": cpu_median,
        "articles_per_cpu_second": len(articles) / cpu_median,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    if args.peer == "tfidf-online":
        report["shuffle"] = seed
    return report


# --- Command line -------------------------------------------------------------------------


def seed_value(text):
    seed = int(text)
    if not 0 <= seed <= MASK64:
        raise argparse.ArgumentTypeError(f"{text}: a seed is an integer from 0 to 2^64 - 1")
    return seed


def seed_list(text):
    return [seed_value(part) for part in text.split(",") if part.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", type=pathlib.Path)
    parser.add_argument("--peer", choices=PEERS, default="tfidf-batch")
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--scorer", type=pathlib.Path)
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--predictions", type=pathlib.Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--shuffle", type=seed_value, metavar="SEED")
    parser.add_argument("--seeds", type=seed_list, metavar="S,S,...")
    parser.add_argument("--embeddings", type=pathlib.Path, metavar="FILE")
    args = parser.parse_args()
    if args.peer == "minilm-batch" and not args.embeddings:
        parser.error("--peer minilm-batch needs --embeddings FILE")
    if args.seeds is not None and args.shuffle is not None:
        parser.error("give --shuffle SEED or --seeds S,S,..., not both")
    if args.seeds == []:
        parser.error("--seeds needs at least one seed")
    articles = load(args.input)
    embeddings = None
    if args.peer == "minilm-batch":
        embeddings = load_embeddings(args.embeddings, articles)
    if args.curve or args.tune:
        if not args.scorer:
            parser.error("--curve and --tune need --scorer")
        if args.seeds is None:
            args.seeds = [args.shuffle]
        points = curve(args, articles, embeddings)
        if args.curve:
            result = {"peer": args.peer,
                      "curve": [[threshold, round(f1, 4)] for threshold, f1 in points]}
            if args.peer == "tfidf-online":
                result["seeds"] = args.seeds
            print(json.dumps(result))
        if args.tune:
            best = None
            for threshold, f1 in points:
                if best is None or f1 > best[1]:
                    best = (threshold, f1)
            print(json.dumps({"threshold": best[0], "bcubed_f1": round(best[1], 4),
                              "oracle": True}))
    elif args.threshold is not None and args.predictions:
        if args.seeds is not None:
            parser.error("a timed run takes one order: --shuffle SEED, not --seeds")
        print(json.dumps(timed(args, articles, embeddings)))
    else:
        parser.error("give --curve or --tune with --scorer S, or --threshold T --predictions OUT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
