"""Repository functions for the history of language (`phrase_uses`): which phrase a release
version used, and when. They take a Session and never commit.

A use is stored once per (phrase, version), written in bulk with one Core INSERT ... ON CONFLICT
DO NOTHING for a whole batch of versions (a re-run or two overlapping runs record it once). The
history on a basis ("theme:<id>", "country:<code>", as in storage.changes) is the uses of the
versions tagged with it, joined at query time through the tags (kind, value, version_id) index.
`used_at` is the version's own time (storage.changes.version_time), so an edited page's new
phrase dates from the edit, not from the page's first publication. A phrase is kept to its first
300 characters.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from core.errors import StorageError
from storage import dialect
from storage.changes import parse_basis
from storage.models import PhraseUse
from storage.types import UTCDateTime

MAX_PHRASE = 300

# the tags of a basis, for a tags row `t` and the basis's kind and value as SQL expressions
_BASIS_TAG = (
    "t.kind = {kind} AND t.value = {value} AND t.status = 'tagged' AND "
    "((t.kind = 'theme' AND t.origin = 'rule') OR (t.kind = 'country' AND t.focus = TRUE))"
)
_EXISTS = (
    "EXISTS (SELECT 1 FROM phrase_uses AS u JOIN tags AS t ON t.version_id = u.version_id "
    "WHERE u.phrase = {phrase} AND u.used_at < :before AND u.release_id != :exclude AND "
    + _BASIS_TAG
    + ")"
)
_USED_BEFORE = {
    # one seek per phrase on (phrase, used_at), each earlier use checked against the tags of
    # its version; EXISTS stops at the first use on the basis
    dialect.SQLITE: "SELECT json_extract(p.value, '$[0]') AS kind, json_extract(p.value, '$[1]') "
    "AS value, json_extract(p.value, '$[2]') AS phrase FROM json_each(:triples) AS p WHERE "
    + _EXISTS.format(
        phrase="json_extract(p.value, '$[2]')",
        kind="json_extract(p.value, '$[0]')",
        value="json_extract(p.value, '$[1]')",
    ),
    dialect.POSTGRES: "SELECT x.kind, x.value, x.phrase FROM unnest(CAST(:kinds AS text[]), "
    "CAST(:values AS text[]), CAST(:phrases AS text[])) AS x(kind, value, phrase) WHERE "
    + _EXISTS.format(phrase="x.phrase", kind="x.kind", value="x.value"),
}


def phrases_used_before_each(
    session: Session,
    phrases: Mapping[str, Collection[str]],
    *,
    before: datetime,
    exclude_release_id: int = 0,
) -> dict[str, set[str]]:
    """For each basis, those of its `phrases` that a version of another release than
    `exclude_release_id`, tagged with that basis, used before `before` (a page's own earlier
    version is not an earlier statement). One query for all the bases."""
    triples = [
        (*parse_basis(basis), phrase[:MAX_PHRASE])
        for basis, items in phrases.items()
        for phrase in dict.fromkeys(items)
    ]
    found: dict[str, set[str]] = {basis: set() for basis in phrases}
    if not triples:
        return found
    backend = dialect.name(session)
    if backend not in _USED_BEFORE:
        raise StorageError(f"phrase history lookups do not support the {backend} dialect")
    statement = text(_USED_BEFORE[backend]).bindparams(bindparam("before", type_=UTCDateTime()))
    params: dict[str, Any] = {"before": before, "exclude": exclude_release_id}
    if backend == dialect.SQLITE:
        params["triples"] = json.dumps(triples)
    else:
        params["kinds"] = [k for k, _, _ in triples]
        params["values"] = [v for _, v, _ in triples]
        params["phrases"] = [p for _, _, p in triples]
    for row in session.execute(statement, params):
        found[f"{row.kind}:{row.value}"].add(row.phrase)
    return found


def record_phrase_uses(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store phrase uses in bulk: `rows` of phrase, weight, release_id, version_id, used_at (any
    number of versions). One Core INSERT executed for all the rows; a use already stored is
    skipped."""
    if not rows:
        return
    unique: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        phrase = str(row["phrase"])[:MAX_PHRASE]
        unique.setdefault((phrase, int(row["version_id"])), {**row, "phrase": phrase})
    statement = dialect.insert(session, PhraseUse.__table__).on_conflict_do_nothing(
        index_elements=["phrase", "version_id"]
    )
    session.execute(statement, list(unique.values()))


_BASIS_USES = (
    "SELECT u.phrase, u.weight, u.used_at, u.release_id, u.version_id, r.title "
    "FROM tags AS t JOIN phrase_uses AS u ON u.version_id = t.version_id "
    "JOIN releases AS r ON r.id = u.release_id WHERE "
    + _BASIS_TAG.format(kind=":kind", value=":value")
)
_BASIS_VERSIONS = (
    "SELECT DISTINCT u.version_id, u.used_at FROM tags AS t "
    "JOIN phrase_uses AS u ON u.version_id = t.version_id WHERE "
    + _BASIS_TAG.format(kind=":kind", value=":value")
)


def phrase_history(
    session: Session, basis: str, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """Each phrase used on `basis`, most significant first (the lexicon's weight, then how many
    statements used it, then the latest use): its first and last use (the time of the version
    that introduced it and of the last that carried it, with that release's id and title), and
    `dropped_since`, the time of the first later statement on the basis without it when the
    latest statement no longer carries it (None while it is still said)."""
    kind, value = parse_basis(basis)
    params = {"kind": kind, "value": value}
    columns = {"used_at": UTCDateTime()}
    uses = session.execute(text(_BASIS_USES).columns(**columns), params).all()
    times = sorted(
        row.used_at for row in session.execute(text(_BASIS_VERSIONS).columns(**columns), params)
    )
    phrases: dict[str, dict[str, Any]] = {}
    releases: dict[str, set[int]] = {}
    for use in uses:
        entry = phrases.get(use.phrase)
        if entry is None:
            entry = phrases[use.phrase] = {
                "phrase": use.phrase,
                "weight": use.weight,
                "first_used": use.used_at,
                "first_release_id": use.release_id,
                "first_title": use.title,
                "last_used": use.used_at,
                "last_release_id": use.release_id,
                "last_title": use.title,
            }
            releases[use.phrase] = set()
        releases[use.phrase].add(use.release_id)
        entry["weight"] = max(entry["weight"], use.weight)
        if (use.used_at, use.release_id) < (entry["first_used"], entry["first_release_id"]):
            entry["first_used"], entry["first_release_id"] = use.used_at, use.release_id
            entry["first_title"] = use.title
        if (use.used_at, use.release_id) > (entry["last_used"], entry["last_release_id"]):
            entry["last_used"], entry["last_release_id"] = use.used_at, use.release_id
            entry["last_title"] = use.title
    out = []
    for phrase, entry in phrases.items():
        entry["releases"] = len(releases[phrase])
        later = bisect.bisect_right(times, entry["last_used"])
        entry["dropped_since"] = times[later] if later < len(times) else None
        out.append(entry)
    out.sort(key=lambda e: (-e["weight"], -e["releases"], -e["last_used"].timestamp(), e["phrase"]))
    return out[:limit] if limit is not None else out
