"""Release counts per week or month for a parsed query (`deskwatch timeline`).

    timeline(session, query, by=, as_of=)   {period start: releases}
    fill_periods(series, by)                the rows of several series, with the empty periods

A release counts at its publication date, else its updated date, else the date deskwatch first
saw it (core.release_dates). A week starts on
its Monday, a month on its first day, in UTC.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
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


def timeline(
    session: Session, query: Query, *, by: str = "month", as_of: date | None = None
) -> dict[date, int]:
    """Releases per period (the Monday of a week, the first of a month) for the periods that
    have any; `fill_periods` adds the empty ones between."""
    period = _period(session, by)
    found = matching(session, query, as_of=as_of).subquery("found")
    stmt = (
        select(period.label("period"), func.count().label("n"))
        .select_from(found)
        .join(releases, releases.c.id == found.c.release_id)
        .group_by(literal_column("period"))
    )
    return {date.fromisoformat(p): n for p, n in session.execute(stmt) if p is not None}


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
