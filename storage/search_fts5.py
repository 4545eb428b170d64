"""The SQLite full-text index: the FTS5 table `search_fts` (migration 0002), one row per version
(its rowid the version's id), searched with MATCH and ranked by bm25.

The MATCH expression is built from the query's tokens, which are letters and digits only and are
quoted, so nothing a user types is FTS5 syntax; the expression itself is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select, table
from sqlalchemy.orm import Session

from core.errors import QueryError
from core.query import And, Node, Not, Or, Phrase, Term
from storage.models import Release
from storage.search_index import HIGHLIGHT, TagFilter, TextIndex, one_line

_FTS: ColumnElement[Any] = literal_column("search_fts")
_ROWID: ColumnElement[Any] = literal_column("search_fts.rowid")
_RANK: ColumnElement[Any] = literal_column("search_fts.rank")
releases = Release.__table__


def fts5(node: Node) -> str:
    """The FTS5 MATCH expression of a positive text tree."""
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


def _match(node: Node) -> ColumnElement[bool]:
    return _FTS.op("MATCH")(bindparam("fts", fts5(node)))


class Fts5Index(TextIndex):
    """FTS5 on SQLite: it streams matches best first (its `rank`, computed once per match inside
    the index), and its own snippet() reads only the texts of the page."""

    streams_by_rank = True

    def hits(
        self,
        node: Node,
        *,
        top: int | None = None,
        tagged: Sequence[TagFilter] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[Any]:
        # bm25 is lower-is-better; a title match weighs five times a body match
        bm25 = func.bm25(_FTS, 5.0, 1.0)
        stmt = (
            select(_ROWID.label("version_id"), (-bm25).label("score"))
            .select_from(table("search_fts"))
            .where(_match(node))
        )
        return stmt.order_by(bm25).limit(top) if top is not None else stmt

    def by_rank(self, version: Any, node: Node) -> Select[Any]:
        return (
            select(
                version.c.release_id,
                version.c.id.label("version_id"),
                (-_RANK).label("score"),
                releases.c.published_at,
            )
            .select_from(
                table("search_fts")
                .join(version, version.c.id == _ROWID)
                .join(releases, releases.c.id == version.c.release_id)
            )
            .where(_match(node))
            .order_by(_RANK)
        )

    def snippets(self, session: Session, node: Node, texts: dict[int, str]) -> dict[int, str]:
        if not texts:
            return {}
        start, stop = HIGHLIGHT
        stmt = (
            select(_ROWID, func.snippet(_FTS, -1, start, stop, "…", 24))
            .select_from(table("search_fts"))
            .where(_match(node), _ROWID.in_(list(texts)))
        )
        return {vid: one_line(text) for vid, text in session.execute(stmt)}
