"""Reading a feed source: each entry a release, keyed inside the feed's namespace unless the feed
may speak for the entry link's host; the entry's own content when it carries the statement, else
the linked page (ingest.web read_page), within the source's hosts. Built on ingest.web's context,
cached fetch and page reader."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from core import skips
from core.errors import FetchError, ParseError
from core.normalise import bytes_hash, canonical_url
from core.records import FULL_TEXT, SUMMARY, ReleaseRecord
from ingest import govuk
from ingest.feeds import FeedEntry, ParsedFeed, count_entries, parse_feed
from ingest.fetch import (
    SchemeRefused,
    host_allowed,
    is_fetchable,
    origin_of,
)
from ingest.html import html_to_text
from ingest.problems import ITEM_ERRORS, item_problem
from ingest.web import Got, WebContext, fetch_cached, read_govuk_page, read_page

REFUSE_FACTOR = 4
"""A feed with more than this many times a source's max_entries is refused before parsing."""
FEED_ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"


def _requests(ctx: WebContext) -> int:
    """Requests the source's fetcher has made (none without one: bytes read from elsewhere)."""
    return ctx.fetcher.requests if ctx.fetcher is not None else 0


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
    entry: FeedEntry,
    key: str,
    html: str,
    raw: bytes,
    content_type: str,
    *,
    shared: bool,
    text_kind: str = FULL_TEXT,
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
        text_kind=text_kind,
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
        result.skipped.append(f"{duplicate}: {skips.DUPLICATE_ID}")
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
            result.skipped.append(f"{entry.title or '?'}: {skips.NO_KEY}")
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
        requests = _requests(ctx)
        try:
            record = _read_entry(ctx, entry, key, fetch_pages)
        except SchemeRefused as exc:
            result.skipped.append(str(exc))
            continue
        except ITEM_ERRORS as exc:
            # what a later run may fetch again blocks the feed's cache row; bad inline text,
            # which the same feed bytes give again, does not
            failures += _requests(ctx) > requests or isinstance(exc, FetchError)
            result.problems.append(item_problem(entry.link or key, exc))
            continue
        if record is not None:
            previous = _previous_entry_key(entry) if record.key == key else None
            if previous == key:
                # the feed speaks for the link: the key it had while it could not (the feed's
                # namespace), so that the entry stored from the feed's summary then takes the
                # page's text as a new version of the same release
                previous = _namespaced_key(entry, feed_url)
            if previous is not None and previous != key:
                record = replace(record, previous_key=previous)
            result.records.append(record)
    return failures


def _namespaced_key(entry: FeedEntry, feed_url: str) -> str | None:
    """The key of an entry whose link the feed may not speak for (entry_key)."""
    try:
        return entry_key(entry, feed_url, set())
    except ParseError:
        return None


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
            return _unfollowed(ctx, entry, key, link, raw_entry, shared=shared)
        record = read_page(ctx, link, key=key)
        return _with_entry_metadata(record, entry, key) if record else None
    record = _entry_record(
        entry, key, entry.summary_html, raw_entry, "text/html", shared=shared, text_kind=SUMMARY
    )
    if record is None:
        ctx.result.skipped.append(f"{key}: {skips.NO_TEXT}")
    return record


def _unfollowed(
    ctx: WebContext, entry: FeedEntry, key: str, link: str, raw: bytes, *, shared: bool
) -> ReleaseRecord | None:
    """An entry whose link may not be followed (its host is not in follow_hosts): stored from
    the text the feed gave it, its content else its summary, under the key entry_key gave it
    (the feed's namespace unless the feed speaks for the link's host), and counted as such;
    skipped only when the feed gave it no text either."""
    html, kind = (
        (entry.content_html, FULL_TEXT) if entry.content_html else (entry.summary_html, SUMMARY)
    )
    record = _entry_record(entry, key, html, raw, "text/html", shared=shared, text_kind=kind)
    if record is None:
        ctx.result.skipped.append(f"{link}: host {origin_of(link)} is not in follow_hosts")
        return None
    word = "content" if kind == FULL_TEXT else "summary"
    ctx.result.from_feed.append(skips.from_feed(link, word, skips.OFF_HOST))
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
