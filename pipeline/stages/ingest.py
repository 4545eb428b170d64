"""Ingest stage: read one source, store what is new in one transaction, record the run."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from core.errors import DeskwatchError
from core.records import SourceResult
from ingest import registry
from ingest.config import SourceConfig
from ingest.fetch import Fetcher, FetchPolicy
from ingest.registry import ReadContext
from pipeline.summary import SourceSummary
from storage.db import Database
from storage.http_cache import DatabaseCache, save_entries
from storage.locks import lock_for_write
from storage.models import SourceRun
from storage.releases import Outcome, load_known, mark_seen, store_record, sync_source

log = logging.getLogger("deskwatch.ingest")


def source_settings(source: SourceConfig) -> dict[str, object]:
    return source.model_dump(mode="json", exclude={"name", "type"})


def _read(
    db: Database,
    source: SourceConfig,
    *,
    now: datetime,
    fetching: FetchPolicy | None,
    govuk_base_url: str | None,
) -> SourceResult:
    """Gather: the IO of one source, before its transaction, by the reader registered for its
    type. Web types get a fetcher of their own (closed afterwards) and the database's HTTP cache
    (unless the type keeps none, as ad-hoc items)."""
    kind = registry.lookup(source.type)
    if not kind.web:
        return kind.read(source, ReadContext(now=now, govuk_base_url=govuk_base_url))
    cache = DatabaseCache(db) if kind.http_cache else None
    with Fetcher(fetching or FetchPolicy()) as fetcher:
        ctx = ReadContext(now=now, fetcher=fetcher, cache=cache, govuk_base_url=govuk_base_url)
        return kind.read(source, ctx)


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

    with db.session() as session:
        lock_for_write(session)  # overlapping runs store one at a time (storage.locks)
        row = sync_source(
            session, source.name, source.type, source_settings(source), source.enabled
        )
        if result is not None:
            summary.http_status = result.http_status
            summary.problems = list(result.problems)
            summary.skipped = len(result.skipped)
            if result.not_modified:
                summary.status = "not_modified"
            seen: set[str] = set()
            known = load_known(session, [r.key for r in result.records])
            for record in result.records:
                if record.key in seen:  # the same item twice in one response: keep the first
                    summary.skipped += 1
                    continue
                seen.add(record.key)
                stored = store_record(session, row, record, now=now, known=known)
                if stored.outcome is Outcome.NEW_RELEASE:
                    summary.new_releases += 1
                    summary.new_version_ids.append(stored.version_id)
                elif stored.outcome is Outcome.NEW_VERSION:
                    summary.new_versions += 1
                    summary.new_version_ids.append(stored.version_id)
                else:
                    summary.unchanged += 1
            if summary.problems and summary.status == "ok":
                summary.status = "partial"
            save_entries(session, result.cache_updates, now=now)
            if result.seen_keys:
                mark_seen(session, result.seen_keys, now=now)
        summary.duration_s = time.perf_counter() - started
        session.add(
            SourceRun(
                source_id=row.id,
                run_id=run_id,
                started_at=now,
                finished_at=now,
                status=summary.status,
                http_status=summary.http_status,
                error=summary.error,
                # what was skipped and why is kept too, after the problems
                problems=(
                    summary.problems + [f"skipped: {r}" for r in (result.skipped if result else [])]
                )[:200],
                items_seen=len(result.records) if result else 0,
                new_releases=summary.new_releases,
                new_versions=summary.new_versions,
                unchanged=summary.unchanged,
                skipped=summary.skipped,
                duration_s=summary.duration_s,
            )
        )
    log.info(
        "source %s: %s, %d new releases, %d new versions, %d unchanged",
        source.name,
        summary.status,
        summary.new_releases,
        summary.new_versions,
        summary.unchanged,
    )
    return summary
