"""Search the archive: a parsed query (core.query) compiled to SQL on SQLite and Postgres.

    search(session, query, limit=, offset=, as_of=)   ranked hits with themes, countries, snippet
    export_rows(session, query, as_of=)                 every matching release, streamed
    timeline(session, query, by=)                       release counts per week or month

A release is found by the text (title and body) of its latest version: the newest version, or
the newest fetched on or before `as_of` (then releases first fetched later are not there). Field
filters on themes, countries and people, and the tags shown, are those of that version (the tag
stage tags every version).
Dates (`since:`, `until:`, the order of unranked hits) are the publication date: undated
releases sort last and match no date filter; the timeline counts them by the date first seen.

The one dialect switch is `_TextSearch`: FTS5 MATCH + bm25 on SQLite, tsquery @@ tsvector +
ts_rank on Postgres (migration 0002 builds both indexes). Every value from the user is a bound
parameter; the FTS5 expression is built from tokens that are letters and digits only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from core.errors import QueryError
from core.query import And, Filter, Node, Not, Or, Phrase, Query, Term, fold, is_positive
from storage import snippets
from storage.models import Release, ReleaseVersion, Source, Tag

HIGHLIGHT = ("**", "**")
SNIPPET_CHARS = 240
PERIODS = ("week", "month")

releases = Release.__table__
versions = ReleaseVersion.__table__
tags = Tag.__table__
sources = Source.__table__
# the Postgres index table (migrations 0002, 0003; not a model) and the aliases every search
# uses, built once
search_documents = table(
    "search_documents",
    column("version_id"),
    column("release_id"),
    column("published_at"),
    column("document"),
)
_V = versions.alias("v")
_NEWER = versions.alias("newer")


@dataclass
class Hit:
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

    def row(self) -> dict[str, Any]:
        return {
            "id": self.release_id,
            "date": self.published_at.date() if self.published_at else None,
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


# ------------------------------------------------------------------------ text: the dialect switch


class _TextSearch:
    """Compiles the text tree of a query to (matching version ids + score) for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def hits(
        self,
        node: Node,
        *,
        top: int | None = None,
        tagged: Sequence[tuple[str, Sequence[str], bool]] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select:
        """SELECT version_id, score for versions whose title or text match `node` (positive);
        with `top`, only the best `top` of them (ranked inside the index, before any join).
        Postgres only: `tagged`, (kind, values, negated) tag filters, and the publication dates
        `since` (inclusive) and `until` (exclusive) are applied to the matches before they are
        ranked, so that only versions that pass them are scored."""
        if self.dialect == "sqlite":
            fts = table("search_fts")
            match = literal_column("search_fts").op("MATCH")(bindparam("fts", fts5(node)))
            # bm25 is lower-is-better; a title match weighs five times a body match
            bm25 = func.bm25(literal_column("search_fts"), 5.0, 1.0)
            stmt = (
                select(
                    literal_column("search_fts.rowid").label("version_id"), (-bm25).label("score")
                )
                .select_from(fts)
                .where(match)
            )
            return stmt.order_by(bm25).limit(top) if top is not None else stmt
        docs = search_documents
        tsq = tsquery(node)
        score = func.ts_rank(docs.c.document, tsq).label("score")
        stmt = select(docs.c.version_id, score).where(docs.c.document.op("@@")(tsq))
        for kind, values, negated in tagged:
            with_tag = docs.c.version_id.in_(
                select(tags.c.version_id).where(tags.c.kind == kind, tags.c.value.in_(values))
            )
            stmt = stmt.where(~with_tag if negated else with_tag)
        if since is not None:
            stmt = stmt.where(docs.c.published_at >= since)
        if until is not None:
            stmt = stmt.where(docs.c.published_at < until)
        if top is None:
            return stmt
        # the best `top` in the page's own order (score, newest first, undated last, release
        # id: migration 0003 keeps the release's id and date beside the tsvector), so a top-N
        # sort inside the index table picks them and ties on ts_rank are cut as the page cuts
        # them; ORDER BY the output column computes ts_rank once per match
        return stmt.order_by(
            literal_column("score").desc(),
            docs.c.published_at.desc().nulls_last(),
            docs.c.release_id.desc(),
        ).limit(top)

    def count(self, session: Session, node: Node) -> int:
        """How many versions match `node` (positive), from the index alone."""
        hits = self.hits(node)
        ids = hits.with_only_columns(hits.selected_columns[0]).subquery()
        return int(session.execute(select(func.count()).select_from(ids)).scalar() or 0)

    def snippets(self, session: Session, node: Node, texts: dict[int, str]) -> dict[int, str]:
        """{version id: snippet} for the versions of a page (`texts`: their text): FTS5's
        snippet() on SQLite; on Postgres cut in Python (storage.snippets) with the words
        stemmed by the index's own configuration, where ts_headline would parse whole texts."""
        if not texts:
            return {}
        start, stop = HIGHLIGHT
        if self.dialect == "sqlite":
            stmt = (
                select(
                    literal_column("search_fts.rowid"),
                    func.snippet(literal_column("search_fts"), -1, start, stop, "…", 24),
                )
                .select_from(table("search_fts"))
                .where(
                    literal_column("search_fts").op("MATCH")(bindparam("fts", fts5(node))),
                    literal_column("search_fts.rowid").in_(list(texts)),
                )
            )
            return {vid: _one_line(text) for vid, text in session.execute(stmt)}
        words, prefixes = _words(node)
        found = snippets.candidates(texts.values(), words + prefixes)
        stems = snippets.lexemes(session, found | {*words, *prefixes})
        matches = snippets.matcher(stems, words, prefixes)
        where = snippets.locator({w for w in found if matches(w)})
        return {
            vid: snippets.snippet(text, where, highlight=HIGHLIGHT) for vid, text in texts.items()
        }


def _words(node: Node) -> tuple[list[str], list[str]]:
    """The words of a text tree that a snippet highlights (not the negated ones): whole words,
    and the beginnings of prefix words (`sanction*`)."""
    if isinstance(node, Term):
        return ([], [node.token]) if node.prefix else ([node.token], [])
    if isinstance(node, Phrase):
        if node.prefix:
            return list(node.tokens[:-1]), [node.tokens[-1]]
        return list(node.tokens), []
    if isinstance(node, Not):
        return [], []
    words: list[str] = []
    prefixes: list[str] = []
    for item in node.items:
        more, starts = _words(item)
        words += more
        prefixes += starts
    return words, prefixes


def fts5(node: Node) -> str:
    """The FTS5 MATCH expression of a positive text tree. Tokens are letters and digits only,
    quoted, so nothing a user types is FTS5 syntax."""
    if isinstance(node, Term):
        return f'"{node.token}"' + (" *" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.tokens) + '"' + (" *" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(fts5(item) for item in node.items) + ")"
    if isinstance(node, And):
        positives = [fts5(item) for item in node.items if not isinstance(item, Not)]
        expression = "(" + " AND ".join(positives) + ")"
        for item in node.items:
            if isinstance(item, Not):
                expression = f"({expression} NOT {fts5(item.item)})"
        return expression
    raise QueryError("a negated word needs a word to subtract from")  # the parser prevents it


_CONFIG: ColumnElement[Any] = literal_column("'deskwatch'::regconfig")


def tsquery(node: Node) -> ColumnElement[Any]:
    """The tsquery of a text tree, built with functions over bound values only."""
    if isinstance(node, Term):
        if node.prefix:
            return func.to_tsquery(_CONFIG, bindparam(None, node.token + ":*"))
        return func.plainto_tsquery(_CONFIG, bindparam(None, node.token))
    if isinstance(node, Phrase):
        if not node.prefix:
            return func.phraseto_tsquery(_CONFIG, bindparam(None, " ".join(node.tokens)))
        head = func.phraseto_tsquery(_CONFIG, bindparam(None, " ".join(node.tokens[:-1])))
        tail = func.to_tsquery(_CONFIG, bindparam(None, node.tokens[-1] + ":*"))
        return func.tsquery_phrase(head, tail)
    if isinstance(node, Not):
        return func.tsquery_not(tsquery(node.item))
    combine = func.tsquery_and if isinstance(node, And) else func.tsquery_or
    result = tsquery(node.items[0])
    for item in node.items[1:]:
        result = combine(result, tsquery(item))
    return result


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


# ----------------------------------------------------------------------------------- matching


def release_date() -> ColumnElement[datetime]:
    """The date a timeline counts a release by: published, else first seen."""
    return func.coalesce(releases.c.published_at, releases.c.first_seen_at)


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
        tagged = select(tags.c.version_id).where(
            tags.c.kind == kind, tags.c.value.in_(list(values))
        )
        return v.c.id.in_(tagged)
    return exists().where(
        tags.c.version_id == v.c.id, tags.c.kind == kind, tags.c.value.in_(list(values))
    )


DRIVING_SHARE = 0.05


def _driving(session: Session, filters: Sequence[Filter]) -> Filter | None:
    """The filter to drive a query by: the most selective tag, source or type filter, if under
    DRIVING_SHARE of all versions carry it (counted on its index)."""
    candidates = [
        f
        for f in filters
        if not f.negated and f.field in ("theme", "country", "person", "source", "type")
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
            condition = and_(tags.c.kind == flt.field, tags.c.value.in_(_tag_values(session, flt)))
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
    if flt.field in ("theme", "country", "person"):
        condition = _tag_condition(v, flt.field, _tag_values(session, flt), driving=driving)
    elif flt.field in ("source", "type"):
        # not driving, on SQLite: `+ 0` / coalesce() keep its planner (which has no statistics)
        # off this column's index, or a common source or type would drive and every match be
        # sorted; the date or full-text index drives and this is a check per row. Postgres
        # plans by its statistics, which an expression would hide.
        hide = not driving and session.get_bind().dialect.name == "sqlite"
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
    `by_rank` (SQLite, positive text only), the FTS5 table itself is the outer loop, ordered by
    its `rank` (best first, computed once per match inside the index), with the publication
    date as a fourth column: every other condition is then a lookup per streamed row."""
    dialect = session.get_bind().dialect.name
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
    search = _TextSearch(dialect)
    filters = list(query.filters)
    tagged: list[tuple[str, Sequence[str], bool]] = []
    dates: dict[str, datetime | None] = {}
    stmt: Select
    if by_rank:
        assert dialect == "sqlite" and positive is not None and top is None
        rowid: ColumnElement[Any] = literal_column("search_fts.rowid")
        rank: ColumnElement[Any] = literal_column("search_fts.rank")
        stmt = (
            select(
                v.c.release_id,
                v.c.id.label("version_id"),
                (-rank).label("score"),
                releases.c.published_at,
            )
            .select_from(
                table("search_fts")
                .join(v, v.c.id == rowid)
                .join(releases, releases.c.id == v.c.release_id)
            )
            .where(literal_column("search_fts").op("MATCH")(bindparam("fts", fts5(positive))))
            .order_by(rank)
        )
    elif positive is not None:
        if dialect == "postgresql":
            # tag filters are on versions: apply them to the matches before ranking, so the
            # best `top` are among the versions that have the tags and the rest is ranked less
            inside = [f for f in query.filters if f.field in ("theme", "country", "person")]
            tagged = [(f.field, _tag_values(session, f), f.negated) for f in inside]
            filters = [f for f in filters if f not in inside]
            dates = {"since": _start(query.since), "until": _cutoff(query.until)}
        hits = search.hits(positive, top=top, tagged=tagged, **dates).subquery("hits")
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
        excluded = search.hits(negative).subquery("excluded")
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


# ------------------------------------------------------------------------------------- search


# For the transaction of one search (set_config(..., true) is SET LOCAL), both measured with
# bench/bench_search.py:
# - plan each search for its own words: the tsquery, a function of bound values, is then folded
#   to a constant. psycopg prepares a statement after five runs and Postgres may switch it to a
#   generic plan, where ts_rank parses and stems the query again for every match (+50% on a
#   common word);
# - price a random page read as a cached one (1.1, the usual value for SSDs and archives held in
#   memory, instead of 4): with 4 Postgres scans the whole index table for a word a third of the
#   archive holds, in parallel, instead of reading the matches the GIN index lists (53 ms against
#   38 ms for "ukraine" at 100,000 releases).
_POSTGRES_SEARCH_SETTINGS = sql(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
    "set_config('random_page_cost', '1.1', true)"
)


def search(
    session: Session,
    query: Query,
    *,
    limit: int = 20,
    offset: int = 0,
    as_of: date | None = None,
) -> list[Hit]:
    """The page of hits: by relevance when the query has words, else newest first."""
    if query.is_empty:
        raise QueryError("the query is empty: give words to search for, or a field filter")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_POSTGRES_SEARCH_SETTINGS)
    ranked = query.text is not None and is_positive(query.text)
    order = newest_first()
    if not ranked:
        found = matching(session, query, as_of=as_of)
        page = list(session.execute(found.order_by(*order).limit(limit).offset(offset)))
        return _hits(session, page, None) if page else []
    if session.get_bind().dialect.name == "sqlite":
        page = _streamed_page(session, query, limit=limit, offset=offset, as_of=as_of)
        return _hits(session, page, query.text) if page else []
    order.insert(0, literal_column("score").desc())
    assert query.text is not None
    page = _ranked_page(session, query, order, limit=limit, offset=offset, as_of=as_of)
    return _hits(session, page, query.text) if page else []


def _streamed_page(
    session: Session, query: Query, *, limit: int, offset: int, as_of: date | None
) -> list[Any]:
    """SQLite: read matches best first from the FTS5 index (its top-N path: bm25 once per
    match, no join before the sort), check the other conditions per row, and stop after the
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
    query: Query,
    order: list[ColumnElement[Any]],
    *,
    limit: int,
    offset: int,
    as_of: date | None,
) -> list[Any]:
    """Rank inside the full-text index first and join only the best candidates: for a common
    word, scoring thousands of matches is cheap but joining each to its release is not. When
    the filters (facets, dates, older versions) leave less than a page among the candidates,
    widen them; the last try takes every match. The page is the same as ranking everything: a
    version outside the best `top` (in the page's order) cannot come before one inside."""
    need = offset + limit
    matches: int | None = None
    # tag filters and dates are applied among the matches before they are ranked (`matching`);
    # a source or type filter, or a past date, can filter out most of a common word's best
    # candidates after it: start wider
    inside = ("theme", "country", "person")
    narrowed = as_of is not None or any(f.field not in inside for f in query.filters)
    tops = candidate_tops(need)
    for top in tops[1:] if narrowed else tops:
        found = matching(session, query, as_of=as_of, top=top)
        page = list(session.execute(found.order_by(*order).limit(limit).offset(offset)))
        if len(page) == limit or top is None:
            return page
        if matches is None:
            assert query.text is not None
            matches = _TextSearch(session.get_bind().dialect.name).count(session, query.text)
        if matches <= top:
            return page  # every match was a candidate: this is all there is
    return []  # pragma: no cover - the loop returns on its last pass


def _hits(session: Session, page: Sequence[Any], node: Node | None) -> list[Hit]:
    version_ids = [row.version_id for row in page]
    dialect = session.get_bind().dialect.name
    # the snippet is cut from the whole text on Postgres (see _TextSearch.snippets)
    whole = node is not None and dialect == "postgresql"
    opening = (
        versions.c.text if whole else func.substr(versions.c.text, 1, SNIPPET_CHARS * 2)
    ).label("opening")
    details = {
        row.id: row
        for row in session.execute(
            select(
                releases.c.id,
                releases.c.published_at,
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
    found_snippets = _TextSearch(dialect).snippets(session, node, texts) if node else {}
    hits = []
    for row in page:
        d = details[row.release_id]
        found = labels.get(row.version_id, {})
        hits.append(
            Hit(
                release_id=row.release_id,
                version_id=row.version_id,
                version_number=d.number,
                score=float(row.score) if row.score is not None else None,
                published_at=d.published_at or d.first_seen_at,
                title=_one_line(d.title),
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
    line = _one_line(text)
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
    """Every release the query finds (all of them for the empty query), oldest id first, with
    its tags and the text of its latest version. Rows are streamed from the database in chunks
    (a server-side cursor on Postgres), so memory stays flat however large the archive."""
    found = matching(session, query, as_of=as_of).subquery("found")
    stmt = (
        select(
            releases.c.id,
            releases.c.published_at,
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
        .order_by(releases.c.id)
    )
    result = session.execute(stmt, execution_options={"yield_per": chunk})
    for part in result.partitions():
        labels = version_tags(session, [row.version_id for row in part])
        for row in part:
            found_tags = labels.get(row.version_id, {})
            record = dict(row._mapping)
            record["title"] = _one_line(record["title"])
            record["themes"] = found_tags.get("theme", [])
            record["countries"] = found_tags.get("country", [])
            record["regions"] = found_tags.get("region", [])
            record["people"] = found_tags.get("person", [])
            yield {key: record[key] for key in EXPORT_COLUMNS}


# ----------------------------------------------------------------------------------- timeline


def _period(dialect: str, by: str) -> ColumnElement[str]:
    if by not in PERIODS:
        raise QueryError(f"unknown period {by!r}: use week or month")
    when = release_date()
    if dialect == "sqlite":
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
    """Releases per period (the Monday of a week, the first of a month), oldest first; periods
    with none between the first and the last are there with 0."""
    period = _period(session.get_bind().dialect.name, by)
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
