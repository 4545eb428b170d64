"""Repository functions for sources, releases and their versions.

They take a Session and never commit: the caller owns the transaction (one per source).

Over 400 lines on purpose: storing a batch of records (known keys, new releases and versions in
multi-row inserts, a round retried record by record when the database refuses it, a key moved
to its source's new namespace) is one algorithm whose helpers share the batch's state; a split
would pass that state between modules."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from core.errors import NotFoundError, StorageError
from core.normalise import bytes_hash, content_hash
from core.records import ReleaseRecord
from storage import withdrawals
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


@dataclass(frozen=True)
class Latest:
    """What storing needs of a release's latest version."""

    id: int
    number: int
    sha256: str


@dataclass
class Known:
    """A release already in the archive and its latest version (from `load_known`). `release`
    is None for one this run inserted (loaded only if the run meets its key again)."""

    release_id: int
    source_id: int
    release: Release | None
    latest: Latest | None


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
            row.release_id: Latest(row.id, row.number, row.sha256)
            for row in session.execute(
                select(
                    ReleaseVersion.id,
                    ReleaseVersion.release_id,
                    ReleaseVersion.number,
                    ReleaseVersion.sha256,
                ).join(
                    latest_numbers,
                    (ReleaseVersion.release_id == latest_numbers.c.release_id)
                    & (ReleaseVersion.number == latest_numbers.c.number),
                )
            )
        }
        for release in releases:
            known[release.key] = Known(
                release.id, release.source_id, release, latest.get(release.id)
            )
    return known


def store_record(
    session: Session,
    source: Source,
    record: ReleaseRecord,
    *,
    now: datetime,
    known: dict[str, Known] | None = None,
) -> Stored:
    """Store one release record (store_records of one); a refused record raises StorageError."""
    outcome = store_records(session, source, [record], now=now, known=known)
    if outcome.refused:
        raise StorageError(outcome.refused[0])
    return outcome.stored[0]


@dataclass
class Batch:
    """What `store_records` did: one Stored per record stored, in the order given, and one
    line per record refused (another source's release, a key too long to store ...)."""

    stored: list[Stored]
    refused: list[str]


BATCH = 300
"""Records stored per round of inserts (a few hundred rows per statement, as sqlite-utils)."""


def store_records(
    session: Session,
    source: Source,
    records: Sequence[ReleaseRecord],
    *,
    now: datetime,
    known: dict[str, Known] | None = None,
) -> Batch:
    """Store release records: each is a new release, a new version of a known one, or nothing
    new (only last_seen_at and the metadata move). Versions are compared by the hash of the
    normalised text. New releases and versions are written with Core inserts, a few hundred
    rows per statement (RETURNING their ids), not one ORM flush per row.

    A record whose key is another source's release is refused unless the record may speak for
    that address (`record.shared`: the page or Content API item was read from the key's own
    address). Should the database still refuse a round, its records are stored one by one,
    each in a savepoint, and those that fail are refused: one bad item never loses the rest."""
    known = {} if known is None else known
    missing = [r.key for r in records if r.key not in known]
    missing += [r.previous_key for r in records if r.previous_key and r.previous_key not in known]
    if missing:
        known.update(load_known(session, missing))
    batch = Batch([], [])
    for chunk in _chunks(records):
        before = {k: known.get(k) for r in chunk for k in (r.key, r.previous_key) if k}
        try:
            with session.begin_nested():
                stored, refused = _store_chunk(session, source, chunk, now, known)
        except DBAPIError:
            for key, hit in before.items():  # the savepoint is gone: so are its rows
                if hit is None:
                    known.pop(key, None)
                else:
                    known[key] = hit
            stored, refused = [], []
            for record in chunk:
                try:
                    with session.begin_nested():
                        one, why = _store_chunk(session, source, [record], now, known)
                except DBAPIError as exc:
                    known.pop(record.key, None)
                    refused.append(f"{record.key}: not stored: {_first_line(exc)}")
                    continue
                stored += one
                refused += why
        batch.stored += stored
        batch.refused += refused
    return batch


