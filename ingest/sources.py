"""Read one configured source into a SourceResult, whatever its type."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import ConfigError, DeskwatchError, FetchError, ParseError
from core.records import SourceResult
from ingest import govuk, web
from ingest.config import (
    GOVUK_WEBSITE,
    AdhocSource,
    FeedSource,
    FilesSource,
    GovukSource,
    PageSource,
    SourceConfig,
)
from ingest.files import parse_file, read_folder


def read_source(source: SourceConfig | AdhocSource, *, now: datetime, **io: Any) -> SourceResult:
    """`io` carries what web sources need: `fetcher` (ingest.fetch.Fetcher), `cache` (a
    web.CacheStore) and `govuk_base_url`; files need nothing."""
    if isinstance(source, FilesSource):
        return read_folder(source.path, now=now, source=source.name)
    if not isinstance(source, FeedSource | PageSource | GovukSource | AdhocSource):
        raise ConfigError(f"source {source.name!r}: no reader for type {source.type!r}")
    fetcher = io.get("fetcher")
    if fetcher is None:
        raise ConfigError(f"source {source.name!r}: web sources need a fetcher")
    base = (
        getattr(source, "govuk_base_url", None)
        or io.get("govuk_base_url")
        or getattr(getattr(fetcher, "policy", None), "govuk_base_url", None)
        or GOVUK_WEBSITE
    )
    url = getattr(source, "url", "") or ""
    ctx = web.WebContext(
        fetcher=fetcher,
        cache=io.get("cache") or web.NoCache(),
        now=now,
        govuk_base_url=base,
        follow_hosts=web.allowed_hosts(url, getattr(source, "follow_hosts", None), base),
        selector=getattr(source, "selector", None),
    )
    if isinstance(source, FeedSource):
        web.read_feed_source(
            ctx, source.url, fetch_pages=source.fetch_pages, max_entries=source.max_entries
        )
    elif isinstance(source, PageSource):
        web.read_page_source(ctx, source.url)
    elif isinstance(source, GovukSource):
        search = govuk.search_url(base, source.search, source.count) if source.search else None
        web.read_govuk_source(ctx, source.url, search, source.count)
    else:
        read_items(ctx, source.items, now=now)
    return ctx.result


def read_items(ctx: web.WebContext, items: list[str], *, now: datetime) -> None:
    """Ad-hoc items: URLs of any kind, or files. One bad item is a problem of that item only."""
    for item in items:
        try:
            if "://" in item and not item.startswith("file:"):
                ctx.follow_hosts |= web.allowed_hosts(item, None, ctx.govuk_base_url)
                web.read_url(ctx, item)
            else:
                path = Path(item.removeprefix("file:")).expanduser()
                if path.is_dir():
                    ctx.result.records.extend(read_folder(path, now=now).records)
                else:
                    ctx.result.records.append(parse_file(path, path.read_bytes(), now=now))
        except FileNotFoundError:
            ctx.result.problems.append(f"{item}: no such file")
        except OSError as exc:
            ctx.result.problems.append(f"{item}: cannot read: {exc.strerror or exc}")
        except (FetchError, ParseError) as exc:
            ctx.result.problems.append(str(exc))
        except DeskwatchError as exc:
            ctx.result.problems.append(f"{item}: {exc}")
