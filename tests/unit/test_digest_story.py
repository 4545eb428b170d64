"""A digest tells what happened to an edited release (issue 18): its latest change note and its
top move, not only "edited (version 3)"."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.compose import AlertItem, DiffSummary, Envelope, compose_digest
from alerts.matching import Reason

WHEN = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_an_edited_release_in_a_digest_carries_its_change_note_and_top_move() -> None:
    edited = AlertItem(
        8,
        4,
        10,
        3,
        "Travel advice: Turkey",
        WHEN,
        "fcdo-travel",
        "https://www.gov.uk/foreign-travel-advice/turkey",
        (Reason("theme", "humanitarian", "Humanitarian"),),
        version_diff=DiffSummary(
            basis="version",
            basis_label="previous version",
            classification="substantive",
            change_note="Latest update: the earthquake zone advice is lifted.",
        ),
        updated_at=WHEN,
        top_change="advice level: against all travel -> against all but essential travel",
    )
    mail = compose_digest(
        [edited],
        Envelope("d@example.org", "desk@example.org", date=WHEN),
        frequency="daily",
        period_key="2026-11-27",
        period_label="Friday 27 November 2026",
    )
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Latest update: the earthquake zone advice is lifted." in part
        assert "against all but essential travel" in part
    assert "Change note: Latest update" in text
