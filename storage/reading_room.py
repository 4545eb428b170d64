"""The reading room's own queries (deskwatch web): search facets, what is new, a reader's alerts.
Read-only; everything else the pages show comes from the modules the CLI uses (storage.search,
storage.phrases, storage.alerts, storage.subscriptions, storage.tags).

    facets(session, query, as_of=, top=, ranked=, every=)   counts per theme, country,
                                           source, document type and year over a search's
                                           matches (the best or newest 500; `ranked`: those the
                                           search's page was cut from)
    latest_releases(session, limit=)       the newest releases, from the date index
    new_since(session, since)              versions fetched since then, per theme and country
    alerts_of(session, email, limit=)      one reader's alerts, newest first
    tag_timeline(session, kind, value, since=)   a theme or country page's releases per month
    top_phrases(session, basis, limit=)    the first `limit` rows of storage.phrases'
                                           phrase_history, ranked and cut in SQL
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, select, text, union_all
from sqlalchemy.orm import Session

from core.query import Query, is_positive
from core.release_dates import release_date
from storage import dialect
from storage.changes import parse_basis
from storage.models import Alert, Release, ReleaseVersion, Tag
from storage.phrases import _BASIS_TAG
from storage.search_matching import (
    matching,
    newest_first,
    releases,
    sources,
    tags,
    text_index,
    versions,
)
from storage.types import UTCDateTime

FACET_KINDS = ("theme", "country", "source", "type", "year")
SAMPLE = 500
"""Facets count at most this many matches: the best-ranked with words to rank by, else the
newest. Counting every match of a common word (a third of the archive) takes seconds."""
FRESH_VERSIONS = 5000
"""`new_since` looks at most at this many of the newest versions."""
_IN_CHUNK = 500


@dataclass
class Facets:
    """How many releases of a result set fall under each value, biggest first (`top` per kind).
    `total` is exact up to SAMPLE matches; beyond, `more` is set, `total` is None and the counts
    are over the `counted` matches of the sample (the best-ranked, or the newest)."""

    total: int | None = 0
    more: bool = False
    counted: int = 0
    counts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "more": self.more,
            "counted": self.counted,
            **{
                kind: [{"value": v, "count": n} for v, n in rows]
                for kind, rows in self.counts.items()
            },
        }


def facets(
    session: Session,
    query: Query,
    *,
    as_of: date | None = None,
    top: int = 12,
    sample: int = SAMPLE,
    ranked: Sequence[tuple[int, int]] | None = None,
    every: bool = False,
) -> Facets:
    """The facet counts of what `query` finds (the same matching as storage.search), over at
    most `sample` matches.

    One statement: the sample is computed once (a materialized CTE) and counted five ways in a
    UNION ALL. Themes count the tags a `theme:` filter finds (status tagged); years are
    publication years, as `since:` and `until:` match publication dates only.

    `ranked` is the sample when the caller has it already: the (release_id, version_id) of the
    best-ranked matches, best first, as storage.search.search_page keeps them for its page (on
    Postgres, ranking a common word's matches is most of a search's cost: it is done once), or
    the newest matches of a search without words; one more than `sample` of them says that
    there are more, and `every` that they are all the matches."""
    words = query.text is not None and is_positive(query.text)
    chosen: Select[Any]
    if ranked is not None and not ranked:
        return Facets(counts={kind: [] for kind in FACET_KINDS})  # ranked: nothing matched
    params: dict[str, Any] = {}
    if ranked is not None:
        # the versions by id: one statement however many (an expanding IN, compiled once)
        chosen = select(versions.c.release_id, versions.c.id.label("version_id")).where(
            versions.c.id.in_(bindparam("ranked", expanding=True))
        )
        params["ranked"] = [version_id for _, version_id in ranked[:sample]]
    elif words and text_index(session).streams_by_rank:
        # best first from the index itself, every other condition checked per row (FTS5)
        chosen = matching(session, query, as_of=as_of, by_rank=True).limit(sample)
    elif words:
        # the index ranks the matches that pass the tag and date filters (Postgres)
        chosen = matching(session, query, as_of=as_of, top=sample)
    else:
        chosen = matching(session, query, as_of=as_of).order_by(*newest_first()).limit(sample)
    found = chosen.cte("found").prefix_with("MATERIALIZED")
    n = func.count()
    release_of = releases.c.id == found.c.release_id

    # on SQLite the tags of the sample are read by version (their index), not all tags of a kind
    # probed against the sample (the plan it picks unprompted, 250,000 rows at 100,000
    # releases): a function on the kind keeps its index out of the join
    sqlite = dialect.is_sqlite(session)
    kind_of = func.coalesce(tags.c.kind, "") if sqlite else tags.c.kind

    def tag_counts(kind: str) -> Select[Any]:
        condition = and_(kind_of == kind, tags.c.version_id == found.c.version_id)
        if kind == "theme":
            condition = and_(condition, tags.c.status == "tagged")
        return (
            select(literal(kind).label("facet"), tags.c.value.label("value"), n.label("n"))
            .select_from(found)
            .join(tags, condition)
            .group_by(tags.c.value)
        )

    year = (
        func.strftime("%Y", releases.c.published_at)
        if sqlite
        else func.to_char(func.timezone("UTC", releases.c.published_at), "YYYY")
    )
    parts = [
        select(
            literal("total").label("facet"), literal("").label("value"), n.label("n")
        ).select_from(found),
        tag_counts("theme"),
        tag_counts("country"),
        select(literal("source"), sources.c.name, n)
        .select_from(found)
        .join(releases, release_of)
        .join(sources, sources.c.id == releases.c.source_id)
        .group_by(sources.c.name),
        select(literal("type"), releases.c.document_type, n)
        .select_from(found)
        .join(releases, release_of)
        .where(releases.c.document_type.is_not(None))
        .group_by(releases.c.document_type),
        select(literal("year"), year, n)
        .select_from(found)
        .join(releases, release_of)
        .where(releases.c.published_at.is_not(None))
        .group_by(year),
    ]
    counts: dict[str, list[tuple[str, int]]] = {kind: [] for kind in FACET_KINDS}
    out = Facets(counts=counts)
    for facet, value, count in session.execute(union_all(*parts), params):
        if facet == "total":
            out.counted = count
        elif value is not None:
            counts[facet].append((str(value), count))
    for kind, rows in counts.items():
        if kind == "year":
            rows.sort(reverse=True)
        else:
            rows.sort(key=lambda row: (-row[1], row[0]))
        del rows[top:]
    # the sample can hold fewer than `sample` when there are more matches (the best-ranked
    # versions include older versions of releases, which the matching then drops): count
    if ranked is not None and (len(ranked) > sample or every):
        total = len(ranked)
    else:
        beyond = matching(session, query, as_of=as_of).limit(sample + 1).subquery("beyond")
        total = session.scalar(select(func.count()).select_from(beyond)) or 0
    out.more = total > sample
    out.total = None if out.more else total
    return out


def latest_releases(session: Session, *, limit: int = 10) -> list[dict[str, Any]]:
    """The newest releases by publication date (undated last), from the date index, each with
    the date it goes by and which date that is (`date`, `date_kind`: core.release_dates, as
    the CLI's listing), and its `published_at` (None when the publisher gave none)."""
    stmt = (
        select(
            releases.c.id,
            releases.c.title,
            releases.c.published_at,
            releases.c.updated_at,
            releases.c.first_seen_at,
            sources.c.name.label("source"),
        )
        .join(sources, sources.c.id == releases.c.source_id)
        .order_by(*newest_first())
        .limit(limit)
    )
    rows = []
    for r in session.execute(stmt):
        when, kind = release_date(r.published_at, r.updated_at, r.first_seen_at)
        rows.append(
            {
                "id": r.id,
                "title": r.title,
                "date": when,
                "date_kind": kind,
                "published_at": r.published_at,
                "source": r.source,
            }
        )
    return rows


def new_since(session: Session, since: datetime, *, top: int = 12) -> dict[str, Any]:
    """Versions fetched since `since` (new releases and new versions of known ones; at most the
    FRESH_VERSIONS newest): how many releases, and how many per theme and per country."""
    fresh = session.execute(
        select(ReleaseVersion.id, ReleaseVersion.release_id)
        .where(ReleaseVersion.fetched_at >= since)
        .order_by(ReleaseVersion.fetched_at.desc())
        .limit(FRESH_VERSIONS)
    ).all()
    version_ids = [row.id for row in fresh]
    out: dict[str, Any] = {
        "since": since,
        "releases": len({row.release_id for row in fresh}),
        "capped": len(fresh) == FRESH_VERSIONS,
    }
    per: dict[str, dict[str, set[int]]] = {"theme": {}, "country": {}}
    # by version (their index): on SQLite a function on the kind keeps the planner off the
    # (kind, value, ...) index, which would walk every theme and country tag
    kind_of = func.coalesce(Tag.kind, "") if dialect.is_sqlite(session) else Tag.kind
    for start in range(0, len(version_ids), _IN_CHUNK):
        chunk = version_ids[start : start + _IN_CHUNK]
        for row in session.execute(
            select(Tag.kind, Tag.value, Tag.release_id).where(
                Tag.version_id.in_(chunk), kind_of.in_(list(per))
            )
        ):
            per[row.kind].setdefault(row.value, set()).add(row.release_id)
    for kind, values in per.items():
        ranked = sorted(((v, len(ids)) for v, ids in values.items()), key=lambda r: (-r[1], r[0]))
        out[kind] = [{"value": v, "count": c} for v, c in ranked[:top]]
    return out


def alerts_of(session: Session, email: str, *, limit: int = 50) -> list[tuple[Alert, Release]]:
    """The alerts addressed to `email`, newest first."""
    stmt = (
        select(Alert, Release)
        .join(Release, Release.id == Alert.release_id)
        .where(Alert.email == email)
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


# -- theme and country pages ----------------------------------------------------------------------

_MONTH = {
    # SQLite holds a timestamp as text, 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): the month is its
    # first eight characters, cut without parsing the date as strftime() does for every row
    dialect.SQLITE: "substr(coalesce(r.published_at, r.first_seen_at), 1, 8) || '01'",
    dialect.POSTGRES: "to_char(date_trunc('month', timezone('UTC', "
    "coalesce(r.published_at, r.first_seen_at))), 'YYYY-MM-DD')",
}
_TAG_TIMELINE = (
    "SELECT {month} AS period, count(DISTINCT r.id) AS n "
    "FROM tags AS t JOIN releases AS r ON r.id = t.release_id "
    "WHERE t.kind = :kind AND t.value = :value {status}"
    "AND coalesce(r.published_at, r.first_seen_at) >= :since "
    "AND t.version_id = (SELECT l.id FROM release_versions AS l "
    "WHERE l.release_id = t.release_id ORDER BY l.number DESC LIMIT 1) "
    "GROUP BY period"
)
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)


def tag_timeline(
    session: Session, kind: str, value: str, *, since: datetime | None = None
) -> dict[date, int]:
    """Releases per month (the first of the month) whose latest version carries the tag,
    counted as storage.search.timeline counts the query `kind:value` (a theme over the tagger's
    bar, a country whatever its status; by publication date, else first seen), from `since`.

    Driven by the tags' (kind, value) index and read by the tag's own release_id: each tag is
    checked for being on its release's latest version on the (release_id, number) index, never
    by reading the version rows (their text makes them large, and the general timeline walks
    every release): five times faster for a common tag at 100,000 releases."""
    if kind not in ("theme", "country"):
        raise ValueError(f"a topic page is a theme or a country, not {kind!r}")
    sql = _TAG_TIMELINE.format(
        month=_MONTH[dialect.name(session)],
        status="AND t.status = 'tagged' " if kind == "theme" else "",
    )
    statement = text(sql).bindparams(bindparam("since", type_=UTCDateTime()))
    params = {"kind": kind, "value": value, "since": since or _EARLIEST}
    return {
        date.fromisoformat(period): n
        for period, n in session.execute(statement, params)
        if period is not None
    }


_TOP_PHRASES = (
    "WITH uses AS MATERIALIZED (SELECT u.phrase, u.weight, u.release_id, u.used_at "
    "FROM tags AS t JOIN phrase_uses AS u ON u.version_id = t.version_id WHERE "
    + _BASIS_TAG.format(kind=":kind", value=":value")
    + "), top AS (SELECT phrase, max(weight) AS weight, count(DISTINCT release_id) AS releases, "
    "min(used_at) AS first_used, max(used_at) AS last_used FROM uses GROUP BY phrase "
    "ORDER BY weight DESC, releases DESC, last_used DESC, phrase {collate} LIMIT :limit), "
    "ends AS (SELECT u.phrase, "
    "min(CASE WHEN u.used_at = top.first_used THEN u.release_id END) AS first_release_id, "
    "max(CASE WHEN u.used_at = top.last_used THEN u.release_id END) AS last_release_id "
    "FROM uses AS u JOIN top ON top.phrase = u.phrase GROUP BY u.phrase) "
    "SELECT 'phrase' AS part, top.phrase, top.weight, top.releases, top.first_used, "
    "top.last_used, ends.first_release_id, ends.last_release_id "
    "FROM top JOIN ends ON ends.phrase = top.phrase "
    "UNION ALL SELECT 'time', NULL, NULL, NULL, NULL, x.used_at, NULL, NULL FROM "
    "(SELECT DISTINCT used_at FROM uses WHERE used_at > (SELECT min(last_used) FROM top)) AS x"
)


def top_phrases(session: Session, basis: str, *, limit: int) -> list[dict[str, Any]]:
    """`storage.phrases.phrase_history(session, basis, limit=limit)`, the same rows in the same
    order, with the ranking, the cut and each phrase's first and last use computed in SQL: the
    basis's phrase uses are read once, and only `limit` phrases (and the later statements' times
    their `dropped_since` needs) come back, where phrase_history returns every use with its
    release's title. Ties between phrases are broken by code point, as Python sorts them."""
    kind, value = parse_basis(basis)
    sql = _TOP_PHRASES.format(collate='COLLATE "C"' if dialect.is_postgres(session) else "")
    statement = text(sql).columns(
        first_used=UTCDateTime(), last_used=UTCDateTime()
    )  # the columns' types, by name; the rest as the driver gives them
    found = session.execute(statement, {"kind": kind, "value": value, "limit": limit}).all()
    rows = [r for r in found if r.part == "phrase"]
    times = sorted(r.last_used for r in found if r.part == "time")
    ids = {i for r in rows for i in (r.first_release_id, r.last_release_id)}
    titles: dict[int, str] = {
        i: title
        for i, title in session.execute(
            select(releases.c.id, releases.c.title).where(releases.c.id.in_(ids))
        )
    }
    out = []
    for r in rows:
        later = bisect.bisect_right(times, r.last_used)
        out.append(
            {
                "phrase": r.phrase,
                "weight": r.weight,
                "first_used": r.first_used,
                "first_release_id": r.first_release_id,
                "first_title": titles.get(r.first_release_id),
                "last_used": r.last_used,
                "last_release_id": r.last_release_id,
                "last_title": titles.get(r.last_release_id),
                "releases": r.releases,
                "dropped_since": times[later] if later < len(times) else None,
            }
        )
    out.sort(key=lambda e: (-e["weight"], -e["releases"], -e["last_used"].timestamp(), e["phrase"]))
    return out
