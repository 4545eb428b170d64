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

from core.errors import FetchError, ParseError
from core.normalise import bytes_hash, canonical_url
from core.records import CacheEntry, ReleaseRecord, SourceResult
from ingest import govuk
from ingest.documents import parse_html_document
from ingest.feeds import FeedEntry, ParsedFeed, count_entries, looks_like_feed, parse_feed
from ingest.fetch import (
    Fetched,
    Fetcher,
    SchemeRefused,
    host_allowed,
    host_of,
    is_fetchable,
    origin_of,
)
from ingest.html import html_to_text
from ingest.problems import ITEM_ERRORS, item_problem

JSON_ACCEPT = "application/json"
REFUSE_FACTOR = 4
"""A feed with more than this many times a source's max_entries is refused before parsing."""
FEED_ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"


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


# --- feeds ----------------------------------------------------------------------------------


def entry_key(entry: FeedEntry, feed_url: str, speaks_for: set[str] | None = None) -> str | None:
    """The normalised link when the feed may speak for its host (`speaks_for`; None: any host),
    else the entry id, else the link, either inside the feed's namespace (`<feed URL>#<id>`: a
    `tag:` or `urn:` id too, so no feed can claim another's), else the feed URL and a hash of
    the entry's title and text. A link with a port out of range is a ParseError."""
    link = entry.link if entry.link and is_fetchable(entry.link) else None
    if link is not None:
        canonical = canonical_url(link)
        if speaks_for is None or host_allowed(link, speaks_for):
            if govuk.is_govuk_url(link):
                return govuk.page_url(govuk.govuk_path(link))
            return canonical
    if entry.entry_id:
        return f"{canonical_url(feed_url)}#{entry.entry_id}"
    if link is not None:
        return f"{canonical_url(feed_url)}#{canonical_url(link)}"
    content = entry.title + "\n" + (entry.content_html or entry.summary_html)
    if not content.strip():
        return None
    # neither link nor id: the feed and a hash of what the entry says
    return f"{canonical_url(feed_url)}#sha256:{bytes_hash(content.encode('utf-8'))[:16]}"


def _newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    def when(entry: FeedEntry) -> float:
        moment = entry.published_at or entry.updated_at
        return moment.timestamp() if moment else float("-inf")

    return sorted(entries, key=when, reverse=True)


def _entry_record(
    entry: FeedEntry, key: str, html: str, raw: bytes, content_type: str, *, shared: bool
) -> ReleaseRecord | None:
    text = html_to_text(html)
    if not text:
        return None
    # feedparser gives an Atom entry without a summary its content as the summary: read it once
    summary = entry.summary_html
    description = text if summary == html else html_to_text(summary)
    return ReleaseRecord(
        key=key,
        url=entry.link if entry.link and is_fetchable(entry.link) else None,
        entry_id=entry.entry_id,
        title=entry.title or text.split("\n", 1)[0][:200],
        text=text,
        raw=raw,
        content_type=content_type,
        published_at=entry.published_at or entry.updated_at,  # else first seen (storage)
        updated_at=entry.updated_at,
        language=entry.language,
        description=description or None,
        shared=shared,
    )


def _with_entry_metadata(record: ReleaseRecord, entry: FeedEntry, key: str) -> ReleaseRecord:
    """A page record completed by what the feed said of the entry (dates, id, title)."""
    return replace(
        record,
        key=key,
        entry_id=entry.entry_id or record.entry_id,
        title=record.title or entry.title,
        published_at=record.published_at or entry.published_at or entry.updated_at,
        updated_at=record.updated_at or entry.updated_at,
        description=record.description or html_to_text(entry.summary_html) or None,
    )


def read_feed_entries(
    ctx: WebContext, parsed: ParsedFeed, feed_url: str, *, fetch_pages: str, max_entries: int
) -> int:
    """Turn entries into records, fetching pages where needed. Returns the number of failures
    (entries that may succeed on a later run)."""
    result = ctx.result
    for duplicate in parsed.duplicates:
        result.skipped.append(f"{duplicate}: duplicate entry id in one feed")
    for dropped in parsed.dropped_dates:
        result.problems.append(f"{dropped}: implausible date ignored")
    entries = parsed.entries
    if len(entries) > max_entries:
        result.problems.append(f"{feed_url}: {len(entries)} entries; read the newest {max_entries}")
        entries = _newest_first(entries)[:max_entries]
    plan: list[tuple[FeedEntry, str]] = []
    for entry in entries:
        try:
            key = entry_key(entry, feed_url, ctx.speaks_for)
        except ITEM_ERRORS as exc:
            result.problems.append(item_problem(entry.link or entry.entry_id or "?", exc))
            continue
        if key is None:
            result.skipped.append(f"{entry.title or '?'}: entry has neither link nor id")
            continue
        plan.append((entry, key))
    to_fetch: list[str] = []
    for entry, _key in plan:
        if entry.link and is_fetchable(entry.link) and fetch_pages != "never":
            if govuk.is_govuk_url(entry.link, ctx.govuk_base_url):
                to_fetch.append(govuk.content_api_url(entry.link, ctx.govuk_base_url))
            else:
                to_fetch.append(entry.link)
    ctx.preload(to_fetch)
    failures = 0
    for entry, key in plan:
        requests = ctx.fetcher.requests
        try:
            record = _read_entry(ctx, entry, key, fetch_pages)
        except SchemeRefused as exc:
            result.skipped.append(str(exc))
            continue
        except ITEM_ERRORS as exc:
            # what a later run may fetch again blocks the feed's cache row; bad inline text,
            # which the same feed bytes give again, does not
            failures += ctx.fetcher.requests > requests or isinstance(exc, FetchError)
            result.problems.append(item_problem(entry.link or key, exc))
            continue
        if record is not None:
            previous = _previous_entry_key(entry)
            if previous is not None and previous != record.key and record.key == key:
                record = replace(record, previous_key=previous)
            result.records.append(record)
    return failures


