"""deskwatch side by side with lemon24/reader on the same local Atom feed (issue 19).

One feed of N full-content entries (about 6.2 KB each, from bench.generate) is served from an
http.server thread on 127.0.0.1. Each contender runs in a child process of its own, on a fresh
archive, and reports the CPU seconds of its work (time.process_time, imports and schema creation
left out); the parent adds the child's whole CPU (resource.getrusage of children). Contenders,
in interleaved repetitions:

    reader      lemon24/reader's update_feeds() (only where `reader` is installed: the `bench`
                extra; never a runtime dependency)
    floor       BeautifulSoup + lxml text of each entry's HTML, sha256, one executemany insert
    ingest      deskwatch's ingest stage alone (pipeline.stages.ingest.ingest_source)
    pipeline    deskwatch's whole run in process (ingest, tag, diff, alerts), CPU per stage,
                then an unchanged re-run of the same feed on the same archive

Environment: BENCH_N (default "2000,5000"), BENCH_REPS (default 2), BENCH_DB ("sqlite",
"postgres" or "sqlite,postgres"; Postgres gets a fresh schema in DESKWATCH_TEST_POSTGRES_URL,
default postgresql://postgres@127.0.0.1:5432/test), BENCH_ONLY (a comma list of contenders).
Prints entries per CPU-second, the ratios the issue's targets name, and the load average.
Figures belong in bench/README.md; nothing here is a test.
"""

from __future__ import annotations

import html
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
CONTENDERS = ("reader", "floor", "ingest", "pipeline")


# --- the feed -----------------------------------------------------------------------------------


def build_feed(n: int, base: str) -> bytes:
    """N Atom entries with full HTML content of about 6.2 KB each, linking to pages on `base`."""
    from bench.generate import releases

    entries = []
    for i, release in enumerate(releases(n, paragraphs=(23, 30))):
        body = "".join(f"<p>{html.escape(p)}</p>" for p in release.text.split("\n\n"))
        entries.append(
            f"<entry><id>{base}/news/{i:06d}</id><title>{html.escape(release.title)}</title>"
            f'<link href="{base}/news/{i:06d}"/>'
            f"<updated>{release.published_at.isoformat()}</updated>"
            f'<content type="html">{html.escape(body)}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Bench</title><id>{base}/feed.atom</id>"
        f"<updated>{NOW.isoformat()}</updated>{''.join(entries)}</feed>"
    ).encode()


# --- the in-process run (the one place to follow pipeline API changes) ---------------------------


def run_pipeline(app: Any, now: datetime) -> dict[str, float]:
    """One whole run of deskwatch in process, no Prefect: CPU seconds per step, as the run's
    observer hears them (ingest is the time from the first source started to the last
    finished)."""
    from pipeline.plan import RunObserver, run_in_process

    marks: dict[str, float] = {}

    class Clock(RunObserver):
        def source_started(self, name: str) -> None:
            marks.setdefault("ingest:start", time.process_time())

        def source_finished(self, summary: Any) -> None:
            marks["ingest:end"] = time.process_time()

        def stage_started(self, name: str) -> None:
            marks[f"{name}:start"] = time.process_time()

        def stage_finished(self, name: str, counts: dict[str, int]) -> None:
            marks[f"{name}:end"] = time.process_time()

    started = time.process_time()
    run_in_process(app, now=now, observer=Clock())
    steps = {
        key.split(":")[0]: marks[key] - marks[key.split(":")[0] + ":start"]
        for key in marks
        if key.endswith(":end")
    }
    steps["total"] = time.process_time() - started
    return steps


# --- the children -------------------------------------------------------------------------------


def _child_reader(url: str, work: Path) -> dict[str, Any]:
    from reader import make_reader

    reader = make_reader(str(work / "reader.sqlite"))
    reader.add_feed(url)
    started = time.process_time()
    reader.update_feeds()
    cpu = time.process_time() - started
    entries = reader.get_entry_counts().total
    started = time.process_time()
    reader.update_feeds()
    return {"cpu": cpu, "entries": entries, "rerun_cpu": time.process_time() - started}


