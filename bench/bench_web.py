"""The reading room's pages over a generated archive of 100,000 releases, on SQLite and Postgres.

The archive is bench.bench_search's (bench.generate's releases with tags, sources and types,
bulk-loaded), plus second versions of 300 releases, phrase uses, subscriptions and alerts so
that every page has something to show. Each page of the mix is requested through the app itself
(Starlette's TestClient: routing, middleware, the queries, the template), in HTML, and the
median and p95 per page are printed, then the median and maximum of each search. Target: p95
under 150 ms for every page.

    python -m bench.bench_web                 # BENCH_N=100000 by default
    BENCH_N=10000 BENCH_BACKENDS=sqlite python -m bench.bench_web
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
import warnings
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.bench_search import NOW, load
from bench.measure import median, percentile
from core.tokens import sign
from storage.db import Database, open_database
from storage.models import Alert, PhraseUse, Release, ReleaseVersion, Subscription, Tag

REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
EDITED = 300
SECRET = "bench-secret-0123456789"
SEARCHES = [
    "ceasefire",
    '"sustainable ceasefire"',
    "hostages OR pauses",
    "sanctions country:RU since:2024-06-01",
    "theme:climate-change",
    "ukraine",
]
THEMES = ["sanctions", "humanitarian", "climate-change", "indo-pacific"]
COUNTRIES = ["UA", "JP", "PS", "RU"]


def extras(db: Database, n: int) -> dict[str, Any]:
    """Second versions, phrase uses, subscriptions and alerts; the ids the page mix asks for."""
    rng = random.Random(5)
    edited = sorted(rng.sample(range(1, n + 1), min(EDITED, n)))
    with db.session() as session:
        olds = {v.release_id: v for v in session.scalars(
            select(ReleaseVersion).where(ReleaseVersion.release_id.in_(edited))
        )}  # fmt: skip
        # the next ids, as the database hands them out: the search's planner estimates the
        # number of versions from the highest id
        second = {rid: n + 1 + i for i, rid in enumerate(edited)}
        news = []
        for rid in edited:
            old = olds[rid]
            text = old.text.replace(" the ", " a ", 3) + "\n\nUpdated: figures corrected."
            news.append({
                "id": second[rid], "release_id": rid, "number": 2,
                "fetched_at": old.fetched_at + timedelta(days=2), "title": old.title,
                "raw": text.encode(), "content_type": "text/plain",
                "raw_sha256": f"{second[rid]:064x}", "text": text, "sha256": f"{second[rid]:064x}",
                "change_note": "Figures corrected", "publisher_links": [],
            })  # fmt: skip
        session.execute(insert(ReleaseVersion), news)
        tags = session.execute(
            select(Tag.release_id, Tag.kind, Tag.value).where(
                Tag.kind.in_(["theme", "country"]), Tag.release_id.in_(edited)
            )
        ).all()
        session.execute(insert(Tag), [
            {"release_id": t.release_id, "version_id": second[t.release_id], "kind": t.kind,
             "value": t.value, "score": 0.8, "origin": "rule", "focus": False, "evidence": [],
             "attributes": {}, "taxonomy_version": "bench", "created_at": NOW}
            for t in tags
        ])  # fmt: skip
        # phrase uses are per version; a history reads them through the version's tags
        uses = {}
        words = ["ceasefire", "humanitarian pauses", "price cap", "shadow fleet", "air defence"]
        for i in range(min(20_000, n)):
            rid = rng.randrange(1, n + 1)
            phrase = f"{rng.choice(words)} {i % 40}"
            uses[(phrase, rid)] = {
                "phrase": phrase, "weight": 0.0, "release_id": rid, "version_id": rid,
                "used_at": NOW - timedelta(days=rng.randrange(900)),
            }  # fmt: skip
        session.execute(insert(PhraseUse), list(uses.values()))
        emails = [f"desk{i}@example.org" for i in range(20)]
        session.execute(insert(Subscription), [
            {"email": e, "name": f"desk {i}", "themes": [THEMES[i % 4]], "countries": [],
             "keywords": [], "frequency": "immediate", "focus_only": False, "origin": "cli",
             "created_at": NOW - timedelta(days=90)}
            for i, e in enumerate(emails)
        ])  # fmt: skip
        statuses = ["sent"] * 8 + ["failed", "pending"]
        session.execute(insert(Alert), [
            {"email": emails[i % 20], "release_id": rid, "version_id": rid,
             "frequency": "immediate", "reasons": [{"kind": "theme", "value": "sanctions",
             "label": "Sanctions"}], "status": statuses[i % 10], "attempts": 1,
             "created_at": NOW - timedelta(minutes=i)}
            for i, rid in enumerate(rng.sample(range(1, n + 1), min(5000, n)))
        ])  # fmt: skip
        release_ids = [rng.randrange(1, n + 1) for _ in range(40)]
        assert session.get(Release, edited[0]) is not None
    return {"edited": edited, "releases": release_ids, "emails": emails}


def page_mix(ids: dict[str, Any]) -> dict[str, list[str]]:
    def token(email: str) -> str:
        return sign(email, SECRET.encode(), expires=NOW + timedelta(days=30))

    return {
        "home": ["/"],
        "search": [f"/search?q={q}" for q in SEARCHES],
        "search page 5": [f"/search?q={q}&page=5" for q in SEARCHES[:3]],
        "release": [f"/releases/{rid}" for rid in ids["releases"][:20]],
        "release + tag": [f"/releases/{rid}?tag=theme:sanctions" for rid in ids["edited"][:10]],
        "compare": [f"/releases/{rid}/compare?a=1&b=2" for rid in ids["edited"][:10]],
        "theme": [f"/themes/{t}" for t in THEMES],
        "country": [f"/countries/{c}" for c in COUNTRIES],
        "alerts": ["/alerts", "/alerts?status=failed"],
        "subscriptions": [f"/subscriptions/{token(e)}" for e in ids["emails"][:5]],
    }


def measure(url: str, ids: dict[str, Any]) -> None:
    from starlette.testclient import TestClient

    from deskwatch.web.app import create_app
    from deskwatch.web.settings import web_settings
    from pipeline.app import App
    from pipeline.settings import Settings

    app = App.load(None, settings=Settings(database_url=url, web_secret=SECRET))  # type: ignore[arg-type]
    timings: dict[str, list[float]] = defaultdict(list)
    searches: dict[str, list[float]] = defaultdict(list)  # per query: the tail is one of them
    with TestClient(create_app(app, web_settings(app), clock=lambda: NOW)) as client:
        for name, paths in page_mix(ids).items():
            for path in paths:
                first = client.get(path)  # warm the caches once
                assert first.status_code == 200, (path, first.status_code, first.text[:300])
                for _ in range(REPEATS):
                    started = time.perf_counter()
                    response = client.get(path)
                    timings[name].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                    if name.startswith("search"):
                        searches[path].append(timings[name][-1])
    everything = [t for values in timings.values() for t in values]
    print(f"   {'page':<15} {'median ms':>10} {'p95 ms':>9} {'max ms':>9}")
    for name, values in [*timings.items(), ("all", everything)]:
        print(
            f"   {name:<15} {median(values):>10.1f} {percentile(values, 95):>9.1f} "
            f"{max(values):>9.1f}"
        )
    print(f"   {'search':<48} {'median ms':>10} {'max ms':>9}")
    for path, values in searches.items():
        print(f"   {path[len('/search?q=') :]:<48} {median(values):>10.1f} {max(values):>9.1f}")


def run_backend(backend: str, n: int) -> None:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="deskwatch-bench-web-", dir="/tmp")
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        db = open_database(url, upgrade=True)
        try:
            print(f"   loaded {n:,} releases in {load(db, n):.0f} s", flush=True)
            ids = extras(db, n)
            measure(url, ids)
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
    url = f"{admin}{sep}options=-csearch_path%3D{schema}"
    db = open_database(url, upgrade=True)
    try:
        print(f"   loaded {n:,} releases in {load(db, n):.0f} s", flush=True)
        ids = extras(db, n)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        measure(url, ids)
    finally:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    warnings.simplefilter("ignore", DeprecationWarning)  # Starlette's TestClient prefers httpx2
    n = int(os.environ.get("BENCH_N", "100000"))
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
    for backend in backends:
        print(f"-- {backend}: {n:,} releases, {REPEATS} runs of each page", flush=True)
        run_backend(backend.strip(), n)
        load1, load5, _ = os.getloadavg()
        print(f"   load average {load1:.1f} (1 min), {load5:.1f} (5 min) on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
