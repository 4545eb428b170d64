"""Feed + page ingestion from a local HTTP server on 127.0.0.1 into a fresh SQLite database.

A generated Atom feed of N summary-only entries (BENCH_WEB_N, default 500), each linking to a
generated HTML page on the same server (with navigation, a cookie banner and a footer to strip).
Three runs: all new (feed + N pages fetched and extracted), feed unchanged (one 304), and feed
changed with every page unchanged (N conditional GETs answered 304). No politeness delay: the
server is local. Prints entries per second and peak memory."""

from __future__ import annotations

import hashlib
import html
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

from bench.generate import releases
from bench.measure import peak_rss_mb
from ingest.config import FeedSource
from ingest.fetch import FetchPolicy
from pipeline.stages.ingest import ingest_source
from storage.db import open_database
from tests.fixtures.servers import LocalHTTPServer, Response

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="cookie-banner"><p>We use cookies.</p></div>
<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article><h1>{title}</h1>{paragraphs}</article></main>
<footer><p>Ministry of Foreign Affairs</p></footer></body></html>"""


def _conditional(body: bytes, content_type: str):  # noqa: ANN202
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def route(request: BaseHTTPRequestHandler) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(b"", 304, {"ETag": etag})
        return Response(body, 200, {"Content-Type": content_type, "ETag": etag})

    return route


def _feed(items: list[tuple[str, str, datetime]], updated: datetime) -> bytes:
    entries = "".join(
        f"<entry><id>tag:bench,2026:{path}</id><title>{html.escape(title)}</title>"
        f'<link href="{path}"/><updated>{when.isoformat()}</updated>'
        f"<summary>{html.escape(title)}</summary></entry>"
        for path, title, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Bench</title><updated>{updated.isoformat()}</updated>{entries}</feed>"
    ).encode()


def main() -> None:
    n = int(os.environ.get("BENCH_WEB_N", "500"))
    server = LocalHTTPServer()
    # send headers and body without Nagle's delay (the test server writes them separately)
    server.server.RequestHandlerClass.disable_nagle_algorithm = True
    server.start()
    items = []
    for i, release in enumerate(releases(n)):
        path = f"/news/{i:06d}"
        paragraphs = "".join(
            f"<p>{html.escape(p)}</p>" for p in release.text.split("\n\n") if p.strip()
        )
        page = PAGE.format(title=html.escape(release.title), paragraphs=paragraphs).encode()
        server.routes[path] = _conditional(page, "text/html; charset=utf-8")
        items.append((path, release.title, release.published_at))
    policy = FetchPolicy(delay_s=0, backoff_s=0)
    source = FeedSource(name="bench", type="feed", url=server.url("/feed.atom"), max_entries=n)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(f"sqlite:///{tmp}/bench.db", upgrade=True)
            runs = [
                ("first run (all new)", now),
                ("second run (feed 304)", now),
                ("third run (feed changed, pages 304)", now + timedelta(hours=1)),
            ]
            for label, feed_time in runs:
                feed = _feed(items, feed_time)
                server.routes["/feed.atom"] = _conditional(feed, "application/atom+xml")
                server.requests.clear()
                started = time.perf_counter()
                summary = ingest_source(db, source, now=feed_time, fetching=policy)
                elapsed = time.perf_counter() - started
                print(
                    f"   {label}: {n} entries in {elapsed:.2f} s = {n / elapsed:,.0f} entries/s, "
                    f"{len(server.requests)} requests "
                    f"(new {summary.new_releases}, status {summary.status})"
                )
            db.dispose()
    finally:
        server.stop()
    print(f"   peak RSS {peak_rss_mb():.0f} MB (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
