"""Diff stage: version diffs and statement diffs of every version not yet diffed.

gather (storage.changes) -> compare (diffing, pure) -> apply (storage.changes), in batches of
versions, one transaction per batch. A version is pending while its `diffed_with` differs from
diffing.ALGORITHM_VERSION, so a new algorithm re-diffs everything and a crash loses nothing.

- version diff: the version against the previous version of the same release (basis "version"),
  classified trivial / minor / substantive, with silent edits flagged;
- statement diffs: for each theme (rule-based tag) and focus country of the version, the earlier
  statements on it within the look-back come from the tags index, newest first and at most
  `diffing.candidates` of them; the most similar (TF-IDF cosine) is diffed sentence by sentence.
  The version's key phrases are recorded in phrase_uses under each of its bases.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from diffing import ALGORITHM_VERSION
from diffing.compare import Text, most_similar_each, sentence_diff, statement_diff, version_diff
from diffing.model import Diff
from storage.changes import (
    VERSION_BASIS,
    Candidate,
    add_change,
    bases_of_versions,
    mark_diffed,
    pending_versions,
    previous_version,
    release_time,
    statement_candidates_for,
    version_texts,
)
from storage.models import ReleaseVersion
from storage.phrases import phrases_used_before_each, record_phrase_uses

if TYPE_CHECKING:
    from pipeline.app import App
    from pipeline.config import DiffingConfig
    from storage.db import Database

log = logging.getLogger("deskwatch.diff")

BATCH_SIZE = 200
"""Versions diffed per transaction."""


@dataclass
class StatementDiff:
    basis: str
    against_release_id: int
    against_version_id: int
    diff: Diff


class TextCache:
    """Prepared texts (sentences, terms, phrases) by version id, so that an earlier statement
    compared with many new ones in a batch is split and tokenised once."""

    def __init__(self, session: Session, limit: int = 2000) -> None:
        self.session = session
        self.limit = limit
        self._texts: dict[int, Text] = {}

    def put(self, version_id: int, text: str) -> Text:
        if len(self._texts) >= self.limit:
            self._texts.clear()
        prepared = self._texts[version_id] = Text(text)
        return prepared

    def get_many(self, version_ids: Sequence[int]) -> dict[int, Text]:
        missing = [v for v in version_ids if v not in self._texts]
        for version_id, text in version_texts(self.session, missing).items():
            self.put(version_id, text)
        return {v: self._texts[v] for v in version_ids if v in self._texts}

    def of(self, version: ReleaseVersion) -> Text:
        found = self._texts.get(version.id)
        return found if found is not None else self.put(version.id, version.text)


def statement_diffs(
    session: Session,
    version: ReleaseVersion,
    bases: Sequence[str],
    *,
    lookback: timedelta,
    candidates: int,
    cache: TextCache | None = None,
) -> list[StatementDiff]:
    """The statement diffs of `version`: one per basis that has an earlier statement sharing a
    content word. Reads only; the caller stores them."""
    cache = cache or TextCache(session)
    stated = release_time(version.release)
    found = statement_candidates_for(
        session,
        bases,
        before=stated,
        since=stated - lookback,
        exclude_release_id=version.release_id,
        limit=candidates,
    )
    texts = cache.get_many(
        list(dict.fromkeys(c.version_id for group in found.values() for c in group))
    )
    new = cache.of(version)
    results: list[StatementDiff] = []
    compared: dict[int, Diff] = {}  # by earlier version: the sentence diff is the same per basis
    groups = {basis: [c for c in group if c.version_id in texts] for basis, group in found.items()}
    ranked = most_similar_each(
        new, {basis: [texts[c.version_id] for c in group] for basis, group in groups.items()}
    )
    chosen: dict[str, tuple[Candidate, float]] = {
        basis: (groups[basis][best[0]], best[1]) for basis, best in ranked.items()
    }
    # the new statement's phrases that its earlier statement lacks, looked up in each basis's
    # history in one query
    fresh = {
        basis: [p for p in new.phrases if p not in set(texts[c.version_id].phrases)]
        for basis, (c, _) in chosen.items()
    }
    seen = phrases_used_before_each(session, fresh, before=stated)
    for basis, (candidate, similarity) in chosen.items():
        earlier = texts[candidate.version_id]
        if candidate.version_id not in compared:
            compared[candidate.version_id] = sentence_diff(earlier, new)
        diff = statement_diff(
            earlier,
            new,
            compared=compared[candidate.version_id],
            used_before=seen[basis].intersection,
        )
        diff.similarity = round(similarity, 4)
        results.append(StatementDiff(basis, candidate.release_id, candidate.version_id, diff))
    return results


def latest_version_diff(
    session: Session, version: ReleaseVersion
) -> tuple[ReleaseVersion, Diff] | None:
    """The version diff of `version` against the previous version (None for a first version)."""
    previous = previous_version(session, version)
    if previous is None:
        return None
    return previous, version_diff(previous.text, version.text, version.change_note)


def _change_row(
    version: ReleaseVersion,
    *,
    kind: str,
    basis: str,
    against_release_id: int,
    against_version_id: int,
    diff: Diff,
    now: datetime,
) -> dict[str, object]:
    return {
        "kind": kind,
        "release_id": version.release_id,
        "version_id": version.id,
        "against_release_id": against_release_id,
        "against_version_id": against_version_id,
        "basis": basis,
        "classification": diff.classification,
        "has_change_note": diff.has_change_note,
        "silent_edit": diff.silent_edit,
        "similarity": diff.similarity,
        "payload": diff.payload(),
        "algorithm_version": ALGORITHM_VERSION,
        "created_at": now,
    }


def diff_versions(
    session: Session,
    versions: Sequence[ReleaseVersion],
    *,
    settings: DiffingConfig,
    now: datetime,
) -> dict[str, int]:
    """Diff and store `versions` (oldest statement first) and mark them diffed."""
    counts = {"version_diffs": 0, "statement_diffs": 0, "silent_edits": 0}
    cache = TextCache(session)
    bases = bases_of_versions(session, [v.id for v in versions])
    lookback = timedelta(days=settings.lookback_days)
    for version in versions:
        compared = latest_version_diff(session, version)
        if compared is not None:
            previous, diff = compared
            row = _change_row(
                version,
                kind="version",
                basis=VERSION_BASIS,
                against_release_id=version.release_id,
                against_version_id=previous.id,
                diff=diff,
                now=now,
            )
            if add_change(session, **row):
                counts["version_diffs"] += 1
                counts["silent_edits"] += int(diff.silent_edit)
        version_bases = bases.get(version.id, [])
        for found in statement_diffs(
            session,
            version,
            version_bases,
            lookback=lookback,
            candidates=settings.candidates,
            cache=cache,
        ):
            row = _change_row(
                version,
                kind="statement",
                basis=found.basis,
                against_release_id=found.against_release_id,
                against_version_id=found.against_version_id,
                diff=found.diff,
                now=now,
            )
            counts["statement_diffs"] += int(add_change(session, **row))
        phrases = cache.of(version).phrases
        for basis in version_bases:
            record_phrase_uses(
                session,
                basis,
                phrases,
                release_id=version.release_id,
                version_id=version.id,
                used_at=release_time(version.release),
            )
    mark_diffed(session, [v.id for v in versions], ALGORITHM_VERSION)
    return counts


def diff_pending(app: App, db: Database, *, now: datetime) -> dict[str, int]:
    """Diff every version not yet diffed with the current algorithm, a batch per transaction."""
    totals = {"version_diffs": 0, "statement_diffs": 0, "silent_edits": 0}
    while True:
        with db.session() as session:
            versions = pending_versions(session, ALGORITHM_VERSION, BATCH_SIZE)
            if not versions:
                break
            counts = diff_versions(session, versions, settings=app.config.diffing, now=now)
        for key, value in counts.items():
            totals[key] += value
        if len(versions) < BATCH_SIZE:
            break
    log.info(
        "diffed: %d version diffs (%d silent edits), %d statement diffs",
        totals["version_diffs"],
        totals["silent_edits"],
        totals["statement_diffs"],
    )
    return totals
