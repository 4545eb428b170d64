"""Which releases a parsed query finds: the SQL that is the same on SQLite and Postgres.

    matching(session, query, as_of=, top=, by_rank=)   SELECT release_id, version_id, score
    newest_first() / release_date()                    the orders and dates the callers share
    text_index(session)                                the full-text index of the session's database

A release is found by its latest version (as of a date), that version's text (the full-text
index, storage.search_index) and its tags, and by the release's source, document type and
publication date. Which index or condition drives a query is chosen here, for the planners:
the full-text index when there are words, else the most selective tag, source or type filter,
else the date index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, literal_column, select
from sqlalchemy.orm import Session

from core.errors import QueryError
from core.folding import fold
from core.query import And, Filter, Node, Not, Or, Query, is_positive
from storage import dialect
from storage.models import Release, ReleaseVersion, Source, Tag
from storage.search_fts5 import Fts5Index
from storage.search_index import TagFilter, TextIndex, tag_rows
from storage.search_tsvector import TsvectorIndex

releases = Release.__table__
versions = ReleaseVersion.__table__
tags = Tag.__table__
sources = Source.__table__
# the aliases every search uses, built once
TAG_FIELDS = ("theme", "suggested", "country", "person")
"""The filter fields that name tags (storage.search_index.tag_rows)."""
_V = versions.alias("v")
_NEWER = versions.alias("newer")


def text_index(session: Session) -> TextIndex:
    """The full-text index of the session's database."""
    return TsvectorIndex() if dialect.is_postgres(session) else Fts5Index()


def release_date() -> ColumnElement[datetime]:
    """The date a timeline counts a release by: published, else updated, else first seen
    (core.release_dates)."""
    return func.coalesce(releases.c.published_at, releases.c.updated_at, releases.c.first_seen_at)


def newest_first() -> list[ColumnElement[Any]]:
    """Publication date, newest first, undated last: an index scan on both databases
    (ix_releases_published_at on SQLite, search_releases_published_at on Postgres), so a
    filter-only search stops after its page instead of sorting every match."""
    return [releases.c.published_at.desc().nulls_last(), releases.c.id.desc()]


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, UTC) if day else None


def _cutoff(as_of: date | None) -> datetime | None:
    return datetime.combine(as_of + timedelta(days=1), time.min, UTC) if as_of else None


def _visible_version(v: Any, as_of: date | None) -> ColumnElement[bool]:
    """`v` is the release's latest version (as of the date)."""
    newer = _NEWER
    conditions: list[ColumnElement[bool]] = [
        newer.c.release_id == v.c.release_id,
        newer.c.number > v.c.number,
    ]
    cutoff = _cutoff(as_of)
    if cutoff is not None:
        conditions.append(newer.c.fetched_at < cutoff)
    latest = ~exists().where(*conditions)
    return and_(v.c.fetched_at < cutoff, latest) if cutoff is not None else latest


def _tag_condition(
    v: Any, kind: str, values: Sequence[str], *, driving: bool
) -> ColumnElement[bool]:
    """The version `v` carries a tag of this kind with one of these values. Two equivalent
    forms, for the planner: `driving` lists the tagged versions first (index-only on
    ix_tags_kind_value_version_id), best when few versions have the tag; otherwise a check per
    version (on the (version_id, kind, value, origin) unique index), so that a newest-first walk
    stops after one page."""
    if not values:
        return false()
    if driving:
        return v.c.id.in_(select(tags.c.version_id).where(tag_rows(kind, values)))
    return exists().where(tags.c.version_id == v.c.id, tag_rows(kind, values))


DRIVING_SHARE = 0.05


def _driving(session: Session, filters: Sequence[Filter]) -> Filter | None:
    """The filter to drive a query by: the most selective tag, source or type filter, if under
    DRIVING_SHARE of all versions carry it (counted on its index)."""
    candidates = [
        f for f in filters if not f.negated and f.field in (*TAG_FIELDS, "source", "type")
    ]
    if not candidates:
        return None
    total = session.execute(select(func.max(versions.c.id))).scalar() or 0
    # counted up to the threshold only: a common tag costs no more than a rare one
    threshold = max(1, int(DRIVING_SHARE * total))
    best: tuple[int, Filter] | None = None
    for flt in candidates:
        condition: ColumnElement[bool]
        if flt.field == "source":
            condition = releases.c.source_id.in_(_source_ids(session, flt))
        elif flt.field == "type":
            condition = releases.c.document_type.in_(_types(session, flt))
        else:
            condition = tag_rows(flt.field, _tag_values(session, flt))
        rows = select(literal_column("1")).where(condition).limit(threshold).subquery()
        count = int(session.execute(select(func.count()).select_from(rows)).scalar() or 0)
        if best is None or count < best[0]:
            best = (count, flt)
    assert best is not None
    return best[1] if best[0] < threshold else None


def distinct_values(
    session: Session, column: ColumnElement[Any], *where: ColumnElement[bool]
) -> list[Any]:
    """The distinct non-null values of an indexed column (under equality conditions on the
    index's leading columns): one index probe per value (a recursive "loose index scan"),
    where SELECT DISTINCT reads every row."""
    found = select(func.min(column).label("value")).where(*where).cte("found", recursive=True)
    following = select(
        select(func.min(column)).where(*where, column > found.c.value).scalar_subquery()
    ).where(found.c.value.is_not(None))
    found = found.union_all(following)
    return [value for (value,) in session.execute(select(found.c.value)) if value is not None]