def _child_floor(url: str, work: Path) -> dict[str, Any]:
    import hashlib
    import sqlite3
    import urllib.request
    import warnings

    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
    from lxml import etree

    warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
    db = sqlite3.connect(work / "floor.sqlite")
    db.execute("CREATE TABLE doc (id TEXT PRIMARY KEY, text TEXT, sha256 TEXT)")
    started = time.process_time()
    raw = urllib.request.urlopen(url).read()  # noqa: S310 - 127.0.0.1
    tree = etree.fromstring(raw)
    atom = "{http://www.w3.org/2005/Atom}"
    rows = []
    for entry in tree.iter(atom + "entry"):
        content = entry.findtext(atom + "content") or ""
        text = BeautifulSoup(content, "lxml").get_text("\n")
        rows.append((entry.findtext(atom + "id"), text, hashlib.sha256(text.encode()).hexdigest()))
    with db:
        db.executemany("INSERT INTO doc VALUES (?, ?, ?)", rows)
    return {"cpu": time.process_time() - started, "entries": len(rows)}


def _deskwatch_app(url: str, work: Path, database_url: str, n: int) -> Any:
    import yaml

    from pipeline.app import App
    from pipeline.settings import Settings

    config = {
        "database_url": database_url,
        # the feed of 5,000 entries is 31 MB: above the default body cap (reader has none)
        "fetching": {"delay_s": 0, "backoff_s": 0, "retries": 0, "max_bytes": 200_000_000},
        "sources": [{"name": "bench", "type": "feed", "url": url, "max_entries": n}],
    }
    path = work / "deskwatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return App.load(path, settings=Settings(database_url=database_url))


def _child_ingest(url: str, work: Path, database_url: str, n: int) -> dict[str, Any]:
    from ingest.config import FeedSource
    from pipeline.stages.ingest import ingest_source

    app = _deskwatch_app(url, work, database_url, n)
    db = app.open_db(upgrade=True)
    source = FeedSource(name="bench", type="feed", url=url, max_entries=n)
    started = time.process_time()
    summary = ingest_source(db, source, now=NOW, fetching=app.fetching)
    cpu = time.process_time() - started
    if summary.new_releases != n:
        raise RuntimeError(f"ingest stored {summary.new_releases} of {n}: {summary.error}")
    started = time.process_time()
    ingest_source(db, source, now=NOW, fetching=app.fetching)
    rerun = time.process_time() - started
    db.dispose()
    return {"cpu": cpu, "entries": summary.new_releases, "rerun_cpu": rerun}


def _child_pipeline(url: str, work: Path, database_url: str, n: int) -> dict[str, Any]:
    from datetime import timedelta

    app = _deskwatch_app(url, work, database_url, n)
    app.open_db(upgrade=True).dispose()  # the schema is not the run's work
    first = run_pipeline(app, NOW)
    rerun = run_pipeline(app, NOW + timedelta(hours=1))
    return {"cpu": first["total"], "entries": n, "steps": first, "rerun": rerun}


def child_main(kind: str, url: str, work: str, database_url: str, n: int) -> None:
    folder = Path(work)
    if kind == "reader":
        out = _child_reader(url, folder)
    elif kind == "floor":
        out = _child_floor(url, folder)
    elif kind == "ingest":
        out = _child_ingest(url, folder, database_url, n)
    else:
        out = _child_pipeline(url, folder, database_url, n)
    print("RESULT " + json.dumps(out))


# --- the parent ---------------------------------------------------------------------------------


