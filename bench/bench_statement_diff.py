"""The diff stage's cost per new release as the archive grows, on SQLite and PostgreSQL (issue 19:
candidates found by index, phrase uses once per version, so the cost should stay flat).

For each archive size (BENCH_SIZES, default 1,000 and 10,000; add 50000 for the big one) and each
backend (BENCH_BACKENDS, default sqlite,postgres): an archive of generated releases
(bench.generate), one version each, with their theme and focus-country tags and their phrase
uses (bench.bench_diffing.load, as the diff stage records them), then BENCH_BATCH (500) new
releases stated after all of it, tagged the same way. Two figures:

(a) one release's statement diffs (pipeline.stages.diff.statement_diffs, a fresh text cache
    and empty per-sentence caches (diffing.memo), the bases' shares read once as the stage
    reads them per batch) for each of the first
    BENCH_ONE (40) new releases: median and p95 wall time, the best of three runs each
    (target: median < 20 ms on the 10,000 archive);
(b) the whole batch diffed by the stage itself (pipeline.stages.diff.diff_versions: version
    diffs, baseline choice, statement diffs, phrase uses, all stored), in batches of the stage's
    size: wall and CPU milliseconds per release, and the ratio to the smallest archive (target:
    within 1.2x). CPU time is this process's: on PostgreSQL the server's own work shows in the
    wall time only.

Each archive is built once and rolled back to after (a): (b) runs on the archive as built.
Prints the machine's load with the figures. Never part of the tests.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bench.bench_diffing import START, load
from bench.generate import SyntheticRelease, releases
from bench.measure import percentile
from diffing import memo
from diffing.baseline import COMMON_SAMPLE
from pipeline.config import DiffingConfig
from pipeline.stages.diff import (
    BATCH_SIZE,
    SHARE_SAMPLE,
    TextCache,
    diff_versions,
    statement_diffs,
)
from storage.candidates import bases_of_versions, basis_shares
from storage.db import Database, open_database
from storage.models import PhraseUse, Release, ReleaseVersion, Source

ROUNDS = 3


@contextmanager
def archive_db(backend: str, folder: Path) -> Iterator[Database | None]:
    """An empty, migrated archive on `backend` (None when PostgreSQL does not answer)."""
    if backend == "sqlite":
        db = open_database(f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}", upgrade=True)
        try:
            yield db
        finally:
            db.dispose()
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
        yield None
        return
    sep = "&" if "?" in admin else "?"
    db = open_database(f"{admin}{sep}options=-csearch_path%3D{schema}", upgrade=True)
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def build(db: Database, size: int, batch: int) -> tuple[list[int], float, int]:
    """The archive and the new batch; returns the new version ids, build seconds, phrase rows."""
    started = time.perf_counter()
    with db.session() as session:
        session.add(Source(id=1, name="bench", type="files", settings={}))
        session.flush()
        archive = sorted(releases(size, seed=11, start=START), key=lambda r: r.published_at)
        load(session, archive, phrases=True, first_id=1)
        after = archive[-1].published_at
        fresh = [
            SyntheticRelease(
                key=r.key + "-new",
                title=r.title,
                text=r.text,
                themes=r.themes,
                countries=r.countries,
                published_at=after + timedelta(minutes=10 * (i + 1)),
            )
            for i, r in enumerate(releases(batch, seed=99, start=START))
        ]
        new_ids = load(session, fresh, phrases=False, first_id=size + 1)
        phrase_rows = session.scalar(select(func.count()).select_from(PhraseUse)) or 0
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return new_ids, time.perf_counter() - started, phrase_rows


def one_release(db: Database, new_ids: list[int], count: int) -> tuple[list[float], list[float]]:
    """(a): the best of ROUNDS wall and CPU times (ms) of one release's statement diffs, per
    release."""
    settings = DiffingConfig()
    best: list[float] = []
    best_cpu: list[float] = []
    with db.session() as session:
        bases = bases_of_versions(session, new_ids[:count])
        # once per batch, as the stage reads them
        shares = basis_shares(
            session,
            {b for group in bases.values() for b in group},
            sample=SHARE_SAMPLE,
            minimum=COMMON_SAMPLE,
        )
        for vid in new_ids[:count]:
            version = session.get(ReleaseVersion, vid)
            assert version is not None
            _ = version.release
            runs, cpus = [], []
            for _round in range(ROUNDS):
                memo.clear()  # cold: no sentence matched or split by an earlier round
                t0, c0 = time.perf_counter(), time.process_time()
                statement_diffs(
                    session,
                    version,
                    bases.get(vid, []),
                    lookback=timedelta(days=settings.lookback_days),
                    candidates=settings.candidates,
                    cache=TextCache(session),
                    shares=shares,
                )
                runs.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
            best.append(min(runs))
            best_cpu.append(min(cpus))
        session.rollback()
    return best, best_cpu


def whole_batch(db: Database, new_ids: list[int]) -> tuple[float, float, int]:
    """(b): wall and CPU ms per release of the stage diffing the batch, and diffs stored."""
    settings = DiffingConfig()
    stored = 0
    wall = cpu = 0.0
    memo.clear()  # nothing left over from (a)
    for start in range(0, len(new_ids), BATCH_SIZE):
        ids = new_ids[start : start + BATCH_SIZE]
        with db.session() as session:
            versions = list(
                session.scalars(
                    select(ReleaseVersion)
                    .where(ReleaseVersion.id.in_(ids))
                    .join(Release, Release.id == ReleaseVersion.release_id)
                    .order_by(Release.published_at, ReleaseVersion.id)
                    .options(selectinload(ReleaseVersion.release))
                )
            )
            t0, c0 = time.perf_counter(), time.process_time()
            counts = diff_versions(session, versions, settings=settings, now=START)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            stored += counts["statement_diffs"]
    return wall * 1000 / len(new_ids), cpu * 1000 / len(new_ids), stored


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
    backends = [b.strip() for b in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")]
    batch = int(os.environ.get("BENCH_BATCH", "500"))
    count = int(os.environ.get("BENCH_ONE", "40"))
    for backend in backends:
        print(f"-- {backend}: a batch of {batch} new releases on each archive", flush=True)
        first: tuple[float, float] | None = None
        with tempfile.TemporaryDirectory() as tmp:
            for size in sizes:
                with archive_db(backend, Path(tmp)) as db:
                    if db is None:
                        break
                    new_ids, built, phrase_rows = build(db, size, batch)
                    one, one_cpu = one_release(db, new_ids, count)
                    wall, cpu, stored = whole_batch(db, new_ids)
                first = first or (wall, cpu)
                print(
                    f"   archive {size:>6,} releases ({phrase_rows:,} phrase uses, built in "
                    f"{built:.0f} s)\n"
                    f"      (a) one release's statement diffs: median "
                    f"{statistics.median(one):5.1f} ms wall (CPU "
                    f"{statistics.median(one_cpu):.1f} ms), p95 {percentile(one, 95):5.1f} ms "
                    f"(best of {ROUNDS}, {len(one)} releases)\n"
                    f"      (b) the stage on {batch} new releases: {wall:5.1f} ms wall, "
                    f"{cpu:5.1f} ms CPU per release ({stored} statement diffs compared); "
                    f"x{wall / first[0]:.2f} wall, x{cpu / first[1]:.2f} CPU of the "
                    f"{sizes[0]:,} archive; load average {os.getloadavg()[0]:.1f} on "
                    f"{os.cpu_count()} CPUs",
                    flush=True,
                )
    print("   targets: (a) median < 20 ms at 10,000; (b) within 1.2x of the smallest archive")


if __name__ == "__main__":
    main()
