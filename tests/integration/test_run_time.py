"""Overlapping runs take their own `now`. When the run with the later clock adds a new subscription
first, the run with the earlier clock must not store versions "older" than that subscription
(a subscription hears only about versions fetched after it was created): it runs at the
subscription's time instead (pipeline.steps.run_time, which pipeline.plan.start applies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import plan, steps
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
    finally:
        db.dispose()


def test_a_run_on_the_clock_runs_at_the_newer_subscriptions_time(
    db_url: str, tmp_path: Path
) -> None:
    """The plan applies it: a run whose clock is behind still creates the alerts."""
    config = write_workspace(tmp_path / "ws")
    app = App.load(config, Settings(database_url=db_url, outbox_dir=tmp_path / "outbox"))
    later = datetime.now(UTC) + timedelta(hours=1)  # an overlapping run with a clock ahead
    steps.prepare(app, now=later).dispose()
    db, run = plan.start(app)  # on this process's clock
    try:
        assert run.now == later
        summary = plan.execute(run, plan.InProcess(app, db))
    finally:
        db.dispose()
    assert summary.failures == []
    assert summary.totals()["alerts_created"] > 0
