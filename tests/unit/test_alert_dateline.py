"""A mail's dateline says which date it gives (issue 18): published, else the publisher's
updated time, else when deskwatch first saw the release; never "date not given"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from alerts.compose import AlertItem, dateline

ITEM = AlertItem(
    alert_id=1,
    release_id=1,
    version_id=1,
    version_number=1,
    title="Statement",
    published_at=None,
    source="mfa-page",
    url=None,
    reasons=(),
    first_seen_at=datetime(2026, 11, 27, 6, tzinfo=UTC),
)


def test_a_page_without_dates_is_dated_by_when_it_was_first_seen() -> None:
    assert dateline(ITEM) == "First seen 27 November 2026"


def test_a_publisher_date_wins_over_first_seen() -> None:
    updated = replace(ITEM, release_updated_at=datetime(2023, 10, 12, tzinfo=UTC))
    assert dateline(updated) == "Updated 12 October 2023"
    published = replace(updated, published_at=datetime(2023, 10, 9, tzinfo=UTC))
    assert dateline(published) == "Published 9 October 2023"


def test_a_later_version_is_dated_by_its_own_time() -> None:
    later = replace(ITEM, version_number=3, updated_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert dateline(later) == "Updated 1 December 2026 · version 3"
