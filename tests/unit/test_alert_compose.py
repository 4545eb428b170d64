"""Composing alert and digest mails: pure, from plain records."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from alerts.compose import (
    AlertItem,
    DiffSummary,
    Envelope,
    compose_alert,
    compose_digest,
    header_text,
    highlight_html,
    highlight_text,
)
from alerts.digest import period
from alerts.matching import Evidence, Reason

WHEN = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def item(
    title: str = "UK statement on Gaza", url: str | None = "https://www.gov.uk/x", **kw
) -> AlertItem:
    reasons = (
        Reason(
            "theme",
            "middle-east-escalation",
            "Middle East escalation",
            (Evidence("We want a ceasefire in Gaza.", ((10, 19), (23, 27))),),
        ),
        Reason("keyword", "aid", "“aid”", (Evidence("Aid must flow.", ((0, 3),)),)),
    )
    return AlertItem(7, 3, 9, kw.pop("number", 1), title, WHEN, "fcdo-news", url, reasons, **kw)


ENVELOPE = Envelope("deskwatch@example.org", "desk@example.org", "Desk <Officer>", date=WHEN)


def roundtrip(message):
    return message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)


def test_alert_is_multipart_text_then_html_with_the_headers() -> None:
    mail = roundtrip(compose_alert(item(), ENVELOPE))
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Subject"] == "[deskwatch] Middle East escalation · UK statement on Gaza"
    assert mail["To"].addresses[0].display_name == "Desk <Officer>"
    assert mail["List-Unsubscribe"].strip() == (
        "<mailto:deskwatch@example.org?subject=unsubscribe%20desk%40example.org>"
    )
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Message-ID"].startswith("<deskwatch.alert.7.v9.") and mail["Message-ID"].endswith(
        "@example.org>"
    )
    # the same alert composed again has the same Message-ID (a resend is recognisable)
    assert compose_alert(item(), ENVELOPE)["Message-ID"] == mail["Message-ID"]
    text = mail.get_body(("plain",)).get_content()
    assert "We want a *ceasefire* in *Gaza*." in text
    assert "Keyword: “aid”" in text
    assert "To stop these mails:" in text


def test_https_unsubscribe_gets_one_click_post() -> None:
    envelope = Envelope("d@example.org", "a@example.org", unsubscribe="https://example.org/u/1")
    mail = compose_alert(item(), envelope)
    assert mail["List-Unsubscribe"] == "<https://example.org/u/1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_only_web_addresses_become_links() -> None:
    html = (
        compose_alert(item(url="javascript:alert(1)"), ENVELOPE).get_body(("html",)).get_content()
    )
    assert 'href="javascript' not in html and "javascript:alert(1)" in html
    html = compose_alert(item(), ENVELOPE).get_body(("html",)).get_content()
    assert '<a href="https://www.gov.uk/x"' in html


def test_diffs_in_the_mail() -> None:
    statement = DiffSummary(
        "theme:middle-east-escalation",
        "Middle East escalation",
        "Earlier <statement>",
        WHEN,
        new_phrases=("sustainable ceasefire",),
        dropped_phrases=("humanitarian pauses",),
        added=("A <new> sentence.",),
    )
    version = DiffSummary(
        "version",
        "previous version",
        classification="substantive",
        change_note="Added a paragraph",
        removed=("Old line.",),
    )
    mail = compose_alert(
        item(number=2, statement_diffs=(statement,), version_diff=version), ENVELOPE
    )
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "THIS RELEASE WAS EDITED (version 2)" in text
    assert "Change note: Added a paragraph" in text and "  - Old line." in text
    assert "WHAT MOVED SINCE THE LAST STATEMENT ON MIDDLE EAST ESCALATION" in text
    assert (
        "Compared with the last statement on Middle East escalation: Earlier <statement>"
        " (27 November 2026)"
    ) in text
    assert "New language: sustainable ceasefire" in text
    assert "Dropped language: humanitarian pauses" in text
    assert "Middle East escalation: Earlier &lt;statement&gt; (27 November 2026)" in html
    assert "A &lt;new&gt; sentence." in html


def test_header_text_removes_every_control_character() -> None:
    assert header_text("a\r\nBcc: x@y\tz\x00\u2028w\u202eq") == "a Bcc: x@y z w q"
    long = header_text("x" * 500)
    assert len(long) == 180 and long.endswith("…")


def test_highlights_escape_and_merge_overlaps() -> None:
    evidence = Evidence("<b>Gaza</b> & Gaza", ((3, 7), (5, 9), (14, 18)))
    assert str(highlight_html(evidence)) == (
        '&lt;b&gt;<mark style="background:#fff1a8;color:#1b1b1b;padding:0 2px">Gaza&lt;/</mark>'
        'b&gt; &amp; <mark style="background:#fff1a8;color:#1b1b1b;padding:0 2px">Gaza</mark>'
    )
    assert highlight_text(Evidence("in Gaza today", ((3, 7),))) == "in *Gaza* today"


def test_digest_groups_by_theme_and_is_never_empty() -> None:
    ukraine = AlertItem(
        8,
        4,
        10,
        1,
        "Winter aid for Ukraine",
        WHEN,
        "fcdo-news",
        None,
        (Reason("theme", "ukraine-support", "Support for Ukraine"),),
    )
    mail = compose_digest(
        [item(), ukraine, item(title="Second Gaza statement")],
        ENVELOPE,
        frequency="daily",
        period_key="2026-11-27",
        period_label="Friday 27 November 2026",
    )
    assert mail["Subject"] == "[deskwatch] Daily digest · 3 releases · Friday 27 November 2026"
    text = mail.get_body(("plain",)).get_content()
    assert text.index("== Middle East escalation ==") < text.index("Second Gaza statement")
    assert text.index("Second Gaza statement") < text.index("== Support for Ukraine ==")
    assert "Why: theme Middle East escalation; keyword “aid”" in text
    with pytest.raises(ValueError):
        compose_digest([], ENVELOPE, frequency="daily", period_key="k", period_label="l")


def test_digest_periods_in_the_configured_zone() -> None:
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already Saturday in Tokyo
    assert period("daily", late, "Europe/London") == ("2026-11-27", "Friday 27 November 2026")
    assert period("daily", late, "Asia/Tokyo") == ("2026-11-28", "Saturday 28 November 2026")
    assert period("weekly", late, "Europe/London") == (
        "2026-W48",
        "week to Friday 27 November 2026",
    )
