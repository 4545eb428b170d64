"""Search latency over a generated archive of 100,000 releases, on SQLite and on PostgreSQL.

The releases come from bench.generate (varied themes, countries, lengths and dates), with tags,
people, sources and document types added here; they are bulk-inserted (executemany), so the
full-text index is filled by the same triggers as in production. Then a query mix (single words,
phrases, boolean, prefix, with and without facets) runs `storage.search.search` (the whole
search: matching, ranking, tags and snippets of the page of 20) and prints median and p95
latency per kind and overall. Targets: median under 20 ms and p95 under 100 ms on both. It also
exports the whole archive (to nowhere) and prints the export's rate and the growth of the peak
memory, and times a monthly timeline.

    python -m bench.bench_search              # BENCH_N=100000 by default
    BENCH_N=10000 BENCH_BACKENDS=sqlite python -m bench.bench_search

The SQLite file is under /tmp and the Postgres schema (in DESKWATCH_BENCH_POSTGRES_URL, default
the test database on 127.0.0.1) is dropped afterwards.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.generate import COUNTRY_CODES
from bench.generate import releases as generated
from bench.measure import median, peak_rss_mb, percentile
from core.query import parse
from storage.db import Database, open_database
from storage.models import Release, ReleaseVersion, Source, Tag
from storage.search import export_rows, matching, search, timeline

CODES = COUNTRY_CODES
PEOPLE = [
    "Yōko Kamikawa", "Minoru Kihara", "David Lammy", "Grant Shapps", "James Cleverly",
    "Dmytro Kuleba", "Annalena Baerbock", "Stéphane Séjourné", "Radosław Sikorski",
    "Hakan Fidan", "Penny Wong", "S. Jaishankar",
]  # fmt: skip
SOURCES = ["fcdo-news", "mod-news", "no10-news", "govuk-world"]
TYPES = ["press_release", "news_story", "speech", "statement", "oral_statement"]
# what desk officers type: topical words (a few per cent of releases), rare names, and some very
# common words and phrases (a third of the archive mentions Ukraine) that rank thousands of hits
QUERIES = {
    "word": [
        "ceasefire",
        "semiconductors",
        "hostages",
        "tariffs",
        "Kosovo",
        "interoperability",
        "cholera",
        "whisky",
        "Kovalenko",
        "ukraine",
        "sanctions",
    ],
    "phrase": [
        '"sustainable ceasefire"',
        '"critical minerals"',
        '"human rights defenders"',
        '"shadow fleet"',
        '"air defence"',
        '"foreign secretary"',
    ],
    "boolean": [
        "sanctions AND regime",
        "hostages OR pauses",
        "ukraine -russia",
        "(japan OR korea) exercises",
        "sanction*",
        "cholera OR measles",
        "ukraine energy",
    ],
    "word+facets": [
        "ceasefire country:PS",
        "exercises theme:indo-pacific since:2024-01-01",
        "aid country:UA,RU -theme:sanctions",
        'person:"Yoko Kamikawa" japan',
        "tariffs type:news_story source:fcdo-news",
        "sanctions country:RU since:2024-06-01",
        "ukraine theme:humanitarian",
    ],
    "facets only": [
        "theme:climate-change",
        "country:JP since:2024-06-01 until:2024-09-30",
        "type:speech source:mod-news",
        "person:Lammy country:UA",
    ],
}
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))
CHUNK = 2000
NOW = datetime(2025, 1, 2, tzinfo=UTC)


def rows(n: int) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    rng = random.Random(11)
    for i, item in enumerate(generated(n, start=NOW - timedelta(days=1))):
        rid = i + 1
        fetched = item.published_at + timedelta(minutes=rng.randint(5, 600))
        text = item.text
        release = {
            "id": rid,
            "key": item.key,
            "source_id": 1 + i % len(SOURCES),
            "url": item.key,
            "title": item.title,
            "published_at": item.published_at,
            "first_seen_at": fetched,
            "last_seen_at": fetched,
            "language": "en",
            "document_type": TYPES[rng.randrange(len(TYPES))],
        }
        version = {
            "id": rid,
            "release_id": rid,
            "number": 1,
            "fetched_at": fetched,
            "title": item.title,
            "raw": text.encode(),
            "content_type": "text/plain",
            "raw_sha256": f"{rid:064x}",
            "text": text,
            "sha256": f"{rid:064x}",
            "publisher_links": [],
        }
        tags = [
            _tag(rid, "theme", theme, j == 0, 1.0 - j / 10) for j, theme in enumerate(item.themes)
        ]
        tags += [
            _tag(rid, "country", CODES[name], j == 0, 1.0 - j / 10)
            for j, name in enumerate(item.countries)
        ]
        if rng.random() < 0.3:
            tags.append(_tag(rid, "person", rng.choice(PEOPLE), False, 0.5))
        yield release, version, tags


def _tag(rid: int, kind: str, value: str, focus: bool, score: float) -> dict[str, Any]:
    return {
        "release_id": rid,
        "version_id": rid,
        "kind": kind,
        "value": value,
        "score": score,
        "origin": "rule",
        "focus": focus,
        "evidence": [],
        "attributes": {},
        "taxonomy_version": "bench",
        "created_at": NOW,
    }


def load(db: Database, n: int) -> float:
    started = time.perf_counter()
    with db.session() as session:
        session.execute(
            insert(Source),
            [{"id": i + 1, "name": name, "type": "files", "settings": {}, "enabled": True,
              "created_at": NOW} for i, name in enumerate(SOURCES)],
        )  # fmt: skip
    batch: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for release, version, tags in rows(n):
        batch["releases"].append(release)
        batch["versions"].append(version)
        batch["tags"].extend(tags)
        if len(batch["releases"]) >= CHUNK:
            _flush(db, batch)
    _flush(db, batch)
    if db.dialect == "postgresql":
        # what autovacuum does within a minute of a bulk load: statistics for the planner and
        # the visibility map for index-only scans
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(_text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def _text(sql: str) -> Any:
    from sqlalchemy import text

    return text(sql)


def _flush(db: Database, batch: dict[str, list[dict[str, Any]]]) -> None:
    if not batch["releases"]:
        return
    with db.session() as session:
        session.execute(insert(Release), batch["releases"])
        session.execute(insert(ReleaseVersion), batch["versions"])
        session.execute(insert(Tag), batch["tags"])
    batch.clear()


def measure(db: Database) -> None:
    timings: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    matches: dict[str, int] = {}
    with db.session() as session:
        for kind, queries in QUERIES.items():
            for q in queries:
                parsed = parse(q)
                search(session, parsed, limit=20)  # warm the cache once
                for _ in range(REPEATS):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    search(session, parsed, limit=20)
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    cpu[kind].append((time.process_time() - started_cpu) * 1000)
                found = matching(session, parsed).subquery()
                matches[q] = session.execute(select(func.count()).select_from(found)).scalar() or 0
    everything = [t for values in timings.values() for t in values]
    all_cpu = [t for values in cpu.values() for t in values]
    where = "this process (SQLite runs in it)" if db.dialect == "sqlite" else "the client only"
    print(f"   wall-clock latency of a search (page of 20); CPU time of {where}")
    print(
        f"   {'query kind':<14} {'median ms':>10} {'p95 ms':>9} {'max ms':>9} {'CPU median':>11}"
        f" {'matches: median':>16} {'max':>7}"
    )
    for kind, values in [*timings.items(), ("all", everything)]:
        cpu_values = cpu[kind] if kind != "all" else all_cpu
        found = [matches[q] for q in QUERIES[kind]] if kind != "all" else list(matches.values())
        print(
            f"   {kind:<14} {median(values):>10.1f} {percentile(values, 95):>9.1f} "
            f"{max(values):>9.1f} {median(cpu_values):>11.1f} {median(found):>16,.0f} "
            f"{max(found):>7,}"
        )
    print("   matches: " + "; ".join(f"{q} {n:,}" for q, n in matches.items()))
    slowest = sorted(
        ((median(timings[k][i * REPEATS : (i + 1) * REPEATS]), q)
         for k, qs in QUERIES.items() for i, q in enumerate(qs)),
        reverse=True,
    )[:3]  # fmt: skip
    print("   slowest: " + "; ".join(f"{q} {ms:.0f} ms" for ms, q in slowest))

    with db.session() as session:
        started = time.perf_counter()
        months = timeline(session, parse(""), by="month")
        elapsed = time.perf_counter() - started
    print(f"   timeline of everything by month: {elapsed * 1000:.0f} ms ({len(months)} months)")

    before = peak_rss_mb()
    started = time.perf_counter()
    exported = 0
    with db.session() as session, open(os.devnull, "w", encoding="utf-8") as sink:
        for row in export_rows(session, parse("")):
            sink.write(row["text"])
            exported += 1
    elapsed = time.perf_counter() - started
    print(
        f"   export of all: {exported:,} releases in {elapsed:.1f} s "
        f"({exported / elapsed:,.0f}/s); peak RSS {before:.0f} -> {peak_rss_mb():.0f} MB"
    )


def run_backend(backend: str, n: int) -> None:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="deskwatch-bench-search-", dir="/tmp")
        path = Path(folder) / "bench.db"
        db = open_database(f"sqlite:///{path}", upgrade=True)
        try:
            print(f"   loaded {n:,} releases in {load(db, n):.0f} s", flush=True)
            print(f"   database file {path.stat().st_size / 1e6:,.0f} MB", flush=True)
            measure(db)
        finally:
            db.dispose()
            for f in Path(folder).iterdir():
                f.unlink()
            Path(folder).rmdir()
        return
    import psycopg

    admin = os.environ.get(
        "DESKWATCH_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    schema = "bench_" + uuid.uuid4().hex[:10]
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as exc:
        print(f"   skipped: PostgreSQL at {admin} does not answer: {exc}")
        return
    sep = "&" if "?" in admin else "?"
    db = open_database(f"{admin}{sep}options=-csearch_path%3D{schema}", upgrade=True)
    try:
        with db.engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            buffers = conn.exec_driver_sql("SHOW shared_buffers").scalar()
        print(f"   PostgreSQL {version}, shared_buffers {buffers}", flush=True)
        print(f"   loaded {n:,} releases in {load(db, n):.0f} s", flush=True)
        measure(db)
    finally:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    n = int(os.environ.get("BENCH_N", "100000"))
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
    for backend in backends:
        print(f"-- {backend}: {n:,} releases, {REPEATS} runs of each query", flush=True)
        run_backend(backend.strip(), n)
        load1, load5, _ = os.getloadavg()
        print(f"   load average {load1:.1f} (1 min), {load5:.1f} (5 min) on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
