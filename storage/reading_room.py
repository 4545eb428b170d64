"""The reading room's own queries (deskwatch web): search facets, what is new, a reader's alerts.
Read-only; everything else the pages show comes from the modules the CLI uses (storage.search,
storage.phrases, storage.alerts, storage.subscriptions, storage.tags).

    facets(session, query, as_of=, top=)   counts per theme, country, source, document type and
                                           year over a search's whole result set
    new_since(session, since)              versions fetched since then, per theme and country
    alerts_of(session, email, limit=)      one reader's alerts, newest first
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal, select, union_all
from sqlalchemy.orm import Session

from core.query import Query
from storage import dialect
from storage.models import Alert, Release, ReleaseVersion, Tag
from storage.search_matching import matching, releases, sources, tags

FACET_KINDS = ("theme", "country", "source", "type", "year")


@dataclass
class Facets:
    """How many releases of a result set fall under each value, biggest first (`top` per kind)."""

    total: int = 0
    counts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            **{
                kind: [{"value": v, "count": n} for v, n in rows]
                for kind, rows in self.counts.items()
            },
        }


def facets(session: Session, query: Query, *, as_of: date | None = None, top: int = 12) -> Facets:
    """The facet counts of everything `query` finds (the same matching as storage.search).

    One statement: the matches are computed once (a materialized CTE) and counted five ways in a
    UNION ALL; computed per facet, a common word's full-text match ran six times. Themes count
    the tags a `theme:` filter finds (status tagged); years are publication years, as `since:`
    and `until:` match publication dates only."""
    found = matching(session, query, as_of=as_of).cte("found").prefix_with("MATERIALIZED")
    n = func.count()
    release_of = releases.c.id == found.c.release_id

    def tag_counts(kind: str) -> Select[Any]:
        condition = and_(tags.c.kind == kind, tags.c.version_id == found.c.version_id)
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
        if dialect.is_sqlite(session)
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
    for facet, value, count in session.execute(union_all(*parts)):
        if facet == "total":
            out.total = count
        elif value is not None:
            counts[facet].append((str(value), count))
    for kind, rows in counts.items():
        if kind == "year":
            rows.sort(reverse=True)
        else:
            rows.sort(key=lambda row: (-row[1], row[0]))
        del rows[top:]
    return out


def new_since(session: Session, since: datetime, *, top: int = 12) -> dict[str, Any]:
    """Versions fetched since `since` (new releases and new versions of known ones): how many,
    and how many releases per theme and per country among them."""
    fresh = (
        select(ReleaseVersion.id.label("version_id"), ReleaseVersion.release_id)
        .where(ReleaseVersion.fetched_at >= since)
        .subquery("fresh")
    )
    total = session.scalar(select(func.count(func.distinct(fresh.c.release_id)))) or 0
    out: dict[str, Any] = {"since": since, "releases": total}
    n = func.count(func.distinct(Tag.release_id)).label("n")
    for kind in ("theme", "country"):
        stmt = (
            select(Tag.value, n)
            .join(fresh, fresh.c.version_id == Tag.version_id)
            .where(Tag.kind == kind)
            .group_by(Tag.value)
            .order_by(n.desc(), Tag.value)
            .limit(top)
        )
        out[kind] = [{"value": row.value, "count": row.n} for row in session.execute(stmt)]
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
