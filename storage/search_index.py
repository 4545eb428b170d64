"""The full-text index as a search uses it: one interface, one implementation per database.

    Fts5Index      (storage.search_fts5)      SQLite: FTS5 MATCH, bm25, FTS5's snippet()
    TsvectorIndex  (storage.search_tsvector)  Postgres: tsquery @@ tsvector, ts_rank, snippets
                                              cut in Python (storage.snippets)

Migration 0002 builds both indexes (0003 adds the Postgres one's order columns). A search takes
the index of its session's database from `storage.search_matching.text_index`; where the two
shape a query differently, the query asks the flags below rather than the dialect's name.
Every value from the user reaches the index as a bound parameter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, func, select
from sqlalchemy.orm import Session

from core.query import Node
from storage.models import Tag

HIGHLIGHT = ("**", "**")
"""What a snippet puts around a matched word (Markdown bold)."""

TagFilter = tuple[str, Sequence[str], bool]
"""(field, values, negated): versions with (or without) a tag the filter field names (see
`tag_rows`) with one of these values."""

_TAGS = Tag.__table__


def tag_rows(field: str, values: Sequence[str]) -> ColumnElement[bool]:
    """The tag rows a filter field names: `theme:` themes over the tagger's bar (status
    "tagged"), `suggested:` themes below it, `country:` and `person:` their kind whatever the
    status."""
    kind, status = field, "tagged" if field == "theme" else None
    if field == "suggested":
        kind, status = "theme", "suggested"
    condition = and_(_TAGS.c.kind == kind, _TAGS.c.value.in_(list(values)))
    return and_(condition, _TAGS.c.status == status) if status else condition


def one_line(text: str | None) -> str:
    """The text with every run of whitespace (newlines too) made one space."""
    return " ".join((text or "").split())


class TextIndex(ABC):
    """Compiles the text tree of a parsed query to SQL over one database's full-text index."""

    filters_inside = False
    """`hits` applies tag filters and publication dates among the matches, before ranking."""
    streams_by_rank = False
    """`by_rank` reads every match best first, so a page can stop once it is full."""
    snippets_from_whole_text = False
    """`snippets` needs each version's whole text, not only its opening."""

    def prepare(self, session: Session) -> None:  # noqa: B027 - optional, nothing by default
        """Settings for the transaction of one search."""

    @abstractmethod
    def hits(
        self,
        node: Node,
        *,
        top: int | None = None,
        tagged: Sequence[TagFilter] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[Any] | CompoundSelect:
        """SELECT version_id, score for the versions whose title or text match `node`
        (positive); with `top`, only the best `top` of them (ranked inside the index, before any
        join). With `filters_inside`, `tagged` and the publication dates `since` (inclusive) and
        `until` (exclusive) are applied to the matches before they are ranked; otherwise they
        are ignored here and the caller applies them."""

    def by_rank(self, version: Any, node: Node) -> Select[Any]:
        """SELECT release_id, version_id, score, published_at of every version (`version`, an
        alias of release_versions) matching `node`, best first, for `streams_by_rank`."""
        raise NotImplementedError(f"{type(self).__name__} does not stream matches by rank")

    def count(self, session: Session, node: Node) -> int:
        """How many versions match `node` (positive), from the index alone."""
        hits = self.hits(node)
        assert isinstance(hits, Select)  # every match (no `top`): one SELECT
        ids = hits.with_only_columns(hits.selected_columns[0]).subquery()
        return int(session.execute(select(func.count()).select_from(ids)).scalar() or 0)

    @abstractmethod
    def snippets(self, session: Session, node: Node, texts: dict[int, str]) -> dict[int, str]:
        """{version id: snippet, words of `node` within HIGHLIGHT} for the versions of a page;
        `texts` holds their text (whole, or the opening: see `snippets_from_whole_text`)."""
