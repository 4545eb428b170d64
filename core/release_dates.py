"""Which date a release goes by, and what it is called. Pure.

A release's date is its published time, else its updated time (a GOV.UK item that gives only
`public_updated_at`), else when deskwatch first saw it (a `page` source never says). Every
listing, search hit, timeline count and mail uses this one rule and says which date it shows,
so an undated release is neither at the top of a list with an empty date nor "published today".
"""

from __future__ import annotations

from datetime import date, datetime

PUBLISHED = "published"
UPDATED = "updated"
FIRST_SEEN = "first seen"
DATE_KINDS = (PUBLISHED, UPDATED, FIRST_SEEN)
_SHORT = {PUBLISHED: "", UPDATED: "updated", FIRST_SEEN: "seen"}


def release_date(
    published_at: datetime | None, updated_at: datetime | None, first_seen_at: datetime | None
) -> tuple[datetime | None, str]:
    """(the date, its kind): published, else updated, else first seen."""
    if published_at is not None:
        return published_at, PUBLISHED
    if updated_at is not None:
        return updated_at, UPDATED
    return first_seen_at, FIRST_SEEN


def date_label(value: date | datetime | None, kind: str) -> str:
    """`2023-10-09`, `2023-10-09 (updated)` or `2023-10-09 (seen)`: the day, and which date it
    is unless it is the publication date."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    short = _SHORT.get(kind, kind)
    return f"{day.isoformat()} ({short})" if short else day.isoformat()
