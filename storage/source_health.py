"""How each source is doing, from its run records: last success, last error, consecutive
failures, the items its last run could not store, what its last read (the last run that got
content, not "not modified") skipped, by reason, or stored with a warning, releases so far, and
whether it has been silent longer than its expected cadence.
Read-only repository functions: they take a Session and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import skips
from storage.models import Release, ReleaseVersion, Source, SourceRun

OK_STATUSES = ("ok", "not_modified", "partial")
READ_STATUSES = ("ok", "partial")
"""A run that read the source's content (not a 304 or the same bytes again, not a failure)."""
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
    """The problems of a run record, less what was only skipped (a `javascript:` link...) and
    what was stored with a warning (a selector that matched nothing)."""
    marks = (skips.SKIPPED, skips.WARNING, skips.FROM_FEED)
    return sum(1 for p in problems or [] if not str(p).startswith(marks))


def skip_counts(run: SourceRun | None) -> dict[str, int]:
    """The items a run record says were skipped, by reason (core.skips), the commonest first;
    those its `skipped` count holds beyond the lines it kept are "reason not recorded"."""
    if run is None or not run.skipped:
        return {}
    lines = [str(p) for p in run.problems or [] if str(p).startswith(skips.SKIPPED)]
    counts = skips.count_reasons(lines)
    if run.skipped > len(lines):
        counts[skips.UNLISTED] = run.skipped - len(lines)
    return counts


def from_feed_counts(run: SourceRun | None) -> dict[str, int]:
    """The entries a run record says were stored from the feed's own text, their link not
    followed, by what and why ("feed summary (link host not in follow_hosts)")."""
    if run is None:
        return {}
    lines = [str(p) for p in run.problems or [] if str(p).startswith(skips.FROM_FEED)]
    return skips.count_from_feed(lines)


def warning_lines(run: SourceRun | None) -> list[str]:
    """The warnings of a run record (its items read another way than asked)."""
    if run is None:
        return []
    return [str(p) for p in run.problems or [] if str(p).startswith(skips.WARNING)]


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
        # what a feed unchanged since (a 304, the same bytes) still skips: the last read's
        last_read = session.scalar(
            runs.where(SourceRun.status.in_(READ_STATUSES)).order_by(
                SourceRun.started_at.desc(), SourceRun.id.desc()
            )
        )
        failures = _consecutive_failures(session, source.id)
        item_problems = item_problem_count(last_run.problems if last_run else [])
        cadence = (source.settings or {}).get("expected_cadence_hours")
        warnings = []
        if failures:
            warnings.append(f"{failures} failed run(s) in a row")
        if item_problems:
            warnings.append(f"{item_problems} item problem(s) in the last run")
        if read_warnings := warning_lines(last_read):
            warnings.append(f"{skips.warnings_line(read_warnings)} in the last read")
        skipped = skip_counts(last_read)
        from_feed = from_feed_counts(last_read)
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
                "skipped": last_read.skipped if last_read else 0,
                "skips": skipped,
                "skipped_reasons": skips.reasons_line(skipped) or None,
                "from_feed": from_feed,
                "from_feed_reasons": skips.from_feed_line(from_feed) or None,
                "releases": releases or 0,
                "last_new_at": last_new,
                "expected_cadence_hours": cadence,
                "warning": "; ".join(warnings) or None,
            }
        )
    return rows
