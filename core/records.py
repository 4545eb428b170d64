"""The plain records that ingest hands to storage. Pure: no IO, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.errors import ParseError
from core.normalise import storable

FULL_TEXT = "full"
SUMMARY = "summary"
TEXT_KINDS = {FULL_TEXT: "full text", SUMMARY: "feed summary"}
"""A version's text kind (ReleaseRecord.text_kind, release_versions.text_kind) as shown; a
version stored before the kind was kept has none (unknown), and shows nothing."""


@dataclass(frozen=True)
class PublisherLink:
    """A link the publisher itself attached (GOV.UK `links`): kept as evidence and as the truth
    the tagger is measured against. `kind` is one of organisation, person, world_location,
    topical_event; `value` is the publisher's slug or base path; `title` its display name."""

    kind: str
    value: str
    title: str


@dataclass(frozen=True)
class Withdrawal:
    """A publisher's notice that it withdrew the release (GOV.UK `withdrawn_notice`): its
    explanation in plain text and when it was withdrawn (None when the notice gives no time)."""

    reason: str
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class ReleaseRecord:
    """One release as read from a source, before storage.

    `key` is the canonical key (normalised URL, else `file:` path, else the feed entry id);
    `raw` is the bytes as fetched (kept immutable); `text` is the extracted plain text with
    paragraphs separated by a blank line. Times are timezone-aware UTC or None.

    Made, every text field is storable (core.normalise.storable: no NUL, no lone surrogate)
    and of the right type: a field that is not text (a sidecar's `title: [1, 2]`) is a
    ParseError of this item, raised here rather than by the database in the middle of a batch."""

    key: str
    title: str
    text: str
    raw: bytes
    content_type: str
    url: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    organisation: str | None = None
    document_type: str | None = None
    description: str | None = None
    change_note: str | None = None
    withdrawn_notice: str | None = None
    withdrawal: Withdrawal | None = None
    """The withdrawal behind `withdrawn_notice` (which says it in one line), as a fact the alert
    stage tells subscribers of (storage.withdrawals)."""
    entry_id: str | None = None
    publisher_links: tuple[PublisherLink, ...] = field(default=())
    shared: bool = False
    """The key is an address this record may speak for (its text was read from that address,
    or the GOV.UK Content API gave it): it may update a release another source stored under
    the same key. Otherwise another source's release of this key is refused."""
    previous_key: str | None = None
    """The key an earlier deskwatch gave this item (a feed entry's bare `tag:` id, before ids
    were scoped to their feed): a release of the same source under it is moved to `key`."""
    text_kind: str = FULL_TEXT
    """Where `text` came from: "full" (the document, or a feed entry's own content), or
    "summary" (a feed entry's summary, when neither its content nor its page was read). Stored
    on the version (release_versions.text_kind) and shown by `sources test`, `show`, the
    reading room and the mail."""

    def __post_init__(self) -> None:
        for name in _REQUIRED_TEXT:
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ParseError(f"{self.key}: {name} must be text, not {type(value).__name__}")
            cleaned = storable(value)
            if cleaned is not value:
                object.__setattr__(self, name, cleaned)
        for name in _OPTIONAL_TEXT:
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ParseError(f"{self.key}: {name} must be text, not {type(value).__name__}")
            cleaned = storable(value)
            if cleaned is not value:
                object.__setattr__(self, name, cleaned)
        if self.withdrawal is not None and storable(self.withdrawal.reason) != (
            self.withdrawal.reason
        ):
            reason = storable(self.withdrawal.reason)
            object.__setattr__(self, "withdrawal", Withdrawal(reason, self.withdrawal.withdrawn_at))
        for name in ("published_at", "updated_at"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, datetime):
                raise ParseError(f"{self.key}: {name} must be a date, not {type(value).__name__}")
        if not isinstance(self.raw, bytes):
            raise ParseError(f"{self.key}: raw must be bytes")
        if any(_unstorable_link(link) for link in self.publisher_links):
            object.__setattr__(
                self,
                "publisher_links",
                tuple(
                    PublisherLink(storable(link.kind), storable(link.value), storable(link.title))
                    for link in self.publisher_links
                ),
            )


_REQUIRED_TEXT = ("key", "title", "text", "content_type")
_OPTIONAL_TEXT = (
    "url",
    "language",
    "organisation",
    "document_type",
    "description",
    "change_note",
    "withdrawn_notice",
    "entry_id",
)


def _unstorable_link(link: PublisherLink) -> bool:
    return any(storable(v) is not v for v in (link.kind, link.value, link.title))


@dataclass(frozen=True)
class CacheEntry:
    """What deskwatch remembers of one URL between runs: the validators for a conditional GET and
    the sha256 of the last body it processed (some servers send new validators for old bytes)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    status: int | None = None


@dataclass
class SourceResult:
    """What reading one source produced: the records, plus what was skipped and why.
    `not_modified` is True when the server answered 304 (nothing to do).
    `problems` are item-level troubles (a bozo feed, a skipped entry) that did not stop the source."""

    records: list[ReleaseRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Items stored, but read another way than the source asked (a CSS selector that matched
    nothing: the page's main content was read instead); core.skips names the reasons."""
    from_feed: list[str] = field(default_factory=list)
    """Entries stored from the text the feed gave them because their link could not be
    followed, one line each (core.skips.from_feed: `<link>: feed summary (<reason>)`)."""
    not_modified: bool = False
    http_status: int | None = None
    # web sources: cache rows to write in the source's transaction, and the keys of releases
    # seen unchanged (a 304 or an identical body) whose last_seen_at should move
    cache_updates: list[CacheEntry] = field(default_factory=list)
    seen_keys: list[str] = field(default_factory=list)
