"""Overlapping runs take their own `now`. When the run with the later clock adds a new subscription
first, the run with the earlier clock must not store versions "older" than that subscription
(a subscription hears only about versions fetched after it was created): it runs at the
subscription's time instead (pipeline.steps.run_time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import steps
from pipeline.app import App
from pipeline.settings import Settings
from tests.e2e.workspace import write_workspace

T1 = datetime(2026, 11, 27, 8, 0, 0, tzinfo=UTC)
T2 = T1 + timedelta(seconds=2)


def test_the_run_with_the_earlier_clock_still_alerts_new_subscribers(
    db_url: str, tmp_path: Path
) -> None:
    config = write_workspace(tmp_path / "ws")
    app = App.load(config, Settings(database_url=db_url, outbox_dir=tmp_path / "outbox"))
    steps.prepare(app, now=T2).dispose()  # the later run synced the subscriptions first
    db = steps.prepare(app, now=T1)  # the earlier run: nothing left to sync
    try:
        assert steps.run_time(db, T1) == T2
        assert steps.run_time(db, T2 + timedelta(hours=1)) == T2 + timedelta(hours=1)
        now = steps.run_time(db, T1)  # with T1 itself, no alert would be created
        for source in steps.enabled_sources(app):
            steps.ingest(app, db, source, now=now)
        counts = steps.after_ingest(app, db, now=now)
    finally:
        db.dispose()
    assert counts["alerts_created"] > 0
