"""Search the archive: a parsed query (core.query) run against SQLite or Postgres.

    search(session, query, limit=, offset=, as_of=)   ranked hits with themes, countries, snippet
    search_page(..., sample=)                           the same hits, and the best-ranked
                                                        matches they were cut from
    export_rows(session, query, as_of=)                 every matching release, streamed
    timeline(session, query, by=) / fill_periods        release counts per week or month
                                                        (storage.search_timeline)

A release is found by the text (title and body) of its latest version: the newest version, or
the newest fetched on or before `as_of` (then releases first fetched later are not there). Field
filters on themes, countries and people, and the tags shown, are those of that version (the tag
stage tags every version).
Dates (`since:`, `until:`, the order of unranked hits) are the publication date: undated
releases sort last and match no date filter; the timeline counts them by the date first seen.
A hit shows the date it goes by and which it is (core.release_dates: published, else updated,
else first seen), never a first-seen date as if it were the publication date.

This module turns matches into pages and rows. Which releases match is storage.search_matching
(the SQL both databases share); the full-text index is storage.search_index, with one backend
per database (storage.search_fts5, storage.search_tsvector).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.orm import Session

from core.errors import QueryError
from core.query import Node, Query, is_positive
from core.release_dates import PUBLISHED, release_date
from storage.search_index import TextIndex, one_line
from storage.search_matching import (
    TAG_FIELDS,
    matching,
    newest_first,
    releases,
    sources,
    tags,
    text_index,
    versions,
)
from storage.search_timeline import fill_periods, timeline

# the public names, the last four kept importable from here for the CLI, tests and bench
__all__ = [
    "EXPORT_COLUMNS",
    "Hit",
    "export_rows",
    "search",
    "search_page",
    "version_tags",
    "fill_periods",
    "matching",
    "newest_first",
    "timeline",
]

SNIPPET_CHARS = 240


@dataclass
class Hit:
    """One release on a page of results: its latest version as found, its tags and snippet."""

    release_id: int
    version_id: int
    version_number: int
    score: float | None
    published_at: datetime | None
    title: str
    url: str | None
    source: str
    document_type: str | None
    themes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    snippet: str = ""
    date: datetime | None = None
    """The date the release goes by (core.release_dates) ..."""
    date_kind: str = PUBLISHED
    """... and which it is: published, updated or first seen."""

    def row(self) -> dict[str, Any]:
        return {
            "id": self.release_id,
            "date": self.date.date() if self.date else None,
            "date_kind": self.date_kind,
            "published_at": self.published_at,
            "title": self.title,
            "themes": self.themes,
            "countries": self.countries,
            "people": self.people,
            "snippet": self.snippet,
            "score": round(self.score, 4) if self.score is not None else None,
            "source": self.source,
            "document_type": self.document_type,
            "url": self.url,
            "version": self.version_number,
            "version_id": self.version_id,
        }


def search(
    session: Session,
    query: Query,
    *,
    limit: int = 20,
    offset: int = 0,
    as_of: date | None = None,
) -> list[Hit]:
    """The page of hits: by relevance when the query has words, else newest first."""
    return search_page(session, query, limit=limit, offset=offset, as_of=as_of).hits


@dataclass
class Page:
    """A page of hits, and (`ranked`) the (release_id, version_id) of the first matches in the
    page's order (best-ranked, or newest without words to rank by) that the page was cut from:
    the first `sample` + 1 matches of the whole order (one more than asked says that there are
    more), or as many as there were among the candidates. None when the page was not cut from
    such a list (an index that streams by rank; a page beyond the sample; a search that had to
    rank every match)."""

    hits: list[Hit]
    ranked: list[tuple[int, int]] | None = None
    every: bool = False
    """`ranked` holds every match (there were no more than `sample`)."""


def search_page(
    session: Session,
    query: Query,
    *,
    limit: int = 20,
    offset: int = 0,
    as_of: date | None = None,
    sample: int = 0,
) -> Page:
    """`search`'s page, the same hits; with `sample`, the ranking is asked for at least that
    many candidates and keeps them (`Page.ranked`), so that a caller counting over the best
    matches (the reading room's facets) need not rank them again; without words, the newest
    `sample` + 1 matches are read once and the page is cut from them."""
    if query.is_empty:
        raise QueryError("the query is empty: give words to search for, or a field filter")
    index = text_index(session)
    index.prepare(session)
    ranked = query.text is not None and is_positive(query.text)
    order = newest_first()
    if not ranked:
        need = offset + limit
        if 0 < sample and need <= sample + 1:
            # the newest `sample` + 1 once, for the page and the facets alike
            found = matching(session, query, as_of=as_of)
            newest = list(session.execute(found.order_by(*order).limit(sample + 1)))
            cut = newest[offset:need]
            hits = _hits(session, index, cut, None) if cut else []
            ids = [(r.release_id, r.version_id) for r in newest]
            return Page(hits, ids, every=len(newest) <= sample)
        found = matching(session, query, as_of=as_of)
        page = list(session.execute(found.order_by(*order).limit(limit).offset(offset)))
        return Page(_hits(session, index, page, None) if page else [])
    if index.streams_by_rank:
        page = _streamed_page(session, query, limit=limit, offset=offset, as_of=as_of)
        return Page(_hits(session, index, page, query.text) if page else [])
    order.insert(0, literal_column("score").desc())
    assert query.text is not None
    page, kept = _ranked_page(
        session, index, query, order, limit=limit, offset=offset, as_of=as_of, sample=sample
    )
    hits = _hits(session, index, page, query.text) if page else []
    return Page(hits, [(r.release_id, r.version_id) for r in kept] if kept is not None else None)


def _streamed_page(
    session: Session, query: Query, *, limit: int, offset: int, as_of: date | None
) -> list[Any]:
    """For an index that streams by rank (FTS5 on SQLite: its top-N path, bm25 once per match,
    no join before the sort): read matches best first, check the other conditions per row, and stop after the
    page and every row tied with its last score; then order those by the full order (score,
    newest first, id), so the page is the same as ranking everything."""
    need = offset + limit
    rows: list[Any] = []
    result = session.execute(matching(session, query, as_of=as_of, by_rank=True))
    try:
        for row in result:
            if len(rows) >= need and row.score < rows[need - 1].score:
                break
            rows.append(row)
    finally:
        result.close()
    rows.sort(
        key=lambda r: (
            -r.score,
            r.published_at is None,
            -(r.published_at.timestamp() if r.published_at else 0),
            -r.release_id,
        )
    )
    return rows[offset:need]


def candidate_tops(need: int) -> tuple[int | None, ...]:
    """How many best-ranked versions to join on each try for a page ending at row `need`."""
    return (need * 5 + 100, need * 50 + 1000, None)


def _ranked_page(
    session: Session,
    index: TextIndex,
    query: Query,
    order: list[ColumnElement[Any]],
    *,
    limit: int,
    offset: int,
    as_of: date | None,
    sample: int = 0,
) -> tuple[list[Any], list[Any] | None]:
    """Rank inside the full-text index first and join only the best candidates: for a common
    word, scoring thousands of matches is cheap but joining each to its release is not. When
    the filters (facets, dates, older versions) leave less than a page among the candidates,
    widen them; the last try takes every match. The page is the same as ranking everything: a
    version outside the best `top` (in the page's order) cannot come before one inside.

    With `sample`, and a page that ends within it, a quarter more than `sample` versions are
    candidates (older versions among them drop out) and the first `sample` + 1 matches are read,
    in the page's order: an exact head of the full ranking of the matches, returned second.
    None when the page came from ranking every match, or ends beyond the sample."""
    need = offset + limit
    matches: int | None = None
    # tag filters and dates are applied among the matches before they are ranked (`matching`);
    # a source or type filter, or a past date, can filter out most of a common word's best
    # candidates after it: start wider
    narrowed = as_of is not None or any(f.field not in TAG_FIELDS for f in query.filters)
    tops = candidate_tops(need)
    keep = 0 < sample and need <= sample + 1
    for top in tops[1:] if narrowed else tops:
        kept: list[Any] | None = None
        if keep and top is not None:
            top = max(top, sample + sample // 4)
        found = matching(session, query, as_of=as_of, top=top).order_by(*order)
        if keep and top is not None:
            kept = list(session.execute(found.limit(sample + 1)))
            page = kept[offset:need]
        else:
            page = list(session.execute(found.limit(limit).offset(offset)))
        if len(page) == limit or top is None:
            return page, kept
        if matches is None:
            assert query.text is not None
            matches = index.count(session, query.text)
        if matches <= top:
            return page, kept  # every match was a candidate: this is all there is
    return [], None  # pragma: no cover - the loop returns on its last pass


def _hits(session: Session, index: TextIndex, page: Sequence[Any], node: Node | None) -> list[Hit]:
    version_ids = [row.version_id for row in page]
    whole = node is not None and index.snippets_from_whole_text
    opening = (
        versions.c.text if whole else func.substr(versions.c.text, 1, SNIPPET_CHARS * 2)
    ).label("opening")
    details = {
        row.id: row
        for row in session.execute(
            select(
                releases.c.id,
                releases.c.published_at,
                releases.c.updated_at,
                releases.c.first_seen_at,
                releases.c.url,
                releases.c.document_type,
                sources.c.name.label("source"),
                versions.c.title,
                versions.c.id.label("version_id"),
                versions.c.number,
                opening,
            )
            .join(sources, sources.c.id == releases.c.source_id)
            .join(versions, versions.c.release_id == releases.c.id)
            .where(versions.c.id.in_(version_ids))
        )
    }
    labels = version_tags(session, version_ids)
    texts = {d.version_id: d.opening or "" for d in details.values()} if node else {}
    found_snippets = index.snippets(session, node, texts) if node else {}
    hits = []
    for row in page:
        d = details[row.release_id]
        found = labels.get(row.version_id, {})
        when, kind = release_date(d.published_at, d.updated_at, d.first_seen_at)
        hits.append(
            Hit(
                release_id=row.release_id,
                version_id=row.version_id,
                version_number=d.number,
                score=float(row.score) if row.score is not None else None,
                published_at=d.published_at,
                date=when,
                date_kind=kind,
                title=one_line(d.title),
                url=d.url,
                source=d.source,
                document_type=d.document_type,
                themes=found.get("theme", []),
                countries=found.get("country", []),
                people=found.get("person", []),
                snippet=found_snippets.get(row.version_id) or _opening(d.opening),
            )
        )
    return hits


def _opening(text: str | None) -> str:
    line = one_line(text)
    return line if len(line) <= SNIPPET_CHARS else line[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def version_tags(session: Session, version_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """{version_id: {kind: [values]}}: rule and publisher tags together, each value once, focus
    tags first, then by score."""
    if not version_ids:
        return {}
    rows = session.execute(
        select(tags.c.version_id, tags.c.kind, tags.c.value)
        .where(tags.c.version_id.in_(list(version_ids)))
        .order_by(
            tags.c.version_id, tags.c.kind, tags.c.focus.desc(), tags.c.score.desc(), tags.c.value
        )
    )
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for version_id, kind, value in rows:
        if value not in out[version_id][kind]:
            out[version_id][kind].append(value)
    return out


# ------------------------------------------------------------------------------------- export


EXPORT_COLUMNS = [
    "id",
    "date",
    "date_kind",
    "published_at",
    "title",
    "url",
    "source",
    "document_type",
    "organisation",
    "language",
    "themes",
    "countries",
    "regions",
    "people",
    "version",
    "fetched_at",
    "text",
]


def export_rows(
    session: Session, query: Query, *, as_of: date | None = None, chunk: int = 500
) -> Iterator[dict[str, Any]]:
    """Every release the query finds (all of them for the empty query), in date order (the date
    each goes by: published, else updated, else first seen; oldest first, then by id), with its
    tags and the text of its latest version. Rows are streamed from the database in chunks
    (a server-side cursor on Postgres), so memory stays flat however large the archive."""
    found = matching(session, query, as_of=as_of).subquery("found")
    stmt = (
        select(
            releases.c.id,
            releases.c.published_at,
            releases.c.updated_at,
            releases.c.first_seen_at,
            versions.c.title,
            releases.c.url,
            sources.c.name.label("source"),
            releases.c.document_type,
            releases.c.organisation,
            releases.c.language,
            versions.c.id.label("version_id"),
            versions.c.number.label("version"),
            versions.c.fetched_at,
            versions.c.text,
        )
        .select_from(found)
        .join(releases, releases.c.id == found.c.release_id)
        .join(sources, sources.c.id == releases.c.source_id)
        .join(versions, versions.c.id == found.c.version_id)
        .order_by(
            func.coalesce(releases.c.published_at, releases.c.updated_at, releases.c.first_seen_at),
            releases.c.id,
        )
    )
    result = session.execute(stmt, execution_options={"yield_per": chunk})
    for part in result.partitions():
        labels = version_tags(session, [row.version_id for row in part])
        for row in part:
            found_tags = labels.get(row.version_id, {})
            record = dict(row._mapping)
            record["title"] = one_line(record["title"])
            record["date"], record["date_kind"] = release_date(
                row.published_at, row.updated_at, row.first_seen_at
            )
            record["themes"] = found_tags.get("theme", [])
            record["countries"] = found_tags.get("country", [])
            record["regions"] = found_tags.get("region", [])
            record["people"] = found_tags.get("person", [])
            yield {key: record[key] for key in EXPORT_COLUMNS}
