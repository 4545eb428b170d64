"""Ingest N generated plain-text releases from a folder into a fresh SQLite database.

Prints releases per second and peak memory, for a first run (all new) and a second (unchanged)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import releases
from bench.measure import peak_rss_mb
from pipeline import steps
from pipeline.app import App
from pipeline.settings import Settings
from pipeline.stages.ingest import ingest_source


def main() -> None:
    n = int(os.environ.get("BENCH_N", "2000"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "releases"
        folder.mkdir()
        for i, release in enumerate(releases(n)):
            stamp = release.published_at.strftime("%d %B %Y")
            (folder / f"r{i:06d}.txt").write_text(f"{stamp}. {release.text}", encoding="utf-8")
        config = Path(tmp) / "deskwatch.yaml"
        config.write_text("sources:\n  - {name: bench, type: files, path: releases}\n")
        app = App.load(config, Settings(database_url=f"sqlite:///{tmp}/bench.db"))
        now = datetime(2026, 1, 1, tzinfo=UTC)
        db = steps.prepare(app)
        [source] = app.config.sources
        for label in ("first run (all new)", "second run (unchanged)"):
            started = time.perf_counter()
            summary = ingest_source(db, source, now=now)  # the ingest stage alone
            elapsed = time.perf_counter() - started
            print(
                f"   {label}: {n} files in {elapsed:.2f} s = {n / elapsed:,.0f} releases/s "
                f"(new {summary.new_releases}, unchanged {summary.unchanged})"
            )
        db.dispose()
        print(f"   peak RSS {peak_rss_mb():.0f} MB (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
