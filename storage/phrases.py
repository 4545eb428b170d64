"""Repository functions for the history of key phrases (`phrase_uses`): which phrase a statement
on a basis used, and when. They take a Session and never commit.

A use is stored once per (basis, phrase, version) (INSERT ... ON CONFLICT DO NOTHING), so a
re-run or two overlapping runs record it once. A basis is as in storage.changes ("theme:<id>",
"country:<code>"); a phrase is kept to its first 300 characters.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from core.errors import StorageError
from storage import dialect
from storage.models import PhraseUse
from storage.types import UTCDateTime

_IN_CHUNK = 500  # bound the size of IN (...) lists


_USED_BEFORE = {
    # one index seek per (basis, phrase) on (basis, phrase, used_at): EXISTS stops at the first
    # earlier use, so the cost does not grow with how often a phrase was used
    dialect.SQLITE: "SELECT json_extract(p.value, '$[0]') AS basis, json_extract(p.value, '$[1]') AS "
    "phrase FROM json_each(:pairs) AS p WHERE EXISTS (SELECT 1 FROM phrase_uses AS u WHERE "
    "u.basis = json_extract(p.value, '$[0]') AND u.phrase = json_extract(p.value, '$[1]') "
    "AND u.used_at < :before)",
    dialect.POSTGRES: "SELECT x.basis, x.phrase FROM unnest(CAST(:bases AS text[]), "
    "CAST(:phrases AS text[])) AS x(basis, phrase) WHERE EXISTS (SELECT 1 FROM phrase_uses AS u "
    "WHERE u.basis = x.basis AND u.phrase = x.phrase AND u.used_at < :before)",
}


def phrases_used_before_each(
    session: Session, phrases: Mapping[str, Collection[str]], *, before: datetime
) -> dict[str, set[str]]:
    """For each basis, those of its `phrases` that a statement on that basis used before
    `before`. One query for all the bases."""
    pairs = [
        (basis, phrase[:300]) for basis, items in phrases.items() for phrase in dict.fromkeys(items)
    ]
    found: dict[str, set[str]] = {basis: set() for basis in phrases}
    if not pairs:
        return found
    backend = dialect.name(session)
    if backend not in _USED_BEFORE:
        raise StorageError(f"phrase history lookups do not support the {backend} dialect")
    statement = text(_USED_BEFORE[backend]).bindparams(bindparam("before", type_=UTCDateTime()))
    params: dict[str, Any] = {"before": before}
    if backend == dialect.SQLITE:
        params["pairs"] = json.dumps(pairs)
    else:
        params["bases"] = [b for b, _ in pairs]
        params["phrases"] = [p for _, p in pairs]
    for row in session.execute(statement, params):
        found[row.basis].add(row.phrase)
    return found


def record_phrase_uses(
    session: Session,
    basis: str,
    phrases: Iterable[str],
    *,
    release_id: int,
    version_id: int,
    used_at: datetime,
) -> None:
    rows = [
        {
            "basis": basis,
            "phrase": phrase[:300],
            "release_id": release_id,
            "version_id": version_id,
            "used_at": used_at,
        }
        for phrase in dict.fromkeys(phrases)
    ]
    if not rows:
        return
    statement = dialect.insert(session, PhraseUse).on_conflict_do_nothing(
        index_elements=["basis", "phrase", "version_id"]
    )
    session.execute(statement, rows)


def phrase_history(
    session: Session, basis: str, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """Each key phrase used on `basis`: first and last use, number of statements, newest first
    (by last use, then by first use)."""
    first = func.min(PhraseUse.used_at).label("first_used")
    last = func.max(PhraseUse.used_at).label("last_used")
    releases = func.count(func.distinct(PhraseUse.release_id)).label("releases")
    query = (
        select(PhraseUse.phrase, first, last, releases)
        .where(PhraseUse.basis == basis)
        .group_by(PhraseUse.phrase)
        .order_by(last.desc(), first.desc(), PhraseUse.phrase)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.execute(query))
    # the release of each phrase's first and last use
    out: list[dict[str, Any]] = []
    ends: dict[tuple[str, datetime], int] = {}
    phrases = [row.phrase for row in rows]
    for start in range(0, len(phrases), _IN_CHUNK):
        for use in session.execute(
            select(PhraseUse.phrase, PhraseUse.used_at, PhraseUse.release_id)
            .where(
                PhraseUse.basis == basis,
                PhraseUse.phrase.in_(phrases[start : start + _IN_CHUNK]),
            )
            .order_by(PhraseUse.release_id)
        ):
            ends.setdefault((use.phrase, use.used_at), use.release_id)
    for row in rows:
        out.append(
            {
                "phrase": row.phrase,
                "first_used": row.first_used,
                "last_used": row.last_used,
                "releases": row.releases,
                "first_release_id": ends.get((row.phrase, row.first_used)),
                "last_release_id": ends.get((row.phrase, row.last_used)),
            }
        )
    return out
