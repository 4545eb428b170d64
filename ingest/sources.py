"""The readers of the built-in source types (registered in ingest.source_types, which imports
this module only when a source is read); `read_source` reads any registered type into a
SourceResult.

A reader takes its source model and an ingest.registry.ReadContext. The web readers build the
ingest.web.WebContext of one source (its allowed hosts, selector and GOV.UK base) and call the
readers of ingest.web (pages, GOV.UK, ad-hoc URLs) and ingest.feed_reader (feeds).
"""

from __future__ import annotations

from core.errors import ConfigError
from core.records import SourceResult
from ingest import feed_reader, govuk, registry, web
from ingest.config import (
    GOVUK_WEBSITE,
    AdhocSource,
    FeedSource,
    FilesSource,
    GovukSource,
    PageSource,
    SourceBase,
    adhoc_path,
)
from ingest.files import parse_file, read_folder
from ingest.problems import ITEM_ERRORS, item_problem
from ingest.registry import ReadContext


def read_source(source: SourceBase, ctx: ReadContext) -> SourceResult:
    """Read `source` with the reader registered for its type."""
    return registry.lookup(source.type).read(source, ctx)


def web_context(source: SourceBase, ctx: ReadContext) -> web.WebContext:
    """The context of one web source: the GOV.UK base is the source's own, else the run's, else
    the fetcher policy's, else www.gov.uk."""
    if ctx.fetcher is None:
        raise ConfigError(f"source {source.name!r}: web sources need a fetcher")
    base = (
        getattr(source, "govuk_base_url", None)
        or ctx.govuk_base_url
        or getattr(ctx.fetcher.policy, "govuk_base_url", None)
        or GOVUK_WEBSITE
    )
    url = getattr(source, "url", "") or ""
    follow = getattr(source, "follow_hosts", None)
    return web.WebContext(
        fetcher=ctx.fetcher,
        cache=ctx.cache if ctx.cache is not None else web.NoCache(),
        now=ctx.now,
        govuk_base_url=base,
        follow_hosts=web.allowed_hosts(url, follow, base),
        speaks_for=web.speaks_for(url, follow),
        selector=getattr(source, "selector", None),
    )


def read_files(source: FilesSource, ctx: ReadContext) -> SourceResult:
    return read_folder(source.path, now=ctx.now, source=source.name)


def read_feed(source: FeedSource, ctx: ReadContext) -> SourceResult:
    wctx = web_context(source, ctx)
    feed_reader.read_feed_source(
        wctx, source.url, fetch_pages=source.fetch_pages, max_entries=source.max_entries
    )
    return wctx.result


def read_page(source: PageSource, ctx: ReadContext) -> SourceResult:
    wctx = web_context(source, ctx)
    web.read_page_source(wctx, source.url)
    return wctx.result


def read_govuk(source: GovukSource, ctx: ReadContext) -> SourceResult:
    wctx = web_context(source, ctx)
    base = wctx.govuk_base_url
    search = govuk.search_url(base, source.search, source.count) if source.search else None
    web.read_govuk_source(wctx, source.url, search, source.count)
    return wctx.result


def read_adhoc(source: AdhocSource, ctx: ReadContext) -> SourceResult:
    """Ad-hoc items: URLs of any kind, or files. One bad item is a problem of that item only."""
    wctx = web_context(source, ctx)
    for item in source.items:
        try:
            path = adhoc_path(item)
            if path is None:
                wctx.follow_hosts |= web.allowed_hosts(item, None, wctx.govuk_base_url)
                wctx.speaks_for |= web.speaks_for(item, None)
                web.read_url(wctx, item)
            elif path.is_dir():
                folder = read_folder(path, now=ctx.now)
                wctx.result.records.extend(folder.records)
                wctx.result.problems.extend(folder.problems)
                wctx.result.skipped.extend(folder.skipped)
            else:
                wctx.result.records.append(parse_file(path, path.read_bytes(), now=ctx.now))
        except FileNotFoundError:
            wctx.result.problems.append(f"{item}: no such file")
        except OSError as exc:
            wctx.result.problems.append(f"{item}: cannot read: {exc.strerror or exc}")
        except ITEM_ERRORS as exc:
            wctx.result.problems.append(item_problem(item, exc))
    return wctx.result
