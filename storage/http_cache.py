"""Repository functions for the HTTP cache: conditional-GET validators and the hash of the last
body processed, per URL. They take a Session and never commit: the cache rows of a source are
written in that source's transaction, together with its releases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.records import CacheEntry
from storage.db import Database
from storage.models import HttpCacheEntry

_CHUNK = 500


def get_entries(session: Session, urls: Iterable[str]) -> dict[str, CacheEntry]:
    wanted = list(dict.fromkeys(urls))
    found: dict[str, CacheEntry] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in session.scalars(select(HttpCacheEntry).where(HttpCacheEntry.url.in_(chunk))):
            found[row.url] = CacheEntry(
                row.url, row.etag, row.last_modified, row.body_sha256, row.status
            )
    return found


def save_entries(session: Session, entries: Iterable[CacheEntry], *, now: datetime) -> int:
    """Insert or update one row per URL (the last entry for a URL wins)."""
    latest = {entry.url: entry for entry in entries}
    if not latest:
        return 0
    rows = {
        row.url: row
        for row in session.scalars(
            select(HttpCacheEntry).where(HttpCacheEntry.url.in_(list(latest)))
        )
    }
    for url, entry in latest.items():
        row = rows.get(url)
        if row is None:
            row = HttpCacheEntry(url=url)
            session.add(row)
        row.etag = entry.etag[:500] if entry.etag else None
        row.last_modified = entry.last_modified[:100] if entry.last_modified else None
        row.body_sha256 = entry.body_sha256
        row.status = entry.status
        row.fetched_at = now
    session.flush()
    return len(latest)


class DatabaseCache:
    """The readers' view of the cache: each `load` is one short read of the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, urls: list[str]) -> dict[str, CacheEntry]:
        with self.db.sessionmaker() as session:
            return get_entries(session, urls)
