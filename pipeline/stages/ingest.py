"""Ingest stage: read one source, store what is new in one transaction, record the run."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core import skips
from core.errors import DeskwatchError
from core.normalise import storable
from core.records import ReleaseRecord, SourceResult
from ingest import registry
from ingest.config import SourceConfig
from ingest.fetch import Fetcher, FetchPolicy
from ingest.registry import ReadContext
from pipeline.summary import SourceSummary
from storage.db import Database
from storage.http_cache import DatabaseCache, save_entries
from storage.locks import lock_for_write
from storage.models import Source, SourceRun
from storage.releases import Outcome, mark_seen, store_records, sync_source

if TYPE_CHECKING:
    from ingest.web import CacheStore

log = logging.getLogger("deskwatch.ingest")


def source_settings(source: SourceConfig) -> dict[str, object]:
    return source.model_dump(mode="json", exclude={"name", "type"})


def read_source(
    source: SourceConfig,
    *,
    now: datetime,
    fetching: FetchPolicy | None,
    govuk_base_url: str | None,
    cache: CacheStore | None = None,
) -> SourceResult:
    """Gather: the IO of one source, by the reader registered for its type. Web types get a
    fetcher of their own (closed afterwards) and `cache` for conditional GETs (None: every URL
    is fetched whole). `deskwatch sources test` reads a source through here too, with no cache."""
    kind = registry.lookup(source.type)
    if not kind.web:
        return kind.read(source, ReadContext(now=now, govuk_base_url=govuk_base_url))
    with Fetcher(fetching or FetchPolicy()) as fetcher:
        ctx = ReadContext(now=now, fetcher=fetcher, cache=cache, govuk_base_url=govuk_base_url)
        return kind.read(source, ctx)


def _read(
    db: Database,
    source: SourceConfig,
    *,
    now: datetime,
    fetching: FetchPolicy | None,
    govuk_base_url: str | None,
) -> SourceResult:
    """The read of a run, before the source's transaction: with the database's HTTP cache
    (unless the type keeps none, as ad-hoc items)."""
    kind = registry.lookup(source.type)
    cache = DatabaseCache(db) if kind.web and kind.http_cache else None
    return read_source(
        source, now=now, fetching=fetching, govuk_base_url=govuk_base_url, cache=cache
    )


def unique_records(records: list[ReleaseRecord]) -> tuple[list[ReleaseRecord], list[str]]:
    """The records of one read, each key once (the first is kept), and a skip line for each
    repeat (the same item twice in one response)."""
    seen: set[str] = set()
    kept: list[ReleaseRecord] = []
    repeats: list[str] = []
    for record in records:
        if record.key in seen:
            repeats.append(f"{record.key}: {skips.DUPLICATE_KEY}")
            continue
        seen.add(record.key)
        kept.append(record)
    return kept, repeats


def ingest_source(
    db: Database,
    source: SourceConfig,
    *,
    now: datetime,
    run_id: str | None = None,
    fetching: FetchPolicy | None = None,
    govuk_base_url: str | None = None,
) -> SourceSummary:
    """Read `source` and store its releases. A DeskwatchError (bad feed, unreachable host ...)
    is recorded in the source's run record and returned in the summary; it is not raised.
    Web sources fetch with the `fetching` policy (App.fetching) before the transaction."""
    started = time.perf_counter()
    summary = SourceSummary(source=source.name, status="ok")
    result: SourceResult | None = None
    try:
        result = _read(db, source, now=now, fetching=fetching, govuk_base_url=govuk_base_url)
    except DeskwatchError as exc:
        summary.status, summary.error = "error", str(exc)
        summary.http_status = getattr(exc, "status", None)
        summary.retryable = bool(getattr(exc, "retryable", False))
        log.warning("source %s failed: %s", source.name, exc)
    except Exception as exc:  # a bug: recorded against the source, then raised
        _record_failure(db, source, run_id, now, summary, exc, started, doing="reading")
        raise

    try:
        with db.session() as session:
            lock_for_write(session)  # overlapping runs store one at a time (storage.locks)
            row = sync_source(
                session, source.name, source.type, source_settings(source), source.enabled
            )
            if result is not None:
                _store(session, row, result, summary, now=now)
            summary.duration_s = time.perf_counter() - started
            session.add(_run_record(row.id, run_id, now, summary, result))
    except Exception as exc:
        # the source's transaction is gone; its failure is still recorded, then raised
        _record_failure(db, source, run_id, now, summary, exc, started, doing="storing")
        raise
    log.info(
        "source %s: %s, %d new releases, %d new versions, %d unchanged",
        source.name,
        summary.status,
        summary.new_releases,
        summary.new_versions,
        summary.unchanged,
    )
    return summary


def _store(
    session: Session, row: Source, result: SourceResult, summary: SourceSummary, *, now: datetime
) -> None:
    """Apply: the records of one read, a few hundred per round of inserts (the same item twice
    in one response: the first is kept); a record refused by storage is a problem of that item."""
    summary.http_status = result.http_status
    summary.problems = list(result.problems)
    summary.warnings = list(result.warnings)
    if result.not_modified:
        summary.status = "not_modified"
    records, repeats = unique_records(result.records)
    result.skipped += repeats  # kept with the reader's skips in the run record
    summary.skipped = len(result.skipped)
    summary.skips = skips.count_reasons(result.skipped)
    summary.from_feed = skips.count_from_feed(result.from_feed)
    batch = store_records(session, row, records, now=now)
    for stored in batch.stored:
        if stored.outcome is Outcome.NEW_RELEASE:
            summary.new_releases += 1
            summary.new_version_ids.append(stored.version_id)
        elif stored.outcome is Outcome.NEW_VERSION:
            summary.new_versions += 1
            summary.new_version_ids.append(stored.version_id)
        else:
            summary.unchanged += 1
    summary.problems += batch.refused
    if summary.problems and summary.status == "ok":
        summary.status = "partial"
    save_entries(session, result.cache_updates, now=now)
    if result.seen_keys:
        mark_seen(session, result.seen_keys, now=now)


def _run_record(
    source_id: int,
    run_id: str | None,
    now: datetime,
    summary: SourceSummary,
    result: SourceResult | None,
) -> SourceRun:
    # what was read another way, stored from the feed's text and skipped, and why, are kept
    # too, after the problems
    problems = (
        summary.problems
        + [skips.WARNING + w for w in summary.warnings]
        + [skips.FROM_FEED + line for line in (result.from_feed if result else [])]
        + [skips.SKIPPED + r for r in (result.skipped if result else [])]
    )
    return SourceRun(
        source_id=source_id,
        run_id=run_id,
        started_at=now,
        finished_at=now,
        status=summary.status,
        http_status=summary.http_status,
        error=storable(summary.error) if summary.error else None,
        problems=[storable(p)[:1000] for p in problems[:200]],
        items_seen=len(result.records) if result else 0,
        new_releases=summary.new_releases,
        new_versions=summary.new_versions,
        unchanged=summary.unchanged,
        skipped=summary.skipped,
        duration_s=summary.duration_s,
    )


def _record_failure(
    db: Database,
    source: SourceConfig,
    run_id: str | None,
    now: datetime,
    summary: SourceSummary,
    exc: Exception,
    started: float,
    *,
    doing: str,
) -> None:
    """A source whose reading or storing failed unexpectedly is still an error in source_runs (so `deskwatch sources`
    counts it), written in a transaction of its own; if even that fails, the first error wins."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    summary.status = "error"
    summary.error = f"{doing} failed: {type(exc).__name__}: {detail}"[:500]
    summary.duration_s = time.perf_counter() - started
    summary.new_releases = summary.new_versions = summary.unchanged = 0
    summary.new_version_ids = []
    try:
        with db.session() as session:
            row = sync_source(
                session, source.name, source.type, source_settings(source), source.enabled
            )
            session.add(_run_record(row.id, run_id, now, summary, None))
    except Exception:  # noqa: BLE001 - the original error is the one raised
        log.exception("source %s: the failure could not be recorded either", source.name)
