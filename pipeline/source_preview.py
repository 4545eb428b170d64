"""`deskwatch sources test NAME`: read one configured source as a run would, and say what the
run would store, without opening the archive.

The source is read through the ingest stage's own gather step (pipeline.stages.ingest
`read_source`, the reader registered for its type), with no HTTP cache: every URL is fetched
whole, so a feed unchanged since the last run still shows its items. Each record is listed as
the run would see it (key, title, the date it would go by and which date that is, its text's
length and whether it is the full text or a feed's summary, the tags the tagger would give);
each skip, problem and warning is listed with its reason. Nothing is written anywhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from core import skips
from core.errors import DeskwatchError
from core.release_dates import release_date
from core.tags import TAGGED
from ingest.config import SourceConfig
from ingest.fetch import FetchPolicy
from pipeline.stages.ingest import read_source, unique_records
from tagging.tagger import Tagger


@dataclass
class Preview:
    """What reading one source gave: `ok` is False when the source could not be read at all
    (`error` says why), as a run would record it."""

    source: str
    type: str
    ok: bool = True
    error: str | None = None
    http_status: int | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skips: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    from_feed: dict[str, int] = field(default_factory=dict)
    """Items stored from the feed's own text, their link not followed (core.skips)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def preview_source(
    source: SourceConfig,
    *,
    now: datetime,
    fetching: FetchPolicy | None,
    tagger: Tagger | None = None,
) -> Preview:
    """Read `source` and describe each item a run would store. A DeskwatchError (an unreachable
    host, a page that is not a feed) is the preview's `error`; anything else is a bug, raised."""
    preview = Preview(source=source.name, type=source.type)
    try:
        result = read_source(source, now=now, fetching=fetching, govuk_base_url=None)
    except DeskwatchError as exc:
        preview.ok = False
        preview.error = str(exc)
        preview.http_status = getattr(exc, "status", None)
        return preview
    records, repeats = unique_records(result.records)
    preview.http_status = result.http_status
    preview.skipped = list(result.skipped) + repeats
    preview.skips = skips.count_reasons(preview.skipped)
    preview.problems = list(result.problems)
    preview.warnings = list(result.warnings)
    preview.from_feed = skips.count_from_feed(result.from_feed)
    for record in records:
        when, kind = release_date(record.published_at, record.updated_at, now)
        item: dict[str, Any] = {
            "key": record.key,
            "title": record.title,
            "url": record.url,
            "date": when,
            "date_kind": kind,
            "text_length": len(record.text),
            "text_kind": record.text_kind,
            "language": record.language,
        }
        if tagger is not None:
            links = [asdict(link) for link in record.publisher_links]
            tagging = tagger.tag_with_reason(record.text, title=record.title, links=links)
            item["tags"] = [f"{t.kind}:{t.value}" for t in tagging.tags if t.status == TAGGED]
            item["suggested"] = [f"{t.kind}:{t.value}" for t in tagging.tags if t.status != TAGGED]
            item["untagged_reason"] = tagging.untagged_reason
        preview.items.append(item)
    return preview
