"""How each source is doing, from its run records: last success, last error, consecutive
failures, the items its last run could not store, releases so far, and whether it has been
silent longer than its expected cadence.
Read-only repository functions: they take a Session and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Release, ReleaseVersion, Source, SourceRun

OK_STATUSES = ("ok", "not_modified", "partial")
RECENT_RUNS = 50


def _consecutive_failures(session: Session, source_id: int) -> int:
    statuses = session.scalars(
        select(SourceRun.status)
        .where(SourceRun.source_id == source_id)
        .order_by(SourceRun.started_at.desc(), SourceRun.id.desc())
        .limit(RECENT_RUNS)
    )
    count = 0
    for status in statuses:
        if status != "error":
            break
        count += 1
    return count


def item_problem_count(problems: list[Any] | None) -> int:
    """The problems of a run record, less what was only skipped (a `javascript:` link...)."""
    return sum(1 for p in problems or [] if not str(p).startswith("skipped: "))


def source_health(session: Session, *, now: datetime) -> list[dict[str, Any]]:
    """One dict per known source, by name. `warning` says why a source needs a look."""
    rows: list[dict[str, Any]] = []
    for source in session.scalars(select(Source).order_by(Source.name)):
        runs = select(SourceRun).where(SourceRun.source_id == source.id)
        last_run = session.scalar(runs.order_by(SourceRun.started_at.desc(), SourceRun.id.desc()))
        last_ok = session.scalar(
            runs.where(SourceRun.status.in_(OK_STATUSES)).order_by(
                SourceRun.started_at.desc(), SourceRun.id.desc()
            )
        )
        last_error = session.scalar(
            runs.where(SourceRun.status == "error").order_by(
                SourceRun.started_at.desc(), SourceRun.id.desc()
            )
        )
        releases = session.scalar(
            select(func.count()).select_from(Release).where(Release.source_id == source.id)
        )
        last_new = session.scalar(
            select(func.max(ReleaseVersion.fetched_at))
            .join(Release, Release.id == ReleaseVersion.release_id)
            .where(Release.source_id == source.id)
        )
        failures = _consecutive_failures(session, source.id)
        item_problems = item_problem_count(last_run.problems if last_run else [])
        cadence = (source.settings or {}).get("expected_cadence_hours")
        warnings = []
        if failures:
            warnings.append(f"{failures} failed run(s) in a row")
        if item_problems:
            warnings.append(f"{item_problems} item problem(s) in the last run")
        if cadence and last_run is not None:
            since = last_new or source.created_at
            if now - since > timedelta(hours=float(cadence)):
                hours = (now - since).total_seconds() / 3600
                warnings.append(f"silent for {hours:.0f} h (expected every {cadence:g} h)")
        if not source.enabled and source.type != "adhoc":
            warnings.append("disabled (not in the config)")
        rows.append(
            {
                "name": source.name,
                "type": source.type,
                "enabled": source.enabled,
                "last_run_at": last_run.started_at if last_run else None,
                "last_status": last_run.status if last_run else None,
                "last_success_at": last_ok.started_at if last_ok else None,
                "last_error_at": last_error.started_at if last_error else None,
                "last_error": last_error.error if last_error else None,
                "consecutive_failures": failures,
                "item_problems": item_problems,
                "releases": releases or 0,
                "last_new_at": last_new,
                "expected_cadence_hours": cadence,
                "warning": "; ".join(warnings) or None,
            }
        )
    return rows
