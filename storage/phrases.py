"""Repository functions for the history of language (`phrase_uses`): which phrase a release
version used, and when. They take a Session and never commit.

A use is stored once per (phrase, version), written in bulk with one Core INSERT ... ON CONFLICT
DO NOTHING for any number of versions (the diff stage writes a batch's at once; a re-run or two
overlapping runs record each use once). The
history on a basis ("theme:<id>", "country:<code>", as in storage.changes) is the uses of the
versions tagged with it, joined at query time through the tags (kind, value, version_id) index.
`used_at` is the version's own time (storage.changes.version_time), so an edited page's new
phrase dates from the edit, not from the page's first publication. A phrase is kept to its first
300 characters.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

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
