"""The Postgres full-text index: the table `search_documents` (migrations 0002, 0003; not a
model), one tsvector per version in the `deskwatch` text search configuration, beside the
version's release id and publication date so that a search can rank inside it.

A tsquery is built with functions over bound values only (to_tsquery, plainto_tsquery,
phraseto_tsquery and the tsquery operators), never from text spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from core.query import And, Node, Not, Phrase, Term
from storage import snippets
from storage.models import Tag
from storage.search_index import HIGHLIGHT, TagFilter, TextIndex, tag_rows

search_documents = table(
    "search_documents",
    column("version_id"),
    column("release_id"),
    column("published_at"),
    column("document"),
)
tags = Tag.__table__
_CONFIG: ColumnElement[Any] = literal_column("'deskwatch'::regconfig")

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
_SEARCH_SETTINGS = sql(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
    "set_config('random_page_cost', '1.1', true)"
)


def tsquery(node: Node) -> ColumnElement[Any]:
    """The tsquery of a text tree."""
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


_TITLE_WORDS: ColumnElement[Any] = func.ts_filter(
    search_documents.c.document, literal_column("""'{a}'::"char"[]""")
)
"""The words of the version's title (weight A), as migration 0012 indexes them."""


def ranks_titles_first(node: Node) -> bool:
    """The query is one whole word, whose matches with the word in their title all rank above
    the others. ts_rank of a one-lexeme query, with the default weights (title A = 1.0, text
    B = 0.4) and no normalisation, is (tsrank.c, calc_rank_or) over the word's positions
    j = 1, 2, ... with weights w_j, the highest w_m at m: (w_m + sum_j w_j / j^2 - w_m / m^2)
    / (pi^2 / 6). With the word in the title, w_m = 1 and the score is at least 1 / 1.645 =
    0.608; in the text only, every w_j = 0.4 and it is under 0.4 * (pi^2 / 6) / (pi^2 / 6) =
    0.4, however often the word is used. A prefix (several lexemes, their scores added) or
    several words have no such bound. Whether the word is one lexeme (not a stop word, nor
    split by the parser as "covid-19" is) is checked in the SQL (numnode)."""
    return isinstance(node, Term) and not node.prefix


def highlighted_words(node: Node) -> tuple[list[str], list[str]]:
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
        more, starts = highlighted_words(item)
        words += more
        prefixes += starts
    return words, prefixes


class TsvectorIndex(TextIndex):
    """tsvector and GIN on Postgres: tag filters and dates are applied among the matches before
    ts_rank scores them, and snippets are cut in Python (storage.snippets) with the words
    stemmed by the index's own configuration, where ts_headline would parse whole texts."""

    filters_inside = True
    snippets_from_whole_text = True

    def prepare(self, session: Session) -> None:
        session.execute(_SEARCH_SETTINGS)

    def hits(
        self,
        node: Node,
        *,
        top: int | None = None,
        tagged: Sequence[TagFilter] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[Any] | CompoundSelect:
        docs = search_documents
        tsq = tsquery(node)
        score = func.ts_rank(docs.c.document, tsq).label("score")
        conditions: list[ColumnElement[bool]] = []
        for field, values, negated in tagged:
            with_tag = docs.c.version_id.in_(
                select(tags.c.version_id).where(tag_rows(field, values))
            )
            conditions.append(~with_tag if negated else with_tag)
        if since is not None:
            conditions.append(docs.c.published_at >= since)
        if until is not None:
            conditions.append(docs.c.published_at < until)
        stmt = select(docs.c.version_id, score).where(docs.c.document.op("@@")(tsq), *conditions)
        if top is None:
            return stmt
        # the best `top` in the page's own order (score, newest first, undated last, release
        # id: migration 0003 keeps the release's id and date beside the tsvector), so a top-N
        # sort inside the index table picks them and ties on ts_rank are cut as the page cuts
        # them; ORDER BY the output column computes ts_rank once per match
        order: tuple[ColumnElement[Any], ...] = (
            literal_column("score").desc(),
            docs.c.published_at.desc().nulls_last(),
            docs.c.release_id.desc(),
        )
        best = stmt.order_by(*order).limit(top)
        if conditions or not ranks_titles_first(node):
            # a tag or date filter leaves fewer title matches than the page needs more often
            # than not, and ranking those first is then lost work
            return best
        # one word: every version with it in its title ranks above every other (above),
        # so when the title matches fill the `top` candidates they are the best `top`, and only
        # they are ranked (found on their own GIN index, migration 0012); else every match is.
        # The count is a one-time filter: the branch not taken is never run
        titled = (
            select(docs.c.version_id, score)
            .where(_TITLE_WORDS.op("@@")(tsq), func.numnode(tsq) == 1, *conditions)
            .order_by(*order)
            .limit(top)
            .cte("titled")
            .prefix_with("MATERIALIZED")
        )
        filled = select(func.count()).select_from(titled).scalar_subquery()
        every = best.subquery("every")
        return union_all(
            select(titled.c.version_id, titled.c.score).where(filled >= top),
            select(every.c.version_id, every.c.score).where(filled < top),
        )

    def snippets(self, session: Session, node: Node, texts: dict[int, str]) -> dict[int, str]:
        if not texts:
            return {}
        words, prefixes = highlighted_words(node)
        found = snippets.candidates(texts.values(), words + prefixes)
        stems = snippets.lexemes(session, found | {*words, *prefixes})
        matches = snippets.matcher(stems, words, prefixes)
        where = snippets.locator({w for w in found if matches(w)})
        return {
            vid: snippets.snippet(text, where, highlight=HIGHLIGHT) for vid, text in texts.items()
        }
