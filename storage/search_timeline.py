"""Release counts per week or month for a parsed query (`deskwatch timeline`).

    timeline(session, query, by=, as_of=, window=)  {period start: releases}
    dated_outside(session, query, window, as_of=)  how many the window leaves out
    fill_periods(series, by)                        the rows of several series, with the empty periods

A release counts at its publication date, else its updated date, else the date deskwatch first
saw it (core.release_dates). A week starts on its Monday, a month on its first day, in UTC.
`window` (first day, last day), both inclusive, keeps only the releases dated within it: the
CLI's default range, which leaves out dates no release of the archive's kind can have.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, not_, select
from sqlalchemy.orm import Session

from core.errors import QueryError
from core.query import Query
from storage import dialect
from storage.search_matching import matching, release_date, releases

PERIODS = ("week", "month")


def _period(session: Session, by: str) -> ColumnElement[str]:
    if by not in PERIODS:
        raise QueryError(f"unknown period {by!r}: use week or month")
    when = release_date()
    if dialect.is_sqlite(session):
        if by == "month":
            return func.strftime(literal_column("'%Y-%m-01'"), when)
        # the Monday of its ISO week
        return func.date(when, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    utc = func.timezone(literal_column("'UTC'"), when)
    return func.to_char(
        func.date_trunc(literal_column(f"'{by}'"), utc), literal_column("'YYYY-MM-DD'")
    )


Window = tuple[date, date]
"""(first day, last day) of the release dates counted, both inclusive."""


def _within(window: Window) -> ColumnElement[bool]:
    first, last = window
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, UTC)
    when = release_date()
    return and_(when >= start, when < end)


def timeline(
    session: Session,
    query: Query,
    *,
    by: str = "month",
    as_of: date | None = None,
    window: Window | None = None,
) -> dict[date, int]:
    """Releases per period (the Monday of a week, the first of a month) for the periods that
    have any; `fill_periods` adds the empty ones between. With `window`, only the releases
    dated within it count."""
    period = _period(session, by)
    found = matching(session, query, as_of=as_of).subquery("found")
    stmt = (
        select(period.label("period"), func.count().label("n"))
        .select_from(found)
        .join(releases, releases.c.id == found.c.release_id)
        .group_by(literal_column("period"))
    )
    if window is not None:
        stmt = stmt.where(_within(window))
    return {date.fromisoformat(p): n for p, n in session.execute(stmt) if p is not None}


def dated_outside(
    session: Session, query: Query, window: Window, *, as_of: date | None = None
) -> int:
    """How many of the releases `query` finds are dated outside `window`."""
    found = matching(session, query, as_of=as_of).subquery("found")
    stmt = (
        select(func.count())
        .select_from(found)
        .join(releases, releases.c.id == found.c.release_id)
        .where(not_(_within(window)))
    )
    return int(session.execute(stmt).scalar_one())


def periods_between(first: date, last: date, by: str) -> list[date]:
    """Every period start from `first` to `last` (both period starts)."""
    out = []
    current = first
    while current <= last:
        out.append(current)
        if by == "week":
            current += timedelta(days=7)
        else:
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


def fill_periods(series: dict[str, dict[date, int]], by: str) -> list[dict[str, Any]]:
    """Rows {period, <series>: count, ...} over every period from the first to the last that
    any series has, zeros included."""
    seen = [p for counts in series.values() for p in counts]
    if not seen:
        return []
    return [
        {"period": p, **{name: counts.get(p, 0) for name, counts in series.items()}}
        for p in periods_between(min(seen), max(seen), by)
    ]