def _chunks(records: Sequence[ReleaseRecord]) -> list[Sequence[ReleaseRecord]]:
    """Rounds of at most BATCH records, a new one wherever a key comes again (its second
    record is then a version of the first, which must be stored by then)."""
    chunks: list[Sequence[ReleaseRecord]] = []
    start, keys = 0, set[str]()
    for i, record in enumerate(records):
        if record.key in keys or i - start == BATCH:
            chunks.append(records[start:i])
            start, keys = i, set[str]()
        keys.add(record.key)
    if start < len(records):
        chunks.append(records[start:])
    return chunks


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig or exc).strip().splitlines()[0][:300]


def _store_chunk(
    session: Session,
    source: Source,
    records: Sequence[ReleaseRecord],
    now: datetime,
    known: dict[str, Known],
) -> tuple[list[Stored], list[str]]:
    plan: list[tuple[ReleaseRecord, str, Known | None]] = []
    refused: list[str] = []
    owners: dict[int, str] = {}
    for record in records:
        problem = _unfit(record)
        if problem:
            refused.append(problem)
            continue
        hit = known.get(record.key)
        if hit is None and record.previous_key:
            hit = _moved(session, source, record, known)
        if hit is not None and hit.source_id != source.id and not record.shared:
            owner = owners.get(hit.source_id) or _source_name(session, hit.source_id)
            owners[hit.source_id] = owner
            refused.append(
                f"{record.key}: is a release of source {owner!r}, which this item may not "
                "speak for; refused"
            )
            continue
        plan.append((record, content_hash(record.text), hit))

    new_releases = [(record, digest) for record, digest, hit in plan if hit is None]
    ids: dict[str, int] = {}
    if new_releases:
        rows = [_release_row(record, source.id, now) for record, _ in new_releases]
        # RETURNING in any order (keys are unique): SQLite cannot promise the order of a
        # multi-row insert, and asking for it would send one statement per row
        returned = session.execute(insert(Release).returning(Release.id, Release.key), rows)
        ids = {key: release_id for release_id, key in returned}

    stored: list[Stored | None] = []
    notices: list[str | None] = []  # each release's withdrawn notice before this record
    versions: list[dict[str, Any]] = []
    slots: dict[int, int] = {}  # release id -> its place in `stored` (one version each here)
    for record, digest, hit in plan:
        if hit is None:
            notices.append(None)
            versions.append(_version_row(ids[record.key], record, digest, 1, now))
            slots[ids[record.key]] = len(stored)
            stored.append(None)
            continue
        if hit.release is None:
            hit.release = session.get(Release, hit.release_id)
            assert hit.release is not None
        release, latest = hit.release, hit.latest
        release.last_seen_at = max(release.last_seen_at, now)
        notices.append(release.withdrawn_notice)
        _apply_metadata(release, record)
        if latest is not None and latest.sha256 == digest:
            stored.append(Stored(Outcome.UNCHANGED, release.id, latest.id))
            continue
        number = (latest.number if latest is not None else 0) + 1
        versions.append(_version_row(release.id, record, digest, number, now))
        slots[release.id] = len(stored)
        stored.append(None)
    if versions:
        returned = session.execute(
            insert(ReleaseVersion).returning(
                ReleaseVersion.id, ReleaseVersion.release_id, ReleaseVersion.number
            ),
            versions,
        )
        for row in returned:
            release_id = row.release_id
            slot = slots[release_id]
            record, digest, hit = plan[slot]
            outcome = Outcome.NEW_RELEASE if hit is None else Outcome.NEW_VERSION
            stored[slot] = Stored(outcome, release_id, row.id)
            # a later record of the same key in this run is then a version of this one
            latest = Latest(row.id, row.number, digest)
            if hit is None:
                known[record.key] = Known(release_id, source.id, None, latest)
            else:
                known[record.key] = Known(hit.release_id, hit.source_id, hit.release, latest)
    session.flush()  # the metadata of known releases, in one flush for the whole chunk
    withdrawn = [
        withdrawals.Seen(done.release_id, done.version_id, record, before, hit is None)
        for (record, _digest, hit), done, before in zip(plan, stored, notices, strict=True)
        if done is not None and (record.withdrawal is not None or before is not None)
    ]
    if withdrawn:
        withdrawals.observe(session, withdrawn, now=now)
    return [s for s in stored if s is not None], refused


