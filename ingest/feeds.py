"""RSS and Atom feeds (pure: feedparser over bytes deskwatch fetched; it never fetches itself).

`parse_feed(raw, ...)` never raises on bad input: like feedparser it says what was wrong in
`bozo_reason` and keeps the entries it could read. Entries come out in feed order with their
dates checked: a date more than a day after `now` (or before 1800) is not believed, and the entry
falls back to its other date, else to the time it was first seen.
"""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from core.normalise import clean_text

FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
FEED_CONTENT_TYPES = ("xml", "rss", "atom", "rdf")
_ENTRY_TAG = re.compile(rb"<(?:[a-z_][\w.-]*:)?(?:entry|item)[\s/>]", re.IGNORECASE)
"""The start of an entry as any parser may read it: Atom's <entry>, RSS's <item>, in any case
and with any namespace prefix (<a:entry>, <ITEM>, <rss:item>)."""


_UNSTORABLE_REFERENCE = re.compile(
    rb"&#(?:[xX]0*(?:[dD][89a-fA-F][0-9a-fA-F]{2})?"
    rb"|0*(?:5529[6-9]|55[3-9]\d\d|56\d{3}|57[0-2]\d\d|573[0-3]\d|5734[0-3])?);"
)
"""A character reference to NUL or to a lone surrogate (`&#0;`, `&#xD800;`): feedparser raises
on the one and Postgres refuses the other, so either becomes U+FFFD before parsing."""


@dataclass(frozen=True)
class FeedEntry:
    entry_id: str | None
    link: str | None
    title: str
    summary_html: str
    content_html: str
    published_at: datetime | None
    updated_at: datetime | None
    author: str | None = None
    language: str | None = None


@dataclass
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    bozo_reason: str | None = None
    duplicates: list[str] = field(default_factory=list)
    dropped_dates: list[str] = field(default_factory=list)
    language: str | None = None
    is_feed: bool = True


def _when(struct: Any, now: datetime) -> datetime | None:
    if not struct:
        return None
    try:
        value = datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None
    if value > now + FUTURE_SLACK or value < EARLIEST:
        return None
    return value


def _content(entry: Any) -> str:
    parts = entry.get("content") or []
    values = [p.get("value", "") for p in parts if p.get("value")]
    return max(values, key=len) if values else ""


def looks_like_feed(raw: bytes, content_type: str = "") -> bool:
    """Whether bytes are worth handing to the feed parser (a feed, not an HTML page or JSON)."""
    head = raw[:2048].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith((b"<!doctype html", b"<html", b"{", b"[")):
        return False
    if any(word in content_type.lower() for word in FEED_CONTENT_TYPES):
        return True
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head or head.startswith(b"<?xml")


def count_entries(raw: bytes) -> int:
    """About how many entries the bytes hold, counted before any parser sees them (a guard
    against a feed too long to parse). A body in UTF-16 or UTF-32 is counted with its NUL bytes
    taken out, so its markup reads as ASCII too."""
    if b"\0" in raw[:4]:
        raw = raw.replace(b"\0", b"")
    return len(_ENTRY_TAG.findall(raw))


def parse_feed(
    raw: bytes, *, url: str = "", content_type: str = "", now: datetime | None = None
) -> ParsedFeed:
    """Parse feed bytes. `url` resolves relative links; `content_type` carries the HTTP charset."""
    now = now or datetime.now(UTC)
    headers = {"content-type": content_type or "application/xml"}
    if url:
        headers["content-location"] = url
    raw = _UNSTORABLE_REFERENCE.sub(b"\xef\xbf\xbd", raw)  # U+FFFD, as a browser shows them
    # sanitised as feedparser does; relative links in entry HTML are not resolved: only the
    # entry's text is read from it (its own link is resolved regardless), and resolving cost
    # a sixth of the parse
    parsed = feedparser.parse(
        io.BytesIO(raw), response_headers=headers, sanitize_html=True, resolve_relative_uris=False
    )
    reason = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        reason = f"{type(exc).__name__}: {exc}" if exc is not None else "malformed feed"
    feed = parsed.get("feed", {})
    language = feed.get("language") or None
    result = ParsedFeed(
        title=clean_text(feed.get("title", "") or ""),
        entries=[],
        bozo_reason=reason,
        language=language,
        is_feed=bool(parsed.get("version")) or bool(parsed.get("entries")),
    )
    seen: set[str] = set()
    for entry in parsed.get("entries", []):
        entry_id = (entry.get("id") or "").strip() or None
        link = (entry.get("link") or "").strip() or None
        identity = entry_id or link
        if identity is not None:
            if identity in seen:
                result.duplicates.append(identity)
                continue
            seen.add(identity)
        # dict.get: feedparser's own get() maps a missing updated to published, with a warning
        published_struct = dict.get(entry, "published_parsed")
        updated_struct = dict.get(entry, "updated_parsed")
        published = _when(published_struct, now)
        updated = _when(updated_struct, now)
        if (published_struct and published is None) or (updated_struct and updated is None):
            result.dropped_dates.append(identity or entry.get("title", "?"))
        author = entry.get("author") or None
        result.entries.append(
            FeedEntry(
                entry_id=entry_id,
                link=link,
                title=clean_text(entry.get("title", "") or ""),
                summary_html=entry.get("summary", "") or "",
                content_html=_content(entry),
                published_at=published,
                updated_at=updated,
                author=author,
                language=language,
            )
        )
    return result
