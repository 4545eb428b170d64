"""A release's withdrawal in the mails (issue 18), pure: the GOV.UK notice read as a fact, the
matcher's plan, which claimed alerts go together, what the mail shows (alerts.items) and how it
says it (alerts.compose, the shared templates), and one digest entry per release. Every text
here is written for these tests."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerts.coalesce import Queued, plan_mails
from alerts.compose import AlertItem, Envelope, compose_alert, compose_digest, subject_for
from alerts.items import alert_items, one_per_release
from alerts.matching import Rule, plan_withdrawal_alerts
from core.alert_facts import Reason, VersionFacts
from core.mail_rows import AlertRow, ChangeRow, MailRows, ReleaseRow, VersionRow, WithdrawalRow
from core.records import Withdrawal
from diffing.model import Diff
from ingest.govuk import parse_content_item

WHEN = datetime(2026, 12, 3, 10, 15, tzinfo=UTC)
REASON = "This page is out of date: read the 2027 guidance instead."
LINE = f"Withdrawn: {REASON} (3 December 2026)"
ENVELOPE = Envelope("deskwatch@example.org", "desk@example.org", date=WHEN)
KEYWORD = Reason("keyword", "winter", "“winter”")


def test_the_content_api_notice_is_a_reason_and_a_time() -> None:
    data = {
        "base_path": "/guidance/winter",
        "title": "Winter guidance",
        "details": {"body": "<p>Wrap up warm.</p>"},
        "withdrawn_notice": {
            "explanation": "<p>This page is <a href='/x'>out of date</a>.</p>",
            "withdrawn_at": "2026-12-03T10:15:00+00:00",
        },
    }
    record = parse_content_item(json.dumps(data).encode())
    assert record.withdrawal == Withdrawal("This page is out of date.", WHEN)
    assert (
        record.withdrawn_notice == "This page is out of date. (withdrawn 2026-12-03T10:15:00+00:00)"
    )
    del data["withdrawn_notice"]
    assert parse_content_item(json.dumps(data).encode()).withdrawal is None


def _facts(number: int = 3, classification: str | None = "minor", **kw) -> VersionFacts:
    return VersionFacts(
        90, 9, number, "Winter guidance", "Wrap up warm this winter.", (), classification, **kw
    )


def test_every_withdrawal_is_news_and_matches_as_a_version_does() -> None:
    rules = [
        Rule(1, "desk@example.org", keywords=("winter",)),
        Rule(2, "desk@example.org", keywords=("warm",)),  # same person: one alert, two reasons
        Rule(3, "other@example.org", keywords=("Tokyo",)),
        Rule(4, "follower@example.org", keywords=("Tokyo",), frequency="daily"),
    ]
    # a minor edit never alerts, but the withdrawal of that version does
    facts = _facts(alerted=frozenset({("follower@example.org", "daily")}))
    planned = plan_withdrawal_alerts(rules, [(5, facts)])
    assert [(a.email, a.frequency, a.withdrawal_id, a.version_id) for a in planned] == [
        ("desk@example.org", "immediate", 5, 90),
        ("follower@example.org", "daily", 5, 90),
    ]
    assert [r.value for r in planned[0].reasons] == ["winter", "warm"]
    assert planned[1].reasons[0].kind == "release"  # alerted on the release before: follows it


def test_a_withdrawal_alert_is_a_mail_of_its_own_never_held() -> None:
    queued = [
        Queued(1, "desk@example.org", 9, 2),
        Queued(2, "desk@example.org", 9, 3),
        Queued(3, "desk@example.org", 9, 3, withdrawal_id=5),
    ]
    now = WHEN
    mailed = {("desk@example.org", 9): now - timedelta(minutes=5)}  # inside the window
    plan = plan_mails(queued, mailed, now=now, window=timedelta(minutes=30))
    assert [[a.alert_id for a in m.alerts] for m in plan.mails] == [[3]]
    assert plan.held == {now + timedelta(minutes=25): [1, 2]}


RELEASE = ReleaseRow(id=9, title="Winter guidance", url="https://www.gov.uk/guidance/winter")
VERSION = VersionRow(id=90, number=3, title="Winter guidance", release=RELEASE, source="govuk")
CHANGE = ChangeRow(
    id=1,
    version_id=90,
    kind="version",
    basis="version",
    against_release_id=9,
    created_at=WHEN - timedelta(days=9),
    payload={"added": ["Wrap up warm this winter."]},
    classification="substantive",
)


def _items(*alerts: AlertRow, ended: bool = False) -> dict[int, AlertItem]:
    rows = MailRows(
        alerts=alerts,
        versions={90: VERSION},
        changes={90: (CHANGE,)},
        earlier={9: RELEASE},
        withdrawals={5: WithdrawalRow(5, 9, REASON, WHEN, ended=ended)},
    )
    return alert_items(rows, read_diff=Diff.from_payload)


def test_a_withdrawal_mail_shows_the_notice_and_no_diff() -> None:
    reasons = (KEYWORD.to_dict(),)
    items = _items(AlertRow(1, 90, reasons), AlertRow(2, 90, reasons, withdrawal_id=5))
    version, withdrawal = items[1], items[2]
    assert version.version_diff is not None and not version.is_withdrawal
    assert version.withdrawal == Withdrawal(REASON, WHEN)  # a version's mail says it too
    assert withdrawal.is_withdrawal and withdrawal.withdrawal == Withdrawal(REASON, WHEN)
    assert withdrawal.version_diff is None and withdrawal.statement_diffs == ()
    assert withdrawal.top_change is None
    # a reversed withdrawal: its own mail still tells of it, a version's mail no longer does
    items = _items(AlertRow(1, 90, reasons), AlertRow(2, 90, reasons, withdrawal_id=5), ended=True)
    assert items[1].withdrawal is None and items[2].withdrawal == Withdrawal(REASON, WHEN)


def _item(alert_id: int, **kw) -> AlertItem:
    return AlertItem(
        alert_id, 9, 90, 1, "Winter guidance", WHEN, "govuk", RELEASE.url, (KEYWORD,), **kw
    )


def test_the_mail_says_withdrawn_with_reason_and_date_in_subject_text_and_html() -> None:
    told = _item(4, withdrawal=Withdrawal(REASON, WHEN), is_withdrawal=True)
    assert subject_for(told) == "[deskwatch] Winter guidance: withdrawn"
    mail = compose_alert(told, ENVELOPE)
    assert mail["Subject"] == "[deskwatch] Winter guidance: withdrawn"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.splitlines()[:3] == ["Winter guidance", "Published 3 December 2026 · govuk", LINE]
    assert LINE in html
    assert "Keyword: “winter”" in text  # why they got it, as for a version
    # no notice, no line; and a notice without a reason says so
    plain = compose_alert(_item(4), ENVELOPE).get_body(("plain",)).get_content()
    assert plain.splitlines()[2] == ""
    assert "Withdrawn" not in plain
    bare = replace(told, withdrawal=Withdrawal("", WHEN))
    assert "Withdrawn: the publisher gave no reason (3 December 2026)" in (
        compose_alert(bare, ENVELOPE).get_body(("plain",)).get_content()
    )


def test_a_digest_has_one_entry_per_release_that_says_it_is_withdrawn() -> None:
    version = _item(1)
    told = _item(2, withdrawal=Withdrawal(REASON, WHEN), is_withdrawal=True)
    other = replace(_item(3), release_id=11, title="Spring guidance")
    merged = one_per_release([version, other, told])
    assert [(i.alert_id, i.carried, i.withdrawal) for i in merged] == [
        (1, (1, 2), Withdrawal(REASON, WHEN)),
        (3, (3,), None),
    ]
    assert one_per_release([told]) == [told]  # the withdrawal alone is an entry of its own
    mail = compose_digest(
        merged, ENVELOPE, frequency="daily", period_key="2026-12-03", period_label="3 December"
    )
    assert "· 2 releases ·" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert text.count("Winter guidance") == 1
    lines = text.splitlines()
    dated = lines.index("  Published 3 December 2026 · govuk")
    # the withdrawal line under the dateline, then the entry as any other: a blank line, the URL
    assert lines[dated + 1 : dated + 4] == [f"  {LINE}", "", f"  {RELEASE.url}"]
    assert LINE in mail.get_body(("html",)).get_content()