def _source_ids(session: Session, flt: Filter) -> list[int]:
    wanted = {name.casefold() for name in flt.values}
    return [
        i
        for i, name in session.execute(select(sources.c.id, sources.c.name))
        if name.casefold() in wanted
    ]


def _types(session: Session, flt: Filter) -> list[str]:
    wanted = {_loose(v) for v in flt.values}
    known = distinct_values(session, releases.c.document_type)
    return [t for t in known if _loose(t) in wanted]


def _tag_values(session: Session, flt: Filter) -> list[str]:
    return _person_values(session, flt.values) if flt.field == "person" else list(flt.values)


def _person_values(session: Session, wanted: Sequence[str]) -> list[str]:
    """Stored person names matching a wanted name without regard to case or diacritics; a
    surname alone matches ("person:Kamikawa" finds "Yōko Kamikawa")."""
    stored = distinct_values(session, tags.c.value, tags.c.kind == "person")
    wanted_tokens = [fold(w).split() for w in wanted]
    found = []
    for value in stored:
        have = fold(value).split()
        for want in wanted_tokens:
            n = len(want)
            if any(have[i : i + n] == want for i in range(len(have) - n + 1)):
                found.append(value)
                break
    return found


def _loose(text: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", fold(text))).strip()


def _filter_condition(
    session: Session, v: Any, flt: Filter, *, driving: bool = True
) -> ColumnElement[bool]:
    if flt.field in TAG_FIELDS:
        condition = _tag_condition(v, flt.field, _tag_values(session, flt), driving=driving)
    elif flt.field in ("source", "type"):
        # not driving, on SQLite: `+ 0` / coalesce() keep its planner (which has no statistics)
        # off this column's index, or a common source or type would drive and every match be
        # sorted; the date or full-text index drives and this is a check per row. Postgres
        # plans by its statistics, which an expression would hide.
        hide = not driving and dialect.is_sqlite(session)
        if flt.field == "source":
            values: list[Any] = _source_ids(session, flt)
            col: ColumnElement[Any] = releases.c.source_id + 0 if hide else releases.c.source_id
        else:
            values = _types(session, flt)
            col = releases.c.document_type
            if hide:
                col = func.coalesce(col, "")
        condition = col.in_(values) if values else false()
    else:  # pragma: no cover - the parser knows no other field
        raise QueryError(f"unknown field {flt.field!r}")
    return ~condition if flt.negated else condition


def matching(
    session: Session,
    query: Query,
    *,
    as_of: date | None = None,
    top: int | None = None,
    by_rank: bool = False,
) -> Select:
    """SELECT release_id, version_id, score (None without words to rank by) for every release
    the query finds; with `top`, among the `top` best-ranked matching versions only. With
    `by_rank` (an index that `streams_by_rank`, FTS5 on SQLite; positive text only), the index
    itself is the outer loop, best first, with the publication date as a fourth column: every
    other condition is then a lookup per streamed row."""
    index = text_index(session)
    v = _V
    text = query.text
    negative: Node | None = None
    positive: Node | None = text
    if text is not None and not is_positive(text):
        # only negated words at the top: everything except what matches any of them
        items = text.items if isinstance(text, And) else (text,)
        inner = [item.item for item in items if isinstance(item, Not)]
        negative = inner[0] if len(inner) == 1 else Or(tuple(inner))
        positive = None
    filters = list(query.filters)
    tagged: list[TagFilter] = []
    dates: dict[str, datetime | None] = {}
    stmt: Select
    if by_rank:
        assert index.streams_by_rank and positive is not None and top is None
        stmt = index.by_rank(v, positive)
    elif positive is not None:
        if index.filters_inside:
            # tag filters are on versions: apply them to the matches before ranking, so the
            # best `top` are among the versions that have the tags and the rest is ranked less
            inside = [f for f in query.filters if f.field in TAG_FIELDS]
            tagged = [(f.field, _tag_values(session, f), f.negated) for f in inside]
            filters = [f for f in filters if f not in inside]
            dates = {"since": _start(query.since), "until": _cutoff(query.until)}
        hits = index.hits(positive, top=top, tagged=tagged, **dates).subquery("hits")
        stmt = select(
            v.c.release_id, v.c.id.label("version_id"), hits.c.score.label("score")
        ).select_from(hits.join(v, v.c.id == hits.c.version_id))
        stmt = stmt.join(releases, releases.c.id == v.c.release_id)
    else:
        # driven by releases, so that newest_first() can walk the date index
        stmt = select(
            v.c.release_id, v.c.id.label("version_id"), literal_column("NULL").label("score")
        ).select_from(releases.join(v, v.c.release_id == releases.c.id))
    stmt = stmt.where(_visible_version(v, as_of))
    if negative is not None:
        excluded = index.hits(negative).subquery("excluded")
        stmt = stmt.where(v.c.id.not_in(select(excluded.c.version_id)))
    # with words, the full-text index drives; without, a selective tag or the date index does.
    # Streamed best first (`by_rank`), a tag is a lookup per row: no list of every tagged
    # version is built before the first row
    driver = _driving(session, filters) if positive is None else None
    for flt in filters:
        driving = (positive is not None and not by_rank) or flt is driver
        stmt = stmt.where(_filter_condition(session, v, flt, driving=driving))
    if query.since is not None:
        stmt = stmt.where(releases.c.published_at >= _start(query.since))
    if query.until is not None:
        stmt = stmt.where(releases.c.published_at < _cutoff(query.until))
    return stmt
