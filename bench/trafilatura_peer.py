#!/usr/bin/env python3
"""The peer for Storyline's extraction benchmark: Python trafilatura over the same pages.

Reads every DIR/*.html into memory, extracts each page once to warm up (and, with
--predictions OUT, writes OUT/<id>.json for the scorer), then times ROUNDS passes on one
thread. Prints one JSON object: pages/second and peak resident memory.
"""
import argparse
import json
import pathlib
import resource
import sys
import time

import trafilatura


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", type=pathlib.Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--predictions", type=pathlib.Path)
    parser.add_argument("--fast", action="store_true", help="trafilatura's fast=True mode")
    args = parser.parse_args()

    pages = {p.stem: p.read_bytes() for p in sorted(args.pages.glob("*.html"))}
    if not pages:
        print(f"{args.pages}: no .html pages", file=sys.stderr)
        return 1
    if args.predictions:
        args.predictions.mkdir(parents=True, exist_ok=True)
    for page_id, html in pages.items():
        text = trafilatura.extract(html, fast=args.fast) or ""
        if args.predictions:
            (args.predictions / f"{page_id}.json").write_text(json.dumps({"articleBody": text}))

    start = time.perf_counter()
    for _ in range(args.rounds):
        for html in pages.values():
            trafilatura.extract(html, fast=args.fast)
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "peer": f"trafilatura {trafilatura.__version__}" + (" fast" if args.fast else ""),
        "pages": len(pages),
        "rounds": args.rounds,
        "pages_per_second_1_thread": round(len(pages) * args.rounds / elapsed, 1),
        "peak_rss_kib": peak_kib,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
