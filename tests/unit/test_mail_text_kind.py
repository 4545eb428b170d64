"""A mail about a version whose text is only the feed's summary (its link was not followed:
issue 18) says so beside its date, "from the feed's summary", in the alert and the digest, text
and HTML; a full text says nothing more. Pure: from plain rows (core.mail_rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from alerts.compose import Envelope, compose_alert, compose_digest, dateline
from alerts.items import alert_items
from core.mail_rows import AlertRow, MailRows, ReleaseRow, VersionRow
from core.records import FULL_TEXT, SUMMARY
from diffing.model import Diff

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOTE = "from the feed's summary"
ENVELOPE = Envelope("deskwatch@example.org", "desk@example.org", date=T0)


def _item(kind: str | None):
    release = ReleaseRow(id=7, title="Readout", url="https://mfa.example/r", published_at=T0)
    version = VersionRow(
        id=70, number=1, title="Readout", release=release, source="mfa", text_kind=kind
    )
    rows = MailRows(
        alerts=(AlertRow(id=1, version_id=70, reasons=()),),
        versions={70: version},
        changes={},
        earlier={},
    )
    return alert_items(rows, read_diff=Diff.from_payload)[1]


def _parts(message) -> list[str]:
    mail = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    return [part.get_content().replace("&#39;", "'") for part in mail.iter_parts()]


@pytest.mark.parametrize(("kind", "noted"), [(SUMMARY, True), (FULL_TEXT, False), (None, False)])
def test_the_dateline_says_when_the_text_is_the_feed_summary(kind, noted) -> None:
    item = _item(kind)
    assert item.from_summary is noted
    assert dateline(item) == "Published 20 November 2026" + (f" · {NOTE}" if noted else "")
    alert = _parts(compose_alert(item, ENVELOPE))
    digest = _parts(
        compose_digest(
            [item], ENVELOPE, frequency="daily", period_key="2026-11-20", period_label="20 Nov"
        )
    )
    assert len(alert) == len(digest) == 2  # text and HTML
    for part in alert + digest:
        assert (NOTE in part) is noted