def _previous_entry_key(entry: FeedEntry) -> str | None:
    """The key deskwatch gave an entry before keys were scoped to their feed (the link, else a
    URI-like id as it stood), so that a source's own releases keep their history."""
    if entry.link and is_fetchable(entry.link):
        if govuk.is_govuk_url(entry.link):
            return govuk.page_url(govuk.govuk_path(entry.link))
        try:
            return canonical_url(entry.link)
        except ParseError:
            return None
    if entry.entry_id and ":" in entry.entry_id:
        return entry.entry_id
    return None


def _read_entry(
    ctx: WebContext, entry: FeedEntry, key: str, fetch_pages: str
) -> ReleaseRecord | None:
    link = entry.link
    if link == entry.entry_id and not is_fetchable(link or ""):
        link = None  # feedparser's stand-in link made of the entry id: no link at all
    raw_entry = (entry.content_html or entry.summary_html).encode("utf-8")
    if link and not is_fetchable(link):
        scheme = urlsplit(link).scheme or "no scheme"
        ctx.result.skipped.append(f"{link}: {scheme} link, not fetched")
        return None
    if link and fetch_pages != "never" and govuk.is_govuk_url(link, ctx.govuk_base_url):
        record = read_govuk_page(ctx, link)
        return _with_entry_metadata(record, entry, record.key) if record else None
    shared = link is not None and key == canonical_url(link)  # the feed speaks for the link
    if entry.content_html and fetch_pages != "always":
        return _entry_record(entry, key, entry.content_html, raw_entry, "text/html", shared=shared)
    if link and fetch_pages != "never":
        if not host_allowed(link, ctx.follow_hosts):
            ctx.result.skipped.append(f"{link}: host {origin_of(link)} is not in follow_hosts")
            return None
        record = read_page(ctx, link, key=key)
        return _with_entry_metadata(record, entry, key) if record else None
    record = _entry_record(entry, key, entry.summary_html, raw_entry, "text/html", shared=shared)
    if record is None:
        ctx.result.skipped.append(f"{key}: entry has no text")
    return record


def read_feed_bytes(
    ctx: WebContext, got: Got, url: str, *, fetch_pages: str = "auto", max_entries: int = 500
) -> None:
    fetched = got.fetched
    estimate = count_entries(fetched.body)
    if estimate > REFUSE_FACTOR * max_entries:
        raise ParseError(
            f"{url}: about {estimate} entries, more than {REFUSE_FACTOR} x max_entries "
            f"({max_entries}); refused unparsed"
        )
    parsed = parse_feed(
        fetched.body, url=fetched.url, content_type=fetched.content_type, now=ctx.now
    )
    if parsed.bozo_reason:
        if not parsed.entries and not parsed.is_feed:
            raise ParseError(f"{url}: not a feed ({parsed.bozo_reason})")
        ctx.result.problems.append(f"{url}: bozo feed: {parsed.bozo_reason}")
    failures = read_feed_entries(
        ctx, parsed, fetched.url, fetch_pages=fetch_pages, max_entries=max_entries
    )
    if not failures and got.update:
        ctx.result.cache_updates.append(got.update)


def read_feed_source(ctx: WebContext, url: str, *, fetch_pages: str, max_entries: int) -> None:
    got = fetch_cached(ctx, url, accept=FEED_ACCEPT)
    ctx.result.http_status = got.fetched.status
    if got.unchanged:
        ctx.result.not_modified = True
        return
    read_feed_bytes(ctx, got, url, fetch_pages=fetch_pages, max_entries=max_entries)


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
        read_feed_bytes(ctx, got, url)
    else:
        ctx.result.records.append(
            parse_html_document(
                body,
                key=canonical_url(url),
                url=canonical_url(got.fetched.url),
                selector=ctx.selector,
                charset=_charset(content_type),
            )
        )
