"""Reading the web source types (`feed`, `page`, `govuk`) and ad-hoc URLs into a SourceResult.

Every reader gathers (fetch, through the conditional-GET cache), calls the pure parsers
(ingest.feeds, ingest.html, ingest.govuk) and returns records plus the cache rows to write; the
stage writes both in the source's one transaction. A 304, or a 200 whose body hashes the same as
the last one processed, produces no record: only the release's last_seen_at moves.

Cache rows of a response are written only when everything read from it succeeded, so a page that
failed to fetch is tried again on the next run even though its feed did not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from core.normalise import bytes_hash, canonical_url
from core.records import CacheEntry, ReleaseRecord, SourceResult
from ingest import govuk
from ingest.documents import parse_html_document
from ingest.feeds import looks_like_feed
from ingest.fetch import (
    Fetched,
    Fetcher,
    SchemeRefused,
    host_of,
    origin_of,
)
from ingest.problems import ITEM_ERRORS, item_problem

JSON_ACCEPT = "application/json"


class CacheStore(Protocol):
    def load(self, urls: list[str]) -> dict[str, CacheEntry]: ...


class NoCache:
    """For ad-hoc ingest: always fetch and process (storage still keeps it idempotent)."""

    def load(self, urls: list[str]) -> dict[str, CacheEntry]:
        return {}


@dataclass
class WebContext:
    fetcher: Fetcher
    cache: CacheStore
    now: datetime
    govuk_base_url: str = govuk.GOVUK_WEBSITE
    follow_hosts: set[str] = field(default_factory=set)
    speaks_for: set[str] = field(default_factory=set)
    """The hosts whose pages this source may speak for with text of its own (a feed entry's
    inline content): its own host and its explicit follow_hosts. An entry linking elsewhere is
    keyed inside the feed's namespace, so it can never become another source's release."""
    selector: str | None = None
    result: SourceResult = field(default_factory=SourceResult)
    known: dict[str, CacheEntry] = field(default_factory=dict)
    looked_up: set[str] = field(default_factory=set)
    last_status: int | None = None

    def preload(self, urls: list[str]) -> None:
        """Read the cache rows of these URLs, in one query for all not looked up yet."""
        missing = [u for u in dict.fromkeys(urls) if u not in self.looked_up]
        if missing:
            self.known.update(self.cache.load(missing))
            self.looked_up.update(missing)


@dataclass
class Got:
    fetched: Fetched
    unchanged: bool
    update: CacheEntry | None


def fetch_cached(ctx: WebContext, url: str, *, accept: str | None = None) -> Got:
    """GET with the stored validators; unchanged when 304 or the body hash is the stored one."""
    ctx.preload([url])
    entry = ctx.known.get(url)
    fetched = ctx.fetcher.get(
        url,
        etag=entry.etag if entry else None,
        last_modified=entry.last_modified if entry else None,
        accept=accept,
        hosts=ctx.follow_hosts,  # every redirect hop stays on the source's hosts and ports
    )
    ctx.last_status = fetched.status
    if fetched.not_modified:
        return Got(fetched, True, None)
    digest = bytes_hash(fetched.body)
    if entry is not None and entry.body_sha256 == digest:
        return Got(fetched, True, None)
    update = CacheEntry(url, fetched.etag, fetched.last_modified, digest, fetched.status)
    return Got(fetched, False, update)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def allowed_hosts(url: str, follow_hosts: list[str] | None, govuk_base_url: str) -> set[str]:
    """`follow_hosts` of the source, else the source's own host and www.gov.uk (always also the
    GOV.UK base in use, which may be a mirror). A host is named bare and, when its URL has a port
    other than the default, also as host:port (ingest.fetch.host_allowed reads the set)."""
    own = {host_of(url), origin_of(url)}
    hosts = {h.lower() for h in follow_hosts} if follow_hosts is not None else own
    hosts |= set() if follow_hosts is not None else set(govuk.GOVUK_HOSTS)
    hosts |= {host_of(govuk_base_url), origin_of(govuk_base_url)}
    return hosts


def speaks_for(url: str, follow_hosts: list[str] | None) -> set[str]:
    """The hosts a source's own text may stand for (WebContext.speaks_for): its own host and
    port and its explicit `follow_hosts`, never the www.gov.uk that allowed_hosts adds for
    fetching (a GOV.UK page is only believed from the Content API)."""
    hosts = {host_of(url), origin_of(url)} if url else set()
    return hosts | {h.lower() for h in follow_hosts or []}


# --- GOV.UK ---------------------------------------------------------------------------------


def read_govuk_page(ctx: WebContext, url: str) -> ReleaseRecord | None:
    """A GOV.UK page through the Content API; None when unchanged since the last run."""
    api_url = govuk.content_api_url(url, ctx.govuk_base_url)
    got = fetch_cached(ctx, api_url, accept=JSON_ACCEPT)
    if got.unchanged:
        ctx.result.seen_keys.append(govuk.page_url(govuk.govuk_path(url)))
        return None
    # read from the Content API itself: the item may speak for its www.gov.uk page
    record = replace(govuk.parse_content_item(got.fetched.body, url=api_url), shared=True)
    if got.update:
        ctx.result.cache_updates.append(got.update)
    return record


def read_govuk_source(ctx: WebContext, url: str, search_url: str | None, count: int) -> None:
    if search_url or govuk.is_search_url(url):
        target = search_url or url
        got = fetch_cached(ctx, target, accept=JSON_ACCEPT)
        ctx.result.http_status = got.fetched.status
        if got.unchanged:
            ctx.result.not_modified = True
            return
        links = govuk.parse_search(got.fetched.body)[:count]
        ctx.preload([govuk.content_api_url(link, ctx.govuk_base_url) for link in links])
        failures = _read_each(ctx, links, lambda link: read_govuk_page(ctx, link))
        if not failures and got.update:
            ctx.result.cache_updates.append(got.update)
        return
    record = read_govuk_page(ctx, url)
    ctx.result.http_status = ctx.last_status
    if record is None:
        ctx.result.not_modified = True
    else:
        ctx.result.records.append(record)


def _read_each(
    ctx: WebContext, items: list[str], read: Callable[[str], ReleaseRecord | None]
) -> int:
    failures = 0
    for item in items:
        try:
            record = read(item)
        except SchemeRefused as exc:
            ctx.result.skipped.append(str(exc))
            continue
        except ITEM_ERRORS as exc:
            failures += 1
            ctx.result.problems.append(item_problem(item, exc))
            continue
        if record is not None:
            ctx.result.records.append(record)
    return failures


# --- pages ----------------------------------------------------------------------------------


def read_page(ctx: WebContext, url: str, *, key: str | None = None) -> ReleaseRecord | None:
    """One web page (GOV.UK pages go through the Content API); None when unchanged."""
    if govuk.is_govuk_url(url, ctx.govuk_base_url):
        return read_govuk_page(ctx, url)
    key = key or canonical_url(url)
    got = fetch_cached(ctx, url)
    if got.unchanged:
        ctx.result.seen_keys.append(key)
        return None
    fetched = got.fetched
    record = parse_html_document(
        fetched.body,
        key=key,
        url=canonical_url(fetched.url),
        selector=ctx.selector,
        charset=_charset(fetched.content_type),
        shared=key == canonical_url(url),  # the page read from its own address
        warnings=ctx.result.warnings,
    )
    if got.update:
        ctx.result.cache_updates.append(got.update)
    return record


def read_page_source(ctx: WebContext, url: str) -> None:
    record = read_page(ctx, url)
    ctx.result.http_status = ctx.last_status
    if record is None:
        ctx.result.not_modified = True
    else:
        ctx.result.records.append(record)


# --- ad hoc ---------------------------------------------------------------------------------


def read_url(ctx: WebContext, url: str) -> None:
    """Whatever a URL is: a GOV.UK page, a Content API item, a search, a feed or a web page."""
    if govuk.is_govuk_url(url, ctx.govuk_base_url) or urlsplit(url).path.startswith(
        govuk.CONTENT_PREFIX + "/"
    ):
        if govuk.is_search_url(url):
            read_govuk_source(ctx, url, None, 100)
            return
        if not govuk.is_govuk_url(url, ctx.govuk_base_url):
            ctx.govuk_base_url = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
        record = read_govuk_page(ctx, url)
        if record is not None:
            ctx.result.records.append(record)
        return
    got = fetch_cached(ctx, url)
    ctx.result.http_status = got.fetched.status
    body, content_type = got.fetched.body, got.fetched.content_type
    if "json" in content_type or body.lstrip()[:1] == b"{":
        ctx.result.records.append(govuk.parse_content_item(body, url=url))
    elif looks_like_feed(body, content_type):
        from ingest.feed_reader import read_feed_bytes  # it builds on this module

        read_feed_bytes(ctx, got, url)
    else:
        ctx.result.records.append(
            parse_html_document(
                body,
                key=canonical_url(url),
                url=canonical_url(got.fetched.url),
                selector=ctx.selector,
                charset=_charset(content_type),
                warnings=ctx.result.warnings,
            )
        )
