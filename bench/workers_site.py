#!/usr/bin/env python3
"""A news site for bench/workers.sh: articles from a JSONL file (the lines `storyline import`
reads) as RSS feeds of at most --per-feed items each (grouped by outlet) and one HTML page
per article, written under --dir with an OPML list of the feeds; then, with --serve, served
over HTTP on 127.0.0.1 with every answer held back --latency-ms, as a remote site's would be.

Usage:
  workers_site.py write --dir DIR --base URL [--per-feed N] < articles.jsonl
  workers_site.py serve --dir DIR --port PORT [--latency-ms MS]
"""

import argparse
import html
import json
import os
import sys
import time
from collections import defaultdict
from email.utils import format_datetime
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from functools import partial


def write(directory, base, per_feed):
    pages = os.path.join(directory, "pages")
    os.makedirs(pages, exist_ok=True)
    by_outlet = defaultdict(list)
    count = 0
    for number, line in enumerate(sys.stdin):
        if not line.strip():
            continue
        article = json.loads(line)
        paragraphs = "".join(
            f"<p>{html.escape(p)}</p>\n" for p in (article.get("text") or article["title"]).split("\n") if p.strip()
        )
        title = html.escape(article["title"])
        outlet = html.escape(article.get("source") or "Unknown")
        published = article.get("published") or ""
        with open(os.path.join(pages, f"{number}.html"), "w", encoding="utf-8") as page:
            page.write(
                "<!doctype html><html><head><meta charset=\"utf-8\">"
                f"<title>{title}</title>"
                f"<meta property=\"og:site_name\" content=\"{outlet}\">"
                f"<meta property=\"article:published_time\" content=\"{published}\">"
                f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
            )
        by_outlet[article.get("source") or "Unknown"].append((number, article))
        count += 1
    feeds = []
    for outlet, articles in sorted(by_outlet.items()):
        for part in range(0, len(articles), per_feed):
            name = f"feed-{len(feeds)}.xml"
            items = []
            for number, article in articles[part : part + per_feed]:
                date = ""
                if article.get("published"):
                    stamp = datetime.fromisoformat(article["published"].replace("Z", "+00:00"))
                    date = f"<pubDate>{format_datetime(stamp)}</pubDate>"
                items.append(
                    f"<item><title>{html.escape(article['title'])}</title>"
                    f"<link>{base}/pages/{number}.html</link>"
                    f"<guid>{html.escape(article['url'])}</guid>{date}</item>"
                )
            with open(os.path.join(directory, name), "w", encoding="utf-8") as feed:
                feed.write(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
                    f"<title>{html.escape(outlet)}</title><link>{base}/</link>"
                    "<description>bench</description>\n" + "\n".join(items) + "</channel></rss>"
                )
            feeds.append((outlet, f"{base}/{name}"))
    with open(os.path.join(directory, "feeds.opml"), "w", encoding="utf-8") as opml:
        opml.write("<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>bench</title></head><body>\n")
        for outlet, url in feeds:
            opml.write(
                f"<outline type=\"rss\" text=\"{html.escape(outlet)}\" xmlUrl=\"{html.escape(url)}\"/>\n"
            )
        opml.write("</body></opml>\n")
    print(f"{count} articles in {len(feeds)} feeds", file=sys.stderr)


class SlowHandler(SimpleHTTPRequestHandler):
    latency = 0.0

    def do_GET(self):
        time.sleep(self.latency)
        super().do_GET()

    def log_message(self, *args):
        pass


def serve(directory, port, latency_ms):
    SlowHandler.latency = latency_ms / 1000.0
    handler = partial(SlowHandler, directory=directory)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["write", "serve"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--base")
    parser.add_argument("--per-feed", type=int, default=40)
    parser.add_argument("--port", type=int)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    if args.mode == "write":
        write(args.dir, args.base.rstrip("/"), args.per_feed)
    else:
        serve(args.dir, args.port, args.latency_ms)


if __name__ == "__main__":
    main()
