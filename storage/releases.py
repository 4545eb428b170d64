"""Repository functions for sources, releases and their versions.

They take a Session and never commit: the caller owns the transaction (one per source)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.errors import NotFoundError
from core.normalise import bytes_hash, content_hash
from core.records import ReleaseRecord
from storage.models import Release, ReleaseVersion, Source


class Outcome(enum.StrEnum):
    NEW_RELEASE = "new_release"
    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Stored:
    outcome: Outcome
    release_id: int
    version_id: int


def sync_source(
    session: Session, name: str, type_: str, settings: dict[str, Any], enabled: bool = True
) -> Source:
    """The source row for a configured source, created or brought up to date."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, type=type_, settings=settings, enabled=enabled)
        session.add(source)
        session.flush()
    else:
        source.type, source.settings, source.enabled = type_, settings, enabled
    return source


def disable_missing_sources(session: Session, configured: Sequence[str]) -> None:
    for source in session.scalars(select(Source).where(Source.name.not_in(list(configured)))):
        source.enabled = False


@dataclass
class Known:
    """A release already in the archive and its latest version (from `load_known`)."""

    release: Release
    latest: ReleaseVersion | None


def load_known(session: Session, keys: Sequence[str], chunk: int = 500) -> dict[str, Known]:
    """The stored releases among `keys`, with their latest versions, in a few queries
    (instead of two per record)."""
    known: dict[str, Known] = {}
    unique = list(dict.fromkeys(keys))
    for i in range(0, len(unique), chunk):
        releases = session.scalars(
            select(Release).where(Release.key.in_(unique[i : i + chunk]))
        ).all()
        if not releases:
            continue
        latest_numbers = (
            select(ReleaseVersion.release_id, func.max(ReleaseVersion.number).label("number"))
            .where(ReleaseVersion.release_id.in_([r.id for r in releases]))
            .group_by(ReleaseVersion.release_id)
            .subquery()
        )
        latest = {
            v.release_id: v
            for v in session.scalars(
                select(ReleaseVersion).join(
                    latest_numbers,
                    (ReleaseVersion.release_id == latest_numbers.c.release_id)
                    & (ReleaseVersion.number == latest_numbers.c.number),
                )
            )
        }
        for release in releases:
            known[release.key] = Known(release, latest.get(release.id))
    return known


def store_record(
    session: Session,
    source: Source,
    record: ReleaseRecord,
    *,
    now: datetime,
    known: dict[str, Known] | None = None,
) -> Stored:
    """Store one release record: a new release, a new version of a known one, or nothing new
    (only last_seen_at moves). Versions are compared by the hash of the normalised text.
    `known` (from load_known) saves the lookups; records not in it are looked up."""
    digest = content_hash(record.text)
    hit = known.get(record.key) if known is not None else None
    release: Release | None
    if hit is not None:
        release, latest = hit.release, hit.latest
    else:
        release = session.scalar(select(Release).where(Release.key == record.key))
        latest = None
        if release is not None:
            latest = session.scalar(
                select(ReleaseVersion)
                .where(ReleaseVersion.release_id == release.id)
                .order_by(ReleaseVersion.number.desc())
                .limit(1)
            )
    if release is None:
        release = Release(
            key=record.key,
            source_id=source.id,
            first_seen_at=now,
            last_seen_at=now,
            title=record.title,
        )
        _apply_metadata(release, record)
        session.add(release)
        session.flush()
        version = _add_version(session, release, record, digest, number=1, now=now)
        if known is not None:
            known[record.key] = Known(release, version)
        return Stored(Outcome.NEW_RELEASE, release.id, version.id)

    release.last_seen_at = max(release.last_seen_at, now)
    if latest is not None and latest.sha256 == digest:
        _apply_metadata(release, record)
        return Stored(Outcome.UNCHANGED, release.id, latest.id)
    _apply_metadata(release, record)
    number = (latest.number if latest is not None else 0) + 1
    version = _add_version(session, release, record, digest, number=number, now=now)
    if known is not None:
        known[record.key] = Known(release, version)
    return Stored(Outcome.NEW_VERSION, release.id, version.id)


def mark_seen(session: Session, keys: Sequence[str], *, now: datetime) -> int:
    """Move last_seen_at of the releases with these keys (seen again, unchanged: a 304)."""
    count = 0
    for start in range(0, len(keys), 500):
        chunk = list(dict.fromkeys(keys[start : start + 500]))
        for release in session.scalars(select(Release).where(Release.key.in_(chunk))):
            release.last_seen_at = max(release.last_seen_at, now)
            count += 1
    return count


def _apply_metadata(release: Release, record: ReleaseRecord) -> None:
    release.title = record.title or release.title
    release.url = record.url or release.url
    release.entry_id = record.entry_id or release.entry_id
    release.description = (
        record.description if record.description is not None else release.description
    )
    release.published_at = record.published_at or release.published_at
    release.updated_at = record.updated_at or release.updated_at
    release.language = record.language or release.language
    release.organisation = record.organisation or release.organisation
    release.document_type = record.document_type or release.document_type
    release.withdrawn_notice = record.withdrawn_notice


def _add_version(
    session: Session,
    release: Release,
    record: ReleaseRecord,
    digest: str,
    *,
    number: int,
    now: datetime,
) -> ReleaseVersion:
    version = ReleaseVersion(
        release_id=release.id,
        number=number,
        fetched_at=now,
        title=record.title,
        raw=record.raw,
        content_type=record.content_type,
        raw_sha256=bytes_hash(record.raw),
        text=record.text,
        sha256=digest,
        change_note=record.change_note,
        publisher_updated_at=record.updated_at,
        publisher_links=[
            {"kind": link.kind, "value": link.value, "title": link.title}
            for link in record.publisher_links
        ],
    )
    session.add(version)
    session.flush()
    return version


def get_release(session: Session, release_id: int) -> Release:
    release = session.scalar(
        select(Release)
        .where(Release.id == release_id)
        .options(selectinload(Release.versions), selectinload(Release.source))
    )
    if release is None:
        raise NotFoundError(f"no release with id {release_id}")
    return release


def list_releases(
    session: Session,
    *,
    source: str | None = None,
    release_ids: Sequence[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Release]:
    """Releases newest first (by publication date, then first seen)."""
    query = select(Release).join(Source).options(selectinload(Release.source))
    if source is not None:
        query = query.where(Source.name == source)
    if release_ids is not None:
        query = query.where(Release.id.in_(list(release_ids)))
    query = query.order_by(
        func.coalesce(Release.published_at, Release.first_seen_at).desc(), Release.id.desc()
    ).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
