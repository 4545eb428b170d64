"""The reading room's own queries (deskwatch web): search facets, what is new, a reader's alerts.
Read-only; everything else the pages show comes from the modules the CLI uses (storage.search,
storage.phrases, storage.alerts, storage.subscriptions, storage.tags).

    facets(session, query, as_of=, top=)   counts per theme, country, source, document type and
                                           year over a search's whole result set
    new_since(session, since)              versions fetched since then, per theme and country
    alerts_of(session, email, limit=)      one reader's alerts, newest first
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.query import Query
from storage.models import Alert, Release, ReleaseVersion, Tag
from storage.search_matching import matching, releases, sources, tags
from storage.search_timeline import timeline

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
    """The facet counts of everything `query` finds (the same matching as storage.search)."""
    found = matching(session, query, as_of=as_of).subquery("found")
    total = session.scalar(select(func.count()).select_from(found)) or 0
    out = Facets(total=total)
    if not total:
        return out
    n = func.count().label("n")
    for kind in ("theme", "country"):
        stmt = (
            select(tags.c.value, n)
            .select_from(found)
            .join(tags, tags.c.version_id == found.c.version_id)
            .where(tags.c.kind == kind)
            .group_by(tags.c.value)
            .order_by(n.desc(), tags.c.value)
            .limit(top)
        )
        out.counts[kind] = [(row.value, row.n) for row in session.execute(stmt)]
    by_source = (
        select(sources.c.name, n)
        .select_from(found)
        .join(releases, releases.c.id == found.c.release_id)
        .join(sources, sources.c.id == releases.c.source_id)
        .group_by(sources.c.name)
        .order_by(n.desc(), sources.c.name)
        .limit(top)
    )
    out.counts["source"] = [(row.name, row.n) for row in session.execute(by_source)]
    by_type = (
        select(releases.c.document_type, n)
        .select_from(found)
        .join(releases, releases.c.id == found.c.release_id)
        .where(releases.c.document_type.is_not(None))
        .group_by(releases.c.document_type)
        .order_by(n.desc(), releases.c.document_type)
        .limit(top)
    )
    out.counts["type"] = [(row.document_type, row.n) for row in session.execute(by_type)]
    years: Counter[str] = Counter()
    for month, count in timeline(session, query, by="month", as_of=as_of).items():
        years[str(month.year)] += count
    out.counts["year"] = sorted(years.items(), reverse=True)[:top]
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
