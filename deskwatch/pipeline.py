"""The plain-Python pipeline that the Prefect flows and the CLI both call.

    prepare(app)            open the database, apply migrations, sync the configured sources
    ingest_source(...)      one source, one transaction (deskwatch.stages.ingest)
    after_ingest(...)       the derived stages over what is new: tag, diff, alert, send

`run(app)` does all of it in order, in process; flows/run.py does the same steps as Prefect tasks.
No Prefect import here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from deskwatch.app import App
from deskwatch.config import SourceConfig
from deskwatch.stages.ingest import fetch_policy, ingest_source, source_settings
from deskwatch.summary import RunSummary, SourceSummary
from storage.db import Database
from storage.releases import disable_missing_sources, sync_source


def prepare(app: App) -> Database:
    """Open the database (migrating it) and bring the sources table in line with the config."""
    db = app.open_db(upgrade=True)
    with db.session() as session:
        for source in app.config.sources:
            sync_source(session, source.name, source.type, source_settings(source), source.enabled)
        disable_missing_sources(session, [s.name for s in app.config.sources])
    return db


def enabled_sources(app: App, only: list[str] | None = None) -> list[SourceConfig]:
    return [s for s in app.config.sources if s.enabled and (only is None or s.name in only)]


def after_ingest(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    """Tag, diff, create alerts and send immediate ones, over everything not yet processed.
    Each stage reads committed rows, so a crash between stages loses nothing: the next run
    picks the work up again."""
    from deskwatch.stages.alert import create_alerts, send_alerts
    from deskwatch.stages.diff import diff_pending
    from deskwatch.stages.tag import tag_pending

    counts: dict[str, int] = {}
    counts.update(tag_pending(app, db, now=now))
    counts.update(diff_pending(app, db, now=now))
    counts.update(create_alerts(app, db, now=now))
    counts.update(send_alerts(app, db, now=now))
    return counts


def run(
    app: App,
    *,
    now: datetime | None = None,
    run_id: str | None = None,
    only: list[str] | None = None,
    on_source: Callable[[SourceSummary], None] | None = None,
) -> RunSummary:
    """One full run, in process, sources one after another."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    run_id = run_id or uuid.uuid4().hex
    db = prepare(app)
    try:
        summary = RunSummary()
        for source in enabled_sources(app, only):
            result = ingest_source(
                db, source, now=now, run_id=run_id, fetching=fetch_policy(app.config, app.settings)
            )
            summary.sources.append(result)
            if on_source is not None:
                on_source(result)
        summary.stages.update(after_ingest(app, db, now=now))
    finally:
        db.dispose()
    summary.duration_s = time.perf_counter() - started
    return summary