def _fresh_database(kind: str, work: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{work / 'deskwatch.db'}", None
    import psycopg

    admin = os.environ.get(
        "DESKWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = admin.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    import psycopg

    admin = os.environ.get(
        "DESKWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _run_child(kind: str, url: str, database: str, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        database_url, schema = _fresh_database(database, Path(tmp))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_pipeline_vs_reader",
                    "--child",
                    kind,
                    url,
                    tmp,
                    database_url,
                    str(n),
                ],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "PREFECT_API_URL": ""},
            )
        finally:
            if schema:
                _drop_schema(schema)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    out["child_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def main() -> None:
    from tests.fixtures.servers import LocalHTTPServer, Response

    sizes = [int(v) for v in os.environ.get("BENCH_N", "2000,5000").split(",")]
    reps = int(os.environ.get("BENCH_REPS", "2"))
    databases = os.environ.get("BENCH_DB", "sqlite").split(",")
    only = os.environ.get("BENCH_ONLY")
    contenders = [c for c in CONTENDERS if not only or c in only.split(",")]
    if "reader" in contenders and not _installed("reader"):
        print("   reader is not installed (pip install -e '.[bench]'): it is left out")
        contenders.remove("reader")
    server = LocalHTTPServer()
    server.server.RequestHandlerClass.disable_nagle_algorithm = True
    server.start()
    print(f"   python {sys.version.split()[0]}, load average {os.getloadavg()}")
    try:
        for n in sizes:
            feed = build_feed(n, server.base_url)
            etag = f'"{uuid.uuid4().hex}"'

            def route(request: Any, feed: bytes = feed, etag: str = etag) -> Response:
                if request.headers.get("If-None-Match") == etag:
                    return Response(b"", 304, {"ETag": etag})
                return Response(feed, 200, {"Content-Type": "application/atom+xml", "ETag": etag})

            server.routes["/feed.atom"] = route
            url = server.url("/feed.atom")
            print(f"N = {n:,} entries, {len(feed) / n / 1024:.1f} KB each")
            for database in databases:
                results: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
                for _rep in range(reps):  # interleaved: every contender once per round
                    for kind in contenders:
                        if kind in ("reader", "floor") and database != databases[0]:
                            continue
                        results[kind].append(_run_child(kind, url, database, n))
                _report(n, database, results)
                print(f"   load average {os.getloadavg()}")
    finally:
        server.stop()


def _rate(result: dict[str, Any]) -> float:
    return float(result["entries"]) / result["cpu"] if result["cpu"] else float("nan")


def _report(n: int, database: str, results: dict[str, list[dict[str, Any]]]) -> None:
    rates = {k: [_rate(r) for r in v] for k, v in results.items() if v}
    for kind, values in rates.items():
        whole = statistics.median(r["child_cpu"] for r in results[kind])
        print(
            f"   {database:8} {kind:8} {min(values):7.0f}-{max(values):5.0f} entries/CPU-s "
            f"(work {statistics.median(r['cpu'] for r in results[kind]):6.2f} CPU-s, "
            f"whole child {whole:6.2f} CPU-s)"
        )
    if results.get("pipeline"):
        steps = results["pipeline"][-1]["steps"]
        parts = ", ".join(f"{k} {v:.2f}" for k, v in steps.items() if k != "total")
        print(f"   {database:8} pipeline CPU-s by step: {parts}")
        rerun = [r["rerun"]["total"] for r in results["pipeline"]]
        print(f"   {database:8} unchanged re-run: {min(rerun):.3f}-{max(rerun):.3f} CPU-s")
    if results.get("ingest"):
        rerun = [r["rerun_cpu"] for r in results["ingest"]]
        print(f"   {database:8} ingest stage unchanged re-run: {max(rerun):.3f} CPU-s")
    median = {k: statistics.median(v) for k, v in rates.items()}
    for mine in ("pipeline", "ingest"):
        for theirs in ("reader", "floor"):
            if mine in median and theirs in median:
                print(
                    f"   {database:8} {mine} / {theirs}: {median[mine] / median[theirs]:.2f} "
                    "(rate ratio, medians)"
                )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        main()
