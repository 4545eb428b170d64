"""What changed in a release, for `deskwatch diff`: reads only, never stores.

One rule serves every view: use the diff the diff stage stored when the current algorithm
(diffing.ALGORITHM_VERSION) made it, else compute it now from the stored texts the way the diff
stage would, and say which (`stored`). Three views:

    version      the latest version against the one before it
    statements   the latest version against earlier statements on the same themes and focus
                 countries (the look-back and candidates of the `diffing:` config)
    against      the latest version against another release's latest text (always computed)

Each diff comes back as one plain dict (the `--json` object of `deskwatch diff`): what moved
first (`headlines`, the labels of the top HEADLINES moves; `moves`, all of them ranked, each with
its before -> after; `details` apart), then the sentences and, for compatibility, the new and
dropped phrases. A statement diff carries its `baseline`: the latest earlier statement on the
basis, by name, and whether it was compared (and when not, why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.errors import NotFoundError
from diffing import ALGORITHM_VERSION
from diffing.compare import statement_diff
from diffing.model import Diff
from diffing.moves import HEADLINES
from pipeline.config import DiffingConfig
from pipeline.stages.diff import latest_version_diff, statement_diffs
from storage.candidates import bases_of_versions
from storage.changes import changes_of_version, version_numbers, version_time
from storage.db import Database
from storage.models import Change, Release, ReleaseVersion
from storage.releases import get_release


@dataclass
class ReleaseDiffs:
    """The diffs of one release's latest version, and the title of every release they name."""

    items: list[dict[str, Any]] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)
    stated: datetime | None = None
    """When the latest version was stated (storage.changes.version_time)."""


def release_diffs(
    db: Database,
    release_id: int,
    *,
    against: int | None = None,
    statements: bool = False,
    settings: DiffingConfig | None = None,
) -> ReleaseDiffs:
    """The version view (default), the statements view, or the comparison with release
    `against`. A NotFoundError for an unknown release or one without stored text."""
    settings = settings or DiffingConfig()
    with db.session() as session:
        release, version = _latest(session, release_id)
        titles = {release.id: release.title}
        if against is not None:
            other, earlier = _latest(session, against)
            titles[other.id] = other.title
            items = [release_comparison(release, version, other, earlier)]
        elif statements:
            items = statement_changes(session, release, version, settings)
        else:
            items = version_change(session, release, version)
        for item in items:
            other_id = item["against"]["release_id"]
            if other_id not in titles:
                found = session.get(Release, other_id)
                titles[other_id] = found.title if found is not None else ""
        stated = version_time(version)
    return ReleaseDiffs(items, titles, stated)


def _latest(session: Session, release_id: int) -> tuple[Release, ReleaseVersion]:
    release = get_release(session, release_id)
    if not release.versions:
        raise NotFoundError(f"release {release_id} has no stored text")
    return release, release.versions[-1]


def version_change(
    session: Session, release: Release, version: ReleaseVersion
) -> list[dict[str, Any]]:
    """The latest version change: the stored diff when the current algorithm made one, else
    computed now from the stored texts (none for a first version)."""
    stored = changes_of_version(
        session, version.id, kind="version", algorithm_version=ALGORITHM_VERSION
    )
    if stored:
        return [_from_change(session, release, version, stored[-1])]
    compared = latest_version_diff(session, version)
    if compared is None:
        return []
    previous, diff = compared
    return [
        diff_object(
            release,
            version,
            against_release_id=release.id,
            against_version=previous.number,
            basis="version",
            payload=diff.payload(),
            classification=diff.classification,
            silent_edit=diff.silent_edit,
            has_change_note=diff.has_change_note,
            similarity=diff.similarity,
        )
    ]


def statement_changes(
    session: Session, release: Release, version: ReleaseVersion, settings: DiffingConfig
) -> list[dict[str, Any]]:
    """The statement diffs of the latest version: the stored ones when it has been diffed with
    the current algorithm, else computed now the way the diff stage would."""
    if version.diffed_with == ALGORITHM_VERSION:
        return [
            _from_change(session, release, version, change)
            for change in changes_of_version(
                session, version.id, kind="statement", algorithm_version=ALGORITHM_VERSION
            )
        ]
    found = statement_diffs(
        session,
        version,
        bases_of_versions(session, [version.id]).get(version.id, []),
        lookback=timedelta(days=settings.lookback_days),
        candidates=settings.candidates,
    )
    numbers = version_numbers(session, [f.against_version_id for f in found])
    return [
        diff_object(
            release,
            version,
            against_release_id=f.against_release_id,
            against_version=numbers.get(f.against_version_id),
            basis=f.basis,
            payload=f.diff.payload(),
            similarity=f.diff.similarity if f.compared else None,
        )
        for f in found
    ]


def release_comparison(
    release: Release, version: ReleaseVersion, other: Release, earlier: ReleaseVersion
) -> dict[str, Any]:
    """`version` against another release's `earlier` text, sentence by sentence."""
    result = statement_diff(earlier.text, version.text)
    return diff_object(
        release,
        version,
        against_release_id=other.id,
        against_version=earlier.number,
        basis="release",
        payload=result.payload(),
        similarity=result.similarity,
    )


def _from_change(
    session: Session, release: Release, version: ReleaseVersion, change: Change
) -> dict[str, Any]:
    numbers = version_numbers(session, [change.against_version_id])
    return diff_object(
        release,
        version,
        against_release_id=change.against_release_id,
        against_version=numbers.get(change.against_version_id),
        basis=change.basis,
        payload=change.payload or {},
        classification=change.classification,
        silent_edit=change.silent_edit,
        has_change_note=change.has_change_note,
        similarity=change.similarity,
        stored=True,
    )


def diff_object(
    release: Release,
    version: ReleaseVersion,
    *,
    against_release_id: int,
    against_version: int | None,
    basis: str,
    payload: dict[str, Any],
    classification: str | None = None,
    silent_edit: bool = False,
    has_change_note: bool = False,
    similarity: float | None = None,
    stored: bool = False,
) -> dict[str, Any]:
    """One diff as a plain dict: what `deskwatch diff --json` prints, one per diff."""
    diff = Diff.from_payload(payload)
    return {
        "release_id": release.id,
        "version": version.number,
        "against": {"release_id": against_release_id, "version": against_version},
        "basis": basis,
        "baseline": diff.baseline.to_dict() if diff.baseline is not None else None,
        "headlines": [move.label for move in diff.moves[:HEADLINES]],
        "moves": [move.to_dict() for move in diff.moves],
        "details": [detail.to_dict() for detail in diff.details],
        "classification": classification,
        "silent_edit": silent_edit,
        "has_change_note": has_change_note,
        "change_note": version.change_note if basis == "version" else None,
        "similarity": similarity,
        "added": diff.added,
        "removed": diff.removed,
        "changed": [{"old": c.old, "new": c.new, "word_diff": c.word_diff} for c in diff.changed],
        "new_phrases": diff.new_phrases,
        "dropped_phrases": diff.dropped_phrases,
        "stored": stored,
    }
