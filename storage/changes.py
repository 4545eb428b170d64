"""Repository functions for diffs (`changes`) and what the diff stage reads to make them: the
versions still to diff and their texts, and the stored changes. The earlier statements a
version is compared with (bases and candidates) are storage.candidates; the history of key
phrases is storage.phrases.

They take a Session and never commit. A diff is stored insert-or-skip on its unique key
(INSERT ... ON CONFLICT DO NOTHING on both SQLite and Postgres), so a re-run or two overlapping
runs store each diff once.

A *basis* names what two statements share: "version" (two versions of one release),
"theme:<theme id>" (a rule-based theme tag) or "country:<code>" (a focus-country tag).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, selectinload

from core.errors import UsageError
from core.tags import TAGGED
from storage import dialect
from storage.models import Change, Release, ReleaseVersion, Tag

VERSION_BASIS = "version"
IN_CHUNK = 500  # bound the size of IN (...) lists


def statement_time() -> ColumnElement[datetime]:
    """When a release was stated: its publication time, else when deskwatch first saw it."""
    return func.coalesce(Release.published_at, Release.first_seen_at)


def release_time(release: Release) -> datetime:
    return release.published_at or release.first_seen_at


def version_time(version: ReleaseVersion) -> datetime:
    """When a version's text was stated: the publisher's update time of that version (the
    record's updated time, as the feed or GOV.UK gives it); for a first version without one,
    its release's publication time; else when deskwatch fetched it. Never the release's first
    publication for a later version: an edit of a page first published in 2013 is dated by
    the edit."""
    if version.publisher_updated_at is not None:
        return version.publisher_updated_at
    if version.number == 1:
        return version.release.published_at or version.fetched_at
    return version.fetched_at


def parse_basis(basis: str) -> tuple[str, str]:
    """("theme", id) or ("country", CODE) from "theme:<id>" / "country:<CODE>"."""
    kind, _, value = basis.partition(":")
    if kind not in ("theme", "country") or not value:
        raise UsageError(f"basis {basis!r}: expected theme:<id> or country:<code>")
    return kind, value


def basis_tag_filter(kind: str, value: str | None) -> ColumnElement[bool]:
    """The tags of a basis (a rule-based theme, a focus country); of every basis of the kind
    when `value` is None."""
    same = [Tag.value == value] if value is not None else []
    if kind == "theme":
        return and_(Tag.kind == "theme", *same, Tag.origin == "rule", Tag.status == TAGGED)
    return and_(Tag.kind == "country", *same, Tag.focus.is_(True), Tag.status == TAGGED)


# -- what needs diffing -------------------------------------------------------------------------


def pending_versions(session: Session, algorithm_version: str, limit: int) -> list[ReleaseVersion]:
    """Versions not yet diffed with `algorithm_version`, oldest statement first (so the history
    of phrases builds up in order), with their release loaded."""
    query = (
        select(ReleaseVersion)
        .join(Release, Release.id == ReleaseVersion.release_id)
        .where(
            or_(
                ReleaseVersion.diffed_with.is_(None),
                ReleaseVersion.diffed_with != algorithm_version,
            )
        )
        .order_by(statement_time(), ReleaseVersion.release_id, ReleaseVersion.number)
        .options(selectinload(ReleaseVersion.release))
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_diffed(session: Session, version_ids: Collection[int], algorithm_version: str) -> None:
    ids = list(version_ids)
    for start in range(0, len(ids), IN_CHUNK):
        session.execute(
            update(ReleaseVersion)
            .where(ReleaseVersion.id.in_(ids[start : start + IN_CHUNK]))
            .values(diffed_with=algorithm_version)
        )


def previous_version(session: Session, version: ReleaseVersion) -> ReleaseVersion | None:
    return session.scalar(
        select(ReleaseVersion)
        .where(
            ReleaseVersion.release_id == version.release_id,
            ReleaseVersion.number < version.number,
        )
        .order_by(ReleaseVersion.number.desc())
        .limit(1)
    )


def version_texts(session: Session, version_ids: Iterable[int]) -> dict[int, str]:
    ids = list(dict.fromkeys(version_ids))
    texts: dict[int, str] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(ReleaseVersion.id, ReleaseVersion.text).where(
                ReleaseVersion.id.in_(ids[start : start + IN_CHUNK])
            )
        )
        texts.update({row.id: row.text for row in rows})
    return texts


# -- changes ------------------------------------------------------------------------------------


def add_change(session: Session, **values: Any) -> bool:
    """Store one diff unless the same (version, against version, basis, algorithm) is stored
    already. Returns whether a row was inserted."""
    statement = (
        dialect.insert(session, Change)
        .values(values)
        .on_conflict_do_nothing(
            index_elements=["version_id", "against_version_id", "basis", "algorithm_version"]
        )
        .returning(Change.id)
    )
    return session.execute(statement).first() is not None


def changes_of_version(
    session: Session,
    version_id: int,
    *,
    kind: str | None = None,
    algorithm_version: str | None = None,
) -> list[Change]:
    query = select(Change).where(Change.version_id == version_id)
    if kind is not None:
        query = query.where(Change.kind == kind)
    if algorithm_version is not None:
        query = query.where(Change.algorithm_version == algorithm_version)
    return list(session.scalars(query.order_by(Change.basis, Change.id)))


def changes_of_release(
    session: Session,
    release_id: int,
    *,
    kind: str | None = None,
    algorithm_version: str | None = None,
) -> list[Change]:
    """The release's diffs (index on release_id, kind), newest version first."""
    query = select(Change).where(Change.release_id == release_id)
    if kind is not None:
        query = query.where(Change.kind == kind)
    if algorithm_version is not None:
        query = query.where(Change.algorithm_version == algorithm_version)
    return list(session.scalars(query.order_by(Change.version_id.desc(), Change.basis, Change.id)))


def version_numbers(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    ids = list(dict.fromkeys(version_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ReleaseVersion.id, ReleaseVersion.number).where(ReleaseVersion.id.in_(ids))
    )
    return {row.id: row.number for row in rows}
