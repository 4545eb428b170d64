"""The steps of a run, each a plain function that pipeline.plan (and so the flows and the CLI) calls.

    prepare(app)                open the database, apply migrations, sync the configured sources
                                and (given `now`) the config's subscriptions: once per run, and
                                only with the config the archive was last run with unless
                                `sync` (pipeline.config_guard)
    run_time(db, now)           the run's time, never behind a subscription just added
    ingest(app, db, source)     one source, one transaction (pipeline.stages.ingest)
    run_stage(app, db, name)    one derived stage over what is new: tag, diff, alerts, send
    send_digests(app, db, ...)  the daily or weekly digests

pipeline.plan puts them in order and decides what a failure means. Overlapping runs are safe: the
archive's writers are serialised per transaction and each derived stage runs under a lock
(storage.locks), so a second run waits and then finds nothing left to do. No Prefect import here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest.config import SourceConfig
from pipeline.app import App
from pipeline.config_guard import Fingerprint, SyncRefused, fingerprint, refusal
from pipeline.stages.ingest import ingest_source, source_settings
from pipeline.summary import SourceSummary
from storage.archive_state import (
    RUN_CONFIG,
    read_state,
    sources_to_disable,
    subscriptions_to_end,
    write_state,
)
from storage.db import Database
from storage.locks import lock_for_write, stage_lock
from storage.models import Source, Subscription, utcnow
from storage.releases import disable_missing_sources, sync_source

StageFunction = Callable[..., dict[str, int]]
DERIVED_STAGES = ("tag", "diff", "create_alerts", "send")
"""The stages after ingest, in order. Each reads committed rows and writes its own results, so a
crash between stages loses nothing: the next run picks the work up again."""


def prepare(
    app: App,
    *,
    now: datetime | None = None,
    synced: dict[str, int] | None = None,
    sync: bool = False,
    warnings: list[str] | None = None,
) -> Database:
    """Open the database (migrating it) and bring the sources table in line with the config;
    given `now`, the subscriptions too, before anything is ingested: a subscription hears about
    versions fetched after it was created, so a run that dies after ingesting must not leave
    versions older than the subscriptions that should have matched them. `synced` receives how
    many subscriptions that added and ended (for the run summary), `warnings` one line per
    config subscription skipped as invalid.

    A config other than the one the archive was last run with that would disable sources or
    end subscriptions raises SyncRefused, a ConfigError (one line saying why), and changes
    nothing, unless `sync`; otherwise this config becomes the archive's (storage.archive_state)."""
    from pipeline.config_check import subscription_problems
    from pipeline.stages.alert import sync_subscriptions

    db = app.open_db(upgrade=True)
    try:
        if warnings is not None:
            warnings.extend(subscription_problems(app))
        with db.session() as session:
            lock_for_write(session)
            _guard(app, session, subscriptions=now is not None, sync=sync)
            for source in app.config.sources:
                sync_source(
                    session, source.name, source.type, source_settings(source), source.enabled
                )
            disable_missing_sources(session, [s.name for s in app.config.sources])
            write_state(session, RUN_CONFIG, fingerprint(app.config).to_dict(), now=now or utcnow())
        if now is not None:
            # the lock create_alerts runs under: no run matches alerts while they change
            with stage_lock(db, "create_alerts", timeout=app.config.run.lock_timeout_seconds):
                counts = sync_subscriptions(app, db, now=now)
            if synced is not None:
                synced.update(counts)
    except BaseException:
        db.dispose()
        raise
    return db


def _guard(app: App, session: Session, *, subscriptions: bool, sync: bool) -> None:
    """Raise SyncRefused when syncing this config would undo another config's sources or (with
    `subscriptions`) subscriptions (pipeline.config_guard.refusal) and `sync` was not asked for."""
    if sync:
        return
    previous = Fingerprint.from_dict(read_state(session, RUN_CONFIG))
    current = fingerprint(app.config)
    if previous is not None and previous.path == current.path:
        return  # the archive's own config file, edited or not
    from pipeline.stages.alert import config_specs

    disabling = sources_to_disable(session, [s.name for s in app.config.sources])
    keys = [spec.key for spec in config_specs(app)] if subscriptions else None
    reason = refusal(
        previous,
        current,
        disabling=len(disabling),
        ending=subscriptions_to_end(session, keys) if keys is not None else 0,
        archive_sources=session.scalar(select(func.count()).select_from(Source)) or 0,
    )
    if reason is not None:
        raise SyncRefused(reason)


def run_time(db: Database, now: datetime) -> datetime:
    """`now`, or the creation time of the newest active subscription if that is later. Overlapping
    runs each take their own `now`; the one that syncs a new subscription first stamps it with
    its own, possibly later, time. A run whose clock is behind would store versions "older" than
    the subscription and never alert on them; running at the later time avoids that."""
    with db.session() as session:
        latest = session.scalar(
            select(func.max(Subscription.created_at)).where(Subscription.ended_at.is_(None))
        )
    return max(now, latest) if latest is not None else now


def enabled_sources(app: App, only: list[str] | None = None) -> list[SourceConfig]:
    return [s for s in app.config.sources if s.enabled and (only is None or s.name in only)]


def stage_function(name: str) -> StageFunction:
    from pipeline.stages import alert, diff, tag

    functions: dict[str, StageFunction] = {
        "tag": tag.tag_pending,
        "diff": diff.diff_pending,
        # the run synced the subscriptions in prepare(): once per run, not again here
        "create_alerts": partial(alert.create_alerts, sync=False),
        "send": alert.send_alerts,
    }
    return functions[name]


def ingest(
    app: App, db: Database, source: SourceConfig, *, now: datetime, run_id: str | None = None
) -> SourceSummary:
    """Read one source and store what is new, in one transaction."""
    return ingest_source(db, source, now=now, run_id=run_id, fetching=app.fetching)


def run_stage(app: App, db: Database, name: str, *, now: datetime) -> dict[str, int]:
    """One derived stage, while no overlapping run is in the same stage."""
    with stage_lock(db, name, timeout=app.config.run.lock_timeout_seconds):
        return stage_function(name)(app, db, now=now)


def send_digests(
    app: App, db: Database, *, frequency: str, now: datetime, period_at: datetime | None = None
) -> dict[str, int]:
    """Send the `frequency` (daily or weekly) digests that are due; under the same lock as the
    immediate alerts, so no two processes send mail at once. `period_at` (default `now`) says
    which day or week the digest is for; it carries every alert queued before `now`."""
    from pipeline.stages import alert

    with stage_lock(db, "send", timeout=app.config.run.lock_timeout_seconds):
        if period_at is None:
            return alert.send_digests(app, db, frequency=frequency, now=now)
        return alert.send_digests(app, db, frequency=frequency, now=now, period_at=period_at)