def _moved(
    session: Session, source: Source, record: ReleaseRecord, known: dict[str, Known]
) -> Known | None:
    """This source's release under the record's previous key, moved to its key (once: the
    next run finds it under the new one). Another source's release is never moved."""
    assert record.previous_key is not None
    hit = known.get(record.previous_key)
    if hit is None or hit.source_id != source.id:
        return None
    if hit.release is None:
        hit.release = session.get(Release, hit.release_id)
        assert hit.release is not None
    hit.release.key = record.key
    del known[record.previous_key]
    known[record.key] = hit
    return hit


def _source_name(session: Session, source_id: int) -> str:
    name = session.scalar(select(Source.name).where(Source.id == source_id))
    return name or f"#{source_id}"


KEY_LENGTH = 2000
_LIMITS = {"language": 20, "organisation": 300, "document_type": 100}


def _unfit(record: ReleaseRecord) -> str | None:
    """Why the archive cannot hold this record, before the database says so mid-batch."""
    if not record.key:
        return "(no key): an item without a key; refused"
    if len(record.key) > KEY_LENGTH:
        return f"{record.key[:200]}...: key longer than {KEY_LENGTH} characters; refused"
    return None


def _fit(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None and len(value) > limit else value


def _release_row(record: ReleaseRecord, source_id: int, now: datetime) -> dict[str, Any]:
    return {
        "key": record.key,
        "source_id": source_id,
        "first_seen_at": now,
        "last_seen_at": now,
        "title": record.title,
        "url": record.url if record.url is None or len(record.url) <= KEY_LENGTH else None,
        "entry_id": _fit(record.entry_id, KEY_LENGTH),
        "description": record.description,
        "published_at": record.published_at,
        "updated_at": record.updated_at,
        "language": _fit(record.language, _LIMITS["language"]),
        "organisation": _fit(record.organisation, _LIMITS["organisation"]),
        "document_type": _fit(record.document_type, _LIMITS["document_type"]),
        "withdrawn_notice": record.withdrawn_notice,
    }


def _version_row(
    release_id: int, record: ReleaseRecord, digest: str, number: int, now: datetime
) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "number": number,
        "fetched_at": now,
        "title": record.title,
        "raw": record.raw,
        "content_type": _fit(record.content_type, 200),
        "raw_sha256": bytes_hash(record.raw),
        "text": record.text,
        "sha256": digest,
        "change_note": record.change_note,
        "text_kind": record.text_kind,
        "publisher_updated_at": record.updated_at,
        "publisher_links": [
            {"kind": link.kind, "value": link.value, "title": link.title}
            for link in record.publisher_links
        ],
    }


def mark_seen(session: Session, keys: Sequence[str], *, now: datetime) -> int:
    """Move last_seen_at of the releases with these keys (seen again, unchanged: a 304), one
    UPDATE per few hundred keys."""
    count = 0
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        result = session.execute(
            update(Release)
            .where(Release.key.in_(chunk), Release.last_seen_at < now)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        count += cast("CursorResult[Any]", result).rowcount or 0
    return count


def _apply_metadata(release: Release, record: ReleaseRecord) -> None:
    release.title = record.title or release.title
    if record.url and len(record.url) <= KEY_LENGTH:
        release.url = record.url
    release.entry_id = _fit(record.entry_id, KEY_LENGTH) or release.entry_id
    release.description = (
        record.description if record.description is not None else release.description
    )
    release.published_at = record.published_at or release.published_at
    release.updated_at = record.updated_at or release.updated_at
    release.language = _fit(record.language, _LIMITS["language"]) or release.language
    release.organisation = _fit(record.organisation, _LIMITS["organisation"]) or (
        release.organisation
    )
    release.document_type = _fit(record.document_type, _LIMITS["document_type"]) or (
        release.document_type
    )
    release.withdrawn_notice = record.withdrawn_notice


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
        func.coalesce(Release.published_at, Release.updated_at, Release.first_seen_at).desc(),
        Release.id.desc(),
    ).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
